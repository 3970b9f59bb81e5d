"""The artefacts of a stage run: ``report.json``, ``junit.xml`` and, when the
HTML renderer is installed, ``report.html``, all in the run's ``--out`` folder."""

from __future__ import annotations

import datetime
import importlib.metadata
import platform
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import attrs
from aura_model.stages import StageResult

from aura_verify.report.data import Report, StageRecord, write_report
from aura_verify.report.junit import write_junit

__all__ = ["RunInfo", "build_report", "tool_versions", "write_artefacts"]


def tool_versions() -> dict[str, str]:
    """Each engine's version, or why it is absent (read without importing engines)."""
    from aura_model.runners import detect_apalache, detect_tlc

    tools = {"python": platform.python_version()}
    for package in ("z3-solver", "hypothesis", "tla"):
        try:
            tools[package] = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            tools[package] = "not installed"
    tools["tlc"] = detect_tlc().reason
    tools["apalache"] = detect_apalache().reason
    return tools


@attrs.frozen
class RunInfo:
    """What the report says about the run itself; ``rerun`` gives the command
    that reruns one stage with the same profile and seed."""

    profile: str
    seed: int | None
    strict: bool
    out: Path
    rerun: Callable[[str], str]
    started: datetime.datetime
    seconds: float
    exit_code: int


def build_report(results: Sequence[StageResult], run: RunInfo) -> Report:
    return Report(
        started=run.started.strftime("%Y-%m-%dT%H:%M:%SZ"),
        profile=run.profile,
        strict=run.strict,
        seed=run.seed,
        exit_code=run.exit_code,
        seconds=round(run.seconds, 3),
        tools=tool_versions(),
        stages=tuple(StageRecord.of(r, run.rerun(r.name)) for r in results),
        checks=tuple(c for r in results for c in r.checks),
        counterexamples=tuple(c for r in results for c in r.counterexamples),
        coverage=tuple(c for r in results for c in r.coverage),
    )


def write_artefacts(results: Sequence[StageResult], run: RunInfo) -> list[tuple[str, Path]]:
    """Write the run's report files; (label, path) of each written."""
    report = build_report(results, run)
    out = run.out
    written = [("report", out / "report.json"), ("junit", out / "junit.xml")]
    write_report(report, written[0][1])
    write_junit(report, written[1][1])
    html = _html_writer()
    if html is not None:
        path = out / "report.html"
        try:
            html(report, path)
        except Exception as exc:  # the data files stand without their rendering
            print(f"[aura-verify] html: not written ({type(exc).__name__}: {exc})", file=sys.stderr)
        else:
            written.append(("html", path))
    return written


def _html_writer() -> Callable[[Report, Path], object] | None:
    # The HTML renderer is optional: without it the run still writes its data.
    try:
        from aura_verify.report.html import write_html
    except ImportError:
        return None
    return write_html
