"""Re-driving a recorded run on any backend, judged by the spec rather than by the record.

A recorded trace (:mod:`~aura_conformance.harness.trace`) holds, in each state's
``#meta``, the request that led to it: ``action``, ``args`` and ``now``. Its
:func:`load_program` is that list of requests. :func:`replay_program` sends them,
in order, through a fresh spec machine bound to the backend under test, so each
step is judged as in a conformance run (the step validator, the invariants and
the machine's own checks), never by comparison with the recorded states: the
trace of a bug fails on the backend that has it and passes on a correct one.

A request the backend refuses (a plain :class:`BackendError`: the receipt the
recorded backend put on the wire is not on this one's) is skipped and listed;
the spec judges what a backend does, and it did nothing. A replay with a
refused request is no verdict of conformance (the program the backend ran is
not the recorded one): :attr:`Replayed.complete` says so.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from pathlib import Path
from typing import Any, TypeVar

import attrs
from aura_model import itf
from aura_model.tla import values as V

from aura_conformance.harness.driver import CountingMachine
from aura_conformance.harness.errors import (
    BackendError,
    BackendProtocolError,
    ConformanceError,
    ConformanceFailure,
    TraceReplayError,
)
from aura_conformance.harness.state import StateSchema, decode_args

__all__ = [
    "Replayed",
    "Request",
    "StepDriver",
    "load_program",
    "read_trace",
    "replay_program",
    "run_step",
]

M = TypeVar("M", bound=CountingMachine)

# Sends one recorded request through a machine: (machine, action, args).
StepDriver = Callable[[M, str, dict[str, Any]], None]


@attrs.frozen
class Request:
    """One recorded request (its arguments as checker values)."""

    action: str
    args: Mapping[str, Any] = attrs.field(eq=False)
    now: int

    def describe(self) -> str:
        inner = ", ".join(f"{k}={V.format_value(v)}" for k, v in self.args.items())
        return f"{self.action}({inner})"


@attrs.frozen
class Replayed:
    """The verdict of a replay: conformant unless ``failure``.

    ``failed_step`` is the 1-based index of the failing request (0: the reply to
    ``Reset``); ``refused`` the requests the backend refused, with its reasons.
    """

    steps: int
    refused: tuple[tuple[int, str, str], ...] = ()
    failure: ConformanceFailure | None = None
    failed_step: int | None = None
    failed_action: str | None = None

    @property
    def conformant(self) -> bool:
        return self.failure is None

    @property
    def complete(self) -> bool:
        """Every request was served: a pass is a verdict."""
        return not self.refused


def read_trace(path: Path) -> itf.Trace:
    """The ITF trace at ``path``, or :class:`TraceReplayError` saying why it is unusable."""
    try:
        return itf.load_trace(path)
    except OSError as exc:
        raise TraceReplayError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except (ValueError, RecursionError) as exc:  # ItfError is a ValueError
        raise TraceReplayError(f"{path}: not an ITF trace: {exc}") from None


def _request(meta: Any, i: int, schema: StateSchema) -> Request:
    if not isinstance(meta, Mapping):
        raise TraceReplayError(f"state {i}: #meta must be an object")
    action, now = meta.get("action"), meta.get("now", 0)
    if not isinstance(action, str) or not action:
        raise TraceReplayError(f"state {i}: #meta.action must be a non-empty string")
    if isinstance(now, bool) or not isinstance(now, int) or now < 0:
        raise TraceReplayError(f"state {i}: #meta.now must be a non-negative integer")
    try:
        args = decode_args(meta.get("args", {}), schema)
    except BackendProtocolError as exc:
        raise TraceReplayError(f"state {i}: bad args: {exc}") from None
    except RecursionError:
        raise TraceReplayError(f"state {i}: args nested too deeply") from None
    return Request(action, args, now)


def load_program(
    trace: itf.Trace,
    schema: StateSchema,
    *,
    source: str,
    actions: Collection[str] | None = None,
) -> tuple[Request, ...]:
    """The requests of a recorded run, after its ``Reset``; the trace's variables
    must be the spec's, and its actions among ``actions`` when given."""
    if tuple(trace.vars) != schema.variables:
        raise TraceReplayError(
            f"{source}: vars {list(trace.vars)} are not the spec's {list(schema.variables)}"
        )
    if not trace.states:
        raise TraceReplayError(f"{source}: the trace has no states")
    metas = list(trace.state_meta)
    if len(metas) != len(trace.states):
        raise TraceReplayError(f"{source}: every state needs a #meta with its request")
    program = [_request(meta, i, schema) for i, meta in enumerate(metas)]
    resets = [i for i, r in enumerate(program) if r.action == "Reset"]
    if resets != [0]:
        raise TraceReplayError(f"{source}: a trace starts with Reset, and only there")
    if actions is not None:
        for i, r in enumerate(program[1:], 1):
            if r.action not in actions:
                raise TraceReplayError(f"{source}: state {i}: {r.action!r} is not an action here")
    return tuple(program[1:])


def run_step(machine: Any, action: str, args: dict[str, Any]) -> None:
    """The default driver: the machine's own request-and-validate step."""
    machine._step(action, args)


def replay_program(
    program: tuple[Request, ...],
    machine: type[M],
    drive: StepDriver[M] = run_step,
) -> Replayed:
    """Send ``program`` through a fresh ``machine``; the first failing step is the verdict.

    A crash, a timeout or a malformed reply of the backend is raised as
    :class:`BackendError`; an in-process backend that cannot take a recorded
    argument at all is a :class:`TraceReplayError` (the trace is not one of
    this spec's runs).
    """
    m = machine()
    try:
        m.Reset()  # type: ignore[attr-defined]
    except ConformanceFailure as exc:
        return Replayed(0, failure=exc, failed_step=0, failed_action="Reset")
    refused: list[tuple[int, str, str]] = []
    for i, req in enumerate(program, 1):
        if hasattr(m, "now"):
            m.now = req.now
        try:
            drive(m, req.action, dict(req.args))
        except ConformanceFailure as exc:
            return Replayed(i, tuple(refused), exc, i, req.action)
        except BackendError as exc:
            if type(exc) is not BackendError:
                raise
            refused.append((i, req.action, str(exc)))
        except TraceReplayError:
            raise
        except ConformanceError as exc:  # the backend declared the action unsupported
            refused.append((i, req.action, str(exc)))
        except (KeyError, IndexError, TypeError, ValueError, AttributeError) as exc:
            raise TraceReplayError(
                f"step {i} ({req.describe()}): the backend cannot take these arguments: "
                f"{type(exc).__name__}: {exc}"
            ) from None
    # A machine may defer what only fails the run once nothing else did (sends
    # whose bytes are not what the state reports): here the run is over.
    found = getattr(getattr(m, "deferred", None), "first", None)
    if isinstance(found, ConformanceFailure):
        return Replayed(len(program), tuple(refused), found, len(program), found.action)
    return Replayed(len(program), tuple(refused))
