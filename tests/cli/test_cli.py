"""The `aura-verify` entry point: stage selection, exit codes, skipped tools."""

from __future__ import annotations

from pathlib import Path

import pytest
from aura_verify import STAGES, main


def test_unknown_stage_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    """A misspelt stage name exits 2 and lists the known stages instead of running nothing."""
    assert main(["--stage", "no-such-stage"]) == 2
    err = capsys.readouterr().err
    assert "no-such-stage" in err
    for stage in STAGES:
        assert stage.name in err


def test_absent_external_checkers_are_skipped_not_passed(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """With no Apalache/TLC on the machine both stages report SKIPPED; the run does not fail."""
    for var in ("APALACHE_HOME", "TLC_JAR", "TLA2TOOLS_JAR"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("PATH", "/nonexistent")
    assert main(["--stage", "apalache", "--stage", "tlc", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "apalache: SKIPPED" in out
    assert "tlc: SKIPPED" in out
    assert "0 passed, 0 failed, 2 skipped" in out
