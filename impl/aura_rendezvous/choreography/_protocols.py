"""The two choreographies of the seed's section 5, transcribed as data.

The annotations are the seed's, verbatim: capability, ``flow_cost``,
``journal_facts`` and ``leak``. The cost constants of ``_costs.py`` are
checked against these (see :mod:`aura_rendezvous.choreography._costs_check`),
so this file is the single source of truth for per-message costs.
"""

from __future__ import annotations

from aura_rendezvous.choreography._model import Choreography, Leak, MessageSpec

__all__ = ["CHOREOGRAPHIES", "RELAYED_RENDEZVOUS", "RENDEZVOUS_EXCHANGE"]

CAP_RENDEZVOUS_PUBLISH = "rendezvous:publish"
CAP_RENDEZVOUS_CONNECT = "rendezvous:connect"
CAP_RENDEZVOUS_RELAY = "rendezvous:relay"
CAP_RELAY_FORWARD = "relay:forward"

RENDEZVOUS_EXCHANGE = Choreography(
    namespace="rendezvous_exchange",
    name="RendezvousExchange",
    roles=("Initiator", "Responder"),
    messages=(
        MessageSpec(
            "Initiator",
            "Responder",
            "DescriptorOffer",
            "RendezvousDescriptor",
            CAP_RENDEZVOUS_PUBLISH,
            1,
            journal_facts=("descriptor_offered",),
        ),
        MessageSpec(
            "Responder",
            "Initiator",
            "DescriptorAnswer",
            "RendezvousDescriptor",
            CAP_RENDEZVOUS_PUBLISH,
            1,
            journal_facts=("descriptor_answered",),
        ),
        MessageSpec(
            "Initiator",
            "Responder",
            "HandshakeInit",
            "NoiseHandshake",
            CAP_RENDEZVOUS_CONNECT,
            2,
        ),
        MessageSpec(
            "Responder",
            "Initiator",
            "HandshakeComplete",
            "NoiseHandshake",
            CAP_RENDEZVOUS_CONNECT,
            2,
            journal_facts=("channel_established",),
        ),
    ),
)

RELAYED_RENDEZVOUS = Choreography(
    namespace="relayed_rendezvous",
    name="RelayedRendezvous",
    roles=("Initiator", "Relay", "Responder"),
    messages=(
        MessageSpec("Initiator", "Relay", "RelayRequest", "RelayEnvelope", CAP_RENDEZVOUS_RELAY, 2),
        MessageSpec(
            "Relay",
            "Responder",
            "RelayForward",
            "RelayEnvelope",
            CAP_RELAY_FORWARD,
            1,
            leaks=(Leak.parse("neighbor:1"),),
        ),
        MessageSpec(
            "Responder", "Relay", "RelayResponse", "RelayEnvelope", CAP_RENDEZVOUS_RELAY, 2
        ),
        MessageSpec(
            "Relay",
            "Initiator",
            "RelayComplete",
            "RelayEnvelope",
            CAP_RELAY_FORWARD,
            1,
            leaks=(Leak.parse("neighbor:1"),),
        ),
    ),
)

CHOREOGRAPHIES: tuple[Choreography, ...] = (RENDEZVOUS_EXCHANGE, RELAYED_RENDEZVOUS)
