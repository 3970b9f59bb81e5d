"""Temporal properties: a tableau for the negated property, run on the state graph.

A property (any formula of ``[]``, ``<>``, ``~>``, ``WF``/``SF``, ``[][A]_v``,
``<><<A>>_v``, Boolean connectives and bounded ``\\A``/``\\E`` over state and
action predicates) is negated and put in negation normal form; a tableau turns
it into a generalised Büchi automaton whose transitions read the current state
(state predicates) and the step taken (action predicates). Its product with the
reachable state graph (every state may also stutter, as TLA+ behaviours may) is
searched for a strongly connected component that meets every acceptance
condition and the spec's own ``WF``/``SF`` conditions; such a component is a
fair behaviour that violates the property, printed as a lasso.

A component is fair for ``WF_v(A)`` when ``<<A>>_v`` is disabled in one of its
states or one of its steps is an ``<<A>>_v`` step; for ``SF_v(A)`` when it has
such a step or, failing that, after removing the states where ``A`` is enabled
a fair sub-component remains (Streett refinement).

``_formulas`` (formulas, atoms, fairness) -> ``_properties`` (syntax to
formulas); ``_graph`` -> ``_tableau`` -> ``_search`` (product and lasso).
"""

from aura_model.tla.liveness._formulas import Fairness, LiveCheck
from aura_model.tla.liveness._properties import (
    compile_fairness,
    compile_live,
    is_temporal,
    refuse_mixed_levels,
)
from aura_model.tla.liveness._search import find_violation

__all__ = [
    "Fairness",
    "LiveCheck",
    "compile_fairness",
    "compile_live",
    "find_violation",
    "is_temporal",
    "refuse_mixed_levels",
]
