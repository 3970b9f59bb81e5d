"""CipherState: nonces, exhaustion, size limit, rekey, and per-cipher nonce encoding.

Expected values are computed independently with ``cryptography``'s AEADs from
the Noise spec's formulas, not with the code under test.
"""

from __future__ import annotations

import os
import struct

import pytest
from aura_rendezvous.noise import (
    MAX_MESSAGE_LEN,
    MAX_NONCE,
    CipherState,
    NoiseConfigError,
    NoiseDecryptError,
    NoiseMalformedError,
    NoiseNonceExhaustedError,
    NoiseStateError,
)
from cryptography.hazmat.primitives.ciphers.aead import AESGCM, ChaCha20Poly1305


def _pair(cipher: str = "ChaChaPoly") -> tuple[CipherState, CipherState, bytes]:
    key = os.urandom(32)
    return CipherState.from_key(key, cipher), CipherState.from_key(key, cipher), key


def test_nonce_encoding_per_cipher() -> None:
    """ChaChaPoly: 4 zero bytes + little-endian n; AESGCM: 4 zero bytes + big-endian n."""
    key = os.urandom(32)
    n = 0x0102030405060708
    cc = CipherState.from_key(key, "ChaChaPoly", n=n)
    assert cc.encrypt_with_ad(b"ad", b"pt") == ChaCha20Poly1305(key).encrypt(
        b"\x00" * 4 + struct.pack("<Q", n), b"pt", b"ad"
    )
    gcm = CipherState.from_key(key, "AESGCM", n=n)
    assert gcm.encrypt_with_ad(b"ad", b"pt") == AESGCM(key).encrypt(
        b"\x00" * 4 + struct.pack(">Q", n), b"pt", b"ad"
    )


def test_roundtrip_and_nonce_counts() -> None:
    """Each message uses the next nonce on both sides."""
    tx, rx, _ = _pair()
    for i in range(5):
        assert rx.decrypt_with_ad(b"h", tx.encrypt_with_ad(b"h", bytes([i]) * i)) == bytes([i]) * i
    assert tx.n == rx.n == 5


def test_failed_decrypt_keeps_nonce_and_channel() -> None:
    """A forged packet is rejected without advancing n; the next genuine one still decrypts."""
    tx, rx, _ = _pair()
    ct = tx.encrypt_with_ad(b"", b"genuine")
    forged = bytearray(ct)
    forged[0] ^= 0x80
    with pytest.raises(NoiseDecryptError):
        rx.decrypt_with_ad(b"", bytes(forged))
    assert rx.n == 0
    with pytest.raises(NoiseDecryptError):
        rx.decrypt_with_ad(b"other ad", ct)
    assert rx.decrypt_with_ad(b"", ct) == b"genuine"
    assert rx.n == 1


def test_short_ciphertext_is_decrypt_error() -> None:
    """Fewer bytes than a tag cannot authenticate."""
    _, rx, _ = _pair()
    with pytest.raises(NoiseDecryptError):
        rx.decrypt_with_ad(b"", b"\x00" * 15)


def test_set_nonce_for_out_of_order_delivery() -> None:
    """The receiver can decrypt message 3 before message 2 by setting n (WireGuard style)."""
    tx, rx, _ = _pair()
    cts = [tx.encrypt_with_ad(b"", bytes([i])) for i in range(4)]
    rx.set_nonce(3)
    assert rx.decrypt_with_ad(b"", cts[3]) == b"\x03"
    rx.set_nonce(2)
    assert rx.decrypt_with_ad(b"", cts[2]) == b"\x02"
    with pytest.raises(NoiseDecryptError):
        rx.decrypt_with_ad(b"", cts[1])  # n is 3 now, not 1


@pytest.mark.parametrize("bad", [-1, MAX_NONCE + 1, 2**70])
def test_set_nonce_range(bad: int) -> None:
    """Nonces are 64-bit; outside that is a config error."""
    tx, _, _ = _pair()
    with pytest.raises(NoiseConfigError):
        tx.set_nonce(bad)


def test_nonce_exhaustion() -> None:
    """n = 2^64-2 is the last usable nonce; 2^64-1 is reserved, so the next call fails."""
    tx, rx, _ = _pair()
    tx.set_nonce(MAX_NONCE - 1)
    rx.set_nonce(MAX_NONCE - 1)
    ct = tx.encrypt_with_ad(b"", b"last")
    assert rx.decrypt_with_ad(b"", ct) == b"last"
    with pytest.raises(NoiseNonceExhaustedError):
        tx.encrypt_with_ad(b"", b"one too many")
    with pytest.raises(NoiseNonceExhaustedError):
        rx.decrypt_with_ad(b"", ct)
    assert issubclass(NoiseNonceExhaustedError, NoiseStateError)
    assert tx.n == MAX_NONCE


def test_transport_size_limit() -> None:
    """Sealed messages are at most 65535 bytes: the largest plaintext fits, one more does not."""
    tx, rx, _ = _pair()
    biggest = bytes(MAX_MESSAGE_LEN - 16)
    ct = tx.encrypt_with_ad(b"", biggest)
    assert len(ct) == MAX_MESSAGE_LEN
    assert rx.decrypt_with_ad(b"", ct) == biggest
    with pytest.raises(NoiseStateError):
        tx.encrypt_with_ad(b"", biggest + b"\x00")
    assert tx.n == 1  # the refused call consumed no nonce
    with pytest.raises(NoiseMalformedError):
        rx.decrypt_with_ad(b"", bytes(MAX_MESSAGE_LEN + 1))


@pytest.mark.parametrize("cipher", ["ChaChaPoly", "AESGCM"])
def test_rekey_matches_spec_and_keeps_nonce(cipher: str) -> None:
    """REKEY(k) = ENCRYPT(k, 2^64-1, "", zeros(32))[:32]; Rekey() does not reset n."""
    tx, rx, key = _pair(cipher)
    for _ in range(3):
        rx.decrypt_with_ad(b"", tx.encrypt_with_ad(b"", b"before"))
    tx.rekey()
    rx.rekey()
    assert tx.n == rx.n == 3
    aead = ChaCha20Poly1305 if cipher == "ChaChaPoly" else AESGCM
    fmt = "<Q" if cipher == "ChaChaPoly" else ">Q"
    new_key = aead(key).encrypt(b"\x00" * 4 + struct.pack(fmt, MAX_NONCE), bytes(32), b"")[:32]
    expected = aead(new_key).encrypt(b"\x00" * 4 + struct.pack(fmt, 3), b"after", b"")
    ct = tx.encrypt_with_ad(b"", b"after")
    assert ct == expected
    assert rx.decrypt_with_ad(b"", ct) == b"after"


def test_one_sided_rekey_breaks_decryption() -> None:
    """Failing counterpart of rekey: if only the sender rekeys, the receiver cannot decrypt."""
    tx, rx, _ = _pair()
    tx.rekey()
    with pytest.raises(NoiseDecryptError):
        rx.decrypt_with_ad(b"", tx.encrypt_with_ad(b"", b"x"))


def test_unkeyed_state_and_bad_arguments() -> None:
    """An empty state passes bytes through (handshake rule) but cannot rekey."""
    cs = CipherState.from_key(os.urandom(32))
    assert "key" not in repr(cs).replace("keyed", "")
    with pytest.raises(NoiseConfigError):
        CipherState.from_key(os.urandom(31))
    with pytest.raises(NoiseConfigError):
        CipherState.from_key(os.urandom(32), "XChaChaPoly")
    from aura_rendezvous.noise._primitives import CIPHERS

    empty = CipherState(CIPHERS["ChaChaPoly"])
    assert not empty.has_key()
    assert empty.encrypt_with_ad(b"", b"plain") == b"plain"
    with pytest.raises(NoiseStateError):
        empty.rekey()
    with pytest.raises(NoiseConfigError):
        cs.encrypt_with_ad("ad", b"x")  # type: ignore[arg-type]
    with pytest.raises(NoiseConfigError):
        cs.decrypt_with_ad(b"", "x" * 20)  # type: ignore[arg-type]
