"""The loopback demonstration behind ``aura-verify demo``: every step on real sockets.

Two authorities (Alice, Bob), a relay authority and a STUN server, all on
loopback with ports chosen by the OS. The steps: publish (Bob's descriptor
carries QUIC direct, the STUN-reflexive QUIC address, TCP direct and the
relay), journal sync over TCP through the relay authority's replica, connect
by the ladder (which rung won, and what each attempt did), send both ways,
then an epoch rotation, after which the drivers act on the core's timer (both
republish and sync, Alice rekeys over the ladder), and a send on the new
channel. Each step reports as it ends; the run succeeds only if every step did.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable

import attrs
from aura_rendezvous import (
    CAP_RELAY_FORWARD,
    CAP_RENDEZVOUS_CONNECT,
    CAP_RENDEZVOUS_PUBLISH,
    CAP_RENDEZVOUS_RELAY,
    AuraError,
    AuthorityId,
    AuthorityKeys,
    ChannelState,
    ContextId,
    ContextMembership,
    LocalProtocolError,
    QuicDirect,
    RendezvousConfig,
    RendezvousService,
    Roster,
    TcpDirect,
    TransportHint,
    WebSocketRelay,
)

from aura_net._direct import DirectChannel
from aura_net._driver import Channel, Driver
from aura_net._ladder import DEFAULT_RUNG_TIMEOUTS, LadderResult, connect_ladder
from aura_net._node import NetNode
from aura_net._quic import QuicListener
from aura_net._relay import RelayChannel, RelayClient, RelayServer
from aura_net._stun_io import StunServer
from aura_net._sync import SyncServer, sync_with
from aura_net._tcp import TcpServer
from aura_net._wait import within

__all__ = ["BLOCKS", "run_demo"]

BLOCKS = ("none", "quic", "direct")
"""What the demo blocks: nothing, QUIC (UDP dropped), or every direct path."""

_CAPS = frozenset(
    {CAP_RENDEZVOUS_PUBLISH, CAP_RENDEZVOUS_CONNECT, CAP_RENDEZVOUS_RELAY, CAP_RELAY_FORWARD}
)
_SAFETY_S = 30.0
_BLOCKED_RUNG_S = 1.0


@attrs.define
class _Step:
    emit: Callable[[str], None]
    ok: bool = True

    def report(self, name: str, started: float, detail: str, ok: bool = True) -> None:
        mark = "ok  " if ok else "FAIL"
        took = (time.monotonic() - started) * 1000
        self.emit(f"[{mark}] {name:<16} {took:7.1f} ms  {detail}")
        self.ok = self.ok and ok


def _authority(name: str) -> AuthorityKeys:
    return AuthorityKeys.from_seed(AuthorityId(os.urandom(32)), os.urandom(32) + name.encode())


def _node(keys: AuthorityKeys, membership: ContextMembership) -> NetNode:
    config = RendezvousConfig(keys, [membership], os.urandom)
    service = RendezvousService.new(keys.authority_id, config)
    service.advance_epoch(membership.context_id, 1)
    return NetNode(service, capabilities=_CAPS, budget_limit=10**9)


def _attempts(result: LadderResult) -> str:
    parts = [f"{a.rung} {a.outcome} ({a.elapsed_ms:.0f} ms)" for a in result.attempts]
    return f"by {result.rung}: " + ", ".join(parts)


async def _exchange(
    channel: DirectChannel | RelayChannel, accepted: DirectChannel | RelayChannel, text: bytes
) -> bool:
    await channel.send(text)
    got = await accepted.recv(_SAFETY_S)
    await accepted.send(got[::-1])
    back = await channel.recv(_SAFETY_S)
    return got == text and back == text[::-1]


async def run_demo(emit: Callable[[str], None], block: str = "none") -> bool:
    """Run every step, reporting each through ``emit``; True if all worked."""
    if block not in BLOCKS:
        raise ValueError(f"block must be one of {BLOCKS}")
    step = _Step(emit)
    alice_keys, bob_keys, relay_keys = _authority("alice"), _authority("bob"), _authority("relay")
    context = ContextId(os.urandom(32))
    membership = ContextMembership(
        context, Roster.of(alice_keys, bob_keys, relay_keys), os.urandom(32)
    )
    alice, bob, relay = (_node(k, membership) for k in (alice_keys, bob_keys, relay_keys))
    stun, quic, tcp = StunServer(), QuicListener(bob), TcpServer(bob)
    relay_server, sync_server = RelayServer(relay), SyncServer(relay)
    to_alice, to_bob = RelayClient(alice, relay.id), RelayClient(bob, relay.id)
    try:
        started = time.monotonic()
        stun_addr = await stun.start()
        quic_hint, tcp_hint = await quic.start(), await tcp.start()
        url = await relay_server.start()
        sync_addr = await sync_server.start()
        for client in (to_alice, to_bob):
            await within(client.connect(url), _SAFETY_S, "relay connect")
        step.report(
            "listen",
            started,
            f"QUIC {quic_hint.addr}, TCP {tcp_hint.addr}, relay {url}, "
            f"journal sync {sync_addr}, STUN {stun_addr[0]}:{stun_addr[1]}",
        )

        started = time.monotonic()
        reflexive = await within(quic.learn_reflexive(stun_addr), _SAFETY_S, "STUN")
        step.report("stun", started, f"Bob's QUIC socket is seen at {reflexive.addr}")

        started = time.monotonic()
        hints = _hints(block, quic_hint, reflexive, tcp_hint, relay.id)
        alice_hints = [WebSocketRelay(relay.id)]
        bob.publish(context, hints)
        alice.publish(context, alice_hints)
        step.report("publish", started, "Bob: " + ", ".join(type(h).__name__ for h in hints))

        # Journal sync over TCP, through the relay authority's replica: Bob's
        # descriptor reaches Alice by anti-entropy, never by flooding.
        async def sync_alice(ctx: ContextId) -> object:
            return await within(sync_with(alice, ctx, sync_addr), _SAFETY_S, "Alice's sync")

        async def sync_bob(ctx: ContextId) -> object:
            return await within(sync_with(bob, ctx, sync_addr), _SAFETY_S, "Bob's sync")

        started = time.monotonic()
        await sync_bob(context)
        await sync_alice(context)
        seen = alice.service.get_cached_descriptor(context, bob.id, alice.now_ms())
        step.report(
            "sync",
            started,
            f"over TCP through the relay's replica: {sync_server.served} requests answered",
            ok=seen is not None,
        )

        # A rung that should connect gets the safety net (a loaded machine is no
        # reason to fall back); only a path blocked on purpose gives up fast.
        timeouts = dict.fromkeys(DEFAULT_RUNG_TIMEOUTS, _SAFETY_S)
        if block != "none":
            timeouts.update(QuicDirect=_BLOCKED_RUNG_S, QuicReflexive=_BLOCKED_RUNG_S)
        relays = {relay.id: to_alice}
        ladders: list[LadderResult] = []

        async def connect(ctx: ContextId, peer: AuthorityId) -> Channel:
            ladders.append(await connect_ladder(alice, ctx, peer, relays=relays, timeouts=timeouts))
            return ladders[-1].channel

        alice_driver = Driver(alice, hints={context: alice_hints}, connect=connect, sync=sync_alice)
        bob_driver = Driver(bob, hints={context: hints}, connect=_no_connect, sync=sync_bob)
        started = time.monotonic()
        channel = await alice_driver.connect(context, bob.id)
        accepted = await within(_accepted(ladders[-1], quic, tcp, to_bob), _SAFETY_S, "accept")
        step.report("connect", started, _attempts(ladders[-1]))

        started = time.monotonic()
        ok = await _exchange(channel, accepted, b"hello from Alice")
        step.report("send", started, "one message each way, end to end", ok=ok)

        started = time.monotonic()
        relay.service.advance_epoch(context, 2)
        rekeys = alice_driver.advance_epoch(context, 2)
        bob_driver.advance_epoch(context, 2)
        stale = bob.service.channel_state(context, alice.id) is ChannelState.Rotating
        step.report(
            "rotate epoch",
            started,
            f"epoch 2; the old channel is Rotating; Alice's driver will rekey {len(rekeys)}",
            ok=stale and len(rekeys) == 1,
        )

        # The drivers act on what the core's timer reports: each republishes (its
        # descriptor commits to epoch 1's PSK) and syncs; Alice then rekeys.
        started = time.monotonic()
        done = await bob_driver.tick()
        done += await alice_driver.tick()
        accepted = await within(_accepted(ladders[-1], quic, tcp, to_bob), _SAFETY_S, "accept")
        fresh = bob.service.channel_state(context, alice.id) is ChannelState.Active
        kinds = [a.kind for a in done]
        step.report(
            "rekey",
            started,
            f"drivers: {kinds.count('republished')} republished, {kinds.count('synced')} "
            f"synced; {_attempts(ladders[-1])}",
            ok=fresh and kinds.count("rekeyed") == 1 and kinds.count("republished") == 2,
        )

        started = time.monotonic()
        ok = await _exchange(alice_driver.channels[(context, bob.id)], accepted, b"epoch 2")
        step.report("send", started, "on the epoch-2 channel", ok=ok)
    except (AuraError, OSError) as exc:
        step.report("error", time.monotonic(), f"{type(exc).__name__}: {exc}", ok=False)
    finally:
        for client in (to_alice, to_bob):
            await client.close()
        await relay_server.close()
        await sync_server.close()
        await quic.close()
        await tcp.close()
        stun.close()
    emit("all steps worked" if step.ok else "some step failed")
    return step.ok


async def _no_connect(context_id: ContextId, peer: AuthorityId) -> Channel:
    raise LocalProtocolError("Bob's driver answers; it does not dial")


def _hints(
    block: str,
    quic_hint: QuicDirect,
    reflexive: TransportHint,
    tcp_hint: TcpDirect,
    relay: AuthorityId,
) -> list[TransportHint]:
    """Bob's hints; a blocked path is published at an address nobody answers on."""
    dead_quic = QuicDirect("127.0.0.1:9")  # discard: nothing answers a QUIC Initial
    if block == "quic":
        return [dead_quic, tcp_hint, WebSocketRelay(relay)]
    if block == "direct":
        return [dead_quic, TcpDirect("127.0.0.1:9"), WebSocketRelay(relay)]
    return [quic_hint, reflexive, tcp_hint, WebSocketRelay(relay)]


async def _accepted(
    result: LadderResult, quic: QuicListener, tcp: TcpServer, to_bob: RelayClient
) -> DirectChannel | RelayChannel:
    if result.rung in ("QuicDirect", "QuicReflexive"):
        return await quic.accepted.get()
    if result.rung == "TcpDirect":
        return await tcp.accepted.get()
    return await to_bob.accepted.get()
