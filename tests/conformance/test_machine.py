"""The state machine against the reference backend and against each buggy backend."""

from __future__ import annotations

import pytest
from aura_conformance import VARIANTS, ReferenceBackend, run_conformance
from aura_conformance.guard_chain import SCENARIOS, run_scenarios

BUGGY = [name for name in VARIANTS if name != "ref"]
# The directed schedule that reaches each shortfall.
EXPECTED_SCENARIO = {
    "double-charge": "send-receive",
    "no-rollback": "rollback",
    "no-replay-check": "replay",
    "no-signature-check": "forgery",
    "no-epoch-check": "retired-epoch",
}


def test_reference_backend_conforms() -> None:
    """Scenarios plus 40 random runs: every step of the reference is a Next step."""
    result = run_conformance(ReferenceBackend("ref"), examples=40, seed=3)
    assert result.conformant, result.failure
    assert result.steps > 200


def test_reference_passes_every_directed_scenario() -> None:
    """Each directed schedule is a legal behaviour of the reference implementation."""
    results = run_scenarios(ReferenceBackend("ref"))
    assert [r.name for r in results] == list(SCENARIOS)
    assert all(r.failure is None for r in results), [str(r.failure) for r in results]


@pytest.mark.parametrize("variant", BUGGY)
def test_scenarios_catch_each_buggy_backend(variant: str) -> None:
    """The schedule aimed at a shortfall finds it; the table names the harness action."""
    failed = {r.name: r.failure for r in run_scenarios(ReferenceBackend(variant)) if r.failure}
    assert EXPECTED_SCENARIO[variant] in failed
    failure = failed[EXPECTED_SCENARIO[variant]]
    assert failure is not None and failure.kind == "step"
    assert failure.action in {"ExecuteEffects", "ReceiveReceipt"}
    assert "variable" in failure.table


@pytest.mark.parametrize("variant", BUGGY)
def test_random_exploration_alone_catches_each_buggy_backend(variant: str) -> None:
    """Without the directed schedules, Hypothesis's own runs (fixed seed) find the bug."""
    result = run_conformance(
        ReferenceBackend(variant), examples=60, seed=7, shrink=False, scenarios=False
    )
    assert not result.conformant
    assert "no " in result.failure and "explains the step" in result.failure


def test_double_charge_report_names_the_broken_invariant() -> None:
    """The spent-twice state also breaks GCAtomicRollback, and the report says so."""
    result = run_conformance(ReferenceBackend("double-charge"), examples=5, seed=0)
    assert "GCAtomicRollback" in result.failure
    assert "* spent" in result.failure


@pytest.mark.slow
def test_reference_backend_conforms_deeply() -> None:
    """A long run: 1000 random programs of up to 40 rules."""
    result = run_conformance(ReferenceBackend("ref"), examples=1000, seed=11, steps=40)
    assert result.conformant, result.failure
