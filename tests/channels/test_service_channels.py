"""End to end through RendezvousService: prepare → interpreter → outbox, real Noise.

Every negative case checks, from the outboxes and journals of both services,
that the rejecting side sent nothing, and that no side has an Active channel
or a ChannelEstablished fact.
"""

from __future__ import annotations

import weakref

import pytest
from aura_rendezvous import (
    CAP_RENDEZVOUS_PUBLISH,
    AuraError,
    AuthorityId,
    ChannelManager,
    ChannelState,
    Denied,
    DenyReason,
    ExecutionStatus,
    HandshakeAuthError,
    HandshakeConfig,
    HandshakeTimeout,
    NonMember,
    ReplayedHandshake,
    ReplayedMessage,
    SendHandshake,
    SendHandshakeResponse,
    StaticKeyMismatch,
    WrongEpoch,
)
from aura_rendezvous.channels import DEFAULT_HANDSHAKE_TIMEOUT_MS
from aura_rendezvous.choreography import RENDEZVOUS_EXCHANGE, MessageEvent, TraceMonitor
from aura_rendezvous.noise import Keypair
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ..impl.world import CTX, authority_keys
from .service_pairs import ALICE_ID, BOB_ID, ServicePair

CAROL_ID = AuthorityId(b"\x0c" * 32)


def no_channel_anywhere(pair: ServicePair) -> None:
    for party in (pair.alice, pair.bob):
        assert party.established() == []
        assert not any(c.is_active() for c in party.endpoint.manager.channels())


def forged_message1(
    pair: ServicePair,
    *,
    claimed: AuthorityId = ALICE_ID,
    static: Keypair | None = None,
    epoch: int = 1,
    psk: bytes | None = None,
    timestamp: int = 1,
) -> bytes:
    """Message 1 built outside Alice's service (an attacker's or a broken peer's)."""
    manager = ChannelManager(claimed.value, epoch)
    config = HandshakeConfig(
        claimed.value,
        BOB_ID.value,
        CTX.value,
        pair.psk(epoch) if psk is None else psk,
        DEFAULT_HANDSHAKE_TIMEOUT_MS,
        epoch,
    )
    return manager.start_handshake(
        config,
        static=Keypair.from_private(authority_keys(claimed).static_private)
        if static is None
        else static,
        remote_static=authority_keys(BOB_ID).x25519_public,
        ephemeral=Keypair.from_private(bytes([7]) * 32),
        timestamp=timestamp,
        now_ms=0,
    )


def bob_handles(pair: ServicePair, message: bytes, epoch: int = 1, now_ms: int = 0) -> None:
    pair.bob.service.prepare_handle_handshake(
        pair.bob.snapshot(epoch=epoch), CTX, ALICE_ID, message, pair.psk(epoch), now_ms=now_ms
    )


def test_full_flow_journals_channel_established_after_confirmation() -> None:
    """Message 1, message 2, confirmation: both Active, one fact, on Bob's side only after
    the confirmation; the messages follow the RendezvousExchange choreography."""
    pair = ServicePair.new()
    monitor = TraceMonitor(RENDEZVOUS_EXCHANGE)
    monitor.observe(MessageEvent("Initiator", "Responder", "DescriptorOffer"))
    monitor.observe(MessageEvent("Responder", "Initiator", "DescriptorAnswer"))

    alice_before = pair.alice.budget.spent(CTX, ALICE_ID, 1)
    msg1 = pair.message1()
    monitor.observe(
        MessageEvent(
            "Initiator",
            "Responder",
            "HandshakeInit",
            "rendezvous:connect",
            pair.alice.budget.spent(CTX, ALICE_ID, 1) - alice_before,
        )
    )
    bob_before = pair.bob.budget.spent(CTX, BOB_ID, 1)
    msg2 = pair.respond(msg1)
    monitor.observe(
        MessageEvent(
            "Responder",
            "Initiator",
            "HandshakeComplete",
            "rendezvous:connect",
            pair.bob.budget.spent(CTX, BOB_ID, 1) - bob_before,
        )
    )
    assert monitor.done
    bob_channel = pair.bob.endpoint.manager.find_by_context_peer(CTX.value, ALICE_ID.value)
    assert bob_channel is not None and bob_channel.state is ChannelState.Establishing
    assert pair.bob.established() == []

    confirmation = pair.complete(msg2)
    alice_channel = pair.alice.endpoint.manager.find_by_context_peer(CTX.value, BOB_ID.value)
    assert alice_channel is not None and alice_channel.is_active()
    assert pair.bob.established() == []

    result = pair.confirm(confirmation)
    assert result.status is ExecutionStatus.Committed and result.sent == ()
    assert bob_channel.is_active()
    [fact] = pair.bob.established()
    assert (fact.initiator, fact.responder, fact.epoch) == (ALICE_ID, BOB_ID, 1)
    assert fact.channel_id == alice_channel.channel_id == bob_channel.channel_id
    # A replayed confirmation is rejected and journals nothing more.
    with pytest.raises(ReplayedMessage):
        pair.confirm(confirmation)
    assert len(pair.bob.established()) == 1
    # The channel carries data both ways after the handshake.
    wire = pair.alice.endpoint.manager.seal(CTX.value, BOB_ID.value, b"hello")
    assert pair.bob.endpoint.manager.receive(wire).plaintext == b"hello"


def test_wrong_psk_no_active_no_fact() -> None:
    """An initiator with a wrong PSK gets an answer (IKpsk2 cannot tell earlier) but
    fails on message 2 and never confirms; Bob's channel times out to Error."""
    pair = ServicePair.new()
    bad = pair.pay(forged_message1(pair, psk=pair.psk(2)))
    outcome = pair.bob.service.prepare_handle_handshake(
        pair.bob.snapshot(epoch=1),
        CTX,
        ALICE_ID,
        bad,
        pair.psk(1),
        now_ms=0,
        receipt=pair.receipt_of(bad),
    )  # Bob answers: a wrong PSK is only caught by key confirmation
    assert pair.bob.endpoint.manager.channels() == ()  # nothing until the interpreter runs it
    assert pair.bob.run(outcome).status is ExecutionStatus.Committed
    [channel] = pair.bob.endpoint.manager.channels()
    assert channel.state is ChannelState.Establishing
    pair.bob.endpoint.manager.check_timeouts(DEFAULT_HANDSHAKE_TIMEOUT_MS)
    assert channel.state is ChannelState.Error
    no_channel_anywhere(pair)


def test_wrong_psk_initiator_side_through_service() -> None:
    """Alice's service reading a message 2 made under another PSK raises and sends nothing."""
    pair = ServicePair.new()
    msg1 = pair.message1()
    # Bob's answer as a responder under a different PSK would produce.
    rogue = ChannelManager(BOB_ID.value, 1)
    _, msg2 = rogue.accept_handshake(
        HandshakeConfig(BOB_ID.value, None, CTX.value, pair.psk(2), 5_000, 1),
        msg1,
        static=Keypair.from_private(authority_keys(BOB_ID).static_private),
        roster=lambda raw: authority_keys(AuthorityId(raw)).x25519_public,
        ephemeral=Keypair.from_private(bytes([9]) * 32),
        now_ms=0,
    )
    with pytest.raises(HandshakeAuthError):
        pair.alice.service.prepare_handle_handshake(
            pair.alice.snapshot(epoch=1), CTX, BOB_ID, msg2, pair.psk(1), now_ms=0
        )
    assert pair.alice.outbox == []
    no_channel_anywhere(pair)


@pytest.mark.parametrize("where", [12, 50, -1])
def test_tampered_message1_no_reply(where: int) -> None:
    """A flipped bit in message 1: typed error, Bob's outbox empty, budget untouched."""
    pair = ServicePair.new()
    msg1 = bytearray(pair.message1())
    msg1[where] ^= 0x04
    spent = pair.bob.budget.spent(CTX, BOB_ID, 1)
    with pytest.raises(HandshakeAuthError):
        bob_handles(pair, bytes(msg1))
    assert pair.bob.outbox == []
    assert pair.bob.budget.spent(CTX, BOB_ID, 1) == spent
    no_channel_anywhere(pair)


def test_replayed_message1_no_reply() -> None:
    """The message 1 of a confirmed handshake again: no reply, no second channel."""
    pair = ServicePair.new()
    msg1 = pair.message1()
    assert pair.confirm(pair.complete(pair.respond(msg1))).status is ExecutionStatus.Committed
    with pytest.raises(ReplayedHandshake):
        bob_handles(pair, msg1)
    assert pair.bob.outbox == []
    assert len(pair.bob.endpoint.manager.channels()) == 1


def test_wrong_epoch_no_reply() -> None:
    """A message 1 of epoch 2 to Bob at epoch 1: WrongEpoch, no reply."""
    pair = ServicePair.new()
    with pytest.raises(WrongEpoch):
        bob_handles(pair, forged_message1(pair, epoch=2))
    assert pair.bob.outbox == []
    no_channel_anywhere(pair)


def test_initiator_at_other_epoch_is_denied_before_sending() -> None:
    """Alice at epoch 2 with Bob's descriptor of epoch 1: the PSK commitment differs, so
    the guard denies (refresh, do not send) and no handshake starts."""
    pair = ServicePair.new(epoch=1)
    outcome = pair.alice.service.prepare_establish_channel(
        pair.alice.snapshot(epoch=2), CTX, BOB_ID, pair.psk(2), now_ms=0
    )
    assert outcome.decision == Denied(DenyReason.PskCommitmentMismatch)
    assert outcome.effects == ()
    assert pair.alice.endpoint.manager.pending(CTX.value, BOB_ID.value) is None


def test_static_key_not_roster_key_no_reply() -> None:
    """Someone claiming to be Alice with another static key: StaticKeyMismatch, no reply."""
    pair = ServicePair.new()
    impostor = Keypair.from_private(bytes([5]) * 32)
    with pytest.raises(StaticKeyMismatch):
        bob_handles(pair, forged_message1(pair, static=impostor))
    assert pair.bob.outbox == []
    no_channel_anywhere(pair)


def test_non_member_no_reply() -> None:
    """Carol (not on the roster) gets no reply: a deny when named, NonMember when claimed."""
    pair = ServicePair.new()
    msg1 = forged_message1(pair, claimed=CAROL_ID)
    outcome = pair.bob.service.prepare_handle_handshake(
        pair.bob.snapshot(epoch=1), CTX, CAROL_ID, msg1, pair.psk(1), now_ms=0
    )
    assert outcome.decision == Denied(DenyReason.NotAMember) and outcome.effects == ()
    with pytest.raises(NonMember):
        bob_handles(pair, msg1)
    assert pair.bob.outbox == []
    no_channel_anywhere(pair)


def test_timeout_on_both_sides() -> None:
    """A response after the deadline fails Alice (nothing sent); a confirmation after
    the deadline fails Bob (no fact)."""
    pair = ServicePair.new()
    msg2 = pair.respond(pair.message1(now_ms=0), now_ms=0)
    late = DEFAULT_HANDSHAKE_TIMEOUT_MS
    with pytest.raises(HandshakeTimeout):
        pair.alice.service.prepare_handle_handshake(
            pair.alice.snapshot(epoch=1), CTX, BOB_ID, msg2, pair.psk(1), now_ms=late
        )
    assert pair.alice.outbox == []

    pair2 = ServicePair.new()
    confirmation = pair2.complete(pair2.respond(pair2.message1()))
    with pytest.raises(HandshakeTimeout):
        pair2.confirm(confirmation, now_ms=late)
    assert pair2.bob.established() == []
    [channel] = pair2.bob.endpoint.manager.channels()
    assert channel.state is ChannelState.Establishing  # never Active; the timer fails it
    pair2.bob.endpoint.manager.check_timeouts(late)
    assert pair2.bob.endpoint.manager.channels() == ()  # failed to Error, then forgotten
    no_channel_anywhere(pair)


def test_guard_deny_starts_no_handshake() -> None:
    """Without rendezvous:connect the outcome is a deny: no effects, no pending handshake."""
    pair = ServicePair.new()
    pair.alice.capabilities = frozenset({CAP_RENDEZVOUS_PUBLISH})
    outcome = pair.alice.service.prepare_establish_channel(
        pair.alice.snapshot(epoch=1), CTX, BOB_ID, pair.psk(1), now_ms=0
    )
    assert outcome.decision == Denied(DenyReason.MissingCapability)
    assert outcome.effects == ()
    assert pair.alice.endpoint.manager.pending(CTX.value, BOB_ID.value) is None


def test_effects_carry_real_noise_messages() -> None:
    """The sends are SendHandshake / SendHandshakeResponse with versioned wire messages."""
    pair = ServicePair.new()
    outcome = pair.alice.service.prepare_establish_channel(
        pair.alice.snapshot(epoch=1), CTX, BOB_ID, pair.psk(1), now_ms=0
    )
    send = outcome.effects[-1]
    assert isinstance(send, SendHandshake)
    assert send.message[:2] == b"\x01\x01" and len(send.message) >= 10 + 96
    pair.alice.run(outcome)
    pair.alice.take_sent()
    reply = pair.bob.service.prepare_handle_handshake(
        pair.bob.snapshot(epoch=1),
        CTX,
        ALICE_ID,
        send.message,
        pair.psk(1),
        now_ms=0,
        receipt=pair.receipt_of(send.message),
    )
    assert isinstance(reply.effects[-1], SendHandshakeResponse)
    assert reply.effects[-1].message[:2] == b"\x01\x02"


def test_rotation_through_service() -> None:
    """Epoch 2: new descriptors, a new handshake under epoch 2's PSK, a new channel id,
    the old channel Closed, and a second ChannelEstablished fact for epoch 2."""
    pair = ServicePair.new(epoch=1)
    pair.establish(epoch=1)
    old = pair.bob.endpoint.manager.find_by_context_peer(CTX.value, ALICE_ID.value)
    assert old is not None and old.is_active()
    pair.publish(epoch=2, now_ms=1_000)  # newer descriptors carry epoch 2's commitment
    pair.establish(epoch=2, now_ms=1_000)
    new = pair.bob.endpoint.manager.find_by_context_peer(CTX.value, ALICE_ID.value)
    assert new is not None and new.is_active() and new.epoch == 2
    assert new.channel_id != old.channel_id
    assert old.state is ChannelState.Closed
    assert sorted(f.epoch for f in pair.bob.established()) == [1, 2]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.binary(max_size=160))
def test_fuzz_handle_handshake_only_typed_errors(data: bytes) -> None:
    """Arbitrary bytes into prepare_handle_handshake: a typed error or a deny, never a
    send, a fact or an Active channel."""
    pair = ServicePair.new()
    try:
        outcome = pair.bob.service.prepare_handle_handshake(
            pair.bob.snapshot(epoch=1), CTX, ALICE_ID, data, pair.psk(1), now_ms=0
        )
    except AuraError:
        pass
    else:
        assert not outcome.is_allowed()
    assert pair.bob.outbox == []
    no_channel_anywhere(pair)


def test_endpoint_is_owned_by_its_service_not_a_process_wide_map() -> None:
    """Channel state (channels, pending handshakes, replay guard) belongs to one service
    object: a service built after another one was dropped starts empty, even if it is
    allocated at the recycled address, and the first handshake (timestamp 1) passes."""
    import gc

    from aura_rendezvous.channels import _endpoint

    assert not any(
        isinstance(v, dict | weakref.WeakKeyDictionary) and "ndpoint" in k
        for k, v in vars(_endpoint).items()
    )
    first = ServicePair.new()
    first.establish()
    assert first.bob.endpoint.manager.replay_guard.greatest(CTX.value, 1, ALICE_ID.value) == 1
    assert first.alice.endpoint is first.alice.service.channel_endpoint
    assert first.alice.endpoint is not first.bob.endpoint
    del first
    gc.collect()
    for _ in range(20):
        pair = ServicePair.new()
        assert pair.bob.endpoint.manager.channels() == ()
        assert pair.bob.endpoint.manager.replay_guard.greatest(CTX.value, 1, ALICE_ID.value) is None
        pair.establish()
        assert len(pair.bob.established()) == 1
        del pair
