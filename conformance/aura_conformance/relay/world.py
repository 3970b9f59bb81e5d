"""The relay world: three services of the reference implementation on one context.

Ini (``a1``) connects to Resp (``a2``) through the relay ``r1``, which Resp's
descriptor names in its second ``WebSocketRelay`` hint: the first names ``eve``,
no member of the context, so Ini must skip it (RelayConformance.tla's ``Hints``).
Each authority has its own service, flow budget store, receipt issuer and
interpreter (whose channel port is its service's endpoint); every envelope is
real: Noise IKpsk2 messages, the key confirmation sealed by the channel layer,
and the relay's guard chain. The network is the harness: it hands any envelope
that was sent to the step that consumes it.

Every send is recorded under its Rendezvous.tla message record (type, source,
hop, final destination, handshake id); the record's type is read from the
bytes (a handshake message 1 or 2, a transport message, or anything else:
``Junk``). A buggy backend is this world with a service of
:mod:`aura_conformance.variants` in the relay's or the peers' place
(:data:`RELAY_VARIANTS`).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable

import attrs
from aura_rendezvous import (
    CAP_RELAY_FORWARD,
    CAP_RENDEZVOUS_CONNECT,
    CAP_RENDEZVOUS_PUBLISH,
    CAP_RENDEZVOUS_RELAY,
    AuthorityId,
    AuthorityKeys,
    ContextId,
    ContextMembership,
    DecodeError,
    DescriptorFact,
    EffectInterpreter,
    ExecutionStatus,
    FlowBudgetStore,
    ForwardRelayEnvelope,
    GuardOutcome,
    GuardSnapshot,
    ReceiptIssuer,
    RelayEnvelope,
    RemoteProtocolError,
    RendezvousConfig,
    RendezvousService,
    Roster,
    SendEffect,
    SendHandshakeResponse,
    SendRelayData,
    SendRelayRequest,
    SendRelayResponse,
    WebSocketRelay,
)
from aura_rendezvous.channels import MessageType, message_type
from aura_rendezvous.noise import Keypair

from aura_conformance.guard_chain.effects import SEND, Effect, EffectLog, ObservedBudget
from aura_conformance.variants import (
    DirectConfirmationService,
    FirstRelayOnlyService,
    JunkForwardingRelayService,
    ReplayForwardingRelayService,
    UnchargedRelayRequestService,
)
from aura_conformance.wire.keyring import INI as WIRE_INI
from aura_conformance.wire.keyring import RESP as WIRE_RESP
from aura_conformance.wire.keyring import Keyring, Member

__all__ = [
    "CTX",
    "INI",
    "LIMIT",
    "MAX_HS",
    "OUTSIDER",
    "RELAY",
    "RELAY_EPOCH",
    "RELAY_VARIANTS",
    "RESP",
    "MessageKey",
    "RelayVariant",
    "RelayWorld",
    "relay_ids",
    "relay_keyring",
]

# The constants of relay/tla/MC_RelayConformance.cfg; the world is built to match them.
INI, RESP, RELAY, CTX = "a1", "a2", "r1", "c1"
OUTSIDER = "eve"  # the first relay hint of Resp's descriptor: no member
LIMIT = 8
MAX_HS = 2
_EPOCH = 1  # the implementation's epoch; the relay path of the spec has one (0)
RELAY_EPOCH = _EPOCH

# (type, src, dst, to, id): a Rendezvous.tla message record of the relay path.
MessageKey = tuple[str, str, str, str, int]

_IDS = {name: AuthorityId(name.encode().ljust(32, b".")) for name in (INI, RESP, RELAY, OUTSIDER)}
_NAMES = {a: name for name, a in _IDS.items()}
_CONTEXT = ContextId(b"relay-conformance-context".ljust(32, b"."))
_ROOT = b"root-secret-of-the-relay-context"
_TYPES = {
    MessageType.HandshakeInit: "Init",
    MessageType.HandshakeResponse: "Resp",
    MessageType.Transport: "Confirm",
}
_PEER_CAPS = frozenset({CAP_RENDEZVOUS_PUBLISH, CAP_RENDEZVOUS_CONNECT, CAP_RENDEZVOUS_RELAY})
_JUNK = b"not a protocol message"


@attrs.frozen
class RelayVariant:
    """Which service class the peers and the relay run; ``breaks`` names the invariant
    the variant is expected to violate (``None`` for the reference)."""

    peers: type[RendezvousService] = RendezvousService
    relay: type[RendezvousService] = RendezvousService
    breaks: str | None = None


RELAY_VARIANTS: dict[str, RelayVariant] = {
    "ref": RelayVariant(),
    "junk-forwarding-relay": RelayVariant(
        relay=JunkForwardingRelayService, breaks="RVRelayForwardsOnlyProtocol"
    ),
    "direct-confirmation": RelayVariant(
        peers=DirectConfirmationService, breaks="RVRelayedEndToEnd"
    ),
    "first-relay-only": RelayVariant(peers=FirstRelayOnlyService, breaks="RVRelayFallback"),
    "replay-forwarding-relay": RelayVariant(
        relay=ReplayForwardingRelayService, breaks="RVRelayForwardsOnce"
    ),
    # Seen in what Ini's ports did: a send with no CONNECT_RELAY_COST charged before it.
    "uncharged-relay-request": RelayVariant(
        peers=UnchargedRelayRequestService, breaks="GCAtomicRollback"
    ),
}


def _keys(name: str) -> AuthorityKeys:
    return AuthorityKeys.from_seed(
        _IDS[name], b"relay-conformance-seed:".ljust(32, b".") + name.encode()
    )


def relay_keyring() -> Keyring:
    """The world's constants as the wire mode holds them (Ini and Resp's ids and static
    keys, the context and its root secret): the harness opens the relayed message 1s
    a backend sends with them (:mod:`aura_conformance.sent_messages`)."""
    members = {
        role: Member(_IDS[name].value, Keypair.from_private(_keys(name).static_private))
        for role, name in ((WIRE_INI, INI), (WIRE_RESP, RESP))
    }
    impostor = Keypair.from_private(b"relay-conformance-impostor".ljust(32, b"."))
    return Keyring(_CONTEXT.value, _ROOT, members, impostor)


def relay_ids() -> dict[str, bytes]:
    """The authority id of each name of the world (members, relay, outsider)."""
    return {name: aid.value for name, aid in _IDS.items()}


def _nonces(name: str) -> Callable[[int], bytes]:
    counter = itertools.count(1)
    return lambda n: (name.encode() + next(counter).to_bytes(8, "big")).rjust(n, b"\x00")[-n:]


@attrs.define
class _Node:
    service: RendezvousService
    budget: FlowBudgetStore
    interpreter: EffectInterpreter
    outbox: list[SendEffect]
    caps: frozenset[str]
    # Each charge, charge given back and send of this node, in the order they ran.
    effects: EffectLog

    def snapshot(self) -> GuardSnapshot:
        me = self.service.authority_id
        remaining = self.budget.remaining(_CONTEXT, me, _EPOCH)
        return GuardSnapshot(me, _CONTEXT, remaining, self.caps, _EPOCH)

    def run(self, outcome: GuardOutcome) -> list[SendEffect]:
        """Run ``outcome``; the sends it made (none for a deny)."""
        result = self.interpreter.execute(outcome)
        if result.status is not ExecutionStatus.Committed:
            return []
        sent, self.outbox[:] = list(self.outbox), []
        return sent


def _node(
    name: str, cls: type[RendezvousService], membership: ContextMembership, caps: frozenset[str]
) -> _Node:
    keys = _keys(name)
    config = RendezvousConfig(keys, [membership], _nonces(name), descriptor_validity_ms=3_600_000)
    service = cls.new(_IDS[name], config)
    effects = EffectLog()
    budget = ObservedBudget(effects, default_limit=LIMIT)
    outbox: list[SendEffect] = []

    def send(effect: SendEffect) -> None:
        outbox.append(effect)
        effects.add(Effect(SEND, detail=type(effect).__name__))

    interpreter = EffectInterpreter(
        _IDS[name],
        budget,
        service.journals,
        ReceiptIssuer(keys),
        send,
        channels=service.channel_endpoint,
        verifiers=service.receipt_verifiers,
        forwards=service.forwarded,
    )
    return _Node(service, budget, interpreter, outbox, caps, effects)


class RelayWorld:
    """Ini, Resp and the relay; every envelope sent, by message record."""

    def __init__(self, variant: RelayVariant) -> None:
        roster = Roster.of(*(_keys(n) for n in (INI, RESP, RELAY)))
        self.membership = ContextMembership(_CONTEXT, roster, _ROOT)
        self.psk = self.membership.handshake_psk(_EPOCH)
        self.nodes = {
            INI: _node(INI, variant.peers, self.membership, _PEER_CAPS),
            RESP: _node(RESP, variant.peers, self.membership, _PEER_CAPS),
            RELAY: _node(RELAY, variant.relay, self.membership, frozenset({CAP_RELAY_FORWARD})),
        }
        self.msgs: dict[MessageKey, RelayEnvelope] = {}
        # The receipt that paid for each envelope's hop (empty for an unpaid one).
        self.receipts: dict[MessageKey, bytes] = {}
        self.next_id = 1
        # Per sender, each envelope it put on the network since the last
        # take_effects: (its record, its bytes), in order.
        self._recorded: dict[str, list[tuple[MessageKey, bytes]]] = {}
        self._publish()
        for node in self.nodes.values():
            node.effects.take()  # the publish is the world's setup, not a step

    def _publish(self) -> None:
        resp, ini = self.nodes[RESP], self.nodes[INI]
        outcome = resp.service.prepare_publish_descriptor(
            resp.snapshot(),
            _CONTEXT,
            [WebSocketRelay(_IDS[OUTSIDER]), WebSocketRelay(_IDS[RELAY])],
            0,
        )
        resp.run(outcome)
        for fact in resp.service.journal(_CONTEXT).facts():
            if isinstance(fact, DescriptorFact):
                ini.service.cache_descriptor(fact.sealed)

    def take_effects(self) -> tuple[Effect, ...]:
        """Each node's charges, charges given back and sends since the last call, by
        node, each marked with who ran it; a send carries its bytes and its world
        message key as ``message`` (the backend makes that the spec's record)."""
        out = []
        for name, node in self.nodes.items():
            recorded = self._recorded.pop(name, [])
            for seen in node.effects.take():
                effect = attrs.evolve(seen, by=name)
                if effect.kind == SEND and recorded:
                    key, data = recorded.pop(0)
                    effect = attrs.evolve(effect, message=key, data=data)
                out.append(effect)
        return tuple(out)

    def relay_spent(self) -> int:
        return self.nodes[RELAY].budget.spent(_CONTEXT, _IDS[RELAY], _EPOCH)

    # -- the network's view ----------------------------------------------------

    @staticmethod
    def kind(payload: bytes) -> str:
        try:
            return _TYPES[message_type(payload)]
        except DecodeError:
            return "Junk"

    def _record(self, sender: str, effect: SendEffect, hs_id: int) -> MessageKey:
        """Put one send on the wire under its message record."""
        if isinstance(effect, SendRelayRequest | SendRelayResponse | SendRelayData):
            envelope, hop = effect.envelope, _NAMES[effect.relay]
        elif isinstance(effect, ForwardRelayEnvelope):
            envelope, hop = effect.envelope, _NAMES[effect.to]
        elif isinstance(effect, SendHandshakeResponse):
            # A direct send during a relayed handshake: the envelope it would have had.
            peer = effect.peer
            envelope = RelayEnvelope(_CONTEXT, _IDS[sender], peer, effect.message)
            hop = _NAMES[peer]
        else:
            raise AssertionError(f"unexpected send {effect!r} on the relay path")
        key = (
            self.kind(envelope.payload),
            _NAMES[envelope.src],
            hop,
            _NAMES[envelope.dst],
            hs_id,
        )
        self.msgs[key] = envelope
        self.receipts[key] = effect.receipt
        return key

    def _sent(self, sender: str, outcome: GuardOutcome, hs_id: int) -> str:
        sends = self.nodes[sender].run(outcome)
        if not sends:
            return f"{sender}: nothing sent ({outcome.decision})"
        keys = [self._record(sender, s, hs_id) for s in sends]
        self._recorded.setdefault(sender, []).extend((k, self.msgs[k].encode()) for k in keys)
        return f"{sender} sent {keys}"

    # -- the spec's actions ----------------------------------------------------

    def relay_request(self) -> str:
        ini = self.nodes[INI]
        outcome = ini.service.prepare_relay_request(
            ini.snapshot(), _CONTEXT, _IDS[RESP], self.psk, now_ms=self.next_id
        )
        hs_id = self.next_id
        self.next_id += 1
        return self._sent(INI, outcome, hs_id)

    def inject_junk(self) -> str:
        envelope = RelayEnvelope(_CONTEXT, _IDS[INI], _IDS[RESP], _JUNK)
        self.msgs[("Junk", INI, RELAY, RESP, 0)] = envelope
        return "junk handed to the relay"

    def relay_forward(self, key: MessageKey) -> str:
        relay = self.nodes[RELAY]
        try:
            outcome = relay.service.prepare_relay_forward(
                relay.snapshot(), self.msgs[key], receipt=self.receipts.get(key) or None
            )
        except RemoteProtocolError as exc:
            return f"relay refused: {type(exc).__name__} ({exc.reason})"
        return self._sent(RELAY, outcome, key[4])

    def deliver(self, key: MessageKey) -> str:
        """The envelope ``key`` at its destination (HandleHandshake, ProcessResponse,
        KeyConfirm): that service handles it as a relayed message."""
        _, _, hop, to, hs_id = key
        if hop != to:
            return f"{key} is not at its destination yet"
        node = self.nodes[to]
        try:
            outcome = node.service.prepare_handle_relayed(
                node.snapshot(),
                _IDS[RELAY],
                self.msgs[key],
                self.psk,
                now_ms=hs_id,
                receipt=self.receipts.get(key) or None,
            )
        except RemoteProtocolError as exc:
            return f"{to} rejected: {type(exc).__name__} ({exc.reason})"
        return self._sent(to, outcome, hs_id)
