"""The red team's seventh round of wrong backends, written from DESIGN.md's rules alone.

Each keeps one plausible implementation mistake: a field left out of an AEAD's
associated data, a derivation's ``info`` missing the epoch, a timer counted from
the wrong event, an empty window read as "nothing to refresh", a validity window
one millisecond short, a sync "optimisation" that trusts the Lamport clock to
say what is new, a prune that drops revocations with the dead descriptors, a
relay that forwards to the wrong member or twice or charges the wrong constant,
a receipt addressed to the wrong member, a budget kept per authority instead of
per context. The tests run each through the default profile and record whether
it is rejected and under which invariant (tests/conformance/test_probe_variants_r7.py);
nothing in the reference implementation uses them. The wire mode's own probes
live with that test: the variants package must not import the wire mode.
"""

from __future__ import annotations

from typing import Any

import attrs
from aura_rendezvous import ChannelManager, ContextId, RendezvousService
from aura_rendezvous.channels import (
    ChannelEvent,
    ChannelState,
    HandshakeConfig,
    Handshaker,
    SecureChannel,
    TransportMessage,
    transport_header,
)
from aura_rendezvous.core import (
    REVOKE_DESCRIPTOR_COST,
    ContextMembership,
    ForwardedEnvelopes,
    HandshakeAuthError,
    LocalProtocolError,
    ReplayedMessage,
    RetiredEpoch,
    TransportAuthError,
    UnknownChannel,
    WrongEpoch,
)
from aura_rendezvous.guard import (
    CAP_RELAY_FORWARD,
    CAP_RENDEZVOUS_PUBLISH,
    CAP_RENDEZVOUS_RELAY,
    ChargeFlowBudget,
    DenyReason,
    EffectInterpreter,
    ForwardRelayEnvelope,
    GuardOutcome,
    JournalAppend,
    RecordReceipt,
    evaluate_guards,
)
from aura_rendezvous.journal import (
    ContextJournal,
    DescriptorRevoked,
    JournalEntry,
    SyncFacts,
    revoke_descriptor,
)
from aura_rendezvous.noise import NoiseDecryptError, NoiseError
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from aura_conformance.variants._probe_variants import _MergeFilterService

__all__ = [
    "ClockFloorMergeService",
    "ContextBlindBudgetInterpreter",
    "DoubleCostForwardService",
    "DoubleForwardRelayService",
    "EchoForwardRelayService",
    "EpochlessAdManager",
    "EpochlessPskMembership",
    "IdOnlyConfirmManager",
    "MisreasonedDropService",
    "NoOwnFreshService",
    "OneMemoryRelayService",
    "PeerCapForwardService",
    "PruneRevocationsService",
    "RearmOnResponseManager",
    "ReusedKeysManager",
    "RevokeAnyService",
    "ShortWindowService",
    "SourceReceiptRelayService",
    "StackedConfirmDeadlineManager",
    "epochless_psk",
]


# -- keys -----------------------------------------------------------------------------

_LABEL_PSK = b"aura/rendezvous/v1/psk"


def epochless_psk(membership: ContextMembership, epoch: int) -> bytes:
    """The PSK HKDF'd from the epoch's context key with ``info`` = label, context id:
    the epoch left out of the second derivation's ``info``."""
    info = len(_LABEL_PSK).to_bytes(2, "big") + _LABEL_PSK + membership.context_id.value
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(
        membership.context_key(epoch)
    )


@attrs.frozen
class EpochlessPskMembership(ContextMembership):
    """The handshake PSK's ``info`` names the context but not the epoch ("the
    context key already depends on the epoch"): a secret still, and a new one each
    epoch, but not DESIGN.md 1's derivation (``info`` carries the context id and the
    epoch, 8 bytes big-endian), so a peer deriving it as specified holds another
    PSK from epoch 0 on."""

    def handshake_psk(self, epoch: int) -> bytes:
        return epochless_psk(self, epoch)


# -- channels -------------------------------------------------------------------------


class _EpochlessAdChannel(SecureChannel):
    """A channel whose transport AEAD's associated data is the channel id alone: the
    clear header's version, type, epoch and counter are not authenticated by it."""

    def seal(self, plaintext: bytes) -> bytes:
        if self.state is not ChannelState.Active:
            return super().seal(plaintext)  # raises as the reference does
        counter = self._next_send
        header = transport_header(self.channel_id, self.epoch, counter)
        try:
            self._send.set_nonce(counter)
            ciphertext = self._send.encrypt_with_ad(self.channel_id, plaintext)
        except NoiseError as exc:
            raise LocalProtocolError(f"cannot seal: {exc}") from exc
        self.apply(ChannelEvent.Send)
        self._next_send = counter + 1
        return header + ciphertext

    def check_message(self, message: TransportMessage) -> bytes:
        if message.channel_id != self.channel_id:
            raise UnknownChannel("transport message for another channel")
        if message.epoch < self.epoch:
            raise RetiredEpoch(f"message of epoch {message.epoch} on epoch {self.epoch}")
        if message.epoch != self.epoch:
            raise WrongEpoch(f"message of epoch {message.epoch} on epoch {self.epoch}")
        if self.state in (ChannelState.Rotating, ChannelState.Closed, ChannelState.Error):
            raise RetiredEpoch(f"channel is {self.state.value}: its epoch is retired")
        if self._highest_recv is not None and message.counter <= self._highest_recv:
            raise ReplayedMessage(f"counter {message.counter} not above {self._highest_recv}")
        try:
            self._recv.set_nonce(message.counter)
            return self._recv.decrypt_with_ad(self.channel_id, message.ciphertext)
        except (NoiseDecryptError, NoiseError) as exc:
            raise TransportAuthError("transport message did not decrypt") from exc


class EpochlessAdManager(ChannelManager):
    """Transport messages are sealed with the channel id as the only associated data
    ("the id already binds context and epoch"): docs/channels.md makes the whole
    header (version, type, channel id, epoch, counter) the AD, so a peer that
    authenticates the header as specified opens none of these messages."""

    def prepare_accept(
        self, config: HandshakeConfig, data: bytes, **kw: Any
    ) -> tuple[SecureChannel, bytes]:
        channel, reply = super().prepare_accept(config, data, **kw)
        channel.__class__ = _EpochlessAdChannel
        return channel, reply

    def prepare_finish(
        self, context_id: bytes, peer: bytes, data: bytes, now_ms: int, epoch: int | None = None
    ) -> tuple[Handshaker, SecureChannel, bytes]:
        pending, _, _ = super().prepare_finish(context_id, peer, data, now_ms, epoch)
        trial = pending.copy()
        trial.process_response(data, now_ms)
        channel = trial.build_channel()
        channel.__class__ = _EpochlessAdChannel
        return pending, channel, channel.seal(b"")


class StackedConfirmDeadlineManager(ChannelManager):
    """The responder's key-confirmation window is a fresh ``timeout_ms`` counted from
    the handshake's own deadline (the confirmation timer armed when the handshake
    timer would have fired) instead of ending with it: a channel waits for its
    confirmation twice as long as DESIGN.md 5's ``timeout_ms`` allows, so a
    confirmation past the deadline makes it Active."""

    def prepare_accept(
        self, config: HandshakeConfig, data: bytes, **kw: Any
    ) -> tuple[SecureChannel, bytes]:
        channel, reply = super().prepare_accept(config, data, **kw)
        if channel.confirm_deadline_ms is not None:
            channel.confirm_deadline_ms += config.timeout_ms
        return channel, reply


class _IdOnlyConfirmChannel(SecureChannel):
    """A responder channel that takes any message naming it, while Establishing, as
    its key confirmation: the confirmation is empty, so its arrival is read as
    the proof."""

    def check_message(self, message: TransportMessage) -> bytes:
        try:
            return super().check_message(message)
        except TransportAuthError:
            if self.state is ChannelState.Establishing:
                return b""
            raise


class IdOnlyConfirmManager(ChannelManager):
    """The key confirmation is recognised by its channel id, not by decrypting ("the
    initiator's first message is empty: if it names our channel, it came from the
    initiator"): anyone who saw the channel id confirms a handshake whose PSK was
    never proved (DESIGN.md 5: the confirmation is the first transport message that
    *decrypts*; a wrong PSK never yields an Active channel)."""

    def prepare_accept(
        self, config: HandshakeConfig, data: bytes, **kw: Any
    ) -> tuple[SecureChannel, bytes]:
        channel, reply = super().prepare_accept(config, data, **kw)
        channel.__class__ = _IdOnlyConfirmChannel
        return channel, reply


class ChannelRewritingManager(ChannelManager):
    """A manager that rewrites each channel it builds (``_rewrite``), on the
    responder's side and on the initiator's, before anyone seals with it."""

    def _rewrite(self, channel: SecureChannel) -> SecureChannel:
        return channel

    def prepare_accept(
        self, config: HandshakeConfig, data: bytes, **kw: Any
    ) -> tuple[SecureChannel, bytes]:
        channel, reply = super().prepare_accept(config, data, **kw)
        return self._rewrite(channel), reply

    def prepare_finish(
        self, context_id: bytes, peer: bytes, data: bytes, now_ms: int, epoch: int | None = None
    ) -> tuple[Handshaker, SecureChannel, bytes]:
        pending, _, _ = super().prepare_finish(context_id, peer, data, now_ms, epoch)
        trial = pending.copy()
        trial.process_response(data, now_ms)
        channel = self._rewrite(trial.build_channel())
        return pending, channel, channel.seal(b"")


class ReusedKeysManager(ChannelRewritingManager):
    """Transport keys are kept per ``(context, peer)`` from the first channel with that
    peer ("the session keys"): a rekey, a reconnect or a rotation runs a new
    handshake and gets a new channel id, but the channel seals under the first
    channel's keys with its counter back at 0, so (key, nonce) pairs repeat
    (DESIGN.md 5: rotation is a new handshake, *new keys*; a nonce is never reused
    under one key)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._session_keys: dict[tuple[bytes, bytes, bool], tuple[Any, Any]] = {}

    def _rewrite(self, channel: SecureChannel) -> SecureChannel:
        key = (channel.context_id, channel.remote, channel.is_initiator)
        kept = self._session_keys.setdefault(key, (channel._send.copy(), channel._recv.copy()))
        channel._send, channel._recv = kept[0].copy(), kept[1].copy()
        return channel


class RearmOnResponseManager(ChannelManager):
    """A message 2 that does not authenticate re-arms the pending handshake's timer
    ("the peer is alive, give it another ``timeout_ms``"): the deadline is counted
    from the last message seen instead of the handshake's start, so an attacker who
    replays garbage keeps a half-open handshake alive for ever (DESIGN.md 5: a
    passed ``timeout_ms`` ends in ``Failed``; a message that does not authenticate
    changes nothing)."""

    def prepare_finish(
        self, context_id: bytes, peer: bytes, data: bytes, now_ms: int, epoch: int | None = None
    ) -> tuple[Handshaker, SecureChannel, bytes]:
        try:
            return super().prepare_finish(context_id, peer, data, now_ms, epoch)
        except HandshakeAuthError:
            pending = self._pending.get((context_id, peer))
            if pending is not None:
                pending._deadline_ms = now_ms + pending.config.timeout_ms
            raise


# -- descriptors and journal ----------------------------------------------------------


class NoOwnFreshService(RendezvousService):
    """``needs_refresh`` is false when the member has no own valid descriptor at all
    ("nothing published, nothing to refresh"): DESIGN.md 2 makes that case the
    first reason to publish, so a member never publishes its first descriptor (or
    a successor once its last one expired or was revoked)."""

    def needs_refresh(self, context_id: ContextId, now_ms: int, refresh_window_ms: int) -> bool:
        if self.get_cached_descriptor(context_id, self.authority_id, now_ms) is None:
            return False
        return super().needs_refresh(context_id, now_ms, refresh_window_ms)


class ShortWindowService(RendezvousService):
    """A descriptor is built valid in ``[now, now + validity - 1)``: the window's end
    translated as an inclusive "last valid instant" and then used as the exclusive
    ``valid_until`` (DESIGN.md 2: ``valid_until = now + validity``, half-open), so
    every descriptor dies one millisecond early."""

    def prepare_publish_descriptor(
        self, snapshot: Any, context_id: ContextId, transport_hints: Any, now_ms: int
    ) -> Any:
        config = self.config
        if config.descriptor_validity_ms > 1:
            self.config = attrs.evolve(
                config, descriptor_validity_ms=config.descriptor_validity_ms - 1
            )
        try:
            return super().prepare_publish_descriptor(snapshot, context_id, transport_hints, now_ms)
        finally:
            self.config = config


class ClockFloorMergeService(_MergeFilterService):
    """A synced entry stamped at or below the replica's Lamport clock is skipped as
    "already seen" (the clock read as a high-water mark of what arrived): a fact
    another member stamped concurrently with one of ours never merges, and the
    replicas do not converge (DESIGN.md 3: the set is deduplicated by content hash,
    whatever the stamps)."""

    def _kept(
        self, facts: SyncFacts, journal: ContextJournal, membership: ContextMembership
    ) -> tuple[JournalEntry, ...]:
        return tuple(e for e in facts.entries if e.lamport > journal.clock)


class RevokeAnyService(RendezvousService):
    """A revocation is written for any nonce the member names, its own or not (the
    "only the publisher" rule left to the receivers, who honour only the publisher's
    signature): a member's revoke of another's descriptor is charged and journaled
    instead of denied (DESIGN.md 2: only the publisher may revoke its own
    descriptor; a deny has no effects)."""

    def prepare_revoke_descriptor(
        self, snapshot: Any, context_id: ContextId, nonce: bytes
    ) -> GuardOutcome:
        def couple(charge: ChargeFlowBudget) -> GuardOutcome:
            membership = self._coupling.check(snapshot, context_id)
            if not isinstance(membership, ContextMembership):
                return GuardOutcome.deny(membership)
            fact = revoke_descriptor(self.config.keys, context_id, nonce)
            return GuardOutcome.allow(
                [
                    charge,
                    JournalAppend(context_id, fact),
                    self._receipt("revoke_descriptor", charge, self.authority_id),
                ]
            )

        return evaluate_guards(snapshot, CAP_RENDEZVOUS_PUBLISH, REVOKE_DESCRIPTOR_COST, couple)


class PruneRevocationsService(RendezvousService):
    """Pruning drops every revocation along with the expired descriptors ("a
    revocation is only bookkeeping"): a revoked descriptor still valid is chosen
    again after its holder prunes (DESIGN.md 2: ``DescriptorRevoked`` is honoured
    everywhere; only dead facts may go)."""

    def prune_journal(self, context_id: ContextId, now_ms: int) -> int:
        dropped = super().prune_journal(context_id, now_ms)
        journal = self.journal(context_id)
        revocations = frozenset(
            e.fact_id for e in journal.entries() if isinstance(e.fact, DescriptorRevoked)
        )
        return dropped + journal.discard(revocations)


# -- relay ----------------------------------------------------------------------------


class _ForwardRewriteService(RendezvousService):
    """The reference relay with its allowed forward's effects rewritten."""

    def _rewrite(self, envelope: Any, effects: list[Any]) -> list[Any]:
        raise NotImplementedError

    def prepare_relay_forward(
        self, snapshot: Any, envelope: Any, *, receipt: bytes | None = None
    ) -> GuardOutcome:
        outcome = super().prepare_relay_forward(snapshot, envelope, receipt=receipt)
        if not outcome.is_allowed():
            return outcome
        return GuardOutcome.allow(self._rewrite(envelope, list(outcome.effects)))


class EchoForwardRelayService(_ForwardRewriteService):
    """The relay passes an envelope on to its ``src`` (the field read for "the other
    end" is the one the envelope came from): every forward goes back to its sender
    and the peer it names never hears of it (seed 5.2: ``Relay -> Responder``)."""

    def _rewrite(self, envelope: Any, effects: list[Any]) -> list[Any]:
        return [
            attrs.evolve(e, to=envelope.src) if isinstance(e, ForwardRelayEnvelope) else e
            for e in effects
        ]


class DoubleForwardRelayService(_ForwardRewriteService):
    """The relay sends each forward twice (a retry left in the happy path): the
    destination is handed the same envelope again, paid once (DESIGN.md 4: an
    allowed outcome's effects are its sends, each once; ``RVRelayForwardsOnce``)."""

    def _rewrite(self, envelope: Any, effects: list[Any]) -> list[Any]:
        sends = [e for e in effects if isinstance(e, ForwardRelayEnvelope)]
        return [*effects, *sends]


class DoubleCostForwardService(_ForwardRewriteService):
    """A forward is charged (and its receipt written) at 2, the cost of the relayed
    connect it serves, instead of ``RELAY_FORWARD_COST = 1`` (seed 5.2's annotation
    on ``RelayForward``): the relay's budget runs out at half the forwards."""

    def _rewrite(self, envelope: Any, effects: list[Any]) -> list[Any]:
        return [
            attrs.evolve(e, cost=2) if isinstance(e, (ChargeFlowBudget, RecordReceipt)) else e
            for e in effects
        ]


class MisreasonedDropService(RendezvousService):
    """A forward between members the relay does not serve is denied as
    ``MissingCapability`` whatever failed (the first guard's reason reused for every
    drop): an envelope to a non-member is reported as the relay's own missing
    capability, not ``NotAMember`` (DESIGN.md 4: denial reasons are typed)."""

    def prepare_relay_forward(
        self, snapshot: Any, envelope: Any, *, receipt: bytes | None = None
    ) -> GuardOutcome:
        outcome = super().prepare_relay_forward(snapshot, envelope, receipt=receipt)
        if outcome.is_allowed():
            return outcome
        return GuardOutcome.deny(DenyReason.MissingCapability)


class SourceReceiptRelayService(_ForwardRewriteService):
    """The relay's receipt for a forward is addressed to the envelope's source (the
    member whose message it carries) instead of the member it is sent to: the
    receiver, who gets the receipt with the envelope, reads one paid to someone
    else (DESIGN.md 4: a receipt names its dst)."""

    def _rewrite(self, envelope: Any, effects: list[Any]) -> list[Any]:
        return [
            attrs.evolve(e, peer=envelope.src) if isinstance(e, RecordReceipt) else e
            for e in effects
        ]


class _OneMemory(ForwardedEnvelopes):
    """The relay's forward memory cleared whole when any context's epoch moves."""

    def retire(self, context_id: ContextId, epoch: int) -> None:
        self._seen.clear()
        super().retire(context_id, epoch)


class OneMemoryRelayService(RendezvousService):
    """The relay keeps one memory of forwarded envelopes and empties it at every epoch
    change ("a new epoch, a new memory"), whichever context moved: once another
    context rotates, an envelope of this context's live epoch is forwarded, and paid
    for, again (``RVRelayForwardsOnce``: the memory of a (context, epoch) lives as
    long as that epoch)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.forwarded = _OneMemory(self.config.relay_forward_capacity)


class PeerCapForwardService(RendezvousService):
    """The relay's forward is guarded by ``rendezvous:relay`` (the capability of the
    relayed connect it serves) instead of ``relay:forward`` (seed 5.2's annotation on
    ``RelayForward``): a member without the relay's capability forwards, and the
    context's designated relay does not."""

    def prepare_relay_forward(
        self, snapshot: Any, envelope: Any, *, receipt: bytes | None = None
    ) -> GuardOutcome:
        caps = set(snapshot.capabilities) - {CAP_RELAY_FORWARD}
        if CAP_RENDEZVOUS_RELAY in snapshot.capabilities:
            caps.add(CAP_RELAY_FORWARD)
        return super().prepare_relay_forward(
            attrs.evolve(snapshot, capabilities=frozenset(caps)), envelope, receipt=receipt
        )


# -- budgets --------------------------------------------------------------------------


class ContextBlindBudgetInterpreter(EffectInterpreter):
    """One flow budget per ``(authority, epoch)``: every charge is booked under the
    interpreter's first context whatever context the outcome is of, so spending in
    one context uses up another's (DESIGN.md 4: per ``(context, authority,
    epoch)``)."""

    def _do(self, effect, undo, receipts):  # type: ignore[no-untyped-def]
        if isinstance(effect, ChargeFlowBudget):
            effect = attrs.evolve(effect, context_id=next(iter(self.journals)))
        super()._do(effect, undo, receipts)
