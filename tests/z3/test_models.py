"""The Z3 twins of the TLA+ modules: every obligation of ``aura-verify prove``.

Each model's rows are run once, as ``aura-verify prove`` runs them (each row
in a fresh Z3 context, in a process of its own, under its calibrated rlimit),
and one test per model checks them all: each invariant and strengthening
lemma is proved (or, where the table says "bounded", checked to the BMC
depth), each action is witnessed, each broken twin yields its
counterexample, and every query stays within a tenth of its rlimit. One test
per model (not one per row) so that the test workers share the models out
instead of each running all of them. Nothing here depends on wall-clock time.
"""

from __future__ import annotations

import re
from pathlib import Path

import attrs
import pytest
from aura_model.z3 import MODELS, ModelEntry, ProveReport, Row, Verdict, fresh_context, prove_all

from .tests_z3_support import spec_names

ROOT = Path(__file__).resolve().parents[2]
# Once came back "unknown" or refuted depending on the terms other tests had
# created in the same process before.
FLAKY_ONCE = ("GuardChain", "GCAtomicRollback [BUG_EpochCarryOver]")


def _row(report: ProveReport, name: str) -> Row:
    return next(r for r in report.rows if r.invariant == name)


def _check_coverage(entry: ModelEntry, report: ProveReport) -> None:
    """The twin has exactly the spec's invariants, actions and BUG flags; each
    invariant has a proof row, each action a witness, each flag a twin row."""
    ts = entry.build()
    spec = spec_names(ROOT / "spec", entry.module)
    assert set(ts.invariants) == spec.invariants
    assert set(ts.action_properties) == spec.properties
    assert {a: tuple(act.params) for a, act in ts.actions.items()} == spec.actions
    assert {flag for flag, _ in entry.bugs} == spec.bug_flags
    for name in [*ts.invariants, *ts.action_properties]:
        row = _row(report, name)
        assert row.result == Verdict.PROVED or Verdict.is_bounded(row.result), row
    for action in ts.actions:
        row = _row(report, action)
        assert row.method.startswith("witness")
        assert row.result == Verdict.WITNESSED, row
        assert f": {action}(" in row.trace.splitlines()[1 if row.trace.startswith("CONST") else 0]


def _check_twins(entry: ModelEntry, report: ProveReport) -> None:
    """Each broken twin of the spec issue is refuted by a printed trace that
    starts in Init and ends in a state violating the invariant."""
    for flag, invariant in entry.bugs:
        row = _row(report, f"{invariant} [{flag}]")
        assert row.result == Verdict.VIOLATED, row
        assert "0: Init" in row.trace
        assert re.search(r"violated at depth \d+", row.detail), row.detail


def _check_bounded(entry: ModelEntry, report: ProveReport) -> None:
    """BMC finds no violation only up to a depth: the row says so. A
    "bounded" result elsewhere appears only where the model says why."""
    depth = 6 if entry.max_bmc_depth is None else min(6, entry.max_bmc_depth)
    row = _row(report, "all invariants")
    assert row.method == f"bmc(depth={depth})"
    assert row.result == f"bounded(depth={depth})"
    for r in report.rows:
        if r.method.startswith("bmc"):
            assert r.result != Verdict.PROVED
        if Verdict.is_bounded(r.result) and r.invariant != "all invariants":
            assert r.detail.startswith("unbounded proof open:")


def _check_rlimit_margin(entry: ModelEntry, report: ProveReport) -> None:
    """The calibrated margin: the model's rlimit is at least 10x what its
    largest query spends (rlimit counts are deterministic, unlike seconds),
    so a small change in Z3's path cannot turn a proof into "unknown"."""
    for r in report.rows:
        assert r.queries, r
        assert r.rlimit_limit == entry.rlimit
        assert r.rlimit * 10 <= r.rlimit_limit, (r.invariant, r.rlimit)
    table = report.format_table()
    assert table.splitlines()[0].endswith("| rlimit")
    # Times are figures, per model and in total.
    assert f"total {report.seconds:.2f}s" in table
    assert f"per model: {entry.module} " in table


def _figures(r: Row) -> tuple[object, ...]:
    return (r.module, r.invariant, r.method, r.result, tuple(q.rlimit for q in r.queries))


def _check_alone(entry: ModelEntry, report: ProveReport) -> None:
    """A bug twin row (for GuardChain the one that once depended on what ran
    before it) spends exactly the same rlimit units, query by query, alone as
    in the full run, after this process has built and solved terms of every
    model. Run in this process instead (a fresh context, no process of its
    own) it gives the same verdict; its count then may differ, since Z3 keeps
    process-wide state beyond its contexts (docs/proofs.md)."""
    name = FLAKY_ONCE[1] if entry.module == FLAKY_ONCE[0] else "{1} [{0}]".format(*entry.bugs[0])
    for other in MODELS:
        ts = other.build()
        assert ts.check_initiation(next(iter(ts.invariants))).verdict == Verdict.PROVED
    alone = prove_all(models=[entry.module], only=name, jobs=1).rows
    in_process = prove_all(models=[entry.module], only=name, isolate=False).rows
    full = _figures(_row(report, name))
    assert [_figures(r) for r in alone] == [full]
    assert [(r.invariant, r.result) for r in in_process] == [(name, full[3])]


# The z3-prove stage of ``make verify`` proves every model's rows on every run;
# these deeper checks (coverage, twins, bounds, rlimit margin, a row alone) run on
# Rendezvous's in ``make test`` and on all with ``make test-slow`` (GuardChain's
# included: the row that once depended on what ran before it).
_SLOW_MODELS = {"DescriptorValidity", "EpochRotation", "GuardChain"}


@pytest.mark.parametrize(
    "entry",
    [pytest.param(e, marks=pytest.mark.slow) if e.module in _SLOW_MODELS else e for e in MODELS],
    ids=lambda e: e.module,
)
def test_model_obligations(entry: ModelEntry) -> None:
    report = prove_all(models=[entry.module], jobs=1)
    assert [r.module for r in report.rows] == [entry.module] * len(report.rows)
    assert report.ok, report.format_table()
    _check_coverage(entry, report)
    _check_twins(entry, report)
    _check_bounded(entry, report)
    _check_rlimit_margin(entry, report)
    _check_alone(entry, report)


@pytest.mark.slow
def test_parallel_run_gives_the_sequential_rows() -> None:
    """Worker processes change where the rows run, not what they answer: the
    same rows, in the registry's order, with the same results and the same
    rlimit units per query."""
    module = "Rendezvous"
    parallel = prove_all(models=[module], jobs=2)
    sequential = prove_all(models=[module], jobs=1)
    assert (parallel.parallel, sequential.parallel) == (2, 1)

    assert [_figures(r) for r in parallel.rows] == [_figures(r) for r in sequential.rows]


def test_too_small_an_rlimit_gives_unknown_never_a_pass() -> None:
    """Failing counterpart of the calibration: a proof and a bug twin whose
    queries run out of rlimit say "unknown" and fail the run."""
    for module, name in [("GuardChain", "GCBudgetWithinLimit"), FLAKY_ONCE]:
        starved = prove_all(models=[module], only=name, rlimit=2000, jobs=1)
        (row,) = starved.rows
        assert row.result == Verdict.UNKNOWN, row
        assert "rlimit 2000 exhausted" in row.detail
        assert not row.ok and not starved.ok
        assert "UNEXPECTED" in starved.format_table()


def test_cti_of_too_weak_budget_invariant_in_spec_vocabulary() -> None:
    """Without its strengthening lemmas, ``GCBudgetWithinLimit`` is not
    inductive: the counterexample to induction is printed as a state table in
    the spec's names, and its post-state really spends past ``Limit``."""
    from aura_model.z3.models.guard_chain import guard_chain

    with fresh_context():
        res = guard_chain().prove("GCBudgetWithinLimit", assume=[])
    assert res.verdict == Verdict.CTI
    assert res.trace is not None
    table = res.trace.format_table()
    assert table.startswith("CONSTANTS Limit = ")
    assert "spent" in table and "phase" in table and "1: " in table
    limit = res.trace.constants["Limit"]
    post = res.trace.steps[1].state["spent"]
    assert isinstance(limit, int) and isinstance(post, dict)
    assert any(v > limit for per_epoch in post.values() for v in per_epoch.values())
    # With the named strengthening the same obligation is proved.
    with fresh_context():
        assert guard_chain().prove("GCBudgetWithinLimit").verdict == Verdict.PROVED


def test_a_model_error_is_an_error_row_not_a_crash_or_a_pass(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A twin whose directed schedule names no action of the model (a bug in
    the model, not in the spec) fails its row with ``error``; the run goes on."""
    from aura_model.z3 import _prove

    entry = next(e for e in MODELS if e.module == "Rendezvous")
    twin = ("BUG_DoubleCharge", "RVBudgetWithinLimit")
    broken = attrs.evolve(entry, schedules={**entry.schedules, twin: ("NoSuchAction",)})
    monkeypatch.setattr(_prove, "MODELS", [broken])
    report = prove_all(
        models=["Rendezvous"], only="RVBudgetWithinLimit [BUG_DoubleCharge]", isolate=False
    )
    (row,) = report.rows
    assert row.result == Verdict.ERROR
    assert "schedule names unknown actions ['NoSuchAction']" in row.detail
    assert not row.ok and not report.ok
