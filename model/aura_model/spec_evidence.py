"""What the ``spec-check`` stage found, invariant by invariant.

It reads :mod:`aura_model.spec_check`'s outcomes (``ModelOutcome``,
``SpecCheckReport``) by their attributes and does not import that module,
which calls it.

A good model (``expect: ok``) gives one :class:`~aura_model.stages.Check` per
invariant or property its cfg asks for, from each engine that ran it (the
embedded checker, TLC). A bad model (``expect: invariant X``: a broken variant
of the spec) gives a ``violated-by-broken-variant`` check of X, PASS when the
engine reported exactly that violation, and the embedded checker's trace as a
:class:`~aura_model.stages.Counterexample`.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from aura_model.stages import Check, Counterexample, StageResult, Status, Step, slug

__all__ = ["model_evidence", "report_evidence", "rerun_model"]


def _shown(path: Path) -> str:
    # Commands print paths relative to the working directory when they can.
    try:
        return os.path.relpath(path)
    except ValueError:
        return str(path)


def rerun_model(outcome: Any, engine: str = "embedded") -> str:
    """The command that checks one model again with ``engine``."""
    spec, cfg = _shown(outcome.case.spec), _shown(outcome.case.cfg)
    where = "" if engine == "embedded" else f" --engine {engine}"
    return f"aura-verify check {spec} --config {cfg}{where}"


def _status(fig: Any, outcome: Any) -> Status:
    return Status.PASS if fig.got == outcome.case.expect else Status.FAIL


def _engine_checks(
    outcome: Any, fig: Any, engine: str, names: Iterable[str], cex: str | None
) -> list[Check]:
    module = outcome.case.spec.stem
    expect = outcome.case.expect
    status = _status(fig, outcome)
    rerun = rerun_model(outcome, engine)
    shown = f"{outcome.case.cfg.name}: {fig.text()}"
    if expect.result == "ok":
        return [Check(name, module, engine, status, shown, rerun) for name in names]
    if expect.name is None:
        return []
    return [
        Check(
            expect.name,
            module,
            engine,
            status,
            shown,
            rerun,
            kind="violated-by-broken-variant",
            counterexample=cex,
        )
    ]


def model_evidence(outcome: Any, tlc_absent: str = "") -> tuple[list[Check], list[Counterexample]]:
    """The checks and the counterexample of one model's outcome.

    ``tlc_absent`` says why TLC did not run: its checks are then SKIPPED."""
    emb = outcome.embedded
    case = outcome.case
    module = case.spec.stem
    examples: list[Counterexample] = []
    cex_id: str | None = None
    if emb.trace and emb.violated is not None:
        cex_id = slug("embedded", module, case.cfg.stem, emb.violated)
        examples.append(
            Counterexample(
                id=cex_id,
                engine="embedded",
                module=module,
                config=_shown(case.cfg),
                invariant=emb.violated,
                expected=case.expect.result != "ok" and emb.got == case.expect,
                rerun=rerun_model(outcome),
                steps=tuple(Step(action, state) for action, state in emb.trace),
            )
        )
    checks = _engine_checks(outcome, emb, "embedded", emb.checked, cex_id)
    if outcome.tlc is not None:
        checks += _engine_checks(outcome, outcome.tlc, "tlc", emb.checked, None)
    elif tlc_absent:
        for check in _engine_checks(outcome, emb, "tlc", emb.checked, None):
            checks.append(
                Check(
                    check.invariant,
                    check.module,
                    "tlc",
                    Status.SKIPPED,
                    f"TLC not run: {tlc_absent}",
                    check.rerun,
                    check.kind,
                )
            )
    return checks, examples


def report_evidence(report: Any) -> StageResult:
    """The stage's figures, checks and counterexamples of a ``SpecCheckReport``."""
    checks: list[Check] = []
    examples: list[Counterexample] = []
    for model in report.models:
        found, traces = model_evidence(model, report.skipped)
        checks += found
        examples += traces
    figures: dict[str, int | float] = {
        "models": len(report.models),
        "met": sum(m.outcome.value == "MET" for m in report.models),
        "states": sum(m.distinct_states or 0 for m in report.models),
        "modules": len(report.modules),
        "counterexamples": len(examples),
    }
    tlc = [m.tlc.distinct_states or 0 for m in report.models if m.tlc is not None]
    if tlc:
        figures["tlc_states"] = sum(tlc)
    return StageResult(
        "spec-check",
        report.status(),
        report.detail(),
        figures=figures,
        checks=tuple(checks),
        counterexamples=tuple(examples),
    )
