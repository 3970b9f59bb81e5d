"""The channel layer's public names are re-exported by ``aura_rendezvous``."""

from __future__ import annotations

import aura_rendezvous
from aura_rendezvous import choreography

CHANNEL_NAMES = {
    "ChannelManager",
    "ChannelState",
    "HandshakeConfig",
    "Handshaker",
    "SecureChannel",
    "TransportMessage",
    "channel_endpoint",
    "derive_channel_id",
}


def test_channel_names_exported() -> None:
    """Each public channel name is in ``__all__`` and resolves to the private module's object."""
    assert set(aura_rendezvous.__all__) >= CHANNEL_NAMES
    assert aura_rendezvous.Handshaker.__module__ == "aura_rendezvous._handshaker"
    assert len(aura_rendezvous.__all__) == len(set(aura_rendezvous.__all__))


def test_choreography_all_resolves() -> None:
    """Every name in ``aura_rendezvous.choreography.__all__`` exists."""
    assert all(hasattr(choreography, name) for name in choreography.__all__)
