"""The relayed answer to a message 1 changes channel state only when committed:
a denied or rolled-back ``prepare_relay_response`` leaves no ``Establishing``
channel (real Noise messages, through a real relay node)."""

from __future__ import annotations

from aura_rendezvous import (
    CAP_RENDEZVOUS_CONNECT,
    ChannelState,
    ExecutionStatus,
    ForwardRelayEnvelope,
    GuardOutcome,
)
from aura_rendezvous.guard import AcceptHandshake

from ..impl.world import RELAY
from .test_channel_rollback import drain_budget, observable
from .test_relayed_channels import CAPS, EPOCH, RelayedWorld


def relayed_message1() -> tuple[RelayedWorld, ForwardRelayEnvelope]:
    world = RelayedWorld.new()
    request = world.request()
    forwarded = world.forward(RELAY, request.envelope, request.receipt)
    assert forwarded is not None
    return world, forwarded


def answer(world: RelayedWorld, forwarded: ForwardRelayEnvelope) -> GuardOutcome:
    bob = world.bob
    return bob.service.prepare_relay_response(
        bob.snapshot(epoch=EPOCH),
        RELAY,
        forwarded.envelope,
        world.psk,
        now_ms=1,
        receipt=forwarded.receipt,
    )


def test_denied_relay_response_leaves_no_establishing_channel() -> None:
    world, forwarded = relayed_message1()
    world.bob.capabilities = frozenset({CAP_RENDEZVOUS_CONNECT})  # no rendezvous:relay
    before = observable(world.bob.endpoint)
    outcome = answer(world, forwarded)
    assert not outcome.is_allowed() and outcome.effects == ()
    assert world.bob.run(outcome).status is ExecutionStatus.Denied
    assert observable(world.bob.endpoint) == before
    assert world.bob.endpoint.manager.channels() == ()
    assert world.bob.take_sent() == []


def test_rolled_back_relay_response_leaves_no_establishing_channel() -> None:
    world, forwarded = relayed_message1()
    outcome = answer(world, forwarded)
    assert any(isinstance(e, AcceptHandshake) for e in outcome.effects)
    assert world.bob.endpoint.manager.channels() == ()  # prepared, not committed
    refill = drain_budget(world.bob)
    assert world.bob.run(outcome).status is ExecutionStatus.RolledBack
    assert world.bob.endpoint.manager.channels() == ()
    assert world.bob.take_sent() == []
    refill()
    world.bob.capabilities = CAPS
    assert world.bob.run(answer(world, forwarded)).status is ExecutionStatus.Committed
    [channel] = world.bob.endpoint.manager.channels()
    assert channel.state is ChannelState.Establishing
