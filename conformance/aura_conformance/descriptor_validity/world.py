"""The descriptor world: three members' RendezvousServices publishing, revoking and syncing.

Members ``a1``, ``a2`` and ``a3`` (``tla/MC_DVConformance.cfg``) share contexts ``c1``
and ``c2``; ``a1`` and ``a2`` publish (they hold ``rendezvous:publish``), ``a3`` does
not. The second publisher is there for revocation: a publisher that holds another's
descriptor can ask its own service to revoke it, which must deny (only the publisher
may revoke its own descriptor); ``a3``'s forgeries are the writes outside a
service. The third member is there for sync: with two, a
fact's author is always the other replica, so a sync that passes on only the facts
a member wrote itself never misses one. Publishing and revoking go through the
real service (``prepare_publish_descriptor``/``prepare_revoke_descriptor``, the
guard chain and the effect interpreter), so descriptors are really built,
Ed25519-signed and sealed under the context key; sync is the journal's own
merge of one entry at a time (anti-entropy, any order, any duplication).

Time. The world's clock is in milliseconds and the spec's ``now`` is
``(clock_ms - origin_ms) // UNIT_MS``: every millisecond of a unit is that unit.
The origin is 0 (but in the end-of-time schedule,
:meth:`DescriptorWorld.start_near_the_end_of_time`), and every instant below is
read from it. The clock starts at the origin and moves in two ways only:
``Tick`` adds one whole unit, and
:meth:`DescriptorWorld.last_millisecond` (a stutter of the spec) moves it to
the last millisecond of its unit, an offset it then keeps for good. So the
offset within a unit never decreases, and every instant the world acts or
asks at has an offset ``r`` at least that of every descriptor's publication
``r_p``. Under that order the mapping is exact: with ``valid_from = f *
UNIT_MS + r_p``, ``valid_until = u * UNIT_MS + r_p`` and the instant ``t *
UNIT_MS + r``, ``valid_from <= now < valid_until`` iff ``f <= t < u``, ``now +
window >= valid_until`` iff ``t + Window >= u``, and ``valid_until <= now``
(the prune of ``journal._prune``) iff ``u <= t``: DESIGN.md 2's half-open
window and refresh rule, and the prune horizon, give the spec's answers at
``t``. The other order has no such reading (a descriptor published at 999 ms
is ``[0, 2)`` in spec units, yet still valid at 2000 ms, the first
millisecond of unit 2), so the offset never goes back. The last millisecond
of a unit is where a mistake of one millisecond shows: at a unit's first
millisecond ``now + window + 1 >= valid_until`` and ``valid_until <= now + 1``
answer as the reference, at the last one they do not (for a descriptor
published at a unit's first millisecond). A prune horizon is an instant the
world acted at, so the same order holds for it: a descriptor published before
it has no greater offset, and one published after it expires past it.

The harness keeps what the implementation does not: the rank of each
descriptor nonce (the spec's nonces are a per-publisher counter) and
``lastSeen``, the last descriptor of each peer to reach each member.
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Iterator
from typing import Any

import attrs
from aura_rendezvous import (
    CAP_RENDEZVOUS_PUBLISH,
    AuraError,
    AuthorityId,
    AuthorityKeys,
    ContextId,
    ContextMembership,
    DescriptorFact,
    DescriptorRevoked,
    EffectInterpreter,
    FlowBudgetStore,
    GuardSnapshot,
    QuicDirect,
    ReceiptIssuer,
    RendezvousConfig,
    RendezvousDescriptor,
    RendezvousService,
    Roster,
)
from aura_rendezvous.core import U64_MAX, verify_signature
from aura_rendezvous.descriptors import open_descriptor
from aura_rendezvous.guard import Denied
from aura_rendezvous.journal import (
    ChannelEstablished,
    ContextJournal,
    JournalEntry,
    SealedSyncMessage,
    SyncFacts,
    make_digest,
    seal_sync_message,
)

from aura_conformance.variants import (
    AnyContextChoiceService,
    AnyMemberRevocationService,
    ClocklessMergeService,
    FromUncheckedService,
    HorizonBlindSyncService,
    InclusiveUntilService,
    LastArrivedService,
    LateRefreshService,
    NonceKeyedMergeService,
    NonceOnlyRevocationService,
    OriginOnlyMergeService,
    OwnFactsOnlySyncService,
    OwnRevocationsOnlySyncService,
    PruneKeepsFactsService,
    PublisherOnlyRevocationSyncService,
    RevocationIgnoringService,
    RevokeAnyService,
    SelfClaimedSyncService,
    SenderSignedRevocationSyncService,
    TieByJournalOrderService,
    UnboundedLamportService,
    UnsignedFactsService,
    capped_sync_service,
    clear_sync_message,
    read_clear_sync_message,
)

__all__ = ["DV_VARIANTS", "UNIT_MS", "DVVariant", "DescriptorWorld"]

MEMBERS = ("a1", "a2", "a3")
CONTEXTS = ("c1", "c2")
PUBLISHERS = frozenset({"a1", "a2"})
MAX_TIME = 2
VALIDITY = 2
WINDOW = 1
UNIT_MS = 1000
SYNC_CAP = 2
END_ORIGIN_MS = U64_MAX - 2_500
"""The origin of the end-of-time schedule (``start_near_the_end_of_time``)."""
"""The cap of the ``capped-sync`` variant: today's digest, refused past 2 entries
of a journal instead of 4,096, so a test run reaches it."""


@attrs.frozen
class DVVariant:
    name: str
    description: str
    service: type[RendezvousService] = RendezvousService


DV_VARIANTS: dict[str, DVVariant] = {
    v.name: v
    for v in (
        DVVariant("ref", "the reference implementation"),
        DVVariant(
            "revocation-ignored",
            "revocations ignored by the derived cache (RevocationIgnoringService)",
            service=RevocationIgnoringService,
        ),
        DVVariant(
            "last-arrived",
            "the last descriptor to arrive wins (LastArrivedService)",
            service=LastArrivedService,
        ),
        DVVariant(
            "self-claimed-sync",
            "sync in the clear with a self-claimed sender (SelfClaimedSyncService)",
            service=SelfClaimedSyncService,
        ),
        DVVariant(
            "unsigned-facts",
            "synced facts merged without their author's signature (UnsignedFactsService)",
            service=UnsignedFactsService,
        ),
        DVVariant(
            "capped-sync",
            f"today's digest, refused past {SYNC_CAP} entries (CappedSyncService)",
            service=capped_sync_service(SYNC_CAP),
        ),
        DVVariant(
            "unbounded-lamport",
            "any received Lamport stamp taken by the clock (UnboundedLamportService)",
            service=UnboundedLamportService,
        ),
        DVVariant(
            "publisher-only-revocation-sync",
            "a synced revocation not signed by its publisher refuses the whole message "
            "(PublisherOnlyRevocationSyncService)",
            service=PublisherOnlyRevocationSyncService,
        ),
        DVVariant(
            "any-context-choice",
            "the peer's descriptor chosen across contexts (AnyContextChoiceService)",
            service=AnyContextChoiceService,
        ),
        DVVariant(
            "any-member-revocation",
            "a revocation signed by any member is honoured (AnyMemberRevocationService)",
            service=AnyMemberRevocationService,
        ),
        DVVariant(
            "horizon-blind-sync",
            "sync ignores the prune horizon: pruned facts come back (HorizonBlindSyncService)",
            service=HorizonBlindSyncService,
        ),
        DVVariant(
            "prune-keeps-facts",
            "pruning moves the horizon and drops nothing (PruneKeepsFactsService)",
            service=PruneKeepsFactsService,
        ),
        DVVariant(
            "late-refresh",
            "needs_refresh with now + window > valid_until (LateRefreshService)",
            service=LateRefreshService,
        ),
        DVVariant(
            "clockless-merge",
            "a merged entry does not move the Lamport clock (ClocklessMergeService)",
            service=ClocklessMergeService,
        ),
        DVVariant(
            "inclusive-until",
            "a descriptor chosen at its valid_until (InclusiveUntilService)",
            service=InclusiveUntilService,
        ),
        # Sync that does not pass on what a member learnt: only a third member sees it.
        DVVariant(
            "own-facts-only-sync",
            "a digest answered with the answerer's own facts only (OwnFactsOnlySyncService)",
            service=OwnFactsOnlySyncService,
        ),
        DVVariant(
            "own-revocations-only-sync",
            "revocations learnt from their publisher not passed on (OwnRevocationsOnlySyncService)",
            service=OwnRevocationsOnlySyncService,
        ),
        DVVariant(
            "origin-only-merge",
            "a message relaying another origin's entry refused whole (OriginOnlyMergeService)",
            service=OriginOnlyMergeService,
        ),
        DVVariant(
            "sender-signed-revocation-sync",
            "a synced revocation dropped unless its sender signed it "
            "(SenderSignedRevocationSyncService)",
            service=SenderSignedRevocationSyncService,
        ),
        DVVariant(
            "nonce-only-revocation",
            "the revoked set matched on the nonce alone: a member's revocation under its own "
            "name of another's nonce hides that descriptor (NonceOnlyRevocationService)",
            service=NonceOnlyRevocationService,
        ),
        DVVariant(
            "from-unchecked",
            "validity read as now < valid_until: a descriptor whose window has not begun "
            "is chosen (FromUncheckedService)",
            service=FromUncheckedService,
        ),
        DVVariant(
            "tie-by-journal-order",
            "the choice ordered by valid_from alone, a tie going to the first in journal "
            "order instead of the greatest nonce (TieByJournalOrderService)",
            service=TieByJournalOrderService,
        ),
        DVVariant(
            "revoke-any",
            "a publisher's service asked to revoke another member's descriptor writes the "
            "revocation instead of denying (RevokeAnyService, a red-team probe of round 7)",
            service=RevokeAnyService,
        ),
        DVVariant(
            "nonce-keyed-merge",
            "synced facts deduplicated by publisher and nonce: a revocation dropped as a "
            "copy of its descriptor (NonceKeyedMergeService)",
            service=NonceKeyedMergeService,
        ),
    )
}


def _seed(name: str) -> bytes:
    return hashlib.sha256(b"aura-conformance/v1/dv\x00" + name.encode()).digest()


class DescriptorWorld:
    """The implementation under test for DescriptorValidity.tla."""

    def __init__(self, variant: DVVariant | None = None) -> None:
        self.variant = variant or DV_VARIANTS["ref"]
        self.ids = {n: AuthorityId(_seed(n)) for n in MEMBERS}
        self.names = {aid: n for n, aid in self.ids.items()}
        self.ctx = {c: ContextId(_seed(c)) for c in CONTEXTS}
        self.ctx_names = {cid: c for c, cid in self.ctx.items()}
        self.keys = {n: AuthorityKeys.from_seed(self.ids[n], _seed("key" + n)) for n in MEMBERS}
        roster = Roster.of(*self.keys.values())
        memberships = [ContextMembership(self.ctx[c], roster, _seed("root" + c)) for c in CONTEXTS]
        self.memberships = {m.context_id: m for m in memberships}
        self._nonces: Iterator[int] = itertools.count(1)
        self.services = {
            n: self.variant.service(
                self.ids[n],
                RendezvousConfig(
                    keys=self.keys[n],
                    memberships=tuple(memberships),
                    # A counter, not random bytes: the spec's nonces are a per-publisher
                    # counter and the tie-break between descriptors of one valid_from
                    # follows nonce order (docs/conformance.md).
                    nonce_source=lambda k: next(self._nonces).to_bytes(k, "big"),
                    descriptor_validity_ms=VALIDITY * UNIT_MS,
                    refresh_window_ms=WINDOW * UNIT_MS,
                ),
            )
            for n in MEMBERS
        }
        self.budget = FlowBudgetStore({}, default_limit=1 << 40)
        self.interpreters = {
            n: EffectInterpreter(
                self.ids[n],
                self.budget,
                self.services[n].journals,
                ReceiptIssuer(self.keys[n]),
                lambda _send: None,
            )
            for n in MEMBERS
        }
        # In milliseconds; the spec's now is (clock_ms - origin_ms) // UNIT_MS (the
        # module's "Time"). The origin is 0 but in the end-of-time schedule.
        self.origin_ms = 0
        self.clock_ms = 0
        self.ranks: dict[bytes, int] = {}
        self.next_rank = dict.fromkeys(MEMBERS, 1)
        self.last_seen: dict[tuple[str, str, str], Any] = {}
        self.owner: dict[bytes, str] = {}
        # The spec record of each fact id seen (fact_key), forgotten when a rank is new.
        self.keys_by_id: dict[bytes, tuple[Any, ...] | None] = {}
        # What the outsider eve read from answers to her digests: she holds no replica.
        self.eve_learned: list[Any] = []

    def descending_nonces(self) -> None:
        """Before the first publication: each publication's nonce is then below every
        earlier one's, as a random nonce source may give. The harness's ranks still
        follow publication order, so the spec's choice rule ``(valid_from, nonce)``
        judges the answer by ``valid_from`` first; a schedule using this must not
        publish twice in one time unit, where the spec orders by rank and the
        implementation by these bytes."""
        if self.ranks:
            raise RuntimeError("descending nonces must be chosen before any publication")
        self._nonces = itertools.count(1 << 32, -1)

    def nonces_across_a_byte(self) -> None:
        """Before the first publication: the world's counter starts at 255, so its first
        two nonces are 255 and 256, whose 32 big-endian bytes differ in their last two
        bytes and order the other way read as little-endian integers. They ascend like
        the spec's per-publisher counter, so the spec judges a tie between them as the
        bytes order it (unlike :meth:`descending_nonces`, a schedule using this may
        publish twice in one time unit)."""
        if self.ranks:
            raise RuntimeError("the nonces' start must be chosen before any publication")
        self._nonces = itertools.count(255)

    def start_near_the_end_of_time(self) -> None:
        """Before the first publication: the clock, and the origin of spec time, move
        to ``END_ORIGIN_MS``, 2,500 ms before u64 max. Spec time counts units from
        the origin, which keeps every equivalence of "Time"; a descriptor published
        at unit 0 then lasts until 500 ms before u64 max, and from the last
        millisecond of unit 1 on, ``now + window`` passes u64 max. A publication
        after unit 0 overflows (DESIGN.md 2: an error), which the spec does not
        model, so a schedule using this only asks ``needs_refresh`` there."""
        if self.ranks:
            raise RuntimeError("the clock's origin must be chosen before any publication")
        self.origin_ms = self.clock_ms = END_ORIGIN_MS

    # ---------------------------------------------------------------- helpers

    def _units(self, instant: int) -> int:
        """``instant`` (ms) in spec units from the origin."""
        return (instant - self.origin_ms) // UNIT_MS

    @property
    def now(self) -> int:
        """The spec's ``now``: the unit the clock is in."""
        return self._units(self.clock_ms)

    @property
    def now_ms(self) -> int:
        return self.clock_ms

    def at_unit(self, when: int) -> int:
        """The instant of spec time ``when`` at the clock's offset within its unit."""
        return self.origin_ms + when * UNIT_MS + (self.clock_ms - self.origin_ms) % UNIT_MS

    def snapshot(self, a: str, c: str) -> GuardSnapshot:
        aid = self.ids[a]
        caps = {CAP_RENDEZVOUS_PUBLISH} if a in PUBLISHERS else set()
        return GuardSnapshot(aid, self.ctx[c], self.budget.remaining(self.ctx[c], aid, 0), caps, 0)

    def descriptor_key(self, d: RendezvousDescriptor) -> tuple[Any, ...]:
        """The spec's record of ``d`` as a tuple (kind, auth, ctx, from, until, nonce, by)."""
        a = self.names[d.authority_id]
        return (
            "Descriptor",
            a,
            self.ctx_names[d.context_id],
            self._units(d.valid_from),
            self._units(d.valid_until),
            self.ranks.get(d.nonce, 0),
            a,
        )

    def channel_key(self, fact: ChannelEstablished) -> tuple[Any, ...]:
        """The spec's record of a ChannelEstablished: auth is its initiator, by the party
        whose signature verifies (the Outsider when none does)."""
        signed = fact.signed_message()
        by = next(
            (
                self.names[p]
                for p in (fact.initiator, fact.responder)
                if p in self.names
                and verify_signature(
                    self.keys[self.names[p]].ed25519_public, signed, fact.signature
                )
            ),
            "eve",
        )
        auth = self.names.get(fact.initiator, "eve")
        return ("Channel", auth, self.ctx_names[fact.context_id], 0, 0, 1, by)

    def fact_key(self, fact: Any) -> tuple[Any, ...] | None:
        if isinstance(fact, DescriptorFact):
            try:
                d = open_descriptor(fact.sealed, self.memberships[fact.sealed.context_id])
            except AuraError:
                return None
            return self.descriptor_key(d)
        if isinstance(fact, DescriptorRevoked):
            by = next(
                (
                    n
                    for n in MEMBERS
                    if verify_signature(
                        self.keys[n].ed25519_public, fact.signed_message(), fact.signature
                    )
                ),
                "eve",
            )
            # The descriptor a revocation is of is the one its nonce names (nonces are
            # unique): a member's revocation under its own name of another's nonce is
            # its forgery of that descriptor's revocation, as one naming the publisher.
            owner = self.owner.get(fact.nonce)
            return (
                "Revoked",
                owner if owner is not None else self.names.get(fact.authority_id, "eve"),
                self.ctx_names[fact.context_id],
                0,
                0,
                self.ranks.get(fact.nonce, 0),
                by,
            )
        if isinstance(fact, ChannelEstablished):
            return self.channel_key(fact)
        return None

    def entries(self, m: str) -> list[tuple[tuple[Any, ...], Any, str]]:
        """(spec record, journal entry, context) of every fact in ``m``'s replicas."""
        out = []
        for c, cid in self.ctx.items():
            for entry in self.services[m].journal(cid).entries():
                fid = entry.fact_id
                # Opening a descriptor and checking signatures on every projection
                # would cost more than the step: a fact's record is kept by its id.
                if fid not in self.keys_by_id:
                    self.keys_by_id[fid] = self.fact_key(entry.fact)
                key = self.keys_by_id[fid]
                if key is not None:
                    out.append((key, entry, c))
        return out

    def prune_horizon(self, m: str) -> int:
        """``m``'s prune horizon in spec units (it prunes every context at once)."""
        # A horizon of 0 is "never pruned", before any origin.
        horizon = max(self.services[m].prune_horizon(c) for c in self.ctx.values())
        return max(0, self._units(horizon))

    def clock_exhausted(self, m: str) -> bool:
        """One of ``m``'s replicas has its Lamport clock at its end: no append fits."""
        return any(self.services[m].journal(cid).clock == U64_MAX for cid in self.ctx.values())

    def _find(self, m: str, record: tuple[Any, ...]) -> tuple[Any, str]:
        entries, c = self._find_all(m, record)
        return entries[0], c

    def _find_all(self, m: str, record: tuple[Any, ...]) -> tuple[list[Any], str]:
        """Every entry of ``m`` whose spec record is ``record`` (two only for a forged
        revocation, written in both its encodings), and their context."""
        found = [(entry, c) for key, entry, c in self.entries(m) if key == record]
        if not found:
            raise LookupError(f"{m} has no fact {record}")
        return [entry for entry, _ in found], found[0][1]

    def _nonce_of(self, rank: int, a: str) -> bytes:
        for nonce, r in self.ranks.items():
            if r == rank and self.owner.get(nonce) == a:
                return nonce
        raise LookupError(f"no nonce of rank {rank}")

    # ---------------------------------------------------------------- actions

    def publish(self, a: str, c: str) -> str:
        svc = self.services[a]
        if not svc.needs_refresh(self.ctx[c], self.now_ms, WINDOW * UNIT_MS):
            return "NotNeeded"
        before = {e.fact_id for e in svc.journal(self.ctx[c]).entries()}
        try:
            outcome = svc.prepare_publish_descriptor(
                self.snapshot(a, c), self.ctx[c], [QuicDirect("127.0.0.1:4433")], self.now_ms
            )
        except AuraError as exc:
            # A descriptor that cannot be built (now + validity past u64 max): an
            # error, never a silently shortened descriptor (DESIGN.md 2).
            return f"Refused:{type(exc).__name__}"
        result = self.interpreters[a].execute(outcome)
        if result.status.value != "Committed":
            return f"{result.status.value}:{result.error}"
        for entry in svc.journal(self.ctx[c]).entries():
            if entry.fact_id not in before and isinstance(entry.fact, DescriptorFact):
                d = open_descriptor(entry.fact.sealed, self.memberships[self.ctx[c]])
                self.ranks[d.nonce] = self.next_rank[a]
                self.keys_by_id.clear()
                self.owner[d.nonce] = a
                self.next_rank[a] += 1
                self.last_seen[(a, c, a)] = self.descriptor_key(d)
        return "Published"

    def publish_past_the_end(self, a: str, c: str) -> tuple[str, bool]:
        """:meth:`publish` asked where now + the validity passes u64 max (outside
        DescriptorValidity.tla, which has no such instant): the outcome, and whether
        ``a``'s journal in ``c`` changed."""
        journal = self.services[a].journal(self.ctx[c])
        before = journal.entry_ids()
        outcome = self.publish(a, c)
        return outcome, journal.entry_ids() != before

    def revoke(self, a: str, record: tuple[Any, ...]) -> str:
        _, c = self._find(a, record)
        nonce = self._nonce_of(record[5], record[1])
        outcome = self.services[a].prepare_revoke_descriptor(
            self.snapshot(a, c), self.ctx[c], nonce
        )
        result = self.interpreters[a].execute(outcome)
        decision = outcome.decision
        if isinstance(decision, Denied):
            # A revoke of another member's descriptor (only the publisher may revoke its
            # own): the typed reason, which stays local, is the outcome.
            return f"Denied:{decision.reason.value}"
        return result.status.value

    def forge_revocation(self, b: str, record: tuple[Any, ...]) -> str:
        """``b`` revokes another's descriptor in both encodings a member can write: naming
        the publisher (``b``'s signature does not verify for it) and naming itself with
        the descriptor's nonce (its signature verifies: it only revokes a descriptor of
        ``b``'s, which must not hide the publisher's). Both are the spec's one
        forged revocation ``DVRevocation(d, b)`` and travel together."""
        _, c = self._find(b, record)
        nonce = self._nonce_of(record[5], record[1])
        journal = self.services[b].journal(self.ctx[c])
        for named in (self.ids[record[1]], self.ids[b]):
            unsigned = DescriptorRevoked(self.ctx[c], named, nonce, b"")
            signature = self.keys[b].sign(unsigned.signed_message())
            journal.append(attrs.evolve(unsigned, signature=signature), self.ids[b])
        return "Forged"

    def _send_entries(self, src: str, dst: str, c: str, *entries: JournalEntry) -> str:
        """``src`` sends ``entries`` to ``dst`` through the real sync path: a SyncFacts
        sealed and signed by ``src``, opened and checked by ``dst``'s ``apply_sync``."""
        message = SyncFacts(self.ctx[c], self.ids[src], entries)
        sealed = seal_sync_message(message, self.keys[src], self.memberships[self.ctx[c]], 0)
        try:
            changed = self.services[dst].apply_sync(sealed)
        except AuraError as exc:
            return f"Refused:{getattr(exc, 'reason', type(exc).__name__)}"
        return "Merged" if changed else "Duplicate"

    def sync(self, src: str, dst: str, record: tuple[Any, ...]) -> str:
        if dst not in self.services:
            return "Refused:NotAMember"
        entries, c = self._find_all(src, record)
        outcome = self._send_entries(src, dst, c, *entries)
        if outcome == "Merged" and isinstance(entries[0].fact, DescriptorFact):
            self.last_seen[(dst, c, record[1])] = record
        return outcome

    def sync_round(self, src: str, dst: str) -> str:
        """A complete pull of ``dst`` from ``src`` in every context through the real
        sync messages (digest pages, answers, follow-up pages), sealed and signed.
        The descriptors that arrived are the last seen, in journal order."""
        outcomes = []
        for c, cid in self.ctx.items():
            puller, answerer = self.services[dst], self.services[src]
            before = {e.fact_id for e in puller.journal(cid).entries()}
            try:
                pages: tuple[SealedSyncMessage, ...] = (puller.sync_digest(cid, epoch=0),)
                while pages:
                    answers = [a for page in pages for a in answerer.answer_sync(page)]
                    for answer in answers:
                        puller.apply_sync(answer)
                    pages = puller.sync_follow_up(cid, answers, epoch=0)
            except AuraError as exc:
                outcomes.append(f"Refused:{getattr(exc, 'reason', type(exc).__name__)}")
                continue
            for key, entry, where in self.entries(dst):
                new = where == c and entry.fact_id not in before
                if new and isinstance(entry.fact, DescriptorFact):
                    self.last_seen[(dst, c, key[1])] = key
            outcomes.append("Synced")
        return ",".join(outcomes)

    def prune(self, m: str) -> str:
        """``m`` prunes every context at now (``prune_journal``)."""
        dropped = sum(self.services[m].prune_journal(cid, self.now_ms) for cid in self.ctx.values())
        return f"Pruned:{dropped}"

    def outsider_digest(self, src: str) -> str:
        """eve, who holds no key, sends ``src`` a digest of nothing naming another
        member as its sender (today's wire form is the only one she can write); she
        keeps whatever she can read of the answers."""
        claimed = self.ids[next(m for m in MEMBERS if m != src)]
        outcomes = []
        for cid in self.ctx.values():
            digest = clear_sync_message(make_digest(ContextJournal(cid), claimed))
            try:
                answers = self.services[src].answer_sync(digest)
            except AuraError as exc:
                outcomes.append(f"Refused:{getattr(exc, 'reason', type(exc).__name__)}")
                continue
            for answer in answers:
                read = read_clear_sync_message(answer)
                if isinstance(read, SyncFacts):
                    self.eve_learned.extend(e.fact for e in read.entries)
            outcomes.append("Answered")
        return ",".join(outcomes)

    def eve_facts(self) -> set[tuple[Any, ...]]:
        return {k for k in (self.fact_key(f) for f in self.eve_learned) if k is not None}

    def inject_unsigned_fact(self, snd: str, dst: str, record: tuple[Any, ...]) -> str:
        """``snd`` syncs to ``dst`` a ChannelEstablished of ``record``'s party and the
        other member that nobody signed."""
        _, p, c = record[0], record[1], record[2]
        other = next(m for m in MEMBERS if m != p)
        channel_id = _seed(f"channel:{p}:{c}")
        fact = ChannelEstablished(self.ctx[c], self.ids[p], self.ids[other], channel_id, 0)
        stamp = self.services[snd].journal(self.ctx[c]).clock + 1
        return self._send_entries(snd, dst, c, JournalEntry(fact, stamp, self.ids[snd]))

    def huge_stamp(self, snd: str, dst: str, record: tuple[Any, ...]) -> str:
        """``snd`` syncs to ``dst`` its entry of ``record`` stamped 2^64-1."""
        entry, c = self._find(snd, record)
        hostile = JournalEntry(entry.fact, U64_MAX, self.ids[snd])
        return self._send_entries(snd, dst, c, hostile)

    def tick(self) -> str:
        """One whole unit passes (the offset within the unit is kept)."""
        if self.now >= MAX_TIME:
            return "AtMaxTime"
        self.clock_ms += UNIT_MS
        return "Ticked"

    def last_millisecond(self) -> str:
        """Time passes within the unit to its last millisecond (``UNIT_MS - 1`` after
        its start), a stutter of the spec; the clock keeps that offset from then on."""
        self.clock_ms = self.origin_ms + self.now * UNIT_MS + UNIT_MS - 1
        return "AtLastMillisecond"

    def ask_refresh(self, a: str, c: str) -> str:
        """``a``'s ``needs_refresh`` in ``c`` now, with the world's window: a question,
        no step of the spec (the machine judges the answer by ``DVNeedsRefresh``)."""
        due = self.services[a].needs_refresh(self.ctx[c], self.now_ms, WINDOW * UNIT_MS)
        return "Refresh" if due else "Fresh"

    def lookup(self, m: str, c: str, p: str, when: int | None = None) -> tuple[Any, ...] | None:
        """``m``'s choice for ``p`` in ``c`` at ``when`` (spec units, at the clock's
        offset within the unit; None: now)."""
        at = self.now_ms if when is None else self.at_unit(when)
        d = self.services[m].get_cached_descriptor(self.ctx[c], self.ids[p], at)
        return None if d is None else self.descriptor_key(d)
