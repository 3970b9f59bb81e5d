"""200 concurrent handshakes through one relay, on loopback: nothing is lost.

Twenty initiators each connect to ten responders at once, all through the same
relay; every channel must come up on both sides, carry one message each way,
and the relay must have paid one forward per message.
"""

from __future__ import annotations

import asyncio
import os

import pytest
from aura_net import NetNode, RelayClient, RelayServer, within
from aura_rendezvous import (
    RELAY_FORWARD_COST,
    AuthorityId,
    ChannelState,
    ContextId,
    ContextMembership,
    DescriptorFact,
    Roster,
    WebSocketRelay,
)

from ..impl.world import ALL_CAPS, RELAY, authority_keys, make_service
from .net_world import run

INITIATORS = [AuthorityId(b"I%02d" % i + b"-" * 29) for i in range(20)]
RESPONDERS = [AuthorityId(b"R%02d" % i + b"+" * 29) for i in range(10)]
LOAD_CTX = ContextId(b"L" * 32)
LOAD_ROOT = b"root-secret-of-the-load-context!"
SAFETY_S = 120.0


def _node(authority: AuthorityId, membership: ContextMembership) -> NetNode:
    service = make_service(
        authority,
        [membership],
        nonce_source=os.urandom,
        validity_ms=3_600_000,
        refresh_window_ms=300_000,
    )
    service.advance_epoch(LOAD_CTX, 1)
    return NetNode(service, capabilities=ALL_CAPS, budget_limit=10**9)


@pytest.mark.slow
def test_two_hundred_concurrent_handshakes_through_one_relay() -> None:
    async def scenario() -> None:
        everyone = [*INITIATORS, *RESPONDERS, RELAY]
        membership = ContextMembership(
            LOAD_CTX, Roster.of(*(authority_keys(a) for a in everyone)), LOAD_ROOT
        )
        relay = _node(RELAY, membership)
        server = RelayServer(relay)
        url = await server.start()
        nodes = {a: _node(a, membership) for a in [*INITIATORS, *RESPONDERS]}
        for responder in RESPONDERS:
            nodes[responder].publish(LOAD_CTX, [WebSocketRelay(RELAY)])
            facts = nodes[responder].service.journal(LOAD_CTX).facts()
            (fact,) = [f for f in facts if isinstance(f, DescriptorFact)]
            for initiator in INITIATORS:
                nodes[initiator].service.cache_descriptor(fact.sealed)
        clients = {a: RelayClient(n, RELAY) for a, n in nodes.items()}
        await asyncio.gather(
            *(within(c.connect(url), SAFETY_S, "connect") for c in clients.values())
        )

        async def handshake(initiator: AuthorityId, responder: AuthorityId) -> None:
            channel = await clients[initiator].connect_peer(LOAD_CTX, responder, SAFETY_S)
            await channel.send(initiator.value + responder.value)

        pairs = [(i, r) for i in INITIATORS for r in RESPONDERS]
        await within(asyncio.gather(*(handshake(i, r) for i, r in pairs)), SAFETY_S, "all")

        for responder in RESPONDERS:
            client = clients[responder]
            accepted = [await within(client.accepted.get(), SAFETY_S, "accept") for _ in INITIATORS]
            assert sorted(ch.peer for ch in accepted) == sorted(INITIATORS)
            for channel in accepted:
                got = await channel.recv(SAFETY_S)
                assert got == channel.peer.value + responder.value
        for initiator, responder in pairs:
            assert (
                nodes[initiator].service.channel_state(LOAD_CTX, responder) is ChannelState.Active
            )
            assert (
                nodes[responder].service.channel_state(LOAD_CTX, initiator) is ChannelState.Active
            )
        assert server.errors == [] and all(c.errors == [] for c in clients.values())
        # Per pair: message 1, message 2, the confirmation and one data message.
        assert server.forwarded == 4 * len(pairs)
        spent = relay.budget.spent(LOAD_CTX, RELAY, relay.epoch(LOAD_CTX))
        assert spent == 4 * len(pairs) * RELAY_FORWARD_COST
        for client in clients.values():
            await client.close()
        await server.close()

    run(scenario())
