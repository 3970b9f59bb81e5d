"""The stages that ``aura-verify`` (``make verify``) runs, in order.

Each stage returns a :class:`~aura_model.stages.StageResult`. A stage whose tool
is missing reports ``SKIPPED`` with the reason; it never reports a pass. Each
runner imports its engine when it runs, so one slow or optional stage does not
tax the others' start-up (nor ``aura-verify --help``).
"""

from __future__ import annotations

import attrs
from aura_model.stages import StageFn, StageResult

from aura_verify.commands.conform import stage_conformance

__all__ = ["STAGES", "Stage"]


@attrs.frozen
class Stage:
    name: str
    run: StageFn


def _spec_check() -> StageResult:
    """spec/'s models, then the relay sub-spec of the relay conformance harness
    (``RelayConformance.tla`` instantiates Rendezvous.tla and has models of its own)."""
    from aura_conformance.relay import check_relay_spec
    from aura_model.spec_check import SpecCheckError, stage_spec_check
    from aura_model.stages import Status

    result = stage_spec_check()
    try:
        relay = check_relay_spec()
    except SpecCheckError as exc:
        return attrs.evolve(result, status=Status.FAIL, detail=f"{result.detail}; relay: {exc}")
    statuses = {result.status, relay.status()}
    status = next((s for s in (Status.FAIL, Status.SKIPPED) if s in statuses), Status.PASS)
    return attrs.evolve(result, status=status, detail=f"{result.detail}; relay: {relay.detail()}")


def _z3_prove() -> StageResult:
    from aura_model.z3 import stage_z3_prove

    result = stage_z3_prove()
    assert isinstance(result, StageResult)
    return result


def _apalache() -> StageResult:
    from aura_model.runners import stage_apalache

    return stage_apalache()


def _tlc() -> StageResult:
    from aura_model.runners import stage_tlc

    return stage_tlc()


STAGES: tuple[Stage, ...] = (
    Stage("spec-check", _spec_check),
    Stage("z3-prove", _z3_prove),
    Stage("conformance", stage_conformance),
    Stage("apalache", _apalache),
    Stage("tlc", _tlc),
)
