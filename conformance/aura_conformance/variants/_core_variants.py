"""Deliberately broken variants of the core ("buggy backends").

Each one reproduces a shortfall DESIGN.md lists for the public code base (or a
rule of its sections 2-4) so that tests, and the conformance harness, can show
that their assertions catch it. None of these is used by the core itself.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from collections.abc import Set as AbstractSet

from aura_rendezvous import RendezvousConfig, RendezvousService
from aura_rendezvous.core import (
    AuraError,
    AuthorityId,
    ContextId,
    ContextMembership,
    LocalProtocolError,
    NotAMember,
    ReceiptChainBroken,
    ReceiptReplayed,
    ReceiptWrongContext,
    ReceiptWrongEpoch,
    ReceiptWrongSigner,
    Roster,
    UnattributableFact,
    epoch_bytes,
    verify_signature,
)
from aura_rendezvous.descriptors import RendezvousDescriptor, window_contains
from aura_rendezvous.guard import (
    GENESIS_HASH,
    ChargeFlowBudget,
    ChargeToken,
    EffectInterpreter,
    ExecutionResult,
    ExecutionStatus,
    GuardOutcome,
    JournalAppend,
    Receipt,
    ReceiptVerifier,
    is_send,
)
from aura_rendezvous.journal import (
    MAX_SYNC_ENTRIES,
    MAX_SYNC_IDS,
    ROOT_RANGE,
    AppendToken,
    ContextJournal,
    DescriptorCache,
    DescriptorRevoked,
    JournalEntry,
    RangeDigest,
    SealedSyncMessage,
    SyncDigest,
    SyncFacts,
    SyncMessage,
    answer_digest,
    apply_sync_facts,
    decode_sync_message,
    open_sync_message,
    verify_revocation,
)

__all__ = [
    "CappedSyncService",
    "ChargeAfterAppendInterpreter",
    "DoubleChargeInterpreter",
    "LastArrivedJournal",
    "LastArrivedService",
    "NoRollbackInterpreter",
    "PublicIdMembership",
    "PublisherOnlyRevocationSyncService",
    "RevocationIgnoringService",
    "SelfClaimedSyncService",
    "SkippingReceiptVerifier",
    "UnboundedLamportJournal",
    "UnboundedLamportService",
    "UnsignedFactsService",
    "answer_digest_fact_ids",
    "capped_sync_service",
    "choose_any_context",
    "choose_ignoring_revocation",
    "choose_last_arrived",
    "clear_sync_message",
    "is_valid_inclusive",
    "make_digest_fact_ids",
    "read_clear_sync_message",
]


# -- descriptor choice ----------------------------------------------------------


def is_valid_inclusive(descriptor: RendezvousDescriptor, now: int) -> bool:
    """Bug: ``valid_until`` treated as inclusive."""
    return descriptor.valid_from <= now <= descriptor.valid_until


def choose_last_arrived(
    candidates: Iterable[RendezvousDescriptor],
    context_id: ContextId,
    authority_id: AuthorityId,
    now: int,
    revoked: AbstractSet[tuple[AuthorityId, bytes]] = frozenset(),
) -> RendezvousDescriptor | None:
    """Bug: the last valid descriptor to arrive wins, even when it is older."""
    best = None
    for d in candidates:
        if (
            d.context_id == context_id
            and d.authority_id == authority_id
            and window_contains(d.valid_from, d.valid_until, now)
            and (d.authority_id, d.nonce) not in revoked
        ):
            best = d
    return best


def choose_ignoring_revocation(
    candidates: Iterable[RendezvousDescriptor],
    context_id: ContextId,
    authority_id: AuthorityId,
    now: int,
    revoked: AbstractSet[tuple[AuthorityId, bytes]] = frozenset(),
) -> RendezvousDescriptor | None:
    """Bug: revocations ignored (the public code base's shortfall)."""
    del revoked
    eligible = [
        d
        for d in candidates
        if d.context_id == context_id
        and d.authority_id == authority_id
        and window_contains(d.valid_from, d.valid_until, now)
    ]
    return max(eligible, key=lambda d: d.order_key, default=None)


def choose_any_context(
    candidates: Iterable[RendezvousDescriptor],
    context_id: ContextId,
    authority_id: AuthorityId,
    now: int,
    revoked: AbstractSet[tuple[AuthorityId, bytes]] = frozenset(),
) -> RendezvousDescriptor | None:
    """Bug: the context is not compared, so a descriptor crosses contexts."""
    del context_id
    eligible = [
        d
        for d in candidates
        if d.authority_id == authority_id
        and window_contains(d.valid_from, d.valid_until, now)
        and (d.authority_id, d.nonce) not in revoked
    ]
    return max(eligible, key=lambda d: d.order_key, default=None)


# -- keys -------------------------------------------------------------------------


class PublicIdMembership(ContextMembership):
    """Bug: descriptor key and PSK derived from public ids only (context id, epoch).

    Anyone who knows the context id, member or not, derives the same keys.
    """

    def descriptor_key(self, epoch: int) -> bytes:
        return hashlib.sha256(b"descriptor" + self.context_id.value + epoch_bytes(epoch)).digest()

    def handshake_psk(self, epoch: int) -> bytes:
        return hashlib.sha256(b"psk" + self.context_id.value + epoch_bytes(epoch)).digest()


# -- journal ----------------------------------------------------------------------


class LastArrivedJournal(ContextJournal):
    """Bug: a re-received fact takes the stamp it last arrived with (no join)."""

    def merge(self, entry: JournalEntry) -> bool:
        self.check_context(entry.fact)
        changed = self.get(entry.fact_id) != entry
        self._entries[entry.fact_id] = entry
        self._version += 1
        return changed


# -- service ----------------------------------------------------------------------


class RevocationIgnoringService(RendezvousService):
    """Bug: the derived cache drops every revocation."""

    def descriptor_cache(self, context_id: ContextId) -> DescriptorCache:
        cache = super().descriptor_cache(context_id)
        return DescriptorCache(cache.context_id, cache.descriptors, frozenset(), cache.rejected)


class LastArrivedService(RendezvousService):
    """Bug: the peer's most recently journaled valid descriptor is chosen."""

    def get_cached_descriptor(
        self, context_id: ContextId, peer: AuthorityId, now_ms: int
    ) -> RendezvousDescriptor | None:
        if self.membership(context_id) is None:
            return None
        # Arrival order: the order in which this service first saw each descriptor in
        # its cache (a synced entry keeps its sender's stamp, so the journal's Lamport
        # order is the publisher's order, not the order of arrival).
        cache = self.descriptor_cache(context_id)
        seen: dict[bytes, int] = self.__dict__.setdefault("_arrival", {})
        for d in cache.descriptors:
            seen.setdefault(d.nonce, len(seen))
        arrived = sorted(cache.descriptors, key=lambda d: seen[d.nonce])
        return choose_last_arrived(arrived, context_id, peer, now_ms, cache.revoked)


# -- interpreter ------------------------------------------------------------------


class NoRollbackInterpreter(EffectInterpreter):
    """Bug: a failure after the charge leaves the charge (and appends) in place."""

    def _undo(self, token: ChargeToken | AppendToken | object) -> None:
        return None


class DoubleChargeInterpreter(EffectInterpreter):
    """Bug: every charge is applied twice (the public code base's shortfall)."""

    def execute(self, outcome: GuardOutcome) -> ExecutionResult:
        result = super().execute(outcome)
        if result.status is ExecutionStatus.Committed:
            for effect in outcome.effects:
                if isinstance(effect, ChargeFlowBudget):
                    self.budget.charge(
                        effect.context_id, effect.authority_id, effect.epoch, effect.cost
                    )
        return result


class ChargeAfterAppendInterpreter(EffectInterpreter):
    """Bug: appends first and charges after; a failed charge leaves the fact published."""

    def execute(self, outcome: GuardOutcome) -> ExecutionResult:
        if not outcome.is_allowed():
            return ExecutionResult(ExecutionStatus.Denied)
        appends = [e for e in outcome.effects if isinstance(e, JournalAppend)]
        charges = [e for e in outcome.effects if isinstance(e, ChargeFlowBudget)]
        for a in appends:
            self._journal(a.context_id).append(a.fact, self.authority_id)
        try:
            for c in charges:
                self.budget.charge(c.context_id, c.authority_id, c.epoch, c.cost)
        except AuraError as exc:
            return ExecutionResult(ExecutionStatus.RolledBack, error=str(exc))
        sends = [e for e in outcome.effects if is_send(e)]
        for s in sends:
            self.outbox(s)
        return ExecutionResult(ExecutionStatus.Committed, tuple(sends))


# -- receipts ---------------------------------------------------------------------


class SkippingReceiptVerifier(ReceiptVerifier):
    """A verifier that skips the named checks: ``signature``, ``epoch``, ``replay``,
    ``chain`` (no replay protection is one of the public code base's shortfalls)."""

    def __init__(self, *args: object, skip: AbstractSet[str], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.skip = frozenset(skip)

    def check(self, receipt: Receipt, current_epoch: int) -> None:
        if receipt.context_id != self.context_id:
            raise ReceiptWrongContext("receipt of another context")
        if "signature" not in self.skip:
            try:
                entry = self.roster.entry(receipt.src)
            except NotAMember:
                raise ReceiptWrongSigner("not a member") from None
            if not verify_signature(
                entry.ed25519_public, receipt.signed_message(), receipt.signature
            ):
                raise ReceiptWrongSigner("bad signature")
        if "epoch" not in self.skip and receipt.epoch != current_epoch:
            raise ReceiptWrongEpoch("wrong epoch")
        previous = self._last.get((receipt.src, receipt.epoch))
        if "replay" not in self.skip and previous is not None and receipt.nonce <= previous[0]:
            raise ReceiptReplayed("replay")
        expected = previous[1] if previous is not None else GENESIS_HASH
        if "chain" not in self.skip and receipt.prev_hash != expected:
            raise ReceiptChainBroken("chain")


# -- sync -------------------------------------------------------------------------


def make_digest_fact_ids(journal: ContextJournal, sender: AuthorityId) -> SyncDigest:
    """Bug: the digest names facts only, so differing stamps are never reconciled."""
    return SyncDigest(
        journal.context_id, sender, [RangeDigest.of(ROOT_RANGE, sorted(journal.ids()), listed=True)]
    )


def answer_digest_fact_ids(
    journal: ContextJournal, digest: SyncDigest, me: AuthorityId, roster: Roster
) -> tuple[SyncFacts, ...]:
    """Bug twin of :func:`~aura_rendezvous.answer_digest` for fact-id digests."""
    roster.entry(digest.sender)
    theirs = {i for r in digest.ranges for i in r.ids or ()}
    missing = [e for e in journal.entries() if e.fact_id not in theirs]
    return tuple(
        SyncFacts(journal.context_id, me, missing[i : i + MAX_SYNC_ENTRIES])
        for i in range(0, len(missing), MAX_SYNC_ENTRIES)
    )


# -- sync authentication and the Lamport bound (today's journal) ---------------------

_CLEAR = b"aura-conformance/clear-sync\x00"


def clear_sync_message(message: SyncMessage, epoch: int = 0) -> SealedSyncMessage:
    """Today's wire form: the message in the clear, unsigned, in the sealed envelope's
    place (anyone can write one, naming any sender)."""
    return SealedSyncMessage(message.context_id, epoch, _CLEAR + message.encode())


def read_clear_sync_message(sealed: SealedSyncMessage) -> SyncMessage | None:
    """What anyone reads of a message in today's clear form (``None`` if it is sealed)."""
    if not sealed.ciphertext.startswith(_CLEAR):
        return None
    return decode_sync_message(sealed.ciphertext[len(_CLEAR) :])


def _membership_of(service: RendezvousService, context_id: ContextId) -> ContextMembership:
    membership = service.membership(context_id)
    if membership is None:
        raise NotAMember(f"{service.authority_id} is not in {context_id}")
    return membership


class SelfClaimedSyncService(RendezvousService):
    """Bug (today): sync messages travel in the clear and their sender is self-claimed,
    checked against the roster only: an outsider naming a member gets the journal
    answered, in the clear."""

    def answer_sync(self, message: SealedSyncMessage) -> tuple[SealedSyncMessage, ...]:
        digest = read_clear_sync_message(message)
        if not isinstance(digest, SyncDigest):
            return super().answer_sync(message)
        roster = _membership_of(self, digest.context_id).roster
        answers = answer_digest(self.journal(digest.context_id), digest, self.authority_id, roster)
        return tuple(clear_sync_message(a, message.epoch) for a in answers)


class CappedSyncService(RendezvousService):
    """Bug (today): a digest names every entry id of the journal and is refused
    (``LocalProtocolError``) once the journal holds more than ``sync_cap`` entries
    (``MAX_SYNC_IDS``, 4,096, in the shipped code): from then on the replica never
    pulls again. :func:`capped_sync_service` sets a cap a test run can reach."""

    sync_cap = MAX_SYNC_IDS

    def _check_cap(self, context_id: ContextId) -> None:
        if len(self.journal(context_id)) > self.sync_cap:
            raise LocalProtocolError(f"a digest holds at most {self.sync_cap} ids")

    def sync_digest(self, context_id: ContextId, *, epoch: int) -> SealedSyncMessage:
        self._check_cap(context_id)
        return super().sync_digest(context_id, epoch=epoch)

    def sync_follow_up(
        self, context_id: ContextId, answers: Sequence[SealedSyncMessage], *, epoch: int
    ) -> tuple[SealedSyncMessage, ...]:
        pages = super().sync_follow_up(context_id, answers, epoch=epoch)
        if pages:
            self._check_cap(context_id)
        return pages


def capped_sync_service(cap: int) -> type[CappedSyncService]:
    """Today's capped digest with the cap at ``cap`` entries."""
    return type(f"CappedSyncService{cap}", (CappedSyncService,), {"sync_cap": cap})


class UnsignedFactsService(RendezvousService):
    """Bug (today): a synced fact is merged without checking that a member signed it
    (the message itself is still authenticated and its stamps bounded)."""

    def apply_sync(self, message: SealedSyncMessage) -> int:
        membership = _membership_of(self, message.context_id)
        facts = open_sync_message(message, membership)
        if not isinstance(facts, SyncFacts):
            raise AuraError("a digest where an answer was due")
        journal = self.journal(facts.context_id)
        journal.check_stamps(facts.entries)
        return apply_sync_facts(journal, facts, membership.roster)


class UnboundedLamportJournal(ContextJournal):
    """Bug (today): a merge takes ``max(clock, stamp)`` for any stamp, so one entry
    stamped 2^64-1 leaves the clock no room and every later append fails."""

    def check_stamps(self, entries: Iterable[JournalEntry]) -> None:
        for entry in entries:
            self.check_context(entry.fact)


class UnboundedLamportService(RendezvousService):
    """Today's journal (:class:`UnboundedLamportJournal`) behind the service."""

    def __init__(self, authority_id: AuthorityId, config: RendezvousConfig) -> None:
        super().__init__(authority_id, config)
        self.journals = {c: UnboundedLamportJournal(c) for c in self.journals}


class PublisherOnlyRevocationSyncService(RendezvousService):
    """Bug (today): a synced revocation counts as attributable only when its publisher
    signed it, so a sync message that carries a member's forged revocation is refused
    whole (``UnattributableFact``). The spec delivers that fact (a member signed it)
    and only the lookup ignores it: a replica that holds one never converges."""

    def apply_sync(self, message: SealedSyncMessage) -> int:
        membership = _membership_of(self, message.context_id)
        facts = open_sync_message(message, membership)
        if isinstance(facts, SyncFacts):
            for entry in facts.entries:
                fact = entry.fact
                if isinstance(fact, DescriptorRevoked) and not verify_revocation(
                    fact, membership.roster
                ):
                    raise UnattributableFact(
                        f"revocation not signed by its publisher {fact.authority_id}"
                    )
        return super().apply_sync(message)
