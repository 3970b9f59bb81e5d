"""The stage table of ``aura-verify``: each stage runs its package's stage function."""

from __future__ import annotations

import pytest
from aura_model.stages import StageResult, Status
from aura_verify import STAGES


def _run(name: str) -> StageResult:
    (stage,) = (s for s in STAGES if s.name == name)
    return stage.run()


def test_the_stages_in_their_order() -> None:
    """``make verify`` runs these five stages, in this order."""
    assert [s.name for s in STAGES] == ["spec-check", "z3-prove", "conformance", "apalache", "tlc"]


@pytest.mark.parametrize(
    ("name", "function"),
    [
        ("spec-check", "aura_model.spec_check.stage_spec_check"),
        ("z3-prove", "aura_model.z3.stage_z3_prove"),
        ("apalache", "aura_model.runners.stage_apalache"),
        ("tlc", "aura_model.runners.stage_tlc"),
    ],
)
def test_a_stage_runs_its_package_function(
    name: str, function: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """spec-check, z3-prove, apalache and tlc are stages of ``aura-verify``, each the
    stage function of its package (whatever that function is when the stage runs)."""
    marker = StageResult(name, Status.SKIPPED, "stand-in")
    monkeypatch.setattr(function, lambda: marker)
    assert _run(name) is marker
