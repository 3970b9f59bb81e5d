"""``RendezvousAdapter`` (seed 6.1): peer info and refresh needs from the derived cache."""

from __future__ import annotations

from aura_rendezvous import QuicReflexive, RendezvousAdapter, WebSocketRelay

from .world import ALICE, BOB, CTX, OTHER_CTX, RELAY, Node, sync_pair


def test_peer_info_and_direct_transport() -> None:
    """A peer with a reflexive QUIC hint has a direct transport; a relay-only peer has not."""
    alice, bob, relay = Node(ALICE), Node(BOB, nonce_start=100), Node(RELAY, nonce_start=200)
    alice.publish([QuicReflexive("1.2.3.4:5", "stun:3478")], 0)
    bob.publish([WebSocketRelay(RELAY)], 0)
    sync_pair(alice.service, relay.service)
    sync_pair(bob.service, relay.service)
    adapter = RendezvousAdapter.new(relay.service)
    info_a = adapter.get_peer_info(CTX, ALICE, 5)
    info_b = adapter.get_peer_info(CTX, BOB, 5)
    assert info_a is not None and info_a.has_direct_transport()
    assert info_b is not None and not info_b.has_direct_transport()
    assert adapter.get_peer_info(CTX, ALICE, 10_000) is None  # expired (exclusive)
    assert adapter.get_peer_info(OTHER_CTX, ALICE, 5) is None  # not our context


def test_peers_needing_refresh() -> None:
    """Peers without a descriptor or near expiry are listed; we are never listed."""
    alice, bob = Node(ALICE), Node(BOB, nonce_start=100)
    alice.publish([QuicReflexive("1.2.3.4:5", "stun:3478")], 0)
    sync_pair(alice.service, bob.service)
    adapter = RendezvousAdapter(bob.service)
    assert adapter.peers_needing_refresh(CTX, 5) == [RELAY]
    assert adapter.peers_needing_refresh(CTX, 9_000) == [ALICE, RELAY]
    assert adapter.peers_needing_refresh(CTX, 5, refresh_window_ms=9_995) == [ALICE, RELAY]
    assert adapter.peers_needing_refresh(CTX, 5, refresh_window_ms=9_994) == [RELAY]
    assert adapter.peers_needing_refresh(OTHER_CTX, 5) == []
