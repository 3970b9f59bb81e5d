"""ChannelManager and SecureChannel transport: lookup per context, replay/reorder/retired
epoch rejection, epoch rotation by a new handshake, terminal states never revived."""

from __future__ import annotations

import pytest
from aura_conformance.variants import (
    NoReplayChannelManager,
    PeerOnlyChannelManager,
    rotate_in_place,
)
from aura_rendezvous import (
    AuraError,
    ChannelClosedError,
    ChannelManager,
    ChannelState,
    DecodeError,
    IllegalTransition,
    LocalProtocolError,
    ReplayedMessage,
    RetiredEpoch,
    TransportAuthError,
    UnknownChannel,
    WrongEpoch,
)
from aura_rendezvous.channels import ChannelEvent, TransportMessage
from aura_rendezvous.core import UnsolicitedHandshake
from hypothesis import given, settings
from hypothesis import strategies as st

from .channel_pairs import (
    ALICE,
    BOB,
    CTX_A,
    CTX_B,
    ROSTER,
    STATIC,
    TIMEOUT_MS,
    ManagerPair,
    config,
    ephemeral,
)


def established(context_id: bytes = CTX_A) -> ManagerPair:
    pair = ManagerPair.new()
    pair.handshake(context_id)
    return pair


def test_both_sides_active_after_confirmation() -> None:
    """After the full run both channels are Active, share the id, and carry data."""
    pair = established()
    a = pair.alice.find_by_context_peer(CTX_A, BOB)
    b = pair.bob.find_by_context_peer(CTX_A, ALICE)
    assert a is not None and b is not None
    assert a.channel_id == b.channel_id
    assert a.is_active() and b.is_active()
    got = pair.bob.receive(pair.alice.seal(CTX_A, BOB, b"hello"))
    assert (got.plaintext, got.confirmed) == (b"hello", False)
    assert pair.alice.receive(pair.bob.seal(CTX_A, ALICE, b"hi")).plaintext == b"hi"


def test_lookup_never_crosses_contexts() -> None:
    """A channel in context A is invisible to a lookup in context B, and vice versa."""
    pair = established(CTX_A)
    assert pair.alice.find_by_context_peer(CTX_B, BOB) is None
    with pytest.raises(ChannelClosedError):
        pair.alice.seal(CTX_B, BOB, b"x")
    pair.handshake(CTX_B)
    a = pair.alice.find_by_context_peer(CTX_A, BOB)
    b = pair.alice.find_by_context_peer(CTX_B, BOB)
    assert a is not None and b is not None
    assert (a.context_id, b.context_id) == (CTX_A, CTX_B)
    assert a.channel_id != b.channel_id


def test_lookup_ignoring_context_would_cross() -> None:
    """Failing counterpart: a lookup keyed by peer only returns context A's channel for B."""

    broken = PeerOnlyChannelManager(ALICE, 1)
    for channel in established(CTX_A).alice.channels():
        broken.register(channel)
    found = broken.find_by_context_peer(CTX_B, BOB)
    assert found is not None and found.context_id != CTX_B


def test_replayed_transport_message_rejected() -> None:
    """The same transport message twice: the second is TransportReplay."""
    pair = established()
    message = pair.alice.seal(CTX_A, BOB, b"once")
    pair.bob.receive(message)
    with pytest.raises(ReplayedMessage):
        pair.bob.receive(message)


def test_reordered_transport_message_rejected() -> None:
    """Message 2 before message 1: message 1 is then rejected (strict counter rule)."""
    pair = established()
    first = pair.alice.seal(CTX_A, BOB, b"1")
    second = pair.alice.seal(CTX_A, BOB, b"2")
    assert pair.bob.receive(second).plaintext == b"2"
    with pytest.raises(ReplayedMessage):
        pair.bob.receive(first)


def test_channel_without_replay_check_would_accept_replay() -> None:
    """Failing counterpart: a manager without counter checks accepts the replay."""
    pair = ManagerPair(ChannelManager(ALICE, 1), NoReplayChannelManager(BOB, 1))
    pair.handshake()
    message = pair.alice.seal(CTX_A, BOB, b"once")
    pair.bob.receive(message)
    assert pair.bob.receive(message).plaintext == b"once"


def test_tampered_transport_message_rejected_without_killing_channel() -> None:
    """A flipped ciphertext bit or header bit is rejected; the channel stays Active."""
    pair = established()
    message = bytearray(pair.alice.seal(CTX_A, BOB, b"data"))
    message[-1] ^= 1
    with pytest.raises(TransportAuthError):
        pair.bob.receive(bytes(message))
    epoch_flip = bytearray(pair.alice.seal(CTX_A, BOB, b"data"))
    epoch_flip[2 + 32 + 7] ^= 2  # the clear epoch 1 becomes 3, a future epoch
    with pytest.raises(WrongEpoch):
        pair.bob.receive(bytes(epoch_flip))
    channel = pair.bob.find_by_context_peer(CTX_A, ALICE)
    assert channel is not None and channel.is_active()
    assert pair.bob.receive(pair.alice.seal(CTX_A, BOB, b"ok")).plaintext == b"ok"


def test_counter_in_header_is_authenticated() -> None:
    """Rewriting the clear counter makes the message fail authentication."""
    pair = established()
    sealed = TransportMessage.decode(pair.alice.seal(CTX_A, BOB, b"data"))
    moved = TransportMessage(sealed.channel_id, sealed.epoch, 5, sealed.ciphertext).encode()
    with pytest.raises(TransportAuthError):
        pair.bob.receive(moved)


def test_unknown_channel_rejected() -> None:
    """A transport message naming no registered channel is UnknownChannel."""
    pair = established()
    sealed = TransportMessage.decode(pair.alice.seal(CTX_A, BOB, b"x"))
    other = TransportMessage(b"\x55" * 32, sealed.epoch, 0, sealed.ciphertext).encode()
    with pytest.raises(UnknownChannel):
        pair.bob.receive(other)


def test_advance_epoch_marks_rotating_and_sends_nothing() -> None:
    """After advance_epoch the old channel is Rotating: seal is refused on both sides."""
    pair = established()
    old = pair.alice.find_by_context_peer(CTX_A, BOB)
    assert old is not None
    marked = pair.alice.advance_epoch(2)
    assert marked == (old,)
    assert old.state is ChannelState.Rotating
    with pytest.raises(ChannelClosedError):
        pair.alice.seal(CTX_A, BOB, b"x")
    with pytest.raises(ChannelClosedError):
        old.seal(b"x")
    assert pair.alice.needs_rotation() == ((CTX_A, BOB),)


def test_retired_epoch_messages_rejected() -> None:
    """A message sealed under epoch 1 reaching a manager at epoch 2 is RetiredEpoch."""
    pair = established()
    in_flight = pair.alice.seal(CTX_A, BOB, b"late")
    pair.bob.advance_epoch(2)
    with pytest.raises(RetiredEpoch):
        pair.bob.receive(in_flight)


def test_future_epoch_message_for_no_channel_is_unknown_channel() -> None:
    """A message of an epoch the receiver has not reached, for a channel it does not
    have, is UnknownChannel: the id names no context whose epoch could judge it (it
    was WrongEpoch). A future epoch on a known channel stays WrongEpoch (see the
    tampered-header test)."""
    pair = established()
    pair.alice.advance_epoch(2)
    pair.bob.advance_epoch(2)
    pair.handshake()
    message = pair.alice.seal(CTX_A, BOB, b"x")
    fresh = ChannelManager(BOB, 1)
    with pytest.raises(UnknownChannel):
        fresh.receive(message)


def test_rotation_is_a_new_handshake_with_new_id() -> None:
    """Rotation: new IKpsk2 under epoch 2's PSK, new channel id, the old one Closed."""
    pair = established()
    old_a = pair.alice.find_by_context_peer(CTX_A, BOB)
    old_b = pair.bob.find_by_context_peer(CTX_A, ALICE)
    assert old_a is not None and old_b is not None
    pair.alice.advance_epoch(2)
    pair.bob.advance_epoch(2)
    pair.handshake()
    new_a = pair.alice.find_by_context_peer(CTX_A, BOB)
    new_b = pair.bob.find_by_context_peer(CTX_A, ALICE)
    assert new_a is not None and new_b is not None
    assert new_a.epoch == 2 and new_a.is_active() and new_b.is_active()
    assert new_a.channel_id not in (old_a.channel_id,)
    assert new_a.handshake_hash != old_a.handshake_hash
    assert old_a.state is ChannelState.Closed and old_b.state is ChannelState.Closed
    assert pair.alice.needs_rotation() == ()
    assert pair.bob.receive(pair.alice.seal(CTX_A, BOB, b"e2")).plaintext == b"e2"


def rotated(old_hash: bytes, old_id: bytes, new_hash: bytes, new_id: bytes) -> bool:
    """The rotation property: new keys (handshake hash) and a new channel id."""
    return old_hash != new_hash and old_id != new_id


def test_seed_rotate_in_place_fails_the_rotation_property() -> None:
    """Failing counterpart: the seed's rotate() bumps the epoch and returns to Active but
    keeps keys and id, so the same property that the real rotation passes fails."""
    pair = established()
    a = pair.alice.find_by_context_peer(CTX_A, BOB)
    assert a is not None
    before = (a.handshake_hash, a.channel_id)
    rotate_in_place(a, 2)  # seed 9.4: epoch bumped, no new handshake
    assert not rotated(*before, a.handshake_hash, a.channel_id)
    pair2 = established()
    old = pair2.alice.find_by_context_peer(CTX_A, BOB)
    assert old is not None
    pair2.alice.advance_epoch(2)
    pair2.bob.advance_epoch(2)
    pair2.handshake()
    new = pair2.alice.find_by_context_peer(CTX_A, BOB)
    assert new is not None
    assert rotated(old.handshake_hash, old.channel_id, new.handshake_hash, new.channel_id)


def test_closed_and_error_channels_never_revived() -> None:
    """Closed/Error channels reject every event and are skipped by lookup and rotation."""
    pair = established()
    channel = pair.alice.find_by_context_peer(CTX_A, BOB)
    assert channel is not None
    pair.alice.close(channel.channel_id)
    assert channel.state is ChannelState.Closed
    for event in ChannelEvent:
        with pytest.raises(IllegalTransition):
            channel.apply(event)
    assert pair.alice.find_by_context_peer(CTX_A, BOB) is None
    assert pair.alice.advance_epoch(2) == ()
    assert channel.state is ChannelState.Closed
    with pytest.raises(ChannelClosedError):
        channel.seal(b"x")


def test_unconfirmed_responder_channel_times_out_to_error() -> None:
    """Bob's Establishing channel with no confirmation fails at the deadline, for good."""
    pair = ManagerPair.new()

    msg1 = pair.alice.start_handshake(
        config(ALICE, BOB),
        static=STATIC[ALICE],
        remote_static=ROSTER[BOB],
        ephemeral=ephemeral(),
        timestamp=1,
        now_ms=0,
    )
    channel, _ = pair.bob.accept_handshake(
        config(BOB, None),
        msg1,
        static=STATIC[BOB],
        roster=ROSTER.get,
        ephemeral=ephemeral(),
        now_ms=0,
    )
    assert pair.alice.next_deadline() == TIMEOUT_MS
    assert pair.bob.next_deadline() == TIMEOUT_MS
    assert pair.bob.check_timeouts(TIMEOUT_MS - 1) == ()
    failed = pair.alice.check_timeouts(TIMEOUT_MS)
    assert len(failed) == 1 and pair.alice.pending(CTX_A, BOB) is None
    assert pair.bob.check_timeouts(TIMEOUT_MS) == (channel,)
    assert channel.state is ChannelState.Error
    assert channel.error_reason == "KeyConfirmationTimeout"
    assert pair.bob.find_by_context_peer(CTX_A, ALICE) is None
    assert pair.alice.next_deadline() is None and pair.bob.next_deadline() is None


def test_manager_misuse_is_local_error() -> None:
    """Epochs only grow; foreign or stale channels cannot be registered."""
    pair = established()
    with pytest.raises(LocalProtocolError):
        pair.alice.advance_epoch(1)
    channel = pair.alice.channels()[0]
    with pytest.raises(LocalProtocolError):
        pair.alice.register(channel)
    with pytest.raises(LocalProtocolError):
        ChannelManager(BOB, 1).register(channel)
    with pytest.raises(LocalProtocolError):
        ChannelManager(ALICE, 2).register(channel)


def test_unsolicited_response_is_a_remote_error() -> None:
    """A message 2 with no handshake pending is the peer's doing, not a misuse."""
    pair = established()
    with pytest.raises(UnsolicitedHandshake):
        pair.alice.finish_handshake(CTX_A, BOB, b"", 0)


@settings(max_examples=150, deadline=None)
@given(data=st.binary(max_size=200))
def test_fuzz_receive_only_typed_errors(data: bytes) -> None:
    """Arbitrary bytes into receive: only typed errors; the channel stays Active."""
    pair = established()
    with pytest.raises(AuraError):
        pair.bob.receive(data)
    channel = pair.bob.find_by_context_peer(CTX_A, ALICE)
    assert channel is not None and channel.is_active()


@settings(max_examples=100, deadline=None)
@given(data=st.binary(max_size=120))
def test_fuzz_transport_decoder(data: bytes) -> None:
    """TransportMessage.decode either round-trips or raises DecodeError."""
    try:
        message = TransportMessage.decode(data)
    except DecodeError:
        return
    assert message.encode() == data


def test_epochs_are_per_context() -> None:
    """Advancing context A's epoch rotates A's channel only; B's keeps working."""
    pair = established(CTX_A)
    pair.handshake(CTX_B)
    marked = pair.alice.advance_epoch(2, CTX_A)
    pair.bob.advance_epoch(2, CTX_A)
    assert [c.context_id for c in marked] == [CTX_A]
    assert (pair.alice.epoch_of(CTX_A), pair.alice.epoch_of(CTX_B)) == (2, 1)
    assert pair.bob.receive(pair.alice.seal(CTX_B, BOB, b"b")).plaintext == b"b"
    with pytest.raises(ChannelClosedError):
        pair.alice.seal(CTX_A, BOB, b"a")
    assert pair.alice.needs_rotation() == ((CTX_A, BOB),)
    with pytest.raises(LocalProtocolError):
        pair.alice.advance_epoch(2, CTX_A)
    pair.alice.advance_epoch(3)  # manager-wide: both contexts move to 3
    assert (pair.alice.epoch_of(CTX_A), pair.alice.epoch_of(CTX_B)) == (3, 3)
