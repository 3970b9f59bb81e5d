"""Decoding ITF JSON (Apalache ADR-015) to Python values (the table in ``_values``).

Strict mode (the default) accepts exactly what current Apalache and Quint write.
Lenient mode additionally accepts the legacy forms found in older traces: plain
JSON numbers for integers and repeated ``#set`` elements (collapsed).
"""

from __future__ import annotations

import re
from typing import Any

from aura_model.itf._errors import ItfError, child_path
from aura_model.itf._values import MAX_DEPTH, ItfMap, Record, Seq, Unserializable, Variant

__all__ = ["decode_at", "decode_value"]

# CPython refuses int() on longer strings (int_max_str_digits); say so as an ItfError.
_MAX_DIGITS = 4300
_BIGINT = re.compile(r"-?(0|[1-9][0-9]*)")
_SPECIAL = ("#bigint", "#tup", "#set", "#map", "#unserializable")


def decode_value(obj: object, *, where: str = "", lenient: bool = False) -> Any:
    """Decode one ITF JSON value (as parsed by :func:`json.loads`) to a Python value.

    Raises :class:`ItfError` naming the JSON path (prefixed by ``where``, default
    ``$``) of the first bad element. Strict mode rejects plain JSON numbers (ADR-015 requires
    ``#bigint`` for every integer since 2023); ``lenient=True`` accepts them.
    """
    try:
        return decode_at(obj, where or "$", lenient=lenient, depth=0)
    except RecursionError:
        raise ItfError("value nested too deeply", path=where or "$") from None


def decode_at(obj: object, path: str, *, lenient: bool, depth: int) -> Any:
    if depth > MAX_DEPTH:
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
            decode_at(v, child_path(path, i), lenient=lenient, depth=depth + 1)
            for i, v in enumerate(obj)
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
        here = child_path(path, kind)
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
                decode_at(v, child_path(here, i), lenient=lenient, depth=depth + 1)
                for i, v in enumerate(body)
            )
        if kind == "#set":
            items = [
                decode_at(v, child_path(here, i), lenient=lenient, depth=depth + 1)
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
            raise ItfError("variant tag must be a string", path=child_path(path, "tag"))
        value = decode_at(obj["value"], child_path(path, "value"), lenient=lenient, depth=depth + 1)
        return Variant(tag, value)
    return Record(
        (k, decode_at(v, child_path(path, k), lenient=lenient, depth=depth + 1))
        for k, v in obj.items()
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
        here = child_path(path, i)
        if not isinstance(pair, list) or len(pair) != 2:
            raise ItfError("#map entry must be a [key, value] list", path=here)
        key = decode_at(pair[0], child_path(here, 0), lenient=lenient, depth=depth + 1)
        value = decode_at(pair[1], child_path(here, 1), lenient=lenient, depth=depth + 1)
        pairs.append((key, value))
    try:
        return ItfMap(pairs)
    except ValueError as exc:
        raise ItfError(str(exc), path=path) from None
