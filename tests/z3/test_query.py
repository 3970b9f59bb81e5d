"""One query under the deterministic resource limit: what it spends is the
same in every fresh context, running out is ``unknown``, and the wall-clock
safety net is an ``error``; neither is ever a pass."""

from __future__ import annotations

import pytest
import z3
from aura_model.z3 import Verdict, fresh_context
from aura_model.z3.framework.query import (
    SAFETY_TIMEOUT_MS,
    Outcome,
    limited_solver,
    recording,
    run_query,
)


def _pythagoras(rlimit: int) -> Outcome:
    x, y = z3.Ints("x y")
    solver = limited_solver(rlimit)
    solver.add(x * x + y * y == 25, x > 0, y > 0, x != 3)
    return run_query(solver, rlimit)


def test_each_query_reports_its_own_spend_not_the_contexts_total() -> None:
    """Z3 counts rlimit units per context, cumulatively; a query's figure is
    its own share, and the limit applies to that share."""
    with fresh_context():
        first, second = _pythagoras(10_000_000), _pythagoras(10_000_000)
        total = int(limited_solver(1).statistics().get_key_value("rlimit count"))
    assert first.status == second.status == z3.sat
    assert first.rlimit > 0 and second.rlimit > 0
    assert first.rlimit + second.rlimit <= total < first.rlimit + second.rlimit + 1000


def test_running_out_of_rlimit_is_unknown() -> None:
    with fresh_context(), recording() as log:
        out = _pythagoras(50)
    assert out.status == z3.unknown
    assert out.undecided_verdict == Verdict.UNKNOWN
    assert out.undecided_detail == "rlimit 50 exhausted"
    assert [q.status for q in log] == ["unknown"]


def test_safety_net_stop_is_an_error() -> None:
    """What Z3 reports when the wall-clock safety net stops a query."""
    for reason in ("timeout", "canceled"):
        out = Outcome(z3.unknown, None, SAFETY_TIMEOUT_MS / 1000, 1, reason, 10)
        assert out.undecided_verdict == Verdict.ERROR
        assert "safety net" in out.undecided_detail


def test_limit_must_be_positive() -> None:
    with pytest.raises(ValueError, match="rlimit must be positive"):
        limited_solver(0)


def test_fresh_context_is_restored_afterwards() -> None:
    before = z3.main_ctx()
    with fresh_context() as ctx:
        assert z3.main_ctx() is ctx is not before
        assert z3.Int("x").ctx is ctx
    assert z3.main_ctx() is before
