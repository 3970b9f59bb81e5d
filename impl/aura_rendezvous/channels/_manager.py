"""``ChannelManager``: the channels of one authority, by id and by (context, peer).

Rules (DESIGN.md section 5):

- lookup by ``(context, peer)`` returns only a channel of that exact context;
- ``advance_epoch(e)`` marks every channel of an older epoch ``Rotating``: it
  sends and receives nothing from then on; rotation is a *new* IKpsk2
  handshake under epoch ``e``'s PSK, giving new keys and a new channel id;
  when the new channel is ``Active`` the old one is ``Closed`` (superseded);
- ``Closed`` and ``Error`` channels are never revived (the state table has no
  way out of them, and lookups skip them);
- a transport message of an epoch older than the current one is rejected as
  ``RetiredEpoch`` before any key is touched.

The manager also runs the handshake bookkeeping: pending initiator
handshakes per (context, peer) and the responder's first-message replay guard.

Each handshake step is split in two (the seed's pure ``prepare_*``): a
``prepare_*`` method computes the step's result from the current state and
changes nothing, and a ``commit_*`` method applies it. A rejected message
therefore never changes the manager; the service hands the prepared step to the
effect interpreter, which commits it together with the charge and journal
append, after :meth:`ChannelManager.mark` so that :meth:`ChannelManager.restore`
can undo it on rollback. The one-call methods (``start_handshake``, ...) are the
two halves back to back.
"""

from __future__ import annotations

import attrs

from aura_rendezvous.channels._channel import SecureChannel
from aura_rendezvous.channels._handshaker import (
    HandshakeConfig,
    Handshaker,
    HandshakeReplayGuard,
    ReplaySnapshot,
    RosterLookup,
)
from aura_rendezvous.channels._states import ChannelEvent, ChannelState, HandshakeStatus
from aura_rendezvous.channels._transport_message import TransportMessage
from aura_rendezvous.core import (
    ChannelClosedError,
    HandshakeTimeout,
    LocalProtocolError,
    ReplayedHandshake,
    ReplayedMessage,
    RetiredEpoch,
    UnknownChannel,
    UnsolicitedHandshake,
    WrongEpoch,
)
from aura_rendezvous.noise import InitialStateCache, Keypair, StaticDhCache

__all__ = ["ChannelManager", "ManagerMark", "ReceivedMessage"]

_LIVE = (ChannelState.Establishing, ChannelState.Active, ChannelState.Rotating)
# Preference of find_by_context_peer among live channels.
_RANK = {ChannelState.Active: 0, ChannelState.Establishing: 1, ChannelState.Rotating: 2}


@attrs.frozen
class ReceivedMessage:
    """What :meth:`ChannelManager.receive` got: the channel, the plaintext, and whether
    this message was the key confirmation that made the channel ``Active``."""

    channel: SecureChannel = attrs.field(eq=False)
    plaintext: bytes
    confirmed: bool


Pair = tuple[bytes, bytes]
_SavedChannel = tuple[ChannelState, int, int | None, str | None]


@attrs.frozen(eq=False)
class ManagerMark:
    """What a commit may change in one context (or one (context, peer) pair).

    Taken by :meth:`ChannelManager.mark` before a commit, given back to
    :meth:`ChannelManager.restore` to put the manager back exactly as it was.
    """

    context_id: bytes
    peer: bytes | None
    epoch: int | None
    pairs: dict[Pair, list[SecureChannel]]
    saved: tuple[tuple[SecureChannel, _SavedChannel], ...]
    pending: dict[Pair, Handshaker]
    replay: ReplaySnapshot

    def covers(self, pair: Pair) -> bool:
        return pair[0] == self.context_id and (self.peer is None or pair[1] == self.peer)


class ChannelManager:
    """Channels of the authority ``local`` (seed 9.2)."""

    def __init__(self, local: bytes, epoch: int = 0) -> None:
        if not isinstance(local, bytes) or len(local) != 32:
            raise LocalProtocolError("local must be a 32-byte authority id")
        self.local = local
        # Epochs are per context (DESIGN.md 1); contexts not yet advanced on
        # their own follow the manager-wide epoch.
        self._epoch = epoch
        self._epochs: dict[bytes, int] = {}
        self._by_id: dict[bytes, SecureChannel] = {}
        # Registration order per (context, peer): the newest channel wins ties.
        self._by_pair: dict[tuple[bytes, bytes], list[SecureChannel]] = {}
        self._pending: dict[tuple[bytes, bytes], Handshaker] = {}
        self.replay_guard = HandshakeReplayGuard()

    @property
    def current_epoch(self) -> int:
        """The manager-wide epoch (what ``advance_epoch(e)`` without a context moves)."""
        return self._epoch

    def epoch_of(self, context_id: bytes) -> int:
        """The current epoch of ``context_id``."""
        return self._epochs.get(context_id, self._epoch)

    def channels(self) -> tuple[SecureChannel, ...]:
        return tuple(self._by_id.values())

    def get(self, channel_id: bytes) -> SecureChannel | None:
        return self._by_id.get(channel_id)

    def register(self, channel: SecureChannel) -> None:
        """Track ``channel``; it must be ours, new, and of the current epoch."""
        self._check_new(channel)
        self._by_id[channel.channel_id] = channel
        self._by_pair.setdefault((channel.context_id, channel.remote), []).append(channel)
        if channel.is_active():
            self._supersede(channel)

    def _check_new(self, channel: SecureChannel) -> None:
        if channel.local != self.local:
            raise LocalProtocolError("channel belongs to another authority")
        if channel.channel_id in self._by_id:
            raise LocalProtocolError("channel id already registered")
        current = self._epochs.get(channel.context_id, self._epoch)
        if channel.epoch != current:
            raise LocalProtocolError(
                f"channel of epoch {channel.epoch} while its context is at {current}"
            )

    # --- rollback ---------------------------------------------------------

    def mark(self, context_id: bytes, peer: bytes | None = None) -> ManagerMark:
        """Remember the state of ``context_id`` (only its pair with ``peer`` if given)
        so that :meth:`restore` can undo a commit. A commit that may advance the
        context's epoch touches every channel of the context: mark it whole."""
        if peer is None:
            pairs = {k: list(v) for k, v in self._by_pair.items() if k[0] == context_id}
            pending = {k: h for k, h in self._pending.items() if k[0] == context_id}
        else:
            key = (context_id, peer)
            pairs = {key: list(self._by_pair[key])} if key in self._by_pair else {}
            pending = {key: self._pending[key]} if key in self._pending else {}
        return ManagerMark(
            context_id,
            peer,
            self._epochs.get(context_id),
            pairs,
            tuple((c, c.save()) for channels in pairs.values() for c in channels),
            pending,
            # A pair-scoped commit runs in the context's current epoch.
            self.replay_guard.snapshot(
                context_id, peer, None if peer is None else (self.epoch_of(context_id),)
            ),
        )

    def restore(self, mark: ManagerMark) -> None:
        """Put back what :meth:`mark` saw: channels, their states, pending handshakes,
        replay-guard entries and the context's epoch."""
        for key in [k for k in self._by_pair if mark.covers(k)]:
            for channel in self._by_pair.pop(key):
                if self._by_id.get(channel.channel_id) is channel:
                    del self._by_id[channel.channel_id]
        for key, channels in mark.pairs.items():
            self._by_pair[key] = list(channels)
            for channel in channels:
                self._by_id[channel.channel_id] = channel
        for channel, saved in mark.saved:
            channel.restore(saved)
        for key in [k for k in self._pending if mark.covers(k)]:
            del self._pending[key]
        self._pending.update(mark.pending)
        if mark.epoch is None:
            self._epochs.pop(mark.context_id, None)
        else:
            self._epochs[mark.context_id] = mark.epoch
        self.replay_guard.restore(mark.replay)

    def find_by_context_peer(self, context_id: bytes, peer: bytes) -> SecureChannel | None:
        """The best live channel with ``peer`` in exactly ``context_id`` (Active first)."""
        channels = self._by_pair.get((context_id, peer), ())
        if len(channels) == 1:
            # The usual case, one channel per pair: no ranking to do.
            only = channels[0]
            return only if only.state in _LIVE else None
        live = [c for c in channels if c.state in _LIVE]
        if not live:
            return None
        # Active before Establishing before Rotating, newer epoch first, and among
        # equals the last registered.
        ranked = min(enumerate(live), key=lambda ic: (_RANK[ic[1].state], -ic[1].epoch, -ic[0]))
        return ranked[1]

    def advance_epoch(
        self, epoch: int, context_id: bytes | None = None
    ) -> tuple[SecureChannel, ...]:
        """Move every context (or only ``context_id``) to ``epoch``; return the
        channels now ``Rotating`` (each needs a new handshake)."""
        if context_id is None:
            if epoch <= self._epoch:
                raise LocalProtocolError(f"epoch must grow: {epoch} <= {self._epoch}")
            self._epoch = epoch
            self._epochs = {c: max(e, epoch) for c, e in self._epochs.items()}
        else:
            current = self.epoch_of(context_id)
            if epoch <= current:
                raise LocalProtocolError(f"epoch must grow: {epoch} <= {current}")
            self._epochs[context_id] = epoch
        marked = []
        for channel in self._by_id.values():
            if channel.epoch < self.epoch_of(channel.context_id) and channel.state in _LIVE:
                if channel.state is not ChannelState.Rotating:
                    marked.append(channel)
                channel.apply(ChannelEvent.EpochAdvanced)
        self.replay_guard.forget_retired(self.epoch_of)
        # A handshake begun under an old epoch would yield an old-epoch channel.
        self._pending = {
            k: h for k, h in self._pending.items() if h.config.epoch == self.epoch_of(k[0])
        }
        return tuple(marked)

    def needs_rotation(self) -> tuple[tuple[bytes, bytes], ...]:
        """(context, peer) pairs with a Rotating channel and no live replacement yet."""
        pairs = []
        for pair, channels in self._by_pair.items():
            rotating = any(c.state is ChannelState.Rotating for c in channels)
            current = self.epoch_of(pair[0])
            replaced = any(c.epoch == current and c.state in _LIVE for c in channels)
            if rotating and not replaced:
                pairs.append(pair)
        return tuple(pairs)

    def close(self, channel_id: bytes) -> None:
        channel = self._by_id.get(channel_id)
        if channel is None:
            raise LocalProtocolError("no such channel")
        channel.close()
        self._forget_terminal((channel.context_id, channel.remote))

    def next_deadline(self) -> int | None:
        """The earliest handshake or key-confirmation deadline, for the shell's one timer."""
        deadlines = [d for h in self._pending.values() if (d := h.next_deadline()) is not None]
        deadlines += [
            c.confirm_deadline_ms
            for c in self._by_id.values()
            if c.state is ChannelState.Establishing and c.confirm_deadline_ms is not None
        ]
        return min(deadlines, default=None)

    def check_timeouts(self, now_ms: int) -> tuple[SecureChannel | Handshaker, ...]:
        """Fail every handshake and unconfirmed channel past its deadline."""
        failed: list[SecureChannel | Handshaker] = []
        if self._pending:
            for key, handshaker in list(self._pending.items()):
                if handshaker.check_timeout(now_ms):
                    failed.append(handshaker)
                    del self._pending[key]
        establishing = ChannelState.Establishing
        # Only an Establishing channel can time out: the state test skips the
        # method call for every other channel.
        timed_out = [
            c for c in self._by_id.values() if c.state is establishing and c.check_timeout(now_ms)
        ]
        for channel in timed_out:
            self._forget_terminal((channel.context_id, channel.remote))
        failed.extend(timed_out)
        return tuple(failed)

    def _supersede(self, channel: SecureChannel) -> None:
        self._retire_others(channel, responder_slots_only=False)

    def _retire_answered(self, channel: SecureChannel) -> None:
        """Retire the responder channels that ``channel``'s newer first message replaces.

        EpochRotation.tla's ``HandleHandshake`` retires the responder's slot for
        the initiator when it answers a newer msg 1: the initiator only starts a
        handshake once it has given up the previous one, so a late key
        confirmation of the older handshake must find nothing to confirm (else it
        would journal ``ChannelEstablished`` for a channel the initiator closed
        and, via ``_supersede``, close the live newer handshake). Only channels
        where ``channel.remote`` was the initiator are retired: our own
        initiator-side channel with that peer is not the slot being replaced.
        """
        self._retire_others(channel, responder_slots_only=True)

    def _retire_others(self, channel: SecureChannel, *, responder_slots_only: bool) -> None:
        """End the other channels with ``channel``'s peer in its context (Rotating ones
        are superseded, live ones closed), only those where we responded if asked."""
        pair = (channel.context_id, channel.remote)
        channels = self._by_pair.get(pair, ())
        if len(channels) == 1 and channels[0] is channel:
            # Alone with its peer: nothing to retire, nothing turned terminal.
            return
        for other in channels:
            if other is channel or (responder_slots_only and other.is_initiator):
                continue
            if other.state is ChannelState.Rotating:
                other.apply(ChannelEvent.Superseded)
            elif other.state in (ChannelState.Active, ChannelState.Establishing):
                other.close()
        self._forget_terminal(pair)

    def _forget_terminal(self, pair: tuple[bytes, bytes]) -> None:
        # Closed and Error are terminal: dropping them keeps lookups O(live channels)
        # and makes "never revived" structural (their ids become UnknownChannel).
        channels = self._by_pair.get(pair, [])
        live = [c for c in channels if c.state in _LIVE]
        if len(live) == len(channels):
            return  # nothing terminal: the list is already the live one
        for gone in channels:
            if gone.state not in _LIVE:
                self._by_id.pop(gone.channel_id, None)
        if live:
            self._by_pair[pair] = live
        else:
            self._by_pair.pop(pair, None)

    # --- transport ------------------------------------------------------

    def seal(self, context_id: bytes, peer: bytes, plaintext: bytes) -> bytes:
        """Seal on the Active channel of the current epoch with ``peer`` in ``context_id``."""
        channel = self.find_by_context_peer(context_id, peer)
        if channel is None or not channel.is_active() or channel.epoch != self.epoch_of(context_id):
            state = "none" if channel is None else channel.state.value
            raise ChannelClosedError(f"no Active channel of the current epoch (found {state})")
        return channel.seal(plaintext)

    def receive(self, data: bytes) -> ReceivedMessage:
        """Open a transport message; retired epochs and unknown channels are rejected.

        This takes no clock: a key confirmation it opens is judged against its
        deadline only through the timer, so the caller runs :meth:`check_timeouts`
        with the current time first (as an aioquic caller runs ``handle_timer``
        at ``get_timer()``). The service confirms through :meth:`prepare_confirm`,
        which is given ``now_ms`` and refuses a confirmation at or past the
        deadline itself."""
        return self.receive_message(TransportMessage.decode(data))

    def receive_message(self, message: TransportMessage) -> ReceivedMessage:
        """:meth:`receive` for a message already decoded (e.g. to find its channel)."""
        channel = self._by_id.get(message.channel_id)
        if channel is None:
            # Closed and Error channels are forgotten, and an id alone names no
            # context: only an epoch every context has left says more than
            # "unknown" (contexts advance on their own, so no other epoch does).
            if message.epoch < self._epoch:
                raise RetiredEpoch(f"message of epoch {message.epoch}, every context past it")
            raise UnknownChannel("no live channel with this id")
        current = self.epoch_of(channel.context_id)
        if message.epoch < current:
            raise RetiredEpoch(f"message of epoch {message.epoch}, current {current}")
        if message.epoch > current:
            raise WrongEpoch(f"message of epoch {message.epoch}, current {current}")
        plaintext = channel.check_message(message)
        if channel.state is ChannelState.Establishing:
            self.commit_confirm(channel, message.counter)
            return ReceivedMessage(channel, plaintext, True)
        channel.accept_counter(message.counter)
        return ReceivedMessage(channel, plaintext, False)

    # --- handshakes -------------------------------------------------------

    def prepare_start(
        self,
        config: HandshakeConfig,
        *,
        static: Keypair,
        remote_static: bytes,
        ephemeral: Keypair,
        timestamp: int,
        now_ms: int,
        static_dh: StaticDhCache | None = None,
        initial_state: InitialStateCache | None = None,
    ) -> tuple[Handshaker, bytes]:
        """A new handshake to ``config.remote`` and its message 1; nothing is kept
        (``commit_start`` makes it pending). ``config.epoch`` may be newer than the
        context's: the commit advances the epoch first."""
        self._check_config(config, newer=True)
        assert config.remote is not None
        handshaker = Handshaker.initiator(
            config,
            static=static,
            remote_static=remote_static,
            ephemeral=ephemeral,
            now_ms=now_ms,
            static_dh=static_dh,
            initial_state=initial_state,
        )
        return handshaker, handshaker.create_init_message(timestamp, now_ms)

    def commit_start(self, handshaker: Handshaker) -> None:
        """Keep ``handshaker`` (message 1 written) as the pending one with its peer,
        replacing any earlier pending handshake with that peer."""
        config = handshaker.config
        self._check_config(config)
        if not handshaker.is_initiator or handshaker.status is not HandshakeStatus.AwaitingResponse:
            raise LocalProtocolError("only an initiator that wrote message 1 is pending")
        assert config.remote is not None
        self._pending[(config.context_id, config.remote)] = handshaker

    def start_handshake(
        self,
        config: HandshakeConfig,
        *,
        static: Keypair,
        remote_static: bytes,
        ephemeral: Keypair,
        timestamp: int,
        now_ms: int,
        static_dh: StaticDhCache | None = None,
        initial_state: InitialStateCache | None = None,
    ) -> bytes:
        """Begin a handshake to ``config.remote``; return message 1 to send."""
        handshaker, message = self.prepare_start(
            config,
            static=static,
            remote_static=remote_static,
            ephemeral=ephemeral,
            timestamp=timestamp,
            now_ms=now_ms,
            static_dh=static_dh,
            initial_state=initial_state,
        )
        self.commit_start(handshaker)
        return message

    def prepare_finish(
        self, context_id: bytes, peer: bytes, data: bytes, now_ms: int, epoch: int | None = None
    ) -> tuple[Handshaker, SecureChannel, bytes]:
        """Read message 2 on a copy of the pending handshake: the pending handshake,
        the Active channel and the key confirmation (first transport message).

        Nothing changes, whatever the bytes: a response that does not
        authenticate leaves the pending handshake as it was (WireGuard drops
        such a packet), so the genuine response can still complete it. A
        response with nothing pending (replayed, unasked, or of an ``epoch``
        other than the pending handshake's) is :class:`UnsolicitedHandshake`.
        """
        pending = self._pending.get((context_id, peer))
        if pending is None or (epoch is not None and pending.config.epoch != epoch):
            raise UnsolicitedHandshake("no pending handshake with this peer in this context")
        trial = pending.copy()
        trial.process_response(data, now_ms)
        channel = trial.build_channel()
        return pending, channel, channel.seal(b"")

    def commit_finish(self, pending: Handshaker, channel: SecureChannel) -> None:
        """Retire the completed ``pending`` handshake and register its Active channel."""
        key = (channel.context_id, channel.remote)
        if self._pending.get(key) is not pending:
            raise UnsolicitedHandshake("the handshake is no longer pending")
        self._check_new(channel)
        del self._pending[key]
        self.register(channel)

    def finish_handshake(
        self, context_id: bytes, peer: bytes, data: bytes, now_ms: int
    ) -> tuple[SecureChannel, bytes]:
        """Read message 2; register the Active channel and return it with the
        key-confirmation message (the first transport message) to send."""
        pending, channel, confirmation = self.prepare_finish(context_id, peer, data, now_ms)
        self.commit_finish(pending, channel)
        return channel, confirmation

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
        """Answer message 1 without keeping anything: the Establishing channel
        (``commit_accept`` registers it) and message 2. Raises on any rejection.

        The replay guard is consulted, not written: the timestamp is recorded
        only when the handshake is key-confirmed (``commit_confirm``). A message
        1 not newer than the one whose answer still waits for its confirmation
        is refused too (a replay or a reordered older message must not replace
        the pending handshake).
        """
        self._check_config(config, newer=True)
        handshaker = Handshaker.responder(
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

    def _check_newer_than_pending(self, channel: SecureChannel) -> None:
        timestamp = channel.init_timestamp
        assert timestamp is not None
        for other in self._by_pair.get((channel.context_id, channel.remote), ()):
            if (
                not other.is_initiator
                and other.state is ChannelState.Establishing
                and other.epoch == channel.epoch
                and other.init_timestamp is not None
                and timestamp <= other.init_timestamp
            ):
                raise ReplayedHandshake(
                    f"timestamp {timestamp} not above {other.init_timestamp}, which awaits "
                    "its key confirmation"
                )

    def commit_accept(self, channel: SecureChannel) -> None:
        """Register the responder's Establishing ``channel``; it replaces the
        unconfirmed or older responder channels of that initiator, and its
        timestamp is noted as answered."""
        timestamp = channel.init_timestamp
        if timestamp is None:
            raise LocalProtocolError("only a responder's channel answers a message 1")
        # Re-checked: a handshake answered or confirmed since the prepare makes this one stale.
        self.replay_guard.check_replay(channel.context_id, channel.epoch, channel.remote, timestamp)
        self._check_newer_than_pending(channel)
        self.register(channel)
        self._retire_answered(channel)
        self.replay_guard.note_answered(
            channel.context_id, channel.epoch, channel.remote, timestamp
        )

    def accept_handshake(
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
        """Answer message 1: register an Establishing channel and return it with message 2.

        On any rejection this raises and returns nothing to send.
        """
        channel, reply = self.prepare_accept(
            config,
            data,
            static=static,
            roster=roster,
            ephemeral=ephemeral,
            now_ms=now_ms,
            static_dh=static_dh,
            initial_state=initial_state,
        )
        self.commit_accept(channel)
        return channel, reply

    def prepare_confirm(
        self, channel: SecureChannel, message: TransportMessage, now_ms: int
    ) -> bytes:
        """Check the key confirmation ``message`` for the Establishing ``channel``
        without changing anything; its plaintext. ``commit_confirm`` applies it."""
        if channel.state is ChannelState.Active:
            raise ReplayedMessage("channel is already confirmed")
        if channel.state is not ChannelState.Establishing:
            raise RetiredEpoch(f"channel is {channel.state.value}")
        deadline = channel.confirm_deadline_ms
        if deadline is not None and now_ms >= deadline:
            raise HandshakeTimeout("key confirmation arrived after the deadline")
        if channel.init_timestamp is not None:
            self.replay_guard.check_confirmable(
                channel.context_id, channel.epoch, channel.remote, channel.init_timestamp
            )
        return channel.check_message(message)

    def commit_confirm(self, channel: SecureChannel, counter: int) -> None:
        """The key confirmation of ``channel`` (checked): record its first message's
        timestamp in the replay guard, make it Active, retire what it supersedes."""
        if self._by_id.get(channel.channel_id) is not channel:
            raise UnknownChannel("the channel is no longer registered")
        if channel.state is not ChannelState.Establishing:
            raise ReplayedMessage(f"channel is {channel.state.value}, not Establishing")
        if channel.init_timestamp is not None:
            self.replay_guard.record(
                channel.context_id, channel.epoch, channel.remote, channel.init_timestamp
            )
        channel.accept_counter(counter)
        self._supersede(channel)

    def pending(self, context_id: bytes, peer: bytes) -> Handshaker | None:
        return self._pending.get((context_id, peer))

    def _check_config(self, config: HandshakeConfig, *, newer: bool = False) -> None:
        if config.local != self.local:
            raise LocalProtocolError("handshake config is for another authority")
        current = self.epoch_of(config.context_id)
        if config.epoch != current and not (newer and config.epoch > current):
            raise LocalProtocolError(f"handshake under epoch {config.epoch}, context at {current}")
