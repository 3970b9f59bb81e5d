"""The red team's sixth round of wrong backends, written from DESIGN.md's rules alone.

Each keeps one plausible implementation mistake: a timer left armed after the
event it guards, a receive window moved before the message proved itself, a
forged message that kills the handshake it names, one nonce counter for both
directions, a length prefix or a byte order dropped from an encoding, a Lamport
clock not written back, an overflow saturated instead of refused, a unit
mistaken, a field left out of a signature, an undo that does nothing. The tests
run each through the default profile and record whether it is rejected and under
which invariant (tests/conformance/test_probe_variants_r6.py); nothing in the
reference implementation uses them. The wire mode's own probes live with that
test: the variants package must not import the wire mode.
"""

from __future__ import annotations

import hashlib
import struct
from typing import Any

import attrs
from aura_rendezvous import AuthorityId, ChannelManager, ContextId, RendezvousService
from aura_rendezvous.channels import (
    ChannelEvent,
    ChannelState,
    HandshakeConfig,
    Handshaker,
    ReceivedMessage,
    SecureChannel,
    TransportMessage,
)
from aura_rendezvous.core import (
    U64_MAX,
    HandshakeTimeout,
    ReplayedMessage,
    RetiredEpoch,
    TransportAuthError,
    UnknownChannel,
    ValueRangeError,
)
from aura_rendezvous.core import verify_signature as _verify
from aura_rendezvous.guard import Receipt, ReceiptIssuer
from aura_rendezvous.journal import AppendToken, ContextJournal, JournalEntry, fact_id

from aura_conformance.variants._probe_variants_r3 import _HookVerifier

__all__ = [
    "ArmedConfirmTimerManager",
    "CloseForgetsPeerManager",
    "DstUnsignedIssuer",
    "DstUnsignedVerifier",
    "EarlyConfirmRecordManager",
    "FragileEstablishingManager",
    "LittleEndianCounterManager",
    "SaturatingValidityService",
    "SecondsWindowService",
    "SharedCounterManager",
    "UndoLessForwardMemoryService",
    "UnpersistedClockService",
    "UnprefixedChannelIdManager",
    "WindowFirstManager",
]


# -- channels -------------------------------------------------------------------------


class ArmedConfirmTimerManager(ChannelManager):
    """The responder's key-confirmation timer is not disarmed when the confirmation
    arrives: at the old deadline the timer still fires and fails the channel, Active by
    then (DESIGN.md 5: only a *passed* ``timeout_ms`` of a handshake ends in
    ``Failed``; a confirmed channel has no deadline left)."""

    def check_timeouts(self, now_ms: int) -> tuple[SecureChannel | Handshaker, ...]:
        failed = list(super().check_timeouts(now_ms))
        fired = [
            c
            for c in self._by_id.values()
            if c.state is ChannelState.Active
            and not c.is_initiator
            and c.confirm_deadline_ms is not None
            and now_ms >= c.confirm_deadline_ms
        ]
        for channel in fired:
            channel.apply(ChannelEvent.Fail, "KeyConfirmationTimeout")
            self._forget_terminal((channel.context_id, channel.remote))
        return (*failed, *fired)


def _move_window(channel: SecureChannel | None, counter: int) -> None:
    if channel is not None and (channel._highest_recv is None or counter > channel._highest_recv):
        channel._highest_recv = counter


class _OnForgeryManager(ChannelManager):
    """A manager that does something wrong with the channel a transport message named
    when that message does not decrypt, as data or as the key confirmation."""

    def _on_forgery(self, channel: SecureChannel | None, message: TransportMessage) -> None:
        raise NotImplementedError

    def receive_message(self, message: TransportMessage) -> ReceivedMessage:
        channel = self._by_id.get(message.channel_id)
        try:
            return super().receive_message(message)
        except TransportAuthError:
            self._on_forgery(channel, message)
            raise

    def prepare_confirm(
        self, channel: SecureChannel, message: TransportMessage, now_ms: int
    ) -> bytes:
        try:
            return super().prepare_confirm(channel, message, now_ms)
        except TransportAuthError:
            self._on_forgery(channel, message)
            raise


class WindowFirstManager(_OnForgeryManager):
    """The receive window moves to a transport message's counter before the message
    is authenticated (the window is "the greatest counter seen", updated on parse): a
    message that does not decrypt still raises the bar, so one forged message with a
    high counter makes every genuine one after it a "replay" (DESIGN.md 5: a message
    that does not decrypt changes nothing)."""

    def _on_forgery(self, channel: SecureChannel | None, message: TransportMessage) -> None:
        _move_window(channel, message.counter)


class FragileEstablishingManager(_OnForgeryManager):
    """A transport message that does not decrypt on a responder channel still
    waiting for its key confirmation fails the channel ("a bad confirmation kills
    the handshake"): anyone who saw the channel id ends the handshake with one
    garbled message, and the genuine confirmation after it finds nothing
    (DESIGN.md 5: the key confirmation is the first message that decrypts)."""

    def _on_forgery(self, channel: SecureChannel | None, message: TransportMessage) -> None:
        if channel is not None and channel.state is ChannelState.Establishing:
            channel.apply(ChannelEvent.Fail, "BadKeyConfirmation")
            self._forget_terminal((channel.context_id, channel.remote))


class SharedCounterManager(ChannelManager):
    """One nonce counter per channel for both directions (a single ``nonce`` field):
    a message sent moves the receive window too, and a message received moves the
    send counter. Two sides that each send before reading the other's message use
    the same counter, and each refuses the other's as a replay (DESIGN.md 5 and
    docs/channels.md: the receive window is the peer's counters only)."""

    def seal(self, context_id: bytes, peer: bytes, plaintext: bytes) -> bytes:
        data = super().seal(context_id, peer, plaintext)
        channel = self.find_by_context_peer(context_id, peer)
        if channel is not None:
            _move_window(channel, channel._next_send - 1)
        return data

    def receive_message(self, message: TransportMessage) -> ReceivedMessage:
        got = super().receive_message(message)
        got.channel._next_send = max(got.channel._next_send, message.counter + 1)
        return got


_UNPREFIXED_LABEL = b"aura/rendezvous/v1/channel-id"


def _unprefixed_id(channel: SecureChannel) -> SecureChannel:
    """``channel`` renamed by its id hashed without the label's length byte."""
    channel.channel_id = hashlib.blake2s(
        _UNPREFIXED_LABEL
        + channel.context_id
        + channel.epoch.to_bytes(8, "big")
        + channel.handshake_hash
    ).digest()
    return channel


class UnprefixedChannelIdManager(ChannelManager):
    """The channel id hashes the label without its length prefix (``BLAKE2s(label ||
    context || epoch || handshake hash)``, docs/channels.md: ``len(label) || label ||
    ...``): the same fields, bound as DESIGN.md 5 asks, in another encoding, so the
    reference peer knows the channel under another id."""

    def prepare_accept(
        self, config: HandshakeConfig, data: bytes, **kw: Any
    ) -> tuple[SecureChannel, bytes]:
        channel, reply = super().prepare_accept(config, data, **kw)
        return _unprefixed_id(channel), reply

    def prepare_finish(
        self, context_id: bytes, peer: bytes, data: bytes, now_ms: int, epoch: int | None = None
    ) -> tuple[Handshaker, SecureChannel, bytes]:
        pending, channel, _ = super().prepare_finish(context_id, peer, data, now_ms, epoch)
        trial = pending.copy()
        trial.process_response(data, now_ms)
        channel = _unprefixed_id(trial.build_channel())
        return pending, channel, channel.seal(b"")


# version, type, channel id, epoch: the counter follows at this offset.
_COUNTER_AT = struct.calcsize(">BB32sQ")


def _swap_counter(data: bytes) -> bytes:
    if len(data) < _COUNTER_AT + 8 or data[1] != 4:
        return data
    counter = data[_COUNTER_AT : _COUNTER_AT + 8]
    return data[:_COUNTER_AT] + counter[::-1] + data[_COUNTER_AT + 8 :]


class LittleEndianCounterManager(ChannelManager):
    """The transport header's counter is written and read little-endian (an ``<Q``
    among the header's ``>`` fields; docs/channels.md: integers big-endian): the
    key confirmation (counter 0) reads alike either way, every later message names
    another counter, so another nonce, to a peer that reads the header as specified."""

    def seal(self, context_id: bytes, peer: bytes, plaintext: bytes) -> bytes:
        return _swap_counter(super().seal(context_id, peer, plaintext))

    def prepare_finish(
        self, context_id: bytes, peer: bytes, data: bytes, now_ms: int, epoch: int | None = None
    ) -> tuple[Handshaker, SecureChannel, bytes]:
        pending, channel, confirmation = super().prepare_finish(
            context_id, peer, data, now_ms, epoch
        )
        return pending, channel, _swap_counter(confirmation)

    def receive(self, data: bytes) -> ReceivedMessage:
        return super().receive(_swap_counter(data))

    def prepare_confirm(
        self, channel: SecureChannel, message: TransportMessage, now_ms: int
    ) -> bytes:
        return super().prepare_confirm(
            channel, TransportMessage.decode(_swap_counter(message.encode())), now_ms
        )


class CloseForgetsPeerManager(ChannelManager):
    """Closing a responder channel cleans up everything kept about its initiator in
    that context and epoch, the replay guard's greatest confirmed timestamp and its
    answered ones included ("per-peer state goes with the peer's channel"): the
    message 1 of the closed channel, replayed, is answered again (DESIGN.md 5: the
    responder keeps the greatest timestamp per initiator and drops replays)."""

    def close(self, channel_id: bytes) -> None:
        channel = self._by_id.get(channel_id)
        super().close(channel_id)
        if channel is not None and not channel.is_initiator:
            key = (channel.context_id, channel.epoch, channel.remote)
            self.replay_guard._greatest.pop(key, None)
            self.replay_guard._answered.pop(key, None)


class EarlyConfirmRecordManager(ChannelManager):
    """The replay guard notes a handshake as confirmed as soon as its key confirmation
    decrypts, before the deadline is checked (the check after the side effect): a
    confirmation refused for arriving at or past the deadline has still moved the
    greatest confirmed timestamp, which only a key-confirmed handshake may move
    (DESIGN.md 5)."""

    def prepare_confirm(
        self, channel: SecureChannel, message: TransportMessage, now_ms: int
    ) -> bytes:
        if channel.state is ChannelState.Active:
            raise ReplayedMessage("channel is already confirmed")
        if channel.state is not ChannelState.Establishing:
            raise RetiredEpoch(f"channel is {channel.state.value}")
        plaintext = channel.check_message(message)
        stamp = channel.init_timestamp
        if stamp is not None:
            key = (channel.context_id, channel.epoch, channel.remote)
            if self.replay_guard.greatest(*key) != stamp:
                self.replay_guard.record(*key, stamp)
        deadline = channel.confirm_deadline_ms
        if deadline is not None and now_ms >= deadline:
            raise HandshakeTimeout("key confirmation arrived after the deadline")
        return plaintext

    def commit_confirm(self, channel: SecureChannel, counter: int) -> None:
        stamp = channel.init_timestamp
        key = (channel.context_id, channel.epoch, channel.remote)
        if stamp is None or self.replay_guard.greatest(*key) != stamp:
            super().commit_confirm(channel, counter)
            return
        # Recorded already, by the prepare: the rest of the commit.
        if self._by_id.get(channel.channel_id) is not channel:
            raise UnknownChannel("the channel is no longer registered")
        if channel.state is not ChannelState.Establishing:
            raise ReplayedMessage(f"channel is {channel.state.value}, not Establishing")
        channel.accept_counter(counter)
        self._supersede(channel)


# -- descriptors and journal ----------------------------------------------------------


class UnpersistedClockJournal(ContextJournal):
    """A local append stamps ``clock + 1`` but writes the new clock back only on a
    merge: two appends in a row share a stamp, and the clock trails the stamps it
    handed out (DESIGN.md 3: a Lamport clock orders causally)."""

    def append(self, fact: Any, origin: AuthorityId) -> AppendToken:
        previous = self._clock
        if previous == U64_MAX:
            raise ValueRangeError("Lamport clock exhausted")
        self.check_context(fact)
        fid = fact_id(fact)
        if fid in self._entries:
            return AppendToken(self.context_id, fid, False, previous)
        self._entries[fid] = JournalEntry(fact, previous + 1, origin)
        self._version += 1
        return AppendToken(self.context_id, fid, True, previous)


class UnpersistedClockService(RendezvousService):
    """The service over :class:`UnpersistedClockJournal`."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.journals = {c: UnpersistedClockJournal(c) for c in self.journals}


class SaturatingValidityService(RendezvousService):
    """A descriptor published where ``now + validity`` overflows u64 is cut to end at
    u64 max instead of being refused (the sum saturated, as ``needs_refresh``'s is):
    DESIGN.md 2 makes that build an error, never a silently shortened descriptor."""

    def prepare_publish_descriptor(
        self, snapshot: Any, context_id: ContextId, transport_hints: Any, now_ms: int
    ) -> Any:
        config = self.config
        room = U64_MAX - now_ms
        if 0 < room < config.descriptor_validity_ms:
            self.config = attrs.evolve(config, descriptor_validity_ms=room)
        try:
            return super().prepare_publish_descriptor(snapshot, context_id, transport_hints, now_ms)
        finally:
            self.config = config


class SecondsWindowService(RendezvousService):
    """``needs_refresh`` reads its window in seconds (the caller's milliseconds
    multiplied by 1000 again): every descriptor looks due for refresh long before its
    window (DESIGN.md 2: ``now + window >= valid_until``, all in milliseconds)."""

    def needs_refresh(self, context_id: ContextId, now_ms: int, refresh_window_ms: int) -> bool:
        return super().needs_refresh(context_id, now_ms, min(U64_MAX, refresh_window_ms * 1000))


# -- receipts -------------------------------------------------------------------------

_NOBODY = AuthorityId(bytes(32))


def _dst_unsigned(receipt: Receipt) -> bytes:
    return attrs.evolve(receipt, dst=_NOBODY).signed_message()


class DstUnsignedIssuer(ReceiptIssuer):
    """Signs each receipt over its body with the destination left out (zero): the
    authority a receipt pays is not covered by its signature, so a receipt paid to
    one member can be re-addressed to another (DESIGN.md 4: the signature covers
    src, dst and the rest)."""

    def issue(
        self,
        operation: str,
        context_id: ContextId,
        dst: AuthorityId,
        epoch: int,
        cost: int,
        **kw: Any,
    ) -> Any:
        receipt, token = super().issue(operation, context_id, dst, epoch, cost, **kw)
        receipt = attrs.evolve(receipt, signature=self._keys.sign(_dst_unsigned(receipt)))
        self.issued[-1] = receipt
        self._last[token.key] = (receipt.nonce, receipt.hash())
        return receipt, token


class DstUnsignedVerifier(_HookVerifier):
    """The receiving side of :class:`DstUnsignedIssuer`."""

    def _signed(self, receipt: Receipt, public: bytes) -> bool:
        return _verify(public, _dst_unsigned(receipt), receipt.signature)


# -- relay ----------------------------------------------------------------------------


class UndoLessForwardMemoryService(RendezvousService):
    """The relay's memory of forwarded envelopes is not unwound when the forward
    rolls back (``undo`` forgotten on that one path): an envelope whose forward
    failed after it was recorded is refused as a replay when it is sent again, so
    the relayed handshake never gets through (DESIGN.md 4: a rollback undoes all
    the outcome did)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.forwarded.undo = lambda token: None  # type: ignore[method-assign]
