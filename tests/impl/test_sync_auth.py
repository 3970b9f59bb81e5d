"""Sync authenticated to the context (DESIGN.md 3 and 7): only members read or write a
journal, no member speaks as another, every fact is a member's, and no received
Lamport stamp exhausts a clock. A refused message raises its typed error and leaves
the receiver exactly as it was."""

from __future__ import annotations

from collections.abc import Iterator

import attrs
import pytest
from aura_rendezvous import (
    AuthorityKeys,
    BadSignature,
    ChannelEstablished,
    ContextMembership,
    ContextMismatchError,
    DecodeError,
    DecryptFailed,
    DescriptorRevoked,
    NotAMember,
    QuicDirect,
    RemoteProtocolError,
    RendezvousService,
    Roster,
    SyncDigest,
    SyncFacts,
)
from aura_rendezvous.core import U64_MAX, LamportStampOutOfBounds, UnattributableFact
from aura_rendezvous.journal import (
    MAX_LAMPORT_JUMP,
    JournalEntry,
    SealedSyncMessage,
    open_sync_message,
    record_channel,
    seal_sync_message,
)

from .world import (
    ALICE,
    BOB,
    CTX,
    KEYS,
    MALLORY,
    MEMBERSHIP,
    OTHER_CTX,
    OTHER_MEMBERSHIP,
    RELAY,
    Node,
    make_service,
    sync_pair,
)


def signed_chan(i: int, keys: AuthorityKeys = KEYS[ALICE]) -> ChannelEstablished:
    return record_channel(
        keys, CTX, initiator=ALICE, responder=BOB, channel_id=i.to_bytes(32, "big"), epoch=1
    )


def signed_by_non_party(i: int) -> ChannelEstablished:
    """A channel of Alice and Bob, signed by Relay (a member, but no party of it)."""
    unsigned = ChannelEstablished(CTX, ALICE, BOB, i.to_bytes(32, "big"), 1)
    return attrs.evolve(unsigned, signature=KEYS[RELAY].sign(unsigned.signed_message()))


def facts_from(sender: AuthorityKeys, *entries: JournalEntry, epoch: int = 0) -> SealedSyncMessage:
    """What ``sender`` (a member) sends: its own entries, sealed and signed by it."""
    return seal_sync_message(
        SyncFacts(CTX, sender.authority_id, entries), sender, MEMBERSHIP, epoch
    )


def snapshot_of(svc: RendezvousService) -> tuple[object, ...]:
    j = svc.journal(CTX)
    return (j.state(), j.clock, j.version)


@pytest.fixture
def bob() -> Iterator[RendezvousService]:
    svc = make_service(BOB)
    for i in range(3):
        svc.journal(CTX).append(signed_chan(i), ALICE)
    yield svc


# -- only members read: an outsider's digest is never answered ---------------------


def test_an_outsider_claiming_a_members_id_gets_nothing(bob: RendezvousService) -> None:
    """Mallory holds no root secret: a digest sealed under her own guess of the
    context key, naming Alice as its sender, does not open, so nothing is answered."""
    guessed = ContextMembership(CTX, Roster.of(KEYS[MALLORY]), b"mallory-guesses-the-root-secret!")
    mallory_as_alice = AuthorityKeys.from_seed(ALICE, b"seed:mallory-claims-to-be-alice!!")
    digest = SyncDigest(CTX, ALICE, [])
    forged = seal_sync_message(digest, mallory_as_alice, guessed, 0)
    before = snapshot_of(bob)
    with pytest.raises(DecryptFailed) as info:
        bob.answer_sync(forged)
    assert info.value.reason == "DecryptFailed"
    assert snapshot_of(bob) == before


def test_the_audited_attack_is_refused_before_anything_is_read(bob: RendezvousService) -> None:
    """The audit's message: a SyncFacts naming a member, one entry at 2^64-1, from
    someone without the root secret. It does not open, so Bob's clock never moves
    and Bob still writes."""
    guessed = ContextMembership(CTX, Roster.of(KEYS[MALLORY]), b"mallory-guesses-the-root-secret!")
    mallory_as_alice = AuthorityKeys.from_seed(ALICE, b"seed:mallory-claims-to-be-alice!!")
    entry = JournalEntry(ChannelEstablished(CTX, ALICE, BOB, b"\x66" * 32, 1), U64_MAX, ALICE)
    attack = seal_sync_message(SyncFacts(CTX, ALICE, [entry]), mallory_as_alice, guessed, 0)
    before = snapshot_of(bob)
    with pytest.raises(DecryptFailed):
        bob.apply_sync(attack)
    assert snapshot_of(bob) == before
    assert bob.journal(CTX).append(signed_chan(99, KEYS[BOB]), BOB).added


def test_a_member_cannot_speak_as_another(bob: RendezvousService) -> None:
    """Relay, a member, seals a digest naming Alice as its sender with its own key:
    it opens (Relay holds the context key) but Alice's signature does not verify."""
    relay_as_alice = attrs.evolve(KEYS[RELAY], authority_id=ALICE)
    forged = seal_sync_message(SyncDigest(CTX, ALICE, []), relay_as_alice, MEMBERSHIP, 0)
    with pytest.raises(BadSignature, match="not signed by its sender"):
        bob.answer_sync(forged)
    fact = JournalEntry(signed_chan(7), 1, ALICE)
    forged_facts = seal_sync_message(SyncFacts(CTX, ALICE, [fact]), relay_as_alice, MEMBERSHIP, 0)
    before = snapshot_of(bob)
    with pytest.raises(BadSignature):
        bob.apply_sync(forged_facts)
    assert snapshot_of(bob) == before


def test_a_sender_off_the_roster_is_not_a_member() -> None:
    """Mallory signs honestly as herself, under the real key (say it leaked): she is
    still not on the roster, so she is refused."""
    svc = make_service(BOB)
    sealed = seal_sync_message(SyncDigest(CTX, MALLORY, []), KEYS[MALLORY], MEMBERSHIP, 0)
    with pytest.raises(NotAMember):
        svc.answer_sync(sealed)


def test_members_answer_members_and_the_answer_is_sealed(bob: RendezvousService) -> None:
    alice = make_service(ALICE)
    answers = bob.answer_sync(alice.sync_digest(CTX, epoch=3))
    assert answers and all(a.epoch == 3 for a in answers)
    # Sealed: the wire form carries no fact id or party in clear.
    wire = b"".join(a.encode() for a in answers)
    channel_ids = [e.fact.channel_id for e in bob.journal(CTX).entries()]  # type: ignore[union-attr]
    assert channel_ids and not any(i in wire for i in channel_ids)
    assert ALICE.value not in wire and BOB.value not in wire
    for a in answers:
        assert SealedSyncMessage.decode(a.encode()) == a
        alice.apply_sync(a)
    assert alice.journal(CTX).state() == bob.journal(CTX).state()


def test_tampering_wrong_context_and_wrong_kind_are_typed(bob: RendezvousService) -> None:
    alice = make_service(ALICE, (MEMBERSHIP, OTHER_MEMBERSHIP))
    digest = alice.sync_digest(CTX, epoch=0)
    flipped = attrs.evolve(
        digest, ciphertext=digest.ciphertext[:-1] + bytes([digest.ciphertext[-1] ^ 1])
    )
    with pytest.raises(DecryptFailed):
        bob.answer_sync(flipped)
    with pytest.raises(DecryptFailed):  # the epoch is bound to the ciphertext
        bob.answer_sync(attrs.evolve(digest, epoch=1))
    with pytest.raises(ContextMismatchError):
        open_sync_message(alice.sync_digest(OTHER_CTX, epoch=0), MEMBERSHIP)
    with pytest.raises(DecodeError, match="not a SyncFacts"):
        bob.apply_sync(digest)
    with pytest.raises(DecodeError, match="not a SyncDigest"):
        bob.answer_sync(facts_from(KEYS[ALICE]))


# -- every fact is a member's ---------------------------------------------------------


@pytest.mark.parametrize(
    "fact",
    [
        ChannelEstablished(CTX, ALICE, BOB, b"\x09" * 32, 1),  # unsigned
        signed_by_non_party(9),
        attrs.evolve(signed_chan(9), epoch=2),  # signed for another epoch
    ],
    ids=["unsigned", "non-party", "tampered"],
)
def test_an_unattributable_fact_refuses_the_whole_message(
    bob: RendezvousService, fact: ChannelEstablished
) -> None:
    """The message is refused as a whole: the honest entry next to it is not merged."""
    honest = JournalEntry(signed_chan(8), 5, ALICE)
    before = snapshot_of(bob)
    with pytest.raises(UnattributableFact) as info:
        bob.apply_sync(facts_from(KEYS[ALICE], honest, JournalEntry(fact, 6, ALICE)))
    assert info.value.reason == "DVFactsAttributable"
    assert isinstance(info.value, RemoteProtocolError)
    assert snapshot_of(bob) == before
    assert bob.apply_sync(facts_from(KEYS[ALICE], honest)) == 1


def test_a_channel_fact_signed_by_either_party_is_taken() -> None:
    svc = make_service(RELAY)
    by_responder = record_channel(
        KEYS[BOB], CTX, initiator=ALICE, responder=BOB, channel_id=b"\x01" * 32, epoch=1
    )
    entries = (JournalEntry(signed_chan(1), 1, ALICE), JournalEntry(by_responder, 2, BOB))
    assert svc.apply_sync(facts_from(KEYS[ALICE], *entries)) == 2


def published_pair() -> tuple[RendezvousService, RendezvousService, bytes]:
    """Alice publishes; Bob pulls her descriptor. The services and its nonce."""
    alice = Node(ALICE)
    alice.publish([QuicDirect("h:1")], 0)
    bob = make_service(BOB)
    sync_pair(alice.service, bob)
    chosen = bob.get_cached_descriptor(CTX, ALICE, 1)
    assert chosen is not None
    return alice.service, bob, chosen.nonce


def revocation_signed_by(keys: AuthorityKeys, nonce: bytes) -> DescriptorRevoked:
    """A revocation of Alice's descriptor ``nonce``, signed by ``keys``."""
    unsigned = DescriptorRevoked(CTX, ALICE, nonce, b"")
    return attrs.evolve(unsigned, signature=keys.sign(unsigned.signed_message()))


def test_a_members_forged_revocation_syncs_and_is_ignored() -> None:
    """Relay, a member, revokes Alice's descriptor. The revocation is attributable
    (Relay signed it), so it syncs like any fact and every replica converges on it;
    the descriptor caches ignore it, because only the publisher revokes."""
    alice, bob, nonce = published_pair()
    forged = revocation_signed_by(KEYS[RELAY], nonce)
    entry = JournalEntry(forged, bob.journal(CTX).clock + 1, RELAY)
    assert bob.apply_sync(facts_from(KEYS[RELAY], entry)) == 1
    assert forged in bob.journal(CTX).facts()
    chosen = bob.get_cached_descriptor(CTX, ALICE, 1)
    assert chosen is not None and chosen.nonce == nonce
    assert [r for _, r in bob.descriptor_cache(CTX).rejected] == ["BadSignature"]
    sync_pair(bob, alice)
    assert alice.journal(CTX).state() == bob.journal(CTX).state()
    mine = alice.get_cached_descriptor(CTX, ALICE, 1)
    assert mine is not None and mine.nonce == nonce


@pytest.mark.parametrize(
    "signature",
    [
        revocation_signed_by(KEYS[MALLORY], b"\x00" * 32).signature,  # not this message
        b"\x07" * 64,
    ],
    ids=["other-message", "garbage"],
)
def test_a_revocation_signed_by_no_member_refuses_the_whole_message(signature: bytes) -> None:
    """Signed by Mallory (off the roster) or by nobody: unattributable, so the message
    is refused whole and Bob's journal and cache are as they were."""
    _alice, bob, nonce = published_pair()
    by_mallory = revocation_signed_by(KEYS[MALLORY], nonce)
    clock = bob.journal(CTX).clock
    honest = JournalEntry(signed_chan(8), clock + 1, ALICE)
    for fact in (by_mallory, attrs.evolve(by_mallory, signature=signature)):
        before = snapshot_of(bob)
        message = facts_from(KEYS[ALICE], honest, JournalEntry(fact, clock + 2, ALICE))
        with pytest.raises(UnattributableFact, match="not signed by a member") as info:
            bob.apply_sync(message)
        assert info.value.reason == "DVFactsAttributable"
        assert snapshot_of(bob) == before
        chosen = bob.get_cached_descriptor(CTX, ALICE, 1)
        assert chosen is not None and chosen.nonce == nonce


def test_a_members_revocation_from_a_sender_off_the_roster_is_refused() -> None:
    """The fact being attributable does not make its sender a member: Mallory relaying
    Relay's revocation under the real key (say it leaked) is still NotAMember."""
    _alice, bob, nonce = published_pair()
    entry = JournalEntry(revocation_signed_by(KEYS[RELAY], nonce), 1, RELAY)
    sealed = seal_sync_message(SyncFacts(CTX, MALLORY, [entry]), KEYS[MALLORY], MEMBERSHIP, 0)
    before = snapshot_of(bob)
    with pytest.raises(NotAMember):
        bob.apply_sync(sealed)
    assert snapshot_of(bob) == before


# -- no received stamp exhausts the clock ----------------------------------------------


def test_a_stamp_at_the_end_of_the_clock_is_refused_and_nothing_changes(
    bob: RendezvousService,
) -> None:
    """Today's attack: one entry at 2^64-1 from a member's id. Refused whole; Bob
    still appends afterwards."""
    hostile = JournalEntry(signed_chan(50), U64_MAX, ALICE)
    honest = JournalEntry(signed_chan(51), 4, ALICE)
    before = snapshot_of(bob)
    with pytest.raises(LamportStampOutOfBounds) as info:
        bob.apply_sync(facts_from(KEYS[ALICE], honest, hostile))
    assert info.value.reason == "DVClockBounded"
    assert snapshot_of(bob) == before
    token = bob.journal(CTX).append(signed_chan(52, KEYS[BOB]), BOB)
    assert token.added and bob.journal(CTX).clock == 4


def test_the_bound_is_the_clock_plus_the_jump(bob: RendezvousService) -> None:
    clock = bob.journal(CTX).clock
    edge = JournalEntry(signed_chan(60), clock + MAX_LAMPORT_JUMP, ALICE)
    past = JournalEntry(signed_chan(61), clock + MAX_LAMPORT_JUMP + 1, ALICE)
    with pytest.raises(LamportStampOutOfBounds):
        bob.apply_sync(facts_from(KEYS[ALICE], past))
    assert bob.apply_sync(facts_from(KEYS[ALICE], edge)) == 1
    assert bob.journal(CTX).clock == clock + MAX_LAMPORT_JUMP
    # The bound moved with the clock: a stamp that was too far is now within reach.
    assert bob.apply_sync(facts_from(KEYS[ALICE], past)) == 1


def test_a_fresh_replica_takes_a_big_honest_journal() -> None:
    """An honest journal of 2,000 entries reaches a fresh replica through full pulls,
    whatever its clock: honest stamps never run a jump ahead."""
    alice, fresh = make_service(ALICE), make_service(RELAY)
    journal = alice.journal(CTX)
    for i in range(2000):
        journal.append(signed_chan(i), ALICE)
    sync_pair(alice, fresh)
    assert fresh.journal(CTX).state() == journal.state()
    assert fresh.journal(CTX).clock == journal.clock == 2000
