"""Wrong backends the step validator alone lets pass, each caught by its schedule.

The step validator accepts a stutter for any request, and sees only what the
spec models. Each case here is a backend whose mistake leaves the projected
state as the spec allows, and the check of the machine that sees it anyway:
the reference passes the schedule, the wrong backend fails it naming the check.
"""

from __future__ import annotations

from typing import Any

import pytest
from aura_conformance.descriptor_validity import machine as dv_machine
from aura_conformance.descriptor_validity.backends import DescriptorBackend
from aura_conformance.descriptor_validity.world import DV_VARIANTS, DVVariant
from aura_conformance.epoch_rotation import machine as epoch_machine
from aura_conformance.epoch_rotation.backends import EpochBackend
from aura_conformance.epoch_rotation.world import EPOCH_VARIANTS, EpochVariant
from aura_conformance.guard_chain import machine as guard_machine
from aura_conformance.guard_chain.backends import ReferenceBackend
from aura_conformance.guard_chain.world import VARIANTS, Variant
from aura_conformance.harness.driver import run_directed
from aura_conformance.variants import NoReplayChannelManager
from aura_conformance.variants import _probe_variants as P

# spec -> (variant table, machine factory, backend class, scenarios)
SPECS: dict[str, tuple[dict[str, Any], Any, Any, dict[str, Any]]] = {
    "epoch": (EPOCH_VARIANTS, epoch_machine._make, EpochBackend, epoch_machine.EPOCH_SCENARIOS),
    "descriptor": (DV_VARIANTS, dv_machine._make, DescriptorBackend, dv_machine.DV_SCENARIOS),
    "guard": (VARIANTS, guard_machine.make_machine, ReferenceBackend, guard_machine.SCENARIOS),
}

# (spec, schedule, the wrong backend, the name its failure carries)
CASES: list[tuple[str, str, Any, str]] = [
    (
        "epoch",
        "rotating-sends-nothing",
        EpochVariant("rotating-seals", "test", manager=P.RotatingSealsManager),
        "ERSendEnabled",
    ),
    (
        "epoch",
        "replayed-data",
        EpochVariant("no-transport-replay-check", "test", manager=NoReplayChannelManager),
        "TransportNoReplay",
    ),
    (
        "epoch",
        "timeout",
        EpochVariant("timeout-ignored", "test", manager=P.TimeoutIgnoringManager),
        "ERHandshakeTerminates",
    ),
    (
        "epoch",
        "replayed-init-later-epoch",
        EpochVariant("first-epoch-replay-guard", "test", replay_guard=P.FirstEpochReplayGuard),
        "ERNoReplayedInit",
    ),
    (
        "descriptor",
        "refresh-arrival-order",
        DVVariant("late-refresh", "test", service=P.LateRefreshService),
        "DVNeedsRefresh",
    ),
    (
        "descriptor",
        "refresh-arrival-order",
        DVVariant("publish-clock-refresh", "test", service=P.PublishClockRefreshService),
        "DVNeedsRefresh",
    ),
    (
        "descriptor",
        "publish-sync-revoke",
        DVVariant("clockless-merge", "test", service=P.ClocklessMergeService),
        "DVClockCoversStamps",
    ),
    # Not a stutter: a step no action explains, named after the bad model taking it.
    (
        "guard",
        "deny",
        Variant("capability-blind", "test", guards=P.capability_blind_guards),
        "BUG_NoCapCheck (MC_GuardChain_bad_GCCapabilityRequired.cfg, which violates "
        "GCCapabilityRequired)",
    ),
    (
        "guard",
        "deny",
        Variant("budget-off-by-one", "test", guards=P.off_by_one_guards),
        "GCBudgetOK",
    ),
    (
        "guard",
        "receipt-after-advance",
        Variant("epoch-blind-chain", "test", verifier=P.EpochBlindChainVerifier),
        "GCReceiptResumesAfterLoss",
    ),
]


def _run(spec: str, schedule: str, variant: str) -> Any:
    _, make, backend, scenarios = SPECS[spec]
    [(_, found)] = run_directed(make(backend(variant)), {schedule: scenarios[schedule]})
    return found


@pytest.mark.parametrize(("spec", "schedule"), sorted({(c[0], c[1]) for c in CASES}))
def test_the_reference_passes_the_schedule(spec: str, schedule: str) -> None:
    found = _run(spec, schedule, "ref")
    assert found is None, str(found)


@pytest.mark.parametrize(
    ("spec", "schedule", "variant", "named"), CASES, ids=[c[2].name for c in CASES]
)
def test_the_wrong_backend_fails_the_schedule_by_name(
    spec: str, schedule: str, variant: Any, named: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(SPECS[spec][0], variant.name, variant)
    found = _run(spec, schedule, variant.name)
    assert found is not None and named in str(found), str(found)
