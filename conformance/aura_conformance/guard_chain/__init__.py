"""GuardChain.tla conformance: guards, budgets, journal and receipts of the reference.

- ``world``: the reference implementation's parts wired as the spec sees them,
  and the broken :data:`VARIANTS`
- ``mapping``: the abstraction function onto the spec's variables
- ``backends``: the spec's actions as a table over the world, in process or as
  a program speaking the stdio protocol
- ``checker`` and ``machine``: the spec loaded once, and the Hypothesis state
  machine whose rules are the spec's actions
"""

from aura_conformance.guard_chain.backends import (
    ACTION_TABLE,
    ACTIONS,
    ReferenceBackend,
    open_backend,
)
from aura_conformance.guard_chain.checker import INTERPRETER_ACTIONS, guard_chain_checker
from aura_conformance.guard_chain.machine import (
    SCENARIOS,
    GuardChainMachine,
    ScenarioResult,
    make_machine,
    run_conformance,
    run_scenarios,
)
from aura_conformance.guard_chain.mapping import (
    GUARD_CHAIN,
    GUARD_CHAIN_VARS,
    NO_AUTH,
    project_guard_chain,
    wire_record,
)
from aura_conformance.guard_chain.world import (
    VARIANTS,
    FaultyJournal,
    GuardChainWorld,
    JournalFault,
    Variant,
)

__all__ = [
    "ACTIONS",
    "ACTION_TABLE",
    "GUARD_CHAIN",
    "GUARD_CHAIN_VARS",
    "INTERPRETER_ACTIONS",
    "NO_AUTH",
    "SCENARIOS",
    "VARIANTS",
    "FaultyJournal",
    "GuardChainMachine",
    "GuardChainWorld",
    "JournalFault",
    "ReferenceBackend",
    "ScenarioResult",
    "Variant",
    "guard_chain_checker",
    "make_machine",
    "open_backend",
    "project_guard_chain",
    "run_conformance",
    "run_scenarios",
    "wire_record",
]
