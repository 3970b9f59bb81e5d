"""Whether a model's invariants and constraints are functions of the state alone.

The search judges a state outside the CONSTRAINTs each time an action
produces it again (it is never stored, so it is new each time, as in TLC).
When every invariant and constraint gives the same verdict for the same
state, the search may remember that verdict: here is the test it relies on.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aura_model.tla._modules import OpDef
from aura_model.tla.compile._context import Scope
from aura_model.tla.compile._operators import state_function_tree

if TYPE_CHECKING:
    from aura_model.tla._model import Model

__all__ = ["state_functions"]


def state_functions(model: Model) -> bool:
    """True when the invariants and constraints are functions of the state and
    the search's fingerprint names one state (no VIEW, no SYMMETRY, no
    ACTION_CONSTRAINT): then a state's verdicts hold whenever it comes again."""
    if model.view is not None or model.symmetry or model.action_constraints:
        return False
    cfg = model.cfg
    # Invariants that came from elsewhere (a PROPERTY []P) are not looked into.
    if [n for n, _ in model.invariants] != list(cfg.invariants):
        return False
    if len(model.constraints) != len(cfg.constraints):
        return False
    seen: set[int] = set()
    todo: list[Any] = [model.root.defs.get(n) for n in [*cfg.invariants, *cfg.constraints]]
    while todo:
        d = todo.pop()
        if not isinstance(d, OpDef):
            return False
        if id(d) in seen:
            continue
        seen.add(id(d))
        if d.mod.subst is not None:
            return False  # an instance with substitutions: not looked into
        if not state_function_tree(model.comp, d.node.definiens, Scope(d.mod, {}), todo):
            return False
    return True
