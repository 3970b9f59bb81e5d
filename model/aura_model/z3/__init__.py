"""Z3 transition systems and proofs for the rendezvous specs.

The TLA+ modules in ``spec/`` are mirrored here with the same variables,
actions and invariant names; integers and times are unbounded (bit-vectors
where the implementation computes in u64). See ``docs/proofs.md``.
"""

from aura_model.z3._prove import ProveReport, Row, configure_prove, prove_all, stage_z3_prove
from aura_model.z3._pure import (
    U64_MAX,
    BoundaryCase,
    PureCheck,
    boundary_cases,
    pure_checks,
    run_pure_checks,
)
from aura_model.z3._registry import MODELS, ModelEntry
from aura_model.z3._ts import (
    Action,
    ProofResult,
    Skolemized,
    Step,
    Trace,
    TransitionSystem,
    Verdict,
    Z3ModelError,
    format_value,
)

__all__ = [
    "MODELS",
    "U64_MAX",
    "Action",
    "BoundaryCase",
    "ModelEntry",
    "ProofResult",
    "ProveReport",
    "PureCheck",
    "Row",
    "Skolemized",
    "Step",
    "Trace",
    "TransitionSystem",
    "Verdict",
    "Z3ModelError",
    "boundary_cases",
    "configure_prove",
    "format_value",
    "prove_all",
    "pure_checks",
    "run_pure_checks",
    "stage_z3_prove",
]
