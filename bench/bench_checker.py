"""Embedded TLA+ checker: distinct states per second, memory per state, step validation.

For each corpus entry (the three large ones and a few simple ones) a fresh
Python process loads the model, records its resident-memory high-water mark,
runs the full breadth-first search and reports distinct states/s and
(peak RSS after - RSS before) / distinct states. The step validator is then
timed on steps sampled by random simulation of corpus and project specs
(median time of ``explain`` per step).

Targets on the 2-core reference machine: >= 30,000 distinct states/s on simple
specs, <= 300 bytes per stored state, median step validation < 1 ms.

Run: ``make bench`` or ``.venv/bin/python bench/bench_checker.py [entry.cfg ...]``.
``--against OLD/model [entry.cfg ...] [SPEC.tla CFG.cfg ...]`` instead times each
entry's search (CPU seconds, rounds alternating, best of 3) with another
checkout's code beside this one's, e.g. ``git worktree add /tmp/old HEAD~1`` and
``--against /tmp/old/model``; a ``SPEC.tla CFG.cfg`` pair times a spec outside
the corpus (a public one) the same way.
"""

from __future__ import annotations

import itertools
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("AURA_SHARED", ROOT.parent / "shared"))
CORPUS = SHARED / "tla-corpus"

ENTRIES = [
    ("EightPuzzle.tla", "EightPuzzle.cfg"),
    ("Counters.tla", "Counters.cfg"),
    ("QueueShuffle.tla", "QueueShuffle.cfg"),
    ("Gossip.tla", "Gossip.cfg"),
    ("LightsOut.tla", "LightsOut_all.cfg"),
]

VALIDATOR_CORPUS = [
    (CORPUS / "Counters.tla", CORPUS / "Counters.cfg"),
    (CORPUS / "LossyLink.tla", CORPUS / "LossyLink.cfg"),
]
# The project's own specs, found where aura_model.specs keeps them.
VALIDATOR_SPECS = ["GuardChain", "EpochRotation", "Rendezvous"]


def _rss_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def _child(spec: str, cfg: str) -> None:
    import gc

    from aura_model.tla import check, load_model

    # An absolute path (a spec outside the corpus) stays as it is.
    model = load_model(CORPUS / spec, CORPUS / cfg)
    gc.collect()
    before = _rss_kib("VmRSS")
    started = time.perf_counter()
    cpu_started = time.process_time()
    res = check(model)
    seconds = time.perf_counter() - started
    cpu = time.process_time() - cpu_started
    peak = _rss_kib("VmHWM")
    print(
        json.dumps(
            {
                "result": res.result,
                "distinct": res.distinct_states,
                "seconds": seconds,
                "cpu": cpu,
                "bytes": max(0, peak - before) * 1024,
            }
        )
    )


def _run_entry(spec: str, cfg: str, code: str | None = None) -> dict[str, Any]:
    env = None
    if code is not None:
        # Another checkout's model/ directory, found before the installed package.
        env = {**os.environ, "PYTHONPATH": code}
    out = subprocess.run(
        [sys.executable, __file__, "--child", spec, cfg],
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
    )
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def _against(old: str, entries: list[tuple[str, str]], rounds: int = 3) -> int:
    """CPU seconds of this checkout beside another's (``old``: its model/ directory),
    rounds alternating, best round kept; the two must find the same states."""
    print(f"{'entry':<22} {'distinct':>9} {'old cpu s':>9} {'new cpu s':>9} {'old/new':>7}")
    for spec, cfg in entries:
        best: dict[str, float] = {}
        found: set[tuple[str, int]] = set()
        for _ in range(rounds):
            for label, code in (("old", old), ("new", None)):
                r = _run_entry(spec, cfg, code)
                found.add((r["result"], r["distinct"]))
                best[label] = min(best.get(label, float("inf")), r["cpu"])
        if len(found) != 1:
            print(f"{cfg}: the two checkouts disagree: {sorted(found)}")
            return 1
        ((_, distinct),) = found
        print(
            f"{Path(cfg).name:<22} {distinct:>9} {best['old']:>9.2f} {best['new']:>9.2f} "
            f"{best['old'] / best['new']:>7.2f}"
        )
    return 0


def _validator_median() -> tuple[float, int, list[str]]:
    from aura_model.specs import SpecLayoutError, config_path, module_path
    from aura_model.tla import StepValidator, TlaError, load_model, simulate

    models = list(VALIDATOR_CORPUS)
    for module in VALIDATOR_SPECS:
        try:
            models.append((module_path(module), config_path(f"MC_{module}.cfg")))
        except SpecLayoutError as exc:
            print(f"  (validator: {module} skipped: {exc})")
    times: list[float] = []
    used: list[str] = []
    for spec, cfg in models:
        if not spec.exists() or not cfg.exists():
            continue
        try:
            model = load_model(spec, cfg)
            sim = simulate(model, depth=40, traces=5, seed=1, deadlock=False)
        except TlaError as exc:
            print(f"  (validator: {spec.name} skipped: {exc})")
            continue
        v = StepValidator(model)
        used.append(spec.name)
        for trace in sim.traces or []:
            for s, t in itertools.pairwise(trace):
                started = time.perf_counter()
                matches = v.explain(s, t)
                times.append(time.perf_counter() - started)
                assert matches, "a simulated step must be explained"
    return (statistics.median(times) if times else float("nan")), len(times), used


def _chosen(args: list[str]) -> list[tuple[str, str]]:
    """Corpus entries named by their .cfg, and ``SPEC.tla CFG.cfg`` pairs of
    any other spec (a public one outside the corpus); none named: all entries."""
    if not args:
        return list(ENTRIES)
    out: list[tuple[str, str]] = []
    rest = iter(args)
    for a in rest:
        if a.endswith(".tla"):
            out.append((str(Path(a).resolve()), str(Path(next(rest)).resolve())))
        else:
            out.extend(e for e in ENTRIES if e[1] == a)
    return out


def main(argv: list[str]) -> int:
    if argv[:1] == ["--child"]:
        _child(argv[1], argv[2])
        return 0
    if argv[:1] == ["--against"]:
        return _against(argv[1], _chosen(argv[2:]))
    entries = [e for e in ENTRIES if not argv or e[1] in argv]
    # CPU time is shown beside wall time: on a shared machine the wall figure
    # mostly measures the other processes.
    print(
        f"{'entry':<22} {'distinct':>9} {'wall s':>7} {'states/s':>9} "
        f"{'cpu s':>7} {'states/cpu-s':>12} {'bytes/state':>12}"
    )
    for spec, cfg in entries:
        r = _run_entry(spec, cfg)
        rate = r["distinct"] / r["seconds"] if r["seconds"] else float("inf")
        per = r["bytes"] / r["distinct"] if r["distinct"] else float("nan")
        cpu_rate = r["distinct"] / r["cpu"] if r["cpu"] else float("inf")
        print(
            f"{cfg:<22} {r['distinct']:>9} {r['seconds']:>7.2f} {rate:>9.0f} "
            f"{r['cpu']:>7.2f} {cpu_rate:>12.0f} {per:>12.0f}"
        )
    median, n, used = _validator_median()
    print(
        f"step validator: median {median * 1e3:.3f} ms per step over {n} steps ({', '.join(used)})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
