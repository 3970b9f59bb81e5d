"""What the ``z3-prove`` stage found, invariant by invariant.

An invariant or action-property row is a ``z3-proved`` check when it was proved
by induction and a ``z3-bounded`` one when only bounded model checking holds
(the unbounded proof is open). A bug-twin row (``Inv [BUG_Flag]``) is a
``violated-by-broken-variant`` check of Inv, PASS when the twin's violation was
found, with the twin's trace as a counterexample. Witness rows and the
all-invariants BMC row are figures, not checks.
"""

from __future__ import annotations

import json
import shlex
from collections.abc import Iterable
from typing import Any

from aura_model.stages import Check, Counterexample, Status, Step, slug
from aura_model.z3.framework import Verdict
from aura_model.z3.framework.trace import Record, Trace

__all__ = ["row_evidence", "trace_steps"]


def _itf(value: object) -> Any:
    """A decoded Z3 value as ITF JSON (the same forms the embedded checker writes)."""
    if isinstance(value, bool | str):
        return value
    if isinstance(value, int):
        return {"#bigint": str(value)}
    if isinstance(value, Record):
        return {k: _itf(v) for k, v in value.items()}
    if isinstance(value, frozenset | set):
        items = [_itf(v) for v in value]
        return {"#set": sorted(items, key=lambda x: json.dumps(x, sort_keys=True))}
    if isinstance(value, tuple | list):
        return [_itf(v) for v in value]
    if isinstance(value, dict):
        pairs = [[_itf(k), _itf(v)] for k, v in value.items()]
        return {"#map": sorted(pairs, key=lambda x: json.dumps(x, sort_keys=True))}
    return str(value)


def trace_steps(trace: Trace | None) -> tuple[tuple[str | None, dict[str, Any]], ...]:
    """A Z3 trace as (action, ITF state) pairs."""
    if trace is None:
        return ()
    return tuple(
        (step.action, {name: _itf(v) for name, v in step.state.items()}) for step in trace.steps
    )


def _split_twin(name: str) -> tuple[str, str]:
    if "/BUG_" in name:
        invariant, flag = name.split("/", 1)
        return invariant, flag
    invariant, _, rest = name.partition(" [")
    return invariant, rest.rstrip("]")


def _rerun(module: str, row: str) -> str:
    return f"aura-verify prove --model {module} --only {shlex.quote(row)} --traces"


def row_evidence(rows: Iterable[Any]) -> tuple[list[Check], list[Counterexample]]:
    """The checks and counterexamples of a run's :class:`~aura_model.z3.Row` values."""
    checks: list[Check] = []
    examples: list[Counterexample] = []
    for row in rows:
        module = row.module.removeprefix("pure:") if row.module.startswith("pure:") else row.module
        status = Status.PASS if row.ok else Status.FAIL
        detail = f"{row.method}: {row.result}" + (f" ({row.detail})" if row.detail else "")
        model = "pure" if row.module.startswith("pure:") else row.module
        rerun = _rerun(model, row.invariant)
        if row.invariant == "all invariants" or row.method.startswith("witness"):
            continue
        # A model's bug twin is "Inv [BUG_Flag]", a pure function's "Prop/BUG_Flag".
        twin = row.method.startswith("bug twin") or "/BUG_" in row.invariant
        if twin:
            invariant, flag = _split_twin(row.invariant)
            cex_id: str | None = None
            if row.steps and row.result == Verdict.VIOLATED:
                cex_id = slug("z3", module, row.invariant)
                examples.append(
                    Counterexample(
                        id=cex_id,
                        engine="z3-bounded" if "bmc" in row.method else "z3-proved",
                        module=module,
                        config=flag,
                        invariant=invariant,
                        expected=True,
                        rerun=rerun,
                        steps=tuple(Step(a, s) for a, s in row.steps),
                    )
                )
            # A model's twin is found by bounded model checking; a pure
            # function's by one query over all inputs.
            engine = "z3-bounded" if "bmc" in row.method else "z3-proved"
            checks.append(
                Check(
                    invariant,
                    module,
                    engine,
                    status,
                    detail,
                    rerun,
                    kind="violated-by-broken-variant",
                    counterexample=cex_id,
                )
            )
            continue
        engine = "z3-bounded" if Verdict.is_bounded(row.result) else "z3-proved"
        checks.append(Check(row.invariant, module, engine, status, detail, rerun))
    return checks, examples
