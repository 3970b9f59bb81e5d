"""Conformance runs as ITF traces: record them, replay them against a backend.

A recorded trace is an ITF document (``aura_model.itf``) whose ``vars`` are the
spec's variables. Each state's ``#meta`` holds the harness request that led to it
(``action``, ``args`` in ITF form, ``now``), the backend's ``outcome`` and the
spec actions that explained the step (``explained_by``); the first state is the
reply to ``Reset``. Replaying sends the same requests to a backend and demands
the same states, and validates every step against the spec again, so a trace
recorded against one backend is a regression test for any other.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs
from aura_model import itf

from aura_conformance.harness.backend import Backend
from aura_conformance.harness.checker import SpecChecker
from aura_conformance.harness.errors import BackendError, BackendProtocolError, TraceReplayError
from aura_conformance.harness.state import (
    State,
    StateSchema,
    decode_args,
    encode_args,
    format_state_table,
    state_from_itf,
    state_to_itf,
)

__all__ = ["Recorder", "ReplayResult", "replay_trace"]


class Recorder:
    """Collects the states and requests of one run."""

    def __init__(self, variables: tuple[str, ...], source: str) -> None:
        self.variables = variables
        self.source = source
        self.states: list[State] = []
        self.meta: list[dict[str, Any]] = []

    def add(
        self,
        state: State,
        action: str,
        *,
        args: Mapping[str, Any],
        now: int,
        outcome: str,
        explained_by: tuple[str, ...] = (),
    ) -> None:
        """One state and the request that led to it; ``explained_by`` is left out
        when the recording side did not validate the step itself."""
        self.states.append(state)
        meta: dict[str, Any] = {
            "action": action,
            "args": encode_args(args),
            "now": now,
            "outcome": outcome,
        }
        if explained_by:
            meta["explained_by"] = list(explained_by)
        self.meta.append(meta)

    def to_json(self) -> dict[str, Any]:
        encoded = [state_to_itf(s) for s in self.states]
        doc = itf.dump_trace(
            [{} for _ in encoded],
            list(self.variables),
            meta={"source": self.source, "tool": "aura-conformance"},
            state_meta=self.meta,
        )
        for out, enc in zip(doc["states"], encoded, strict=True):
            out.update(enc)
        return doc

    def write(self, path: Path) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.to_json(), indent=1), encoding="utf-8")
        return path


@attrs.frozen
class ReplayResult:
    steps: int
    explained: tuple[str, ...]


def _meta(trace: itf.Trace, i: int, schema: StateSchema) -> tuple[str, dict[str, Any], int]:
    meta = trace.state_meta[i] if i < len(trace.state_meta) else {}
    action, now = meta.get("action"), meta.get("now", 0)
    if not isinstance(action, str) or isinstance(now, bool) or not isinstance(now, int):
        raise TraceReplayError(f"state {i}: #meta needs action (string) and now (integer)")
    try:
        args = decode_args(meta.get("args", {}), schema)
    except BackendProtocolError as exc:
        raise TraceReplayError(f"state {i}: bad args: {exc}") from None
    return action, args, now


def replay_trace(path: Path, backend: Backend, checker: SpecChecker) -> ReplayResult:
    """Replay the trace at ``path`` against ``backend``; raise on the first divergence."""
    try:
        trace = itf.load_trace(path)
    except itf.ItfError as exc:
        raise TraceReplayError(f"{path}: {exc}") from None
    except OSError as exc:
        raise TraceReplayError(f"{path}: cannot read: {exc}") from None
    if tuple(trace.vars) != checker.variables:
        raise TraceReplayError(f"{path}: vars {list(trace.vars)} are not the spec's")
    if not trace.states:
        raise TraceReplayError(f"{path}: the trace has no states")
    recorded: list[State] = []
    for i, s in enumerate(trace.states):
        try:
            plain = {k: itf.encode_value(v) for k, v in s.items()}
            recorded.append(state_from_itf(plain, checker.schema, source=f"{path} state {i}"))
        except (BackendProtocolError, itf.ItfError) as exc:
            raise TraceReplayError(str(exc)) from None
    explained: list[str] = []
    prev: State | None = None
    for i, want in enumerate(recorded):
        action, args, now = _meta(trace, i, checker.schema)
        if (i == 0) != (action == "Reset"):
            raise TraceReplayError(f"state {i}: a trace starts with Reset, and only there")
        try:
            got = backend.request(action, args, now).state
        except BackendError as exc:
            if type(exc) is not BackendError:
                raise  # a crash, timeout or malformed reply is the backend's fault
            raise TraceReplayError(f"state {i} ({action}): the backend refused it: {exc}") from None
        diff = checker.same_state(want, got)
        if diff:
            raise TraceReplayError(
                f"state {i} ({action}): the backend diverged from the trace on "
                f"{', '.join(diff)}\n" + format_state_table(want, got, ("trace", "backend"))
            )
        if prev is None:
            checker.check_init(got)
        else:
            explained.append(checker.check_step(prev, got, action).describe())
        prev = got
    return ReplayResult(len(recorded) - 1, tuple(explained))
