"""Apalache console output, exit codes and counterexample modules, read from the fixtures.

All texts come from ``../shared/fixtures/apalache`` (Apalache's docs and its maintainers'
CLI integration tests); Apalache itself does not run here.
"""

from __future__ import annotations

import contextlib
import re
from pathlib import Path

import pytest
from aura_model import itf
from aura_model.runners import (
    APALACHE_EXIT_CODES,
    RunnerError,
    parse_apalache_output,
    parse_counterexample_tla,
)
from hypothesis import given, settings
from hypothesis import strategies as st


def _fixture(shared: Path, *parts: str) -> Path:
    return shared.joinpath("fixtures", "apalache", *parts)


def test_violation_with_time_suffixes(shared: Path) -> None:
    """The tutorial's violation tail: I@/E@ suffixes stripped, State 3 -> 4 states, ITF named."""
    text = _fixture(shared, "stdout", "check-violation-temporal.txt").read_text()
    r = parse_apalache_output(text, 12)
    assert (r.result, r.violated, r.trace_length) == ("invariant", "state invariant 0", 4)
    assert r.seconds == 2.542
    assert r.trace_file is not None
    assert r.trace_file.name == "counterexample1.itf.json"
    assert r.exit_status() == 12


def test_violation_of_temporal_property(shared: Path) -> None:
    """Run with ``--temporal`` only, index 0 names the temporal property: a property result."""
    text = _fixture(shared, "stdout", "check-violation-temporal.txt").read_text()
    r = parse_apalache_output(text, 12, temporal=("IsEventuallyGreen",))
    assert (r.result, r.violated) == ("property", "IsEventuallyGreen")
    assert r.exit_status() == 13


@pytest.mark.parametrize("name", ["check-noerror-temporal.txt", "check-noerror-entry-tutorial.txt"])
def test_no_error_runs(shared: Path, name: str) -> None:
    """NoError runs pass, with the explored bound (computation length 10) and no counts."""
    r = parse_apalache_output(_fixture(shared, "stdout", name).read_text(), 0)
    assert (r.result, r.bound, r.distinct_states, r.violated) == ("ok", 10, None, None)


def _cli_runs(shared: Path) -> dict[str, tuple[str, int]]:
    """Each ``$ apalache-mc check ...`` command of the excerpts, with its output and exit code."""
    text = _fixture(shared, "stdout", "cli-integration-excerpts.md").read_text()
    runs: dict[str, tuple[str, int]] = {}
    for block in re.findall(r"```sh\n(.*?)```", text, re.DOTALL):
        command: str | None = None
        output: list[str] = []
        for line in [*block.splitlines(), "$ end"]:
            if line.startswith("$ "):
                joined = "\n".join(output)
                code = re.search(r"EXITCODE: (?:OK|ERROR \((\d+)\))", joined)
                if command and command.startswith("apalache-mc check") and code:
                    runs[command] = (joined, int(code.group(1) or 0))
                command, output = line[2:], []
            else:
                output.append(line)
    return runs


EXPECTED_CLI = {
    "--length=10 --inv=Inv Counter.tla": ("invariant", None, None),
    "--length=19 --inv=Safety y2k_instance.tla": ("ok", None, 19),
    "--length=5 --inv=Inv HandshakeWithTypes.tla": ("deadlock", None, None),
    "--no-deadlock=1 --inv=Inv HandshakeWithTypes.tla": ("ok", None, None),
    "check Bug1126.tla": ("error", None, None),
    "--inv=FalseLiveness LongPrefix.tla": ("error", None, None),
    "--temporal=FalseLiveness LongPrefix.tla": ("invariant", None, None),
    "--temporal=Liveness LongPrefix.tla": ("ok", None, None),
    "--config=Config1.cfg Config.tla": ("ok", None, None),
    "--init=Init2 --next=Next2 Config.tla": ("invariant", "Inv1", None),
    "--config=Config3.cfg Config.tla": ("error", None, None),
    "--view=View1 View.tla": ("invariant", None, None),
    "--view=View1 View2.tla": ("invariant", None, None),
    "--max-error=10 View2.tla": ("error", None, None),
    "factorization.tla": ("invariant", None, None),
    "--init=IndInv1 --next=Next --inv=IndInv1 Bug3400.tla 2>&1": ("error", None, None),
}


def test_cli_integration_excerpts(shared: Path) -> None:
    """Every ``check`` excerpt of the maintainers' CLI tests parses to the expected outcome."""
    runs = _cli_runs(shared)
    matched = set()
    for command, (output, code) in runs.items():
        key = next(k for k in EXPECTED_CLI if k in command)
        matched.add(key)
        result, violated, bound = EXPECTED_CLI[key]
        r = parse_apalache_output(output, code)
        assert r.result == result, command
        if violated:
            assert r.violated == violated, command
        if bound:
            assert r.bound == bound, command
        if result == "error":
            assert r.message.startswith(APALACHE_EXIT_CODES[code]), command
    assert matched == set(EXPECTED_CLI)


def test_named_invariant_and_trace_length_from_tlc_cfg(shared: Path) -> None:
    """With a TLC cfg, ``> Set an invariant to Inv1`` names index 0; State 7 means 8 states."""
    runs = _cli_runs(shared)
    output, code = next(v for k, v in runs.items() if "--init=Init2" in k)
    r = parse_apalache_output(output, code)
    assert (r.violated, r.trace_length, r.exit_status()) == ("Inv1", 8, 12)


def test_error_messages_carry_the_cause(shared: Path) -> None:
    """An unsupported construct (75) and a config error (255) keep Apalache's explanation."""
    runs = _cli_runs(shared)
    unsupported = next(v for k, v in runs.items() if "Bug1126" in k)
    r = parse_apalache_output(*unsupported)
    assert r.exit_code == 75
    assert "Seq(_) produces an infinite set" in r.message
    missing = next(v for k, v in runs.items() if "Config3.cfg" in k)
    assert "Operator NoLiveness not found" in parse_apalache_output(*missing).message


def test_executions_too_short_is_a_pass_with_a_note(shared: Path) -> None:
    """``--no-deadlock`` turns a deadlock into ExecutionsTooShort, exit OK: a pass, flagged."""
    runs = _cli_runs(shared)
    output, code = next(v for k, v in runs.items() if "--no-deadlock=1" in k)
    r = parse_apalache_output(output, code)
    assert r.result == "ok"
    assert "ExecutionsTooShort" in r.message


def test_exit_code_mismatch_is_rejected() -> None:
    """Printed EXITCODE and process status must agree; otherwise the output is not trusted."""
    with pytest.raises(RunnerError, match="EXITCODE 12"):
        parse_apalache_output("The outcome is: Error\nEXITCODE: ERROR (12)\n", 0)
    with pytest.raises(RunnerError, match="not Apalache output"):
        parse_apalache_output("hello\n", 0)


def test_counterexample_module_matches_itf_trace(shared: Path) -> None:
    """The ADR-015 ``.tla`` counterexample has 6 states, the same trace as its ITF twin."""
    cex = parse_counterexample_tla(_fixture(shared, "tla", "adr015-counterexample.tla").read_text())
    assert cex.module == "counterexample"
    assert cex.extends == ("MC_MissionariesAndCannibalsTyped",)
    assert cex.const_init == "TRUE"
    assert cex.transitions[0] == "Initial state"
    assert cex.transitions[5] == "Transition 0 to State5"
    assert cex.violation == 'who_is_on_bank["E"] = {}'
    assert cex.created_by is not None
    assert cex.created_by.startswith("Created by Apalache on")
    trace = itf.load_trace(_fixture(shared, "itf", "adr015-MissionariesAndCannibals.itf.json"))
    assert len(cex.states) == len(trace.states) == 6
    boats = [re.search(r'bank_of_boat = "(\w)"', s) for s in cex.states]
    assert [m.group(1) if m else None for m in boats] == [s["bank_of_boat"] for s in trace.states]


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("State0 == TRUE", "MODULE"),
        ("---- MODULE c ----\nFoo == 1\n====", "no State0"),
        ("---- MODULE c ----\nState0 == 1\nState2 == 2\n====", "out of order"),
    ],
)
def test_bad_counterexample_modules(text: str, fragment: str) -> None:
    """Malformed counterexample modules raise RunnerError saying what is missing."""
    with pytest.raises(RunnerError, match=fragment):
        parse_counterexample_tla(text)


_apalache_lines = st.sampled_from(
    [
        "The outcome is: Error",
        "The outcome is: NoError",
        "The outcome is: Deadlock",
        "State 3: state invariant 7 violated.",
        "EXITCODE: OK",
        "EXITCODE: ERROR (12)",
        "  > Set an invariant to Inv",
        "Check the trace in: a.tla, b.itf.json",
        "Total time: 1.5 sec          I@10:00:00.000",
        "Checker reports no error up to computation length 3",
    ]
)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.one_of(st.text(max_size=30), _apalache_lines), max_size=8).map("\n".join),
    st.integers(min_value=-1, max_value=256),
)
def test_output_parser_fuzz_only_runner_errors(text: str, code: int) -> None:
    """Arbitrary console text and exit codes give a result or a RunnerError, nothing else."""
    try:
        r = parse_apalache_output(text, code)
    except RunnerError:
        return
    assert code == 0 or r.result != "ok"


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.text(max_size=20),
            st.sampled_from(
                ["---- MODULE m ----", "State0 ==", "State1 == x", "(* c *)", "====", "EXTENDS"]
            ),
        ),
        max_size=8,
    ).map("\n".join)
)
def test_counterexample_parser_fuzz(text: str) -> None:
    """Arbitrary text given as a counterexample module parses or raises RunnerError."""
    with contextlib.suppress(RunnerError):
        parse_counterexample_tla(text)
