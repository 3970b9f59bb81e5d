"""The red team's wrong backends through ``aura-verify conform``'s default profile.

Each probe keeps one plausible implementation mistake against a rule of
DESIGN.md (``aura_conformance.variants._probe_variants``). A probe the default
profile rejects must stay rejected naming the invariant it breaks. A probe it
misses is an expected failure (strict): the reason is written next to it, and
the test turns red on the day the harness learns to catch it, so the probe can
then move to ``WRONG_BACKENDS``. The probes already registered there (their
variants are in the spec worlds' tables) are tested by test_all_wrong_backends.

The tables below are run by test_probe_rounds.py, with every other round's.
"""

from __future__ import annotations

from typing import Any

from aura_conformance.descriptor_validity.world import DVVariant
from aura_conformance.epoch_rotation.world import EpochVariant
from aura_conformance.guard_chain.world import Variant
from aura_conformance.protocol_specs import reference_backend
from aura_conformance.relay.world import RelayVariant
from aura_conformance.variants import _probe_variants as P
from aura_verify.commands.conform import _runners


def _g(name: str, **parts: Any) -> Variant:
    return Variant(name, "red-team probe", **parts)


def _e(name: str, **parts: Any) -> EpochVariant:
    return EpochVariant(name, "red-team probe", **parts)


def _d(name: str, service: Any) -> DVVariant:
    return DVVariant(name, "red-team probe", service=service)


# (spec, probe) -> (the variant, the invariant its rejection must name)
CAUGHT: dict[tuple[str, str], tuple[Any, str]] = {
    # Rejected by an unexplained step: GCCapabilityRequired is not named.
    ("guard", "capability-blind"): (
        _g("capability-blind", guards=P.capability_blind_guards),
        "no action of Next explains the step",
    ),
    ("guard", "record-before-check"): (
        _g("record-before-check", verifier=P.RecordBeforeCheckVerifier),
        "GCReceiptResumesAfterLoss",
    ),
    # Rejected, but by an unexplained step that names no invariant.
    ("epoch", "close-keeps-opening"): (
        _e("close-keeps-opening", manager=P.ClosedStillOpensManager),
        "no action of Next explains the step",
    ),
    # Rejected by the lookup check, which names the spec's DVLookup, no invariant.
    ("descriptor", "exclusive-from"): (
        _d("exclusive-from", P.ExclusiveFromService),
        "DVLookup is",
    ),
    # Same class as the registered late-refresh.
    ("descriptor", "publish-clock-refresh"): (
        _d("publish-clock-refresh", P.PublishClockRefreshService),
        "DVNeedsRefresh",
    ),
    # The pull-across-two-contexts schedule: a pull whose answer mixes both contexts'
    # facts is refused whole (ContextMismatch), so the puller lacks what the source
    # holds (DVSyncAvailable). Random runs found it until a second publisher changed
    # seed 0's draws.
    ("descriptor", "shared-journal-answer"): (
        _d("shared-journal-answer", P.SharedJournalAnswerService),
        "DVSyncAvailable",
    ),
    # Rejected by a publication the spec does not explain while no refresh is due (DVNeedsRefresh).
    ("descriptor", "eager-refresh"): (
        _d("eager-refresh", P.EagerRefreshService),
        "DVNeedsRefresh",
    ),
    # Rejected by the lookup check, which names the spec's DVLookup, no invariant.
    ("descriptor", "frozen-cache"): (
        _d("frozen-cache", P.FrozenCacheService),
        "DVLookup is",
    ),
    # Rejected by an unexplained step that names no invariant.
    ("relay", "relay-charges-source"): (
        RelayVariant(relay=P.RelayChargesSourceService),
        "no action of Next explains the step",
    ),
    # Caught since the relay world has a clock, epochs, a second context and an
    # impostor (each by a directed scenario).
    ("relay", "commitment-blind"): (
        RelayVariant(peers=P.CommitmentBlindService),
        "RVConnectWithValidDescriptor",
    ),
    ("relay", "expired-descriptor"): (
        RelayVariant(peers=P.ExpiredDescriptorService),
        "RVConnectWithValidDescriptor",
    ),
    ("relay", "relayed-unchecked-static-key"): (
        RelayVariant(peers=P.RelayedUncheckedStaticKeyService),
        "RVMembersOnly",
    ),
    ("relay", "uncapped-relay"): (
        RelayVariant(relay=P.UncappedRelayService),
        "RVRelayAuthorized",
    ),
    # Caught since a member at the last epoch may sign a receipt of the next one
    # (SignFutureReceipt, the future-epoch schedule); also in WRONG_BACKENDS.
    ("guard", "future-epoch-receipt"): (
        _g("future-epoch-receipt", verifier=P.FutureEpochVerifier),
        "GCReceiptEpoch",
    ),
}

# (spec, probe) -> (the variant, the invariant it breaks, why the default profile misses it)
MISSED: dict[tuple[str, str], tuple[Any, str, str]] = {}

SLOW = {
    ("guard", "record-before-check"),
    ("epoch", "close-keeps-opening"),
    ("descriptor", "shared-journal-answer"),
}


def test_the_reference_passes_what_the_probes_change() -> None:
    """The probes' rules hold for the reference: each table's ``ref`` is conformant on
    the directed schedules and a few runs (a probe's rejection is its own mistake)."""
    for spec in ("guard", "epoch", "descriptor", "relay"):  # the worlds of round 1's probes
        backend = reference_backend(spec, "ref")
        try:
            outcome = _runners()[spec](backend, examples=3, seed=0, steps=10)
        finally:
            backend.close()
        assert outcome.conformant, (spec, outcome.failure)
