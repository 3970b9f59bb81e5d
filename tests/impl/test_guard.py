"""The guard chain (DESIGN.md 4): capability, then budget, then coupling; a deny is a
value with no effects; an allow starts with the charge."""

from __future__ import annotations

import pytest
from aura_rendezvous import (
    CAP_RENDEZVOUS_CONNECT,
    CAP_RENDEZVOUS_PUBLISH,
    Allowed,
    ChargeFlowBudget,
    Denied,
    DenyReason,
    GuardOutcome,
    GuardSnapshot,
    JournalAppend,
    LocalProtocolError,
    evaluate_guards,
)
from hypothesis import given, settings
from hypothesis import strategies as st

from .world import ALICE, CTX

Evaluator = type(evaluate_guards)


def couple_ok(charge: ChargeFlowBudget) -> GuardOutcome:
    return GuardOutcome.allow([charge])


def snap(budget: int, caps: set[str]) -> GuardSnapshot:
    return GuardSnapshot(ALICE, CTX, budget, caps, 3)


def evaluate_without_capability_check(
    snapshot: GuardSnapshot, capability: str, cost: int, couple: object
) -> GuardOutcome:
    """Broken twin: the capability guard is skipped."""
    caps = snapshot.capabilities | {capability}
    return evaluate_guards(
        GuardSnapshot(
            snapshot.authority_id,
            snapshot.context_id,
            snapshot.flow_budget_remaining,
            caps,
            snapshot.epoch,
        ),
        capability,
        cost,
        couple,  # type: ignore[arg-type]
    )


def assert_guard_rules(evaluate: object) -> None:
    ev = evaluate  # the evaluator under test
    out = ev(snap(10, set()), CAP_RENDEZVOUS_PUBLISH, 1, couple_ok)  # type: ignore[operator]
    assert out.decision == Denied(DenyReason.MissingCapability), "capability not required"
    assert out.effects == ()
    # Both guards fail: the capability is reported (it is checked first).
    out = ev(snap(0, set()), CAP_RENDEZVOUS_PUBLISH, 1, couple_ok)  # type: ignore[operator]
    assert out.decision == Denied(DenyReason.MissingCapability), "capability not required"


def test_capability_checked_first() -> None:
    """Missing capability denies with no effects, before the budget; skipping it is caught."""
    assert_guard_rules(evaluate_guards)
    with pytest.raises(AssertionError, match="capability not required"):
        assert_guard_rules(evaluate_without_capability_check)


@settings(max_examples=80)
@given(st.integers(0, 20), st.integers(0, 20), st.booleans())
def test_budget_guard(remaining: int, cost: int, has_cap: bool) -> None:
    """Allowed iff capability held and cost <= remaining; deny has no effects, allow starts
    with a charge of exactly the cost, and the coupling runs only after both guards."""
    called: list[int] = []

    def couple(charge: ChargeFlowBudget) -> GuardOutcome:
        called.append(charge.cost)
        return GuardOutcome.allow([charge])

    caps = {CAP_RENDEZVOUS_CONNECT} if has_cap else set()
    out = evaluate_guards(snap(remaining, caps), CAP_RENDEZVOUS_CONNECT, cost, couple)
    if has_cap and cost <= remaining:
        assert out.decision == Allowed()
        assert out.effects == (ChargeFlowBudget(CTX, ALICE, 3, cost),)
        assert called == [cost]
    else:
        assert isinstance(out.decision, Denied)
        assert out.effects == () and called == []
        expected = DenyReason.MissingCapability if not has_cap else DenyReason.InsufficientBudget
        assert out.decision.reason is expected


def test_outcome_shapes_enforced() -> None:
    """A denied outcome with effects, or an allowed one not starting with the charge,
    cannot even be built."""
    charge = ChargeFlowBudget(CTX, ALICE, 1, 1)
    with pytest.raises(LocalProtocolError, match="no effects"):
        GuardOutcome(Denied(DenyReason.InsufficientBudget), [charge])
    from aura_rendezvous import ChannelEstablished

    append = JournalAppend(CTX, ChannelEstablished(CTX, ALICE, ALICE, b"\x00" * 32, 1))
    with pytest.raises(LocalProtocolError, match="starts with ChargeFlowBudget"):
        GuardOutcome.allow([append, charge])
    with pytest.raises(LocalProtocolError):
        GuardOutcome.allow([])


def test_snapshot_validates_ranges() -> None:
    """Budgets and epochs are u64."""
    from aura_rendezvous import ValueRangeError

    with pytest.raises(ValueRangeError):
        GuardSnapshot(ALICE, CTX, -1, set(), 1)
    with pytest.raises(ValueRangeError):
        GuardSnapshot(ALICE, CTX, 1, set(), 2**64)
