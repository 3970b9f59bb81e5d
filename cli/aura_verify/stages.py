"""The stages that ``aura-verify`` (``make verify``) runs, in order.

Each stage returns a :class:`~aura_model.stages.StageResult` with its figures
and evidence. A stage whose tool or data is missing reports ``SKIPPED`` with the
reason; it never reports a pass. Each runner imports its engine when it runs, so
one slow or optional stage does not tax the others' start-up (nor
``aura-verify --help``).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import attrs
from aura_model.stages import Check, StageResult

from aura_verify.commands.conform import STAGE_EXAMPLES, STAGE_SEED, STAGE_STDIO_EXAMPLES

__all__ = ["PROFILES", "STAGES", "Stage", "StageOptions"]

PROFILES = ("default", "deep")
# The deep profile's bounds: more Hypothesis runs per reference (in process, over
# stdio) and a deeper bounded model check.
DEEP_EXAMPLES = (400, 100)
DEEP_Z3_DEPTH = 8


@attrs.frozen
class StageOptions:
    """What the command line tells every stage: the profile, the seed of the
    random stages (``None``: the profile's fixed one) and the artefact folder."""

    profile: str = "default"
    seed: int | None = None
    out: Path = Path("build/verify")

    @property
    def deep(self) -> bool:
        return self.profile == "deep"


@attrs.frozen
class Stage:
    name: str
    run: Callable[[StageOptions], StageResult]
    # One line on what the stage checks (``--help``, docs/ci.md).
    summary: str = ""
    # May run in a second process beside the stages that are not: it shares
    # no memory with them (tlc and apalache reuse spec-check's runs in memory,
    # so they stay in its process).
    beside: bool = False


def _spec_check(options: StageOptions) -> StageResult:
    """spec/'s models, then the sub-specs of the conformance harnesses, each with
    models of its own: the relay harness's ``RelayConformance.tla`` and the wire
    harness's wrapper of Rendezvous.tla (both instantiate Rendezvous.tla)."""
    from aura_conformance.relay import check_relay_spec
    from aura_conformance.wire import check_wire_rendezvous_spec
    from aura_model.spec_check import stage_spec_check

    result = stage_spec_check()
    for label, check in (("relay", check_relay_spec), ("wire", check_wire_rendezvous_spec)):
        result = _with_sub_spec(result, label, check)
    return result


def _with_sub_spec(result: StageResult, label: str, check: Callable[[], Any]) -> StageResult:
    """``result`` with a harness sub-spec's outcome (``check()``, a SpecCheckReport)
    folded in: the worse status, its detail, figures, checks and traces."""
    from aura_model.spec_check import SpecCheckError
    from aura_model.spec_evidence import report_evidence
    from aura_model.stages import Status

    try:
        report = check()
    except SpecCheckError as exc:
        return attrs.evolve(result, status=Status.FAIL, detail=f"{result.detail}; {label}: {exc}")
    statuses = {result.status, report.status()}
    status = next((s for s in (Status.FAIL, Status.SKIPPED) if s in statuses), Status.PASS)
    more = report_evidence(report)
    # A sub-spec's models live in a temporary folder: rerun them by stage.
    rerun = "aura-verify --stage spec-check"
    figures = dict(result.figures)
    for key, value in more.figures.items():
        figures[key] = figures.get(key, 0) + value
    return attrs.evolve(
        result,
        status=status,
        detail=f"{result.detail}; {label}: {report.detail()}",
        figures=figures,
        checks=result.checks + tuple(attrs.evolve(c, rerun=rerun) for c in more.checks),
        counterexamples=result.counterexamples
        + tuple(
            attrs.evolve(c, rerun=rerun, config=Path(c.config).name) for c in more.counterexamples
        ),
    )


def _z3_prove(options: StageOptions) -> StageResult:
    from aura_model.z3 import DEFAULT_DEPTH, stage_z3_prove

    result = stage_z3_prove(depth=DEEP_Z3_DEPTH if options.deep else DEFAULT_DEPTH)
    assert isinstance(result, StageResult)
    return result


def _vectors(options: StageOptions) -> StageResult:
    from aura_verify.stage_vectors import stage_vectors

    return stage_vectors()


def _conformance(options: StageOptions) -> StageResult:
    from aura_verify.commands.conform import stage_conformance

    if options.seed is None and not options.deep:
        return stage_conformance()
    seed = options.seed if options.seed is not None else STAGE_SEED
    examples = DEEP_EXAMPLES if options.deep else (STAGE_EXAMPLES, STAGE_STDIO_EXAMPLES)
    return stage_conformance(seed=seed, examples=examples)


def _apalache_fixtures(options: StageOptions) -> StageResult:
    from aura_verify.stage_fixtures import stage_apalache_fixtures

    return stage_apalache_fixtures()


def _apalache(options: StageOptions) -> StageResult:
    from aura_model.runners import stage_apalache
    from aura_model.stages import Status

    result = stage_apalache()
    if result.status is not Status.SKIPPED:
        return result
    return attrs.evolve(result, checks=_not_run("apalache", result.detail))


def _not_run(engine: str, reason: str) -> tuple[Check, ...]:
    """A SKIPPED check of ``engine`` for every invariant and property the modules
    with models assert: none of them was checked, and the report says so."""
    from aura_model.spec_check import SpecCheckError, discover, module_invariants
    from aura_model.stages import Status

    try:
        specs = sorted({case.spec for case in discover()})
        return tuple(
            Check(
                found.name,
                spec.stem,
                engine,
                Status.SKIPPED,
                f"{engine} not run: {reason}",
                f"aura-verify --stage {engine}",
            )
            for spec in specs
            for found in module_invariants(spec)
        )
    except SpecCheckError:
        return ()  # spec-check reports a malformed spec folder


def _tlc(options: StageOptions) -> StageResult:
    from aura_model.runners import stage_tlc

    return stage_tlc()


STAGES: tuple[Stage, ...] = (
    Stage(
        "spec-check",
        _spec_check,
        "SANY on every module; every model with the embedded checker and TLC, "
        "each as its expect line says",
    ),
    Stage(
        "z3-prove",
        _z3_prove,
        "Z3: inductive proofs, bounded checks, action witnesses, bug twins refuted",
        beside=True,
    ),
    Stage(
        "vectors",
        _vectors,
        "published Noise vectors on the reference Noise; wire-format vectors",
        beside=True,
    ),
    Stage(
        "conformance",
        _conformance,
        "the reference backends conform; every wrong backend rejected naming its invariant",
        beside=True,
    ),
    Stage(
        "apalache-fixtures",
        _apalache_fixtures,
        "Apalache's ITF traces, counterexamples, outputs and RPC replies decode",
        beside=True,
    ),
    Stage("apalache", _apalache, "every model with Apalache, when installed"),
    Stage("tlc", _tlc, "every model with TLC (the runs spec-check made)"),
)
