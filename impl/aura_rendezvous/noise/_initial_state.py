"""Precomputed initial handshake state, as WireGuard precomputes its initial hash.

Before the first message token, a handshake only hashes public constants: the
protocol name, the prologue and the pre-message keys (in IK, the responder's
static key). The chaining key and handshake hash after them are therefore a pure
function of ``(protocol, prologue, pre-message keys)``, and the same on both
sides. WireGuard keeps its initial chaining key and hash precomputed;
:class:`InitialStateCache` keeps ``(ck, h)`` per prologue and pre-message keys,
so a handshake between parties that already met starts from the stored pair
instead of three hashes per side. The handshake is byte for byte the one
without the cache (``tests/noise/test_initial_state.py``).

Nothing in an entry is secret (public inputs only). The cache is bounded,
oldest entry first, because a responder keys entries by its own static key
and prologues it builds itself, while an initiator keys them by peers it chose:
the bound only guards against a long-lived process that meets very many.
"""

from __future__ import annotations

from aura_rendezvous.core import NoiseConfigError
from aura_rendezvous.noise._protocol import NoiseProtocol

__all__ = ["DEFAULT_INITIAL_STATE_ENTRIES", "InitialStateCache"]

DEFAULT_INITIAL_STATE_ENTRIES = 1024


class InitialStateCache:
    """``(ck, h)`` after the prologue and pre-messages of one protocol, per inputs."""

    __slots__ = ("_entries", "_max_entries", "computed", "protocol")

    def __init__(
        self, protocol: NoiseProtocol, *, max_entries: int = DEFAULT_INITIAL_STATE_ENTRIES
    ) -> None:
        if not isinstance(protocol, NoiseProtocol):
            raise NoiseConfigError("protocol must be a NoiseProtocol")
        if not isinstance(max_entries, int) or max_entries < 1:
            raise NoiseConfigError(f"max_entries must be a positive int, got {max_entries!r}")
        self.protocol = protocol
        self._max_entries = max_entries
        self._entries: dict[tuple[bytes, ...], tuple[bytes, bytes]] = {}
        self.computed = 0
        """How many initial states were hashed (the rest came from the cache)."""

    def __len__(self) -> int:
        return len(self._entries)

    def __repr__(self) -> str:
        return f"<InitialStateCache {self.protocol.name} {len(self._entries)}/{self._max_entries}>"

    def get(self, key: tuple[bytes, ...]) -> tuple[bytes, bytes] | None:
        return self._entries.get(key)

    def put(self, key: tuple[bytes, ...], ck: bytes, h: bytes) -> None:
        self.computed += 1
        if len(self._entries) >= self._max_entries:
            del self._entries[next(iter(self._entries))]
        self._entries[key] = (ck, h)
