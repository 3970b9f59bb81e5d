"""Subprocess runners for Apalache and TLC, used when installed.

SANY (``run_sany``) checks a module's syntax and names from the same jar as TLC.
Each reports an :class:`EngineResult` in the embedded checker's vocabulary, or a
``skipped`` result with the reason when the tool is absent. Formats, detection
rules and exit codes: ``docs/formats.md``.
"""

from aura_model.runners._apalache import (
    APALACHE_EXIT_CODES,
    ApalacheCounterexample,
    apalache_command,
    parse_apalache_output,
    parse_counterexample_tla,
)
from aura_model.runners._detect import (
    APALACHE_MIN_JAVA,
    TLC_MIN_JAVA,
    JavaInfo,
    ToolStatus,
    detect_apalache,
    detect_java,
    detect_tlc,
    parse_java_version,
    shared_tla_jar,
)
from aura_model.runners._engine import (
    ENGINES,
    EXIT_USAGE,
    Expectation,
    detect,
    expectation_for,
    model_configs,
    run_engine,
    run_models,
    run_tool,
    spec_for,
    stage_apalache,
)
from aura_model.runners._result import (
    EXIT_ASSUME,
    EXIT_DEADLOCK,
    EXIT_ERROR,
    EXIT_INVARIANT,
    EXIT_OK,
    EXIT_PROPERTY,
    EXIT_SKIPPED,
    RESULTS,
    EngineResult,
    RunnerError,
)
from aura_model.runners._rpc import (
    EXPLORER_PORT,
    ExplorerClient,
    RpcError,
    explorer_command,
    parse_rpc_response,
    rpc_request,
)
from aura_model.runners._runs import clear_shared_runs, shared_tlc_run, stage_tlc
from aura_model.runners._sany import (
    SanyDiagnostic,
    SanyResult,
    run_sany,
    sany_command,
    sany_diagnostics,
)
from aura_model.runners._tlc import TLC_EXIT_CODES, parse_tlc_output, tlc_command

__all__ = [
    "APALACHE_EXIT_CODES",
    "APALACHE_MIN_JAVA",
    "ENGINES",
    "EXIT_ASSUME",
    "EXIT_DEADLOCK",
    "EXIT_ERROR",
    "EXIT_INVARIANT",
    "EXIT_OK",
    "EXIT_PROPERTY",
    "EXIT_SKIPPED",
    "EXIT_USAGE",
    "EXPLORER_PORT",
    "RESULTS",
    "TLC_EXIT_CODES",
    "TLC_MIN_JAVA",
    "ApalacheCounterexample",
    "EngineResult",
    "Expectation",
    "ExplorerClient",
    "JavaInfo",
    "RpcError",
    "RunnerError",
    "SanyDiagnostic",
    "SanyResult",
    "ToolStatus",
    "apalache_command",
    "clear_shared_runs",
    "detect",
    "detect_apalache",
    "detect_java",
    "detect_tlc",
    "expectation_for",
    "explorer_command",
    "model_configs",
    "parse_apalache_output",
    "parse_counterexample_tla",
    "parse_java_version",
    "parse_rpc_response",
    "parse_tlc_output",
    "rpc_request",
    "run_engine",
    "run_models",
    "run_sany",
    "run_tool",
    "sany_command",
    "sany_diagnostics",
    "shared_tla_jar",
    "shared_tlc_run",
    "spec_for",
    "stage_apalache",
    "stage_tlc",
    "tlc_command",
]
