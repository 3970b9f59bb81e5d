"""Whether a model's invariants and constraints are functions of the state alone.

The search judges a state outside the CONSTRAINTs each time an action
produces it again (it is never stored, so it is new each time, as in TLC).
When every invariant and constraint gives the same verdict for the same
state, the search may remember that verdict: here is the test it relies on.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aura_model.tla._modules import Const, InstDef, Macro, OpDef
from aura_model.tla._stdlib import Builtin
from aura_model.tla.compile._context import Scope, kind_of

if TYPE_CHECKING:
    from aura_model.tla._model import Model

__all__ = ["state_functions"]

# Standard operators whose result is not a function of their arguments and the
# state: TLC's registers (TLCGet("level") differs between two productions of
# one state), randomness, the clock, output (TLC prints at each evaluation).
_STATEFUL = frozenset(("Print", "PrintT", "TLCGet", "TLCSet", "RandomElement", "JavaTime"))


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
    consts = model.comp.consts
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
        if not _tree(d.node.definiens, Scope(d.mod, {}), consts, todo):
            return False
    return True


def _tree(node: Any, sc: Scope, consts: dict[str, Any], refs: list[Any]) -> bool:
    """False when ``node`` itself may give another answer for the same state;
    the user definitions it names go to ``refs``."""
    if node is None or isinstance(node, (str, int, bool)):
        return True
    if isinstance(node, list):
        return all(_tree(x, sc, consts, refs) for x in node)
    if not isinstance(node, tuple):
        return True
    if not hasattr(node, "_fields"):
        # A plain tuple holds syntax too: a record's ``(field, expression)``.
        return all(_tree(x, sc, consts, refs) for x in node)
    kind = kind_of(node)
    if kind in ("SUBEXPRESSION_REFERENCE", "INSTANCE"):
        return False
    if kind == "OPERATOR_APPLICATION":
        op: str = getattr(node, "operator", "")
        if op in _STATEFUL:
            return False
        d = sc.mod.defs.get(op)
        if isinstance(d, Const):
            # ``C <- Def`` in the configuration: the definition stands for C.
            v = consts.get(d.name)
            if isinstance(v, tuple) and len(v) == 2 and v[0] == "subst":
                d = sc.mod.root.defs.get(v[1])
                if d is None:
                    return v[1] not in _STATEFUL
        if isinstance(d, (Macro, InstDef)) or (isinstance(d, tuple) and d[0] == "macro"):
            return False
        if isinstance(d, Builtin) and d.name in _STATEFUL:
            return False
        if isinstance(d, OpDef):
            refs.append(d)
    return all(
        _tree(getattr(node, f), sc, consts, refs)
        for f in node._fields
        if f not in ("symbol", "start", "end")
    )
