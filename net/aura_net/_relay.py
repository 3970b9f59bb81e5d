"""The WebSocket relay: a server that forwards opaque envelopes, and its client.

A client proves who it is once (it signs the relay's fresh challenge with its
Ed25519 key from a roster the relay shares), then sends :class:`WireFrame`
messages. For each, the relay runs its own core: ``prepare_relay_forward``
checks the envelope's shape, that the relay holds ``relay:forward`` for the
context and both ends are on the roster, refuses a replay, and charges
``RELAY_FORWARD_COST``; only an allowed, committed forward is sent on, to the
receiver's connection, with the relay's receipt. A deny or a bad frame is
dropped and kept in ``RelayServer.errors``: neither end is told (a capability
or budget failure shows in no packet). The relay sees the routing ids and the
Noise messages, never a key or a plaintext: the handshake, the key
confirmation and the channel traffic run end to end.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import Collection

from aura_rendezvous import (
    AuraError,
    AuthorityId,
    BadSignature,
    ContextId,
    ForwardRelayEnvelope,
    LocalProtocolError,
    NotAMember,
    SendEffect,
    SendRelayData,
    SendRelayRequest,
    SendRelayResponse,
)
from aura_rendezvous.core import verify_signature
from aura_rendezvous.guard import CompleteHandshake, ConfirmChannel
from websockets.asyncio.client import ClientConnection, connect
from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed

from aura_net._direct import Limits
from aura_net._errors import (
    ConnectionLost,
    OversizedFrame,
    PeerTimeout,
    SafetyNetTimeout,
    UnexpectedPeer,
    keep_error,
)
from aura_net._node import NetNode
from aura_net._wait import within
from aura_net._wire import WireFrame

__all__ = ["RelayChannel", "RelayClient", "RelayServer", "hello_message"]

_HELLO_LABEL = b"aura-relay-hello"
_CHALLENGE_LEN = 32
_WELCOME = b"aura-relay-welcome"
"""The relay's answer once a client is registered: from then on it is reachable."""
_MESSAGE_TOO_BIG = 1009  # RFC 6455 7.4.1


def hello_message(relay: AuthorityId, challenge: bytes) -> bytes:
    """What a client signs to prove its authority to ``relay`` (bound to the challenge)."""
    return _HELLO_LABEL + relay.value + challenge


class RelayServer:
    """A relay authority's WebSocket endpoint.

    With ``record=True``, ``seen`` holds every message the relay received, byte
    for byte (the hellos and the frames: what an audit of the relay looks at);
    ``errors`` keeps the last frames it dropped, typed; ``forwarded`` counts the
    envelopes it passed on.
    """

    def __init__(
        self, node: NetNode, limits: Limits | None = None, *, record: bool = False
    ) -> None:
        self.node = node
        self.limits = limits or Limits()
        self.record = record
        self.seen: list[bytes] = []
        self.errors: list[AuraError] = []
        self.forwarded = 0
        self._clients: dict[AuthorityId, ServerConnection] = {}
        self._server: Server | None = None
        self.url: str | None = None

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        """Listen (port 0: the OS picks); the relay's URL (also kept in ``url``)."""
        self._server = await serve(
            self._handle, host, port, max_size=self.limits.max_frame, ping_interval=None
        )
        sock_host, sock_port = next(iter(self._server.sockets)).getsockname()[:2]
        self.url = f"ws://{sock_host}:{sock_port}"
        return self.url

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    async def _handle(self, ws: ServerConnection) -> None:
        try:
            client = await self._authenticate(ws)
        except (AuraError, ConnectionClosed) as exc:
            keep_error(self.errors, exc if isinstance(exc, AuraError) else ConnectionLost(str(exc)))
            await ws.close(1008)
            return
        self._clients[client] = ws
        await ws.send(_WELCOME)
        try:
            async for message in ws:
                data = message if isinstance(message, bytes) else message.encode()
                if self.record:
                    self.seen.append(data)
                try:
                    await self._forward(client, data)
                except AuraError as exc:
                    keep_error(self.errors, exc)
        except ConnectionClosed as exc:
            if exc.sent is not None and exc.sent.code == _MESSAGE_TOO_BIG:
                # websockets refused the message from its header, unread.
                keep_error(
                    self.errors, OversizedFrame(f"a message above {self.limits.max_frame} bytes")
                )
        finally:
            if self._clients.get(client) is ws:
                del self._clients[client]

    async def _authenticate(self, ws: ServerConnection) -> AuthorityId:
        challenge = os.urandom(_CHALLENGE_LEN)
        await ws.send(challenge)
        try:
            hello = await within(ws.recv(), self.limits.frame_timeout_s, "relay hello")
        except SafetyNetTimeout:
            raise PeerTimeout(f"no hello within {self.limits.frame_timeout_s:.3g} s") from None
        if self.record:
            self.seen.append(hello if isinstance(hello, bytes) else hello.encode())
        if not isinstance(hello, bytes) or len(hello) != 32 + 64:
            raise UnexpectedPeer("a hello is an authority id and a signature")
        client = AuthorityId(hello[:32])
        entries = [
            entry
            for context in self.node.service.journals
            if (membership := self.node.service.membership(context)) is not None
            and (entry := membership.roster.get(client)) is not None
        ]
        if not entries:
            raise NotAMember(f"{client} is on none of the relay's rosters")
        message = hello_message(self.node.id, challenge)
        if not any(verify_signature(e.ed25519_public, message, hello[32:]) for e in entries):
            raise BadSignature("the hello's signature is not the claimed authority's")
        return client

    async def _forward(self, client: AuthorityId, data: bytes) -> None:
        frame = WireFrame.decode(data)
        env = frame.envelope
        if env.src != client:
            raise UnexpectedPeer(f"{client} sent an envelope from {env.src}")
        service = self.node.service
        sends = self.node.run(
            service.prepare_relay_forward(
                self.node.snapshot(env.context_id), env, receipt=frame.receipt
            )
        )
        for send in sends:
            if not isinstance(send, ForwardRelayEnvelope):
                raise LocalProtocolError(f"a forward sends ForwardRelayEnvelope, not {send!r}")
            target = self._clients.get(send.to)
            if target is None:
                raise ConnectionLost(f"{send.to} is not connected to the relay")
            await target.send(WireFrame(send.envelope, send.receipt).encode())
            self.forwarded += 1


class RelayChannel:
    """An Active channel with ``peer`` whose every message goes through the relay."""

    def __init__(self, client: RelayClient, context_id: ContextId, peer: AuthorityId) -> None:
        self.client = client
        self.context_id = context_id
        self.peer = peer

    async def send(self, plaintext: bytes) -> None:
        node = self.client.node
        sealed = node.service.seal(self.context_id, self.peer, plaintext)
        outcome = node.service.prepare_relay_data(
            node.snapshot(self.context_id), self.context_id, self.peer, self.client.relay, sealed
        )
        await self.client.write(node.run(outcome))

    async def recv(self, timeout_s: float) -> bytes:
        inbox = self.client.inbox(self.context_id, self.peer)
        return await within(inbox.get(), timeout_s, f"data from {self.peer}")


class RelayClient:
    """One authority's connection to one relay; it handles what the relay forwards.

    Channels we answered (as responder) are put on ``accepted`` once key-confirmed;
    frames that fail are dropped and kept in ``errors``; ``received`` counts the
    messages that reached this client.
    """

    def __init__(self, node: NetNode, relay: AuthorityId, limits: Limits | None = None) -> None:
        self.node = node
        self.relay = relay
        self.limits = limits or Limits()
        self.accepted: asyncio.Queue[RelayChannel] = asyncio.Queue()
        self.errors: list[AuraError] = []
        self.received = 0
        self._inboxes: dict[tuple[ContextId, AuthorityId], asyncio.Queue[bytes]] = {}
        self._active: dict[tuple[ContextId, AuthorityId], asyncio.Event] = {}
        self._ws: ClientConnection | None = None
        self._reader: asyncio.Task[None] | None = None

    def inbox(self, context_id: ContextId, peer: AuthorityId) -> asyncio.Queue[bytes]:
        return self._inboxes.setdefault((context_id, peer), asyncio.Queue())

    async def connect(self, url: str) -> None:
        """Open the WebSocket, prove our authority with the relay's challenge and wait
        for its welcome: when this returns, envelopes for us reach us."""
        ws = await within(
            connect(url, max_size=self.limits.max_frame, ping_interval=None),
            self.limits.connect_timeout_s,
            f"connect to relay {url}",
        )
        challenge = await within(ws.recv(), self.limits.frame_timeout_s, "relay challenge")
        if not isinstance(challenge, bytes) or len(challenge) != _CHALLENGE_LEN:
            await ws.close()
            raise UnexpectedPeer("the relay's challenge is 32 bytes")
        signature = self.node.service.config.keys.sign(hello_message(self.relay, challenge))
        await ws.send(self.node.id.value + signature)
        # Registered only once the relay says so: before that, an envelope for
        # us would find no connection at the relay.
        try:
            welcome = await within(ws.recv(), self.limits.frame_timeout_s, "relay welcome")
        except ConnectionClosed as exc:
            raise ConnectionLost(f"the relay refused us: {exc}") from None
        if welcome != _WELCOME:
            await ws.close()
            raise UnexpectedPeer("the relay did not welcome us")
        self._ws = ws
        self._reader = asyncio.create_task(self._read())

    async def close(self) -> None:
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader
        if self._ws is not None:
            await self._ws.close()

    async def write(self, sends: list[SendEffect]) -> None:
        if self._ws is None:
            raise LocalProtocolError("not connected to the relay")
        for send in sends:
            if not isinstance(send, SendRelayRequest | SendRelayResponse | SendRelayData):
                raise LocalProtocolError(f"not a relayed send: {send!r}")
            if send.relay != self.relay:
                raise LocalProtocolError(
                    f"a send for relay {send.relay}, connected to {self.relay}"
                )
            try:
                await self._ws.send(WireFrame(send.envelope, send.receipt).encode())
            except ConnectionClosed as exc:
                raise ConnectionLost(
                    f"the connection to relay {self.relay} closed: {exc}"
                ) from None

    async def connect_peer(
        self,
        context_id: ContextId,
        peer: AuthorityId,
        timeout_s: float,
        *,
        exclude: Collection[AuthorityId] = (),
    ) -> RelayChannel:
        """Handshake with ``peer`` through the relay; the Active channel.

        ``exclude`` are relays already tried (the core picks the first relay of
        the peer's descriptor not in it, and it must be this client's). A deny
        raises :class:`GuardDenied` before anything is sent. A relay that drops
        (it says nothing) shows as :class:`SafetyNetTimeout` after ``timeout_s``;
        a relay connection that closes meanwhile, as :class:`ConnectionLost`.
        """
        node = self.node
        outcome = node.service.prepare_relay_request(
            node.snapshot(context_id),
            context_id,
            peer,
            node.psk(context_id),
            now_ms=node.now_ms(),
            exclude=exclude,
        )
        sends = node.run(outcome)
        active = self._active.setdefault((context_id, peer), asyncio.Event())
        active.clear()
        await self.write(sends)
        await within(self._until(active), timeout_s, f"relayed handshake with {peer}")
        return RelayChannel(self, context_id, peer)

    async def _until(self, active: asyncio.Event) -> None:
        """Wait for ``active``; :class:`ConnectionLost` if the relay connection ends first."""
        if self._reader is None:
            raise LocalProtocolError("not connected to the relay")
        waiter = asyncio.ensure_future(active.wait())
        try:
            await asyncio.wait({waiter, self._reader}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            waiter.cancel()
        if not active.is_set():
            raise ConnectionLost(f"the connection to relay {self.relay} closed")

    async def _read(self) -> None:
        assert self._ws is not None
        try:
            async for message in self._ws:
                self.received += 1
                try:
                    await self._on_frame(message if isinstance(message, bytes) else b"")
                except AuraError as exc:
                    keep_error(self.errors, exc)
        except ConnectionClosed:
            pass

    async def _on_frame(self, data: bytes) -> None:
        node, service = self.node, self.node.service
        frame = WireFrame.decode(data)
        env = frame.envelope
        if env.dst != node.id:
            raise UnexpectedPeer("the relay forwarded an envelope for another authority")
        context_id, peer = env.context_id, env.src
        is_data = not service.is_handshake_phase(env.payload)
        outcome = service.prepare_handle_relayed(
            node.snapshot(context_id),
            self.relay,
            env,
            node.psk(context_id),
            now_ms=node.now_ms(),
            receipt=frame.receipt,
        )
        # What the step completes is read from its effects, not from the channel
        # state: an older Active channel with the peer (direct, or before a rekey)
        # must not hide the new one.
        completed = any(isinstance(e, CompleteHandshake) for e in outcome.effects)
        confirmed = any(isinstance(e, ConfirmChannel) for e in outcome.effects)
        await self.write(node.run(outcome))
        if is_data:
            plaintext = service.receive_data(context_id, peer, env.payload)
            self.inbox(context_id, peer).put_nowait(plaintext)
        elif completed:
            waiting = self._active.get((context_id, peer))
            if waiting is not None:
                waiting.set()  # our own handshake completed
        elif confirmed:
            self.accepted.put_nowait(RelayChannel(self, context_id, peer))
