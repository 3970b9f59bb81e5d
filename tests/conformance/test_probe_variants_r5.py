"""The red team's fifth round of wrong backends through the default profile.

Each probe keeps one plausible implementation mistake against a rule of DESIGN.md
or docs/channels.md (``aura_conformance.variants._probe_variants_r5``, and the
wire mode's desk and ports below): a key memoised under the wrong id, a deadline
armed from the wrong clock (or the peer's), a replay window kept per peer, a grace window for the
retired epoch, a clean-up that takes the replay memory with it, a future-dated
timestamp or descriptor let through, a channel id without the handshake hash, a
budget refilled per connection. A probe the default profile rejects must stay
rejected naming the invariant (or check) it is rejected for. A probe it misses is
an expected failure: the reason, which rule or scenario is absent, is written next
to it, and the test turns red on the day the harness learns to catch it, so the
probe can then move to CAUGHT (and ``WRONG_BACKENDS``).

The tables below are run by test_probe_rounds.py, with every other round's.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aura_conformance.descriptor_validity.world import DVVariant
from aura_conformance.epoch_rotation.world import ER_MAX_EPOCH, EpochVariant
from aura_conformance.guard_chain.world import Variant
from aura_conformance.variants import _probe_variants_r5 as P
from aura_conformance.wire.authority import Delivery
from aura_conformance.wire.backends import WireVariant
from aura_conformance.wire.fakes import _ChoosingDesk
from aura_conformance.wire.guarded import GuardPorts
from aura_rendezvous.descriptors import RendezvousDescriptor

_WHO = "red-team probe (round 5)"


def _e(name: str, **parts: Any) -> EpochVariant:
    return EpochVariant(name, _WHO, **parts)


def _w(name: str, **parts: Any) -> WireVariant:
    return WireVariant(name, _WHO, **parts)


class FromBlindDesk(_ChoosingDesk):
    """The wire backend's lookup checks ``now < valid_until`` only: a descriptor whose
    window has not begun (future-dated) is chosen (DESIGN.md 2: ``valid_from <= now``).
    Kept here with the other wire probes: the variants package must not import the
    wire mode."""

    def _admits(self, d: RendezvousDescriptor, now: int, revoked: frozenset[Any]) -> bool:
        return now < d.valid_until and (d.authority_id, d.nonce) not in revoked


class PerConnectionBudgetPorts(GuardPorts):
    """The flow budget is refilled for every new connection: a connect with no live
    channel to the peer starts the epoch's spending again from 0 (DESIGN.md 4: per
    ``(context, authority, epoch)``; only a new epoch starts at 0)."""

    def connect(self, epoch: int, start: Callable[[], Delivery]) -> Delivery:
        desk = self.desk
        manager = desk.service.channel_endpoint.manager
        if manager.find_by_context_peer(desk.context.value, desk.peer.value) is None:
            self.budget._spent.pop((desk.context, desk.id, epoch), None)
        return super().connect(epoch, start)


class SpecFirstRosterKeyedPskMembership(P.RosterKeyedPskMembership):
    """roster-keyed-psk deriving every epoch's PSK as the membership is built: the
    first context built (the epoch world's spec context) keys both contexts, whatever
    handshake runs first. The spec context's channels are then keyed right, and only
    the other context's are keyed with the spec context's PSK (the derivation order
    the probe's lazy memo reaches when the spec context's handshake runs first)."""

    def __attrs_post_init__(self) -> None:
        super().__attrs_post_init__()
        for epoch in range(ER_MAX_EPOCH + 1):
            self.handshake_psk(epoch)


# (spec, probe) -> (the variant, what its rejection must name)
CAUGHT: dict[tuple[str, str], tuple[Any, str]] = {
    # The other-context-advance schedule runs the other context's handshake first:
    # its PSK is then the spec context's too, which is no secret of the spec context
    # (the report attributes the step to BUG_PskFromPublicIds, ERPskSecret).
    ("epoch", "roster-keyed-psk"): (
        _e("roster-keyed-psk", membership=P.RosterKeyedPskMembership),
        "ERPskSecret",
    ),
    # The same memo with the spec context's PSK derived first: other-context-advance
    # passes (both sides of the other context share the spec context's PSK), and the
    # foreign-psk-other-context schedule's attacker, holding only the spec context's
    # PSK, completes a handshake with Resp in the other context.
    ("epoch", "roster-keyed-psk-spec-first"): (
        _e("roster-keyed-psk-spec-first", membership=SpecFirstRosterKeyedPskMembership),
        "ERPskSecret (EpochRotation.tla, in the other context)",
    ),
    # The unproven-pending schedule ticks past 1000 ms before its handshake, whose
    # message 2 then finds the initiator timed out.
    ("epoch", "absolute-deadline"): (
        _e("absolute-deadline", manager=P.AbsoluteDeadlineManager),
        "ProcessResponse failed",
    ),
    # The data-after-a-gap schedule: the later of two data messages arrives first.
    ("epoch", "gapless-counter"): (
        _e("gapless-counter", manager=P.GaplessCounterManager),
        "ReceiveData failed",
    ),
    # The rotation schedule: the new channel's key confirmation (counter 0) is refused.
    ("epoch", "pair-keyed-window"): (
        _e("pair-keyed-window", manager=P.PairKeyedWindowManager),
        "KeyConfirm failed",
    ),
    # A random run: Resp, at epoch 1, answers Ini's message 1 of epoch 0.
    ("epoch", "grace-epoch"): (
        _e("grace-epoch", manager=P.GraceEpochManager),
        "ERNoStaleActive",
    ),
    ("epoch", "timeout-forgets-answered"): (
        _e("timeout-forgets-answered", manager=P.TimeoutForgetsAnsweredManager),
        "ERNoReplayedInit",
    ),
    # The lockout schedule: the attacker's message 1 stamped 2^64 - 1 is answered
    # (EpochRotation.tla has one attacker timestamp: the machine judges the far one
    # against the clock-skew bound).
    ("epoch", "skew-blind-replay-guard"): (
        _e("skew-blind-replay-guard", replay_guard=P.SkewBlindReplayGuard),
        "ERNoLockout",
    ),
    # The rotation schedule: Ini's rekey message 1 opens with its first one's ephemeral.
    ("epoch", "startup-ephemeral"): (
        _e("startup-ephemeral", manager=P.StartupEphemeralManager),
        "FreshEphemeral",
    ),
    # The unproven-pending schedule: the attacker's message 1, stamped at the clock-skew
    # bound, is answered with a deadline 120 s away, and outlives the Tick past 1000 ms.
    ("epoch", "peer-clock-deadline"): (
        _e("peer-clock-deadline", manager=P.PeerClockDeadlineManager),
        "ERHandshakeTerminates",
    ),
    ("epoch", "lagging-refresh"): (
        _e("lagging-refresh", service=P.LaggingRefreshService),
        "RVRefreshAfterRotation",
    ),
    # The late-confirmation schedule: the answer to Ini's second message 1 has the id
    # of the first one's channel, still registered, and is refused.
    ("epoch", "participant-channel-id"): (
        _e("participant-channel-id", manager=P.ParticipantChannelIdManager),
        "HandleHandshake failed",
    ),
    # The tie-across-a-byte schedule: a2 holds two descriptors of a1 with one
    # valid_from, nonces 255 and 256, and answers the first.
    ("descriptor", "little-endian-nonce-tie"): (
        DVVariant("little-endian-nonce-tie", _WHO, service=P.LittleEndianNonceTieService),
        "DVLookup",
    ),
    # The refresh-at-the-end-of-time schedule: the clock 2,500 ms before u64 max, a1's
    # needs_refresh asked where now + window passes it answers Fresh.
    ("descriptor", "wrapping-refresh"): (
        DVVariant("wrapping-refresh", _WHO, service=P.WrappingRefreshService),
        "DVNeedsRefresh",
    ),
    # The other-context-receipt schedule: a2 is handed a1's receipt of the other
    # context they share in place of one of this context, takes it as receipt 1 of
    # a1's chain here, and then refuses this context's genuine receipt 1.
    ("guard", "context-blind-receipt"): (
        Variant("context-blind-receipt", _WHO, verifier=P.ContextBlindReceiptVerifier),
        "scenario other-context-receipt: step: no refusal of a receipt above the last "
        "accepted explains the step; the refusal violates GCReceiptResumesAfterLoss",
    ),
    # Wire probes are judged by the reference peer's traffic and attacks on them.
    ("wire", "gapless-counter"): (
        _w("gapless-counter", manager=P.GaplessCounterManager),
        "refused the reference's newest transport message",
    ),
    ("wire", "pair-keyed-window"): (
        _w("pair-keyed-window", manager=P.PairKeyedWindowManager),
        "WireTraffic",
    ),
    ("wire", "absolute-deadline"): (
        _w("absolute-deadline", manager=P.AbsoluteDeadlineManager),
        "WireInterop",
    ),
    # The reference peer finds no channel of the id its key confirmation names.
    ("wire", "participant-channel-id"): (
        _w("participant-channel-id", manager=P.ParticipantChannelIdManager),
        "WireInterop",
    ),
    ("wire", "startup-ephemeral"): (
        _w("startup-ephemeral", manager=P.StartupEphemeralManager),
        "WireFreshEphemeral",
    ),
    # The peer-clock-ahead schedule: the peer's clock runs a minute ahead of the
    # backend's, so the Tick 1001 ms after its message 1 leaves the channel
    # Establishing and the late key confirmation is taken.
    ("wire", "peer-clock-deadline"): (
        _w("peer-clock-deadline", manager=P.PeerClockDeadlineManager),
        "scenario peer-clock-ahead: WireRejectsAttack",
    ),
    ("wire", "per-connection-budget"): (
        _w("per-connection-budget", ports=PerConnectionBudgetPorts),
        "RVBudgetWithinLimit",
    ),
    # The far-future-message-1 schedule: the peer's message 1 stamped 2^64 - 1 ms.
    ("wire", "skew-blind-replay-guard"): (
        _w("skew-blind-replay-guard", replay_guard=P.SkewBlindReplayGuard),
        "ERNoLockout",
    ),
    # The descriptor-attacks schedule's not-yet-valid descriptor.
    ("wire", "from-blind-lookup"): (
        _w("from-blind-lookup", desk=FromBlindDesk),
        "DVChosenValid",
    ),
    # A random run: the backend as Resp answers the peer's message 1 of the epoch it
    # has just left. Since rules are drawn among the enabled ones, the seed's run
    # reaches it as a stale Active channel (it named WireRejectsAttack before).
    ("wire", "grace-epoch"): (
        _w("grace-epoch", manager=P.GraceEpochManager),
        "ERNoStaleActive",
    ),
}

# (spec, probe) -> (the variant, the invariant it breaks, why the default profile misses it)
MISSED: dict[tuple[str, str], tuple[Any, str, str]] = {
    ("wire", "timeout-forgets-answered"): (
        _w("timeout-forgets-answered", manager=P.TimeoutForgetsAnsweredManager),
        "WireRejectsAttack",
        "only a random run of the wire world found it (a handshake timed out, then its "
        "message 1 replayed); the runs drawn since rules are chosen among the enabled "
        "ones do not reach that order, and no directed schedule does; the epoch world's "
        "entry (epoch, timeout-forgets-answered) still catches the same manager",
    ),
}

# Those that take more than a few seconds to be rejected (random runs, or a
# directed schedule late in the list).
SLOW: set[tuple[str, str]] = {
    ("epoch", "roster-keyed-psk"),
    ("epoch", "roster-keyed-psk-spec-first"),
    ("epoch", "gapless-counter"),
    ("wire", "grace-epoch"),
    ("wire", "gapless-counter"),
    ("wire", "skew-blind-replay-guard"),
    ("wire", "from-blind-lookup"),
    ("wire", "peer-clock-deadline"),
}
