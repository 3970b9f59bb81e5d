"""Anti-entropy sync of context journals as sans-IO messages (DESIGN.md 3).

Range-based set reconciliation over entry ids (fact plus stamp). The ids
space is cut into prefix ranges (a range is the ids that start with some
hex nibbles); a range is summarised by its count and a fingerprint, a
BLAKE2s hash of its sorted ids, so equal summaries mean equal sets.

A round in which A pulls from B: A sends :class:`SyncDigest` pages, each
describing some ranges of A's replica (a summary, or the ids themselves
when the range is small). B answers each range with one of:

- nothing, when B's summary is the same;
- the entries A lacks, when A listed its ids or holds nothing there, and they
  fit in the answer's budget;
- B's summaries of the range's sixteen sub-ranges (or of the range itself,
  when the budget is spent), which A compares with its own to build the next
  digest (:func:`follow_up_ranges`).

Every message is bounded (ranges, ids and entries per message), B keeps no
state between messages, and each round either settles ranges or descends
one nibble, so a pull ends after at most 64 descents plus one round per
answer budget of entries, whatever the journal's size. Since merging is a
join, a lost, duplicated or reordered message only delays convergence.

Every message is checked before it touches a journal: the context must be the
journal's and the sender a roster member.
"""

from __future__ import annotations

import bisect
import hashlib
import weakref
from collections.abc import Callable, Iterable, Sequence

import attrs

from aura_rendezvous.core import (
    AuthorityId,
    ContextId,
    ContextMismatchError,
    DecodeError,
    LocalProtocolError,
    Reader,
    Roster,
    Tag,
    Writer,
    is_authority,
    is_context,
)
from aura_rendezvous.journal._facts import RendezvousFact
from aura_rendezvous.journal._journal import MAX_ENTRY_LEN, ContextJournal, JournalEntry

__all__ = [
    "LABEL_RANGE_FINGERPRINT",
    "MAX_ANSWER_ENTRIES",
    "MAX_FOLLOW_UP_RANGES",
    "MAX_RANGE_IDS",
    "MAX_SYNC_ENTRIES",
    "MAX_SYNC_IDS",
    "MAX_SYNC_RANGES",
    "ROOT_RANGE",
    "IdRange",
    "RangeDigest",
    "SyncDigest",
    "SyncFacts",
    "SyncMessage",
    "answer_digest",
    "apply_sync_facts",
    "decode_sync_message",
    "follow_up_ranges",
    "make_digest",
    "make_digests",
]

LABEL_RANGE_FINGERPRINT = b"aura/rendezvous/v1/sync-range"
MAX_SYNC_IDS = 4096
"""Ids listed in one digest page (all its ranges together)."""
MAX_SYNC_RANGES = 256
"""Ranges in one digest page, and sub-range summaries in one answer message."""
MAX_SYNC_ENTRIES = 64
"""Entries in one answer message."""
MAX_RANGE_IDS = 32
"""A range holding at most this many ids is described by its ids, not a summary."""
MAX_ANSWER_ENTRIES = 4096
"""Entries sent in answer to one digest page: the rest waits for the next round."""
MAX_FOLLOW_UP_RANGES = 64 * MAX_SYNC_RANGES
"""Ranges a puller asks about in one round (64 digest pages)."""
_ID_LEN = 32
_FINGERPRINT_LEN = 16
_MAX_DEPTH = 2 * _ID_LEN  # in nibbles: a range of full depth holds one id
_FANOUT = 16
_HEADER_LEN = 2 + 32 + 32 + 4
_MAX_RANGE_LEN = 1 + _ID_LEN + 1 + 4 + _FINGERPRINT_LEN
_MAX_DIGEST_LEN = _HEADER_LEN + MAX_SYNC_RANGES * _MAX_RANGE_LEN + MAX_SYNC_IDS * _ID_LEN
_MAX_FACTS_LEN = (
    _HEADER_LEN + MAX_SYNC_ENTRIES * (4 + MAX_ENTRY_LEN) + 4 + MAX_SYNC_RANGES * _MAX_RANGE_LEN
)
_SUMMARY, _IDS = 0, 1


@attrs.frozen(order=True)
class IdRange:
    """The entry ids that start with the first ``depth`` nibbles of ``prefix``.

    ``prefix`` is ``ceil(depth / 2)`` bytes; a last half-used byte has a zero
    low nibble, so each range has one encoding.
    """

    depth: int
    prefix: bytes

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.depth, int) or not 0 <= self.depth <= _MAX_DEPTH:
            raise LocalProtocolError(f"a range depth is 0..{_MAX_DEPTH} nibbles")
        if not isinstance(self.prefix, bytes) or len(self.prefix) != (self.depth + 1) // 2:
            raise LocalProtocolError("a range prefix has one byte per two nibbles")
        if self.depth % 2 and self.prefix[-1] & 0x0F:
            raise LocalProtocolError("the unused nibble of a range prefix must be zero")

    def bounds(self) -> tuple[bytes, bytes | None]:
        """The ids of the range are ``lower <= id < upper`` (``None``: no upper bound)."""
        lower = self.prefix.ljust(_ID_LEN, b"\x00")
        if self.depth == 0:
            return lower, None
        step = 1 << (4 * (2 * len(self.prefix) - self.depth))
        value = int.from_bytes(self.prefix, "big") + step
        if value >= 1 << (8 * len(self.prefix)):
            return lower, None
        return lower, value.to_bytes(len(self.prefix), "big").ljust(_ID_LEN, b"\x00")

    def contains(self, entry_id: bytes) -> bool:
        lower, upper = self.bounds()
        return lower <= entry_id and (upper is None or entry_id < upper)

    def children(self) -> tuple[IdRange, ...]:
        """The sixteen sub-ranges one nibble deeper."""
        if self.depth == _MAX_DEPTH:
            raise LocalProtocolError("a range of full depth has no sub-ranges")
        if self.depth % 2 == 0:
            return tuple(IdRange(self.depth + 1, self.prefix + bytes([n << 4])) for n in range(16))
        head, last = self.prefix[:-1], self.prefix[-1]
        return tuple(IdRange(self.depth + 1, head + bytes([last | n])) for n in range(16))

    def write(self, w: Writer) -> None:
        w.u8(self.depth).fixed(self.prefix, len(self.prefix))

    @classmethod
    def read(cls, r: Reader) -> IdRange:
        depth = r.u8()
        if depth > _MAX_DEPTH:
            raise r.fail(f"range depth {depth} exceeds {_MAX_DEPTH}")
        return cls(depth, r.fixed((depth + 1) // 2))


ROOT_RANGE = IdRange(0, b"")


def _fingerprint(ids: Sequence[bytes]) -> bytes:
    # A hash of the sorted ids, not a sum or an xor of them: members choose the
    # facts, and an additive fingerprint lets one craft two sets that collide.
    h = hashlib.blake2s(LABEL_RANGE_FINGERPRINT, digest_size=_FINGERPRINT_LEN)
    for i in ids:
        h.update(i)
    return h.digest()


def _sorted_ids(value: Iterable[bytes] | None) -> tuple[bytes, ...] | None:
    return None if value is None else tuple(sorted(set(value)))


@attrs.frozen
class RangeDigest:
    """One range of a replica: its count and fingerprint, and its ids if listed."""

    range: IdRange
    count: int
    fingerprint: bytes
    ids: tuple[bytes, ...] | None = attrs.field(default=None, converter=_sorted_ids)

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.count, int) or not 0 <= self.count < 1 << 32:
            raise LocalProtocolError("a range count is a u32")
        if not isinstance(self.fingerprint, bytes) or len(self.fingerprint) != _FINGERPRINT_LEN:
            raise LocalProtocolError(f"a range fingerprint is {_FINGERPRINT_LEN} bytes")
        if self.ids is not None:
            if len(self.ids) > MAX_RANGE_IDS:
                raise LocalProtocolError(f"a range lists at most {MAX_RANGE_IDS} ids")
            if any(not isinstance(i, bytes) or len(i) != _ID_LEN for i in self.ids):
                raise LocalProtocolError("entry ids are 32 bytes")
            if not all(self.range.contains(i) for i in self.ids):
                raise LocalProtocolError("a listed id lies outside its range")
            if self.count != len(self.ids) or self.fingerprint != _fingerprint(self.ids):
                raise LocalProtocolError("a listed range's summary does not match its ids")

    @classmethod
    def of(cls, rng: IdRange, ids: Sequence[bytes], *, listed: bool) -> RangeDigest:
        return cls(rng, len(ids), _fingerprint(ids), tuple(ids) if listed else None)

    def same_set(self, other: RangeDigest) -> bool:
        return self.count == other.count and self.fingerprint == other.fingerprint

    def write(self, w: Writer) -> None:
        self.range.write(w)
        if self.ids is None:
            w.u8(_SUMMARY).u32(self.count).fixed(self.fingerprint, _FINGERPRINT_LEN)
        else:
            w.u8(_IDS).u32(len(self.ids))
            for i in self.ids:
                w.fixed(i, _ID_LEN)

    @classmethod
    def read(cls, r: Reader, *, allow_ids: bool) -> RangeDigest:
        rng = IdRange.read(r)
        mode = r.u8()
        if mode == _SUMMARY:
            return cls(rng, r.u32(), r.fixed(_FINGERPRINT_LEN))
        if mode == _IDS and allow_ids:
            ids = [r.fixed(_ID_LEN) for _ in range(r.count(MAX_RANGE_IDS))]
            if ids != sorted(set(ids)):
                raise r.fail("range ids are not strictly sorted (non-canonical)")
            return cls(rng, len(ids), _fingerprint(ids), ids)
        raise r.fail(f"unknown range mode {mode}")


_Ranges = tuple[RangeDigest, ...]


def _check_ranges(inst: object, attribute: attrs.Attribute[_Ranges], value: _Ranges) -> None:
    if len(value) > MAX_SYNC_RANGES:
        raise LocalProtocolError(f"a sync message holds at most {MAX_SYNC_RANGES} ranges")
    if any(not isinstance(r, RangeDigest) for r in value):
        raise LocalProtocolError("ranges are RangeDigest values")
    if [r.range for r in value] != sorted({r.range for r in value}):
        raise LocalProtocolError("ranges are not strictly sorted (non-canonical)")


def _check_digest_ids(inst: object, attribute: attrs.Attribute[_Ranges], value: _Ranges) -> None:
    if sum(len(r.ids) for r in value if r.ids is not None) > MAX_SYNC_IDS:
        raise LocalProtocolError(f"a digest lists at most {MAX_SYNC_IDS} ids")


def _range_tuple(value: Iterable[RangeDigest]) -> tuple[RangeDigest, ...]:
    return tuple(value)


@attrs.frozen
class SyncDigest:
    """ "This is what I hold in these ranges": one page of a pull."""

    context_id: ContextId = attrs.field(validator=is_context)
    sender: AuthorityId = attrs.field(validator=is_authority)
    ranges: tuple[RangeDigest, ...] = attrs.field(
        converter=_range_tuple, validator=[_check_ranges, _check_digest_ids]
    )

    def encode(self) -> bytes:
        w = Writer(Tag.SYNC_DIGEST).context(self.context_id).authority(self.sender)
        w.u32(len(self.ranges))
        for r in self.ranges:
            r.write(w)
        return w.getvalue()


def _entry_tuple(value: Iterable[JournalEntry]) -> tuple[JournalEntry, ...]:
    return tuple(value)


def _check_entries(
    inst: object,
    attribute: attrs.Attribute[tuple[JournalEntry, ...]],
    value: tuple[JournalEntry, ...],
) -> None:
    if len(value) > MAX_SYNC_ENTRIES:
        raise LocalProtocolError(f"a sync message holds at most {MAX_SYNC_ENTRIES} entries")


def _check_summaries(inst: object, attribute: attrs.Attribute[_Ranges], value: _Ranges) -> None:
    if any(r.ids is not None for r in value):
        raise LocalProtocolError("an answer summarises ranges, it does not list ids")


@attrs.frozen
class SyncFacts:
    """Part of an answer: entries the puller lacked, and summaries of ranges still to compare."""

    context_id: ContextId = attrs.field(validator=is_context)
    sender: AuthorityId = attrs.field(validator=is_authority)
    entries: tuple[JournalEntry, ...] = attrs.field(
        converter=_entry_tuple, validator=_check_entries
    )
    ranges: tuple[RangeDigest, ...] = attrs.field(
        default=(), converter=_range_tuple, validator=[_check_ranges, _check_summaries]
    )

    def encode(self) -> bytes:
        w = Writer(Tag.SYNC_FACTS).context(self.context_id).authority(self.sender)
        w.u32(len(self.entries))
        for e in self.entries:
            w.var(e.encode(), MAX_ENTRY_LEN)
        w.u32(len(self.ranges))
        for r in self.ranges:
            r.write(w)
        return w.getvalue()


SyncMessage = SyncDigest | SyncFacts


def decode_sync_message(data: bytes) -> SyncMessage:
    """Strictly decode either message; only :class:`DecodeError` escapes."""
    if not isinstance(data, bytes) or not data:
        raise DecodeError("SyncMessage", "empty or not bytes", 0)
    try:
        if data[0] == Tag.SYNC_DIGEST:
            r = Reader("SyncDigest", data, Tag.SYNC_DIGEST, _MAX_DIGEST_LEN)
            context, sender = r.context(), r.authority()
            ranges = [RangeDigest.read(r, allow_ids=True) for _ in range(r.count(MAX_SYNC_RANGES))]
            r.finish()
            return SyncDigest(context, sender, ranges)
        if data[0] == Tag.SYNC_FACTS:
            r = Reader("SyncFacts", data, Tag.SYNC_FACTS, _MAX_FACTS_LEN)
            context, sender = r.context(), r.authority()
            entries = [
                JournalEntry.decode(r.var(MAX_ENTRY_LEN)) for _ in range(r.count(MAX_SYNC_ENTRIES))
            ]
            ranges = [RangeDigest.read(r, allow_ids=False) for _ in range(r.count(MAX_SYNC_RANGES))]
            r.finish()
            return SyncFacts(context, sender, entries, ranges)
    except DecodeError:
        raise
    except LocalProtocolError as exc:
        raise DecodeError("SyncMessage", str(exc)) from None
    raise DecodeError("SyncMessage", f"unknown message tag {data[0]:#04x}", 0)


class _Index:
    """A journal's entries sorted by entry id (rebuilt when the journal changed)."""

    def __init__(self, journal: ContextJournal) -> None:
        self.version = journal.version
        self.by_id = {e.entry_id: e for e in journal.state()}
        self.ids = sorted(self.by_id)

    def slice(self, rng: IdRange) -> list[bytes]:
        lower, upper = rng.bounds()
        lo = bisect.bisect_left(self.ids, lower)
        hi = len(self.ids) if upper is None else bisect.bisect_left(self.ids, upper, lo)
        return self.ids[lo:hi]

    def digest(self, rng: IdRange, *, listed: bool = False) -> RangeDigest:
        return RangeDigest.of(rng, self.slice(rng), listed=listed)


_INDEXES: weakref.WeakKeyDictionary[ContextJournal, _Index] = weakref.WeakKeyDictionary()


def _index(journal: ContextJournal) -> _Index:
    index = _INDEXES.get(journal)
    if index is None or index.version != journal.version:
        index = _Index(journal)
        _INDEXES[journal] = index
    return index


def make_digests(
    journal: ContextJournal, sender: AuthorityId, ranges: Iterable[IdRange] = (ROOT_RANGE,)
) -> tuple[SyncDigest, ...]:
    """The pages describing ``ranges`` of ``journal`` (small ranges by their ids)."""
    index = _index(journal)
    pages: list[SyncDigest] = []
    page: list[RangeDigest] = []
    listed = 0
    for rng in sorted(set(ranges)):
        ids = index.slice(rng)
        item = RangeDigest.of(rng, ids, listed=len(ids) <= MAX_RANGE_IDS)
        n = 0 if item.ids is None else len(item.ids)
        if len(page) == MAX_SYNC_RANGES or listed + n > MAX_SYNC_IDS:
            pages.append(SyncDigest(journal.context_id, sender, page))
            page, listed = [], 0
        page.append(item)
        listed += n
    if page:
        pages.append(SyncDigest(journal.context_id, sender, page))
    return tuple(pages)


def make_digest(journal: ContextJournal, sender: AuthorityId) -> SyncDigest:
    """The opening of a pull: the whole journal as one range."""
    (digest,) = make_digests(journal, sender)
    return digest


def _check_peer(
    journal: ContextJournal, roster: Roster, context: ContextId, sender: AuthorityId
) -> None:
    if context != journal.context_id:
        raise ContextMismatchError(
            f"sync message of {context} for the journal of {journal.context_id}"
        )
    roster.entry(sender)


def answer_digest(
    journal: ContextJournal, digest: SyncDigest, me: AuthorityId, roster: Roster
) -> tuple[SyncFacts, ...]:
    """The answer to one digest page, in bounded messages (see the module docstring).

    Raises ``ContextMismatchError`` / ``NotAMember`` before revealing anything.
    """
    _check_peer(journal, roster, digest.context_id, digest.sender)
    index = _index(journal)
    budget = MAX_ANSWER_ENTRIES
    entries: list[JournalEntry] = []
    summaries: list[RangeDigest] = []
    for theirs in digest.ranges:
        mine = index.slice(theirs.range)
        if RangeDigest.of(theirs.range, mine, listed=False).same_set(theirs):
            continue
        missing: list[bytes] | None = None
        if theirs.ids is not None:
            listed = set(theirs.ids)
            missing = [i for i in mine if i not in listed]
        elif theirs.count == 0:
            missing = mine
        if missing is not None and len(missing) <= budget:
            entries.extend(index.by_id[i] for i in missing)
            budget -= len(missing)
        elif theirs.range.depth < _MAX_DEPTH and (missing is None or budget > 0):
            summaries.extend(index.digest(c) for c in theirs.range.children() if index.slice(c))
        else:
            # The budget is spent: the puller asks for this range again next round.
            summaries.append(index.digest(theirs.range))
    summaries.sort(key=lambda r: r.range)
    ctx = journal.context_id
    return tuple(
        [
            SyncFacts(ctx, me, entries[i : i + MAX_SYNC_ENTRIES])
            for i in range(0, len(entries), MAX_SYNC_ENTRIES)
        ]
        + [
            SyncFacts(ctx, me, (), summaries[i : i + MAX_SYNC_RANGES])
            for i in range(0, len(summaries), MAX_SYNC_RANGES)
        ]
    )


def follow_up_ranges(journal: ContextJournal, answers: Iterable[SyncFacts]) -> tuple[IdRange, ...]:
    """The ranges to ask about in the next round: those the answerer summarised
    differently from this replica (after its entries were applied).

    At most :data:`MAX_FOLLOW_UP_RANGES`, the first in id order: an answerer that
    sends summaries without end cannot make one round unbounded, and the rest
    is found again by the next pull.
    """
    index = _index(journal)
    out: set[IdRange] = set()
    for message in answers:
        for theirs in message.ranges:
            if theirs.count and not index.digest(theirs.range).same_set(theirs):
                out.add(theirs.range)
    return tuple(sorted(out)[:MAX_FOLLOW_UP_RANGES])


def apply_sync_facts(
    journal: ContextJournal,
    message: SyncFacts,
    roster: Roster,
    refuse: Callable[[RendezvousFact], bool] | None = None,
) -> int:
    """Merge a peer's entries; the number of entries that changed the replica.

    ``refuse`` drops facts below the replica's prune horizon: a peer that has not
    pruned yet must not bring a pruned fact back.
    """
    _check_peer(journal, roster, message.context_id, message.sender)
    # Check every entry's context first so a bad message changes nothing.
    for e in message.entries:
        journal.check_context(e.fact)
    return journal.merge_all([e for e in message.entries if refuse is None or not refuse(e.fact)])
