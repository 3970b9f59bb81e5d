"""The I/O shell's side of ``RendezvousService``: one pulled timer and explicit entry points.

``next_deadline()`` says when to wake up, ``handle_timer(now_ms)`` acts on every
deadline reached and reports it once; ``seal`` / ``is_handshake_phase`` /
``receive_data`` move channel traffic without reaching into the channel
manager. Real Noise handshakes through the interpreter; time is an argument.
"""

from __future__ import annotations

import pytest
from aura_rendezvous import (
    ChannelState,
    ContextMismatchError,
    DecodeError,
    DenyReason,
    DescriptorRefreshDue,
    GuardOutcome,
    HandshakeRole,
    HandshakeTimedOut,
    LocalProtocolError,
    QuicDirect,
    SendHandshake,
    TcpDirect,
)
from aura_rendezvous.channels import DEFAULT_HANDSHAKE_TIMEOUT_MS
from aura_rendezvous.core import UnknownChannel, UnsolicitedHandshake

from ..channels.service_pairs import ALICE_ID, BOB_ID, ServicePair
from .world import CTX

VALIDITY_MS = 3_600_000
WINDOW_MS = 300_000
REFRESH_AT = VALIDITY_MS - WINDOW_MS


def test_refresh_is_due_at_valid_until_minus_the_window_and_reported_once() -> None:
    pair = ServicePair.new()
    service = pair.alice.service
    assert service.next_deadline() == REFRESH_AT
    assert service.handle_timer(REFRESH_AT - 1) == ()
    assert service.handle_timer(REFRESH_AT) == (DescriptorRefreshDue(CTX, VALIDITY_MS),)
    assert service.handle_timer(REFRESH_AT + 1) == ()
    assert service.next_deadline() is None


def test_a_new_descriptor_arms_the_refresh_again() -> None:
    pair = ServicePair.new()
    service = pair.alice.service
    service.handle_timer(REFRESH_AT)
    pair.alice.publish([QuicDirect("127.0.0.1:4433")], now_ms=REFRESH_AT)
    assert service.next_deadline() == REFRESH_AT + REFRESH_AT


def test_an_epoch_advance_makes_the_refresh_due_at_once() -> None:
    """The own descriptor commits to the old epoch's PSK: peers would deny it."""
    pair = ServicePair.new()
    service = pair.alice.service
    assert service.next_deadline() == REFRESH_AT
    service.advance_epoch(CTX, 2)
    assert service.next_deadline() == 0
    assert service.handle_timer(10) == (DescriptorRefreshDue(CTX, VALIDITY_MS),)
    assert service.next_deadline() is None


def test_nothing_published_means_no_deadline() -> None:
    pair = ServicePair.new(publish=False)
    assert pair.alice.service.next_deadline() is None
    assert pair.alice.service.handle_timer(10**12) == ()


def test_an_unanswered_handshake_times_out_on_the_timer() -> None:
    pair = ServicePair.new()
    pair.message1(now_ms=100)
    service = pair.alice.service
    deadline = 100 + DEFAULT_HANDSHAKE_TIMEOUT_MS
    assert service.next_deadline() == deadline
    assert service.handle_timer(deadline - 1) == ()
    assert service.handle_timer(deadline) == (
        HandshakeTimedOut(CTX, BOB_ID, HandshakeRole.Initiator),
    )
    assert service.handle_timer(deadline) == ()
    assert service.next_deadline() == REFRESH_AT


def test_a_timed_out_handshake_rejects_its_late_answer() -> None:
    pair = ServicePair.new()
    msg2 = pair.respond(pair.message1(now_ms=0))
    pair.alice.service.handle_timer(DEFAULT_HANDSHAKE_TIMEOUT_MS)
    with pytest.raises(UnsolicitedHandshake):
        pair.complete(msg2, now_ms=DEFAULT_HANDSHAKE_TIMEOUT_MS)


def test_an_unconfirmed_channel_times_out_on_the_responder() -> None:
    pair = ServicePair.new()
    msg2 = pair.respond(pair.message1(now_ms=0))
    service = pair.bob.service
    assert service.next_deadline() == DEFAULT_HANDSHAKE_TIMEOUT_MS
    assert service.channel_state(CTX, ALICE_ID) is ChannelState.Establishing
    events = service.handle_timer(DEFAULT_HANDSHAKE_TIMEOUT_MS)
    assert events == (HandshakeTimedOut(CTX, ALICE_ID, HandshakeRole.Responder),)
    assert service.channel_state(CTX, ALICE_ID) is None
    confirmation = pair.complete(msg2, now_ms=1)
    with pytest.raises(UnknownChannel):
        pair.confirm(confirmation, now_ms=DEFAULT_HANDSHAKE_TIMEOUT_MS)


def test_traffic_moves_through_the_entry_points() -> None:
    pair = ServicePair.new()
    msg1 = pair.message1()
    assert pair.bob.service.is_handshake_phase(msg1)
    msg2 = pair.respond(msg1)
    assert pair.alice.service.is_handshake_phase(msg2)
    confirmation = pair.complete(msg2)
    assert pair.bob.service.is_handshake_phase(confirmation)
    with pytest.raises(LocalProtocolError):
        pair.bob.service.receive_data(CTX, ALICE_ID, confirmation)
    pair.confirm(confirmation)
    assert pair.bob.service.channel_state(CTX, ALICE_ID) is ChannelState.Active
    data = pair.alice.service.seal(CTX, BOB_ID, b"hello")
    assert not pair.bob.service.is_handshake_phase(data)
    assert pair.bob.service.receive_data(CTX, ALICE_ID, data) == b"hello"
    back = pair.bob.service.seal(CTX, ALICE_ID, b"back")
    assert pair.alice.service.receive_data(CTX, BOB_ID, back) == b"back"


def test_data_claimed_by_another_peer_is_refused_and_changes_nothing() -> None:
    pair = ServicePair.new()
    pair.establish()
    data = pair.alice.service.seal(CTX, BOB_ID, b"hello")
    with pytest.raises(ContextMismatchError):
        pair.bob.service.receive_data(CTX, BOB_ID, data)
    assert pair.bob.service.receive_data(CTX, ALICE_ID, data) == b"hello"


def test_garbage_is_a_decode_error() -> None:
    pair = ServicePair.new()
    pair.establish()
    with pytest.raises(DecodeError):
        pair.bob.service.is_handshake_phase(b"\xff garbage")
    with pytest.raises(DecodeError):
        pair.bob.service.receive_data(CTX, ALICE_ID, b"\x01")


def test_a_chosen_rung_must_be_one_the_peer_offers() -> None:
    pair = ServicePair.new()
    alice = pair.alice
    offered = QuicDirect("127.0.0.1:4433")
    denied = alice.service.prepare_establish_channel(
        alice.snapshot(), CTX, BOB_ID, pair.psk(1), now_ms=0, transport=TcpDirect("127.0.0.1:1")
    )
    assert denied == GuardOutcome.deny(DenyReason.NoDirectTransport)
    allowed = alice.service.prepare_establish_channel(
        alice.snapshot(), CTX, BOB_ID, pair.psk(1), now_ms=0, transport=offered
    )
    sends = [e for e in allowed.effects if isinstance(e, SendHandshake)]
    assert [s.transport for s in sends] == [offered]
