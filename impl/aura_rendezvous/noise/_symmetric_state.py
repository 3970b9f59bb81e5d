"""Noise SymmetricState (section 5.2): chaining key, handshake hash, cipher state."""

from __future__ import annotations

from aura_rendezvous.noise._cipher_state import CipherState
from aura_rendezvous.noise._protocol import NoiseProtocol

__all__ = ["SymmetricState"]


class SymmetricState:
    """Internal to the handshake; the public surface is ``HandshakeState``."""

    __slots__ = ("_cs", "_hash", "_protocol", "ck", "h")

    def __init__(self, protocol: NoiseProtocol) -> None:
        self._protocol = protocol
        self._hash = protocol.hash
        name = protocol.name.encode("ascii")
        if len(name) <= self._hash.hashlen:
            self.h = name.ljust(self._hash.hashlen, b"\x00")
        else:
            self.h = self._hash.hash(name)
        self.ck = self.h
        self._cs = CipherState(protocol.cipher)

    @classmethod
    def resume(cls, protocol: NoiseProtocol, ck: bytes, h: bytes) -> SymmetricState:
        """The state with chaining key ``ck``, hash ``h`` and no cipher key yet: what
        ``__init__`` and ``mix_hash`` calls alone produce (``InitialStateCache``)."""
        state = cls.__new__(cls)
        state._protocol = protocol
        state._hash = protocol.hash
        state.ck = ck
        state.h = h
        state._cs = CipherState(protocol.cipher)
        return state

    def copy(self) -> SymmetricState:
        """An independent state with the same ``ck``, ``h`` and cipher state."""
        twin = SymmetricState.resume(self._protocol, self.ck, self.h)
        twin._cs = self._cs.copy()
        return twin

    def _truncated(self, key: bytes) -> bytes:
        # Section 5.2: a 64-byte hash output is cut to the cipher's 32-byte key.
        return key[:32]

    def has_key(self) -> bool:
        return self._cs.has_key()

    def mix_key(self, ikm: bytes) -> None:
        self.ck, temp_k = self._hash.hkdf(self.ck, ikm, 2)
        self._cs.initialize_key(self._truncated(temp_k))

    def mix_hash(self, data: bytes) -> None:
        self.h = self._hash.hash(self.h, data)

    def mix_key_and_hash(self, ikm: bytes) -> None:
        self.ck, temp_h, temp_k = self._hash.hkdf(self.ck, ikm, 3)
        self.mix_hash(temp_h)
        self._cs.initialize_key(self._truncated(temp_k))

    def encrypt_and_hash(self, plaintext: bytes) -> bytes:
        ct = self._cs.encrypt_with_ad(self.h, plaintext)
        self.mix_hash(ct)
        return ct

    def decrypt_and_hash(self, ciphertext: bytes) -> bytes:
        pt = self._cs.decrypt_with_ad(self.h, ciphertext)
        self.mix_hash(ciphertext)
        return pt

    def split(self) -> tuple[CipherState, CipherState]:
        temp_k1, temp_k2 = self._hash.hkdf(self.ck, b"", 2)
        c1 = CipherState(self._protocol.cipher)
        c1.initialize_key(self._truncated(temp_k1))
        c2 = CipherState(self._protocol.cipher)
        c2.initialize_key(self._truncated(temp_k2))
        return c1, c2
