"""The red team's fifth round of wrong backends, written from DESIGN.md's rules alone.

Each keeps one plausible implementation mistake (a key memoised under the wrong
id, a deadline armed from the wrong clock, a replay window kept per peer instead
of per channel, a grace window for the epoch just retired, a clean-up that
forgets the replay memory with the handshake, a future-dated timestamp let
through, a field left out of a comparison). The tests run each through the
default profile and record whether it is rejected and under which invariant
(tests/conformance/test_probe_variants_r5.py); nothing in the reference
implementation uses them. The wire mode's own probes (desks, ports) live with
that test: the variants package must not import the wire mode.
"""

from __future__ import annotations

import hashlib
from typing import Any

import attrs
from aura_rendezvous import (
    AuraError,
    AuthorityId,
    ChannelManager,
    ContextId,
    RendezvousService,
)
from aura_rendezvous.channels import (
    HandshakeConfig,
    Handshaker,
    HandshakeReplayGuard,
    MessageType,
    ReceivedMessage,
    SecureChannel,
    TransportMessage,
    decode_handshake,
)
from aura_rendezvous.core import (
    ContextMembership,
    LocalProtocolError,
    ReplayedMessage,
    Roster,
    TransportAuthError,
    UnsolicitedHandshake,
    WrongEpoch,
    check_u64,
)
from aura_rendezvous.descriptors import RendezvousDescriptor, choose_descriptor, needs_refresh_at
from aura_rendezvous.guard import Receipt, ReceiptVerifier
from aura_rendezvous.journal import DescriptorCache
from aura_rendezvous.noise import Keypair

__all__ = [
    "AbsoluteDeadlineManager",
    "ContextBlindReceiptVerifier",
    "GaplessCounterManager",
    "GraceEpochManager",
    "LaggingRefreshService",
    "LittleEndianNonceTieService",
    "PairKeyedWindowManager",
    "ParticipantChannelIdManager",
    "PeerClockDeadlineManager",
    "RosterKeyedPskMembership",
    "SkewBlindReplayGuard",
    "StartupEphemeralManager",
    "TimeoutForgetsAnsweredManager",
    "WrappingRefreshService",
]


# -- keys -----------------------------------------------------------------------------

# roster id -> (the roster, its PSKs by epoch). The roster is kept next to its id so
# that an id reused by a later roster is not taken for it.
_ROSTER_PSKS: dict[int, tuple[Roster, dict[int, bytes]]] = {}


@attrs.frozen
class RosterKeyedPskMembership(ContextMembership):
    """The handshake PSK is memoised per ``(roster, epoch)``: a key store of "the
    authorities I share secrets with" instead of per ``(context, epoch)`` (DESIGN.md 1).
    Two contexts with the same members get whichever of their PSKs was derived first:
    one context's channels are keyed by the other context's secret."""

    def handshake_psk(self, epoch: int) -> bytes:
        held = _ROSTER_PSKS.get(id(self.roster))
        if held is None or held[0] is not self.roster:
            held = _ROSTER_PSKS[id(self.roster)] = (self.roster, {})
        psks = held[1]
        if epoch not in psks:
            psks[epoch] = super().handshake_psk(epoch)
        return psks[epoch]


# -- channels and epochs --------------------------------------------------------------


class AbsoluteDeadlineManager(ChannelManager):
    """Handshake and key-confirmation deadlines are armed from the clock's origin, not
    from the handshake's start: the relative ``timeout_ms`` is used as the absolute
    deadline (the handshaker is built with ``now_ms`` 0). Every handshake begun after
    the first ``timeout_ms`` of the process has timed out before its first message."""

    def prepare_start(self, config: HandshakeConfig, **kw: Any) -> tuple[Handshaker, bytes]:
        kw["now_ms"] = 0
        return super().prepare_start(config, **kw)

    def prepare_accept(
        self, config: HandshakeConfig, data: bytes, **kw: Any
    ) -> tuple[SecureChannel, bytes]:
        kw["now_ms"] = 0
        return super().prepare_accept(config, data, **kw)


class GaplessCounterManager(ChannelManager):
    """The receiver expects the counter right after the last one it accepted (an
    implicit nonce): a transport message after a lost one does not decrypt. DESIGN.md 5
    and docs/channels.md: counters strictly increase, gaps allowed (only a replay or an
    older message is refused)."""

    def receive_message(self, message: TransportMessage) -> ReceivedMessage:
        channel = self._by_id.get(message.channel_id)
        highest = None if channel is None else channel._highest_recv
        if highest is not None and message.counter > highest + 1:
            raise TransportAuthError("transport message did not decrypt")
        return super().receive_message(message)


class PairKeyedWindowManager(ChannelManager):
    """The receive window is kept per ``(context, peer)``, not per channel: a new
    channel with that peer (a rekey, a reconnect) inherits the greatest counter of
    the one before, so its key confirmation (counter 0) is refused as a replay."""

    def __init__(self, local: bytes, epoch: int = 0) -> None:
        super().__init__(local, epoch)
        self._windows: dict[tuple[bytes, bytes], int] = {}

    def receive_message(self, message: TransportMessage) -> ReceivedMessage:
        channel = self._by_id.get(message.channel_id)
        if channel is None:
            return super().receive_message(message)
        pair = (channel.context_id, channel.remote)
        highest = self._windows.get(pair)
        if highest is not None and message.counter <= highest:
            raise ReplayedMessage(f"counter {message.counter} not above {highest}")
        got = super().receive_message(message)
        self._windows[pair] = message.counter
        return got


class GraceEpochManager(ChannelManager):
    """A grace window for the epoch just retired: the responder keeps the previous
    epoch's handshake config (its PSK and prologue) and answers a message 1 of that
    epoch under it, registering the answer's channel (for peers slow to advance).
    DESIGN.md 5: a first message of another epoch is rejected."""

    def __init__(self, local: bytes, epoch: int = 0) -> None:
        super().__init__(local, epoch)
        self._configs: dict[tuple[bytes, int], HandshakeConfig] = {}

    def prepare_accept(
        self, config: HandshakeConfig, data: bytes, **kw: Any
    ) -> tuple[SecureChannel, bytes]:
        self._configs[(config.context_id, config.epoch)] = config
        try:
            return super().prepare_accept(config, data, **kw)
        except WrongEpoch:
            old = self._configs.get((config.context_id, config.epoch - 1))
            try:
                header = decode_handshake(data, MessageType.HandshakeInit).epoch
            except AuraError:
                header = None
            if old is None or header != old.epoch:
                raise
        handshaker = Handshaker.responder(
            old,
            static=kw["static"],
            roster=kw["roster"],
            replay_guard=self.replay_guard,
            ephemeral=kw["ephemeral"],
            now_ms=kw["now_ms"],
            static_dh=kw.get("static_dh"),
            initial_state=kw.get("initial_state"),
        )
        reply = handshaker.process_init(data, kw["now_ms"])
        return handshaker.build_channel(), reply

    def _check_new(self, channel: SecureChannel) -> None:
        grace = channel.epoch + 1 == self.epoch_of(channel.context_id)
        if grace and not channel.is_initiator:
            if channel.local != self.local or channel.channel_id in self._by_id:
                raise LocalProtocolError("channel is not a new one of ours")
            return
        super()._check_new(channel)


class TimeoutForgetsAnsweredManager(ChannelManager):
    """A timed-out responder channel is cleaned up with everything about its
    handshake, the replay guard's note that its message 1 was answered included: the
    same message 1 replayed after the timeout is answered again (DESIGN.md 5: the
    responder drops replays)."""

    def check_timeouts(self, now_ms: int) -> tuple[SecureChannel | Handshaker, ...]:
        failed = super().check_timeouts(now_ms)
        guard = self.replay_guard
        for item in failed:
            if isinstance(item, SecureChannel) and item.init_timestamp is not None:
                key = (item.context_id, item.epoch, item.remote)
                guard._answered.get(key, set()).discard(item.init_timestamp)
        return failed


class SkewBlindReplayGuard(HandshakeReplayGuard):
    """Message 1's timestamp is compared with the greatest confirmed one only, never
    with the clock: a timestamp far in the future is answered, and its answered
    channel (a pending confirmation no newer message 1 may replace) locks the
    initiator out until it times out (MAX_HANDSHAKE_CLOCK_SKEW_MS)."""

    def check(
        self, context_id: bytes, epoch: int, initiator: bytes, timestamp: int, now_ms: int
    ) -> None:
        self.check_replay(context_id, epoch, initiator, timestamp)


class LaggingRefreshService(RendezvousService):
    """``needs_refresh`` lets the own descriptor lag one epoch (``own + 1 < current``:
    a "grace epoch" for peers that have not advanced): after a rotation the
    descriptor still commits to the retired epoch's PSK, which peers deny."""

    def needs_refresh(self, context_id: ContextId, now_ms: int, refresh_window_ms: int) -> bool:
        own = self.get_cached_descriptor(context_id, self.authority_id, now_ms)
        if own is None:
            return True
        window = check_u64("window", refresh_window_ms)
        if self._own_descriptor_epoch(context_id, own) + 1 < self.current_epoch(context_id):
            return True
        return needs_refresh_at(own.valid_until, now_ms, window)


# -- descriptors ----------------------------------------------------------------------


@attrs.frozen
class _LittleEndianNonceCache(DescriptorCache):
    """Orders by ``(valid_from, nonce)`` with the nonce read as a little-endian integer."""

    def choose(self, authority: AuthorityId, now_ms: int) -> RendezvousDescriptor | None:
        live = [
            d
            for d in self.descriptors
            if choose_descriptor((d,), self.context_id, authority, now_ms, self.revoked) is not None
        ]
        return max(
            live, key=lambda d: (d.valid_from, int.from_bytes(d.nonce, "little")), default=None
        )


class LittleEndianNonceTieService(RendezvousService):
    """The descriptor choice breaks a ``valid_from`` tie by the nonce as a
    little-endian integer, not as bytes (DESIGN.md 2's ``(valid_from, nonce)``):
    deterministic, the same on every replica of this code, and another descriptor than
    the reference's whenever the nonces' last bytes order otherwise."""

    def descriptor_cache(self, context_id: ContextId) -> DescriptorCache:
        cache = super().descriptor_cache(context_id)
        return _LittleEndianNonceCache(
            cache.context_id, cache.descriptors, cache.revoked, cache.rejected
        )


_U64 = 1 << 64


class WrappingRefreshService(RendezvousService):
    """``needs_refresh`` computes ``now + window`` in wrapping u64 arithmetic (DESIGN.md
    2: saturating): with a window near u64 max the sum wraps to a small number and a
    descriptor about to expire is reported fresh."""

    def needs_refresh(self, context_id: ContextId, now_ms: int, refresh_window_ms: int) -> bool:
        own = self.get_cached_descriptor(context_id, self.authority_id, now_ms)
        if own is None or self._own_descriptor_epoch(context_id, own) < self.current_epoch(
            context_id
        ):
            return True
        window = check_u64("window", refresh_window_ms)
        return (now_ms + window) % _U64 >= own.valid_until


# -- guard chain ----------------------------------------------------------------------


class ContextBlindReceiptVerifier(ReceiptVerifier):
    """A receipt's context is not compared with the verifier's (the signer, epoch,
    nonce and chain are): a receipt paid in another context the source shares with the
    receiver is taken as payment here (DESIGN.md 4: a receipt names its context)."""

    def check(self, receipt: Receipt, current_epoch: int) -> None:
        own = self.context_id
        self.context_id = receipt.context_id
        try:
            super().check(receipt, current_epoch)
        finally:
            self.context_id = own


# -- channel ids ----------------------------------------------------------------------

_PAIR_ID_LABEL = b"aura/rendezvous/v1/channel-id"


def _pair_channel_id(channel: SecureChannel) -> SecureChannel:
    """``channel`` renamed after its context, epoch and two parties."""
    low, high = sorted((channel.local, channel.remote))
    channel.channel_id = hashlib.blake2s(
        _PAIR_ID_LABEL + channel.context_id + channel.epoch.to_bytes(8, "big") + low + high
    ).digest()
    return channel


class ParticipantChannelIdManager(ChannelManager):
    """The channel id is a hash of the label, the context, the epoch and the two
    parties, not of the handshake hash (DESIGN.md 5): every handshake of a pair in an
    epoch names the same channel, so a message of a closed or replaced one reaches its
    successor (and fails there to decrypt instead of naming no channel)."""

    def prepare_accept(
        self, config: HandshakeConfig, data: bytes, **kw: Any
    ) -> tuple[SecureChannel, bytes]:
        channel, reply = super().prepare_accept(config, data, **kw)
        return _pair_channel_id(channel), reply

    def prepare_finish(
        self, context_id: bytes, peer: bytes, data: bytes, now_ms: int, epoch: int | None = None
    ) -> tuple[Handshaker, SecureChannel, bytes]:
        pending = self.pending(context_id, peer)
        if pending is None or (epoch is not None and pending.config.epoch != epoch):
            raise UnsolicitedHandshake("no pending handshake with this peer in this context")
        trial = pending.copy()
        trial.process_response(data, now_ms)
        channel = _pair_channel_id(trial.build_channel())
        return pending, channel, channel.seal(b"")


class StartupEphemeralManager(ChannelManager):
    """The Noise ephemeral key pair is made once, at the manager's first handshake,
    and used for every handshake after it (a key pair built with the endpoint, not per
    handshake): two message 1s of an initiator seal their payloads under one key and
    nonce, and a rekey's keys differ from the old ones by the peer's ephemeral alone."""

    _kept: Keypair | None = None

    def _keep(self, kw: dict[str, Any]) -> None:
        if self._kept is None:
            self._kept = kw["ephemeral"]
        kw["ephemeral"] = self._kept

    def prepare_start(self, config: HandshakeConfig, **kw: Any) -> tuple[Handshaker, bytes]:
        self._keep(kw)
        return super().prepare_start(config, **kw)

    def prepare_accept(
        self, config: HandshakeConfig, data: bytes, **kw: Any
    ) -> tuple[SecureChannel, bytes]:
        self._keep(kw)
        return super().prepare_accept(config, data, **kw)


class PeerClockDeadlineManager(ChannelManager):
    """The responder's key-confirmation deadline is counted from message 1's
    timestamp (the initiator's clock) instead of its own clock at the answer: an
    initiator stamping ahead (up to the clock-skew bound) keeps a half-open channel
    waiting that much longer, and one stamping behind makes it fail at once."""

    def prepare_accept(
        self, config: HandshakeConfig, data: bytes, **kw: Any
    ) -> tuple[SecureChannel, bytes]:
        channel, reply = super().prepare_accept(config, data, **kw)
        assert channel.init_timestamp is not None
        channel.confirm_deadline_ms = channel.init_timestamp + config.timeout_ms
        return channel, reply
