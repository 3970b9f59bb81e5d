"""A newer first message retires the responder's older handshake (EpochRotation.tla
``HandleHandshake``: ``closed' = ERRetire``), so its late key confirmation is ignored."""

from __future__ import annotations

import pytest
from aura_conformance.variants import KeepReplacedChannelManager
from aura_rendezvous import (
    ChannelManager,
    ChannelState,
    ExecutionStatus,
    ReplayedHandshake,
    SecureChannel,
    UnknownChannel,
)

from ..impl.world import CTX
from .channel_pairs import ALICE, BOB, CTX_A, CTX_B, ROSTER, STATIC, config, ephemeral
from .service_pairs import BOB_ID, ServicePair


def _start(alice: ChannelManager, timestamp: int, context_id: bytes = CTX_A) -> bytes:
    return alice.start_handshake(
        config(ALICE, BOB, context_id, 1),
        static=STATIC[ALICE],
        remote_static=ROSTER[BOB],
        ephemeral=ephemeral(),
        timestamp=timestamp,
        now_ms=0,
    )


def _accept(
    bob: ChannelManager, msg1: bytes, context_id: bytes = CTX_A
) -> tuple[SecureChannel, bytes]:
    return bob.accept_handshake(
        config(BOB, None, context_id, 1),
        msg1,
        static=STATIC[BOB],
        roster=ROSTER.get,
        ephemeral=ephemeral(),
        now_ms=0,
    )


def _late_confirmation(bob: ChannelManager) -> tuple[SecureChannel, SecureChannel, bytes]:
    """Handshake 1 reaches its key confirmation, Alice closes it and starts handshake 2,
    Bob answers 2; return Bob's channels 1 and 2 and the late confirmation of 1."""
    alice = ChannelManager(ALICE, 1)
    old, msg2 = _accept(bob, _start(alice, 1))
    first, confirmation = alice.finish_handshake(CTX_A, BOB, msg2, 0)
    alice.close(first.channel_id)
    new, _ = _accept(bob, _start(alice, 2))
    return old, new, confirmation


def test_late_confirmation_of_a_replaced_handshake_is_ignored() -> None:
    bob = ChannelManager(BOB, 1)
    old, new, confirmation = _late_confirmation(bob)
    assert old.state is ChannelState.Closed
    with pytest.raises(UnknownChannel):
        bob.receive(confirmation)
    assert new.state is ChannelState.Establishing
    assert bob.find_by_context_peer(CTX_A, ALICE) is new
    assert bob.get(old.channel_id) is None


def test_keeping_the_replaced_handshake_confirms_it_and_kills_the_newer() -> None:
    """The pre-fix behaviour, kept as a variant: the check above would fail on it."""
    bob = KeepReplacedChannelManager(BOB, 1)
    old, new, confirmation = _late_confirmation(bob)
    got = bob.receive(confirmation)
    assert got.confirmed and got.channel is old
    assert new.state is ChannelState.Closed


def test_answering_a_newer_handshake_retires_an_active_channel_too() -> None:
    """ERRetire applies whatever the slot's state: the initiator only starts again
    once it gave the channel up."""
    bob = ChannelManager(BOB, 1)
    alice = ChannelManager(ALICE, 1)
    old, msg2 = _accept(bob, _start(alice, 1))
    _, confirmation = alice.finish_handshake(CTX_A, BOB, msg2, 0)
    assert bob.receive(confirmation).confirmed
    new, _ = _accept(bob, _start(alice, 2))
    assert old.state is ChannelState.Closed
    assert bob.find_by_context_peer(CTX_A, ALICE) is new


def test_a_rejected_first_message_retires_nothing() -> None:
    """Only an accepted msg 1 retires: a replay of the confirmed handshake 1 leaves
    channel 1 alone."""
    bob = ChannelManager(BOB, 1)
    alice = ChannelManager(ALICE, 1)
    msg1 = _start(alice, 1)
    old, msg2 = _accept(bob, msg1)
    _, confirmation = alice.finish_handshake(CTX_A, BOB, msg2, 0)
    assert bob.receive(confirmation).confirmed
    with pytest.raises(ReplayedHandshake):
        _accept(bob, msg1)
    assert old.state is ChannelState.Active


def test_a_replayed_unconfirmed_first_message_is_refused() -> None:
    """A replay of the message 1 whose answer awaits its key confirmation is refused
    and replaces nothing, so the genuine confirmation still completes the handshake;
    the guard moves only then."""
    bob = ChannelManager(BOB, 1)
    alice = ChannelManager(ALICE, 1)
    msg1 = _start(alice, 1)
    first, msg2 = _accept(bob, msg1)
    with pytest.raises(ReplayedHandshake):
        _accept(bob, msg1)
    assert first.state is ChannelState.Establishing
    assert bob.replay_guard.greatest(CTX_A, 1, ALICE) is None
    _, confirmation = alice.finish_handshake(CTX_A, BOB, msg2, 0)
    assert bob.receive(confirmation).confirmed
    assert bob.replay_guard.greatest(CTX_A, 1, ALICE) == 1


def test_a_reordered_older_first_message_does_not_replace_the_pending_one() -> None:
    """Message 1 of handshake 1 arriving after that of handshake 2 was answered."""
    bob = ChannelManager(BOB, 1)
    alice = ChannelManager(ALICE, 1)
    older = _start(alice, 1)
    newer, _ = _accept(bob, _start(alice, 2))
    with pytest.raises(ReplayedHandshake):
        _accept(bob, older)
    assert newer.state is ChannelState.Establishing
    assert bob.find_by_context_peer(CTX_A, ALICE) is newer


def test_a_dead_handshakes_first_message_stays_refused() -> None:
    """Once its answer timed out, the replayed message 1 is still refused (it was
    answered); a fresh message 1 is answered."""
    bob = ChannelManager(BOB, 1)
    alice = ChannelManager(ALICE, 1)
    msg1 = _start(alice, 5)
    _accept(bob, msg1)
    bob.check_timeouts(10**9)
    assert bob.channels() == ()
    with pytest.raises(ReplayedHandshake):
        _accept(bob, msg1)
    fresh, _ = _accept(bob, _start(alice, 3))
    assert fresh.state is ChannelState.Establishing


def test_a_newer_handshake_in_another_context_retires_nothing() -> None:
    bob = ChannelManager(BOB, 1)
    alice = ChannelManager(ALICE, 1)
    in_a, _ = _accept(bob, _start(alice, 1, CTX_A))
    in_b, _ = _accept(bob, _start(alice, 2, CTX_B), CTX_B)
    assert in_a.state is ChannelState.Establishing
    assert in_b.state is ChannelState.Establishing


def test_own_initiator_channel_is_not_retired_by_the_peers_handshake() -> None:
    """Crossing handshakes: Bob's channel as initiator is not the slot Alice replaces."""
    bob = ChannelManager(BOB, 1)
    alice = ChannelManager(ALICE, 1)
    msg1 = bob.start_handshake(
        config(BOB, ALICE, CTX_A, 1),
        static=STATIC[BOB],
        remote_static=ROSTER[ALICE],
        ephemeral=ephemeral(),
        timestamp=1,
        now_ms=0,
    )
    _, msg2 = alice.accept_handshake(
        config(ALICE, None, CTX_A, 1),
        msg1,
        static=STATIC[ALICE],
        roster=ROSTER.get,
        ephemeral=ephemeral(),
        now_ms=0,
    )
    mine, _ = bob.finish_handshake(CTX_A, ALICE, msg2, 0)
    _accept(bob, _start(alice, 1))
    assert mine.state is ChannelState.Active


def _service_late_confirmation(pair: ServicePair) -> tuple[bytes, bytes]:
    """Through both RendezvousServices: Alice completes handshake 1, closes it, starts
    handshake 2 which Bob answers; return the late confirmation of 1 and message 2 of 2."""
    confirmation = pair.complete(pair.respond(pair.message1(now_ms=0), now_ms=0), now_ms=0)
    alice = pair.alice.endpoint.manager
    first = alice.find_by_context_peer(CTX.value, BOB_ID.value)
    assert first is not None and first.is_active()
    alice.close(first.channel_id)
    return confirmation, pair.respond(pair.message1(now_ms=10), now_ms=10)


def test_service_journals_nothing_for_a_replaced_handshake() -> None:
    pair = ServicePair.new()
    late, msg2 = _service_late_confirmation(pair)
    with pytest.raises(UnknownChannel):
        pair.confirm(late, now_ms=20)
    assert pair.bob.established() == []
    # The newer handshake is intact and completes normally.
    assert pair.confirm(pair.complete(msg2, now_ms=20), now_ms=20).status is (
        ExecutionStatus.Committed
    )
    [fact] = pair.bob.established()
    alice_channel = pair.alice.endpoint.manager.find_by_context_peer(CTX.value, BOB_ID.value)
    assert alice_channel is not None and fact.channel_id == alice_channel.channel_id


def test_service_with_the_old_manager_journals_the_closed_channel() -> None:
    """Failing counterpart: with the pre-fix manager the late confirmation journals
    ChannelEstablished for the channel Alice closed, and the newer handshake dies."""
    pair = ServicePair.new()
    pair.bob.endpoint.manager = KeepReplacedChannelManager(BOB_ID.value, epoch=0)
    late, msg2 = _service_late_confirmation(pair)
    assert pair.confirm(late, now_ms=20).status is ExecutionStatus.Committed
    [fact] = pair.bob.established()
    assert pair.alice.endpoint.manager.get(fact.channel_id) is None  # closed by Alice
    with pytest.raises(UnknownChannel):
        pair.confirm(pair.complete(msg2, now_ms=20), now_ms=20)
