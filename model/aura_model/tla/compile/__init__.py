"""Compile TLA+ syntax trees to Python closures, once per definition.

Expressions become ``f(ctx, env) -> value``; ``ctx.cur``/``ctx.nxt`` hold the
current and next state (lists indexed by variable), ``env`` the bound names.
Actions (and Init) become generators in continuation-passing style,
``a(ctx, env, k)``: each way the action can hold assigns the unassigned primed
variables in ``ctx.nxt`` and calls ``k()``, then undoes its assignments.
Every disjunct of an action is explored (as TLC does), while expressions
short-circuit. Levels: 0 constant (the value is computed once and kept),
1 depends on the state or on bound names, 2 mentions primed variables.

The parts follow the seams of the language: ``_names`` (what an identifier
means), ``_expressions`` and ``_quantifiers`` (constructs without and with
bound names), ``_core`` (built-in operators), ``_operators`` (user
definitions, LET, LAMBDA), ``_actions`` and ``_guards`` (next-state
relations); ``_compiler`` holds the state and dispatches by syntax kind.
What the compiled closures run on (``Ctx``, ``UNSET``) is ``aura_model.tla._runtime``.
"""

from aura_model.tla.compile._actions import conj
from aura_model.tla.compile._binders import enumerate_binds
from aura_model.tla.compile._compiler import Compiler
from aura_model.tla.compile._context import kind_of, op_of

__all__ = [
    "Compiler",
    "conj",
    "enumerate_binds",
    "kind_of",
    "op_of",
]
