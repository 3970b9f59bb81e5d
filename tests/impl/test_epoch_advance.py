"""``RendezvousService.advance_epoch``: the explicit epoch change, and what follows it.

After the advance a channel of the old epoch seals nothing, a snapshot of the
old epoch is a typed deny, and an own descriptor of the old epoch needs
refresh (peers deny it with ``PskCommitmentMismatch``). Real Noise channels,
real descriptors, run through the interpreter.
"""

from __future__ import annotations

import pytest
from aura_rendezvous import (
    ChannelClosedError,
    ChannelState,
    DenyReason,
    ExecutionStatus,
    LocalProtocolError,
    QuicDirect,
)

from ..channels.service_pairs import ALICE_ID, BOB_ID, ServicePair
from .world import CTX, OTHER_CTX

WINDOW_MS = 300_000


def established(epoch: int = 1) -> ServicePair:
    """Alice and Bob at ``epoch`` (advanced explicitly), with an Active channel."""
    pair = ServicePair.new(epoch=epoch, publish=False)
    for node in (pair.alice, pair.bob):
        node.service.advance_epoch(CTX, epoch)
    pair.publish(epoch)
    pair.establish(epoch)
    return pair


def seal(pair: ServicePair, plaintext: bytes = b"x") -> bytes:
    return pair.alice.endpoint.manager.seal(CTX.value, BOB_ID.value, plaintext)


def test_advance_stops_the_old_channels_at_once() -> None:
    """Before the advance the channel seals; right after it, nothing is sealed on
    either side and both report the peer as needing a rekey."""
    pair = established()
    assert seal(pair)  # the counterpart: the channel works until the advance
    channel = pair.alice.endpoint.manager.find_by_context_peer(CTX.value, BOB_ID.value)
    assert pair.alice.service.advance_epoch(CTX, 2) == (BOB_ID,)
    assert pair.bob.service.advance_epoch(CTX, 2) == (ALICE_ID,)
    assert channel is not None and channel.state is ChannelState.Rotating
    with pytest.raises(ChannelClosedError):
        seal(pair)
    assert pair.alice.service.current_epoch(CTX) == 2


def test_rekey_after_the_advance_gives_a_new_channel_that_seals() -> None:
    pair = established()
    old = pair.alice.endpoint.manager.find_by_context_peer(CTX.value, BOB_ID.value)
    for node in (pair.alice, pair.bob):
        node.service.advance_epoch(CTX, 2)
    pair.publish(2, now_ms=1_000)
    pair.establish(2, now_ms=1_000)
    new = pair.alice.endpoint.manager.find_by_context_peer(CTX.value, BOB_ID.value)
    assert new is not None and old is not None
    assert new.epoch == 2 and new.channel_id != old.channel_id
    assert seal(pair)
    assert pair.alice.service.advance_epoch(CTX, 3) == (BOB_ID,)


def test_advance_must_grow_and_be_of_an_own_context() -> None:
    pair = established()
    with pytest.raises(LocalProtocolError):
        pair.alice.service.advance_epoch(CTX, 1)
    with pytest.raises(LocalProtocolError):
        pair.alice.service.advance_epoch(CTX, 0)
    with pytest.raises(LocalProtocolError):
        pair.alice.service.advance_epoch(OTHER_CTX, 5)
    assert seal(pair)  # a refused advance changed nothing


def test_a_snapshot_of_a_left_epoch_is_a_typed_deny() -> None:
    """After the advance to 2, operations with an epoch-1 snapshot are denied
    ``StaleEpoch`` with no effects (was: LocalProtocolError from the channel layer)."""
    pair = established()
    pair.alice.service.advance_epoch(CTX, 2)
    outcome = pair.alice.service.prepare_establish_channel(
        pair.alice.snapshot(epoch=1), CTX, BOB_ID, pair.psk(1), now_ms=0
    )
    assert outcome.decision.reason is DenyReason.StaleEpoch  # type: ignore[union-attr]
    assert outcome.effects == ()
    assert pair.alice.run(outcome).status is ExecutionStatus.Denied
    assert pair.alice.endpoint.manager.pending(CTX.value, BOB_ID.value) is None
    publish = pair.alice.service.prepare_publish_descriptor(
        pair.alice.snapshot(epoch=1), CTX, [QuicDirect("127.0.0.1:4433")], 0
    )
    assert publish.decision.reason is DenyReason.StaleEpoch  # type: ignore[union-attr]
    # The current epoch's snapshot is not denied for its epoch.
    fresh = pair.alice.service.prepare_publish_descriptor(
        pair.alice.snapshot(epoch=2), CTX, [QuicDirect("127.0.0.1:4433")], 0
    )
    assert fresh.is_allowed()


def test_a_descriptor_of_a_past_epoch_needs_refresh() -> None:
    """Fresh and far from expiry, the epoch-1 descriptor needs refresh once the
    context is at epoch 2 (Bob would deny it: PskCommitmentMismatch); the
    epoch-2 republication ends that."""
    pair = established()
    alice = pair.alice.service
    assert not alice.needs_refresh(CTX, 1_000, WINDOW_MS)
    alice.advance_epoch(CTX, 2)
    pair.bob.service.advance_epoch(CTX, 2)
    assert alice.needs_refresh(CTX, 1_000, WINDOW_MS)
    denied = pair.bob.service.prepare_establish_channel(
        pair.bob.snapshot(epoch=2), CTX, ALICE_ID, pair.psk(2), now_ms=1_000
    )
    assert denied.decision.reason is DenyReason.PskCommitmentMismatch  # type: ignore[union-attr]
    pair.publish(2, now_ms=1_000)
    assert not alice.needs_refresh(CTX, 1_000, WINDOW_MS)
    # The validity window still counts.
    assert alice.needs_refresh(CTX, 1_000 + 3_600_000 - WINDOW_MS, WINDOW_MS)


def test_a_descriptor_published_ahead_of_the_service_epoch_is_not_stale() -> None:
    """Only a past epoch is stale: a descriptor of a newer epoch than the service has
    been advanced to (a caller that publishes first) does not need refresh."""
    pair = ServicePair.new(epoch=3)
    assert pair.alice.service.current_epoch(CTX) == 0
    assert not pair.alice.service.needs_refresh(CTX, 0, WINDOW_MS)
