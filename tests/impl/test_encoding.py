"""The codec: canonical writer, strict reader (tag, version, bounds, trailing bytes)."""

from __future__ import annotations

import pytest
from aura_rendezvous import DecodeError, LocalProtocolError
from aura_rendezvous.core import FORMAT_VERSION, Reader, Writer
from hypothesis import given, settings
from hypothesis import strategies as st


def roundtrip(a: int, b: int, blob: bytes, text: str) -> tuple[int, int, bytes, str]:
    raw = Writer(0x7F).u32(a).u64(b).var(blob, 64).text(text, 64).getvalue()
    r = Reader("Test", raw, 0x7F, 1000)
    out = (r.u32(), r.u64(), r.var(64), r.text(64))
    r.finish()
    return out


@settings(max_examples=60)
@given(
    st.integers(0, 2**32 - 1),
    st.integers(0, 2**64 - 1),
    st.binary(max_size=64),
    st.text(max_size=10),
)
def test_roundtrip(a: int, b: int, blob: bytes, text: str) -> None:
    """What the writer writes, the reader reads back, field by field."""
    assert roundtrip(a, b, blob, text) == (a, b, blob, text)


def test_header_is_tag_and_version() -> None:
    """Every encoding starts with its tag and the format version."""
    assert Writer(0x42).getvalue() == bytes([0x42, FORMAT_VERSION])


def test_trailing_bytes_rejected() -> None:
    """A reader that finishes with bytes left raises, with the offset."""
    r = Reader("Test", Writer(1).u8(5).getvalue() + b"\x00", 1, 100)
    r.u8()
    with pytest.raises(DecodeError, match="trailing") as info:
        r.finish()
    assert info.value.offset == 3


def test_wrong_tag_version_truncation_and_size() -> None:
    """Each malformation is a DecodeError naming the source."""
    with pytest.raises(DecodeError, match="Test: wrong type tag"):
        Reader("Test", b"\x02\x01", 1, 10)
    with pytest.raises(DecodeError, match="version"):
        Reader("Test", b"\x01\x09", 1, 10)
    with pytest.raises(DecodeError, match="truncated"):
        Reader("Test", b"\x01", 1, 10)
    with pytest.raises(DecodeError, match="exceeds the maximum 10"):
        Reader("Test", b"\x01\x01" + b"\x00" * 20, 1, 10)
    r = Reader("Test", Writer(1).u32(1000).getvalue(), 1, 100)
    with pytest.raises(DecodeError, match="field length 1000 exceeds"):
        r.var(10)
    with pytest.raises(DecodeError, match="expected bytes"):
        Reader("Test", "text", 1, 10)  # type: ignore[arg-type]


def test_invalid_utf8_text_rejected() -> None:
    """A text field must be UTF-8."""
    r = Reader("Test", Writer(1).var(b"\xff\xfe").getvalue(), 1, 100)
    with pytest.raises(DecodeError, match="UTF-8"):
        r.text(10)


def test_writer_refuses_oversized_and_misfit_fields() -> None:
    """The writer never produces what the reader would refuse."""
    with pytest.raises(LocalProtocolError):
        Writer(1).var(b"x" * 11, 10)
    with pytest.raises(LocalProtocolError):
        Writer(1).fixed(b"x" * 3, 4)
