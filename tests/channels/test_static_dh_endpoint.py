"""The endpoint's precomputations (static-static DH, initial state), end to end.

Each service computes DH(its static, the peer's static) once, however many
handshakes and rotations follow; a handshake served from the cache is
authenticated like any other; and a wrong cached value on the responder
(the broken variant) makes message 1 fail to authenticate, with no reply sent
and no channel on either side, which shows the ``ss`` DH really comes from the
cache.
"""

from __future__ import annotations

import pytest
from aura_rendezvous import HandshakeAuthError

from ..impl.world import CTX, authority_keys
from .service_pairs import ALICE_ID, BOB_ID, ServicePair


def test_static_dh_is_computed_once_per_peer_across_handshakes_and_epochs() -> None:
    pair = ServicePair.new()
    pair.establish(epoch=1)
    for epoch in (2, 3):
        now_ms = epoch * 1_000  # newer descriptors carry the epoch's PSK commitment
        pair.publish(epoch, now_ms)
        pair.establish(epoch, now_ms)
    assert len(pair.bob.established()) == 3
    for party, peer in ((pair.alice, BOB_ID), (pair.bob, ALICE_ID)):
        cache = party.endpoint.static_dh
        assert cache.computed == 1 and len(cache) == 1
        assert cache.static_public == party.endpoint.static.public
        assert authority_keys(peer).x25519_public in cache._entries


def test_initial_state_is_hashed_once_per_epoch() -> None:
    """The prologue binds context and epoch: one initial state per epoch on each side,
    however many handshakes run in it."""
    pair = ServicePair.new()
    for _ in range(3):
        pair.establish(epoch=1)
    pair.publish(2, 2_000)
    pair.establish(2, 2_000)
    pair.establish(2, 2_000)
    for party in (pair.alice, pair.bob):
        assert party.endpoint.initial_state.computed == 2 == len(party.endpoint.initial_state)
    assert len(pair.bob.established()) == 5


def test_wrong_cached_value_on_the_responder_is_rejected_without_reply() -> None:
    pair = ServicePair.new()
    alice_static = authority_keys(ALICE_ID).x25519_public
    pair.bob.endpoint.static_dh._entries[alice_static] = bytes([9]) * 32  # the broken variant
    msg1 = pair.message1()
    pair.bob.take_sent()
    with pytest.raises(HandshakeAuthError):
        pair.bob.service.prepare_handle_handshake(
            pair.bob.snapshot(epoch=1), CTX, ALICE_ID, msg1, pair.psk(1), now_ms=0
        )
    assert pair.bob.take_sent() == []
    assert pair.bob.established() == []
    for party in (pair.alice, pair.bob):
        assert not any(c.is_active() for c in party.endpoint.manager.channels())
