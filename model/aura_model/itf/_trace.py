"""ITF traces (Apalache ADR-015): reading and writing whole documents.

Strict mode (the default) accepts exactly what current Apalache and Quint write.
Lenient mode additionally accepts the legacy forms found in older traces: plain
JSON numbers for integers, states that lack declared variables, and repeated
``#set`` elements (collapsed). See ``docs/formats.md``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import attrs

from aura_model.itf._decode import decode_at
from aura_model.itf._errors import ItfError, child_path
from aura_model.itf._values import Record, encode_value

__all__ = ["FORMAT_DESCRIPTION", "Trace", "dump_trace", "dumps_trace", "load_trace"]

FORMAT_DESCRIPTION = "https://apalache-mc.org/docs/adr/015adr-trace.html"


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
            encoded[name] = encode_value(value, where=child_path(f"$.states[{i}]", name))
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
            raise ItfError("#meta must be an object", path=child_path(path, "#meta"))
        fields: dict[str, Any] = {}
        for name, value in raw.items():
            if name == "#meta":
                continue
            if not isinstance(name, str) or name.startswith("#"):
                raise ItfError(f"bad state variable name {name!r}", path=path)
            fields[name] = decode_at(value, child_path(path, name), lenient=lenient, depth=1)
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
