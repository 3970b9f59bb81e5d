"""``SecureChannel``: the transport phase after an IKpsk2 handshake.

A channel is bound to its context and epoch twice over: its id is a hash of a
label, the context id, the epoch and the Noise handshake hash (two contexts
can never share a channel id), and every transport message carries the id and
the epoch in its authenticated header.

Replay rule (documented in ``docs/channels.md``): counters are explicit and
strictly increasing; a message whose counter is not above the greatest one
accepted is rejected. That rejects replays *and* reordering; the transports
under us are ordered (QUIC stream, TCP, WebSocket), so a sliding window would
only widen the attack surface.

State changes go through the table of ``_states``; ``Closed`` and
``Error`` are terminal.
"""

from __future__ import annotations

import hashlib
import struct

from aura_rendezvous.channels._states import ChannelEvent, ChannelState, channel_transition
from aura_rendezvous.channels._transport_message import TransportMessage, transport_header
from aura_rendezvous.core import (
    ChannelClosedError,
    LocalProtocolError,
    ReplayedMessage,
    RetiredEpoch,
    TransportAuthError,
    UnknownChannel,
    WrongEpoch,
)
from aura_rendezvous.noise import CipherState, NoiseDecryptError, NoiseError

__all__ = ["CHANNEL_ID_LABEL", "SecureChannel", "derive_channel_id"]

CHANNEL_ID_LABEL = b"aura/rendezvous/v1/channel-id"
_EPOCH = struct.Struct(">Q")


_CHANNEL_ID_PREFIX = bytes([len(CHANNEL_ID_LABEL)]) + CHANNEL_ID_LABEL


def derive_channel_id(context_id: bytes, epoch: int, handshake_hash: bytes) -> bytes:
    """``BLAKE2s(len(label) || label || context id || epoch (u64 BE) || handshake hash)``."""
    return hashlib.blake2s(
        _CHANNEL_ID_PREFIX + context_id + _EPOCH.pack(epoch) + handshake_hash
    ).digest()


class SecureChannel:
    """One authenticated, encrypted channel between ``local`` and ``remote`` in a context."""

    def __init__(
        self,
        *,
        context_id: bytes,
        local: bytes,
        remote: bytes,
        epoch: int,
        handshake_hash: bytes,
        send: CipherState,
        recv: CipherState,
        is_initiator: bool,
        state: ChannelState = ChannelState.Establishing,
        confirm_deadline_ms: int | None = None,
        init_timestamp: int | None = None,
    ) -> None:
        self.context_id = context_id
        self.local = local
        self.remote = remote
        self.epoch = epoch
        self.handshake_hash = handshake_hash
        self.channel_id = derive_channel_id(context_id, epoch, handshake_hash)
        self.is_initiator = is_initiator
        self._send = send
        self._recv = recv
        self._state = state
        self._next_send = 0
        self._highest_recv: int | None = None
        self.error_reason: str | None = None
        # Only an Establishing responder waits for confirmation; past this it fails.
        self.confirm_deadline_ms = confirm_deadline_ms
        # The responder's: message 1's timestamp, for the replay guard once confirmed.
        self.init_timestamp = init_timestamp

    def __repr__(self) -> str:
        return (
            f"<SecureChannel {self.channel_id.hex()[:12]} epoch={self.epoch} {self._state.value}>"
        )

    @property
    def state(self) -> ChannelState:
        return self._state

    def is_active(self) -> bool:
        return self._state is ChannelState.Active

    def needs_epoch_rotation(self, current_epoch: int) -> bool:
        """True when the channel's epoch is older than ``current_epoch`` (seed 9.4)."""
        return self.epoch < current_epoch

    def apply(self, event: ChannelEvent, reason: str | None = None) -> ChannelState:
        """Move along the transition table; ``IllegalTransition`` when it has no entry."""
        self._state = channel_transition(self._state, event)
        if self._state is ChannelState.Error:
            self.error_reason = reason or event.value
        return self._state

    def close(self) -> None:
        """Close for good (a no-op on an already terminal channel)."""
        if self._state not in (ChannelState.Closed, ChannelState.Error):
            self.apply(ChannelEvent.Close)

    def check_timeout(self, now_ms: int) -> bool:
        """Fail an unconfirmed channel past its deadline; True if it failed now."""
        if (
            self._state is ChannelState.Establishing
            and self.confirm_deadline_ms is not None
            and now_ms >= self.confirm_deadline_ms
        ):
            self.apply(ChannelEvent.Fail, "KeyConfirmationTimeout")
            return True
        return False

    def seal(self, plaintext: bytes) -> bytes:
        """Encrypt ``plaintext`` into a transport message.

        Only an ``Active`` channel sends, except that the initiator's first
        message doubles as key confirmation and is sealed while the channel is
        ``Active`` already (the initiator confirmed the responder on message 2).
        """
        if self._state is not ChannelState.Active:
            raise ChannelClosedError(f"channel is {self._state.value}: it sends nothing")
        counter = self._next_send
        try:
            # Our own id (a digest) and epoch (from a validated config): only the
            # counter could be out of range, and struct refuses it like Noise does.
            header = transport_header(self.channel_id, self.epoch, counter)
            self._send.set_nonce(counter)
            ciphertext = self._send.encrypt_with_ad(header, plaintext)
        except (NoiseError, struct.error) as exc:
            raise LocalProtocolError(f"cannot seal: {exc}") from exc
        self.apply(ChannelEvent.Send)
        self._next_send = counter + 1
        return header + ciphertext

    def open(self, data: bytes) -> bytes:
        """Decrypt a transport message from the peer.

        The first message that decrypts on an ``Establishing`` channel is the
        key confirmation: the channel becomes ``Active``. A message that does not
        decrypt changes nothing (an attacker cannot kill the channel with noise).
        """
        message = TransportMessage.decode(data)
        return self.open_message(message)

    def open_message(self, message: TransportMessage) -> bytes:
        """:meth:`open` for an already decoded message."""
        plaintext = self.check_message(message)
        self.accept_counter(message.counter)
        return plaintext

    def check_message(self, message: TransportMessage) -> bytes:
        """The plaintext of ``message`` if :meth:`open_message` would accept it, with
        no state change (the caller commits with :meth:`accept_counter`)."""
        if message.channel_id != self.channel_id:
            raise UnknownChannel("transport message for another channel")
        if message.epoch < self.epoch:
            raise RetiredEpoch(f"message of epoch {message.epoch} on epoch {self.epoch}")
        if message.epoch != self.epoch:
            raise WrongEpoch(f"message of epoch {message.epoch} on epoch {self.epoch}")
        if self._state in (ChannelState.Rotating, ChannelState.Closed, ChannelState.Error):
            raise RetiredEpoch(f"channel is {self._state.value}: its epoch is retired")
        if self._highest_recv is not None and message.counter <= self._highest_recv:
            raise ReplayedMessage(
                f"counter {message.counter} not above {self._highest_recv} (replay or reorder)"
            )
        try:
            # The receive nonce is set before every decrypt, so where a decrypt
            # leaves it is no state of the channel.
            self._recv.set_nonce(message.counter)
            return self._recv.decrypt_with_ad(message.header(), message.ciphertext)
        except NoiseDecryptError as exc:
            raise TransportAuthError("transport message did not decrypt") from exc
        except NoiseError as exc:
            raise TransportAuthError(f"transport message rejected: {exc}") from exc

    def accept_counter(self, counter: int) -> None:
        """Commit a message :meth:`check_message` accepted: its counter is now the
        greatest received, and on an ``Establishing`` channel it is the key
        confirmation (``Active``)."""
        if self._highest_recv is not None and counter <= self._highest_recv:
            raise ReplayedMessage(f"counter {counter} not above {self._highest_recv}")
        if self._state is ChannelState.Establishing:
            self.apply(ChannelEvent.KeyConfirmed)
        else:
            self.apply(ChannelEvent.Receive)
        self._highest_recv = counter

    def save(self) -> tuple[ChannelState, int, int | None, str | None]:
        """The channel's mutable state, for :meth:`restore` (a rolled-back commit)."""
        return (self._state, self._next_send, self._highest_recv, self.error_reason)

    def restore(self, saved: tuple[ChannelState, int, int | None, str | None]) -> None:
        self._state, self._next_send, self._highest_recv, self.error_reason = saved
