"""Temporal formulas in negation normal form, their atoms and fairness conditions.

Formulas are hashable tuples (the tableau uses them as keys); the
constructors simplify as they build (``and`` and ``or`` flattened and sorted,
``TRUE``/``FALSE`` absorbed).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aura_model.tla._runtime import UNSET, Act, Ctx, Expr

__all__ = [
    "FALSE",
    "TRUE",
    "UNASSIGNED",
    "Atom",
    "Fairness",
    "Formula",
    "LiveCheck",
    "State",
    "always",
    "angle_enabled",
    "conj",
    "disj",
    "eventually",
    "is_angle_step",
    "neg",
]

State = tuple[Any, ...]

# Formulas in negation normal form, as hashable tuples:
#   ("atom", i, positive)  ("and", f, ...)  ("or", f, ...)  ("G", f)  ("F", f)
#   ("true",)  ("false",)
Formula = tuple[Any, ...]

TRUE: Formula = ("true",)
FALSE: Formula = ("false",)


class Fairness:
    __slots__ = ("act", "expr", "strong", "sub")

    def __init__(self, strong: bool, act: Act, expr: Expr, sub: Expr) -> None:
        self.strong = strong
        self.act = act  # generator form, for ENABLED <<A>>_v
        self.expr = expr  # expression form, for "this step is an A step"
        self.sub = sub


class Atom:
    """A state predicate (``action`` False) or an action predicate of a formula."""

    __slots__ = ("action", "fair", "test")

    def __init__(
        self,
        action: bool,
        test: Callable[..., bool],
        fair: tuple[Fairness, dict[str, Any]] | None = None,
    ) -> None:
        self.action = action
        self.test = test  # test(s) or test(s, t)
        self.fair = fair  # set for ENABLED <<A>>_v (see _search._Product.sval)


class LiveCheck:
    """One property conjunct: the negation of it, in NNF, over ``atoms``."""

    __slots__ = ("atoms", "label", "neg")

    def __init__(self, label: str, neg: Formula, atoms: list[Atom]) -> None:
        self.label = label
        self.neg = neg
        self.atoms = atoms


def conj(parts: list[Formula]) -> Formula:
    out: list[Formula] = []
    for p in parts:
        if p == FALSE:
            return FALSE
        if p == TRUE:
            continue
        out.extend(p[1:] if p[0] == "and" else [p])
    uniq = sorted(set(out), key=repr)
    if not uniq:
        return TRUE
    return uniq[0] if len(uniq) == 1 else ("and", *uniq)


def disj(parts: list[Formula]) -> Formula:
    out: list[Formula] = []
    for p in parts:
        if p == TRUE:
            return TRUE
        if p == FALSE:
            continue
        out.extend(p[1:] if p[0] == "or" else [p])
    uniq = sorted(set(out), key=repr)
    if not uniq:
        return FALSE
    return uniq[0] if len(uniq) == 1 else ("or", *uniq)


def neg(f: Formula) -> Formula:
    k = f[0]
    if k == "atom":
        return ("atom", f[1], not f[2])
    if k == "true":
        return FALSE
    if k == "false":
        return TRUE
    if k == "and":
        return disj([neg(x) for x in f[1:]])
    if k == "or":
        return conj([neg(x) for x in f[1:]])
    if k == "G":
        return eventually(neg(f[1]))
    return always(neg(f[1]))


def always(f: Formula) -> Formula:
    if f in (TRUE, FALSE) or f[0] == "G":
        return f
    return ("G", f)


def eventually(f: Formula) -> Formula:
    if f in (TRUE, FALSE) or f[0] == "F":
        return f
    return ("F", f)


# The compiler's messages for a primed expression read before it has a value.
UNASSIGNED = ("has no value here", "is used before it is assigned")


class _Found(Exception):
    pass


def angle_enabled(f: Fairness, env: dict[str, Any], s: State) -> bool:
    """ENABLED <<A>>_v in ``s``."""
    here = f.sub(Ctx(s, None), env)
    nxt: list[Any] = [UNSET] * len(s)
    ctx = Ctx(s, nxt)

    def k() -> None:
        # A need not constrain every variable (WF_x(x' = x + 1) beside a y):
        # the ones it leaves free count as unchanged, which decides the
        # subscript whenever it reads assigned variables only (TLC stops with
        # an error when it reads a free one).
        after = tuple(v if n is UNSET else n for v, n in zip(s, nxt, strict=True))
        if f.sub(Ctx(after, None), env) != here:
            raise _Found

    try:
        f.act(ctx, env, k)
    except _Found:
        return True
    return False


def is_angle_step(f: Fairness, env: dict[str, Any], s: State, t: State) -> bool:
    if f.sub(Ctx(s, None), env) == f.sub(Ctx(t, None), env):
        return False
    return f.expr(Ctx(s, list(t)), env) is True
