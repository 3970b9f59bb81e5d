"""The TLC oracle reads TLC as the shared corpus's figures were read.

The shared manifest (``../shared/tla-corpus/manifest.json``) was recorded by a
separate toolchain; running TLC through ``tlc_oracle`` on its entries must give
the same figures, so the oracle that judges the embedded checker is itself
checked. Two entries in ``make test``, all of them in ``make test-slow``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from .tlc_oracle import parse_output, run_tlc, skip_reason

needs_tlc = pytest.mark.skipif(skip_reason() is not None, reason=skip_reason() or "")
FIGURES = (
    "result",
    "violated",
    "distinct_states",
    "states_generated",
    "depth",
    "trace_length",
    "trace_loop",
    "tlc_exit_code",
)
FAST = ("TLCOps_bad.cfg", "Barrier_bad.cfg")


def _manifest(shared: Path) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = json.loads(
        (shared / "tla-corpus" / "manifest.json").read_text("utf-8")
    )
    return entries


def _figures(shared: Path, entry: dict[str, Any]) -> dict[str, Any]:
    corpus = shared / "tla-corpus"
    run = run_tlc(corpus / entry["spec"], corpus / entry["cfg"], entry["tlc_flags"])
    got = {k: getattr(run, k) for k in FIGURES if k != "tlc_exit_code"}
    got["tlc_exit_code"] = run.exit_code
    return got


@needs_tlc
@pytest.mark.parametrize("name", FAST)
def test_oracle_reads_tlc_like_the_shared_manifest(name: str, shared: Path) -> None:
    entry = next(e for e in _manifest(shared) if e["cfg"] == name)
    assert _figures(shared, entry) == {k: entry[k] for k in FIGURES}


@needs_tlc
@pytest.mark.slow
def test_oracle_reproduces_every_shared_entry(shared: Path) -> None:
    wrong = []
    for entry in _manifest(shared):
        got = _figures(shared, entry)
        want = {k: entry[k] for k in FIGURES}
        if got != want:
            wrong.append(f"{entry['cfg']}: oracle {got}, manifest {want}")
    assert not wrong, "\n".join(wrong)


def test_parser_words() -> None:
    # Canned fragments in TLC's own wording, one per verdict the oracle knows.
    counts = "7 states generated, 5 distinct states found, 0 states left on queue."
    ok = parse_output(
        f"Model checking completed. No error has been found.\n{counts}\n"
        "The depth of the complete state graph search is 3.\n",
        0,
    )
    assert (ok.result, ok.distinct_states, ok.states_generated, ok.depth) == ("ok", 5, 7, 3)
    inv = parse_output(
        "Error: Invariant Safe is violated.\nError: The behavior up to this point is:\n"
        f"State 1: <Initial predicate>\nx = 0\n\nState 2: <Next>\nx = 1\n\n{counts}\n",
        12,
    )
    assert (inv.result, inv.violated, inv.trace_length) == ("invariant", "Safe", 2)
    lasso = parse_output(
        "Error: Temporal properties were violated.\nState 1: <Init>\nx = 0\nState 2: Stuttering\n",
        13,
    )
    assert (lasso.result, lasso.trace_length, lasso.trace_loop) == ("property", 1, "stuttering")
    init_error = parse_output(
        "Error: Attempted to apply Head to the empty sequence.\n"
        "While working on the initial state:\nq = <<>>\n",
        75,
    )
    assert (init_error.result, init_error.trace_length) == ("error", 1)
    assert init_error.error == "Error: Attempted to apply Head to the empty sequence."
    assert parse_output("Error: Parsing or semantic analysis failed.\n", 150).result == "parse"
