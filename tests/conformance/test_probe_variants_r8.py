"""The red team's eighth round of wrong backends through the default profile.

Each probe keeps one plausible implementation mistake against a rule of DESIGN.md
or docs/channels.md (``aura_conformance.variants._probe_variants_r8``, and the wire
mode's ports below), in the guard chain, the channel layer's epochs and timers and
the wire: a signature checked only where a link is, a replay read as "the same
nonce as the last", a chain head left behind on a resynchronisation, a chain
continued across epochs at the receiver, receipt streams numbered across
contexts, a receiver that pays for what it receives, a handshake in flight an
epoch advance does not retire, a timer sweep that forgets pending handshakes, a
channel id derived without the epoch, a reordered message 1 replacing a newer
one, a clock-skew bound counted from the last confirmed timestamp, a timeout that
closes instead of failing, a responder that follows a peer's newer epoch, and a
flow budget charged after the send or checked in the wrong epoch. A probe the
default profile rejects must stay rejected naming the invariant (or check) it is
rejected for. A probe it misses is an expected failure: the reason, which rule
or scenario is absent, is written next to it, and the test turns red on the day
the harness learns to catch it, so the probe can then move to CAUGHT.

The tables below are run by test_probe_rounds.py, with every other round's.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aura_conformance.guard_chain.effects import SEND, Effect
from aura_conformance.guard_chain.world import Variant
from aura_conformance.variants import _probe_variants_r8 as P
from aura_conformance.wire.authority import Delivery
from aura_conformance.wire.guarded import GuardPorts

from .probe_runs import ProbeAuthor

_WHO = "red-team probe (round 8)"
_e = ProbeAuthor(_WHO).epoch
_w = ProbeAuthor(_WHO).wire


def _g(name: str, **parts: Any) -> Variant:
    return Variant(name, _WHO, **parts)


# -- the wire backend's probes (the variants package must not import the wire mode) --


class ChargeAfterSendPorts(GuardPorts):
    """The connect is charged once its message 1 is out ("pay for what was sent"): the
    budget is checked first, but the charge follows the send instead of preceding it
    (DESIGN.md 4: ``ChargeFlowBudget`` first, the send last)."""

    def connect(self, epoch: int, start: Callable[[], Delivery]) -> Delivery:
        if not self.room(epoch, self.connect_cost):
            return Delivery("Denied:InsufficientBudget")
        done = start()
        if done.sent:
            self.log.add(Effect(SEND, detail="SendHandshake"))
            self.charge(epoch, self.connect_cost)
        return done


class FirstEpochRoomPorts(GuardPorts):
    """The budget guard reads what was spent in epoch 0 (the epoch the member joined
    in, read once) while the charge goes to the current epoch: after a rotation a
    member that used up epoch 0's budget is denied though the new epoch starts at
    ``spent = 0`` (DESIGN.md 4)."""

    def room(self, epoch: int, cost: int) -> bool:
        return super().room(0, cost)


# (spec, probe) -> (the variant, what its rejection must name)
CAUGHT: dict[tuple[str, str], tuple[Any, str]] = {
    # The forged-after-gap schedule: receipt 2, forged, reaches a2 before receipt 1.
    ("guard", "gap-unsigned"): (
        _g("gap-unsigned", verifier=P.GapUnsignedVerifier),
        "scenario forged-after-gap: step: no action of Next explains the step; the new "
        "state also violates GCReceiptSigner",
    ),
    # The older-after-resync schedule: receipt 1 arrives after receipt 2 was taken.
    ("guard", "equal-only-replay"): (
        _g("equal-only-replay", verifier=P.EqualOnlyReplayVerifier),
        "GCReceiptNoReplay",
    ),
    # The resync-then-next schedule: receipt 3, linked to the resynchronising receipt
    # 2, refused by a head left before the gap (needs Limit 3 in the guard world).
    ("guard", "stale-head-on-resync"): (
        _g("stale-head-on-resync", verifier=P.StaleHeadOnResyncVerifier),
        "GCReceiptResumesAfterLoss",
    ),
    # The receipt-after-advance schedule: epoch 1's genesis-linked receipt 1 refused.
    ("guard", "epoch-carry-verifier"): (
        _g("epoch-carry-verifier", verifier=P.EpochCarryVerifier),
        "scenario receipt-after-advance: step: no refusal of a receipt above the last "
        "accepted explains the step; the refusal violates GCReceiptResumesAfterLoss",
    ),
    # The other-context-then-send schedule: a1's next receipt here takes the nonce
    # after its receipt of the other context and links to it.
    ("guard", "context-blind-stream"): (
        _g("context-blind-stream", issuer=P.ContextBlindStreamIssuer),
        "scenario other-context-then-send",
    ),
    # The first receipt a2 takes moves a2's own spent.
    ("guard", "receiver-pays"): (
        _g("receiver-pays", interpreter=P.ReceiverPaysInterpreter),
        "scenario send-receive: step: no action of Next explains the step",
    ),
    ("epoch", "establishing-survives-advance"): (
        _e("establishing-survives-advance", manager=P.EstablishingSurvivesAdvanceManager),
        "scenario advance-while-establishing: step: no action of Next explains the step; "
        "the new state also violates ERNoStaleActive",
    ),
    # Resp at epoch 0, Active, is handed Ini's msg 1 of epoch 1: its channel rotates.
    ("epoch", "follow-peer-epoch"): (
        _e("follow-peer-epoch", manager=P.FollowPeerEpochManager),
        "scenario init-of-newer-epoch: step: no action of Next explains the step "
        "(harness action: HandleHandshake)",
    ),
    ("epoch", "unswept-pending"): (
        _e("unswept-pending", manager=P.UnsweptPendingManager),
        "ERHandshakeTerminates",
    ),
    # The first Tick past a deadline: Resp's channel is Closed, not Error.
    ("epoch", "timeout-closes"): (
        _e("timeout-closes", manager=P.TimeoutClosesManager),
        "no sequence of at most 2 of HandshakeTimeout explains the step",
    ),
    ("epoch", "unordered-pending"): (
        _e("unordered-pending", manager=P.UnorderedPendingManager),
        "scenario reordered-init: step: no action of Next explains the step; it is a step "
        "of the known shortfall BUG_NoReplayCheck",
    ),
    ("epoch", "jump-bound-skew"): (
        _e("jump-bound-skew", replay_guard=P.JumpBoundReplayGuard),
        "scenario lockout: invariant: ERNoLockout",
    ),
    # Ini's first data reuses the confirmation's counter 0: Resp refuses it as a replay.
    ("epoch", "confirmation-counter-reuse"): (
        _e("confirmation-counter-reuse", manager=P.ConfirmationCounterReuseManager),
        "check: ReceiveData failed",
    ),
    ("epoch", "trusted-rekey"): (
        _e("trusted-rekey", manager=P.TrustedRekeyManager),
        "scenario rotation: step: no action of Next explains the step; the new state also "
        "violates ERKeyConfirmed",
    ),
    # The other context's handshake drops this context's pending one.
    ("epoch", "one-pending-per-peer"): (
        _e("one-pending-per-peer", manager=P.OnePendingPerPeerManager),
        "scenario pending-across-contexts: step: no action of Next explains the step "
        "(harness action: OtherContextHandshake)",
    ),
    # The reference peer derives the channel id as specified.
    ("wire", "epochless-channel-id"): (
        _w("epochless-channel-id", manager=P.EpochlessChannelIdManager),
        "refused the backend's key confirmation: Rejected:UnknownChannel",
    ),
    ("wire", "establishing-survives-advance"): (
        _w("establishing-survives-advance", manager=P.EstablishingSurvivesAdvanceManager),
        "scenario advance-while-establishing: EpochRotation",
    ),
    ("wire", "follow-peer-epoch"): (
        _w("follow-peer-epoch", manager=P.FollowPeerEpochManager),
        "scenario init-of-newer-epoch: EpochRotation",
    ),
    ("wire", "unswept-pending"): (
        _w("unswept-pending", manager=P.UnsweptPendingManager),
        "scenario unanswered-message-1: WireReportedState",
    ),
    ("wire", "unordered-pending"): (
        _w("unordered-pending", manager=P.UnorderedPendingManager),
        "scenario reordered-message-1: WireRejectsAttack",
    ),
    ("wire", "jump-bound-skew"): (
        _w("jump-bound-skew", replay_guard=P.JumpBoundReplayGuard),
        "scenario far-future-message-1: WireRejectsAttack",
    ),
    ("wire", "confirmation-counter-reuse"): (
        _w("confirmation-counter-reuse", manager=P.ConfirmationCounterReuseManager),
        "refused the backend's transport message: Rejected:ReplayedMessage",
    ),
    # retired-psk-message-1's genuine handshake then the attacker's message 1 of the
    # epoch under the retired PSK: answered Active at once.
    ("wire", "trusted-rekey"): (
        _w("trusted-rekey", manager=P.TrustedRekeyManager),
        "ERKeyConfirmed",
    ),
    ("wire", "charge-after-send"): (
        _w("charge-after-send", ports=ChargeAfterSendPorts),
        "GCChargeFirst (GuardChain.tla) violated: Connect ran Send(SendHandshake) before "
        "ChargeFlowBudget",
    ),
    # budget-exhaustion spends epoch 0's budget, advances and connects again.
    ("wire", "first-epoch-room"): (
        _w("first-epoch-room", ports=FirstEpochRoomPorts),
        "scenario budget-exhaustion: Rendezvous",
    ),
}

# (spec, probe) -> (the variant, the invariant it breaks, why the default profile misses it)
MISSED: dict[tuple[str, str], tuple[Any, str, str]] = {
    ("epoch", "epochless-channel-id"): (
        _e("epochless-channel-id", manager=P.EpochlessChannelIdManager),
        "WireInterop",
        "the epoch world runs the backend on both sides, which derive the same id, and "
        "the id of a transport message cannot be checked from outside: it hashes the "
        "handshake hash, which mixes in the PSK and the DH results. Only a peer deriving "
        "the id as specified notices: the wire world catches it",
    ),
    ("wire", "timeout-closes"): (
        _w("timeout-closes", manager=P.TimeoutClosesManager),
        "ERHandshakeTerminates",
        "a timed-out channel, failed or closed, is terminal and forgotten by the manager "
        "either way; the wire backend reports only its live channel with the peer (none "
        "in both cases) and both refuse the late confirmation as UnknownChannel. The "
        "epoch world, which keeps each handshake's channel and reports its state, "
        "catches it",
    ),
    ("wire", "one-pending-per-peer"): (
        _w("one-pending-per-peer", manager=P.OnePendingPerPeerManager),
        "RVChannelContextBound",
        "a wire backend is a member of one context (Reset names it), so no handshake of "
        "another context can start beside a pending one; the epoch world, whose members "
        "share a second context, catches it (pending-across-contexts)",
    ),
}

# Those that take more than a few seconds to be rejected (a directed schedule late
# in the list), kept for make test-slow.
SLOW: set[tuple[str, str]] = {
    ("guard", "context-blind-stream"),
    ("epoch", "follow-peer-epoch"),
    ("epoch", "confirmation-counter-reuse"),
    ("wire", "establishing-survives-advance"),
    ("wire", "follow-peer-epoch"),
    ("wire", "unswept-pending"),
    ("wire", "unordered-pending"),
    ("wire", "jump-bound-skew"),
    ("wire", "trusted-rekey"),
    ("wire", "charge-after-send"),
}
