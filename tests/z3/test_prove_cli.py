"""``aura-verify prove`` on the command line: one model, one row, and clear
errors for names and depths it does not know."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aura_model.z3 import model_names, row_names
from aura_verify import main


def _json_run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict[str, Any]]:
    code = main(["prove", "--json", "--jobs", "1", *args])
    return code, json.loads(capsys.readouterr().out)


def test_only_runs_the_one_row(capsys: pytest.CaptureFixture[str]) -> None:
    code, out = _json_run(capsys, "--model", "EpochRotation", "--only", "ERTypeOK")
    assert code == 0
    rows = out["rows"]
    assert isinstance(rows, list) and len(rows) == 1
    (row,) = rows
    assert (row["module"], row["invariant"], row["result"]) == (
        "EpochRotation",
        "ERTypeOK",
        "proved",
    )
    assert row["queries"] >= 2 and 0 < row["max_query_rlimit"] < row["rlimit_limit"]
    assert out["ok"] is True and set(out["model_seconds"]) == {"EpochRotation"}


def test_only_finds_a_row_without_model_and_says_bounded_for_bmc(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A row name unique to one model needs no --model; the BMC row of a
    model says ``bounded(depth=N)`` with the depth it ran to."""
    code, out = _json_run(capsys, "--only", "ChoiceNeverCrossesContext")
    assert code == 0
    assert [r["module"] for r in out["rows"]] == ["pure:choose_descriptor"]
    code, out = _json_run(
        capsys, "--model", "Rendezvous", "--only", "all invariants", "--depth", "1"
    )
    assert code == 0
    assert [r["result"] for r in out["rows"]] == ["bounded(depth=1)"]


def test_model_runs_every_row_of_that_model(capsys: pytest.CaptureFixture[str]) -> None:
    code, out = _json_run(capsys, "--model", "pure")
    assert code == 0
    rows = out["rows"]
    assert isinstance(rows, list)
    assert [r["invariant"] for r in rows] == row_names("pure")
    assert all(r["module"].startswith("pure:") and r["ok"] for r in rows)


def test_unknown_model_lists_the_models(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["prove", "--model", "GuardChian"])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "invalid choice: 'GuardChian'" in err
    assert all(name in err for name in model_names())


def test_unknown_or_ambiguous_row_is_a_clear_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["prove", "--model", "GuardChain", "--only", "GCBudgetWithinLimt"]) == 2
    err = capsys.readouterr().err
    assert "no row named 'GCBudgetWithinLimt'" in err
    assert "GCBudgetWithinLimit" in err and "GCAtomicRollback [BUG_EpochCarryOver]" in err
    assert "Traceback" not in err
    assert main(["prove", "--only", "all invariants"]) == 2
    err = capsys.readouterr().err
    assert "exists in several models" in err and "--model" in err


@pytest.mark.parametrize("depth", ["-1", "x"])
def test_bad_depth_is_refused(depth: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["prove", "--depth", depth])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "argument --depth" in err
    assert ("must be >= 0, got -1" if depth == "-1" else "not an integer") in err


def test_row_names_are_unique_per_model() -> None:
    """``--only`` names one row: no model has two rows of the same name."""
    for model in model_names():
        names = row_names(model)
        assert len(names) == len(set(names)), model
