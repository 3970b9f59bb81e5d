"""The fixed key material every vector refers to, and its resolution by name.

Seeds, root secrets and ephemeral keys are SHA-256 digests of fixed labels, so
a regeneration is byte-identical and an implementer can rebuild each from its
label. A vector names an authority or a context (``"alice"``, ``"ctx_a"``); the
document's ``keys`` section gives the bytes behind each name.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

import attrs
from aura_rendezvous import AuthorityId, AuthorityKeys, ContextId, ContextMembership, Roster

__all__ = ["AUTHORITIES", "CONTEXTS", "KeyRing", "ephemeral_private", "keys_section"]

AUTHORITIES = ("alice", "bob", "carol", "mallory")
"""``carol`` relays; ``mallory`` is on no roster."""

CONTEXTS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    # name: (id label, root-secret label, roster)
    "ctx_a": ("ctx_a", "ctx_a", ("alice", "bob", "carol")),
    "ctx_b": ("ctx_b", "ctx_b", ("alice", "bob")),
    # ctx_a's id and roster with another root secret: what a non-member who
    # guessed the public parts would hold.
    "ctx_a_outsider": ("ctx_a", "ctx_a_outsider", ("alice", "bob", "carol")),
}


def _digest(kind: str, label: str) -> bytes:
    return hashlib.sha256(f"aura-rendezvous test vectors/{kind}/{label}".encode()).digest()


def ephemeral_private(label: str) -> bytes:
    """A fixed X25519 ephemeral private key (32 bytes) for handshake vectors."""
    return _digest("ephemeral", label)


def keys_section() -> dict[str, Any]:
    """The document's ``keys`` section: every authority's and context's bytes."""
    authorities: dict[str, Any] = {}
    for name in AUTHORITIES:
        keys = AuthorityKeys.from_seed(
            AuthorityId(_digest("authority", name)), _digest("seed", name)
        )
        authorities[name] = {
            "id": keys.authority_id.hex(),
            "seed": _digest("seed", name).hex(),
            "ed25519_public": keys.ed25519_public.hex(),
            "x25519_private": keys.static_private.hex(),
            "x25519_public": keys.x25519_public.hex(),
        }
    contexts = {
        name: {
            "id": _digest("context", id_label).hex(),
            "root_secret": _digest("root-secret", secret_label).hex(),
            "roster": list(roster),
        }
        for name, (id_label, secret_label, roster) in CONTEXTS.items()
    }
    return {"authorities": authorities, "contexts": contexts}


@attrs.frozen
class KeyRing:
    """The ``keys`` section as implementation values: keys and memberships by name."""

    authorities: Mapping[str, AuthorityKeys]
    memberships: Mapping[str, ContextMembership]
    section: Mapping[str, Any]

    @classmethod
    def from_section(cls, section: Mapping[str, Any]) -> KeyRing:
        authorities = {
            name: AuthorityKeys.from_seed(
                AuthorityId(bytes.fromhex(a["id"])), bytes.fromhex(a["seed"])
            )
            for name, a in section["authorities"].items()
        }
        memberships = {
            name: ContextMembership(
                ContextId(bytes.fromhex(c["id"])),
                Roster.of(*(authorities[m] for m in c["roster"])),
                bytes.fromhex(c["root_secret"]),
            )
            for name, c in section["contexts"].items()
        }
        return cls(authorities, memberships, section)

    def seed(self, name: str) -> str:
        """The hex seed ``name``'s keys derive from."""
        seed = self.section["authorities"][name]["seed"]
        assert isinstance(seed, str)
        return seed

    def keys(self, name: str) -> AuthorityKeys:
        return self.authorities[name]

    def aid(self, name: str) -> AuthorityId:
        return self.authorities[name].authority_id

    def membership(self, name: str) -> ContextMembership:
        return self.memberships[name]

    def cid(self, name: str) -> ContextId:
        return self.memberships[name].context_id

    def name_of(self, authority: bytes) -> str:
        """The name of the authority with id ``authority`` (its hex if unnamed)."""
        for name, keys in self.authorities.items():
            if keys.authority_id.value == authority:
                return name
        return authority.hex()
