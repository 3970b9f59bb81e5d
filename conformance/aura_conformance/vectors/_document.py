"""The vector file: one JSON document, written canonically and read strictly.

A malformed file is a :class:`VectorFileError` naming the JSON path of the
first problem (``$.vectors[3].operation``), never a ``KeyError`` or a traceback.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import attrs

from aura_conformance.vectors._codec import OPERATIONS

__all__ = [
    "DOCUMENT_FORMAT",
    "DOCUMENT_VERSION",
    "Document",
    "Vector",
    "VectorFileError",
    "dumps_document",
    "load_document",
]

DOCUMENT_FORMAT = "aura-rendezvous-wire-vectors"
DOCUMENT_VERSION = 1


class VectorFileError(ValueError):
    """A vector file that is not a valid document; ``where`` is a JSON path."""

    def __init__(self, source: str, where: str, reason: str) -> None:
        super().__init__(f"{source}: {where}: {reason}")
        self.source = source
        self.where = where
        self.reason = reason


@attrs.frozen
class Vector:
    """One case: an operation on an input, and its output or the error it raises."""

    id: str
    family: str
    operation: str
    input: Mapping[str, Any]
    output: Mapping[str, Any] | None = None
    error: str | None = None
    reason: str | None = None
    why: str = ""

    @property
    def negative(self) -> bool:
        return self.error is not None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id,
            "family": self.family,
            "operation": self.operation,
            "input": self.input,
        }
        if self.error is None:
            out["output"] = self.output
        else:
            out["error"] = self.error
            out["reason"] = self.reason
        if self.why:
            out["why"] = self.why
        return out


@attrs.frozen
class Document:
    keys: Mapping[str, Any]
    vectors: tuple[Vector, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "format": DOCUMENT_FORMAT,
            "version": DOCUMENT_VERSION,
            "description": (
                "Wire-format test vectors of the Aura rendezvous reference implementation; "
                "see docs/vectors.md."
            ),
            "keys": self.keys,
            "vectors": [v.to_json() for v in self.vectors],
        }


def dumps_document(document: Document) -> str:
    """Canonical text: sorted keys, one-space indent, ASCII, a final newline."""
    return json.dumps(document.to_json(), indent=1, sort_keys=True, ensure_ascii=True) + "\n"


def _require(cond: bool, source: str, where: str, reason: str) -> None:
    if not cond:
        raise VectorFileError(source, where, reason)


def _object(value: object, source: str, where: str) -> Mapping[str, Any]:
    _require(isinstance(value, dict), source, where, f"expected an object, got {_kind(value)}")
    assert isinstance(value, dict)
    return value


def _kind(value: object) -> str:
    return {dict: "an object", list: "an array", str: "a string", bool: "a boolean"}.get(
        type(value), "null" if value is None else "a number"
    )


def _text(value: object, source: str, where: str) -> str:
    _require(isinstance(value, str) and bool(value), source, where, "expected a non-empty string")
    assert isinstance(value, str)
    return value


def _check_keys(keys: Mapping[str, Any], source: str) -> None:
    for section, fields in (
        ("authorities", ("id", "seed", "ed25519_public", "x25519_private", "x25519_public")),
        ("contexts", ("id", "root_secret", "roster")),
    ):
        entries = _object(keys.get(section), source, f"$.keys.{section}")
        for name, raw in entries.items():
            where = f"$.keys.{section}.{name}"
            entry = _object(raw, source, where)
            for field in fields:
                _require(field in entry, source, where, f"missing field {field!r}")
                if field != "roster":
                    _hex(entry[field], source, f"{where}.{field}")
    authorities = keys["authorities"]
    for name, context in keys["contexts"].items():
        roster = context["roster"]
        where = f"$.keys.contexts.{name}.roster"
        _require(isinstance(roster, list), source, where, "expected an array of names")
        for i, member in enumerate(roster):
            _require(
                member in authorities, source, f"{where}[{i}]", f"unknown authority {member!r}"
            )


def _hex(value: object, source: str, where: str) -> None:
    ok = isinstance(value, str) and len(value) % 2 == 0
    if ok:
        assert isinstance(value, str)
        try:
            bytes.fromhex(value)
        except ValueError:
            ok = False
    _require(ok, source, where, "expected a hex string of whole bytes")


def _vector(raw: object, index: int, source: str) -> Vector:
    where = f"$.vectors[{index}]"
    v = _object(raw, source, where)
    known = {"id", "family", "operation", "input", "output", "error", "reason", "why"}
    extra = sorted(set(v) - known)
    _require(not extra, source, where, f"unknown field(s) {extra}")
    for field in ("id", "family", "operation", "input"):
        _require(field in v, source, where, f"missing field {field!r}")
    operation = _text(v["operation"], source, f"{where}.operation")
    _require(
        operation in OPERATIONS, source, f"{where}.operation", f"unknown operation {operation!r}"
    )
    has_output, has_error = "output" in v, "error" in v
    _require(has_output != has_error, source, where, "a vector has exactly one of output and error")
    if has_error:
        _text(v["error"], source, f"{where}.error")
        _require(
            v.get("reason") is None or isinstance(v["reason"], str),
            source,
            f"{where}.reason",
            "expected a string or null",
        )
    return Vector(
        id=_text(v["id"], source, f"{where}.id"),
        family=_text(v["family"], source, f"{where}.family"),
        operation=operation,
        input=_object(v["input"], source, f"{where}.input"),
        output=_object(v["output"], source, f"{where}.output") if has_output else None,
        error=v.get("error"),
        reason=v.get("reason"),
        why=v.get("why", ""),
    )


def load_document(src: Path | str | Mapping[str, Any], source: str | None = None) -> Document:
    """Read and validate a vector document (a path, JSON text, or a parsed object)."""
    if isinstance(src, Path):
        source = source or str(src)
        try:
            text = src.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise VectorFileError(source, "$", f"cannot read: {exc}") from None
        src = text
    source = source or "<vectors>"
    if isinstance(src, str):
        try:
            parsed = json.loads(src)
        except json.JSONDecodeError as exc:
            where = f"$ (line {exc.lineno}, column {exc.colno})"
            raise VectorFileError(source, where, f"not JSON: {exc.msg}") from None
    else:
        parsed = src
    top = _object(parsed, source, "$")
    _require(
        top.get("format") == DOCUMENT_FORMAT, source, "$.format", f"expected {DOCUMENT_FORMAT!r}"
    )
    _require(
        top.get("version") == DOCUMENT_VERSION,
        source,
        "$.version",
        f"unsupported version {top.get('version')!r}; this checker reads {DOCUMENT_VERSION}",
    )
    keys = _object(top.get("keys"), source, "$.keys")
    _check_keys(keys, source)
    raw_vectors = top.get("vectors")
    _require(isinstance(raw_vectors, list), source, "$.vectors", "expected an array")
    assert isinstance(raw_vectors, Sequence)
    vectors = tuple(_vector(v, i, source) for i, v in enumerate(raw_vectors))
    seen: dict[str, int] = {}
    for i, vec in enumerate(vectors):
        _require(
            vec.id not in seen,
            source,
            f"$.vectors[{i}].id",
            f"duplicate id {vec.id!r} (also $.vectors[{seen.get(vec.id)}])",
        )
        seen[vec.id] = i
    return Document(keys, vectors)
