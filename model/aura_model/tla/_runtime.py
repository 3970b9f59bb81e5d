"""What compiled code runs on, shared by the compiler and everything that runs its output.

An expression is ``f(ctx, env) -> value`` (:data:`Expr`), an action
``a(ctx, env, k)`` (:data:`Act`) that calls ``k()`` once for each way it holds;
``ctx.cur`` and ``ctx.nxt`` are the current and the next state (lists or tuples
indexed by variable), ``env`` the bound names. A next-state variable not yet
assigned holds :data:`UNSET`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = ["UNSET", "Act", "Ctx", "Expr", "Value"]

Value = Any
Expr = Callable[["Ctx", dict[str, Any]], Value]
Act = Callable[["Ctx", dict[str, Any], Callable[[], None]], None]


class _Unset:
    __slots__ = ()

    def __repr__(self) -> str:
        return "UNSET"


UNSET: Any = _Unset()


class Ctx:
    __slots__ = ("cur", "nxt")

    def __init__(self, cur: Any, nxt: Any) -> None:
        self.cur = cur
        self.nxt = nxt
