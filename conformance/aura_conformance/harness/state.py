"""Projected states: what one spec's variables hold, and how they cross a pipe or a file.

A projected state is a ``dict`` of embedded-checker values
(:mod:`aura_model.tla.values`), ready for :class:`~aura_model.tla.StepValidator`.
To cross a pipe or a file it is converted to ITF JSON and back with
:func:`state_to_itf` and :func:`state_from_itf`, the latter strict (untrusted
input). ITF has no model values (Apalache writes them as strings too), so
decoding needs the spec's :class:`StateSchema`: its variables and the names
that are its model values.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Hashable, Mapping
from typing import Any

import attrs
from aura_model import itf
from aura_model.tla import ModelValue
from aura_model.tla import values as V

from aura_conformance.harness.errors import BackendProtocolError

__all__ = [
    "DecodeMemo",
    "Interner",
    "State",
    "StateSchema",
    "decode_args",
    "encode_args",
    "forget_interned",
    "format_state_table",
    "state_from_itf",
    "state_to_itf",
    "state_to_itf_json",
    "value_from_itf",
    "value_to_itf",
]

State = dict[str, Any]


@attrs.frozen
class StateSchema:
    """The names one spec's states are written in: its variables, in the spec's order,
    and the strings that stand for its model values."""

    variables: tuple[str, ...]
    model_values: frozenset[str]


class Interner:
    """One object per key: a projection builds a value once and hands out that same
    object whenever the key recurs.

    The spec checker remembers its verdicts by the identity of a state's values
    (:class:`~aura_conformance.harness.checker.SpecChecker`), so a projection that
    rebuilds an unchanged value each step would have every state judged afresh.
    A key is the raw data the value is built from, and must tell apart whatever
    the value tells apart (a projection keys on its own world's data, which holds
    one type per place). Holds at most ``limit`` values, then starts again.
    """

    def __init__(self, limit: int = 65_536) -> None:
        self.limit = limit
        self._values: dict[Hashable, Any] = {}
        _INTERNERS.append(self)

    def get(self, key: Hashable, make: Callable[[], Any]) -> Any:
        """The value for ``key``, built by ``make()`` the first time."""
        value = self._values.get(key, _MISSING)
        if value is _MISSING:
            if len(self._values) >= self.limit:
                self._values.clear()
            value = self._values[key] = make()
        return value

    def of(self, key: Hashable, make: Callable[[Any], Any], raw: Any) -> Any:
        """The value for ``key``, built by ``make(raw)`` the first time (:meth:`get`
        without a closure to build each time)."""
        value = self._values.get(key, _MISSING)
        if value is _MISSING:
            if len(self._values) >= self.limit:
                self._values.clear()
            value = self._values[key] = make(raw)
        return value

    def clear(self) -> None:
        self._values.clear()


_MISSING = object()
_INTERNERS: list[Interner] = []


def forget_interned() -> None:
    """Empty every :class:`Interner` (a measurement starts from none)."""
    for interner in _INTERNERS:
        interner.clear()


def value_to_itf(value: Any) -> Any:
    """A checker value as a value :func:`aura_model.itf.encode_value` accepts.

    Model values become their names, records dicts, other functions ``#map``,
    sequences lists.
    """
    if isinstance(value, ModelValue):
        return value.name
    if isinstance(value, bool | int | str):
        return value
    if isinstance(value, tuple):
        return [value_to_itf(x) for x in value]
    if isinstance(value, frozenset):
        return frozenset(value_to_itf(x) for x in value)
    if isinstance(value, V.Fn):
        if value.d and all(isinstance(k, str) for k in value.d):
            return itf.Record({k: value_to_itf(x) for k, x in value.d.items()})
        return itf.ItfMap([(value_to_itf(k), value_to_itf(x)) for k, x in value.d.items()])
    raise TypeError(f"no ITF form for {type(value).__name__}")


def value_from_itf(value: Any, model_values: frozenset[str], where: str = "$") -> Any:
    """The checker value of a decoded ITF value; names in ``model_values`` become
    model values. Raises :class:`BackendProtocolError` for shapes a state cannot hold."""

    def walk(x: Any, at: str) -> Any:
        return value_from_itf(x, model_values, at)

    if isinstance(value, str):
        return ModelValue(value) if value in model_values else value
    if isinstance(value, bool | int):
        return value
    if isinstance(value, itf.Seq | tuple):
        return tuple(walk(x, f"{where}[{i}]") for i, x in enumerate(value))
    if isinstance(value, frozenset):
        return frozenset(walk(x, f"{where}[*]") for x in value)
    if isinstance(value, itf.ItfMap):
        return V.fn({walk(k, where): walk(x, where) for k, x in value.pairs})
    if isinstance(value, Mapping) and not isinstance(value, itf.Variant):
        return V.fn({str(k): walk(x, f"{where}.{k}") for k, x in value.items()})
    raise BackendProtocolError(f"{where}: a {type(value).__name__} cannot be a spec value")


# id(value) -> (value, its ITF object): a backend program sends the same interned
# values step after step, and a run sends and records the same interned records
# as arguments. The value is kept alive with its entry, so its id is not reused.
_ENCODED: dict[int, tuple[Any, Any]] = {}


def _encoded(value: Any, where: str) -> Any:
    """``value`` as an ITF object, shared with every earlier call on the same object
    (written out, never changed)."""
    if not isinstance(value, V.Fn | frozenset | tuple):
        return itf.encode_value(value_to_itf(value), where=where)
    hit = _ENCODED.get(id(value))
    if hit is not None and hit[0] is value:
        return hit[1]
    encoded = itf.encode_value(value_to_itf(value), where=where)
    if len(_ENCODED) >= 16_384:
        _ENCODED.clear()
    _ENCODED[id(value)] = (value, encoded)
    return encoded


def state_to_itf(state: Mapping[str, Any]) -> dict[str, Any]:
    """JSON-ready ITF objects for each variable of ``state`` (shared, never changed)."""
    return {k: _encoded(v, f"$.{k}") for k, v in state.items()}


# id(value) -> (value, ``json.dumps`` of its ITF object): what a backend program
# writes of the interned values it sends step after step, written once.
_TEXTS: dict[int, tuple[Any, str]] = {}


def _encoded_text(value: Any, where: str) -> str:
    if not isinstance(value, V.Fn | frozenset | tuple):
        return json.dumps(_encoded(value, where))
    hit = _TEXTS.get(id(value))
    if hit is not None and hit[0] is value:
        return hit[1]
    text = json.dumps(_encoded(value, where))
    if len(_TEXTS) >= 16_384:
        _TEXTS.clear()
    _TEXTS[id(value)] = (value, text)
    return text


def state_to_itf_json(state: Mapping[str, Any]) -> str:
    """``json.dumps(state_to_itf(state))``, the same text, each value's written once."""
    parts = [f"{json.dumps(k)}: {_encoded_text(v, f'$.{k}')}" for k, v in state.items()]
    return "{" + ", ".join(parts) + "}"


# (variable, the JSON text of a value decoded for it) -> that value, one object
# per text. The text keeps ``true`` apart from ``1``, so equal texts are equal
# values, types included.
DecodeMemo = dict[tuple[str, str], Any]
# Texts a DecodeMemo holds before it starts again.
DECODE_MEMO_LIMIT = 16_384


def _dumps_compact() -> Callable[[object], str]:
    """``json.dumps(x, separators=(",", ":"))``, the same text, without building an
    encoder each call (a reply asks it once a variable)."""
    make = getattr(json.encoder, "c_make_encoder", None)
    if make is None:
        return json.JSONEncoder(separators=(",", ":")).encode

    def refuse(o: object) -> object:
        raise TypeError(f"{type(o).__name__} is not JSON")

    # No cycle check (parsed JSON has no cycles; too deep still raises RecursionError).
    encode = make(
        None, refuse, json.encoder.encode_basestring_ascii, None, ":", ",", False, False, True
    )

    def dumps(raw: object) -> str:
        return "".join(encode(raw, 0))

    return dumps


_compact = _dumps_compact()


def _text(raw: object) -> str | None:
    """``raw`` (parsed JSON) as text, which keeps ``true`` apart from ``1`` and ``1.0``;
    None when it is too deep to write. Keys stay in their order: equal texts are
    equal values (a value written with its keys in another order is decoded again)."""
    try:
        return _compact(raw)
    except (RecursionError, ValueError):
        return None


def state_from_itf(
    obj: object, schema: StateSchema, *, source: str = "backend", memo: DecodeMemo | None = None
) -> State:
    """Strictly decode a JSON object holding exactly the variables of ``schema`` as ITF values.

    With ``memo`` (kept by the caller from one reply to the next) a variable whose
    JSON is, as text, one already decoded for it takes that decoded value, the same
    object: most variables are unchanged by a step, decoding them again was most
    of the harness's time per step over stdio, and the same object lets the spec
    checker reuse its verdicts. Only values that decoded are remembered.
    """
    if not isinstance(obj, dict):
        raise BackendProtocolError("a state must be a JSON object", source=source)
    variables = schema.variables
    names = set(obj)
    if names != set(variables):
        missing = sorted(set(variables) - names)
        extra = sorted(names - set(variables))
        raise BackendProtocolError(
            f"state variables differ from the spec's (missing {missing}, unknown {extra})",
            source=source,
        )
    out: State = {}
    for name in variables:
        text = _text(obj[name]) if memo is not None else None
        if memo is not None and text is not None:
            known = memo.get((name, text), _MISSING)
            if known is not _MISSING:
                out[name] = known
                continue
        try:
            decoded = itf.decode_value(obj[name], where=f"$.{name}")
        except itf.ItfError as exc:
            raise BackendProtocolError(str(exc), source=source) from None
        except RecursionError:
            raise BackendProtocolError(f"$.{name}: nested too deeply", source=source) from None
        out[name] = value_from_itf(decoded, schema.model_values, f"$.{name}")
        if memo is not None and text is not None:
            if len(memo) >= DECODE_MEMO_LIMIT:
                memo.clear()
            memo[name, text] = out[name]
    return out


def encode_args(args: Mapping[str, Any]) -> dict[str, Any]:
    """A request's arguments as JSON-ready ITF objects (shared: written, never changed)."""
    return {k: _encoded(v, f"$.args.{k}") for k, v in args.items()}


def decode_args(obj: object, schema: StateSchema) -> dict[str, Any]:
    """Strictly decode a request's arguments (untrusted JSON) into checker values."""
    if not isinstance(obj, dict):
        raise BackendProtocolError("args must be a JSON object", source="request")
    out: dict[str, Any] = {}
    for k, v in obj.items():
        try:
            out[k] = value_from_itf(
                itf.decode_value(v, where=f"$.args.{k}"), schema.model_values, f"$.args.{k}"
            )
        except itf.ItfError as exc:
            raise BackendProtocolError(str(exc), source="request") from None
    return out


def format_state_table(
    before: Mapping[str, Any],
    after: Mapping[str, Any],
    labels: tuple[str, str] = ("before", "after"),
) -> str:
    """A two-column table of a step, changed variables marked with ``*``."""
    rows = [("", "variable", *labels)]
    for name in before:
        b = V.format_value(before[name])
        a = V.format_value(after.get(name)) if name in after else "?"
        rows.append(("*" if b != a else "", name, b, a))
    w1 = max(len(r[1]) for r in rows)
    w2 = max(len(r[2]) for r in rows)
    return "\n".join(f"{m:1} {n:<{w1}} | {b:<{w2}} | {a}" for m, n, b, a in rows)
