"""Deliberately broken variants of the channel layer ("buggy backends").

Each reproduces a shortfall that DESIGN.md lists for the public code base (or a
rule of section 5), so tests and the conformance harness can show that their
assertions catch it. Nothing in the reference implementation uses them.
Re-exported by :mod:`aura_conformance.variants`.
"""

from __future__ import annotations

from aura_rendezvous.channels import (
    ChannelEvent,
    ChannelManager,
    ChannelState,
    Handshaker,
    HandshakeReplayGuard,
    HandshakeStatus,
    ReceivedMessage,
    RosterLookup,
    SecureChannel,
    TransportMessage,
    derive_channel_id,
)
from aura_rendezvous.core import LocalProtocolError, ReplayedHandshake

__all__ = [
    "EagerReplayGuard",
    "EagerResponder",
    "EpochBlindReplayGuard",
    "ForgetfulReplayGuard",
    "FragilePendingManager",
    "KeepReplacedChannelManager",
    "NoReplayChannelManager",
    "PeerOnlyChannelManager",
    "RotateInPlaceChannelManager",
    "TimeoutIgnoringHandshaker",
    "derive_channel_id_unbound",
    "rotate_in_place",
    "trusting_roster",
]


def derive_channel_id_unbound(context_id: bytes, epoch: int, handshake_hash: bytes) -> bytes:
    """Channel id from the handshake hash alone: two contexts can share it."""
    del context_id, epoch
    return derive_channel_id(bytes(32), 0, handshake_hash)


class PeerOnlyChannelManager(ChannelManager):
    """Lookup by peer only: a channel of context A is returned for context B."""

    def find_by_context_peer(self, context_id: bytes, peer: bytes) -> SecureChannel | None:
        del context_id
        live = [c for c in self.channels() if c.remote == peer]
        return live[-1] if live else None


class KeepReplacedChannelManager(ChannelManager):
    """The pre-fix responder: answering a newer first message keeps the older,
    replaced channel of that initiator, so its late key confirmation still
    activates it, journals it and closes the newer handshake."""

    def _retire_answered(self, channel: SecureChannel) -> None:
        del channel


class RotateInPlaceChannelManager(ChannelManager):
    """No real rekey: ``advance_epoch`` relabels live channels with the new epoch
    (the seed's ``rotate``, :func:`rotate_in_place`), keeping keys, id and state."""

    def advance_epoch(
        self, epoch: int, context_id: bytes | None = None
    ) -> tuple[SecureChannel, ...]:
        for channel in self.channels():
            in_scope = context_id is None or channel.context_id == context_id
            if in_scope and channel.state in (ChannelState.Active, ChannelState.Establishing):
                rotate_in_place(channel, epoch)
        return super().advance_epoch(epoch, context_id)


class ForgetfulReplayGuard(HandshakeReplayGuard):
    """Checks first-message timestamps but never records them (neither answered nor
    confirmed ones): replays are answered."""

    def note_answered(
        self, context_id: bytes, epoch: int, initiator: bytes, timestamp: int
    ) -> None:
        del context_id, epoch, initiator, timestamp

    def record(self, context_id: bytes, epoch: int, initiator: bytes, timestamp: int) -> None:
        self.check_confirmable(context_id, epoch, initiator, timestamp)


class EagerReplayGuard(HandshakeReplayGuard):
    """The pre-fix guard: message 1's timestamp is recorded as soon as message 1
    is read, before IKpsk2 proves the PSK, with no bound on how far ahead it
    may be. A message 1 with timestamp 2^64 - 1 under a retired PSK locks its
    initiator out of the epoch (EpochRotation.tla ``BUG_ReplayBeforeAuth``)."""

    def check(
        self, context_id: bytes, epoch: int, initiator: bytes, timestamp: int, now_ms: int
    ) -> None:
        del now_ms
        seen = self.greatest(context_id, epoch, initiator)
        if seen is not None and timestamp <= seen:
            raise ReplayedHandshake(f"timestamp {timestamp} not above {seen}")
        self._greatest[(context_id, epoch, initiator)] = timestamp

    def check_replay(self, context_id: bytes, epoch: int, initiator: bytes, timestamp: int) -> None:
        self.check_confirmable(context_id, epoch, initiator, timestamp)

    def check_confirmable(
        self, context_id: bytes, epoch: int, initiator: bytes, timestamp: int
    ) -> None:
        # Later checks of the handshake whose timestamp ``check`` recorded.
        seen = self.greatest(context_id, epoch, initiator)
        if seen is not None and timestamp < seen:
            raise ReplayedHandshake(f"timestamp {timestamp} below {seen}")


class EpochBlindReplayGuard(HandshakeReplayGuard):
    """The pre-fix scope: one entry per (context, initiator) whatever the epoch, so
    a timestamp of a retired epoch still weighs on the next one
    (EpochRotation.tla ``BUG_ReplayAcrossEpochs``)."""

    def greatest(self, context_id: bytes, epoch: int, initiator: bytes) -> int | None:
        return super().greatest(context_id, 0, initiator)

    def check(
        self, context_id: bytes, epoch: int, initiator: bytes, timestamp: int, now_ms: int
    ) -> None:
        super().check(context_id, 0, initiator, timestamp, now_ms)

    def check_replay(self, context_id: bytes, epoch: int, initiator: bytes, timestamp: int) -> None:
        super().check_replay(context_id, 0, initiator, timestamp)

    def check_confirmable(
        self, context_id: bytes, epoch: int, initiator: bytes, timestamp: int
    ) -> None:
        super().check_confirmable(context_id, 0, initiator, timestamp)

    def note_answered(
        self, context_id: bytes, epoch: int, initiator: bytes, timestamp: int
    ) -> None:
        super().note_answered(context_id, 0, initiator, timestamp)

    def record(self, context_id: bytes, epoch: int, initiator: bytes, timestamp: int) -> None:
        super().record(context_id, 0, initiator, timestamp)


class FragilePendingManager(ChannelManager):
    """The pre-fix initiator: message 2 is read on the pending handshake itself,
    so one that does not authenticate (any flipped byte) fails and deletes it,
    and the genuine message 2 that follows finds nothing pending
    (EpochRotation.tla ``BUG_ForgedRespKillsPending``). An unsolicited message 2
    is a ``LocalProtocolError``, as it was."""

    def finish_handshake(
        self, context_id: bytes, peer: bytes, data: bytes, now_ms: int
    ) -> tuple[SecureChannel, bytes]:
        handshaker = self.pending(context_id, peer)
        if handshaker is None:
            raise LocalProtocolError("no pending handshake with this peer in this context")
        try:
            handshaker.process_response(data, now_ms)
        finally:
            if handshaker.status is HandshakeStatus.Failed:
                self._pending.pop((context_id, peer), None)
        self._pending.pop((context_id, peer), None)
        channel = handshaker.build_channel()
        self.register(channel)
        return channel, channel.seal(b"")


class NoReplayChannelManager(ChannelManager):
    """Accepts any counter on transport messages (no replay or reorder protection)."""

    def receive(self, data: bytes) -> ReceivedMessage:
        channel = self.get(TransportMessage.decode(data).channel_id)
        if channel is not None:
            # The bug: forget the greatest counter accepted, so any counter passes.
            channel._highest_recv = None
        return super().receive(data)


class EagerResponder(Handshaker):
    """Activates the responder's channel on writing message 2 (no key confirmation)."""

    def build_channel(self) -> SecureChannel:
        channel = super().build_channel()
        if channel.state is ChannelState.Establishing:
            channel.apply(ChannelEvent.KeyConfirmed)
        return channel


class TimeoutIgnoringHandshaker(Handshaker):
    """Never times out."""

    def check_timeout(self, now_ms: int) -> bool:
        del now_ms
        return False


def trusting_roster(claimed_static: dict[bytes, bytes]) -> RosterLookup:
    """A roster lookup that believes whatever static key it is told a member has."""
    return claimed_static.get


def rotate_in_place(channel: SecureChannel, new_epoch: int) -> None:
    """The seed's ``rotate``: bump the epoch and stay Active, keeping keys and id."""
    channel.epoch = new_epoch
