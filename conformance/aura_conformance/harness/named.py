"""A step no action of Next explains, named after the known shortfall that takes it.

Each spec's bad models (``MC_<M>_bad_<Invariant>.cfg``) switch ``BUG_*``
constants on and say which invariant they break. When the step validator
explains no step and the new state breaks no invariant that would name the
mistake already, the bad model under which the step is one names it, provided
it also takes the run that led there, when the failure carries that run
(``ConformanceFailure.run``, the spec checker's): a model that only takes the
last step names nothing.
"""

from __future__ import annotations

from aura_conformance.harness.errors import ConformanceFailure
from aura_conformance.harness.shortfalls import describe, explaining_run, explaining_step
from aura_conformance.harness.state import State

__all__ = ["named_after_shortfall"]


def named_after_shortfall(
    module: str, exc: ConformanceFailure, prev: State, nxt: State
) -> ConformanceFailure:
    """``exc``, naming the known shortfall of ``spec/<module>.tla`` whose model takes
    the step ``prev -> nxt`` (and the run before it, when ``exc`` carries it), when
    the step's new state breaks no invariant."""
    message = str(exc)[: -len(exc.table) - 1] if exc.table else str(exc)
    if exc.kind != "step" or "violates" in message:
        return exc
    run = list(exc.run)
    if run and run[-1] is prev:
        found = explaining_run(module, [*run, nxt])
    else:
        found = explaining_step(module, prev, nxt)
    clause = describe(found)
    if not clause:
        return exc
    head, _, tail = message.rpartition(" (harness action:")
    return ConformanceFailure(
        f"{head}{clause} (harness action:{tail}", kind=exc.kind, action=exc.action, table=exc.table
    )
