"""The journal (DESIGN.md 3): dedup by content, Lamport order, join-merge, derived cache."""

from __future__ import annotations

import contextlib
import itertools

import pytest
from aura_conformance.variants import LastArrivedJournal
from aura_rendezvous import ChannelEstablished, ContextJournal, ContextMismatchError
from aura_rendezvous.core import LamportStampOutOfBounds
from aura_rendezvous.journal import (
    MAX_LAMPORT_JUMP,
    JournalEntry,
    derive_descriptor_cache,
    revoke_descriptor,
)
from hypothesis import given, settings
from hypothesis import strategies as st

from .test_facts import descriptor_fact
from .world import ALICE, BOB, CTX, KEYS, MEMBERSHIP, OTHER_CTX, RELAY


def chan(i: int, ctx: object = CTX) -> ChannelEstablished:
    return ChannelEstablished(ctx, ALICE, BOB, i.to_bytes(32, "big"), 1)  # type: ignore[arg-type]


def test_dedup_by_content() -> None:
    """Appending the same fact twice keeps one entry and does not tick the clock."""
    j = ContextJournal(CTX)
    t1 = j.append(chan(1), ALICE)
    t2 = j.append(chan(1), BOB)
    assert t1.added and not t2.added
    assert len(j) == 1 and j.clock == 1


def test_lamport_order() -> None:
    """Local appends get increasing stamps; receiving a later stamp advances the clock."""
    j = ContextJournal(CTX)
    j.append(chan(1), ALICE)
    j.merge(JournalEntry(chan(2), 10, BOB))
    j.append(chan(3), ALICE)
    stamps = [e.lamport for e in j.entries()]
    assert stamps == [1, 10, 11]


def test_cross_context_fact_refused() -> None:
    """A fact of another context enters neither by append nor by merge."""
    j = ContextJournal(CTX)
    with pytest.raises(ContextMismatchError):
        j.append(chan(1, OTHER_CTX), ALICE)
    with pytest.raises(ContextMismatchError):
        j.merge(JournalEntry(chan(1, OTHER_CTX), 1, ALICE))
    assert len(j) == 0


def test_undo_restores_state() -> None:
    """Undoing an append (interpreter rollback) restores the entries and the clock."""
    j = ContextJournal(CTX)
    j.append(chan(1), ALICE)
    before = (j.state(), j.clock)
    j.undo(j.append(chan(2), ALICE))
    assert (j.state(), j.clock) == before


entries = st.builds(
    JournalEntry,
    st.integers(1, 4).map(chan),
    st.integers(0, 6),
    st.sampled_from([ALICE, BOB, RELAY]),
)


def merged(cls: type[ContextJournal], order: list[JournalEntry]) -> frozenset[JournalEntry]:
    j = cls(CTX)
    for e in order:
        j.merge(e)
    return j.state()


def assert_merge_is_a_join(cls: type[ContextJournal], es: list[JournalEntry]) -> None:
    reference = merged(cls, es)
    for order in itertools.islice(itertools.permutations(es + es[:1]), 24):
        assert merged(cls, list(order)) == reference, "replicas diverged"


@settings(max_examples=60)
@given(st.lists(entries, max_size=5))
def test_merge_order_and_duplication_independent(es: list[JournalEntry]) -> None:
    """Any order and any duplication of the same entries gives the same replica."""
    assert_merge_is_a_join(ContextJournal, es)


def test_last_arrived_stamps_diverge() -> None:
    """Counterpart: keeping the last-arrived stamp makes replicas depend on order."""
    es = [JournalEntry(chan(1), 3, ALICE), JournalEntry(chan(1), 5, BOB)]
    assert_merge_is_a_join(ContextJournal, es)
    with pytest.raises(AssertionError, match="diverged"):
        assert_merge_is_a_join(LastArrivedJournal, es)


def test_derived_cache_opens_verifies_and_honours_revocation() -> None:
    """The cache is a function of the journal: descriptors open, revocations by the
    publisher apply, forged revocations are rejected and recorded, not applied."""
    j = ContextJournal(CTX)
    fact = descriptor_fact(7)
    j.append(fact, ALICE)
    cache = derive_descriptor_cache(j, MEMBERSHIP)
    chosen = cache.choose(ALICE, 50)
    assert chosen is not None and chosen.nonce == (7).to_bytes(32, "big")
    forged = revoke_descriptor(KEYS[BOB], CTX, chosen.nonce)
    forged = type(forged)(CTX, ALICE, chosen.nonce, forged.signature)
    j.append(forged, BOB)
    cache = derive_descriptor_cache(j, MEMBERSHIP)
    assert cache.choose(ALICE, 50) == chosen
    assert [r for _, r in cache.rejected] == ["BadSignature"]
    j.append(revoke_descriptor(KEYS[ALICE], CTX, chosen.nonce), ALICE)
    assert derive_descriptor_cache(j, MEMBERSHIP).choose(ALICE, 50) is None


def test_cache_rejects_membership_of_other_context() -> None:
    """The cache of context X is never derived with context Y's keys."""
    from .world import OTHER_MEMBERSHIP

    with pytest.raises(ContextMismatchError):
        derive_descriptor_cache(ContextJournal(CTX), OTHER_MEMBERSHIP)


def test_entry_codec_roundtrip() -> None:
    """Journal entries travel in sync messages; their encoding round-trips."""
    e = JournalEntry(descriptor_fact(), 4, ALICE)
    assert JournalEntry.decode(e.encode()) == e


@settings(max_examples=200)
@given(st.binary(max_size=300))
def test_entry_decoder_fuzz(data: bytes) -> None:
    """Arbitrary bytes: a journal entry or a DecodeError."""
    from aura_rendezvous import DecodeError

    with contextlib.suppress(DecodeError):
        JournalEntry.decode(data)


def test_append_ids_match_the_fact_and_exhausted_clock_keeps_dedup() -> None:
    """The appended entry is stored under the fact's own id (computed once, by the
    entry); at the last Lamport time a duplicate is still a no-op and a new fact is
    refused with a typed error, leaving the journal as it was."""
    from aura_rendezvous import ValueRangeError
    from aura_rendezvous.core import U64_MAX
    from aura_rendezvous.journal import fact_id

    j = ContextJournal(CTX)
    token = j.append(chan(1), ALICE)
    assert token.added and token.fact_id == fact_id(chan(1))
    assert j.get(fact_id(chan(1))) is not None
    j._clock = U64_MAX  # reach the end without 2**64 appends
    again = j.append(chan(1), ALICE)
    assert not again.added and again.fact_id == fact_id(chan(1))
    with pytest.raises(ValueRangeError, match="exhausted"):
        j.append(chan(2), ALICE)
    assert len(j) == 1 and j.clock == U64_MAX


def test_a_merge_never_pushes_the_clock_past_the_jump_bound() -> None:
    """merge and merge_all refuse a stamp more than MAX_LAMPORT_JUMP ahead of the clock;
    merge_all checks every stamp first, so a refused message merges nothing."""
    j = ContextJournal(CTX)
    with pytest.raises(LamportStampOutOfBounds):
        j.merge(JournalEntry(chan(1), 2**64 - 1, ALICE))
    good, bad = JournalEntry(chan(2), 3, ALICE), JournalEntry(chan(3), MAX_LAMPORT_JUMP + 1, BOB)
    with pytest.raises(LamportStampOutOfBounds):
        j.merge_all([good, bad])
    assert (len(j), j.clock, j.version) == (0, 0, 0)
    assert j.merge_all([good, JournalEntry(chan(3), MAX_LAMPORT_JUMP, BOB)]) == 2
    assert j.clock == MAX_LAMPORT_JUMP
    assert j.append(chan(4), ALICE).added
