"""Relay-path conformance: the relayed choreography of the reference implementation
checked against Rendezvous.tla's relay path (``tla/RelayConformance.tla``, which takes
its invariants from Rendezvous.tla by INSTANCE).

- ``world``: Ini, Resp and the relay as three real services, every envelope sent,
  and the broken :data:`RELAY_VARIANTS`
- ``mapping``: the abstraction function onto the module's variables
- ``backends``: its actions as a table over the world
- ``checker`` and ``machine``: the module loaded once, and the state machine
"""

from aura_conformance.relay.backends import ACTION_TABLE, RelayBackend
from aura_conformance.relay.checker import check_relay_spec, relay_checker
from aura_conformance.relay.machine import (
    RELAY_SCENARIOS,
    RelayPathMachine,
    run_relay_conformance,
    run_relay_scenarios,
)
from aura_conformance.relay.mapping import (
    RELAY_PATH,
    message_key,
    message_record,
    project_relay,
)
from aura_conformance.relay.world import RELAY_VARIANTS, RelayVariant, RelayWorld

__all__ = [
    "ACTION_TABLE",
    "RELAY_PATH",
    "RELAY_SCENARIOS",
    "RELAY_VARIANTS",
    "RelayBackend",
    "RelayPathMachine",
    "RelayVariant",
    "RelayWorld",
    "check_relay_spec",
    "message_key",
    "message_record",
    "project_relay",
    "relay_checker",
    "run_relay_conformance",
    "run_relay_scenarios",
]
