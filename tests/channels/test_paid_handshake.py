"""Receipts travel with the messages they pay for (DESIGN.md 4).

Message 1 carries the initiator's receipt and message 2 the responder's, each
attached by the sender's interpreter to the send its outcome paid for; the
receiver's service requires it and checks it (signed by the sender, addressed
to the receiver, this context and epoch, the next of the sender's chain to it)
once the channel layer accepted the message, and its interpreter records it
only when the outcome commits. Both nodes
published first, so each has already issued a receipt to itself: with one chain
per source, the peer would be handed a link to that receipt and refuse the
connect as ``ReceiptChainBroken``.
"""

from __future__ import annotations

import attrs
import pytest
from aura_conformance.variants import StrictChainVerifier
from aura_rendezvous import (
    ExecutionStatus,
    GuardOutcome,
    Receipt,
    ReceiptChainBroken,
    ReceiptReplayed,
    ReceiptWrongSigner,
    ReplayedHandshake,
    SendHandshake,
    SendHandshakeResponse,
)
from aura_rendezvous.core import MissingReceipt, ReceiptWrongDestination
from aura_rendezvous.guard import GENESIS_HASH, AcceptReceipt

from ..impl.world import ALICE, BOB, CTX
from .service_pairs import ServicePair


def _connect(pair: ServicePair) -> SendHandshake:
    out = pair.alice.service.prepare_establish_channel(
        pair.alice.snapshot(), CTX, BOB, pair.psk(1), now_ms=0
    )
    assert pair.alice.run(out).status is ExecutionStatus.Committed
    (send,) = pair.alice.take_sent()
    assert isinstance(send, SendHandshake)
    return send


def _bob_state(pair: ServicePair) -> object:
    bob = pair.bob
    verifier = bob.service.receipt_verifiers[CTX]
    return (
        list(verifier.accepted),
        bob.budget.spent(CTX, BOB, 1),
        len(bob.endpoint.manager.channels()),
        list(bob.outbox),
    )


def _handle(pair: ServicePair, send: SendHandshake, receipt: bytes) -> GuardOutcome:
    return pair.bob.service.prepare_handle_handshake(
        pair.bob.snapshot(), CTX, ALICE, send.message, pair.psk(1), now_ms=0, receipt=receipt
    )


def test_receipts_travel_with_messages_1_and_2_and_are_verified() -> None:
    pair = ServicePair.new()
    send = _connect(pair)
    mine = Receipt.decode(send.receipt)
    # The first receipt of Alice's chain to Bob, though she published before.
    assert (mine.src, mine.dst, mine.nonce, mine.prev_hash) == (ALICE, BOB, 1, GENESIS_HASH)
    assert mine.operation == "connect_direct"

    out = _handle(pair, send, send.receipt)
    assert AcceptReceipt(CTX, mine, 1) in out.effects
    assert pair.bob.service.receipt_verifiers[CTX].accepted == []  # prepare is pure
    assert pair.bob.run(out).status is ExecutionStatus.Committed
    assert pair.bob.service.receipt_verifiers[CTX].accepted == [mine]

    (reply,) = pair.bob.take_sent()
    assert isinstance(reply, SendHandshakeResponse)
    theirs = Receipt.decode(reply.receipt)
    assert (theirs.src, theirs.dst, theirs.nonce) == (BOB, ALICE, 1)
    out = pair.alice.service.prepare_handle_handshake(
        pair.alice.snapshot(), CTX, BOB, reply.message, pair.psk(1), now_ms=0, receipt=reply.receipt
    )
    assert pair.alice.run(out).status is ExecutionStatus.Committed
    assert pair.alice.service.receipt_verifiers[CTX].accepted == [theirs]
    (confirmation,) = pair.alice.take_sent()
    assert isinstance(confirmation, SendHandshakeResponse)
    assert confirmation.receipt == b""  # the key confirmation is not paid for


def test_tampered_foreign_or_replayed_receipts_are_refused_and_change_nothing() -> None:
    pair = ServicePair.new()
    send = _connect(pair)
    before = _bob_state(pair)
    flipped = send.receipt[:-1] + bytes([send.receipt[-1] ^ 1])  # a signature byte
    with pytest.raises(ReceiptWrongSigner):
        _handle(pair, send, flipped)
    own = next(r for r in pair.alice.issuer.issued if r.dst == ALICE)  # her publish receipt
    with pytest.raises(ReceiptWrongDestination):
        _handle(pair, send, own.encode())
    bobs = pair.bob.issuer.issued[0].encode()  # signed by Bob, not by the sender
    with pytest.raises(ReceiptWrongSigner):
        _handle(pair, send, bobs)
    assert _bob_state(pair) == before

    assert pair.bob.run(_handle(pair, send, send.receipt)).status is ExecutionStatus.Committed
    after = _bob_state(pair)
    # The replayed message 1 is refused by the channel layer, which reads it
    # first; the replayed receipt on Alice's next message 1 by the verifier.
    with pytest.raises(ReplayedHandshake):
        _handle(pair, send, send.receipt)
    with pytest.raises(ReceiptReplayed):
        _handle(pair, _connect(pair), send.receipt)
    assert _bob_state(pair) == after


def test_a_paid_message_without_its_receipt_is_refused_and_changes_nothing() -> None:
    """Message 1 and message 2 are paid for: without their receipt (absent or empty)
    they are refused with MissingReceipt, after the channel layer accepted them, and
    nothing changes; the same message with its receipt then goes through."""
    pair = ServicePair.new()
    send = _connect(pair)
    before = _bob_state(pair)
    for missing in (None, b""):
        with pytest.raises(MissingReceipt) as caught:
            pair.bob.service.prepare_handle_handshake(
                pair.bob.snapshot(),
                CTX,
                ALICE,
                send.message,
                pair.psk(1),
                now_ms=0,
                receipt=missing,
            )
        assert caught.value.reason == "GCReceiptVerifiable"
    assert _bob_state(pair) == before
    assert pair.bob.run(_handle(pair, send, send.receipt)).status is ExecutionStatus.Committed
    (reply,) = pair.bob.take_sent()
    assert isinstance(reply, SendHandshakeResponse)
    alice_before = (
        list(pair.alice.service.receipt_verifiers[CTX].accepted),
        pair.alice.endpoint.manager.pending(CTX.value, BOB.value),
        pair.alice.endpoint.manager.channels(),
    )
    with pytest.raises(MissingReceipt):
        pair.alice.service.prepare_handle_handshake(
            pair.alice.snapshot(), CTX, BOB, reply.message, pair.psk(1), now_ms=0
        )
    assert (
        list(pair.alice.service.receipt_verifiers[CTX].accepted),
        pair.alice.endpoint.manager.pending(CTX.value, BOB.value),
        pair.alice.endpoint.manager.channels(),
    ) == alice_before
    out = pair.alice.service.prepare_handle_handshake(
        pair.alice.snapshot(), CTX, BOB, reply.message, pair.psk(1), now_ms=0, receipt=reply.receipt
    )
    assert pair.alice.run(out).status is ExecutionStatus.Committed


def test_a_rolled_back_outcome_does_not_consume_the_receipt() -> None:
    """Bob's budget is spent between prepare and run: the outcome rolls back, and
    the receipt is still the next of Alice's chain (accepted by a fresh attempt)."""
    pair = ServicePair.new()
    send = _connect(pair)
    out = _handle(pair, send, send.receipt)
    left = pair.bob.budget.remaining(CTX, BOB, 1)
    token = pair.bob.budget.charge(CTX, BOB, 1, left)
    assert pair.bob.run(out).status is ExecutionStatus.RolledBack
    assert pair.bob.service.receipt_verifiers[CTX].accepted == []
    pair.bob.budget.undo(token)
    assert pair.bob.run(_handle(pair, send, send.receipt)).status is ExecutionStatus.Committed
    assert pair.bob.service.receipt_verifiers[CTX].accepted == [Receipt.decode(send.receipt)]


def test_a_receipt_chained_per_source_is_refused_by_the_peer() -> None:
    """Today's chain: Alice's next connect receipt (nonce 2) links to her own publish
    receipt, not to her receipt 1 that Bob accepted; it directly follows the last one
    Bob accepted, so it must link to it, and Bob refuses the message."""
    pair = ServicePair.new()
    first = _connect(pair)
    assert pair.bob.run(_handle(pair, first, first.receipt)).status is ExecutionStatus.Committed
    pair.bob.take_sent()
    send = _connect(pair)
    own = next(r for r in pair.alice.issuer.issued if r.dst == ALICE)
    assert Receipt.decode(send.receipt).nonce == 2
    per_source = attrs.evolve(Receipt.decode(send.receipt), prev_hash=own.hash())
    resigned = attrs.evolve(
        per_source, signature=pair.alice.service.config.keys.sign(per_source.signed_message())
    )
    before = _bob_state(pair)
    with pytest.raises(ReceiptChainBroken):
        _handle(pair, send, resigned.encode())
    assert _bob_state(pair) == before


def _lose_then_retry(pair: ServicePair) -> GuardOutcome:
    """Alice's message 1 is lost on the network with its receipt; she tries again.
    Bob's outcome for the retry (whose receipt has nonce 2, linked to the lost one)."""
    _connect(pair)  # lost: never delivered
    retry = _connect(pair)
    assert Receipt.decode(retry.receipt).nonce == 2
    return _handle(pair, retry, retry.receipt)


def test_after_a_lost_message_1_the_retry_completes_the_handshake() -> None:
    """One lost paid message does not cut Alice off from Bob: the retry's receipt
    resynchronises Bob's verifier (GCReceiptResumesAfterLoss) and the handshake runs
    to the key confirmation and Bob's ChannelEstablished."""
    pair = ServicePair.new()
    assert pair.bob.run(_lose_then_retry(pair)).status is ExecutionStatus.Committed
    (reply,) = pair.bob.take_sent()
    assert isinstance(reply, SendHandshakeResponse)
    out = pair.alice.service.prepare_handle_handshake(
        pair.alice.snapshot(), CTX, BOB, reply.message, pair.psk(1), now_ms=0, receipt=reply.receipt
    )
    assert pair.alice.run(out).status is ExecutionStatus.Committed
    (confirmation,) = pair.alice.take_sent()
    assert isinstance(confirmation, SendHandshakeResponse)
    out = pair.bob.service.prepare_handle_handshake(
        pair.bob.snapshot(), CTX, ALICE, confirmation.message, pair.psk(1), now_ms=0
    )
    assert pair.bob.run(out).status is ExecutionStatus.Committed
    [fact] = pair.bob.established()
    assert (fact.initiator, fact.responder) == (ALICE, BOB)
    assert [r.nonce for r in pair.bob.service.receipt_verifiers[CTX].accepted] == [2]


def test_strict_chain_refuses_every_retry_after_a_lost_message() -> None:
    """Failing counterpart: with the old verifier (every receipt links to the last
    accepted) the retry is ReceiptChainBroken, and so is every later one."""
    pair = ServicePair.new()
    bob = pair.bob.service
    bob.receipt_verifiers[CTX] = StrictChainVerifier(CTX, pair.membership.roster, receiver=BOB)
    with pytest.raises(ReceiptChainBroken):
        _lose_then_retry(pair)
    again = _connect(pair)
    with pytest.raises(ReceiptChainBroken):
        _handle(pair, again, again.receipt)
    assert pair.bob.established() == []
