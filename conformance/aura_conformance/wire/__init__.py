"""Conformance on the wire: the backend plays one member, the harness is the network.

The backend under test is one authority of a context (``Ini`` or ``Resp``); the
harness plays the other with the reference implementation and carries every
message between them as bytes. The backend is judged by what it does: the
reference must accept what it sends, it must accept what the reference sends,
its channel must carry real traffic both ways, and every message of the
attacker (tampered, replayed, relabelled, under a retired PSK, from an impostor)
must change nothing and make it send nothing. After every request to either side
the state composed from both is judged against EpochRotation.tla
(:func:`wire_epoch_checker`), and its direct channel path against Rendezvous.tla
(:func:`wire_rendezvous_checker`). ``docs/conformance.md``, "Wire".
"""

from aura_conformance.wire.abstract import WIRE_ER_CONFIG, wire_epoch_checker
from aura_conformance.wire.backends import ACTIONS, WIRE, WIRE_MODULE, WIRE_VARIANTS, WireBackend
from aura_conformance.wire.machine import WIRE_SCENARIOS, WireMachine, run_wire_conformance
from aura_conformance.wire.rendezvous import (
    WIRE_RV_CONFIG,
    check_wire_rendezvous_spec,
    wire_rendezvous_checker,
)
from aura_conformance.wire.stage import WIRE_WRONG_BACKENDS, run_wire_stage

__all__ = [
    "ACTIONS",
    "WIRE",
    "WIRE_ER_CONFIG",
    "WIRE_MODULE",
    "WIRE_RV_CONFIG",
    "WIRE_SCENARIOS",
    "WIRE_VARIANTS",
    "WIRE_WRONG_BACKENDS",
    "WireBackend",
    "WireMachine",
    "check_wire_rendezvous_spec",
    "run_wire_conformance",
    "run_wire_stage",
    "wire_epoch_checker",
    "wire_rendezvous_checker",
]
