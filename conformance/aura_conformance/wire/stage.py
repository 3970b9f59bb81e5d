"""The wire mode in the conformance stage: the reference over stdio, every fake rejected.

The reference is served by ``python -m aura_conformance.wire.serve`` and driven
over its pipes (real bytes both ways); each wrong wire backend runs in process
and must be rejected naming the property or EpochRotation.tla invariant
:data:`WIRE_WRONG_BACKENDS` gives it.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Protocol

from aura_conformance.harness.result import ConformanceResult
from aura_conformance.harness.stdio import StdioBackend
from aura_conformance.wire.backends import ACTIONS, WIRE, WIRE_MODULE, WireBackend
from aura_conformance.wire.machine import run_wire_conformance

if TYPE_CHECKING:
    from aura_conformance.wire.coverage import WireCoverage

__all__ = ["WIRE_SERVE", "WIRE_WRONG_BACKENDS", "WireStageRun", "run_wire_stage"]

WIRE_SERVE = (sys.executable, "-m", "aura_conformance.wire.serve")

# Each wrong wire backend -> the name its rejection must carry: a wire property
# (docs/conformance.md, "Wire"), the EpochRotation.tla invariant the composed
# state breaks, the DescriptorValidity.tla invariant a lookup breaks, or the
# Rendezvous.tla (GuardChain.tla) rule a connect's budget (effects) breaks.
WIRE_WRONG_BACKENDS: dict[str, str] = {
    "no-crypto": "WireInterop",
    "unchecked-static-key": "WireRejectsAttack",
    "epoch-free-prologue": "WireInterop",
    "sends-on-reject": "WireNothingSentOnReject",
    "fragile-pending": "WireRejectsAttack",
    "no-handshake-replay-check": "WireRejectsAttack",
    "no-handshake-timeout": "WireRejectsAttack",
    "revive-on-rotate": "ERNoRevival",
    "reflection-opens": "WireRejectsAttack",
    "replay-window": "WireRejectsAttack",
    "stale-active": "ERNoStaleActive",
    "fixed-payload": "WireTraffic",
    "active-before-confirm": "ERKeyConfirmed",
    "deaf-active": "ERHolds",
    "epoch-header-trusted": "ERNoStaleActive",
    "open-roster": "RVMembersOnly",
    "unverified-descriptor-signature": "DVFactsAttributable",
    "any-context-descriptor": "DVNoCrossContext",
    "expiry-blind-lookup": "DVChosenValid",
    "unsigned-descriptor": "DVFactsAttributable",
    "answers-non-member": "DVOnlyMembersKnow",
    "expiry-judged-on-arrival": "DVChosenValid",
    "revocation-blind-lookup": "DVRevokedNeverChosen",
    "ungated-connect": "RVConnectWithValidDescriptor",
    "revocation-kept-local": "DVRevokedNeverChosen",
    "no-budget-check": "RVBudgetWithinLimit",
    "budget-kept-across-epochs": "RVBudgetOK",
    "relay-envelope-without-receipt": "WireRelayed",
    "unsigned-relay-receipt": "WireRelayed",
    "relayed-send-before-charge": "GCChargeFirst",
    "direct-relayed-confirmation": "RVRelayedEndToEnd",
    "uncharged-relayed-answer": "CompleteCost",
}

# The stage's short runs: the directed scenarios reach every fake's shortfall.
_STAGE_RANDOM_RUNS = 6


class WireStageRun(Protocol):
    """What the stage reports progress to (``StageProgress``)."""

    def start(self, what: str) -> None: ...
    def done(self, line: str, *, runs: int = ..., steps: int = ...) -> None: ...


def _first_rejection(backend: WireBackend) -> ConformanceResult:
    """The directed scenarios up to the first that fails (the stage only needs the
    verdict; the scenarios that ran and their requests counted), then random runs if
    none did."""
    return run_wire_conformance(backend, examples=_STAGE_RANDOM_RUNS, seed=0)


def run_wire_stage(
    progress: WireStageRun,
    *,
    seed: int,
    timeout: float = 60.0,
    coverage: WireCoverage | None = None,
) -> tuple[ConformanceResult, int, list[str]]:
    """The reference over stdio, then every wrong wire backend: the reference's
    outcome, how many wrong backends ran, and those not rejected as named. The
    reference's requests and attacker moves are counted in ``coverage``."""
    progress.start("reference wire over stdio")
    backend = StdioBackend(
        list(WIRE_SERVE), schema=WIRE, spec=WIRE_MODULE, actions=ACTIONS, timeout=timeout
    )
    try:
        reference = run_wire_conformance(
            backend, examples=_STAGE_RANDOM_RUNS, seed=seed, coverage=coverage
        )
    finally:
        backend.close()
    verdict = "conformant" if reference.conformant else "NOT conformant"
    counts = f"{reference.examples} runs, {reference.steps} steps"
    progress.done(
        f"reference wire over stdio: {verdict} ({counts})",
        runs=reference.examples,
        steps=reference.steps,
    )
    missed = []
    for i, (name, expected) in enumerate(WIRE_WRONG_BACKENDS.items(), 1):
        progress.start(f"wrong backend wire/{name}")
        outcome = _first_rejection(WireBackend(name))
        rejected = not outcome.conformant and expected in (outcome.failure or "")
        if not rejected:
            missed.append(f"wire/{name} (expected {expected})")
        shown = f"rejected naming {expected}" if rejected else f"NOT rejected as {expected}"
        progress.done(
            f"wrong backend {i}/{len(WIRE_WRONG_BACKENDS)} wire/{name}: {shown}",
            runs=outcome.examples,
            steps=outcome.steps,
        )
    return reference, len(WIRE_WRONG_BACKENDS), missed
