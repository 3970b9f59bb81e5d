"""The ladder on loopback, and its fault scenarios.

QUIC direct, QUIC reflexive, TCP direct, then the relay, each attempt with its
own timeout, every attempt reported. Blocked paths are real: a UDP port that
answers nothing (QUIC dropped), a TCP port nobody listens on (refused), a STUN
server that is not there, a relay killed mid-handshake.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Sequence

import attrs
import pytest
from aura_net import (
    LadderFailed,
    NetNode,
    QuicListener,
    RelayClient,
    RelayServer,
    SafetyNetTimeout,
    StunServer,
    TcpServer,
    connect_ladder,
    within,
)
from aura_rendezvous import (
    CAP_RENDEZVOUS_PUBLISH,
    AuthorityId,
    ChannelState,
    QuicDirect,
    TcpDirect,
    TransportHint,
    WebSocketRelay,
)

from ..impl.world import ALICE, BOB, CTX, RELAY
from .net_world import SAFETY_S, net_node, run, share_descriptors

PATIENT = dict.fromkeys(("QuicDirect", "QuicReflexive", "TcpDirect", "WebSocketRelay"), SAFETY_S)
FAST = {**PATIENT, "QuicDirect": 0.5}
"""Only the rung that is blocked (QUIC direct, UDP swallowed) gives up fast: a rung
expected to connect gets the safety net, so a loaded machine never fails it."""
ONE_BY_ONE = SAFETY_S
"""A stagger no attempt outlives: each direct attempt starts only when the one
before it failed, so which rung wins never depends on the machine's speed."""
HEAD_START = 0.05
"""A stagger far below the blocked rung's timeout: the next rung starts while the
blocked one still waits, and wins whatever the machine's speed."""


def _dead_port(kind: int) -> int:
    probe = socket.socket(socket.AF_INET, kind)
    probe.bind(("127.0.0.1", 0))
    port = int(probe.getsockname()[1])
    probe.close()
    return port


class _Blackhole(asyncio.DatagramProtocol):
    """A UDP port that swallows everything: QUIC blocked by a firewall."""

    def datagram_received(self, data: bytes, addr: object) -> None:
        pass


@attrs.define
class World:
    alice: NetNode
    bob: NetNode
    relay: NetNode
    quic: QuicListener
    tcp: TcpServer
    relay_server: RelayServer
    clients: dict[AuthorityId, RelayClient]
    blackhole: asyncio.DatagramTransport

    async def close(self) -> None:
        for client in self.clients.values():
            await client.close()
        await self.relay_server.close()
        await self.quic.close()
        await self.tcp.close()
        self.blackhole.close()


async def _world(hints_for: str) -> tuple[World, RelayClient, RelayClient]:
    alice, bob, relay = net_node(ALICE), net_node(BOB), net_node(RELAY)
    quic, tcp, relay_server = QuicListener(bob), TcpServer(bob), RelayServer(relay)
    quic_hint = await quic.start()
    tcp_hint = await tcp.start()
    url = await relay_server.start()
    loop = asyncio.get_running_loop()
    blackhole, _ = await loop.create_datagram_endpoint(_Blackhole, local_addr=("127.0.0.1", 0))
    blocked_quic = QuicDirect(f"127.0.0.1:{blackhole.get_extra_info('sockname')[1]}")
    refused_tcp = TcpDirect(f"127.0.0.1:{_dead_port(socket.SOCK_STREAM)}")
    layouts: dict[str, Sequence[TransportHint]] = {
        "all": [quic_hint, tcp_hint, WebSocketRelay(RELAY)],
        "quic blocked": [blocked_quic, tcp_hint, WebSocketRelay(RELAY)],
        "direct blocked": [blocked_quic, refused_tcp, WebSocketRelay(RELAY)],
    }
    bob.publish(CTX, layouts[hints_for])
    share_descriptors(alice, bob, relay)
    to_alice, to_bob = RelayClient(alice, RELAY), RelayClient(bob, RELAY)
    for client in (to_alice, to_bob):
        await within(client.connect(url), SAFETY_S, "relay connect")
    world = World(alice, bob, relay, quic, tcp, relay_server, {RELAY: to_alice}, blackhole)
    return world, to_alice, to_bob


async def _exchange(channel, accepted) -> None:
    await channel.send(b"ping")
    assert await accepted.recv(SAFETY_S) == b"ping"


def test_the_first_rung_that_works_is_quic_direct() -> None:
    async def scenario() -> None:
        world, to_alice, _to_bob = await _world("all")
        result = await connect_ladder(
            world.alice,
            CTX,
            BOB,
            relays={RELAY: to_alice},
            timeouts=PATIENT,
            stagger_s=ONE_BY_ONE,
        )
        assert result.rung == "QuicDirect"
        assert [a.outcome for a in result.attempts] == ["connected"]
        accepted = await within(world.quic.accepted.get(), SAFETY_S, "accept")
        await _exchange(result.channel, accepted)
        await world.close()

    run(scenario())


def test_quic_blocked_falls_back_to_tcp() -> None:
    async def scenario() -> None:
        world, to_alice, _ = await _world("quic blocked")
        result = await connect_ladder(
            world.alice,
            CTX,
            BOB,
            relays={RELAY: to_alice},
            timeouts=FAST,
            stagger_s=ONE_BY_ONE,
        )
        assert [(a.rung, a.outcome) for a in result.attempts] == [
            ("QuicDirect", "SafetyNetTimeout"),
            ("TcpDirect", "connected"),
        ]
        assert result.rung == "TcpDirect"
        accepted = await within(world.tcp.accepted.get(), SAFETY_S, "accept")
        await _exchange(result.channel, accepted)
        assert world.bob.service.channel_state(CTX, ALICE) is ChannelState.Active
        await world.close()

    run(scenario())


def test_a_blocked_rung_costs_its_head_start_not_its_timeout() -> None:
    """Happy eyeballs: QUIC is blocked and patient (the safety net), TCP starts after
    its head start and wins; QUIC, still waiting, is reported Superseded."""

    async def scenario() -> None:
        world, to_alice, _ = await _world("quic blocked")
        result = await connect_ladder(
            world.alice,
            CTX,
            BOB,
            relays={RELAY: to_alice},
            timeouts=PATIENT,
            stagger_s=HEAD_START,
        )
        assert [(a.rung, a.outcome) for a in result.attempts] == [
            ("QuicDirect", "Superseded"),
            ("TcpDirect", "connected"),
        ]
        assert result.rung == "TcpDirect"
        accepted = await within(world.tcp.accepted.get(), SAFETY_S, "accept")
        await _exchange(result.channel, accepted)
        # One handshake reached Bob: the race is between transports, not handshakes.
        assert world.quic.accepted.empty() and world.tcp.accepted.empty()
        await world.close()

    run(scenario())


def test_racing_every_rung_reports_each_attempt() -> None:
    """All at once (no head start): whichever transport is up first, the handshake
    runs on the highest rung up when it is picked; every attempt is reported, the
    others Superseded or connected."""

    async def scenario() -> None:
        world, to_alice, _ = await _world("all")
        result = await connect_ladder(
            world.alice, CTX, BOB, relays={RELAY: to_alice}, timeouts=PATIENT, stagger_s=0.0
        )
        outcomes = [(a.rung, a.outcome) for a in result.attempts]
        assert [rung for rung, _ in outcomes] == ["QuicDirect", "TcpDirect"]
        assert sorted(o for _, o in outcomes) == ["Superseded", "connected"]
        accepted = await within(
            (world.quic if result.rung == "QuicDirect" else world.tcp).accepted.get(),
            SAFETY_S,
            "accept",
        )
        await _exchange(result.channel, accepted)
        await world.close()

    run(scenario())


def test_all_direct_paths_blocked_falls_back_to_the_relay() -> None:
    async def scenario() -> None:
        world, to_alice, to_bob = await _world("direct blocked")
        result = await connect_ladder(
            world.alice,
            CTX,
            BOB,
            relays={RELAY: to_alice},
            timeouts=FAST,
            stagger_s=ONE_BY_ONE,
        )
        assert [(a.rung, a.outcome) for a in result.attempts] == [
            ("QuicDirect", "SafetyNetTimeout"),
            ("TcpDirect", "ConnectionRefusedError"),
            ("WebSocketRelay", "connected"),
        ]
        assert all(a.elapsed_ms >= 0 for a in result.attempts)
        accepted = await within(to_bob.accepted.get(), SAFETY_S, "accept")
        await _exchange(result.channel, accepted)
        await world.close()

    run(scenario())


def test_a_down_stun_server_still_connects() -> None:
    """Bob's STUN query fails (nobody at that port): he publishes without the
    reflexive rung, and the ladder connects by another."""

    async def scenario() -> None:
        world, to_alice, _ = await _world("quic blocked")
        with pytest.raises(SafetyNetTimeout):
            await world.quic.learn_reflexive(
                ("127.0.0.1", _dead_port(socket.SOCK_DGRAM)), rto_s=0.05, attempts=3
            )
        result = await connect_ladder(
            world.alice, CTX, BOB, relays={RELAY: to_alice}, timeouts=FAST
        )
        assert result.attempts[-1].connected
        await world.close()

    run(scenario())


def test_the_reflexive_rung_when_direct_quic_is_blocked() -> None:
    async def scenario() -> None:
        world, to_alice, _ = await _world("direct blocked")
        stun = StunServer()
        stun_addr = await stun.start()
        reflexive = await within(world.quic.learn_reflexive(stun_addr), SAFETY_S, "STUN")
        blocked = world.bob.service.get_cached_descriptor(CTX, BOB, world.bob.now_ms())
        assert blocked is not None
        world.bob.publish(CTX, [blocked.transport_hints[0], reflexive, WebSocketRelay(RELAY)])
        share_descriptors(world.alice, world.bob)
        result = await connect_ladder(
            world.alice,
            CTX,
            BOB,
            relays={RELAY: to_alice},
            timeouts=PATIENT,
            stagger_s=HEAD_START,
        )
        assert [(a.rung, a.outcome) for a in result.attempts] == [
            ("QuicDirect", "Superseded"),
            ("QuicReflexive", "connected"),
        ]
        stun.close()
        await world.close()

    run(scenario())


def test_nothing_reachable_reports_every_attempt() -> None:
    async def scenario() -> None:
        world, _to_alice, _ = await _world("direct blocked")
        with pytest.raises(LadderFailed) as failed:
            await connect_ladder(world.alice, CTX, BOB, relays={}, timeouts=FAST)
        assert [(a.rung, a.outcome) for a in failed.value.attempts] == [
            ("QuicDirect", "SafetyNetTimeout"),
            ("TcpDirect", "ConnectionRefusedError"),
            ("WebSocketRelay", "NotConnected"),
        ]
        await world.close()

    run(scenario())


class _KillAfterFirstForward(RelayServer):
    """A real relay that dies (closes its listener and every connection) right
    after it forwarded its first envelope: message 1 arrives, message 2 never
    does (from the kill on, it forwards nothing more)."""

    dead = False

    async def _forward(self, client: AuthorityId, data: bytes) -> None:
        if self.dead:
            return
        await super()._forward(client, data)
        if self.forwarded == 1:
            self.dead = True
            asyncio.get_running_loop().create_task(self.close())


def test_a_relay_killed_mid_handshake_fails_cleanly_and_a_retry_succeeds() -> None:
    async def scenario() -> None:
        alice, bob, relay = net_node(ALICE), net_node(BOB), net_node(RELAY)
        for node in (alice, bob):
            node.publish(CTX, [WebSocketRelay(RELAY)])
        share_descriptors(alice, bob, relay)

        dying = _KillAfterFirstForward(relay)
        url = await dying.start()
        clients = [RelayClient(alice, RELAY), RelayClient(bob, RELAY)]
        for client in clients:
            await within(client.connect(url), SAFETY_S, "relay connect")
        with pytest.raises(LadderFailed) as failed:
            await connect_ladder(alice, CTX, BOB, relays={RELAY: clients[0]}, timeouts=FAST)
        (attempt,) = failed.value.attempts
        assert (attempt.rung, attempt.outcome) == ("WebSocketRelay", "ConnectionLost")
        assert alice.service.channel_state(CTX, BOB) is not ChannelState.Active

        revived = RelayServer(relay)
        url = await revived.start()
        clients = [RelayClient(alice, RELAY), RelayClient(bob, RELAY)]
        for client in clients:
            await within(client.connect(url), SAFETY_S, "relay connect")
        result = await connect_ladder(alice, CTX, BOB, relays={RELAY: clients[0]}, timeouts=FAST)
        assert result.rung == "WebSocketRelay"
        accepted = await within(clients[1].accepted.get(), SAFETY_S, "accept")
        await _exchange(result.channel, accepted)
        for client in clients:
            await client.close()
        await revived.close()

    run(scenario())


class _Counting(asyncio.DatagramProtocol):
    def __init__(self) -> None:
        self.datagrams = 0

    def datagram_received(self, data: bytes, addr: object) -> None:
        self.datagrams += 1


def test_a_guard_deny_opens_no_socket_on_any_rung() -> None:
    """Alice lacks rendezvous:connect: the raced ladder reports every direct attempt
    denied, and the listeners at Bob's hints see no connection and no datagram.
    The counterpart: with the capability, the same listeners do see Alice."""

    async def scenario() -> None:
        loop = asyncio.get_running_loop()
        connections = []

        async def count(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            connections.append(writer)
            writer.close()

        tcp = await asyncio.start_server(count, "127.0.0.1", 0)
        udp, counting = await loop.create_datagram_endpoint(_Counting, local_addr=("127.0.0.1", 0))
        hints: list[TransportHint] = [
            QuicDirect(f"127.0.0.1:{udp.get_extra_info('sockname')[1]}"),
            TcpDirect(f"127.0.0.1:{tcp.sockets[0].getsockname()[1]}"),
        ]
        bob = net_node(BOB)
        bob.publish(CTX, hints)
        for caps, denied in ((frozenset({CAP_RENDEZVOUS_PUBLISH}), True), (None, False)):
            alice = net_node(ALICE) if caps is None else net_node(ALICE, caps=caps)
            share_descriptors(alice, bob)
            with pytest.raises(LadderFailed) as failed:
                await connect_ladder(
                    alice, CTX, BOB, timeouts={**PATIENT, "QuicDirect": 0.3}, stagger_s=0.0
                )
            outcomes = [a.outcome for a in failed.value.attempts]
            if denied:
                assert outcomes == ["GuardDenied(MissingCapability)"] * 2
                assert connections == [] and counting.datagrams == 0
            else:
                assert "GuardDenied(MissingCapability)" not in outcomes
                assert len(connections) == 1 and counting.datagrams > 0
        tcp.close()
        udp.close()

    run(scenario())
