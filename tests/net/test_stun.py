"""STUN (RFC 8489) on loopback, and its parser against hostile bytes.

The binding round trip learns the client socket's reflexive address (on
loopback, the socket's own address) and puts it in a published descriptor as
``QuicReflexive``; the peer reads it from its synced cache. The decoder is
fuzzed with Hypothesis: any bytes, and any mutation of a valid answer, either
decode or raise ``MalformedStun``, never anything else.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import struct

import pytest
from aura_net import (
    MalformedStun,
    SafetyNetTimeout,
    StunClass,
    StunClient,
    StunServer,
    decode_stun,
    reflexive_hint,
    within,
    xor_mapped_address,
)
from aura_net._stun import (
    ATTR_ERROR_CODE,
    ATTR_FINGERPRINT,
    BINDING,
    MAGIC_COOKIE,
    StunMessage,
    binding_request,
    binding_success,
)
from aura_rendezvous import QuicReflexive
from hypothesis import given, settings
from hypothesis import strategies as st

from ..impl.world import ALICE, BOB, CTX
from .net_world import SAFETY_S, eventually, net_node, run, share_descriptors

TXID = bytes(range(12))


def test_binding_round_trip_learns_the_reflexive_address_into_a_descriptor() -> None:
    async def scenario() -> None:
        server = StunServer()
        server_addr = await server.start()
        client = StunClient()
        reflexive, local = await within(client.binding(server_addr), SAFETY_S, "STUN binding")
        assert reflexive == local  # loopback: no NAT between the two
        assert server.answered == 1 and server.errors == [] and client.errors == []
        server.close()

        alice, bob = net_node(ALICE), net_node(BOB)
        hint = reflexive_hint(reflexive, server_addr)
        alice.publish(CTX, [hint])
        share_descriptors(alice, bob)
        seen = bob.service.get_cached_descriptor(CTX, ALICE, bob.now_ms())
        assert seen is not None
        assert hint in seen.transport_hints
        assert isinstance(hint, QuicReflexive) and hint.addr == f"127.0.0.1:{local[1]}"

    run(scenario())


def test_a_down_stun_server_is_a_safety_net_timeout() -> None:
    async def scenario() -> None:
        # A port nobody answers on: bind one, note it, close it.
        probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        probe.bind(("127.0.0.1", 0))
        dead = probe.getsockname()
        probe.close()
        with pytest.raises(SafetyNetTimeout):
            await StunClient().binding(dead, rto_s=0.05, attempts=3)

    run(scenario())


def test_the_server_drops_garbage_and_answers_the_next_request() -> None:
    """Observed at a raw client socket: nothing comes back for junk; the counterpart
    (a real request right after) is answered."""

    async def scenario() -> None:
        server = StunServer()
        host, port = await server.start()
        loop = asyncio.get_running_loop()
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.bind(("127.0.0.1", 0))
        sock.setblocking(False)
        junk = [b"", b"\x00" * 19, b"\xff" * 40, binding_success(TXID, "1.2.3.4", 5)]
        for datagram in junk:
            sock.sendto(datagram, (host, port))
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(loop.sock_recv(sock, 2048), 0.3)
        await eventually(lambda: len(server.errors) == len(junk), "the server's drops")
        assert all(isinstance(e, MalformedStun) for e in server.errors)
        sock.sendto(binding_request(TXID), (host, port))
        answer = decode_stun(await within(loop.sock_recv(sock, 2048), SAFETY_S, "STUN answer"))
        assert xor_mapped_address(answer) == sock.getsockname()
        sock.close()
        server.close()

    run(scenario())


def test_an_unknown_required_attribute_gets_a_420() -> None:
    async def scenario() -> None:
        server = StunServer()
        addr = await server.start()
        loop = asyncio.get_running_loop()
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.bind(("127.0.0.1", 0))
        sock.setblocking(False)
        message = StunMessage(BINDING, StunClass.Request, TXID, ((0x7777, b"abcd"),))
        sock.sendto(message.encode(), addr)
        reply = decode_stun(await within(loop.sock_recv(sock, 2048), SAFETY_S, "STUN answer"))
        sock.close()
        server.close()
        assert reply.cls is StunClass.ErrorResponse and reply.transaction_id == TXID
        code = reply.attribute(ATTR_ERROR_CODE)
        assert code is not None and code[2] * 100 + code[3] == 420
        assert server.answered == 0

    run(scenario())


@pytest.mark.parametrize(
    ("data", "why"),
    [
        (b"\x00\x01\x00\x00" + b"\x00" * 16, "cookie"),
        (struct.pack(">HHI12s", 1, 4, MAGIC_COOKIE, TXID), "length"),
        (struct.pack(">HHI12s", 0xC001, 0, MAGIC_COOKIE, TXID), "leading bits"),
        (struct.pack(">HHI12s", 1, 4, MAGIC_COOKIE, TXID) + b"\x00\x20\x00\x08", "overruns"),
        (struct.pack(">HHI12s", 1, 2, MAGIC_COOKIE, TXID) + b"\x00\x20", "length"),
    ],
)
def test_malformed_headers_and_attributes_are_refused(data: bytes, why: str) -> None:
    with pytest.raises(MalformedStun, match=why):
        decode_stun(data)


def test_a_wrong_fingerprint_is_refused_and_the_right_one_accepted() -> None:
    good = binding_success(TXID, "10.0.0.1", 4242)
    assert xor_mapped_address(decode_stun(good)) == ("10.0.0.1", 4242)
    bad = good[:-1] + bytes([good[-1] ^ 1])
    with pytest.raises(MalformedStun, match="FINGERPRINT"):
        decode_stun(bad)
    # A FINGERPRINT followed by another attribute is refused too.
    moved = StunMessage(BINDING, StunClass.Request, TXID, ((ATTR_FINGERPRINT, b"\x00" * 4),))
    with pytest.raises(MalformedStun, match="FINGERPRINT"):
        decode_stun(moved.encode())


def _checked(data: bytes) -> None:
    """Decode ``data`` and read its address: a result or MalformedStun, nothing else."""
    try:
        message = decode_stun(data)
    except MalformedStun:
        return
    with contextlib.suppress(MalformedStun):
        xor_mapped_address(message)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=200))
def test_any_bytes_decode_or_raise_malformed_stun(data: bytes) -> None:
    _checked(data)


@settings(max_examples=200, deadline=None)
@given(
    st.sampled_from(
        [binding_success(TXID, "192.0.2.7", 3478), binding_success(TXID, "2001:db8::1", 9)]
    ),
    st.lists(st.tuples(st.integers(0, 80), st.integers(0, 255)), max_size=4),
    st.integers(0, 80),
)
def test_mutated_answers_decode_or_raise_malformed_stun(
    base: bytes, flips: list[tuple[int, int]], cut: int
) -> None:
    data = bytearray(base)
    for index, value in flips:
        if index < len(data):
            data[index] = value
    _checked(bytes(data[: len(data) - cut]))


@settings(max_examples=100, deadline=None)
@given(
    st.binary(min_size=12, max_size=12),
    st.one_of(st.ip_addresses(v=4), st.ip_addresses(v=6)),
    st.integers(0, 65535),
)
def test_xor_mapped_address_round_trips(txid: bytes, address: object, port: int) -> None:
    message = decode_stun(binding_success(txid, str(address), port))
    assert message.cls is StunClass.SuccessResponse and message.transaction_id == txid
    assert xor_mapped_address(message) == (str(address), port)


def test_a_client_ignores_answers_to_another_transaction() -> None:
    client = StunClient()
    client._transaction = os.urandom(12)
    client.datagram_received(binding_success(TXID, "127.0.0.1", 1), ("127.0.0.1", 3478))
    assert [type(e) for e in client.errors] == [MalformedStun]
