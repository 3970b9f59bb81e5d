"""The effect interpreter (DESIGN.md 4): atomic up to the send.

Failures are real: a budget store whose limit was spent since the snapshot, a
journal append of a fact of another context, an outbox whose transport is down.
"""

from __future__ import annotations

from typing import Any

import attrs
import pytest
from aura_conformance.variants import (
    ChargeAfterAppendInterpreter,
    DoubleChargeInterpreter,
    NoRollbackInterpreter,
)
from aura_rendezvous import (
    AuraError,
    ChannelEstablished,
    ChargeFlowBudget,
    DenyReason,
    EffectInterpreter,
    ExecutionStatus,
    FlowBudgetStore,
    GuardOutcome,
    JournalAppend,
    LocalProtocolError,
    QuicDirect,
    ReceiptIssuer,
    RecordReceipt,
    SendEffect,
    SendFailed,
    SendHandshake,
)
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    rule,
    run_state_machine_as_test,
)

from .world import ALICE, BOB, CTX, KEYS, OTHER_CTX, Node


def fact(i: int, ctx: object = CTX) -> ChannelEstablished:
    return ChannelEstablished(ctx, ALICE, BOB, i.to_bytes(32, "big"), 1)  # type: ignore[arg-type]


CHARGE = ChargeFlowBudget(CTX, ALICE, 1, 2)
SEND = SendHandshake(BOB, QuicDirect("h:1"), b"m1")


def outcome(*effects: object) -> GuardOutcome:
    return GuardOutcome.allow(effects)  # type: ignore[arg-type]


def state(node: Node) -> tuple[object, ...]:
    j = node.service.journal(CTX)
    return (node.budget.spent(CTX, ALICE, 1), j.state(), j.clock, len(node.issuer.issued))


def assert_append_failure_rolls_back(cls: type[EffectInterpreter]) -> None:
    """The charge succeeds, the append of a fact of another context fails."""
    node = Node(ALICE, interpreter_cls=cls)
    node.service.journal(CTX).append(fact(0), ALICE)
    before = state(node)
    bad = outcome(
        CHARGE,
        JournalAppend(CTX, fact(1)),
        RecordReceipt("op", CTX, BOB, 1, 2),
        JournalAppend(CTX, fact(2, OTHER_CTX)),
        SEND,
    )
    result = node.interpreter.execute(bad)
    assert result.status is ExecutionStatus.RolledBack
    assert state(node) == before, "rollback left a trace"
    assert node.outbox == [], "sent after a failure"


def test_append_failure_after_charge_leaves_budget_as_it_was() -> None:
    """Budget, journal, Lamport clock and receipt chain are restored and nothing is sent;
    the variant without rollback is caught."""
    assert_append_failure_rolls_back(EffectInterpreter)
    with pytest.raises(AssertionError, match="rollback left a trace"):
        assert_append_failure_rolls_back(NoRollbackInterpreter)


def assert_charge_failure_publishes_nothing(cls: type[EffectInterpreter]) -> None:
    """The snapshot said there was budget; the store says otherwise (spent since)."""
    node = Node(ALICE, limit=1, interpreter_cls=cls)
    result = node.interpreter.execute(outcome(CHARGE, JournalAppend(CTX, fact(1)), SEND))
    assert result.status is ExecutionStatus.RolledBack
    assert len(node.service.journal(CTX)) == 0, "fact published without a charge"
    assert node.outbox == []


def test_failed_charge_publishes_nothing() -> None:
    """Charge first: a failed charge means no fact; the charge-after-append variant is caught."""
    assert_charge_failure_publishes_nothing(EffectInterpreter)
    with pytest.raises(AssertionError, match="without a charge"):
        assert_charge_failure_publishes_nothing(ChargeAfterAppendInterpreter)


def assert_charged_once(cls: type[EffectInterpreter]) -> None:
    node = Node(ALICE, interpreter_cls=cls)
    node.interpreter.execute(outcome(CHARGE, JournalAppend(CTX, fact(1)), SEND))
    assert node.budget.spent(CTX, ALICE, 1) == CHARGE.cost, "budget charged twice"


def test_budget_charged_once() -> None:
    """A committed outcome spends exactly its cost; the double-charging variant is caught."""
    assert_charged_once(EffectInterpreter)
    with pytest.raises(AssertionError, match="charged twice"):
        assert_charged_once(DoubleChargeInterpreter)


def test_commit_runs_everything_in_order() -> None:
    """Committed: charge, append, receipt recorded, then the send reaches the outbox."""
    node = Node(ALICE)
    result = node.interpreter.execute(
        outcome(CHARGE, JournalAppend(CTX, fact(1)), RecordReceipt("op", CTX, BOB, 1, 2), SEND)
    )
    assert result.status is ExecutionStatus.Committed
    # The send carries the receipt that pays for it (issued to its addressee).
    paid = attrs.evolve(SEND, receipt=result.receipts[0].encode())
    assert node.outbox == [paid] and result.sent == (paid,)
    assert [r.nonce for r in result.receipts] == [1]
    assert node.budget.spent(CTX, ALICE, 1) == 2 and len(node.service.journal(CTX)) == 1


def test_deny_does_nothing() -> None:
    """A denied outcome changes no state and sends nothing."""
    node = Node(ALICE)
    before = state(node)
    result = node.interpreter.execute(GuardOutcome.deny(DenyReason.InsufficientBudget))
    assert result.status is ExecutionStatus.Denied
    assert state(node) == before and node.outbox == []


def test_failed_send_is_reported_not_rolled_back() -> None:
    """After the commit point a failed send is reported back; the state stays committed."""
    sent: list[SendEffect] = []

    def outbox(effect: SendEffect) -> None:
        if effect.peer == BOB:  # type: ignore[union-attr]
            raise SendFailed("transport down")
        sent.append(effect)

    node = Node(ALICE)
    interp = EffectInterpreter(
        ALICE, node.budget, node.service.journals, ReceiptIssuer(KEYS[ALICE]), outbox
    )
    other = SendHandshake(ALICE, QuicDirect("h:2"), b"m")
    result = interp.execute(outcome(CHARGE, SEND, other))
    assert result.status is ExecutionStatus.Committed
    assert result.failed_sends == ((SEND, "transport down"),)
    assert result.sent == (other,) and sent == [other]
    assert node.budget.spent(CTX, ALICE, 1) == 2


def test_misordered_effects_refused_before_running() -> None:
    """A local effect after a send is a misuse, refused before any state changes."""
    node = Node(ALICE)
    with pytest.raises(LocalProtocolError, match="after a send"):
        node.interpreter.execute(outcome(CHARGE, SEND, JournalAppend(CTX, fact(1))))
    assert node.budget.spent(CTX, ALICE, 1) == 0 and node.outbox == []


def test_unknown_journal_is_rolled_back() -> None:
    """An append to a context the node has no journal for fails and rolls back."""
    node = Node(ALICE)
    result = node.interpreter.execute(outcome(CHARGE, JournalAppend(OTHER_CTX, fact(1, OTHER_CTX))))
    assert result.status is ExecutionStatus.RolledBack
    assert node.budget.spent(CTX, ALICE, 1) == 0


def test_budget_store_unchanged_by_failed_charge() -> None:
    """The store's own failure leaves it as it was (nothing to undo)."""
    store = FlowBudgetStore({}, default_limit=1)
    with pytest.raises(Exception, match="exceeds"):
        store.charge(CTX, ALICE, 1, 2)
    assert store.spent(CTX, ALICE, 1) == 0


def test_untyped_port_failure_rolls_back_and_propagates() -> None:
    """A port that fails with a foreign exception (a bug) still leaves no half-run outcome."""

    class BrokenIssuer(ReceiptIssuer):
        def issue(self, *args: object, **kwargs: object) -> object:  # type: ignore[override]
            raise RuntimeError("disk on fire")

    node = Node(ALICE)
    interp = EffectInterpreter(
        ALICE, node.budget, node.service.journals, BrokenIssuer(KEYS[ALICE]), node.outbox.append
    )
    with pytest.raises(RuntimeError):
        interp.execute(
            outcome(CHARGE, JournalAppend(CTX, fact(1)), RecordReceipt("op", CTX, BOB, 1, 2))
        )
    assert node.budget.spent(CTX, ALICE, 1) == 0 and len(node.service.journal(CTX)) == 0


# -- channel changes go through the channel port -------------------------------------


class RecordingPort:
    """The real endpoint, with a log of commits and undos (and an optional failure)."""

    def __init__(self, endpoint: Any, fail_on: str | None = None) -> None:
        self.endpoint = endpoint
        self.fail_on = fail_on
        self.log: list[str] = []

    def __getattr__(self, name: str) -> Any:
        target = getattr(self.endpoint, name)

        def call(*args: object) -> object:
            if name == self.fail_on:
                self.log.append(f"{name}:failed")
                raise LocalProtocolError(f"{name} refused")
            result = target(*args)
            self.log.append(name)
            return result

        return call


def message1_outcome() -> tuple[Any, GuardOutcome]:
    from ..channels.service_pairs import BOB_ID, ServicePair

    pair = ServicePair.new()
    node = pair.alice
    return node, node.service.prepare_establish_channel(
        node.snapshot(), CTX, BOB_ID, pair.psk(1), now_ms=0
    )


def test_channel_change_commits_through_the_port_in_phase_one() -> None:
    node, out = message1_outcome()
    port = RecordingPort(node.endpoint)
    sent: list[SendEffect] = []
    interp = EffectInterpreter(
        node.id, node.budget, node.service.journals, node.issuer, sent.append, channels=port
    )
    result = interp.execute(out)
    assert result.status is ExecutionStatus.Committed
    assert port.log == ["commit_start"] and len(sent) == 1
    assert node.endpoint.manager.pending(CTX.value, BOB.value) is not None


def test_a_failure_after_the_channel_change_undoes_it_in_reverse_order() -> None:
    """Charge, receipt, channel change, then a failing append: the undo log runs
    backwards, so the channel change is undone before the receipt and the charge."""
    node, out = message1_outcome()
    port = RecordingPort(node.endpoint)
    interp = EffectInterpreter(
        node.id,
        node.budget,
        node.service.journals,
        node.issuer,
        node.outbox.append,
        channels=port,
    )
    *local, send = out.effects
    failing = JournalAppend(OTHER_CTX, fact(1, OTHER_CTX))
    spent, issued = node.budget.spent(CTX, node.id, 1), len(node.issuer.issued)
    result = interp.execute(outcome(*local, failing, send))
    assert result.status is ExecutionStatus.RolledBack
    assert port.log == ["commit_start", "undo"]
    assert node.endpoint.manager.pending(CTX.value, BOB.value) is None
    assert node.budget.spent(CTX, node.id, 1) == spent
    assert len(node.issuer.issued) == issued
    assert node.outbox == []


def test_a_refused_channel_commit_rolls_back_the_charge() -> None:
    node, out = message1_outcome()
    port = RecordingPort(node.endpoint, fail_on="commit_start")
    interp = EffectInterpreter(
        node.id,
        node.budget,
        node.service.journals,
        node.issuer,
        node.outbox.append,
        channels=port,
    )
    spent = node.budget.spent(CTX, node.id, 1)
    result = interp.execute(out)
    assert result.status is ExecutionStatus.RolledBack
    assert "commit_start refused" in (result.error or "")
    assert port.log == ["commit_start:failed"]
    assert node.budget.spent(CTX, node.id, 1) == spent and node.outbox == []


# -- a stateful run: random outcomes, random failures ------------------------------


class GuardChainMachine(RuleBasedStateMachine):
    """Rules named after GuardChain.tla actions. Invariants: spent never exceeds the limit,
    spent equals the sum of committed charges, the journal only grows by committed
    appends, and the outbox holds exactly the committed sends."""

    LIMIT = 7
    INTERPRETER: type[EffectInterpreter] = EffectInterpreter

    def __init__(self) -> None:
        super().__init__()
        self.node = Node(ALICE, limit=self.LIMIT, interpreter_cls=self.INTERPRETER)
        self.committed_cost = 0
        self.committed_facts: set[bytes] = set()
        self.committed_sends: list[object] = []
        self.counter = 0

    @rule(cost=st.integers(0, 4), poison=st.booleans(), send=st.booleans())
    def PrepareOperation(self, cost: int, poison: bool, send: bool) -> None:
        from aura_rendezvous.journal import fact_id

        self.counter += 1
        append = JournalAppend(CTX, fact(self.counter))
        effects: list[object] = [ChargeFlowBudget(CTX, ALICE, 1, cost), append]
        if poison:  # JournalAppendFails: a fact of another context
            effects.append(JournalAppend(CTX, fact(self.counter, OTHER_CTX)))
        effects.append(RecordReceipt("op", CTX, BOB, 1, cost))
        if send:
            effects.append(SendHandshake(BOB, QuicDirect("h:1"), self.counter.to_bytes(4, "big")))
        result = self.node.interpreter.execute(outcome(*effects))
        fits = self.committed_cost + cost <= self.LIMIT
        if fits and not poison:
            assert result.status is ExecutionStatus.Committed
            self.committed_cost += cost
            self.committed_facts.add(fact_id(append.fact))
            (receipt,) = result.receipts
            self.committed_sends.extend(
                attrs.evolve(e, receipt=receipt.encode())
                for e in effects
                if isinstance(e, SendHandshake)
            )
        else:
            assert result.status is ExecutionStatus.RolledBack

    @rule()
    def DenyOperation(self) -> None:
        self.node.interpreter.execute(GuardOutcome.deny(DenyReason.MissingCapability))

    @invariant()
    def GCBudgetWithinLimit(self) -> None:
        assert self.node.budget.spent(CTX, ALICE, 1) == self.committed_cost <= self.LIMIT

    @invariant()
    def GCAtomicRollback(self) -> None:
        assert self.node.service.journal(CTX).ids() == self.committed_facts
        assert self.node.outbox == self.committed_sends
        assert len(self.node.issuer.issued) == len(self.committed_facts)


TestGuardChainMachine = GuardChainMachine.TestCase
TestGuardChainMachine.settings = settings(max_examples=30, stateful_step_count=20, deadline=None)


@pytest.mark.parametrize(
    "broken", [NoRollbackInterpreter, DoubleChargeInterpreter, ChargeAfterAppendInterpreter]
)
def test_machine_catches_broken_interpreters(broken: type[EffectInterpreter]) -> None:
    """Counterpart: the same machine finds a violating run for each broken interpreter."""

    class Broken(GuardChainMachine):
        INTERPRETER = broken

    # Hypothesis may report several distinct failures at once (an ExceptionGroup); a
    # broken interpreter may also trip over its own state (an AuraError).
    with pytest.raises((AssertionError, AuraError, ExceptionGroup)):
        run_state_machine_as_test(
            Broken, settings=settings(max_examples=200, stateful_step_count=20, deadline=None)
        )


@pytest.mark.slow
def test_guard_chain_machine_deep() -> None:
    """The stateful guard-chain run with many more and longer runs (make test-slow)."""
    run_state_machine_as_test(
        GuardChainMachine,
        settings=settings(max_examples=1000, stateful_step_count=60, deadline=None),
    )
