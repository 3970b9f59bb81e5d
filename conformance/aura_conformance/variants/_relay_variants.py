"""Deliberately broken variants of the relayed path ("buggy backends").

Each keeps one shortfall of the relayed choreography as the service had it
before the relay path was completed, so the relay conformance harness
(:mod:`aura_conformance.relay`) and the tests can show that they catch it.
Nothing in the reference implementation uses them. Re-exported by
:mod:`aura_conformance.variants`.
"""

from __future__ import annotations

from collections.abc import Collection

from aura_rendezvous import (
    CAP_RELAY_FORWARD,
    CAP_RENDEZVOUS_RELAY,
    CONNECT_RELAY_COST,
    RELAY_FORWARD_COST,
    AuthorityId,
    ChargeFlowBudget,
    ContextId,
    DenyReason,
    ForwardRelayEnvelope,
    GuardOutcome,
    GuardSnapshot,
    RecordForward,
    RelayEnvelope,
    RendezvousService,
    SendRelayRequest,
    WebSocketRelay,
    check_relayable,
    evaluate_guards,
)
from aura_rendezvous.channels import MessageType, message_type
from aura_rendezvous.core import ForwardedEnvelopes, MalformedEnvelope
from aura_rendezvous.guard import EffectCommand, StartHandshake, receipt_subject

__all__ = [
    "DirectConfirmationService",
    "FirstRelayOnlyService",
    "JunkForwardingRelayService",
    "ReplayForwardingRelayService",
    "UnchargedRelayRequestService",
]


class JunkForwardingRelayService(RendezvousService):
    """The relay charges for and forwards any envelope between two members, protocol
    message or not (breaks RVRelayForwardsOnlyProtocol)."""

    def prepare_relay_forward(
        self, snapshot: GuardSnapshot, envelope: RelayEnvelope, *, receipt: bytes | None = None
    ) -> GuardOutcome:
        # Its one mistake is the junk: a protocol message's epoch and receipt are
        # checked as the reference checks them.
        kind: MessageType | None = None
        try:
            kind = check_relayable(envelope, self.authority_id)
        except MalformedEnvelope:
            pass
        else:
            self._check_forward_epoch(snapshot, envelope, kind)
        paid_by_src = kind in (MessageType.HandshakeInit, MessageType.HandshakeResponse)
        self.forwarded.check(envelope, snapshot.epoch)

        def couple(charge: ChargeFlowBudget) -> GuardOutcome:
            membership = self._coupling.check(
                snapshot, envelope.context_id, envelope.src, envelope.dst
            )
            if isinstance(membership, DenyReason):
                return GuardOutcome.deny(membership)
            paid = self._accept_receipt(
                snapshot,
                envelope.context_id,
                envelope.src,
                receipt,
                required=paid_by_src,
                subject=receipt_subject(envelope.encode()),
            )
            return GuardOutcome.allow(
                [
                    charge,
                    RecordForward(
                        envelope.context_id, snapshot.epoch, ForwardedEnvelopes.digest(envelope)
                    ),
                    *paid,
                    self._receipt("relay_forward", charge, envelope.dst),
                    ForwardRelayEnvelope(envelope.dst, envelope),
                ]
            )

        return evaluate_guards(snapshot, CAP_RELAY_FORWARD, RELAY_FORWARD_COST, couple)


class DirectConfirmationService(RendezvousService):
    """The initiator reads a relayed message 2 as a direct one, so its key confirmation
    goes out as a plain ``SendHandshakeResponse`` to the responder, bypassing the relay
    (breaks RVRelayedEndToEnd)."""

    def prepare_handle_relayed(
        self,
        snapshot: GuardSnapshot,
        relay: AuthorityId,
        envelope: RelayEnvelope,
        psk: bytes,
        *,
        now_ms: int,
        receipt: bytes | None = None,
    ) -> GuardOutcome:
        if message_type(envelope.payload) is MessageType.HandshakeResponse:
            return self.prepare_handle_handshake(
                snapshot, envelope.context_id, envelope.src, envelope.payload, psk, now_ms=now_ms
            )
        return super().prepare_handle_relayed(
            snapshot, relay, envelope, psk, now_ms=now_ms, receipt=receipt
        )

    def _accept_receipt(
        self,
        snapshot: GuardSnapshot,
        context_id: ContextId,
        sender: AuthorityId,
        receipt: bytes | None,
        *,
        required: bool = False,
        subject: bytes | None = None,
    ) -> list[EffectCommand]:
        # A relayed message 2 carries the relay's receipt, not the responder's:
        # read as a direct one, it has none to require.
        del required
        return super()._accept_receipt(snapshot, context_id, sender, receipt, subject=subject)


class FirstRelayOnlyService(RendezvousService):
    """Only the descriptor's first relay hint is ever tried: a non-member first relay
    denies the connect, and a caller's ``exclude`` is ignored, so a peer reachable
    through its second relay is never connected."""

    def prepare_relay_request(
        self,
        snapshot: GuardSnapshot,
        context_id: ContextId,
        peer: AuthorityId,
        psk: bytes,
        *,
        now_ms: int,
        exclude: Collection[AuthorityId] = (),
    ) -> GuardOutcome:
        def couple(charge: ChargeFlowBudget) -> GuardOutcome:
            membership = self._coupling.check_with_psk(snapshot, context_id, psk, peer)
            if isinstance(membership, DenyReason):
                return GuardOutcome.deny(membership)
            desc = self._peer_descriptor(context_id, peer, psk, now_ms, snapshot.epoch)
            if isinstance(desc, DenyReason):
                return GuardOutcome.deny(desc)
            relays = [h for h in desc.transport_hints if isinstance(h, WebSocketRelay)]
            if not relays or relays[0].relay_authority not in membership.roster:
                return GuardOutcome.deny(DenyReason.NoValidDescriptor)
            relay = relays[0].relay_authority
            start = self.channel_endpoint.prepare_start(
                membership, snapshot.epoch, peer, psk, now_ms
            )
            envelope = RelayEnvelope(context_id, self.authority_id, peer, start.message)
            return GuardOutcome.allow(
                [
                    charge,
                    self._receipt("relay_request", charge, relay),
                    StartHandshake(
                        context_id, peer, snapshot.epoch, start.timestamp, start.handshaker
                    ),
                    SendRelayRequest(relay, envelope),
                ]
            )

        return evaluate_guards(snapshot, CAP_RENDEZVOUS_RELAY, CONNECT_RELAY_COST, couple)


class _NoMemory(ForwardedEnvelopes):
    """Remembers nothing: every envelope looks new, when prepared and when recorded."""

    def holds(self, context_id: ContextId, epoch: int, digest: bytes) -> bool:
        del context_id, epoch, digest
        return False


class ReplayForwardingRelayService(RendezvousService):
    """The relay keeps no memory of what it forwarded: a replayed envelope is
    forwarded, and paid for, again (breaks RVRelayForwardsOnce)."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.forwarded = _NoMemory()


class UnchargedRelayRequestService(RendezvousService):
    """``RelayRequest`` charged nothing (the seed's cost tables disagreed on it): the
    initiator's message 1 goes to the relay and only the relay pays its forward."""

    def prepare_relay_request(
        self,
        snapshot: GuardSnapshot,
        context_id: ContextId,
        peer: AuthorityId,
        psk: bytes,
        *,
        now_ms: int,
        exclude: Collection[AuthorityId] = (),
    ) -> GuardOutcome:
        outcome = super().prepare_relay_request(
            snapshot, context_id, peer, psk, now_ms=now_ms, exclude=exclude
        )
        if not outcome.is_allowed():
            return outcome
        free = ChargeFlowBudget(context_id, snapshot.authority_id, snapshot.epoch, 0)
        rest = [e for e in outcome.effects if not isinstance(e, ChargeFlowBudget)]
        return GuardOutcome.allow([free, *rest])
