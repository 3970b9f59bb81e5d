"""Precomputed static-static DH, as WireGuard's ``precomputed_static_static``.

In IK the ``ss`` token is DH(s, rs). Both keys are long-lived, so between two
given parties the value never changes: WireGuard computes it once per
configured peer instead of once per handshake. :class:`StaticDhCache` does the
same for the channel layer, which hands it to :class:`HandshakeState` as
``static_dh``. The handshake is byte for byte the one without the cache
(``tests/noise/test_static_dh.py``); what it saves is one X25519 per side per
handshake, a quarter of the handshake's DH work.

The cache is bounded. On a responder the remote static key comes out of
message 1 before anything has authenticated it, so anyone can make us compute a
DH with a key of their choosing; the bound (oldest entry evicted first) keeps
that from growing memory. Nothing can be poisoned: an entry is a pure function
of our static key and the remote key, so a churned entry only costs a
recomputation. The entries are as secret as the static private key itself.
"""

from __future__ import annotations

from aura_rendezvous.core import NoiseConfigError
from aura_rendezvous.noise._keypair import Keypair
from aura_rendezvous.noise._primitives import DHS

__all__ = ["DEFAULT_STATIC_DH_ENTRIES", "StaticDhCache"]

DEFAULT_STATIC_DH_ENTRIES = 1024
_SOURCE = "NoiseHandshakeMessage"


class StaticDhCache:
    """DH(``static``, remote static key) per remote key, computed on first use."""

    __slots__ = ("_dh", "_entries", "_max_entries", "_static", "computed")

    def __init__(self, static: Keypair, *, max_entries: int = DEFAULT_STATIC_DH_ENTRIES) -> None:
        if not isinstance(static, Keypair):
            raise NoiseConfigError("static must be a Keypair")
        if not isinstance(max_entries, int) or max_entries < 1:
            raise NoiseConfigError(f"max_entries must be a positive int, got {max_entries!r}")
        self._static = static
        self._dh = DHS[static.dh]
        self._max_entries = max_entries
        self._entries: dict[bytes, bytes] = {}
        self.computed = 0
        """How many DHs were actually computed (the rest were served from the cache)."""

    @property
    def static_public(self) -> bytes:
        return self._static.public

    @property
    def dh_name(self) -> str:
        return self._static.dh

    def __len__(self) -> int:
        return len(self._entries)

    def __repr__(self) -> str:
        return f"<StaticDhCache {self._static.dh} {len(self._entries)}/{self._max_entries}>"

    def __call__(self, remote_static: bytes) -> bytes:
        """DH(static, ``remote_static``); a small-order or wrong-length key raises
        ``NoiseMalformedError`` and is not cached."""
        found = self._entries.get(remote_static)
        if found is None:
            found = self._dh.dh(self._static.key, remote_static, _SOURCE)
            self.computed += 1
            if len(self._entries) >= self._max_entries:
                del self._entries[next(iter(self._entries))]
            self._entries[remote_static] = found
        return found
