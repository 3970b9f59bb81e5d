"""The network profile: conformance state machines with their messages on real sockets.

Every message of a relayed handshake (and the attacker's junk and replays)
crosses a loopback socket of aura_net's transports, TCP direct, QUIC or the
WebSocket relay, before the next hop consumes it; every step is still
validated against Rendezvous.tla's relay path. EpochRotation.tla's direct
handshakes (establish, answer, key confirmation, data, epoch advance, rekey,
close, and the attacker's messages) run the same way over TCP direct and QUIC.
The only package of the harness that imports ``aura_net``; not part of the
default profile.

- ``loop``: the asyncio loop in a thread, every wait bounded
- ``carriers``: the listeners and connections of one world
- ``lifecycle``: what both backends share: a world's sockets on the loop, each transport in turn
- ``world`` and ``backend``: the relay world on a carrier, as a backend
- ``epoch``: the epoch-rotation world on a carrier, as a backend
"""

from aura_conformance.network.backend import (
    DEFAULT_TIMEOUT_S,
    NETWORK_ACTIONS,
    NetworkRelayBackend,
    run_network_conformance,
)
from aura_conformance.network.carriers import TRANSPORTS, Carrier
from aura_conformance.network.epoch import (
    EPOCH_TRANSPORTS,
    NetworkEpochBackend,
    NetworkEpochWorld,
    run_network_epoch_conformance,
)
from aura_conformance.network.errors import TransportFault
from aura_conformance.network.loop import LoopThread
from aura_conformance.network.world import NetworkRelayWorld

__all__ = [
    "DEFAULT_TIMEOUT_S",
    "EPOCH_TRANSPORTS",
    "NETWORK_ACTIONS",
    "TRANSPORTS",
    "Carrier",
    "LoopThread",
    "NetworkEpochBackend",
    "NetworkEpochWorld",
    "NetworkRelayBackend",
    "NetworkRelayWorld",
    "TransportFault",
    "run_network_conformance",
    "run_network_epoch_conformance",
]
