"""The descriptor cache: what a member reads from one journal state (DESIGN.md 2-3).

It is *derived* from the journal, never kept as a second source of truth: the
service recomputes it whenever the journal's version changed.
"""

from __future__ import annotations

import attrs

from aura_rendezvous.core import (
    AuthorityId,
    ContextId,
    ContextMembership,
    ContextMismatchError,
    DecodeError,
    RemoteProtocolError,
    is_context,
)
from aura_rendezvous.descriptors import RendezvousDescriptor, choose_descriptor, open_descriptor
from aura_rendezvous.journal._facts import DescriptorFact, DescriptorRevoked, verify_revocation
from aura_rendezvous.journal._journal import ContextJournal

__all__ = ["DescriptorCache", "derive_descriptor_cache"]


@attrs.frozen
class DescriptorCache:
    """The descriptors and revocations a member can read from one journal state."""

    context_id: ContextId = attrs.field(validator=is_context)
    descriptors: tuple[RendezvousDescriptor, ...]
    revoked: frozenset[tuple[AuthorityId, bytes]]
    rejected: tuple[tuple[bytes, str], ...]
    """(fact id, reason) of facts that failed to open or verify: kept for audit, never used."""

    def choose(self, authority: AuthorityId, now_ms: int) -> RendezvousDescriptor | None:
        return choose_descriptor(self.descriptors, self.context_id, authority, now_ms, self.revoked)


def derive_descriptor_cache(
    journal: ContextJournal, membership: ContextMembership
) -> DescriptorCache:
    """Open every descriptor fact (skipping those that do not decrypt or verify) and
    collect the revocations signed by their own publishers."""
    if journal.context_id != membership.context_id:
        raise ContextMismatchError("membership and journal belong to different contexts")
    descriptors: list[RendezvousDescriptor] = []
    revoked: set[tuple[AuthorityId, bytes]] = set()
    rejected: list[tuple[bytes, str]] = []
    for entry in journal.entries():
        fact = entry.fact
        if isinstance(fact, DescriptorFact):
            try:
                descriptors.append(open_descriptor(fact.sealed, membership))
            except (RemoteProtocolError, DecodeError) as exc:
                rejected.append((entry.fact_id, exc.reason))
        elif isinstance(fact, DescriptorRevoked):
            if verify_revocation(fact, membership.roster):
                revoked.add((fact.authority_id, fact.nonce))
            else:
                rejected.append((entry.fact_id, "BadSignature"))
    return DescriptorCache(
        journal.context_id, tuple(descriptors), frozenset(revoked), tuple(rejected)
    )
