"""What one frame carries, on TCP and through the relay alike: an envelope and its receipt.

``u16 receipt length | receipt | RelayEnvelope``. The envelope names the
context, the sender and the receiver (the routing ids a relay sees anyway) and
holds the Noise message; the receipt is the sender's signed proof of payment
for a paid message (empty otherwise). Decoding is strict: every length is
checked and trailing bytes are refused (``DecodeError`` naming the frame).
"""

from __future__ import annotations

import struct

import attrs
from aura_rendezvous import DecodeError, RelayEnvelope

__all__ = ["MAX_RECEIPT", "WireFrame"]

MAX_RECEIPT = 1024
"""Well above an encoded receipt (a signed body of ids, counters and a digest)."""

_LEN = struct.Struct(">H")


@attrs.frozen
class WireFrame:
    envelope: RelayEnvelope
    receipt: bytes = b""

    def encode(self) -> bytes:
        if len(self.receipt) > MAX_RECEIPT:
            raise ValueError("receipt too long")
        return _LEN.pack(len(self.receipt)) + self.receipt + self.envelope.encode()

    @classmethod
    def decode(cls, data: bytes) -> WireFrame:
        if len(data) < _LEN.size:
            raise DecodeError("WireFrame", "shorter than its receipt length", 0)
        (length,) = _LEN.unpack_from(data)
        if length > MAX_RECEIPT:
            raise DecodeError("WireFrame", f"receipt of {length} bytes", 0)
        end = _LEN.size + length
        if len(data) < end:
            raise DecodeError("WireFrame", "truncated receipt", _LEN.size)
        return cls(RelayEnvelope.decode(data[end:]), data[_LEN.size : end])
