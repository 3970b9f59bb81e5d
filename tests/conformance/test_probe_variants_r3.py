"""The red team's third round of wrong backends through the default profile.

Each probe keeps one plausible implementation mistake against a rule of
DESIGN.md (``aura_conformance.variants._probe_variants_r3``), written without
reading what the harness checks. A probe the default profile rejects must stay
rejected naming the invariant (or step) it is rejected for. A probe it misses is
an expected failure: the reason, which rule or scenario is absent, is written
next to it, and the test turns red on the day the harness learns to catch it, so
the probe can then move to CAUGHT (and ``WRONG_BACKENDS``).

The tables below are run by test_probe_rounds.py, with every other round's.
"""

from __future__ import annotations

from typing import Any

from aura_conformance.descriptor_validity.world import DVVariant
from aura_conformance.epoch_rotation.world import EpochVariant
from aura_conformance.guard_chain.world import Variant
from aura_conformance.relay.world import RelayVariant
from aura_conformance.variants import _probe_variants_r3 as P
from aura_conformance.wire.backends import WireVariant


def _g(name: str, **parts: Any) -> Variant:
    return Variant(name, "red-team probe (round 3)", **parts)


def _e(name: str, **parts: Any) -> EpochVariant:
    return EpochVariant(name, "red-team probe (round 3)", **parts)


def _d(name: str, service: Any) -> DVVariant:
    return DVVariant(name, "red-team probe (round 3)", service=service)


def _w(name: str, **parts: Any) -> WireVariant:
    return WireVariant(name, "red-team probe (round 3)", **parts)


# (spec, probe) -> (the variant, what its rejection must name)
CAUGHT: dict[tuple[str, str], tuple[Any, str]] = {
    ("guard", "any-roster-signer"): (
        _g("any-roster-signer", verifier=P.AnyRosterSignerVerifier),
        "GCReceiptSigner",
    ),
    # Caught because the harness reads each receipt's signer with the standard
    # encoding: a signature that leaves the cost out verifies under nobody's key,
    # so the receipts look forged. No rule tampers with a receipt's cost.
    ("guard", "cost-unsigned-receipt"): (
        _g("cost-unsigned-receipt", issuer=P.CostUnsignedIssuer, verifier=P.CostUnsignedVerifier),
        "GCAtomicRollback",
    ),
    # Rejected by the over-limit schedule's unexplained PrepareOperation, no invariant.
    ("guard", "grace-epoch-receipt"): (
        _g("grace-epoch-receipt", verifier=P.GraceEpochVerifier),
        "GCReceiptEpoch",
    ),
    # Caught because the harness links receipts by the standard chain hash: a link
    # to a body hash names no issued receipt.
    ("guard", "body-hash-chain"): (
        _g("body-hash-chain", issuer=P.BodyHashIssuer, verifier=P.BodyHashVerifier),
        "GCReceiptVerifiable",
    ),
    ("guard", "remaining-only-budget"): (
        _g("remaining-only-budget", guards=P.remaining_only_guards),
        "no action of Next explains the step",
    ),
    # Caught since the replayed-confirmation schedule (registered in EPOCH_VARIANTS).
    ("epoch", "unrecorded-confirmation"): (
        _e("unrecorded-confirmation", manager=P.UnrecordedConfirmManager),
        "TransportNoReplay",
    ),
    ("epoch", "context-blind-replay-guard"): (
        _e("context-blind-replay-guard", replay_guard=P.ContextBlindReplayGuard),
        "ERReplayGuardAuthenticated",
    ),
    # Rejected by an unexplained step (the greatest confirmed timestamp never moves).
    ("epoch", "forget-on-confirm-replay-guard"): (
        _e("forget-on-confirm-replay-guard", replay_guard=P.ForgetOnConfirmReplayGuard),
        "no action of Next explains the step",
    ),
    # The own descriptor's commitment is judged with the same stale PSK.
    ("epoch", "first-epoch-psk"): (
        _e("first-epoch-psk", membership=P.FirstEpochPskMembership),
        "RVRefreshAfterRotation",
    ),
    # The world's reference responder does not answer such a message 1.
    ("epoch", "context-free-prologue"): (
        _e("context-free-prologue", prologue=P.ContextFreePrologue),
        "WireReportedState",
    ),
    ("descriptor", "revoked-own-fresh"): (
        _d("revoked-own-fresh", P.RevokedOwnFreshService),
        "DVNeedsRefresh",
    ),
    # Rejected by the lookup check, which names the spec's DVLookup, no invariant.
    ("descriptor", "local-only-cache"): (
        _d("local-only-cache", P.LocalOnlyCacheService),
        "DVLookup is",
    ),
    # Caught since ForgeRevocation also writes the forgery under the forger's own name
    # (registered in DV_VARIANTS).
    ("descriptor", "nonce-only-revocation"): (
        _d("nonce-only-revocation", P.NonceOnlyRevocationService),
        "DVOnlyPublisherRevokes",
    ),
    # Caught since the republish-same-tick schedule: a revoked descriptor's successor
    # shares its valid_from, and a member holding both without the revocation must
    # choose by nonce (registered in DV_VARIANTS).
    ("descriptor", "tie-by-journal-order"): (
        _d("tie-by-journal-order", P.TieByJournalOrderService),
        "DVChoiceDeterministic",
    ),
    ("descriptor", "any-context-refresh"): (
        _d("any-context-refresh", P.AnyContextRefreshService),
        "DVNeedsRefresh",
    ),
    # Rejected by an unexplained DVPrune step, no invariant.
    ("descriptor", "prune-by-valid-from"): (
        _d("prune-by-valid-from", P.PruneByValidFromService),
        "no action of Next explains the step",
    ),
    # The revoked-then-pruned-converges schedule (random runs found it, and
    # unknown-revocation-dropped, until a second publisher changed seed 0's draws).
    ("descriptor", "live-only-answer"): (
        _d("live-only-answer", P.LiveOnlyAnswerService),
        "DVConverges",
    ),
    # Caught since the lookups are also checked with a member's clock one unit behind
    # (registered in DV_VARIANTS).
    ("descriptor", "from-unchecked"): (
        _d("from-unchecked", P.FromUncheckedService),
        "DVChosenValid",
    ),
    ("descriptor", "version-memo-choice"): (
        _d("version-memo-choice", P.VersionMemoChoiceService),
        "DVLookup is",
    ),
    # The revoked-then-pruned-converges schedule: a revocation whose descriptor a1
    # pruned reaches members that never held that descriptor.
    ("descriptor", "unknown-revocation-dropped"): (
        _d("unknown-revocation-dropped", P.UnknownRevocationDroppedService),
        "DVConverges",
    ),
    # Wire probes are judged by interoperation with the reference peer.
    ("wire", "stuck-send-counter"): (
        _w("stuck-send-counter", manager=P.StuckCounterManager),
        "WireInterop",
    ),
    ("wire", "context-free-prologue"): (
        _w("context-free-prologue", prologue=P.ContextFreePrologue),
        "WireInterop",
    ),
    # Caught since the relay's attacker misaddresses a message 1 and swaps, strips
    # and reuses receipts (receiver's sends judged), and a paid step's charge must be
    # its cost exactly (registered in RELAY_VARIANTS).
    ("relay", "non-member-forwarding-relay"): (
        RelayVariant(relay=P.NonMemberForwardingRelay),
        "RVMembersOnly",
    ),
    ("relay", "dst-blind-receipts"): (
        RelayVariant(peers=P.DstBlindReceiptsService, relay=P.DstBlindReceiptsService),
        "GCReceiptVerifiable",
    ),
    ("relay", "sender-blind-receipt"): (
        RelayVariant(peers=P.SenderBlindReceiptService, relay=P.SenderBlindReceiptService),
        "GCReceiptSigner",
    ),
    ("relay", "seed-relay-cost"): (
        RelayVariant(peers=P.SeedCostRelayService),
        "GCAtomicRollback",
    ),
    ("relay", "unpaid-response-relay"): (
        RelayVariant(relay=P.UnpaidResponseRelayService),
        "GCReceiptVerifiable",
    ),
    ("relay", "subject-blind-relay"): (
        RelayVariant(relay=P.SubjectBlindRelayService),
        "RVRelayAuthorized",
    ),
    # Caught since the forged-link schedule forges a receipt that directly follows
    # the one its receiver accepted.
    ("guard", "link-trusting-verifier"): (
        _g("link-trusting-verifier", verifier=P.LinkTrustingVerifier),
        "GCReceiptSigner",
    ),
    # Caught since the timeout-at-deadline schedule ticks to the deadline exactly and
    # the obligation counts a deadline reached as passed (the reference's rule).
    ("epoch", "late-deadline"): (
        _e("late-deadline", manager=P.LateDeadlineManager),
        "ERHandshakeTerminates",
    ),
    # Caught since the guard world has two capability holders and the two-sources
    # schedule interleaves their receipts at one receiver: the second source's
    # first receipt is refused as a replay.
    ("guard", "source-blind-verifier"): (
        _g("source-blind-verifier", verifier=P.SourceBlindVerifier),
        "GCReceiptResumesAfterLoss",
    ),
    # Caught since the epoch world judges a key confirmation as the service does
    # (prepare_confirm at the delivery's time) and the confirmation-past-deadline
    # schedule delivers it at its deadline, before the timer fired.
    ("epoch", "deadline-blind-confirm"): (
        _e("deadline-blind-confirm", manager=P.DeadlineBlindConfirmManager),
        "ERHandshakeTerminates",
    ),
}

# (spec, probe) -> (the variant, the invariant it breaks, why the default profile misses it)
MISSED: dict[tuple[str, str], tuple[Any, str, str]] = {}

SLOW = {
    ("descriptor", "prune-by-valid-from"),
    ("descriptor", "live-only-answer"),
    ("epoch", "forget-on-confirm-replay-guard"),
    ("epoch", "context-free-prologue"),
    ("descriptor", "revoked-own-fresh"),
    ("descriptor", "unknown-revocation-dropped"),
    ("wire", "stuck-send-counter"),
}
