"""A STUN binding server and client on asyncio datagram endpoints (RFC 8489).

The server answers each binding request with the source address it saw, as
XOR-MAPPED-ADDRESS; a request with a comprehension-required attribute it does
not know gets a 420 error; anything else is dropped without an answer (and
kept, typed, in ``errors``). The client retransmits its request with a
doubling timeout, ignores datagrams that are not the answer to its transaction
(kept in ``errors`` too: anyone can send a datagram), and turns the answer
into a :class:`~aura_rendezvous.QuicReflexive` hint.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable
from typing import Any, cast

from aura_rendezvous import AuraError, QuicReflexive

from aura_net._errors import MalformedStun, SafetyNetTimeout, keep_error
from aura_net._stun import (
    BINDING,
    StunClass,
    binding_error,
    binding_request,
    binding_success,
    decode_stun,
    unknown_required,
    xor_mapped_address,
)

__all__ = ["StunClient", "StunServer", "reflexive_hint"]

Address = tuple[str, int]


class StunServer(asyncio.DatagramProtocol):
    """A binding server; ``errors`` holds every datagram it dropped, typed."""

    def __init__(self) -> None:
        self.errors: list[AuraError] = []
        self.answered = 0
        self._transport: asyncio.DatagramTransport | None = None

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> Address:
        loop = asyncio.get_running_loop()
        transport, _ = await loop.create_datagram_endpoint(lambda: self, local_addr=(host, port))
        self._transport = transport
        sock_host, sock_port = transport.get_extra_info("sockname")[:2]
        return sock_host, sock_port

    def close(self) -> None:
        if self._transport is not None:
            self._transport.close()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # The selector loop's datagram transport is no DatagramTransport subclass.
        self._transport = cast(asyncio.DatagramTransport, transport)

    def datagram_received(self, data: bytes, addr: tuple[str | Any, int]) -> None:
        assert self._transport is not None
        try:
            message = decode_stun(data)
            if message.method != BINDING or message.cls is not StunClass.Request:
                raise MalformedStun(f"not a binding request ({message.cls.name})")
        except MalformedStun as exc:
            keep_error(self.errors, exc)
            return
        host, port = str(addr[0]), int(addr[1])
        unknown = unknown_required(message)
        if unknown:
            reply = binding_error(message.transaction_id, 420, "Unknown Attribute", unknown)
        else:
            reply = binding_success(message.transaction_id, host, port)
            self.answered += 1
        self._transport.sendto(reply, addr)


class StunClient(asyncio.DatagramProtocol):
    """One binding transaction from one local socket (the one QUIC would use)."""

    def __init__(self) -> None:
        self.errors: list[AuraError] = []
        self._transport: asyncio.DatagramTransport | None = None
        self._transaction = b""
        self._answer: asyncio.Future[Address] | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # The selector loop's datagram transport is no DatagramTransport subclass.
        self._transport = cast(asyncio.DatagramTransport, transport)

    def datagram_received(self, data: bytes, addr: tuple[str | Any, int]) -> None:
        try:
            message = decode_stun(data)
            if message.transaction_id != self._transaction:
                raise MalformedStun("an answer to another transaction")
            if message.cls is StunClass.ErrorResponse:
                raise MalformedStun("the server answered with an error")
            if message.cls is not StunClass.SuccessResponse or message.method != BINDING:
                raise MalformedStun(f"not a binding response ({message.cls.name})")
            mapped = xor_mapped_address(message)
        except MalformedStun as exc:
            keep_error(self.errors, exc)
            return
        if self._answer is not None and not self._answer.done():
            self._answer.set_result(mapped)

    async def binding(
        self,
        server: Address,
        *,
        local: Address = ("127.0.0.1", 0),
        rto_s: float = 0.5,
        attempts: int = 7,
    ) -> tuple[Address, Address]:
        """``(reflexive, local)`` addresses of a fresh local socket, learned from ``server``."""
        loop = asyncio.get_running_loop()
        transport, _ = await loop.create_datagram_endpoint(lambda: self, local_addr=local)
        try:
            sockname = transport.get_extra_info("sockname")[:2]
            reflexive = await self.transact(
                transport.sendto, server, rto_s=rto_s, attempts=attempts
            )
            return reflexive, (str(sockname[0]), int(sockname[1]))
        finally:
            transport.close()

    async def transact(
        self,
        sendto: Callable[[bytes, Address], None],
        server: Address,
        *,
        rto_s: float = 0.5,
        attempts: int = 7,
    ) -> Address:
        """One binding transaction over ``sendto`` (a socket this client hears through
        :meth:`datagram_received`, e.g. the QUIC listener's); the reflexive address.

        Sends the request ``attempts`` times, waiting ``rto_s`` then twice as long
        each time (RFC 8489 6.2.1: 500 ms and 7 requests by default);
        :class:`SafetyNetTimeout` if no answer came.
        """
        self._transaction = os.urandom(12)
        answer: asyncio.Future[Address] = asyncio.get_running_loop().create_future()
        self._answer = answer
        request = binding_request(self._transaction)
        wait = rto_s
        for _ in range(attempts):
            sendto(request, server)
            done, _pending = await asyncio.wait({answer}, timeout=wait)
            if done:
                return answer.result()
            wait *= 2
        raise SafetyNetTimeout(f"no STUN answer from {server[0]}:{server[1]}")


def reflexive_hint(reflexive: Address, stun_server: Address) -> QuicReflexive:
    """The descriptor hint for a QUIC endpoint at the learned reflexive address."""
    return QuicReflexive(_addr(reflexive), _addr(stun_server))


def _addr(address: Address) -> str:
    host, port = address
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
