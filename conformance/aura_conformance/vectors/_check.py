"""Run every vector of a document on a codec and say which ones it fails.

A positive vector passes when the operation returns exactly the recorded
output; a negative one when it raises an error of exactly the recorded class.
Accepting a negative input, raising another class or an untyped error, or
returning other bytes is a failure. An input the reference itself cannot read
(a missing field, a non-hex string) is a fault of the file, reported as
:class:`VectorFileError`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import attrs
from aura_rendezvous import AuraError

from aura_conformance.vectors._codec import ReferenceCodec
from aura_conformance.vectors._document import Document, Vector, VectorFileError
from aura_conformance.vectors._keys import KeyRing

__all__ = ["CodecFactory", "VectorResult", "check_document"]

CodecFactory = Callable[[KeyRing], ReferenceCodec]


@attrs.frozen
class VectorResult:
    id: str
    family: str
    ok: bool
    detail: str = ""


def _first_difference(expected: Any, got: Any, path: str = "") -> str:
    if isinstance(expected, Mapping) and isinstance(got, Mapping):
        for key in sorted(set(expected) | set(got)):
            if key not in got:
                return f"{path}.{key}: missing"
            if key not in expected:
                return f"{path}.{key}: unexpected"
            if expected[key] != got[key]:
                return _first_difference(expected[key], got[key], f"{path}.{key}")
    if isinstance(expected, list) and isinstance(got, list):
        if len(expected) != len(got):
            return f"{path}: {len(got)} items, expected {len(expected)}"
        for i, (e, g) in enumerate(zip(expected, got, strict=True)):
            if e != g:
                return _first_difference(e, g, f"{path}[{i}]")
    shown = str(got)
    return f"{path or 'output'}: got {shown[:80]}{'...' if len(shown) > 80 else ''}"


_UNREADABLE = (KeyError, TypeError, ValueError, AttributeError, OverflowError)
"""What an operation raises on an input it cannot read (a missing field, a non-hex string)."""


def _file_error(vector: Vector, index: int, source: str, exc: Exception) -> VectorFileError:
    return VectorFileError(
        source,
        f"$.vectors[{index}].input",
        f"does not fit operation {vector.operation!r}: {type(exc).__name__}: {exc}",
    )


def _check_one(
    codec: ReferenceCodec, reference: ReferenceCodec, vector: Vector, index: int, source: str
) -> VectorResult:
    try:
        output = codec.run(vector.operation, dict(vector.input))
    except AuraError as exc:
        name = type(exc).__name__
        if vector.error == name:
            return VectorResult(vector.id, vector.family, True)
        expected = f"expected {vector.error}" if vector.negative else "expected success"
        return VectorResult(vector.id, vector.family, False, f"raised {name}: {exc} ({expected})")
    except Exception as exc:  # the file's fault or the codec's: sorted out below
        if codec is reference or _unreadable(reference, vector):
            if isinstance(exc, _UNREADABLE):
                raise _file_error(vector, index, source, exc) from None
            raise
        return VectorResult(
            vector.id, vector.family, False, f"raised an untyped {type(exc).__name__}: {exc}"
        )
    if vector.negative:
        return VectorResult(
            vector.id, vector.family, False, f"accepted; expected {vector.error} ({vector.why})"
        )
    if output != vector.output:
        return VectorResult(
            vector.id, vector.family, False, _first_difference(vector.output, output)
        )
    return VectorResult(vector.id, vector.family, True)


def _unreadable(reference: ReferenceCodec, vector: Vector) -> bool:
    """Whether the reference itself cannot read ``vector``'s input."""
    try:
        reference.run(vector.operation, dict(vector.input))
    except AuraError:
        return False
    except _UNREADABLE:
        return True
    return False


def check_document(
    document: Document,
    codec: CodecFactory = ReferenceCodec,
    *,
    source: str = "<vectors>",
) -> tuple[VectorResult, ...]:
    """One result per vector, in the document's order."""
    try:
        keys = KeyRing.from_section(document.keys)
    except (KeyError, TypeError, ValueError, AuraError) as exc:
        raise VectorFileError(source, "$.keys", f"unusable key material: {exc}") from None
    instance = codec(keys)
    reference = instance if type(instance) is ReferenceCodec else ReferenceCodec(keys)
    return tuple(
        _check_one(instance, reference, v, i, source) for i, v in enumerate(document.vectors)
    )
