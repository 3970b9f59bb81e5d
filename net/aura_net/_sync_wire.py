"""What one sync frame carries: a request or its response, tagged with the request id.

``u8 kind | u32 request id | u16 n | n x (u32 length | SealedSyncMessage) |
u16 m | m x (...)``. A request (``Pull``: our digest pages; ``Push``: the
facts the answerer lacks) carries its sealed messages in the first list; a
response carries the answers in the first and the answerer's digest pages in
the second. Every sealed message is signed by its sender and encrypted under
the context's sync key, so a frame shows only kinds, ids, counts, sizes and the
sealed headers (context id, epoch). Decoding is strict (``DecodeError``).
"""

from __future__ import annotations

import enum
import struct

import attrs
from aura_rendezvous import DecodeError
from aura_rendezvous.journal import SealedSyncMessage

__all__ = ["SYNC_MAX_FRAME", "SyncFrame", "SyncKind"]

SYNC_MAX_FRAME = 4 * 1024 * 1024
"""The largest sync frame a connection accepts: a few full sealed pages."""

_HEAD = struct.Struct(">BI")
_COUNT = struct.Struct(">H")
_LEN = struct.Struct(">I")


class SyncKind(enum.IntEnum):
    Pull = 1
    Push = 2
    Response = 3


@attrs.frozen
class SyncFrame:
    kind: SyncKind
    request_id: int
    messages: tuple[SealedSyncMessage, ...] = ()
    digests: tuple[SealedSyncMessage, ...] = ()

    def encode(self) -> bytes:
        out = [_HEAD.pack(self.kind, self.request_id)]
        for batch in (self.messages, self.digests):
            out.append(_COUNT.pack(len(batch)))
            for message in batch:
                data = message.encode()
                out.append(_LEN.pack(len(data)) + data)
        return b"".join(out)

    @classmethod
    def decode(cls, data: bytes) -> SyncFrame:
        if len(data) < _HEAD.size:
            raise DecodeError("SyncFrame", "shorter than its header", 0)
        kind, request_id = _HEAD.unpack_from(data)
        if kind not in SyncKind._value2member_map_:
            raise DecodeError("SyncFrame", f"unknown kind {kind}", 0)
        at = _HEAD.size
        batches: list[tuple[SealedSyncMessage, ...]] = []
        for _ in range(2):
            if len(data) < at + _COUNT.size:
                raise DecodeError("SyncFrame", "truncated count", at)
            (count,) = _COUNT.unpack_from(data, at)
            at += _COUNT.size
            batch = []
            for _ in range(count):
                if len(data) < at + _LEN.size:
                    raise DecodeError("SyncFrame", "truncated length", at)
                (length,) = _LEN.unpack_from(data, at)
                at += _LEN.size
                if len(data) < at + length:
                    raise DecodeError("SyncFrame", "truncated message", at)
                batch.append(SealedSyncMessage.decode(data[at : at + length]))
                at += length
            batches.append(tuple(batch))
        if at != len(data):
            raise DecodeError("SyncFrame", "trailing bytes", at)
        if kind != SyncKind.Response and batches[1]:
            raise DecodeError("SyncFrame", "a request carries no digest list", at)
        return cls(SyncKind(kind), request_id, batches[0], batches[1])
