"""``report.json``: what one ``aura-verify`` run found, as data.

The document (``"schema": "aura-verify-report/1"``, described by
``schema/report.schema.json`` beside this module) holds the run's settings, one
:class:`StageRecord` per stage, and the stages' evidence: every
:class:`~aura_model.stages.Check`, :class:`~aura_model.stages.Counterexample`
and :class:`~aura_model.stages.CoverageRecord`. The renderers (JUnit XML, HTML,
the invariant catalogue) read a :class:`Report` and nothing else.

:meth:`Report.from_json` reads a document back; anything that does not fit
raises :class:`ReportError` naming where in the document it is.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar

import attrs
from aura_model.stages import (
    ENGINES,
    KINDS,
    Check,
    Counterexample,
    CoverageRecord,
    OutcomeCount,
    StageResult,
    Status,
    Step,
)

__all__ = [
    "PROFILES",
    "SCHEMA",
    "Check",
    "Counterexample",
    "CoverageRecord",
    "OutcomeCount",
    "Report",
    "ReportError",
    "StageRecord",
    "Status",
    "Step",
    "read_report",
    "write_report",
]

SCHEMA = "aura-verify-report/1"
PROFILES = ("default", "deep")

_T = TypeVar("_T")


class ReportError(ValueError):
    """A report document that is not an ``aura-verify-report/1``: says where."""


@attrs.frozen
class StageRecord:
    """One stage's line of the run: its verdict, time, figures and the command
    that reruns only it. ``reason`` says why it was skipped or failed."""

    name: str
    status: Status
    seconds: float
    detail: str
    reason: str | None
    figures: Mapping[str, int | float]
    rerun: str

    @classmethod
    def of(cls, result: StageResult, rerun: str) -> StageRecord:
        reason = None
        if result.status is not Status.PASS:
            reason = result.detail.splitlines()[0] if result.detail else result.status.value
        return cls(
            result.name,
            result.status,
            result.seconds,
            result.detail,
            reason,
            dict(result.figures),
            rerun,
        )


@attrs.frozen
class Report:
    """One run of ``aura-verify``."""

    started: str
    profile: str
    strict: bool
    seed: int | None
    exit_code: int
    seconds: float
    tools: Mapping[str, str]
    stages: tuple[StageRecord, ...]
    checks: tuple[Check, ...] = ()
    counterexamples: tuple[Counterexample, ...] = ()
    coverage: tuple[CoverageRecord, ...] = ()
    schema: str = SCHEMA

    def to_json(self) -> dict[str, Any]:
        """The report as a JSON-ready document."""
        return {
            "schema": self.schema,
            "started": self.started,
            "profile": self.profile,
            "strict": self.strict,
            "seed": self.seed,
            "exit_code": self.exit_code,
            "seconds": self.seconds,
            "tools": dict(self.tools),
            "stages": [_stage_json(s) for s in self.stages],
            "checks": [_check_json(c) for c in self.checks],
            "counterexamples": [_counterexample_json(c) for c in self.counterexamples],
            "coverage": [_coverage_json(c) for c in self.coverage],
        }

    @classmethod
    def from_json(cls, doc: Any) -> Report:
        """The report ``doc`` holds, or :class:`ReportError` saying where it does not fit."""
        r = _Reader(doc, "report")
        schema = r.text("schema")
        if schema != SCHEMA:
            raise ReportError(f"report.schema: {schema!r} is not {SCHEMA!r}")
        profile = r.text("profile")
        if profile not in PROFILES:
            raise ReportError(f"report.profile: {profile!r} is not one of {', '.join(PROFILES)}")
        tools = r.nested("tools")
        return cls(
            started=r.text("started"),
            profile=profile,
            strict=r.flag("strict"),
            seed=r.opt_integer("seed"),
            exit_code=r.integer("exit_code"),
            seconds=r.number("seconds"),
            tools={k: tools.text(k) for k in tools.names()},
            stages=r.many("stages", _read_stage),
            checks=r.many("checks", _read_check),
            counterexamples=r.many("counterexamples", _read_counterexample),
            coverage=r.many("coverage", _read_coverage),
            schema=schema,
        )

    def dumps(self) -> str:
        return json.dumps(self.to_json(), indent=2, sort_keys=False) + "\n"

    @classmethod
    def loads(cls, text: str | bytes) -> Report:
        try:
            doc = json.loads(text)
        except (ValueError, RecursionError) as exc:
            raise ReportError(f"report: not JSON ({exc})") from None
        return cls.from_json(doc)


def write_report(report: Report, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(report.dumps(), encoding="utf-8")


def read_report(path: Path) -> Report:
    """The report at ``path``; :class:`ReportError` naming the file if it is unreadable."""
    try:
        text = path.read_bytes()
    except OSError as exc:
        raise ReportError(f"{path}: cannot read ({exc.strerror})") from None
    try:
        return Report.loads(text)
    except ReportError as exc:
        raise ReportError(f"{path}: {exc}") from None


def _stage_json(s: StageRecord) -> dict[str, Any]:
    return {
        "name": s.name,
        "status": s.status.value,
        "seconds": s.seconds,
        "detail": s.detail,
        "reason": s.reason,
        "figures": dict(s.figures),
        "rerun": s.rerun,
    }


def _check_json(c: Check) -> dict[str, Any]:
    return {
        "invariant": c.invariant,
        "module": c.module,
        "engine": c.engine,
        "status": c.status.value,
        "kind": c.kind,
        "detail": c.detail,
        "rerun": c.rerun,
        "counterexample": c.counterexample,
    }


def _counterexample_json(c: Counterexample) -> dict[str, Any]:
    return {
        "id": c.id,
        "engine": c.engine,
        "module": c.module,
        "config": c.config,
        "invariant": c.invariant,
        "expected": c.expected,
        "rerun": c.rerun,
        "steps": [{"action": s.action, "state": dict(s.state)} for s in c.steps],
    }


def _coverage_json(c: CoverageRecord) -> dict[str, Any]:
    return {
        "harness": c.harness,
        "actions": dict(c.actions),
        "pairs": [{"action": p.action, "outcome": p.outcome, "count": p.count} for p in c.pairs],
        "missed": [{"action": p.action, "outcome": p.outcome} for p in c.missed],
        "percent": c.percent,
    }


class _Reader:
    """Typed field access on one JSON object; errors name the field's path."""

    def __init__(self, doc: Any, where: str) -> None:
        if not isinstance(doc, dict):
            raise ReportError(f"{where}: expected an object, got {_kind(doc)}")
        self.doc: dict[str, Any] = doc
        self.where = where

    def names(self) -> list[str]:
        return list(self.doc)

    def _get(self, key: str) -> Any:
        if key not in self.doc:
            raise ReportError(f"{self.where}: missing {key!r}")
        return self.doc[key]

    def _fail(self, key: str, wanted: str, value: Any) -> ReportError:
        return ReportError(f"{self.where}.{key}: expected {wanted}, got {_kind(value)}")

    def text(self, key: str) -> str:
        value = self._get(key)
        if not isinstance(value, str):
            raise self._fail(key, "a string", value)
        return value

    def opt_text(self, key: str) -> str | None:
        value = self._get(key)
        if value is None:
            return None
        return self.text(key)

    def flag(self, key: str) -> bool:
        value = self._get(key)
        if not isinstance(value, bool):
            raise self._fail(key, "true or false", value)
        return value

    def integer(self, key: str) -> int:
        value = self._get(key)
        if isinstance(value, bool) or not isinstance(value, int):
            raise self._fail(key, "an integer", value)
        return value

    def opt_integer(self, key: str) -> int | None:
        return None if self._get(key) is None else self.integer(key)

    def number(self, key: str) -> float:
        value = self._get(key)
        finite = isinstance(value, int | float) and math.isfinite(value)
        if isinstance(value, bool) or not finite:
            raise self._fail(key, "a finite number", value)
        return float(value)

    def status(self, key: str) -> Status:
        value = self.text(key)
        try:
            return Status(value)
        except ValueError:
            raise ReportError(
                f"{self.where}.{key}: {value!r} is not PASS, FAIL or SKIPPED"
            ) from None

    def choice(self, key: str, choices: tuple[str, ...]) -> str:
        value = self.text(key)
        if value not in choices:
            raise ReportError(f"{self.where}.{key}: {value!r} is not one of {', '.join(choices)}")
        return value

    def nested(self, key: str) -> _Reader:
        return _Reader(self._get(key), f"{self.where}.{key}")

    def figures(self, key: str) -> dict[str, int | float]:
        r = self.nested(key)
        out: dict[str, int | float] = {}
        for name in r.names():
            value = r.doc[name]
            if isinstance(value, int) and not isinstance(value, bool):
                out[name] = value
            else:
                out[name] = r.number(name)
        return out

    def many(self, key: str, item: Callable[[Any, str], _T]) -> tuple[_T, ...]:
        value = self._get(key)
        if not isinstance(value, list):
            raise self._fail(key, "a list", value)
        return tuple(item(v, f"{self.where}.{key}[{i}]") for i, v in enumerate(value))


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    return {bool: "a boolean", str: "a string", list: "a list", dict: "an object"}.get(
        type(value), "a number" if isinstance(value, int | float) else type(value).__name__
    )


def _read_stage(doc: Any, where: str) -> StageRecord:
    r = _Reader(doc, where)
    return StageRecord(
        name=r.text("name"),
        status=r.status("status"),
        seconds=r.number("seconds"),
        detail=r.text("detail"),
        reason=r.opt_text("reason"),
        figures=r.figures("figures"),
        rerun=r.text("rerun"),
    )


def _read_check(doc: Any, where: str) -> Check:
    r = _Reader(doc, where)
    return Check(
        invariant=r.text("invariant"),
        module=r.text("module"),
        engine=r.choice("engine", ENGINES),
        status=r.status("status"),
        detail=r.text("detail"),
        rerun=r.text("rerun"),
        kind=r.choice("kind", KINDS),
        counterexample=r.opt_text("counterexample"),
    )


def _read_step(doc: Any, where: str) -> Step:
    r = _Reader(doc, where)
    return Step(action=r.opt_text("action"), state=r.nested("state").doc)


def _read_counterexample(doc: Any, where: str) -> Counterexample:
    r = _Reader(doc, where)
    return Counterexample(
        id=r.text("id"),
        engine=r.choice("engine", ENGINES),
        module=r.text("module"),
        config=r.text("config"),
        invariant=r.text("invariant"),
        expected=r.flag("expected"),
        rerun=r.text("rerun"),
        steps=r.many("steps", _read_step),
    )


def _read_pair(doc: Any, where: str) -> OutcomeCount:
    r = _Reader(doc, where)
    count = r.integer("count") if "count" in r.doc else 0
    return OutcomeCount(r.text("action"), r.text("outcome"), count)


def _read_coverage(doc: Any, where: str) -> CoverageRecord:
    r = _Reader(doc, where)
    actions = r.nested("actions")
    return CoverageRecord(
        harness=r.text("harness"),
        actions={k: actions.integer(k) for k in actions.names()},
        pairs=r.many("pairs", _read_pair),
        missed=r.many("missed", _read_pair),
        percent=r.number("percent"),
    )
