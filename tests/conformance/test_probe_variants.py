"""The red team's wrong backends through ``aura-verify conform``'s default profile.

Each probe keeps one plausible implementation mistake against a rule of
DESIGN.md (``aura_conformance.variants._probe_variants``). A probe the default
profile rejects must stay rejected naming the invariant it breaks. A probe it
misses is an expected failure (strict): the reason is written next to it, and
the test turns red (XPASS) on the day the harness learns to catch it, so the
probe can then move to ``WRONG_BACKENDS``.
"""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest
from aura_conformance.descriptor_validity.world import DV_VARIANTS, DVVariant
from aura_conformance.epoch_rotation import machine as epoch_machine
from aura_conformance.epoch_rotation.backends import EpochBackend
from aura_conformance.epoch_rotation.world import EPOCH_VARIANTS, EpochVariant
from aura_conformance.guard_chain import machine as guard_machine
from aura_conformance.guard_chain.backends import ReferenceBackend
from aura_conformance.guard_chain.world import VARIANTS, Variant
from aura_conformance.harness.driver import run_directed
from aura_conformance.protocol_specs import reference_backend
from aura_conformance.relay.world import RELAY_VARIANTS, RelayVariant
from aura_conformance.variants import NoReplayChannelManager
from aura_conformance.variants import _probe_variants as P
from aura_verify.commands.conform import _runners

TABLES: dict[str, dict[str, Any]] = {
    "guard": VARIANTS,
    "epoch": EPOCH_VARIANTS,
    "descriptor": DV_VARIANTS,
    "relay": RELAY_VARIANTS,
}


def _g(name: str, **parts: Any) -> Variant:
    return Variant(name, "red-team probe", **parts)


def _e(name: str, **parts: Any) -> EpochVariant:
    return EpochVariant(name, "red-team probe", **parts)


def _d(name: str, service: Any) -> DVVariant:
    return DVVariant(name, "red-team probe", service=service)


# (spec, probe) -> (the variant, the invariant its rejection must name)
CAUGHT: dict[tuple[str, str], tuple[Any, str]] = {
    ("guard", "non-strict-receipt-nonce"): (
        _g("non-strict-receipt-nonce", verifier=P.NonStrictNonceVerifier),
        "GCReceiptNoReplay",
    ),
    ("guard", "epoch-blind-budget"): (
        _g("epoch-blind-budget", interpreter=P.EpochBlindBudgetInterpreter),
        "GCAtomicRollback",
    ),
    ("guard", "wrong-payer"): (
        _g("wrong-payer", guards=P.wrong_payer_guards),
        "GCAtomicRollback",
    ),
    # Rejected by an unexplained step: GCCapabilityRequired is not named.
    ("guard", "capability-blind"): (
        _g("capability-blind", guards=P.capability_blind_guards),
        "no action of Next explains the step",
    ),
    ("guard", "record-before-check"): (
        _g("record-before-check", verifier=P.RecordBeforeCheckVerifier),
        "GCReceiptResumesAfterLoss",
    ),
    ("epoch", "eager-responder"): (
        _e("eager-responder", manager=P.EagerResponderManager),
        "ERKeyConfirmed",
    ),
    ("epoch", "rotating-opens"): (
        _e("rotating-opens", manager=P.RotatingOpensManager),
        "ERRetiredEpochRejected",
    ),
    ("epoch", "pending-survives-advance"): (
        _e("pending-survives-advance", manager=P.PendingSurvivesAdvanceManager),
        "ERNoStaleActive",
    ),
    ("epoch", "non-strict-replay-guard"): (
        _e("non-strict-replay-guard", replay_guard=P.NonStrictReplayGuard),
        "ERNoReplayedInit",
    ),
    # Rejected, but by an unexplained step that names no invariant.
    ("epoch", "close-keeps-opening"): (
        _e("close-keeps-opening", manager=P.ClosedStillOpensManager),
        "no action of Next explains the step",
    ),
    ("descriptor", "inclusive-until"): (
        _d("inclusive-until", P.InclusiveUntilService),
        "DVChosenValid",
    ),
    # Rejected by the lookup check, which names the spec's DVLookup, no invariant.
    ("descriptor", "exclusive-from"): (
        _d("exclusive-from", P.ExclusiveFromService),
        "DVLookup is",
    ),
    ("descriptor", "any-context-choice"): (
        _d("any-context-choice", P.AnyContextChoiceService),
        "DVNoCrossContext",
    ),
    ("descriptor", "any-member-revocation"): (
        _d("any-member-revocation", P.AnyMemberRevocationService),
        "DVOnlyPublisherRevokes",
    ),
    ("descriptor", "horizon-blind-sync"): (
        _d("horizon-blind-sync", P.HorizonBlindSyncService),
        "DVPrunedStaysPruned",
    ),
    ("descriptor", "prune-keeps-facts"): (
        _d("prune-keeps-facts", P.PruneKeepsFactsService),
        "DVPrunedStaysPruned",
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
}

# (spec, probe) -> (the variant, the invariant it breaks, why the default profile misses it)
MISSED: dict[tuple[str, str], tuple[Any, str, str]] = {
    ("guard", "budget-off-by-one"): (
        _g("budget-off-by-one", guards=P.off_by_one_guards),
        "GCBudget",
        "a wrong deny is explained by DenyOperation with another cost (parameters are not "
        "bound to the request); the scenario's ExecuteEffects then ends in a backend error",
    ),
    ("guard", "first-link-unchecked"): (
        _g("first-link-unchecked", verifier=P.FirstLinkUncheckedVerifier),
        "GCReceiptChain",
        "no attacker move makes a nonce-1 receipt with a link other than the genesis",
    ),
    ("guard", "budget-first"): (
        _g("budget-first", guards=P.budget_first_guards),
        "MissingCapability",
        "the guards never fail together: the only authority without the capability (a2) "
        "never spends, so its budget always suffices and the order is invisible",
    ),
    ("guard", "epoch-blind-chain"): (
        _g("epoch-blind-chain", verifier=P.EpochBlindChainVerifier),
        "GCReceiptResumesAfterLoss",
        "no directed schedule delivers a receipt of epoch 1 after one of epoch 0 was "
        "accepted, and 100 random runs do not reach it",
    ),
    ("guard", "future-epoch-receipt"): (
        _g("future-epoch-receipt", verifier=P.FutureEpochVerifier),
        "GCReceiptEpoch",
        "one global epoch: no receipt of an epoch the receiver has not reached exists",
    ),
    ("guard", "undo-less-issuer"): (
        _g("undo-less-issuer", issuer=P.UndoLessIssuer),
        "GCAtomicRollback",
        "no fault is injected after RecordReceipt: the issuer's undo never runs",
    ),
    ("epoch", "transport-counter-unchecked"): (
        _e("transport-counter-unchecked", manager=NoReplayChannelManager),
        "Replay",
        "Data records carry no counter: a replayed transport message accepted is a stutter",
    ),
    ("epoch", "timeout-ignored"): (
        _e("timeout-ignored", manager=P.TimeoutIgnoringManager),
        "ERHandshakeTerminates",
        "Tick may stutter (HandshakeTimeout is only weakly fair); a scenario then crashes",
    ),
    ("epoch", "all-contexts-advance"): (
        _e("all-contexts-advance", manager=P.AllContextsAdvanceManager),
        "RVChannelContextBound",
        "the world's other context never holds a channel, so an advance that rotates "
        "every context's channels changes nothing the harness sees",
    ),
    ("epoch", "rotating-seals"): (
        _e("rotating-seals", manager=P.RotatingSealsManager),
        "ERNoStaleActive",
        "a Data record sent again is a stutter of the msgs set; sends are not judged "
        "against SendData's enabledness",
    ),
    ("epoch", "first-epoch-replay-guard"): (
        _e("first-epoch-replay-guard", replay_guard=P.FirstEpochReplayGuard),
        "ERNoReplayedInit",
        "the replayed-init scenario runs in epoch 0 only; random runs rarely confirm a "
        "handshake of epoch 1 and replay its message 1",
    ),
    ("descriptor", "late-refresh"): (
        _d("late-refresh", P.LateRefreshService),
        "DVNeedsRefresh",
        "NotNeeded where DVNeedsRefresh holds is a stutter; a scenario then crashes",
    ),
    ("descriptor", "publish-clock-refresh"): (
        _d("publish-clock-refresh", P.PublishClockRefreshService),
        "DVNeedsRefresh",
        "NotNeeded where DVNeedsRefresh holds is a stutter; a scenario then crashes",
    ),
    ("descriptor", "own-facts-only-sync"): (
        _d("own-facts-only-sync", P.OwnFactsOnlySyncService),
        "DVSyncAvailable",
        "two members: a fact's author is always the other replica, so facts that are "
        "not passed on by a third member are never missed",
    ),
    ("descriptor", "clockless-merge"): (
        _d("clockless-merge", P.ClocklessMergeService),
        "Lamport",
        "DescriptorValidity.tla abstracts the Lamport clock away (a set of facts): a merge "
        "that leaves the clock below a merged stamp changes nothing the spec sees",
    ),
    ("relay", "commitment-blind"): (
        RelayVariant(peers=P.CommitmentBlindService),
        "RVConnectWithValidDescriptor",
        "one epoch in the relay world, and the mapping fixes dok = TRUE: a message 1 on "
        "a descriptor of another epoch is never seen",
    ),
    ("relay", "expired-descriptor"): (
        RelayVariant(peers=P.ExpiredDescriptorService),
        "RVConnectWithValidDescriptor",
        "no clock in the relay world (descriptors valid for an hour) and the mapping "
        "fixes dok = TRUE: a message 1 on an expired descriptor is never seen",
    ),
    ("relay", "relayed-unchecked-static-key"): (
        RelayVariant(peers=P.RelayedUncheckedStaticKeyService),
        "RVMembersOnly",
        "the relay harness has no impostor: no message 1 under a static key other than "
        "the claimed member's ever crosses the relay",
    ),
    ("relay", "uncapped-relay"): (
        RelayVariant(relay=P.UncappedRelayService),
        "RVRelayAuthorized",
        "the relay holds relay:forward in the world's only context: no state to reach",
    ),
}

SLOW = {("guard", "record-before-check"), ("epoch", "close-keeps-opening")}


def _reject_report(
    spec: str, name: str, variant: Any, monkeypatch: pytest.MonkeyPatch
) -> tuple[bool, str]:
    """The default profile (100 runs of 25 steps, seed 0, directed schedules first)."""
    monkeypatch.setitem(TABLES[spec], name, variant)
    backend = reference_backend(spec, name)
    try:
        outcome = _runners()[spec](backend, examples=100, seed=0, steps=25)
    finally:
        backend.close()
    return outcome.conformant, outcome.failure or ""


def _params(table: dict[tuple[str, str], Any], slow: set[tuple[str, str]]) -> list[Any]:
    return [
        pytest.param(key, marks=pytest.mark.slow) if key in slow else key for key in sorted(table)
    ]


@pytest.mark.parametrize("key", _params(CAUGHT, SLOW), ids="/".join)
def test_the_default_profile_rejects_the_probe(
    key: tuple[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    variant, named = CAUGHT[key]
    conformant, failure = _reject_report(*key, variant, monkeypatch)
    assert not conformant
    assert named in failure, failure[:2000]


@pytest.mark.slow
@pytest.mark.parametrize("key", sorted(MISSED), ids="/".join)
def test_the_default_profile_misses_the_probe(
    key: tuple[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    variant, invariant, why = MISSED[key]
    try:
        conformant, failure = _reject_report(*key, variant, monkeypatch)
    except Exception as exc:  # a crash of a directed scenario is no verdict either
        pytest.xfail(f"{why} ({type(exc).__name__})")
    if conformant or invariant not in failure:
        pytest.xfail(why)
    raise AssertionError(f"{key} is caught now, naming {invariant}: move it to CAUGHT")


def test_the_reference_passes_what_the_probes_change() -> None:
    """The probes' rules hold for the reference: each table's ``ref`` is conformant on
    the directed schedules and a few runs (a probe's rejection is its own mistake)."""
    for spec in TABLES:
        backend = reference_backend(spec, "ref")
        try:
            outcome = _runners()[spec](backend, examples=3, seed=0, steps=10)
        finally:
            backend.close()
        assert outcome.conformant, (spec, outcome.failure)


_STDIO_PROBE = """
import sys
from aura_conformance.epoch_rotation import machine as epoch_machine
from aura_conformance.epoch_rotation.backends import EpochBackend
from aura_conformance.epoch_rotation.world import EPOCH_VARIANTS, EpochVariant
from aura_conformance.variants._probe_variants import EagerResponderManager
EPOCH_VARIANTS["eager-responder"] = EpochVariant(
    "eager-responder", "red-team probe", manager=EagerResponderManager
)
from aura_conformance.examples.guard_backend import main
sys.exit(main(["--spec", "epoch", "--variant", "eager-responder"]))
"""


@pytest.mark.slow
def test_a_probe_is_rejected_over_stdio_too() -> None:
    """The epoch spec is driven over stdio: the probe served as a program is rejected
    (exit 1) naming the same invariant as in process."""
    command = f"{sys.executable} -c '{_STDIO_PROBE}'"
    done = subprocess.run(
        [sys.executable, "-m", "aura_verify", "conform", "--spec", "epoch", "--backend", command],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 1, done.stdout + done.stderr
    assert "ERKeyConfirmed" in done.stdout + done.stderr


def _replayed_init_later_epoch(m: Any) -> None:
    """The replayed-init schedule one epoch later: both sides advance, a handshake of
    epoch 1 completes, and its message 1 is delivered again."""
    m.AdvanceEpoch("a1")
    m.AdvanceEpoch("a2")
    epoch_machine._handshake(m)
    newest = m.state["nextId"] - 1
    m.deliver("HandleHandshake", "Init", lambda r: r.d["id"] == newest)


@pytest.mark.parametrize(
    ("variant", "named"), [("ref", None), ("first-epoch-replay-guard", "ERNoReplayedInit")]
)
def test_a_replay_scenario_in_a_later_epoch_catches_what_the_profile_misses(
    variant: str, named: str | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The directed schedule the default profile lacks (its replayed-init runs in
    epoch 0 only): the reference passes it, the first-epoch-only replay guard fails."""
    monkeypatch.setitem(
        EPOCH_VARIANTS, "first-epoch-replay-guard", MISSED["epoch", "first-epoch-replay-guard"][0]
    )
    backend = EpochBackend(variant)
    [(_, found)] = run_directed(
        epoch_machine._make(backend), {"replayed-init-later-epoch": _replayed_init_later_epoch}
    )
    if named is None:
        assert found is None, str(found)
    else:
        assert found is not None and named in str(found)


def _receipt_after_epoch_advance(m: Any) -> None:
    """A receipt of epoch 0 accepted, the epoch advanced, and the first receipt of
    epoch 1 from the same source delivered."""
    m.PrepareOperation(("a1", "a2"), 1)
    m.ExecuteEffects(False)
    m.deliver(lambda r: True)
    m.AdvanceEpoch()
    m.PrepareOperation(("a1", "a2"), 1)
    m.ExecuteEffects(False)
    m.deliver(lambda r: r.d["epoch"] == 1)


@pytest.mark.parametrize(
    ("variant", "named"), [("ref", None), ("epoch-blind-chain", "GCReceiptResumesAfterLoss")]
)
def test_a_receipt_schedule_across_an_epoch_catches_what_the_profile_misses(
    variant: str, named: str | None
) -> None:
    """The directed schedule the guard profile lacks: the reference passes it, a
    verifier keying its chains by source only (not by epoch) fails."""
    chosen = MISSED["guard", variant][0] if variant != "ref" else "ref"
    backend = ReferenceBackend(chosen)
    [(_, found)] = run_directed(
        guard_machine.make_machine(backend), {"receipt-after-advance": _receipt_after_epoch_advance}
    )
    if named is None:
        assert found is None, str(found)
    else:
        assert found is not None and named in str(found)
