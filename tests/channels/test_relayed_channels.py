"""The relayed choreography end to end: a real IKpsk2 handshake through a relay that
only ever sees opaque envelopes, checked message by message by the runtime monitor."""

from __future__ import annotations

from aura_rendezvous import (
    CAP_RELAY_FORWARD,
    CAP_RENDEZVOUS_CONNECT,
    CAP_RENDEZVOUS_PUBLISH,
    CAP_RENDEZVOUS_RELAY,
    ContextMembership,
    DescriptorFact,
    ExecutionStatus,
    ForwardRelayEnvelope,
    Roster,
    SendHandshakeResponse,
    SendRelayRequest,
    SendRelayResponse,
    WebSocketRelay,
)
from aura_rendezvous.choreography import RELAYED_RENDEZVOUS, MessageEvent, TraceMonitor

from ..impl.world import CTX, RELAY, ROOT, Node, authority_keys
from .service_pairs import ALICE_ID, BOB_ID, make_party

RELAY_ID = RELAY
CAPS = frozenset({CAP_RENDEZVOUS_PUBLISH, CAP_RENDEZVOUS_CONNECT, CAP_RENDEZVOUS_RELAY})


def test_relayed_handshake_follows_choreography_and_confirms() -> None:
    """RelayRequest → RelayForward → RelayResponse → RelayComplete carry Noise messages 1
    and 2 unchanged; each hop charges its annotated cost; after key confirmation Bob
    journals ChannelEstablished and the channel carries data end to end."""
    roster = Roster.of(authority_keys(ALICE_ID), authority_keys(BOB_ID), authority_keys(RELAY_ID))
    membership = ContextMembership(CTX, roster, ROOT)
    alice, bob = make_party(ALICE_ID, membership), make_party(BOB_ID, membership)
    relay = make_party(RELAY_ID, membership)
    alice.capabilities = bob.capabilities = CAPS
    relay.capabilities = frozenset({CAP_RELAY_FORWARD})
    psk = membership.handshake_psk(1)

    assert (
        bob.run(
            bob.service.prepare_publish_descriptor(
                bob.snapshot(epoch=1), CTX, [WebSocketRelay(RELAY_ID)], 0
            )
        ).status
        is ExecutionStatus.Committed
    )
    for fact in bob.facts():
        if isinstance(fact, DescriptorFact):
            alice.service.cache_descriptor(fact.sealed)

    monitor = TraceMonitor(RELAYED_RENDEZVOUS)

    def spent(party: Node) -> int:
        return party.budget.spent(CTX, party.id, 1)

    # RelayRequest: Alice's first Noise message, handed to the relay.
    msg1 = alice.service.channel_endpoint.start(membership, 1, BOB_ID, psk, 0)
    before = spent(alice)
    alice.run(
        alice.service.prepare_relay_request(
            alice.snapshot(epoch=1), CTX, BOB_ID, psk, handshake_message=msg1, now_ms=0
        )
    )
    [request] = alice.take_sent()
    assert isinstance(request, SendRelayRequest)
    monitor.observe(
        MessageEvent(
            "Initiator", "Relay", "RelayRequest", CAP_RENDEZVOUS_RELAY, spent(alice) - before
        )
    )

    # RelayForward: the relay passes the opaque envelope on.
    before = spent(relay)
    relay.run(relay.service.prepare_relay_forward(relay.snapshot(epoch=1), request.envelope))
    [forward] = relay.take_sent()
    assert isinstance(forward, ForwardRelayEnvelope) and forward.to == BOB_ID
    monitor.observe(
        MessageEvent("Relay", "Responder", "RelayForward", CAP_RELAY_FORWARD, spent(relay) - before)
    )
    assert forward.envelope.payload == msg1  # end to end: the relay changed nothing

    # RelayResponse: Bob checks message 1 (roster, static key, replay) and answers.
    msg2 = bob.service.channel_endpoint.accept(
        membership, 1, ALICE_ID, forward.envelope.payload, psk=psk, now_ms=0
    )
    before = spent(bob)
    bob.run(
        bob.service.prepare_relay_response(
            bob.snapshot(epoch=1), CTX, ALICE_ID, RELAY_ID, psk=psk, response_message=msg2
        )
    )
    [response] = bob.take_sent()
    assert isinstance(response, SendRelayResponse)
    monitor.observe(
        MessageEvent(
            "Responder", "Relay", "RelayResponse", CAP_RENDEZVOUS_RELAY, spent(bob) - before
        )
    )

    # RelayComplete: back to Alice.
    before = spent(relay)
    relay.run(relay.service.prepare_relay_forward(relay.snapshot(epoch=1), response.envelope))
    [complete] = relay.take_sent()
    assert isinstance(complete, ForwardRelayEnvelope) and complete.to == ALICE_ID
    monitor.observe(
        MessageEvent(
            "Relay", "Initiator", "RelayComplete", CAP_RELAY_FORWARD, spent(relay) - before
        )
    )
    assert monitor.done

    # Key confirmation, then the fact on Bob's side only.
    alice.run(
        alice.service.prepare_handle_handshake(
            alice.snapshot(epoch=1), CTX, BOB_ID, complete.envelope.payload, psk, now_ms=0
        )
    )
    [confirmation] = alice.take_sent()
    assert isinstance(confirmation, SendHandshakeResponse)
    assert bob.established() == []
    bob.run(
        bob.service.prepare_handle_handshake(
            bob.snapshot(epoch=1), CTX, ALICE_ID, confirmation.message, psk, now_ms=0
        )
    )
    [fact] = bob.established()
    assert (fact.initiator, fact.responder) == (ALICE_ID, BOB_ID)
    assert relay.established() == []
    wire = alice.service.channel_endpoint.manager.seal(CTX.value, BOB_ID.value, b"via relay")
    assert bob.service.channel_endpoint.manager.receive(wire).plaintext == b"via relay"


def test_monitor_rejects_relay_skipping_the_forward() -> None:
    """Failing counterpart: a relay that answers the initiator without forwarding (or a
    responder talking to the initiator directly) is rejected by the monitor."""
    import pytest
    from aura_rendezvous import ChoreographyViolation

    monitor = TraceMonitor(RELAYED_RENDEZVOUS)
    monitor.observe(MessageEvent("Initiator", "Relay", "RelayRequest", CAP_RENDEZVOUS_RELAY, 2))
    with pytest.raises(ChoreographyViolation) as info:
        monitor.observe(MessageEvent("Relay", "Initiator", "RelayComplete"))
    assert info.value.kind == "OutOfOrder"
    monitor = TraceMonitor(RELAYED_RENDEZVOUS)
    monitor.observe(MessageEvent("Initiator", "Relay", "RelayRequest"))
    with pytest.raises(ChoreographyViolation) as info:
        monitor.observe(MessageEvent("Initiator", "Responder", "RelayForward"))
    assert info.value.kind == "WrongSender"
