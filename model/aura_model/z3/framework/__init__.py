"""The Z3 framework the spec models are written in.

``ts`` is the transition system (variables, ``Init``, actions, invariants)
and its queries (induction, k-induction, BMC, witnesses); ``trace`` what
they return (verdicts, traces in the spec's vocabulary); ``query`` runs one
query under a deterministic resource limit; ``context`` gives each proof
obligation a Z3 context of its own; ``sorts`` declares the spec's model
values as enumeration sorts. Nothing here knows a spec: the models in
``aura_model.z3.models`` import from this package only.
"""

from aura_model.z3.framework.context import context_cached, fresh_context, memo
from aura_model.z3.framework.query import (
    DEFAULT_RLIMIT,
    SAFETY_TIMEOUT_MS,
    Outcome,
    QueryStat,
    Verdict,
    limited_solver,
    recording,
    run_query,
)
from aura_model.z3.framework.sorts import EnumSort
from aura_model.z3.framework.trace import (
    ProofResult,
    Record,
    Step,
    Trace,
    array_true_keys,
    decode_scalar,
    format_trace,
    format_value,
)
from aura_model.z3.framework.ts import (
    Action,
    Params,
    Relation,
    State,
    StatePred,
    TransitionSystem,
    Z3ModelError,
)

__all__ = [
    "DEFAULT_RLIMIT",
    "SAFETY_TIMEOUT_MS",
    "Action",
    "EnumSort",
    "Outcome",
    "Params",
    "ProofResult",
    "QueryStat",
    "Record",
    "Relation",
    "State",
    "StatePred",
    "Step",
    "Trace",
    "TransitionSystem",
    "Verdict",
    "Z3ModelError",
    "array_true_keys",
    "context_cached",
    "decode_scalar",
    "format_trace",
    "format_value",
    "fresh_context",
    "limited_solver",
    "memo",
    "recording",
    "run_query",
]
