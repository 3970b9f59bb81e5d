"""The constants of a wire run: one context, two members, their keys and the root secret.

The backend under test is told its own secrets in ``Reset`` (as hex): it plays
one of the two members, the harness plays the other with the reference
implementation. A third member of the roster is the relay the harness runs
(the reference relay service), and ``Reset`` also fixes the flow budget: the
limit per (context, member, epoch) and what a connect costs. Every value is
derived from a fixed label, so a run is reproducible and a failing run's bytes
can be regenerated.
"""

from __future__ import annotations

import functools
import hashlib

import attrs
from aura_rendezvous.core import (
    CONNECT_DIRECT_COST,
    CONNECT_RELAY_COST,
    AuthorityId,
    AuthorityKeys,
)
from aura_rendezvous.noise import Keypair

__all__ = [
    "BUDGET_LIMIT",
    "CONNECT_COST",
    "INI",
    "RELAY_BUDGET_LIMIT",
    "RELAY_CONNECT_COST",
    "RESP",
    "ROLES",
    "Keyring",
    "Member",
]

INI, RESP = "Ini", "Resp"
ROLES = (INI, RESP)

# The backend's flow budget per (context, itself, epoch): three connects, direct or
# relayed, at the reference's costs (seed 8.2, DESIGN.md 4), so a run reaches the
# fourth, which must be denied and send nothing.
CONNECT_COST = CONNECT_DIRECT_COST
RELAY_CONNECT_COST = CONNECT_RELAY_COST
BUDGET_LIMIT = 3 * max(CONNECT_COST, RELAY_CONNECT_COST)
# The reference relay's own budget per (context, epoch): more room than a member's,
# never the limit a run is about (WireRendezvous_runs.cfg's RelayLimit).
RELAY_BUDGET_LIMIT = 1000


def _seed(label: str) -> bytes:
    return hashlib.sha256(b"aura-conformance/v1/wire\x00" + label.encode()).digest()


@attrs.frozen
class Member:
    """One member of the context: its authority id, its X25519 static key and the seed
    of its Ed25519 signing key (descriptors are signed by their publisher)."""

    authority_id: bytes
    static: Keypair = attrs.field(repr=False)
    signing_seed: bytes = attrs.field(
        default=attrs.Factory(lambda m: _seed("signing " + m.authority_id.hex()), takes_self=True),
        repr=False,
    )

    @property
    def signing_public(self) -> bytes:
        return _signing_public(self.authority_id, self.signing_seed)


@attrs.frozen
class Keyring:
    """Everything a run fixes: the context, the members by role, the root secret."""

    context_id: bytes
    root_secret: bytes = attrs.field(repr=False)
    members: dict[str, Member]
    # A static key that is no member's: the attacker's, to claim a member's id.
    impostor: Keypair = attrs.field(repr=False)
    # An authority id in no roster (the spec's Outsider).
    outsider_id: bytes = _seed("id outsider")
    # The relay: a member of the roster holding relay:forward, run by the harness.
    relay: Member = attrs.field(
        factory=lambda: Member(_seed("id relay"), Keypair.from_private(_seed("static relay"))),
        repr=False,
    )

    @classmethod
    def default(cls) -> Keyring:
        members = {
            role: Member(_seed(f"id {role}"), Keypair.from_private(_seed(f"static {role}")))
            for role in ROLES
        }
        return cls(
            _seed("context"),
            _seed("root secret"),
            members,
            Keypair.from_private(_seed("impostor static")),
        )

    def reset_args(self, role: str) -> dict[str, str | int]:
        """``Reset``'s arguments for the backend playing ``role`` (hex but the role and
        the budget's integers)."""
        me, peer = self.members[role], self.members[_other(role)]
        return {
            "role": role,
            "context": self.context_id.hex(),
            "root_secret": self.root_secret.hex(),
            "self": me.authority_id.hex(),
            "static_private": me.static.private.hex(),
            "peer": peer.authority_id.hex(),
            "peer_static": peer.static.public.hex(),
            "signing_seed": me.signing_seed.hex(),
            "peer_signing_public": peer.signing_public.hex(),
            "relay": self.relay.authority_id.hex(),
            "relay_signing_public": self.relay.signing_public.hex(),
            "relay_static": self.relay.static.public.hex(),
            "budget_limit": BUDGET_LIMIT,
            "connect_cost": CONNECT_COST,
            "relay_connect_cost": RELAY_CONNECT_COST,
        }


@functools.cache
def _signing_public(authority_id: bytes, seed: bytes) -> bytes:
    return AuthorityKeys.from_seed(AuthorityId(authority_id), seed).ed25519_public


def _other(role: str) -> str:
    return RESP if role == INI else INI
