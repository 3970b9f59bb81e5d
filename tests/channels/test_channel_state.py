"""The channel and handshake state machines are tables; misses raise, terminals stick."""

from __future__ import annotations

import itertools

import pytest
from aura_rendezvous import ChannelState, IllegalTransition
from aura_rendezvous.channels import (
    CHANNEL_TRANSITIONS,
    HANDSHAKE_TRANSITIONS,
    ChannelEvent,
    HandshakeEvent,
    HandshakeStatus,
    channel_transition,
    handshake_transition,
)

TERMINAL_CHANNEL = {ChannelState.Closed, ChannelState.Error}
TERMINAL_HANDSHAKE = {HandshakeStatus.Completed, HandshakeStatus.Failed}


@pytest.mark.parametrize(("state", "event"), list(itertools.product(ChannelState, ChannelEvent)))
def test_every_channel_pair_is_table_or_typed_error(
    state: ChannelState, event: ChannelEvent
) -> None:
    """Each (state, event) either follows the table or raises IllegalTransition."""
    if (state, event) in CHANNEL_TRANSITIONS:
        assert channel_transition(state, event) is CHANNEL_TRANSITIONS[(state, event)]
    else:
        with pytest.raises(IllegalTransition) as info:
            channel_transition(state, event)
        assert info.value.state == state.value
        assert info.value.event == event.value


def test_channel_terminals_are_never_left() -> None:
    """Closed and Error have no outgoing entry (never revived)."""
    for (state, _event), _nxt in CHANNEL_TRANSITIONS.items():
        assert state not in TERMINAL_CHANNEL


def test_only_active_channels_send_or_receive() -> None:
    """Send/Receive entries exist only for Active; Rotating sends nothing until rekeyed."""
    senders = {
        s for (s, e) in CHANNEL_TRANSITIONS if e in (ChannelEvent.Send, ChannelEvent.Receive)
    }
    assert senders == {ChannelState.Active}
    with pytest.raises(IllegalTransition):
        channel_transition(ChannelState.Rotating, ChannelEvent.Send)


def test_only_establishing_channels_become_active() -> None:
    """Active is reached only by key confirmation of an Establishing channel."""
    into_active = {k for k, v in CHANNEL_TRANSITIONS.items() if v is ChannelState.Active}
    assert into_active <= {
        (ChannelState.Establishing, ChannelEvent.KeyConfirmed),
        (ChannelState.Active, ChannelEvent.Send),
        (ChannelState.Active, ChannelEvent.Receive),
    }


@pytest.mark.parametrize(
    ("state", "event"), list(itertools.product(HandshakeStatus, HandshakeEvent))
)
def test_every_handshake_pair_is_table_or_typed_error(
    state: HandshakeStatus, event: HandshakeEvent
) -> None:
    """Each (status, event) either follows the table or raises IllegalTransition."""
    if (state, event) in HANDSHAKE_TRANSITIONS:
        assert handshake_transition(state, event) is HANDSHAKE_TRANSITIONS[(state, event)]
    else:
        with pytest.raises(IllegalTransition):
            handshake_transition(state, event)


def test_handshake_errors_and_timeouts_end_in_failed() -> None:
    """From every non-terminal status, Error and Timeout lead to Failed and nothing else."""
    for status in set(HandshakeStatus) - TERMINAL_HANDSHAKE:
        for event in (HandshakeEvent.Error, HandshakeEvent.Timeout):
            assert handshake_transition(status, event) is HandshakeStatus.Failed
    for status, _event in HANDSHAKE_TRANSITIONS:
        assert status not in TERMINAL_HANDSHAKE
