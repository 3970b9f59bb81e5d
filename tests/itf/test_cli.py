"""``aura-verify itf FILE...``: validates trace files, exit 1 on any invalid one."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from aura_verify import main


def test_itf_subcommand(shared: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Strict ITF passes; a legacy trace fails strictly with its JSON path and passes leniently."""
    itf_dir = shared / "fixtures" / "apalache" / "itf"
    good = itf_dir / "SumTypes0.itf.json"
    legacy = itf_dir / "TestInsufficientSuccess9.itf.json"
    assert main(["itf", str(good)]) == 0
    assert "OK 3 states, vars value" in capsys.readouterr().out
    assert main(["itf", str(good), str(legacy)]) == 1
    assert "INVALID $.states[0].step: plain JSON number 0" in capsys.readouterr().out
    assert main(["itf", "--lenient", "--json", str(legacy)]) == 0
    row = json.loads(capsys.readouterr().out)
    assert (row["ok"], row["states"]) == (True, 5)
    missing = tmp_path / "missing.itf.json"
    assert main(["itf", "--json", str(missing)]) == 1
    assert json.loads(capsys.readouterr().out)["error"].startswith("cannot read")
