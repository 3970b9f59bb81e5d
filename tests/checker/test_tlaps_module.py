"""TLAPS is not one of TLC's modules: a spec extending it needs TLAPS.tla beside it.

TLC (``TLC2 Version 2026.12.02.182029 (rev: cc6b616)``) stops with "Cannot find
source file for module TLAPS" (exit 150) when the file is absent, and reads the
file like any other module when it is there (corpus entry ProofPragmas).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from aura_model.tla import TlaParseError, check, load_model
from aura_verify import main

CORPUS = Path(__file__).resolve().parent / "corpus"


def _copy(tmp: Path, with_tlaps: bool) -> Path:
    for name in ("ProofPragmas.tla", "ProofPragmas.cfg") + (("TLAPS.tla",) if with_tlaps else ()):
        shutil.copy(CORPUS / name, tmp / name)
    return tmp / "ProofPragmas.tla"


def test_without_tlaps_beside_the_spec_it_is_a_parse_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = _copy(tmp_path, with_tlaps=False)
    with pytest.raises(TlaParseError, match="cannot find module TLAPS"):
        load_model(spec)
    assert main(["check", str(spec), "--no-deadlock"]) == 150
    assert "TLAPS" in capsys.readouterr().err


def test_with_tlaps_beside_the_spec_its_definitions_are_read(tmp_path: Path) -> None:
    model = load_model(_copy(tmp_path, with_tlaps=True))
    assert model.evaluate("AllProvers") is True
    res = check(model, deadlock=False)
    assert (res.result, res.distinct_states, res.depth) == ("ok", 7, 7)
