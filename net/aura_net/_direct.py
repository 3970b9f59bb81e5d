"""The direct path over any byte stream: handshake, key confirmation, channel traffic.

TCP and QUIC (one bidirectional stream) both hand this module an asyncio
reader/writer pair. Every message travels as one length-prefixed frame
(``_framing``) holding a :class:`WireFrame`. The initiator's guard chain runs
before any socket is opened (:func:`prepare_direct`); the responder answers only
what its core accepted. Any error of the peer's (a bad frame, a rejected Noise
message, silence past the frame deadline) closes the stream without a reply and
is kept in the responder's ``errors``.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable

import attrs
from aura_rendezvous import (
    AuraError,
    AuthorityId,
    ContextId,
    LocalProtocolError,
    QuicDirect,
    QuicReflexive,
    RelayEnvelope,
    SendEffect,
    SendHandshake,
    SendHandshakeResponse,
    TcpDirect,
)

from aura_net._errors import ConnectionLost, UnexpectedPeer, keep_error
from aura_net._frame_seal import FrameSeal
from aura_net._framing import DEFAULT_MAX_FRAME, FrameDecoder, encode_frame, read_frame
from aura_net._node import NetNode
from aura_net._wire import WireFrame

__all__ = [
    "DirectChannel",
    "DirectHint",
    "DirectResponder",
    "FramedConnection",
    "Limits",
    "PreparedDirect",
    "initiate",
    "prepare_direct",
    "split_addr",
]

DirectHint = QuicDirect | QuicReflexive | TcpDirect


@attrs.frozen
class Limits:
    """What a connection tolerates: the largest frame, how long a frame that is due
    (a handshake step) may take to arrive whole, and how long a connect may take."""

    max_frame: int = DEFAULT_MAX_FRAME
    frame_timeout_s: float = 5.0
    connect_timeout_s: float = 5.0


def split_addr(addr: str) -> tuple[str, int]:
    """``host:port`` (``[v6]:port`` too) as a pair; ``LocalProtocolError`` otherwise."""
    host, sep, port = addr.rpartition(":")
    if not sep or not port.isdigit() or not host:
        raise LocalProtocolError(f"not a host:port address: {addr!r}")
    return host.strip("[]"), int(port)


class FramedConnection:
    """One stream with its frame decoder; counts what it wrote.

    ``on_close`` releases what carries the stream (a QUIC connection); a QUIC
    stream does not report its close (``wait_closed=False``). With ``seal``
    every frame is sealed under the context (``_frame_seal``): the direct path's
    frames carry no id in clear."""

    def __init__(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        limits: Limits,
        on_close: Callable[[], Awaitable[None]] | None = None,
        *,
        wait_closed: bool = True,
        seal: FrameSeal | None = None,
    ) -> None:
        self.reader = reader
        self.writer = writer
        self.limits = limits
        self.decoder = FrameDecoder(limits.max_frame)
        self.bytes_written = 0
        self._on_close = on_close
        self._wait_closed = wait_closed
        self.seal = seal

    async def recv(self, timeout_s: float | None = None) -> WireFrame:
        timeout = self.limits.frame_timeout_s if timeout_s is None else timeout_s
        data = await read_frame(self.reader, self.decoder, timeout)
        return WireFrame.decode(data if self.seal is None else self.seal.open(data))

    async def send(self, frame: WireFrame) -> None:
        body = frame.encode()
        if self.seal is not None:
            body = self.seal.seal(body)
        data = encode_frame(body, self.limits.max_frame)
        self.writer.write(data)
        self.bytes_written += len(data)
        await self.writer.drain()

    async def close(self) -> None:
        self.writer.close()
        # A QUIC stream's writer never reports closed (its end is sent at once):
        # only a socket's close is waited for.
        if self._wait_closed:
            with contextlib.suppress(ConnectionError, OSError):
                await self.writer.wait_closed()
        if self._on_close is not None:
            await self._on_close()


def expect_from(
    frame: WireFrame, context_id: ContextId, peer: AuthorityId, me: AuthorityId
) -> RelayEnvelope:
    env = frame.envelope
    if (env.context_id, env.src, env.dst) != (context_id, peer, me):
        raise UnexpectedPeer("frame of another context, sender or receiver")
    return env


def _one_message(sends: list[SendEffect]) -> tuple[bytes, bytes]:
    """The message and receipt of the one direct send an outcome carries."""
    if len(sends) != 1 or not isinstance(sends[0], SendHandshake | SendHandshakeResponse):
        raise LocalProtocolError(f"expected one direct send, got {sends!r}")
    return sends[0].message, sends[0].receipt


class DirectChannel:
    """An Active channel with ``peer`` over one stream (``transport`` names which)."""

    def __init__(
        self,
        node: NetNode,
        context_id: ContextId,
        peer: AuthorityId,
        conn: FramedConnection,
        transport: str,
    ) -> None:
        self.node = node
        self.context_id = context_id
        self.peer = peer
        self.conn = conn
        self.transport = transport

    async def send(self, plaintext: bytes) -> None:
        sealed = self.node.service.seal(self.context_id, self.peer, plaintext)
        envelope = RelayEnvelope(self.context_id, self.node.id, self.peer, sealed)
        await self.conn.send(WireFrame(envelope))

    async def recv(self, timeout_s: float) -> bytes:
        frame = await self.conn.recv(timeout_s)
        env = expect_from(frame, self.context_id, self.peer, self.node.id)
        return self.node.service.receive_data(self.context_id, self.peer, env.payload)

    async def close(self) -> None:
        await self.conn.close()


@attrs.frozen
class PreparedDirect:
    """A committed handshake start: message 1 and its receipt, not sent yet."""

    context_id: ContextId
    peer: AuthorityId
    message: bytes
    receipt: bytes


def prepare_direct(
    node: NetNode, context_id: ContextId, peer: AuthorityId, hint: DirectHint
) -> PreparedDirect:
    """Run the guard chain for a direct connect over ``hint`` and commit it.

    A deny raises :class:`GuardDenied`: the caller has opened no socket yet.
    """
    outcome = node.service.prepare_establish_channel(
        node.snapshot(context_id),
        context_id,
        peer,
        node.psk(context_id),
        now_ms=node.now_ms(),
        transport=hint,
    )
    message, receipt = _one_message(node.run(outcome))
    return PreparedDirect(context_id, peer, message, receipt)


async def initiate(
    node: NetNode, start: PreparedDirect, conn: FramedConnection, transport: str
) -> DirectChannel:
    """Send message 1, check message 2 in the core, send the key confirmation."""
    context_id, peer = start.context_id, start.peer
    conn.seal = FrameSeal(node, context_id)
    try:
        envelope = RelayEnvelope(context_id, node.id, peer, start.message)
        await conn.send(WireFrame(envelope, start.receipt))
        answer = await conn.recv()
        env = expect_from(answer, context_id, peer, node.id)
        outcome = node.service.prepare_handle_handshake(
            node.snapshot(context_id),
            context_id,
            peer,
            env.payload,
            node.psk(context_id),
            now_ms=node.now_ms(),
            receipt=answer.receipt,
        )
        confirmation, _ = _one_message(node.run(outcome))
        await conn.send(WireFrame(RelayEnvelope(context_id, node.id, peer, confirmation)))
    except BaseException:
        await conn.close()
        raise
    return DirectChannel(node, context_id, peer, conn, transport)


class DirectResponder:
    """The responder side of one transport: answers handshakes its core accepts.

    Each key-confirmed channel is put on ``accepted``; each stream that failed is
    closed without a reply and its typed error appended to ``errors``.
    ``peak_buffered`` and ``bytes_written`` are measured at the streams.
    """

    transport = "direct"
    stream_reports_close = True

    def __init__(self, node: NetNode, limits: Limits | None = None) -> None:
        self.node = node
        self.limits = limits or Limits()
        self.accepted: asyncio.Queue[DirectChannel] = asyncio.Queue()
        self.errors: list[AuraError] = []
        self.peak_buffered = 0
        self.bytes_written = 0
        self._tasks: set[asyncio.Task[None]] = set()

    def spawn(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """Handle a new stream in its own task (for callbacks that cannot await)."""
        task = asyncio.get_running_loop().create_task(self.handle(reader, writer))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        conn = FramedConnection(
            reader,
            writer,
            self.limits,
            wait_closed=self.stream_reports_close,
            seal=FrameSeal(self.node),
        )
        try:
            channel = await self._respond(conn)
        except (AuraError, OSError) as exc:
            # A reset while we answer is the peer's doing too: typed like the rest.
            error = exc if isinstance(exc, AuraError) else ConnectionLost(str(exc))
            keep_error(self.errors, error)
            with contextlib.suppress(OSError):
                await conn.close()
        else:
            self.accepted.put_nowait(channel)
        finally:
            self.peak_buffered = max(self.peak_buffered, conn.decoder.peak_buffered)
            self.bytes_written += conn.bytes_written

    async def _respond(self, conn: FramedConnection) -> DirectChannel:
        node, service = self.node, self.node.service
        first = await conn.recv()
        env = first.envelope
        if env.dst != node.id:
            raise UnexpectedPeer("message 1 for another authority")
        context_id, peer = env.context_id, env.src
        psk = node.psk(context_id)
        outcome = service.prepare_handle_handshake(
            node.snapshot(context_id),
            context_id,
            peer,
            env.payload,
            psk,
            now_ms=node.now_ms(),
            receipt=first.receipt,
        )
        msg2, receipt = _one_message(node.run(outcome))
        await conn.send(WireFrame(RelayEnvelope(context_id, node.id, peer, msg2), receipt))
        confirm = expect_from(await conn.recv(), context_id, peer, node.id)
        node.run(
            service.prepare_handle_handshake(
                node.snapshot(context_id),
                context_id,
                peer,
                confirm.payload,
                psk,
                now_ms=node.now_ms(),
            )
        )
        return DirectChannel(node, context_id, peer, conn, self.transport)
