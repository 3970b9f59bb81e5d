"""Every manifest entry of ../shared/tla-corpus, compared with TLC's figures.

Rules (from the corpus README): complete searches (``ok``) must reproduce
``distinct_states`` and ``depth``; violations must reproduce ``result``,
``violated`` and ``trace_length`` (counts there depend on exploration order).
VIEW and SYMMETRY are implemented as TLC does them (fingerprints of the view,
the smallest fingerprint of the permuted images), so their TLC-specific figures
are reproduced too. Liveness ([]<>P, <>[]P, <>P, P ~> Q under WF/SF) is
checked on the reachable graph; for liveness counterexamples only ``result``
and ``violated`` are compared, as the README prescribes. Every counterexample is
also explained step by step and written as ITF (test_trace.py's check, on the same
run). A property shape the checker does not handle would be SKIPPED with the reason
(none in the corpus).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from aura_model.tla import check, load_model

from tests.checker.test_trace import assert_counterexample_explained

_ROOT = Path(__file__).resolve().parents[2]
_SHARED = Path(os.environ.get("AURA_SHARED", _ROOT.parent / "shared"))


# The four entries that take the Python checker most of a minute each on a slow
# host run with `make test-slow`; every other entry in `make test`.
_SLOW = {"QueueShuffle.cfg", "EightPuzzle.cfg", "EightPuzzle_far.cfg", "Counters.cfg"}


def _entries() -> list[Any]:
    path = _SHARED / "tla-corpus" / "manifest.json"
    if not path.exists():
        return [pytest.param(None, id="manifest-missing")]
    entries = json.loads(path.read_text(encoding="utf-8"))
    return [
        pytest.param(
            e,
            id=f"{e['cfg']}{''.join(e['tlc_flags'])}",
            marks=[pytest.mark.slow] if e["cfg"] in _SLOW else [],
        )
        for e in entries
    ]


def _liveness(entry: dict[str, Any]) -> bool:
    return "liveness" in entry["features"] or "fairness" in entry["features"]


@pytest.mark.parametrize("entry", _entries())
def test_corpus_entry(entry: dict[str, Any] | None, shared: Path) -> None:
    assert entry is not None, "manifest.json not found under ../shared/tla-corpus"
    corpus = shared / "tla-corpus"
    deadlock = False if "-deadlock" in entry["tlc_flags"] else None
    model = load_model(corpus / entry["spec"], corpus / entry["cfg"])
    res = check(model, deadlock=deadlock)
    if res.result == "skipped":
        # Safety was checked in full; only the temporal properties are left out.
        assert _liveness(entry) or entry["result"] == "property", res.message
        assert res.skipped, "a skipped result must say what was skipped"
        if entry["result"] == "ok":
            assert (res.distinct_states, res.depth) == (entry["distinct_states"], entry["depth"])
        # The checker now checks every property in the corpus; a property it leaves
        # unchecked is a gap in the checker, not a missing tool, so it fails here.
        pytest.fail(f"liveness not checked: {'; '.join(res.skipped)}")
    assert res.result == entry["result"], res.message
    assert res.violated == entry["violated"]
    if entry["trace_length"] is not None:
        assert_counterexample_explained(model, res, lasso=entry["trace_loop"] is not None)
    if entry["trace_loop"] is not None:
        # Liveness counterexamples need not be shortest: result and name only.
        assert res.trace
        return
    if entry["result"] == "ok":
        assert res.distinct_states == entry["distinct_states"]
        assert res.depth == entry["depth"]
        assert res.trace is None
    else:
        assert res.trace_length == entry["trace_length"]
