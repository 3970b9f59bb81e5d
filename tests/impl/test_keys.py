"""Key schedule (DESIGN.md 1): secrets come from the root secret, labels separate uses."""

from __future__ import annotations

import itertools

import pytest
from aura_rendezvous import (
    AuthorityId,
    AuthorityKeys,
    ContextId,
    ContextMembership,
    LocalProtocolError,
    NotAMember,
    Roster,
)
from aura_rendezvous.core import (
    derive_context_key,
    derive_descriptor_key,
    derive_handshake_psk,
    psk_commitment,
    verify_signature,
)
from hypothesis import given, settings
from hypothesis import strategies as st

ROOT = b"r" * 32
CTX = ContextId(b"c" * 32)
ALICE = AuthorityId(b"a" * 32)
BOB = AuthorityId(b"b" * 32)


def test_all_derivations_distinct() -> None:
    """Context key, PSK, descriptor key and commitment never coincide (domain separation)."""
    values = [
        derive_context_key(ROOT, CTX, 1),
        derive_handshake_psk(ROOT, CTX, 1),
        derive_descriptor_key(ROOT, CTX, 1),
        psk_commitment(derive_handshake_psk(ROOT, CTX, 1)),
    ]
    assert len(set(values)) == len(values)
    assert all(len(v) == 32 for v in values)


@settings(max_examples=30)
@given(st.integers(0, 2**64 - 2))
def test_psk_changes_with_epoch_and_context(epoch: int) -> None:
    """A PSK is bound to its (context, epoch): no other epoch or context shares it."""
    psk = derive_handshake_psk(ROOT, CTX, epoch)
    assert psk != derive_handshake_psk(ROOT, CTX, epoch + 1)
    assert psk != derive_handshake_psk(ROOT, ContextId(b"d" * 32), epoch)


def test_psk_depends_on_root_secret() -> None:
    """Two contexts with the same public ids but different root secrets get different PSKs:
    the PSK is not a function of public ids alone."""
    assert derive_handshake_psk(ROOT, CTX, 1) != derive_handshake_psk(b"s" * 32, CTX, 1)


def test_weak_root_secret_refused() -> None:
    """A short (or missing) root secret is refused instead of producing a guessable key."""
    with pytest.raises(LocalProtocolError, match="at least 32"):
        derive_context_key(b"", CTX, 1)
    with pytest.raises(LocalProtocolError):
        ContextMembership(CTX, Roster({}), b"short")


def test_commitment_is_keyed() -> None:
    """Different PSKs give different commitments; a wrong-length PSK is refused."""
    assert psk_commitment(b"\x01" * 32) != psk_commitment(b"\x02" * 32)
    with pytest.raises(LocalProtocolError):
        psk_commitment(b"\x01" * 31)


def test_authority_keys_deterministic_and_distinct() -> None:
    """The same seed gives the same keys; different seeds or authorities give different keys."""
    k1 = AuthorityKeys.from_seed(ALICE, b"s" * 32)
    k2 = AuthorityKeys.from_seed(ALICE, b"s" * 32)
    k3 = AuthorityKeys.from_seed(BOB, b"s" * 32)
    assert k1.ed25519_public == k2.ed25519_public
    assert k1.x25519_public == k2.x25519_public
    assert k1.ed25519_public != k3.ed25519_public
    assert k1.static_private.hex() not in repr(k1)


def test_signatures_verify_only_with_right_key() -> None:
    """A signature verifies under its signer's key, not another's, and not on other bytes."""
    ka = AuthorityKeys.from_seed(ALICE, b"s" * 32)
    kb = AuthorityKeys.from_seed(BOB, b"t" * 32)
    sig = ka.sign(b"msg")
    assert verify_signature(ka.ed25519_public, b"msg", sig)
    assert not verify_signature(kb.ed25519_public, b"msg", sig)
    assert not verify_signature(ka.ed25519_public, b"msh", sig)
    assert not verify_signature(ka.ed25519_public, b"msg", sig[:-1])
    assert not verify_signature(b"\x00" * 5, b"msg", sig)


def test_signatures_match_openssl_ed25519() -> None:
    """libsodium signs; the bytes are RFC 8032's, so OpenSSL's Ed25519 gives and accepts the same.

    The derived public key, the signature of a message and the verdict on a
    tampered signature all agree between the two implementations.
    """
    from aura_rendezvous.core import LABEL_AUTHORITY_ED25519
    from aura_rendezvous.core._keys import _hkdf
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric import ed25519

    seed = b"s" * 32
    keys = AuthorityKeys.from_seed(ALICE, seed)
    openssl = ed25519.Ed25519PrivateKey.from_private_bytes(
        _hkdf(seed, LABEL_AUTHORITY_ED25519, ALICE.value)
    )
    assert openssl.public_key().public_bytes_raw() == keys.ed25519_public
    for message in (b"", b"msg", bytes(range(256)) * 4):
        sig = keys.sign(message)
        assert sig == openssl.sign(message)
        openssl.public_key().verify(sig, message)
        forged = sig[:10] + bytes([sig[10] ^ 1]) + sig[11:]
        assert not verify_signature(keys.ed25519_public, message, forged)
        with pytest.raises(InvalidSignature):
            openssl.public_key().verify(forged, message)


def test_malformed_signature_inputs_are_invalid_not_errors() -> None:
    """Wrong types and sizes, a small-order key, an all-zero signature: False, never a raise."""
    keys = AuthorityKeys.from_seed(ALICE, b"s" * 32)
    sig = keys.sign(b"msg")
    assert not verify_signature(bytes(32), b"msg", sig)
    assert not verify_signature(keys.ed25519_public, b"msg", bytes(64))
    assert not verify_signature(b"\xff" * 32, b"msg", sig)
    assert not verify_signature(keys.ed25519_public, b"msg", sig + b"x")


def test_roster_lookup() -> None:
    """Members are found; non-members raise the typed NotAMember."""
    ka = AuthorityKeys.from_seed(ALICE, b"s" * 32)
    roster = Roster.of(ka)
    assert ALICE in roster and BOB not in roster
    assert roster.entry(ALICE).x25519_public == ka.x25519_public
    with pytest.raises(NotAMember):
        roster.entry(BOB)
    assert list(roster) == [ALICE]


def test_membership_helpers_match_functions() -> None:
    """ContextMembership is only a convenience over the pure derivations."""
    m = ContextMembership(CTX, Roster({}), ROOT)
    for epoch in (0, 1):
        assert m.handshake_psk(epoch) == derive_handshake_psk(ROOT, CTX, epoch)
        assert m.descriptor_key(epoch) == derive_descriptor_key(ROOT, CTX, epoch)
        assert m.psk_commitment(epoch) == psk_commitment(derive_handshake_psk(ROOT, CTX, epoch))
    pairs = itertools.combinations([m.context_key(0), m.context_key(1)], 2)
    assert all(a != b for a, b in pairs)
