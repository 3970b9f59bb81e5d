"""DH key pairs with injected randomness (the core never reads ``os.urandom``)."""

from __future__ import annotations

from collections.abc import Callable

import attrs
from cryptography.hazmat.primitives.asymmetric import x448, x25519

from aura_rendezvous.core import NoiseConfigError
from aura_rendezvous.noise._primitives import DHS

__all__ = ["Keypair"]


def _dh_functions(dh: str) -> None:
    if dh not in DHS:
        raise NoiseConfigError(f"unknown DH function {dh!r} (known: {', '.join(DHS)})")


@attrs.frozen
class Keypair:
    """A static or ephemeral key pair of one DH family. ``repr`` never shows the private key.

    Build one with ``from_private`` or ``generate``; the constructor only stores.
    """

    dh: str
    private: bytes = attrs.field(repr=False)
    public: bytes
    # The parsed private key, kept so a handshake does not re-derive it per DH.
    key: x25519.X25519PrivateKey | x448.X448PrivateKey = attrs.field(repr=False, eq=False)

    @classmethod
    def from_private(cls, private: bytes, dh: str = "25519") -> Keypair:
        """The key pair of a fixed private key (``NoiseConfigError`` on a wrong length)."""
        _dh_functions(dh)
        funcs = DHS[dh]
        if not isinstance(private, bytes):
            raise NoiseConfigError(f"private key must be bytes, got {type(private).__name__}")
        key = funcs.private_key(private)
        return cls(dh=dh, private=private, public=funcs.public_bytes(key), key=key)

    @classmethod
    def generate(cls, randbytes: Callable[[int], bytes], dh: str = "25519") -> Keypair:
        """A fresh key pair from ``randbytes(n)`` (e.g. ``os.urandom``, injected by the shell)."""
        _dh_functions(dh)
        private = randbytes(DHS[dh].dhlen)
        return cls.from_private(private, dh)
