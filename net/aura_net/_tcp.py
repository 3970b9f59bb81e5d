"""TCP direct: the direct path (``_direct``) over asyncio TCP streams."""

from __future__ import annotations

import asyncio

from aura_rendezvous import AuthorityId, ContextId, TcpDirect

from aura_net._direct import (
    DirectChannel,
    DirectResponder,
    FramedConnection,
    Limits,
    initiate,
    prepare_direct,
    split_addr,
)
from aura_net._errors import SafetyNetTimeout
from aura_net._node import NetNode

__all__ = ["TcpServer", "connect_tcp", "open_tcp"]


async def connect_tcp(
    node: NetNode,
    context_id: ContextId,
    peer: AuthorityId,
    hint: TcpDirect,
    limits: Limits | None = None,
) -> DirectChannel:
    """Handshake with ``peer`` at ``hint`` over TCP; the Active channel.

    The guard chain runs first: a deny raises :class:`GuardDenied` with no socket
    opened. Peer errors raise their typed ``RemoteProtocolError``; a connect that
    does not finish raises :class:`SafetyNetTimeout` (``OSError`` if refused).
    """
    limits = limits or Limits()
    start = prepare_direct(node, context_id, peer, hint)
    return await initiate(node, start, await open_tcp(hint, limits), "TcpDirect")


async def open_tcp(hint: TcpDirect, limits: Limits) -> FramedConnection:
    """A TCP connection to ``hint``, nothing sent yet; :class:`SafetyNetTimeout` past
    ``connect_timeout_s`` (``OSError`` if refused)."""
    host, port = split_addr(hint.addr)
    try:
        reader, writer = await asyncio.wait_for(
            asyncio.open_connection(host, port, limit=limits.max_frame),
            limits.connect_timeout_s,
        )
    except TimeoutError:
        raise SafetyNetTimeout(
            f"TCP connect to {hint.addr} took over {limits.connect_timeout_s} s"
        ) from None
    return FramedConnection(reader, writer, limits)


class TcpServer(DirectResponder):
    """The responder's TCP listener."""

    transport = "TcpDirect"

    def __init__(self, node: NetNode, limits: Limits | None = None) -> None:
        super().__init__(node, limits)
        self._server: asyncio.Server | None = None

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> TcpDirect:
        """Listen (port 0: the OS picks); the hint to publish."""
        self._server = await asyncio.start_server(
            self.handle, host, port, limit=self.limits.max_frame
        )
        sock_host, sock_port = self._server.sockets[0].getsockname()[:2]
        return TcpDirect(f"{sock_host}:{sock_port}")

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
