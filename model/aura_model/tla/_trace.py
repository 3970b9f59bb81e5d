"""Results and traces: ITF JSON (Apalache/Quint format) and a readable table."""

from __future__ import annotations

from typing import Any

import attrs

from aura_model.tla._values import Fn, LazyFn, LazySet, ModelValue, format_value, sort_key

__all__ = ["CheckResult", "format_table", "to_itf", "to_plain"]

Value = Any


def to_plain(v: Value) -> Any:
    """Checker value -> the plain Python form of ``aura_model.itf``."""
    from aura_model import itf

    t = type(v)
    if t is bool or t is int or t is str:
        return v
    if t is ModelValue:
        return v.name
    if t is tuple:
        return [to_plain(x) for x in v]
    if t is frozenset:
        return frozenset(to_plain(x) for x in v)
    if t is LazyFn:
        return to_plain(v.canonical())
    if t is Fn:
        if all(type(k) is str for k in v.d):
            return {k: to_plain(v.d[k]) for k in sorted(v.d)}
        pairs = sorted(v.d.items(), key=lambda kv: sort_key(kv[0]))
        return itf.ItfMap([(_key(k), to_plain(x)) for k, x in pairs])
    if t is LazySet:
        if v.finite():
            return to_plain(v.elements())
        return itf.Unserializable(format_value(v))
    return itf.Unserializable(repr(v))


def _key(k: Value) -> Any:
    p = to_plain(k)
    # ITF map keys must be hashable; a sequence key becomes an ITF tuple.
    if isinstance(p, list):
        return tuple(p)
    return p


def to_itf(
    states: list[dict[str, Value]],
    variables: list[str],
    meta: dict[str, Any] | None = None,
    loop: int | None = None,
) -> dict[str, Any]:
    from aura_model import itf

    plain = [{k: to_plain(s[k]) for k in variables} for s in states]
    result: dict[str, Any] = itf.dump_trace(plain, list(variables), meta=meta, loop=loop)
    return result


def format_table(states: list[dict[str, Value]], variables: list[str]) -> str:
    """State-by-state listing, one ``/\\ var = value`` line per variable, as TLC prints."""
    lines: list[str] = []
    for i, s in enumerate(states, 1):
        lines.append(f"State {i}:")
        for name in variables:
            lines.append(f"/\\ {name} = {format_value(s[name])}")
        lines.append("")
    return "\n".join(lines)


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

    @property
    def trace_length(self) -> int | None:
        return None if self.trace is None else len(self.trace)

    @property
    def exit_code(self) -> int:
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

    def to_itf(self) -> dict[str, Any]:
        meta = {"source": "aura-verify check", "result": self.result}
        if self.violated:
            meta["violated"] = self.violated
        return to_itf(self.trace or [], self.variables, meta, self.loop)

    def format_table(self) -> str:
        return format_table(self.trace or [], self.variables)

    def summary(self) -> dict[str, Any]:
        return summary_of(self)
