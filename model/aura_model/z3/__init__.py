"""Z3 transition systems and proofs for the rendezvous specs.

The TLA+ modules in ``spec/`` are mirrored here with the same variables,
actions and invariant names; integers and times are unbounded (bit-vectors
where the implementation computes in u64). See ``docs/proofs.md``.
"""

from aura_model.z3._prove import (
    DEFAULT_DEPTH,
    PURE,
    QUERY_GOAL_SECONDS,
    TOTAL_GOAL_SECONDS,
    ProveReport,
    Row,
    UnknownObligation,
    model_names,
    prove_all,
    row_names,
    stage_z3_prove,
)
from aura_model.z3._registry import MODELS, ModelEntry
from aura_model.z3.framework import (
    DEFAULT_RLIMIT,
    Action,
    ProofResult,
    QueryStat,
    Step,
    Trace,
    TransitionSystem,
    Verdict,
    Z3ModelError,
    format_value,
    fresh_context,
)
from aura_model.z3.models.pure import (
    PURE_RLIMIT,
    U64_MAX,
    BoundaryCase,
    PureCheck,
    boundary_cases,
    pure_checks,
    run_pure_checks,
)

__all__ = [
    "DEFAULT_DEPTH",
    "DEFAULT_RLIMIT",
    "MODELS",
    "PURE",
    "PURE_RLIMIT",
    "QUERY_GOAL_SECONDS",
    "TOTAL_GOAL_SECONDS",
    "U64_MAX",
    "Action",
    "BoundaryCase",
    "ModelEntry",
    "ProofResult",
    "ProveReport",
    "PureCheck",
    "QueryStat",
    "Row",
    "Step",
    "Trace",
    "TransitionSystem",
    "UnknownObligation",
    "Verdict",
    "Z3ModelError",
    "boundary_cases",
    "format_value",
    "fresh_context",
    "model_names",
    "prove_all",
    "pure_checks",
    "row_names",
    "run_pure_checks",
    "stage_z3_prove",
]
