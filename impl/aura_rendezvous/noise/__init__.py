"""The project's own sans-IO Noise layer (``Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s``).

Handshake and cipher state machines on ``cryptography``'s primitives, with
typed errors and rekey. The DH, cipher and hash families of the 16 cacophony
IKpsk2 suites are supported so every published vector can be replayed; the
rendezvous itself uses only the production suite. See ``docs/noise.md``.
"""

from aura_rendezvous.core import (
    NoiseConfigError,
    NoiseDecryptError,
    NoiseError,
    NoiseMalformedError,
    NoiseNonceExhaustedError,
    NoiseStateError,
)
from aura_rendezvous.noise._cipher_state import CipherState
from aura_rendezvous.noise._handshake_state import HandshakeState, NoiseHandshakeResult
from aura_rendezvous.noise._initial_state import DEFAULT_INITIAL_STATE_ENTRIES, InitialStateCache
from aura_rendezvous.noise._keypair import Keypair
from aura_rendezvous.noise._primitives import MAX_MESSAGE_LEN, MAX_NONCE
from aura_rendezvous.noise._protocol import NoiseProtocol
from aura_rendezvous.noise._states import HandshakeStage
from aura_rendezvous.noise._static_dh import DEFAULT_STATIC_DH_ENTRIES, StaticDhCache

PRODUCTION_PROTOCOL = "Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s"
"""The suite the rendezvous uses (DESIGN.md section 5)."""

__all__ = [
    "DEFAULT_INITIAL_STATE_ENTRIES",
    "DEFAULT_STATIC_DH_ENTRIES",
    "MAX_MESSAGE_LEN",
    "MAX_NONCE",
    "PRODUCTION_PROTOCOL",
    "CipherState",
    "HandshakeStage",
    "HandshakeState",
    "InitialStateCache",
    "Keypair",
    "NoiseConfigError",
    "NoiseDecryptError",
    "NoiseError",
    "NoiseHandshakeResult",
    "NoiseMalformedError",
    "NoiseNonceExhaustedError",
    "NoiseProtocol",
    "NoiseStateError",
    "StaticDhCache",
]
