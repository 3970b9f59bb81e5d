"""The TLC and SANY runners against the real tools in ``../shared/tools/tla``.

Each spec below makes TLC end one way (pass, each kind of violation, each kind of
error); the test checks the parsed verdict, TLC's own exit code and, for errors,
that TLC's own words come through with the file, line and column they name.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from aura_model.runners import (
    EngineResult,
    RunnerError,
    SanyResult,
    ToolStatus,
    detect_tlc,
    parse_tlc_output,
    run_sany,
    run_tool,
    sany_command,
    tlc_command,
)

HEADER = "---- MODULE {name} ----\nEXTENDS Naturals, Sequences\n"


@pytest.fixture(scope="module")
def tool() -> ToolStatus:
    status = detect_tlc()
    if not status.available or status.jar is None:
        pytest.fail(f"TLC is needed here and was not found: {status.reason}", pytrace=False)
    return status


def _model(folder: Path, name: str, body: str, cfg: str) -> tuple[Path, Path]:
    spec = folder / f"{name}.tla"
    spec.write_text(HEADER.format(name=name) + body + "====\n")
    config = folder / f"{name}.cfg"
    config.write_text(cfg)
    return spec, config


def _run(tool: ToolStatus, folder: Path, name: str, body: str, cfg: str) -> EngineResult:
    spec, config = _model(folder, name, body, cfg)
    return run_tool("tlc", spec, config, tool=tool)


COUNTER = "VARIABLE n\nInit == n = 0\nNext == n < 3 /\\ n' = n + 1\n"
INIT_NEXT = "INIT Init\nNEXT Next\n"


def test_pass_with_figures(tool: ToolStatus, tmp_path: Path) -> None:
    """A complete search: ok, exit 0, TLC's distinct states and depth."""
    r = _run(tool, tmp_path, "Ok", COUNTER, INIT_NEXT + "CHECK_DEADLOCK FALSE\n")
    assert (r.result, r.exit_code, r.distinct_states, r.depth) == ("ok", 0, 4, 4)
    assert r.message == ""


@pytest.mark.parametrize(
    ("name", "body", "cfg", "want"),
    [
        ("Inv", COUNTER + "Small == n < 2\n", INIT_NEXT + "INVARIANT Small\n",
         ("invariant", "Small", 12, 3)),
        ("Dead", COUNTER, INIT_NEXT, ("deadlock", None, 11, 4)),
        ("Act", COUNTER + "Up == [][n' = n + 2]_n\n",
         INIT_NEXT + "PROPERTY Up\nCHECK_DEADLOCK FALSE\n", ("property", "Up", 13, 2)),
        ("Live", COUNTER + "Spec == Init /\\ [][Next]_n\nGoal == <>(n = 3)\n",
         "SPECIFICATION Spec\nPROPERTY Goal\nCHECK_DEADLOCK FALSE\n", ("property", "Goal", 13, 3)),
        ("Asm", "CONSTANT K\nASSUME K > 5\n" + COUNTER, INIT_NEXT + "CONSTANT K = 2\n",
         ("assume", None, 10, None)),
    ],
    ids=["invariant", "deadlock", "action-property", "liveness", "assumption"],
)  # fmt: skip
def test_violations_and_their_exit_codes(  # noqa: PLR0917 (parametrized arguments)
    tool: ToolStatus,
    tmp_path: Path,
    name: str,
    body: str,
    cfg: str,
    want: tuple[str, str | None, int, int | None],
) -> None:
    """Each violation has TLC's exit code (10 assume, 11 deadlock, 12 safety, 13 liveness
    or action property), its name, and the trace length TLC printed."""
    r = _run(tool, tmp_path, name, body, cfg)
    result, violated, code, length = want
    assert (r.result, r.exit_code, r.trace_length) == (result, code, length), r
    if result != "assume":
        assert r.violated == violated
    assert r.exit_status() == code


def test_liveness_trace_is_a_lasso(tool: ToolStatus, tmp_path: Path) -> None:
    """A temporal violation ends in stuttering or a loop back, recorded in ``trace_loop``."""
    body = COUNTER + "Spec == Init /\\ [][Next]_n\nGoal == <>(n = 3)\n"
    cfg = "SPECIFICATION Spec\nPROPERTY Goal\nCHECK_DEADLOCK FALSE\n"
    r = _run(tool, tmp_path, "Lasso", body, cfg)
    assert (r.result, r.trace_loop) == ("property", "stuttering")
    # Not a shortest counterexample: stuttering in the initial state (1 state) would do,
    # TLC's cycle search reports 3. Liveness trace lengths are therefore not compared.
    assert r.trace_length == 3


@pytest.mark.parametrize(
    ("name", "body", "cfg", "code", "text"),
    [
        ("Sem", COUNTER + "T == n \\in Int\n", INIT_NEXT,
         150, "Sem.tla:6:12: Unknown operator: `Int'."),
        ("Syn", "VARIABLE n\nInit == n =\n", INIT_NEXT,
         150, 'Syn.tla:5:1: parse error: Encountered "====" at line 5, column 1'),
        ("Cfg", COUNTER, INIT_NEXT + "INVARIANT Nope\n",
         151, "The invariant Nope specified in the configuration file is not defined in the "
              "specification."),
        ("Ev", "VARIABLE x\nInit == x = <<1>>\nNext == x' = Append(x, x[3])\n", INIT_NEXT,
         75, "Ev.tla:5:24: TLC threw an unexpected exception. The exception was a "
             "java.lang.RuntimeException : Attempted to access index 3 of tuple <<1>> which "
             "is out of bounds."),
    ],
    ids=["semantic", "syntax", "config", "evaluation"],
)  # fmt: skip
def test_errors_carry_tlcs_own_located_text(  # noqa: PLR0917 (parametrized arguments)
    tool: ToolStatus, tmp_path: Path, name: str, body: str, cfg: str, code: int, text: str
) -> None:
    """An error is ``error`` with TLC's exit code and TLC's message, as ``File.tla:line:col:``
    where TLC names a place (SANY's report for 150, the innermost position for 75)."""
    r = _run(tool, tmp_path, name, body, cfg)
    assert (r.result, r.exit_code) == ("error", code)
    assert r.message.startswith(text), r.message
    assert r.exit_status() == code


def test_sany_accepts_and_rejects_with_located_errors(tool: ToolStatus, tmp_path: Path) -> None:
    """SANY -error-codes: a good module is accepted; every error is read with its place."""
    good, _ = _model(tmp_path, "Good", COUNTER, INIT_NEXT)
    assert run_sany(tool, good).accepted
    two, _ = _model(tmp_path, "Two", COUNTER + "A == y\nB == Foo(n)\n", INIT_NEXT)
    r: SanyResult = run_sany(tool, two)
    assert not r.accepted and r.exit_code == 4
    assert [str(d) for d in r.diagnostics] == [
        "Two.tla:6:6: Unknown operator: `y'.",
        "Two.tla:7:6: Unknown operator: `Foo'.",
    ]
    missing = tmp_path / "Miss.tla"
    missing.write_text("---- MODULE Miss ----\nEXTENDS NoSuchModule\n====\n")
    r = run_sany(tool, missing)
    assert not r.accepted
    assert r.describe() == (
        "Miss.tla: rejected (exit 255): Miss.tla: Cannot find source file for module "
        "NoSuchModule imported in module Miss."
    )
    comment = tmp_path / "Lex.tla"
    comment.write_text("---- MODULE Lex ----\nVARIABLE x\n(* open\n====\n")
    r = run_sany(tool, comment)
    assert [str(d) for d in r.diagnostics] == [
        "Lex.tla:3:1: lexical error: EOF reached, possibly open comment starting around line 3"
    ]


def test_sany_needs_the_jar(tmp_path: Path) -> None:
    """A ``tlc`` wrapper script has no jar: SANY cannot run, and says why."""
    script = ToolStatus("tlc", True, "/usr/bin/tlc (tlc wrapper script)", ("/usr/bin/tlc",))
    with pytest.raises(RunnerError, match=r"SANY needs tla2tools\.jar"):
        sany_command(script, tmp_path / "M.tla")
    r = run_sany(script, tmp_path / "M.tla")
    assert r.exit_code is None and not r.accepted
    assert "SANY did not run" in r.describe()


def test_exit_code_and_verdict_must_agree() -> None:
    """A verdict line with the wrong exit code is an error; a violation code with no verdict
    line gives that verdict unnamed, flagged in the message."""
    text = "Error: Invariant Inv is violated.\nState 1: <Init>\n"
    r = parse_tlc_output(text, 0)
    assert r.result == "error"
    assert "TLC printed 'invariant' but exited 0 (no error)" in r.message
    r = parse_tlc_output("Starting...\n", 11)
    assert (r.result, r.violated) == ("deadlock", None)
    assert r.message == "TLC exit 11 (deadlock) without a verdict line"
    r = parse_tlc_output("Exception in thread main\njava.lang.OutOfMemoryError\n", 153)
    assert r.result == "error"
    assert r.message == "Exception in thread main / java.lang.OutOfMemoryError"


def test_java_temp_folder_is_private(tool: ToolStatus, tmp_path: Path) -> None:
    """TLC and SANY leave a ``tlc-*`` folder in ``java.io.tmpdir`` on every run; the runners
    point it at their own temporary folder (jar form), which they remove."""
    argv = tlc_command(tool, tmp_path / "M.tla", None, deadlock=None, metadir=tmp_path,
                       java_tmp=tmp_path / "java")  # fmt: skip
    assert argv[:2] == [tool.argv[0], f"-Djava.io.tmpdir={tmp_path / 'java'}"]
    assert sany_command(tool, tmp_path / "M.tla", tmp_path)[1] == f"-Djava.io.tmpdir={tmp_path}"
    script = ToolStatus("tlc", True, "a tlc script", ("/usr/bin/tlc",))
    argv = tlc_command(script, tmp_path / "M.tla", None, deadlock=None, metadir=tmp_path,
                       java_tmp=tmp_path)  # fmt: skip
    assert argv[0] == "/usr/bin/tlc" and not any(a.startswith("-D") for a in argv)
    java_tmp = tmp_path / "own"
    java_tmp.mkdir()
    good, cfg = _model(tmp_path, "Tmp", COUNTER, INIT_NEXT + "CHECK_DEADLOCK FALSE\n")
    call = tlc_command(tool, good, cfg, deadlock=None, metadir=tmp_path / "m", java_tmp=java_tmp)
    assert subprocess.run(call, cwd=tmp_path, capture_output=True, check=False).returncode == 0
    assert [p.name.startswith("tlc-") for p in java_tmp.iterdir()] == [True]
