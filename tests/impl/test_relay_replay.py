"""A relay forwards an envelope once: a replayed one is refused before it pays again
(RVRelayForwardsOnce), with bounded memory."""

from __future__ import annotations

import pytest
from aura_conformance.variants import ReplayForwardingRelayService
from aura_rendezvous import (
    CAP_RELAY_FORWARD,
    RELAY_FORWARD_COST,
    DenyReason,
    ForwardRelayEnvelope,
    LocalProtocolError,
    RelayEnvelope,
    RemoteProtocolError,
    SendRelayRequest,
    WebSocketRelay,
)
from aura_rendezvous.core import ForwardedEnvelopes, ReplayedEnvelope

from .world import ALICE, ALL_CAPS, BOB, CTX, MEMBERSHIP, RELAY, Node, sync_pair

PSK1 = MEMBERSHIP.handshake_psk(1)


def _hops() -> tuple[RelayEnvelope, bytes, RelayEnvelope]:
    """A real relayed message 1 from Alice to Bob with Alice's receipt to the relay,
    and the key confirmation of that handshake (unpaid: no receipt)."""
    bob, alice = Node(BOB), Node(ALICE, nonce_start=1000)
    bob.publish([WebSocketRelay(RELAY)], 0)
    sync_pair(bob.service, alice.service)
    alice.run(alice.service.prepare_relay_request(alice.snapshot(), CTX, BOB, PSK1, now_ms=1))
    [request] = alice.take_sent()
    assert isinstance(request, SendRelayRequest) and request.receipt
    msg2 = bob.endpoint.accept(MEMBERSHIP, 1, ALICE, request.envelope.payload, psk=PSK1, now_ms=1)
    _, confirmation = alice.endpoint.finish(CTX, 1, BOB, msg2, 1)
    return request.envelope, request.receipt, RelayEnvelope(CTX, ALICE, BOB, confirmation)


def _message_1() -> tuple[RelayEnvelope, bytes]:
    envelope, receipt, _ = _hops()
    return envelope, receipt


def _state(relay: Node) -> object:
    verifier = relay.service.receipt_verifiers[CTX]
    return (
        relay.budget.spent(CTX, RELAY, 1),
        tuple(verifier.accepted),
        tuple(relay.issuer.issued),
        tuple(relay.outbox),
    )


def test_relay_refuses_a_replayed_envelope_before_charging() -> None:
    """Each copy is forwarded and paid once; the same envelope again (message 1 with
    the receipt that came with it or without, the unpaid key confirmation) is
    ReplayedEnvelope, a peer error, and nothing is charged, issued, accepted or sent."""
    envelope, receipt, confirmation = _hops()
    relay = Node(RELAY)
    for first, paid in ((envelope, receipt), (confirmation, None)):
        result = relay.run(
            relay.service.prepare_relay_forward(relay.snapshot(), first, receipt=paid)
        )
        [forward] = result.sent
        assert isinstance(forward, ForwardRelayEnvelope) and forward.envelope == first
    assert relay.budget.spent(CTX, RELAY, 1) == 2 * RELAY_FORWARD_COST
    before = _state(relay)
    for again, paid in ((envelope, receipt), (envelope, None), (confirmation, None)):
        with pytest.raises(ReplayedEnvelope) as info:
            relay.service.prepare_relay_forward(relay.snapshot(), again, receipt=paid)
        assert isinstance(info.value, RemoteProtocolError)
        assert info.value.reason == "Replayed"
        assert _state(relay) == before


def test_a_denied_forward_is_not_remembered() -> None:
    """A forward the guard denies (no relay:forward) changes nothing, so the same
    envelope is forwarded once the relay may."""
    envelope, receipt = _message_1()
    relay = Node(RELAY)
    caps = ALL_CAPS - {CAP_RELAY_FORWARD}
    out = relay.service.prepare_relay_forward(relay.snapshot(caps=caps), envelope, receipt=receipt)
    assert out.decision.reason is DenyReason.MissingCapability  # type: ignore[union-attr]
    assert len(relay.service.forwarded) == 0
    result = relay.run(
        relay.service.prepare_relay_forward(relay.snapshot(), envelope, receipt=receipt)
    )
    assert len(result.sent) == 1


def test_old_relay_forwards_and_pays_again() -> None:
    """Failing counterpart: the relay as it was (no memory) forwards a replayed key
    confirmation (unpaid, so no receipt chain stops it) and pays a second time."""
    _, _, confirmation = _hops()
    relay = Node(RELAY, service_cls=ReplayForwardingRelayService)
    for _ in range(2):
        result = relay.run(relay.service.prepare_relay_forward(relay.snapshot(), confirmation))
        [forward] = result.sent
        assert isinstance(forward, ForwardRelayEnvelope) and forward.envelope == confirmation
    assert relay.budget.spent(CTX, RELAY, 1) == 2 * RELAY_FORWARD_COST


def _envelope(i: int) -> RelayEnvelope:
    return RelayEnvelope(CTX, ALICE, BOB, i.to_bytes(4, "big"))


def test_memory_is_bounded_oldest_first_and_per_epoch() -> None:
    """At the bound the oldest digest goes (that envelope would be forwarded again);
    a newer epoch starts a fresh memory, and an envelope of an older epoch is never
    recorded over it."""
    memory = ForwardedEnvelopes(capacity=2)
    for i in range(3):
        memory.check(_envelope(i), 1)
        memory.remember(_envelope(i), 1)
    assert len(memory) == 2
    memory.check(_envelope(0), 1)  # evicted: no longer known
    for i in (1, 2):
        with pytest.raises(ReplayedEnvelope):
            memory.check(_envelope(i), 1)
    memory.check(_envelope(1), 2)  # another epoch: not a replay
    memory.remember(_envelope(1), 2)
    assert len(memory) == 1
    memory.remember(_envelope(5), 1)
    assert len(memory) == 1
    with pytest.raises(ReplayedEnvelope):
        memory.check(_envelope(1), 2)
    with pytest.raises(LocalProtocolError):
        ForwardedEnvelopes(capacity=0)
