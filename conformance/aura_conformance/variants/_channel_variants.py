"""Deliberately broken variants of the channel layer ("buggy backends").

Each reproduces a shortfall that DESIGN.md lists for the public code base (or a
rule of section 5), so tests and the conformance harness can show that their
assertions catch it. Nothing in the reference implementation uses them.
Re-exported by :mod:`aura_conformance.variants`.
"""

from __future__ import annotations

from collections.abc import Callable

from aura_rendezvous.channels import (
    ChannelEvent,
    ChannelManager,
    ChannelState,
    HandshakeConfig,
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
from aura_rendezvous.noise import InitialStateCache, Keypair, StaticDhCache

__all__ = [
    "EagerReplayGuard",
    "EagerResponder",
    "EpochBlindReplayGuard",
    "EpochFreePrologue",
    "ForgetfulReplayGuard",
    "FragilePendingManager",
    "KeepReplacedChannelManager",
    "NoReplayChannelManager",
    "PeerOnlyChannelManager",
    "ReviveOnRotateManager",
    "RotateInPlaceChannelManager",
    "TimeoutIgnoringHandshaker",
    "UncheckedStaticKeyManager",
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

    def forget_retired(self, epoch_of: Callable[[bytes], int]) -> None:
        # Its one entry per initiator is never retired: that is the shortfall.
        del epoch_of


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


# The epoch is the prologue's last field (``handshake_prologue``: label, context, u64 epoch).
_PROLOGUE_EPOCH_LEN = 8


class EpochFreePrologue(InitialStateCache):
    """The handshake state after a prologue of the label and context only: the
    epoch is left out, so the only epoch a message 1 shows is its cleartext
    header, which an attacker may rewrite. Given to both sides as their initial
    state, it stands in for a prologue built without the epoch."""

    def get(self, key: tuple[bytes, ...]) -> tuple[bytes, bytes] | None:
        # Noise's InitializeSymmetric then MixHash of the prologue and pre-message keys.
        prologue, *pre = key
        hashing = self.protocol.hash
        name = self.protocol.name.encode("ascii")
        h = (
            name.ljust(hashing.hashlen, b"\x00")
            if len(name) <= hashing.hashlen
            else hashing.hash(name)
        )
        ck = h
        for data in (prologue[:-_PROLOGUE_EPOCH_LEN], *pre):
            h = hashing.hash(h, data)
        return ck, h

    def put(self, key: tuple[bytes, ...], ck: bytes, h: bytes) -> None:
        del key, ck, h  # nothing kept: get derives the state each time


class _UncheckedStaticKeyHandshaker(Handshaker):
    """A responder that checks the claimed initiator is a member, and then takes the
    static key message 1 carries as that member's: any key passes the comparison."""

    def _accept_init(self, data: bytes, now_ms: int) -> bytes:
        roster = self._roster
        assert roster is not None

        def member_key(aid: bytes) -> bytes | None:
            # The roster is asked about membership only; the key compared is the message's.
            return None if roster(aid) is None else self._noise.remote_static

        self._roster = member_key
        try:
            return super()._accept_init(data, now_ms)
        finally:
            self._roster = roster


class UncheckedStaticKeyManager(ChannelManager):
    """The responder accepts message 1 from a claimed member whatever its static key:
    whoever holds another key (and the context's PSK) impersonates the member."""

    def prepare_accept(
        self,
        config: HandshakeConfig,
        data: bytes,
        *,
        static: Keypair,
        roster: RosterLookup,
        ephemeral: Keypair,
        now_ms: int,
        static_dh: StaticDhCache | None = None,
        initial_state: InitialStateCache | None = None,
    ) -> tuple[SecureChannel, bytes]:
        self._check_config(config, newer=True)
        handshaker = _UncheckedStaticKeyHandshaker.responder(
            config,
            static=static,
            roster=roster,
            replay_guard=self.replay_guard,
            ephemeral=ephemeral,
            now_ms=now_ms,
            static_dh=static_dh,
            initial_state=initial_state,
        )
        reply = handshaker.process_init(data, now_ms)
        channel = handshaker.build_channel()
        self._check_newer_than_pending(channel)
        return channel, reply


class ReviveOnRotateManager(ChannelManager):
    """A closed channel stays registered, and an epoch advance marks every channel of
    an older epoch ``Rotating`` whatever its state: the closed one is live again."""

    def close(self, channel_id: bytes) -> None:
        channel = self.get(channel_id)
        if channel is None:
            raise LocalProtocolError("no such channel")
        channel.close()

    def advance_epoch(
        self, epoch: int, context_id: bytes | None = None
    ) -> tuple[SecureChannel, ...]:
        closed = [
            c
            for c in self.channels()
            if c.state is ChannelState.Closed and context_id in (None, c.context_id)
        ]
        marked = super().advance_epoch(epoch, context_id)
        for channel in closed:
            channel._state = ChannelState.Rotating  # the transition table has no such edge
        return (*marked, *closed)
