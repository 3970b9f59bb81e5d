"""Handshakes and relayed traffic over real sockets on loopback, beside bare sockets.

Measured in one run, same process, same event loop:

- per transport (TCP direct, QUIC direct, WebSocket relay): ``n`` full handshakes
  one after the other (guard chain, receipts, Noise IKpsk2, key confirmation and
  ``ChannelEstablished``; TCP and QUIC open a fresh connection each time, the
  relay reuses both clients' WebSocket connections), as handshakes per second
  and median / p99 latency, beside a bare TCP connect plus one round trip of a
  message 1's size (what the transport costs with no protocol at all);
- the relay's forwarding: ``m`` channel messages of ``size`` bytes sealed,
  relayed (a charged forward each, with receipts) and opened, pipelined, as
  messages and MB per second, and the median round trip of one message
  relayed there and back; beside the same over a bare TCP stream (length-prefixed
  frames, no crypto, no relay);
- journal sync over TCP: one member pulls ``k`` descriptor facts from another
  (``sync_with`` against a ``SyncServer``: sealed, signed, every round a
  request), beside the same anti-entropy exchange in process;
- the ladder with QUIC blocked (UDP swallowed, its rung's timeout 1 s): the time
  to connect by TCP when the direct rungs race with the default stagger, beside
  one after the other.

Run: ``make bench`` or ``.venv/bin/python bench/bench_transports.py [n] [m] [size] [k]``.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import statistics
import struct
import sys
import time
from collections.abc import Awaitable, Callable

from aura_net import (
    DEFAULT_STAGGER_S,
    DirectChannel,
    NetNode,
    QuicListener,
    RelayClient,
    RelayServer,
    SyncServer,
    TcpServer,
    connect_ladder,
    connect_quic,
    connect_tcp,
    sync_with,
    within,
)
from aura_rendezvous import (
    CAP_RELAY_FORWARD,
    CAP_RENDEZVOUS_CONNECT,
    CAP_RENDEZVOUS_PUBLISH,
    CAP_RENDEZVOUS_RELAY,
    AuthorityId,
    AuthorityKeys,
    ContextId,
    ContextMembership,
    DescriptorFact,
    QuicDirect,
    RendezvousConfig,
    RendezvousService,
    Roster,
    TcpDirect,
    WebSocketRelay,
)
from aura_rendezvous.journal import SealedSyncMessage

CTX = ContextId(hashlib.sha256(b"bench-transports-context").digest())
ALICE = AuthorityId(hashlib.sha256(b"bench-alice").digest())
BOB = AuthorityId(hashlib.sha256(b"bench-bob").digest())
RELAY = AuthorityId(hashlib.sha256(b"bench-relay").digest())
CAPS = frozenset(
    {CAP_RENDEZVOUS_PUBLISH, CAP_RENDEZVOUS_CONNECT, CAP_RENDEZVOUS_RELAY, CAP_RELAY_FORWARD}
)
SAFETY_S = 60.0
MESSAGE_1_LEN = 147
"""An IKpsk2 message 1 on the wire (docs/channels.md): the bare probe's size."""


def _keys(authority: AuthorityId) -> AuthorityKeys:
    return AuthorityKeys.from_seed(authority, b"bench-seed:" + authority.value)


MEMBERSHIP = ContextMembership(
    CTX, Roster.of(_keys(ALICE), _keys(BOB), _keys(RELAY)), os.urandom(32)
)


def _node(authority: AuthorityId) -> NetNode:
    config = RendezvousConfig(_keys(authority), [MEMBERSHIP], os.urandom)
    service = RendezvousService.new(authority, config)
    service.advance_epoch(CTX, 1)
    return NetNode(service, capabilities=CAPS, budget_limit=10**12)


def _share(publisher: NetNode, *readers: NetNode) -> None:
    facts = publisher.service.journal(CTX).facts()
    newest = [f for f in facts if isinstance(f, DescriptorFact)][-1]
    for reader in readers:
        reader.service.cache_descriptor(newest.sealed)


def _stats(name: str, latencies: list[float], total: float) -> str:
    ordered = sorted(latencies)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    median = statistics.median(ordered)
    rate = len(latencies) / total
    return f"  {name:28s} {rate:8.1f}/s   median {median * 1e3:7.2f} ms   p99 {p99 * 1e3:7.2f} ms"


async def _timed(n: int, one: Callable[[], Awaitable[None]]) -> tuple[list[float], float]:
    latencies = []
    start = time.perf_counter()
    for _ in range(n):
        t0 = time.perf_counter()
        await within(one(), SAFETY_S, "one step")
        latencies.append(time.perf_counter() - t0)
    return latencies, time.perf_counter() - start


async def _echo_server() -> tuple[asyncio.Server, int]:
    async def echo(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while header := await reader.readexactly(4):
                (size,) = struct.unpack(">I", header)
                writer.write(header + await reader.readexactly(size))
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            writer.close()

    server = await asyncio.start_server(echo, "127.0.0.1", 0)
    return server, int(server.sockets[0].getsockname()[1])


async def handshakes(n: int) -> None:
    alice, bob, relay = _node(ALICE), _node(BOB), _node(RELAY)
    tcp, quic, relay_server = TcpServer(bob), QuicListener(bob), RelayServer(relay)
    tcp_hint, quic_hint = await tcp.start(), await quic.start()
    url = await relay_server.start()
    bob.publish(CTX, [quic_hint, tcp_hint, WebSocketRelay(RELAY)])
    _share(bob, alice, relay)
    to_alice, to_bob = RelayClient(alice, RELAY), RelayClient(bob, RELAY)
    await to_alice.connect(url)
    await to_bob.connect(url)
    echo, echo_port = await _echo_server()
    probe = b"\x00" * MESSAGE_1_LEN

    async def bare() -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", echo_port)
        writer.write(struct.pack(">I", len(probe)) + probe)
        await reader.readexactly(4 + len(probe))
        writer.close()
        await writer.wait_closed()

    # Channels are closed after their row: a handshake's latency ends at key
    # confirmation on both sides, not at teardown.
    opened: list[DirectChannel] = []

    async def over_tcp() -> None:
        opened.append(await connect_tcp(alice, CTX, BOB, tcp_hint))
        opened.append(await tcp.accepted.get())

    async def over_quic() -> None:
        opened.append(await connect_quic(alice, CTX, BOB, quic_hint))
        opened.append(await quic.accepted.get())

    async def over_relay() -> None:
        await to_alice.connect_peer(CTX, BOB, SAFETY_S)
        await to_bob.accepted.get()

    print(f"handshakes on loopback, {n} per row, one after the other")
    for name, one in (
        ("bare TCP connect + round trip", bare),
        ("TCP direct", over_tcp),
        ("QUIC direct", over_quic),
        ("WebSocket relay", over_relay),
    ):
        latencies, total = await _timed(n, one)
        print(_stats(name, latencies, total), flush=True)
        for channel in opened:
            await within(channel.close(), SAFETY_S, "close")
        opened.clear()
    await to_alice.close()
    await to_bob.close()
    await relay_server.close()
    await quic.close()
    await tcp.close()
    echo.close()


async def relay_traffic(m: int, size: int) -> None:
    alice, bob, relay = _node(ALICE), _node(BOB), _node(RELAY)
    relay_server = RelayServer(relay)
    url = await relay_server.start()
    bob.publish(CTX, [WebSocketRelay(RELAY)])
    _share(bob, alice)
    to_alice, to_bob = RelayClient(alice, RELAY), RelayClient(bob, RELAY)
    await to_alice.connect(url)
    await to_bob.connect(url)
    channel = await within(to_alice.connect_peer(CTX, BOB, SAFETY_S), SAFETY_S, "connect")
    accepted = await within(to_bob.accepted.get(), SAFETY_S, "accept")
    payload = os.urandom(size)

    start = time.perf_counter()
    for _ in range(m):
        await channel.send(payload)
    for _ in range(m):
        await accepted.recv(SAFETY_S)
    relayed = time.perf_counter() - start

    async def relayed_round_trip() -> None:
        await channel.send(payload)
        await accepted.send(await accepted.recv(SAFETY_S))
        await channel.recv(SAFETY_S)

    relayed_rtt, _ = await _timed(min(m, 200), relayed_round_trip)

    echo, port = await _echo_server()
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    frame = struct.pack(">I", size) + payload
    start = time.perf_counter()
    for _ in range(m):
        writer.write(frame)
    await writer.drain()
    for _ in range(m):
        await reader.readexactly(len(frame))
    bare = time.perf_counter() - start

    async def bare_round_trip() -> None:
        writer.write(frame)
        await reader.readexactly(len(frame))

    bare_rtt, _ = await _timed(min(m, 200), bare_round_trip)
    writer.close()
    echo.close()

    print(f"relayed traffic: {m} messages of {size} bytes, pipelined; round trips one at a time")
    for name, seconds, rtt in (
        ("WebSocket relay (sealed)", relayed, relayed_rtt),
        ("bare TCP stream (echo)", bare, bare_rtt),
    ):
        print(
            f"  {name:28s} {m / seconds:9.0f} msg/s  {m * size / seconds / 1e6:7.2f} MB/s"
            f"   round trip median {statistics.median(rtt) * 1e3:6.2f} ms",
            flush=True,
        )
    print(f"  relay charged {relay_server.forwarded} forwards; errors: {len(relay_server.errors)}")
    await to_alice.close()
    await to_bob.close()
    await relay_server.close()


def _in_process_pull(puller: RendezvousService, answerer: RendezvousService) -> None:
    pages: tuple[SealedSyncMessage, ...] = (puller.sync_digest(CTX, epoch=1),)
    while pages:
        answers = [a for page in pages for a in answerer.answer_sync(page)]
        for answer in answers:
            puller.apply_sync(answer)
        pages = puller.sync_follow_up(CTX, answers, epoch=1)


async def journal_sync(k: int, rounds: int = 5) -> None:
    print(f"journal sync: a member pulls {k} descriptor facts ({rounds} runs, median)", flush=True)
    bob = _node(BOB)
    for i in range(k):
        bob.publish(CTX, [TcpDirect(f"127.0.0.1:{1000 + i}")])
    server = SyncServer(bob)
    addr = await server.start()
    over_tcp, in_process = [], []
    for _ in range(rounds):
        alice = _node(ALICE)
        t0 = time.perf_counter()
        report = await within(sync_with(alice, CTX, addr), SAFETY_S, "sync")
        over_tcp.append(time.perf_counter() - t0)
        assert report.pulled >= k
        alice = _node(ALICE)
        t0 = time.perf_counter()
        _in_process_pull(alice.service, bob.service)
        in_process.append(time.perf_counter() - t0)
    await server.close()
    for name, times in (("over TCP (sync_with)", over_tcp), ("in process", in_process)):
        print(f"  {name:28s} median {statistics.median(times) * 1e3:8.2f} ms", flush=True)


class _Blackhole(asyncio.DatagramProtocol):
    def datagram_received(self, data: bytes, addr: object) -> None:
        pass


async def ladder_blocked(rounds: int = 5) -> None:
    print(f"ladder, QUIC blocked (its timeout 1 s): time to connect by TCP ({rounds} runs)")
    alice, bob = _node(ALICE), _node(BOB)
    tcp = TcpServer(bob)
    tcp_hint = await tcp.start()
    hole, _ = await asyncio.get_running_loop().create_datagram_endpoint(
        _Blackhole, local_addr=("127.0.0.1", 0)
    )
    blocked = QuicDirect(f"127.0.0.1:{hole.get_extra_info('sockname')[1]}")
    bob.publish(CTX, [blocked, tcp_hint])
    _share(bob, alice)
    for name, stagger in (
        (f"raced (stagger {DEFAULT_STAGGER_S * 1e3:.0f} ms)", DEFAULT_STAGGER_S),
        ("one after the other", 10.0),
    ):
        times = []
        for _ in range(rounds):
            t0 = time.perf_counter()
            result = await connect_ladder(
                alice, CTX, BOB, timeouts={"QuicDirect": 1.0}, stagger_s=stagger
            )
            times.append(time.perf_counter() - t0)
            assert result.rung == "TcpDirect" and isinstance(result.channel, DirectChannel)
            accepted = await within(tcp.accepted.get(), SAFETY_S, "accept")
            await result.channel.close()
            await accepted.close()
        print(f"  {name:28s} median {statistics.median(times) * 1e3:8.1f} ms", flush=True)
    hole.close()
    await tcp.close()


def main(argv: list[str]) -> int:
    n = int(argv[1]) if len(argv) > 1 else 100
    m = int(argv[2]) if len(argv) > 2 else 2000
    size = int(argv[3]) if len(argv) > 3 else 1024
    k = int(argv[4]) if len(argv) > 4 else 200
    asyncio.run(handshakes(n))
    asyncio.run(relay_traffic(m, size))
    asyncio.run(journal_sync(k))
    asyncio.run(ladder_blocked())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
