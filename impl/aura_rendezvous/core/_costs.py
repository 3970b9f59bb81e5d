"""Flow-cost constants (seed 8.2, reconciled with the annotations of seed 5): all of them.

Rule (DESIGN.md 4, docs/implementation.md): a constant is the cost charged to
the *sender of one message*, under the sender's own budget, and equals that
message's ``flow_cost`` annotation. A relayed connect therefore costs the
initiator ``CONNECT_RELAY_COST = 2`` (``RelayRequest``) and the relay
``RELAY_FORWARD_COST = 1`` (``RelayForward``) under the relay's budget; the
seed's 3 is that path's total, which no single budget ever pays, so charging 3
to the initiator would charge the forward twice.
"""

from __future__ import annotations

from types import MappingProxyType

__all__ = [
    "CHANNEL_ESTABLISHED_COST",
    "CONNECT_DIRECT_COST",
    "CONNECT_RELAY_COST",
    "COST_CONSTANTS",
    "DESCRIPTOR_PUBLISH_COST",
    "KEY_CONFIRMATION_COST",
    "RELAY_FORWARD_COST",
    "REVOKE_DESCRIPTOR_COST",
    "TRANSPORT_MESSAGE_COST",
]

DESCRIPTOR_PUBLISH_COST = 1
CONNECT_DIRECT_COST = 2
CONNECT_RELAY_COST = 2
RELAY_FORWARD_COST = 1

CHANNEL_ESTABLISHED_COST = 0
"""Journaling a key-confirmed channel sends nothing; the handshake already paid."""
REVOKE_DESCRIPTOR_COST = 1
"""A revocation is a fact like a publication, so it costs the same."""
KEY_CONFIRMATION_COST = 0
"""The confirmation is the first transport message, not a choreography message:
the handshake it confirms already paid ``CONNECT_DIRECT_COST`` on each side."""
TRANSPORT_MESSAGE_COST = 0
"""A transport message after the confirmation: its handshake paid for the channel.
Through a relay, the relay pays each forward (``RELAY_FORWARD_COST``)."""

COST_CONSTANTS = MappingProxyType(
    {
        "DESCRIPTOR_PUBLISH_COST": DESCRIPTOR_PUBLISH_COST,
        "CONNECT_DIRECT_COST": CONNECT_DIRECT_COST,
        "CONNECT_RELAY_COST": CONNECT_RELAY_COST,
        "RELAY_FORWARD_COST": RELAY_FORWARD_COST,
    }
)
"""The four seed constants by name (what the choreography cost check compares)."""
