"""Wire formats: round trips, and strict decoders that raise only DecodeError."""

from __future__ import annotations

import pytest
from aura_rendezvous import DecodeError
from aura_rendezvous.channels import (
    WIRE_VERSION,
    HandshakeInitPayload,
    HandshakeWire,
    MessageType,
    TransportMessage,
    decode_handshake,
    message_type,
)
from hypothesis import given, settings
from hypothesis import strategies as st

ids = st.binary(min_size=32, max_size=32)
u64 = st.integers(min_value=0, max_value=2**64 - 1)


@given(channel_id=ids, epoch=u64, counter=u64, ct=st.binary(min_size=16, max_size=64))
def test_transport_round_trip(channel_id: bytes, epoch: int, counter: int, ct: bytes) -> None:
    """encode/decode are inverse; the header is exactly the bytes before the ciphertext."""
    message = TransportMessage(channel_id, epoch, counter, ct)
    wire = message.encode()
    assert TransportMessage.decode(wire) == message
    assert wire == message.header() + ct
    assert message_type(wire) is MessageType.Transport


@given(initiator=ids, timestamp=u64)
def test_init_payload_round_trip(initiator: bytes, timestamp: int) -> None:
    """The first-message payload round-trips."""
    payload = HandshakeInitPayload(initiator, timestamp)
    assert HandshakeInitPayload.decode(payload.encode()) == payload


@settings(max_examples=200)
@given(data=st.binary(max_size=60))
def test_fuzz_init_payload_decoder(data: bytes) -> None:
    """Any bytes: a payload that re-encodes identically, or DecodeError."""
    try:
        payload = HandshakeInitPayload.decode(data)
    except DecodeError as exc:
        assert exc.source == "HandshakeInitPayload"
        return
    assert payload.encode() == data


@settings(max_examples=200)
@given(data=st.binary(max_size=200), kind=st.sampled_from(list(MessageType)))
def test_fuzz_handshake_decoder(data: bytes, kind: MessageType) -> None:
    """Any bytes as a handshake message: a round-tripping value or DecodeError."""
    try:
        wire = decode_handshake(data, kind)
    except DecodeError:
        return
    assert wire.encode() == data


def test_decoders_reject_with_source_and_offset() -> None:
    """Errors name the message kind and the offset where decoding stopped."""
    with pytest.raises(DecodeError) as info:
        TransportMessage.decode(bytes([WIRE_VERSION, 7]))
    assert info.value.source == "TransportMessage" and info.value.offset == 1
    with pytest.raises(DecodeError, match="got a HandshakeInit message"):
        TransportMessage.decode(bytes([WIRE_VERSION, 1]) + bytes(100))
    with pytest.raises(DecodeError, match="shorter than"):
        message_type(b"\x01")
    with pytest.raises(DecodeError, match="expected bytes"):
        message_type("text")  # type: ignore[arg-type]
    with pytest.raises(DecodeError, match="longer than"):
        decode_handshake(bytes([WIRE_VERSION, 1]) + bytes(70_000), MessageType.HandshakeInit)
    with pytest.raises(DecodeError, match="unsupported version"):
        HandshakeInitPayload.decode(bytes([9]) + bytes(40))


def test_values_validate_ranges() -> None:
    """Out-of-range epochs/counters and wrong-length ids cannot be built."""
    with pytest.raises(ValueError):
        TransportMessage(bytes(31), 0, 0, b"")
    with pytest.raises(ValueError):
        TransportMessage(bytes(32), 2**64, 0, b"")
    with pytest.raises(ValueError):
        HandshakeWire(MessageType.HandshakeInit, -1, b"")
    with pytest.raises(ValueError):
        HandshakeInitPayload(bytes(32), -1)
