"""The Noise layer's error family.

Everything the Noise layer raises is a ``NoiseError``. Local misuse (illegal
call for the current state, bad arguments, nonce exhaustion, an oversized
message to write) is a ``LocalProtocolError``; bytes from the peer that fail
authentication or do not parse are ``RemoteProtocolError`` subclasses carrying
the spec's denial name in ``reason``. Exceptions from ``cryptography`` never
escape: they are re-typed where the primitive is called.
"""

from __future__ import annotations

from aura_rendezvous._errors import (
    AuraError,
    DecodeError,
    LocalProtocolError,
    RemoteProtocolError,
)

__all__ = [
    "NoiseConfigError",
    "NoiseDecryptError",
    "NoiseError",
    "NoiseMalformedError",
    "NoiseNonceExhaustedError",
    "NoiseStateError",
]


class NoiseError(AuraError):
    """Base of every error raised by ``aura_rendezvous.noise``."""


class NoiseStateError(NoiseError, LocalProtocolError):
    """A call that is illegal in the current state (including any call after ``Failed``)."""


class NoiseNonceExhaustedError(NoiseStateError):
    """The nonce reached 2^64-1, which Noise reserves for rekey: the key must be replaced."""


class NoiseConfigError(NoiseError, LocalProtocolError, ValueError):
    """A bad argument: unknown protocol name, wrong key or PSK length, missing key."""


class NoiseDecryptError(NoiseError, RemoteProtocolError):
    """An AEAD tag did not verify: wrong key, wrong PSK, wrong prologue, or tampering."""

    reason = "DecryptFailed"


class NoiseMalformedError(NoiseError, DecodeError):
    """A received Noise message has the wrong length or carries an unusable public key."""
