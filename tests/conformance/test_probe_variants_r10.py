"""The red team's tenth round of wrong backends through the default profile.

Each probe keeps one plausible implementation mistake against a rule of DESIGN.md
the earlier rounds did not probe (``_probe_variants_r10``): a receipt whose
operation is unsigned, a sealed descriptor whose associated data leaves out the
epoch, a descriptor signature that leaves out the PSK commitment, synced facts
deduplicated by (author, stamp), a merge that sets the Lamport clock to the stamp
it merged, a merge that takes a fact of another context, a connect charged before
the PSK commitment is compared, a relay that forwards uncharged past its budget, a
rekey that keeps the old channel id, an epoch advance that closes the old channels,
and a key confirmation taken at counter 0 only. A probe the default profile rejects
must stay rejected naming the invariant (or check) it is rejected for. A probe it
misses is an expected failure with its reason, and the test turns red on the day
the harness learns to catch it, so the probe can then move to CAUGHT.

The tables below are run by test_probe_rounds.py, with every other round's.
"""

from __future__ import annotations

from typing import Any

from aura_conformance.guard_chain.world import Variant
from aura_conformance.relay.world import RelayVariant

from . import _probe_variants_r10 as P
from .probe_runs import ProbeAuthor

_WHO = "red-team probe (round 10)"
_e = ProbeAuthor(_WHO).epoch
_w = ProbeAuthor(_WHO).wire
_d = ProbeAuthor(_WHO).descriptor


# (spec, probe) -> (the variant, what its rejection must name)
CAUGHT: dict[tuple[str, str], tuple[Any, str]] = {
    # Caught because the harness reads each receipt's signer with the standard
    # encoding (as cost- and epoch-unsigned-receipt).
    ("guard", "operation-unsigned-receipt"): (
        Variant(
            "operation-unsigned-receipt",
            _WHO,
            issuer=P.OperationUnsignedIssuer,
            verifier=P.OperationUnsignedVerifier,
        ),
        "GCAtomicRollback",
    ),
    # The reference peer opens the backend's descriptor with DESIGN.md 2's AD.
    ("wire", "epochless-descriptor-ad"): (
        _w("epochless-descriptor-ad", desk=P.EpochlessAdDesk),
        "Rejected:DecryptFailed",
    ),
    # The reference peer verifies the backend's descriptor over every field.
    ("wire", "commitment-unsigned-descriptor"): (
        _w("commitment-unsigned-descriptor", desk=P.CommitmentUnsignedDesk),
        "Rejected:BadSignature",
    ),
    # relayed-through-a-member: merging an older fact moves a2's clock back.
    ("descriptor", "assigning-merge-clock"): (
        _d("assigning-merge-clock", P.AssigningClockService),
        "DVClockCoversStamps",
    ),
    # past-epoch-descriptor: Ini's RelayRequest on a descriptor of the past epoch keeps
    # its charge and sends nothing (the relay machine's effects check: a paid request
    # that sent nothing must have cost nothing).
    ("relay", "charge-before-commitment"): (
        RelayVariant(peers=P.ChargeBeforeCommitmentService),
        "scenario past-epoch-descriptor: invariant: GCAtomicRollback",
    ),
    # rotation: Ini's data of the rekeyed channel goes out under handshake 1's id.
    ("epoch", "rekey-keeps-channel-id"): (
        _e("rekey-keeps-channel-id", manager=P.RekeyKeepsIdManager),
        "scenario rotation: check: FreshChannelId failed",
    ),
    # The reference peer derives the new channel's id and knows no channel by the old.
    ("wire", "rekey-keeps-channel-id"): (
        _w("rekey-keeps-channel-id", manager=P.RekeyKeepsIdManager),
        "Rejected:UnknownChannel",
    ),
    # rotation: the advance closes Ini's Active channel where the spec marks it Rotating.
    ("epoch", "closing-advance"): (
        _e("closing-advance", manager=P.ClosingAdvanceManager),
        "scenario rotation: step: no action of Next explains the step "
        "(harness action: AdvanceEpoch)",
    ),
    # overtaken-confirmation: Ini's data message 1 reaches Resp before the confirmation.
    ("epoch", "counter-zero-confirmation"): (
        _e("counter-zero-confirmation", manager=P.CounterZeroConfirmManager),
        "scenario overtaken-confirmation: check: KeyConfirm failed",
    ),
}

# (spec, probe) -> (the variant, the invariant it breaks, why the default profile misses it)
MISSED: dict[tuple[str, str], tuple[Any, str, str]] = {
    ("descriptor", "stamp-keyed-merge"): (
        _d("stamp-keyed-merge", P.StampKeyedMergeService),
        "DVConverges",
        "unobservable with honest members: an author's appends take strictly growing "
        "stamps, and the one append that gives a stamp back (a rolled-back one) never "
        "left its replica, so no two facts ever travel under one (author, stamp). "
        "Showing it needs a member that equivocates (two facts signed under one stamp), "
        "which DescriptorValidity.tla and the world do not have",
    ),
    ("descriptor", "foreign-context-merge"): (
        _d("foreign-context-merge", P.ForeignContextMergeService),
        "DVNoCrossContext",
        "only a wrong member sends a fact of another context in a sync (every member "
        "of the world is the backend, whose answers are per context), and the world's "
        "attacker (unsigned facts, huge stamps, an outsider's digest) has no cross-"
        "context sync: catching it needs a new attacker action in the descriptor "
        "world and its stdio protocol, with no step of DescriptorValidity.tla to judge",
    ),
    ("relay", "overdraft-forward"): (
        RelayVariant(relay=P.OverdraftForwardService),
        "RVBudgetWithinLimit",
        "the relay never reaches its budget's end: the model's bounds (MAX_HS = 2 "
        "handshakes, each forward paid once) keep it at most 6 of its LIMIT of 8 in "
        "an epoch over the default profile's runs (measured), so the uncharged path "
        "never runs; a schedule past the limit needs larger model constants",
    ),
    ("wire", "closing-advance"): (
        _w("closing-advance", manager=P.ClosingAdvanceManager),
        "ERNoRevival",
        "a channel closed on the advance is forgotten, and the wire mode reads a "
        "reported 'None' as compatible with a Rotating slot (a backend reports its "
        "newest channel; one dropped on an advance leaves none), while the Connect that "
        "rekeys runs the same either way; the epoch world, which holds the channel "
        "states, catches it",
    ),
    ("wire", "counter-zero-confirmation"): (
        _w("counter-zero-confirmation", manager=P.CounterZeroConfirmManager),
        "ERHandshakeTerminates",
        "no wire schedule delivers the reference initiator's data before its key "
        "confirmation (the harness carries the confirmation first); the epoch world's "
        "overtaken-confirmation catches it",
    ),
}

# Those that take more than a few seconds to be rejected (a directed schedule late
# in the list), kept for make test-slow.
SLOW: set[tuple[str, str]] = set()
