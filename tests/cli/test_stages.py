"""The stage table of ``aura-verify``: each stage runs its package's stage function."""

from __future__ import annotations

import pytest
from aura_model.stages import StageResult, Status
from aura_verify import STAGES
from aura_verify.stages import StageOptions


def _run(name: str) -> StageResult:
    (stage,) = (s for s in STAGES if s.name == name)
    return stage.run(StageOptions())


def test_the_stages_in_their_order() -> None:
    """``make verify`` runs these seven stages, in this order."""
    assert [s.name for s in STAGES] == [
        "spec-check",
        "z3-prove",
        "vectors",
        "conformance",
        "apalache-fixtures",
        "apalache",
        "tlc",
    ]


@pytest.mark.parametrize(
    ("name", "function"),
    [
        ("apalache", "aura_model.runners.stage_apalache"),
        ("tlc", "aura_model.runners.stage_tlc"),
    ],
)
def test_a_stage_runs_its_package_function(
    name: str, function: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """apalache and tlc are stages of ``aura-verify``, each the stage
    function of its package (whatever that function is when the stage runs)."""
    marker = StageResult(name, Status.PASS, "stand-in")
    monkeypatch.setattr(function, lambda: marker)
    assert _run(name) is marker


class _Report:
    """A stand-in for the relay sub-spec's spec-check report."""

    def __init__(self, status: Status) -> None:
        self._status = status
        # No models: the stand-in adds no evidence of its own.
        self.models: list[object] = []
        self.modules: list[object] = []
        self.skipped = ""

    def status(self) -> Status:
        return self._status

    def detail(self) -> str:
        return f"relay sub-spec {self._status.value}"


@pytest.mark.parametrize(
    ("spec", "relay", "expected"),
    [
        (Status.PASS, Status.PASS, Status.PASS),
        (Status.PASS, Status.FAIL, Status.FAIL),
        (Status.FAIL, Status.PASS, Status.FAIL),
        (Status.SKIPPED, Status.PASS, Status.SKIPPED),
        (Status.PASS, Status.SKIPPED, Status.SKIPPED),
    ],
)
def test_spec_check_runs_spec_and_the_relay_sub_spec(
    spec: Status, relay: Status, expected: Status, monkeypatch: pytest.MonkeyPatch
) -> None:
    """spec-check is spec/'s stage function and the harnesses' sub-specs' models
    (``check_relay_spec``, ``check_wire_rendezvous_spec``): it fails if any fails,
    is skipped if any is skipped, and names each in its detail."""
    monkeypatch.setattr(
        "aura_model.spec_check.stage_spec_check",
        lambda: StageResult("spec-check", spec, "spec models"),
    )
    monkeypatch.setattr("aura_conformance.relay.check_relay_spec", lambda: _Report(relay))
    monkeypatch.setattr(
        "aura_conformance.wire.check_wire_rendezvous_spec", lambda: _Report(Status.PASS)
    )
    result = _run("spec-check")
    assert result.status is expected
    assert result.detail == (
        f"spec models; relay: relay sub-spec {relay.value}; wire: relay sub-spec PASS"
    )
