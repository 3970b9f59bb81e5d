"""Descriptors (DESIGN.md 2): half-open validity, overflow errors, refresh, choice,
signatures and sealing, each rule with the broken variant it catches."""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import Callable

import attrs
import pytest
from aura_conformance.variants import (
    PublicIdMembership,
    choose_any_context,
    choose_ignoring_revocation,
    choose_last_arrived,
    is_valid_inclusive,
)
from aura_rendezvous import (
    BadSignature,
    ContextMembership,
    ContextMismatchError,
    DecodeError,
    DecryptFailed,
    InvalidDescriptor,
    NotAMember,
    QuicDirect,
    RendezvousDescriptor,
    Roster,
    SealedDescriptor,
    SignedDescriptor,
    ValueRangeError,
    build_window,
    choose_descriptor,
    is_valid_at,
    needs_refresh_at,
)
from aura_rendezvous.core import U64_MAX
from aura_rendezvous.descriptors import (
    build_descriptor,
    open_descriptor,
    seal_descriptor,
    sign_descriptor,
    verify_descriptor,
)
from hypothesis import given, settings
from hypothesis import strategies as st

from .strategies import descriptors, ids32, u64s
from .world import ALICE, BOB, CTX, KEYS, MALLORY, MEMBERSHIP, OTHER_CTX, OTHER_MEMBERSHIP

Chooser = Callable[..., RendezvousDescriptor | None]


def desc(
    vf: int, vu: int, nonce: int = 1, *, ctx: object = CTX, who: object = ALICE
) -> RendezvousDescriptor:
    return RendezvousDescriptor(
        who,  # type: ignore[arg-type]
        ctx,  # type: ignore[arg-type]
        [QuicDirect("10.0.0.1:443")],
        b"\x00" * 32,
        vf,
        vu,
        nonce.to_bytes(32, "big"),
    )


# -- validity ---------------------------------------------------------------------


def assert_half_open(valid: Callable[[RendezvousDescriptor, int], bool]) -> None:
    d = desc(10, 20)
    assert valid(d, 10) and valid(d, 19)
    assert not valid(d, 9)
    assert not valid(d, 20), "valid_until must be exclusive"


def test_valid_until_is_exclusive() -> None:
    """valid_from <= now < valid_until; the inclusive variant is caught."""
    assert_half_open(is_valid_at)
    with pytest.raises(AssertionError, match="exclusive"):
        assert_half_open(is_valid_inclusive)


@settings(max_examples=80)
@given(descriptors(), u64s)
def test_validity_matches_definition(d: RendezvousDescriptor, now: int) -> None:
    """For every descriptor and time, validity is exactly the half-open window."""
    assert is_valid_at(d, now) == (d.valid_from <= now < d.valid_until)
    assert not is_valid_at(d, d.valid_until)


def test_empty_window_refused() -> None:
    """A descriptor with valid_until <= valid_from cannot be built."""
    with pytest.raises(InvalidDescriptor):
        desc(5, 5)
    with pytest.raises(InvalidDescriptor):
        desc(6, 5)


@settings(max_examples=80)
@given(u64s, u64s)
def test_build_overflow_is_an_error(now: int, validity: int) -> None:
    """Building succeeds iff the window is non-empty and now + validity fits u64."""
    if validity > 0 and now + validity <= U64_MAX:
        assert build_window(now, validity) == (now, now + validity)
    else:
        with pytest.raises((ValueRangeError, InvalidDescriptor)):
            build_window(now, validity)


def test_build_overflow_edges() -> None:
    """The exact edge: now + validity == 2**64 - 1 is fine, 2**64 is an error."""
    assert build_window(U64_MAX - 1, 1) == (U64_MAX - 1, U64_MAX)
    with pytest.raises(ValueRangeError, match="overflows"):
        build_window(U64_MAX, 1)
    with pytest.raises(ValueRangeError):
        build_descriptor(
            ALICE,
            CTX,
            transport_hints=[],
            handshake_psk_commitment=b"\x00" * 32,
            now_ms=U64_MAX - 5,
            validity_ms=10,
            nonce=b"\x00" * 32,
        )


# -- refresh ----------------------------------------------------------------------


@settings(max_examples=80)
@given(u64s, u64s, u64s)
def test_needs_refresh_saturates(valid_until: int, now: int, window: int) -> None:
    """needs_refresh is now + window >= valid_until on integers clamped at u64 max."""
    assert needs_refresh_at(valid_until, now, window) == (min(now + window, U64_MAX) >= valid_until)


def test_needs_refresh_edges_and_wrapping_counterpart() -> None:
    """At the top of u64 the sum saturates; a wrapping sum would say 'no refresh'."""
    assert needs_refresh_at(U64_MAX, U64_MAX - 1, 10)

    def wrapping(vu: int, now: int, window: int) -> bool:
        return (now + window) % 2**64 >= vu

    assert not wrapping(U64_MAX, U64_MAX - 1, 10)
    assert needs_refresh_at(100, 90, 10) and not needs_refresh_at(100, 89, 10)


# -- choice -----------------------------------------------------------------------


def assert_fresh_wins(choose: Chooser) -> None:
    """Whatever the arrival order, the chosen one is the greatest (valid_from, nonce)."""
    stale, fresh, tie_low, tie_high = (
        desc(0, 100, 5),
        desc(10, 100, 1),
        desc(10, 100, 0),
        desc(10, 100, 2),
    )
    for order in itertools.permutations([stale, fresh, tie_low, tie_high]):
        assert choose(order, CTX, ALICE, 50) == tie_high, "stale replaced fresh"


def test_stale_never_replaces_fresh() -> None:
    """The deterministic rule holds in every order; 'last arrived' is caught."""
    assert_fresh_wins(choose_descriptor)
    with pytest.raises(AssertionError, match="stale replaced fresh"):
        assert_fresh_wins(choose_last_arrived)


@settings(max_examples=60)
@given(
    st.lists(descriptors(st.just(CTX), st.just(ALICE), st.integers(0, 50)), max_size=6),
    st.integers(0, 50),
    st.randoms(use_true_random=False),
)
def test_choice_order_independent(cands: list[RendezvousDescriptor], now: int, rnd: object) -> None:
    """Shuffling the candidates never changes the choice, which is the greatest eligible."""
    chosen = choose_descriptor(cands, CTX, ALICE, now)
    shuffled = list(cands)
    rnd.shuffle(shuffled)  # type: ignore[attr-defined]
    assert choose_descriptor(shuffled, CTX, ALICE, now) == chosen
    eligible = [d for d in cands if is_valid_at(d, now)]
    for d in eligible:
        assert choose_descriptor([d, *cands], CTX, ALICE, now) == chosen
    if eligible:
        assert chosen is not None
        assert chosen.order_key == max(d.order_key for d in eligible)
    else:
        assert chosen is None


def assert_no_cross_context(choose: Chooser) -> None:
    foreign = desc(0, 100, 9, ctx=OTHER_CTX)
    assert choose([foreign], CTX, ALICE, 50) is None, "descriptor crossed contexts"
    own = desc(0, 100, 1)
    assert choose([foreign, own], CTX, ALICE, 50) == own, "descriptor crossed contexts"


def test_descriptor_never_crosses_contexts() -> None:
    """A descriptor of context B is never chosen for context A; the variant that
    ignores the context is caught."""
    assert_no_cross_context(choose_descriptor)
    with pytest.raises(AssertionError, match="crossed contexts"):
        assert_no_cross_context(choose_any_context)


def assert_revoked_never_chosen(choose: Chooser) -> None:
    best, other = desc(10, 100, 7), desc(0, 100, 3)
    revoked = {(ALICE, best.nonce)}
    assert choose([best, other], CTX, ALICE, 50, revoked) == other, "revoked descriptor chosen"
    assert choose([best], CTX, ALICE, 50, revoked) is None, "revoked descriptor chosen"


def test_revoked_never_chosen() -> None:
    """A revoked descriptor is never chosen; the variant ignoring revocations is caught."""
    assert_revoked_never_chosen(choose_descriptor)
    with pytest.raises(AssertionError, match="revoked"):
        assert_revoked_never_chosen(choose_ignoring_revocation)


def test_other_authorities_not_chosen() -> None:
    """Only the requested authority's descriptors are candidates."""
    assert choose_descriptor([desc(0, 100, who=BOB)], CTX, ALICE, 50) is None


# -- encoding ---------------------------------------------------------------------


@settings(max_examples=80)
@given(descriptors())
def test_descriptor_roundtrip(d: RendezvousDescriptor) -> None:
    """Encoding is canonical: decode(encode(d)) == d and re-encodes identically."""
    raw = d.encode()
    assert RendezvousDescriptor.decode(raw) == d
    assert RendezvousDescriptor.decode(raw).encode() == raw


@settings(max_examples=200)
@given(st.binary(max_size=300))
def test_descriptor_decoder_fuzz(data: bytes) -> None:
    """Arbitrary bytes yield a descriptor or a DecodeError, nothing else."""
    try:
        RendezvousDescriptor.decode(data)
    except DecodeError as exc:
        assert exc.source == "RendezvousDescriptor"


@settings(max_examples=200)
@given(descriptors(), st.data())
def test_descriptor_decoder_mutations(d: RendezvousDescriptor, data: st.DataObject) -> None:
    """Flipping, truncating or extending a valid encoding never escapes as anything but
    DecodeError (or decodes to some valid descriptor)."""
    raw = bytearray(d.encode())
    op = data.draw(st.sampled_from(["flip", "truncate", "extend"]))
    if op == "flip":
        i = data.draw(st.integers(0, len(raw) - 1))
        raw[i] ^= data.draw(st.integers(1, 255))
    elif op == "truncate":
        raw = raw[: data.draw(st.integers(0, len(raw) - 1))]
    else:
        raw += data.draw(st.binary(min_size=1, max_size=8))
    with contextlib.suppress(DecodeError):
        RendezvousDescriptor.decode(bytes(raw))
    if op != "flip":
        with pytest.raises(DecodeError):
            RendezvousDescriptor.decode(bytes(raw))


def test_oversized_descriptor_rejected() -> None:
    """An input above the format's maximum is refused before parsing."""
    with pytest.raises(DecodeError, match="exceeds"):
        RendezvousDescriptor.decode(b"\x01\x01" + b"\x00" * 100_000)


def test_wrong_version_rejected() -> None:
    """A future format version is a typed error naming the version."""
    raw = bytearray(desc(0, 1).encode())
    raw[1] = 2
    with pytest.raises(DecodeError, match="version 2"):
        RendezvousDescriptor.decode(bytes(raw))


# -- signing and sealing ----------------------------------------------------------


def test_signature_checked_against_roster() -> None:
    """Only the publisher's roster key verifies; another member's signature, a non-member
    and a tampered descriptor are rejected with typed errors."""
    d = desc(0, 100)
    signed = sign_descriptor(d, KEYS[ALICE])
    assert verify_descriptor(signed, MEMBERSHIP.roster) == d
    forged = SignedDescriptor(
        d, KEYS[BOB].sign(b"aura/rendezvous/v1/descriptor-signature" + d.encode())
    )
    with pytest.raises(BadSignature):
        verify_descriptor(forged, MEMBERSHIP.roster)
    tampered = SignedDescriptor(attrs.evolve(d, valid_until=10**6), signed.signature)
    with pytest.raises(BadSignature):
        verify_descriptor(tampered, MEMBERSHIP.roster)
    with pytest.raises(NotAMember):
        verify_descriptor(
            sign_descriptor(desc(0, 1, who=MALLORY), KEYS[MALLORY]), MEMBERSHIP.roster
        )


def sealed_alice() -> SealedDescriptor:
    return seal_descriptor(sign_descriptor(desc(0, 100), KEYS[ALICE]), MEMBERSHIP, 1)


def assert_non_member_decrypts_nothing(membership_cls: type[ContextMembership]) -> None:
    """A member seals; an outsider who knows only public ids (and guesses a root) tries."""
    member = membership_cls(CTX, MEMBERSHIP.roster, MEMBERSHIP.root_secret)
    sealed = seal_descriptor(sign_descriptor(desc(0, 100), KEYS[ALICE]), member, 1)
    outsider = membership_cls(CTX, MEMBERSHIP.roster, b"\x00" * 32)
    try:
        open_descriptor(sealed, outsider)
    except DecryptFailed:
        return
    raise AssertionError("a non-member decrypted a descriptor")


def test_non_member_decrypts_nothing() -> None:
    """Without the root secret nothing opens; keys derived from public ids are caught."""
    assert_non_member_decrypts_nothing(ContextMembership)
    with pytest.raises(AssertionError, match="non-member decrypted"):
        assert_non_member_decrypts_nothing(PublicIdMembership)


def test_seal_roundtrip_and_ciphertext_hides_plaintext() -> None:
    """Members open what members seal; the ciphertext does not contain the address."""
    sealed = sealed_alice()
    assert open_descriptor(sealed, MEMBERSHIP) == desc(0, 100)
    assert b"10.0.0.1" not in sealed.encode()
    assert SealedDescriptor.decode(sealed.encode()) == sealed


def test_associated_data_binds_epoch_and_author() -> None:
    """Moving a sealed descriptor to another epoch or author fails to decrypt."""
    sealed = sealed_alice()
    with pytest.raises(DecryptFailed):
        open_descriptor(attrs.evolve(sealed, epoch=2), MEMBERSHIP)
    with pytest.raises(DecryptFailed):
        open_descriptor(attrs.evolve(sealed, authority_id=BOB), MEMBERSHIP)


def test_sealed_descriptor_of_other_context_refused() -> None:
    """A member of two contexts never opens context X's descriptor as context Y's."""
    with pytest.raises(ContextMismatchError):
        open_descriptor(sealed_alice(), OTHER_MEMBERSHIP)
    moved = attrs.evolve(sealed_alice(), context_id=OTHER_CTX)
    with pytest.raises(DecryptFailed):
        open_descriptor(moved, OTHER_MEMBERSHIP)


def test_sealing_is_deterministic() -> None:
    """The same descriptor seals to the same bytes (content-addressed facts)."""
    assert sealed_alice() == sealed_alice()


@settings(max_examples=150)
@given(st.binary(max_size=200))
def test_sealed_decoder_fuzz(data: bytes) -> None:
    """Sealed and signed decoders: only DecodeError escapes."""
    for decoder in (SealedDescriptor.decode, SignedDescriptor.decode):
        with contextlib.suppress(DecodeError):
            decoder(data)


@settings(max_examples=60)
@given(ids32)
def test_tampered_ciphertext_is_typed(noise: bytes) -> None:
    """Any change to the ciphertext is a DecryptFailed, never a raw cryptography error."""
    sealed = sealed_alice()
    ct = bytearray(sealed.ciphertext)
    for i, b in enumerate(noise):
        ct[(i * 7) % len(ct)] ^= b
    if bytes(ct) == sealed.ciphertext:
        return
    with pytest.raises(DecryptFailed):
        open_descriptor(attrs.evolve(sealed, ciphertext=bytes(ct)), MEMBERSHIP)


def test_roster_without_member_refuses_signature() -> None:
    """Opening under a roster that lacks the publisher is NotAMember, not success."""
    small = ContextMembership(CTX, Roster.of(KEYS[BOB]), MEMBERSHIP.root_secret)
    with pytest.raises(NotAMember):
        open_descriptor(sealed_alice(), small)
