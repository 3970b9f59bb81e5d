"""Pruning a journal below a horizon, and keeping what was pruned out (DESIGN.md 3).

A replica's prune horizon is the time of its last prune. A descriptor fact
whose ``valid_until`` is at or before the horizon is *dead*: validity is the
half-open window ``[valid_from, valid_until)`` and time only grows, so it is
never valid, never chosen and never needed by ``needs_refresh`` again.
Pruning drops the dead facts; every later merge (sync, ``cache_descriptor``)
refuses a dead fact, so a replica that has not pruned yet cannot bring one
back. The rule is a function of the fact and the horizon alone, so replicas
that pruned at the same horizon hold the same facts, and sync still
converges: to the union of the facts alive at the largest horizon once every
replica has pruned there.

Kept, and why: revocations (small and rare; a revocation does not say when
the descriptor it names expires, so a replica that pruned it could not refuse
it when it comes back), ``ChannelEstablished`` facts (the channel record, not
superseded by time), and descriptor facts that do not open (the cache keeps
them for audit).
"""

from __future__ import annotations

from aura_rendezvous.core import AuraError, ContextMembership
from aura_rendezvous.descriptors import open_descriptor
from aura_rendezvous.journal._facts import DescriptorFact, RendezvousFact
from aura_rendezvous.journal._journal import ContextJournal

__all__ = ["below_horizon", "prune_journal"]


def below_horizon(fact: RendezvousFact, membership: ContextMembership, horizon_ms: int) -> bool:
    """True iff ``fact`` is dead at ``horizon_ms``: a descriptor expired by then."""
    if horizon_ms <= 0 or not isinstance(fact, DescriptorFact):
        return False
    try:
        descriptor = open_descriptor(fact.sealed, membership)
    except AuraError:
        return False
    return descriptor.valid_until <= horizon_ms


def prune_journal(journal: ContextJournal, membership: ContextMembership, horizon_ms: int) -> int:
    """Drop the facts of ``journal`` that are dead at ``horizon_ms``; how many."""
    dead = frozenset(
        e.fact_id for e in journal.entries() if below_horizon(e.fact, membership, horizon_ms)
    )
    return journal.discard(dead)
