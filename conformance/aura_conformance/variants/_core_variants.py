"""Deliberately broken variants of the core ("buggy backends").

Each one reproduces a shortfall DESIGN.md lists for the public code base (or a
rule of its sections 2-4) so that tests, and the conformance harness, can show
that their assertions catch it. None of these is used by the core itself.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from collections.abc import Set as AbstractSet

from aura_rendezvous import RendezvousService
from aura_rendezvous.core import (
    AuraError,
    AuthorityId,
    ContextId,
    ContextMembership,
    NotAMember,
    ReceiptChainBroken,
    ReceiptReplayed,
    ReceiptWrongContext,
    ReceiptWrongEpoch,
    ReceiptWrongSigner,
    Roster,
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
    ROOT_RANGE,
    AppendToken,
    ContextJournal,
    DescriptorCache,
    JournalEntry,
    RangeDigest,
    SyncDigest,
    SyncFacts,
)

__all__ = [
    "ChargeAfterAppendInterpreter",
    "DoubleChargeInterpreter",
    "LastArrivedJournal",
    "LastArrivedService",
    "NoRollbackInterpreter",
    "PublicIdMembership",
    "RevocationIgnoringService",
    "SkippingReceiptVerifier",
    "answer_digest_fact_ids",
    "choose_any_context",
    "choose_ignoring_revocation",
    "choose_last_arrived",
    "is_valid_inclusive",
    "make_digest_fact_ids",
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
        # The cache lists descriptors in journal (Lamport) order, i.e. arrival order.
        cache = self.descriptor_cache(context_id)
        return choose_last_arrived(cache.descriptors, context_id, peer, now_ms, cache.revoked)


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
