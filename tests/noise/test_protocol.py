"""NoiseProtocol.parse: the pattern table and the psk modifier rule (Noise section 9.2)."""

from __future__ import annotations

import pytest
from aura_rendezvous.noise import NoiseConfigError, NoiseError, NoiseProtocol


def test_production_suite() -> None:
    """IKpsk2 appends psk to message 2; one PSK; the suite's primitives are selected."""
    p = NoiseProtocol.parse("Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s")
    assert p.message_patterns == (("e", "es", "s", "ss"), ("e", "ee", "se", "psk"))
    assert p.responder_pre_messages == ("s",) and p.initiator_pre_messages == ()
    assert p.psk_count == 1 and p.has_psk
    assert (p.dh.name, p.dh.dhlen, p.cipher.name, p.hash.name, p.hash.hashlen) == (
        "25519",
        32,
        "ChaChaPoly",
        "BLAKE2s",
        32,
    )


def test_psk0_plus_psk2() -> None:
    """psk0 opens message 1, psk2 closes message 2."""
    p = NoiseProtocol.parse("Noise_IKpsk0+psk2_448_AESGCM_SHA512")
    assert p.message_patterns == (("psk", "e", "es", "s", "ss"), ("e", "ee", "se", "psk"))
    assert p.psk_count == 2
    assert (p.dh.dhlen, p.hash.hashlen) == (56, 64)


@pytest.mark.parametrize(
    "name",
    [
        "",
        "garbage",
        "Noise_XX_25519_ChaChaPoly_BLAKE2s",  # pattern not in the table
        "Noise_IKpsk3_25519_ChaChaPoly_BLAKE2s",  # IK has two messages
        "Noise_IKpsk2+psk2_25519_ChaChaPoly_BLAKE2s",  # repeated modifier
        "Noise_IKpsk2_P256_ChaChaPoly_BLAKE2s",
        "Noise_IKpsk2_25519_XChaChaPoly_BLAKE2s",
        "Noise_IKpsk2_25519_ChaChaPoly_SHA3",
        "Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s_extra",
        "noise_IKpsk2_25519_ChaChaPoly_BLAKE2s",
    ],
)
def test_unknown_names_are_config_errors(name: str) -> None:
    """Anything outside the table is a NoiseConfigError (a NoiseError), never a guess."""
    with pytest.raises(NoiseConfigError):
        NoiseProtocol.parse(name)
    assert issubclass(NoiseConfigError, NoiseError)


def test_non_str_name() -> None:
    """Bytes are refused with a typed error rather than a TypeError from the regex."""
    with pytest.raises(NoiseConfigError):
        NoiseProtocol.parse(b"Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s")  # type: ignore[arg-type]
