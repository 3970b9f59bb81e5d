"""QUIC direct and QUIC to the STUN-reflexive address, on loopback with aioquic.

The certificate is made at run time; Noise IKpsk2 inside the stream is the
authentication. The listener learns its reflexive address by STUN from its own
QUIC socket and the peer connects to that address.
"""

from __future__ import annotations

import asyncio
import socket

import pytest
from aura_net import (
    GuardDenied,
    Limits,
    QuicListener,
    SafetyNetTimeout,
    StunServer,
    connect_quic,
    within,
)
from aura_rendezvous import (
    CAP_RENDEZVOUS_PUBLISH,
    ChannelState,
    DenyReason,
    QuicDirect,
    QuicReflexive,
)

from ..impl.world import ALICE, BOB, CTX
from .net_world import SAFETY_S, established, net_node, run, share_descriptors


def test_handshake_and_traffic_over_quic() -> None:
    async def scenario() -> None:
        alice, bob = net_node(ALICE), net_node(BOB)
        listener = QuicListener(bob)
        hint = await listener.start()
        bob.publish(CTX, [hint])
        share_descriptors(alice, bob)
        channel = await within(connect_quic(alice, CTX, BOB, hint), SAFETY_S, "QUIC connect")
        accepted = await within(listener.accepted.get(), SAFETY_S, "QUIC accept")
        assert channel.transport == accepted.transport == "QuicDirect"
        assert bob.service.channel_state(CTX, ALICE) is ChannelState.Active
        assert len(established(bob)) == 1
        await channel.send(b"over quic")
        assert await accepted.recv(SAFETY_S) == b"over quic"
        await accepted.send(b"and back")
        assert await channel.recv(SAFETY_S) == b"and back"
        await within(channel.close(), SAFETY_S, "close")
        await within(accepted.close(), SAFETY_S, "close")
        await listener.close()
        assert listener.errors == []

    run(scenario())


def test_quic_to_the_reflexive_address_learned_from_the_quic_socket() -> None:
    async def scenario() -> None:
        stun = StunServer()
        stun_addr = await stun.start()
        alice, bob = net_node(ALICE), net_node(BOB)
        listener = QuicListener(bob)
        direct = await listener.start()
        reflexive = await within(listener.learn_reflexive(stun_addr), SAFETY_S, "STUN")
        assert isinstance(reflexive, QuicReflexive)
        assert reflexive.addr == direct.addr  # loopback: the QUIC socket itself
        bob.publish(CTX, [reflexive])
        share_descriptors(alice, bob)
        channel = await within(connect_quic(alice, CTX, BOB, reflexive), SAFETY_S, "connect")
        accepted = await within(listener.accepted.get(), SAFETY_S, "accept")
        assert channel.transport == "QuicReflexive"
        await channel.send(b"via the reflexive address")
        assert await accepted.recv(SAFETY_S) == b"via the reflexive address"
        assert stun.answered == 1
        await channel.close()
        await listener.close()
        stun.close()

    run(scenario())


class _UdpRecorder(asyncio.DatagramProtocol):
    """A UDP port that records every datagram and answers none (a blocked path)."""

    def __init__(self) -> None:
        self.datagrams: list[bytes] = []

    def datagram_received(self, data: bytes, addr: object) -> None:
        self.datagrams.append(data)


async def _udp_recorder() -> tuple[_UdpRecorder, asyncio.DatagramTransport, QuicDirect]:
    recorder = _UdpRecorder()
    loop = asyncio.get_running_loop()
    transport, _ = await loop.create_datagram_endpoint(
        lambda: recorder, local_addr=("127.0.0.1", 0)
    )
    host, port = transport.get_extra_info("sockname")[:2]
    return recorder, transport, QuicDirect(f"{host}:{port}")


def test_a_guard_deny_sends_no_datagram_and_a_blocked_path_times_out() -> None:
    """Denied: the recorder at the peer's address gets nothing. Allowed (the
    counterpart): it gets QUIC Initial packets, never answers, and the connect
    ends in SafetyNetTimeout after its own timeout."""

    async def scenario() -> None:
        recorder, transport, hint = await _udp_recorder()
        bob = net_node(BOB)
        bob.publish(CTX, [hint])
        denied_alice = net_node(ALICE, caps=frozenset({CAP_RENDEZVOUS_PUBLISH}))
        share_descriptors(denied_alice, bob)
        with pytest.raises(GuardDenied) as denied:
            await within(connect_quic(denied_alice, CTX, BOB, hint), SAFETY_S, "connect")
        assert denied.value.reason is DenyReason.MissingCapability
        await asyncio.sleep(0.1)
        assert recorder.datagrams == []

        alice = net_node(ALICE)
        share_descriptors(alice, bob)
        with pytest.raises(SafetyNetTimeout):
            await within(
                connect_quic(alice, CTX, BOB, hint, Limits(connect_timeout_s=0.5)),
                SAFETY_S,
                "connect",
            )
        assert recorder.datagrams and all(d[0] & 0x80 for d in recorder.datagrams)
        transport.close()

    run(scenario())


def test_nothing_listening_at_all_is_a_timeout_too() -> None:
    async def scenario() -> None:
        probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        probe.bind(("127.0.0.1", 0))
        host, port = probe.getsockname()
        probe.close()
        hint = QuicDirect(f"{host}:{port}")
        alice, bob = net_node(ALICE), net_node(BOB)
        bob.publish(CTX, [hint])
        share_descriptors(alice, bob)
        with pytest.raises(SafetyNetTimeout):
            await within(
                connect_quic(alice, CTX, BOB, hint, Limits(connect_timeout_s=0.5)),
                SAFETY_S,
                "connect",
            )

    run(scenario())
