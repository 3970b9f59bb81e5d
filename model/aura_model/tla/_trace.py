"""Results and traces: ITF JSON (Apalache ADR-015), a JSON step list and a readable table.

Every step of a trace says which action of Next took it (found by the
:class:`StepValidator`, with the action's ``\\E`` parameters), which variables it
changed, and, for a lasso, where the loop starts and which action closes it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import attrs

from aura_model import itf
from aura_model.tla._errors import TlaError
from aura_model.tla._stdlib import LEVEL
from aura_model.tla._values import (
    Fn,
    LazyFn,
    LazySet,
    ModelValue,
    format_value,
    make_fn,
    sort_key,
)

if TYPE_CHECKING:
    from aura_model.tla._model import Model
    from aura_model.tla._validator import StepValidator

__all__ = [
    "STUTTERING",
    "CheckResult",
    "Step",
    "annotate",
    "format_table",
    "from_plain",
    "init_name",
    "model_values",
    "steps_json",
    "to_itf",
    "to_plain",
]

Value = Any

STUTTERING = "Stuttering"
"""The action name of a step that changes nothing and that no action of Next explains."""


# --------------------------------------------------------------------------- values


def to_plain(v: Value) -> Any:
    """Checker value -> the hashable Python form of ``aura_model.itf``.

    Sequences (functions on ``1..n``) become :class:`itf.Seq`, records (functions on
    strings) :class:`itf.Record`, other functions :class:`itf.ItfMap`, sets ``frozenset``,
    model values their names (ITF writes uninterpreted values as strings), infinite
    sets :class:`itf.Unserializable`. Every result is hashable, so sets of records and
    functions keyed by sequences convert too.
    """
    t = type(v)
    if t is bool or t is int or t is str:
        return v
    if t is ModelValue:
        return v.name
    if t is tuple:
        return itf.Seq(to_plain(x) for x in v)
    if t is frozenset:
        return frozenset(to_plain(x) for x in v)
    if t is Fn:
        keys = list(v.d)
        if all(type(k) is str and not k.startswith("#") for k in keys) and set(keys) != {
            "tag",
            "value",
        }:
            # A record; [tag |-> .., value |-> ..] would read back as an ITF variant,
            # and '#' field names are reserved, so those stay functions (#map).
            return itf.Record((k, to_plain(v.d[k])) for k in sorted(keys))
        pairs = sorted(v.d.items(), key=lambda kv: sort_key(kv[0]))
        return itf.ItfMap([(to_plain(k), to_plain(x)) for k, x in pairs])
    if t is LazyFn:
        if isinstance(v.domain, LazySet) and not v.domain.finite():
            return itf.Unserializable("[x \\in " + format_value(v.domain) + " |-> ...]")
        return to_plain(v.canonical())
    if t is LazySet:
        if v.finite():
            return to_plain(v.elements())
        return itf.Unserializable(format_value(v))
    return itf.Unserializable(repr(v))


def from_plain(v: Any, model_values: Iterable[str] = ()) -> Value:
    """A decoded ITF value -> the checker value; strings in ``model_values`` become
    model values. Raises :class:`TlaError` for ITF kinds a TLA+ state cannot hold."""
    names = frozenset(model_values)
    return _from_plain(v, names)


def _from_plain(v: Any, names: frozenset[str]) -> Value:
    if isinstance(v, bool | int):
        return v
    if isinstance(v, str):
        return ModelValue(v) if v in names else v
    if isinstance(v, itf.Seq | list | tuple):
        return tuple(_from_plain(x, names) for x in v)
    if isinstance(v, frozenset | set):
        return frozenset(_from_plain(x, names) for x in v)
    if isinstance(v, itf.ItfMap):
        return make_fn({_from_plain(k, names): _from_plain(x, names) for k, x in v.pairs})
    if isinstance(v, itf.Variant | itf.Unserializable):
        raise TlaError(f"an ITF {type(v).__name__} is not a value of a TLA+ state: {v!r:.80}")
    if isinstance(v, Mapping):
        return make_fn({str(k): _from_plain(x, names) for k, x in v.items()})
    raise TlaError(f"not an ITF value: {type(v).__name__}")


def model_values(states: Iterable[Mapping[str, Value]]) -> list[str]:
    """The names of the model values occurring in ``states``, sorted."""
    found: set[str] = set()
    for s in states:
        for v in s.values():
            _collect(v, found)
    return sorted(found)


def _collect(v: Value, found: set[str]) -> None:
    t = type(v)
    if t is ModelValue:
        found.add(v.name)
    elif t is tuple or t is frozenset:
        for x in v:
            _collect(x, found)
    elif t is Fn:
        for k, x in v.d.items():
            _collect(k, found)
            _collect(x, found)
    elif t is LazySet and v.finite():
        _collect(v.elements(), found)
    elif t is LazyFn and not (isinstance(v.domain, LazySet) and not v.domain.finite()):
        _collect(v.canonical(), found)


# --------------------------------------------------------------------------- steps


@attrs.frozen
class Step:
    """How a trace reached state ``index`` (0-based).

    ``action`` is the named action of Next that explains the step from state
    ``index - 1`` (the initial predicate's name for state 0, :data:`STUTTERING` for a
    step that changes nothing, ``None`` when no action explains it), ``params`` the
    values its ``\\E`` bound, ``also`` other actions that explain the same step, and
    ``changed`` the variables whose value differs from the previous state.
    """

    index: int
    action: str | None
    params: Mapping[str, Value] = attrs.field(factory=dict)
    changed: tuple[str, ...] = ()
    also: tuple[str, ...] = ()

    def label(self) -> str:
        """``<Name p = v, ...>`` as the text output prints it."""
        name = self.action if self.action is not None else "no action of Next explains this step"
        args = ", ".join(f"{k} = {format_value(x)}" for k, x in self.params.items())
        more = f" (also {', '.join(self.also)})" if self.also else ""
        return f"<{name}{' ' + args if args else ''}>{more}"

    def meta(self) -> dict[str, Any]:
        """The JSON-ready ``#meta`` entries of this step (ITF-encoded parameters)."""
        out: dict[str, Any] = {"index": self.index, "action": self.action}
        if self.params:
            out["params"] = {
                k: itf.encode_value(to_plain(x), where=f"$.params.{k}")
                for k, x in self.params.items()
            }
        if self.index > 0:
            out["changed"] = list(self.changed)
        if self.also:
            out["also"] = list(self.also)
        return out


def _changed(
    before: Mapping[str, Value], after: Mapping[str, Value], variables: Sequence[str]
) -> tuple[str, ...]:
    return tuple(v for v in variables if before[v] != after[v])


def init_name(model: Model) -> str:
    """The name of the model's initial predicate (TLC's ``Initial predicate`` when the
    SPECIFICATION does not name one)."""
    if model.cfg.init:
        return str(model.cfg.init)
    spec = model.root.defs.get(model.cfg.specification) if model.cfg.specification else None
    node = getattr(getattr(spec, "node", None), "definiens", None)
    name = _first_conjunct_name(node, 0)
    return name or "Initial predicate"


def _first_conjunct_name(node: Any, depth: int) -> str | None:
    if node is None or depth > 20:
        return None
    kind = getattr(getattr(node, "symbol", None), "name", "")
    if kind == "PARENTHESES":
        return _first_conjunct_name(node.expression, depth + 1)
    if kind == "VERTICAL_LIST" and node.operator == "/\\":
        for item in node.arguments:
            found = _first_conjunct_name(item.expression, depth + 1)
            if found:
                return found
        return None
    if kind == "OPERATOR_APPLICATION":
        if node.operator == "/\\" and node.arguments:
            for arg in node.arguments:
                found = _first_conjunct_name(arg, depth + 1)
                if found:
                    return found
            return None
        if not node.arguments and isinstance(node.operator, str):
            return node.operator
    return None


def annotate(
    model: Model | None,
    states: Sequence[Mapping[str, Value]],
    variables: Sequence[str],
    loop: int | None = None,
) -> tuple[list[Step], Step | None]:
    """The :class:`Step` of every state, and for a lasso the step from the last state
    back to ``states[loop]`` (index ``len(states)``). Without a model only the changed
    variables are known (actions are ``None``)."""
    from aura_model.tla._validator import StepValidator

    validator: StepValidator | None = None
    if model is not None and states:
        try:
            validator = StepValidator(model)
        except TlaError:
            # Next cannot be split into actions (an unsupported shape): steps then
            # carry only their changed variables.
            validator = None
    first = init_name(model) if model is not None else None
    steps = [Step(0, first)] if states else []
    for i in range(1, len(states)):
        steps.append(_step(validator, states[i - 1], states[i], variables, i))
    back = None
    if loop is not None and states:
        back = _step(validator, states[-1], states[loop], variables, len(states))
    return steps, back


def _step(
    validator: StepValidator | None,
    before: Mapping[str, Value],
    after: Mapping[str, Value],
    variables: Sequence[str],
    index: int,
) -> Step:
    changed = _changed(before, after, variables)
    if validator is None:
        return Step(index, None, {}, changed)
    # TLCGet("level") answers what it answered when the search took this step: the
    # level of the state it left (a Next may branch on it).
    level = LEVEL[0]
    LEVEL[0] = index
    try:
        matches = validator.explain(before, after)
    except TlaError:
        matches = []
    finally:
        LEVEL[0] = level
    if not matches:
        return Step(index, None if changed else STUTTERING, {}, changed)
    first = matches[0]
    others = tuple(dict.fromkeys(m.name for m in matches[1:] if m.name != first.name))
    return Step(index, first.name, dict(first.params), changed, others)


# --------------------------------------------------------------------------- outputs


def to_itf(
    states: list[dict[str, Value]],
    variables: list[str],
    meta: dict[str, Any] | None = None,
    loop: int | None = None,
    *,
    steps: Sequence[Step] = (),
    back: Step | None = None,
) -> dict[str, Any]:
    """The ITF document of a trace; each state's ``#meta`` holds its :class:`Step`.

    The top-level ``#meta`` lists ``modelValues`` (strings in the trace that are model
    values) and, for a lasso, ``loopBack``: the step from the last state to ``loop``.
    """
    plain = [{k: to_plain(s[k]) for k in variables} for s in states]
    doc_meta = dict(meta or {})
    names = model_values(states)
    if names:
        doc_meta["modelValues"] = names
    state_meta = _state_meta(steps, loop)
    if back is not None:
        doc_meta["loopBack"] = back.meta()
    result: dict[str, Any] = itf.dump_trace(
        plain, list(variables), meta=doc_meta, loop=loop, state_meta=state_meta
    )
    return result


def format_table(
    states: list[dict[str, Value]],
    variables: list[str],
    steps: Sequence[Step] = (),
    loop: int | None = None,
    back: Step | None = None,
) -> str:
    """State-by-state listing, one ``/\\ var = value`` line per variable, as TLC prints.

    With steps, each header names the action (``State 2: <Send m = 1>``) and a changed
    variable's line ends in the TLA+ comment ``\\* changed``; a lasso's loop start is
    marked and the trace ends with ``Back to state K`` or ``Stuttering``, as TLC does.
    """
    lines: list[str] = []
    for i, s in enumerate(states):
        step = steps[i] if i < len(steps) else None
        head = f"State {i + 1}:"
        if step is not None and step.action is not None:
            head += " " + ("<Initial predicate>" if i == 0 else step.label())
        elif step is not None and i > 0:
            head += " " + step.label()
        if loop == i:
            head += "  (the loop starts here)"
        lines.append(head)
        changed = set(step.changed) if step is not None else set()
        for name in variables:
            mark = "  \\* changed" if name in changed else ""
            lines.append(f"/\\ {name} = {format_value(s[name])}{mark}")
        lines.append("")
    if loop is not None and states:
        n = len(states) + 1
        if back is not None and back.action == STUTTERING:
            lines.append(f"State {n}: {STUTTERING}")
        else:
            label = f": {back.label()}" if back is not None else ""
            lines.append(f"State {n}: Back to state {loop + 1}{label}")
        lines.append("")
    return "\n".join(lines)


def _state_meta(steps: Sequence[Step], loop: int | None) -> list[dict[str, Any]]:
    out = [s.meta() for s in steps]
    if loop is not None and loop < len(out):
        out[loop]["loopStart"] = True
    return out


def steps_json(
    states: list[dict[str, Value]],
    variables: list[str],
    steps: Sequence[Step],
    loop: int | None = None,
) -> list[dict[str, Any]]:
    """The trace for ``--json``: per state its step's ``#meta`` (as in the ITF file) and
    its ITF-encoded values."""
    metas = _state_meta(steps, loop)
    out: list[dict[str, Any]] = []
    for i, s in enumerate(states):
        row: dict[str, Any] = {"#meta": metas[i] if i < len(metas) else {"index": i}}
        for k in variables:
            row[k] = itf.encode_value(to_plain(s[k]), where=f"$.trace[{i}].{k}")
        out.append(row)
    return out


SUMMARY_KEYS = (
    "result",
    "violated",
    "distinct_states",
    "states_generated",
    "depth",
    "trace_length",
    "seconds",
)
"""What every checker result reports side by side (embedded, TLC, Apalache)."""


def summary_of(result: Any) -> dict[str, Any]:
    """The :data:`SUMMARY_KEYS` of a checker result, seconds rounded to ms."""
    out = {key: getattr(result, key) for key in SUMMARY_KEYS}
    out["seconds"] = round(out["seconds"], 3)
    return out


@attrs.frozen
class CheckResult:
    """What a model-checking (or simulation) run found, in the manifest's words."""

    result: str
    violated: str | None = None
    distinct_states: int | None = None
    states_generated: int | None = None
    depth: int | None = None
    trace: list[dict[str, Value]] | None = None
    seconds: float = 0.0
    message: str | None = None
    variables: list[str] = attrs.field(factory=list)
    skipped: list[str] = attrs.field(factory=list)
    traces: list[list[dict[str, Value]]] | None = None
    # For a liveness counterexample: the index the behaviour loops back to.
    loop: int | None = None
    # TLC's exit code where the result word alone does not decide it (an
    # ASSUME whose evaluation fails: result "error", exit 10).
    exit: int | None = None
    # Every property a liveness counterexample violates (TLC names them all,
    # in the configuration's order); ``violated`` is the first.
    violated_all: tuple[str, ...] = ()
    # An invariant or state-level property that fails in an initial state:
    # TLC says "violated by the initial state" and prints no statistics.
    initial: bool = False
    # States found but not yet explored when the search stopped (TLC's "states left
    # on queue"); 0 after a complete search.
    queue: int = 0

    @property
    def trace_length(self) -> int | None:
        return None if self.trace is None else len(self.trace)

    @property
    def exit_code(self) -> int:
        if self.exit is not None:
            return self.exit
        return {
            "ok": 0,
            "skipped": 0,
            "assume": 10,
            "deadlock": 11,
            "invariant": 12,
            "property": 13,
            "error": 75,
            "parse": 150,
            "config": 151,
        }.get(self.result, 75)

    def steps(self, model: Model | None = None) -> tuple[list[Step], Step | None]:
        """:func:`annotate` for this result's trace (actions need the ``model``)."""
        return annotate(model, self.trace or [], self.variables, self.loop)

    def to_itf(
        self, model: Model | None = None, steps: tuple[list[Step], Step | None] | None = None
    ) -> dict[str, Any]:
        """The trace as an ITF document; with the ``model``, each state names its action."""
        meta: dict[str, Any] = {"source": "aura-verify check", "result": self.result}
        if model is not None:
            meta["source"] = model.spec_path.name
            meta["description"] = "Created by aura-verify check"
        if self.violated:
            meta["violated"] = self.violated
        per_state, back = steps if steps is not None else self.steps(model)
        return to_itf(self.trace or [], self.variables, meta, self.loop, steps=per_state, back=back)

    def format_table(
        self, model: Model | None = None, steps: tuple[list[Step], Step | None] | None = None
    ) -> str:
        per_state, back = steps if steps is not None else self.steps(model)
        return format_table(self.trace or [], self.variables, per_state, self.loop, back)

    def summary(self) -> dict[str, Any]:
        return summary_of(self)
