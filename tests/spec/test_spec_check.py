"""The ``spec-check`` stage on small specs, with the real SANY, TLC and embedded checker.

Where TLC is needed, the tests run the real one (``../shared/tools/tla``) and fail,
with a clear message, when Java or the jar is missing; only the SKIPPED tests switch
TLC off, through the ``TLA2TOOLS_JAR`` variable as a user would.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import attrs
import pytest
from aura_model.runners import Expectation as RunnerExpectation
from aura_model.runners import (
    ToolStatus,
    detect_tlc,
    expectation_for,
    run_models,
    run_sany,
    run_tool,
    shared_tlc_run,
    stage_tlc,
)
from aura_model.spec_check import (
    Expectation,
    Figures,
    Outcome,
    SpecCheckError,
    SpecCheckReport,
    check_case,
    discover,
    module_invariants,
    parse_expectation,
    run_spec_check,
    spec_dir,
    stage_spec_check,
)
from aura_model.stages import Status
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
Reaches == <>(n = Max)
THEOREM Spec => [](Small)
====
"""


def _cfg(expect: str, limit: int, check: str = "INVARIANT Small", deadlock: bool = False) -> str:
    # The expect line is followed by a comment line, as in spec/: the old parser read
    # that line's "\\*" as the violated name.
    return (
        f"\\* expect: {expect}\n\\* a comment line\nCONSTANT Max = {limit}\n"
        f"SPECIFICATION Spec\n{check}\nCHECK_DEADLOCK {str(deadlock).upper()}\n"
    )


def _tlc() -> ToolStatus:
    tool = detect_tlc()
    if not tool.available:
        pytest.fail(f"TLC is needed here and was not found: {tool.reason}", pytrace=False)
    return tool


def _quiet(_: str) -> None:
    pass


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


def test_discover_reads_models_from_their_module_folder(tmp_path: Path) -> None:
    """spec/<Module>/MC_<Module>*.cfg belongs to spec/<Module>.tla, as in the project."""
    (tmp_path / "Counter.tla").write_text(COUNTER)
    (tmp_path / "Counter").mkdir()
    (tmp_path / "Counter" / "MC_Counter_bad_Small.cfg").write_text(_cfg("invariant Small", 3))
    (tmp_path / "MC_Counter.cfg").write_text(_cfg("ok", 2))
    cases = discover(tmp_path)
    assert [c.cfg.name for c in cases] == ["MC_Counter.cfg", "MC_Counter_bad_Small.cfg"]
    assert {c.spec for c in cases} == {tmp_path / "Counter.tla"}


def test_discover_rejects_a_model_in_another_module_folder(specs: Path) -> None:
    """Failing counterpart: a model filed under the wrong module is an error naming it."""
    (specs / "Other").mkdir()
    (specs / "Other" / "MC_Counter_live.cfg").write_text(_cfg("ok", 1))
    with pytest.raises(SpecCheckError, match=r"MC_Counter_live\.cfg: a model of Counter"):
        discover(specs)


def test_the_expect_line_does_not_run_into_the_next_line(tmp_path: Path) -> None:
    """``\\* expect: ok`` followed by a ``\\*`` comment line names nothing; both readers agree.

    The runners' reader took the next line's ``\\*`` as the violated name.
    """
    text = "\\* expect: ok\n\\* The correct guard chain.\nINIT Init\n"
    assert parse_expectation(text, "f") == Expectation("ok")
    cfg = tmp_path / "MC_X.cfg"
    cfg.write_text(text)
    assert expectation_for(cfg) == RunnerExpectation("ok", None)
    cfg.write_text("\\* expect: invariant Inv\n\\* why\n")
    assert expectation_for(cfg) == RunnerExpectation("invariant", "Inv")
    assert parse_expectation(cfg.read_text(), "f") == Expectation("invariant", "Inv")


def test_every_project_model_names_what_it_expects() -> None:
    """In spec/ both readers give the same expectation for every model, names included."""
    for case in discover():
        runner = expectation_for(case.cfg)
        assert (runner.result, runner.violated) == (case.expect.result, case.expect.name)


@pytest.fixture(scope="module")
def agreement(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, SpecCheckReport, list[str]]:
    """SANY, TLC and the embedded checker, run once on four small models of one module."""
    folder = tmp_path_factory.mktemp("agreement")
    (folder / "Counter.tla").write_text(COUNTER)
    (folder / "MC_Counter.cfg").write_text(_cfg("ok", 2))
    (folder / "MC_Counter_bad_Small.cfg").write_text(_cfg("invariant Small", 3))
    (folder / "MC_Counter_deadlock.cfg").write_text(_cfg("deadlock", 2, deadlock=True))
    (folder / "MC_Counter_bad_Reaches.cfg").write_text(
        _cfg("property Reaches", 2, "PROPERTY Reaches")
    )
    lines: list[str] = []
    report = run_spec_check(folder, emit=lines.append, tool=_tlc())
    return folder, report, lines


def test_sany_tlc_and_the_embedded_checker_agree_on_small_models(
    agreement: tuple[Path, SpecCheckReport, list[str]],
) -> None:
    """Every model is MET: TLC meets the expectation and the embedded checker has TLC's
    distinct states (pass) or trace length (safety violation); a lasso is compared by
    result and name."""
    _, report, lines = agreement
    assert report.status() is Status.PASS, report.detail()
    assert [m.module.name for m in report.modules] == ["Counter.tla"]
    by_name = {o.case.cfg.name: o for o in report.models}
    assert all(o.outcome is Outcome.MET for o in report.models), report.detail()
    ok = by_name["MC_Counter.cfg"]
    assert ok.tlc is not None
    assert ok.tlc.distinct_states == ok.embedded.distinct_states == 3
    bad = by_name["MC_Counter_bad_Small.cfg"]
    assert bad.tlc is not None
    assert (bad.tlc.result, bad.tlc.violated, bad.tlc.trace_length) == ("invariant", "Small", 4)
    assert bad.embedded.trace_length == 4
    dead = by_name["MC_Counter_deadlock.cfg"]
    assert dead.tlc is not None
    assert dead.tlc.trace_length == dead.embedded.trace_length == 3
    live = by_name["MC_Counter_bad_Reaches.cfg"]
    assert live.tlc is not None
    assert (live.tlc.got, live.tlc.lasso, live.embedded.lasso) == (live.embedded.got, True, True)
    # Progress: one line per module and per model, with both engines' figures.
    assert lines[0].startswith("[spec-check] SANY ok     Counter.tla: accepted")
    assert len(lines) == 5
    assert all(" | TLC " in line and " | embedded " in line for line in lines[1:])


def test_tlc_runs_once_per_model_and_the_tlc_stage_reports_them(
    agreement: tuple[Path, SpecCheckReport, list[str]], tmp_path: Path
) -> None:
    """The tlc stage reuses spec-check's TLC runs; a fresh folder or an edit runs TLC again."""
    folder, _, _ = agreement
    lines: list[str] = []
    stage = run_models("tlc", folder, tool=_tlc(), emit=lines.append, runner=shared_tlc_run)
    assert stage.status is Status.PASS, stage.detail
    assert "4 models as expected, 4 reused from spec-check" in stage.detail
    assert all(line.endswith("(run by spec-check)") for line in lines), lines
    (tmp_path / "Counter.tla").write_text(COUNTER)
    cfg = tmp_path / "MC_Counter.cfg"
    cfg.write_text(_cfg("ok", 2))
    spec = tmp_path / "Counter.tla"
    assert shared_tlc_run(_tlc(), spec, cfg)[1] is False
    assert shared_tlc_run(_tlc(), spec, cfg)[1] is True
    cfg.write_text(_cfg("ok", 1))
    again, reused = shared_tlc_run(_tlc(), spec, cfg)
    assert (reused, again.distinct_states) == (False, 2)


def test_an_embedded_checker_that_disagrees_with_tlc_fails(
    agreement: tuple[Path, SpecCheckReport, list[str]],
) -> None:
    """Failing counterparts of the agreement rules, on real TLC runs: another state count,
    another trace length or another verdict is FAILED; a lasso's length is not compared."""
    _, report, _ = agreement
    tool = _tlc()
    by_name = {o.case.cfg.name: o for o in report.models}

    def judge(name: str, change: Callable[[Figures], Figures]) -> tuple[Outcome, str]:
        model = by_name[name]
        tlc, reused = shared_tlc_run(tool, model.case.spec, model.case.cfg)
        assert reused  # the fixture's run, not a new one
        out = check_case(model.case, tlc, embedded=change(model.embedded))
        return out.outcome, out.detail

    assert judge("MC_Counter.cfg", lambda f: attrs.evolve(f, distinct_states=4)) == (
        Outcome.FAILED,
        "distinct states: embedded 4, TLC 3",
    )
    outcome, detail = judge("MC_Counter_bad_Small.cfg", lambda f: attrs.evolve(f, trace_length=5))
    assert outcome is Outcome.FAILED
    assert detail.startswith("shortest trace: embedded 5 states, TLC 4")
    clean = judge("MC_Counter_bad_Small.cfg", lambda f: attrs.evolve(f, result="ok", violated=None))
    assert clean == (Outcome.FAILED, "embedded ok but TLC invariant Small")
    longer = judge("MC_Counter_bad_Reaches.cfg", lambda f: attrs.evolve(f, trace_length=9))
    assert longer == (Outcome.MET, "")


def test_a_model_missing_its_expectation_and_a_broken_variant_not_caught_fail(
    specs: Path,
) -> None:
    """Failing counterparts, one run for both (TLC and SANY start a JVM each): a broken
    variant expected to pass is FAILED, TLC's verdict named; an invariant that holds
    where a violation is expected is FAILED."""
    (specs / "MC_Counter_bad_Small.cfg").write_text(_cfg("ok", 3))
    (specs / "MC_Counter.cfg").write_text(_cfg("invariant Small", 2))
    report = run_spec_check(specs, emit=_quiet, tool=_tlc())
    not_caught, bad = report.models
    assert bad.outcome is Outcome.FAILED
    assert bad.result == "invariant"
    assert bad.detail == "TLC: expected ok, got invariant Small"
    assert not_caught.outcome is Outcome.FAILED
    assert not_caught.detail == "TLC: expected invariant Small, got ok"
    assert report.status() is Status.FAIL


def test_a_module_the_checker_cannot_load_fails_with_the_reason(specs: Path) -> None:
    """A syntax error is FAILED with SANY's located message, not a traceback."""
    (specs / "Counter.tla").write_text("---- MODULE Counter ----\nInit == \n====\n")
    report = run_spec_check(specs, emit=_quiet, tool=_tlc())
    outcome = report.models[0]
    assert outcome.outcome is Outcome.FAILED and outcome.result == "error"
    assert "SANY: Counter.tla: rejected" in outcome.detail
    assert "Counter.tla:2:1: parse error" in outcome.detail
    assert report.status() is Status.FAIL


def test_a_spec_sany_rejects_fails_the_stage_with_sanys_text(
    monkeypatch: pytest.MonkeyPatch, specs: Path
) -> None:
    """``Int`` with only Naturals extended (GuardChain's old defect) fails the stage with
    SANY's file, line, column and message, whatever the embedded checker makes of it."""
    text = COUNTER.replace("Small == n <= 2", "Small == n <= 2 /\\ n \\in Int")
    (specs / "Counter.tla").write_text(text)
    monkeypatch.setattr("aura_model.spec_check.spec_dir", lambda: specs)
    result = stage_spec_check()
    assert result.status is Status.FAIL
    assert "SANY accepts 0/1 modules" in result.detail
    assert "Counter.tla:11:26: Unknown operator: `Int'." in result.detail
    # TLC refuses the module for the same reason, and says so in its own words.
    # (The stage's own TLC run of the model, kept for the tlc stage: no second JVM.)
    tlc, _ = shared_tlc_run(_tlc(), specs / "Counter.tla", specs / "MC_Counter.cfg")
    assert (tlc.result, tlc.exit_code) == ("error", 150)
    assert tlc.message == "Counter.tla:11:26: Unknown operator: `Int'."


def test_a_module_no_model_checks_must_pass_sany_too(specs: Path) -> None:
    """An Apalache wrapper SANY rejects fails the check although every model is MET."""
    wrapper = "---- MODULE APCounter ----\nEXTENDS Naturals\nTyped == 1 \\in Int\n====\n"
    (specs / "APCounter.tla").write_text(wrapper)
    report = run_spec_check(specs, emit=_quiet, tool=_tlc())
    assert [o.outcome for o in report.models] == [Outcome.MET, Outcome.MET]
    assert report.status() is Status.FAIL
    assert "SANY accepts 1/2 modules" in report.detail()
    assert "APCounter.tla:3:16: Unknown operator: `Int'." in report.detail()


def test_without_tlc_the_stages_are_skipped_with_the_reason(
    monkeypatch: pytest.MonkeyPatch, specs: Path, tmp_path: Path
) -> None:
    """A jar that is absent (TLA2TOOLS_JAR naming no file) makes spec-check and tlc SKIPPED
    with the reason, never PASS; the embedded checker is still held to the expectations."""
    missing = tmp_path / "missing" / "tla2tools.jar"
    monkeypatch.setenv("TLA2TOOLS_JAR", str(missing))
    monkeypatch.setattr("aura_model.spec_check.spec_dir", lambda: specs)
    result = stage_spec_check()
    assert result.status is Status.SKIPPED
    assert f"$TLA2TOOLS_JAR={missing} is not a file" in result.detail
    assert "2 met" not in result.detail and "0 met, 0 failed, 2 skipped" in result.detail
    tlc = stage_tlc()
    assert tlc.status is Status.SKIPPED
    assert tlc.detail == f"$TLA2TOOLS_JAR={missing} is not a file"
    (specs / "MC_Counter.cfg").write_text(_cfg("invariant Small", 2))
    failed = stage_spec_check()
    assert failed.status is Status.FAIL
    assert "MC_Counter.cfg: embedded: expected invariant Small, got ok" in failed.detail


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
    """spec-check is an aura-verify stage; it passes iff every model is MET."""
    assert spec_dir().name == "spec"
    monkeypatch.setattr("aura_model.spec_check.spec_dir", lambda: specs)
    result = stage_spec_check()
    assert result.status is Status.PASS, result.detail
    assert "2 met, 0 failed, 0 skipped of 2 models; SANY accepts 1/1 modules" in result.detail
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


# One model of each of three modules (SANY reads each); the violations are among
# the quicker ones of their kind to reach (make verify runs all the rest).
FAST_PROJECT_MODELS = [
    "MC_GuardChain_two_sources.cfg",
    "MC_EpochRotation_bad_ERRejectTyped.cfg",
    "MC_DescriptorValidity_bad_DVJournalGrowOnly.cfg",
    "MC_DescriptorValidity_bad_DVConverges_capped.cfg",
]


@pytest.mark.parametrize("name", FAST_PROJECT_MODELS)
def test_fast_project_models_agree_with_tlc(name: str) -> None:
    """A pass, an invariant, an action property and a liveness property of spec/ itself:
    SANY accepts the module, TLC meets the expect line, the embedded checker agrees.
    (``make verify`` does this for every model.)"""
    tool = _tlc()
    [case] = [c for c in discover() if c.cfg.name == name]
    tlc = run_tool("tlc", case.spec, case.cfg, tool=tool)
    outcome = check_case(case, tlc, run_sany(tool, case.spec))
    assert outcome.outcome is Outcome.MET, outcome.line()
    assert outcome.tlc is not None
    assert outcome.tlc.got == case.expect
