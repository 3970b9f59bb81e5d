"""The embedded checker for GuardChain.tla, loaded once."""

from __future__ import annotations

from functools import cache

from aura_conformance.guard_chain.mapping import GUARD_CHAIN
from aura_conformance.harness.checker import SpecChecker, load_checker

__all__ = ["INTERPRETER_ACTIONS", "guard_chain_checker"]

# The actions ExecuteEffects may stand for, in the order the interpreter runs them.
INTERPRETER_ACTIONS = frozenset(
    {"ChargeFlowBudget", "JournalAppend", "JournalAppendFails", "SendPacket"}
)


@cache
def guard_chain_checker() -> SpecChecker:
    """The checker for spec/GuardChain.tla with MC_GuardChain.cfg (loaded once).

    The implementation runs ``ExecuteEffects`` in one call, so its step may be
    a path of up to three of the interpreter's actions.
    """
    return load_checker(
        "GuardChain",
        "MC_GuardChain.cfg",
        GUARD_CHAIN,
        {"ExecuteEffects": (INTERPRETER_ACTIONS, 3)},
    )
