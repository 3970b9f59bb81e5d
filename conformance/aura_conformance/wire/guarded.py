"""A wire backend's guard chain: its flow budget, its receipts and its relayed path.

``Connect`` and ``RelayConnect`` are Rendezvous.tla's ``PrepareEstablishChannel``
on the direct and the relayed path: a valid descriptor of the peer, then budget
(a charge of ``c`` is allowed iff ``spent + c <= limit`` for (context, itself,
epoch); a new epoch starts at 0), then the charge, and only then the send. A deny
sends nothing. :class:`GuardPorts` is the reference's: the budget store,
receipt issuer and effect interpreter of the member's own
:class:`~aura_rendezvous.RendezvousService` (the one its descriptors live in),
whose channel endpoint shares the member's channel manager, so a relayed
handshake builds the same channel a direct one would. Every charge and send is
logged in the order it ran (the reply's ``effects``).

On the relayed path the backend's messages are :class:`RelayEnvelope` bytes,
each followed in ``sent`` by the encoded receipt that pays for it (message 1
and 2; the key confirmation is not paid for). The reference's own encoders
make both, so a change of either format is followed here.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from aura_rendezvous import (
    CAP_RENDEZVOUS_CONNECT,
    CAP_RENDEZVOUS_PUBLISH,
    CAP_RENDEZVOUS_RELAY,
    AuraError,
    AuthorityId,
    EffectInterpreter,
    GuardOutcome,
    GuardSnapshot,
    ReceiptIssuer,
    RelayEnvelope,
    SendEffect,
)
from aura_rendezvous.channels import ChannelEndpoint, ChannelManager
from aura_rendezvous.guard import ChargeToken, budget_allows
from aura_rendezvous.noise import Keypair

from aura_conformance.guard_chain.effects import SEND, Effect, EffectLog, ObservedBudget
from aura_conformance.wire.authority import TIMEOUT_MS, Delivery
from aura_conformance.wire.descriptors import DescriptorDesk

__all__ = ["PEER_CAPS", "RELAY_ACTIONS", "GuardPorts", "wire_items"]

# The relayed path: start a handshake through the relay, take an envelope it forwarded.
RELAY_ACTIONS = ("RelayConnect", "DeliverRelayed")
PEER_CAPS = frozenset({CAP_RENDEZVOUS_PUBLISH, CAP_RENDEZVOUS_CONNECT, CAP_RENDEZVOUS_RELAY})


def wire_items(sends: Sequence[SendEffect]) -> tuple[bytes, ...]:
    """What relay sends put on the wire: each envelope, then its receipt if paid for."""
    out: list[bytes] = []
    for send in sends:
        envelope = getattr(send, "envelope", None)
        if not isinstance(envelope, RelayEnvelope):
            continue
        out.append(envelope.encode())
        if send.receipt:
            out.append(send.receipt)
    return tuple(out)


class GuardPorts:
    """One member's budget, receipts and relayed path, over its descriptor desk's service
    and its channel manager (``manager``: the one its direct handshakes use)."""

    def __init__(
        self,
        desk: DescriptorDesk,
        *,
        static: Keypair,
        manager: ChannelManager | None,
        limit: int,
        connect_cost: int,
        relay_connect_cost: int,
    ) -> None:
        self.desk = desk
        self.log = EffectLog()
        self.budget = self._store(limit)
        self.limit = limit
        self.connect_cost = connect_cost
        self.relay_connect_cost = relay_connect_cost
        self.outbox: list[SendEffect] = []
        service = desk.service
        # The relayed handshake must build the channel the member's Send and Deliver
        # use: the service's endpoint takes the member's manager and static key.
        self.relayed = manager is not None
        if manager is not None:
            endpoint = ChannelEndpoint(desk.id, static.private, service.config.nonce_source)
            endpoint.timeout_ms = TIMEOUT_MS
            endpoint.manager = manager
            service.channel_endpoint = endpoint
        self.interpreter = self._interpreter()

    def _store(self, limit: int) -> ObservedBudget:
        return ObservedBudget(self.log, default_limit=limit)

    def _interpreter(self) -> EffectInterpreter:
        service = self.desk.service
        return EffectInterpreter(
            self.desk.id,
            self.budget,
            service.journals,
            ReceiptIssuer(self.desk.keys),
            self._send,
            channels=service.channel_endpoint,
            verifiers=service.receipt_verifiers,
            forwards=service.forwarded,
        )

    def _send(self, effect: SendEffect) -> None:
        self.outbox.append(effect)
        self.log.add(Effect(SEND, detail=type(effect).__name__))

    def take(self) -> tuple[Effect, ...]:
        return self.log.take()

    # -- the budget ------------------------------------------------------------

    def spent(self, epoch: int) -> int:
        return self.budget.spent(self.desk.context, self.desk.id, epoch)

    def room(self, epoch: int, cost: int) -> bool:
        """DESIGN.md 4: a charge of ``cost`` is allowed iff ``spent + cost <= limit``."""
        return budget_allows(self.spent(epoch), cost, self.limit)

    def charge(self, epoch: int, cost: int) -> ChargeToken:
        return self.budget.charge(self.desk.context, self.desk.id, epoch, cost)

    def connect(self, epoch: int, start: Callable[[], Delivery]) -> Delivery:
        """Budget, charge, then the send ``start()`` makes (message 1); the charge is
        given back if nothing was sent."""
        if not self.room(epoch, self.connect_cost):
            return Delivery("Denied:InsufficientBudget")
        token = self.charge(epoch, self.connect_cost)
        done = start()
        if done.sent:
            self.log.add(Effect(SEND, detail="SendHandshake"))
        else:
            self.budget.undo(token)
        return done

    # -- the relayed path ------------------------------------------------------

    def snapshot(self, epoch: int) -> GuardSnapshot:
        remaining = self.budget.remaining(self.desk.context, self.desk.id, epoch)
        return GuardSnapshot(self.desk.id, self.desk.context, max(remaining, 0), PEER_CAPS, epoch)

    def run(self, outcome: GuardOutcome) -> tuple[SendEffect, ...]:
        """Run ``outcome``; the sends it made (none for a deny or a rollback)."""
        self.interpreter.execute(outcome)
        sent, self.outbox = tuple(self.outbox), []
        return sent

    def items(self, sends: Sequence[SendEffect]) -> tuple[bytes, ...]:
        """The bytes ``sends`` put on the wire."""
        return wire_items(sends)

    def relay_connect(self, epoch: int, timestamp: int) -> Delivery:
        """``RelayConnect``: the reference's relayed ``PrepareEstablishChannel`` through
        the first usable relay of the peer's chosen descriptor."""
        if not self.relayed:
            return Delivery("Refused:NoRelayedPath")
        service, desk = self.desk.service, self.desk
        psk = desk.membership.handshake_psk(epoch)
        try:
            # The harness stamps every handshake (its clock plus a few ms); the
            # endpoint stamps a start with the clock it is given.
            outcome = service.prepare_relay_request(
                self.snapshot(epoch), desk.context, desk.peer, psk, now_ms=timestamp
            )
        except AuraError as exc:
            return Delivery(f"Refused:{type(exc).__name__}")
        if not outcome.is_allowed():
            return Delivery(f"Denied:{_reason(outcome)}")
        items = self.items(self.run(outcome))
        return Delivery("Started" if items else "RolledBack", items)

    def deliver_relayed(
        self, relay: AuthorityId, data: bytes, receipt: bytes, epoch: int, now: int
    ) -> Delivery:
        """``DeliverRelayed``: an envelope the relay forwarded, with the relay's receipt."""
        if not self.relayed:
            return Delivery("Refused:NoRelayedPath")
        desk = self.desk
        try:
            envelope = RelayEnvelope.decode(data)
            outcome = desk.service.prepare_handle_relayed(
                self.snapshot(epoch),
                relay,
                envelope,
                desk.membership.handshake_psk(epoch),
                now_ms=now,
                receipt=receipt or None,
            )
        except AuraError as exc:
            return Delivery(f"Rejected:{type(exc).__name__}")
        if not outcome.is_allowed():
            return Delivery(f"Denied:{_reason(outcome)}")
        items = self.items(self.run(outcome))
        return Delivery("Relayed" if items else "Taken", items)


def _reason(outcome: GuardOutcome) -> str:
    reason = getattr(outcome.decision, "reason", None)
    return str(getattr(reason, "name", reason))
