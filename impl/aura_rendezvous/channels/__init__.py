"""Secure channels (seed 9, DESIGN.md 5): wire formats, the channel and handshake
state machines, ``SecureChannel``, ``Handshaker``, ``ChannelManager`` and the
per-service ``ChannelEndpoint``.

Imports ``aura_rendezvous.core`` and ``aura_rendezvous.noise``.
"""

from aura_rendezvous.channels._channel import CHANNEL_ID_LABEL, SecureChannel, derive_channel_id
from aura_rendezvous.channels._endpoint import (
    DEFAULT_HANDSHAKE_TIMEOUT_MS,
    ChannelEndpoint,
    ChannelToken,
    PreparedStart,
    roster_lookup,
)
from aura_rendezvous.channels._handshaker import (
    MAX_ANSWERED_TIMESTAMPS,
    MAX_HANDSHAKE_CLOCK_SKEW_MS,
    PROLOGUE_LABEL,
    HandshakeConfig,
    Handshaker,
    HandshakeReplayGuard,
    ReplayKey,
    ReplaySnapshot,
    RosterLookup,
    handshake_prologue,
)
from aura_rendezvous.channels._manager import ChannelManager, ManagerMark, ReceivedMessage
from aura_rendezvous.channels._states import (
    CHANNEL_TRANSITIONS,
    HANDSHAKE_TRANSITIONS,
    ChannelEvent,
    ChannelState,
    HandshakeEvent,
    HandshakeStatus,
    channel_transition,
    handshake_transition,
)
from aura_rendezvous.channels._transport_message import (
    MAX_WIRE_LEN,
    WIRE_VERSION,
    HandshakeInitPayload,
    HandshakeWire,
    MessageType,
    TransportMessage,
    decode_handshake,
    encode_handshake,
    message_type,
    transport_header,
)

__all__ = [
    "CHANNEL_ID_LABEL",
    "CHANNEL_TRANSITIONS",
    "DEFAULT_HANDSHAKE_TIMEOUT_MS",
    "HANDSHAKE_TRANSITIONS",
    "MAX_ANSWERED_TIMESTAMPS",
    "MAX_HANDSHAKE_CLOCK_SKEW_MS",
    "MAX_WIRE_LEN",
    "PROLOGUE_LABEL",
    "WIRE_VERSION",
    "ChannelEndpoint",
    "ChannelEvent",
    "ChannelManager",
    "ChannelState",
    "ChannelToken",
    "HandshakeConfig",
    "HandshakeEvent",
    "HandshakeInitPayload",
    "HandshakeReplayGuard",
    "HandshakeStatus",
    "HandshakeWire",
    "Handshaker",
    "ManagerMark",
    "MessageType",
    "PreparedStart",
    "ReceivedMessage",
    "ReplayKey",
    "ReplaySnapshot",
    "RosterLookup",
    "SecureChannel",
    "TransportMessage",
    "channel_transition",
    "decode_handshake",
    "derive_channel_id",
    "encode_handshake",
    "handshake_prologue",
    "handshake_transition",
    "message_type",
    "roster_lookup",
    "transport_header",
]
