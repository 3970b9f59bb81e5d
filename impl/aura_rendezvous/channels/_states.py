"""The secure-channel and handshake state machines, as data.

Every transition of :class:`ChannelState` and :class:`HandshakeStatus` lives in
the two tables of this module (the h11 ``_state.py`` idea): a lookup that
misses *is* the illegal-transition error, so a forgotten case cannot silently
do something. Terminal states (``Closed``, ``Error``, ``Completed``,
``Failed``) have no outgoing entries and are therefore never left.

State names follow the seed (section 9.1) and ``spec/``.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from types import MappingProxyType

from aura_rendezvous.core import IllegalTransition

__all__ = [
    "CHANNEL_TRANSITIONS",
    "HANDSHAKE_TRANSITIONS",
    "ChannelEvent",
    "ChannelState",
    "HandshakeEvent",
    "HandshakeStatus",
    "channel_transition",
    "handshake_transition",
]


class ChannelState(enum.Enum):
    """Lifecycle of a :class:`~aura_rendezvous.SecureChannel` (seed 9.1)."""

    Establishing = "Establishing"
    Active = "Active"
    Rotating = "Rotating"
    Closed = "Closed"
    Error = "Error"


class ChannelEvent(enum.Enum):
    """Inputs of the channel machine."""

    # First transport message from the peer that decrypts (or, on the
    # initiator, the handshake response): the keys are confirmed.
    KeyConfirmed = "KeyConfirmed"
    Send = "Send"
    Receive = "Receive"
    EpochAdvanced = "EpochAdvanced"
    # The replacement channel under the new epoch became Active.
    Superseded = "Superseded"
    Close = "Close"
    Fail = "Fail"


_CS = ChannelState
_CE = ChannelEvent

CHANNEL_TRANSITIONS: Mapping[tuple[ChannelState, ChannelEvent], ChannelState] = MappingProxyType(
    {
        (_CS.Establishing, _CE.KeyConfirmed): _CS.Active,
        # An Establishing channel of an old epoch can never confirm usefully:
        # it waits for its replacement like any other old channel.
        (_CS.Establishing, _CE.EpochAdvanced): _CS.Rotating,
        (_CS.Establishing, _CE.Close): _CS.Closed,
        (_CS.Establishing, _CE.Fail): _CS.Error,
        (_CS.Active, _CE.Send): _CS.Active,
        (_CS.Active, _CE.Receive): _CS.Active,
        (_CS.Active, _CE.EpochAdvanced): _CS.Rotating,
        (_CS.Active, _CE.Close): _CS.Closed,
        (_CS.Active, _CE.Fail): _CS.Error,
        # Rotating sends and receives nothing: no Send/Receive entry.
        (_CS.Rotating, _CE.EpochAdvanced): _CS.Rotating,
        (_CS.Rotating, _CE.Superseded): _CS.Closed,
        (_CS.Rotating, _CE.Close): _CS.Closed,
        (_CS.Rotating, _CE.Fail): _CS.Error,
    }
)


# The tables above re-keyed by the members' values: Enum.__hash__ is Python
# code, a str's hash is cached, and this lookup runs several times per message.
# Derived from the tables, so they stay the one source of truth.
_CHANNEL_NEXT = {(s._value_, e._value_): t for (s, e), t in CHANNEL_TRANSITIONS.items()}


def channel_transition(state: ChannelState, event: ChannelEvent) -> ChannelState:
    """Next channel state, or :class:`IllegalTransition` when the table has no entry."""
    after = _CHANNEL_NEXT.get((state._value_, event._value_))
    if after is None:
        raise IllegalTransition("ChannelState", state.value, event.value)
    return after


class HandshakeStatus(enum.Enum):
    """Lifecycle of a :class:`~aura_rendezvous.Handshaker`."""

    Start = "Start"
    AwaitingResponse = "AwaitingResponse"
    Completed = "Completed"
    Failed = "Failed"


class HandshakeEvent(enum.Enum):
    """Inputs of the handshake machine."""

    WriteInit = "WriteInit"  # initiator writes message 1
    ReadInit = "ReadInit"  # responder accepts message 1 and writes message 2
    ReadResponse = "ReadResponse"  # initiator accepts message 2
    Error = "Error"
    Timeout = "Timeout"


_HS = HandshakeStatus
_HE = HandshakeEvent

HANDSHAKE_TRANSITIONS: Mapping[tuple[HandshakeStatus, HandshakeEvent], HandshakeStatus] = (
    MappingProxyType(
        {
            (_HS.Start, _HE.WriteInit): _HS.AwaitingResponse,
            (_HS.Start, _HE.ReadInit): _HS.Completed,
            (_HS.Start, _HE.Error): _HS.Failed,
            (_HS.Start, _HE.Timeout): _HS.Failed,
            (_HS.AwaitingResponse, _HE.ReadResponse): _HS.Completed,
            (_HS.AwaitingResponse, _HE.Error): _HS.Failed,
            (_HS.AwaitingResponse, _HE.Timeout): _HS.Failed,
        }
    )
)


_HANDSHAKE_NEXT = {(s._value_, e._value_): t for (s, e), t in HANDSHAKE_TRANSITIONS.items()}


def handshake_transition(state: HandshakeStatus, event: HandshakeEvent) -> HandshakeStatus:
    """Next handshake state, or :class:`IllegalTransition` when the table has no entry."""
    after = _HANDSHAKE_NEXT.get((state._value_, event._value_))
    if after is None:
        raise IllegalTransition("HandshakeStatus", state.value, event.value)
    return after
