"""The relay world: three services of the reference implementation on two contexts.

Ini (``a1``) connects to Resp (``a2``) through the relay ``r1``, which Resp's
descriptor names in its second ``WebSocketRelay`` hint: the first names ``eve``,
no member of the context, so Ini must skip it (RelayConformance.tla's ``Hints``).
All three are members of both contexts; the relay holds ``relay:forward`` in
``c1`` only (``RelayCtx``). The world has a clock (``Tick``: one unit of the
spec's time is :data:`TICK_MS`), an epoch per context (``AdvanceEpoch``), Resp's
descriptors (``PublishDescriptor``, ``RevokeDescriptor``: into Resp's journal
only), journal sync (``SyncJournal``: Ini pulls, Resp's sealed answers go on
a sync wire the harness carries as bytes, and any answer on it, old or new, is
delivered to Ini, once or again; one never delivered is lost), a direct
handshake (``PrepareEstablishChannel``: Resp's descriptors end with a
``TcpDirect`` hint), an impostor (``ImpersonateInit``) and an outsider
(``InjectInit``: ``eve``'s own keys, on no roster).
Each authority has its own service, flow budget store, receipt issuer and
interpreter (whose channel port is its service's endpoint); every envelope is
real: Noise IKpsk2 messages, the key confirmation sealed by the channel layer,
and the relay's guard chain. The network is the harness: it hands any envelope
that was sent to the step that consumes it. The one fault the world injects is
in the relay's receipt issuer (:class:`FaultyIssuer`): its next receipt fails
to be recorded, the effect after the relay's acceptance of the sender's
receipt, so the forward's outcome rolls back whole (``RelayForwardFails``),
the acceptance with it.

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
from typing import Any

import attrs
from aura_rendezvous import (
    CAP_RELAY_FORWARD,
    CAP_RENDEZVOUS_CONNECT,
    CAP_RENDEZVOUS_PUBLISH,
    CAP_RENDEZVOUS_RELAY,
    CONNECT_RELAY_COST,
    RELAY_FORWARD_COST,
    AuraError,
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
    SealedDescriptor,
    SendEffect,
    SendHandshake,
    SendHandshakeResponse,
    SendRelayData,
    SendRelayRequest,
    SendRelayResponse,
    TcpDirect,
    WebSocketRelay,
)
from aura_rendezvous.channels import MessageType, message_type
from aura_rendezvous.descriptors import open_descriptor
from aura_rendezvous.guard import Receipt, ReceiptToken, receipt_subject
from aura_rendezvous.journal import DescriptorRevoked, SealedSyncMessage
from aura_rendezvous.noise import Keypair

from aura_conformance.guard_chain.effects import SEND, Effect, EffectLog, ObservedBudget
from aura_conformance.variants import (
    CommitmentBlindService,
    DirectConfirmationService,
    DstBlindReceiptsService,
    ExpiredDescriptorService,
    FirstRelayOnlyService,
    JunkForwardingRelayService,
    NonMemberForwardingRelay,
    RelayedUncheckedStaticKeyService,
    ReplayForwardingRelayService,
    SeedCostRelayService,
    SenderBlindReceiptService,
    SubjectBlindRelayService,
    UncappedRelayService,
    UnchargedRelayRequestService,
    UnpaidResponseRelayService,
)
from aura_conformance.wire.keyring import INI as WIRE_INI
from aura_conformance.wire.keyring import RESP as WIRE_RESP
from aura_conformance.wire.keyring import Keyring, Member

__all__ = [
    "CONTEXTS",
    "CTX",
    "CTX2",
    "INI",
    "LIMIT",
    "MAX_DESC",
    "MAX_EPOCH",
    "MAX_HS",
    "MAX_TIME",
    "OUTSIDER",
    "RELAY",
    "RELAY_CTX",
    "RELAY_EPOCH",
    "RELAY_VARIANTS",
    "RESP",
    "TICK_MS",
    "VALIDITY",
    "DescriptorRecord",
    "EpochBlindRelayService",
    "FactRecord",
    "FaultyIssuer",
    "IssuerFault",
    "MessageKey",
    "RelayVariant",
    "RelayWorld",
    "relay_ids",
    "relay_keyring",
]

# The constants of relay/tla/RelayConformance.cfg; the world is built to match them.
INI, RESP, RELAY, CTX, CTX2 = "a1", "a2", "r1", "c1", "c2"
CONTEXTS = (CTX, CTX2)
RELAY_CTX = frozenset({CTX})  # where the relay holds relay:forward
OUTSIDER = "eve"  # the first relay hint of Resp's descriptor: no member
LIMIT = 8
MAX_HS = 2
MAX_TIME = 2
VALIDITY = 2  # a descriptor's validity, in units of the spec's time
MAX_EPOCH = 1
MAX_DESC = 3  # Resp's descriptors per context, the first published at Reset
TICK_MS = 1_000  # one unit of the spec's time on the implementation's clock
_EPOCH = 1  # the implementation's epoch of the spec's epoch 0
RELAY_EPOCH = _EPOCH

# (type, src, dst, to, id, ctx, ep, dok, path): a Rendezvous.tla message record
# (``ep`` is the spec's epoch, ``path`` "relay" or "direct").
MessageKey = tuple[str, str, str, str, int, str, int, bool, str]
# (from, until, nonce, ep): a descriptor of Resp, in the spec's units.
DescriptorRecord = tuple[int, int, int, int]
# (kind, from, until, nonce, ep): a descriptor of Resp ("Descriptor") or its
# revocation ("Revoked", the revoked descriptor's fields), as a journal holds it.
FactRecord = tuple[str, int, int, int, int]

_IDS = {name: AuthorityId(name.encode().ljust(32, b".")) for name in (INI, RESP, RELAY, OUTSIDER)}
_NAMES = {a: name for name, a in _IDS.items()}
_CONTEXTS = {
    CTX: ContextId(b"relay-conformance-context".ljust(32, b".")),
    CTX2: ContextId(b"relay-conformance-context-two".ljust(32, b".")),
}
_CONTEXT = _CONTEXTS[CTX]
_ROOTS = {CTX: b"root-secret-of-the-relay-context", CTX2: b"root-secret-of-the-other-context"}
_ROOT = _ROOTS[CTX]
_TYPES = {
    MessageType.HandshakeInit: "Init",
    MessageType.HandshakeResponse: "Resp",
    MessageType.Transport: "Confirm",
}
_PEER_CAPS = frozenset({CAP_RENDEZVOUS_PUBLISH, CAP_RENDEZVOUS_CONNECT, CAP_RENDEZVOUS_RELAY})
_JUNK = b"not a protocol message"
# Resp's direct transport (its descriptors' last hint; the harness carries the bytes).
_DIRECT = TcpDirect("192.0.2.2:4433")


class EpochBlindRelayService(RendezvousService):
    """The relay as it was: it forwards a message of any epoch, its memory of what it
    forwarded being the current epoch's only, so an envelope replayed after the
    context's epoch moved is forwarded, and paid for, again (RVRelayForwardsOnce)."""

    def _check_forward_epoch(
        self, snapshot: GuardSnapshot, envelope: RelayEnvelope, kind: MessageType
    ) -> None:
        del snapshot, envelope, kind


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
    "epoch-blind-relay": RelayVariant(relay=EpochBlindRelayService, breaks="RVRelayForwardsOnce"),
    # Seen in what Ini's ports did: a send with no CONNECT_RELAY_COST charged before it.
    "uncharged-relay-request": RelayVariant(
        peers=UnchargedRelayRequestService, breaks="GCAtomicRollback"
    ),
    # The red team's probes, caught since the world has a clock, epochs, a second
    # context and an impostor (each by its directed scenario).
    "commitment-blind": RelayVariant(
        peers=CommitmentBlindService, breaks="RVConnectWithValidDescriptor"
    ),
    "expired-descriptor": RelayVariant(
        peers=ExpiredDescriptorService, breaks="RVConnectWithValidDescriptor"
    ),
    "relayed-unchecked-static-key": RelayVariant(
        peers=RelayedUncheckedStaticKeyService, breaks="RVMembersOnly"
    ),
    "uncapped-relay": RelayVariant(relay=UncappedRelayService, breaks="RVRelayAuthorized"),
    # The red team's third round, caught since the attacker misaddresses a message 1,
    # swaps, strips and reuses receipts, and every paid step's charge is its cost.
    "non-member-forwarding-relay": RelayVariant(
        relay=NonMemberForwardingRelay, breaks="RVMembersOnly"
    ),
    "dst-blind-receipts": RelayVariant(
        peers=DstBlindReceiptsService, relay=DstBlindReceiptsService, breaks="GCReceiptVerifiable"
    ),
    "sender-blind-receipt": RelayVariant(
        peers=SenderBlindReceiptService, relay=SenderBlindReceiptService, breaks="GCReceiptSigner"
    ),
    "seed-relay-cost": RelayVariant(peers=SeedCostRelayService, breaks="GCAtomicRollback"),
    "unpaid-response-relay": RelayVariant(
        relay=UnpaidResponseRelayService, breaks="GCReceiptVerifiable"
    ),
    "subject-blind-relay": RelayVariant(relay=SubjectBlindRelayService, breaks="RVRelayAuthorized"),
}


class IssuerFault(AuraError):
    """The injected failure of a receipt's recording."""


class FaultyIssuer(ReceiptIssuer):
    """The real issuer with one injectable fault: the next issue fails (a signing
    key's store unreachable), changing nothing."""

    fail_next = False

    def issue(self, *args: Any, **kwargs: Any) -> tuple[Receipt, ReceiptToken]:
        if self.fail_next:
            self.fail_next = False
            raise IssuerFault("injected receipt issue failure")
        return super().issue(*args, **kwargs)


def _keys(name: str) -> AuthorityKeys:
    return AuthorityKeys.from_seed(
        _IDS[name], b"relay-conformance-seed:".ljust(32, b".") + name.encode()
    )


def relay_keyring(ctx: str = CTX) -> Keyring:
    """The world's constants as the wire mode holds them (Ini and Resp's ids and static
    keys, the context ``ctx`` and its root secret): the harness opens the relayed
    message 1s a backend sends with them (:mod:`aura_conformance.sent_messages`)."""
    members = {
        role: Member(_IDS[name].value, Keypair.from_private(_keys(name).static_private))
        for role, name in ((WIRE_INI, INI), (WIRE_RESP, RESP))
    }
    impostor = Keypair.from_private(b"relay-conformance-impostor".ljust(32, b"."))
    return Keyring(_CONTEXTS[ctx].value, _ROOTS[ctx], members, impostor)


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
    caps: dict[str, frozenset[str]]  # by context name
    # Each charge, charge given back and send of this node, in the order they ran.
    effects: EffectLog
    issuer: FaultyIssuer
    # The status and error of the last outcome run (None: a deny's, or none yet).
    last: tuple[ExecutionStatus, str | None] | None = None

    def snapshot(self, ctx: str, epoch: int) -> GuardSnapshot:
        """The guard snapshot in context ``ctx`` at the implementation's ``epoch``."""
        me, context = self.service.authority_id, _CONTEXTS[ctx]
        remaining = self.budget.remaining(context, me, epoch)
        return GuardSnapshot(me, context, remaining, self.caps[ctx], epoch)

    def run(self, outcome: GuardOutcome) -> list[SendEffect]:
        """Run ``outcome``; the sends it made (none for a deny)."""
        result = self.interpreter.execute(outcome)
        self.last = (result.status, result.error)
        if result.status is not ExecutionStatus.Committed:
            return []
        sent, self.outbox[:] = list(self.outbox), []
        return sent


def _node(
    name: str,
    cls: type[RendezvousService],
    memberships: list[ContextMembership],
    caps: dict[str, frozenset[str]],
) -> _Node:
    keys = _keys(name)
    config = RendezvousConfig(
        keys, memberships, _nonces(name), descriptor_validity_ms=VALIDITY * TICK_MS
    )
    service = cls.new(_IDS[name], config)
    effects = EffectLog()
    budget = ObservedBudget(effects, default_limit=LIMIT)
    outbox: list[SendEffect] = []
    issuer = FaultyIssuer(keys)

    def send(effect: SendEffect) -> None:
        outbox.append(effect)
        effects.add(Effect(SEND, detail=type(effect).__name__))

    interpreter = EffectInterpreter(
        _IDS[name],
        budget,
        service.journals,
        issuer,
        send,
        channels=service.channel_endpoint,
        verifiers=service.receipt_verifiers,
        forwards=service.forwarded,
    )
    return _Node(service, budget, interpreter, outbox, caps, effects, issuer)


def _outsider(memberships: list[ContextMembership]) -> RendezvousService:
    """``eve`` under its own id and keys, on no roster (it knows the contexts' secrets)."""
    config = RendezvousConfig(_keys(OUTSIDER), memberships, _nonces(OUTSIDER))
    return RendezvousService.new(_IDS[OUTSIDER], config)


def _impostor(memberships: list[ContextMembership]) -> RendezvousService:
    """A service claiming Ini's id under a static key of its own (not Ini's roster key)."""
    keys = AuthorityKeys.from_seed(_IDS[INI], b"relay-conformance-impostor-seed".ljust(32, b"."))
    config = RendezvousConfig(keys, memberships, _nonces("impostor"))
    return RendezvousService.new(_IDS[INI], config)


class RelayWorld:
    """Ini, Resp and the relay; every envelope sent, by message record."""

    def __init__(self, variant: RelayVariant) -> None:
        roster = Roster.of(*(_keys(n) for n in (INI, RESP, RELAY)))
        self.memberships = {c: ContextMembership(_CONTEXTS[c], roster, _ROOTS[c]) for c in CONTEXTS}
        members = list(self.memberships.values())
        peer_caps = dict.fromkeys(CONTEXTS, _PEER_CAPS)
        # The relay is an ordinary member outside RelayCtx.
        relay_caps = {
            c: frozenset({CAP_RELAY_FORWARD}) if c in RELAY_CTX else _PEER_CAPS for c in CONTEXTS
        }
        self.nodes = {
            INI: _node(INI, variant.peers, members, peer_caps),
            RESP: _node(RESP, variant.peers, members, peer_caps),
            RELAY: _node(RELAY, variant.relay, members, relay_caps),
        }
        self.impostor = _impostor(members)
        self.outsider = _outsider(members)
        self.now = 0  # the spec's time
        self.epoch = dict.fromkeys(CONTEXTS, 0)  # the spec's epoch of each context
        # Resp's sealed descriptors, by context, in the order it published them.
        self.descriptors: dict[str, list[SealedDescriptor]] = {c: [] for c in CONTEXTS}
        # The sync wire, by context: each sealed answer of Resp's to a pull of
        # Ini's, encoded, in the order they were sent; delivering one leaves it
        # there (it may come again), and one never delivered is lost.
        self.sync_wire: dict[str, list[bytes]] = {c: [] for c in CONTEXTS}
        self._opened_memo: dict[SealedDescriptor, tuple[bytes, tuple[int, int, int]]] = {}
        self.msgs: dict[MessageKey, RelayEnvelope] = {}
        # The receipt that paid for each envelope's hop (empty for an unpaid one).
        self.receipts: dict[MessageKey, bytes] = {}
        self.next_id = 1
        self.junk_key: MessageKey | None = None
        # The context of the direct connect under way (its sends carry no envelope).
        self._direct_ctx = _CONTEXT
        # Per sender, each envelope it put on the network since the last
        # take_effects: (its record, its bytes), in order.
        self._recorded: dict[str, list[tuple[MessageKey, bytes]]] = {}
        for c in CONTEXTS:
            for node in self.nodes.values():
                node.service.advance_epoch(_CONTEXTS[c], _EPOCH)
            self._publish(c)
            # Init: Ini holds Resp's first descriptor (a real sync, off the wire).
            for answer in self._pull(c):
                self.nodes[INI].service.apply_sync(answer)
        for node in self.nodes.values():
            node.effects.take()  # the publish is the world's setup, not a step

    # -- the world's clock, epochs and descriptors -----------------------------

    def impl_epoch(self, ctx: str) -> int:
        return _EPOCH + self.epoch[ctx]

    def psk(self, ctx: str) -> bytes:
        return self.memberships[ctx].handshake_psk(self.impl_epoch(ctx))

    def now_ms(self, offset: int = 0) -> int:
        """The implementation's clock: the spec's time, plus ``offset`` ms (a handshake
        id, so that timestamps grow within one unit of time)."""
        return self.now * TICK_MS + offset

    def _snapshot(self, name: str, ctx: str) -> GuardSnapshot:
        return self.nodes[name].snapshot(ctx, self.impl_epoch(ctx))

    def _publish(self, ctx: str) -> str:
        resp = self.nodes[RESP]
        outcome = resp.service.prepare_publish_descriptor(
            self._snapshot(RESP, ctx),
            _CONTEXTS[ctx],
            [WebSocketRelay(_IDS[OUTSIDER]), WebSocketRelay(_IDS[RELAY]), _DIRECT],
            self.now_ms(),
        )
        resp.run(outcome)
        published = 0
        known = set(self.descriptors[ctx])
        for fact in resp.service.journal(_CONTEXTS[ctx]).facts():
            if isinstance(fact, DescriptorFact) and fact.sealed not in known:
                self.descriptors[ctx].append(fact.sealed)
                published += 1
        return f"published: {published} descriptor(s) of {RESP} in {ctx}"

    def _opened(self, ctx: str) -> list[tuple[bytes, DescriptorRecord]]:
        """Resp's descriptors of ``ctx`` as the world saw them published (not as a
        backend reports them), each with its nonce: validity in the spec's units, the
        publication number as the spec's nonce, and the epoch whose PSK it commits to."""
        membership = self.memberships[ctx]
        out = []
        for n, sealed in enumerate(self.descriptors[ctx], start=1):
            known = self._opened_memo.get(sealed)
            if known is None:
                # Opening is a decryption and a signature check: once per descriptor.
                d = open_descriptor(sealed, membership)
                ep = next(
                    (
                        e
                        for e in range(MAX_EPOCH + 1)
                        if membership.psk_commitment(_EPOCH + e) == d.handshake_psk_commitment
                    ),
                    -1,
                )
                known = (d.nonce, (d.valid_from // TICK_MS, d.valid_until // TICK_MS, ep))
                self._opened_memo[sealed] = known
            nonce, (start, until, ep) = known
            out.append((nonce, (start, until, n, ep)))
        return out

    def descriptor_records(self, ctx: str) -> list[DescriptorRecord]:
        """Resp's descriptors of ``ctx``, in the order it published them."""
        return [r for _, r in self._opened(ctx)]

    def fact_records(self, holder: str, ctx: str) -> list[FactRecord]:
        """Resp's descriptors and revocations in ``holder``'s replica of ``ctx``'s
        journal (a descriptor or revocation of one Resp never published is none of the
        spec's, and none the world can have: only Resp publishes)."""
        by_sealed = dict(zip(self.descriptors[ctx], self.descriptor_records(ctx), strict=True))
        by_nonce = dict(self._opened(ctx))
        out: list[FactRecord] = []
        for fact in self.nodes[holder].service.journal(_CONTEXTS[ctx]).facts():
            if isinstance(fact, DescriptorFact) and fact.sealed in by_sealed:
                out.append(("Descriptor", *by_sealed[fact.sealed]))
            elif (
                isinstance(fact, DescriptorRevoked)
                and fact.authority_id == _IDS[RESP]
                and fact.nonce in by_nonce
            ):
                out.append(("Revoked", *by_nonce[fact.nonce]))
        return out

    def _candidates(self, holder: str, ctx: str) -> list[FactRecord]:
        """Resp's descriptors valid now and not revoked in ``holder``'s replica."""
        facts = self.fact_records(holder, ctx)
        revoked = {f[3] for f in facts if f[0] == "Revoked"}
        return [
            f
            for f in facts
            if f[0] == "Descriptor" and f[1] <= self.now < f[2] and f[3] not in revoked
        ]

    def usable(self, ctx: str) -> bool:
        """Whether Ini holds a descriptor of Resp it may connect on in ``ctx``: the one
        its lookup must choose (valid now, not revoked, greatest ``(valid_from,
        nonce)``) commits to the PSK of the context's current epoch
        (RelayConformance.tla's ``Usable``)."""
        valid = self._candidates(INI, ctx)
        if not valid:
            return False
        chosen = max(valid, key=lambda r: (r[1], r[3]))
        return chosen[4] == self.epoch[ctx]

    def revocable(self, ctx: str) -> list[int]:
        """The publication numbers of Resp's descriptors it may revoke in ``ctx``: valid
        now and not revoked in its own journal (RelayConformance.tla's ``Revocable``)."""
        return sorted(f[3] for f in self._candidates(RESP, ctx))

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

    def relay_spent(self, ctx: str) -> int:
        """What the relay spent in ``ctx``'s current epoch."""
        return self.nodes[RELAY].budget.spent(_CONTEXTS[ctx], _IDS[RELAY], self.impl_epoch(ctx))

    def relay_paid(self, ctx: str) -> int:
        """What the relay spent in ``ctx``, over every epoch the world has."""
        budget = self.nodes[RELAY].budget
        epochs = range(_EPOCH, _EPOCH + MAX_EPOCH + 1)
        return sum(budget.spent(_CONTEXTS[ctx], _IDS[RELAY], e) for e in epochs)

    # -- the network's view ----------------------------------------------------

    @staticmethod
    def kind(payload: bytes) -> str:
        try:
            return _TYPES[message_type(payload)]
        except DecodeError:
            return "Junk"

    def _record(
        self, sender: str, effect: SendEffect, hs_id: int, cause: MessageKey | None = None
    ) -> MessageKey:
        """Put one send on the wire under its message record; ``cause`` is the
        envelope the step consumed (a forward keeps its record, a response its epoch)."""
        path = "relay"
        if isinstance(effect, SendRelayRequest | SendRelayResponse | SendRelayData):
            envelope, hop = effect.envelope, _NAMES[effect.relay]
        elif isinstance(effect, ForwardRelayEnvelope):
            envelope, hop = effect.envelope, _NAMES[effect.to]
            path = cause[8] if cause is not None else path
        elif isinstance(effect, SendHandshakeResponse | SendHandshake):
            # A direct send: in a direct handshake, on its path; during a relayed one
            # (a wrong service's), on the relay path it bypassed. On the wire it is the
            # envelope it would have had.
            peer = effect.peer
            context = _CONTEXTS[cause[5]] if cause is not None else self._direct_ctx
            envelope = RelayEnvelope(context, _IDS[sender], peer, effect.message)
            hop = _NAMES[peer]
            path = cause[8] if cause is not None else "direct"
        else:
            raise AssertionError(f"unexpected send {effect!r} on the relay path")
        ctx = next((c for c, i in _CONTEXTS.items() if i == envelope.context_id), "?")
        kind = self.kind(envelope.payload)
        if isinstance(effect, ForwardRelayEnvelope) and cause is not None:
            ep, dok = cause[6], cause[7]
        elif cause is not None:
            ep, dok = cause[6], True
        else:
            ep = self.epoch.get(ctx, 0)
            # Ini's message 1: whether it went out on a descriptor it may use.
            dok = not (kind == "Init" and sender == INI) or self.usable(ctx)
        key = (kind, _NAMES[envelope.src], hop, _NAMES[envelope.dst], hs_id, ctx, ep, dok, path)
        self.msgs[key] = envelope
        self.receipts[key] = effect.receipt
        return key

    def _sent(
        self, sender: str, outcome: GuardOutcome, hs_id: int, cause: MessageKey | None = None
    ) -> tuple[str, list[MessageKey]]:
        sends = self.nodes[sender].run(outcome)
        if not sends:
            return f"{sender}: nothing sent ({outcome.decision})", []
        keys = [self._record(sender, s, hs_id, cause) for s in sends]
        self._recorded.setdefault(sender, []).extend((k, self.msgs[k].encode()) for k in keys)
        return f"{sender} sent {keys}", keys

    # -- the spec's actions ----------------------------------------------------

    def relay_request(self, ctx: str = CTX) -> str:
        """Ini's RelayRequest to Resp in ``ctx``. The attempt takes a handshake id when
        Ini holds a descriptor it may use, or when it sent something anyway."""
        ini = self.nodes[INI]
        usable = self.usable(ctx)
        outcome = ini.service.prepare_relay_request(
            self._snapshot(INI, ctx),
            _CONTEXTS[ctx],
            _IDS[RESP],
            self.psk(ctx),
            # The spec's time alone: two starts in one millisecond must still carry
            # growing timestamps, which is the endpoint's job (DESIGN.md 5), not the
            # harness's offset.
            now_ms=self.now_ms(),
        )
        said, keys = self._sent(INI, outcome, self.next_id)
        if usable or keys:
            self.next_id += 1
        return said

    def inject_junk(self, ctx: str = CTX) -> str:
        envelope = RelayEnvelope(_CONTEXTS[ctx], _IDS[INI], _IDS[RESP], _JUNK)
        key = ("Junk", INI, RELAY, RESP, 0, ctx, self.epoch[ctx], True, "relay")
        self.msgs[key] = envelope
        self.junk_key = key
        return "junk handed to the relay"

    def impersonate_init(self, ctx: str = CTX) -> str:
        """``ImpersonateInit``: the attacker knows the PSK of the context's epoch (any
        member does) and Ini's receipt key, but not Ini's static key; it hands the relay
        a message 1 claiming Ini's id under a static key of its own (handshake id 0),
        paid for by a receipt of Ini's (the next of Ini's chain to the relay) that names
        this envelope. The relay cannot tell it from Ini's own and forwards it; Resp
        must refuse it (``StaticKeyMismatch``). A receipt merely taken off the wire
        would not do: it names the envelope it paid for (``ReceiptWrongSubject``)."""
        envelope = self._impostor_init(ctx, RESP)
        key = ("Init", INI, RELAY, RESP, 0, ctx, self.epoch[ctx], True, "relay")
        self.msgs[key] = envelope
        self.receipts[key] = self._receipt_of(
            INI, ctx, RELAY, envelope, op="relay_request", cost=CONNECT_RELAY_COST
        )
        return f"impostor handed the relay a message 1 claiming {INI}, with a receipt of {INI}'s"

    def _impostor_init(self, ctx: str, to: str) -> RelayEnvelope:
        """A message 1 of the impostor's (Ini's id, its own static key) from Ini to ``to``."""
        start = self.impostor.channel_endpoint.prepare_start(
            self.memberships[ctx], self.impl_epoch(ctx), _IDS[RESP], self.psk(ctx), self.now_ms()
        )
        return RelayEnvelope(_CONTEXTS[ctx], _IDS[INI], _IDS[to], start.message)

    def _receipt_of(
        self, signer: str, ctx: str, dst: str, envelope: RelayEnvelope, *, op: str, cost: int
    ) -> bytes:
        """The next receipt of ``signer``'s chain to ``dst``, paying for ``envelope``
        (the attacker holds that member's receipt key, as ``ImpersonateInit``'s holds
        Ini's)."""
        receipt, _ = self.nodes[signer].interpreter.receipts.issue(
            op,
            _CONTEXTS[ctx],
            _IDS[dst],
            self.impl_epoch(ctx),
            cost,
            subject=receipt_subject(envelope.encode()),
        )
        return receipt.encode()

    def misaddress_init(self, ctx: str = CTX) -> str:
        """``MisaddressInit``: the attacker hands the relay a message 1 from Ini to
        ``eve``, no member of the context, paid for by a receipt of Ini's that names
        it. The relay must drop it: nothing of a context reaches a non-member."""
        envelope = self._impostor_init(ctx, OUTSIDER)
        key = ("Init", INI, RELAY, OUTSIDER, 0, ctx, self.epoch[ctx], True, "relay")
        self.msgs[key] = envelope
        self.receipts[key] = self._receipt_of(
            INI, ctx, RELAY, envelope, op="relay_request", cost=CONNECT_RELAY_COST
        )
        return f"attacker handed the relay a message 1 of {INI}'s addressed to {OUTSIDER}"

    def reuse_receipt(self, ctx: str = CTX) -> str:
        """``ReuseReceipt``: the attacker takes the receipt of Ini's latest message 1
        waiting at the relay off the wire and attaches it to its own message 1
        claiming Ini (the impostor's record, handshake id 0). The receipt names
        Ini's envelope, not this one: the relay must refuse to be paid by it."""
        waiting = [
            k
            for k in self.msgs
            if k[:4] == ("Init", INI, RELAY, RESP) and k[4] != 0 and k[5] == ctx
        ]
        if not waiting:
            return f"no message 1 of {INI}'s at the relay to take a receipt from"
        envelope = self._impostor_init(ctx, RESP)
        key = ("Init", INI, RELAY, RESP, 0, ctx, self.epoch[ctx], True, "relay")
        self.msgs[key] = envelope
        self.receipts[key] = self.receipts[max(waiting, key=lambda k: k[4])]
        return f"attacker handed the relay a message 1 claiming {INI}, with {INI}'s receipt reused"

    def strip_receipt(self, key: MessageKey) -> str:
        """The attacker hands the relay the envelope ``key`` without its receipt."""
        return self.relay_forward(key, receipt=b"")

    def deliver_with(self, key: MessageKey, which: str) -> str:
        """The envelope ``key`` at its destination with another receipt than the one
        the relay gave it, each paying for this very envelope: ``misdirected``, one
        the relay signed but addressed to the envelope's source (a relay mixing up
        its streams); ``foreign``, one Ini signed to the destination (not the
        relay's, who delivered it)."""
        ctx, envelope = key[5], self.msgs[key]
        if which == "misdirected":
            receipt = self._receipt_of(
                RELAY, ctx, key[1], envelope, op="relay_forward", cost=RELAY_FORWARD_COST
            )
        else:
            receipt = self._receipt_of(
                INI, ctx, key[3], envelope, op="relay_forward", cost=RELAY_FORWARD_COST
            )
        return self.deliver(key, receipt=receipt)

    def relay_forward(self, key: MessageKey, receipt: bytes | None = None) -> str:
        relay = self.nodes[RELAY]
        try:
            outcome = relay.service.prepare_relay_forward(
                self._snapshot(RELAY, key[5]),
                self.msgs[key],
                receipt=(self.receipts.get(key) if receipt is None else receipt) or None,
            )
        except RemoteProtocolError as exc:
            return f"relay refused: {type(exc).__name__} ({exc.reason})"
        return self._sent(RELAY, outcome, key[4], key)[0]

    def relay_forward_fails(self, key: MessageKey) -> str:
        """``RelayForward`` of ``key`` whose outcome fails at the relay's own receipt
        (after it accepted the sender's): rolled back whole, nothing sent, or refused
        before it got there."""
        relay = self.nodes[RELAY]
        relay.last = None
        relay.issuer.fail_next = True
        try:
            said = self.relay_forward(key)
        finally:
            relay.issuer.fail_next = False
        if relay.last is not None and relay.last[0] is ExecutionStatus.RolledBack:
            return f"relay rolled back: {relay.last[1]}"
        return said

    def deliver(self, key: MessageKey, receipt: bytes | None = None) -> str:
        """The envelope ``key`` at its destination (HandleHandshake, ProcessResponse,
        KeyConfirm): that service handles it as a relayed message (with ``receipt``
        instead of the one that came with it, if given)."""
        _, src, hop, to, hs_id, ctx = key[:6]
        if hop != to:
            return f"{key} is not at its destination yet"
        node = self.nodes[to]
        paid = (self.receipts.get(key) if receipt is None else receipt) or None
        try:
            if key[8] == "direct":
                outcome = node.service.prepare_handle_handshake(
                    self._snapshot(to, ctx),
                    _CONTEXTS[ctx],
                    _IDS[src],
                    self.msgs[key].payload,
                    self.psk(ctx),
                    now_ms=self.now_ms(hs_id),
                    receipt=paid,
                )
            else:
                outcome = node.service.prepare_handle_relayed(
                    self._snapshot(to, ctx),
                    _IDS[RELAY],
                    self.msgs[key],
                    self.psk(ctx),
                    now_ms=self.now_ms(hs_id),
                    receipt=paid,
                )
        except RemoteProtocolError as exc:
            return f"{to} rejected: {type(exc).__name__} ({exc.reason})"
        return self._sent(to, outcome, hs_id, key)[0]

    def publish_descriptor(self, ctx: str) -> str:
        """``PublishDescriptor``: Resp publishes a fresh descriptor in ``ctx`` if its
        ``needs_refresh`` says so, and sync carries it to Ini at once."""
        resp = self.nodes[RESP]
        if len(self.descriptors[ctx]) >= MAX_DESC:
            return f"not published: {ctx} holds MaxDesc descriptors (the model's bound)"
        if not resp.service.needs_refresh(_CONTEXTS[ctx], self.now_ms(), 0):
            return f"not needed: {RESP} needs no refresh in {ctx}"
        return self._publish(ctx)

    def revoke_descriptor(self, ctx: str, n: int) -> str:
        """``RevokeDescriptor``: Resp revokes its descriptor number ``n`` of ``ctx`` (its
        guard chain's revoke, into its own journal; sync carries it to Ini)."""
        opened = self._opened(ctx)
        if not 1 <= n <= len(opened):
            return f"not revoked: {RESP} published no descriptor {n} in {ctx}"
        resp = self.nodes[RESP]
        outcome = resp.service.prepare_revoke_descriptor(
            self._snapshot(RESP, ctx), _CONTEXTS[ctx], opened[n - 1][0]
        )
        resp.run(outcome)
        if not outcome.is_allowed():
            return f"{RESP}: nothing revoked ({outcome.decision})"
        return f"revoked: {RESP}'s descriptor {n} in {ctx}"

    def _pull(self, ctx: str) -> list[SealedSyncMessage]:
        """One pull of Ini's from Resp: Ini's digest, Resp's sealed answers."""
        epoch = self.impl_epoch(ctx)
        digest = self.nodes[INI].service.sync_digest(_CONTEXTS[ctx], epoch=epoch)
        wire = SealedSyncMessage.decode(digest.encode())
        return list(self.nodes[RESP].service.answer_sync(wire))

    def sync_pull(self, ctx: str) -> str:
        """Ini pulls from Resp: Resp's answers go on the sync wire, as bytes."""
        answers = self._pull(ctx)
        self.sync_wire[ctx].extend(a.encode() for a in answers)
        return f"pulled: {len(answers)} answer(s) of {RESP}'s on the sync wire of {ctx}"

    def sync_deliver(self, ctx: str, i: int) -> str:
        """The ``i``-th answer ever put on ``ctx``'s sync wire reaches Ini (again, if
        it came before; after a later one, if one came first)."""
        wire = self.sync_wire[ctx]
        if not 0 <= i < len(wire):
            return f"lost: no answer {i} of {len(wire)} on the sync wire of {ctx} reached {INI}"
        try:
            changed = self.nodes[INI].service.apply_sync(SealedSyncMessage.decode(wire[i]))
        except AuraError as exc:
            return f"{INI} rejected: {type(exc).__name__} ({exc})"
        if not changed:
            return f"stale: answer {i} of {len(wire)} brought {INI} nothing new"
        return f"synced: answer {i} of {len(wire)} changed {changed} entries of {INI}'s replica"

    def establish_channel(self, ctx: str = CTX) -> str:
        """Ini's direct HandshakeInit to Resp in ``ctx`` (``PrepareEstablishChannel``
        on the direct path): its guard chain, then Noise message 1 straight to Resp.
        The attempt takes a handshake id as :meth:`relay_request`'s does."""
        ini = self.nodes[INI]
        usable = self.usable(ctx)
        outcome = ini.service.prepare_establish_channel(
            self._snapshot(INI, ctx),
            _CONTEXTS[ctx],
            _IDS[RESP],
            self.psk(ctx),
            now_ms=self.now_ms(),  # as relay_request's
        )
        self._direct_ctx = _CONTEXTS[ctx]
        said, keys = self._sent(INI, outcome, self.next_id)
        if usable or keys:
            self.next_id += 1
        return said

    def inject_init(self, ctx: str = CTX) -> str:
        """``InjectInit``: ``eve``, on no roster, sends Resp a message 1 of its own
        (its static key, the context's PSK) straight to Resp, handshake id 1."""
        start = self.outsider.channel_endpoint.prepare_start(
            self.memberships[ctx], self.impl_epoch(ctx), _IDS[RESP], self.psk(ctx), self.now_ms(1)
        )
        key = ("Init", OUTSIDER, RESP, RESP, 1, ctx, self.epoch[ctx], True, "direct")
        self.msgs[key] = RelayEnvelope(_CONTEXTS[ctx], _IDS[OUTSIDER], _IDS[RESP], start.message)
        return f"attacker {OUTSIDER} sent {RESP} a message 1 of its own"

    def advance_epoch(self, ctx: str) -> str:
        """``AdvanceEpoch``: every member moves ``ctx`` to its next epoch."""
        self.epoch[ctx] += 1
        for node in self.nodes.values():
            node.service.advance_epoch(_CONTEXTS[ctx], self.impl_epoch(ctx))
        return f"advanced: {ctx} at epoch {self.epoch[ctx]}"

    def tick(self) -> str:
        self.now += 1
        return f"ticked: time {self.now}"
