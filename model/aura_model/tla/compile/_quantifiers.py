"""Expressions that bind names over a set: ``\\A``/``\\E``, CHOOSE, set filter
and map, function constructors and (recursive) function definitions."""

from __future__ import annotations

import itertools
from typing import Any

from aura_model.tla._runtime import UNSET, Ctx, Expr, Value
from aura_model.tla._values import (
    LazyFn,
    LazySet,
    format_value,
    make_fn,
    product_set,
    sort_key,
    value_set,
)
from aura_model.tla.compile._binders import (
    binder,
    binder_names,
    enumerate_binds,
    enumerate_keys,
    filter_test,
    lazy_fn,
    mentions,
)
from aura_model.tla.compile._context import (
    BoundValue,
    Compiling,
    Node,
    Scope,
    as_bool,
    error_at,
    guarded,
    kind_of,
    op_of,
    set_of,
)

__all__ = [
    "compile_choose",
    "compile_function",
    "compile_quantification",
    "compile_set_comprehension",
    "compile_set_slice",
    "function_def",
]

# Kinds of values TLC cannot compare with each other (CHOOSE orders its set).
_SCALARS = frozenset({bool, int, str})


def compile_choose(comp: Compiling, node: Node, sc: Scope) -> tuple[Expr, int]:
    decl = node.declaration
    if op_of(decl) != "\\in":
        # TLC reports this only if it is evaluated (an unused NoVal ==
        # CHOOSE v : v \notin Val, overridden in the cfg, is fine).
        def unbounded(c: Ctx, e: dict[str, Any]) -> Value:
            raise error_at(
                node,
                sc,
                "TLC attempted to evaluate an unbounded CHOOSE; make sure that the"
                " expression is of form CHOOSE x \\in S: P(x)",
            )

        return unbounded, 0
    target, bound = decl.arguments
    s, ls = comp.expr(bound, sc)
    names = binder_names(target)
    inner = sc.bind_all(dict.fromkeys(names, ("val",)))
    p, lp = comp.expr(node.predicate, inner)
    bind = binder(target)

    # Set -> its least element, and its elements in order, in the
    # canonical order; element -> its sort key. Which element is least
    # depends on the set alone, and recursive definitions (Sum(f, S) over
    # S \\ {CHOOSE x \\in S : TRUE}) ask for the same sets at every state,
    # while ChooseOne(board, P) orders one state's set many times; hashing
    # a set runs in C, sort_key does not. Kept per CHOOSE, and not used
    # for sets holding Booleans: Python's TRUE == 1 would otherwise hand
    # BOOLEAN the answer for {0, 1}.
    least_of, order_of, keys = comp.choose_memo.setdefault(id(node), ({}, {}, {}))

    def key(x: Value) -> Any:
        k = keys.get(x)
        if k is None:
            k = sort_key(x)
            if len(keys) >= 100_000:
                keys.clear()
            keys[x] = k
        return k

    def g(c: Ctx, e: dict[str, Any]) -> Value:
        elems = set_of(s(c, e), bound, sc)
        kinds = {type(x) for x in elems}
        if len(kinds & _SCALARS) > 1:
            # TLC orders the set first, and cannot compare 1 with "a".
            raise error_at(node, sc, f"CHOOSE cannot order the set {format_value(elems)}")
        cache = bool not in kinds
        # The least element first: CHOOSE x \\in S : TRUE (the usual use)
        # then costs one pass instead of a sort.
        least = least_of.get(elems, UNSET) if cache else UNSET
        if least is UNSET:
            if not elems:
                raise error_at(node, sc, "CHOOSE found no element satisfying its predicate")
            least = min(elems, key=key if cache else sort_key)
            if cache:
                if len(least_of) >= 20_000:
                    least_of.clear()
                least_of[elems] = least
        env = dict(e)
        bind(env, least)
        if as_bool(p(c, env), node, sc):
            return least
        order = order_of.get(elems) if cache else None
        if order is None:
            order = sorted(elems, key=key if cache else sort_key)
            if cache:
                if len(order_of) >= 20_000:
                    order_of.clear()
                order_of[elems] = order
        for x in order[1:]:
            env = dict(e)
            bind(env, x)
            if as_bool(p(c, env), node, sc):
                return x
        raise error_at(node, sc, "CHOOSE found no element satisfying its predicate")

    return g, max(ls, lp)


def compile_quantification(comp: Compiling, node: Node, sc: Scope) -> tuple[Expr, int]:
    binds, inner, lvl = comp.bounds(node.declarations, sc, "quantifier")
    p, lp = comp.expr(node.predicate, inner)
    is_exists = node.quantifier == "\\E"

    def not_bool(v: Value) -> Exception:
        return error_at(node, sc, f"quantified predicate is not a Boolean: {format_value(v)}")

    if len(binds) == 1 and getattr(binds[0][1], "name", None) is not None:
        s, bind, bnode = binds[0]
        name = bind.name  # type: ignore[attr-defined]

        def g1(c: Ctx, e: dict[str, Any]) -> Value:
            env = dict(e)
            sv = s(c, e)
            for x in sv if type(sv) is frozenset else set_of(sv, bnode, sc):
                env[name] = x
                v = p(c, env)
                if v is True:
                    if is_exists:
                        return True
                elif v is False:
                    if not is_exists:
                        return False
                else:
                    raise not_bool(v)
            return not is_exists

        return g1, max(lvl, lp)
    if all(getattr(b[1], "name", None) is not None for b in binds):
        qnames = [b[1].name for b in binds]  # type: ignore[attr-defined]
        if len(binds) == 2:
            (s0, _, b0), (s1, _, b1) = binds
            q0, q1 = qnames

            def g2(c: Ctx, e: dict[str, Any]) -> Value:
                # ``gn`` for two names: nested loops visit the same pairs
                # in the same order as ``itertools.product``.
                env = dict(e)
                set0 = set_of(s0(c, env), b0, sc)
                set1 = set_of(s1(c, env), b1, sc)
                for x in set0:
                    env[q0] = x
                    for y in set1:
                        env[q1] = y
                        v = p(c, env)
                        if v is True:
                            if is_exists:
                                return True
                        elif v is False:
                            if not is_exists:
                                return False
                        else:
                            raise not_bool(v)
                return not is_exists

            return g2, max(lvl, lp)

        def gn(c: Ctx, e: dict[str, Any]) -> Value:
            env = dict(e)
            sets = []
            for s, _, bnode in binds:
                sets.append(set_of(s(c, env), bnode, sc))
            for combo in itertools.product(*sets):
                for n, x in zip(qnames, combo, strict=True):
                    env[n] = x
                v = p(c, env)
                if v is True:
                    if is_exists:
                        return True
                elif v is False:
                    if not is_exists:
                        return False
                else:
                    raise not_bool(v)
            return not is_exists

        return gn, max(lvl, lp)

    def g(c: Ctx, e: dict[str, Any]) -> Value:
        for env in enumerate_binds(binds, c, e, sc):
            v = p(c, env)
            if v is True:
                if is_exists:
                    return True
            elif v is False:
                if not is_exists:
                    return False
            else:
                raise not_bool(v)
        return not is_exists

    return g, max(lvl, lp)


def compile_set_slice(comp: Compiling, node: Node, sc: Scope) -> tuple[Expr, int]:
    binds, inner, lvl = comp.bounds([node.declaration], sc, "set filter")
    p, lp = comp.expr(node.predicate, inner)

    s, bind, bnode = binds[0]
    name = getattr(bind, "name", None)

    def g(c: Ctx, e: dict[str, Any]) -> Value:
        out = []
        env = dict(e)
        base = s(c, e)
        if isinstance(base, LazySet) and not base.finite():
            # {n \in Nat : P(n)}: TLC tests membership without enumerating.
            return LazySet(
                "Filter",
                base,
                filter_test(
                    p,
                    c,
                    dict(e),
                    bind,
                    lambda v: error_at(node, sc, f"expected a Boolean, got {format_value(v)}"),
                ),
            )
        for x in set_of(base, bnode, sc):
            if name is not None:
                env[name] = x
            else:
                bind(env, x)
            v = p(c, env)
            if v is True:
                out.append(x)
            elif v is not False:
                raise error_at(node, sc, f"expected a Boolean, got {format_value(v)}")
        return frozenset(out)

    return g, max(lvl, lp)


def compile_set_comprehension(comp: Compiling, node: Node, sc: Scope) -> tuple[Expr, int]:
    binds, inner, lvl = comp.bounds(node.declarations, sc, "set map")
    f, lf = comp.expr(node.item, inner)
    return guarded(
        lambda c, e: value_set([f(c, env) for env in enumerate_binds(binds, c, e, sc)]),
        node,
        sc,
        "set map",
    ), max(lvl, lf)


def compile_function(comp: Compiling, node: Node, sc: Scope) -> tuple[Expr, int]:
    binds, inner, lvl = comp.bounds(node.declaration, sc, "function constructor")
    f, lf = comp.expr(node.value, inner)
    single = len(binds) == 1
    if single:
        s, _, bnode = binds[0]
        names = binder_names(node.declaration[0].arguments[0])
        if len(names) == 1 and kind_of(node.declaration[0].arguments[0]) != "TUPLE":
            nm = names[0]

            def g1(c: Ctx, e: dict[str, Any]) -> Value:
                env = dict(e)
                d = {}
                dom = s(c, e)
                if isinstance(dom, LazySet) and not dom.finite():
                    return lazy_fn([dom], binds, f, c, e)
                for x in set_of(dom, bnode, sc):
                    env[nm] = x
                    d[x] = f(c, env)
                return make_fn(d)

            return g1, max(lvl, lf)

    def g(c: Ctx, e: dict[str, Any]) -> Value:
        doms = [b[0](c, e) for b in binds]
        if any(isinstance(x, LazySet) and not x.finite() for x in doms):
            return lazy_fn(doms, binds, f, c, e)
        d = {}
        for key, env in enumerate_keys(binds, c, e, sc, single):
            d[key] = f(c, env)
        return make_fn(d)

    return g, max(lvl, lf)


def function_def(comp: Compiling, d: Node, sc: Scope) -> tuple[Expr, int]:
    """``f[x \\in S] == e``: recursive ones become lazily evaluated functions."""
    fnode = d.definiens
    if not mentions(fnode.value, d.name):
        return compile_function(comp, fnode, sc)
    binds, inner, lvl = comp.bounds(fnode.declaration, sc, "function definition")
    body, lb = comp.expr(fnode.value, inner.bind(**{d.name: ("thunk",)}))
    single = len(binds) == 1
    name = d.name

    def g(c: Ctx, e: dict[str, Any]) -> Value:
        doms = [s(c, e) for s, _, _ in binds]
        dom = doms[0] if single else product_set(doms)
        holder: dict[str, Any] = dict(e)

        def at(x: Value) -> Value:
            env = dict(holder)
            if single:
                binds[0][1](env, x)
            else:
                for (_, bind, _), xi in zip(binds, x, strict=True):
                    bind(env, xi)
            return body(c, env)

        lf = LazyFn(dom, at)
        holder[name] = BoundValue(lf)
        return lf

    return g, max(lvl, lb, 1)
