"""The red team's seventh round of wrong backends through the default profile.

Each probe keeps one plausible implementation mistake against a rule of DESIGN.md
or docs/channels.md (``aura_conformance.variants._probe_variants_r7``, and the wire
mode's desks and authorities below): a field left out of a signature or of an
AEAD's associated data, a PSK derived without the epoch in its ``info``, a PSK
commitment stuck at the first epoch, a key-confirmation window counted from the
wrong event, a member that sees nothing to refresh when it has no descriptor, a
window one millisecond short, a sync that trusts the Lamport clock to say what
is new, a prune that drops revocations, a relay that forwards to the wrong member
or twice or at the wrong cost or with a receipt addressed to the wrong member, a
budget kept per authority. A probe the default profile rejects must stay rejected
naming the invariant (or check) it is rejected for. A probe it misses is an
expected failure: the reason, which rule or scenario is absent, is written next
to it, and the test turns red on the day the harness learns to catch it, so the
probe can then move to CAUGHT.

The tables below are run by test_probe_rounds.py, with every other round's.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import attrs
from aura_conformance.guard_chain.world import Variant
from aura_conformance.relay.world import RelayVariant
from aura_conformance.variants import _probe_variants_r7 as P
from aura_conformance.wire.authority import Delivery, WireAuthority
from aura_conformance.wire.descriptors import DescriptorDesk
from aura_rendezvous.channels import HandshakeConfig
from aura_rendezvous.core import ContextMembership, Roster
from aura_rendezvous.descriptors import (
    LABEL_DESCRIPTOR_SIGNATURE,
    RendezvousDescriptor,
    SealedDescriptor,
    SignedDescriptor,
    TransportHint,
    seal_descriptor,
)
from aura_rendezvous.journal import DescriptorFact
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305

from .probe_runs import ProbeAuthor

_WHO = "red-team probe (round 7)"
_e = ProbeAuthor(_WHO).epoch
_w = ProbeAuthor(_WHO).wire
_d = ProbeAuthor(_WHO).descriptor


# -- the wire backend's probes (the variants package must not import the wire mode) --


class _OwnJournalDesk(DescriptorDesk):
    """A desk whose publication goes into its own journal unopened: its own code
    reads its descriptors as it wrote them, whatever the reference says of them."""

    def publish(self, now: int, epoch: int) -> Delivery:
        data = self.seal(self.build(now, epoch), epoch)
        self.service.journal(self.context).append(
            DescriptorFact(SealedDescriptor.decode(data)), self.id
        )
        return Delivery("Published", (data,))


class HintlessSignatureDesk(_OwnJournalDesk):
    """The descriptor's signature covers every field but the transport hints (signed
    over the descriptor with its hints emptied, "the addresses are only hints"):
    anyone who can write the journal re-points a member's descriptor at their own
    address (DESIGN.md 2: the publisher signs the descriptor)."""

    def seal(self, descriptor: RendezvousDescriptor, epoch: int) -> bytes:
        bare = attrs.evolve(descriptor, transport_hints=())
        signature = self.keys.sign(LABEL_DESCRIPTOR_SIGNATURE + bare.encode())
        signed = SignedDescriptor(descriptor, signature)
        return seal_descriptor(signed, self.membership, epoch).encode()


class AuthorlessAdDesk(_OwnJournalDesk):
    """The sealed descriptor's associated data is the context id and the epoch, the
    author left out (DESIGN.md 2: AD = context id, authority id, epoch)."""

    def seal(self, descriptor: RendezvousDescriptor, epoch: int) -> bytes:
        right = SealedDescriptor.decode(super().seal(descriptor, epoch))
        key = self.membership.descriptor_key(epoch)
        nonce = right.ciphertext[:12]
        plaintext = ChaCha20Poly1305(key).decrypt(
            nonce, right.ciphertext[12:], right.associated_data()
        )
        body = ChaCha20Poly1305(key).encrypt(nonce, plaintext, self._ad(epoch))
        return attrs.evolve(right, ciphertext=nonce + body).encode()

    def _ad(self, epoch: int) -> bytes:
        return self.context.value + epoch.to_bytes(8, "big")


# The PSK needs the context's secret only; no roster is asked.
_NO_ROSTER = Roster({})


class EpochlessPskAuthority(WireAuthority):
    """:func:`~aura_conformance.variants._probe_variants_r7.epochless_psk` as a wire
    backend's handshake PSK."""

    def _config(self) -> HandshakeConfig:
        membership = ContextMembership(self.context, _NO_ROSTER, self.root_secret)
        return attrs.evolve(super()._config(), psk=P.epochless_psk(membership, self.epoch))


class EpochlessPskDesk(DescriptorDesk):
    """The same backend's descriptors, committing to that PSK."""

    def __init__(self, **kw: Any) -> None:
        super().__init__(**kw)
        m = self.membership
        self.membership = P.EpochlessPskMembership(m.context_id, m.roster, m.root_secret)


class FirstEpochCommitmentDesk(DescriptorDesk):
    """Descriptors commit to epoch 0's PSK whatever the epoch (the commitment computed
    once, when the member joined the context): after a rotation a peer reads "another
    epoch" and refreshes instead of connecting (DESIGN.md 1: the commitment of the
    PSK the descriptor's epoch uses)."""

    def build(
        self, now: int, epoch: int, hints: Sequence[TransportHint] | None = None
    ) -> RendezvousDescriptor:
        built = super().build(now, epoch, hints)
        return attrs.evolve(built, handshake_psk_commitment=self.membership.psk_commitment(0))


# (spec, probe) -> (the variant, what its rejection must name)
CAUGHT: dict[tuple[str, str], tuple[Any, str]] = {
    # The reference peer verifies the backend's descriptor with the standard
    # signed bytes, hints included.
    ("wire", "hintless-signature"): (
        _w("hintless-signature", desk=HintlessSignatureDesk),
        "Rejected:BadSignature",
    ),
    ("wire", "authorless-descriptor-ad"): (
        _w("authorless-descriptor-ad", desk=AuthorlessAdDesk),
        "Rejected:DecryptFailed",
    ),
    # The reference peer authenticates the whole transport header.
    ("wire", "epochless-transport-ad"): (
        _w("epochless-transport-ad", manager=P.EpochlessAdManager),
        "WireInterop",
    ),
    # The descriptor's commitment already names a PSK the reference does not derive.
    ("wire", "epochless-psk-info"): (
        _w("epochless-psk-info", authority=EpochlessPskAuthority, desk=EpochlessPskDesk),
        "PskCommitmentMismatch",
    ),
    # The descriptors-ini schedule publishes again after the rotation.
    ("wire", "first-epoch-commitment"): (
        _w("first-epoch-commitment", desk=FirstEpochCommitmentDesk),
        "PskCommitmentMismatch",
    ),
    # The peer-clock-ahead schedule: a confirmation after the deadline is taken.
    ("wire", "stacked-confirm-deadline"): (
        _w("stacked-confirm-deadline", manager=P.StackedConfirmDeadlineManager),
        "accepted a key confirmation after the handshake timed out",
    ),
    # The tampered-message-1 schedule's flipped key confirmation confirms.
    ("wire", "id-only-confirmation"): (
        _w("id-only-confirmation", manager=P.IdOnlyConfirmManager),
        "accepted key confirmation with a byte flipped",
    ),
    # The descriptor-expiry schedule's second handshake seals under the first keys.
    ("wire", "reused-session-keys"): (
        _w("reused-session-keys", manager=P.ReusedKeysManager),
        "WireInterop",
    ),
    # The world reads any PSK that is not DESIGN.md 1's derivation as a public one (it
    # cannot tell a wrong derivation from a public one): the first handshake is a step
    # of BUG_PskFromPublicIds.
    ("epoch", "epochless-psk-info"): (
        _e("epochless-psk-info", membership=P.EpochlessPskMembership),
        "ERPskSecret",
    ),
    # The replayed-after-timeout schedule: Resp's channel is still Establishing
    # past its handshake's timeout.
    ("epoch", "stacked-confirm-deadline"): (
        _e("stacked-confirm-deadline", manager=P.StackedConfirmDeadlineManager),
        "ERHandshakeTerminates",
    ),
    # The forged-data schedule: the flipped copy of the confirmation confirms.
    ("epoch", "id-only-confirmation"): (
        _e("id-only-confirmation", manager=P.IdOnlyConfirmManager),
        "ERForgeryNoEffect",
    ),
    # The unproven-pending schedule: Resp's first channel with Ini was one whose
    # handshake Ini never finished, so the kept keys are not Ini's.
    ("epoch", "reused-session-keys"): (
        _e("reused-session-keys", manager=P.ReusedKeysManager),
        "KeyConfirm failed",
    ),
    # The forged-response-then-timeout schedule: the forged message 2 re-armed Ini's
    # timer, so its handshake outlives start + timeout.
    ("epoch", "rearm-on-response"): (
        _e("rearm-on-response", manager=P.RearmOnResponseManager),
        "ERHandshakeTerminates",
    ),
    # The publish-sync-revoke schedule: a1 has no descriptor, must publish, does not.
    ("descriptor", "no-own-fresh"): (
        _d("no-own-fresh", P.NoOwnFreshService),
        "DVNeedsRefresh",
    ),
    # The first publication: valid_until is not now + Validity.
    ("descriptor", "short-window"): (
        _d("short-window", P.ShortWindowService),
        "no action of Next explains the step (harness action: PreparePublishDescriptor)",
    ),
    # The concurrent-publications schedule: a1 and a2 publish with the same stamp,
    # and a2's pull skips a1's entry as "already seen".
    ("descriptor", "clock-floor-merge"): (
        _d("clock-floor-merge", P.ClockFloorMergeService),
        "DVSyncAvailable",
    ),
    # The revoked-then-pruned-converges schedule: a prune that drops a live revocation
    # is no DVPruneSome step.
    ("descriptor", "prune-revocations"): (
        _d("prune-revocations", P.PruneRevocationsService),
        "no action of Next explains the step (harness action: DVPrune)",
    ),
    # The revoke-another-members schedule: a2, the second publisher, is asked to revoke
    # a1's descriptor it holds; a revocation it signs of another's is no step of the
    # spec (a publisher forges nothing) and breaks DVRevokesOwnOnly.
    ("descriptor", "revoke-any"): (
        _d("revoke-any", P.RevokeAnyService),
        "DVRevokesOwnOnly",
    ),
    ("relay", "echo-forward"): (
        RelayVariant(relay=P.EchoForwardRelayService),
        "no action of Next explains the step (harness action: RelayForward)",
    ),
    # The relay's reported sends name one envelope twice in one step.
    ("relay", "double-forward"): (
        RelayVariant(relay=P.DoubleForwardRelayService),
        "RVRelayForwardsOnce",
    ),
    ("relay", "double-cost-forward"): (
        RelayVariant(relay=P.DoubleCostForwardService),
        "GCAtomicRollback",
    ),
    # Resp refuses the relay's receipt (ReceiptWrongDestination) and answers
    # nothing: the relayed handshake stalls where the reference's goes on. The
    # receipt travels beside the envelope and is no part of the reported sends, so
    # only the stall is seen.
    ("relay", "source-addressed-receipt"): (
        RelayVariant(relay=P.SourceReceiptRelayService),
        "ScheduleProgress",
    ),
    # The replayed-after-the-other-context-moved schedule.
    ("relay", "one-forward-memory"): (
        RelayVariant(relay=P.OneMemoryRelayService),
        "RVRelayForwardsOnce",
    ),
    # The relay holds relay:forward in c1 only: its forward there is denied, and the
    # first schedule stalls (outside-the-relay-context, later, has it forward in c2).
    ("relay", "peer-cap-forward"): (
        RelayVariant(relay=P.PeerCapForwardService),
        "ScheduleProgress",
    ),
    # The other-context-receipt schedule: the payment in the other context moves
    # this context's spent.
    ("guard", "context-blind-budget"): (
        Variant("context-blind-budget", _WHO, interpreter=P.ContextBlindBudgetInterpreter),
        "spent changed",
    ),
}

# (spec, probe) -> (the variant, the invariant it breaks, why the default profile misses it)
MISSED: dict[tuple[str, str], tuple[Any, str, str]] = {
    ("epoch", "epochless-transport-ad"): (
        _e("epochless-transport-ad", manager=P.EpochlessAdManager),
        "WireInterop",
        "the epoch world runs the backend on both sides, which agree on the AD; the "
        "clear epoch and counter it leaves unauthenticated are checked against the "
        "channel before decrypting (epoch) or are the nonce (counter), so no attack "
        "changes an outcome. Only a peer authenticating the header as docs/channels.md "
        "specifies notices: the wire world catches it",
    ),
    ("wire", "rearm-on-response"): (
        _w("rearm-on-response", manager=P.RearmOnResponseManager),
        "ERHandshakeTerminates",
        "the wire world's tampered-message-2 delivers the genuine message 2 right after "
        "the forged one, and no schedule lets a handshake's deadline pass after a "
        "forged message 2, so the re-armed timer never shows. The epoch world's "
        "forged-response-then-timeout catches it",
    ),
    ("relay", "misreasoned-drop"): (
        RelayVariant(relay=P.MisreasonedDropService),
        "DenyReason",
        "the relay drops what it must (nothing sent, nothing charged, no receipt, its "
        "forward memory unchanged) and only the typed reason is wrong, which DESIGN.md 4 "
        "keeps local and no part of the relay world's protocol carries: "
        "RelayConformance.tla has no reason variable (a drop is RelayForward not "
        "enabled, a stutter), Rendezvous.tla's RVDeny(reason) is a stutter whose reason "
        "'stays in the implementation', a deny has no effects to observe whatever its "
        "reason (DESIGN.md 4, 7; a reason sent back is BUG_ReplyOnReject), and a reply's "
        "outcome text is recorded, not judged (docs/backend-protocol.md). GuardChain.tla's "
        "denials is the one spec variable of typed reasons, judged by the guard world "
        "(budget-first), and holds its two guards' reasons only: an envelope to a "
        "non-member is denied by the journal coupling (NotAMember), outside it",
    ),
}

# Those that take more than a few seconds to be rejected (a directed schedule late
# in the list), kept for make test-slow.
SLOW: set[tuple[str, str]] = {
    ("wire", "first-epoch-commitment"),
    ("wire", "stacked-confirm-deadline"),
    ("wire", "id-only-confirmation"),
    ("epoch", "epochless-psk-info"),
    ("descriptor", "prune-revocations"),
    ("descriptor", "revoke-any"),
    ("relay", "echo-forward"),
    ("relay", "double-forward"),
    ("relay", "one-forward-memory"),
    ("guard", "context-blind-budget"),
}
