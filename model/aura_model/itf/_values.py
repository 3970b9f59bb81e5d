"""Python values for the ITF value kinds, their canonical order and their encoding.

The encoding defines the order: ``#set`` and ``#map`` are written sorted by
:func:`canonical_key`, which compares structured values by their encoded text.

Every decoded value is hashable, so sets of records or maps keyed by tuples
work. Mapping (ADR-015 -> Python):

* ``true``/``false`` -> ``bool``; ``{"#bigint": "n"}`` -> ``int``; string -> ``str``
* JSON list (a TLA+ sequence) -> :class:`Seq` (equal to the ``list`` with the same items)
* ``{"#tup": [...]}`` -> ``tuple``; ``{"#set": [...]}`` -> ``frozenset``
* ``{"#map": [[k, v], ...]}`` -> :class:`ItfMap`
* a plain object (a record) -> :class:`Record` (an immutable mapping equal to the ``dict``
  with the same fields)
* ``{"tag": t, "value": v}`` (exactly these two keys) -> :class:`Variant`
* ``{"#unserializable": text}`` -> :class:`Unserializable`
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any, overload

import attrs

from aura_model.itf._errors import ItfError, child_path

__all__ = [
    "MAX_DEPTH",
    "ItfMap",
    "Record",
    "Seq",
    "Unserializable",
    "Variant",
    "canonical_key",
    "encode_value",
]

# Deeper nesting than this is not a model state but an attack on the stack.
MAX_DEPTH = 400


class Record(Mapping[str, Any]):
    """A TLA+ record: an immutable, hashable mapping from field names to values.

    It compares equal to any mapping (a ``dict`` included) with the same items,
    so ``decode_value({"a": true}) == {"a": True}`` holds; a plain ``dict`` could
    not sit inside a ``frozenset``, which is why records are not decoded to one.
    """

    __slots__ = ("_fields", "_hash")
    _fields: dict[str, Any]
    _hash: int | None

    def __init__(self, fields: Mapping[str, Any] | Iterable[tuple[str, Any]] = (), /) -> None:
        object.__setattr__(self, "_fields", dict(fields))
        object.__setattr__(self, "_hash", None)

    def __getitem__(self, key: str) -> Any:
        return self._fields[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._fields)

    def __len__(self) -> int:
        return len(self._fields)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Mapping):
            return self._fields == dict(other)
        return NotImplemented

    def __hash__(self) -> int:
        if self._hash is None:
            object.__setattr__(self, "_hash", hash(("Record", frozenset(self._fields.items()))))
        assert self._hash is not None
        return self._hash

    def __repr__(self) -> str:
        return f"Record({self._fields!r})"

    def __setattr__(self, name: str, value: Any) -> None:
        raise attrs.exceptions.FrozenInstanceError()

    def __reduce__(self) -> tuple[type[Record], tuple[dict[str, Any]]]:
        return (Record, (self._fields,))


class Seq(Sequence[Any]):
    """A TLA+ sequence: an immutable, hashable list.

    Equal to a ``list`` with the same items (and to another ``Seq``), but *not*
    to a ``tuple``: tuples are ITF ``#tup`` values, a different kind.
    """

    __slots__ = ("_items",)
    _items: tuple[Any, ...]

    def __init__(self, items: Iterable[Any] = (), /) -> None:
        object.__setattr__(self, "_items", tuple(items))

    @overload
    def __getitem__(self, index: int) -> Any: ...
    @overload
    def __getitem__(self, index: slice) -> Seq: ...
    def __getitem__(self, index: int | slice) -> Any:
        if isinstance(index, slice):
            return Seq(self._items[index])
        return self._items[index]

    def __len__(self) -> int:
        return len(self._items)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Seq):
            return self._items == other._items
        if isinstance(other, list):
            return list(self._items) == other
        return NotImplemented

    def __hash__(self) -> int:
        return hash(("Seq", self._items))

    def __repr__(self) -> str:
        return f"Seq({list(self._items)!r})"

    def __setattr__(self, name: str, value: Any) -> None:
        raise attrs.exceptions.FrozenInstanceError()

    def __reduce__(self) -> tuple[type[Seq], tuple[tuple[Any, ...]]]:
        return (Seq, (self._items,))


@attrs.frozen
class Variant:
    """A value of a TLA+/Quint sum type: ``{"tag": "Some", "value": ...}``."""

    tag: str = attrs.field(validator=attrs.validators.instance_of(str))
    value: Any


@attrs.frozen
class Unserializable:
    """A value the writer could not list (``Int``, ``SUBSET BOOLEAN``...), kept as its text."""

    text: str = attrs.field(validator=attrs.validators.instance_of(str))


def _sorted_pairs(
    pairs: Mapping[Any, Any] | Iterable[tuple[Any, Any]],
) -> tuple[tuple[Any, Any], ...]:
    items = list(pairs.items()) if isinstance(pairs, Mapping) else [tuple(p) for p in pairs]
    for item in items:
        if len(item) != 2:
            raise ValueError(f"ItfMap pair must have two elements, got {item!r}")
    keyed = sorted(((canonical_key(k), (k, v)) for k, v in items), key=lambda kv: kv[0])
    for (a, (k, _)), (b, _) in itertools.pairwise(keyed):
        if a == b:
            raise ValueError(f"#map has a duplicate key {k!r}")
    return tuple(pair for _, pair in keyed)


@attrs.frozen
class ItfMap:
    """A TLA+ function (``#map``): pairs with distinct keys of any ITF kind.

    The pairs are kept in canonical key order, so two maps with the same pairs
    are equal whatever order they were built in. Lookup compares canonical
    encodings, so ``True`` and ``1`` stay distinct keys.
    """

    pairs: tuple[tuple[Any, Any], ...] = attrs.field(converter=_sorted_pairs)
    _index: dict[str, Any] = attrs.field(init=False, eq=False, hash=False, repr=False, factory=dict)

    def __getitem__(self, key: Any) -> Any:
        # Look up by canonical key, not Python equality: True and 1 are distinct ITF keys.
        try:
            wanted = canonical_key(key)
        except ValueError:
            raise KeyError(key) from None
        if len(self._index) != len(self.pairs):
            # Built on first lookup; the mapping is private, so the instance stays a value.
            self._index.update((canonical_key(k), v) for k, v in self.pairs)
        try:
            return self._index[wanted]
        except KeyError:
            raise KeyError(key) from None

    def get(self, key: Any, default: Any = None) -> Any:
        try:
            return self[key]
        except KeyError:
            return default

    def keys(self) -> tuple[Any, ...]:
        return tuple(k for k, _ in self.pairs)

    def values(self) -> tuple[Any, ...]:
        return tuple(v for _, v in self.pairs)

    def __len__(self) -> int:
        return len(self.pairs)

    def __iter__(self) -> Iterator[Any]:
        return iter(self.keys())

    def __contains__(self, key: object) -> bool:
        try:
            self[key]
        except KeyError:
            return False
        return True


def canonical_key(value: Any) -> str:
    """A total, deterministic order on ITF values: sort key used for ``#set``/``#map``.

    Kinds sort first (booleans, integers, strings, then structured values), then
    integers numerically, strings by code point and structured values by their
    canonical JSON text. Two values get the same key only if they encode the same.
    """
    if isinstance(value, bool):
        return f"0{int(value)}"
    if isinstance(value, int):
        # Numeric order for arbitrary sizes: sign, then length, then digits.
        digits = str(abs(value))
        if value < 0:
            inverted = "".join(chr(ord("9") - ord(c) + ord("0")) for c in digits)
            return f"1-{10**6 - len(digits):07d}{inverted}"
        return f"1={len(digits):07d}{digits}"
    if isinstance(value, str):
        return "2" + value
    return "3" + json.dumps(encode_value(value), sort_keys=True, ensure_ascii=False)


# --------------------------------------------------------------------------- encode


def encode_value(value: Any, *, where: str = "") -> object:
    """Return the JSON-ready ITF form of ``value`` (see the module table above).

    ``list``/:class:`Seq` become JSON lists, ``tuple`` ``#tup``, ``set``/``frozenset``
    ``#set`` (canonically sorted), ``dict``/:class:`Record` records, :class:`ItfMap`
    ``#map``, ints ``#bigint``. Raises :class:`ItfError` (with the path) for values
    ITF cannot hold: floats, ``None``, bytes, non-string record keys, record keys
    starting with ``#`` (reserved), and a record with exactly the fields ``tag`` and
    ``value`` (it would read back as a :class:`Variant`; build a ``Variant`` instead).
    """
    return _encode(value, where or "$", 0)


def _encode(value: Any, path: str, depth: int) -> object:
    if depth > MAX_DEPTH:
        raise ItfError("value nested too deeply", path=path)
    if isinstance(value, bool | str):
        return value
    if isinstance(value, int):
        return {"#bigint": str(value)}
    if isinstance(value, list | Seq):
        return [_encode(v, child_path(path, i), depth + 1) for i, v in enumerate(value)]
    if isinstance(value, tuple):
        tp = child_path(path, "#tup")
        return {"#tup": [_encode(v, child_path(tp, i), depth + 1) for i, v in enumerate(value)]}
    if isinstance(value, set | frozenset):
        sp = child_path(path, "#set")
        ordered = sorted(value, key=canonical_key)
        return {"#set": [_encode(v, child_path(sp, i), depth + 1) for i, v in enumerate(ordered)]}
    if isinstance(value, ItfMap):
        mp = child_path(path, "#map")
        return {
            "#map": [
                [
                    _encode(k, child_path(child_path(mp, i), 0), depth + 1),
                    _encode(v, child_path(child_path(mp, i), 1), depth + 1),
                ]
                for i, (k, v) in enumerate(value.pairs)
            ]
        }
    if isinstance(value, Variant):
        return {
            "tag": value.tag,
            "value": _encode(value.value, child_path(path, "value"), depth + 1),
        }
    if isinstance(value, Unserializable):
        return {"#unserializable": value.text}
    if isinstance(value, Mapping):
        out: dict[str, object] = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise ItfError(f"record field name {key!r} is not a string", path=path)
            if key.startswith("#"):
                raise ItfError(f"record field {key!r} starts with '#', reserved by ITF", path=path)
            out[key] = _encode(item, child_path(path, key), depth + 1)
        if set(out) == {"tag", "value"}:
            raise ItfError(
                "a record with exactly the fields 'tag' and 'value' reads back as a variant;"
                " use itf.Variant",
                path=path,
            )
        return out
    raise ItfError(f"cannot encode a {type(value).__name__} as ITF: {value!r:.80}", path=path)
