"""Anti-entropy sync of context journals as sans-IO messages (DESIGN.md 3).

A round between members A and B: A sends :class:`SyncDigest` (the entry ids
it holds: fact plus stamp); B answers with :class:`SyncFacts` carrying every
entry A lacks or holds under another stamp. Running
rounds both ways between every pair converges all replicas to the union, and
since merging is a join, a lost, duplicated or reordered message only delays
convergence: it can never make replicas disagree once they have exchanged.

Every message is checked before it touches a journal: the context must be the
journal's and the sender a roster member.
"""

from __future__ import annotations

from collections.abc import Iterable

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
from aura_rendezvous.journal._journal import MAX_ENTRY_LEN, ContextJournal, JournalEntry

__all__ = [
    "MAX_SYNC_ENTRIES",
    "MAX_SYNC_IDS",
    "SyncDigest",
    "SyncFacts",
    "SyncMessage",
    "answer_digest",
    "apply_sync_facts",
    "decode_sync_message",
    "make_digest",
]

MAX_SYNC_IDS = 4096
MAX_SYNC_ENTRIES = 64
_MAX_DIGEST_LEN = 2 + 32 + 32 + 4 + 32 * MAX_SYNC_IDS
_MAX_FACTS_LEN = 2 + 32 + 32 + 4 + MAX_SYNC_ENTRIES * (4 + MAX_ENTRY_LEN)


def _sorted_ids(value: Iterable[bytes]) -> tuple[bytes, ...]:
    return tuple(sorted(set(value)))


def _check_ids(
    inst: object, attribute: attrs.Attribute[tuple[bytes, ...]], value: tuple[bytes, ...]
) -> None:
    if len(value) > MAX_SYNC_IDS:
        raise LocalProtocolError(f"a digest holds at most {MAX_SYNC_IDS} ids")
    if any(not isinstance(i, bytes) or len(i) != 32 for i in value):
        raise LocalProtocolError("fact ids are 32 bytes")


@attrs.frozen
class SyncDigest:
    """ "I hold these fact ids": the opening of an anti-entropy round."""

    context_id: ContextId = attrs.field(validator=is_context)
    sender: AuthorityId = attrs.field(validator=is_authority)
    ids: tuple[bytes, ...] = attrs.field(converter=_sorted_ids, validator=_check_ids)

    def encode(self) -> bytes:
        w = Writer(Tag.SYNC_DIGEST).context(self.context_id).authority(self.sender)
        w.u32(len(self.ids))
        for i in self.ids:
            w.fixed(i, 32)
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


@attrs.frozen
class SyncFacts:
    """Entries the receiver lacked (the answer to a digest)."""

    context_id: ContextId = attrs.field(validator=is_context)
    sender: AuthorityId = attrs.field(validator=is_authority)
    entries: tuple[JournalEntry, ...] = attrs.field(
        converter=_entry_tuple, validator=_check_entries
    )

    def encode(self) -> bytes:
        w = Writer(Tag.SYNC_FACTS).context(self.context_id).authority(self.sender)
        w.u32(len(self.entries))
        for e in self.entries:
            w.var(e.encode(), MAX_ENTRY_LEN)
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
            raw = [r.fixed(32) for _ in range(r.count(MAX_SYNC_IDS))]
            r.finish()
            if raw != sorted(set(raw)):
                raise r.fail("digest ids are not strictly sorted (non-canonical)")
            return SyncDigest(context, sender, raw)
        if data[0] == Tag.SYNC_FACTS:
            r = Reader("SyncFacts", data, Tag.SYNC_FACTS, _MAX_FACTS_LEN)
            context, sender = r.context(), r.authority()
            entries = [
                JournalEntry.decode(r.var(MAX_ENTRY_LEN)) for _ in range(r.count(MAX_SYNC_ENTRIES))
            ]
            r.finish()
            return SyncFacts(context, sender, entries)
    except DecodeError:
        raise
    except LocalProtocolError as exc:
        raise DecodeError("SyncMessage", str(exc)) from None
    raise DecodeError("SyncMessage", f"unknown message tag {data[0]:#04x}", 0)


def make_digest(journal: ContextJournal, sender: AuthorityId) -> SyncDigest:
    """The digest of ``journal`` (a journal larger than one digest is out of scope)."""
    return SyncDigest(journal.context_id, sender, journal.entry_ids())


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
    """The entries of ``journal`` that ``digest``'s sender lacks, in bounded chunks.

    Raises ``ContextMismatchError`` / ``NotAMember`` before revealing anything.
    """
    _check_peer(journal, roster, digest.context_id, digest.sender)
    theirs = set(digest.ids)
    missing = [e for e in journal.entries() if e.entry_id not in theirs]
    return tuple(
        SyncFacts(journal.context_id, me, missing[i : i + MAX_SYNC_ENTRIES])
        for i in range(0, len(missing), MAX_SYNC_ENTRIES)
    )


def apply_sync_facts(journal: ContextJournal, message: SyncFacts, roster: Roster) -> int:
    """Merge a peer's entries; the number of entries that changed the replica."""
    _check_peer(journal, roster, message.context_id, message.sender)
    # Check every entry's context first so a bad message changes nothing.
    for e in message.entries:
        journal.check_context(e.fact)
    return sum(journal.merge(e) for e in message.entries)
