"""Flow budgets (DESIGN.md 4): spent + c <= limit, no wrap-around, per epoch."""

from __future__ import annotations

import pytest
from aura_rendezvous import FlowBudgetStore, InsufficientBudgetError, ValueRangeError, budget_allows
from aura_rendezvous.core import U32_MAX, U64_MAX
from hypothesis import given, settings
from hypothesis import strategies as st

from .world import ALICE, BOB, CTX, OTHER_CTX

u64 = st.one_of(st.integers(0, U64_MAX), st.sampled_from([0, U64_MAX - 1, U64_MAX]))
u32 = st.one_of(st.integers(0, U32_MAX), st.sampled_from([0, 1, U32_MAX]))


@settings(max_examples=100)
@given(u64, u32, u64)
def test_budget_allows_is_exact(spent: int, cost: int, limit: int) -> None:
    """Allowed iff spent + cost <= limit on integers (overflow never wraps)."""
    assert budget_allows(spent, cost, limit) == (spent + cost <= limit)


def test_overflow_edges() -> None:
    """At the top of u64 a charge does not fit; a wrapping sum would have said it did."""
    assert not budget_allows(U64_MAX, 1, U64_MAX)
    assert (U64_MAX + 1) % 2**64 <= U64_MAX  # the wrapping reading would allow it
    assert budget_allows(U64_MAX - 1, 1, U64_MAX)


def test_out_of_range_is_an_error() -> None:
    """Negative or too-large inputs are typed errors, not silently clamped."""
    with pytest.raises(ValueRangeError):
        budget_allows(0, U32_MAX + 1, U64_MAX)
    with pytest.raises(ValueRangeError):
        budget_allows(-1, 0, 0)


def test_store_charges_exactly_to_the_limit() -> None:
    """Charges succeed up to the limit, the next one fails leaving the store as it was."""
    store = FlowBudgetStore({(CTX, ALICE): 5})
    store.charge(CTX, ALICE, 1, 3)
    store.charge(CTX, ALICE, 1, 2)
    with pytest.raises(InsufficientBudgetError):
        store.charge(CTX, ALICE, 1, 1)
    assert store.spent(CTX, ALICE, 1) == 5
    assert store.remaining(CTX, ALICE, 1) == 0


def test_new_epoch_starts_at_zero_and_keys_are_separate() -> None:
    """Budgets are per (context, authority, epoch)."""
    store = FlowBudgetStore({}, default_limit=2)
    store.charge(CTX, ALICE, 1, 2)
    store.charge(CTX, ALICE, 2, 2)
    store.charge(OTHER_CTX, ALICE, 1, 2)
    store.charge(CTX, BOB, 1, 2)
    assert store.spent(CTX, ALICE, 2) == 2 and store.spent(CTX, ALICE, 3) == 0


def test_undo_returns_the_charge() -> None:
    """Undo (rollback) restores the counter exactly."""
    store = FlowBudgetStore({}, default_limit=10)
    token = store.charge(CTX, ALICE, 1, 4)
    store.undo(token)
    assert store.spent(CTX, ALICE, 1) == 0
