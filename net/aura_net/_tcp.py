"""TCP direct: the Noise handshake, key confirmation and channel traffic over asyncio streams.

Every message travels as one length-prefixed frame (``_framing``) holding a
:class:`WireFrame`. The initiator's guard chain runs before the socket is even
opened; the responder answers only what its core accepted. Any error of the
peer's (a bad frame, a rejected Noise message, silence past the frame deadline)
closes the connection without a reply and is kept in ``TcpServer.errors``.
"""

from __future__ import annotations

import asyncio
import contextlib

import attrs
from aura_rendezvous import (
    AuraError,
    AuthorityId,
    ContextId,
    LocalProtocolError,
    RelayEnvelope,
    SendEffect,
    SendHandshake,
    SendHandshakeResponse,
    TcpDirect,
)

from aura_net._errors import SafetyNetTimeout, UnexpectedPeer
from aura_net._framing import DEFAULT_MAX_FRAME, FrameDecoder, encode_frame, read_frame
from aura_net._node import NetNode
from aura_net._wire import WireFrame

__all__ = ["FramedConnection", "Limits", "TcpChannel", "TcpServer", "connect_tcp", "split_addr"]


@attrs.frozen
class Limits:
    """What a connection tolerates: the largest frame, and how long a frame that is
    due (a handshake step) may take to arrive whole."""

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
    """One stream with its frame decoder; counts what it wrote."""

    def __init__(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, limits: Limits
    ) -> None:
        self.reader = reader
        self.writer = writer
        self.limits = limits
        self.decoder = FrameDecoder(limits.max_frame)
        self.bytes_written = 0

    async def recv(self, timeout_s: float | None = None) -> WireFrame:
        timeout = self.limits.frame_timeout_s if timeout_s is None else timeout_s
        return WireFrame.decode(await read_frame(self.reader, self.decoder, timeout))

    async def send(self, frame: WireFrame) -> None:
        data = encode_frame(frame.encode(), self.limits.max_frame)
        self.writer.write(data)
        self.bytes_written += len(data)
        await self.writer.drain()

    async def close(self) -> None:
        self.writer.close()
        with contextlib.suppress(ConnectionError, OSError):
            await self.writer.wait_closed()


def _expect_from(
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


class TcpChannel:
    """An Active channel with ``peer`` over one TCP connection."""

    def __init__(
        self, node: NetNode, context_id: ContextId, peer: AuthorityId, conn: FramedConnection
    ) -> None:
        self.node = node
        self.context_id = context_id
        self.peer = peer
        self.conn = conn

    async def send(self, plaintext: bytes) -> None:
        sealed = self.node.service.seal(self.context_id, self.peer, plaintext)
        await self.conn.send(
            WireFrame(RelayEnvelope(self.context_id, self.node.id, self.peer, sealed))
        )

    async def recv(self, timeout_s: float) -> bytes:
        frame = await self.conn.recv(timeout_s)
        env = _expect_from(frame, self.context_id, self.peer, self.node.id)
        return self.node.service.receive_data(self.context_id, self.peer, env.payload)

    async def close(self) -> None:
        await self.conn.close()


async def connect_tcp(
    node: NetNode,
    context_id: ContextId,
    peer: AuthorityId,
    hint: TcpDirect,
    limits: Limits = Limits(),
) -> TcpChannel:
    """Handshake with ``peer`` at ``hint`` over TCP; the Active channel.

    The guard chain runs first: a deny raises :class:`GuardDenied` with no socket
    opened. Then message 1 goes out with its receipt, message 2 is checked by the
    core, and the key confirmation goes back. Peer errors raise their typed
    ``RemoteProtocolError``; a connect that does not finish raises
    :class:`SafetyNetTimeout` (``OSError`` if refused).
    """
    service = node.service
    psk = node.psk(context_id)
    sends = node.run(
        service.prepare_establish_channel(
            node.snapshot(context_id), context_id, peer, psk, now_ms=node.now_ms(), transport=hint
        )
    )
    msg1, receipt = _one_message(sends)
    host, port = split_addr(hint.addr)
    try:
        reader, writer = await asyncio.wait_for(
            asyncio.open_connection(host, port, limit=limits.max_frame), limits.connect_timeout_s
        )
    except TimeoutError:
        raise SafetyNetTimeout(
            f"TCP connect to {hint.addr} took over {limits.connect_timeout_s} s"
        ) from None
    conn = FramedConnection(reader, writer, limits)
    try:
        await conn.send(WireFrame(RelayEnvelope(context_id, node.id, peer, msg1), receipt))
        answer = await conn.recv()
        env = _expect_from(answer, context_id, peer, node.id)
        outcome = service.prepare_handle_handshake(
            node.snapshot(context_id),
            context_id,
            peer,
            env.payload,
            psk,
            now_ms=node.now_ms(),
            receipt=answer.receipt,
        )
        confirmation, _ = _one_message(node.run(outcome))
        await conn.send(WireFrame(RelayEnvelope(context_id, node.id, peer, confirmation)))
    except BaseException:
        await conn.close()
        raise
    return TcpChannel(node, context_id, peer, conn)


class TcpServer:
    """The responder side: accepts connections, answers handshakes its core accepts.

    Each key-confirmed channel is put on ``accepted``; each connection that failed
    is closed without a reply and its typed error appended to ``errors``.
    """

    def __init__(self, node: NetNode, limits: Limits = Limits()) -> None:
        self.node = node
        self.limits = limits
        self.accepted: asyncio.Queue[TcpChannel] = asyncio.Queue()
        self.errors: list[AuraError] = []
        self.peak_buffered = 0
        self.bytes_written = 0
        self._server: asyncio.Server | None = None

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> TcpDirect:
        """Listen (port 0: the OS picks); the hint to publish."""
        self._server = await asyncio.start_server(
            self._handle, host, port, limit=self.limits.max_frame
        )
        sock_host, sock_port = self._server.sockets[0].getsockname()[:2]
        return TcpDirect(f"{sock_host}:{sock_port}")

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        conn = FramedConnection(reader, writer, self.limits)
        try:
            channel = await self._respond(conn)
        except AuraError as exc:
            self.errors.append(exc)
            await conn.close()
        else:
            self.accepted.put_nowait(channel)
        finally:
            self.peak_buffered = max(self.peak_buffered, conn.decoder.peak_buffered)
            self.bytes_written += conn.bytes_written

    async def _respond(self, conn: FramedConnection) -> TcpChannel:
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
        confirm = _expect_from(await conn.recv(), context_id, peer, node.id)
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
        return TcpChannel(node, context_id, peer, conn)
