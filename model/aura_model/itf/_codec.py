"""Encoder and decoder between Python values and ITF JSON (Apalache ADR-015).

Strict mode (the default) accepts exactly what current Apalache and Quint write.
Lenient mode additionally accepts the legacy forms found in older traces: plain
JSON numbers for integers, states that lack declared variables, and repeated
``#set`` elements (collapsed). See ``docs/formats.md``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import attrs

from aura_model.itf._errors import ItfError
from aura_model.itf._values import ItfMap, Record, Seq, Unserializable, Variant, canonical_key

__all__ = [
    "FORMAT_DESCRIPTION",
    "Trace",
    "decode_value",
    "dump_trace",
    "dumps_trace",
    "encode_value",
    "load_trace",
]

FORMAT_DESCRIPTION = "https://apalache-mc.org/docs/adr/015adr-trace.html"

# Deeper nesting than this is not a model state but an attack on the stack.
_MAX_DEPTH = 400
# CPython refuses int() on longer strings (int_max_str_digits); say so as an ItfError.
_MAX_DIGITS = 4300
_BIGINT = re.compile(r"-?(0|[1-9][0-9]*)")
_SPECIAL = ("#bigint", "#tup", "#set", "#map", "#unserializable")
_PLAIN_KEY = re.compile(r"[#A-Za-z_][A-Za-z0-9_]*")


def _child(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    if _PLAIN_KEY.fullmatch(key):
        return f"{path}.{key}"
    return f"{path}[{json.dumps(key, ensure_ascii=False)}]"


# --------------------------------------------------------------------------- encode


def encode_value(value: Any, *, where: str = "") -> object:
    """Return the JSON-ready ITF form of ``value`` (see the module table in ``_values``).

    ``list``/:class:`Seq` become JSON lists, ``tuple`` ``#tup``, ``set``/``frozenset``
    ``#set`` (canonically sorted), ``dict``/:class:`Record` records, :class:`ItfMap`
    ``#map``, ints ``#bigint``. Raises :class:`ItfError` (with the path) for values
    ITF cannot hold: floats, ``None``, bytes, non-string record keys, record keys
    starting with ``#`` (reserved), and a record with exactly the fields ``tag`` and
    ``value`` (it would read back as a :class:`Variant`; build a ``Variant`` instead).
    """
    return _encode(value, where or "$", 0)


def _encode(value: Any, path: str, depth: int) -> object:
    if depth > _MAX_DEPTH:
        raise ItfError("value nested too deeply", path=path)
    if isinstance(value, bool | str):
        return value
    if isinstance(value, int):
        return {"#bigint": str(value)}
    if isinstance(value, list | Seq):
        return [_encode(v, _child(path, i), depth + 1) for i, v in enumerate(value)]
    if isinstance(value, tuple):
        tp = _child(path, "#tup")
        return {"#tup": [_encode(v, _child(tp, i), depth + 1) for i, v in enumerate(value)]}
    if isinstance(value, set | frozenset):
        sp = _child(path, "#set")
        ordered = sorted(value, key=canonical_key)
        return {"#set": [_encode(v, _child(sp, i), depth + 1) for i, v in enumerate(ordered)]}
    if isinstance(value, ItfMap):
        mp = _child(path, "#map")
        return {
            "#map": [
                [
                    _encode(k, _child(_child(mp, i), 0), depth + 1),
                    _encode(v, _child(_child(mp, i), 1), depth + 1),
                ]
                for i, (k, v) in enumerate(value.pairs)
            ]
        }
    if isinstance(value, Variant):
        return {"tag": value.tag, "value": _encode(value.value, _child(path, "value"), depth + 1)}
    if isinstance(value, Unserializable):
        return {"#unserializable": value.text}
    if isinstance(value, Mapping):
        out: dict[str, object] = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise ItfError(f"record field name {key!r} is not a string", path=path)
            if key.startswith("#"):
                raise ItfError(f"record field {key!r} starts with '#', reserved by ITF", path=path)
            out[key] = _encode(item, _child(path, key), depth + 1)
        if set(out) == {"tag", "value"}:
            raise ItfError(
                "a record with exactly the fields 'tag' and 'value' reads back as a variant;"
                " use itf.Variant",
                path=path,
            )
        return out
    raise ItfError(f"cannot encode a {type(value).__name__} as ITF: {value!r:.80}", path=path)


# --------------------------------------------------------------------------- decode


def decode_value(obj: object, *, where: str = "", lenient: bool = False) -> Any:
    """Decode one ITF JSON value (as parsed by :func:`json.loads`) to a Python value.

    Raises :class:`ItfError` naming the JSON path (prefixed by ``where``, default
    ``$``) of the first bad element. Strict mode rejects plain JSON numbers (ADR-015 requires
    ``#bigint`` for every integer since 2023); ``lenient=True`` accepts them.
    """
    try:
        return _decode(obj, where or "$", lenient=lenient, depth=0)
    except RecursionError:
        raise ItfError("value nested too deeply", path=where or "$") from None


def _decode(obj: object, path: str, *, lenient: bool, depth: int) -> Any:
    if depth > _MAX_DEPTH:
        raise ItfError("value nested too deeply", path=path)
    if isinstance(obj, bool | str):
        return obj
    if isinstance(obj, int):
        if lenient:
            return obj
        raise ItfError(
            f"plain JSON number {obj} (legacy ITF); integers must be"
            ' {"#bigint": "..."}: load with lenient=True to accept it',
            path=path,
        )
    if isinstance(obj, float):
        raise ItfError(f"JSON number {obj!r} is not an integer; ITF has no floats", path=path)
    if obj is None:
        raise ItfError("null is not an ITF value", path=path)
    if isinstance(obj, list):
        return Seq(
            _decode(v, _child(path, i), lenient=lenient, depth=depth + 1) for i, v in enumerate(obj)
        )
    if isinstance(obj, dict):
        return _decode_object(obj, path, lenient=lenient, depth=depth)
    raise ItfError(f"not a JSON value: {type(obj).__name__}", path=path)


def _decode_object(obj: dict[Any, Any], path: str, *, lenient: bool, depth: int) -> Any:
    for key in obj:
        if not isinstance(key, str):
            raise ItfError(f"object key {key!r} is not a string", path=path)
    special = [k for k in obj if k.startswith("#")]
    if special:
        if len(obj) != 1 or special[0] not in _SPECIAL:
            raise ItfError(
                f"object with keys {sorted(obj)} is neither a record nor one of {list(_SPECIAL)}",
                path=path,
            )
        kind = special[0]
        body = obj[kind]
        here = _child(path, kind)
        if kind == "#bigint":
            return _decode_bigint(body, here)
        if kind == "#unserializable":
            if not isinstance(body, str):
                raise ItfError("#unserializable must hold a string", path=here)
            return Unserializable(body)
        if not isinstance(body, list):
            raise ItfError(f"{kind} must hold a JSON list", path=here)
        if kind == "#tup":
            return tuple(
                _decode(v, _child(here, i), lenient=lenient, depth=depth + 1)
                for i, v in enumerate(body)
            )
        if kind == "#set":
            items = [
                _decode(v, _child(here, i), lenient=lenient, depth=depth + 1)
                for i, v in enumerate(body)
            ]
            result = frozenset(items)
            if len(result) != len(items) and not lenient:
                raise ItfError(
                    "#set lists an element twice (or values Python treats as equal,"
                    " such as true and 1)",
                    path=here,
                )
            return result
        return _decode_map(body, here, lenient=lenient, depth=depth)
    if set(obj) == {"tag", "value"}:
        tag = obj["tag"]
        if not isinstance(tag, str):
            raise ItfError("variant tag must be a string", path=_child(path, "tag"))
        value = _decode(obj["value"], _child(path, "value"), lenient=lenient, depth=depth + 1)
        return Variant(tag, value)
    return Record(
        (k, _decode(v, _child(path, k), lenient=lenient, depth=depth + 1)) for k, v in obj.items()
    )


def _decode_bigint(body: object, path: str) -> int:
    if not isinstance(body, str):
        raise ItfError("#bigint must hold a string of decimal digits", path=path)
    if len(body) > _MAX_DIGITS:
        raise ItfError(f"#bigint has {len(body)} characters (limit {_MAX_DIGITS})", path=path)
    if not _BIGINT.fullmatch(body) or body == "-0":
        raise ItfError(f"#bigint {body!r:.60} is not a canonical decimal integer", path=path)
    return int(body)


def _decode_map(body: list[Any], path: str, *, lenient: bool, depth: int) -> ItfMap:
    pairs: list[tuple[Any, Any]] = []
    for i, pair in enumerate(body):
        here = _child(path, i)
        if not isinstance(pair, list) or len(pair) != 2:
            raise ItfError("#map entry must be a [key, value] list", path=here)
        key = _decode(pair[0], _child(here, 0), lenient=lenient, depth=depth + 1)
        value = _decode(pair[1], _child(here, 1), lenient=lenient, depth=depth + 1)
        pairs.append((key, value))
    try:
        return ItfMap(pairs)
    except ValueError as exc:
        raise ItfError(str(exc), path=path) from None


# --------------------------------------------------------------------------- traces


def _freeze_meta(meta: Mapping[str, Any] | None) -> Mapping[str, Any]:
    # #meta is free-form JSON (tool, source, varTypes...): kept as parsed, as a copy.
    if not meta:
        return {}
    try:
        return dict(json.loads(json.dumps(meta)))
    except (TypeError, ValueError, RecursionError) as exc:
        raise ItfError(f"#meta must be plain JSON: {exc}", path="$.#meta") from None


@attrs.frozen
class Trace:
    """A decoded ITF trace.

    ``states`` holds one :class:`Record` per state (its ``#meta`` removed and kept in
    ``state_meta``); ``loop`` is the index a lasso loops back to, or ``None``.
    """

    meta: Mapping[str, Any] = attrs.field(converter=_freeze_meta, hash=False)
    params: tuple[str, ...]
    vars: tuple[str, ...]
    states: tuple[Record, ...]
    loop: int | None = None
    state_meta: tuple[Mapping[str, Any], ...] = attrs.field(default=(), hash=False, eq=False)

    def to_json(self) -> dict[str, Any]:
        """The JSON-ready ITF document (what :func:`dump_trace` returns)."""
        return dump_trace(
            [dict(s) for s in self.states],
            list(self.vars),
            list(self.params) if self.params else None,
            dict(self.meta),
            self.loop,
            state_meta=self.state_meta,
            default_meta=False,
        )


def dump_trace(
    states: Sequence[Mapping[str, Any]],
    vars: Sequence[str],
    params: Sequence[str] | None = None,
    meta: Mapping[str, Any] | None = None,
    loop: int | None = None,
    *,
    state_meta: Sequence[Mapping[str, Any]] = (),
    default_meta: bool = True,
) -> dict[str, Any]:
    """Build the JSON-ready ITF document for ``states`` (each a mapping name -> value).

    ``#meta`` gets ``format``/``format-description`` unless ``meta`` sets them (or
    ``default_meta=False``); each state gets ``#meta.index`` plus ``state_meta[i]``.
    Raises :class:`ItfError` for unencodable values.
    """
    doc_meta: dict[str, Any] = (
        {"format": "ITF", "format-description": FORMAT_DESCRIPTION} if default_meta else {}
    )
    doc_meta.update(_freeze_meta(meta))
    doc: dict[str, Any] = {"#meta": doc_meta}
    if params:
        doc["params"] = list(params)
    doc["vars"] = list(vars)
    out_states: list[dict[str, Any]] = []
    for i, state in enumerate(states):
        smeta: dict[str, Any] = {"index": i}
        if i < len(state_meta):
            smeta.update(_freeze_meta(state_meta[i]))
        encoded: dict[str, Any] = {"#meta": smeta}
        for name, value in state.items():
            if not isinstance(name, str) or name.startswith("#"):
                raise ItfError(f"bad state variable name {name!r}", path=f"$.states[{i}]")
            encoded[name] = _encode(value, _child(f"$.states[{i}]", name), 0)
        out_states.append(encoded)
    doc["states"] = out_states
    if loop is not None:
        if not 0 <= loop < len(out_states):
            raise ItfError(f"loop index {loop} outside 0..{len(out_states) - 1}", path="$.loop")
        doc["loop"] = loop
    return doc


def dumps_trace(
    states: Sequence[Mapping[str, Any]],
    vars: Sequence[str],
    params: Sequence[str] | None = None,
    meta: Mapping[str, Any] | None = None,
    loop: int | None = None,
    *,
    indent: int | None = 2,
) -> str:
    """:func:`dump_trace` serialised as JSON text (UTF-8, non-ASCII kept as is)."""
    doc = dump_trace(states, vars, params, meta, loop)
    return json.dumps(doc, indent=indent, ensure_ascii=False)


def _reject_constant(name: str) -> Any:
    raise ItfError(f"{name} is not valid JSON")


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise ItfError(f"JSON object repeats the key {key!r}")
        out[key] = value
    return out


def _parse_json(text: str | bytes, source: str) -> object:
    try:
        return json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_reject_constant)
    except ItfError as exc:
        raise ItfError(exc.reason, path="$", source=source) from None
    except RecursionError:
        raise ItfError("JSON nested too deeply", source=source) from None
    except UnicodeDecodeError as exc:
        raise ItfError(f"not UTF-8 text: {exc.reason}", source=source) from None
    except ValueError as exc:  # json.JSONDecodeError, and int() digit limits
        raise ItfError(f"not JSON: {exc}", source=source) from None


def load_trace(
    src: Mapping[str, Any] | str | bytes | Path, *, lenient: bool = False, source: str = ""
) -> Trace:
    """Read an ITF trace from a parsed document, JSON text (``str``/``bytes``) or a file.

    A ``str`` is JSON text, never a file name: pass a :class:`Path` for a file.
    Strict mode requires every state to define every variable in ``vars``, with one
    exception that Apalache itself writes: a trace with ``params`` whose state 0 is
    the constant-initialisation state (it defines every param and no variable).
    States may carry extra keys beyond ``vars`` (Apalache's writer emits them); they
    are kept. Lenient mode also accepts plain JSON integers, states lacking
    variables, and repeated ``#set`` elements. Raises :class:`ItfError` only.
    """
    doc: object
    if isinstance(src, Path):
        source = source or str(src)
        try:
            raw = src.read_bytes()
        except OSError as exc:
            raise ItfError(f"cannot read: {exc.strerror}", source=source) from None
        doc = _parse_json(raw, source)
    elif isinstance(src, str | bytes):
        doc = _parse_json(src, source)
    else:
        doc = src
    try:
        return _load_doc(doc, lenient=lenient)
    except ItfError as exc:
        raise ItfError(exc.reason, path=exc.path, source=source) from None
    except RecursionError:
        raise ItfError("document nested too deeply", source=source) from None


def _string_list(doc: Mapping[str, Any], key: str) -> tuple[str, ...]:
    value = doc[key]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ItfError(f"{key} must be a list of strings", path=f"$.{key}")
    if len(set(value)) != len(value):
        raise ItfError(f"{key} names a variable twice", path=f"$.{key}")
    return tuple(value)


def _load_doc(doc: object, *, lenient: bool) -> Trace:
    if not isinstance(doc, Mapping):
        raise ItfError("an ITF trace is a JSON object")
    for key in doc:
        if key not in ("#meta", "params", "vars", "states", "loop"):
            raise ItfError(f"unknown top-level field {key!r}")
    meta = doc.get("#meta", {})
    if not isinstance(meta, Mapping):
        raise ItfError("#meta must be an object", path="$.#meta")
    if "vars" not in doc:
        raise ItfError("missing required field 'vars'")
    if "states" not in doc:
        raise ItfError("missing required field 'states'")
    variables = _string_list(doc, "vars")
    params = _string_list(doc, "params") if "params" in doc else ()
    raw_states = doc["states"]
    if not isinstance(raw_states, list):
        raise ItfError("states must be a list", path="$.states")
    states: list[Record] = []
    metas: list[Mapping[str, Any]] = []
    for i, raw in enumerate(raw_states):
        path = f"$.states[{i}]"
        if not isinstance(raw, Mapping):
            raise ItfError("a state must be a JSON object", path=path)
        smeta = raw.get("#meta", {})
        if not isinstance(smeta, Mapping):
            raise ItfError("#meta must be an object", path=_child(path, "#meta"))
        fields: dict[str, Any] = {}
        for name, value in raw.items():
            if name == "#meta":
                continue
            if not isinstance(name, str) or name.startswith("#"):
                raise ItfError(f"bad state variable name {name!r}", path=path)
            fields[name] = _decode(value, _child(path, name), lenient=lenient, depth=1)
        missing = [v for v in variables if v not in fields]
        if missing and not lenient:
            const_init = (
                i == 0
                and params
                and all(p in fields for p in params)
                and len(missing) == len(variables)
            )
            if not const_init:
                raise ItfError(
                    f"state does not define {missing} (load with lenient=True to accept partial"
                    " states)",
                    path=path,
                )
        states.append(Record(fields))
        metas.append(dict(smeta))
    loop = doc.get("loop")
    if loop is not None and (
        isinstance(loop, bool) or not isinstance(loop, int) or not 0 <= loop < len(states)
    ):
        raise ItfError(f"loop must be a state index in 0..{len(states) - 1}", path="$.loop")
    return Trace(dict(meta), params, variables, tuple(states), loop, tuple(metas))
