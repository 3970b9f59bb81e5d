"""One Z3 query under a deterministic resource limit.

The verdict of a query must not depend on how loaded the machine is, so the
limit is Z3's ``rlimit`` (a count of solver steps, the same on every run of
the same query in the same context) rather than its wall-clock ``timeout``.
Each query reports the resources it spent and its wall time as figures.

A wall-clock cap remains only as a safety net (:data:`SAFETY_TIMEOUT_MS`,
far above any normal query) so that a runaway query cannot hang a run; a
query stopped by it is an ``error``, never a pass.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import attrs
import z3

__all__ = [
    "DEFAULT_RLIMIT",
    "SAFETY_TIMEOUT_MS",
    "Outcome",
    "QueryStat",
    "Verdict",
    "limited_solver",
    "recording",
    "run_query",
]

# For queries without a calibrated limit (the models' and the pure checks'
# are in the registry and models/pure.py): 40x the largest calibrated query seen.
DEFAULT_RLIMIT = 200_000_000
SAFETY_TIMEOUT_MS = 600_000


class Verdict:
    """Result words used in tables and JSON (plain strings, stable for scripts)."""

    PROVED = "proved"
    VIOLATED = "violated"  # a real counterexample: initiation fails or BMC reaches a bad state
    CTI = "cti"  # consecution fails: a counterexample to induction (maybe unreachable)
    WITNESSED = "witnessed"
    BOUNDED = "bounded"  # prefix of "bounded(depth=N)": no violation up to N; no unbounded proof
    UNREACHABLE = "unreachable"
    UNKNOWN = "unknown"  # Z3 gave up: its resource limit, or an incomplete theory
    ERROR = "error"  # the wall-clock safety net stopped the query

    @staticmethod
    def bounded(depth: int) -> str:
        return f"{Verdict.BOUNDED}(depth={depth})"

    @staticmethod
    def is_bounded(verdict: str) -> bool:
        return verdict.startswith(f"{Verdict.BOUNDED}(")


@attrs.frozen
class Outcome:
    """What one ``check()`` answered, with the wall seconds and the
    resources (rlimit units) it spent."""

    status: Any  # z3.sat / z3.unsat / z3.unknown
    model: Any
    seconds: float
    rlimit: int
    reason: str
    limit: int

    @property
    def undecided_verdict(self) -> str:
        """``unknown`` when Z3 gave up within its rlimit (or its theory is
        incomplete), ``error`` when the wall-clock safety net stopped it."""
        if "timeout" in self.reason or "canceled" in self.reason:
            return Verdict.ERROR
        return Verdict.UNKNOWN

    @property
    def undecided_detail(self) -> str:
        if self.undecided_verdict == Verdict.ERROR:
            return f"stopped by the {SAFETY_TIMEOUT_MS // 1000}s safety net ({self.reason})"
        if "resource limit" in self.reason:
            return f"rlimit {self.limit} exhausted"
        return self.reason


@attrs.frozen
class QueryStat:
    """The figures of one query: wall seconds and rlimit units spent."""

    seconds: float
    rlimit: int
    status: str  # "sat", "unsat" or "unknown"


_recorders: list[list[QueryStat]] = []


@contextmanager
def recording() -> Iterator[list[QueryStat]]:
    """Collect the figures of every query run inside the block (nested
    blocks each see their own and their inner blocks' queries)."""
    log: list[QueryStat] = []
    _recorders.append(log)
    try:
        yield log
    finally:
        _recorders.remove(log)


def limited_solver(rlimit: int, logic: str | None = None) -> Any:
    """A solver whose every ``check()`` may spend at most ``rlimit`` units."""
    if rlimit <= 0:
        raise ValueError(f"rlimit must be positive, got {rlimit}")
    solver = z3.SolverFor(logic) if logic else z3.Solver()
    solver.set("rlimit", rlimit)
    solver.set("timeout", SAFETY_TIMEOUT_MS)
    return solver


def _rlimit_count(solver: Any) -> int:
    # Z3 counts resources per context, cumulatively; a solver's statistics
    # show the context's count, so a query's share is the difference.
    try:
        return int(solver.statistics().get_key_value("rlimit count"))
    except z3.Z3Exception:  # not reported by every solver build
        return 0


def run_query(solver: Any, rlimit: int) -> Outcome:
    """``solver.check()``, measured. ``rlimit`` is the limit the solver was
    made with (reported when it is exhausted)."""
    before = _rlimit_count(solver)
    started = time.perf_counter()
    status = solver.check()
    elapsed = time.perf_counter() - started
    spent = _rlimit_count(solver) - before
    model = solver.model() if status == z3.sat else None
    reason = solver.reason_unknown() if status == z3.unknown else ""
    for log in _recorders:
        log.append(QueryStat(elapsed, spent, str(status)))
    return Outcome(status, model, elapsed, spent, reason, rlimit)
