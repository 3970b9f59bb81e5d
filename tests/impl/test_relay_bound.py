"""What a relay forwards is bound to what paid for it, and to its epoch: a receipt
taken off the wire pays for no other envelope, and an envelope replayed after the
context's epoch moved is refused, each before the relay pays anything.

Real receipts, real IKpsk2 messages: Alice's relayed message 1 to Bob as the relay
sees it, and an impostor's message 1 claiming Alice's id (it knows the epoch's PSK,
as any member does, not Alice's keys).
"""

from __future__ import annotations

import attrs
import pytest
from aura_rendezvous import (
    RELAY_FORWARD_COST,
    AuthorityKeys,
    ExecutionStatus,
    ForwardRelayEnvelope,
    Receipt,
    ReceiptReplayed,
    RelayEnvelope,
    RendezvousConfig,
    RendezvousService,
    SendRelayRequest,
    SendRelayResponse,
    WebSocketRelay,
)
from aura_rendezvous.core import ReceiptWrongSubject, StaleEnvelope
from aura_rendezvous.guard import NO_SUBJECT, receipt_subject

from .world import ALICE, BOB, CTX, KEYS, MEMBERSHIP, RELAY, Node, counter_nonces, sync_pair

PSK1 = MEMBERSHIP.handshake_psk(1)


@attrs.frozen
class Hops:
    alice: Node
    bob: Node
    message_1: RelayEnvelope
    receipt: bytes  # Alice's receipt to the relay, paying for message_1
    confirmation: RelayEnvelope  # unpaid


def _hops() -> Hops:
    bob, alice = Node(BOB), Node(ALICE, nonce_start=1000)
    bob.publish([WebSocketRelay(RELAY)], 0)
    sync_pair(bob.service, alice.service)
    alice.run(alice.service.prepare_relay_request(alice.snapshot(), CTX, BOB, PSK1, now_ms=1))
    [request] = alice.take_sent()
    assert isinstance(request, SendRelayRequest) and request.receipt
    # A second endpoint of Bob's answers, so that Bob's own can still answer it later.
    other = Node(BOB)
    msg2 = other.endpoint.accept(MEMBERSHIP, 1, ALICE, request.envelope.payload, psk=PSK1, now_ms=1)
    _, confirmation = alice.endpoint.finish(CTX, 1, BOB, msg2, 1)
    return Hops(
        alice, bob, request.envelope, request.receipt, RelayEnvelope(CTX, ALICE, BOB, confirmation)
    )


def _impostor_message_1() -> RelayEnvelope:
    """A well-formed message 1 claiming Alice's id under a static key of its own."""
    keys = AuthorityKeys.from_seed(ALICE, b"an impostor claiming alice's id.")
    impostor = RendezvousService.new(
        ALICE, RendezvousConfig(keys, [MEMBERSHIP], counter_nonces(5000))
    )
    start = impostor.channel_endpoint.prepare_start(MEMBERSHIP, 1, BOB, PSK1, 1)
    return RelayEnvelope(CTX, ALICE, BOB, start.message)


def _state(relay: Node, *epochs: int) -> tuple[object, ...]:
    verifier = relay.service.receipt_verifiers[CTX]
    return (
        tuple(relay.budget.spent(CTX, RELAY, e) for e in epochs),
        tuple(verifier.accepted),
        tuple(relay.issuer.issued),
        tuple(relay.outbox),
        len(relay.service.forwarded),
    )


def _forward(
    relay: Node, envelope: RelayEnvelope, receipt: bytes | None, epoch: int = 1
) -> ForwardRelayEnvelope:
    outcome = relay.service.prepare_relay_forward(
        relay.snapshot(epoch=epoch), envelope, receipt=receipt
    )
    result = relay.run(outcome)
    assert result.status is ExecutionStatus.Committed, result
    [forward] = result.sent
    assert isinstance(forward, ForwardRelayEnvelope) and forward.envelope == envelope
    return forward


# -- the receipt's subject -------------------------------------------------------------


def test_a_sent_receipt_names_the_envelope_it_pays_for() -> None:
    """The interpreter signs each receipt over the message it travels with: Alice's
    receipt to the relay names her envelope, the relay's receipt to Bob the envelope
    it forwards; a receipt paying for no message names none."""
    hops = _hops()
    mine = Receipt.decode(hops.receipt)
    assert mine.subject == receipt_subject(hops.message_1.encode()) != NO_SUBJECT
    relay = Node(RELAY)
    forward = _forward(relay, hops.message_1, hops.receipt)
    relayed = Receipt.decode(forward.receipt)
    assert relayed.subject == receipt_subject(hops.message_1.encode())
    [publish] = [r for r in hops.bob.issuer.issued if r.operation == "publish_descriptor"]
    assert publish.subject == NO_SUBJECT


def test_a_stolen_receipt_pays_for_no_other_envelope() -> None:
    """The impostor's message 1 with Alice's receipt (taken off the wire while hers
    waits at the relay) is ReceiptWrongSubject (GCReceiptVerifiable): nothing charged,
    issued, accepted, recorded or sent. Alice's own envelope is then forwarded with that
    receipt, and Bob answers it."""
    hops = _hops()
    relay = Node(RELAY)
    stolen = _impostor_message_1()
    before = _state(relay, 1)
    with pytest.raises(ReceiptWrongSubject) as info:
        relay.service.prepare_relay_forward(relay.snapshot(), stolen, receipt=hops.receipt)
    assert info.value.reason == "GCReceiptVerifiable"
    assert _state(relay, 1) == before
    forward = _forward(relay, hops.message_1, hops.receipt)
    assert relay.budget.spent(CTX, RELAY, 1) == RELAY_FORWARD_COST
    assert relay.service.receipt_verifiers[CTX].accepted == [Receipt.decode(hops.receipt)]
    bob = hops.bob
    outcome = bob.service.prepare_handle_relayed(
        bob.snapshot(),
        RELAY,
        forward.envelope,
        PSK1,
        now_ms=1,
        receipt=forward.receipt,
    )
    assert bob.run(outcome).status is ExecutionStatus.Committed
    [answer] = bob.take_sent()
    assert isinstance(answer, SendRelayResponse) and answer.envelope.dst == ALICE


class _UnboundReceiptRelay(RendezvousService):
    """The relay as it was: it checks who signed a receipt, not what it pays for."""

    def _accept_receipt(self, *args: object, **kwargs: object) -> list:  # type: ignore[type-arg]
        kwargs.pop("subject", None)
        return super()._accept_receipt(*args, **kwargs)  # type: ignore[arg-type]


def test_without_the_subject_check_the_stolen_receipt_shuts_alice_out() -> None:
    """Failing counterpart: a relay that does not check the subject forwards the
    impostor's envelope on Alice's receipt, and then refuses Alice's own as a replay
    (ReceiptReplayed): the relayed handshake is denied to her."""
    hops = _hops()
    relay = Node(RELAY, service_cls=_UnboundReceiptRelay)
    _forward(relay, _impostor_message_1(), hops.receipt)
    with pytest.raises(ReceiptReplayed):
        relay.service.prepare_relay_forward(relay.snapshot(), hops.message_1, receipt=hops.receipt)


def test_a_receipt_of_no_message_pays_for_no_envelope() -> None:
    """A receipt signed with no subject (or another subject) is refused with any
    envelope; re-signing Alice's receipt over another subject needs her key."""
    hops = _hops()
    relay = Node(RELAY)
    genuine = Receipt.decode(hops.receipt)
    for subject in (NO_SUBJECT, receipt_subject(hops.confirmation.encode())):
        other = attrs.evolve(genuine, subject=subject)
        resigned = attrs.evolve(other, signature=KEYS[ALICE].sign(other.signed_message()))
        with pytest.raises(ReceiptWrongSubject):
            relay.service.prepare_relay_forward(
                relay.snapshot(), hops.message_1, receipt=resigned.encode()
            )
    assert _state(relay, 1) == ((0,), (), (), (), 0)


# -- the envelope's epoch ----------------------------------------------------------------


def test_a_replay_after_the_epoch_moved_is_refused_before_any_charge() -> None:
    """Message 1 and the confirmation forwarded in epoch 1; the context moves to epoch 2,
    where the relay's memory starts empty (it alone would forward them again). Each
    replayed (message 1 with its receipt or without) is StaleEnvelope (EpochMismatch):
    nothing charged in either epoch, nothing issued, accepted, recorded or sent."""
    hops = _hops()
    relay = Node(RELAY)
    _forward(relay, hops.message_1, hops.receipt)
    _forward(relay, hops.confirmation, None)
    relay.service.advance_epoch(CTX, 2)
    relay.take_sent()
    before = _state(relay, 1, 2)
    assert before[0] == (2 * RELAY_FORWARD_COST, 0)
    for envelope, receipt in (
        (hops.message_1, hops.receipt),
        (hops.message_1, None),
        (hops.confirmation, None),
    ):
        relay.service.forwarded.check(envelope, 2)  # the per-epoch memory lets it pass
        with pytest.raises(StaleEnvelope) as info:
            relay.service.prepare_relay_forward(relay.snapshot(epoch=2), envelope, receipt=receipt)
        assert info.value.reason == "EpochMismatch"
        assert _state(relay, 1, 2) == before


@pytest.mark.parametrize("stamped", [0, 2, 2**64 - 1])
def test_an_envelope_of_another_epoch_is_not_forwarded(stamped: int) -> None:
    """The relay reads the epoch of the clear header: a message 1 stamped with any
    other epoch than the relay's (a lagging relay's too) is StaleEnvelope, uncharged;
    stamped with the relay's own, the same bytes pass that check."""
    hops = _hops()
    relay = Node(RELAY)
    payload = bytearray(hops.message_1.payload)
    payload[2:10] = stamped.to_bytes(8, "big")
    restamped = attrs.evolve(hops.message_1, payload=bytes(payload))
    with pytest.raises(StaleEnvelope):
        relay.service.prepare_relay_forward(relay.snapshot(), restamped, receipt=hops.receipt)
    assert _state(relay, 1) == ((0,), (), (), (), 0)
    _forward(relay, hops.message_1, hops.receipt)


def test_a_receiver_takes_the_relay_receipt_only_with_its_envelope() -> None:
    """The relay's receipt for forwarding Alice's message 1, delivered to Bob with
    another envelope (here a transport message, which is opened apart from the
    receipt's outcome), is ReceiptWrongSubject: nothing accepted, so the genuine
    forward is still taken with it."""
    hops = _hops()
    relay = Node(RELAY)
    forward = _forward(relay, hops.message_1, hops.receipt)
    bob = hops.bob
    with pytest.raises(ReceiptWrongSubject):
        bob.service.prepare_handle_relayed(
            bob.snapshot(), RELAY, hops.confirmation, PSK1, now_ms=1, receipt=forward.receipt
        )
    assert bob.service.receipt_verifiers[CTX].accepted == []
    outcome = bob.service.prepare_handle_relayed(
        bob.snapshot(), RELAY, forward.envelope, PSK1, now_ms=1, receipt=forward.receipt
    )
    assert bob.run(outcome).status is ExecutionStatus.Committed
    assert bob.service.receipt_verifiers[CTX].accepted == [Receipt.decode(forward.receipt)]
