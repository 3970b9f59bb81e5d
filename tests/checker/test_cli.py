"""``aura-verify check``/``simulate``: TLC's exit codes, --json keys, parse/cfg errors."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from aura_verify import main

JSON_KEYS = {
    "result",
    "violated",
    "distinct_states",
    "states_generated",
    "depth",
    "trace_length",
    "seconds",
}


@pytest.mark.parametrize(
    "case",
    [
        ("Jugs.tla", "Jugs_ok.cfg", [], 0, "ok"),
        ("Assume.tla", "Assume_bad.cfg", [], 10, "assume"),
        ("Collatz.tla", "Collatz.cfg", [], 11, "deadlock"),
        ("Collatz.tla", "Collatz.cfg", ["--no-deadlock"], 0, "ok"),
        ("Jugs.tla", "Jugs.cfg", [], 12, "invariant"),
        ("CounterImpl.tla", "CounterImpl_bad.cfg", [], 13, "property"),
        ("ChooseEmpty.tla", "ChooseEmpty.cfg", [], 75, "error"),
    ],
)
def test_exit_codes_and_json(
    shared: Path, capsys: pytest.CaptureFixture[str], case: tuple[Any, ...]
) -> None:
    spec, cfg, flags, code, result = case
    corpus = shared / "tla-corpus"
    rc = main(["check", str(corpus / spec), "--config", str(corpus / cfg), "--json", *flags])
    out = json.loads(capsys.readouterr().out)
    assert rc == code
    assert set(out) >= JSON_KEYS
    assert out["result"] == result


def test_text_output_has_tlc_figures(shared: Path, capsys: pytest.CaptureFixture[str]) -> None:
    corpus = shared / "tla-corpus"
    rc = main(["check", str(corpus / "Missionaries.tla"), "--workers", "2"])
    captured = capsys.readouterr()
    assert rc == 12
    assert "Error: Invariant NotAllAcross is violated." in captured.out
    assert "distinct states found" in captured.out
    assert "The depth of the complete state graph search is" in captured.out
    assert "Trace length: 12 states." in captured.out
    assert "single-worker" in captured.err


def test_itf_file_written(shared: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from aura_model import itf

    out = tmp_path / "cex.itf.json"
    corpus = shared / "tla-corpus"
    rc = main(["check", str(corpus / "Jugs.tla"), "--itf", str(out)])
    capsys.readouterr()
    assert rc == 12
    trace = itf.load_trace(out)
    assert len(trace.states) == 7


def test_parse_error_exit_150(
    make_spec: Callable[..., Path], capsys: pytest.CaptureFixture[str]
) -> None:
    spec = make_spec("VARIABLE x\nInit == x = = 0\nNext == x' = x\n")
    rc = main(["check", str(spec)])
    err = capsys.readouterr().err
    assert rc == 150
    assert "parse error" in err and "Traceback" not in err


@pytest.mark.parametrize(
    ("cfg", "code"),
    [
        # TLC's exit code with each (255: its configuration parser throws).
        ("INIT Init\nNEXT\n", 255),
        ("INIT Init\nNEXT Next\nINVARIANT Missing\n", 151),
        ("CONSTANT N =\nINIT Init\nNEXT Next\n", 255),
        ("INIT Init\nNEXT Next\nCHECK_DEADLOCK maybe\n", 255),
        ("Init Next\n", 255),
        # Not TLC's figure: with no NEXT TLC fails to evaluate (75).
        ("INIT Init\n", 151),
        # TLC passes over a value for an unknown constant, not a substitution.
        ("CONSTANT Unknown <- Next\nINIT Init\nNEXT Next\n", 151),
        ("INIT Init\nNEXT Next\nINVARIANT {\n", 151),
    ],
)
def test_config_errors_exit_151(
    make_spec: Callable[..., Path], capsys: pytest.CaptureFixture[str], cfg: str, code: int
) -> None:
    spec = make_spec("VARIABLE x\nInit == x = 0\nNext == x' = x\n", cfg=cfg)
    rc = main(["check", str(spec), "--json"])
    out = json.loads(capsys.readouterr().out)
    assert rc == code
    assert out["result"] == "config"


def test_a_value_for_an_unknown_constant_is_passed_over(
    make_spec: Callable[..., Path], capsys: pytest.CaptureFixture[str]
) -> None:
    # TLC checks the model as if the line were not there (exit 0).
    spec = make_spec(
        "VARIABLE x\nInit == x = 0\nNext == x' = x\n",
        cfg="CONSTANT Unknown = 3\nINIT Init\nNEXT Next\nCHECK_DEADLOCK FALSE\n",
    )
    rc = main(["check", str(spec), "--json"])
    out = json.loads(capsys.readouterr().out)
    assert rc == 0
    assert out["result"] == "ok" and out["distinct_states"] == 1


def test_unsupported_is_reported_not_raised(
    make_spec: Callable[..., Path], capsys: pytest.CaptureFixture[str]
) -> None:
    spec = make_spec("VARIABLE x\nInit == x = 0 /\\ [](x = 0)\nNext == x' = x\n")
    rc = main(["check", str(spec)])
    err = capsys.readouterr().err
    assert rc == 150
    assert "unsupported: temporal operator [] inside an expression" in err


def test_eval_error_has_location(shared: Path, capsys: pytest.CaptureFixture[str]) -> None:
    corpus = shared / "tla-corpus"
    rc = main(["check", str(corpus / "OutOfDomain.tla")])
    out = capsys.readouterr().out
    # The error is in an invariant: TLC's exit code is 76, as the manifest records.
    assert rc == 76
    assert "Evaluating invariant" in out
    assert "OutOfDomain.tla:" in out and "not in its domain" in out


def test_simulate_cli(shared: Path, capsys: pytest.CaptureFixture[str]) -> None:
    corpus = shared / "tla-corpus"
    rc = main(
        [
            "simulate",
            str(corpus / "Hanoi.tla"),
            "--config",
            str(corpus / "Hanoi_safe.cfg"),
            "--depth",
            "20",
            "--traces",
            "3",
            "--seed",
            "7",
            "--json",
        ]
    )
    out = json.loads(capsys.readouterr().out)
    assert rc == 0
    assert out["result"] == "ok"


def test_missing_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", str(tmp_path / "Nope.tla")]) == 150
    spec = tmp_path / "A.tla"
    spec.write_text("---- MODULE A ----\nVARIABLE x\nInit == x = 0\nNext == x' = x\n====\n")
    assert main(["check", str(spec)]) == 151  # no A.cfg beside it
    err = capsys.readouterr().err
    assert "Traceback" not in err and "cannot read configuration" in err


@pytest.mark.parametrize("engine", ["embedded", "tlc", "apalache"])
def test_a_missing_file_gives_the_same_code_whatever_the_engine(
    engine: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The subprocess engines answer a missing spec or cfg as the embedded one does
    (150, 151), before looking for the tool: the answer does not depend on what is
    installed."""
    spec = tmp_path / "A.tla"
    spec.write_text("---- MODULE A ----\nVARIABLE x\nInit == x = 0\nNext == x' = x\n====\n")
    assert main(["check", str(tmp_path / "Nope.tla"), "--engine", engine]) == 150
    assert "spec file not found" in capsys.readouterr().err
    argv = ["check", str(spec), "--config", str(tmp_path / "Nope.cfg"), "--engine", engine]
    assert main(argv) == 151
    assert "cfg file not found" in capsys.readouterr().err


def test_unknown_name_is_a_semantic_error(
    make_spec: Callable[..., Path], capsys: pytest.CaptureFixture[str]
) -> None:
    spec = make_spec("VARIABLE x\nInit == x = 0\nNext == x' = Nonsense + 1\n")
    assert main(["check", str(spec)]) == 150
    err = capsys.readouterr().err
    assert "unknown name Nonsense" in err and "T.tla:5:" in err


def test_subprocess_engine_absent_is_skipped_not_passed(
    shared: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`--engine tlc` with no TLC installed prints SKIPPED and exits 4, never 0."""
    monkeypatch.delenv("TLC_JAR", raising=False)
    monkeypatch.delenv("TLA2TOOLS_JAR", raising=False)
    monkeypatch.setenv("PATH", str(Path("/nonexistent")))
    corpus = shared / "tla-corpus"
    code = main(
        [
            "check",
            str(corpus / "Arith.tla"),
            "--config",
            str(corpus / "Arith.cfg"),
            "--engine",
            "tlc",
        ]
    )
    out = capsys.readouterr().out
    assert code == 4
    assert out.startswith("SKIPPED: tlc:")


def test_text_trace_names_actions_marks_changes_and_the_loop(
    shared: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A lasso in the text output: actions with parameters, changed lines, loop start,
    and TLC's closing 'Back to state K' line."""
    corpus = shared / "tla-corpus"
    rc = main(["check", str(corpus / "Barrier.tla"), "--config", str(corpus / "Barrier_bad.cfg")])
    out = capsys.readouterr().out
    assert rc == 13
    headers = [line for line in out.splitlines() if line.startswith("State ")]
    assert headers[0].startswith("State 1: <Initial predicate>")
    assert headers[1].startswith("State 2: <Arrive p = ")
    loop_at = [h for h in headers if h.endswith("(the loop starts here)")]
    assert len(loop_at) == 1
    k = int(loop_at[0].split()[1].rstrip(":"))
    assert headers[-1].startswith(f"State {len(headers)}: Back to state {k}: <")
    assert f"(a lasso: the loop starts at state {k})" in out
    block = out.split("State 2:")[1].split("State 3:")[0]
    marked = [line for line in block.splitlines() if line.endswith("\\* changed")]
    assert marked and all(line.startswith("/\\ ") for line in marked)


def test_json_counterexample_has_steps_and_loop(
    shared: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    corpus = shared / "tla-corpus"
    rc = main(["check", str(corpus / "Jugs.tla"), "--json"])
    out = json.loads(capsys.readouterr().out)
    assert rc == 12 and out["loop"] is None
    assert len(out["trace"]) == out["trace_length"] == 7
    assert [s["#meta"]["index"] for s in out["trace"]] == list(range(7))
    assert all(s["#meta"]["action"] for s in out["trace"])
    rc = main(
        [
            "check",
            str(corpus / "Barrier.tla"),
            "--config",
            str(corpus / "Barrier_bad.cfg"),
            "--json",
        ]
    )
    out = json.loads(capsys.readouterr().out)
    assert rc == 13 and out["trace"][out["loop"]]["#meta"]["loopStart"] is True
    assert out["loop_back"]["action"] in {"Arrive", "Open"}
    ok = main(
        ["check", str(corpus / "Jugs.tla"), "--config", str(corpus / "Jugs_ok.cfg"), "--json"]
    )
    out = json.loads(capsys.readouterr().out)
    assert ok == 0 and out["trace"] is None and out["loop"] is None
