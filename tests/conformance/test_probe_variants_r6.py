"""The red team's sixth round of wrong backends through the default profile.

Each probe keeps one plausible implementation mistake against a rule of DESIGN.md
or docs/channels.md (``aura_conformance.variants._probe_variants_r6``, and the wire
mode's desk below): a confirmation timer left armed, a receive window moved before
the message authenticated, a garbled message that fails the handshake it names,
one counter for both directions, a channel id hashed without its length prefix, a
transport counter written little-endian, a PSK commitment hashed without its key,
a Lamport clock not written back, a validity saturated at the end of time, a
refresh window read in seconds, a receipt signature without its destination, a
relay memory not unwound on rollback. A probe the default profile rejects must
stay rejected naming the invariant (or check) it is rejected for. A probe it
misses is an expected failure: the reason, which rule or scenario is absent, is
written next to it, and the test turns red on the day the harness learns to catch
it, so the probe can then move to CAUGHT.

The tables below are run by test_probe_rounds.py, with every other round's.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

import attrs
from aura_conformance.guard_chain.world import Variant
from aura_conformance.relay.world import RelayVariant
from aura_conformance.variants import _probe_variants_r6 as P
from aura_conformance.wire.descriptors import DescriptorDesk
from aura_rendezvous.descriptors import RendezvousDescriptor, TransportHint

from .probe_runs import ProbeAuthor

_WHO = "red-team probe (round 6)"
_e = ProbeAuthor(_WHO).epoch
_w = ProbeAuthor(_WHO).wire
_d = ProbeAuthor(_WHO).descriptor


class UnkeyedCommitmentDesk(DescriptorDesk):
    """The wire backend's descriptors commit to the PSK with a plain BLAKE2s of it,
    neither keyed nor labelled (DESIGN.md 1: a keyed BLAKE2s under its own label): a
    peer comparing with its own derivation reads "another epoch" and never connects.
    Kept here with the other wire probes: the variants package must not import the
    wire mode."""

    def build(
        self, now: int, epoch: int, hints: Sequence[TransportHint] | None = None
    ) -> RendezvousDescriptor:
        built = super().build(now, epoch, hints)
        plain = hashlib.blake2s(self.membership.handshake_psk(epoch)).digest()
        return attrs.evolve(built, handshake_psk_commitment=plain)


# (spec, probe) -> (the variant, what its rejection must name)
CAUGHT: dict[tuple[str, str], tuple[Any, str]] = {
    # A random run: a Tick past the old deadline fails the other context's confirmed
    # channel (that context's handshake is the world's, run at once).
    ("epoch", "armed-confirm-timer"): (
        _e("armed-confirm-timer", manager=P.ArmedConfirmTimerManager),
        "RVChannelContextBound",
    ),
    # The forged-data schedule: a copy of the key confirmation with its counter's top
    # byte flipped moves Resp's window to 2^56, and the genuine one (counter 0) is a
    # "replay".
    ("epoch", "window-first"): (
        _e("window-first", manager=P.WindowFirstManager),
        "KeyConfirm failed",
    ),
    # The forged-data schedule: the garbled copy fails Resp's Establishing channel.
    ("epoch", "fragile-establishing"): (
        _e("fragile-establishing", manager=P.FragileEstablishingManager),
        "ERForgeryNoEffect",
    ),
    # The crossing-data schedule: each side's counter 1 is refused by the other,
    # whose own send of counter 1 moved its window.
    ("epoch", "shared-counter"): (
        _e("shared-counter", manager=P.SharedCounterManager),
        "ReceiveData failed",
    ),
    # The closed-channel-data schedule: Resp's close wipes the replay guard's greatest
    # confirmed timestamp, which the spec's CloseChannel leaves as it is.
    ("epoch", "close-forgets-peer"): (
        _e("close-forgets-peer", manager=P.CloseForgetsPeerManager),
        "no action of Next explains the step (harness action: CloseChannel)",
    ),
    # The confirmation-past-deadline schedule: the refused confirmation moved the guard.
    ("epoch", "early-confirm-record"): (
        _e("early-confirm-record", manager=P.EarlyConfirmRecordManager),
        "ERReplayGuardAuthenticated",
    ),
    # A random run: the confirmed channel fails at its old deadline. Since rules are
    # drawn among the enabled ones, the seed's run reaches it on a Tick the spec
    # cannot explain by HandshakeTimeout (it named WireReportedState before).
    ("wire", "armed-confirm-timer"): (
        _w("armed-confirm-timer", manager=P.ArmedConfirmTimerManager),
        "no sequence of at most 2 of HandshakeTimeout explains the step (harness action: Tick)",
    ),
    # The tampered-message-1 schedule: the key confirmation with its tag flipped moves
    # the window to its counter 0, and the genuine confirmation is a "replay".
    ("wire", "window-first"): (
        _w("window-first", manager=P.WindowFirstManager),
        "reports channel 'Establishing' after the key confirmation",
    ),
    # The tampered-message-1 schedule, which now also flips a byte of the reference
    # peer's key confirmation before the genuine one.
    ("wire", "fragile-establishing"): (
        _w("fragile-establishing", manager=P.FragileEstablishingManager),
        "WireRejectsAttack",
    ),
    # The descriptor-expiry schedule's traffic both ways.
    ("wire", "shared-counter"): (
        _w("shared-counter", manager=P.SharedCounterManager),
        "refused the reference's newest transport message",
    ),
    # The reference peer knows the channel under the id DESIGN.md's encoding gives.
    ("wire", "unprefixed-channel-id"): (
        _w("unprefixed-channel-id", manager=P.UnprefixedChannelIdManager),
        "WireInterop",
    ),
    ("wire", "little-endian-counter"): (
        _w("little-endian-counter", manager=P.LittleEndianCounterManager),
        "WireInterop",
    ),
    # Every scenario's descriptor exchange: the reference peer's connect guard reads
    # the plain hash as another epoch's commitment.
    ("wire", "unkeyed-psk-commitment"): (
        _w("unkeyed-psk-commitment", desk=UnkeyedCommitmentDesk),
        "PskCommitmentMismatch",
    ),
    # The closed-resp schedule replays the closed channel's message 1.
    ("wire", "close-forgets-peer"): (
        _w("close-forgets-peer", manager=P.CloseForgetsPeerManager),
        "ERNoReplayedInit",
    ),
    # The publish-sync-revoke schedule: a1's clock stays 0 under the stamp 1.
    ("descriptor", "unpersisted-clock"): (
        _d("unpersisted-clock", P.UnpersistedClockService),
        "DVClockCoversStamps",
    ),
    # The refresh-at-the-end-of-time schedule's last publication, where now + validity
    # passes u64 max.
    ("descriptor", "saturating-validity"): (
        _d("saturating-validity", P.SaturatingValidityService),
        "DVBuildOverflow",
    ),
    # The refresh-at-last-millisecond schedule: a1 publishes while its descriptor is fresh.
    ("descriptor", "seconds-window"): (
        _d("seconds-window", P.SecondsWindowService),
        "DVNeedsRefresh",
    ),
    # Caught because the harness reads each receipt's signer with the standard
    # encoding (as cost-unsigned-receipt): no rule re-addresses a receipt.
    ("guard", "dst-unsigned-receipt"): (
        Variant(
            "dst-unsigned-receipt", _WHO, issuer=P.DstUnsignedIssuer, verifier=P.DstUnsignedVerifier
        ),
        "GCAtomicRollback",
    ),
    # The rolled-back-forward schedule: the envelope is refused as a replay when sent again.
    ("relay", "undo-less-forward-memory"): (
        RelayVariant(relay=P.UndoLessForwardMemoryService),
        "GCAtomicRollback",
    ),
}

# (spec, probe) -> (the variant, the invariant it breaks, why the default profile misses it)
MISSED: dict[tuple[str, str], tuple[Any, str, str]] = {
    ("epoch", "unprefixed-channel-id"): (
        _e("unprefixed-channel-id", manager=P.UnprefixedChannelIdManager),
        "WireInterop",
        "the epoch world runs the backend on both sides, so both agree on the id; the "
        "harness cannot recompute it (the handshake hash is the backend's) and the id "
        "binds the context, epoch and handshake as DESIGN.md 5 asks. The wire world, "
        "against the reference peer, catches it",
    ),
    ("epoch", "little-endian-counter"): (
        _e("little-endian-counter", manager=P.LittleEndianCounterManager),
        "WireInterop",
        "both sides read the counter the same wrong way, and the swapped counters still "
        "grow up to counter 255; only a peer reading the header as specified notices "
        "(the wire world catches it)",
    ),
    ("wire", "early-confirm-record"): (
        _w("early-confirm-record", manager=P.EarlyConfirmRecordManager),
        "ERReplayGuardAuthenticated",
        "the wire backend reports no replay guard, and the timestamp noted early is "
        "authenticated (the confirmation decrypted): an honest peer's later message 1s "
        "are newer, so nothing on the wire differs. The epoch world, which reads the "
        "guard, catches it",
    ),
}

# Those that take more than a few seconds to be rejected (random runs, or a
# directed schedule late in the list).
SLOW: set[tuple[str, str]] = {
    ("epoch", "close-forgets-peer"),
    ("wire", "armed-confirm-timer"),
    ("wire", "close-forgets-peer"),
    ("wire", "fragile-establishing"),
    ("wire", "window-first"),
    ("descriptor", "saturating-validity"),
    ("relay", "undo-less-forward-memory"),
}
