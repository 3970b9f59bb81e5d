"""The red team's fourth round of wrong backends through the default profile.

Each probe keeps one subtle implementation mistake against a rule of DESIGN.md
(``aura_conformance.variants._probe_variants_r4``): an off-by-one at a window's
edge, state kept or dropped across an epoch, a derivation's bytes in the wrong
order, a rollback that forgets one piece, a memory keyed by the wrong party. A
probe the default profile rejects must stay rejected naming the invariant (or
step) it is rejected for. A probe it misses is an expected failure: the reason,
which rule or scenario is absent, is written next to it, and the test turns red
on the day the harness learns to catch it, so the probe can then move to CAUGHT
(and ``WRONG_BACKENDS``).

The tables below are run by test_probe_rounds.py, with every other round's.
"""

from __future__ import annotations

from typing import Any

import attrs
from aura_conformance.descriptor_validity.world import DVVariant
from aura_conformance.epoch_rotation.world import EpochVariant
from aura_conformance.guard_chain.world import Variant
from aura_conformance.relay.world import RelayVariant
from aura_conformance.variants import _probe_variants_r4 as P
from aura_conformance.wire.authority import WireAuthority
from aura_conformance.wire.backends import WireVariant
from aura_rendezvous.channels import HandshakeConfig
from aura_rendezvous.core import derive_handshake_psk


def _g(name: str, **parts: Any) -> Variant:
    return Variant(name, "red-team probe (round 4)", **parts)


def _e(name: str, **parts: Any) -> EpochVariant:
    return EpochVariant(name, "red-team probe (round 4)", **parts)


def _d(name: str, service: Any) -> DVVariant:
    return DVVariant(name, "red-team probe (round 4)", service=service)


class LittleEndianEpochAuthority(WireAuthority):
    """:class:`~aura_conformance.variants._probe_variants_r4.LittleEndianEpochMembership`'s
    PSK in a wire backend (kept here: the variants package must not import the wire
    mode, which reaches the variants through the guard harness)."""

    def _config(self) -> HandshakeConfig:
        psk = derive_handshake_psk(self.root_secret, self.context, P._byte_swapped(self.epoch))
        return attrs.evolve(super()._config(), psk=psk)


def _w(name: str, **parts: Any) -> WireVariant:
    return WireVariant(name, "red-team probe (round 4)", **parts)


# (spec, probe) -> (the variant, what its rejection must name)
CAUGHT: dict[tuple[str, str], tuple[Any, str]] = {
    # The rollback schedule: the receipt issued after a rolled-back one reuses its
    # nonce but links to the undone receipt.
    ("guard", "half-undo-issuer"): (
        _g("half-undo-issuer", issuer=P.HalfUndoIssuer),
        "GCReceiptVerifiable",
    ),
    # The epoch-budget schedule: the first receipt of epoch 1 links to a receipt of
    # epoch 0.
    ("guard", "epoch-carry-issuer"): (
        _g("epoch-carry-issuer", issuer=P.EpochCarryIssuer),
        "GCReceiptVerifiable",
    ),
    # The rolled-back-receive schedule: a2's outcome taking a1's receipt 2 fails at
    # its append; the probe's rollback forgets a1's stream, so receipt 1 delivered
    # again is accepted a second time.
    ("guard", "restarting-undo-verifier"): (
        _g("restarting-undo-verifier", verifier=P.RestartingUndoVerifier),
        "GCReceiptNoReplay",
    ),
    # The same schedule: the rolled-back outcome leaves receipt 2 among a2's accepted
    # (the rollback is no stutter).
    ("guard", "kept-acceptance"): (
        _g("kept-acceptance", interpreter=P.KeptAcceptanceInterpreter),
        "GCAtomicRollback",
    ),
    # The first receipt's nonce 0 is outside the spec's nonces (GCTypeOK), at the
    # first send.
    ("guard", "zero-based-nonce"): (
        _g("zero-based-nonce", issuer=P.ZeroBasedNonceIssuer),
        "GCTypeOK",
    ),
    # The rolled-back-forward schedule: the relay's forward of the attacker's message 1
    # (Ini's receipt 3) fails after accepting it; the probe's rollback forgets Ini's
    # stream, so Ini's first message 1 (receipt 1, below the accepted 2) is forwarded.
    ("relay", "restarting-undo-verifier"): (
        RelayVariant(peers=P.RestartingUndoService, relay=P.RestartingUndoService),
        "GCReceiptNoReplay",
    ),
    # The same schedule: receipt 3 stays the head of Ini's stream, so the forward asked
    # again after its rollback is refused as a replay.
    ("relay", "head-keeping-undo"): (
        RelayVariant(peers=P.HeadKeepingUndoService, relay=P.HeadKeepingUndoService),
        "GCAtomicRollback",
    ),
    # Rejected by an unexplained PrepareEstablishChannel after the rotation; the
    # report then attributes the step to BUG_PskFromPublicIds (ERPskSecret), though
    # this PSK is secret, only derived with the epoch's bytes in the wrong order.
    ("epoch", "little-endian-epoch-psk"): (
        _e("little-endian-epoch-psk", membership=P.LittleEndianEpochMembership),
        "no action of Next explains the step",
    ),
    ("epoch", "initiator-blind-replay-guard"): (
        _e("initiator-blind-replay-guard", replay_guard=P.InitiatorBlindReplayGuard),
        "ERReplayGuardAuthenticated",
    ),
    ("epoch", "equal-counter"): (
        _e("equal-counter", manager=P.EqualCounterManager),
        "TransportNoReplay",
    ),
    # Rejected at the AdvanceEpoch step: the retired epoch's channel stays Active.
    ("epoch", "lagging-advance"): (
        _e("lagging-advance", manager=P.LaggingAdvanceManager),
        "ERNoStaleActive",
    ),
    # The other-context-replay schedule: once the spec's context advanced, the other
    # context's confirmed message 1 is answered again.
    ("epoch", "over-forgetting-replay-guard"): (
        _e("over-forgetting-replay-guard", replay_guard=P.OverForgettingReplayGuard),
        "ERNoReplayedInit",
    ),
    # The revoke-the-newer schedule: a1's refresh is revoked while its first
    # descriptor is still valid, and the probe answers none for a1 itself.
    ("descriptor", "no-fallback-choice"): (
        _d("no-fallback-choice", P.NoFallbackChoiceService),
        "DVLookup",
    ),
    # The descending-nonces schedule: a1's refresh carries a smaller nonce than its
    # first descriptor, and the probe answers the first.
    ("descriptor", "nonce-first-choice"): (
        _d("nonce-first-choice", P.NonceFirstChoiceService),
        "DVLookup",
    ),
    # The refresh-at-last-millisecond schedule: at 999 ms, the last millisecond of unit
    # 0, a1's descriptor of [0, 2000) ms needs no refresh (1999 < 2000), and the probe
    # publishes one.
    ("descriptor", "early-refresh"): (
        _d("early-refresh", P.EarlyRefreshService),
        "DVNeedsRefresh",
    ),
    # The prune-at-last-millisecond schedule: at 2999 ms a1 prunes, and the probe also
    # drops its descriptor valid until 3000 ms, a step no DVPrune explains.
    ("descriptor", "prune-one-early"): (
        _d("prune-one-early", P.PruneOneEarlyService),
        "no action of Next explains the step",
    ),
    # Wire probes are judged by the reference peer's attacks on them.
    ("wire", "equal-counter"): (
        _w("equal-counter", manager=P.EqualCounterManager),
        "WireRejectsAttack",
    ),
    # The reference peer's message 2 under the big-endian PSK does not decrypt.
    ("wire", "little-endian-epoch-psk"): (
        _w("little-endian-epoch-psk", authority=LittleEndianEpochAuthority),
        "WireInterop",
    ),
}

# (spec, probe) -> (the variant, the invariant it breaks, why the default profile misses it)
MISSED: dict[tuple[str, str], tuple[Any, str, str]] = {}

SLOW: set[tuple[str, str]] = set()
