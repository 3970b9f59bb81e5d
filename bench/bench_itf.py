"""ITF codec throughput: load + re-encode real traces, and a large synthetic trace.

Measures, in one run: loading the largest shared fixture (``DecideNonProposerTest0``,
37 KB, 36 states, lenient) and dumping it again, and dumping then loading a
synthetic 2,000-state trace whose states hold a set, a map, a record, a variant
and a ~2^255 integer (the shapes the harness writes for counterexamples). The
stdlib ``json`` parse alone is reported beside each figure as the floor.

Run: ``make bench`` or ``.venv/bin/python bench/bench_itf.py [repeats]``.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import Any

from aura_model import itf

SHARED = Path(os.environ.get("AURA_SHARED", Path(__file__).resolve().parents[2] / "shared"))
FIXTURE = SHARED / "fixtures" / "apalache" / "itf" / "DecideNonProposerTest0.itf.json"


def _synthetic(n: int) -> list[dict[str, Any]]:
    return [
        {
            "step": i,
            "spent": frozenset({i % 7, (i * 3) % 11, 2**255 - i}),
            "budget": itf.ItfMap([(f"peer{j}", j * i) for j in range(4)]),
            "last": {"peer": f"peer{i % 4}", "ok": i % 2 == 0, "epoch": i // 100},
            "pending": itf.Variant("Some", (i, "charge")) if i % 3 else itf.Variant("None", {}),
        }
        for i in range(n)
    ]


def _best(fn: Any, repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - started)
    return best


def main(repeats: int = 5) -> None:
    if FIXTURE.is_file():
        text = FIXTURE.read_text()
        trace = itf.load_trace(text, lenient=True)
        load = _best(lambda: itf.load_trace(text, lenient=True), repeats)
        parse = _best(lambda: json.loads(text), repeats)
        dump = _best(lambda: json.dumps(trace.to_json()), repeats)
        print(
            f"fixture {FIXTURE.name} ({len(text) / 1024:.0f} KB, {len(trace.states)} states):"
            f" load {load * 1e3:.2f} ms (json.loads alone {parse * 1e3:.2f} ms),"
            f" dump {dump * 1e3:.2f} ms"
        )
    else:
        print(f"fixture SKIPPED: {FIXTURE} not found (set AURA_SHARED)")
    states = _synthetic(2000)
    names = list(states[0])
    text = itf.dumps_trace(states, names, indent=None)
    dump = _best(lambda: itf.dumps_trace(states, names, indent=None), repeats)
    load = _best(lambda: itf.load_trace(text), repeats)
    parse = _best(lambda: json.loads(text), repeats)
    assert list(itf.load_trace(text).states) == states
    print(
        f"synthetic 2000 states ({len(text) / 1024:.0f} KB): dump {dump * 1e3:.1f} ms"
        f" ({2000 / dump:,.0f} states/s), load {load * 1e3:.1f} ms ({2000 / load:,.0f} states/s;"
        f" json.loads alone {parse * 1e3:.1f} ms)"
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5)
