"""QUIC direct (aioquic): the direct path over one bidirectional QUIC stream.

QUIC is a carrier here, not the authentication: the Noise IKpsk2 handshake
inside the stream authenticates both authorities end to end, so the TLS
certificate is a throwaway one generated at run time (nothing is committed or
stored) and the client does not verify it. The listener also answers its own
STUN transactions: datagrams whose first byte is 0-3 are STUN (RFC 7983's
demultiplexing), so the reflexive address it learns is the QUIC socket's own,
ready to publish as a :class:`~aura_rendezvous.QuicReflexive` hint.
"""

from __future__ import annotations

import asyncio
import datetime
import ssl
from collections.abc import Coroutine
from typing import Any

from aioquic.asyncio.client import connect
from aioquic.asyncio.protocol import QuicConnectionProtocol
from aioquic.asyncio.server import QuicServer
from aioquic.quic.configuration import QuicConfiguration
from aioquic.quic.events import ConnectionTerminated, HandshakeCompleted, QuicEvent
from aura_rendezvous import AuthorityId, ContextId, QuicDirect, QuicReflexive
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from aura_net._direct import (
    DirectChannel,
    DirectResponder,
    FramedConnection,
    Limits,
    initiate,
    prepare_direct,
    split_addr,
)
from aura_net._errors import ConnectionLost, SafetyNetTimeout
from aura_net._node import NetNode
from aura_net._stun_io import StunClient, reflexive_hint
from aura_net._wait import within

__all__ = ["ALPN", "QuicListener", "connect_quic", "open_quic", "throwaway_certificate"]

ALPN = "aura-rendezvous/1"
_STUN_FIRST_BYTE_MAX = 3


def throwaway_certificate(
    name: str = "aura-rendezvous",
) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    """A self-signed P-256 certificate made now, valid for a day, kept in memory only."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    return cert, key


class _MuxServer(QuicServer):
    """aioquic's server, with STUN datagrams on the same socket handed aside."""

    def __init__(self, stun: StunClient, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.stun = stun

    def datagram_received(self, data: bytes | str, addr: Any) -> None:
        if isinstance(data, bytes) and data and data[0] <= _STUN_FIRST_BYTE_MAX:
            self.stun.datagram_received(data, addr)
            return
        super().datagram_received(data, addr)

    def sendto(self, data: bytes, addr: tuple[str, int]) -> None:
        assert self._transport is not None
        self._transport.sendto(data, addr)

    def sockname(self) -> tuple[str, int]:
        assert self._transport is not None
        host, port = self._transport.get_extra_info("sockname")[:2]
        return str(host), int(port)


class _ClientProtocol(QuicConnectionProtocol):
    """aioquic's client protocol with the TLS handshake's end as a future we own
    (and always read, so a connect given up on leaves no unread error behind)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.handshake_done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.handshake_done.add_done_callback(_read_outcome)

    def quic_event_received(self, event: QuicEvent) -> None:
        if not self.handshake_done.done():
            if isinstance(event, HandshakeCompleted):
                self.handshake_done.set_result(None)
            elif isinstance(event, ConnectionTerminated):
                self.handshake_done.set_exception(
                    ConnectionLost(
                        f"QUIC connection closed: {event.reason_phrase or event.error_code}"
                    )
                )
        super().quic_event_received(event)


def _read_outcome(future: asyncio.Future[None]) -> None:
    if not future.cancelled():
        future.exception()


class QuicListener(DirectResponder):
    """The responder's QUIC endpoint: each new stream is one direct handshake."""

    transport = "QuicDirect"
    stream_reports_close = False

    def __init__(self, node: NetNode, limits: Limits | None = None) -> None:
        super().__init__(node, limits)
        self.stun = StunClient()
        self._server: _MuxServer | None = None

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> QuicDirect:
        """Listen (port 0: the OS picks); the hint to publish."""
        config = QuicConfiguration(is_client=False, alpn_protocols=[ALPN])
        config.certificate, config.private_key = throwaway_certificate()
        loop = asyncio.get_running_loop()
        _, protocol = await loop.create_datagram_endpoint(
            lambda: _MuxServer(
                self.stun,
                configuration=config,
                create_protocol=QuicConnectionProtocol,
                stream_handler=self.spawn,
            ),
            local_addr=(host, port),
        )
        self._server = protocol
        sock_host, sock_port = protocol.sockname()
        return QuicDirect(f"{sock_host}:{sock_port}")

    async def learn_reflexive(
        self, stun_server: tuple[str, int], *, rto_s: float = 0.5, attempts: int = 7
    ) -> QuicReflexive:
        """Ask ``stun_server`` from the QUIC socket itself; the hint for its answer.

        :class:`SafetyNetTimeout` if the server does not answer: the caller
        publishes without the reflexive rung (the relay is always tried)."""
        if self._server is None:
            raise RuntimeError("start the listener first")
        reflexive = await self.stun.transact(
            self._server.sendto, stun_server, rto_s=rto_s, attempts=attempts
        )
        return reflexive_hint(reflexive, stun_server)

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()


async def connect_quic(
    node: NetNode,
    context_id: ContextId,
    peer: AuthorityId,
    hint: QuicDirect | QuicReflexive,
    limits: Limits | None = None,
) -> DirectChannel:
    """Handshake with ``peer`` at ``hint`` over one QUIC stream; the Active channel.

    The guard chain runs first (a deny opens no socket). A QUIC connection that
    does not come up within ``connect_timeout_s`` (a blocked path: UDP dropped)
    raises :class:`SafetyNetTimeout`.
    """
    limits = limits or Limits()
    start = prepare_direct(node, context_id, peer, hint)
    conn = await open_quic(hint, limits)
    return await initiate(node, start, conn, type(hint).__name__)


async def open_quic(hint: QuicDirect | QuicReflexive, limits: Limits) -> FramedConnection:
    """A QUIC connection to ``hint`` (TLS done) and one bidirectional stream on it;
    nothing of the protocol sent yet. :class:`SafetyNetTimeout` past
    ``connect_timeout_s``."""
    host, port = split_addr(hint.addr)
    config = QuicConfiguration(is_client=True, alpn_protocols=[ALPN])
    config.verify_mode = ssl.CERT_NONE  # Noise authenticates; see the module docstring
    config.idle_timeout = max(limits.frame_timeout_s * 4, 10.0)
    opening = connect(
        host, port, configuration=config, create_protocol=_ClientProtocol, wait_connected=False
    )
    protocol = await within(
        opening.__aenter__(), limits.connect_timeout_s, f"QUIC socket for {hint.addr}"
    )
    assert isinstance(protocol, _ClientProtocol)

    async def release() -> None:
        await opening.__aexit__(None, None, None)

    protocol.transmit()  # the Initial: connect() left it unsent (wait_connected=False)
    try:
        await asyncio.wait_for(asyncio.shield(protocol.handshake_done), limits.connect_timeout_s)
        reader, writer = await protocol.create_stream()
    except TimeoutError:
        # Closing a connection that never came up drains for a while (aioquic waits
        # out its close): in the background, so the ladder moves on at once.
        _release_later(release())
        raise SafetyNetTimeout(
            f"QUIC connect to {hint.addr} took over {limits.connect_timeout_s} s"
        ) from None
    except BaseException:  # cancelled by the ladder's own timeout, too
        _release_later(release())
        raise
    return FramedConnection(reader, writer, limits, release, wait_closed=False)


_RELEASING: set[asyncio.Future[None]] = set()
"""Connections being released in the background (kept so none is collected mid-way)."""


def _release_later(closing: Coroutine[Any, Any, None]) -> None:
    task = asyncio.ensure_future(closing)
    _RELEASING.add(task)
    task.add_done_callback(_RELEASING.discard)
