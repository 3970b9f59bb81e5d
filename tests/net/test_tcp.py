"""TCP direct on loopback: real sockets (ports picked by the OS), real Noise, the real core.

A handshake, key confirmation and channel traffic; a guard deny that sends no
byte on any socket (seen at the socket); and peers that send garbage, an
oversized frame or nothing at all, each turned away with a typed error within
its frame deadline and with memory bounded by one frame.
"""

from __future__ import annotations

import asyncio
import struct

import pytest
from aura_net import (
    ConnectionLost,
    FrameSeal,
    GuardDenied,
    Limits,
    OversizedFrame,
    PeerTimeout,
    TcpServer,
    TruncatedFrame,
    WireFrame,
    connect_tcp,
    encode_frame,
    split_addr,
    within,
)
from aura_rendezvous import (
    CAP_RENDEZVOUS_PUBLISH,
    ChannelState,
    DecodeError,
    DenyReason,
    RelayEnvelope,
    SendHandshake,
    TcpDirect,
)

from ..impl.world import ALICE, BOB, CTX
from .net_world import SAFETY_S, established, eventually, net_node, run, share_descriptors

NO_CONNECT = frozenset({CAP_RENDEZVOUS_PUBLISH})


async def _pair(limits: Limits | None = None, bob_caps=None):
    alice = net_node(ALICE)
    bob = net_node(BOB) if bob_caps is None else net_node(BOB, caps=bob_caps)
    server = TcpServer(bob, limits or Limits())
    hint = await server.start()
    bob.publish(CTX, [hint])
    share_descriptors(alice, bob)
    return alice, bob, server, hint


def test_handshake_confirmation_and_traffic_over_tcp() -> None:
    async def scenario() -> None:
        alice, bob, server, hint = await _pair()
        channel = await within(connect_tcp(alice, CTX, BOB, hint), SAFETY_S, "connect")
        accepted = await within(server.accepted.get(), SAFETY_S, "accept")
        assert alice.service.channel_state(CTX, BOB) is ChannelState.Active
        assert bob.service.channel_state(CTX, ALICE) is ChannelState.Active
        assert len(established(bob)) == 1
        await channel.send(b"hello bob")
        assert await accepted.recv(SAFETY_S) == b"hello bob"
        await accepted.send(b"hello alice")
        assert await channel.recv(SAFETY_S) == b"hello alice"
        await channel.close()
        await accepted.close()
        await server.close()
        assert server.errors == []

    run(scenario())


class _Recorder:
    """A plain TCP listener that records every connection and every byte it got."""

    def __init__(self) -> None:
        self.connections = 0
        self.received = bytearray()

    async def start(self) -> tuple[asyncio.Server, TcpDirect]:
        async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            self.connections += 1
            self.received += await reader.read(65536)
            writer.close()

        server = await asyncio.start_server(handle, "127.0.0.1", 0)
        host, port = server.sockets[0].getsockname()[:2]
        return server, TcpDirect(f"{host}:{port}")


def test_an_initiator_guard_deny_opens_no_socket() -> None:
    """The peer's advertised address is a recorder: a deny reaches it with nothing;
    the counterpart (an allowed connect) shows the recorder does see a client."""

    async def scenario() -> None:
        recorder = _Recorder()
        listener, hint = await recorder.start()
        alice, bob = net_node(ALICE, caps=NO_CONNECT), net_node(BOB)
        bob.publish(CTX, [hint])
        share_descriptors(alice, bob)
        with pytest.raises(GuardDenied) as denied:
            await within(connect_tcp(alice, CTX, BOB, hint), SAFETY_S, "connect")
        assert denied.value.reason is DenyReason.MissingCapability
        await asyncio.sleep(0.05)
        assert (recorder.connections, bytes(recorder.received)) == (0, b"")

        allowed = net_node(ALICE)
        share_descriptors(allowed, bob)
        with pytest.raises(ConnectionLost):  # the recorder reads and hangs up
            await within(connect_tcp(allowed, CTX, BOB, hint), SAFETY_S, "c")
        assert recorder.connections == 1 and len(recorder.received) > 0
        listener.close()

    run(scenario())


def test_a_responder_guard_deny_sends_no_byte_back() -> None:
    """Bob lacks rendezvous:connect: Alice's socket reads end of stream, zero bytes;
    the counterpart is the allowed handshake above, where bytes do come back."""

    async def scenario() -> None:
        alice, _bob, server, hint = await _pair(bob_caps=NO_CONNECT)
        host, port = split_addr(hint.addr)
        outcome = alice.service.prepare_establish_channel(
            alice.snapshot(CTX), CTX, BOB, alice.psk(CTX), now_ms=alice.now_ms(), transport=hint
        )
        (send,) = alice.run(outcome)
        assert isinstance(send, SendHandshake)
        reader, writer = await asyncio.open_connection(host, port)
        frame = WireFrame(RelayEnvelope(CTX, ALICE, BOB, send.message), send.receipt)
        writer.write(encode_frame(FrameSeal(alice, CTX).seal(frame.encode())))
        await writer.drain()
        got = await within(reader.read(), SAFETY_S, "read until the server closes")
        assert got == b""
        assert server.bytes_written == 0
        assert [type(e) for e in server.errors] == [GuardDenied]
        writer.close()
        await server.close()

    run(scenario())


async def _read_to_end(reader: asyncio.StreamReader) -> bytes:
    """Everything the server sent before it closed (a reset ends it too: the server
    closed with our unread bytes in its buffer, and a reset carries no data)."""
    got = bytearray()
    try:
        while chunk := await reader.read(65536):
            got += chunk
    except ConnectionResetError:
        pass
    return bytes(got)


async def _misbehave(payload: bytes, limits: Limits, *, trickle: bool = False):
    _alice, _bob, server, hint = await _pair(limits)
    host, port = split_addr(hint.addr)
    reader, writer = await asyncio.open_connection(host, port)

    async def write() -> None:
        try:
            if trickle:
                for byte in payload:
                    writer.write(bytes([byte]))
                    await writer.drain()
                    await asyncio.sleep(0.05)
            else:
                writer.write(payload)
                await writer.drain()
        except ConnectionError:
            pass

    writer_task = asyncio.create_task(write())
    got = await within(_read_to_end(reader), SAFETY_S, "read until the server closes")
    writer_task.cancel()
    writer.close()
    await server.close()
    return server, got


def test_an_oversized_frame_is_refused_from_its_header() -> None:
    async def scenario() -> None:
        limits = Limits(max_frame=1000, frame_timeout_s=5.0)
        header = struct.pack(">I", 10_000_000)
        server, got = await _misbehave(header + b"x" * 200_000, limits)
        assert got == b""
        assert [type(e) for e in server.errors] == [OversizedFrame]
        assert server.peak_buffered <= 4

    run(scenario())


def test_garbage_in_a_frame_is_a_decode_error() -> None:
    async def scenario() -> None:
        body = b"\x00\x00" + b"\xde\xad\xbe\xef" * 50
        server, got = await _misbehave(struct.pack(">I", len(body)) + body, Limits())
        assert got == b""
        assert len(server.errors) == 1 and isinstance(server.errors[0], DecodeError)

    run(scenario())


def test_a_silent_peer_times_out() -> None:
    async def scenario() -> None:
        server, got = await _misbehave(b"", Limits(frame_timeout_s=0.3))
        assert got == b""
        assert [type(e) for e in server.errors] == [PeerTimeout]

    run(scenario())


def test_a_trickling_peer_times_out_within_one_frame_of_memory() -> None:
    """Slowloris: a valid length, then one byte every 50 ms: the whole frame is due
    within the deadline, so the trickle is cut off there."""

    async def scenario() -> None:
        limits = Limits(max_frame=1000, frame_timeout_s=0.3)
        payload = struct.pack(">I", 900) + b"z" * 900
        server, got = await _misbehave(payload, limits, trickle=True)
        assert got == b""
        assert [type(e) for e in server.errors] == [PeerTimeout]
        assert server.peak_buffered <= 1000

    run(scenario())


def test_a_peer_closing_inside_a_frame_is_a_truncated_frame() -> None:
    async def scenario() -> None:
        _alice, _bob, server, hint = await _pair()
        host, port = split_addr(hint.addr)
        _reader, writer = await asyncio.open_connection(host, port)
        writer.write(struct.pack(">I", 100) + b"short")
        await writer.drain()
        writer.close()
        await eventually(lambda: bool(server.errors), "the server's error")
        assert [type(e) for e in server.errors] == [TruncatedFrame]
        await server.close()

    run(scenario())


def test_an_initiator_facing_a_silent_responder_times_out() -> None:
    """The peer accepts the connection and answers nothing: message 2 is due within
    the frame deadline, so the initiator gets PeerTimeout, and its pending
    handshake is left to the core's timer."""

    async def scenario() -> None:
        async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            await reader.read(65536)
            await asyncio.sleep(SAFETY_S)

        listener = await asyncio.start_server(silent, "127.0.0.1", 0)
        host, port = listener.sockets[0].getsockname()[:2]
        hint = TcpDirect(f"{host}:{port}")
        alice, bob = net_node(ALICE), net_node(BOB)
        bob.publish(CTX, [hint])
        share_descriptors(alice, bob)
        with pytest.raises(PeerTimeout):
            await within(
                connect_tcp(alice, CTX, BOB, hint, Limits(frame_timeout_s=0.3)), SAFETY_S, "c"
            )
        assert alice.service.channel_state(CTX, BOB) is None
        assert alice.service.next_deadline() is not None  # the pending handshake's
        listener.close()

    run(scenario())
