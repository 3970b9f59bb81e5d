"""The per-context journal: a grow-only set of facts with Lamport order (DESIGN.md 3).

Facts are deduplicated by content address. Each entry carries a Lamport
timestamp and its origin; when one fact reaches a replica with two different
stamps, the smaller ``(lamport, origin)`` wins, so merging is a join
(commutative, associative, idempotent) and replicas that saw the same facts
hold the same entries whatever the order, duplication or loss of messages.

The descriptor cache is *derived* from the journal (``_cache``), never kept as
a second source of truth.

A received stamp moves the clock to at least that stamp (Lamport), but never
further than :data:`MAX_LAMPORT_JUMP` past the clock the replica had when the
message arrived: an entry stamped beyond that is refused
(``LamportStampOutOfBounds``), so no sync message can exhaust the clock. Honest
stamps grow by one per append, so an honest entry runs 2^32 ahead of a replica
only after four billion appends to one context; a fresh replica therefore takes
any honest journal, in any order. A member that signs hostile stamps can still
advance clocks by at most 2^32 per message, which leaves 2^32 messages of room.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Sequence

import attrs

from aura_rendezvous.core import (
    U64_MAX,
    AuthorityId,
    ContextId,
    ContextMismatchError,
    LamportStampOutOfBounds,
    LocalProtocolError,
    Reader,
    Tag,
    ValueRangeError,
    Writer,
    is_authority,
    is_context,
    u64,
)
from aura_rendezvous.journal._facts import (
    MAX_FACT_LEN,
    RendezvousFact,
    decode_fact,
    encode_fact,
    fact_context,
    fact_id,
)

__all__ = [
    "LABEL_ENTRY_ID",
    "MAX_ENTRY_LEN",
    "MAX_LAMPORT_JUMP",
    "AppendToken",
    "ContextJournal",
    "JournalEntry",
]

MAX_ENTRY_LEN = 2 + 8 + 32 + 4 + MAX_FACT_LEN
LABEL_ENTRY_ID = b"aura/rendezvous/v1/journal-entry-id"
MAX_LAMPORT_JUMP = 1 << 32
"""How far a received stamp may run ahead of the receiver's clock (module docstring)."""


@attrs.frozen
class JournalEntry:
    """A fact with the Lamport time and origin under which it entered the journal."""

    fact: RendezvousFact
    lamport: int = attrs.field(validator=u64)
    origin: AuthorityId = attrs.field(validator=is_authority)
    fact_id: bytes = attrs.field(init=False, eq=False, repr=False)
    entry_id: bytes = attrs.field(init=False, eq=False, repr=False)

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "fact_id", fact_id(self.fact))
        # The sync digest names (fact, stamp) pairs, not facts alone: two replicas
        # holding one fact under different stamps must still exchange it so both
        # settle on the smaller stamp.
        stamp = self.lamport.to_bytes(8, "big") + self.origin.value
        object.__setattr__(
            self,
            "entry_id",
            hashlib.blake2s(LABEL_ENTRY_ID + self.fact_id + stamp, digest_size=32).digest(),
        )

    @property
    def order_key(self) -> tuple[int, AuthorityId, bytes]:
        return (self.lamport, self.origin, self.fact_id)

    def encode(self) -> bytes:
        return (
            Writer(Tag.JOURNAL_ENTRY)
            .u64(self.lamport)
            .authority(self.origin)
            .var(encode_fact(self.fact), MAX_FACT_LEN)
            .getvalue()
        )

    @classmethod
    def decode(cls, data: bytes) -> JournalEntry:
        r = Reader("JournalEntry", data, Tag.JOURNAL_ENTRY, MAX_ENTRY_LEN)
        lamport, origin = r.u64(), r.authority()
        fact = decode_fact(r.var(MAX_FACT_LEN))
        r.finish()
        return cls(fact, lamport, origin)


@attrs.frozen
class AppendToken:
    """Undo information of one local append (used by the interpreter's rollback)."""

    context_id: ContextId = attrs.field(validator=is_context)
    fact_id: bytes
    added: bool
    previous_clock: int


class ContextJournal:
    """One replica of one context's journal."""

    def __init__(self, context_id: ContextId) -> None:
        self.context_id = context_id
        self._entries: dict[bytes, JournalEntry] = {}
        self._clock = 0
        self._version = 0

    @property
    def version(self) -> int:
        """Bumped by every change (undo included): a cache key for derived views."""
        return self._version

    @property
    def clock(self) -> int:
        return self._clock

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, fid: object) -> bool:
        return fid in self._entries

    def ids(self) -> frozenset[bytes]:
        """The fact ids held."""
        return frozenset(self._entries)

    def entry_ids(self) -> frozenset[bytes]:
        """The (fact, stamp) ids held: what a sync digest advertises."""
        return frozenset(e.entry_id for e in self._entries.values())

    def get(self, fid: bytes) -> JournalEntry | None:
        return self._entries.get(fid)

    def entries(self) -> list[JournalEntry]:
        """All entries in causal (Lamport, then origin, then id) order."""
        return sorted(self._entries.values(), key=lambda e: e.order_key)

    def facts(self) -> Iterator[RendezvousFact]:
        return (e.fact for e in self.entries())

    def state(self) -> frozenset[JournalEntry]:
        """The replica's whole content, comparable across replicas."""
        return frozenset(self._entries.values())

    def check_context(self, fact: RendezvousFact) -> None:
        if fact_context(fact) != self.context_id:
            raise ContextMismatchError(
                f"fact of {fact_context(fact)} offered to the journal of {self.context_id}"
            )

    def append(self, fact: RendezvousFact, origin: AuthorityId) -> AppendToken:
        """A local event: stamp ``fact`` with the next Lamport time (no-op if present)."""
        self.check_context(fact)
        previous = self._clock
        if previous == U64_MAX:
            fid = fact_id(fact)
            if fid in self._entries:
                return AppendToken(self.context_id, fid, False, previous)
            raise ValueRangeError("Lamport clock exhausted")
        # The entry computes the fact id itself; building it first lets the
        # duplicate check use that id instead of encoding and hashing the fact twice.
        entry = JournalEntry(fact, previous + 1, origin)
        fid = entry.fact_id
        if fid in self._entries:
            return AppendToken(self.context_id, fid, False, previous)
        self._clock = previous + 1
        self._entries[fid] = entry
        self._version += 1
        return AppendToken(self.context_id, fid, True, previous)

    def undo(self, token: AppendToken) -> None:
        """Take back an append that was never published (interpreter rollback only)."""
        if token.added:
            if token.fact_id not in self._entries:
                raise LocalProtocolError("undo of an append that is not in the journal")
            del self._entries[token.fact_id]
        self._clock = token.previous_clock
        self._version += 1

    def discard(self, fact_ids: frozenset[bytes]) -> int:
        """Prune: drop the entries of ``fact_ids``; how many were held.

        Only for facts no replica can use any more (``prune_journal``): the
        clock keeps its value, so later stamps stay above every pruned one.
        """
        dropped = [fid for fid in fact_ids if self._entries.pop(fid, None) is not None]
        if dropped:
            self._version += 1
        return len(dropped)

    def check_stamps(self, entries: Iterable[JournalEntry]) -> None:
        """Refuse entries of another context or stamped beyond the clock's bound."""
        bound = self._clock + MAX_LAMPORT_JUMP
        for entry in entries:
            self.check_context(entry.fact)
            if entry.lamport > bound:
                raise LamportStampOutOfBounds(
                    f"entry {entry.fact_id.hex()[:16]} from origin {entry.origin} is stamped "
                    f"{entry.lamport}, beyond {bound} (clock {self._clock} + {MAX_LAMPORT_JUMP})"
                )

    def merge_all(self, entries: Sequence[JournalEntry]) -> int:
        """Receive one message's entries: all or none (every stamp is checked against
        the clock before the first merge); the number that changed the replica."""
        self.check_stamps(entries)
        return sum(self._merge_checked(e) for e in entries)

    def merge(self, entry: JournalEntry) -> bool:
        """Receive an entry from a peer; True iff the replica changed."""
        self.check_stamps((entry,))
        return self._merge_checked(entry)

    def _merge_checked(self, entry: JournalEntry) -> bool:
        self._clock = max(self._clock, entry.lamport)
        current = self._entries.get(entry.fact_id)
        if current is not None and current.order_key <= entry.order_key:
            return False
        self._entries[entry.fact_id] = entry
        self._version += 1
        return True
