"""The harness core every spec's conformance runs on.

- ``state``: projected states, the spec's :class:`StateSchema`, the ITF crossing
- ``backend``: the :class:`Backend` protocol and :class:`WorldBackend`, the
  in-process kind that dispatches each action through a table of handlers
- ``stdio``: the same protocol to a program in another process
- ``checker``: :class:`SpecChecker`, step validation with the embedded checker
- ``driver``: directed schedules, then Hypothesis runs of a state machine
- ``trace``: runs recorded as ITF traces and replayed against a backend
- ``result`` and ``errors``: the verdict and the typed failures

Nothing here knows a particular spec: each spec's sub-package supplies its
schema, its world, its projection and its table of actions.
"""

from aura_conformance.harness.backend import Backend, Handler, Reply, WorldBackend
from aura_conformance.harness.checker import Composite, SpecChecker, StepReport, load_checker
from aura_conformance.harness.driver import (
    CountingMachine,
    run_directed,
    run_machine,
    run_random,
    run_supported,
)
from aura_conformance.harness.errors import (
    ActionUnsupported,
    BackendCrashed,
    BackendError,
    BackendProtocolError,
    BackendTimeout,
    BackendVersionMismatch,
    ConformanceError,
    ConformanceFailure,
    TraceReplayError,
)
from aura_conformance.harness.result import ConformanceResult
from aura_conformance.harness.state import (
    State,
    StateSchema,
    decode_args,
    encode_args,
    format_state_table,
    state_from_itf,
    state_to_itf,
    value_from_itf,
    value_to_itf,
)
from aura_conformance.harness.stdio import (
    MAX_REPLY_BYTES,
    PROTOCOL,
    StdioBackend,
    decode_hello,
    decode_reply,
    serve_stdio,
)
from aura_conformance.harness.trace import Recorder, ReplayResult, replay_trace

__all__ = [
    "MAX_REPLY_BYTES",
    "PROTOCOL",
    "ActionUnsupported",
    "Backend",
    "BackendCrashed",
    "BackendError",
    "BackendProtocolError",
    "BackendTimeout",
    "BackendVersionMismatch",
    "Composite",
    "ConformanceError",
    "ConformanceFailure",
    "ConformanceResult",
    "CountingMachine",
    "Handler",
    "Recorder",
    "ReplayResult",
    "Reply",
    "SpecChecker",
    "State",
    "StateSchema",
    "StdioBackend",
    "StepReport",
    "TraceReplayError",
    "WorldBackend",
    "decode_args",
    "decode_hello",
    "decode_reply",
    "encode_args",
    "format_state_table",
    "load_checker",
    "replay_trace",
    "run_directed",
    "run_machine",
    "run_random",
    "run_supported",
    "serve_stdio",
    "state_from_itf",
    "state_to_itf",
    "value_from_itf",
    "value_to_itf",
]
