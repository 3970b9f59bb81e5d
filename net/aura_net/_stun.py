"""STUN (RFC 8489) binding messages, sans-IO: encode and strictly decode.

Only what a binding needs: the 20-byte header (type, length, magic cookie,
96-bit transaction id), attributes in 4-byte-aligned TLVs, XOR-MAPPED-ADDRESS
(IPv4 and IPv6), ERROR-CODE, UNKNOWN-ATTRIBUTES and FINGERPRINT. Every byte from
the network goes through :func:`decode_stun`, which refuses anything RFC 8489
does not allow with :class:`MalformedStun` naming the offset; no other
exception escapes it.
"""

from __future__ import annotations

import enum
import ipaddress
import struct
import zlib

import attrs

from aura_net._errors import MalformedStun

__all__ = [
    "ATTR_ERROR_CODE",
    "ATTR_FINGERPRINT",
    "ATTR_UNKNOWN_ATTRIBUTES",
    "ATTR_XOR_MAPPED_ADDRESS",
    "BINDING",
    "MAGIC_COOKIE",
    "StunClass",
    "StunMessage",
    "binding_error",
    "binding_request",
    "binding_success",
    "decode_stun",
    "unknown_required",
    "xor_mapped_address",
]

MAGIC_COOKIE = 0x2112A442
BINDING = 0x001
HEADER = struct.Struct(">HHI12s")
ATTR_HEADER = struct.Struct(">HH")
ATTR_XOR_MAPPED_ADDRESS = 0x0020
ATTR_ERROR_CODE = 0x0009
ATTR_UNKNOWN_ATTRIBUTES = 0x000A
ATTR_FINGERPRINT = 0x8028
_FINGERPRINT_XOR = 0x5354554E
_KNOWN = {ATTR_XOR_MAPPED_ADDRESS, ATTR_ERROR_CODE, ATTR_UNKNOWN_ATTRIBUTES, ATTR_FINGERPRINT}
_FAMILY_V4, _FAMILY_V6 = 0x01, 0x02
MAX_STUN = 1280
"""Larger datagrams are refused unread: a binding message is far smaller."""


class StunClass(enum.IntEnum):
    Request = 0b00
    Indication = 0b01
    SuccessResponse = 0b10
    ErrorResponse = 0b11


def _message_type(method: int, cls: StunClass) -> int:
    # RFC 8489 6: the class bits C0 and C1 sit at bits 4 and 8 between the method bits.
    return (
        (method & 0x000F)
        | ((method & 0x0070) << 1)
        | ((method & 0x0F80) << 2)
        | ((cls & 0b01) << 4)
        | ((cls & 0b10) << 7)
    )


def _split_type(value: int) -> tuple[int, StunClass]:
    method = (value & 0x000F) | ((value >> 1) & 0x0070) | ((value >> 2) & 0x0F80)
    cls = StunClass(((value >> 4) & 0b01) | ((value >> 7) & 0b10))
    return method, cls


@attrs.frozen
class StunMessage:
    method: int
    cls: StunClass
    transaction_id: bytes = attrs.field(validator=attrs.validators.instance_of(bytes))
    attributes: tuple[tuple[int, bytes], ...] = ()

    def attribute(self, kind: int) -> bytes | None:
        for attr_type, value in self.attributes:
            if attr_type == kind:
                return value
        return None

    def encode(self, *, fingerprint: bool = True) -> bytes:
        if len(self.transaction_id) != 12:
            raise ValueError("a transaction id is 12 bytes")
        body = b"".join(_tlv(t, v) for t, v in self.attributes)
        if fingerprint:
            length = len(body) + 8
            head = HEADER.pack(
                _message_type(self.method, self.cls), length, MAGIC_COOKIE, self.transaction_id
            )
            crc = (zlib.crc32(head + body) ^ _FINGERPRINT_XOR) & 0xFFFFFFFF
            return head + body + _tlv(ATTR_FINGERPRINT, struct.pack(">I", crc))
        head = HEADER.pack(
            _message_type(self.method, self.cls), len(body), MAGIC_COOKIE, self.transaction_id
        )
        return head + body


def _tlv(kind: int, value: bytes) -> bytes:
    pad = (-len(value)) % 4
    return ATTR_HEADER.pack(kind, len(value)) + value + b"\x00" * pad


def decode_stun(data: bytes) -> StunMessage:
    """The STUN message in ``data``, or :class:`MalformedStun`."""
    if len(data) > MAX_STUN:
        raise MalformedStun(f"{len(data)} bytes, more than {MAX_STUN}")
    if len(data) < HEADER.size:
        raise MalformedStun("shorter than the 20-byte header", len(data))
    msg_type, length, cookie, txid = HEADER.unpack_from(data)
    if msg_type & 0xC000:
        raise MalformedStun("the two leading bits must be zero", 0)
    if cookie != MAGIC_COOKIE:
        raise MalformedStun("wrong magic cookie", 4)
    if length % 4 or HEADER.size + length != len(data):
        raise MalformedStun(f"length {length} does not fit {len(data)} bytes", 2)
    method, cls = _split_type(msg_type)
    attributes: list[tuple[int, bytes]] = []
    offset = HEADER.size
    while offset < len(data):
        if offset + ATTR_HEADER.size > len(data):
            raise MalformedStun("truncated attribute header", offset)
        kind, size = ATTR_HEADER.unpack_from(data, offset)
        start = offset + ATTR_HEADER.size
        end = start + size
        padded = end + (-size) % 4
        if padded > len(data):
            raise MalformedStun(f"attribute 0x{kind:04x} overruns the message", offset)
        # RFC 8489 14: the padding's content is ignored on receipt.
        value = data[start:end]
        if kind == ATTR_FINGERPRINT:
            _check_fingerprint(data, offset, value, padded)
        attributes.append((kind, value))
        offset = padded
    return StunMessage(method, cls, txid, tuple(attributes))


def _check_fingerprint(data: bytes, offset: int, value: bytes, end: int) -> None:
    if end != len(data):
        raise MalformedStun("FINGERPRINT is not the last attribute", offset)
    if len(value) != 4:
        raise MalformedStun("FINGERPRINT is 4 bytes", offset)
    # The CRC covers the message up to the attribute, with the length as sent.
    expected = (zlib.crc32(data[:offset]) ^ _FINGERPRINT_XOR) & 0xFFFFFFFF
    if struct.unpack(">I", value)[0] != expected:
        raise MalformedStun("FINGERPRINT does not match", offset)


def unknown_required(message: StunMessage) -> tuple[int, ...]:
    """Comprehension-required attributes (0x0000-0x7FFF) this codec does not know."""
    return tuple(t for t, _ in message.attributes if t < 0x8000 and t not in _KNOWN)


def _xor_address(host: str, port: int, txid: bytes) -> bytes:
    address = ipaddress.ip_address(host)
    xport = port ^ (MAGIC_COOKIE >> 16)
    key = struct.pack(">I", MAGIC_COOKIE) + txid
    raw = address.packed
    family = _FAMILY_V4 if address.version == 4 else _FAMILY_V6
    xored = bytes(b ^ k for b, k in zip(raw, key, strict=False))
    return struct.pack(">BBH", 0, family, xport) + xored


def xor_mapped_address(message: StunMessage) -> tuple[str, int]:
    """The (host, port) of the message's XOR-MAPPED-ADDRESS, or :class:`MalformedStun`."""
    value = message.attribute(ATTR_XOR_MAPPED_ADDRESS)
    if value is None:
        raise MalformedStun("no XOR-MAPPED-ADDRESS")
    if len(value) < 4:
        raise MalformedStun("XOR-MAPPED-ADDRESS shorter than its header")
    _, family, xport = struct.unpack_from(">BBH", value)
    size = {_FAMILY_V4: 4, _FAMILY_V6: 16}.get(family)
    if size is None:
        raise MalformedStun(f"unknown address family {family}")
    if len(value) != 4 + size:
        raise MalformedStun(f"XOR-MAPPED-ADDRESS of {len(value)} bytes for family {family}")
    key = struct.pack(">I", MAGIC_COOKIE) + message.transaction_id
    raw = bytes(b ^ k for b, k in zip(value[4:], key, strict=False))
    return str(ipaddress.ip_address(raw)), xport ^ (MAGIC_COOKIE >> 16)


def binding_request(transaction_id: bytes) -> bytes:
    return StunMessage(BINDING, StunClass.Request, transaction_id).encode()


def binding_success(transaction_id: bytes, host: str, port: int) -> bytes:
    attribute = (ATTR_XOR_MAPPED_ADDRESS, _xor_address(host, port, transaction_id))
    return StunMessage(BINDING, StunClass.SuccessResponse, transaction_id, (attribute,)).encode()


def binding_error(
    transaction_id: bytes, code: int, reason: str, unknown: tuple[int, ...] = ()
) -> bytes:
    value = struct.pack(">HBB", 0, code // 100, code % 100) + reason.encode()
    attributes = [(ATTR_ERROR_CODE, value)]
    if unknown:
        attributes.append(
            (ATTR_UNKNOWN_ATTRIBUTES, b"".join(struct.pack(">H", t) for t in unknown))
        )
    return StunMessage(BINDING, StunClass.ErrorResponse, transaction_id, tuple(attributes)).encode()
