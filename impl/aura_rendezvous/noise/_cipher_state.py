"""Noise CipherState (section 5.1): a key, a 64-bit nonce, and rekey.

Transport decrypt failures are not sticky: as in WireGuard, a forged or
corrupted packet is dropped by the caller and the channel goes on, so a failed
decrypt leaves the nonce where it was (section 5.1) and raises
``NoiseDecryptError``. Nonce exhaustion and oversized messages are errors,
never a silent wrap.
"""

from __future__ import annotations

from cryptography.hazmat.primitives.ciphers.aead import AESGCM, ChaCha20Poly1305

from aura_rendezvous.core import (
    NoiseConfigError,
    NoiseMalformedError,
    NoiseNonceExhaustedError,
    NoiseStateError,
)
from aura_rendezvous.noise._primitives import (
    CIPHERS,
    MAX_MESSAGE_LEN,
    MAX_NONCE,
    TAG_LEN,
    CipherFunctions,
)

__all__ = ["CipherState"]


class CipherState:
    """A keyed (or, during a handshake, still empty) Noise cipher state.

    Transport states come from ``HandshakeState.split()``; ``from_key`` builds
    one from a known key (test vectors, split-key checks).
    """

    __slots__ = ("_aead", "_cipher", "_key", "_n")

    def __init__(self, cipher: CipherFunctions) -> None:
        self._cipher = cipher
        self._key: bytes | None = None
        # The AEAD object of ``_key``, made at its first use: a handshake mixes
        # several keys that encrypt nothing before the next one replaces them
        # (IKpsk2's message 2 keys four and seals with the last), and making
        # the object is the costly part of InitializeKey.
        self._aead: ChaCha20Poly1305 | AESGCM | None = None
        self._n = 0

    @classmethod
    def from_key(cls, key: bytes, cipher: str = "ChaChaPoly", n: int = 0) -> CipherState:
        """A cipher state holding ``key`` with nonce ``n``."""
        if cipher not in CIPHERS:
            raise NoiseConfigError(f"unknown cipher {cipher!r} (known: {', '.join(CIPHERS)})")
        cs = cls(CIPHERS[cipher])
        cs.initialize_key(key)
        cs.set_nonce(n)
        return cs

    def __repr__(self) -> str:
        return f"<CipherState {self._cipher.name} keyed={self.has_key()} n={self._n}>"

    def copy(self) -> CipherState:
        """An independent cipher state with the same key and nonce (the AEAD
        object holds only the key, so sharing it is safe)."""
        twin = CipherState(self._cipher)
        twin._key = self._key
        twin._aead = self._aead
        twin._n = self._n
        return twin

    @property
    def cipher_name(self) -> str:
        return self._cipher.name

    @property
    def n(self) -> int:
        """The nonce the next encrypt/decrypt will use."""
        return self._n

    def has_key(self) -> bool:
        return self._key is not None

    def initialize_key(self, key: bytes) -> None:
        """InitializeKey(k): a new key and nonce 0."""
        self._cipher.check_key(key)
        self._key = bytes(key)
        self._aead = None
        self._n = 0

    def _keyed(self) -> ChaCha20Poly1305 | AESGCM:
        aead = self._aead
        if aead is None:
            assert self._key is not None
            aead = self._aead = self._cipher.new(self._key)
        return aead

    def set_nonce(self, n: int) -> None:
        """SetNonce(n), for out-of-order transport messages (the caller tracks replays)."""
        if not isinstance(n, int) or not 0 <= n <= MAX_NONCE:
            raise NoiseConfigError(f"nonce must be an int in [0, 2^64-1], got {n!r}")
        self._n = n

    def encrypt_with_ad(self, ad: bytes, plaintext: bytes) -> bytes:
        """ENCRYPT(k, n++, ad, plaintext); plaintext itself while there is no key."""
        _check_bytes(ad, plaintext)
        if self._key is None:
            return plaintext
        if len(plaintext) + TAG_LEN > MAX_MESSAGE_LEN:
            raise NoiseStateError(
                f"plaintext of {len(plaintext)} bytes exceeds the Noise message limit of "
                f"{MAX_MESSAGE_LEN} bytes once sealed"
            )
        if self._n >= MAX_NONCE:
            raise NoiseNonceExhaustedError("nonce exhausted (2^64-1 is reserved); rekey")
        ct = self._cipher.encrypt(self._keyed(), self._n, ad, plaintext)
        self._n += 1
        return ct

    def decrypt_with_ad(self, ad: bytes, ciphertext: bytes) -> bytes:
        """DECRYPT(k, n++, ad, ciphertext); on failure n is unchanged and
        ``NoiseDecryptError`` is raised."""
        _check_bytes(ad, ciphertext)
        if self._key is None:
            return ciphertext
        if len(ciphertext) > MAX_MESSAGE_LEN:
            raise NoiseMalformedError(
                "NoiseTransportMessage", f"longer than {MAX_MESSAGE_LEN} bytes", MAX_MESSAGE_LEN
            )
        if self._n >= MAX_NONCE:
            raise NoiseNonceExhaustedError("nonce exhausted (2^64-1 is reserved); rekey")
        pt = self._cipher.decrypt(self._keyed(), self._n, ad, ciphertext)
        self._n += 1
        return pt

    def rekey(self) -> None:
        """Rekey() of section 5.1: k = REKEY(k); the nonce is kept."""
        if self._key is None:
            raise NoiseStateError("rekey on a cipher state without a key")
        self._key = self._cipher.rekey(self._keyed())
        self._aead = None


_BYTES_LIKE = (bytes, bytearray, memoryview)


def _check_bytes(ad: object, data: object) -> None:
    # ``cryptography`` would raise a bare TypeError; misuse is typed here instead.
    if not isinstance(ad, _BYTES_LIKE) or not isinstance(data, _BYTES_LIKE):
        raise NoiseConfigError("associated data and message must be bytes")
