"""``Handshaker``: one side of a ``Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s`` handshake.

What it adds to the bare Noise layer (DESIGN.md section 5):

- the prologue binds a versioned label, the context id and the epoch, so a
  first message of another context or epoch does not authenticate;
- the PSK is the secret one of ``(context, epoch)``, passed in by the caller;
- the responder, after reading message 1 and *before* writing its reply,
  checks that the claimed initiator is a roster member and that the Noise
  static key is that member's roster key, that the first message's timestamp
  is above the greatest of a *confirmed* handshake from that initiator in this
  (context, epoch), and that it is at most ``MAX_HANDSHAKE_CLOCK_SKEW_MS``
  ahead of ``now_ms``; otherwise it replies nothing. The timestamp is recorded
  only at key confirmation, when the PSK is proven (``HandshakeReplayGuard``);
- the responder's channel is built ``Establishing`` and only becomes
  ``Active`` on key confirmation (``SecureChannel.open``), because in IKpsk2
  a wrong PSK only shows on the initiator's side;
- explicit states in a table (``_states``); any error, or ``now_ms``
  at or past the start plus ``timeout_ms``, ends in ``Failed`` (sticky).

Time and randomness are injected: ``now_ms`` is an argument, the ephemeral
key pair is built by the caller.
"""

from __future__ import annotations

import functools
import struct
from collections.abc import Callable

import attrs

from aura_rendezvous.channels._channel import SecureChannel
from aura_rendezvous.channels._states import (
    ChannelEvent,
    ChannelState,
    HandshakeEvent,
    HandshakeStatus,
    handshake_transition,
)
from aura_rendezvous.channels._transport_message import (
    HandshakeInitPayload,
    MessageType,
    decode_handshake,
    encode_handshake,
)
from aura_rendezvous.core import (
    AuraError,
    DecodeError,
    HandshakeAuthError,
    HandshakeClockSkew,
    HandshakeTimeout,
    LocalProtocolError,
    NonMember,
    ReplayedHandshake,
    StaticKeyMismatch,
    WrongEpoch,
    fixed_bytes,
    optional_fixed_bytes,
    positive,
    u64,
)
from aura_rendezvous.noise import (
    PRODUCTION_PROTOCOL,
    HandshakeState,
    InitialStateCache,
    Keypair,
    NoiseDecryptError,
    NoiseError,
    NoiseProtocol,
    StaticDhCache,
)

__all__ = [
    "MAX_ANSWERED_TIMESTAMPS",
    "MAX_HANDSHAKE_CLOCK_SKEW_MS",
    "PROLOGUE_LABEL",
    "HandshakeConfig",
    "HandshakeReplayGuard",
    "Handshaker",
    "ReplayKey",
    "ReplaySnapshot",
    "RosterLookup",
    "handshake_prologue",
]

PROLOGUE_LABEL = b"aura/rendezvous/v1/noise-prologue"
_EPOCH = struct.Struct(">Q")
_PROTOCOL = NoiseProtocol.parse(PRODUCTION_PROTOCOL)

RosterLookup = Callable[[bytes], bytes | None]
"""Authority id -> its roster X25519 key, or ``None`` when it is not a member."""


_PROLOGUE_PREFIX = bytes([len(PROLOGUE_LABEL)]) + PROLOGUE_LABEL


# Every handshake of a (context, epoch) has the same prologue; the cache holds
# plain immutable bytes, bounded for a process that sees many contexts/epochs.
@functools.lru_cache(maxsize=1024)
def handshake_prologue(context_id: bytes, epoch: int) -> bytes:
    """``len(label) || label || context id || epoch (u64 BE)``."""
    return _PROLOGUE_PREFIX + context_id + _EPOCH.pack(epoch)


_id32 = fixed_bytes(32)


@attrs.frozen
class HandshakeConfig:
    """Who talks to whom, in which context and epoch, under which PSK (seed 9.3).

    ``remote`` is required on the initiator; on the responder it may name the
    initiator the caller expects (it is then checked against the claim).
    """

    local: bytes = attrs.field(validator=_id32)
    remote: bytes | None = attrs.field(validator=optional_fixed_bytes(32))
    context_id: bytes = attrs.field(validator=_id32)
    psk: bytes = attrs.field(validator=_id32, repr=False)
    timeout_ms: int = attrs.field(validator=positive)
    epoch: int = attrs.field(validator=u64)


MAX_HANDSHAKE_CLOCK_SKEW_MS = 120_000
"""How far ahead of the responder's clock a first message's timestamp may be.

Initiators stamp message 1 with their clock (strictly increasing); a stamp
further ahead than this is refused (``HandshakeClockSkew``), so no message,
even an authenticated one, can raise the replay guard far into the future."""

ReplayKey = tuple[bytes, int, bytes]
"""(context id, epoch, initiator id): the replay guard's scope."""

MAX_ANSWERED_TIMESTAMPS = 1024
"""Answered, not yet confirmed first-message timestamps kept per scope (the oldest go first)."""


@attrs.frozen(eq=False)
class ReplaySnapshot:
    """The replay guard's state in one scope, for :meth:`HandshakeReplayGuard.restore`:
    a context, or one initiator's entries of some epochs in it."""

    context_id: bytes
    initiator: bytes | None
    epochs: tuple[int, ...] | None
    greatest: dict[ReplayKey, int]
    answered: dict[ReplayKey, frozenset[int]]

    def keys(self) -> tuple[ReplayKey, ...] | None:
        """The scope's keys when it is one initiator in given epochs, else ``None``."""
        if self.initiator is None or self.epochs is None:
            return None
        return tuple((self.context_id, e, self.initiator) for e in self.epochs)


class HandshakeReplayGuard:
    """Which first-message timestamps a responder still answers, per
    (context, epoch, initiator).

    It keeps the greatest timestamp of a key-confirmed handshake, and the
    timestamps answered since and not confirmed yet. IKpsk2 proves the PSK only
    once the initiator's key confirmation decrypts, so the greatest moves then
    (``record``), never when message 1 is read: an unproven message 1 cannot
    lock an initiator out. An answered timestamp (``note_answered``) only blocks
    a replay of that very message 1. A new epoch starts with nothing (a retired
    PSK's handshakes weigh nothing on the next epoch). ``check`` also refuses a
    timestamp more than ``max_skew_ms`` ahead of now.
    """

    def __init__(self, max_skew_ms: int = MAX_HANDSHAKE_CLOCK_SKEW_MS) -> None:
        self.max_skew_ms = max_skew_ms
        self._greatest: dict[ReplayKey, int] = {}
        self._answered: dict[ReplayKey, set[int]] = {}

    def greatest(self, context_id: bytes, epoch: int, initiator: bytes) -> int | None:
        """The greatest timestamp of a key-confirmed handshake, or ``None``."""
        return self._greatest.get((context_id, epoch, initiator))

    def check(
        self, context_id: bytes, epoch: int, initiator: bytes, timestamp: int, now_ms: int
    ) -> None:
        """Raise unless message 1's ``timestamp`` may be answered: not too far ahead,
        above the greatest confirmed, and not answered already."""
        if timestamp > now_ms + self.max_skew_ms:
            raise HandshakeClockSkew(
                f"timestamp {timestamp} is more than {self.max_skew_ms} ms ahead of {now_ms}"
            )
        self.check_replay(context_id, epoch, initiator, timestamp)

    def check_replay(self, context_id: bytes, epoch: int, initiator: bytes, timestamp: int) -> None:
        """Raise :class:`ReplayedHandshake` if message 1's ``timestamp`` is not above the
        greatest confirmed or was answered already."""
        key = (context_id, epoch, initiator)
        self.check_confirmable(context_id, epoch, initiator, timestamp)
        if timestamp in self._answered.get(key, ()):
            raise ReplayedHandshake(f"timestamp {timestamp} was answered already")

    def check_confirmable(
        self, context_id: bytes, epoch: int, initiator: bytes, timestamp: int
    ) -> None:
        """Raise :class:`ReplayedHandshake` unless ``timestamp`` is above the greatest confirmed."""
        seen = self._greatest.get((context_id, epoch, initiator))
        if seen is not None and timestamp <= seen:
            raise ReplayedHandshake(f"timestamp {timestamp} not above {seen}")

    def note_answered(
        self, context_id: bytes, epoch: int, initiator: bytes, timestamp: int
    ) -> None:
        """Remember that message 1 with ``timestamp`` was answered (bounded per scope)."""
        answered = self._answered.setdefault((context_id, epoch, initiator), set())
        if len(answered) >= MAX_ANSWERED_TIMESTAMPS:
            answered.discard(min(answered))
        answered.add(timestamp)

    def record(self, context_id: bytes, epoch: int, initiator: bytes, timestamp: int) -> None:
        """Record the timestamp of a handshake just key-confirmed."""
        key = (context_id, epoch, initiator)
        self.check_confirmable(context_id, epoch, initiator, timestamp)
        self._greatest[key] = timestamp
        # At or below the greatest, the greatest refuses them already.
        left = {t for t in self._answered.get(key, ()) if t > timestamp}
        if left:
            self._answered[key] = left
        else:
            self._answered.pop(key, None)

    def forget_retired(self, epoch_of: Callable[[bytes], int]) -> None:
        """Drop every entry of an epoch below its context's current one (``epoch_of``).

        A first message of a retired epoch is refused before the guard is asked
        (its PSK is gone), so those entries can never refuse anything again;
        kept, they would grow by one per initiator and epoch for ever.
        """
        for table in (self._greatest, self._answered):
            for key in [k for k in table if k[1] < epoch_of(k[0])]:
                del table[key]

    def entries(self, context_id: bytes, initiator: bytes | None = None) -> dict[ReplayKey, int]:
        """The greatest confirmed timestamps of ``context_id`` (of ``initiator`` if given)."""
        return {k: v for k, v in self._greatest.items() if _in_scope(k, context_id, initiator)}

    def snapshot(
        self,
        context_id: bytes,
        initiator: bytes | None = None,
        epochs: tuple[int, ...] | None = None,
    ) -> ReplaySnapshot:
        """Everything the guard holds in that scope, for :meth:`restore`.

        With an ``initiator`` and its ``epochs`` the scope is a few keys, looked
        up directly (the per-handshake case); otherwise the context is scanned.
        """
        empty = ReplaySnapshot(context_id, initiator, epochs, {}, {})
        keys = empty.keys()
        if keys is not None:
            greatest = {k: self._greatest[k] for k in keys if k in self._greatest}
            answered = {k: frozenset(self._answered[k]) for k in keys if k in self._answered}
        else:
            greatest = self.entries(context_id, initiator)
            answered = {
                k: frozenset(v)
                for k, v in self._answered.items()
                if _in_scope(k, context_id, initiator)
            }
        return attrs.evolve(empty, greatest=greatest, answered=answered)

    def restore(self, snapshot: ReplaySnapshot) -> None:
        """Make the snapshot's scope exactly what it was (a rolled-back commit)."""
        keys = snapshot.keys()
        for table in (self._greatest, self._answered):
            if keys is None:
                keys_here = [
                    k for k in table if _in_scope(k, snapshot.context_id, snapshot.initiator)
                ]
            else:
                keys_here = [k for k in keys if k in table]
            for key in keys_here:
                del table[key]
        self._greatest.update(snapshot.greatest)
        self._answered.update({k: set(v) for k, v in snapshot.answered.items()})


def _in_scope(key: ReplayKey, context_id: bytes, initiator: bytes | None) -> bool:
    return key[0] == context_id and (initiator is None or key[2] == initiator)


class Handshaker:
    """One side of an IKpsk2 handshake; build it with :meth:`initiator` or :meth:`responder`."""

    def __init__(
        self,
        config: HandshakeConfig,
        noise: HandshakeState,
        *,
        is_initiator: bool,
        now_ms: int,
        roster: RosterLookup | None = None,
        replay_guard: HandshakeReplayGuard | None = None,
    ) -> None:
        self.config = config
        self.is_initiator = is_initiator
        self._noise = noise
        self._status = HandshakeStatus.Start
        # The config is frozen: the deadline is fixed from the start.
        self._deadline_ms = now_ms + config.timeout_ms
        self._roster = roster
        self._replay_guard = replay_guard
        self.peer: bytes | None = config.remote
        self.error: AuraError | None = None
        self._channel: SecureChannel | None = None

    def copy(self) -> Handshaker:
        """An independent handshaker at the same point (same keys, status, deadline).

        The initiator reads message 2 on a copy: only a response that
        authenticates replaces the pending handshake, so forged bytes change
        nothing.
        """
        twin = type(self).__new__(type(self))
        twin.__dict__.update(self.__dict__)
        twin._noise = self._noise.copy()
        return twin

    @classmethod
    def initiator(
        cls,
        config: HandshakeConfig,
        *,
        static: Keypair,
        remote_static: bytes,
        ephemeral: Keypair,
        now_ms: int,
        static_dh: StaticDhCache | None = None,
        initial_state: InitialStateCache | None = None,
    ) -> Handshaker:
        """The initiator towards ``config.remote`` whose roster static key is ``remote_static``.

        ``static_dh`` (built on ``static``) serves the ``ss`` DH, as WireGuard's
        precomputed static-static does, and ``initial_state`` the state after the
        prologue and pre-messages; the handshake bytes are the same.
        """
        if config.remote is None:
            raise LocalProtocolError("an initiator needs config.remote")
        try:
            noise = HandshakeState.initiator(
                _PROTOCOL,
                prologue=handshake_prologue(config.context_id, config.epoch),
                s=static,
                rs=remote_static,
                psks=[config.psk],
                e=ephemeral,
                static_dh=static_dh,
                initial_state=initial_state,
            )
        except NoiseError as exc:
            raise LocalProtocolError(f"bad initiator configuration: {exc}") from exc
        return cls(config, noise, is_initiator=True, now_ms=now_ms)

    @classmethod
    def responder(
        cls,
        config: HandshakeConfig,
        *,
        static: Keypair,
        roster: RosterLookup,
        replay_guard: HandshakeReplayGuard,
        ephemeral: Keypair,
        now_ms: int,
        static_dh: StaticDhCache | None = None,
        initial_state: InitialStateCache | None = None,
    ) -> Handshaker:
        """The responder; ``roster`` and ``replay_guard`` decide whether it replies at all.

        ``static_dh`` as for :meth:`initiator`.
        """
        try:
            noise = HandshakeState.responder(
                _PROTOCOL,
                prologue=handshake_prologue(config.context_id, config.epoch),
                s=static,
                psks=[config.psk],
                e=ephemeral,
                static_dh=static_dh,
                initial_state=initial_state,
            )
        except NoiseError as exc:
            raise LocalProtocolError(f"bad responder configuration: {exc}") from exc
        return cls(
            config,
            noise,
            is_initiator=False,
            now_ms=now_ms,
            roster=roster,
            replay_guard=replay_guard,
        )

    def __repr__(self) -> str:
        role = "initiator" if self.is_initiator else "responder"
        return f"<Handshaker {role} {self._status.value}>"

    @property
    def status(self) -> HandshakeStatus:
        return self._status

    def next_deadline(self) -> int | None:
        """When the handshake times out, or ``None`` once it is over."""
        if self._status in (HandshakeStatus.Completed, HandshakeStatus.Failed):
            return None
        return self._deadline_ms

    def check_timeout(self, now_ms: int) -> bool:
        """Fail the handshake if ``now_ms`` reached the deadline; True if it failed now."""
        deadline = self.next_deadline()
        if deadline is not None and now_ms >= deadline:
            self._fail(HandshakeEvent.Timeout, HandshakeTimeout(f"no completion by {deadline}"))
            return True
        return False

    def _fail(self, event: HandshakeEvent, error: AuraError) -> None:
        self._status = handshake_transition(self._status, event)
        self.error = error

    def _begin(self, event: HandshakeEvent, now_ms: int) -> HandshakeStatus:
        """The status after ``event`` succeeds (the caller sets it once it has).

        Validate the transition first: out of turn or after Failed raises
        IllegalTransition and changes nothing. Between here and success only
        ``_fail`` touches the status, and it raises, so the one table lookup
        made here is the transition the success path takes.
        """
        after = handshake_transition(self._status, event)
        # The status is Start or AwaitingResponse here (the table has no other
        # way in), so the deadline is live; check_timeout (the one place that
        # decides a timeout) is only asked once it may have passed.
        if now_ms >= self._deadline_ms and self.check_timeout(now_ms):
            assert isinstance(self.error, HandshakeTimeout)
            raise self.error
        return after

    def create_init_message(self, timestamp: int, now_ms: int) -> bytes:
        """Message 1 (initiator). ``timestamp`` must grow per (context, initiator)."""
        if not self.is_initiator:
            raise LocalProtocolError("only the initiator writes message 1")
        after = self._begin(HandshakeEvent.WriteInit, now_ms)
        try:
            payload = HandshakeInitPayload(self.config.local, timestamp).encode()
            noise = self._noise.write_message(payload)
        except (NoiseError, ValueError) as exc:
            self._fail(HandshakeEvent.Error, LocalProtocolError(str(exc)))
            raise LocalProtocolError(f"cannot write message 1: {exc}") from exc
        self._status = after
        return encode_handshake(MessageType.HandshakeInit, self.config.epoch, noise)

    def process_init(self, data: bytes, now_ms: int) -> bytes:
        """Read message 1 (responder) and return message 2.

        Raises (and ends ``Failed``, returning nothing to send) on a malformed
        or non-authenticating message, another epoch, a non-member, a static key
        that is not the claimed member's roster key, or a replayed timestamp.
        """
        if self.is_initiator:
            raise LocalProtocolError("only the responder reads message 1")
        after = self._begin(HandshakeEvent.ReadInit, now_ms)
        try:
            reply = self._accept_init(data, now_ms)
        except AuraError as exc:
            self._fail(HandshakeEvent.Error, exc)
            raise
        self._status = after
        return reply

    def _accept_init(self, data: bytes, now_ms: int) -> bytes:
        wire = decode_handshake(data, MessageType.HandshakeInit)
        if wire.epoch != self.config.epoch:
            raise WrongEpoch(
                f"first message of epoch {wire.epoch}, responder at {self.config.epoch}"
            )
        try:
            payload = HandshakeInitPayload.decode(self._noise.read_message(wire.noise))
        except NoiseDecryptError as exc:
            raise HandshakeAuthError("first message does not authenticate") from exc
        except NoiseError as exc:
            if isinstance(exc, DecodeError):
                raise
            raise HandshakeAuthError(f"first message rejected: {exc}") from exc
        claimed = payload.initiator
        assert self._roster is not None
        assert self._replay_guard is not None
        roster_key = self._roster(claimed)
        if roster_key is None:
            raise NonMember("the claimed initiator is not in the roster")
        if self.config.remote is not None and claimed != self.config.remote:
            raise StaticKeyMismatch("the claimed initiator is not the expected one")
        if self._noise.remote_static != roster_key:
            raise StaticKeyMismatch("initiator static key is not its roster key")
        # Checked, not recorded: the PSK is unproven until key confirmation.
        self._replay_guard.check(
            self.config.context_id, self.config.epoch, claimed, payload.timestamp, now_ms
        )
        self.peer = claimed
        try:
            noise = self._noise.write_message(b"")
            result = self._noise.split()
        except NoiseError as exc:
            raise LocalProtocolError(f"cannot write message 2: {exc}") from exc
        self._channel = SecureChannel(
            context_id=self.config.context_id,
            local=self.config.local,
            remote=claimed,
            epoch=self.config.epoch,
            handshake_hash=result.handshake_hash,
            send=result.send,
            recv=result.recv,
            is_initiator=False,
            confirm_deadline_ms=self._deadline_ms,
            init_timestamp=payload.timestamp,
        )
        return encode_handshake(MessageType.HandshakeResponse, self.config.epoch, noise)

    def process_response(self, data: bytes, now_ms: int) -> None:
        """Read message 2 (initiator). A wrong PSK fails here, on the initiator."""
        if not self.is_initiator:
            raise LocalProtocolError("only the initiator reads message 2")
        after = self._begin(HandshakeEvent.ReadResponse, now_ms)
        try:
            wire = decode_handshake(data, MessageType.HandshakeResponse)
            if wire.epoch != self.config.epoch:
                raise WrongEpoch(f"response of epoch {wire.epoch}, expected {self.config.epoch}")
            try:
                self._noise.read_message(wire.noise)
                result = self._noise.split()
            except NoiseDecryptError as exc:
                raise HandshakeAuthError("response does not authenticate (PSK?)") from exc
            except NoiseError as exc:
                if isinstance(exc, DecodeError):
                    raise
                raise HandshakeAuthError(f"response rejected: {exc}") from exc
        except AuraError as exc:
            self._fail(HandshakeEvent.Error, exc)
            raise
        assert self.config.remote is not None
        channel = SecureChannel(
            context_id=self.config.context_id,
            local=self.config.local,
            remote=self.config.remote,
            epoch=self.config.epoch,
            handshake_hash=result.handshake_hash,
            send=result.send,
            recv=result.recv,
            is_initiator=True,
        )
        # Message 2 decrypted under keys that mix in the PSK and both DHs: the
        # initiator holds key confirmation of the responder already.
        channel.apply(ChannelEvent.KeyConfirmed)
        self._channel = channel
        self._status = after

    def build_channel(self) -> SecureChannel:
        """The channel of a completed handshake.

        The initiator's is ``Active``; the responder's is ``Establishing`` until
        the initiator's first transport message decrypts.
        """
        if self._status is not HandshakeStatus.Completed or self._channel is None:
            raise LocalProtocolError(f"handshake is {self._status.value}, not Completed")
        assert self._channel.state in (ChannelState.Active, ChannelState.Establishing)
        return self._channel
