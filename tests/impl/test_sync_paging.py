"""Sync pages by ranges (DESIGN.md 3): it keeps converging past one digest's worth of
ids, every message stays bounded, and hostile range messages decode to typed errors."""

from __future__ import annotations

import contextlib

import pytest
from aura_rendezvous import ChannelEstablished, ContextJournal, DecodeError
from aura_rendezvous.core import LocalProtocolError
from aura_rendezvous.journal import (
    MAX_ANSWER_ENTRIES,
    MAX_FOLLOW_UP_RANGES,
    MAX_RANGE_IDS,
    MAX_SYNC_ENTRIES,
    MAX_SYNC_IDS,
    MAX_SYNC_RANGES,
    ROOT_RANGE,
    IdRange,
    RangeDigest,
    SyncDigest,
    SyncFacts,
    SyncMessage,
    answer_digest,
    apply_sync_facts,
    decode_sync_message,
    follow_up_ranges,
    make_digest,
    make_digests,
)
from hypothesis import given, settings
from hypothesis import strategies as st

from .world import ALICE, BOB, CTX, MEMBERSHIP

ROSTER = MEMBERSHIP.roster


def chan(i: int) -> ChannelEstablished:
    return ChannelEstablished(CTX, ALICE, BOB, i.to_bytes(32, "big"), 1)


def filled(n: int, start: int = 0) -> ContextJournal:
    j = ContextJournal(CTX)
    for i in range(start, start + n):
        j.append(chan(i), BOB)
    return j


def check_bounds(msg: SyncMessage) -> None:
    """What every message on the wire obeys, whatever the journals' sizes."""
    if isinstance(msg, SyncDigest):
        assert len(msg.ranges) <= MAX_SYNC_RANGES
        assert sum(len(r.ids or ()) for r in msg.ranges) <= MAX_SYNC_IDS
    else:
        assert len(msg.entries) <= MAX_SYNC_ENTRIES
        assert len(msg.ranges) <= MAX_SYNC_RANGES


def pull(puller: ContextJournal, answerer: ContextJournal) -> tuple[int, int]:
    """A complete pull over the wire (bytes): (rounds, entries received)."""
    rounds = received = 0
    pages: tuple[SyncDigest, ...] = (make_digest(puller, ALICE),)
    while pages:
        rounds += 1
        answers: list[SyncFacts] = []
        for page in pages:
            check_bounds(page)
            wire = decode_sync_message(page.encode())
            assert isinstance(wire, SyncDigest)
            per_page = 0
            for answer in answer_digest(answerer, wire, BOB, ROSTER):
                check_bounds(answer)
                got = decode_sync_message(answer.encode())
                assert isinstance(got, SyncFacts)
                apply_sync_facts(puller, got, ROSTER)
                answers.append(got)
                per_page += len(got.entries)
            assert per_page <= MAX_ANSWER_ENTRIES
        received += sum(len(a.entries) for a in answers)
        ranges = follow_up_ranges(puller, answers)
        pages = make_digests(puller, ALICE, ranges) if ranges else ()
    return rounds, received


def test_sync_converges_past_one_digest() -> None:
    """A journal larger than one digest's ids syncs (it stopped with LocalProtocolError
    at MAX_SYNC_IDS entries), from empty and then for a small difference."""
    n = MAX_SYNC_IDS + 904
    answerer = filled(n)
    puller = ContextJournal(CTX)
    rounds, received = pull(puller, answerer)
    assert puller.state() == answerer.state() and received == n
    assert rounds <= 6
    for i in range(n, n + 7):
        answerer.append(chan(i), BOB)
    for i in range(n + 7, n + 10):
        puller.append(chan(i), ALICE)
    rounds, received = pull(puller, answerer)
    # Only the difference travels, and the puller's own extra entries stay.
    assert received == 7 and answerer.state() < puller.state()
    assert rounds <= 6
    rounds, received = pull(answerer, puller)
    assert received == 3 and answerer.state() == puller.state()


def test_equal_journals_settle_in_one_small_round() -> None:
    j, k = filled(2000), filled(2000)
    digest = make_digest(j, ALICE)
    assert len(digest.encode()) < 100
    assert answer_digest(k, digest, BOB, ROSTER) == ()


def test_answer_budget_defers_the_rest_to_later_rounds() -> None:
    """One page never brings more than MAX_ANSWER_ENTRIES entries; the puller asks again."""
    answerer = filled(3 * MAX_ANSWER_ENTRIES)
    puller = ContextJournal(CTX)
    rounds, received = pull(puller, answerer)
    assert received == 3 * MAX_ANSWER_ENTRIES and rounds >= 3


@settings(max_examples=200)
@given(st.binary(min_size=32, max_size=32), st.integers(0, 63))
def test_children_partition_their_range(entry_id: bytes, depth: int) -> None:
    """An id lies in exactly one sub-range of each range that holds it."""
    nibbles = entry_id.hex()[:depth]
    rng = IdRange(depth, bytes.fromhex((nibbles + "0" * (depth % 2)) or ""))
    assert rng.contains(entry_id) and ROOT_RANGE.contains(entry_id)
    assert sum(c.contains(entry_id) for c in rng.children()) == 1


def encoded_range(depth: int, prefix: bytes, tail: bytes) -> bytes:
    return (
        SyncDigest(CTX, ALICE, []).encode()[:-4]
        + (1).to_bytes(4, "big")
        + bytes([depth])
        + prefix
        + tail
    )


SUMMARY_TAIL = b"\x00" + (0).to_bytes(4, "big") + b"\x00" * 16


@pytest.mark.parametrize(
    ("raw", "why"),
    [
        (encoded_range(65, b"\x00" * 33, SUMMARY_TAIL), "depth"),
        (encoded_range(1, b"\x01", SUMMARY_TAIL), "unused nibble"),
        (encoded_range(3, b"\x01", SUMMARY_TAIL), "truncated"),
        (encoded_range(0, b"", b"\x02" + SUMMARY_TAIL[1:]), "mode"),
        (encoded_range(0, b"", b"\x01" + (MAX_RANGE_IDS + 1).to_bytes(4, "big")), "count"),
        (encoded_range(2, b"\xab", b"\x01" + (1).to_bytes(4, "big") + b"\x00" * 32), "outside"),
    ],
    ids=["too-deep", "unused-nibble", "short-prefix", "mode", "too-many-ids", "outside"],
)
def test_hostile_ranges_are_decode_errors(raw: bytes, why: str) -> None:
    with pytest.raises(DecodeError, match=why):
        decode_sync_message(raw)


def test_answers_only_summarise() -> None:
    """A SyncFacts listing ids is malformed: only a digest lists ids."""
    listed = RangeDigest.of(ROOT_RANGE, [], listed=True)
    with pytest.raises(LocalProtocolError):
        SyncFacts(CTX, ALICE, [], [listed])
    raw = SyncFacts(CTX, ALICE, [], []).encode()[:-4] + (1).to_bytes(4, "big") + b"\x00\x01"
    with pytest.raises(DecodeError):
        decode_sync_message(raw + (0).to_bytes(4, "big"))


def test_unsorted_ranges_are_non_canonical() -> None:
    a, b = (RangeDigest.of(IdRange(1, bytes([n << 4])), [], listed=False) for n in (1, 2))
    raw = SyncDigest(CTX, ALICE, [a, b]).encode()
    one = len(raw[70:]) // 2
    swapped = raw[:70] + raw[70 + one :] + raw[70 : 70 + one]
    with pytest.raises(DecodeError, match="sorted"):
        decode_sync_message(swapped)


def test_hostile_digest_gets_a_bounded_answer() -> None:
    """A member asking about many deep ranges costs the answerer bounded messages."""
    answerer = filled(3000)
    deep = [IdRange(2, bytes([n])) for n in range(MAX_SYNC_RANGES)]
    digest = SyncDigest(CTX, ALICE, [RangeDigest.of(r, [], listed=False) for r in deep])
    answers = answer_digest(answerer, decode_sync_message(digest.encode()), BOB, ROSTER)  # type: ignore[arg-type]
    for a in answers:
        check_bounds(a)
    assert sum(len(a.entries) for a in answers) <= MAX_ANSWER_ENTRIES


@settings(max_examples=100)
@given(st.data())
def test_range_messages_fuzz_from_valid(data: st.DataObject) -> None:
    """Truncations and extensions of valid range messages are DecodeErrors; flips never
    escape as anything else."""
    j = filled(data.draw(st.integers(0, 80)))
    peer = filled(data.draw(st.integers(0, 80)), start=40)
    digest = make_digest(j, ALICE)
    choices: list[SyncMessage] = [digest, *answer_digest(peer, digest, BOB, ROSTER)]
    choices += make_digests(j, ALICE, ROOT_RANGE.children())
    msg = data.draw(st.sampled_from(choices))
    raw = msg.encode()
    assert decode_sync_message(raw) == msg
    with pytest.raises(DecodeError):
        decode_sync_message(raw[: data.draw(st.integers(0, len(raw) - 1))])
    with pytest.raises(DecodeError):
        decode_sync_message(raw + b"\x00")
    flipped = bytearray(raw)
    flipped[data.draw(st.integers(0, len(raw) - 1))] ^= data.draw(st.integers(1, 255))
    with contextlib.suppress(DecodeError):
        decode_sync_message(bytes(flipped))


@settings(max_examples=40, deadline=None)
@given(
    st.sets(st.integers(0, 600), max_size=400),
    st.sets(st.integers(0, 600), max_size=400),
    st.integers(0, 3),
)
def test_any_two_journals_converge_after_a_pull_each_way(
    mine: set[int], theirs: set[int], stamp_skew: int
) -> None:
    """Whatever the two replicas hold (ranges listed, summarised or split, one
    fact under two stamps), a pull each way leaves both with the union."""
    a, b = ContextJournal(CTX), ContextJournal(CTX)
    for i in sorted(mine):
        a.append(chan(i), ALICE)
    for _ in range(stamp_skew):  # the same facts later in b's clock: other stamps
        b.append(chan(10_000 + _), BOB)
    for i in sorted(theirs):
        b.append(chan(i), BOB)
    pull(a, b)
    pull(b, a)
    assert a.state() == b.state()
    assert {e.fact for e in a.state()} == {chan(i) for i in mine | theirs} | {
        chan(10_000 + k) for k in range(stamp_skew)
    }


def test_a_flood_of_summaries_gives_a_bounded_next_round() -> None:
    """An answerer that summarises far more ranges than it was asked about cannot make
    the puller's next round unbounded: it asks about the first MAX_FOLLOW_UP_RANGES."""
    flood = [
        RangeDigest(IdRange(4, bytes([i >> 8, i & 0xFF])), 1, b"\x01" * 16)
        for i in range(MAX_FOLLOW_UP_RANGES + 500)
    ]
    answers = [
        SyncFacts(CTX, BOB, [], flood[i : i + MAX_SYNC_RANGES])
        for i in range(0, len(flood), MAX_SYNC_RANGES)
    ]
    ranges = follow_up_ranges(ContextJournal(CTX), answers)
    assert ranges == tuple(r.range for r in flood[:MAX_FOLLOW_UP_RANGES])
    pages = make_digests(ContextJournal(CTX), ALICE, ranges)
    assert len(pages) == MAX_FOLLOW_UP_RANGES // MAX_SYNC_RANGES
