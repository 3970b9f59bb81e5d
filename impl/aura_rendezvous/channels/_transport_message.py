"""Wire formats of the handshake and transport messages, with strict decoders.

Every message starts with a version byte and a type byte. Layouts (integers
big-endian)::

    HandshakeInit      v | 0x01 | epoch u64 | noise message 1
    HandshakeResponse  v | 0x02 | epoch u64 | noise message 2
    TransportMessage   v | 0x04 | channel_id (32) | epoch u64 | counter u64 | AEAD ciphertext

The epoch travels in clear so a responder can say "wrong epoch" without
trying to decrypt; the Noise prologue binds it as well, so a rewritten header
fails authentication. The transport header is the AEAD's associated data and
the counter is the explicit Noise nonce.

The plaintext payload of Noise message 1 is ``v | initiator id (32) |
timestamp u64``: the claimed identity is encrypted (an observer does not learn
it) and the timestamp is the replay guard of the first message.

Decoders raise :class:`~aura_rendezvous.DecodeError` naming the message kind
and the byte offset; nothing else escapes on untrusted input.
"""

from __future__ import annotations

import enum
import struct

import attrs

from aura_rendezvous.core import DecodeError, fixed_bytes, u64

__all__ = [
    "MAX_WIRE_LEN",
    "WIRE_VERSION",
    "HandshakeInitPayload",
    "HandshakeWire",
    "MessageType",
    "TransportMessage",
    "decode_handshake",
    "encode_handshake",
    "message_type",
    "transport_header",
]

WIRE_VERSION = 1
# Noise caps a message at 65535 bytes; our header adds at most 50.
MAX_WIRE_LEN = 65535 + 64
_U64 = struct.Struct(">Q")
_HS_HEADER = struct.Struct(">BBQ")
_TR_HEADER = struct.Struct(">BB32sQQ")
_INIT_PAYLOAD = struct.Struct(">B32sQ")
# IKpsk2 message 1 is e (32) + encrypted s (48) + a payload tag (16) at least.
_MIN_NOISE_MSG1 = 96
# Message 2 is e (32) + a payload tag (16) at least.
_MIN_NOISE_MSG2 = 48


class MessageType(enum.IntEnum):
    HandshakeInit = 1
    HandshakeResponse = 2
    Transport = 4


_TYPES = {t.value: t for t in MessageType}
# A plain int: the enum attribute lookup costs more than the pack itself.
_TRANSPORT = int(MessageType.Transport)
_HS_MIN_LEN = {
    MessageType.HandshakeInit: _HS_HEADER.size + _MIN_NOISE_MSG1,
    MessageType.HandshakeResponse: _HS_HEADER.size + _MIN_NOISE_MSG2,
    # decode_handshake accepts any kind as ``expected``; others get msg 2's minimum.
    MessageType.Transport: _HS_HEADER.size + _MIN_NOISE_MSG2,
}
_TR_MIN_LEN = _TR_HEADER.size + 16
_bytes32 = fixed_bytes(32)


def message_type(data: bytes, source: str = "ChannelMessage") -> MessageType:
    """The type of a wire message (version checked), or :class:`DecodeError`."""
    if type(data) is bytes and len(data) >= 2 and data[0] == WIRE_VERSION:
        # Well-formed header (the usual case): one lookup; a miss falls through
        # to the checks below, which name what is wrong.
        kind = _TYPES.get(data[1])
        if kind is not None:
            return kind
    if not isinstance(data, (bytes, bytearray)):
        raise DecodeError(source, f"expected bytes, got {type(data).__name__}")
    if len(data) < 2:
        raise DecodeError(source, "shorter than the 2-byte header", len(data))
    if data[0] != WIRE_VERSION:
        raise DecodeError(source, f"unsupported version {data[0]}", 0)
    kind = _TYPES.get(data[1])
    if kind is None:
        raise DecodeError(source, f"unknown message type {data[1]}", 1)
    return kind


@attrs.frozen
class HandshakeWire:
    """A handshake message (init or response) with its clear epoch."""

    kind: MessageType
    epoch: int = attrs.field(validator=u64)
    noise: bytes = attrs.field(repr=False)

    def encode(self) -> bytes:
        return _HS_HEADER.pack(WIRE_VERSION, self.kind, self.epoch) + self.noise


def encode_handshake(kind: MessageType, epoch: int, noise: bytes) -> bytes:
    """``HandshakeWire(kind, epoch, noise).encode()`` without building the value.

    For the handshaker's own messages: ``epoch`` is its config's, validated as a
    u64 when the config was built (``struct`` would still refuse one out of range).
    """
    return _HS_HEADER.pack(WIRE_VERSION, kind, epoch) + noise


def decode_handshake(data: bytes, expected: MessageType) -> HandshakeWire:
    """Strictly decode a handshake message of kind ``expected``."""
    # Fast path for a well-formed message: the same checks as below, in one
    # test; anything else takes the slow path, which names what is wrong.
    if (
        type(data) is bytes
        and _HS_MIN_LEN[expected] <= len(data) <= MAX_WIRE_LEN
        and data[0] == WIRE_VERSION
        and data[1] == expected
    ):
        return HandshakeWire(expected, _U64.unpack_from(data, 2)[0], data[_HS_HEADER.size :])
    source = expected.name
    kind = message_type(data, source)
    if kind is not expected:
        raise DecodeError(source, f"got a {kind.name} message", 1)
    if len(data) > MAX_WIRE_LEN:
        raise DecodeError(source, f"longer than {MAX_WIRE_LEN} bytes", MAX_WIRE_LEN)
    if len(data) < _HS_MIN_LEN[expected]:
        raise DecodeError(source, "truncated", len(data))
    _, _, epoch = _HS_HEADER.unpack_from(data)
    return HandshakeWire(kind, epoch, bytes(data[_HS_HEADER.size :]))


@attrs.frozen
class HandshakeInitPayload:
    """The encrypted payload of Noise message 1: claimed initiator and timestamp."""

    initiator: bytes = attrs.field(validator=_bytes32)
    timestamp: int = attrs.field(validator=u64)

    def encode(self) -> bytes:
        return _INIT_PAYLOAD.pack(WIRE_VERSION, self.initiator, self.timestamp)

    @classmethod
    def decode(cls, data: bytes) -> HandshakeInitPayload:
        source = "HandshakeInitPayload"
        if len(data) != _INIT_PAYLOAD.size:
            raise DecodeError(source, f"expected {_INIT_PAYLOAD.size} bytes, got {len(data)}")
        version, initiator, timestamp = _INIT_PAYLOAD.unpack(data)
        if version != WIRE_VERSION:
            raise DecodeError(source, f"unsupported version {version}", 0)
        return cls(initiator, timestamp)


@attrs.frozen
class TransportMessage:
    """A sealed application message on a secure channel."""

    channel_id: bytes = attrs.field(validator=_bytes32)
    epoch: int = attrs.field(validator=u64)
    counter: int = attrs.field(validator=u64)
    ciphertext: bytes = attrs.field(repr=False)

    def header(self) -> bytes:
        """The associated data: everything before the ciphertext."""
        return transport_header(self.channel_id, self.epoch, self.counter)

    def encode(self) -> bytes:
        return self.header() + self.ciphertext

    @classmethod
    def decode(cls, data: bytes) -> TransportMessage:
        # Fast path for a well-formed message (same checks as below in one
        # test); anything else takes the slow path, which names what is wrong.
        if (
            type(data) is bytes
            and _TR_MIN_LEN <= len(data) <= MAX_WIRE_LEN
            and data[0] == WIRE_VERSION
            and data[1] == _TRANSPORT
        ):
            _, _, channel_id, epoch, counter = _TR_HEADER.unpack_from(data)
            return cls(channel_id, epoch, counter, data[_TR_HEADER.size :])
        source = "TransportMessage"
        kind = message_type(data, source)
        if kind is not MessageType.Transport:
            raise DecodeError(source, f"got a {kind.name} message", 1)
        if len(data) > MAX_WIRE_LEN:
            raise DecodeError(source, f"longer than {MAX_WIRE_LEN} bytes", MAX_WIRE_LEN)
        if len(data) < _TR_MIN_LEN:
            raise DecodeError(source, "truncated", len(data))
        _, _, channel_id, epoch, counter = _TR_HEADER.unpack_from(data)
        return cls(channel_id, epoch, counter, bytes(data[_TR_HEADER.size :]))


def transport_header(channel_id: bytes, epoch: int, counter: int) -> bytes:
    """The header (associated data) of a transport message.

    For the channel's own messages, whose id is a digest and whose epoch comes
    from a validated config; a counter past u64 makes ``struct`` raise.
    """
    return _TR_HEADER.pack(WIRE_VERSION, _TRANSPORT, channel_id, epoch, counter)
