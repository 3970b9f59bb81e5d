"""Rejections carry the right type: a message for a closed channel is
UnknownChannel, a snapshot of a left epoch is a StaleEpoch deny, and a bad
HandshakeConfig is a LocalProtocolError naming its field. Real services and
real Noise channels."""

from __future__ import annotations

from typing import Any

import pytest
from aura_rendezvous import (
    DenyReason,
    HandshakeConfig,
    LocalProtocolError,
    UnknownChannel,
    ValueRangeError,
)

from ..channels.service_pairs import ALICE_ID, BOB_ID, ServicePair
from .world import CTX


def established_at(epoch: int) -> ServicePair:
    pair = ServicePair.new(epoch=epoch, publish=False)
    for node in (pair.alice, pair.bob):
        node.service.advance_epoch(CTX, epoch)
    pair.publish(epoch)
    pair.establish(epoch)
    return pair


def test_a_message_for_a_closed_channel_is_unknown_channel() -> None:
    """The context is at epoch 1 (advanced on its own), Bob closed the channel:
    Alice's late message is UnknownChannel (it was WrongEpoch, judged against an
    epoch no context of Bob's was at)."""
    pair = established_at(1)
    late = pair.alice.endpoint.manager.seal(CTX.value, BOB_ID.value, b"late")
    channel = pair.bob.endpoint.manager.find_by_context_peer(CTX.value, ALICE_ID.value)
    assert channel is not None
    assert (
        pair.bob.endpoint.manager.receive(
            pair.alice.endpoint.manager.seal(CTX.value, BOB_ID.value, b"live")
        ).plaintext
        == b"live"
    )
    pair.bob.endpoint.manager.close(channel.channel_id)
    with pytest.raises(UnknownChannel) as caught:
        pair.bob.endpoint.manager.receive(late)
    assert caught.value.reason == "UnknownChannel"


def test_a_handshake_message_under_a_left_epoch_snapshot_is_a_stale_epoch_deny() -> None:
    """Bob moved to epoch 2; handling Alice's message 1 with an epoch-1 snapshot is a
    typed deny without effects (it was a LocalProtocolError from the channel layer)."""
    pair = ServicePair.new(epoch=1)
    msg1 = pair.message1(epoch=1)
    pair.bob.service.advance_epoch(CTX, 2)
    outcome = pair.bob.service.prepare_handle_handshake(
        pair.bob.snapshot(epoch=1), CTX, ALICE_ID, msg1, pair.psk(1), now_ms=0
    )
    assert outcome.decision.reason is DenyReason.StaleEpoch  # type: ignore[union-attr]
    assert outcome.effects == ()
    assert pair.bob.endpoint.manager.channels() == ()


GOOD: dict[str, Any] = {
    "local": b"\x01" * 32,
    "remote": None,
    "context_id": b"\x02" * 32,
    "psk": b"\x03" * 32,
    "timeout_ms": 1_000,
    "epoch": 0,
}


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("local", b"\x01" * 31),
        ("remote", "not bytes"),
        ("context_id", None),
        ("psk", b"\x03" * 33),
        ("timeout_ms", 0),
        ("timeout_ms", True),
        ("epoch", -1),
        ("epoch", 2**64),
    ],
)
def test_handshake_config_refuses_with_a_typed_error_naming_the_field(
    field: str, value: object
) -> None:
    HandshakeConfig(**GOOD)  # the counterpart: the good values pass
    with pytest.raises(LocalProtocolError, match=field) as caught:
        HandshakeConfig(**{**GOOD, field: value})
    assert isinstance(caught.value, ValueRangeError)
