"""DescriptorValidity.tla conformance: three members' services (two of them publishers)
publish, revoke and sync.

- ``world``: three members' RendezvousServices and the broken :data:`DV_VARIANTS`
- ``mapping``: the abstraction function onto the spec's variables
- ``backends``: the spec's actions as a table over the world
- ``checker`` and ``machine``: the spec through the wrapper ``tla/DVConformance.tla``,
  and the state machine that also compares every lookup with ``DVLookup``
"""

from aura_conformance.descriptor_validity.backends import ACTION_TABLE, DescriptorBackend
from aura_conformance.descriptor_validity.checker import descriptor_validity_checker
from aura_conformance.descriptor_validity.machine import (
    DV_SCENARIOS,
    DescriptorValidityMachine,
    check_lookups,
    run_dv_conformance,
    run_dv_scenarios,
)
from aura_conformance.descriptor_validity.mapping import (
    DESCRIPTOR_VALIDITY,
    dv_key,
    dv_record,
    project_descriptor_validity,
)
from aura_conformance.descriptor_validity.world import DV_VARIANTS, DescriptorWorld, DVVariant

__all__ = [
    "ACTION_TABLE",
    "DESCRIPTOR_VALIDITY",
    "DV_SCENARIOS",
    "DV_VARIANTS",
    "DVVariant",
    "DescriptorBackend",
    "DescriptorValidityMachine",
    "DescriptorWorld",
    "check_lookups",
    "descriptor_validity_checker",
    "dv_key",
    "dv_record",
    "project_descriptor_validity",
    "run_dv_conformance",
    "run_dv_scenarios",
]
