"""The crypto function tables against independent references.

HMAC/HKDF are compared with the standard library's ``hmac`` and with
``cryptography``'s HMAC and hashes (OpenSSL's: implementations other than the
module's own HMAC on ``hashlib``), and X25519 with RFC 7748's published example.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from typing import Any

import pytest
from aura_rendezvous.noise import Keypair, NoiseMalformedError
from aura_rendezvous.noise._primitives import DHS, HASHES
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import hmac as openssl_hmac
from hypothesis import given, settings
from hypothesis import strategies as st

STDLIB: dict[str, Callable[..., Any]] = {
    "SHA256": hashlib.sha256,
    "SHA512": hashlib.sha512,
    "BLAKE2s": hashlib.blake2s,
    "BLAKE2b": hashlib.blake2b,
}


OPENSSL: dict[str, hashes.HashAlgorithm] = {
    "SHA256": hashes.SHA256(),
    "SHA512": hashes.SHA512(),
    "BLAKE2s": hashes.BLAKE2s(32),
    "BLAKE2b": hashes.BLAKE2b(64),
}


def _ref_hmac(name: str, key: bytes, data: bytes) -> bytes:
    return hmac.new(key, data, STDLIB[name]).digest()


def _openssl_hmac(name: str, key: bytes, data: bytes) -> bytes:
    mac = openssl_hmac.HMAC(key, OPENSSL[name])
    mac.update(data)
    return mac.finalize()


def _openssl_hash(name: str, data: bytes) -> bytes:
    h = hashes.Hash(OPENSSL[name])
    h.update(data)
    return h.finalize()


@settings(max_examples=40, deadline=None)
@given(
    st.sampled_from(sorted(HASHES)),
    st.binary(max_size=200),
    st.binary(max_size=200),
)
def test_hmac_and_hkdf_match_stdlib(name: str, key: bytes, ikm: bytes) -> None:
    """HMAC (block length per Noise 4.3, long keys hashed) and the 3-output HKDF."""
    h = HASHES[name]
    assert STDLIB[name]().block_size == h.blocklen  # Noise's BLOCKLEN, used by HMAC
    assert h.hmac(key, ikm) == _ref_hmac(name, key, ikm) == _openssl_hmac(name, key, ikm)
    temp = _ref_hmac(name, key, ikm)
    o1 = _ref_hmac(name, temp, b"\x01")
    o2 = _ref_hmac(name, temp, o1 + b"\x02")
    o3 = _ref_hmac(name, temp, o2 + b"\x03")
    assert h.hkdf(key, ikm, 3) == (o1, o2, o3)
    assert h.hkdf(key, ikm, 2) == (o1, o2)
    assert len(o1) == h.hashlen
    assert h.hash(key, ikm) == STDLIB[name](key + ikm).digest() == _openssl_hash(name, key + ikm)


def test_x25519_rfc7748_example() -> None:
    """RFC 7748 section 6.1: Alice and Bob derive the published shared secret."""
    alice = Keypair.from_private(
        bytes.fromhex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a")
    )
    bob = Keypair.from_private(
        bytes.fromhex("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb")
    )
    assert alice.public.hex() == "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a"
    assert bob.public.hex() == "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f"
    shared = "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742"
    assert DHS["25519"].dh(alice.key, bob.public, "test").hex() == shared
    assert DHS["25519"].dh(bob.key, alice.public, "test").hex() == shared


@pytest.mark.parametrize("dh", ["25519", "448"])
def test_dh_rejects_bad_public_keys(dh: str) -> None:
    """Wrong length and small-order (all-zero) peer keys are typed Malformed."""
    kp = Keypair.from_private(bytes(range(1, DHS[dh].dhlen + 1)), dh)
    with pytest.raises(NoiseMalformedError):
        DHS[dh].dh(kp.key, bytes(DHS[dh].dhlen - 1), "test")
    with pytest.raises(NoiseMalformedError, match="small-order"):
        DHS[dh].dh(kp.key, bytes(DHS[dh].dhlen), "test")
