"""``junit.xml``: a run's report in the JUnit XML that CI systems read.

One ``<testsuite>`` per stage; in it one ``<testcase>`` for the stage itself
and one per :class:`~aura_model.stages.Check` the stage made. A SKIPPED verdict
is ``<skipped message="reason"/>``, a FAIL ``<failure message="...">`` whose
text ends with the command that reruns it.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterable
from pathlib import Path

from aura_verify.report.data import Check, Report, StageRecord, Status

__all__ = ["ENGINE_STAGE", "junit_tree", "write_junit"]

# Which stage makes a check of each engine (TLC's checks come from the
# spec-check stage, which runs TLC beside the embedded checker).
ENGINE_STAGE = {
    "embedded": "spec-check",
    "tlc": "spec-check",
    "apalache": "apalache",
    "z3-proved": "z3-prove",
    "z3-bounded": "z3-prove",
    "conformance": "conformance",
}


def _verdict(case: ET.Element, status: Status, message: str, text: str) -> None:
    if status is Status.FAIL:
        failure = ET.SubElement(case, "failure", message=message, type="FAIL")
        failure.text = text
    elif status is Status.SKIPPED:
        ET.SubElement(case, "skipped", message=message)


def _check_name(check: Check) -> str:
    twin = " (violated by a broken variant)" if check.kind != "holds" else ""
    return f"{check.engine} {check.module}.{check.invariant}{twin}"


def _suite(stage: StageRecord, checks: Iterable[Check]) -> ET.Element:
    suite = ET.Element("testsuite", name=stage.name)
    classname = f"aura-verify.{stage.name}"
    cases = ET.SubElement(suite, "testcase", name=stage.name, classname=classname)
    cases.set("time", f"{stage.seconds:.3f}")
    reason = stage.reason or stage.status.value
    _verdict(cases, stage.status, reason, f"{stage.detail}\n\nrerun: {stage.rerun}")
    counts = {Status.FAIL: 0, Status.SKIPPED: 0}
    counts[stage.status] = counts.get(stage.status, 0) + 1
    total = 1
    for check in checks:
        case = ET.SubElement(suite, "testcase", name=_check_name(check), classname=classname)
        case.set("time", "0")
        _verdict(case, check.status, check.detail, f"{check.detail}\n\nrerun: {check.rerun}")
        counts[check.status] = counts.get(check.status, 0) + 1
        total += 1
    suite.set("tests", str(total))
    suite.set("failures", str(counts[Status.FAIL]))
    suite.set("errors", "0")
    suite.set("skipped", str(counts[Status.SKIPPED]))
    suite.set("time", f"{stage.seconds:.3f}")
    return suite


def junit_tree(report: Report) -> ET.ElementTree[ET.Element]:
    """The report as a ``<testsuites>`` document."""
    root = ET.Element("testsuites", name="aura-verify")
    totals = {"tests": 0, "failures": 0, "skipped": 0}
    for stage in report.stages:
        mine = [c for c in report.checks if ENGINE_STAGE.get(c.engine) == stage.name]
        suite = _suite(stage, mine)
        root.append(suite)
        for key in totals:
            totals[key] += int(suite.get(key, "0"))
    for key, value in totals.items():
        root.set(key, str(value))
    root.set("errors", "0")
    root.set("time", f"{report.seconds:.3f}")
    return ET.ElementTree(root)


def write_junit(report: Report, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tree = junit_tree(report)
    ET.indent(tree)
    tree.write(path, encoding="utf-8", xml_declaration=True)
