"""The red team's ninth round of wrong backends through the default profile.

Each probe keeps one plausible implementation mistake against a rule of DESIGN.md
the earlier rounds did not probe (``_probe_variants_r9``): a context key derived
without the context id, the PSK itself as its commitment, a descriptor key derived
under the PSK's label, a receipt whose epoch is unsigned, a responder that seals
before its key confirmation, a key confirmation that must carry data, an old channel
a rekey leaves ``Rotating``, a message 2 judged without its deadline, a replayed
message 1 answered again with the first answer, a "busy" notice on a budget deny, a
connect charge kept when nothing was sent, a descriptor backdated for clock skew, a
revoked descriptor used when nothing else is left, a revocation that retires every
descriptor of its publisher, a merge that skips what an author's later fact already
passed, a message 1 stamped with the bare clock, and a relay that wants a receipt
for the free messages too. A probe the default profile rejects must stay rejected
naming the invariant (or check) it is rejected for. A probe it misses is an expected
failure with its reason, and the test turns red on the day the harness learns to
catch it, so the probe can then move to CAUGHT.

The tables below are run by test_probe_rounds.py, with every other round's.
"""

from __future__ import annotations

from typing import Any

from aura_conformance.guard_chain.world import Variant
from aura_conformance.relay.world import RelayVariant

from . import _probe_variants_r9 as P
from .probe_runs import ProbeAuthor

_WHO = "red-team probe (round 9)"
_e = ProbeAuthor(_WHO).epoch
_w = ProbeAuthor(_WHO).wire
_d = ProbeAuthor(_WHO).descriptor


# (spec, probe) -> (the variant, what its rejection must name)
CAUGHT: dict[tuple[str, str], tuple[Any, str]] = {
    # The world reads a PSK that is not DESIGN.md 1's derivation as a public one.
    ("epoch", "context-free-context-key"): (
        _e("context-free-context-key", membership=P.ContextFreeKeyMembership),
        "ERPskSecret",
    ),
    # The reference peer's connect guard compares the descriptor's commitment.
    ("wire", "context-free-context-key"): (
        _w(
            "context-free-context-key",
            authority=P.ContextFreeKeyAuthority,
            desk=P.ContextFreeKeyDesk,
        ),
        "PskCommitmentMismatch",
    ),
    ("wire", "psk-as-commitment"): (
        _w("psk-as-commitment", desk=P.PskAsCommitmentDesk),
        "PskCommitmentMismatch",
    ),
    # The reference peer opens the descriptor under DESIGN.md 1's descriptor key.
    ("wire", "psk-label-descriptor-key"): (
        _w("psk-label-descriptor-key", desk=P.PskLabelDescriptorKeyDesk),
        "Rejected:DecryptFailed",
    ),
    # Caught because the harness reads each receipt's signer with the standard
    # encoding (as cost-unsigned-receipt): no rule relabels a receipt's epoch.
    ("guard", "epoch-unsigned-receipt"): (
        Variant(
            "epoch-unsigned-receipt",
            _WHO,
            issuer=P.EpochUnsignedIssuer,
            verifier=P.EpochUnsignedVerifier,
        ),
        "GCAtomicRollback",
    ),
    # Resp's SendData while its channel waits for the confirmation: no Send of the spec.
    ("epoch", "early-sealing-responder"): (
        _e("early-sealing-responder", manager=P.EarlySealingManager),
        "no action of Next explains the step (harness action: SendData)",
    ),
    # The reference initiator's key confirmation is empty.
    ("epoch", "data-confirms"): (
        _e("data-confirms", manager=P.DataConfirmsManager),
        "check: KeyConfirm failed",
    ),
    # replays-resp: the replayed message 1's answer is the first answer's bytes,
    # ephemeral key and all.
    ("wire", "retransmit-answer"): (
        _w("retransmit-answer", authority=P.RetransmitAnswerAuthority),
        "WireFreshEphemeral",
    ),
    # rekeyed-then-closed: once Ini closed its new channel, its lookup finds the old
    # epoch's, which the rekey should have retired.
    ("epoch", "unsuperseded-rotating"): (
        _e("unsuperseded-rotating", manager=P.UnsupersededRotatingManager),
        "scenario rekeyed-then-closed: invariant: ERNoRevival violated",
    ),
    # A message 2 at the deadline, before any Tick.
    ("epoch", "response-deadline-blind"): (
        _e("response-deadline-blind", manager=P.ResponseDeadlineBlindManager),
        "scenario response-past-deadline: property: ERHandshakeTerminates violated",
    ),
    ("wire", "response-deadline-blind"): (
        _w("response-deadline-blind", manager=P.ResponseDeadlineBlindManager),
        "scenario message-2-at-deadline: ERHandshakeTerminates",
    ),
    # budget-exhaustion: the denied Establish sends a frame; a deny is a stutter.
    ("wire", "busy-notice"): (
        _w("busy-notice", ports=P.BusyNoticePorts),
        "no action of Next explains the step (harness action: Establish)",
    ),
    ("wire", "early-sealing-responder"): (
        _w("early-sealing-responder", manager=P.EarlySealingManager),
        "WireNothingSentOnReject",
    ),
    ("wire", "data-confirms"): (
        _w("data-confirms", manager=P.DataConfirmsManager),
        "reports channel 'Establishing' after the key confirmation, expected Active",
    ),
    # refresh-arrival-order's publication at time 1 starts at 0.
    ("descriptor", "backdated-from"): (
        _d("backdated-from", P.BackdatedFromService),
        "no action of Next explains the step (harness action: PreparePublishDescriptor)",
    ),
    ("descriptor", "revoked-fallback"): (
        _d("revoked-fallback", P.RevokedFallbackService),
        "DVRevokedNeverChosen",
    ),
    # republish-same-tick: a1 revokes its first descriptor and its second vanishes too.
    ("descriptor", "authority-wide-revocation"): (
        _d("authority-wide-revocation", P.AuthorityWideRevocationService),
        "lookup: get_cached_descriptor of a1 for a1 in c1 is {}",
    ),
    # A random run: a fact reaching a member after a later one of its author.
    ("descriptor", "origin-watermark-merge"): (
        _d("origin-watermark-merge", P.OriginWatermarkMergeService),
        "DVConverges",
    ),
    # The relay refuses the key confirmation: the relayed handshake stalls.
    ("relay", "paid-confirmation"): (
        RelayVariant(relay=P.PaidConfirmationRelayService),
        "scenario relayed-handshake: check: ScheduleProgress failed",
    ),
    # superseded-handshake: Ini's two starts in one millisecond carry one timestamp,
    # and Resp refuses the second as not newer than the first.
    ("relay", "clock-stamp"): (
        RelayVariant(peers=P.ClockStampService),
        "scenario superseded-handshake: check: ScheduleProgress failed",
    ),
}

# (spec, probe) -> (the variant, the invariant it breaks, why the default profile misses it)
MISSED: dict[tuple[str, str], tuple[Any, str, str]] = {
    ("wire", "keep-charge-on-refusal"): (
        _w("keep-charge-on-refusal", ports=P.KeepChargeOnRefusalPorts),
        "GCAtomicRollback",
        "the charge it keeps is that of a start that sent nothing, and no reachable "
        "start fails: once the guards allow, the reference writes message 1 whatever "
        "the world gives it (the peer's roster key is a valid X25519 key, the timestamp "
        "a u64, the epoch the member's own), so the kept charge is dead code here. "
        "Showing it needs a start that fails after the charge (a low-order static key "
        "on the roster, which the roster's validators and the world never build)",
    ),
}

# Those that take more than a few seconds to be rejected (a directed schedule late
# in the list), kept for make test-slow.
SLOW: set[tuple[str, str]] = {
    ("epoch", "context-free-context-key"),
    ("wire", "retransmit-answer"),
    ("descriptor", "revoked-fallback"),
    ("descriptor", "backdated-from"),
    ("epoch", "early-sealing-responder"),
    ("wire", "early-sealing-responder"),
    ("relay", "clock-stamp"),
    ("epoch", "unsuperseded-rotating"),
    ("wire", "response-deadline-blind"),
}
