"""Noise's crypto functions (spec section 4) on ``cryptography``'s primitives.

Each family (DH, cipher, hash) is a small table keyed by its name in the
protocol name, so the 16 cacophony suites run on the same code as the production
suite ``25519_ChaChaPoly_BLAKE2s``. HKDF follows section 4.3 literally on the
suite's HMAC, built here on ``hashlib``'s hashes with the block lengths Noise
fixes (64 for SHA256/BLAKE2s, 128 for SHA512/BLAKE2b; the BLAKE2 vectors would fail
otherwise).
"""

from __future__ import annotations

import functools
import hashlib
import struct
from collections.abc import Callable
from typing import Any, Final

import attrs
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.asymmetric import x448, x25519
from cryptography.hazmat.primitives.ciphers.aead import AESGCM, ChaCha20Poly1305

from aura_rendezvous.core import (
    NoiseConfigError,
    NoiseDecryptError,
    NoiseMalformedError,
)

__all__ = [
    "CIPHERS",
    "DHS",
    "HASHES",
    "MAX_MESSAGE_LEN",
    "MAX_NONCE",
    "TAG_LEN",
    "CipherFunctions",
    "DhFunctions",
    "HashFunctions",
]

MAX_MESSAGE_LEN: Final = 65535
"""Noise section 3: every handshake and transport message is at most 65535 bytes."""

MAX_NONCE: Final = 2**64 - 1
"""Section 5.1: the nonce 2^64-1 is reserved (REKEY uses it); reaching it is an error."""

TAG_LEN: Final = 16


# --- DH ---------------------------------------------------------------------

_X25519Private = x25519.X25519PrivateKey
_X448Private = x448.X448PrivateKey


@attrs.frozen
class DhFunctions:
    """One DH function family: ``name`` as in the protocol name, ``dhlen`` bytes keys."""

    name: str
    dhlen: int
    _load_private: Callable[[bytes], _X25519Private | _X448Private] = attrs.field(repr=False)
    _load_public: Callable[[bytes], x25519.X25519PublicKey | x448.X448PublicKey] = attrs.field(
        repr=False
    )

    def private_key(self, private: bytes) -> _X25519Private | _X448Private:
        if len(private) != self.dhlen:
            raise NoiseConfigError(
                f"{self.name} private key must be {self.dhlen} bytes, got {len(private)}"
            )
        return self._load_private(private)

    def public_bytes(self, private: _X25519Private | _X448Private) -> bytes:
        return private.public_key().public_bytes_raw()

    def dh(self, private: _X25519Private | _X448Private, public: bytes, source: str) -> bytes:
        """DH(private, public). A low-order peer key is the peer's fault: typed as malformed."""
        if len(public) != self.dhlen:
            raise NoiseMalformedError(source, f"public key must be {self.dhlen} bytes")
        try:
            peer = self._load_public(public)
            # The loaders are matched per family, so the key types always agree.
            return private.exchange(peer)  # type: ignore[arg-type]
        except ValueError as exc:  # all-zero shared secret from a small-order point
            raise NoiseMalformedError(source, "unusable (small-order) public key") from exc


# A peer's public key is parsed into ``cryptography``'s key object for each DH,
# which costs a tenth of the X25519 itself; the objects are immutable
# and a pure function of the bytes, so the most recent are kept (the same
# static keys recur in every handshake). Bounded: a responder parses keys of
# anyone's choosing. Every DH is still computed.
_PUBLIC_KEYS_KEPT = 1024

DHS: Final[dict[str, DhFunctions]] = {
    "25519": DhFunctions(
        "25519",
        32,
        x25519.X25519PrivateKey.from_private_bytes,
        functools.lru_cache(maxsize=_PUBLIC_KEYS_KEPT)(x25519.X25519PublicKey.from_public_bytes),
    ),
    "448": DhFunctions(
        "448",
        56,
        x448.X448PrivateKey.from_private_bytes,
        functools.lru_cache(maxsize=_PUBLIC_KEYS_KEPT)(x448.X448PublicKey.from_public_bytes),
    ),
}


# --- Cipher -----------------------------------------------------------------


def _nonce_le(n: int) -> bytes:
    return b"\x00\x00\x00\x00" + struct.pack("<Q", n)


def _nonce_be(n: int) -> bytes:
    return b"\x00\x00\x00\x00" + struct.pack(">Q", n)


@attrs.frozen
class CipherFunctions:
    """An AEAD from section 12: 32-byte key, 96-bit nonce built from the 64-bit counter."""

    name: str
    _aead: type[ChaCha20Poly1305] | type[AESGCM] = attrs.field(repr=False)
    _nonce: Callable[[int], bytes] = attrs.field(repr=False)

    def check_key(self, key: bytes) -> None:
        if len(key) != 32:
            raise NoiseConfigError(f"{self.name} key must be 32 bytes, got {len(key)}")

    def new(self, key: bytes) -> ChaCha20Poly1305 | AESGCM:
        self.check_key(key)
        return self._aead(key)

    def encrypt(self, aead: ChaCha20Poly1305 | AESGCM, n: int, ad: bytes, pt: bytes) -> bytes:
        return aead.encrypt(self._nonce(n), pt, ad)

    def decrypt(self, aead: ChaCha20Poly1305 | AESGCM, n: int, ad: bytes, ct: bytes) -> bytes:
        try:
            return aead.decrypt(self._nonce(n), ct, ad)
        except InvalidTag as exc:
            raise NoiseDecryptError("AEAD tag did not verify") from exc

    def rekey(self, aead: ChaCha20Poly1305 | AESGCM) -> bytes:
        """Section 4.2 default REKEY: first 32 bytes of ENCRYPT(k, 2^64-1, "", zeros(32))."""
        return self.encrypt(aead, MAX_NONCE, b"", bytes(32))[:32]


CIPHERS: Final[dict[str, CipherFunctions]] = {
    "ChaChaPoly": CipherFunctions("ChaChaPoly", ChaCha20Poly1305, _nonce_le),
    "AESGCM": CipherFunctions("AESGCM", AESGCM, _nonce_be),
}


# --- Hash -------------------------------------------------------------------


# RFC 2104's pads, as translation tables: ``key.translate(_IPAD)`` is key XOR 0x36...
_IPAD = bytes(b ^ 0x36 for b in range(256))
_OPAD = bytes(b ^ 0x5C for b in range(256))


@attrs.frozen
class HashFunctions:
    """A hash from section 4.3 with its HMAC and HKDF."""

    name: str
    hashlen: int
    # Noise's BLOCKLEN: HMAC pads its key to it (tests/noise/test_primitives.py
    # checks it is the hash's own block size).
    blocklen: int
    # ``hashlib``'s constructor: a handshake runs dozens of HMACs and hashes, and
    # ``hashlib`` answers each in a few C calls where ``cryptography``'s HMAC and
    # Hash objects took five times as long (the same functions: the test vectors
    # and tests/noise/test_primitives.py hold them to two references).
    _new: Callable[..., Any] = attrs.field(repr=False)

    def hash(self, *parts: bytes) -> bytes:
        h = self._new()
        for part in parts:
            h.update(part)
        digest: bytes = h.digest()
        return digest

    def hmac(self, key: bytes, data: bytes) -> bytes:
        """RFC 2104 HMAC with this hash: H((K ^ opad) || H((K ^ ipad) || data)), K padded
        to BLOCKLEN (hashed first when longer)."""
        if len(key) > self.blocklen:
            key = self._new(key).digest()
        key = key.ljust(self.blocklen, b"\x00")
        inner = self._new(key.translate(_IPAD))
        inner.update(data)
        outer = self._new(key.translate(_OPAD))
        outer.update(inner.digest())
        digest: bytes = outer.digest()
        return digest

    def hkdf(self, chaining_key: bytes, ikm: bytes, num_outputs: int) -> tuple[bytes, ...]:
        """Section 4.3 HKDF: two or three HASHLEN outputs from the chaining key and ikm."""
        assert num_outputs in (2, 3)
        temp_key = self.hmac(chaining_key, ikm)
        out1 = self.hmac(temp_key, b"\x01")
        out2 = self.hmac(temp_key, out1 + b"\x02")
        if num_outputs == 2:
            return out1, out2
        return out1, out2, self.hmac(temp_key, out2 + b"\x03")


HASHES: Final[dict[str, HashFunctions]] = {
    "SHA256": HashFunctions("SHA256", 32, 64, hashlib.sha256),
    "SHA512": HashFunctions("SHA512", 64, 128, hashlib.sha512),
    "BLAKE2s": HashFunctions("BLAKE2s", 32, 64, hashlib.blake2s),
    "BLAKE2b": HashFunctions("BLAKE2b", 64, 128, hashlib.blake2b),
}
