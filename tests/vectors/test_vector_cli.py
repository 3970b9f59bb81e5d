"""``aura-verify vectors``: writes the committed file; ``--check`` exits 0 when every
vector passes, 1 when one fails, 2 on a malformed or missing file (no traceback)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from aura_verify.main import main


def test_check_passes_on_the_reference(
    vector_file: Path, raw: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["vectors", "--check", str(vector_file)]) == 0
    assert f"{len(raw['vectors'])} passed, 0 failed (codec reference)" in capsys.readouterr().out


def test_check_fails_a_broken_codec(vector_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        main(["vectors", "--check", str(vector_file), "--codec", "no-transport-replay-guard"]) == 1
    )
    out = capsys.readouterr().out
    assert "FAIL transport/open/replayed: accepted; expected ReplayedMessage" in out


def test_unknown_codec_and_missing_file_exit_2(
    vector_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["vectors", "--check", str(vector_file), "--codec", "nope"]) == 2
    assert "unknown codec 'nope'; known: reference, " in capsys.readouterr().err
    assert main(["vectors", "--check", str(tmp_path / "absent.json")]) == 2
    assert "cannot read" in capsys.readouterr().err


def test_malformed_file_exits_2_naming_where(raw: dict[str, Any], tmp_path: Path) -> None:
    raw["vectors"][0]["operation"] = "receipt.teleport"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(raw), encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "aura_verify", "vectors", "--check", str(bad)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 2
    assert f"{bad}: $.vectors[0].operation: unknown operation 'receipt.teleport'" in done.stderr
    assert "Traceback" not in done.stderr


def test_write_is_the_committed_file(vector_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "v.json"
    assert main(["vectors", "--write", str(out)]) == 0
    assert out.read_bytes() == vector_file.read_bytes()
