"""Facts: three kinds, canonical encodings, content addresses, signed revocations."""

from __future__ import annotations

import contextlib

import attrs
import pytest
from aura_rendezvous import (
    ChannelEstablished,
    DecodeError,
    DescriptorFact,
    QuicDirect,
    RendezvousFact,
    Roster,
)
from aura_rendezvous.core import LocalProtocolError, UnattributableFact
from aura_rendezvous.descriptors import build_descriptor, seal_descriptor, sign_descriptor
from aura_rendezvous.journal import (
    decode_fact,
    encode_fact,
    fact_context,
    fact_id,
    record_channel,
    revocation_signer,
    revoke_descriptor,
    verify_channel,
    verify_fact,
    verify_revocation,
)
from hypothesis import given, settings
from hypothesis import strategies as st

from .strategies import authority_ids, context_ids, ids32
from .world import ALICE, BOB, CTX, KEYS, MALLORY, MEMBERSHIP


def descriptor_fact(nonce: int = 1) -> DescriptorFact:
    d = build_descriptor(
        ALICE,
        CTX,
        transport_hints=[QuicDirect("h:1")],
        handshake_psk_commitment=MEMBERSHIP.psk_commitment(1),
        now_ms=0,
        validity_ms=100,
        nonce=nonce.to_bytes(32, "big"),
    )
    return DescriptorFact(seal_descriptor(sign_descriptor(d, KEYS[ALICE]), MEMBERSHIP, 1))


channel_facts = st.builds(
    ChannelEstablished,
    context_ids,
    authority_ids,
    authority_ids,
    ids32,
    st.integers(0, 2**64 - 1),
    st.sampled_from([b"", b"\x07" * 64]),
)
revocations = st.builds(lambda c, n: revoke_descriptor(KEYS[ALICE], c, n), context_ids, ids32)
facts: st.SearchStrategy[RendezvousFact] = st.one_of(
    channel_facts, revocations, st.integers(1, 5).map(descriptor_fact)
)


@settings(max_examples=60)
@given(facts)
def test_fact_roundtrip(fact: RendezvousFact) -> None:
    """Every kind decodes back to itself; the encoding is canonical."""
    raw = encode_fact(fact)
    assert decode_fact(raw) == fact
    assert encode_fact(decode_fact(raw)) == raw


@settings(max_examples=60)
@given(facts, facts)
def test_fact_id_is_a_content_address(a: RendezvousFact, b: RendezvousFact) -> None:
    """Equal facts share an id, different facts do not."""
    assert (fact_id(a) == fact_id(b)) == (a == b)


def test_fact_context() -> None:
    """Each kind names its context."""
    assert fact_context(descriptor_fact()) == CTX
    assert fact_context(revoke_descriptor(KEYS[ALICE], CTX, b"\x01" * 32)) == CTX


def test_only_publisher_revokes() -> None:
    """A revocation verifies only when signed by the authority it names, a member."""
    own = revoke_descriptor(KEYS[ALICE], CTX, b"\x01" * 32)
    assert verify_revocation(own, MEMBERSHIP.roster)
    forged = attrs.evolve(own, signature=KEYS[BOB].sign(own.signed_message()))
    assert not verify_revocation(forged, MEMBERSHIP.roster)
    outsider = revoke_descriptor(KEYS[MALLORY], CTX, b"\x01" * 32)
    assert not verify_revocation(outsider, MEMBERSHIP.roster)
    moved = attrs.evolve(own, nonce=b"\x02" * 32)
    assert not verify_revocation(moved, MEMBERSHIP.roster)


def test_any_members_revocation_is_attributable_only_the_publishers_is_honoured() -> None:
    """A revocation names its signer among the members: the publisher's verifies and is
    honoured; another member's is attributable (it syncs) but not honoured; a
    non-member's, a garbage signature or a changed fact is nobody's and is refused."""
    own = revoke_descriptor(KEYS[ALICE], CTX, b"\x01" * 32)
    assert revocation_signer(own, MEMBERSHIP.roster) == ALICE
    by_bob = attrs.evolve(own, signature=KEYS[BOB].sign(own.signed_message()))
    assert revocation_signer(by_bob, MEMBERSHIP.roster) == BOB
    verify_fact(by_bob, MEMBERSHIP)
    assert not verify_revocation(by_bob, MEMBERSHIP.roster)
    by_mallory = attrs.evolve(own, signature=KEYS[MALLORY].sign(own.signed_message()))
    garbage = attrs.evolve(own, signature=b"\x07" * 64)
    moved = attrs.evolve(by_bob, nonce=b"\x02" * 32)
    for nobodys in (by_mallory, garbage, moved):
        assert revocation_signer(nobodys, MEMBERSHIP.roster) is None
        with pytest.raises(UnattributableFact, match="not signed by a member"):
            verify_fact(nobodys, MEMBERSHIP)
    # The signer is looked up in the roster given: without Bob, his revocation is nobody's.
    assert revocation_signer(by_bob, Roster.of(KEYS[ALICE], KEYS[MALLORY])) is None


@settings(max_examples=200)
@given(st.binary(max_size=400))
def test_fact_decoder_fuzz(data: bytes) -> None:
    """Arbitrary bytes: a fact or a DecodeError."""
    with contextlib.suppress(DecodeError):
        decode_fact(data)


@settings(max_examples=150)
@given(facts, st.data())
def test_fact_decoder_mutations(fact: RendezvousFact, data: st.DataObject) -> None:
    """Truncated or extended encodings are DecodeErrors; flipped bytes never escape untyped."""
    raw = encode_fact(fact)
    cut = data.draw(st.integers(0, len(raw) - 1))
    with pytest.raises(DecodeError):
        decode_fact(raw[:cut])
    with pytest.raises(DecodeError):
        decode_fact(raw + b"\x00")
    flipped = bytearray(raw)
    flipped[data.draw(st.integers(0, len(raw) - 1))] ^= 0xFF
    with contextlib.suppress(DecodeError):
        decode_fact(bytes(flipped))


def test_unknown_kind() -> None:
    """An unknown fact kind is named in the error."""
    with pytest.raises(DecodeError, match="unknown fact kind 9"):
        decode_fact(b"\x04\x01\x09")


def test_a_channel_fact_is_signed_by_the_party_recording_it() -> None:
    """record_channel signs as a party; verify_channel takes either party's signature
    and nothing else: not unsigned, not a non-party's, not a fact changed after signing."""
    fact = record_channel(
        KEYS[BOB], CTX, initiator=ALICE, responder=BOB, channel_id=b"\x02" * 32, epoch=3
    )
    assert verify_channel(fact, MEMBERSHIP.roster)
    verify_fact(fact, MEMBERSHIP)
    assert decode_fact(encode_fact(fact)) == fact
    unsigned = attrs.evolve(fact, signature=b"")
    assert fact_id(unsigned) != fact_id(fact)
    assert not verify_channel(unsigned, MEMBERSHIP.roster)
    assert not verify_channel(attrs.evolve(fact, channel_id=b"\x03" * 32), MEMBERSHIP.roster)
    by_outsider = attrs.evolve(fact, signature=KEYS[MALLORY].sign(fact.signed_message()))
    assert not verify_channel(by_outsider, MEMBERSHIP.roster)
    with pytest.raises(UnattributableFact):
        verify_fact(by_outsider, MEMBERSHIP)
    with pytest.raises(LocalProtocolError, match="only a party"):
        record_channel(
            KEYS[MALLORY], CTX, initiator=ALICE, responder=BOB, channel_id=b"\x02" * 32, epoch=3
        )


def test_verify_fact_opens_descriptors_and_checks_revocations() -> None:
    verify_fact(descriptor_fact(), MEMBERSHIP)
    forged = attrs.evolve(revoke_descriptor(KEYS[ALICE], CTX, b"\x01" * 32), authority_id=BOB)
    with pytest.raises(UnattributableFact, match="revocation"):
        verify_fact(forged, MEMBERSHIP)
    sealed = descriptor_fact().sealed
    tampered = attrs.evolve(sealed, ciphertext=sealed.ciphertext[:-1] + b"\x00")
    with pytest.raises(UnattributableFact, match="descriptor"):
        verify_fact(DescriptorFact(tampered), MEMBERSHIP)
