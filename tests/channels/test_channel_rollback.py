"""Channel and handshake state change only with the charge and the journal append.

The service's ``prepare_*`` compute a handshake step and change nothing; the
step rides in a channel effect (``StartHandshake``, ``AcceptHandshake``,
``CompleteHandshake``, ``ConfirmChannel``) that the interpreter commits in
phase one with the charge, the journal append and the receipt, or rolls back
with them. Every test below uses real Noise messages between two services.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from aura_rendezvous import (
    ChannelState,
    DescriptorFact,
    ExecutionStatus,
    GuardOutcome,
    JournalAppend,
    LocalProtocolError,
    QuicDirect,
)
from aura_rendezvous.channels import ChannelEndpoint
from aura_rendezvous.guard import (
    CHANNEL_EFFECTS,
    AcceptHandshake,
    ConfirmChannel,
    EffectInterpreter,
    is_send,
)

from ..impl.world import CTX, OTHER_CTX, Node
from .service_pairs import ALICE_ID, BOB_ID, ServicePair, only_message


def observable(endpoint: ChannelEndpoint) -> tuple[Any, ...]:
    """Everything about a manager another call could observe (by value)."""
    manager = endpoint.manager
    channels = sorted(
        (c.channel_id, c.context_id, c.remote, c.epoch, c.state, c.save())
        for c in manager.channels()
    )
    pairs = {
        (ctx, peer): manager.find_by_context_peer(ctx, peer)
        for ctx in (CTX.value,)
        for peer in (ALICE_ID.value, BOB_ID.value)
    }
    pending = {
        peer: (id(h), h.status) if (h := manager.pending(CTX.value, peer)) else None
        for peer in (ALICE_ID.value, BOB_ID.value)
    }
    return (
        channels,
        {k: None if c is None else c.channel_id for k, c in pairs.items()},
        pending,
        manager.replay_guard.entries(CTX.value),
        manager.replay_guard.snapshot(CTX.value).answered,
        manager.epoch_of(CTX.value),
        endpoint._last_timestamp,
        manager.needs_rotation(),
        manager.next_deadline(),
    )


def with_failing_tail(outcome: GuardOutcome) -> GuardOutcome:
    """``outcome`` with one more local effect after its channel change that fails
    (a journal append to a context this node has no journal for)."""
    effects = list(outcome.effects)
    first_send = next((i for i, e in enumerate(effects) if is_send(e)), len(effects))
    fact = next(f for f in ServicePair.new().alice.facts() if isinstance(f, DescriptorFact))
    effects.insert(first_send, JournalAppend(OTHER_CTX, fact))
    return GuardOutcome.allow(effects)


def drain_budget(node: Node) -> Callable[[], None]:
    """Spend what is left (after the prepare saw it); returns how to give it back."""
    token = node.budget.charge(CTX, node.id, 1, node.budget.remaining(CTX, node.id, 1))
    return lambda: node.budget.undo(token)


def assert_rolled_back_unchanged(node: Node, outcome: GuardOutcome) -> None:
    """Run ``outcome``, which fails: RolledBack, nothing sent, the channel state
    and the journal exactly as before."""
    assert outcome.is_allowed(), outcome
    assert any(isinstance(e, CHANNEL_EFFECTS) for e in outcome.effects)
    before, facts = observable(node.endpoint), node.facts()
    result = node.run(outcome)
    assert result.status is ExecutionStatus.RolledBack, result
    assert node.take_sent() == []
    assert observable(node.endpoint) == before
    assert node.facts() == facts


# -- the steps, each prepared and left to the caller to run -------------------------


def prepare_message1(pair: ServicePair) -> GuardOutcome:
    return pair.alice.service.prepare_establish_channel(
        pair.alice.snapshot(), CTX, BOB_ID, pair.psk(1), now_ms=0
    )


def prepare_at_bob(pair: ServicePair, message: bytes) -> GuardOutcome:
    return pair.bob.service.prepare_handle_handshake(
        pair.bob.snapshot(),
        CTX,
        ALICE_ID,
        message,
        pair.psk(1),
        now_ms=0,
        receipt=pair.receipt_of(message),
    )


def prepare_at_alice(pair: ServicePair, message: bytes) -> GuardOutcome:
    return pair.alice.service.prepare_handle_handshake(
        pair.alice.snapshot(),
        CTX,
        BOB_ID,
        message,
        pair.psk(1),
        now_ms=0,
        receipt=pair.receipt_of(message),
    )


def live_pair() -> tuple[ServicePair, bytes]:
    """A pair with an Active, journaled channel, and Alice's next message 1 (committed
    on her side: she gave the channel up and starts again)."""
    pair = ServicePair.new()
    pair.establish()
    return pair, pair.message1()


# -- a rolled-back message 1 ---------------------------------------------------------


@pytest.mark.parametrize("failure", ["charge", "later-effect"])
def test_rolled_back_message1_keeps_guard_and_live_channel(failure: str) -> None:
    """Bob's answer to a newer message 1 is rolled back: his Active channel stays
    Active, the replay guard does not move, and the genuine retry then succeeds."""
    pair, msg1 = live_pair()
    [live] = pair.bob.endpoint.manager.channels()
    guard = pair.bob.endpoint.manager.replay_guard.entries(CTX.value)
    outcome = prepare_at_bob(pair, msg1)
    if failure == "charge":
        refill = drain_budget(pair.bob)
        assert_rolled_back_unchanged(pair.bob, outcome)
        refill()
    else:
        assert_rolled_back_unchanged(pair.bob, with_failing_tail(outcome))
    assert live.state is ChannelState.Active
    assert pair.bob.endpoint.manager.replay_guard.entries(CTX.value) == guard
    msg2 = pair.respond(msg1)  # the same message 1 again: the genuine retry
    assert pair.confirm(pair.complete(msg2)).status is ExecutionStatus.Committed
    assert live.state is ChannelState.Closed
    assert len(pair.bob.established()) == 2


def test_rolled_back_start_keeps_nothing_pending() -> None:
    """Alice's message 1 whose charge fails: no pending handshake, no timestamp used."""
    pair = ServicePair.new()
    outcome = prepare_message1(pair)
    drain_budget(pair.alice)
    assert_rolled_back_unchanged(pair.alice, outcome)


def test_rolled_back_start_undoes_the_pending_handshake() -> None:
    pair = ServicePair.new()
    assert_rolled_back_unchanged(pair.alice, with_failing_tail(prepare_message1(pair)))


# -- a key confirmation whose ChannelEstablished append fails ------------------------


def test_confirmation_with_failed_append_stays_establishing_and_is_repairable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Never Active without the fact: the channel stays Establishing and the retried
    confirmation completes it (one fact)."""
    pair = ServicePair.new()
    confirmation = pair.complete(pair.respond(pair.message1()))
    [channel] = pair.bob.endpoint.manager.channels()
    outcome = prepare_at_bob(pair, confirmation)
    assert [type(e) for e in outcome.effects][1:3] == [ConfirmChannel, JournalAppend]
    journal = pair.bob.service.journal(CTX)

    def disk_full(*_: object) -> object:
        raise LocalProtocolError("the journal store refused the append")

    monkeypatch.setattr(journal, "append", disk_full)
    before = observable(pair.bob.endpoint)
    result = pair.bob.run(outcome)
    assert result.status is ExecutionStatus.RolledBack
    assert channel.state is ChannelState.Establishing
    assert pair.bob.established() == []
    assert observable(pair.bob.endpoint) == before
    monkeypatch.undo()
    assert pair.confirm(confirmation).status is ExecutionStatus.Committed
    assert channel.state is ChannelState.Active
    assert [f.channel_id for f in pair.bob.established()] == [channel.channel_id]


def test_prepared_confirmation_changes_nothing() -> None:
    """Preparing (even twice) activates nothing; only the committed outcome does."""
    pair = ServicePair.new()
    confirmation = pair.complete(pair.respond(pair.message1()))
    [channel] = pair.bob.endpoint.manager.channels()
    first = prepare_at_bob(pair, confirmation)
    prepare_at_bob(pair, confirmation)
    assert channel.state is ChannelState.Establishing
    assert pair.bob.run(first).status is ExecutionStatus.Committed
    assert channel.state is ChannelState.Active


# -- message 2 ------------------------------------------------------------------------


@pytest.mark.parametrize("failure", ["later-effect", "stale"])
def test_rolled_back_response_keeps_the_pending_handshake(failure: str) -> None:
    """Alice's completion rolled back: still pending, and the same message 2 completes it."""
    pair = ServicePair.new()
    msg2 = pair.respond(pair.message1())
    outcome = prepare_at_alice(pair, msg2)
    if failure == "stale":
        # The handshake is replaced after the prepare (a newer start): the commit
        # finds another pending handshake and refuses.
        pending = pair.alice.endpoint.manager.pending(CTX.value, BOB_ID.value)
        newer = prepare_message1(pair)
        assert pair.alice.run(newer).status is ExecutionStatus.Committed
        pair.alice.take_sent()
        assert pair.alice.endpoint.manager.pending(CTX.value, BOB_ID.value) is not pending
        before = observable(pair.alice.endpoint)
        assert pair.alice.run(outcome).status is ExecutionStatus.RolledBack
        assert observable(pair.alice.endpoint) == before
        return
    assert_rolled_back_unchanged(pair.alice, with_failing_tail(outcome))
    confirmation = pair.complete(msg2)
    assert pair.confirm(confirmation).status is ExecutionStatus.Committed


# -- denied outcomes ------------------------------------------------------------------


def test_every_denied_step_leaves_the_manager_as_before() -> None:
    """Without rendezvous:connect each step is denied: no effects, no change."""
    pair = ServicePair.new()
    msg1 = pair.message1()
    msg2 = pair.respond(msg1)
    confirmation = pair.complete(msg2)
    for node in (pair.alice, pair.bob):
        node.capabilities = frozenset()
    steps = [
        (pair.alice, lambda: prepare_message1(pair)),
        (pair.bob, lambda: prepare_at_bob(pair, msg1)),
        (pair.alice, lambda: prepare_at_alice(pair, msg2)),
        (pair.bob, lambda: prepare_at_bob(pair, confirmation)),
    ]
    for node, step in steps:
        before = observable(node.endpoint)
        outcome = step()
        assert not outcome.is_allowed() and outcome.effects == ()
        assert node.run(outcome).status is ExecutionStatus.Denied
        assert observable(node.endpoint) == before


def test_without_a_channel_port_a_channel_change_rolls_back() -> None:
    """An interpreter built without the channel port cannot commit half an outcome."""
    pair = ServicePair.new()
    outcome = prepare_message1(pair)
    node = pair.alice
    bare = EffectInterpreter(
        node.id, node.budget, node.service.journals, node.issuer, lambda _send: None
    )
    spent = node.budget.spent(CTX, node.id, 1)
    before = observable(node.endpoint)
    result = bare.execute(outcome)
    assert result.status is ExecutionStatus.RolledBack
    assert "channel port" in (result.error or "")
    assert node.budget.spent(CTX, node.id, 1) == spent
    assert observable(node.endpoint) == before


def test_prepared_message1_is_answered_only_once_committed() -> None:
    """Bob's prepare registers nothing; his run registers the Establishing channel."""
    pair = ServicePair.new()
    msg1 = pair.message1()
    outcome = prepare_at_bob(pair, msg1)
    assert pair.bob.endpoint.manager.channels() == ()
    assert any(isinstance(e, AcceptHandshake) for e in outcome.effects)
    assert pair.bob.run(outcome).status is ExecutionStatus.Committed
    [channel] = pair.bob.endpoint.manager.channels()
    assert channel.state is ChannelState.Establishing
    assert only_message(pair.bob.take_sent())


def test_publish_still_runs_without_a_channel_port() -> None:
    """Outcomes without a channel change do not need the port."""
    node = Node(ALICE_ID)
    bare = EffectInterpreter(
        node.id, node.budget, node.service.journals, node.issuer, lambda _send: None
    )
    outcome = node.service.prepare_publish_descriptor(
        node.snapshot(), CTX, [QuicDirect("127.0.0.1:1")], 0
    )
    assert bare.execute(outcome).status is ExecutionStatus.Committed
