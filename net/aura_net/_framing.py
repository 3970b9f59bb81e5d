"""Length-prefixed frames over a byte stream, sans-IO, with a hard size limit.

A frame is a 4-byte big-endian length and that many bytes. :class:`FrameDecoder`
only buffers what it is fed and never more than one frame's header and body:
a length above ``max_frame`` is refused (:class:`OversizedFrame`) as soon as its
4 bytes are in, before any of the body is kept. :func:`read_frame` runs it on an
asyncio stream with a deadline for the whole frame, so a peer that says nothing
or trickles bytes gets :class:`PeerTimeout`.
"""

from __future__ import annotations

import asyncio
import struct

from aura_net._errors import ConnectionLost, OversizedFrame, PeerTimeout, TruncatedFrame

__all__ = ["DEFAULT_MAX_FRAME", "FrameDecoder", "encode_frame", "read_frame"]

DEFAULT_MAX_FRAME = 70_000
"""Above the largest frame the protocol sends (a receipt and a full relay envelope,
sealed on the direct path)."""

_HEADER = struct.Struct(">I")
_CHUNK = 4096


def encode_frame(payload: bytes, max_frame: int = DEFAULT_MAX_FRAME) -> bytes:
    if len(payload) > max_frame:
        raise ValueError(f"frame of {len(payload)} bytes above the limit {max_frame}")
    return _HEADER.pack(len(payload)) + payload


class FrameDecoder:
    """Feed bytes in, take whole frames out; ``peak_buffered`` is the most ever held."""

    def __init__(self, max_frame: int = DEFAULT_MAX_FRAME) -> None:
        self.max_frame = max_frame
        self._buffer = bytearray()
        self._need: int | None = None
        self.peak_buffered = 0

    @property
    def buffered(self) -> int:
        return len(self._buffer)

    def wants(self) -> int:
        """How many more bytes complete the current frame (header or body)."""
        if self._need is None:
            return _HEADER.size - len(self._buffer)
        return self._need - len(self._buffer)

    def feed(self, data: bytes) -> None:
        """Take ``data``; it must be at most :meth:`wants` bytes (the reader asks no more)."""
        if len(data) > self.wants():
            raise ValueError("fed past the current frame")
        self._buffer += data
        self.peak_buffered = max(self.peak_buffered, len(self._buffer))
        if self._need is None and len(self._buffer) == _HEADER.size:
            (length,) = _HEADER.unpack(self._buffer)
            if length > self.max_frame:
                raise OversizedFrame(f"frame of {length} bytes, limit {self.max_frame}")
            self._need = length
            self._buffer.clear()

    def frame(self) -> bytes | None:
        """The complete frame, if one is in (the decoder then starts the next)."""
        if self._need is None or len(self._buffer) < self._need:
            return None
        out = bytes(self._buffer)
        self._buffer.clear()
        self._need = None
        return out

    def in_frame(self) -> bool:
        return self._need is not None or bool(self._buffer)


async def read_frame(
    reader: asyncio.StreamReader, decoder: FrameDecoder, timeout_s: float
) -> bytes:
    """The next frame from ``reader``, all of it within ``timeout_s``.

    Reads at most what the frame still needs, so memory stays within one frame.
    Raises :class:`OversizedFrame`, :class:`TruncatedFrame` (closed inside a
    frame), :class:`ConnectionLost` (closed between frames) or
    :class:`PeerTimeout`.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    while (frame := decoder.frame()) is None:
        remaining = deadline - loop.time()
        if remaining <= 0:
            raise PeerTimeout(f"no whole frame within {timeout_s:.3g} s")
        try:
            data = await asyncio.wait_for(reader.read(min(decoder.wants(), _CHUNK)), remaining)
        except TimeoutError:
            raise PeerTimeout(f"no whole frame within {timeout_s:.3g} s") from None
        except ConnectionError as exc:
            raise ConnectionLost(f"connection failed: {exc}") from None
        if not data:
            if decoder.in_frame():
                raise TruncatedFrame("connection closed inside a frame")
            raise ConnectionLost("connection closed")
        decoder.feed(data)
    return frame
