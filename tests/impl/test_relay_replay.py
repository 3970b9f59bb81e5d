"""A relay forwards an envelope once: a replayed one is refused before it pays again
(RVRelayForwardsOnce), with bounded memory."""

from __future__ import annotations

import pytest
from aura_conformance.variants import ReplayForwardingRelayService
from aura_rendezvous import (
    CAP_RELAY_FORWARD,
    RELAY_FORWARD_COST,
    DenyReason,
    EffectInterpreter,
    ExecutionStatus,
    ForwardRelayEnvelope,
    InsufficientBudgetError,
    LocalProtocolError,
    RecordForward,
    RelayEnvelope,
    RemoteProtocolError,
    SendRelayRequest,
    WebSocketRelay,
)
from aura_rendezvous.core import (
    MAX_FORWARDED_PER_EPOCH,
    ContextId,
    ForwardedEnvelopes,
    ReplayedEnvelope,
)

from .world import ALICE, ALL_CAPS, BOB, CTX, MEMBERSHIP, OTHER_CTX, RELAY, Node, sync_pair

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
    assert relay.run(out).status is ExecutionStatus.Denied
    assert len(relay.service.forwarded) == 0
    result = relay.run(
        relay.service.prepare_relay_forward(relay.snapshot(), envelope, receipt=receipt)
    )
    assert len(result.sent) == 1


def _memory(relay: Node) -> tuple[int, bool]:
    envelope, _ = _message_1()
    memory = relay.service.forwarded
    return len(memory), memory.holds(CTX, 1, ForwardedEnvelopes.digest(envelope))


def test_preparing_a_forward_records_nothing() -> None:
    """Preparing only reads the memory: the forward carries a RecordForward (after
    the charge, before the send), so two forwards of one envelope prepared before
    either ran are both allowed, and only the first to run commits; the second
    rolls back at the record, charged nothing."""
    envelope, receipt = _message_1()
    relay = Node(RELAY)
    outcomes = [
        relay.service.prepare_relay_forward(relay.snapshot(), envelope, receipt=receipt)
        for _ in range(2)
    ]
    assert len(relay.service.forwarded) == 0
    [record] = [e for e in outcomes[0].effects if isinstance(e, RecordForward)]
    assert record == RecordForward(CTX, 1, ForwardedEnvelopes.digest(envelope))
    kinds = [type(e) for e in outcomes[0].effects]
    assert kinds.index(RecordForward) == 1 and kinds[-1] is ForwardRelayEnvelope
    assert relay.run(outcomes[0]).status is ExecutionStatus.Committed
    before = _state(relay)
    second = relay.run(outcomes[1])
    assert second.status is ExecutionStatus.RolledBack
    assert "ReplayedEnvelope" in (second.error or "")
    assert _state(relay) == before
    assert relay.budget.spent(CTX, RELAY, 1) == RELAY_FORWARD_COST


def test_a_rolled_back_forward_is_forgotten() -> None:
    """A forward whose charge fails, or whose receipt acceptance fails after the
    record, rolls back with nothing recorded; the same envelope is then forwarded,
    and only that committed forward makes its replay refused."""
    envelope, receipt = _message_1()
    relay = Node(RELAY)
    out = relay.service.prepare_relay_forward(relay.snapshot(), envelope, receipt=receipt)
    # Spent since the snapshot: the charge itself fails.
    token = relay.budget.charge(CTX, RELAY, 1, relay.budget.remaining(CTX, RELAY, 1))
    assert relay.run(out).status is ExecutionStatus.RolledBack
    relay.budget.undo(token)
    assert _memory(relay) == (0, False)
    # No receipt verifier: AcceptReceipt fails after the record, which is undone.
    no_verifiers = EffectInterpreter(
        RELAY,
        relay.budget,
        relay.service.journals,
        relay.issuer,
        relay.outbox.append,
        forwards=relay.service.forwarded,
    )
    failed = no_verifiers.execute(out)
    assert failed.status is ExecutionStatus.RolledBack
    assert "no receipt verifier" in (failed.error or "")
    assert _memory(relay) == (0, False)
    assert relay.budget.spent(CTX, RELAY, 1) == 0
    relay.service.forwarded.check(envelope, 1)
    result = relay.run(
        relay.service.prepare_relay_forward(relay.snapshot(), envelope, receipt=receipt)
    )
    assert result.status is ExecutionStatus.Committed and len(result.sent) == 1
    assert _memory(relay) == (1, True)
    with pytest.raises(ReplayedEnvelope):
        relay.service.prepare_relay_forward(relay.snapshot(), envelope, receipt=receipt)


def test_without_a_forward_port_a_forward_rolls_back() -> None:
    """An interpreter built without the relay memory cannot commit a forward."""
    envelope, receipt = _message_1()
    relay = Node(RELAY)
    bare = EffectInterpreter(
        RELAY,
        relay.budget,
        relay.service.journals,
        relay.issuer,
        relay.outbox.append,
        verifiers=relay.service.receipt_verifiers,
    )
    out = relay.service.prepare_relay_forward(relay.snapshot(), envelope, receipt=receipt)
    result = bare.execute(out)
    assert result.status is ExecutionStatus.RolledBack
    assert "forward port" in (result.error or "")
    assert relay.budget.spent(CTX, RELAY, 1) == 0 and relay.outbox == []


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


def _digest(i: int) -> bytes:
    return ForwardedEnvelopes.digest(_envelope(i))


def _held(memory: ForwardedEnvelopes, context: ContextId, epoch: int) -> list[int]:
    return [i for i in range(8) if memory.holds(context, epoch, _digest(i))]


def test_memory_fails_closed_at_the_bound_and_is_per_epoch() -> None:
    """At the bound no digest of the live epoch is forgotten: a new envelope is
    refused (full, InsufficientBudgetError at its record) and every held one is
    still a replay; a newer epoch starts a fresh memory and releases the older
    one, and an envelope of an older epoch is never recorded over it."""
    memory = ForwardedEnvelopes(capacity=2)
    for i in range(2):
        assert not memory.full(CTX, 1)
        memory.check(_envelope(i), 1)
        memory.remember(_envelope(i), 1)
    assert memory.full(CTX, 1) and not memory.full(OTHER_CTX, 1) and not memory.full(CTX, 2)
    with pytest.raises(InsufficientBudgetError):
        memory.remember(_envelope(2), 1)
    assert len(memory) == 2
    for i in (0, 1):  # the oldest too: a memory that forgot it would let it pass
        with pytest.raises(ReplayedEnvelope):
            memory.check(_envelope(i), 1)
    memory.check(_envelope(2), 1)  # new, not a replay: refused by full, not by check
    memory.check(_envelope(1), 2)  # another epoch: not a replay
    memory.remember(_envelope(1), 2)
    assert len(memory) == 1 and not memory.full(CTX, 2)
    memory.remember(_envelope(5), 1)
    assert len(memory) == 1
    with pytest.raises(ReplayedEnvelope):
        memory.check(_envelope(1), 2)
    memory.retire(CTX, 3)
    assert len(memory) == 0 and not memory.full(CTX, 3)
    memory.remember(_envelope(6), 2)  # prepared before the epoch moved: not kept
    assert len(memory) == 0
    memory.retire(CTX, 2)  # an older epoch retires nothing
    memory.remember(_envelope(6), 3)
    assert _held(memory, CTX, 3) == [6]
    with pytest.raises(LocalProtocolError):
        ForwardedEnvelopes(capacity=0)


def test_undo_restores_replaced_epochs_and_frees_a_slot() -> None:
    """Undoing a record frees its slot at the bound and puts back the older epoch
    it replaced; a first record of a context is undone whole; a recorded digest is
    not recorded again, and a full memory records nothing, both changing nothing."""
    memory = ForwardedEnvelopes(capacity=2)
    memory.record(CTX, 1, _digest(0))
    memory.undo(memory.record(CTX, 1, _digest(1)))
    assert _held(memory, CTX, 1) == [0] and not memory.full(CTX, 1)
    memory.record(CTX, 1, _digest(3))
    assert _held(memory, CTX, 1) == [0, 3] and memory.full(CTX, 1)
    with pytest.raises(InsufficientBudgetError):
        memory.record(CTX, 1, _digest(2))
    assert _held(memory, CTX, 1) == [0, 3]
    memory.undo(memory.record(CTX, 2, _digest(4)))
    assert _held(memory, CTX, 1) == [0, 3] and _held(memory, CTX, 2) == []
    memory.undo(memory.record(OTHER_CTX, 1, _digest(5)))
    assert _held(memory, OTHER_CTX, 1) == [] and len(memory) == 2
    with pytest.raises(ReplayedEnvelope):
        memory.record(CTX, 1, _digest(3))
    assert len(memory) == 2


def test_a_full_relay_denies_new_forwards_and_still_refuses_replays() -> None:
    """A relay configured to forward one envelope per (context, epoch): the key
    confirmation (unpaid: no receipt chain guards its replay) is forwarded and
    paid; message 1 is then denied (InsufficientBudget), and running that deny
    changes nothing; the confirmation replayed is still ReplayedEnvelope, so the
    relay paid once in all. With the old bound (oldest digest dropped) message 1
    was forwarded over the confirmation's digest and the confirmation's replay was
    forwarded and paid again: three forwards paid for two envelopes. Moving the
    context's epoch releases the memory."""
    envelope, receipt, confirmation = _hops()
    relay = Node(RELAY, forward_capacity=1)
    first = relay.run(relay.service.prepare_relay_forward(relay.snapshot(), confirmation))
    assert first.status is ExecutionStatus.Committed and len(first.sent) == 1
    before = _state(relay)
    out = relay.service.prepare_relay_forward(relay.snapshot(), envelope, receipt=receipt)
    assert out.decision.reason is DenyReason.InsufficientBudget  # type: ignore[union-attr]
    assert relay.run(out).status is ExecutionStatus.Denied
    assert _state(relay) == before
    with pytest.raises(ReplayedEnvelope):
        relay.service.prepare_relay_forward(relay.snapshot(), confirmation)
    assert _state(relay) == before
    assert relay.budget.spent(CTX, RELAY, 1) == RELAY_FORWARD_COST
    assert len(relay.service.forwarded) == 1
    relay.service.advance_epoch(CTX, 2)
    assert len(relay.service.forwarded) == 0 and not relay.service.forwarded.full(CTX, 2)


def test_the_last_slot_goes_to_the_first_forward_to_commit() -> None:
    """Two new envelopes prepared while one slot is left are both allowed; the
    second to run rolls back at its record (InsufficientBudgetError), charged
    nothing and sending nothing."""
    envelope, receipt, confirmation = _hops()
    relay = Node(RELAY, forward_capacity=1)
    outcomes = [
        relay.service.prepare_relay_forward(relay.snapshot(), envelope, receipt=receipt),
        relay.service.prepare_relay_forward(relay.snapshot(), confirmation),
    ]
    assert all(o.is_allowed() for o in outcomes)
    assert relay.run(outcomes[0]).status is ExecutionStatus.Committed
    before = _state(relay)
    second = relay.run(outcomes[1])
    assert second.status is ExecutionStatus.RolledBack
    assert "InsufficientBudgetError" in (second.error or "")
    assert _state(relay) == before


def test_the_capacity_is_a_checked_config_field() -> None:
    """The default is MAX_FORWARDED_PER_EPOCH; zero is refused naming the field."""
    assert Node(RELAY).service.forwarded.capacity == MAX_FORWARDED_PER_EPOCH
    with pytest.raises(LocalProtocolError, match="relay_forward_capacity"):
        Node(RELAY, forward_capacity=0)
