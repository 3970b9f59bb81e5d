"""Handshaker: IKpsk2 bound to context and epoch, roster-checked, replay-guarded, timed out.

Every negative case asserts the same three things: the responder returned no
reply (the call raised, so there is nothing to send), no side ends with an
``Active`` channel, and the handshaker is ``Failed``.
"""

from __future__ import annotations

import pytest
from aura_conformance.variants import (
    EagerResponder,
    EpochBlindReplayGuard,
    ForgetfulReplayGuard,
    TimeoutIgnoringHandshaker,
    derive_channel_id_unbound,
    trusting_roster,
)
from aura_rendezvous import (
    AuraError,
    ChannelState,
    DecodeError,
    HandshakeAuthError,
    HandshakeConfig,
    Handshaker,
    HandshakeTimeout,
    IllegalTransition,
    NonMember,
    ReplayedHandshake,
    StaticKeyMismatch,
    TransportAuthError,
    WrongEpoch,
)
from aura_rendezvous.channels import (
    MAX_ANSWERED_TIMESTAMPS,
    MAX_HANDSHAKE_CLOCK_SKEW_MS,
    ChannelManager,
    HandshakeReplayGuard,
    HandshakeStatus,
    HandshakeWire,
    MessageType,
    TransportMessage,
    decode_handshake,
    derive_channel_id,
)
from aura_rendezvous.core import HandshakeClockSkew
from aura_rendezvous.noise import Keypair
from hypothesis import given, settings
from hypothesis import strategies as st

from .channel_pairs import (
    ALICE,
    BOB,
    CAROL,
    CTX_A,
    CTX_B,
    ROSTER,
    STATIC,
    TIMEOUT_MS,
    config,
    ephemeral,
    initiator,
    keypair,
    psk,
)


def responder(
    cfg: HandshakeConfig,
    guard: HandshakeReplayGuard | None = None,
    now_ms: int = 0,
    roster: dict[bytes, bytes] | None = None,
) -> Handshaker:
    table = ROSTER if roster is None else roster
    return Handshaker.responder(
        cfg,
        static=STATIC[cfg.local],
        roster=table.get,
        replay_guard=HandshakeReplayGuard() if guard is None else guard,
        ephemeral=ephemeral(),
        now_ms=now_ms,
    )


def run_ok(context_id: bytes = CTX_A, epoch: int = 1) -> tuple[Handshaker, Handshaker]:
    alice = initiator(config(ALICE, BOB, context_id, epoch))
    bob = responder(config(BOB, None, context_id, epoch))
    msg2 = bob.process_init(alice.create_init_message(1, 0), 0)
    alice.process_response(msg2, 0)
    return alice, bob


def assert_rejected_without_reply(bob: Handshaker, msg1: bytes, error: type[AuraError]) -> None:
    with pytest.raises(error):
        bob.process_init(msg1, 10)
    assert bob.status is HandshakeStatus.Failed
    assert isinstance(bob.error, error)
    with pytest.raises(AuraError):
        bob.build_channel()


def test_handshake_completes_and_confirms() -> None:
    """Initiator Active after message 2, responder Establishing until key confirmation."""
    alice, bob = run_ok()
    a, b = alice.build_channel(), bob.build_channel()
    assert a.state is ChannelState.Active
    assert b.state is ChannelState.Establishing
    assert a.channel_id == b.channel_id
    assert a.channel_id == derive_channel_id(CTX_A, 1, a.handshake_hash)
    assert b.remote == ALICE
    assert b.open(a.seal(b"confirm")) == b"confirm"
    assert b.state is ChannelState.Active
    assert a.open(b.seal(b"pong")) == b"pong"


def test_wrong_psk_never_activates_either_side() -> None:
    """A wrong PSK passes message 1 (IKpsk2 mixes it late) but fails the initiator on
    message 2; the responder's channel never becomes Active and times out to Error."""
    alice = initiator(config(ALICE, BOB, key=psk(CTX_A, 1, root=bytes(range(32)))))
    bob = responder(config(BOB, None))
    msg2 = bob.process_init(alice.create_init_message(1, 0), 0)
    with pytest.raises(HandshakeAuthError):
        alice.process_response(msg2, 1)
    assert alice.status is HandshakeStatus.Failed
    with pytest.raises(AuraError):
        alice.build_channel()
    channel = bob.build_channel()
    assert channel.state is ChannelState.Establishing
    assert channel.check_timeout(TIMEOUT_MS)
    assert channel.state is ChannelState.Error


def test_forged_confirmation_does_not_activate_responder() -> None:
    """A 'confirmation' with the right channel id but not sealed under the channel's keys
    (what an initiator with a wrong PSK would produce) leaves the responder Establishing."""
    _, bob = run_ok()
    channel = bob.build_channel()
    other, _ = run_ok()
    sealed = TransportMessage.decode(other.build_channel().seal(b"x"))
    forged = TransportMessage(channel.channel_id, 1, 0, sealed.ciphertext).encode()
    with pytest.raises(TransportAuthError):
        channel.open(forged)
    assert channel.state is ChannelState.Establishing


@pytest.mark.parametrize("region", ["ephemeral", "static", "payload"])
def test_tampered_first_message_gets_no_reply(region: str) -> None:
    """Flipping a bit anywhere in Noise message 1 fails authentication: no reply."""
    msg1 = bytearray(initiator(config(ALICE, BOB)).create_init_message(1, 0))
    offset = {"ephemeral": 10 + 5, "static": 10 + 40, "payload": len(msg1) - 3}[region]
    msg1[offset] ^= 0x01
    assert_rejected_without_reply(responder(config(BOB, None)), bytes(msg1), HandshakeAuthError)


def test_tampered_response_fails_initiator() -> None:
    """A bit flip in message 2 fails the initiator; nothing is Active."""
    alice = initiator(config(ALICE, BOB))
    bob = responder(config(BOB, None))
    msg2 = bytearray(bob.process_init(alice.create_init_message(1, 0), 0))
    msg2[-1] ^= 0x80
    with pytest.raises(HandshakeAuthError):
        alice.process_response(bytes(msg2), 0)
    assert alice.status is HandshakeStatus.Failed
    assert bob.build_channel().state is ChannelState.Establishing


def test_replayed_first_message_gets_no_reply() -> None:
    """Once handshake 7 is confirmed (the guard records 7), the same message 1 again,
    or an older timestamp, is dropped without a reply; a newer one is answered."""
    guard = HandshakeReplayGuard()
    alice = initiator(config(ALICE, BOB))
    msg1 = alice.create_init_message(7, 0)
    first = responder(config(BOB, None), guard)
    first.process_init(msg1, 0)
    guard.record(CTX_A, 1, ALICE, first.build_channel().init_timestamp or 0)
    assert_rejected_without_reply(responder(config(BOB, None), guard), msg1, ReplayedHandshake)
    older = initiator(config(ALICE, BOB)).create_init_message(6, 0)
    assert_rejected_without_reply(responder(config(BOB, None), guard), older, ReplayedHandshake)
    newer = initiator(config(ALICE, BOB)).create_init_message(8, 0)
    assert responder(config(BOB, None), guard).process_init(newer, 0)
    assert guard.greatest(CTX_A, 1, ALICE) == 7


def test_reading_message_1_records_nothing() -> None:
    """The PSK is unproven at message 1 (IKpsk2 mixes it in at message 2): answering it
    leaves the guard as it was, so an unconfirmed timestamp can lock nobody out."""
    guard = HandshakeReplayGuard()
    msg1 = initiator(config(ALICE, BOB)).create_init_message(2**64 - 1, 0)
    with pytest.raises(HandshakeClockSkew):
        responder(config(BOB, None), guard).process_init(msg1, 0)
    huge = initiator(config(ALICE, BOB)).create_init_message(MAX_HANDSHAKE_CLOCK_SKEW_MS, 0)
    bob = responder(config(BOB, None), guard)
    assert bob.process_init(huge, 0)
    assert bob.build_channel().init_timestamp == MAX_HANDSHAKE_CLOCK_SKEW_MS
    assert guard.greatest(CTX_A, 1, ALICE) is None
    assert responder(config(BOB, None), guard).process_init(
        initiator(config(ALICE, BOB)).create_init_message(1, 0), 0
    )


def test_timestamp_bound_is_relative_to_now() -> None:
    """The bound moves with the responder's clock: refused now, answered later."""
    msg1 = initiator(config(ALICE, BOB)).create_init_message(MAX_HANDSHAKE_CLOCK_SKEW_MS + 1, 0)
    with pytest.raises(HandshakeClockSkew):
        responder(config(BOB, None)).process_init(msg1, 0)
    assert responder(config(BOB, None), now_ms=1).process_init(msg1, 1)


def test_replay_guard_is_per_epoch() -> None:
    """A timestamp recorded under epoch 1 weighs nothing on epoch 2."""
    guard = HandshakeReplayGuard()
    guard.record(CTX_A, 1, ALICE, 100)
    with pytest.raises(ReplayedHandshake):
        guard.check(CTX_A, 1, ALICE, 50, 0)
    guard.check(CTX_A, 2, ALICE, 50, 0)
    guard.check(CTX_B, 1, ALICE, 50, 0)
    msg1 = initiator(config(ALICE, BOB, epoch=2)).create_init_message(50, 0)
    assert responder(config(BOB, None, epoch=2), guard).process_init(msg1, 0)


def test_replay_guard_without_record_would_accept_replay() -> None:
    """Failing counterpart: a guard that never records lets the replay through."""

    guard = ForgetfulReplayGuard()
    msg1 = initiator(config(ALICE, BOB)).create_init_message(7, 0)
    responder(config(BOB, None), guard).process_init(msg1, 0)
    guard.record(CTX_A, 1, ALICE, 7)
    assert responder(config(BOB, None), guard).process_init(msg1, 0)


def test_wrong_epoch_gets_no_reply() -> None:
    """A first message of epoch 2 reaching a responder at epoch 1 is WrongEpoch."""
    msg1 = initiator(config(ALICE, BOB, epoch=2)).create_init_message(1, 0)
    assert_rejected_without_reply(responder(config(BOB, None, epoch=1)), msg1, WrongEpoch)


def test_rewritten_epoch_header_fails_prologue() -> None:
    """Rewriting the clear epoch to the responder's does not help: the prologue binds it."""
    msg1 = initiator(config(ALICE, BOB, epoch=2, key=psk(CTX_A, 1))).create_init_message(1, 0)
    wire = decode_handshake(msg1, MessageType.HandshakeInit)
    forged = HandshakeWire(MessageType.HandshakeInit, 1, wire.noise).encode()
    assert_rejected_without_reply(responder(config(BOB, None, epoch=1)), forged, HandshakeAuthError)


def test_other_context_fails_prologue() -> None:
    """A first message for context B does not authenticate at a responder in context A."""
    msg1 = initiator(config(ALICE, BOB, CTX_B, key=psk(CTX_A, 1))).create_init_message(1, 0)
    assert_rejected_without_reply(responder(config(BOB, None, CTX_A)), msg1, HandshakeAuthError)


def test_static_key_not_roster_key_gets_no_reply() -> None:
    """Carol's static key claiming to be Alice (a member) is StaticKeyMismatch, no reply."""
    impostor = initiator(config(ALICE, BOB), static=STATIC[CAROL])
    msg1 = impostor.create_init_message(1, 0)
    assert_rejected_without_reply(responder(config(BOB, None)), msg1, StaticKeyMismatch)


def test_static_key_check_skipped_is_detected() -> None:
    """Failing counterpart: a roster lookup that trusts any key lets the impostor through."""
    impostor = initiator(config(ALICE, BOB), static=STATIC[CAROL])
    msg1 = impostor.create_init_message(1, 0)
    lookup = trusting_roster({ALICE: STATIC[CAROL].public, BOB: ROSTER[BOB]})
    reply = Handshaker.responder(
        config(BOB, None),
        static=STATIC[BOB],
        roster=lookup,
        replay_guard=HandshakeReplayGuard(),
        ephemeral=ephemeral(),
        now_ms=0,
    ).process_init(msg1, 0)
    assert reply  # the broken responder answers: exactly what the real check prevents


def test_non_member_gets_no_reply() -> None:
    """Carol, not in the roster, gets no reply even with the right PSK."""
    carol = Handshaker.initiator(
        config(CAROL, BOB),
        static=STATIC[CAROL],
        remote_static=ROSTER[BOB],
        ephemeral=ephemeral(),
        now_ms=0,
    )
    assert_rejected_without_reply(
        responder(config(BOB, None)), carol.create_init_message(1, 0), NonMember
    )


def test_expected_initiator_mismatch() -> None:
    """When the caller expects Bob but Alice's message arrives, it is rejected."""
    msg1 = initiator(config(ALICE, BOB)).create_init_message(1, 0)
    cfg = config(BOB, CAROL)
    assert_rejected_without_reply(responder(cfg), msg1, StaticKeyMismatch)


def test_initiator_timeout_is_sticky_failed() -> None:
    """A response after timeout_ms fails with HandshakeTimeout; later calls are illegal."""
    alice = initiator(config(ALICE, BOB), now_ms=100)
    bob = responder(config(BOB, None), now_ms=100)
    msg2 = bob.process_init(alice.create_init_message(1, 100), 100)
    assert alice.next_deadline() == 100 + TIMEOUT_MS
    with pytest.raises(HandshakeTimeout):
        alice.process_response(msg2, 100 + TIMEOUT_MS)
    assert alice.status is HandshakeStatus.Failed
    with pytest.raises(IllegalTransition):
        alice.process_response(msg2, 0)
    assert alice.next_deadline() is None


def test_responder_timeout_before_first_message() -> None:
    """A responder whose message 1 arrives too late fails and replies nothing."""
    msg1 = initiator(config(ALICE, BOB)).create_init_message(1, 0)
    bob = responder(config(BOB, None), now_ms=0)
    with pytest.raises(HandshakeTimeout):
        bob.process_init(msg1, TIMEOUT_MS + 1)
    assert bob.status is HandshakeStatus.Failed


def test_just_before_timeout_completes() -> None:
    """The deadline is exclusive: one millisecond before it, the handshake completes."""
    alice = initiator(config(ALICE, BOB))
    msg2 = responder(config(BOB, None)).process_init(alice.create_init_message(1, 0), 0)
    alice.process_response(msg2, TIMEOUT_MS - 1)
    assert alice.status is HandshakeStatus.Completed


def test_out_of_turn_calls_are_typed() -> None:
    """Writing message 1 twice or reading a response before writing is IllegalTransition."""
    alice = initiator(config(ALICE, BOB))
    with pytest.raises(IllegalTransition):
        alice.process_response(b"\x01\x02" + bytes(60), 0)
    alice.create_init_message(1, 0)
    with pytest.raises(IllegalTransition):
        alice.create_init_message(2, 0)


def test_channel_ids_differ_across_contexts_and_epochs() -> None:
    """The channel id binds context and epoch, even for the same handshake hash."""
    h = bytes(32)
    ids = {derive_channel_id(c, e, h) for c in (CTX_A, CTX_B) for e in (1, 2)}
    assert len(ids) == 4
    a1, _ = run_ok(CTX_A)
    b1, _ = run_ok(CTX_B)
    assert a1.build_channel().channel_id != b1.build_channel().channel_id


def test_unbound_channel_id_would_collide() -> None:
    """Failing counterpart: an id from the handshake hash alone ignores the context."""

    h = bytes(32)
    assert derive_channel_id_unbound(CTX_A, 1, h) == derive_channel_id_unbound(CTX_B, 1, h)


def test_config_is_validated() -> None:
    """Ids and PSK must be 32 bytes, timeout positive, epoch u64; the PSK is not in repr."""
    with pytest.raises(ValueError):
        HandshakeConfig(ALICE, BOB, CTX_A, b"short", 5, 1)
    with pytest.raises(ValueError):
        HandshakeConfig(ALICE, BOB, CTX_A, bytes(32), 0, 1)
    with pytest.raises(ValueError):
        HandshakeConfig(ALICE, BOB, CTX_A, bytes(32), 5, -1)
    assert psk(CTX_A, 1).hex() not in repr(config(ALICE, BOB))


@settings(max_examples=150, deadline=None)
@given(data=st.binary(max_size=300))
def test_fuzz_first_message_only_typed_errors(data: bytes) -> None:
    """Arbitrary bytes as message 1: only typed errors, never a reply or a raw exception."""
    bob = responder(config(BOB, None))
    with pytest.raises(AuraError):
        bob.process_init(data, 0)
    assert bob.status is HandshakeStatus.Failed


@settings(max_examples=100, deadline=None)
@given(position=st.integers(min_value=0), bit=st.integers(min_value=0, max_value=7))
def test_fuzz_bitflips_in_first_message(position: int, bit: int) -> None:
    """Any single bit flip in a valid message 1 is rejected with a typed error."""
    msg1 = bytearray(initiator(config(ALICE, BOB)).create_init_message(1, 0))
    msg1[position % len(msg1)] ^= 1 << bit
    bob = responder(config(BOB, None))
    with pytest.raises(AuraError):
        bob.process_init(bytes(msg1), 0)


@settings(max_examples=100, deadline=None)
@given(data=st.binary(max_size=200))
def test_fuzz_response_only_typed_errors(data: bytes) -> None:
    """Arbitrary bytes as message 2: only typed errors; the initiator ends Failed."""
    alice = initiator(config(ALICE, BOB))
    alice.create_init_message(1, 0)
    with pytest.raises(AuraError):
        alice.process_response(data, 0)
    assert alice.status is HandshakeStatus.Failed


def test_decode_errors_name_their_source() -> None:
    """A truncated message 1 says which message and where decoding stopped."""
    with pytest.raises(DecodeError, match="HandshakeInit: truncated"):
        decode_handshake(b"\x01\x01" + bytes(20), MessageType.HandshakeInit)
    with pytest.raises(DecodeError, match="unsupported version"):
        decode_handshake(b"\x09\x01" + bytes(200), MessageType.HandshakeInit)


def test_keypair_helper_is_deterministic() -> None:
    """The test key pairs replay exactly (injected randomness)."""
    assert keypair("x").public == keypair("x").public
    assert isinstance(keypair("x"), Keypair)


def test_responder_without_key_confirmation_would_activate_on_wrong_psk() -> None:
    """Failing counterpart: a responder that activates on writing message 2 (no key
    confirmation) ends Active under a wrong PSK, which the real one never does."""

    alice = initiator(config(ALICE, BOB, key=psk(CTX_A, 1, root=bytes(range(32)))))
    bob = EagerResponder.responder(
        config(BOB, None),
        static=STATIC[BOB],
        roster=ROSTER.get,
        replay_guard=HandshakeReplayGuard(),
        ephemeral=ephemeral(),
        now_ms=0,
    )
    msg2 = bob.process_init(alice.create_init_message(1, 0), 0)
    with pytest.raises(HandshakeAuthError):
        alice.process_response(msg2, 0)
    assert bob.build_channel().state is ChannelState.Active  # the violation


def test_handshaker_ignoring_timeout_would_complete_late() -> None:
    """Failing counterpart: without the deadline check a response long after
    timeout_ms completes the handshake."""

    alice = TimeoutIgnoringHandshaker.initiator(
        config(ALICE, BOB),
        static=STATIC[ALICE],
        remote_static=ROSTER[BOB],
        ephemeral=ephemeral(),
        now_ms=0,
    )
    msg2 = responder(config(BOB, None)).process_init(alice.create_init_message(1, 0), 0)
    alice.process_response(msg2, 10 * TIMEOUT_MS)
    assert alice.status is HandshakeStatus.Completed  # the violation


def test_prologue_without_epoch_would_accept_rewritten_header(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Failing counterpart: if the prologue did not bind the epoch, a message 1 built
    for epoch 2 with its clear epoch rewritten to 1 would be answered."""
    import aura_rendezvous.channels._handshaker as handshaker_module

    monkeypatch.setattr(
        handshaker_module, "handshake_prologue", lambda context_id, epoch: b"v1" + context_id
    )
    msg1 = initiator(config(ALICE, BOB, epoch=2, key=psk(CTX_A, 1))).create_init_message(1, 0)
    wire = decode_handshake(msg1, MessageType.HandshakeInit)
    forged = HandshakeWire(MessageType.HandshakeInit, 1, wire.noise).encode()
    assert responder(config(BOB, None, epoch=1)).process_init(forged, 0)  # the violation


def test_answered_timestamps_are_bounded_and_pruned_at_confirmation() -> None:
    """The answered set keeps the newest MAX_ANSWERED_TIMESTAMPS per scope; confirming
    a timestamp drops every answered one at or below it."""
    guard = HandshakeReplayGuard()
    for ts in range(1, MAX_ANSWERED_TIMESTAMPS + 2):
        guard.note_answered(CTX_A, 1, ALICE, ts)
    guard.check_replay(CTX_A, 1, ALICE, 1)  # the oldest was dropped
    with pytest.raises(ReplayedHandshake):
        guard.check_replay(CTX_A, 1, ALICE, 2)
    guard.record(CTX_A, 1, ALICE, 10)
    answered = guard.snapshot(CTX_A).answered[(CTX_A, 1, ALICE)]
    assert min(answered) == 11 and len(answered) == MAX_ANSWERED_TIMESTAMPS + 1 - 10
    guard.check_confirmable(CTX_A, 1, ALICE, 11)  # answered, still confirmable


def test_replay_guard_snapshot_restores_its_scope_only() -> None:
    guard = HandshakeReplayGuard()
    guard.record(CTX_A, 1, ALICE, 5)
    guard.record(CTX_A, 1, BOB, 6)
    mine = guard.snapshot(CTX_A, ALICE, (1,))
    whole = guard.snapshot(CTX_A)
    guard.note_answered(CTX_A, 1, ALICE, 9)
    guard.record(CTX_A, 1, ALICE, 7)
    guard.record(CTX_A, 1, BOB, 8)
    guard.restore(mine)
    assert guard.greatest(CTX_A, 1, ALICE) == 5 and guard.greatest(CTX_A, 1, BOB) == 8
    assert guard.snapshot(CTX_A, ALICE, (1,)).answered == {}
    guard.restore(whole)
    assert guard.entries(CTX_A) == {(CTX_A, 1, ALICE): 5, (CTX_A, 1, BOB): 6}


def test_an_epoch_advance_forgets_the_retired_epochs_entries() -> None:
    """Entries of a retired epoch can refuse nothing again (its first messages are
    refused before the guard is asked), so the advance drops them; a rolled-back
    advance brings them back; other contexts keep theirs."""
    manager = ChannelManager(ALICE, epoch=0)
    guard = manager.replay_guard
    guard.record(CTX_A, 0, BOB, 5)
    guard.note_answered(CTX_A, 0, CAROL, 9)
    guard.record(CTX_B, 0, BOB, 6)
    mark = manager.mark(CTX_A, None)
    manager.advance_epoch(1, CTX_A)
    assert guard.entries(CTX_A) == {} and guard.snapshot(CTX_A).answered == {}
    assert guard.entries(CTX_B) == {(CTX_B, 0, BOB): 6}
    manager.restore(mark)
    assert guard.entries(CTX_A) == {(CTX_A, 0, BOB): 5}
    assert guard.snapshot(CTX_A).answered == {(CTX_A, 0, CAROL): frozenset({9})}
    manager.advance_epoch(2)
    assert guard.entries(CTX_A) == {} and guard.entries(CTX_B) == {}


def test_an_epoch_blind_guard_keeps_its_entries_across_the_advance() -> None:
    """The broken counterpart: the pre-fix guard's one entry per initiator
    survives the advance and refuses the next epoch's first message."""
    manager = ChannelManager(ALICE, epoch=0)
    manager.replay_guard = EpochBlindReplayGuard()
    manager.replay_guard.record(CTX_A, 0, BOB, 5)
    manager.advance_epoch(1, CTX_A)
    with pytest.raises(ReplayedHandshake):
        manager.replay_guard.check_replay(CTX_A, 1, BOB, 5)
