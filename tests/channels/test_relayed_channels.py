"""The relayed choreography end to end (seed 5.2): a real IKpsk2 handshake, its key
confirmation and transport messages, every one of them in an envelope through a relay
that only ever sees routing ids and ciphertext, checked by the runtime monitor."""

from __future__ import annotations

import attrs
import pytest
from aura_conformance.variants import FirstRelayOnlyService
from aura_rendezvous import (
    CAP_RELAY_FORWARD,
    CAP_RENDEZVOUS_CONNECT,
    CAP_RENDEZVOUS_PUBLISH,
    CAP_RENDEZVOUS_RELAY,
    RELAY_FORWARD_COST,
    AuthorityId,
    ContextMembership,
    DenyReason,
    DescriptorFact,
    ExecutionStatus,
    ForwardRelayEnvelope,
    ReceiptError,
    RelayEnvelope,
    RendezvousService,
    Roster,
    SendEffect,
    SendHandshake,
    SendHandshakeResponse,
    SendRelayData,
    SendRelayRequest,
    SendRelayResponse,
    WebSocketRelay,
)
from aura_rendezvous.channels import MessageType, TransportMessage, message_type
from aura_rendezvous.choreography import RELAYED_RENDEZVOUS, MessageEvent, TraceMonitor
from aura_rendezvous.core import MalformedEnvelope

from ..impl.world import CTX, MALLORY, RELAY, ROOT, Node, authority_keys
from .service_pairs import ALICE_ID, BOB_ID, make_party

RELAY2 = AuthorityId(b"S" * 32)
CAPS = frozenset({CAP_RENDEZVOUS_PUBLISH, CAP_RENDEZVOUS_CONNECT, CAP_RENDEZVOUS_RELAY})
SECRET = b"the application's plaintext, never seen by the relay"
EPOCH = 1


@attrs.define
class RelayedWorld:
    """Alice connects to Bob through one of the relays of Bob's descriptor.

    Each relay records every envelope it handled (:attr:`seen`); every node's
    sends are kept (:attr:`sends`) so a test can show nothing went direct."""

    membership: ContextMembership
    alice: Node
    bob: Node
    relays: dict[AuthorityId, Node]
    seen: list[RelayEnvelope] = attrs.Factory(list)
    sends: list[SendEffect] = attrs.Factory(list)

    @classmethod
    def new(
        cls,
        hints: tuple[AuthorityId, ...] = (RELAY,),
        initiator: type[RendezvousService] = RendezvousService,
    ) -> RelayedWorld:
        keys = [authority_keys(a) for a in (ALICE_ID, BOB_ID, RELAY, RELAY2)]
        membership = ContextMembership(CTX, Roster.of(*keys), ROOT)
        alice, bob = make_party(ALICE_ID, membership), make_party(BOB_ID, membership)
        if initiator is not RendezvousService:
            alice.service = initiator.new(ALICE_ID, alice.service.config)
            alice.interpreter.channels = alice.service.channel_endpoint
            alice.interpreter.journals = alice.service.journals
        alice.capabilities = bob.capabilities = CAPS
        relays = {r: make_party(r, membership) for r in (RELAY, RELAY2)}
        for relay in relays.values():
            relay.capabilities = frozenset({CAP_RELAY_FORWARD})
        world = cls(membership, alice, bob, relays)
        outcome = bob.service.prepare_publish_descriptor(
            bob.snapshot(epoch=EPOCH), CTX, [WebSocketRelay(h) for h in hints], 0
        )
        assert bob.run(outcome).status is ExecutionStatus.Committed
        for fact in bob.facts():
            if isinstance(fact, DescriptorFact):
                alice.service.cache_descriptor(fact.sealed)
        return world

    @property
    def psk(self) -> bytes:
        return self.membership.handshake_psk(EPOCH)

    def sent_by(self, node: Node) -> SendEffect:
        [effect] = node.take_sent()
        self.sends.append(effect)
        return effect

    def forward(
        self, relay: AuthorityId, envelope: RelayEnvelope, receipt: bytes = b""
    ) -> ForwardRelayEnvelope | None:
        """The relay's turn: record the envelope, forward it if its guard allows
        (checking the sender's ``receipt``, if the hop was paid)."""
        node = self.relays[relay]
        self.seen.append(RelayEnvelope.decode(envelope.encode()))  # what crossed the wire
        paid = receipt or None
        node.run(
            node.service.prepare_relay_forward(node.snapshot(epoch=EPOCH), envelope, receipt=paid)
        )
        sent = node.take_sent()
        if not sent:
            return None
        [effect] = sent
        assert isinstance(effect, ForwardRelayEnvelope) and effect.envelope == envelope
        return effect

    def deliver(self, node: Node, relay: AuthorityId, forwarded: ForwardRelayEnvelope) -> None:
        assert forwarded.to == node.id
        outcome = node.service.prepare_handle_relayed(
            node.snapshot(epoch=EPOCH),
            relay,
            forwarded.envelope,
            self.psk,
            now_ms=1,
            receipt=forwarded.receipt,
        )
        assert node.run(outcome).status is ExecutionStatus.Committed, outcome

    def request(self, exclude: tuple[AuthorityId, ...] = ()) -> SendRelayRequest:
        outcome = self.alice.service.prepare_relay_request(
            self.alice.snapshot(epoch=EPOCH), CTX, BOB_ID, self.psk, now_ms=1, exclude=exclude
        )
        assert self.alice.run(outcome).status is ExecutionStatus.Committed, outcome
        request = self.sent_by(self.alice)
        assert isinstance(request, SendRelayRequest)
        return request

    def connect(self, request: SendRelayRequest) -> None:
        """Message 1 out to the confirmation in: every hop through ``request.relay``."""
        relay = request.relay
        forward = self.forward(relay, request.envelope, request.receipt)
        assert forward is not None
        self.deliver(self.bob, relay, forward)
        response = self.sent_by(self.bob)
        assert isinstance(response, SendRelayResponse) and response.relay == relay
        complete = self.forward(relay, response.envelope, response.receipt)
        assert complete is not None
        self.deliver(self.alice, relay, complete)
        confirmation = self.sent_by(self.alice)
        assert isinstance(confirmation, SendRelayData) and confirmation.relay == relay
        forwarded = self.forward(relay, confirmation.envelope)
        assert forwarded is not None
        self.deliver(self.bob, relay, forwarded)
        assert self.bob.take_sent() == []

    def send_data(self, src: Node, dst: Node, relay: AuthorityId, plaintext: bytes) -> bytes:
        """``plaintext`` sealed by ``src``, through ``relay``, opened by ``dst``."""
        wire = src.endpoint.manager.seal(CTX.value, dst.id.value, plaintext)
        outcome = src.service.prepare_relay_data(
            src.snapshot(epoch=EPOCH), CTX, dst.id, relay, wire
        )
        assert src.run(outcome).status is ExecutionStatus.Committed
        data = self.sent_by(src)
        assert isinstance(data, SendRelayData) and data.relay == relay
        forwarded = self.forward(relay, data.envelope)
        assert forwarded is not None and forwarded.to == dst.id
        self.deliver(dst, relay, forwarded)  # records the relay's receipt, sends nothing
        assert dst.take_sent() == []
        return bytes(dst.endpoint.manager.receive(forwarded.envelope.payload).plaintext)


def test_relayed_handshake_follows_choreography_and_confirms() -> None:
    """RelayRequest → RelayForward → RelayResponse → RelayComplete carry Noise messages 1
    and 2 that the service itself produced; each hop charges its annotated cost; the key
    confirmation goes back through the relay (never directly), Bob journals
    ChannelEstablished, and transport messages travel both ways through the relay."""
    w = RelayedWorld.new()
    relay = w.relays[RELAY]
    monitor = TraceMonitor(RELAYED_RENDEZVOUS)

    def spent(node: Node) -> int:
        return node.budget.spent(CTX, node.id, EPOCH)

    before = spent(w.alice)
    request = w.request()
    assert request.relay == RELAY
    assert message_type(request.envelope.payload) is MessageType.HandshakeInit
    monitor.observe(
        MessageEvent(
            "Initiator", "Relay", "RelayRequest", CAP_RENDEZVOUS_RELAY, spent(w.alice) - before
        )
    )
    before = spent(relay)
    forward = w.forward(RELAY, request.envelope, request.receipt)
    assert forward is not None and forward.to == BOB_ID
    monitor.observe(
        MessageEvent("Relay", "Responder", "RelayForward", CAP_RELAY_FORWARD, spent(relay) - before)
    )
    before = spent(w.bob)
    w.deliver(w.bob, RELAY, forward)
    response = w.sent_by(w.bob)
    assert isinstance(response, SendRelayResponse) and response.relay == RELAY
    assert message_type(response.envelope.payload) is MessageType.HandshakeResponse
    monitor.observe(
        MessageEvent(
            "Responder", "Relay", "RelayResponse", CAP_RENDEZVOUS_RELAY, spent(w.bob) - before
        )
    )
    before = spent(relay)
    complete = w.forward(RELAY, response.envelope, response.receipt)
    assert complete is not None and complete.to == ALICE_ID
    monitor.observe(
        MessageEvent(
            "Relay", "Initiator", "RelayComplete", CAP_RELAY_FORWARD, spent(relay) - before
        )
    )
    assert monitor.done

    # The key confirmation: a transport message, in an envelope, to the relay.
    w.deliver(w.alice, RELAY, complete)
    confirmation = w.sent_by(w.alice)
    assert isinstance(confirmation, SendRelayData) and confirmation.relay == RELAY
    assert confirmation.envelope.dst == BOB_ID
    assert message_type(confirmation.envelope.payload) is MessageType.Transport
    assert w.bob.established() == []
    forwarded = w.forward(RELAY, confirmation.envelope)
    assert forwarded is not None
    w.deliver(w.bob, RELAY, forwarded)
    [fact] = w.bob.established()
    assert (fact.initiator, fact.responder) == (ALICE_ID, BOB_ID)
    assert w.relays[RELAY].established() == []

    assert w.send_data(w.alice, w.bob, RELAY, SECRET) == SECRET
    assert w.send_data(w.bob, w.alice, RELAY, b"reply") == b"reply"
    assert not [s for s in w.sends if isinstance(s, SendHandshake | SendHandshakeResponse)]
    # Forwarded, each for RELAY_FORWARD_COST: messages 1 and 2, the confirmation, two data.
    assert spent(relay) == 5 * RELAY_FORWARD_COST and len(w.seen) == 5


def test_relay_sees_only_routing_ids_and_ciphertext() -> None:
    """Every envelope the relay handled: in clear only the context id, source,
    destination and the protocol header (version, type, epoch; a transport message's
    channel id and counter). No application plaintext, and neither the initiator's id
    nor its static key inside message 1 (both are encrypted there)."""
    w = RelayedWorld.new()
    w.connect(w.request())
    w.send_data(w.alice, w.bob, RELAY, SECRET)
    w.send_data(w.bob, w.alice, RELAY, SECRET)
    alice_static = authority_keys(ALICE_ID).x25519_public
    kinds = []
    for envelope in w.seen:
        raw = envelope.encode()
        routing = CTX.value + envelope.src.value + envelope.dst.value
        payload = envelope.payload
        # The encoding is tag, the three routing ids, the payload's length, the payload.
        assert raw == raw[:2] + routing + len(payload).to_bytes(4, "big") + payload
        assert SECRET not in raw
        kind = message_type(payload)
        kinds.append(kind)
        if kind is MessageType.Transport:
            message = TransportMessage.decode(payload)
            assert payload == message.header() + message.ciphertext
            assert SECRET not in message.ciphertext
        else:
            assert ALICE_ID.value not in payload and alice_static not in payload
    assert kinds == [
        MessageType.HandshakeInit,
        MessageType.HandshakeResponse,
        MessageType.Transport,
        MessageType.Transport,
        MessageType.Transport,
    ]
    # The two data messages carry the same plaintext yet share no ciphertext.
    first, second = (TransportMessage.decode(e.payload) for e in w.seen[3:])
    assert first.ciphertext != second.ciphertext


def test_unusable_first_relay_is_skipped_and_failed_one_excluded() -> None:
    """Bob lists a non-member relay, then two relays. The non-member is never tried;
    the first usable one drops (no relay:forward), so Alice reports it failed
    (``exclude``) and a fresh handshake through the second relay completes. With both
    excluded the request is denied with no effects."""
    w = RelayedWorld.new(hints=(MALLORY, RELAY, RELAY2))
    assert w.alice.service.relays_for(CTX, BOB_ID, 1) == (RELAY, RELAY2)
    w.relays[RELAY].capabilities = frozenset()
    first = w.request()
    assert first.relay == RELAY
    # Dropped: nothing sent, nothing charged.
    assert w.forward(RELAY, first.envelope, first.receipt) is None
    assert w.relays[RELAY].budget.spent(CTX, RELAY, EPOCH) == 0

    second = w.request(exclude=(RELAY,))
    assert second.relay == RELAY2
    assert second.envelope.payload != first.envelope.payload  # a new message 1
    w.connect(second)
    assert len(w.bob.established()) == 1
    assert w.send_data(w.alice, w.bob, RELAY2, SECRET) == SECRET

    outcome = w.alice.service.prepare_relay_request(
        w.alice.snapshot(epoch=EPOCH), CTX, BOB_ID, w.psk, now_ms=1, exclude=(RELAY, RELAY2)
    )
    assert not outcome.is_allowed() and outcome.effects == ()
    assert outcome.decision.reason is DenyReason.NoRelayTransport  # type: ignore[union-attr]


def test_first_relay_only_never_reaches_a_peer_behind_its_second_relay() -> None:
    """Failing counterpart: the old rule (the descriptor's first relay hint only, no
    way to exclude it) leaves Alice unable to reach Bob: with a non-member listed first
    it denies outright, and with a dropping first relay every retry goes to it again."""
    w = RelayedWorld.new(hints=(MALLORY, RELAY, RELAY2), initiator=FirstRelayOnlyService)
    outcome = w.alice.service.prepare_relay_request(
        w.alice.snapshot(epoch=EPOCH), CTX, BOB_ID, w.psk, now_ms=1, exclude=(MALLORY,)
    )
    assert not outcome.is_allowed()
    w = RelayedWorld.new(hints=(RELAY, RELAY2), initiator=FirstRelayOnlyService)
    w.relays[RELAY].capabilities = frozenset()
    for _ in range(3):
        request = w.request(exclude=(RELAY,))
        assert request.relay == RELAY
        assert w.forward(RELAY, request.envelope, request.receipt) is None
    assert w.bob.established() == []


def test_a_relay_keeps_one_unbroken_receipt_chain_to_each_peer() -> None:
    """Two relayed handshakes and data through one relay: every forward the relay made
    to Bob (messages 1, confirmations, data) is paid by a receipt Bob checks and records,
    so the second handshake's receipts still link to the last one Bob accepted."""
    w = RelayedWorld.new()
    for round_ in (1, 2):
        w.connect(w.request())
        assert w.send_data(w.alice, w.bob, RELAY, SECRET) == SECRET
        assert len(w.bob.established()) == round_
    chain = w.bob.service.receipt_verifiers[CTX].accepted
    assert [r.src for r in chain] == [RELAY] * 6  # msg 1, confirmation, data; twice
    assert [r.nonce for r in chain] == list(range(1, 7))


def test_relayed_receiver_refuses_misaddressed_and_malformed_envelopes() -> None:
    """An envelope for someone else, or one that is no protocol message, is refused by
    its receiver with MalformedEnvelope before anything is evaluated."""
    w = RelayedWorld.new()
    request = w.request()
    for envelope in (
        request.envelope,  # addressed to Bob, delivered to Alice
        RelayEnvelope(CTX, BOB_ID, ALICE_ID, b"junk"),
    ):
        with pytest.raises(MalformedEnvelope):
            w.alice.service.prepare_handle_relayed(
                w.alice.snapshot(epoch=EPOCH), RELAY, envelope, w.psk, now_ms=1
            )
    assert w.alice.take_sent() == []


def test_monitor_rejects_relay_skipping_the_forward() -> None:
    """Failing counterpart: a relay that answers the initiator without forwarding (or a
    responder talking to the initiator directly) is rejected by the monitor."""
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


def test_each_paid_hop_carries_a_receipt_the_next_hop_verifies() -> None:
    """RelayRequest's receipt (Alice to the relay) is verified by the relay, each
    forward's receipt (the relay to Bob, then to Alice) by its receiver, RelayResponse's
    (Bob to the relay) by the relay; a receipt from someone else is refused with its
    typed error before anything is charged."""
    w = RelayedWorld.new()
    relay = w.relays[RELAY]
    request = w.request()
    assert request.receipt
    with pytest.raises(ReceiptError):  # Alice's receipt claimed for a message of Bob's
        forged = RelayEnvelope(CTX, BOB_ID, ALICE_ID, request.envelope.payload)
        relay.service.prepare_relay_forward(
            relay.snapshot(epoch=EPOCH), forged, receipt=request.receipt
        )
    assert relay.budget.spent(CTX, RELAY, EPOCH) == 0

    def hop(node: Node, effect: SendEffect, sender_receipt: bytes) -> SendEffect:
        """``node`` takes ``effect``'s envelope with its receipt; what it sends next."""
        envelope = effect.envelope  # type: ignore[union-attr]
        if node is relay:
            outcome = relay.service.prepare_relay_forward(
                relay.snapshot(epoch=EPOCH), envelope, receipt=sender_receipt
            )
        else:
            outcome = node.service.prepare_handle_relayed(
                node.snapshot(epoch=EPOCH),
                RELAY,
                envelope,
                w.psk,
                now_ms=1,
                receipt=sender_receipt,
            )
        assert node.run(outcome).status is ExecutionStatus.Committed
        [sent] = node.take_sent()
        return sent

    forward = hop(relay, request, request.receipt)
    response = hop(w.bob, forward, forward.receipt)
    complete = hop(relay, response, response.receipt)
    confirmation = hop(w.alice, complete, complete.receipt)
    assert isinstance(confirmation, SendRelayData) and confirmation.receipt == b""
    accepted = {
        name: [(r.src, r.dst) for r in node.service.receipt_verifiers[CTX].accepted]
        for name, node in (("relay", relay), ("bob", w.bob), ("alice", w.alice))
    }
    assert accepted == {
        "relay": [(ALICE_ID, RELAY), (BOB_ID, RELAY)],
        "bob": [(RELAY, BOB_ID)],
        "alice": [(RELAY, ALICE_ID)],
    }
