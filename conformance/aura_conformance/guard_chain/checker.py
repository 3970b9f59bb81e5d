"""The embedded checker for GuardChain.tla, loaded once."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from aura_model.specs import module_path
from aura_model.tla import load_model

from aura_conformance.guard_chain.mapping import GUARD_CHAIN
from aura_conformance.harness.checker import SpecChecker

__all__ = ["GUARD_CHAIN_CFG", "INTERPRETER_ACTIONS", "guard_chain_checker"]

# The actions ExecuteEffects may stand for, in the order the interpreter runs them.
INTERPRETER_ACTIONS = frozenset(
    {"ChargeFlowBudget", "JournalAppend", "JournalAppendFails", "SendPacket"}
)

# The world's constants: MC_GuardChain.cfg's but for the roster (two holders).
GUARD_CHAIN_CFG = Path(__file__).resolve().parent / "tla" / "GuardChainConformance.cfg"


@cache
def guard_chain_checker() -> SpecChecker:
    """The checker for spec/GuardChain.tla with ``tla/GuardChainConformance.cfg``
    (loaded once): the world's constants, too big a model to explore whole (the
    spec's MC_ models check it at smaller scopes).

    The implementation runs ``ExecuteEffects`` in one call, so its step may be
    a path of up to three of the interpreter's actions.
    """
    model = load_model(module_path("GuardChain"), GUARD_CHAIN_CFG)
    return SpecChecker(model, GUARD_CHAIN, {"ExecuteEffects": (INTERPRETER_ACTIONS, 3)})
