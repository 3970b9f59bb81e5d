"""The project's own corpus (``tests/checker/corpus``), compared with TLC's figures.

The manifest is written by ``python -m tests.checker.record_corpus`` from real
TLC runs; the rules are the shared corpus's: a complete search (``ok``) must
reproduce ``distinct_states`` and ``depth``; a violation ``result``,
``violated`` and ``trace_length``; a liveness counterexample (``trace_loop``
set) ``result`` and ``violated``. A ``skipped`` answer counts as a
disagreement here: every entry is in scope.

Entries on which the embedded checker is known to disagree with TLC are listed
in ``corpus/disagreements.json`` (entry -> the disagreement's id and summary, as
in the shared disagreements log). They are strict xfails, so a fix flips them
loudly: remove the line when that happens.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from aura_model.tla import (
    ConfigError,
    TlaError,
    TlaParseError,
    Unsupported,
    check,
    load_model,
)

CORPUS = Path(__file__).resolve().parent / "corpus"


def _known() -> dict[str, str]:
    path = CORPUS / "disagreements.json"
    known: dict[str, str] = json.loads(path.read_text("utf-8")) if path.exists() else {}
    return known


# Entries that take the embedded checker more than a few seconds run with
# `make test-slow` only.
_SLOW = {"VotingK.cfg"}


# Evaluation errors whose exit code we do not reproduce (the other figures are
# still compared). TLC exits 255 for errors raised by its Java implementations
# of the standard modules (Head or Tail of <<>>, Cardinality of an infinite set,
# < on strings, \div by 0, overflow) and for an initial state that leaves a
# variable unassigned, where we exit 75; an Assert in an invariant exits 14 or
# 76 depending on how TLC re-evaluates it for its report, and we always say 76.
_EXIT_NOT_MODELLED = {
    "Equiv_sorted.cfg",
    "Errs_s10.cfg",
    "Errs_s7.cfg",
    "Errs_s8.cfg",
    "Faults_div.cfg",
    "Faults_tail.cfg",
    "InitMiss.cfg",
    "Meta_assert.cfg",
    "Toolkit_bad.cfg",
}


def _entries() -> list[Any]:
    entries = json.loads((CORPUS / "manifest.json").read_text("utf-8"))
    known = _known()
    params = []
    for e in entries:
        marks: list[Any] = [pytest.mark.slow] if e["cfg"] in _SLOW else []
        if e["cfg"] in known:
            marks.append(pytest.mark.xfail(reason=known[e["cfg"]], strict=True))
        params.append(pytest.param(e, id=e["cfg"], marks=marks))
    return params


def _refusal(exc: TlaError) -> str:
    """The result word ``aura-verify check`` gives for an error raised while loading."""
    if isinstance(exc, ConfigError):
        return "config"
    if isinstance(exc, (TlaParseError, Unsupported)):
        return "parse"
    return "error"


def disagreement(entry: dict[str, Any]) -> str | None:
    """How the embedded checker's answer differs from TLC's figures, or None."""
    deadlock = False if "-deadlock" in entry["tlc_flags"] else None
    try:
        model = load_model(CORPUS / entry["spec"], CORPUS / entry["cfg"])
        res = check(model, deadlock=deadlock)
    except TlaError as exc:
        # A spec or configuration TLC refuses before it searches must be refused
        # with the same kind of error (the command's result word), nothing more.
        if _refusal(exc) == entry["result"] and entry["result"] in ("config", "parse"):
            return None
        # Temporal properties TLC refuses before it searches, with an exit code
        # of their own (255: actions outside []<>A / <>[]A; 77: a tautology).
        if entry["result"] == "error" and exc.exit_code == entry["tlc_exit_code"] != 75:
            return None
        return f"embedded raised {type(exc).__name__}: {exc}"
    except Exception as exc:  # a leaked Python exception is a bug: report it as one
        return f"embedded crashed with {type(exc).__name__}: {exc}"
    got: dict[str, Any] = {"result": res.result, "violated": res.violated}
    want: dict[str, Any] = {"result": entry["result"], "violated": entry["violated"]}
    if entry["result"] == "ok":
        got |= {"distinct_states": res.distinct_states, "depth": res.depth}
        want |= {"distinct_states": entry["distinct_states"], "depth": entry["depth"]}
    elif entry["trace_loop"] is None and entry["result"] != "assume":
        # An error while computing the initial states has no trace: TLC prints
        # none (null), an empty trace says the same.
        got["trace_length"] = res.trace_length or None
        want["trace_length"] = entry["trace_length"]
        if (
            entry["result"] == "error"
            and entry["trace_length"] is None
            and got["trace_length"] == 1
        ):
            # TLC prints the initial state for some errors only: same thing.
            got["trace_length"] = None
    if entry["result"] == "error":
        # TLC names no violated formula for an evaluation error; its exit code says
        # where it failed (76 an invariant, 14 an Assert past the initial states).
        got.pop("violated")
        want.pop("violated")
        if entry["cfg"] not in _EXIT_NOT_MODELLED:
            got["exit_code"] = res.exit_code
            want["exit_code"] = entry["tlc_exit_code"]
    if got == want:
        return None
    detail = f" ({res.message})" if res.message else ""
    return f"TLC {want}, embedded {got}{detail}"


def test_manifest_covers_every_cfg() -> None:
    entries = json.loads((CORPUS / "manifest.json").read_text("utf-8"))
    assert sorted(e["cfg"] for e in entries) == sorted(p.name for p in CORPUS.glob("*.cfg"))
    assert all(e["sany_ok"] for e in entries), "every corpus module must pass SANY"
    assert set(_known()) <= {e["cfg"] for e in entries}, "disagreements.json names a missing entry"


def test_comparison_catches_a_wrong_figure() -> None:
    # The comparison itself must be able to fail: a figure off by one is reported.
    entries = json.loads((CORPUS / "manifest.json").read_text("utf-8"))
    ok = next(e for e in entries if e["result"] == "ok" and e["cfg"] not in _known())
    assert disagreement(ok) is None
    assert disagreement(ok | {"distinct_states": ok["distinct_states"] + 1}) is not None
    bad = next(
        e
        for e in entries
        if e["result"] == "invariant" and e["cfg"] not in _known() and e["trace_length"]
    )
    assert disagreement(bad | {"trace_length": bad["trace_length"] + 1}) is not None


@pytest.mark.parametrize("entry", _entries())
def test_own_corpus_entry(entry: dict[str, Any]) -> None:
    problem = disagreement(entry)
    assert problem is None, problem


def _counted() -> list[Any]:
    entries = json.loads((CORPUS / "manifest.json").read_text("utf-8"))
    return [
        pytest.param(e, id=e["cfg"])
        for e in entries
        if "enumeration-order" in e["features"] and e["result"] != "ok"
    ]


@pytest.mark.parametrize("entry", _counted())
def test_counts_where_the_search_stops(entry: dict[str, Any]) -> None:
    # TLC enumerates sets in its value order and counts as it goes: where two
    # violations compete, or an action fails part way, the stopping point and
    # its counts (distinct and generated states) are TLC's. Python's set order
    # (per-process string hashing) would make them vary from run to run.
    deadlock = False if "-deadlock" in entry["tlc_flags"] else None
    res = check(load_model(CORPUS / entry["spec"], CORPUS / entry["cfg"]), deadlock=deadlock)
    assert (res.result, res.violated) == (entry["result"], entry["violated"]), res.message
    if entry["distinct_states"] is None:
        # TLC prints no counts when an initial state violates an invariant.
        return
    assert res.distinct_states == entry["distinct_states"]
    assert res.states_generated == entry["states_generated"]


def _generated() -> list[Any]:
    entries = json.loads((CORPUS / "manifest.json").read_text("utf-8"))
    return [pytest.param(e, id=e["cfg"]) for e in entries if "states-generated" in e["features"]]


@pytest.mark.parametrize("entry", _generated())
def test_states_generated_are_tlcs(entry: dict[str, Any]) -> None:
    # TLC takes an action's prime-free parts as actions too (an \E inside a bounded
    # \A, or right of =>, is one successor per witness): "states generated" counts them.
    res = check(load_model(CORPUS / entry["spec"], CORPUS / entry["cfg"]))
    assert (res.distinct_states, res.states_generated) == (
        entry["distinct_states"],
        entry["states_generated"],
    )
