"""TLC console-output parser, on samples in the documented line formats.

The samples below are written by hand (or synthesised from the corpus manifest's
figures) following the line formats quoted in ``../shared/tla-corpus/README.md``
("How the figures were obtained"), so that every branch of the parser is reached,
including outputs a healthy TLC rarely prints. The same parser on real TLC runs is
tested in ``test_tlc_real.py``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from aura_model.runners import EngineResult, RunnerError, parse_tlc_output
from hypothesis import given, settings
from hypothesis import strategies as st

OK = """\
TLC2 Version 2026.11.24.123420 (rev: cc6b616)
Running breadth-first search Model-Checking with fp 1 and seed 42 with 1 worker on 2 cores
Computing initial states...
Finished computing initial states: 1 distinct state generated at 2026-11-24 10:00:00.
Progress(5) at 2026-11-24 10:00:01: 1,234 states generated (1,234 s/min), 400 distinct states \
found, 0 states left on queue.
Model checking completed. No error has been found.
  Estimates of the probability that TLC did not check all reachable states
1,234 states generated, 400 distinct states found, 0 states left on queue.
The depth of the complete state graph search is 7.
Finished in 01s at (2026-11-24 10:00:01)
"""

INVARIANT = """\
Error: Invariant KSmall is violated.
Error: The behavior up to this point is:
State 1: <Initial predicate>
/\\ k = 0
State 2: <Next line 12, col 5 to line 12, col 30 of module Arith>
/\\ k = 1
State 3: <Next line 12, col 5 to line 12, col 30 of module Arith>
/\\ k = 2
State 4: <Next line 12, col 5 to line 12, col 30 of module Arith>
/\\ k = 3
82 states generated, 28 distinct states found, 5 states left on queue.
The depth of the complete state graph search is 4.
"""

INITIAL = """\
Error: Invariant NotInit is violated by the initial state:
/\\ x = m1
Finished computing initial states: 2 distinct states generated.
"""

STUTTER = """\
Error: Temporal property Liveness was violated.
Error: The behavior up to this point is:
State 1: <Initial predicate>
/\\ light = "red"
State 2: <Next line 9, col 3 to line 9, col 20 of module TrafficLight>
/\\ light = "green"
State 3: <Next line 9, col 3 to line 9, col 20 of module TrafficLight>
/\\ light = "yellow"
State 4: Stuttering
12 states generated, 3 distinct states found, 0 states left on queue.
"""

LASSO = """\
Error: Temporal properties were violated.
Error: The following behavior constitutes a counter-example:
State 1: <Initial predicate>
/\\ t = 0
State 2: <Tick line 5, col 1 to line 5, col 20 of module TokenRing>
/\\ t = 1
Back to state 1: <Tick line 5, col 1 to line 5, col 20 of module TokenRing>
"""

ASSUME = """\
Error: Assumption line 7, col 8 to line 7, col 20 of module Assume is false.
"""

EVAL = """\
Error: Attempted to apply function:
[a |-> 1]
to argument "b", which is not in the domain of the function.
Error: The behavior up to this point is:
State 1: <Initial predicate>
/\\ f = [a |-> 1]
"""


def test_ok_run_counts_and_depth() -> None:
    """A completed search: result ok, counts from the *final* counts line (commas allowed)."""
    r = parse_tlc_output(OK, 0, seconds=1.5)
    assert (r.result, r.violated) == ("ok", None)
    assert (r.states_generated, r.distinct_states, r.depth) == (1234, 400, 7)
    assert r.trace_length is None
    assert (r.seconds, r.exit_code, r.exit_status()) == (1.5, 0, 0)
    assert r.summary() == {
        "result": "ok",
        "violated": None,
        "distinct_states": 400,
        "states_generated": 1234,
        "depth": 7,
        "trace_length": None,
        "seconds": 1.5,
    }


def test_invariant_violation() -> None:
    """An invariant violation: its name, the four ``State N:`` entries, exit status 12."""
    r = parse_tlc_output(INVARIANT, 12)
    assert (r.result, r.violated, r.trace_length) == ("invariant", "KSmall", 4)
    assert (r.distinct_states, r.states_generated, r.depth) == (28, 82, 4)
    assert r.exit_status() == 12


def test_initial_state_violation_counts_one_state() -> None:
    """TLC prints no ``State 1:`` for an initial-state violation; the trace still has 1 state."""
    r = parse_tlc_output(INITIAL, 12)
    assert (r.result, r.violated, r.trace_length) == ("invariant", "NotInit", 1)


def test_deadlock() -> None:
    """``Error: Deadlock reached.`` is a deadlock with TLC's exit status 11."""
    text = "Error: Deadlock reached.\nError: The behavior up to this point is:\nState 1: <Init>\n"
    r = parse_tlc_output(text, 11)
    assert (r.result, r.violated, r.trace_length, r.exit_status()) == ("deadlock", None, 1, 11)


def test_stuttering_marker_not_counted() -> None:
    """A liveness trace ending ``State 4: Stuttering`` has three states and loop 'stuttering'."""
    r = parse_tlc_output(STUTTER, 13)
    assert (r.result, r.violated, r.trace_length, r.trace_loop) == (
        "property",
        "Liveness",
        3,
        "stuttering",
    )


def test_back_to_state_lasso() -> None:
    """``Back to state K`` is recorded as the loop and not counted as a state."""
    r = parse_tlc_output(LASSO, 13)
    assert (r.result, r.trace_length, r.trace_loop) == ("property", 2, "back to state 1")


def test_false_assumption_reports_location() -> None:
    """A false ASSUME is named by its source location, as in the manifest."""
    r = parse_tlc_output(ASSUME, 10)
    assert r.result == "assume"
    assert r.violated == "line 7, col 8 to line 7, col 20 of module Assume"
    assert r.distinct_states is None
    assert r.exit_status() == 10


def test_evaluation_error() -> None:
    """An evaluation error is ``error`` with TLC's whole message (it spans lines)."""
    r = parse_tlc_output(EVAL, 75)
    assert r.result == "error"
    assert r.message == (
        'Attempted to apply function: [a |-> 1] to argument "b", which is not in the domain'
        " of the function."
    )
    assert r.exit_status() == 75  # TLC's own error code is kept


def test_exit_zero_without_completion_is_rejected() -> None:
    """Output that is not TLC's (exit 0, no completion line) is a RunnerError, not a pass."""
    with pytest.raises(RunnerError, match="not TLC output"):
        parse_tlc_output("hello\n", 0)


def test_completion_line_with_nonzero_exit_is_error() -> None:
    """A non-zero exit overrides a completion line: the run did not pass."""
    assert parse_tlc_output(OK, 255).result == "error"


_VERDICT_LINE = {
    "invariant": "Error: Invariant {v} is violated.",
    "deadlock": "Error: Deadlock reached.",
    "assume": "Error: Assumption {v} is false.",
    "error": "Error: {err}",
}


def _synthesise(entry: dict[str, Any]) -> str:
    # Build console text from the manifest figures with the documented line formats.
    lines: list[str] = []
    result = entry["result"]
    if result == "ok":
        lines.append("Model checking completed. No error has been found.")
    elif result == "property":
        violated = entry["violated"]
        kind = "Action property {v} is violated." if "line" in (violated or "") else None
        lines.append(
            f"Error: {kind.format(v=violated)}"
            if kind
            else f"Error: Temporal property {violated} was violated."
        )
    else:
        err = (entry.get("tlc_error") or "evaluation failed").splitlines()[0]
        lines.append(_VERDICT_LINE[result].format(v=entry["violated"], err=err))
    length = entry["trace_length"]
    if result == "invariant" and length == 1:
        # An initial-state violation prints the state with no "State 1:" header.
        lines[0] = lines[0].replace("is violated.", "is violated by the initial state:")
        lines.append("/\\ x = 1")
    elif length:
        lines.append("Error: The behavior up to this point is:")
        lines += [f"State {i}: <Action>" for i in range(1, length + 1)]
        if entry.get("trace_loop") == "stuttering":
            lines.append(f"State {length + 1}: Stuttering")
        elif entry.get("trace_loop"):
            lines.append(entry["trace_loop"].capitalize() + ": <Action>")
    if entry["states_generated"] is not None:
        lines.append(
            f"{entry['states_generated']:,} states generated, {entry['distinct_states']:,}"
            " distinct states found, 0 states left on queue."
        )
    if entry["depth"] is not None:
        lines.append(f"The depth of the complete state graph search is {entry['depth']}.")
    return "\n".join(lines) + "\n"


def _manifest(shared: Path) -> list[dict[str, Any]]:
    data = json.loads((shared / "tla-corpus" / "manifest.json").read_text())
    assert isinstance(data, list)
    return data


def test_manifest_figures_survive_documented_formats(shared: Path) -> None:
    """For all 85 manifest entries, output synthesised in the documented formats parses back
    to the manifest's result, violated name, counts, depth, trace length and loop."""
    entries = _manifest(shared)
    assert len(entries) == 85
    for entry in entries:
        r: EngineResult = parse_tlc_output(_synthesise(entry), entry["tlc_exit_code"])
        where = f"{entry['spec']} {entry['cfg']}"
        assert r.result == entry["result"], where
        if entry["result"] != "error":
            assert r.violated == entry["violated"], where
        assert r.distinct_states == entry["distinct_states"], where
        assert r.states_generated == entry["states_generated"], where
        assert r.depth == entry["depth"], where
        assert r.trace_length == entry["trace_length"], where
        assert r.trace_loop == entry["trace_loop"], where
        assert r.exit_code == entry["tlc_exit_code"], where


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.text(max_size=40),
            st.sampled_from(
                [
                    "Error: Invariant X is violated.",
                    "State 1: Stuttering",
                    "Back to state 2",
                    "Model checking completed. No error has been found.",
                    "1 states generated, 2 distinct states found, 0 states left on queue.",
                    "The depth of the complete state graph search is 99999999999999999999.",
                ]
            ),
        ),
        max_size=8,
    ).map("\n".join),
    st.integers(min_value=-1, max_value=256),
)
def test_parser_fuzz_only_runner_errors(text: str, code: int) -> None:
    """Arbitrary output and exit codes give a result or a RunnerError, nothing else."""
    try:
        r = parse_tlc_output(text, code)
    except RunnerError:
        return
    assert r.engine == "tlc"
    assert code == 0 or r.result != "ok"
