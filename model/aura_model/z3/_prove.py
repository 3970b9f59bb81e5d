"""``aura-verify prove``: every proof obligation, as one table.

For each Z3 transition system: initiation and consecution of every invariant
and strengthening lemma (or k-induction where declared), bounded model
checking to ``--depth``, a reachability witness for every action, and a BMC
counterexample for every broken twin. Then the all-input properties of the
implementation's pure functions and the refutation of their broken twins.
The run passes iff every row meets its expectation.

Verdicts are deterministic: every query runs under a calibrated ``rlimit``
(``framework/query.py``), and every row builds its model and runs its queries in a
fresh Z3 context (``framework/context.py``), so a row's verdict and resource count are
the same alone (``--only``), in a full run, in any order, in any process, at
any load. Wall time is reported as a figure, never a verdict.
"""

from __future__ import annotations

import concurrent.futures
import functools
import multiprocessing
import os
import time
from collections.abc import Callable, Sequence
from typing import Any

import attrs
import z3

from aura_model.z3._evidence import row_evidence, trace_steps
from aura_model.z3._registry import MODELS, ModelEntry
from aura_model.z3.framework import (
    ProofResult,
    QueryStat,
    TransitionSystem,
    Verdict,
    Z3ModelError,
    fresh_context,
    recording,
)
from aura_model.z3.models.pure import PURE_RLIMIT, pure_check_names, run_pure_check

__all__ = [
    "PURE",
    "QUERY_GOAL_SECONDS",
    "TOTAL_GOAL_SECONDS",
    "ProveReport",
    "Row",
    "UnknownObligation",
    "model_names",
    "prove_all",
    "row_names",
    "stage_z3_prove",
]

DEFAULT_DEPTH = 6
PURE = "pure"  # the --model name of the pure-function checks
# Goals for this machine, printed beside the figures (never verdicts).
QUERY_GOAL_SECONDS = 2.0
TOTAL_GOAL_SECONDS = 30.0


class UnknownObligation(ValueError):
    """``--model`` or ``--only`` names no model or row; the message lists the valid names."""


@attrs.frozen
class Row:
    """One table row: what was asked, how, what came out, and whether that is
    the expected outcome (a broken twin is *expected* to be violated).

    ``invariant`` is the row's name (``--only``); ``seconds`` and
    ``max_query_seconds`` are wall time, ``rlimit`` the largest number of
    rlimit units one of its queries spent and ``rlimit_limit`` the limit each
    query had: figures, not verdicts."""

    module: str
    invariant: str
    method: str
    result: str
    seconds: float
    ok: bool
    max_query_seconds: float
    detail: str = ""
    trace: str = ""
    queries: tuple[QueryStat, ...] = ()
    rlimit_limit: int = 0
    # The trace as (action, ITF state) pairs, for the report's counterexamples.
    steps: tuple[tuple[str | None, dict[str, Any]], ...] = ()

    @property
    def rlimit(self) -> int:
        return max((q.rlimit for q in self.queries), default=0)

    @property
    def rlimit_total(self) -> int:
        return sum(q.rlimit for q in self.queries)

    def as_json(self) -> dict[str, object]:
        return {
            "module": self.module,
            "invariant": self.invariant,
            "method": self.method,
            "result": self.result,
            "ok": self.ok,
            "seconds": round(self.seconds, 4),
            "max_query_seconds": round(self.max_query_seconds, 4),
            "queries": len(self.queries),
            "max_query_rlimit": self.rlimit,
            "rlimit_total": self.rlimit_total,
            "rlimit_limit": self.rlimit_limit,
            "detail": self.detail,
        }


@attrs.frozen
class ProveReport:
    """``seconds`` is wall time, ``cpu_seconds`` summed over the processes."""

    rows: tuple[Row, ...]
    seconds: float
    cpu_seconds: float = 0.0
    parallel: int = 1

    @property
    def ok(self) -> bool:
        return bool(self.rows) and all(r.ok for r in self.rows)

    @property
    def slow_queries(self) -> list[Row]:
        """Rows with a query over the 2-second goal (a figure to improve, not a failure)."""
        return [r for r in self.rows if r.max_query_seconds >= QUERY_GOAL_SECONDS]

    def model_seconds(self) -> dict[str, float]:
        """Wall seconds spent in each model's rows (the pure checks as ``pure``)."""
        out: dict[str, float] = {}
        for r in self.rows:
            key = PURE if r.module.startswith("pure:") else r.module
            out[key] = out.get(key, 0.0) + r.seconds
        return out

    def format_traces(self) -> str:
        """Every witness and counterexample trace, as state tables."""
        out = []
        for r in self.rows:
            if r.trace:
                out += ["", f"== {r.module}.{r.invariant} [{r.method}]: {r.result} {r.detail}"]
                out.append(r.trace)
        return "\n".join(out)

    def format_table(self) -> str:
        headers = ["module", "invariant", "method", "result", "seconds", "rlimit"]
        body = [
            [
                r.module,
                r.invariant,
                r.method,
                r.result + ("" if r.ok else "  <-- UNEXPECTED"),
                f"{r.seconds:.3f}",
                str(r.rlimit),
            ]
            for r in self.rows
        ]
        widths = [max(len(x[i]) for x in [headers, *body]) for i in range(len(headers))]

        def line(cells: Sequence[str]) -> str:
            return " | ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip()

        out = [line(headers), "-+-".join("-" * w for w in widths), *(line(b) for b in body)]
        failed = [r for r in self.rows if not r.ok]
        for r in failed:
            out.append("")
            out.append(f"{r.module}.{r.invariant} [{r.method}]: {r.result} {r.detail}")
            if r.trace:
                out.append(r.trace)
        worst = max(self.rows, key=lambda r: r.max_query_seconds, default=None)
        largest = max(self.rows, key=lambda r: r.rlimit / max(r.rlimit_limit, 1), default=None)
        per_model = ", ".join(f"{m} {s:.1f}s" for m, s in self.model_seconds().items())
        out.append("")
        if worst is not None and largest is not None:
            out.append(
                f"slowest query {worst.max_query_seconds:.3f}s ({worst.module}.{worst.invariant}; "
                f"goal {QUERY_GOAL_SECONDS:g}s); largest query {largest.rlimit} of its rlimit "
                f"{largest.rlimit_limit} ({largest.module}.{largest.invariant})"
            )
        out.append(f"per model: {per_model}")
        out.append(
            f"{len(self.rows)} rows, {len(failed)} unexpected; total {self.seconds:.2f}s "
            f"(goal {TOTAL_GOAL_SECONDS:g}s), cpu {self.cpu_seconds:.2f}s over "
            f"{self.parallel} process(es): {'PASS' if self.ok else 'FAIL'}"
        )
        return "\n".join(out)

    def as_json(self) -> dict[str, object]:
        return {
            "ok": self.ok,
            "seconds": round(self.seconds, 4),
            "cpu_seconds": round(self.cpu_seconds, 4),
            "processes": self.parallel,
            "model_seconds": {m: round(s, 4) for m, s in self.model_seconds().items()},
            "rows": [r.as_json() for r in self.rows],
        }


# -- the obligations of one model ---------------------------------------------


@attrs.frozen
class _Obligation:
    """One row to be: its name, and how to run it in the current Z3 context."""

    name: str
    run: Callable[[], ProofResult]
    expect_ok: bool = True


def _result_row(
    res: ProofResult,
    name: str,
    expect_ok: bool,
    queries: Sequence[QueryStat],
    rlimit_limit: int,
) -> Row:
    good = res.ok or Verdict.is_bounded(res.verdict)
    ok = good if expect_ok else res.verdict == Verdict.VIOLATED
    detail = res.detail
    if res.name != name and res.verdict == Verdict.VIOLATED:
        detail = f"{res.name} {detail}".strip()  # which invariants a BMC row found broken
    return Row(
        module=res.system,
        invariant=name,
        method=res.method,
        result=res.verdict,
        seconds=res.seconds,
        ok=ok,
        max_query_seconds=res.max_query_seconds,
        detail=detail,
        trace=res.trace.format_table() if res.trace is not None else "",
        queries=tuple(queries),
        rlimit_limit=rlimit_limit,
        steps=trace_steps(res.trace),
    )


@attrs.frozen
class _Plan:
    """One model's entry, with the BMC depth and the rlimit of its queries."""

    entry: ModelEntry
    depth: int
    rlimit: int

    def build(self, **kw: object) -> TransitionSystem:
        ts = self.entry.build(**kw)
        ts.rlimit = self.rlimit
        return ts

    def bug_constants(self, flag: str | None = None) -> dict[str, object]:
        overrides = self.entry.bug_overrides.get(flag, {}) if flag is not None else {}
        return {**self.entry.bug_constants, **overrides}

    def search(self) -> TransitionSystem:
        # Searches (BMC, witnesses) run on the TLC model's constants, as TLC would.
        return self.build(**self.bug_constants())


def _invariant_row(plan: _Plan, name: str) -> ProofResult:
    entry, ts = plan.entry, plan.build()
    if name in entry.bounded:
        res = ts.bmc(plan.depth, [name])
        return attrs.evolve(res, detail=f"unbounded proof open: {entry.bounded[name]}")
    if name in entry.implied:
        return ts.prove_implied(name, entry.implied[name])
    k = entry.k_induction.get(name)
    if k is not None:
        return ts.k_induction(name, k)
    return ts.prove(name, entry.assume.get(name))


def _property_row(plan: _Plan, name: str) -> ProofResult:
    return plan.build().check_action_property(name, plan.entry.assume.get(name))


def _all_invariants_row(plan: _Plan) -> ProofResult:
    entry = plan.entry
    depth = plan.depth if entry.max_bmc_depth is None else min(plan.depth, entry.max_bmc_depth)
    return attrs.evolve(plan.search().bmc(depth), system=entry.module)


def _witness_row(plan: _Plan, action: str) -> ProofResult:
    entry = plan.entry
    flag = entry.witness_flags.get(action)
    where = plan.search() if flag is None else plan.build(**{flag: True}, **plan.bug_constants())
    res = where.reachability_witness(
        action, max(plan.depth, entry.witness_depth), entry.witness_prefixes.get(action)
    )
    return res if flag is None else attrs.evolve(res, method=f"witness [{flag}]")


def _twin_row(plan: _Plan, flag: str, invariant: str) -> ProofResult:
    entry = plan.entry
    twin = plan.build(**{flag: True}, **plan.bug_constants(flag))
    schedule = entry.schedules.get((flag, invariant))
    # At the model's bug depth, whatever the run's --depth: a twin is refuted
    # by a violation it reaches there; a deeper search finds no more and its
    # queries outgrow the calibrated rlimit (depth 8 made one "unknown").
    res = twin.bmc(entry.bug_depth, [invariant], schedule=schedule)
    return attrs.evolve(res, method=f"bug twin, {res.method}")


def _obligations(entry: ModelEntry, depth: int, rlimit: int) -> list[_Obligation]:
    """The rows of one model, in table order. Names are read from a model
    built in the caller's context; each ``run`` builds its own systems."""
    plan = _Plan(entry, depth, rlimit)
    names = entry.build()
    return [
        *(
            _Obligation(name, functools.partial(_invariant_row, plan, name))
            for name in [*names.invariants, *names.strengthening]
        ),
        *(
            _Obligation(name, functools.partial(_property_row, plan, name))
            for name in names.action_properties
        ),
        _Obligation("all invariants", functools.partial(_all_invariants_row, plan)),
        *(
            _Obligation(action, functools.partial(_witness_row, plan, action))
            for action in names.actions
        ),
        *(
            _Obligation(
                f"{invariant} [{flag}]", functools.partial(_twin_row, plan, flag, invariant), False
            )
            for flag, invariant in entry.bugs
        ),
    ]


def _pure_obligations(rlimit: int) -> list[_Obligation]:
    return [
        _Obligation(name, functools.partial(run_pure_check, i, rlimit), expect_ok)
        for i, (name, expect_ok) in enumerate(pure_check_names())
    ]


def model_names() -> list[str]:
    """Valid ``--model`` names: the registry's modules, then ``pure``."""
    return [e.module for e in MODELS] + [PURE]


def _plan(model: str, depth: int, rlimit: int | None) -> tuple[list[_Obligation], int]:
    """The obligations of ``model`` and the rlimit each query gets."""
    if model == PURE:
        limit = PURE_RLIMIT if rlimit is None else rlimit
        return _pure_obligations(limit), limit
    entry = next((e for e in MODELS if e.module == model), None)
    if entry is None:
        raise UnknownObligation(f"no model named {model!r}; models: {', '.join(model_names())}")
    limit = entry.rlimit if rlimit is None else rlimit
    return _obligations(entry, depth, limit), limit


def row_names(model: str, depth: int = DEFAULT_DEPTH) -> list[str]:
    """The row names of ``model`` (valid ``--only`` values), in table order."""
    with fresh_context():
        return [o.name for o in _plan(model, depth, None)[0]]


def _run_one(model: str, index: int, depth: int, rlimit: int | None) -> Row:
    """Row ``index`` of ``model``, planned and run in a fresh Z3 context of its own."""
    with fresh_context():
        plan, limit = _plan(model, depth, rlimit)
        ob = plan[index]
        with recording() as log:
            try:
                res = ob.run()
            except (Z3ModelError, z3.Z3Exception) as exc:
                # A model built or queried inconsistently: the row fails, the
                # others still run.
                res = ProofResult(
                    model, ob.name, "-", Verdict.ERROR, 0.0, detail=f"{type(exc).__name__}: {exc}"
                )
        return _result_row(res, ob.name, ob.expect_ok, log, limit)


def _task(task: tuple[str, int, int, int | None]) -> tuple[Row, float]:
    """One unit of a parallel run, with the CPU seconds it took in its worker."""
    cpu = time.process_time()
    row = _run_one(*task)
    return row, time.process_time() - cpu


def _select(
    models: Sequence[str] | None, only: str | None, depth: int, pure: bool
) -> list[tuple[str, int]]:
    """(model, row index) of every row to run; a clear error for unknown names."""
    chosen = list(models) if models is not None else [e.module for e in MODELS]
    if models is None and pure:
        chosen.append(PURE)
    unknown = [m for m in chosen if m not in model_names()]
    if unknown:
        raise UnknownObligation(
            f"no model named {unknown[0]!r}; models: {', '.join(model_names())}"
        )
    names = {m: row_names(m, depth) for m in chosen}
    if only is None:
        return [(m, i) for m in chosen for i in range(len(names[m]))]
    hits = [(m, names[m].index(only)) for m in chosen if only in names[m]]
    if len(hits) == 1:
        return hits
    if hits:
        raise UnknownObligation(
            f"row {only!r} exists in several models ({', '.join(m for m, _ in hits)}); "
            "choose one with --model"
        )
    listing = "; ".join(f"{m}: {', '.join(names[m])}" for m in chosen)
    raise UnknownObligation(f"no row named {only!r}; rows: {listing}")


def prove_all(
    depth: int = DEFAULT_DEPTH,
    models: Sequence[str] | None = None,
    progress: Callable[[Row], None] | None = None,
    *,
    pure: bool = True,
    only: str | None = None,
    rlimit: int | None = None,
    jobs: int | None = None,
    isolate: bool = True,
) -> ProveReport:
    """The obligations of ``models`` (default: every model, and the pure
    checks unless ``pure`` is false), or only the row named ``only``.

    ``rlimit`` overrides every query's calibrated limit (to show what too
    small a limit does). Each row runs in a fresh Z3 context. With
    ``isolate`` (the default) each row also runs in a process of its own,
    forked from one clean server process, ``jobs`` at a time (default: the
    machine's cores, at most 4): Z3 keeps process-wide state beyond its
    contexts (its memory layout steers hash-table orders), so this is what
    makes a row's rlimit count the same alone, in a full run, in any order
    and with any ``jobs``. ``isolate=False`` runs the rows in this process,
    one after the other (a fresh context each, no other isolation)."""
    if depth < 0:
        raise ValueError(f"depth must be >= 0, got {depth}")
    started, cpu = time.perf_counter(), time.process_time()
    tasks = [(m, i, depth, rlimit) for m, i in _select(models, only, depth, pure)]
    workers = min(os.cpu_count() or 1, 4) if jobs is None else jobs
    workers = max(1, min(workers, len(tasks))) if isolate else 1
    rows: list[Row] = []
    worker_cpu = 0.0
    if isolate:
        # Every child is forked from the same server state (the modules
        # imported, no Z3 term created), one child per row. The server
        # imports the caller's main module once (so a script calling this
        # needs the usual ``if __name__ == "__main__":`` guard), which spares
        # every child from importing it again.
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(["__main__", "aura_model.z3._prove"])
        with concurrent.futures.ProcessPoolExecutor(
            workers, mp_context=ctx, max_tasks_per_child=1
        ) as pool:
            for row, row_cpu in pool.map(_task, tasks):
                worker_cpu += row_cpu
                rows.append(row)
                if progress is not None:
                    progress(row)
    else:
        for task in tasks:
            row = _run_one(*task)
            rows.append(row)
            if progress is not None:
                progress(row)
    return ProveReport(
        tuple(rows),
        time.perf_counter() - started,
        time.process_time() - cpu + worker_cpu,
        parallel=workers,
    )


# -- the stage ---------------------------------------------------------------


def stage_z3_prove(depth: int = DEFAULT_DEPTH, emit: Callable[[str], None] = print) -> Any:
    """Stage ``z3-prove``: PASS iff every proof holds, every action is
    witnessed and every broken twin is refuted. Times are reported, not judged.

    ``emit`` gets a line as each model's rows are all in (and one per
    UNEXPECTED row), so a long run shows where it is."""
    from aura_model.stages import StageResult, Status

    totals = {m: len(row_names(m, depth)) for m in model_names()}
    seen: dict[str, list[Row]] = {}

    def progress(row: Row) -> None:
        key = PURE if row.module.startswith("pure:") else row.module
        rows = seen.setdefault(key, [])
        rows.append(row)
        if not row.ok:
            emit(f"[z3-prove] UNEXPECTED {row.module}.{row.invariant} [{row.method}]: {row.result}")
        if len(rows) == totals.get(key, -1):
            bad = sum(not r.ok for r in rows)
            done = sum(len(v) for v in seen.values())
            emit(
                f"[z3-prove] {key}: {len(rows)} rows, {bad} unexpected "
                f"({sum(r.seconds for r in rows):.1f}s; {done}/{sum(totals.values())} rows done)"
            )

    report = prove_all(depth, progress=progress)
    per_model = ", ".join(f"{m} {s:.1f}s" for m, s in report.model_seconds().items())
    slowest = max((r.max_query_seconds for r in report.rows), default=0.0)
    figures = (
        f"{report.seconds:.1f}s wall, cpu {report.cpu_seconds:.1f}s over "
        f"{report.parallel} process(es); slowest query {slowest:.2f}s; {per_model}"
    )
    bad = [r for r in report.rows if not r.ok]
    detail = (
        f"{len(report.rows)} obligations; {figures}"
        if report.ok
        else "unexpected: "
        + ", ".join(f"{r.module}.{r.invariant} ({r.result})" for r in bad)
        + f"; {figures}"
    )
    if not report.ok:
        print(report.format_table())
    checks, examples = row_evidence(report.rows)
    counts: dict[str, int | float] = {
        "rows": len(report.rows),
        "proofs": sum(r.result == Verdict.PROVED for r in report.rows),
        "bounded": sum(Verdict.is_bounded(r.result) for r in report.rows),
        "witnesses": sum(r.result == Verdict.WITNESSED for r in report.rows),
        "twins_refuted": sum(c.kind != "holds" and c.status is Status.PASS for c in checks),
        "queries": sum(len(r.queries) for r in report.rows),
        "slow_queries": len(report.slow_queries),
        "depth": depth,
    }
    return StageResult(
        "z3-prove",
        Status.PASS if report.ok else Status.FAIL,
        detail,
        report.seconds,
        figures=counts,
        checks=tuple(checks),
        counterexamples=tuple(examples),
    )
