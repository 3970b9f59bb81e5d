"""The Z3 twins of the TLA+ modules: every obligation of ``aura-verify prove``.

One run of :func:`prove_all` (the run ``make verify`` does, with a larger
per-query timeout so that a loaded machine cannot turn a proof into a
timeout: the 2-second and 30-second goals are measured by ``aura-verify
prove`` itself, not by timed tests) feeds every assertion: each invariant and
strengthening lemma is proved (or, where the table says "bounded", checked to
the BMC depth), each action is witnessed, each broken twin yields its
counterexample.
"""

from __future__ import annotations

import json
import pickle
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from aura_model.z3 import MODELS, ProveReport, Verdict

sys.path.insert(0, str(Path(__file__).parent))
from tests_z3_support import spec_names

ROOT = Path(__file__).resolve().parents[2]
TWINS = [(e.module, flag, inv) for e in MODELS for flag, inv in e.bugs]


_REPORT_OF_A_RUN = """
import pickle, sys
from aura_model.z3 import prove_all
sys.stdout.buffer.write(pickle.dumps(prove_all(pure=False, timeout_ms=20000, jobs=1)))
"""


@pytest.fixture(scope="module")
def report() -> ProveReport:
    """The transition-system part of ``aura-verify prove`` (the pure
    functions are covered by test_pure.py), run as ``make verify`` runs it: in a
    fresh interpreter. In this worker, other tests may already have created Z3
    terms, and Z3's answers on quantified queries depend on them: a bug twin once
    came back "unknown (incomplete quantifiers)" depending on which tests xdist
    had run in the same process before."""
    out = subprocess.run(
        [sys.executable, "-c", _REPORT_OF_A_RUN], capture_output=True, timeout=600, check=True
    )
    found = pickle.loads(out.stdout)
    assert isinstance(found, ProveReport)
    return found


def test_every_row_meets_its_expectation(report: ProveReport) -> None:
    """Nothing unexpected in the table (printed on failure)."""
    assert report.rows
    assert all(r.ok for r in report.rows), report.format_table()


@pytest.mark.parametrize("entry", MODELS, ids=lambda e: e.module)
def test_every_spec_invariant_and_action_is_covered(entry, report: ProveReport) -> None:  # type: ignore[no-untyped-def]
    """The twin has exactly the spec's invariants, actions and BUG flags; each
    invariant has a proof row, each action a witness, each flag a twin row."""
    ts = entry.build()
    spec = spec_names(ROOT / "spec", entry.module)
    assert set(ts.invariants) == spec.invariants
    assert set(ts.action_properties) == spec.properties
    assert {a: tuple(act.params) for a, act in ts.actions.items()} == spec.actions
    assert {flag for flag, _ in entry.bugs} == spec.bug_flags
    rows = {(r.module, r.invariant, r.method): r for r in report.rows}
    for name in [*ts.invariants, *ts.action_properties]:
        row = next(r for r in report.rows if r.module == entry.module and r.invariant == name)
        assert row.result in (Verdict.PROVED, Verdict.BOUNDED)
    for action in ts.actions:
        row = next(
            r
            for (module, name, method), r in rows.items()
            if module == entry.module and name == action and method.startswith("witness")
        )
        assert row.result == Verdict.WITNESSED
        assert f": {action}(" in row.trace.splitlines()[1 if row.trace.startswith("CONST") else 0]


@pytest.mark.parametrize("twin", TWINS, ids=lambda t: f"{t[0]}:{t[1]}:{t[2]}")
def test_bug_twin_yields_counterexample_trace(
    twin: tuple[str, str, str], report: ProveReport
) -> None:
    """Each broken twin of the spec issue is refuted by a printed trace that
    starts in Init and ends in a state violating the invariant."""
    module, flag, invariant = twin
    row = next(
        r for r in report.rows if r.module == module and r.invariant == f"{invariant} [{flag}]"
    )
    assert row.result == Verdict.VIOLATED
    assert "0: Init" in row.trace
    assert re.search(r"violated at depth \d+", row.detail)


def test_bounded_rows_are_declared_and_explained(report: ProveReport) -> None:
    """A "bounded" result appears only where the model says why."""
    for r in report.rows:
        if r.result == Verdict.BOUNDED:
            assert r.detail.startswith("unbounded proof open:")


def test_total_time_reported(report: ProveReport) -> None:
    """The report carries its total; the 30-second goal is checked by the
    stage (``make verify``), not by a timed test."""
    assert report.seconds > 0
    assert f"total {report.seconds:.2f}s, cpu {report.cpu_seconds:.2f}s" in report.format_table()


_ROWS_OF_A_RUN = """
import json, sys
from aura_model.z3 import prove_all
report = prove_all(timeout_ms=20000, jobs=int(sys.argv[1]), depth=2)
rows = [(r.module, r.invariant, r.method, r.result) for r in report.rows]
print(json.dumps({"processes": report.parallel, "rows": rows}))
"""


def _rows_of_a_run(jobs: int) -> dict[str, Any]:
    # A fresh interpreter per run: Z3's answers on quantified queries depend on
    # the terms created before in the same context, so two runs in one process
    # (or a run beside this module's fixture) would not be comparable.
    out = subprocess.run(
        [sys.executable, "-c", _ROWS_OF_A_RUN, str(jobs)],
        capture_output=True,
        text=True,
        timeout=600,
        check=True,
    )
    found: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return found


@pytest.mark.slow
def test_parallel_run_gives_the_sequential_rows() -> None:
    """Worker processes change where the queries run, not what they answer:
    the same rows, in the registry's order, with the same results."""
    sequential, parallel = _rows_of_a_run(1), _rows_of_a_run(2)
    assert sequential["processes"] == 1
    assert parallel["processes"] == 2
    assert parallel["rows"] == sequential["rows"]


def test_cti_of_too_weak_budget_invariant_in_spec_vocabulary() -> None:
    """Without its strengthening lemmas, ``GCBudgetWithinLimit`` is not
    inductive: the counterexample to induction is printed as a state table in
    the spec's names, and its post-state really spends past ``Limit``."""
    from aura_model.z3._guard_chain import guard_chain

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
    assert guard_chain().prove("GCBudgetWithinLimit").verdict == Verdict.PROVED
