"""The sans-IO pieces of the shell: the frame decoder, the wire frame, the error memory.

No sockets here: bytes in, frames or typed errors out, for any chunking.
"""

from __future__ import annotations

import struct

import pytest
from aura_net import (
    MAX_KEPT_ERRORS,
    MAX_RECEIPT,
    FrameDecoder,
    OversizedFrame,
    PeerTimeout,
    WireFrame,
    encode_frame,
)
from aura_net._errors import keep_error
from aura_rendezvous import AuraError, DecodeError, RelayEnvelope
from hypothesis import given, settings
from hypothesis import strategies as st

from ..impl.world import ALICE, BOB, CTX


def _feed_all(decoder: FrameDecoder, data: bytes, cuts: list[int]) -> list[bytes]:
    """Feed ``data`` in pieces no larger than the decoder asks, split at ``cuts``."""
    frames, offset, cut_iter = [], 0, iter(sorted(set(cuts)))
    next_cut = next(cut_iter, len(data))
    while offset < len(data):
        while next_cut <= offset:
            next_cut = next(cut_iter, len(data))
        take = min(decoder.wants(), next_cut - offset) or 1
        decoder.feed(data[offset : offset + take])
        offset += take
        while (frame := decoder.frame()) is not None:
            frames.append(frame)
    return frames


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.binary(max_size=300), max_size=6),
    st.lists(st.integers(0, 2000), max_size=20),
)
def test_any_chunking_yields_the_same_frames(payloads: list[bytes], cuts: list[int]) -> None:
    data = b"".join(encode_frame(p, 300) for p in payloads)
    decoder = FrameDecoder(300)
    assert _feed_all(decoder, data, cuts) == payloads
    assert decoder.peak_buffered <= 300
    assert not decoder.in_frame()


def test_an_oversized_length_is_refused_after_its_four_bytes() -> None:
    decoder = FrameDecoder(100)
    with pytest.raises(OversizedFrame):
        decoder.feed(struct.pack(">I", 101))
    assert decoder.peak_buffered == 4
    ok = FrameDecoder(100)
    ok.feed(struct.pack(">I", 100))  # the counterpart: the limit itself is allowed
    assert ok.wants() == 100


def test_encode_refuses_what_the_peer_would_refuse() -> None:
    with pytest.raises(ValueError):
        encode_frame(b"x" * 101, 100)


def test_wire_frames_round_trip_and_junk_is_a_decode_error() -> None:
    frame = WireFrame(RelayEnvelope(CTX, ALICE, BOB, b"\x01\x02payload"), b"receipt")
    assert WireFrame.decode(frame.encode()) == frame
    bad = [
        b"",
        b"\x00",
        struct.pack(">H", MAX_RECEIPT + 1),
        struct.pack(">H", 10) + b"short",
        frame.encode() + b"trailing",
        frame.encode()[:-1],
    ]
    for data in bad:
        with pytest.raises(DecodeError):
            WireFrame.decode(data)


def test_the_error_memory_is_bounded_and_keeps_the_newest() -> None:
    errors: list[AuraError] = []
    for n in range(MAX_KEPT_ERRORS + 10):
        keep_error(errors, PeerTimeout(str(n)))
    assert len(errors) == MAX_KEPT_ERRORS
    assert str(errors[-1]) == str(MAX_KEPT_ERRORS + 9)
    assert str(errors[0]) == "10"
