"""A tap on a backend: every request it serves, recorded and counted.

The spec machines call ``backend.request`` and nothing else to move a world, so
a tap installed on the backend sees every run whatever the machine: it writes
each run (from one ``Reset`` to the next) as an ITF trace with the request of
every step in its ``#meta``, and counts each ``(action, outcome)`` pair for
:mod:`~aura_conformance.harness.coverage`. Installing it swaps the instance's
``request`` for the tap's and :meth:`Tap.remove` restores it, so the machine
keeps its backend's own type (and the in-process extras it reads, such as a
world's lookups).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from aura_conformance.harness.backend import Backend, Reply
from aura_conformance.harness.coverage import Coverage
from aura_conformance.harness.state import State
from aura_conformance.harness.trace import Recorder

__all__ = ["Tap"]


class Tap:
    """Observes ``backend`` until :meth:`remove`.

    With ``record_dir`` each finished run is written as ``run-NNNN.itf.json``.
    :meth:`run` is the n-th run observed (the directed scenarios come first, in
    their order, and the first ``keep`` runs are held); :meth:`last_run` the run
    in progress or the latest one (after a failure and shrinking, the failing run
    as Hypothesis replayed it last).
    """

    def __init__(
        self,
        backend: Backend,
        *,
        record_dir: Path | None = None,
        coverage: Coverage | None = None,
        keep: int = 256,
    ) -> None:
        self.backend = backend
        self.keep = keep
        self.held: list[Recorder] = []
        self.record_dir = record_dir
        self.coverage = coverage
        self.runs = 0
        self._current: Recorder | None = None
        self._before: State | None = None
        self._serve = backend.request
        # An instance attribute shadows the method for every caller of this backend.
        setattr(backend, "request", self.request)  # noqa: B010

    def request(self, action: str, args: Mapping[str, Any], now: int) -> Reply:
        reply = self._serve(action, args, now)
        if action == "Reset":
            self._flush()
            self._current = Recorder(self.backend.schema.variables, self.backend.name)
            self.runs += 1
            if len(self.held) < self.keep:
                self.held.append(self._current)
        elif self.coverage is not None:
            self.coverage.count(action, reply.outcome, args, self._before)
        self._before = reply.state
        if self._current is not None:
            self._current.add(reply.state, action, args=args, now=now, outcome=reply.outcome)
        return reply

    def last_run(self) -> Recorder | None:
        return self._current

    def run(self, n: int) -> Recorder | None:
        """The ``n``-th run observed (from 0), if it is held."""
        return self.held[n] if 0 <= n < len(self.held) else None

    def _flush(self) -> None:
        if self.record_dir is not None and self._current is not None:
            self._current.write(self.record_dir / f"run-{self.runs:04d}.itf.json")

    def remove(self) -> None:
        """Stop observing; the run in progress is written like the others."""
        self._flush()
        if self.backend.__dict__.get("request") == self.request:
            del self.backend.__dict__["request"]
