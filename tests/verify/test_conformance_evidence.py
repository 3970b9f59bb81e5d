"""The conformance stage's evidence, from real runs: the invariants the step
validator checked, each wrong backend's rejection with its failing program, and
the coverage of each harness."""

from __future__ import annotations

import pytest
from aura_conformance import run_conformance
from aura_conformance.protocol_specs import reference_backend
from aura_model.stages import Status
from aura_verify.commands.conform import stage_conformance
from aura_verify.conformance_evidence import ConformanceEvidence


def _wrong(invariant: str) -> ConformanceEvidence:
    evidence = ConformanceEvidence(0)
    backend = reference_backend("guard", "double-charge")
    watch = evidence.watch("guard", backend)
    try:
        outcome = run_conformance(backend, examples=100, seed=0)
    finally:
        watch.close()
        backend.close()
    evidence.wrong(
        key="guard",
        name="double-charge",
        invariant=invariant,
        watch=watch,
        outcome=outcome,
        examples=100,
    )
    return evidence


def test_a_wrong_backend_rejected_naming_its_invariant() -> None:
    """guard/double-charge breaks GCAtomicRollback: a PASS check of kind
    violated-by-broken-variant, and the failing program as a trace of requests."""
    evidence = _wrong("GCAtomicRollback")
    (check,) = evidence.checks
    assert (check.module, check.invariant, check.status, check.kind) == (
        "GuardChain",
        "GCAtomicRollback",
        Status.PASS,
        "violated-by-broken-variant",
    )
    (trace,) = evidence.counterexamples
    assert check.counterexample == trace.id and trace.config == "guard/double-charge"
    assert trace.steps[0].action is None and all(s.action for s in trace.steps[1:])
    assert check.rerun == (
        "aura-verify conform --spec guard --backend double-charge --seed 0 --examples 100"
    )


def test_a_rejection_naming_another_invariant_is_a_fail() -> None:
    """The counterpart: the same rejection does not count for an invariant it does
    not name, and no counterexample is claimed for it."""
    evidence = _wrong("GCReceiptChain")
    (check,) = evidence.checks
    assert check.status is Status.FAIL and check.counterexample is None
    assert evidence.counterexamples == []


@pytest.mark.slow
def test_the_stage_carries_its_evidence() -> None:
    """The whole stage: every harness's invariants checked on the reference, every
    wrong backend (in-process and wire) rejected as named, five coverage records (the
    wire reference's last)."""
    result = stage_conformance()
    assert result.status is Status.PASS, result.detail
    holds = {(c.module, c.invariant) for c in result.checks if c.kind == "holds"}
    for pair in [
        ("GuardChain", "GCChargeFirst"),
        ("EpochRotation", "ERNoRevival"),
        ("DescriptorValidity", "DVChosenValid"),
        ("Rendezvous", "RVRelayFallback"),
    ]:
        assert pair in holds
    broken = [c for c in result.checks if c.kind != "holds"]
    assert len(broken) == result.figures["wrong_backends"]
    assert all(c.status is Status.PASS for c in result.checks)
    assert len(result.counterexamples) >= 38
    assert [c.harness for c in result.coverage] == [
        "GuardChain",
        "EpochRotation",
        "DescriptorValidity",
        "Rendezvous (relay path)",
        "Wire",
    ]
    (wire,) = [c for c in result.coverage if c.harness == "Wire"]
    assert wire.actions["Deliver"] > 0 and wire.actions["Attack:Tamper"] > 0
