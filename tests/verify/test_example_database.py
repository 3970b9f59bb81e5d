"""The deep profile's example database: a failing run's examples are kept in the
folder ``$AURA_HYPOTHESIS_DATABASE`` names, and nowhere without it."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from aura_conformance.guard_chain.machine import run_conformance
from aura_conformance.harness.driver import EXAMPLE_DATABASE_VARIABLE
from aura_conformance.protocol_specs import reference_backend


def _failing_random_run() -> None:
    # A wrong backend with the directed scenarios off: only Hypothesis finds it.
    backend = reference_backend("guard", "double-charge")
    try:
        outcome = run_conformance(backend, examples=100, seed=3, scenarios=False)
    finally:
        backend.close()
    assert not outcome.conformant


def _files(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file()]


def test_a_failing_run_is_kept_in_the_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(EXAMPLE_DATABASE_VARIABLE, str(tmp_path / "db"))
    _failing_random_run()
    assert _files(tmp_path / "db")


def test_without_the_variable_nothing_is_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(EXAMPLE_DATABASE_VARIABLE, raising=False)
    monkeypatch.chdir(tmp_path)
    _failing_random_run()
    assert not _files(tmp_path)


def test_the_deep_profile_sets_the_variable_only_for_its_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from aura_verify import main

    monkeypatch.delenv(EXAMPLE_DATABASE_VARIABLE, raising=False)
    out = tmp_path / "out"
    assert main(["--profile", "deep", "--stage", "apalache-fixtures", "--out", str(out)]) == 0
    assert (out / "hypothesis").is_dir()
    assert EXAMPLE_DATABASE_VARIABLE not in os.environ
