"""The carriers: how one message crosses from its sender to its next hop on loopback.

Every authority of a world listens on the carrier's transport (ports from the
OS). :meth:`Carrier.transmit` writes a :class:`~aura_net.WireFrame` (the
envelope and the receipt that paid for it) on the sender's connection to the
hop and waits, bounded, until the hop's listener has read it whole off the
socket; what the hop decoded is what the world hands on. The listeners only
carry: every decision (forward, accept, refuse) stays with the world's
services, in the order the state machine chooses.

- ``TcpDirect``: every hop a TCP connection (aura_net's framing).
- ``QuicDirect``: every hop a bidirectional stream of a QUIC connection
  (aioquic, a throwaway certificate per listener).
- ``WebSocketRelay``: the peers are clients of aura_net's WebSocket relay (each
  proves its authority with the relay's challenge); every hop to or from the
  relay is a WebSocket message. A send straight from peer to peer (a wrong
  backend's) has no relay to go through: it travels over TCP.

With ``seal`` (a context id) every direct frame is sealed under that context as
aura_net's direct path seals it (:class:`~aura_net.FrameSeal`): the sender's
link seals under its own epoch, the hop's listener finds the key that opens
the connection's first frame.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
from collections.abc import Awaitable, Mapping

from aioquic.asyncio.client import connect as quic_connect
from aioquic.quic.configuration import QuicConfiguration
from aura_net import (
    ALPN,
    ConnectionLost,
    FramedConnection,
    FrameSeal,
    Limits,
    NetNode,
    QuicListener,
    RelayClient,
    RelayServer,
    TcpServer,
    WireFrame,
    split_addr,
    within,
)
from aura_rendezvous import AuraError, AuthorityId, ContextId, RendezvousService
from websockets.exceptions import ConnectionClosed

__all__ = ["TRANSPORTS", "Carrier"]

TRANSPORTS = ("TcpDirect", "QuicDirect", "WebSocketRelay")

# A listener waits this long for a connection's next frame. It is not the
# harness's wait (that one is ``timeout_s``): the run may pause between rules.
_IDLE_S = 3600.0

Inbox = asyncio.Queue[WireFrame | AuraError]


class _Reading:
    """A direct listener that only reads frames into its authority's inbox."""

    inbox: Inbox
    limits: Limits
    stream_reports_close: bool
    node: NetNode

    def _setup(self, inbox: Inbox, sealed: bool) -> None:
        self.inbox = inbox
        self.sealed = sealed
        self.streams: list[FramedConnection] = []

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        conn = FramedConnection(
            reader,
            writer,
            self.limits,
            wait_closed=self.stream_reports_close,
            seal=FrameSeal(self.node) if self.sealed else None,
        )
        self.streams.append(conn)
        try:
            while True:
                self.inbox.put_nowait(await conn.recv(_IDLE_S))
        except ConnectionLost:
            return  # the sender closed between frames: the world is over
        except AuraError as exc:
            self.inbox.put_nowait(exc)  # the waiting transmit reports it

    async def close_streams(self) -> None:
        for conn in self.streams:
            with contextlib.suppress(OSError, AuraError):
                await conn.close()


class _TcpReader(_Reading, TcpServer):
    def __init__(self, node: NetNode, inbox: Inbox, limits: Limits, sealed: bool) -> None:
        TcpServer.__init__(self, node, limits)
        self._setup(inbox, sealed)


class _QuicReader(_Reading, QuicListener):
    def __init__(self, node: NetNode, inbox: Inbox, limits: Limits, sealed: bool) -> None:
        QuicListener.__init__(self, node, limits)
        self._setup(inbox, sealed)


class _HoldingRelay(RelayServer):
    """aura_net's relay endpoint, authenticating clients as always, that hands what
    it receives to the world (whose relay service decides about forwarding)."""

    def __init__(self, node: NetNode, inbox: Inbox, limits: Limits) -> None:
        super().__init__(node, limits)
        self.inbox = inbox

    async def _forward(self, client: AuthorityId, data: bytes) -> None:
        try:
            self.inbox.put_nowait(WireFrame.decode(data))
        except AuraError as exc:
            self.inbox.put_nowait(exc)

    async def send_to(self, client: AuthorityId, frame: WireFrame) -> None:
        ws = self._clients.get(client)
        if ws is None:
            raise ConnectionLost(f"{client} is not connected to the relay")
        try:
            await ws.send(frame.encode())
        except ConnectionClosed as exc:
            raise ConnectionLost(f"the relay's connection to {client} closed: {exc}") from None


class _HoldingClient(RelayClient):
    """aura_net's relay client that hands what the relay sends it to the world."""

    def __init__(self, node: NetNode, relay: AuthorityId, inbox: Inbox, limits: Limits) -> None:
        super().__init__(node, relay, limits)
        self.held = inbox

    async def _on_frame(self, data: bytes) -> None:
        try:
            self.held.put_nowait(WireFrame.decode(data))
        except AuraError as exc:
            self.held.put_nowait(exc)

    async def send_frame(self, frame: WireFrame) -> None:
        if self._ws is None:
            raise ConnectionLost("not connected to the relay")
        try:
            await self._ws.send(frame.encode())
        except ConnectionClosed as exc:
            raise ConnectionLost(f"the connection to relay {self.relay} closed: {exc}") from None


async def _quietly(closing: Awaitable[None]) -> None:
    with contextlib.suppress(OSError, AuraError):
        await closing


def _read_outcome(future: asyncio.Future[None]) -> None:
    if not future.cancelled():
        future.exception()


class Carrier:
    """The sockets of one world: a listener per authority, a connection per hop.

    Build it with :meth:`start` on the loop that will run it; ``relay`` names the
    authority that is the relay (the WebSocket server under ``WebSocketRelay``).
    """

    def __init__(
        self,
        transport: str,
        services: Mapping[str, RendezvousService],
        relay: str,
        limits: Limits,
        seal: ContextId | None = None,
    ) -> None:
        if transport not in TRANSPORTS:
            raise ValueError(f"unknown transport {transport!r}; known: {', '.join(TRANSPORTS)}")
        self.transport = transport
        self.relay = relay
        self.limits = limits
        self.seal = seal
        # The listeners only use a node for the relay's hello: never to run a step.
        self.nodes = {
            name: NetNode(service, capabilities=frozenset(), budget_limit=0)
            for name, service in services.items()
        }
        self.inboxes: dict[str, Inbox] = {name: asyncio.Queue() for name in services}
        self.direct: dict[str, _TcpReader | _QuicReader] = {}
        self.addrs: dict[str, str] = {}
        self.links: dict[tuple[str, str], FramedConnection] = {}
        self.relay_server: _HoldingRelay | None = None
        self.clients: dict[str, _HoldingClient] = {}
        self.frames = 0
        self.dead: set[str] = set()

    @classmethod
    async def start(
        cls,
        transport: str,
        services: Mapping[str, RendezvousService],
        relay: str,
        limits: Limits,
        seal: ContextId | None = None,
    ) -> Carrier:
        carrier = cls(transport, services, relay, limits, seal)
        try:
            await carrier._listen()
        except BaseException:
            await carrier.close()
            raise
        return carrier

    async def _listen(self) -> None:
        # Peer-to-peer sends go direct even under the relay carrier: over TCP.
        kind = _QuicReader if self.transport == "QuicDirect" else _TcpReader
        for name, node in self.nodes.items():
            listener = kind(node, self.inboxes[name], self.limits, self.seal is not None)
            self.direct[name] = listener
            self.addrs[name] = (await listener.start()).addr
        if self.transport != "WebSocketRelay":
            return
        relay_node = self.nodes[self.relay]
        self.relay_server = _HoldingRelay(relay_node, self.inboxes[self.relay], self.limits)
        url = await self.relay_server.start()
        for name, node in self.nodes.items():
            if name != self.relay:
                client = _HoldingClient(node, relay_node.id, self.inboxes[name], self.limits)
                await client.connect(url)
                self.clients[name] = client

    async def _direct_link(self, sender: str, hop: str) -> FramedConnection:
        link = self.links.get((sender, hop))
        if link is not None:
            return link
        host, port = split_addr(self.addrs[hop])
        if self.transport == "QuicDirect":
            link = await self._quic_link(host, port)
        else:
            reader, writer = await within(
                asyncio.open_connection(host, port, limit=self.limits.max_frame),
                self.limits.connect_timeout_s,
                f"TCP connect from {sender} to {hop}",
            )
            link = FramedConnection(reader, writer, self.limits)
        if self.seal is not None:
            link.seal = FrameSeal(self.nodes[sender], self.seal)
        self.links[(sender, hop)] = link
        return link

    async def _quic_link(self, host: str, port: int) -> FramedConnection:
        config = QuicConfiguration(is_client=True, alpn_protocols=[ALPN])
        # QUIC only carries: the Noise messages inside authenticate the authorities.
        config.verify_mode = ssl.CERT_NONE
        what = f"QUIC connect to {host}:{port}"
        opening = quic_connect(host, port, configuration=config, wait_connected=False)
        protocol = await within(opening.__aenter__(), self.limits.connect_timeout_s, what)

        async def release() -> None:
            await opening.__aexit__(None, None, None)

        protocol.transmit()  # the Initial: connect() leaves it unsent without the wait
        # Our own task, always read: a connect given up on leaves no unread error.
        connected = asyncio.ensure_future(protocol.wait_connected())
        connected.add_done_callback(_read_outcome)
        try:
            await within(asyncio.shield(connected), self.limits.connect_timeout_s, what)
            reader, writer = await protocol.create_stream()
        except BaseException:
            await release()
            raise
        return FramedConnection(reader, writer, self.limits, release, wait_closed=False)

    async def _send(self, sender: str, hop: str, frame: WireFrame) -> None:
        if sender in self.dead:
            raise ConnectionLost(f"{sender} is off the network")
        if hop not in self.nodes:
            raise ConnectionLost(f"no authority {hop} listens on the network")
        relayed = self.transport == "WebSocketRelay" and self.relay in (sender, hop)
        if relayed and sender == self.relay:
            assert self.relay_server is not None
            await self.relay_server.send_to(self.nodes[hop].id, frame)
        elif relayed:
            await self.clients[sender].send_frame(frame)
        else:
            link = await self._direct_link(sender, hop)
            try:
                await link.send(frame)
            except ConnectionError as exc:
                raise ConnectionLost(f"{sender}'s connection to {hop}: {exc}") from None

    async def transmit(self, sender: str, hop: str, frame: WireFrame) -> WireFrame:
        """Send ``frame`` from ``sender`` to ``hop``; the frame as ``hop`` read it.

        Unbounded here: the caller bounds it (:meth:`LoopThread.run`)."""
        await self._send(sender, hop, frame)
        arrived = await self.inboxes[hop].get()
        if isinstance(arrived, AuraError):
            raise arrived
        self.frames += 1
        return arrived

    async def kill(self, name: str) -> None:
        """Take ``name`` off the network, as a crash would: its listeners and every
        connection it holds close; whoever sends to it next finds nobody reading."""
        self.dead.add(name)
        if name == self.relay and self.relay_server is not None:
            await self.relay_server.close()
        listener = self.direct.get(name)
        if listener is not None:
            await listener.close_streams()
            await listener.close()
        for (sender, hop), link in list(self.links.items()):
            if name == sender:
                with contextlib.suppress(OSError, AuraError):
                    await link.close()
                del self.links[(sender, hop)]

    async def close(self) -> None:
        for client in self.clients.values():
            with contextlib.suppress(OSError, AuraError, ConnectionClosed):
                await client.close()
        if self.relay_server is not None:
            await self.relay_server.close()
        # A QUIC connection drains for a while before it is closed: all at once.
        await asyncio.gather(*(_quietly(link.close()) for link in self.links.values()))
        for listener in self.direct.values():
            await listener.close_streams()
            await listener.close()
