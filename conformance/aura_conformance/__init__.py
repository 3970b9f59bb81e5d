"""Conformance harness: drives an implementation and checks every step against the spec.

Hypothesis state machines whose rules are GuardChain.tla's actions drive a
backend (the reference implementation in process, a deliberately broken
variant of it, or any program speaking the stdio protocol of
``docs/conformance.md``); each step is validated by the embedded TLA+ checker's
:class:`~aura_model.tla.StepValidator` and recorded as an ITF trace.
"""

from aura_conformance._backend import (
    ACTIONS,
    MAX_REPLY_BYTES,
    PROTOCOL,
    Backend,
    ReferenceBackend,
    Reply,
    StdioBackend,
    decode_reply,
    serve_stdio,
)
from aura_conformance._checker import (
    SpecChecker,
    StepReport,
    descriptor_validity_checker,
    epoch_rotation_checker,
    guard_chain_checker,
)
from aura_conformance._cli import open_backend
from aura_conformance._dv_machine import (
    DV_SCENARIOS,
    DescriptorBackend,
    DescriptorValidityMachine,
    check_lookups,
    run_dv_conformance,
    run_dv_scenarios,
)
from aura_conformance._dv_world import DV_VARIANTS, DescriptorWorld, DVVariant
from aura_conformance._epoch_machine import (
    EPOCH_DIVERGENCES,
    EPOCH_SCENARIOS,
    EpochBackend,
    EpochRotationMachine,
    run_epoch_conformance,
    run_epoch_scenarios,
)
from aura_conformance._epoch_world import EPOCH_VARIANTS, EpochVariant, EpochWorld
from aura_conformance._errors import (
    BackendCrashed,
    BackendError,
    BackendProtocolError,
    BackendTimeout,
    ConformanceError,
    ConformanceFailure,
    TraceReplayError,
)
from aura_conformance._machine import (
    SCENARIOS,
    ConformanceResult,
    GuardChainMachine,
    make_machine,
    run_conformance,
)
from aura_conformance._mapping import (
    GUARD_CHAIN_VARS,
    State,
    format_state_table,
    project_descriptor_validity,
    project_epoch_rotation,
    project_guard_chain,
    state_from_itf,
    state_to_itf,
)
from aura_conformance._trace import Recorder, ReplayResult, replay_trace
from aura_conformance._world import VARIANTS, GuardChainWorld, Variant

__all__ = [
    "ACTIONS",
    "DV_SCENARIOS",
    "DV_VARIANTS",
    "EPOCH_DIVERGENCES",
    "EPOCH_SCENARIOS",
    "EPOCH_VARIANTS",
    "GUARD_CHAIN_VARS",
    "MAX_REPLY_BYTES",
    "PROTOCOL",
    "SCENARIOS",
    "VARIANTS",
    "Backend",
    "BackendCrashed",
    "BackendError",
    "BackendProtocolError",
    "BackendTimeout",
    "ConformanceError",
    "ConformanceFailure",
    "ConformanceResult",
    "DVVariant",
    "DescriptorBackend",
    "DescriptorValidityMachine",
    "DescriptorWorld",
    "EpochBackend",
    "EpochRotationMachine",
    "EpochVariant",
    "EpochWorld",
    "GuardChainMachine",
    "GuardChainWorld",
    "Recorder",
    "ReferenceBackend",
    "ReplayResult",
    "Reply",
    "SpecChecker",
    "State",
    "StdioBackend",
    "StepReport",
    "TraceReplayError",
    "Variant",
    "check_lookups",
    "decode_reply",
    "descriptor_validity_checker",
    "epoch_rotation_checker",
    "format_state_table",
    "guard_chain_checker",
    "make_machine",
    "open_backend",
    "project_descriptor_validity",
    "project_epoch_rotation",
    "project_guard_chain",
    "replay_trace",
    "run_conformance",
    "run_dv_conformance",
    "run_dv_scenarios",
    "run_epoch_conformance",
    "run_epoch_scenarios",
    "serve_stdio",
    "state_from_itf",
    "state_to_itf",
]
