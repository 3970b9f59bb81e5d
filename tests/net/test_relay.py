"""The WebSocket relay on loopback: the handshake, key confirmation and traffic end to end.

Everything the relay received is recorded, byte for byte, and shown to hold
only routing ids, receipts and Noise messages (ciphertext); the relay pays
``RELAY_FORWARD_COST`` per forward through its own guard chain, and a relay
without ``relay:forward`` drops: the receiver's socket gets nothing.
"""

from __future__ import annotations

import asyncio

import pytest
from aura_net import (
    ConnectionLost,
    GuardDenied,
    Limits,
    OversizedFrame,
    PeerTimeout,
    RelayClient,
    RelayServer,
    SafetyNetTimeout,
    UnexpectedPeer,
    WireFrame,
    within,
)
from aura_rendezvous import (
    CAP_RELAY_FORWARD,
    CAP_RENDEZVOUS_RELAY,
    RELAY_FORWARD_COST,
    AuthorityId,
    ChannelState,
    DecodeError,
    DenyReason,
    NotAMember,
    Receipt,
    RelayEnvelope,
    WebSocketRelay,
)
from aura_rendezvous.channels import message_type, transport_header
from websockets.asyncio.client import connect as ws_connect
from websockets.exceptions import ConnectionClosed

from ..impl.world import ALICE, ALL_CAPS, BOB, CTX, MALLORY, RELAY, authority_keys
from .net_world import SAFETY_S, established, eventually, net_node, run, share_descriptors

SECRETS = (b"the launch code is 0000", b"and the answer is 42")


async def _settle(server: RelayServer, count: int) -> None:
    """Until the relay has received ``count`` messages (safety net: SAFETY_S)."""

    async def wait() -> None:
        while len(server.seen) < count:
            await asyncio.sleep(0.01)

    await within(wait(), SAFETY_S, f"the relay receiving {count} messages")


async def _world(relay_caps: frozenset[str] = ALL_CAPS, alice_caps: frozenset[str] = ALL_CAPS):
    alice = net_node(ALICE, caps=alice_caps)
    bob, relay = net_node(BOB), net_node(RELAY, caps=relay_caps)
    server = RelayServer(relay, record=True)
    url = await server.start()
    for node in (alice, bob):
        node.publish(CTX, [WebSocketRelay(RELAY)])
    share_descriptors(alice, bob, relay)
    clients = []
    for node in (alice, bob):
        client = RelayClient(node, RELAY)
        await within(client.connect(url), SAFETY_S, "connect to the relay")
        clients.append(client)
    await _settle(server, 2)  # both hellos are in
    return alice, bob, relay, server, clients[0], clients[1]


def only_ciphertext_and_routing(
    seen: list[bytes], node_ids: set[AuthorityId], psk: bytes = b""
) -> list[str]:
    """What in ``seen`` is more than a hello, or a frame of routing ids, a receipt
    and a protocol message that carries none of the secrets nor any key. Empty if clean."""
    problems = []
    keys = [authority_keys(a) for a in node_ids]
    private = [k.static_private for k in keys] + [k.signing_key[:32] for k in keys]
    secrets = [s for s in (*SECRETS, *private, psk) if s]
    for data in seen:
        if len(data) == 96 and AuthorityId(data[:32]) in node_ids:
            continue  # a hello: an authority id and its signature over the challenge
        for secret in secrets:
            if secret in data:
                problems.append(f"a secret in the clear: {secret[:8]!r}")
        try:
            frame = WireFrame.decode(data)
        except DecodeError as exc:
            problems.append(f"not a frame: {exc}")
            continue
        env = frame.envelope
        if env.context_id != CTX or {env.src, env.dst} - node_ids:
            problems.append("routing ids outside the context's members")
        if frame.receipt:
            Receipt.decode(frame.receipt)
        try:
            message_type(env.payload, "relayed")
        except DecodeError as exc:
            problems.append(f"not a protocol message: {exc}")
    return problems


def test_handshake_and_traffic_run_end_to_end_through_the_relay() -> None:
    async def scenario() -> None:
        alice, bob, relay, server, to_alice, to_bob = await _world()
        channel = await within(to_alice.connect_peer(CTX, BOB, SAFETY_S), SAFETY_S, "connect")
        accepted = await within(to_bob.accepted.get(), SAFETY_S, "accept")
        assert alice.service.channel_state(CTX, BOB) is ChannelState.Active
        assert bob.service.channel_state(CTX, ALICE) is ChannelState.Active
        assert len(established(bob)) == 1
        await channel.send(SECRETS[0])
        assert await accepted.recv(SAFETY_S) == SECRETS[0]
        await accepted.send(SECRETS[1])
        assert await channel.recv(SAFETY_S) == SECRETS[1]

        # msg 1, msg 2, confirmation and two data messages: five paid forwards.
        assert server.forwarded == 5
        spent = relay.budget.spent(CTX, RELAY, relay.epoch(CTX))
        assert spent == 5 * RELAY_FORWARD_COST
        assert server.errors == [] and to_alice.errors == [] and to_bob.errors == []
        assert len(server.seen) == 2 + 5  # two hellos, five frames
        assert only_ciphertext_and_routing(server.seen, {ALICE, BOB}, alice.psk(CTX)) == []
        for client in (to_alice, to_bob):
            await client.close()
        await server.close()

    run(scenario())


def test_the_relay_record_check_catches_a_plaintext() -> None:
    """The counterpart: a frame whose payload holds a secret is flagged."""
    header = transport_header(bytes(32), 1, 0)
    leaky = WireFrame(RelayEnvelope(CTX, ALICE, BOB, header + SECRETS[0] + bytes(16)))
    problems = only_ciphertext_and_routing([leaky.encode()], {ALICE, BOB})
    assert any("secret" in p for p in problems)


def test_a_relay_without_relay_forward_drops_and_the_receiver_gets_nothing() -> None:
    async def scenario() -> None:
        no_forward = ALL_CAPS - {CAP_RELAY_FORWARD}
        _alice, _bob, relay, server, to_alice, to_bob = await _world(no_forward)
        with pytest.raises(SafetyNetTimeout):
            await to_alice.connect_peer(CTX, BOB, 0.5)
        await eventually(lambda: bool(server.errors), "the relay's drop")
        await asyncio.sleep(0.1)
        assert to_bob.received == 0 and to_alice.received == 0
        assert [type(e) for e in server.errors] == [GuardDenied]
        denied = server.errors[0]
        assert isinstance(denied, GuardDenied)
        assert denied.reason is DenyReason.MissingCapability
        assert relay.budget.spent(CTX, RELAY, relay.epoch(CTX)) == 0
        for client in (to_alice, to_bob):
            await client.close()
        await server.close()

    run(scenario())


def test_an_initiator_deny_sends_nothing_to_the_relay() -> None:
    async def scenario() -> None:
        no_relay = ALL_CAPS - {CAP_RENDEZVOUS_RELAY}
        _alice, _bob, _relay, server, to_alice, to_bob = await _world(alice_caps=no_relay)
        with pytest.raises(GuardDenied) as denied:
            await to_alice.connect_peer(CTX, BOB, SAFETY_S)
        assert denied.value.reason is DenyReason.MissingCapability
        await asyncio.sleep(0.1)
        assert len(server.seen) == 2  # the hellos only
        for client in (to_alice, to_bob):
            await client.close()
        await server.close()

    run(scenario())


def test_a_frame_from_someone_else_is_dropped() -> None:
    async def scenario() -> None:
        _alice, _bob, _relay, server, to_alice, to_bob = await _world()
        assert to_alice._ws is not None
        forged = WireFrame(RelayEnvelope(CTX, BOB, ALICE, b"\x01\x03" + bytes(80)))
        await to_alice._ws.send(forged.encode())
        await to_alice._ws.send(b"\x00\x00garbage")
        await eventually(lambda: len(server.errors) == 2, "the relay's errors")
        assert [type(e) for e in server.errors][:1] == [UnexpectedPeer]
        assert isinstance(server.errors[1], DecodeError)
        assert to_bob.received == 0 and server.forwarded == 0
        for client in (to_alice, to_bob):
            await client.close()
        await server.close()

    run(scenario())


def test_a_silent_or_oversized_relay_client_gets_a_typed_error() -> None:
    """Silence before the hello is PeerTimeout; a message above the frame limit is
    refused from its header (OversizedFrame) and the connection closed. The
    counterpart, a well-behaved client, is every other test here."""

    async def scenario() -> None:
        relay = net_node(RELAY)
        server = RelayServer(relay, Limits(max_frame=1000, frame_timeout_s=0.3), record=True)
        url = await server.start()
        async with ws_connect(url) as silent:
            await within(silent.recv(), SAFETY_S, "challenge")
            with pytest.raises(ConnectionClosed):
                await within(silent.recv(), SAFETY_S, "close after the deadline")
        assert [type(e) for e in server.errors] == [PeerTimeout]

        alice = net_node(ALICE)
        share_descriptors(alice, relay)
        client = RelayClient(alice, RELAY)
        await within(client.connect(url), SAFETY_S, "connect")
        assert client._ws is not None
        await client._ws.send(b"\x00" * 5000)
        await eventually(lambda: len(server.errors) == 2, "the relay's errors")
        assert [type(e) for e in server.errors] == [PeerTimeout, OversizedFrame]
        assert server.seen[-1] != b"\x00" * 5000  # never read into the record
        await client.close()
        await server.close()

    run(scenario())


def test_a_second_relayed_handshake_completes_beside_the_active_one() -> None:
    """A new handshake with a peer we already have an Active channel with (a
    reconnect, or a rekey) completes on both sides and replaces the old channel;
    the client reads what a step completed from its effects, not from the state
    an older channel already had."""

    async def scenario() -> None:
        _alice, bob, _relay, server, to_alice, to_bob = await _world()
        first = await within(to_alice.connect_peer(CTX, BOB, SAFETY_S), SAFETY_S, "first")
        await within(to_bob.accepted.get(), SAFETY_S, "first accept")
        second = await within(to_alice.connect_peer(CTX, BOB, SAFETY_S), SAFETY_S, "second")
        accepted = await within(to_bob.accepted.get(), SAFETY_S, "second accept")
        assert len(established(bob)) == 2
        await second.send(b"on the new channel")
        assert await accepted.recv(SAFETY_S) == b"on the new channel"
        assert first.peer == second.peer == BOB
        for client in (to_alice, to_bob):
            await client.close()
        await server.close()

    run(scenario())


def test_a_non_member_is_refused_at_the_hello() -> None:
    """Mallory is on no roster the relay shares: her hello is refused (NotAMember)
    and her connect fails typed; the counterpart is every member's connect."""

    async def scenario() -> None:
        _alice, _bob, _relay, server, to_alice, to_bob = await _world()
        outsider = RelayClient(net_node(MALLORY), RELAY)
        assert server.url is not None
        with pytest.raises(ConnectionLost):
            await within(outsider.connect(server.url), SAFETY_S, "connect")
        assert [type(e) for e in server.errors] == [NotAMember]
        for client in (to_alice, to_bob):
            await client.close()
        await server.close()

    run(scenario())
