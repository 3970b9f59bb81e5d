"""Subprocess plumbing, command lines, expectations, the SKIPPED path and the stages.

Apalache is not installed here. Where a test needs a process that prints a given
output, it uses a tiny script that replays a *recorded fixture output* (or a
documented-format sample) and exits with the recorded status: those tests check the
plumbing (argv, working directory, exit code, output capture) plus parsing, **not**
Apalache or TLC. The SKIPPED tests hide the tools from detection (an empty PATH, no
shared jar), as on a machine without them. Real TLC and SANY runs are in
``test_tlc_real.py`` and ``tests/spec/test_spec_check.py``.
"""

from __future__ import annotations

import json
import stat
import sys
from pathlib import Path
from typing import Any

import pytest
from aura_model import runners
from aura_model.runners import (
    EXIT_SKIPPED,
    EngineResult,
    Expectation,
    RunnerError,
    ToolStatus,
    apalache_command,
    expectation_for,
    run_engine,
    run_models,
    run_tool,
    spec_for,
    tlc_command,
)
from aura_model.stages import Status

PROJECT = Path(__file__).resolve().parents[2]


def _replayer(path: Path, output: Path, code: int, *, itf_fixture: Path | None = None) -> Path:
    """A script that logs its argv and cwd, optionally writes an ITF file into the
    ``--out-dir`` it was given, prints ``output`` and exits with ``code``."""
    itf_line = ""
    if itf_fixture is not None:
        itf_line = f"""
out = next(a.split("=", 1)[1] for a in sys.argv if a.startswith("--out-dir="))
os.makedirs(out, exist_ok=True)
target = os.path.join(out, "violation1.itf.json")
shutil.copy({str(itf_fixture)!r}, target)
text = text.replace("@ITF@", target)
"""
    path.write_text(
        f"""#!{sys.executable}
import json, os, shutil, sys
with open({str(path) + ".log"!r}, "a") as log:
    log.write(json.dumps({{"argv": sys.argv[1:], "cwd": os.getcwd()}}) + "\\n")
text = open({str(output)!r}, encoding="utf-8").read()
{itf_line}
sys.stdout.write(text)
sys.exit({code})
"""
    )
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


def _calls(script: Path) -> list[dict[str, Any]]:
    log = Path(str(script) + ".log")
    return [json.loads(line) for line in log.read_text().splitlines()]


def _tool(name: str, script: Path) -> ToolStatus:
    return ToolStatus(name, True, f"{script} (fixture replayer)", (str(script),))


def _spec(tmp_path: Path) -> tuple[Path, Path]:
    spec = tmp_path / "spec" / "Counter.tla"
    spec.parent.mkdir()
    spec.write_text("---- MODULE Counter ----\n====\n")
    cfg = spec.with_name("MC_Counter.cfg")
    cfg.write_text("\\* expect: ok\nINIT Init\nNEXT Next\n")
    return spec, cfg


def test_command_lines(tmp_path: Path) -> None:
    """Apalache gets check/--config/--length/--out-dir; TLC the corpus flags; -deadlock only
    when deadlock checking is turned off."""
    apalache = ToolStatus("apalache", True, "", ("/opt/apalache/bin/apalache-mc",))
    spec, cfg = tmp_path / "M.tla", tmp_path / "MC.cfg"
    argv = apalache_command(apalache, spec, cfg, deadlock=False, out_dir=tmp_path, length=7)
    assert argv == [
        "/opt/apalache/bin/apalache-mc",
        "check",
        f"--out-dir={tmp_path}",
        "--write-intermediate=0",
        "--length=7",
        f"--config={cfg}",
        "--no-deadlock=1",
        str(spec),
    ]
    assert "--no-deadlock=1" not in apalache_command(
        apalache, spec, cfg, deadlock=None, out_dir=tmp_path
    )
    tlc = ToolStatus("tlc", True, "", ("java", "-cp", "t.jar", "tlc2.TLC"))
    argv = tlc_command(tlc, spec, cfg, deadlock=False, metadir=tmp_path)
    assert argv == [
        *tlc.argv,
        *("-workers", "1", "-noGenerateSpecTE", "-metadir", str(tmp_path)),
        "-deadlock",
        *("-config", str(cfg)),
        "M.tla",
    ]
    assert "-deadlock" not in tlc_command(tlc, spec, None, deadlock=True, metadir=tmp_path)
    with pytest.raises(RunnerError, match="not available"):
        tlc_command(ToolStatus("tlc", False, "absent"), spec, cfg, deadlock=None, metadir=tmp_path)


def test_skipped_when_tools_absent(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """With no tool installed, run_engine prints ``SKIPPED: <reason>`` and returns exit code 4,
    the stages report SKIPPED with the reason: never a pass."""
    for var in ("APALACHE_HOME", "TLC_JAR", "TLA2TOOLS_JAR"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setenv("AURA_SHARED", str(tmp_path / "no-shared"))
    spec, cfg = _spec(tmp_path)
    for engine in ("apalache", "tlc"):
        assert run_engine(engine, spec, cfg, deadlock=None, json=False) == EXIT_SKIPPED
        out = capsys.readouterr().out
        assert out.startswith(f"SKIPPED: {engine}: ")
        assert run_engine(engine, spec, cfg, deadlock=None, json=True) == EXIT_SKIPPED
        doc = json.loads(capsys.readouterr().out)
        assert doc["result"] == "skipped"
        assert doc["message"]
    assert runners.stage_apalache().status is Status.SKIPPED
    stage = runners.stage_tlc()
    assert stage.status is Status.SKIPPED
    assert "TLC not found" in stage.detail


def test_usage_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Unknown engines and missing files are usage errors (2) with a message on stderr."""
    spec, cfg = _spec(tmp_path)
    assert run_engine("embedded", spec, cfg, deadlock=None, json=False) == 2
    assert run_engine("tlc", tmp_path / "nope.tla", cfg, deadlock=None, json=False) == 2
    assert run_engine("tlc", spec, tmp_path / "nope.cfg", deadlock=None, json=False) == 2
    assert "not found" in capsys.readouterr().err


def test_apalache_plumbing_replays_fixture(tmp_path: Path, shared: Path) -> None:
    """Plumbing + parsing, not Apalache: a script replays the recorded violation output
    (with its trace-file line pointing at an ITF fixture it copied into ``--out-dir``)."""
    fixtures = shared / "fixtures" / "apalache"
    recorded = (fixtures / "stdout" / "check-violation-temporal.txt").read_text()
    # Point the recorded "Check an example state in:" list at the file the script writes.
    output = tmp_path / "recorded.txt"
    output.write_text(
        "\n".join(
            "Check the trace in: @ITF@" if line.startswith("Check an example") else line
            for line in recorded.splitlines()
        )
        + "\nEXITCODE: ERROR (12)\n"
    )
    script = _replayer(
        tmp_path / "apalache-mc",
        output,
        12,
        itf_fixture=fixtures / "itf" / "adr015-MissionariesAndCannibals.itf.json",
    )
    spec, cfg = _spec(tmp_path)
    r = run_tool("apalache", spec, cfg, deadlock=False, tool=_tool("apalache", script))
    assert (r.result, r.violated, r.exit_code) == ("invariant", "state invariant 0", 12)
    # The trace length comes from the ITF file the run wrote (6 states), not the log line.
    assert r.trace_length == 6
    assert r.trace_file is None  # the run directory is gone after the run
    (call,) = _calls(script)
    assert call["cwd"] == str(spec.parent)
    argv = call["argv"]
    assert isinstance(argv, list)
    assert argv[0] == "check"
    assert f"--config={cfg}" in argv
    assert "--no-deadlock=1" in argv
    assert argv[-1] == str(spec)


def test_tlc_plumbing_via_path_script(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Plumbing + parsing, not TLC: a ``tlc`` script on PATH (found by the real detection)
    prints a documented-format invariant violation; run_engine returns TLC's 12."""
    sample = tmp_path / "sample.txt"
    sample.write_text(
        "Error: Invariant Inv is violated.\nError: The behavior up to this point is:\n"
        "State 1: <Init>\nState 2: <Next>\n"
        "9 states generated, 5 distinct states found, 1 states left on queue.\n"
        "The depth of the complete state graph search is 2.\n"
    )
    bindir = tmp_path / "bin"
    bindir.mkdir()
    script = _replayer(bindir / "tlc", sample, 12)
    monkeypatch.setenv("PATH", str(bindir))
    for var in ("TLC_JAR", "TLA2TOOLS_JAR"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("AURA_SHARED", str(tmp_path / "no-shared"))
    spec, cfg = _spec(tmp_path)
    assert run_engine("tlc", spec, cfg, deadlock=False, json=True) == 12
    doc = json.loads(capsys.readouterr().out)
    assert (doc["result"], doc["violated"], doc["distinct_states"]) == ("invariant", "Inv", 5)
    assert doc["trace_length"] == 2
    (call,) = _calls(script)
    assert call["argv"] == [
        *("-workers", "1", "-noGenerateSpecTE", "-metadir"),
        call["argv"][4],  # a fresh temporary directory
        "-deadlock",
        *("-config", str(cfg)),
        "Counter.tla",
    ]
    assert call["cwd"] == str(spec.parent)


def test_unstartable_and_garbage_output_are_errors(tmp_path: Path) -> None:
    """A tool that cannot start, or prints non-TLC text with exit 0, is an error, not a pass."""
    spec, cfg = _spec(tmp_path)
    missing = _tool("tlc", tmp_path / "does-not-exist")
    r = run_tool("tlc", spec, cfg, tool=missing)
    assert r.result == "error"
    assert "cannot start" in r.message
    assert r.exit_status() == 255
    junk = tmp_path / "junk.txt"
    junk.write_text("hello\n")
    r = run_tool("tlc", spec, cfg, tool=_tool("tlc", _replayer(tmp_path / "tlc", junk, 0)))
    assert r.result == "error"
    assert "not TLC output" in r.message
    assert r.exit_status() == 255


def test_expectations_of_project_models() -> None:
    """Every ``spec/<Module>/MC_*.cfg`` has a module and an expectation; ``_bad`` ones fail."""
    configs = runners.model_configs()
    assert configs, "no spec/<Module>/MC_*.cfg in the project"
    for cfg in configs:
        spec = spec_for(cfg)
        assert spec.is_file()
        expected = expectation_for(cfg)
        if "_bad" in cfg.stem:
            assert expected.result != "ok", cfg.name
        else:
            assert expected.result == "ok", cfg.name


def test_expectation_rules(tmp_path: Path) -> None:
    """``\\* expect:`` headers win; without one, ``_bad`` means any failure; errors never count."""
    bad = tmp_path / "MC_X_bad.cfg"
    bad.write_text("INIT Init\n")
    assert expectation_for(bad) == Expectation("fail")
    named = tmp_path / "MC_X_bad_Inv.cfg"
    named.write_text("\\* expect: invariant Inv\nINIT Init\n")
    assert expectation_for(named) == Expectation("invariant", "Inv")
    fail = Expectation("fail")
    assert fail.met_by(EngineResult("tlc", "deadlock"))
    assert not fail.met_by(EngineResult("tlc", "error"))
    assert not fail.met_by(EngineResult("tlc", "ok"))
    inv = Expectation("invariant", "Inv")
    assert inv.met_by(EngineResult("tlc", "invariant", violated="Inv"))
    assert not inv.met_by(EngineResult("tlc", "invariant", violated="Other"))
    assert not inv.met_by(EngineResult("tlc", "invariant"))  # unnamed: not the one expected
    with pytest.raises(RunnerError, match="no module"):
        spec_for(tmp_path / "MC_Nothing.cfg")


def test_stage_compares_outcomes_with_expectations(tmp_path: Path) -> None:
    """Plumbing + expectation logic, not TLC: a replayer that always reports 'no error' makes
    the stage PASS on an ok model and FAIL, naming it, once a ``_bad`` model is added."""
    spec, _ = _spec(tmp_path)
    ok = tmp_path / "ok.txt"
    ok.write_text(
        "Model checking completed. No error has been found.\n"
        "3 states generated, 3 distinct states found, 0 states left on queue.\n"
    )
    tool = _tool("tlc", _replayer(tmp_path / "tlc", ok, 0))
    passed = run_models("tlc", spec.parent, tool=tool)
    assert passed.status is Status.PASS, passed.detail
    spec.with_name("MC_Counter_bad_Inv.cfg").write_text("\\* expect: invariant Inv\n")
    failed = run_models("tlc", spec.parent, tool=tool)
    assert failed.status is Status.FAIL
    assert "MC_Counter_bad_Inv.cfg: expected invariant Inv, got ok" in failed.detail


def test_tools_subcommand(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """``aura-verify tools`` reports each tool; a ``tlc`` script on PATH shows as available."""
    from aura_verify import main

    for var in ("APALACHE_HOME", "TLC_JAR", "TLA2TOOLS_JAR"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setenv("AURA_SHARED", str(tmp_path / "no-shared"))
    assert main(["tools"]) == 0
    out = capsys.readouterr().out
    assert "apalache: SKIPPED: apalache-mc not found on PATH" in out
    assert "tlc: SKIPPED: TLC not found" in out
    assert "sany: SKIPPED: TLC not found" in out
    _replayer(tmp_path / "tlc", tmp_path / "unused.txt", 0)
    assert main(["tools", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert rows["tlc"]["available"] is True
    assert rows["apalache"]["available"] is False
    # A tlc wrapper script runs TLC but brings no jar for SANY.
    assert (rows["sany"]["available"], rows["sany"]["reason"]) == (False, "no tla2tools.jar")


def test_apalache_prefers_typed_wrapper(tmp_path: Path) -> None:
    """For Apalache an ``AP<Name>.tla`` wrapper is checked instead of ``<Name>.tla``; TLC
    keeps the neutral module."""
    spec, cfg = _spec(tmp_path)
    bad = spec.with_name("MC_Counter_bad_Inv.cfg")
    bad.write_text("\\* expect: invariant Inv\n")
    assert spec_for(bad) == spec
    assert spec_for(bad, "apalache") == spec
    wrapper = spec.with_name("APCounter.tla")
    wrapper.write_text("---- MODULE APCounter ----\n====\n")
    assert spec_for(bad, "apalache") == wrapper
    assert spec_for(cfg, "tlc") == spec
