"""A TCP proxy on loopback that loses or duplicates whole length-prefixed frames.

It sits between a dialer and a listener, reads each direction frame by frame
(4-byte big-endian length, then the body) and forwards every frame except the
ones its plan drops, sending the ones its plan duplicates twice. The faults are
on the socket: the endpoints see exactly the bytes a lossy, duplicating link
would give them. Every forwarded byte is kept in ``seen`` per direction.
"""

from __future__ import annotations

import asyncio
import contextlib
import struct

import attrs

_HEADER = struct.Struct(">I")


@attrs.frozen
class Plan:
    """Frame indices (0-based, per direction, across all connections) to act on."""

    drop: frozenset[int] = frozenset()
    duplicate: frozenset[int] = frozenset()


class FaultProxy:
    def __init__(self, upstream: str, *, up: Plan = Plan(), down: Plan = Plan()) -> None:
        host, _, port = upstream.rpartition(":")
        self.upstream = (host, int(port))
        self.plans = {"up": up, "down": down}
        self.counts = {"up": 0, "down": 0}
        self.dropped = {"up": 0, "down": 0}
        self.duplicated = {"up": 0, "down": 0}
        self.seen: dict[str, bytearray] = {"up": bytearray(), "down": bytearray()}
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    async def start(self) -> str:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        host, port = self._server.sockets[0].getsockname()[:2]
        return f"{host}:{port}"

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection(*self.upstream)
        pumps = [
            asyncio.create_task(self._pump("up", reader, up_writer)),
            asyncio.create_task(self._pump("down", up_reader, writer)),
        ]
        self._tasks.update(pumps)
        await asyncio.wait(pumps, return_when=asyncio.FIRST_COMPLETED)
        for pump in pumps:
            pump.cancel()
        for w in (writer, up_writer):
            w.close()

    async def _pump(
        self, direction: str, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        plan = self.plans[direction]
        with contextlib.suppress(asyncio.IncompleteReadError, ConnectionError):
            while True:
                header = await reader.readexactly(_HEADER.size)
                body = await reader.readexactly(_HEADER.unpack(header)[0])
                index = self.counts[direction]
                self.counts[direction] += 1
                if index in plan.drop:
                    self.dropped[direction] += 1
                    continue
                copies = 2 if index in plan.duplicate else 1
                self.duplicated[direction] += copies - 1
                for _ in range(copies):
                    self.seen[direction] += header + body
                    writer.write(header + body)
                await writer.drain()
