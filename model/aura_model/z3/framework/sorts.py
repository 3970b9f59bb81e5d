"""Finite sorts for the spec's model values and string constants."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import z3

from aura_model.z3.framework.context import memo

__all__ = ["EnumSort"]


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
