"""The epoch-rotation world: two real channel managers running real IKpsk2 handshakes.

``Ini`` (a1) and ``Resp`` (a2) of ``spec/EpochRotation/MC_EpochRotation.cfg`` each have a
:class:`ChannelManager` of the reference implementation; every handshake is a
real ``Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s`` exchange under the PSK their
:class:`ContextMembership` derives for the epoch, and every data message is a
real sealed transport message. The harness is the network: it keeps the bytes
of every message sent (``msgs``) and delivers the ones a rule picks, replays
included.

Bookkeeping the implementation does not hold (it forgets terminal channels and
carries no spec ids) is kept here, read-only with respect to the managers: the
handshake id of each channel (the spec's ``id`` is the initiator's timestamp),
the PSK each handshake was given, the responder's accepted first messages, and
the data each side accepted.
"""

from __future__ import annotations

import functools
import hashlib
from typing import Any

import attrs
from aura_rendezvous import (
    CAP_RENDEZVOUS_PUBLISH,
    AuraError,
    AuthorityId,
    AuthorityKeys,
    ChannelEstablished,
    ChannelManager,
    ChannelState,
    ContextId,
    ContextJournal,
    ContextMembership,
    GuardSnapshot,
    HandshakeConfig,
    Handshaker,
    JournalAppend,
    QuicDirect,
    RendezvousConfig,
    RendezvousService,
    Roster,
    SecureChannel,
)
from aura_rendezvous.channels import (
    MAX_HANDSHAKE_CLOCK_SKEW_MS,
    HandshakeReplayGuard,
    HandshakeStatus,
    MessageType,
    TransportMessage,
    decode_handshake,
    encode_handshake,
)
from aura_rendezvous.core import derive_handshake_psk
from aura_rendezvous.noise import PRODUCTION_PROTOCOL, InitialStateCache, Keypair, NoiseProtocol

from aura_conformance.guard_chain.effects import SEND, Effect
from aura_conformance.variants import (
    AllContextsAdvanceManager,
    EagerReplayGuard,
    EagerResponderManager,
    EpochBlindRefreshService,
    EpochBlindReplayGuard,
    EpochFreePrologue,
    EpochJudgedUnknownChannelManager,
    FirstEpochReplayGuard,
    ForgetfulReplayGuard,
    FragilePendingManager,
    KeepReplacedChannelManager,
    LazyEpochService,
    NonStrictReplayGuard,
    NoReplayChannelManager,
    PeerOnlyChannelManager,
    PendingSurvivesAdvanceManager,
    PublicIdMembership,
    ReconfirmingManager,
    ReviveOnRotateManager,
    RotateInPlaceChannelManager,
    RotatingOpensManager,
    RotatingSealsManager,
    TimeoutIgnoringManager,
    UncheckedStaticKeyManager,
    UnrecordedConfirmManager,
)
from aura_conformance.wire.keyring import INI as WIRE_INI
from aura_conformance.wire.keyring import RESP as WIRE_RESP
from aura_conformance.wire.keyring import Keyring, Member

__all__ = [
    "DELIVER",
    "EPOCH_VARIANTS",
    "ER_MAX_EPOCH",
    "ER_MAX_HS",
    "EpochVariant",
    "EpochWorld",
    "Slot",
    "epoch_keyring",
]

INI, RESP = "a1", "a2"
ER_MAX_EPOCH = 1
ER_MAX_HS = 2
TIMEOUT_MS = 1_000
# needs_refresh is asked at time 0 with this window: far from the one-hour
# validity, so only the epoch can make the own descriptor need refresh.
REFRESH_WINDOW_MS = 1_000
# The effect of a transport message's plaintext handed to the application.
DELIVER = "Deliver"


@attrs.frozen
class EpochVariant:
    name: str
    description: str
    membership: type[ContextMembership] = ContextMembership
    replay_guard: type[HandshakeReplayGuard] = HandshakeReplayGuard
    manager: type[ChannelManager] = ChannelManager
    service: type[RendezvousService] = RendezvousService
    # The handshake state after the prologue (None: the reference's own prologue).
    prologue: type[InitialStateCache] | None = None


EPOCH_VARIANTS: dict[str, EpochVariant] = {
    v.name: v
    for v in (
        EpochVariant("ref", "the reference implementation"),
        EpochVariant(
            "psk-from-public-ids",
            "PSK derived from public ids only (PublicIdMembership)",
            membership=PublicIdMembership,
        ),
        EpochVariant(
            "no-handshake-replay-check",
            "replayed first messages answered (ForgetfulReplayGuard)",
            replay_guard=ForgetfulReplayGuard,
        ),
        EpochVariant(
            "keep-replaced-handshake",
            "a late key confirmation of a replaced handshake is accepted "
            "(KeepReplacedChannelManager)",
            manager=KeepReplacedChannelManager,
        ),
        EpochVariant(
            "rotate-in-place",
            "no real rekey: an epoch advance relabels channels (RotateInPlaceChannelManager)",
            manager=RotateInPlaceChannelManager,
        ),
        EpochVariant(
            "lazy-epoch-advance",
            "no explicit epoch change: channels notice a new epoch only at their next "
            "handshake, so an old channel keeps sealing (LazyEpochService)",
            service=LazyEpochService,
        ),
        EpochVariant(
            "epoch-judged-unknown-channel",
            "a message for a channel the receiver does not hold is judged by the "
            "manager-wide epoch: WrongEpoch (EpochJudgedUnknownChannelManager)",
            manager=EpochJudgedUnknownChannelManager,
        ),
        EpochVariant(
            "refresh-ignores-epoch",
            "needs_refresh ignores the own descriptor's epoch (EpochBlindRefreshService)",
            service=EpochBlindRefreshService,
        ),
        EpochVariant(
            "eager-replay-guard",
            "message 1's timestamp recorded before the PSK is proven, unbounded (EagerReplayGuard)",
            replay_guard=EagerReplayGuard,
        ),
        EpochVariant(
            "epoch-blind-replay-guard",
            "one replay-guard entry per (context, initiator) across epochs (EpochBlindReplayGuard)",
            replay_guard=EpochBlindReplayGuard,
        ),
        EpochVariant(
            "fragile-pending",
            "a message 2 that does not authenticate deletes the pending handshake "
            "(FragilePendingManager)",
            manager=FragilePendingManager,
        ),
        EpochVariant(
            "unchecked-static-key",
            "message 1's static key is not compared with the claimed member's roster key "
            "(UncheckedStaticKeyManager)",
            manager=UncheckedStaticKeyManager,
        ),
        EpochVariant(
            "epoch-free-prologue",
            "the handshake prologue does not bind the epoch: only the cleartext header "
            "says it (EpochFreePrologue)",
            prologue=EpochFreePrologue,
        ),
        EpochVariant(
            "revive-on-rotate",
            "an epoch advance marks a closed channel Rotating again (ReviveOnRotateManager)",
            manager=ReviveOnRotateManager,
        ),
        EpochVariant(
            "peer-only-lookup",
            "channels not bound to their context: lookup by peer only (PeerOnlyChannelManager)",
            manager=PeerOnlyChannelManager,
        ),
        EpochVariant(
            "eager-responder",
            "Active on message 2, before key confirmation (EagerResponderManager)",
            manager=EagerResponderManager,
        ),
        EpochVariant(
            "rotating-opens",
            "a Rotating channel still opens messages of its retired epoch (RotatingOpensManager)",
            manager=RotatingOpensManager,
        ),
        EpochVariant(
            "rotating-seals",
            "a Rotating channel still seals until the rekey (RotatingSealsManager)",
            manager=RotatingSealsManager,
        ),
        EpochVariant(
            "pending-survives-advance",
            "old-epoch pending handshakes kept on an advance (PendingSurvivesAdvanceManager)",
            manager=PendingSurvivesAdvanceManager,
        ),
        EpochVariant(
            "non-strict-replay-guard",
            "a message 1 timestamp equal to the greatest confirmed passes (NonStrictReplayGuard)",
            replay_guard=NonStrictReplayGuard,
        ),
        EpochVariant(
            "first-epoch-replay-guard",
            "replayed message 1s refused in epoch 0 only (FirstEpochReplayGuard)",
            replay_guard=FirstEpochReplayGuard,
        ),
        EpochVariant(
            "timeout-ignored",
            "handshakes and unconfirmed channels never time out (TimeoutIgnoringManager)",
            manager=TimeoutIgnoringManager,
        ),
        EpochVariant(
            "transport-counter-unchecked",
            "any transport counter accepted: replays opened (NoReplayChannelManager)",
            manager=NoReplayChannelManager,
        ),
        EpochVariant(
            "reconfirming",
            "every transport message an Active responder channel opens reported as its key "
            "confirmation: the data never reaches the application (ReconfirmingManager)",
            manager=ReconfirmingManager,
        ),
        EpochVariant(
            "all-contexts-advance",
            "an epoch advance of one context rotates the channels of every context "
            "(AllContextsAdvanceManager)",
            manager=AllContextsAdvanceManager,
        ),
        EpochVariant(
            "unrecorded-confirmation",
            "the key confirmation's counter not recorded: the confirmation delivered again "
            "opens as data (UnrecordedConfirmManager)",
            manager=UnrecordedConfirmManager,
        ),
    )
}


@attrs.define
class Slot:
    """What a side uses for its peer: a pending handshake, then the channel it built."""

    hs_id: int
    epoch: int
    psk: bytes = attrs.field(repr=False)
    handshaker: Handshaker | None = None
    channel: SecureChannel | None = None
    # A responder's: the epoch of the message 1 it answered (its record's, the
    # prologue's), when that is not the responder's own (only ever an attack's).
    answered_epoch: int | None = None


_NOISE = NoiseProtocol.parse(PRODUCTION_PROTOCOL)
# The reference's own prologue: the state after it and the responder's static key
# is a hash of public inputs, kept as the reference's ChannelEndpoint keeps it
# (the same bytes; every handshake still makes its DHs and AEADs).
_REFERENCE_PROLOGUE = InitialStateCache(_NOISE)


def _seed(name: str) -> bytes:
    return hashlib.sha256(b"aura-conformance/v1/er\x00" + name.encode()).digest()


@functools.cache
def _keypair(name: str) -> Keypair:
    # The world's key pairs are fixed by name; each is an X25519 scalar
    # multiplication, once per process rather than once per example (about a
    # fifth of an epoch run). Every handshake still computes its own DHs.
    return Keypair.from_private(_seed(name))


@functools.cache
def _authority_keys(name: str) -> tuple[AuthorityKeys, Keypair]:
    # Fixed by name like the key pairs above: derived once per process, not per
    # example (Reset was a tenth of an epoch run).
    keys = AuthorityKeys.from_seed(AuthorityId(_seed(name)), _seed("key" + name))
    return keys, Keypair.from_private(keys.static_private)


# Each side's own descriptor facts of Reset, by (service, membership, side).
_PUBLISHED: dict[tuple[type, type, str], tuple[tuple[ContextId, Any], ...]] = {}


@functools.cache
def epoch_keyring() -> Keyring:
    """The constants of the world as the wire mode holds them: the context, its root
    secret, Ini's and Resp's ids and static keys. The harness opens the message 1s a
    backend sends with them (:mod:`aura_conformance.sent_messages`)."""
    members = {}
    for role, name in ((WIRE_INI, INI), (WIRE_RESP, RESP)):
        aid = _seed(name)
        keys = AuthorityKeys.from_seed(AuthorityId(aid), _seed("key" + name))
        members[role] = Member(aid, Keypair.from_private(keys.static_private))
    impostor = _keypair("impostor static")
    return Keyring(_seed("context"), _seed("root secret"), members, impostor)


class EpochWorld:
    """The implementation under test for EpochRotation.tla (see the module docstring)."""

    def __init__(self, variant: EpochVariant | None = None) -> None:
        self.variant = variant or EPOCH_VARIANTS["ref"]
        self.context = ContextId(_seed("context"))
        # A second context both authorities belong to, at epoch 0 for good: a
        # lookup there finds only its own channel (RVChannelContextBound), and
        # once OtherContextHandshake ran, the channel it holds carries traffic
        # whatever the spec's context does (other_context_channels).
        self.other_context = ContextId(_seed("other context"))
        self.other_handshakes = 0
        self._other_payloads = 0
        # The last message 1 OtherContextHandshake had key-confirmed there: the
        # attacker's to replay (ReplayOtherContextInit).
        self.other_init: bytes | None = None
        self.ids = {n: AuthorityId(_seed(n)) for n in (INI, RESP)}
        self.keys = {n: _authority_keys(n)[0] for n in self.ids}
        self.roster = Roster.of(*self.keys.values())
        self.root_secret = _seed("root secret")
        self.membership = self.variant.membership(self.context, self.roster, self.root_secret)
        self.other_membership = self.variant.membership(
            self.other_context, self.roster, _seed("other root secret")
        )
        self.statics = {n: _authority_keys(n)[1] for n in self.ids}
        self.managers = {n: self.variant.manager(self.ids[n].value) for n in self.ids}
        self.managers[RESP].replay_guard = self.variant.replay_guard()
        # The spec's epoch[a]: the epoch a's caller is at (its snapshots). It
        # reaches the channels through the service's advance_epoch.
        self.epochs = dict.fromkeys(self.ids, 0)
        self.services = {n: self._service(n) for n in self.ids}
        self._configs: dict[tuple[str, str | None, int], HandshakeConfig] = {}
        self._attack_configs: dict[tuple[bytes, int], HandshakeConfig] = {}
        # EpochRotation.tla's mistyped: a message naming no channel its receiver
        # holds was rejected with an error other than UnknownChannel/RetiredEpoch.
        self.mistyped = False
        self.journal = ContextJournal(self.context)
        self.next_id = 1
        self.slots: dict[str, Slot | None] = {INI: None, RESP: None}
        self.history: dict[str, list[Slot]] = {INI: [], RESP: []}
        # The network: spec message record -> the bytes sent under it, in order.
        self.msgs: dict[Any, list[bytes]] = {}
        # Each send and delivery since the last take_effects.
        self._sent: list[Effect] = []
        self.delivered: set[bytes] = set()
        self.confirmation: bytes | None = None
        self.resp_log: list[int] = []
        self.confirmed: set[int] = set()
        self.established: set[tuple[str, str, int, int]] = set()
        self.received: set[tuple[int, int, int]] = set()
        # The msg 2s (message keys) the initiator acted on: took or died of.
        self.ini_log: set[tuple[Any, ...]] = set()
        self._ephemerals = 0
        # The ids each side closed (CloseChannel) or retired (replaced by a newer
        # handshake): closed for good, whatever their channels do next.
        self.closed_ids: dict[str, set[int]] = {INI: set(), RESP: set()}
        # Message 1s the responder answered although their static key is not the
        # claimed member's roster key (Rendezvous.tla's RVMembersOnly).
        self.impostors_answered: list[str] = []

    # ---------------------------------------------------------------- helpers

    def epoch(self, a: str) -> int:
        return self.epochs[a]

    def _service(self, a: str) -> RendezvousService:
        """``a``'s service over the world's manager, with its epoch-0 descriptor journaled."""
        counter = iter(range(1 << 30))

        def nonces(n: int) -> bytes:
            return hashlib.sha256(_seed(f"nonce-{a}-{next(counter)}")).digest()[:n]

        config = RendezvousConfig(self.keys[a], [self.membership], nonces)
        service = self.variant.service(self.ids[a], config)
        service.channel_endpoint.manager = self.managers[a]
        snapshot = GuardSnapshot(
            self.ids[a], self.context, 1_000, frozenset({CAP_RENDEZVOUS_PUBLISH}), 0
        )
        # The same facts for every world of this service and membership (fixed keys,
        # nonces and time): signed and sealed once per process, journaled afresh.
        key = (self.variant.service, self.variant.membership, a)
        facts = _PUBLISHED.get(key)
        if facts is None:
            outcome = service.prepare_publish_descriptor(
                snapshot, self.context, [QuicDirect("127.0.0.1:4433")], 0
            )
            facts = _PUBLISHED[key] = tuple(
                (e.context_id, e.fact) for e in outcome.effects if isinstance(e, JournalAppend)
            )
        for context_id, fact in facts:
            service.journal(context_id).append(fact, self.ids[a])
        return service

    def _catch_up(self, a: str) -> None:
        """What the service's handshake operations do first (``ChannelEndpoint.sync_epoch``):
        move the channel layer to the caller's epoch if it lags."""
        manager = self.managers[a]
        if manager.epoch_of(self.context.value) < self.epochs[a]:
            manager.advance_epoch(self.epochs[a], self.context.value)

    def peer(self, a: str) -> str:
        return RESP if a == INI else INI

    def psk_token(self, psk: bytes) -> int:
        """e + 1 iff ``psk`` is the secret PSK of epoch e; 0 (public) otherwise."""
        for e in range(ER_MAX_EPOCH + 1):
            if psk == derive_handshake_psk(self.root_secret, self.context, e):
                return e + 1
        return 0

    def slot_state(self, a: str) -> str:
        slot = self.slots[a]
        if slot is None:
            return "None"
        if slot.channel is not None:
            return slot.channel.state.value
        hs = slot.handshaker
        assert hs is not None
        if hs.status is HandshakeStatus.Failed:
            return "Error"
        pending = self.managers[a].pending(self.context.value, self.ids[self.peer(a)].value)
        # A handshake the manager dropped on an epoch advance can never complete.
        return "Establishing" if pending is hs else "Rotating"

    def _initial_state(self) -> InitialStateCache:
        prologue = self.variant.prologue
        return _REFERENCE_PROLOGUE if prologue is None else prologue(_NOISE)

    def _ephemeral(self) -> Keypair:
        self._ephemerals += 1
        return _keypair(f"ephemeral-{self._ephemerals}")

    def _config(self, a: str, remote: str | None) -> HandshakeConfig:
        e = self.epoch(a)
        # Frozen, and the same for every handshake of a side at an epoch: built (and
        # its fields validated) once per world, as the reference's ChannelEndpoint does.
        config = self._configs.get((a, remote, e))
        if config is None:
            config = self._configs[(a, remote, e)] = HandshakeConfig(
                local=self.ids[a].value,
                remote=None if remote is None else self.ids[remote].value,
                context_id=self.context.value,
                psk=self.membership.handshake_psk(e),
                timeout_ms=TIMEOUT_MS,
                epoch=e,
            )
        return config

    def _attack_config(self, psk: bytes, e: int) -> HandshakeConfig:
        """The attacker's message 1 config: Ini to Resp at epoch ``e`` under ``psk``
        (kept per world like :meth:`_config`)."""
        config = self._attack_configs.get((psk, e))
        if config is None:
            config = self._attack_configs[(psk, e)] = HandshakeConfig(
                local=self.ids[INI].value,
                remote=self.ids[RESP].value,
                context_id=self.context.value,
                psk=psk,
                timeout_ms=TIMEOUT_MS,
                epoch=e,
            )
        return config

    def _roster(self, aid: bytes) -> bytes | None:
        entry = self.roster.get(AuthorityId(aid)) if len(aid) == 32 else None
        return None if entry is None else entry.x25519_public

    def _send(self, record: Any, data: bytes) -> None:
        self.msgs.setdefault(record, []).append(data)
        self._sent.append(Effect(SEND, detail=record[0], by=record[1], message=record, data=data))

    def take_effects(self) -> tuple[Effect, ...]:
        """The effects since the last call, in order: each message sent, a ``Send`` by
        its source with its bytes, and each plaintext handed to the application, a
        ``Deliver`` by its receiver with the plaintext; both name the world's message
        key as ``message`` (the backend makes that the spec's record)."""
        sent, self._sent = self._sent, []
        return tuple(sent)

    def channel_lookups(self) -> dict[tuple[str, str], str | None]:
        """Each side's ``find_by_context_peer`` in the spec's context (``spec``) and in
        another both belong to (``other``): the context of the channel it returned
        (``spec``, ``other``, or ``elsewhere``), None when it returned none."""
        labels = {self.context.value: "spec", self.other_context.value: "other"}
        out: dict[tuple[str, str], str | None] = {}
        for a, mgr in self.managers.items():
            peer = self.ids[self.peer(a)].value
            for label, ctx in (("spec", self.context), ("other", self.other_context)):
                found = mgr.find_by_context_peer(ctx.value, peer)
                out[(a, label)] = (
                    None if found is None else labels.get(found.context_id, "elsewhere")
                )
        return out

    def needs_refresh(self) -> dict[str, bool]:
        """Each side's ``needs_refresh`` of its own descriptor (journaled at Reset, of
        epoch 0), asked at time 0: far inside its validity, so only the epoch counts."""
        return {
            a: bool(service.needs_refresh(self.context, 0, REFRESH_WINDOW_MS))
            for a, service in self.services.items()
        }

    # ---------------------------------------------------------------- the other context

    def _other_config(self, a: str, remote: str) -> HandshakeConfig:
        e = self.managers[a].epoch_of(self.other_context.value)
        return HandshakeConfig(
            local=self.ids[a].value,
            remote=self.ids[remote].value,
            context_id=self.other_context.value,
            psk=self.other_membership.handshake_psk(e),
            timeout_ms=TIMEOUT_MS,
            epoch=e,
        )

    def other_context_handshake(self, now: int) -> str:
        """``OtherContextHandshake``, outside EpochRotation.tla (whose one context it
        leaves as it is): Ini and Resp run a whole handshake in the other context,
        key confirmation included, so each holds an Active channel there."""
        self.other_handshakes += 1
        n = self.other_handshakes
        ini, resp = self.managers[INI], self.managers[RESP]
        try:
            init = ini.start_handshake(
                self._other_config(INI, RESP),
                static=self.statics[INI],
                remote_static=self.roster.entry(self.ids[RESP]).x25519_public,
                ephemeral=_keypair(f"other ephemeral i{n}"),
                timestamp=n,
                now_ms=now,
                initial_state=self._initial_state(),
            )
            _, reply = resp.accept_handshake(
                self._other_config(RESP, INI),
                init,
                static=self.statics[RESP],
                roster=self._roster,
                ephemeral=_keypair(f"other ephemeral r{n}"),
                now_ms=now,
                initial_state=self._initial_state(),
            )
            _, confirmation = ini.finish_handshake(
                self.other_context.value, self.ids[RESP].value, reply, now
            )
            resp.receive(confirmation)
        except AuraError as exc:
            return f"Refused:{type(exc).__name__}"
        self.other_init = init
        return "Established"

    def replay_other_context_init(self, now: int) -> str:
        """``ReplayOtherContextInit``, outside EpochRotation.tla like
        ``OtherContextHandshake``: the attacker delivers to Resp again the message 1
        of the other context's key-confirmed handshake. Resp answered it once, and
        that context never advances: its replay guard still holds the timestamp,
        whatever the spec's context did since (epochs are per context), so the
        answer must be a refusal."""
        if self.other_init is None:
            return "Refused:NoMessage"
        try:
            self.managers[RESP].accept_handshake(
                self._other_config(RESP, INI),
                self.other_init,
                static=self.statics[RESP],
                roster=self._roster,
                ephemeral=_keypair(f"other ephemeral replay {self.other_handshakes}"),
                now_ms=now,
                initial_state=self._initial_state(),
            )
        except AuraError as exc:
            return f"Rejected:{type(exc).__name__}"
        return "Answered"

    def foreign_psk_other_context_init(self, now: int) -> str:
        """``ForeignPskOtherContextInit``, outside EpochRotation.tla like
        ``OtherContextHandshake``: the attacker, holding Ini's static key and the spec
        context's secret PSK of epoch 0 (the other context's epoch) but not the other
        context's, runs a handshake with Resp in the other context. IKpsk2 mixes the
        PSK in at message 2, so Resp may answer; its answer must not authenticate
        under that PSK (DESIGN.md 1: a PSK is per context and epoch), and only if it
        does is the key confirmation sent."""
        psk = derive_handshake_psk(self.root_secret, self.context, 0)
        attacker = ChannelManager(self.ids[INI].value)
        config = HandshakeConfig(
            local=self.ids[INI].value,
            remote=self.ids[RESP].value,
            context_id=self.other_context.value,
            psk=psk,
            timeout_ms=TIMEOUT_MS,
            epoch=0,
        )
        try:
            init = attacker.start_handshake(
                config,
                static=self.statics[INI],
                remote_static=self.roster.entry(self.ids[RESP]).x25519_public,
                ephemeral=_keypair("foreign psk ephemeral"),
                timestamp=now + 1,
                now_ms=now,
                initial_state=self._initial_state(),
            )
            _, reply = self.managers[RESP].accept_handshake(
                self._other_config(RESP, INI),
                init,
                static=self.statics[RESP],
                roster=self._roster,
                ephemeral=_keypair("other ephemeral foreign psk"),
                now_ms=now,
                initial_state=self._initial_state(),
            )
        except AuraError as exc:
            return f"Rejected:{type(exc).__name__}"
        try:
            _, confirmation = attacker.finish_handshake(
                self.other_context.value, self.ids[RESP].value, reply, now
            )
        except AuraError as exc:
            return f"Rejected:{type(exc).__name__}"
        try:
            self.managers[RESP].receive(confirmation)
        except AuraError:
            return "Authenticated"
        return "Confirmed"

    def other_context_channels(self) -> dict[str, tuple[str, int, bool]]:
        """Each side's channel with its peer in the other context: its state (``None``
        without one), its epoch (without one, the context's at that side), and whether
        it carries traffic now (a message it seals there is opened by the peer, on
        the peer's channel of that context, with the plaintext sent). Each call with
        channels sends one message each way there; the spec's context sees none."""
        ctx = self.other_context.value
        out: dict[str, tuple[str, int, bool]] = {}
        for a in (INI, RESP):
            b = self.ids[self.peer(a)].value
            mine = [c for c in self.managers[a].channels() if (c.context_id, c.remote) == (ctx, b)]
            if not mine:
                out[a] = ("None", self.managers[a].epoch_of(ctx), False)
                continue
            self._other_payloads += 1
            payload = b"other context %d" % self._other_payloads
            try:
                data = self.managers[a].seal(ctx, b, payload)
                got = self.managers[self.peer(a)].receive(data)
                carries = (got.plaintext, got.channel.context_id) == (payload, ctx)
            except AuraError:
                carries = False
            out[a] = (mine[-1].state.value, mine[-1].epoch, carries)
        return out

    def _replace(self, a: str, slot: Slot) -> None:
        old = self.slots[a]
        if old is not None and old.hs_id != slot.hs_id:
            self.history[a].append(old)
            self.closed_ids[a].add(old.hs_id)  # retired: its id is closed for good
        self.slots[a] = slot

    # ---------------------------------------------------------------- actions

    def prepare_establish_channel(self, now: int) -> str:
        self._catch_up(INI)
        cfg = self._config(INI, RESP)
        hs_id = self.next_id
        mgr = self.managers[INI]
        data = mgr.start_handshake(
            cfg,
            static=self.statics[INI],
            remote_static=self.roster.entry(self.ids[RESP]).x25519_public,
            ephemeral=self._ephemeral(),
            timestamp=hs_id,
            now_ms=now,
            initial_state=self._initial_state(),
        )
        self.next_id += 1
        self.confirmation = None
        hs = mgr.pending(self.context.value, self.ids[RESP].value)
        self._replace(INI, Slot(hs_id, cfg.epoch, cfg.psk, handshaker=hs))
        self._send(("Init", INI, RESP, cfg.epoch, hs_id, self.psk_token(cfg.psk)), data)
        return "Started"

    def handle_handshake(self, record: Any, data: bytes, now: int) -> str:
        self._catch_up(RESP)
        cfg = self._config(RESP, INI)
        try:
            channel, reply = self.managers[RESP].accept_handshake(
                cfg,
                data,
                static=self.statics[RESP],
                roster=self._roster,
                ephemeral=self._ephemeral(),
                now_ms=now,
                initial_state=self._initial_state(),
            )
        except AuraError as exc:
            return f"Rejected:{type(exc).__name__}"
        hs_id = record[4]
        self.resp_log.append(hs_id)
        answered = record[3] if record[3] != cfg.epoch else None
        slot = Slot(hs_id, cfg.epoch, cfg.psk, channel=channel, answered_epoch=answered)
        self._replace(RESP, slot)
        self._send(("Resp", RESP, INI, cfg.epoch, hs_id, self.psk_token(cfg.psk)), reply)
        return "Answered"

    def process_response(self, record: Any, data: bytes, now: int) -> str:
        self._catch_up(INI)
        slot = self.slots[INI]
        before = self.slot_state(INI)
        try:
            channel, confirmation = self.managers[INI].finish_handshake(
                self.context.value, self.ids[RESP].value, data, now
            )
        except AuraError as exc:
            if self.slot_state(INI) != before:
                self.ini_log.add(record)  # rejected, yet the handshake changed
            return f"Rejected:{type(exc).__name__}"
        assert slot is not None
        slot.channel = channel
        self.confirmation = confirmation
        self.ini_log.add(record)
        return "Active"

    # ---------------------------------------------------------------- the attacker

    def attack_id(self, e: int) -> int:
        """EpochRotation.tla's ``ERHugeTs(e)``: the spec id of the attacker's msg 1."""
        return ER_MAX_HS + 1 + e

    def inject_init(self, far: bool, now: int) -> str:
        """``InjectInit``: the attacker, holding Ini's static key and the PSK of the
        retired epoch e - 1, sends Resp a msg 1 of Resp's epoch e claiming Ini, with
        timestamp 2^64 - 1 (``far``) or one the clock-skew bound lets through (the
        same each time: a repeat is a replay)."""
        e = self.epoch(RESP)
        wrong = derive_handshake_psk(self.root_secret, self.context, e - 1)
        cfg = self._attack_config(wrong, e)
        attacker = Handshaker.initiator(
            cfg,
            static=self.statics[INI],
            remote_static=self.roster.entry(self.ids[RESP]).x25519_public,
            ephemeral=self._ephemeral(),
            now_ms=now,
            initial_state=self._initial_state(),
        )
        ts = (1 << 64) - 1 if far else MAX_HANDSHAKE_CLOCK_SKEW_MS
        data = attacker.create_init_message(ts, now)
        record = ("Init", INI, RESP, e, self.attack_id(e), self.psk_token(wrong))
        return self.handle_handshake(record, data, now)

    def impersonate_init(self, now: int) -> str:
        """``ImpersonateInit``: the attacker knows the PSK of Resp's epoch (any member
        does) but not Ini's static key; it sends Resp a msg 1 claiming Ini's id under
        a static key of its own. Resp must refuse it (``StaticKeyMismatch``)."""
        e = self.epoch(RESP)
        psk = self.membership.handshake_psk(e)
        cfg = self._attack_config(psk, e)
        attacker = Handshaker.initiator(
            cfg,
            static=_keypair("impostor static"),
            remote_static=self.roster.entry(self.ids[RESP]).x25519_public,
            ephemeral=self._ephemeral(),
            now_ms=now,
            initial_state=self._initial_state(),
        )
        data = attacker.create_init_message(MAX_HANDSHAKE_CLOCK_SKEW_MS, now)
        record = ("Init", INI, RESP, e, self.attack_id(e), self.psk_token(psk))
        outcome = self.handle_handshake(record, data, now)
        if outcome == "Answered":
            self.impostors_answered.append(
                f"Resp answered a message 1 claiming {INI} under a static key that is not "
                f"{INI}'s roster key (epoch {e})"
            )
        return outcome

    def rewrite_epoch(self, record: Any, data: bytes, now: int) -> str:
        """``RewriteEpoch``: the attacker rewrites the cleartext epoch header of the msg 1
        ``record`` (of an epoch Resp has left) to Resp's epoch and delivers it. The
        prologue still binds the epoch it was made in: Resp must not answer it."""
        wire = decode_handshake(data, MessageType.HandshakeInit)
        rewritten = encode_handshake(MessageType.HandshakeInit, self.epoch(RESP), wire.noise)
        return self.handle_handshake(record, rewritten, now)

    def members_only_violations(self) -> list[str]:
        """Breaches of Rendezvous.tla's ``RVMembersOnly`` seen so far: an impostor's
        message 1 (another static key under a member's id) answered."""
        return list(self.impostors_answered)

    def forge_response(self, position: int, now: int) -> str:
        """``ForgeResponse``: a genuine msg 2 for Ini's pending handshake with one
        byte flipped (header, ephemeral or tag), delivered to Ini."""
        slot = self.slots[INI]
        assert slot is not None
        genuine = next(
            sent
            for key, sent in self.msgs.items()
            if key[:5] == ("Resp", RESP, INI, slot.epoch, slot.hs_id)
        )
        tampered = bytearray(genuine[-1])
        tampered[position % len(tampered)] ^= 0x01
        record = ("Resp", RESP, INI, slot.epoch, slot.hs_id, 0)
        return self.process_response(record, bytes(tampered), now)

    def forge_data(self, position: int, now: int) -> str:
        """``ForgeData``, outside EpochRotation.tla (a stutter): the attacker flips one
        byte of the newest transport message Ini sent on its current handshake (the
        key confirmation, or data after it) and delivers it to Resp. It does not
        decrypt, so it must change nothing: neither the channel it names (an
        Establishing one still waits for its genuine confirmation) nor the counters
        the genuine messages are judged by."""
        slot = self.slots[INI]
        if slot is None:
            return "Refused:NoMessage"
        sent = [
            (key, data)
            for key, datas in self.msgs.items()
            if key[:3] == ("Data", INI, RESP) and key[3:5] == (slot.epoch, slot.hs_id)
            for data in datas
        ]
        if not sent:
            return "Refused:NoMessage"
        record, genuine = sent[-1]
        tampered = bytearray(genuine)
        tampered[position % len(tampered)] ^= 0x01
        return self.receive_data(record, bytes(tampered), now)

    def timestamp_id(self, ts: int | None, e: int) -> int:
        """The spec id of a replay-guard timestamp: honest ones are the ids."""
        if ts is None:
            return 0
        return ts if ts <= ER_MAX_HS else self.attack_id(e)

    def send_data(self, a: str, payload: bytes = b"x") -> str:
        slot = self.slots[a]
        if slot is None or slot.channel is None:
            return "Refused:NoChannel"
        try:
            if a == INI and self.confirmation is not None and slot.channel.is_active():
                # The first message of a fresh initiator channel is its key confirmation.
                data, self.confirmation = self.confirmation, None
            else:
                peer = self.ids[self.peer(a)].value
                data = self.managers[a].seal(self.context.value, peer, payload)
        except AuraError as exc:
            return f"Refused:{type(exc).__name__}"
        record = ("Data", a, self.peer(a), slot.channel.epoch, slot.hs_id, self.psk_token(slot.psk))
        self._send(record, data)
        return "Sent"

    def receive_data(self, record: Any, data: bytes, now: int = 0) -> str:
        b = record[2]
        self.delivered.add(data)
        held = self._holds(b, record[4])
        try:
            self._check_confirmation(b, data, now)
            got = self.managers[b].receive(data)
        except AuraError as exc:
            if not held and type(exc).__name__ not in ("UnknownChannel", "RetiredEpoch"):
                self.mistyped = True
            return f"Rejected:{type(exc).__name__}"
        if got.confirmed:
            self.confirmed.add(record[4])
            self._revive(b, got.channel)
            fact = ChannelEstablished(
                self.context,
                self.ids[INI],
                self.ids[RESP],
                got.channel.channel_id,
                got.channel.epoch,
            )
            self.journal.append(fact, self.ids[RESP])
            self.established.add((INI, RESP, record[4], got.channel.epoch))
            return "Confirmed"
        self.received.add((record[4], record[3], self.epoch(b)))
        # The application gets the plaintext of a transport message; a key
        # confirmation only completes the handshake (the service's
        # is_handshake_phase). Which one it was, the manager says.
        self._sent.append(Effect(DELIVER, detail="Data", by=b, message=record, data=got.plaintext))
        return "Received"

    def _check_confirmation(self, b: str, data: bytes, now: int) -> None:
        """A message for one of ``b``'s Establishing channels is its key confirmation:
        judged first as the service judges it, by ``prepare_confirm`` at ``now``
        (the deadline, the replay guard, the opening; nothing changes), so one that
        arrives past the deadline before the timer fired is refused, not taken.
        ``receive`` has no clock and commits it."""
        manager = self.managers[b]
        try:
            message = TransportMessage.decode(data)
        except AuraError:
            return  # receive refuses it with its own reason
        channel = manager.get(message.channel_id)
        if channel is not None and channel.state is ChannelState.Establishing:
            manager.prepare_confirm(channel, message, now)

    def _revive(self, b: str, channel: SecureChannel) -> None:
        """A confirmation of a channel ``b`` had replaced made it live again: it is
        what ``b`` uses for its peer now (only a broken manager keeps one)."""
        current = self.slots[b]
        if current is not None and current.channel is channel:
            return
        revived = next((s for s in self.history[b] if s.channel is channel), None)
        if revived is not None:
            self.history[b].remove(revived)
            self._replace(b, revived)

    def advance_epoch(self, a: str) -> str:
        self.epochs[a] += 1
        self.services[a].advance_epoch(self.context, self.epochs[a])
        return "Advanced"

    def close_channel(self, a: str) -> str:
        slot = self.slots[a]
        if slot is None or slot.channel is None:
            return "Refused:NoChannel"
        self.managers[a].close(slot.channel.channel_id)
        self.closed_ids[a].add(slot.hs_id)
        return "Closed"

    def check_timeouts(self, now: int) -> str:
        failed = [t for a in (INI, RESP) for t in self.managers[a].check_timeouts(now)]
        return f"TimedOut:{len(failed)}" if failed else "Ticked"

    def context_binding_violations(self) -> list[str]:
        """Breaches of Rendezvous.tla's ``RVChannelContextBound`` by the managers.

        For every authority, peer and context (the spec's and ``other_context``),
        ``find_by_context_peer`` must return nothing or a channel registered
        under that context; the one context of EpochRotation.tla cannot say so.
        """
        out = []
        for a, mgr in self.managers.items():
            peer = self.ids[self.peer(a)].value
            for ctx in (self.context, self.other_context):
                found = mgr.find_by_context_peer(ctx.value, peer)
                if found is not None and found.context_id != ctx.value:
                    label = "other" if ctx is self.other_context else "spec"
                    out.append(
                        f"{a}: lookup in the {label} context returned channel "
                        f"{found.channel_id.hex()[:12]} of another context"
                    )
        return out

    def _holds(self, b: str, hs_id: int) -> bool:
        """EpochRotation.tla's ERHolds: b's channel with its peer is of this id and live."""
        slot = self.slots[b]
        live = ("Establishing", "Active", "Rotating")
        return slot is not None and slot.hs_id == hs_id and self.slot_state(b) in live

    def refresh_violations(self) -> list[str]:
        """Breaches of Rendezvous.tla's ``RVRefreshAfterRotation`` by the services.

        Each side's own descriptor is the one journaled at Reset, of epoch 0;
        once the side's epoch is past it, ``needs_refresh`` must say so (asked
        at time 0, far inside the validity, so the epoch is the only reason).
        """
        return [
            f"{a}: needs_refresh is False with its descriptor of epoch 0 at epoch {self.epochs[a]}"
            for a, service in self.services.items()
            if self.epochs[a] > 0 and not service.needs_refresh(self.context, 0, REFRESH_WINDOW_MS)
        ]

    def live(self, a: str) -> bool:
        return self.slot_state(a) in {
            s.value for s in (ChannelState.Establishing, ChannelState.Active, ChannelState.Rotating)
        }
