"""Finite sorts for model values, and decoders to the spec's vocabulary."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import z3

from aura_model.z3.framework.context import memo
from aura_model.z3.framework.trace import decode_scalar
from aura_model.z3.framework.ts import State

__all__ = ["EnumSort", "array_decoder", "nested_array_decoder"]


class EnumSort:
    """A Z3 enumeration sort whose constants are the spec's model values
    (``a1``, ``a2``) or string constants (``"Idle"``)."""

    def __init__(self, name: str, values: Sequence[str]) -> None:
        self.name = name
        # Z3 declares a sort name once per context: reuse it (same values only).
        known = memo(f"EnumSort:{name}", lambda: (tuple(values), *z3.EnumSort(name, list(values))))
        if known[0] != tuple(values):
            raise ValueError(f"enumeration sort {name} redeclared with other values")
        _, self.sort, consts = known
        self.values = tuple(values)
        self.consts = dict(zip(values, consts, strict=True))

    def __getitem__(self, value: str) -> Any:
        return self.consts[value]

    def __iter__(self) -> Any:
        return iter(self.consts.values())

    def encode(self, value: str) -> Any:
        return self.consts[value]


def array_decoder(domain: EnumSort) -> Callable[[Any, Any, State], object]:
    """Decode an array over a finite sort as a function ``{k: v}``."""

    def decode(model: Any, expr: Any, s: State) -> object:
        return {
            k: decode_scalar(model.eval(z3.Select(expr, c), model_completion=True))
            for k, c in domain.consts.items()
        }

    return decode


def nested_array_decoder(
    domain: EnumSort, inner: Callable[[Any, State], Sequence[int]]
) -> Callable[[Any, Any, State], object]:
    """Decode ``[domain -> [Int -> Int]]`` at the integer keys ``inner(model, s)``
    (the unbounded index is shown only where the state makes it relevant)."""

    def decode(model: Any, expr: Any, s: State) -> object:
        keys = inner(model, s)
        return {
            k: {i: decode_scalar(model.eval(z3.Select(z3.Select(expr, c), i), True)) for i in keys}
            for k, c in domain.consts.items()
        }

    return decode
