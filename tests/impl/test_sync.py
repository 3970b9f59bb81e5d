"""Anti-entropy sync (DESIGN.md 3): replicas converge whatever the order, duplication
or loss of sync messages; only members of the same context take part."""

from __future__ import annotations

import contextlib

import pytest
from aura_conformance.variants import answer_digest_fact_ids, make_digest_fact_ids
from aura_rendezvous import (
    ChannelEstablished,
    ContextJournal,
    ContextMismatchError,
    DecodeError,
    NotAMember,
    SyncDigest,
    SyncFacts,
)
from aura_rendezvous.journal import (
    JournalEntry,
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

from .test_facts import descriptor_fact
from .world import ALICE, BOB, CTX, MALLORY, MEMBERSHIP, OTHER_CTX, RELAY

MEMBERS = (ALICE, BOB, RELAY)
ROSTER = MEMBERSHIP.roster


def chan(i: int) -> ChannelEstablished:
    return ChannelEstablished(CTX, ALICE, BOB, i.to_bytes(32, "big"), 1)


class Net:
    """Three replicas and an unreliable network of in-flight sync messages."""

    def __init__(self, cls: type[ContextJournal] = ContextJournal, *, buggy: bool = False) -> None:
        self.replicas = {a: cls(CTX) for a in MEMBERS}
        self.make_digest = make_digest_fact_ids if buggy else make_digest
        self.answer_digest = answer_digest_fact_ids if buggy else answer_digest
        self.flight: list[tuple[int, int, SyncMessage]] = []  # (from, to, message)

    def send_digest(self, i: int, j: int) -> None:
        self.flight.append((i, j, self.make_digest(self.replicas[MEMBERS[i]], MEMBERS[i])))

    def deliver(self, k: int) -> None:
        src, dst, msg = self.flight.pop(k % len(self.flight))
        # Messages cross the wire as bytes: decode what was encoded.
        msg = decode_sync_message(msg.encode())
        journal = self.replicas[MEMBERS[dst]]
        if isinstance(msg, SyncDigest):
            for answer in self.answer_digest(journal, msg, MEMBERS[dst], ROSTER):
                self.flight.append((dst, src, answer))
        else:
            apply_sync_facts(journal, msg, ROSTER)
            # The next round of the pull: the ranges the answerer summarised differently.
            ranges = follow_up_ranges(journal, [msg])
            for page in make_digests(journal, MEMBERS[dst], ranges) if ranges else ():
                self.flight.append((dst, src, page))

    def settle(self) -> None:
        """Reliable rounds between every ordered pair until nothing is in flight."""
        self.flight.clear()
        for i in range(3):
            for j in range(3):
                if i != j:
                    self.send_digest(i, j)
                    while self.flight:
                        self.deliver(0)

    def states(self) -> list[frozenset[JournalEntry]]:
        return [r.state() for r in self.replicas.values()]


ops = st.one_of(
    st.tuples(st.just("append"), st.integers(0, 2), st.integers(0, 4)),
    st.tuples(st.just("digest"), st.integers(0, 2), st.integers(0, 2)),
    st.tuples(st.just("deliver"), st.integers(0, 50), st.just(0)),
    st.tuples(st.just("drop"), st.integers(0, 50), st.just(0)),
    st.tuples(st.just("dup"), st.integers(0, 50), st.just(0)),
)


def run(schedule: list[tuple[str, int, int]], cls: type[ContextJournal], buggy: bool) -> Net:
    net = Net(cls, buggy=buggy)
    for op, a, b in schedule:
        if op == "append":
            net.replicas[MEMBERS[a]].append(chan(b), MEMBERS[a])
        elif op == "digest" and a != b:
            net.send_digest(a, b)
        elif op == "deliver" and net.flight:
            net.deliver(a)
        elif op == "drop" and net.flight:
            net.flight.pop(a % len(net.flight))
        elif op == "dup" and net.flight:
            net.flight.append(net.flight[a % len(net.flight)])
    return net


def assert_converges(
    schedule: list[tuple[str, int, int]],
    cls: type[ContextJournal] = ContextJournal,
    *,
    buggy: bool = False,
) -> None:
    net = run(schedule, cls, buggy)
    appended = {b for op, _, b in schedule if op == "append"}
    net.settle()
    states = net.states()
    assert states[0] == states[1] == states[2], "replicas diverged"
    assert {e.fact for e in states[0]} == {chan(b) for b in appended}, "a fact was lost"


@settings(max_examples=200)
@given(st.lists(ops, max_size=40))
def test_replicas_converge_under_reordering_duplication_and_loss(
    schedule: list[tuple[str, int, int]],
) -> None:
    """Whatever happened before, once members exchange digests they hold the same entries
    and no appended fact is lost."""
    assert_converges(schedule, ContextJournal)


def test_fact_id_digest_does_not_converge() -> None:
    """Counterpart: a digest of fact ids alone never reconciles two stamps of one fact."""
    schedule = [("append", 0, 1), ("append", 1, 2), ("append", 1, 1)]
    assert_converges(schedule)
    with pytest.raises(AssertionError, match="diverged"):
        assert_converges(schedule, buggy=True)


def test_non_member_and_other_context_refused() -> None:
    """A digest from a non-member learns nothing; facts from one are not merged;
    a message of another context is refused; a refused message changes nothing."""
    j = ContextJournal(CTX)
    j.append(chan(1), ALICE)
    with pytest.raises(NotAMember):
        answer_digest(j, make_digest(ContextJournal(CTX), MALLORY), ALICE, ROSTER)
    with pytest.raises(NotAMember):
        apply_sync_facts(j, SyncFacts(CTX, MALLORY, [JournalEntry(chan(2), 1, MALLORY)]), ROSTER)
    with pytest.raises(ContextMismatchError):
        answer_digest(j, make_digest(ContextJournal(OTHER_CTX), BOB), ALICE, ROSTER)
    foreign = ChannelEstablished(OTHER_CTX, ALICE, BOB, b"\x09" * 32, 1)
    mixed = SyncFacts(CTX, BOB, [JournalEntry(chan(3), 1, BOB), JournalEntry(foreign, 1, BOB)])
    with pytest.raises(ContextMismatchError):
        apply_sync_facts(j, mixed, ROSTER)
    assert j.ids() == {e.fact_id for e in j.entries()} and len(j) == 1


def test_answer_is_chunked() -> None:
    """A large difference is sent in bounded messages that each decode."""
    from aura_rendezvous.journal import MAX_SYNC_ENTRIES

    j = ContextJournal(CTX)
    for i in range(MAX_SYNC_ENTRIES + 3):
        j.append(chan(i), ALICE)
    answers = answer_digest(j, make_digest(ContextJournal(CTX), BOB), ALICE, ROSTER)
    assert [len(a.entries) for a in answers] == [MAX_SYNC_ENTRIES, 3]
    peer = ContextJournal(CTX)
    for a in answers:
        apply_sync_facts(peer, decode_sync_message(a.encode()), ROSTER)  # type: ignore[arg-type]
    assert peer.state() == j.state()


def test_sync_carries_sealed_descriptors() -> None:
    """Descriptor facts round-trip through sync messages byte for byte."""
    j = ContextJournal(CTX)
    j.append(descriptor_fact(3), ALICE)
    (answer,) = answer_digest(j, make_digest(ContextJournal(CTX), BOB), ALICE, ROSTER)
    assert decode_sync_message(answer.encode()) == answer


@settings(max_examples=200)
@given(st.binary(max_size=300))
def test_sync_decoder_fuzz(data: bytes) -> None:
    """Arbitrary bytes: a sync message or a DecodeError."""
    with contextlib.suppress(DecodeError):
        decode_sync_message(data)


@settings(max_examples=100)
@given(st.data())
def test_sync_decoder_fuzz_from_valid(data: st.DataObject) -> None:
    """Truncations and extensions of valid messages are DecodeErrors; flips never escape."""
    j = ContextJournal(CTX)
    j.append(chan(1), ALICE)
    choices: list[SyncMessage] = [make_digest(j, ALICE), SyncFacts(CTX, ALICE, j.entries())]
    msg = data.draw(st.sampled_from(choices))
    raw = msg.encode()
    with pytest.raises(DecodeError):
        decode_sync_message(raw[: data.draw(st.integers(0, len(raw) - 1))])
    with pytest.raises(DecodeError):
        decode_sync_message(raw + b"\x00")
    flipped = bytearray(raw)
    flipped[data.draw(st.integers(0, len(raw) - 1))] ^= data.draw(st.integers(1, 255))
    with contextlib.suppress(DecodeError):
        decode_sync_message(bytes(flipped))


def test_unsorted_digest_is_non_canonical() -> None:
    """A digest must list ids strictly sorted, so each digest has one encoding."""
    j = ContextJournal(CTX)
    j.append(chan(1), ALICE)
    j.append(chan(2), ALICE)
    raw = make_digest(j, ALICE).encode()
    assert len(raw) == 70 + 1 + 1 + 4 + 64  # the root range, listed: two ids
    swapped = raw[:-64] + raw[-32:] + raw[-64:-32]
    with pytest.raises(DecodeError, match="sorted"):
        decode_sync_message(swapped)


@pytest.mark.slow
@settings(max_examples=3000, deadline=None)
@given(st.lists(ops, max_size=120))
def test_replicas_converge_deep(schedule: list[tuple[str, int, int]]) -> None:
    """The convergence property over longer schedules (make test-slow)."""
    assert_converges(schedule, ContextJournal)
