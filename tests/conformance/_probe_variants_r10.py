"""The red team's tenth round of wrong backends, written from DESIGN.md's rules alone.

Each keeps one plausible implementation mistake the earlier rounds did not probe: a
receipt whose operation the signature leaves out, a sealed descriptor whose
associated data leaves out the epoch, a descriptor signature that leaves out the
PSK commitment, synced facts deduplicated by (author, Lamport stamp), a merge that
sets the Lamport clock to the last stamp merged, a merge that takes a fact of
another context, a connect charged before the PSK commitment is compared, a relay
that forwards uncharged once its own budget is spent, a rekey that keeps the old
channel id, an epoch advance that closes the old channels, and a key confirmation
recognised only at counter 0. test_probe_variants_r10.py runs each through the
default profile; nothing in the reference implementation uses them.
"""

from __future__ import annotations

from typing import Any

import attrs
from aura_conformance.variants._probe_variants_r7 import ChannelRewritingManager
from aura_rendezvous import RendezvousService
from aura_rendezvous.channels import (
    ChannelEvent,
    ChannelManager,
    ChannelState,
    SecureChannel,
    TransportMessage,
)
from aura_rendezvous.core import (
    CONNECT_DIRECT_COST,
    CONNECT_RELAY_COST,
    U64_MAX,
    TransportAuthError,
)
from aura_rendezvous.descriptors import (
    LABEL_DESCRIPTOR_SIGNATURE,
    RendezvousDescriptor,
    SignedDescriptor,
    seal_descriptor,
)
from aura_rendezvous.guard import (
    ChargeFlowBudget,
    DenyReason,
    GuardOutcome,
    GuardSnapshot,
    Receipt,
    RecordReceipt,
)
from aura_rendezvous.journal import ContextJournal, JournalEntry

from ._probe_variants_r9 import EpochUnsignedIssuer, EpochUnsignedVerifier
from .test_probe_variants_r7 import AuthorlessAdDesk, _OwnJournalDesk

# -- guard chain: receipts ------------------------------------------------------------


def _operationless_body(receipt: Receipt) -> bytes:
    return attrs.evolve(receipt, operation="").signed_message()


class OperationUnsignedIssuer(EpochUnsignedIssuer):
    """Signs each receipt over its body with the operation left out (empty: "the
    operation is implied by the message the receipt travels with"): the operation a
    receiver reads is not covered by the signature, so a receipt paid for one
    operation is re-labelled as another (DESIGN.md 4: operation, context, src, dst,
    epoch, cost, nonce and chain hash under ``src``'s signature)."""

    signed_body = staticmethod(_operationless_body)


class OperationUnsignedVerifier(EpochUnsignedVerifier):
    """The receiving side of :class:`OperationUnsignedIssuer`."""

    signed_body = staticmethod(_operationless_body)


# -- descriptors on the wire ----------------------------------------------------------


class EpochlessAdDesk(AuthorlessAdDesk):
    """The sealed descriptor's associated data is the context id and the author, the
    epoch left out ("the key is the epoch's already"): the ciphertext does not say
    under which epoch it was sealed, and it is not DESIGN.md 2's AEAD (associated data
    = context id, authority id, epoch), so a peer opening it as specified fails."""

    def _ad(self, epoch: int) -> bytes:
        return self.context.value + self.id.value


class CommitmentUnsignedDesk(_OwnJournalDesk):
    """The descriptor's signature covers every field but the PSK commitment (signed
    with the commitment zeroed: "the commitment is derived, every member can check
    it"): whoever writes the journal re-points a member's descriptor at another
    commitment, and every peer reads "another epoch, refresh" and never connects
    (DESIGN.md 2: the publisher signs the descriptor, every field of it)."""

    def seal(self, descriptor: RendezvousDescriptor, epoch: int) -> bytes:
        bare = attrs.evolve(descriptor, handshake_psk_commitment=bytes(32))
        signature = self.keys.sign(LABEL_DESCRIPTOR_SIGNATURE + bare.encode())
        signed = SignedDescriptor(descriptor, signature)
        return seal_descriptor(signed, self.membership, epoch).encode()


# -- the journal ----------------------------------------------------------------------


class StampKeyedJournal(ContextJournal):
    """A merged entry is skipped when an entry of the same origin and Lamport stamp is
    held ("an author never stamps two facts alike, so (author, stamp) names a fact"):
    the dedup key is the stamp, not the content hash. Two facts an author stamped
    alike (an equivocating member, or an append rolled back and redone after the
    first copy left) keep whichever arrived first on each replica, and replicas
    never converge (DESIGN.md 3: deduplicated by content hash)."""

    def _merge_checked(self, entry: JournalEntry) -> bool:
        for held in self._entries.values():
            if (
                held.origin == entry.origin
                and held.lamport == entry.lamport
                and held.fact_id != entry.fact_id
            ):
                self._clock = max(self._clock, entry.lamport)
                return False
        return super()._merge_checked(entry)


class StampKeyedMergeService(RendezvousService):
    """The service over :class:`StampKeyedJournal`."""

    def __init__(self, *args: Any, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.journals = {c: StampKeyedJournal(c) for c in self.journals}


class AssigningClockJournal(ContextJournal):
    """A merge sets the Lamport clock to the stamp of the entry it merged
    (``clock = stamp`` for ``clock = max(clock, stamp)``): merging an older fact
    moves the clock back, and the next local append is stamped at or below facts it
    causally follows (DESIGN.md 3: a Lamport clock for causal order)."""

    def _merge_checked(self, entry: JournalEntry) -> bool:
        changed = super()._merge_checked(entry)
        self._clock = entry.lamport
        return changed


class AssigningClockService(RendezvousService):
    """The service over :class:`AssigningClockJournal`."""

    def __init__(self, *args: Any, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.journals = {c: AssigningClockJournal(c) for c in self.journals}


class ForeignContextJournal(ContextJournal):
    """A synced entry is not checked against the journal's context ("the sync message
    was sealed for this context, so is everything in it"): a member that answers a
    digest of context B with facts of context A plants them in B's journal, and
    A's descriptors are chosen for B (DESIGN.md 2: a descriptor of context A is
    never used for context B; DESIGN.md 3: a grow-only set per context)."""

    def check_context(self, fact: Any) -> None:
        del fact


class ForeignContextMergeService(RendezvousService):
    """The service over :class:`ForeignContextJournal`."""

    def __init__(self, *args: Any, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.journals = {c: ForeignContextJournal(c) for c in self.journals}


# -- the guard chain's connect --------------------------------------------------------


def _charge_only(snapshot: GuardSnapshot, cost: int) -> GuardOutcome:
    charge = ChargeFlowBudget(snapshot.context_id, snapshot.authority_id, snapshot.epoch, cost)
    return GuardOutcome.allow([charge])


def _mismatch(outcome: GuardOutcome) -> bool:
    decision = outcome.decision
    return getattr(decision, "reason", None) is DenyReason.PskCommitmentMismatch


class ChargeBeforeCommitmentService(RendezvousService):
    """The connect is charged before the peer's PSK commitment is compared ("charge,
    then look at the descriptor"), and a mismatch keeps the charge: a peer of another
    epoch costs the initiator a connect though nothing is sent (DESIGN.md 1: the
    commitment is compared before any budget is spent; a mismatch means refresh)."""

    def prepare_establish_channel(
        self, snapshot: GuardSnapshot, *args: Any, **kw: Any
    ) -> GuardOutcome:
        outcome = super().prepare_establish_channel(snapshot, *args, **kw)
        return _charge_only(snapshot, CONNECT_DIRECT_COST) if _mismatch(outcome) else outcome

    def prepare_relay_request(self, snapshot: GuardSnapshot, *args: Any, **kw: Any) -> GuardOutcome:
        outcome = super().prepare_relay_request(snapshot, *args, **kw)
        return _charge_only(snapshot, CONNECT_RELAY_COST) if _mismatch(outcome) else outcome


# -- the relay ------------------------------------------------------------------------


class OverdraftForwardService(RendezvousService):
    """Once the relay's own budget is spent it still forwards, uncharged ("the sender
    paid for the hop: never drop a relayed handshake half-way"): the relay's forwards
    in an epoch are bounded by nothing (DESIGN.md 4: a charge of ``c`` is allowed
    iff ``spent + c <= limit``, for the relay's forwards too; seed 5.2's
    ``RelayForward`` is charged to the relay)."""

    def prepare_relay_forward(
        self, snapshot: GuardSnapshot, envelope: Any, *, receipt: bytes | None = None
    ) -> GuardOutcome:
        outcome = super().prepare_relay_forward(snapshot, envelope, receipt=receipt)
        if getattr(outcome.decision, "reason", None) is not DenyReason.InsufficientBudget:
            return outcome
        rich = attrs.evolve(snapshot, flow_budget_remaining=U64_MAX)
        free = super().prepare_relay_forward(rich, envelope, receipt=receipt)
        if not free.is_allowed():
            return outcome
        return GuardOutcome.allow(
            [
                attrs.evolve(e, cost=0) if isinstance(e, ChargeFlowBudget | RecordReceipt) else e
                for e in free.effects
            ]
        )


# -- channels -------------------------------------------------------------------------


class RekeyKeepsIdManager(ChannelRewritingManager):
    """A rekey's channel takes over the id of the ``Rotating`` channel it replaces ("the
    connection keeps its id, like a QUIC connection id; only the keys change"), the
    old channel dropped when the new one is registered: the new epoch's traffic
    runs under the retired channel's id, which anyone who saw the old traffic
    links to it (DESIGN.md 5: rotation is a new handshake, new keys, *new channel
    id*; the id hashes the epoch and the new handshake hash)."""

    def _rewrite(self, channel: SecureChannel) -> SecureChannel:
        for other in self._by_pair.get((channel.context_id, channel.remote), ()):
            if other.state is ChannelState.Rotating and other.epoch < channel.epoch:
                channel.channel_id = other.channel_id
                break
        return channel

    def _check_new(self, channel: SecureChannel) -> None:
        old = self._by_id.get(channel.channel_id)
        if old is not None and old is not channel and old.state is ChannelState.Rotating:
            old.apply(ChannelEvent.Superseded)
            pair = (old.context_id, old.remote)
            self._by_pair[pair] = [c for c in self._by_pair.get(pair, []) if c is not old]
            del self._by_id[old.channel_id]
        super()._check_new(channel)


class ClosingAdvanceManager(ChannelManager):
    """An epoch advance closes the older epoch's channels instead of marking them
    ``Rotating`` ("they may send nothing until rekeyed: close them"): nothing is left
    that needs rotation, so no rekey is started and the peer pair stays without a
    channel until someone connects again (DESIGN.md 5: ``advance_epoch(e)`` marks
    older channels ``Rotating``; rotation is a new handshake under the new PSK)."""

    def advance_epoch(
        self, epoch: int, context_id: bytes | None = None
    ) -> tuple[SecureChannel, ...]:
        marked = super().advance_epoch(epoch, context_id)
        for channel in [c for c in self._by_id.values() if c.state is ChannelState.Rotating]:
            self.close(channel.channel_id)
        return marked


class CounterZeroConfirmManager(ChannelManager):
    """Only the transport message at counter 0 confirms a responder's channel ("the key
    confirmation is the initiator's message 0"): when that one is lost or overtaken,
    the initiator's later data, which decrypts under the same keys, is refused and
    the channel times out (DESIGN.md 5: the key confirmation is the first transport
    message from the initiator that decrypts, as in WireGuard)."""

    def prepare_confirm(
        self, channel: SecureChannel, message: TransportMessage, now_ms: int
    ) -> bytes:
        if message.counter != 0:
            raise TransportAuthError("only message 0 confirms a handshake")
        return super().prepare_confirm(channel, message, now_ms)


__all__ = [
    "AssigningClockService",
    "ChargeBeforeCommitmentService",
    "ClosingAdvanceManager",
    "CommitmentUnsignedDesk",
    "CounterZeroConfirmManager",
    "EpochlessAdDesk",
    "ForeignContextMergeService",
    "OperationUnsignedIssuer",
    "OperationUnsignedVerifier",
    "OverdraftForwardService",
    "RekeyKeepsIdManager",
    "StampKeyedMergeService",
]
