"""``aura-verify prove`` figures: wall time and rlimit units, per query and per model.

Runs every obligation sequentially (one process, so a query's wall time is not
shared with a sibling worker), each row in its own Z3 context as ``prove``
does, and prints:

- per model: rows, queries, wall seconds, the slowest query, the largest
  query's rlimit units, the model's rlimit per query and the margin between
  them (the limit is calibrated to at least 10x the largest query);
- the slowest queries (every query with ``--all``), with their rlimit units;
- the goals of this machine beside the totals: each query under 2 s, all
  under 30 s. Times are figures: the verdicts do not depend on them.

Run: ``make bench`` or
``.venv/bin/python bench/bench_prove.py [--all] [--top N] [--depth N] [--model NAME]``.
"""

from __future__ import annotations

import argparse
import time

from aura_model.z3 import (
    PURE,
    QUERY_GOAL_SECONDS,
    TOTAL_GOAL_SECONDS,
    ProveReport,
    Row,
    model_names,
    prove_all,
)


def _model_of(row: Row) -> str:
    return PURE if row.module.startswith("pure:") else row.module


def _per_model(report: ProveReport) -> list[str]:
    lines = [
        f"{'model':<20} {'rows':>4} {'queries':>7} {'wall s':>7} {'max q s':>8} "
        f"{'max q rlimit':>12} {'rlimit/query':>12} {'margin':>7}"
    ]
    for model in model_names():
        rows = [r for r in report.rows if _model_of(r) == model]
        if not rows:
            continue
        queries = [q for r in rows for q in r.queries]
        biggest = max((q.rlimit for q in queries), default=0)
        limit = max(r.rlimit_limit for r in rows)
        margin = f"{limit / biggest:.0f}x" if biggest else "-"
        lines.append(
            f"{model:<20} {len(rows):>4} {len(queries):>7} {sum(r.seconds for r in rows):>7.2f} "
            f"{max(r.max_query_seconds for r in rows):>8.3f} {biggest:>12} {limit:>12} {margin:>7}"
        )
    return lines


def _queries(report: ProveReport, top: int | None) -> list[str]:
    every = [
        (q.seconds, q.rlimit, q.status, f"{r.module}.{r.invariant}", i)
        for r in report.rows
        for i, q in enumerate(r.queries)
    ]
    every.sort(key=lambda x: -x[0])
    shown = every if top is None else every[:top]
    lines = [f"{'seconds':>8} {'rlimit':>10} {'status':<7} row (query index)"]
    lines += [f"{s:>8.3f} {u:>10} {st:<7} {name} (#{i})" for s, u, st, name, i in shown]
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--all", action="store_true", help="print every query, not the slowest")
    parser.add_argument("--top", type=int, default=15, help="how many slowest queries to print")
    parser.add_argument("--depth", type=int, default=6, help="BMC depth (as prove's default)")
    parser.add_argument(
        "--model", choices=model_names(), action="append", help="bench only this model (repeatable)"
    )
    args = parser.parse_args()
    started = time.perf_counter()
    report = prove_all(args.depth, models=args.model, jobs=1)
    wall = time.perf_counter() - started
    queries = [q for r in report.rows for q in r.queries]
    print("\n".join(_per_model(report)))
    print()
    print("\n".join(_queries(report, None if args.all else args.top)))
    over = sum(1 for q in queries if q.seconds >= QUERY_GOAL_SECONDS)
    print()
    print(
        f"{len(report.rows)} rows, {len(queries)} queries, "
        f"{sum(1 for r in report.rows if not r.ok)} unexpected; wall {wall:.2f}s, "
        f"cpu {report.cpu_seconds:.2f}s (goal {TOTAL_GOAL_SECONDS:g}s); "
        f"{over} queries at or over the {QUERY_GOAL_SECONDS:g}s goal; "
        f"solver time {sum(q.seconds for q in queries):.2f}s"
    )


if __name__ == "__main__":
    main()
