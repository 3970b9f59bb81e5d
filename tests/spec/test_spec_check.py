"""The ``spec-check`` stage: discovery, expectations and the verdict, on small specs."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from aura_model.spec_check import (
    Expectation,
    Outcome,
    SpecCheckError,
    discover,
    module_invariants,
    parse_expectation,
    run_spec_check,
    spec_dir,
    stage_spec_check,
)
from aura_model.stages import STAGES, Status
from hypothesis import given
from hypothesis import strategies as st

COUNTER = """---- MODULE Counter ----
EXTENDS Naturals
CONSTANT Max
VARIABLE n
Init == n = 0
Next == n < Max /\\ n' = n + 1
Spec == Init /\\ [][Next]_n
(***************************************************************************)
(* Small: n never exceeds 2.                                               *)
(***************************************************************************)
Small == n <= 2
THEOREM Spec => [](Small)
====
"""


def _cfg(expect: str, limit: int) -> str:
    return (
        f"\\* expect: {expect}\nCONSTANT Max = {limit}\nSPECIFICATION Spec\n"
        "INVARIANT Small\nCHECK_DEADLOCK FALSE\n"
    )


@pytest.fixture
def specs(tmp_path: Path) -> Path:
    (tmp_path / "Counter.tla").write_text(COUNTER)
    (tmp_path / "MC_Counter.cfg").write_text(_cfg("ok", 2))
    (tmp_path / "MC_Counter_bad_Small.cfg").write_text(_cfg("invariant Small", 3))
    return tmp_path


def test_expectations_are_read_from_the_expect_line() -> None:
    """ok, invariant X and property X are the accepted forms."""
    assert parse_expectation("\\* expect: ok\n", "f") == Expectation("ok")
    assert parse_expectation("x\n\\* expect: invariant Inv\n", "f") == Expectation(
        "invariant", "Inv"
    )
    assert str(parse_expectation("\\*   expect:  property P  \n", "f")) == "property P"


@pytest.mark.parametrize(
    "text",
    ["", "\\* expect: fine\n", "\\* expect: invariant\n", "\\* expect: ok Inv\n",
     "\\* expect: ok\n\\* expect: ok\n", "\\* expect: invariant A B\n"],
)  # fmt: skip
def test_bad_expect_lines_are_typed_errors_naming_the_file(text: str) -> None:
    """A missing, doubled or malformed expectation is a SpecCheckError with the file name."""
    with pytest.raises(SpecCheckError, match=r"some\.cfg"):
        parse_expectation(text, "some.cfg")


@given(st.text(max_size=200))
def test_untrusted_cfg_text_yields_an_expectation_or_a_typed_error(text: str) -> None:
    """Fuzz: any text gives an Expectation or a SpecCheckError, nothing else."""
    try:
        exp = parse_expectation(text, "fuzz.cfg")
    except SpecCheckError:
        return
    assert exp.result in {"ok", "invariant", "property", "deadlock", "error", "assume"}


def test_discover_pairs_each_cfg_with_its_module(specs: Path) -> None:
    """MC_<Module>[_variant].cfg belongs to <Module>.tla."""
    cases = discover(specs)
    assert [c.cfg.name for c in cases] == ["MC_Counter.cfg", "MC_Counter_bad_Small.cfg"]
    assert {c.spec.name for c in cases} == {"Counter.tla"}


def test_discover_rejects_a_cfg_without_its_module(specs: Path) -> None:
    """A model whose module does not exist is a typed error naming it."""
    (specs / "MC_Missing.cfg").write_text(_cfg("ok", 1))
    with pytest.raises(SpecCheckError, match=r"Missing\.tla does not exist"):
        discover(specs)


def test_models_meeting_their_expectations_are_met(specs: Path) -> None:
    """The correct model passes and the broken one is caught by its invariant."""
    lines: list[str] = []
    outcomes = run_spec_check(specs, emit=lines.append)
    assert [o.outcome for o in outcomes] == [Outcome.MET, Outcome.MET]
    assert outcomes[1].violated == "Small"
    assert len(lines) == 2 and all(line.startswith("[spec-check] MET") for line in lines)


def test_a_model_missing_its_expectation_fails(specs: Path) -> None:
    """Failing counterpart: a broken variant expected to pass is reported FAILED."""
    (specs / "MC_Counter_bad_Small.cfg").write_text(_cfg("ok", 3))
    outcomes = run_spec_check(specs, emit=lambda _: None)
    assert outcomes[1].outcome is Outcome.FAILED
    assert outcomes[1].result == "invariant"


def test_a_broken_variant_that_is_not_caught_fails(specs: Path) -> None:
    """Failing counterpart: an invariant that holds where a violation is expected is FAILED."""
    (specs / "MC_Counter.cfg").write_text(_cfg("invariant Small", 2))
    assert run_spec_check(specs, emit=lambda _: None)[0].outcome is Outcome.FAILED


def test_a_module_the_checker_cannot_load_fails_with_the_reason(specs: Path) -> None:
    """A parse error is a FAILED model with the checker's typed error, not a traceback."""
    (specs / "Counter.tla").write_text("---- MODULE Counter ----\nInit == \n====\n")
    outcome = run_spec_check(specs, emit=lambda _: None)[0]
    assert outcome.outcome is Outcome.FAILED and outcome.result == "error"
    assert "Error" in outcome.detail


def test_module_invariants_reads_theorems_and_boxed_statements(specs: Path) -> None:
    """The statement is the boxed comment's text after ``Name:``."""
    [inv] = module_invariants(specs / "Counter.tla")
    assert (inv.name, inv.kind, inv.statement) == ("Small", "inv", "n never exceeds 2.")


def test_module_invariants_rejects_an_invariant_without_its_statement(specs: Path) -> None:
    """Failing counterpart: an invariant without a boxed English statement is an error."""
    text = COUNTER.replace("(* Small: n never exceeds 2.", "(* n never exceeds 2.       ")
    (specs / "Counter.tla").write_text(text)
    with pytest.raises(SpecCheckError, match="no boxed comment"):
        module_invariants(specs / "Counter.tla")


def test_the_stage_is_registered_and_reports_on_the_project_specs(
    monkeypatch: pytest.MonkeyPatch, specs: Path
) -> None:
    """spec-check is an aura-verify stage; it passes iff every model meets its expectation."""
    assert ("spec-check", "aura_model.spec_check:stage_spec_check") in STAGES
    assert spec_dir().name == "spec"
    monkeypatch.setattr("aura_model.spec_check.spec_dir", lambda: specs)
    result = stage_spec_check()
    assert result.status is Status.PASS, result.detail
    assert "2 met, 0 failed, 0 skipped of 2 models" in result.detail
    (specs / "MC_Counter.cfg").write_text(_cfg("invariant Small", 2))
    failed = stage_spec_check()
    assert failed.status is Status.FAIL
    assert "MC_Counter.cfg" in failed.detail


def test_the_stage_is_skipped_with_the_reason_when_the_checker_is_missing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A missing embedded checker is SKIPPED with the reason, never a pass."""
    monkeypatch.setitem(sys.modules, "aura_model.tla", None)
    result = stage_spec_check()
    assert result.status is Status.SKIPPED
    assert "embedded checker unavailable" in result.detail
