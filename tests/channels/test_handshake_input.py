"""Peer handshake input never changes state unless it authenticates, and is always
rejected with a ``RemoteProtocolError`` subclass.

- Message 2: any flipped byte (header, ephemeral, tag) is dropped; the pending
  handshake is untouched and the genuine message 2 still completes it. A
  replayed or unsolicited message 2 is ``UnsolicitedHandshake``.
- Message 1: its timestamp enters the replay guard only at key confirmation,
  per (context, epoch, initiator), and may be at most
  ``MAX_HANDSHAKE_CLOCK_SKEW_MS`` ahead of the responder's clock.
"""

from __future__ import annotations

import contextlib

import pytest
from aura_rendezvous import (
    ChannelState,
    ExecutionStatus,
    RemoteProtocolError,
    ReplayedHandshake,
)
from aura_rendezvous.channels import DEFAULT_HANDSHAKE_TIMEOUT_MS, MAX_HANDSHAKE_CLOCK_SKEW_MS
from aura_rendezvous.core import HandshakeClockSkew, UnsolicitedHandshake
from hypothesis import given, settings
from hypothesis import strategies as st

from ..impl.world import CTX
from .service_pairs import ALICE_ID, BOB_ID, ServicePair
from .test_channel_rollback import observable, prepare_at_alice, prepare_at_bob
from .test_service_channels import forged_message1


def test_every_flipped_byte_of_message2_is_dropped_without_a_trace() -> None:
    pair = ServicePair.new()
    msg2 = pair.respond(pair.message1())
    pending = pair.alice.endpoint.manager.pending(CTX.value, BOB_ID.value)
    before = observable(pair.alice.endpoint)
    spent = pair.alice.budget.spent(CTX, ALICE_ID, 1)
    for index in range(len(msg2)):
        for bit in (0x01, 0x80):
            forged = bytearray(msg2)
            forged[index] ^= bit
            with pytest.raises(RemoteProtocolError):
                pair.alice.run(prepare_at_alice(pair, bytes(forged)))
            assert observable(pair.alice.endpoint) == before, index
    assert pair.alice.endpoint.manager.pending(CTX.value, BOB_ID.value) is pending
    assert pair.alice.budget.spent(CTX, ALICE_ID, 1) == spent
    assert pair.alice.take_sent() == []
    assert pair.confirm(pair.complete(msg2)).status is ExecutionStatus.Committed


def test_truncated_or_extended_message2_is_dropped() -> None:
    pair = ServicePair.new()
    msg2 = pair.respond(pair.message1())
    before = observable(pair.alice.endpoint)
    for forged in (msg2[:-1], msg2 + b"\x00", msg2[:3], b""):
        with pytest.raises(RemoteProtocolError):
            prepare_at_alice(pair, forged)
    assert observable(pair.alice.endpoint) == before
    assert pair.confirm(pair.complete(msg2)).status is ExecutionStatus.Committed


def test_replayed_message2_is_unsolicited() -> None:
    pair = ServicePair.new()
    msg2 = pair.respond(pair.message1())
    pair.complete(msg2)
    before = observable(pair.alice.endpoint)
    with pytest.raises(UnsolicitedHandshake):
        prepare_at_alice(pair, msg2)
    assert observable(pair.alice.endpoint) == before


def test_unsolicited_message2_is_a_remote_error() -> None:
    """A message 2 to an Alice who started nothing: the peer's fault, typed as such."""
    pair = ServicePair.new()
    other = ServicePair.new()
    msg2 = other.respond(other.message1())
    with pytest.raises(UnsolicitedHandshake) as caught:
        prepare_at_alice(pair, msg2)
    assert isinstance(caught.value, RemoteProtocolError)
    assert caught.value.reason == "UnsolicitedHandshake"
    assert pair.alice.endpoint.manager.channels() == ()


def test_message2_for_another_handshake_leaves_the_pending_one() -> None:
    """A genuine message 2 of an older handshake (the one a restart replaced) fails to
    authenticate against the new one and changes nothing; the new one completes."""
    pair = ServicePair.new()
    old_msg2 = pair.respond(pair.message1(now_ms=0))
    new_msg2 = pair.respond(pair.message1(now_ms=1), now_ms=1)
    before = observable(pair.alice.endpoint)
    with pytest.raises(RemoteProtocolError):
        prepare_at_alice(pair, old_msg2)
    assert observable(pair.alice.endpoint) == before
    # Completed at the channel layer: Bob's receipt for the first message 2 was
    # never accepted, so his chain to Alice cannot continue (a receipt-chain
    # matter, not this test's).
    channel, _ = pair.alice.endpoint.finish(CTX, 1, BOB_ID, new_msg2, 1)
    assert channel.state is ChannelState.Active


# -- message 1 timestamps ----------------------------------------------------------


def test_far_future_timestamp_is_refused_and_locks_nobody_out() -> None:
    """A message 1 stamped 2^64-1 (authenticated by Alice's static key but never
    confirmed) is refused by the clock bound; Alice's next handshake succeeds."""
    pair = ServicePair.new()
    with pytest.raises(HandshakeClockSkew) as caught:
        prepare_at_bob(pair, forged_message1(pair, timestamp=2**64 - 1))
    assert caught.value.reason == "HandshakeClockSkew"
    assert pair.bob.endpoint.manager.channels() == ()
    pair.establish()
    assert len(pair.bob.established()) == 1


def test_unconfirmed_timestamp_within_the_bound_records_nothing() -> None:
    """A message 1 under a wrong PSK (IKpsk2 cannot tell before confirmation), stamped
    as far ahead as allowed, is answered but never confirms: the guard does not move.
    Its answer holds older message 1s back only while it awaits confirmation; once
    the timer failed it, Alice's ordinary handshake is answered."""
    pair = ServicePair.new()
    bad = pair.pay(forged_message1(pair, psk=pair.psk(2), timestamp=MAX_HANDSHAKE_CLOCK_SKEW_MS))
    assert pair.bob.run(prepare_at_bob(pair, bad)).status is ExecutionStatus.Committed
    pair.bob.take_sent()
    assert pair.bob.endpoint.manager.replay_guard.entries(CTX.value) == {}
    with pytest.raises(ReplayedHandshake):
        prepare_at_bob(pair, forged_message1(pair, timestamp=2))
    late = DEFAULT_HANDSHAKE_TIMEOUT_MS
    pair.bob.endpoint.manager.check_timeouts(late)
    # Answered again (the confirmation is not this test's: Bob's receipt for the
    # wrong-PSK answer never reached Alice, so his chain to her cannot continue).
    pair.respond(pair.message1(now_ms=late), now_ms=late)
    [answer] = [c for c in pair.bob.endpoint.manager.channels() if c.is_initiator is False]
    assert answer.state is ChannelState.Establishing and answer.init_timestamp == late


def test_timestamp_is_recorded_at_confirmation_per_epoch() -> None:
    pair = ServicePair.new()
    guard = pair.bob.endpoint.manager.replay_guard
    msg1 = pair.message1()
    confirmation = pair.complete(pair.respond(msg1))
    assert guard.entries(CTX.value) == {}
    assert pair.confirm(confirmation).status is ExecutionStatus.Committed
    [(key, stamp)] = guard.entries(CTX.value).items()
    assert key == (CTX.value, 1, ALICE_ID.value)
    with pytest.raises(ReplayedHandshake):
        prepare_at_bob(pair, msg1)
    # The same stamp under epoch 2 is a new handshake (a retired epoch weighs nothing).
    pair.publish(2)
    epoch2 = pair.pay(forged_message1(pair, epoch=2, timestamp=stamp), epoch=2)
    outcome = pair.bob.service.prepare_handle_handshake(
        pair.bob.snapshot(epoch=2),
        CTX,
        ALICE_ID,
        epoch2,
        pair.psk(2),
        now_ms=0,
        receipt=pair.receipt_of(epoch2),
    )
    assert pair.bob.run(outcome).status is ExecutionStatus.Committed
    states = {c.epoch: c.state for c in pair.bob.endpoint.manager.channels()}
    assert states[2] is ChannelState.Establishing


# -- any input: a typed remote error or an outcome, and never a change ----------------

_GENUINE: dict[str, bytes] = {}


def _genuine_messages() -> dict[str, bytes]:
    if not _GENUINE:
        pair = ServicePair.new()
        msg1 = pair.message1()
        msg2 = pair.respond(msg1)
        _GENUINE.update(msg1=msg1, msg2=msg2, confirmation=pair.complete(msg2))
    return _GENUINE


@settings(max_examples=60, deadline=None)
@given(
    which=st.sampled_from(["msg1", "msg2", "confirmation"]),
    flips=st.lists(st.tuples(st.integers(0, 200), st.integers(1, 255)), max_size=3),
    cut=st.integers(0, 8),
)
def test_prepare_never_changes_channel_state(
    which: str, flips: list[tuple[int, int]], cut: int
) -> None:
    """Mutations of genuine messages, to a party in the middle of a handshake: the
    prepare raises a RemoteProtocolError or returns an outcome; either way nothing
    about its channels changed (only the interpreter commits)."""
    data = bytearray(_genuine_messages()[which])
    for index, mask in flips:
        if data:
            data[index % len(data)] ^= mask
    message = bytes(data[: len(data) - cut])
    pair = ServicePair.new()
    pair.respond(pair.message1())  # Alice has a pending handshake, Bob an Establishing channel
    for node, peer in ((pair.alice, BOB_ID), (pair.bob, ALICE_ID)):
        before = observable(node.endpoint)
        with contextlib.suppress(RemoteProtocolError):
            node.service.prepare_handle_handshake(
                node.snapshot(), CTX, peer, message, pair.psk(1), now_ms=0
            )
        assert observable(node.endpoint) == before
