"""A failure that counts only when a run found nothing the spec names.

A machine that checks what a backend reported against what it observed (the
bytes of a send against the record its state adds) may find a mismatch before
the step that breaks an invariant: a backend with a prologue of its own sends
message 1s no reference answers, and also lets a stale channel live. The
invariant is the better verdict, so the mismatch is kept here, shared by the
directed and the random machines of one run, and it fails the run only at the
end, if nothing else did (:meth:`Deferred.verdict`).
"""

from __future__ import annotations

from collections.abc import Sequence

import attrs

from aura_conformance.harness.errors import ConformanceFailure
from aura_conformance.harness.result import ConformanceResult

__all__ = ["Deferred"]


class Deferred:
    """The first deferred failure of a run.

    ``scenarios`` are the directed schedules the run starts with, in order: a
    failure found in the n-th run from ``Reset`` is named after the n-th
    schedule (``scenario NAME: ...``), so its report shows that schedule's
    program. Machines call :meth:`reset` at each ``Reset``.
    """

    def __init__(self, scenarios: Sequence[str] = ()) -> None:
        self.scenarios = tuple(scenarios)
        self.first: ConformanceFailure | None = None
        self._runs = 0

    def reset(self) -> None:
        self._runs += 1

    def add(self, message: str, *, action: str) -> None:
        """Keep ``message`` (an ``invariant: ...`` text) unless a failure is kept already."""
        if self.first is not None:
            return
        n = self._runs - 1
        where = f"scenario {self.scenarios[n]}: " if 0 <= n < len(self.scenarios) else ""
        self.first = ConformanceFailure(where + message, kind="invariant", action=action, table="")

    def verdict(self, result: ConformanceResult) -> ConformanceResult:
        """``result``, failed by the deferred failure if it found nothing else."""
        if not result.conformant or self.first is None:
            return result
        return attrs.evolve(result, conformant=False, failure=str(self.first))
