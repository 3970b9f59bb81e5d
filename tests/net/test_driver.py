"""The driver acts on the core's timer over real sockets: it republishes the
descriptor when the core says a refresh is due (before expiry, and at once after
an epoch advance), syncs it to a member over TCP, and rekeys the channels it
initiated once the peer's descriptor commits to the new epoch. The clock is the
test's: every verdict is read at an instant the test sets, never after a sleep."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from aura_net import (
    Channel,
    Driver,
    DriverAction,
    NetNode,
    SyncServer,
    TcpServer,
    connect_ladder,
    sync_with,
    wall_clock_ms,
    within,
)
from aura_rendezvous import AuthorityId, ChannelState, ContextId, TcpDirect

from ..impl.world import ALICE, BOB, CTX
from .net_world import SAFETY_S, net_node, run

_WINDOW_MS = 300_000  # net_node's refresh window


async def _never(context_id: ContextId, peer: AuthorityId) -> Channel:
    raise AssertionError("the responder's driver never connects")


def _ladder(node: NetNode) -> Callable[[ContextId, AuthorityId], Awaitable[Channel]]:
    async def connect(context_id: ContextId, peer: AuthorityId) -> Channel:
        return (await connect_ladder(node, context_id, peer)).channel

    return connect


def _kinds(actions: list[DriverAction]) -> list[str]:
    return [a.kind for a in actions]


async def _exchange(ours: Channel, theirs: Channel, text: bytes) -> None:
    await ours.send(text)
    assert await theirs.recv(SAFETY_S) == text
    await theirs.send(text[::-1])
    assert await ours.recv(SAFETY_S) == text[::-1]


class _World:
    """Alice dials Bob over TCP; Bob listens for handshakes and for sync."""

    def __init__(self) -> None:
        self.now = [wall_clock_ms()]
        clock = self.clock
        self.alice, self.bob = net_node(ALICE, clock=clock), net_node(BOB, clock=clock)
        self.tcp = TcpServer(self.bob)
        self.sync = SyncServer(self.bob)

    def clock(self) -> int:
        return self.now[0]

    async def start(self, *, retry_s: float = 1.0) -> tuple[Driver, Driver]:
        hint = await self.tcp.start()
        addr = await self.sync.start()
        alice_hints = [TcpDirect("127.0.0.1:9")]
        self.bob.publish(CTX, [hint])
        self.alice.publish(CTX, alice_hints)

        async def sync(context_id: ContextId) -> object:
            return await sync_with(self.alice, context_id, addr, rto_s=1.0)

        alice = Driver(
            self.alice,
            hints={CTX: alice_hints},
            connect=_ladder(self.alice),
            sync=sync,
            retry_s=retry_s,
        )
        bob = Driver(self.bob, hints={CTX: [hint]}, connect=_never)
        await sync(CTX)
        return alice, bob

    async def close(self) -> None:
        await self.tcp.close()
        await self.sync.close()


def test_the_driver_republishes_and_rekeys_at_the_instants_the_core_names() -> None:
    async def scenario() -> None:
        world = _World()
        alice, bob = await world.start()
        first = await alice.connect(CTX, BOB)
        accepted = await within(world.tcp.accepted.get(), SAFETY_S, "accept")
        await _exchange(first, accepted, b"epoch 1")
        assert await alice.tick() == []  # the counterpart: nothing is due yet

        world.now[0] += 10
        assert alice.advance_epoch(CTX, 2) == (BOB,)
        assert bob.advance_epoch(CTX, 2) == ()  # Bob did not initiate: Alice rekeys
        assert world.alice.service.channel_state(CTX, BOB) is ChannelState.Rotating

        # Alice's refresh is due at once; Bob's descriptor still commits to epoch 1.
        actions = await alice.tick()
        assert _kinds(actions) == ["republished", "synced", "rekey-pending"]
        assert "PskCommitmentMismatch" in actions[-1].detail
        assert world.tcp.accepted.empty()  # the denied rekey sent nothing

        assert _kinds(await bob.tick()) == ["republished"]
        world.now[0] += 10
        actions = await alice.tick()
        assert _kinds(actions) == ["synced", "rekeyed"]
        fresh = alice.channels[(CTX, BOB)]
        assert fresh is not first and not alice.pending_rekeys
        rekeyed = await within(world.tcp.accepted.get(), SAFETY_S, "accept")
        for node, peer in ((world.alice, BOB), (world.bob, ALICE)):
            assert node.service.channel_state(CTX, peer) is ChannelState.Active
        await _exchange(fresh, rekeyed, b"epoch 2")
        assert await alice.tick() == []

        # Before expiry: due exactly at valid_until minus the refresh window.
        own = world.alice.service.get_cached_descriptor(CTX, ALICE, world.now[0])
        assert own is not None
        world.now[0] = own.valid_until - _WINDOW_MS - 1
        assert await alice.tick() == []
        world.now[0] += 1
        assert _kinds(await alice.tick()) == ["republished", "synced"]
        newer = world.alice.service.get_cached_descriptor(CTX, ALICE, world.now[0])
        assert newer is not None and newer.valid_until > own.valid_until
        seen_by_bob = world.bob.service.get_cached_descriptor(CTX, ALICE, world.now[0])
        assert seen_by_bob == newer  # synced over TCP
        await world.close()

    run(scenario())


def test_the_running_driver_rekeys_after_an_epoch_advance() -> None:
    """``Driver.run`` on the node's own timer task: the epoch advance wakes it, Bob's
    republish arrives by the next sync, and the rekey follows; the test waits for
    the action itself (bounded), not for time to pass."""

    async def scenario() -> None:
        world = _World()
        alice, bob = await world.start(retry_s=0.05)
        await alice.connect(CTX, BOB)
        await within(world.tcp.accepted.get(), SAFETY_S, "accept")
        tasks = [asyncio.create_task(d.run()) for d in (alice, bob)]
        # Bob's successor must be newer than his first descriptor: the chosen one
        # is the greatest (valid_from, nonce), and a tie falls to the random nonce.
        world.now[0] += 10
        alice.advance_epoch(CTX, 2)
        bob.advance_epoch(CTX, 2)

        async def rekeyed() -> DriverAction:
            while (action := await alice.actions.get()).kind != "rekeyed":
                pass
            return action

        action = await within(rekeyed(), SAFETY_S, "rekey")
        assert action.peer == BOB and action.detail == "epoch 2"
        await within(world.tcp.accepted.get(), SAFETY_S, "Bob's side of the rekey")
        assert world.bob.service.channel_state(CTX, ALICE) is ChannelState.Active
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await world.close()

    run(scenario())
