"""Canonical, versioned binary encodings with strict readers.

Every encoded value starts with a one-byte type tag and a one-byte format
version, then fixed-width big-endian integers, fixed-size byte strings and
length-prefixed (u32) variable fields in a fixed order. There is exactly one
encoding per value (no optional padding, no alternative integer widths), so
hashing or signing the encoding is hashing or signing the value.

The :class:`Reader` is the only way untrusted bytes are parsed: it enforces a
total size bound, a bound per variable field, and rejects trailing bytes; each
failure is a :class:`DecodeError` naming the source and the byte offset.
"""

from __future__ import annotations

from aura_rendezvous.core._errors import DecodeError, LocalProtocolError
from aura_rendezvous.core._ids import ID_LEN, AuthorityId, ContextId

__all__ = [
    "FORMAT_VERSION",
    "MAX_FIELD_LEN",
    "Reader",
    "Tag",
    "Writer",
]

FORMAT_VERSION = 1
MAX_FIELD_LEN = 64 * 1024
"""No single variable field of the rendezvous formats may exceed 64 KiB."""


class Tag:
    """Type tags of the encodings (one byte each, never reused)."""

    DESCRIPTOR = 0x01
    SIGNED_DESCRIPTOR = 0x02
    SEALED_DESCRIPTOR = 0x03
    FACT = 0x04
    RECEIPT = 0x05
    SYNC_DIGEST = 0x06
    SYNC_FACTS = 0x07
    JOURNAL_ENTRY = 0x08
    RELAY_ENVELOPE = 0x09
    RECEIPT_BODY = 0x0A
    SEALED_SYNC = 0x0B


class Writer:
    """Append-only builder of one canonical encoding."""

    def __init__(self, tag: int) -> None:
        self._buf = bytearray((tag, FORMAT_VERSION))

    def u8(self, value: int) -> Writer:
        self._buf += value.to_bytes(1, "big")
        return self

    def u32(self, value: int) -> Writer:
        self._buf += value.to_bytes(4, "big")
        return self

    def u64(self, value: int) -> Writer:
        self._buf += value.to_bytes(8, "big")
        return self

    def fixed(self, value: bytes, length: int) -> Writer:
        if len(value) != length:
            raise LocalProtocolError(f"fixed field must be {length} bytes, got {len(value)}")
        self._buf += value
        return self

    def var(self, value: bytes, max_len: int = MAX_FIELD_LEN) -> Writer:
        if len(value) > max_len:
            raise LocalProtocolError(f"field of {len(value)} bytes exceeds {max_len}")
        self._buf += len(value).to_bytes(4, "big") + value
        return self

    def text(self, value: str, max_len: int) -> Writer:
        return self.var(value.encode("utf-8"), max_len)

    def authority(self, value: AuthorityId) -> Writer:
        return self.fixed(value.value, ID_LEN)

    def context(self, value: ContextId) -> Writer:
        return self.fixed(value.value, ID_LEN)

    def getvalue(self) -> bytes:
        return bytes(self._buf)


class Reader:
    """Strict reader of one encoding; call :meth:`finish` at the end."""

    def __init__(self, source: str, data: bytes, tag: int, max_total: int) -> None:
        self.source = source
        if not isinstance(data, (bytes, bytearray, memoryview)):
            raise DecodeError(source, f"expected bytes, got {type(data).__name__}")
        self._data = bytes(data)
        self._pos = 0
        if len(self._data) > max_total:
            raise DecodeError(source, f"{len(self._data)} bytes exceeds the maximum {max_total}")
        got_tag = self.u8()
        if got_tag != tag:
            raise DecodeError(source, f"wrong type tag {got_tag:#04x}, expected {tag:#04x}", 0)
        version = self.u8()
        if version != FORMAT_VERSION:
            raise DecodeError(source, f"unsupported format version {version}", 1)

    def fail(self, message: str) -> DecodeError:
        return DecodeError(self.source, message, self._pos)

    def _take(self, n: int) -> bytes:
        if self._pos + n > len(self._data):
            raise self.fail(f"truncated: need {n} bytes, {len(self._data) - self._pos} left")
        out = self._data[self._pos : self._pos + n]
        self._pos += n
        return out

    def u8(self) -> int:
        return self._take(1)[0]

    def u32(self) -> int:
        return int.from_bytes(self._take(4), "big")

    def u64(self) -> int:
        return int.from_bytes(self._take(8), "big")

    def fixed(self, length: int) -> bytes:
        return self._take(length)

    def var(self, max_len: int = MAX_FIELD_LEN) -> bytes:
        length = self.u32()
        if length > max_len:
            raise self.fail(f"field length {length} exceeds the maximum {max_len}")
        return self._take(length)

    def text(self, max_len: int) -> str:
        raw = self.var(max_len)
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            raise self.fail("text field is not UTF-8") from None

    def authority(self) -> AuthorityId:
        return AuthorityId(self.fixed(ID_LEN))

    def context(self) -> ContextId:
        return ContextId(self.fixed(ID_LEN))

    def count(self, max_count: int) -> int:
        n = self.u32()
        if n > max_count:
            raise self.fail(f"count {n} exceeds the maximum {max_count}")
        return n

    def finish(self) -> None:
        if self._pos != len(self._data):
            raise self.fail(f"{len(self._data) - self._pos} trailing bytes")
