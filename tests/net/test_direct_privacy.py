"""What a passive observer of a direct connection sees: sealed frames only.

A TCP direct handshake, key confirmation and channel traffic pass through a
recording proxy on loopback; no context id, authority id or receipt appears
in the bytes either way. The counterpart: the same recorder does find the ids
in a frame sent the old way, unsealed (and Bob refuses that frame unanswered).
"""

from __future__ import annotations

import asyncio

from aura_net import (
    FrameSeal,
    TcpServer,
    UnreadableFrame,
    WireFrame,
    connect_tcp,
    encode_frame,
    split_addr,
    within,
)
from aura_rendezvous import RelayEnvelope, SendHandshake, TcpDirect

from ..impl.world import ALICE, BOB, CTX
from .fault_proxy import FaultProxy
from .net_world import SAFETY_S, eventually, net_node, run, share_descriptors

_IDS = {"context": CTX.value, "Alice": ALICE.value, "Bob": BOB.value}


def _ids_in(data: bytes) -> list[str]:
    return [name for name, value in _IDS.items() if value in data]


def test_a_direct_connection_shows_no_id_to_an_observer() -> None:
    async def scenario() -> None:
        alice, bob = net_node(ALICE), net_node(BOB)
        server = TcpServer(bob)
        proxy = FaultProxy((await server.start()).addr)
        hint = TcpDirect(await proxy.start())
        bob.publish(CTX, [hint])
        share_descriptors(alice, bob)
        channel = await within(connect_tcp(alice, CTX, BOB, hint), SAFETY_S, "connect")
        accepted = await within(server.accepted.get(), SAFETY_S, "accept")
        await channel.send(b"a secret")
        assert await accepted.recv(SAFETY_S) == b"a secret"
        await accepted.send(b"another")
        assert await channel.recv(SAFETY_S) == b"another"
        await channel.close()
        await accepted.close()
        await proxy.close()
        await server.close()
        up, down = bytes(proxy.seen["up"]), bytes(proxy.seen["down"])
        assert proxy.counts == {"up": 3, "down": 2}  # message 1, confirmation, data; 2, data
        assert _ids_in(up) == [] and _ids_in(down) == []
        assert b"a secret" not in up and b"another" not in down

    run(scenario())


def test_an_unsealed_frame_shows_the_ids_and_is_refused() -> None:
    async def scenario() -> None:
        alice, bob = net_node(ALICE), net_node(BOB)
        server = TcpServer(bob)
        proxy = FaultProxy((await server.start()).addr)
        hint = TcpDirect(await proxy.start())
        bob.publish(CTX, [hint])
        share_descriptors(alice, bob)
        outcome = alice.service.prepare_establish_channel(
            alice.snapshot(CTX), CTX, BOB, alice.psk(CTX), now_ms=alice.now_ms(), transport=hint
        )
        (send,) = alice.run(outcome)
        assert isinstance(send, SendHandshake)
        plain = WireFrame(RelayEnvelope(CTX, ALICE, BOB, send.message), send.receipt).encode()
        reader, writer = await asyncio.open_connection(*split_addr(hint.addr))
        writer.write(encode_frame(plain))
        await writer.drain()
        assert await within(reader.read(), SAFETY_S, "read to the end") == b""
        writer.close()
        await eventually(lambda: bool(server.errors), "Bob's error")
        await proxy.close()
        await server.close()
        assert _ids_in(bytes(proxy.seen["up"])) == ["context", "Alice", "Bob"]
        assert [type(e) for e in server.errors] == [UnreadableFrame]
        assert server.bytes_written == 0
        # Sealed under the context, the same frame is one Bob can read.
        assert FrameSeal(bob).open(FrameSeal(alice, CTX).seal(plain)) == plain

    run(scenario())
