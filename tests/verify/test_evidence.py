"""The stages' evidence: one check per (module, invariant, engine) and the traces
behind each violation, from real runs of the embedded checker and of Z3."""

from __future__ import annotations

import attrs
import pytest
from aura_model.spec_check import Figures, ModelCase, check_case, check_embedded, discover
from aura_model.spec_evidence import model_evidence
from aura_model.stages import Status
from aura_model.z3 import prove_all, row_names
from aura_model.z3._evidence import row_evidence


def _case(name: str) -> ModelCase:
    (case,) = (c for c in discover() if c.cfg.name == name)
    return case


@pytest.fixture(scope="module")
def epoch_rotation() -> Figures:
    """The embedded checker's run of MC_EpochRotation.cfg, made once."""
    return check_embedded(_case("MC_EpochRotation.cfg"))


def test_a_good_model_gives_a_check_per_invariant_and_engine(epoch_rotation: Figures) -> None:
    """MC_EpochRotation.cfg with TLC absent: every invariant of its cfg PASSes on
    the embedded checker, and its TLC check is SKIPPED with the reason."""
    outcome = check_case(
        _case("MC_EpochRotation.cfg"), tlc_absent="no java here", embedded=epoch_rotation
    )
    checks, traces = model_evidence(outcome, "no java here")
    embedded = [c for c in checks if c.engine == "embedded"]
    tlc = [c for c in checks if c.engine == "tlc"]
    assert [c.invariant for c in embedded] == list(outcome.embedded.checked)
    assert "ERNoRevival" in outcome.embedded.checked
    assert all(c.status is Status.PASS and c.kind == "holds" for c in embedded)
    assert all(c.module == "EpochRotation" for c in checks)
    assert {c.status for c in tlc} == {Status.SKIPPED}
    assert "no java here" in tlc[0].detail
    assert traces == []
    assert embedded[0].rerun.endswith("--config spec/EpochRotation/MC_EpochRotation.cfg")


def test_a_bad_model_gives_its_violation_and_the_trace() -> None:
    """A broken variant of GuardChain: the check is PASS of kind
    violated-by-broken-variant, pointing at a trace whose steps name actions and
    carry every variable."""
    outcome = check_case(_case("MC_GuardChain_bad_GCChargeFirst.cfg"))
    checks, traces = model_evidence(outcome)
    (check,) = [c for c in checks if c.engine == "embedded"]
    assert (check.invariant, check.kind, check.status) == (
        "GCChargeFirst",
        "violated-by-broken-variant",
        Status.PASS,
    )
    (trace,) = traces
    assert check.counterexample == trace.id
    assert (trace.invariant, trace.expected, trace.engine) == ("GCChargeFirst", True, "embedded")
    assert trace.steps[0].action is None
    assert all(s.action for s in trace.steps[1:])
    variables = set(trace.steps[0].state)
    assert variables and all(set(s.state) == variables for s in trace.steps)


def test_a_model_that_misses_its_expectation_fails_its_check(epoch_rotation: Figures) -> None:
    """The failing counterpart: a good model judged against a bad model's
    expectation is a FAIL check (no expected violation was found)."""
    good = _case("MC_EpochRotation.cfg")
    bad = _case("MC_EpochRotation_bad_ERNoRevival.cfg")
    outcome = check_case(attrs.evolve(good, expect=bad.expect), embedded=epoch_rotation)
    checks, _ = model_evidence(outcome)
    (check,) = checks
    assert (check.invariant, check.status) == ("ERNoRevival", Status.FAIL)


@pytest.mark.parametrize(
    ("row", "engine", "kind"),
    [
        ("GCChargeFirst", "z3-proved", "holds"),
        ("GCCapabilityRequired [BUG_NoCapCheck]", "z3-bounded", "violated-by-broken-variant"),
    ],
)
def test_z3_rows_become_checks(row: str, engine: str, kind: str) -> None:
    """An inductive proof is a z3-proved check; a bug twin's BMC counterexample a
    z3-bounded violation with the twin's trace, actions named."""
    assert row in row_names("GuardChain")
    report = prove_all(models=["GuardChain"], only=row, isolate=False)
    checks, traces = row_evidence(report.rows)
    (check,) = checks
    assert (check.engine, check.kind, check.status) == (engine, kind, Status.PASS)
    assert check.invariant == row.split(" [", maxsplit=1)[0]
    assert check.rerun.startswith("aura-verify prove --model GuardChain --only ")
    if kind == "holds":
        assert traces == []
        return
    (trace,) = traces
    assert trace.config == "BUG_NoCapCheck" and trace.id == check.counterexample
    assert trace.steps[0].action is None and all(s.action for s in trace.steps[1:])
    assert "phase" in trace.steps[-1].state
