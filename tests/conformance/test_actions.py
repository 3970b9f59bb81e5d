"""Each backend's table of actions is named after its spec's actions and machine rules."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

import pytest
from aura_conformance import (
    DescriptorValidityMachine,
    EpochRotationMachine,
    GuardChainMachine,
    SpecChecker,
    descriptor_validity_checker,
    epoch_rotation_checker,
    guard_chain_checker,
)
from aura_conformance.descriptor_validity import ACTION_TABLE as DV_TABLE
from aura_conformance.epoch_rotation import ACTION_TABLE as ER_TABLE
from aura_conformance.guard_chain import ACTION_TABLE as GC_TABLE
from aura_model.specs import module_path

# Harness rules that are no action of the spec: the guard chain's clock moves
# nothing the spec sees (a stutter); the epoch attacker's impersonation (another
# static key under Ini's id: Rendezvous.tla's RVMembersOnly judges it) and its
# rewritten epoch header (a HandleHandshake the spec does not enable) are
# refusals in a correct backend, as are its replay of the other context's message 1
# and its handshake there under the spec context's PSK, and a transport message of
# Ini's with one byte flipped.
# A receive whose outcome fails at its append rolls back whole: a stutter.
# A receipt of the guard world's other context, handed over as one of the spec's,
# is refused: a stutter.
HARNESS_ONLY = {
    "GuardChain": {"Tick", "ReceiveReceiptFails", "OtherContextReceipt"},
    "EpochRotation": {
        "ImpersonateInit",
        "RewriteEpoch",
        "OtherContextHandshake",
        "ReplayOtherContextInit",
        "ForeignPskOtherContextInit",
        "ForgeData",
    },
    # The descriptor clock's last millisecond of a unit, and a question to
    # needs_refresh: stutters of the spec.
    "DescriptorValidity": {"LastMillisecond", "AskRefresh"},
}

CASES = [
    ("GuardChain", GC_TABLE, guard_chain_checker, GuardChainMachine),
    ("DescriptorValidity", DV_TABLE, descriptor_validity_checker, DescriptorValidityMachine),
    ("EpochRotation", ER_TABLE, epoch_rotation_checker, EpochRotationMachine),
]


@pytest.mark.parametrize(("module", "table", "checker", "machine"), CASES)
def test_action_tables_use_the_spec_action_names(
    module: str,
    table: Mapping[str, object],
    checker: Callable[[], SpecChecker],
    machine: type,
) -> None:
    """A handler's name is a definition of the spec, or a rule the checker explains as a
    path of spec actions (``composite``), and the machine has a rule of that name."""
    text = module_path(module).read_text(encoding="utf-8")
    defined = set(re.findall(r"^([A-Z]\w*)(?:\([^)]*\))? ==", text, re.MULTILINE))
    composite = set(checker().composite)
    assert set(table) - defined - composite - HARNESS_ONLY.get(module, set()) == set()
    assert [name for name in table if not callable(getattr(machine, name, None))] == []
