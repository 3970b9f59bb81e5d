"""Effect commands: validated values; sends are recognised as the commit point."""

from __future__ import annotations

import pytest
from aura_rendezvous import (
    ChannelEstablished,
    ChargeFlowBudget,
    EffectCommand,
    ForwardRelayEnvelope,
    JournalAppend,
    QuicDirect,
    RecordReceipt,
    RelayEnvelope,
    SendHandshake,
    SendHandshakeResponse,
    SendRelayData,
    SendRelayRequest,
    SendRelayResponse,
    ValueRangeError,
)
from aura_rendezvous.guard import SEND_EFFECTS, check_effect_order, is_send

from .world import ALICE, BOB, CTX, RELAY

ENV = RelayEnvelope(CTX, ALICE, BOB, b"m")
SENDS: list[EffectCommand] = [
    SendHandshake(BOB, QuicDirect("h:1"), b"m"),
    SendHandshakeResponse(ALICE, b"m"),
    SendRelayRequest(RELAY, ENV),
    ForwardRelayEnvelope(BOB, ENV),
    SendRelayResponse(RELAY, ENV),
    SendRelayData(RELAY, ENV),
]
LOCAL: list[EffectCommand] = [
    ChargeFlowBudget(CTX, ALICE, 1, 1),
    JournalAppend(CTX, ChannelEstablished(CTX, ALICE, BOB, b"\x00" * 32, 1)),
    RecordReceipt("op", CTX, BOB, 1, 1),
]


def test_sends_and_locals_partition() -> None:
    """Every send kind is a send; charge, append and receipt are not."""
    assert all(is_send(e) for e in SENDS) and len(SEND_EFFECTS) == len(SENDS)
    assert not any(is_send(e) for e in LOCAL)


def test_cost_and_epoch_ranges() -> None:
    """A cost above u32 or an epoch above u64 cannot be expressed."""
    with pytest.raises(ValueRangeError):
        ChargeFlowBudget(CTX, ALICE, 1, 2**32)
    with pytest.raises(ValueRangeError):
        ChargeFlowBudget(CTX, ALICE, 2**64, 1)
    with pytest.raises(ValueRangeError):
        RecordReceipt("op", CTX, BOB, 1, -1)


def test_order_check() -> None:
    """Charge first, sends last: accepted; anything else refused."""
    check_effect_order((LOCAL[0], LOCAL[1], LOCAL[2], *SENDS))
    from aura_rendezvous import LocalProtocolError

    with pytest.raises(LocalProtocolError):
        check_effect_order((LOCAL[1], LOCAL[0]))
    with pytest.raises(LocalProtocolError):
        check_effect_order((LOCAL[0], SENDS[0], LOCAL[1]))
    with pytest.raises(LocalProtocolError):
        check_effect_order(())


def test_channel_effects_are_local_and_ordered_before_sends() -> None:
    """The four channel changes are local effects (phase one, undoable), not sends,
    and an outcome may not put one after a send."""
    from aura_rendezvous import LocalProtocolError
    from aura_rendezvous.guard import (
        CHANNEL_EFFECTS,
        AcceptHandshake,
        CompleteHandshake,
        ConfirmChannel,
        StartHandshake,
        is_channel_effect,
    )

    from ..channels.service_pairs import ServicePair

    pair = ServicePair.new()
    start = pair.alice.endpoint.prepare_start(pair.membership, 1, BOB, pair.psk(1), 0)
    channel, _ = pair.bob.endpoint.prepare_accept(
        pair.membership, 1, ALICE, start.message, psk=pair.psk(1), now_ms=0
    )
    changes: list[EffectCommand] = [
        StartHandshake(CTX, BOB, 1, start.timestamp, start.handshaker),
        AcceptHandshake(CTX, ALICE, 1, channel),
        CompleteHandshake(CTX, BOB, 1, start.handshaker, channel),
        ConfirmChannel(CTX, ALICE, 1, channel, 0),
    ]
    assert len(CHANNEL_EFFECTS) == len(changes)
    assert all(is_channel_effect(e) and not is_send(e) for e in changes)
    assert not any(is_channel_effect(e) for e in LOCAL + SENDS)
    check_effect_order((LOCAL[0], *changes, *SENDS))
    with pytest.raises(LocalProtocolError):
        check_effect_order((LOCAL[0], SENDS[0], changes[0]))
    with pytest.raises(ValueRangeError):
        ConfirmChannel(CTX, ALICE, 1, channel, 2**64)
