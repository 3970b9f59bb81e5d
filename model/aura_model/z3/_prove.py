"""``aura-verify prove``: every proof obligation, as one table.

For each Z3 transition system: initiation and consecution of every invariant
and strengthening lemma (or k-induction where declared), bounded model
checking to ``--depth``, a reachability witness for every action, and a BMC
counterexample for every broken twin. Then the all-input properties of the
implementation's pure functions and the refutation of their broken twins.
The run passes iff every row meets its expectation.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import json
import multiprocessing
import os
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any

import attrs

from aura_model.z3._pure import run_pure_checks
from aura_model.z3._registry import MODELS, ModelEntry
from aura_model.z3._ts import ProofResult, TransitionSystem, Verdict

__all__ = ["ProveReport", "Row", "configure_prove", "prove_all", "stage_z3_prove"]

DEFAULT_DEPTH = 6
QUERY_LIMIT_SECONDS = 2.0
TOTAL_LIMIT_SECONDS = 30.0


@attrs.frozen
class Row:
    """One table row: what was asked, how, what came out, and whether that is
    the expected outcome (a broken twin is *expected* to be violated)."""

    module: str
    invariant: str
    method: str
    result: str
    seconds: float
    ok: bool
    max_query_seconds: float
    detail: str = ""
    trace: str = ""

    def as_json(self) -> dict[str, object]:
        return {
            "module": self.module,
            "invariant": self.invariant,
            "method": self.method,
            "result": self.result,
            "seconds": round(self.seconds, 4),
            "max_query_seconds": round(self.max_query_seconds, 4),
            "ok": self.ok,
            "detail": self.detail,
        }


@attrs.frozen
class ProveReport:
    """``seconds`` is wall time; ``cpu_seconds`` the CPU time of this process
    (Z3 runs in it), which the 30-second limit is measured on: the machine is
    shared with other jobs, and their load must not fail the proofs."""

    rows: tuple[Row, ...]
    seconds: float
    cpu_seconds: float = 0.0
    parallel: int = 1

    @property
    def limited_seconds(self) -> float:
        """What the 30-second limit applies to: CPU time of a sequential run
        (robust to other jobs' load), wall time of a parallel one (the workers'
        CPU adds up across cores, so their sum is not the elapsed time)."""
        return self.seconds if self.parallel > 1 else self.cpu_seconds

    @property
    def ok(self) -> bool:
        return (
            all(r.ok for r in self.rows)
            and not self.slow_queries
            and self.limited_seconds < TOTAL_LIMIT_SECONDS
        )

    @property
    def slow_queries(self) -> list[Row]:
        return [r for r in self.rows if r.max_query_seconds >= QUERY_LIMIT_SECONDS]

    def format_traces(self) -> str:
        """Every witness and counterexample trace, as state tables."""
        out = []
        for r in self.rows:
            if r.trace:
                out += ["", f"== {r.module}.{r.invariant} [{r.method}]: {r.result} {r.detail}"]
                out.append(r.trace)
        return "\n".join(out)

    def format_table(self) -> str:
        headers = ["module", "invariant", "method", "result", "seconds"]
        body = [
            [
                r.module,
                r.invariant,
                r.method,
                r.result
                + ("" if r.ok else "  <-- UNEXPECTED")
                + ("  <-- SLOW QUERY" if r.max_query_seconds >= QUERY_LIMIT_SECONDS else ""),
                f"{r.seconds:.3f}",
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
        worst = max((r.max_query_seconds for r in self.rows), default=0.0)
        out.append("")
        out.append(
            f"{len(self.rows)} rows, {len(failed)} unexpected; slowest query {worst:.3f}s "
            f"(limit {QUERY_LIMIT_SECONDS}s); total {self.seconds:.2f}s, "
            f"cpu {self.cpu_seconds:.2f}s over {self.parallel} process(es) "
            f"(limit {TOTAL_LIMIT_SECONDS}s on {'wall' if self.parallel > 1 else 'cpu'} time): "
            f"{'PASS' if self.ok else 'FAIL'}"
        )
        return "\n".join(out)

    def as_json(self) -> dict[str, object]:
        return {
            "ok": self.ok,
            "seconds": round(self.seconds, 4),
            "cpu_seconds": round(self.cpu_seconds, 4),
            "processes": self.parallel,
            "rows": [r.as_json() for r in self.rows],
        }


def _row(res: ProofResult, *, expect_ok: bool = True, label: str | None = None) -> Row:
    good = res.ok or res.verdict == Verdict.BOUNDED
    ok = good if expect_ok else res.verdict == Verdict.VIOLATED
    return Row(
        module=res.system,
        invariant=label or res.name,
        method=res.method,
        result=res.verdict,
        seconds=res.seconds,
        ok=ok,
        max_query_seconds=res.max_query_seconds,
        detail=res.detail,
        trace=res.trace.format_table() if res.trace is not None else "",
    )


def model_rows(entry: ModelEntry, depth: int, timeout_ms: int = 2000) -> list[Row]:
    def build(**kw: object) -> TransitionSystem:
        ts = entry.build(**kw)
        ts.timeout_ms = timeout_ms
        return ts

    ts = build()
    rows: list[Row] = []
    for name in [*ts.invariants, *ts.strengthening]:
        k = entry.k_induction.get(name)
        if name in entry.bounded:
            res = ts.bmc(depth, [name])
            verdict = Verdict.BOUNDED if res.verdict == Verdict.PROVED else res.verdict
            res = attrs.evolve(
                res, verdict=verdict, detail=f"unbounded proof open: {entry.bounded[name]}"
            )
        elif name in ts.skolemized:
            res = ts.prove_skolemized(name)
        elif name in entry.implied:
            res = ts.prove_implied(name, entry.implied[name])
        elif k is not None:
            res = ts.k_induction(name, k)
        else:
            res = ts.prove(name, entry.assume.get(name))
        rows.append(_row(res))
    for name in ts.action_properties:
        rows.append(_row(ts.check_action_property(name, entry.assume.get(name))))
    # Searches (BMC, witnesses) run on the TLC model's constants, as TLC would.
    search = build(**entry.bug_constants) if entry.bug_constants else ts
    bmc_depth = depth if entry.max_bmc_depth is None else min(depth, entry.max_bmc_depth)
    bmc = search.bmc(bmc_depth)
    rows.append(_row(attrs.evolve(bmc, system=ts.name)))
    for action in ts.actions:
        flag = entry.witness_flags.get(action)
        where = search if flag is None else build(**{flag: True}, **entry.bug_constants)
        res = where.reachability_witness(
            action, max(depth, entry.witness_depth), entry.witness_prefixes.get(action)
        )
        if flag is not None:
            res = attrs.evolve(res, method=f"witness [{flag}]")
        rows.append(_row(res))
    for flag, invariant in entry.bugs:
        twin = build(**{flag: True}, **{**entry.bug_constants, **entry.bug_overrides.get(flag, {})})
        schedule = entry.schedules.get((flag, invariant))
        res = twin.bmc(max(depth, entry.bug_depth), [invariant], schedule=schedule)
        rows.append(
            _row(
                attrs.evolve(res, method=f"bug twin, {res.method}"),
                expect_ok=False,
                label=f"{invariant} [{flag}]",
            )
        )
    return rows


def _pure_rows(timeout_ms: int) -> list[Row]:
    return [_row(res, expect_ok=res.method != "bug twin") for res in run_pure_checks(timeout_ms)]


def _task(task: tuple[int, int, int]) -> tuple[list[Row], float]:
    """One unit of a parallel run (a model by index, or -1 for the pure checks),
    with the CPU seconds it took in its worker process."""
    index, depth, timeout_ms = task
    cpu = time.process_time()
    rows = _pure_rows(timeout_ms) if index < 0 else model_rows(MODELS[index], depth, timeout_ms)
    return rows, time.process_time() - cpu


def prove_all(
    depth: int = DEFAULT_DEPTH,
    models: Sequence[ModelEntry] | None = None,
    progress: Callable[[Row], None] | None = None,
    *,
    pure: bool = True,
    timeout_ms: int = 2000,
    jobs: int | None = None,
) -> ProveReport:
    """Every obligation. ``timeout_ms`` is the per-query limit (the issue's
    2 seconds); the test suite raises it so a loaded machine cannot turn a
    proof into "timeout" (speed is measured by ``make verify``/``make bench``).

    With the registry's models and ``jobs`` > 1 (default: the machine's cores,
    at most 4) the models run in worker processes, one model per task: Z3
    contexts cannot be shared between threads, and the models are independent.
    ``cpu_seconds`` is then the sum over workers."""
    started, cpu = time.perf_counter(), time.process_time()
    workers = min(os.cpu_count() or 1, 4) if jobs is None else jobs
    if models is None and workers > 1:
        tasks = [(i, depth, timeout_ms) for i in range(len(MODELS))] + (
            [(-1, depth, timeout_ms)] if pure else []
        )
        # fork: the workers inherit the imported modules; nothing Z3 has run yet here.
        ctx = multiprocessing.get_context("fork")
        rows: list[Row] = []
        worker_cpu = 0.0
        with concurrent.futures.ProcessPoolExecutor(workers, mp_context=ctx) as pool:
            for chunk, chunk_cpu in pool.map(_task, tasks):
                worker_cpu += chunk_cpu
                rows.extend(chunk)
                if progress is not None:
                    for row in chunk:
                        progress(row)
        return ProveReport(
            tuple(rows),
            time.perf_counter() - started,
            time.process_time() - cpu + worker_cpu,
            parallel=workers,
        )
    rows = []
    for entry in MODELS if models is None else models:
        for row in model_rows(entry, depth, timeout_ms):
            rows.append(row)
            if progress is not None:
                progress(row)
    for row in _pure_rows(timeout_ms) if pure else []:
        rows.append(row)
        if progress is not None:
            progress(row)
    return ProveReport(tuple(rows), time.perf_counter() - started, time.process_time() - cpu)


def _run(args: argparse.Namespace) -> int:
    report = prove_all(args.depth)
    if args.json:
        json.dump(report.as_json(), sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        print(report.format_table())
        if args.traces:
            print(report.format_traces())
    return 0 if report.ok else 1


def configure_prove(parser: argparse.ArgumentParser) -> None:
    """Sub-command ``prove``: the Z3 proofs, as a table or JSON."""
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument(
        "--depth",
        type=int,
        default=DEFAULT_DEPTH,
        metavar="N",
        help=f"bounded model checking depth (default {DEFAULT_DEPTH})",
    )
    parser.add_argument(
        "--traces",
        action="store_true",
        help="also print every action witness and counterexample as a state table",
    )
    parser.set_defaults(func=_run)


def stage_z3_prove() -> Any:
    """Stage ``z3-prove``: PASS iff every proof holds, every action is
    witnessed and every broken twin is refuted, within the time limits."""
    from aura_model.stages import StageResult, Status

    report = prove_all()
    bad = [r for r in report.rows if not r.ok or r in report.slow_queries]
    detail = (
        f"{len(report.rows)} obligations in {report.seconds:.1f}s "
        f"(cpu {report.cpu_seconds:.1f}s over {report.parallel} process(es))"
        if report.ok
        else "unexpected: "
        + ", ".join(f"{r.module}.{r.invariant} ({r.result})" for r in bad)
        + (
            f"; {report.limited_seconds:.1f}s over {TOTAL_LIMIT_SECONDS}s"
            if report.limited_seconds >= TOTAL_LIMIT_SECONDS
            else ""
        )
    )
    if not report.ok:
        print(report.format_table())
    return StageResult(
        "z3-prove", Status.PASS if report.ok else Status.FAIL, detail, report.seconds
    )
