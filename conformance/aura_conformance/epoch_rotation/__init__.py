"""EpochRotation.tla conformance: real IKpsk2 handshakes between two channel managers.

- ``world``: the two managers, the network of every message sent, and the
  broken :data:`EPOCH_VARIANTS`
- ``mapping``: the abstraction function onto the spec's variables
- ``backends``: the spec's actions as a table over the world
- ``checker`` and ``machine``: the spec loaded once, and the state machine that
  also checks Rendezvous.tla's ``RVChannelContextBound`` and ``RVRefreshAfterRotation``
"""

from aura_conformance.epoch_rotation.backends import ACTION_TABLE, EpochBackend
from aura_conformance.epoch_rotation.checker import epoch_rotation_checker
from aura_conformance.epoch_rotation.machine import (
    EPOCH_DIVERGENCES,
    EPOCH_SCENARIOS,
    EpochRotationMachine,
    run_epoch_conformance,
    run_epoch_scenarios,
)
from aura_conformance.epoch_rotation.mapping import (
    EPOCH_ROTATION,
    message_key,
    message_record,
    project_epoch_rotation,
)
from aura_conformance.epoch_rotation.world import EPOCH_VARIANTS, EpochVariant, EpochWorld

__all__ = [
    "ACTION_TABLE",
    "EPOCH_DIVERGENCES",
    "EPOCH_ROTATION",
    "EPOCH_SCENARIOS",
    "EPOCH_VARIANTS",
    "EpochBackend",
    "EpochRotationMachine",
    "EpochVariant",
    "EpochWorld",
    "epoch_rotation_checker",
    "message_key",
    "message_record",
    "project_epoch_rotation",
    "run_epoch_conformance",
    "run_epoch_scenarios",
]
