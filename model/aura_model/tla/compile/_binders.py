"""Bound names: binding values to names and tuples, enumerating bounds, closures.

``x \\in S`` and ``<<a, b>> \\in S`` declarations, operator parameters and
LAMBDA parameters all end up as names in ``env``; these helpers build those
environments at run time.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from typing import Any

from aura_model.tla._errors import EvalError, Unsupported
from aura_model.tla._modules import declarations_as_name_bounds
from aura_model.tla._runtime import Ctx, Expr, Value
from aura_model.tla._values import LazyFn, format_value, in_tlc_order, product_set
from aura_model.tla.compile._context import (
    Binds,
    Compiling,
    Node,
    Scope,
    error_at,
    kind_of,
    set_of,
)

__all__ = [
    "binder",
    "binder_names",
    "bounds",
    "closure",
    "enumerate_binds",
    "enumerate_keys",
    "filter_test",
    "lazy_fn",
    "mentions",
    "mentions_at",
    "param_names",
]


def bounds(comp: Compiling, decls: list[Node], sc: Scope, what: str) -> tuple[Binds, Scope, int]:
    """Compile ``x \\in S, <<a, b>> \\in T``: the bounds, the inner scope, their level."""
    binds = []
    names: dict[str, tuple[Any, ...]] = {}
    lvl = 0
    for target, bound in declarations_as_name_bounds(decls):
        if bound is None:
            raise Unsupported(f"unbounded {what}")
        s, ls = comp.expr(bound, sc)
        lvl = max(lvl, ls)
        binds.append((s, binder(target), bound))
        for n in binder_names(target):
            # While probing (``own_constant``), names bound here are constants.
            names[n] = ("value", _PROBE) if getattr(comp, "probing", False) else ("val",)
    return binds, sc.bind_all(names), lvl


# The value a bound name stands for while a binder is probed; never evaluated.
_PROBE = object()


def binder_names(target: Node) -> list[str]:
    if kind_of(target) == "TUPLE":
        return [x.operator for x in target.items]
    return [target.operator]


def binder(target: Node) -> Callable[[dict[str, Any], Value], None]:
    if kind_of(target) == "TUPLE":
        names = [x.operator for x in target.items]
        n = len(names)

        def bind_tuple(env: dict[str, Any], v: Value) -> None:
            if type(v) is not tuple or len(v) != n:
                raise TypeError(f"cannot bind {format_value(v)} to a {n}-tuple")
            for name, x in zip(names, v, strict=True):
                env[name] = x

        return bind_tuple
    name = target.operator

    def bind(env: dict[str, Any], v: Value) -> None:
        env[name] = v

    bind.name = name  # type: ignore[attr-defined]
    return bind


def param_names(params: list[tuple[str, int]]) -> dict[str, tuple[Any, ...]]:
    return {p: (("op", ar) if ar else ("val",)) for p, ar in params}


def closure(
    params: list[tuple[str, int]], body: Expr, c: Ctx, env: dict[str, Any]
) -> Callable[..., Value]:
    names = [p for p, _ in params]
    if len(names) == 1:
        # LAMBDA x : P(x) and one-argument operator arguments, called for every
        # element a CHOOSE or quantifier tries.
        n0 = names[0]

        def call1(*vals: Value) -> Value:
            if len(vals) != 1:
                raise TypeError(f"expects 1 arguments, got {len(vals)}")
            return body(c, {**env, n0: vals[0]})

        return call1

    def call(*vals: Value) -> Value:
        if len(vals) != len(names):
            raise TypeError(f"expects {len(names)} arguments, got {len(vals)}")
        e = dict(env)
        for n, v in zip(names, vals, strict=True):
            e[n] = v
        return body(c, e)

    return call


def lazy_fn(doms: list[Value], binds: Binds, body: Expr, c: Ctx, e: dict[str, Any]) -> LazyFn:
    """``[n \\in Nat |-> e]``: TLC builds a function over an infinite domain
    lazily and applies it; so does this, value by value."""
    single = len(binds) == 1
    dom = doms[0] if single else product_set(doms)
    base = dict(e)

    def at(x: Value) -> Value:
        env = dict(base)
        if single:
            binds[0][1](env, x)
        else:
            for (_, bind, _), xi in zip(binds, x, strict=True):
                bind(env, xi)
        return body(c, env)

    return LazyFn(dom, at)


def filter_test(
    p: Expr,
    c: Ctx,
    e: dict[str, Any],
    bind: Callable[[dict[str, Any], Value], None],
    bad: Callable[[Value], EvalError],
) -> Callable[[Value], bool]:
    """Membership in ``{x \\in S : P}`` beyond the test ``x \\in S``."""

    def test(x: Value) -> bool:
        env = dict(e)
        try:
            bind(env, x)
        except TypeError:
            return False
        v = p(c, env)
        if v is True or v is False:
            return v
        raise bad(v)

    return test


def enumerate_binds(
    binds: Binds, c: Ctx, e: dict[str, Any], sc: Scope, ordered: bool = False
) -> Any:
    """Every environment the bounds allow (one dict may be reused between yields).

    ``ordered``: in TLC's order (where the order decides the search's, in actions).
    """
    elems: Callable[[Any], Any] = in_tlc_order if ordered else _as_is
    if len(binds) == 1:
        s, bind, bnode = binds[0]
        for x in elems(set_of(s(c, e), bnode, sc)):
            env = dict(e)
            try:
                bind(env, x)
            except TypeError as exc:
                raise error_at(bnode, sc, str(exc)) from None
            yield env
        return

    if ordered:
        # TLC's odometer: the first bound turns fastest, the last is the outer
        # loop. The bounds cannot mention one another (SANY), so all are taken
        # in ``e`` first, as TLC does.
        sets_r = [list(elems(set_of(s(c, e), bnode, sc))) for s, _, bnode in binds][::-1]
        for combo in itertools.product(*sets_r):
            env = dict(e)
            _bind_each(binds, combo[::-1], env, sc)
            yield env
        return

    if all(getattr(b[1], "name", None) is not None for b in binds):
        names = [b[1].name for b in binds]  # type: ignore[attr-defined]
        env = dict(e)
        sets = []
        for s, _, bnode in binds:
            sets.append(elems(set_of(s(c, env), bnode, sc)))
        for combo in itertools.product(*sets):
            for n, x in zip(names, combo, strict=True):
                env[n] = x
            yield env
        return

    def rec(i: int, env: dict[str, Any]) -> Any:
        if i == len(binds):
            yield env
            return
        s, bind, bnode = binds[i]
        for x in elems(set_of(s(c, env), bnode, sc)):
            env2 = dict(env)
            try:
                bind(env2, x)
            except TypeError as exc:
                raise error_at(bnode, sc, str(exc)) from None
            yield from rec(i + 1, env2)

    yield from rec(0, e)


def _as_is(s: Any) -> Any:
    return s


def enumerate_keys(binds: Binds, c: Ctx, e: dict[str, Any], sc: Scope, single: bool) -> Any:
    sets = [set_of(s(c, e), bnode, sc) for s, _, bnode in binds]
    for combo in itertools.product(*sets):
        env = dict(e)
        _bind_each(binds, combo, env, sc)
        yield (combo[0] if single else tuple(combo)), env


def _bind_each(binds: Binds, xs: Sequence[Value], env: dict[str, Any], sc: Scope) -> None:
    """Bind each bound's names to its value of ``xs`` in ``env``; a value its
    pattern cannot take (``<<a, b>> \\in {1}``) is an error at that bound."""
    for (_, bind, bnode), x in zip(binds, xs, strict=True):
        try:
            bind(env, x)
        except TypeError as exc:
            raise error_at(bnode, sc, str(exc)) from None


def mentions(node: Any, name: str) -> bool:
    if isinstance(node, str):
        return False
    if isinstance(node, list):
        return any(mentions(x, name) for x in node)
    if isinstance(node, tuple):
        if hasattr(node, "_fields") and getattr(node, "operator", None) == name:
            return True
        return any(mentions(x, name) for x in node if not isinstance(x, str))
    return False


def mentions_at(node: Any) -> bool:
    if isinstance(node, str):
        return node == "@"
    if isinstance(node, (list, tuple)):
        return any(mentions_at(x) for x in node if x is not None and not isinstance(x, int))
    return False
