"""Every wrong backend shipped, with the invariant the harness names when it rejects it.

Keyed by the spec as ``aura-verify conform --spec`` names it and the backend's
name in that spec's table (``VARIANTS``, ``EPOCH_VARIANTS``, ``DV_VARIANTS``,
``RELAY_VARIANTS``). The conformance stage runs each through the default
profile and demands a rejection that names this invariant.
"""

from __future__ import annotations

__all__ = ["WRONG_BACKENDS"]

WRONG_BACKENDS: dict[tuple[str, str], str] = {
    ("guard", "double-charge"): "GCAtomicRollback",
    ("guard", "no-rollback"): "GCAtomicRollback",
    ("guard", "no-replay-check"): "GCReceiptNoReplay",
    ("guard", "no-chain-check"): "GCReceiptChain",
    ("guard", "no-signature-check"): "GCReceiptSigner",
    ("guard", "no-epoch-check"): "GCReceiptEpoch",
    ("guard", "chain-per-source"): "GCReceiptVerifiable",
    ("guard", "strict-chain"): "GCReceiptResumesAfterLoss",
    ("guard", "effects-on-deny"): "GCNoEffectOnDeny",
    ("guard", "charge-after-send"): "GCChargeFirst",
    ("guard", "charge-after-append"): "GCChargeFirst",
    ("guard", "eager-channel-state"): "GCChannelStateAtomic",
    ("guard", "non-strict-receipt-nonce"): "GCReceiptNoReplay",
    ("guard", "epoch-blind-chain"): "GCReceiptResumesAfterLoss",
    ("guard", "budget-off-by-one"): "GCBudgetOK",
    ("epoch", "psk-from-public-ids"): "ERPskSecret",
    ("epoch", "no-handshake-replay-check"): "ERNoReplayedInit",
    ("epoch", "keep-replaced-handshake"): "ERNoRevival",
    ("epoch", "rotate-in-place"): "ERRekeyIsNewHandshake",
    ("epoch", "lazy-epoch-advance"): "ERNoStaleActive",
    ("epoch", "epoch-judged-unknown-channel"): "ERRejectTyped",
    ("epoch", "refresh-ignores-epoch"): "RVRefreshAfterRotation",
    ("epoch", "eager-replay-guard"): "ERReplayGuardAuthenticated",
    ("epoch", "epoch-blind-replay-guard"): "ERReplayGuardAuthenticated",
    ("epoch", "fragile-pending"): "ERForgeryNoEffect",
    ("epoch", "unchecked-static-key"): "RVMembersOnly",
    ("epoch", "epoch-free-prologue"): "ERNoStaleActive",
    ("epoch", "revive-on-rotate"): "ERNoRevival",
    ("epoch", "peer-only-lookup"): "RVChannelContextBound",
    ("epoch", "eager-responder"): "ERKeyConfirmed",
    ("epoch", "rotating-opens"): "ERRetiredEpochRejected",
    ("epoch", "rotating-seals"): "ERNoStaleActive",
    ("epoch", "pending-survives-advance"): "ERNoStaleActive",
    ("epoch", "non-strict-replay-guard"): "ERNoReplayedInit",
    ("epoch", "first-epoch-replay-guard"): "ERNoReplayedInit",
    ("epoch", "timeout-ignored"): "ERHandshakeTerminates",
    ("epoch", "transport-counter-unchecked"): "TransportNoReplay",
    ("descriptor", "revocation-ignored"): "DVRevokedNeverChosen",
    ("descriptor", "last-arrived"): "DVChoiceDeterministic",
    ("descriptor", "self-claimed-sync"): "DVOnlyMembersKnow",
    ("descriptor", "unsigned-facts"): "DVFactsAttributable",
    ("descriptor", "capped-sync"): "DVSyncAvailable",
    ("descriptor", "unbounded-lamport"): "DVClockBounded",
    ("descriptor", "publisher-only-revocation-sync"): "DVSyncAvailable",
    ("descriptor", "any-context-choice"): "DVNoCrossContext",
    ("descriptor", "any-member-revocation"): "DVOnlyPublisherRevokes",
    ("descriptor", "horizon-blind-sync"): "DVPrunedStaysPruned",
    ("descriptor", "prune-keeps-facts"): "DVPrunedStaysPruned",
    ("descriptor", "late-refresh"): "DVNeedsRefresh",
    ("descriptor", "clockless-merge"): "DVClockCoversStamps",
    ("relay", "junk-forwarding-relay"): "RVRelayForwardsOnlyProtocol",
    ("relay", "direct-confirmation"): "RVRelayedEndToEnd",
    ("relay", "first-relay-only"): "RVRelayFallback",
    ("relay", "replay-forwarding-relay"): "RVRelayForwardsOnce",
    ("relay", "uncharged-relay-request"): "GCAtomicRollback",
}
