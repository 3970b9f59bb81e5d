"""What a proof obligation returns, in the spec's vocabulary.

A :class:`ProofResult` names its obligation and verdict, and carries a
:class:`Trace` when there is one (a witness, a counterexample, a CTI): states
decoded from a Z3 model into Python values (model values as their names,
functions as dicts, records as :class:`Record`) and printed in TLA+ notation.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import attrs
import z3

from aura_model.z3.framework.query import Verdict

__all__ = [
    "ProofResult",
    "Record",
    "Step",
    "Trace",
    "array_true_keys",
    "decode_scalar",
    "format_trace",
    "format_value",
]


@attrs.frozen
class Step:
    """One state of a trace, with the action (and its parameters) that led to it."""

    action: str | None
    params: Mapping[str, object]
    state: Mapping[str, object]


@attrs.frozen
class Trace:
    """A finite behaviour decoded to Python values in the spec's vocabulary."""

    system: str
    steps: tuple[Step, ...]
    constants: Mapping[str, object] = attrs.field(factory=dict)

    def format_table(self) -> str:
        table = format_trace(self.steps)
        if not self.constants:
            return table
        consts = ", ".join(f"{k} = {format_value(v)}" for k, v in self.constants.items())
        return f"CONSTANTS {consts}\n{table}"


@attrs.frozen
class ProofResult:
    """The outcome of one named proof obligation."""

    system: str
    name: str  # the invariant (or strengthening, or action) the query is about
    method: str  # "initiation", "1-induction", "k-induction(k=2)", "bmc(depth=6)", "witness"...
    verdict: str
    seconds: float
    queries: int = 1
    max_query_seconds: float = 0.0
    detail: str = ""
    trace: Trace | None = None

    @property
    def ok(self) -> bool:
        return self.verdict in (Verdict.PROVED, Verdict.WITNESSED)


class Record(dict[str, object]):
    """A decoded TLA+ record: a dict that is hashable (values are immutable)."""

    def __hash__(self) -> int:  # type: ignore[override]
        return hash(tuple(sorted(self.items(), key=lambda kv: kv[0])))


def array_true_keys(model: Any, expr: Any) -> list[Any]:
    """The keys a model maps to TRUE in a Bool-valued array (a TLA+ set).

    Models give arrays as store chains over a constant, or as a function
    interpretation; both list finitely many keys, and a set with a TRUE
    default would be infinite, which no reachable state of ours has.
    """
    val = model.eval(expr, model_completion=True)
    keys: list[Any] = []
    if z3.is_as_array(val):
        interp = model[z3.get_as_array_func(val)]
        keys = [k[0] for k in interp.as_list()[:-1]]
    else:
        while z3.is_store(val):
            keys.append(val.arg(1))
            val = val.arg(0)
    seen: dict[str, Any] = {}
    for k in keys:
        if z3.is_true(model.eval(expr[k], model_completion=True)):
            seen.setdefault(str(k), k)
    return list(seen.values())


def format_value(value: object) -> str:
    """Render a decoded value in TLA+ notation."""
    if isinstance(value, Record):
        return "[" + ", ".join(f"{k} |-> {format_value(v)}" for k, v in value.items()) + "]"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, str):
        return value
    if isinstance(value, frozenset):
        return "{" + ", ".join(sorted(format_value(v) for v in value)) + "}"
    if isinstance(value, tuple):
        return "<<" + ", ".join(format_value(v) for v in value) + ">>"
    if isinstance(value, dict):
        if not value:
            return "<<>>"
        return (
            "("
            + " @@ ".join(f"{format_value(k)} :> {format_value(v)}" for k, v in value.items())
            + ")"
        )
    return str(value)


def format_trace(steps: Sequence[Step]) -> str:
    """A state-by-state table: one column per state, one row per variable."""
    if not steps:
        return "(empty trace)"
    names = list(steps[0].state)
    headers = ["variable"]
    for i, step in enumerate(steps):
        if step.action is None:
            headers.append(f"{i}: Init")
        else:
            args = ", ".join(f"{k}={format_value(v)}" for k, v in step.params.items())
            headers.append(f"{i}: {step.action}({args})")
    rows = [[n, *(format_value(st.state[n]) for st in steps)] for n in names]
    widths = [max(len(r[c]) for r in [headers, *rows]) for c in range(len(headers))]

    def line(cells: Sequence[str]) -> str:
        return " | ".join(cell.ljust(w) for cell, w in zip(cells, widths, strict=True)).rstrip()

    sep = "-+-".join("-" * w for w in widths)
    return "\n".join([line(headers), sep, *(line(r) for r in rows)])


def decode_scalar(value: Any) -> object:
    """A z3 value (already evaluated in a model) as a Python value."""
    if z3.is_true(value):
        return True
    if z3.is_false(value):
        return False
    if z3.is_int_value(value):
        return value.as_long()
    if z3.is_bv_value(value):
        return value.as_long()
    if z3.is_const(value) and value.sort().kind() == z3.Z3_DATATYPE_SORT:
        return str(value)
    return str(value)
