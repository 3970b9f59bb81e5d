"""``report.json``: the run's data round-trips, and a document that does not fit
is a :class:`ReportError` naming where."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from aura_verify.report.data import (
    SCHEMA,
    Check,
    Counterexample,
    CoverageRecord,
    OutcomeCount,
    Report,
    ReportError,
    StageRecord,
    Status,
    Step,
    read_report,
    write_report,
)


def _report() -> Report:
    trace = Counterexample(
        id="guardchain-mc-bug-gctypeok",
        engine="embedded",
        module="GuardChain",
        config="spec/GuardChain/MC_Bug.cfg",
        invariant="GCTypeOK",
        expected=True,
        rerun="aura-verify check spec/GuardChain.tla --config spec/GuardChain/MC_Bug.cfg",
        steps=(
            Step(None, {"budget": {"#bigint": "3"}, "seen": {"#set": []}}),
            Step("Spend", {"budget": {"#bigint": "-1"}, "seen": {"#set": ["a"]}}),
        ),
    )
    return Report(
        started="2026-12-04T07:40:00Z",
        profile="default",
        strict=False,
        seed=None,
        exit_code=0,
        seconds=12.5,
        tools={"tlc": "2.19", "apalache": "not found: no apalache-mc on PATH"},
        stages=(
            StageRecord("spec-check", Status.PASS, 3.25, "4 models", None, {"states": 120}, "x"),
            StageRecord("apalache", Status.SKIPPED, 0.0, "absent", "absent", {}, "y"),
        ),
        checks=(
            Check("GCTypeOK", "GuardChain", "embedded", Status.PASS, "120 states"),
            Check(
                "GCTypeOK",
                "GuardChain",
                "embedded",
                Status.PASS,
                kind="violated-by-broken-variant",
                counterexample=trace.id,
            ),
        ),
        counterexamples=(trace,),
        coverage=(
            CoverageRecord(
                "GuardChain",
                {"Spend": 4},
                (OutcomeCount("Spend", "accepted", 4),),
                (OutcomeCount("Spend", "rejected"),),
                50.0,
            ),
        ),
    )


def test_a_report_round_trips_through_its_file(tmp_path: Path) -> None:
    report = _report()
    write_report(report, tmp_path / "sub" / "report.json")
    back = read_report(tmp_path / "sub" / "report.json")
    assert back == report
    assert json.loads((tmp_path / "sub" / "report.json").read_text())["schema"] == SCHEMA


def _doc() -> dict[str, Any]:
    return _report().to_json()


def _broken(change: str) -> dict[str, Any]:
    doc = _doc()
    if change == "schema":
        doc["schema"] = "aura-verify-report/0"
    elif change == "status":
        doc["stages"][1]["status"] = "MAYBE"
    elif change == "engine":
        doc["checks"][0]["engine"] = "coq"
    elif change == "missing":
        del doc["counterexamples"][0]["steps"][1]["state"]
    elif change == "seconds":
        doc["seconds"] = "fast"
    elif change == "profile":
        doc["profile"] = "shallow"
    return doc


@pytest.mark.parametrize(
    ("change", "where"),
    [
        ("schema", "report.schema"),
        ("status", "report.stages[1].status"),
        ("engine", "report.checks[0].engine"),
        ("missing", "report.counterexamples[0].steps[1]: missing 'state'"),
        ("seconds", "report.seconds: expected a finite number, got a string"),
        ("profile", "report.profile"),
    ],
)
def test_a_document_that_does_not_fit_says_where(change: str, where: str) -> None:
    with pytest.raises(ReportError, match="^" + re.escape(where)):
        Report.from_json(_broken(change))


def test_unreadable_files_are_report_errors_naming_the_file(tmp_path: Path) -> None:
    with pytest.raises(ReportError, match="cannot read"):
        read_report(tmp_path / "absent.json")
    (tmp_path / "bad.json").write_text("{not json")
    with pytest.raises(ReportError, match=r"bad\.json: report: not JSON"):
        read_report(tmp_path / "bad.json")
    (tmp_path / "list.json").write_text("[]")
    with pytest.raises(ReportError, match="expected an object, got a list"):
        read_report(tmp_path / "list.json")
