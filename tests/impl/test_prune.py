"""Pruning (DESIGN.md 3): expired descriptors leave the journal, the choice does not
change, and a peer that has not pruned yet cannot bring a pruned fact back."""

from __future__ import annotations

from aura_rendezvous import DescriptorFact, QuicDirect
from aura_rendezvous.journal import DescriptorRevoked

from .world import ALICE, BOB, CTX, Node, sync_pair

VALIDITY = 10_000


def descriptor_ids(node: Node) -> set[bytes]:
    journal = node.service.journal(CTX)
    return {e.fact_id for e in journal.entries() if isinstance(e.fact, DescriptorFact)}


def two_generations() -> tuple[Node, Node, bytes]:
    """Alice publishes at 0 and refreshes at 9 500; both reach Bob. The first's id."""
    alice, bob = Node(ALICE, validity_ms=VALIDITY), Node(BOB, validity_ms=VALIDITY)
    alice.publish([QuicDirect("h:1")], 0)
    (first,) = descriptor_ids(alice)
    alice.publish([QuicDirect("h:2")], VALIDITY - 500)
    sync_pair(alice.service, bob.service)
    assert descriptor_ids(bob) == descriptor_ids(alice) and len(descriptor_ids(bob)) == 2
    return alice, bob, first


def test_prune_drops_expired_descriptors_only_and_keeps_the_choice() -> None:
    alice, _, first = two_generations()
    svc = alice.service
    assert svc.prune_journal(CTX, VALIDITY - 1) == 0  # still valid: kept
    chosen = svc.get_cached_descriptor(CTX, ALICE, VALIDITY)
    assert svc.prune_journal(CTX, VALIDITY) == 1  # [0, VALIDITY) is over
    assert first not in descriptor_ids(alice) and len(descriptor_ids(alice)) == 1
    assert svc.get_cached_descriptor(CTX, ALICE, VALIDITY) == chosen is not None
    assert not svc.needs_refresh(CTX, VALIDITY, 1_000)


def test_pruned_fact_does_not_come_back_through_sync() -> None:
    alice, bob, first = two_generations()
    alice.service.prune_journal(CTX, VALIDITY)
    sealed = bob.service.journal(CTX).get(first)
    assert sealed is not None  # Bob has not pruned: he still holds and offers it
    sync_pair(alice.service, bob.service)
    assert first not in descriptor_ids(alice)
    assert isinstance(sealed.fact, DescriptorFact)
    alice.service.cache_descriptor(sealed.fact.sealed)
    assert first not in descriptor_ids(alice)
    # Once Bob prunes at the same horizon, the replicas agree again.
    bob.service.prune_journal(CTX, VALIDITY)
    sync_pair(alice.service, bob.service)
    assert alice.service.journal(CTX).state() == bob.service.journal(CTX).state()


def test_horizon_only_moves_forward_and_revocations_stay() -> None:
    alice, bob, _ = two_generations()
    nonce = alice.service.get_cached_descriptor(CTX, ALICE, 0)
    assert nonce is not None
    out = alice.service.prepare_revoke_descriptor(alice.snapshot(), CTX, nonce.nonce)
    assert alice.run(out).status.value == "Committed"
    alice.service.prune_journal(CTX, 3 * VALIDITY)
    alice.service.prune_journal(CTX, VALIDITY)
    assert alice.service.prune_horizon(CTX) == 3 * VALIDITY
    assert descriptor_ids(alice) == set()
    facts = list(alice.service.journal(CTX).facts())
    assert [type(f) for f in facts] == [DescriptorRevoked]
    sync_pair(alice.service, bob.service)
    assert descriptor_ids(alice) == set() and len(descriptor_ids(bob)) == 2
