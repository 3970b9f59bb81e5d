"""Prime-free parts of actions: how many ways they hold.

TLC evaluates every disjunct of an action, so a condition such as
``x > 0 \\/ y > 0`` lets the rest of the action run once per disjunct that
holds. Counting those ways directly avoids the continuation machinery.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aura_model.tla._modules import OpDef
from aura_model.tla._runtime import Act, Ctx
from aura_model.tla._values import format_value
from aura_model.tla.compile._binders import enumerate_binds, param_names
from aura_model.tla.compile._context import (
    Compiling,
    Node,
    Scope,
    as_bool,
    error_at,
    flatten,
    kind_of,
    op_of,
    std_key,
)

__all__ = ["Counter", "counter", "guard_count"]

Counter = Callable[[Ctx, dict[str, Any]], int]


def guard_count(cnt: Counter) -> Act:
    """A prime-free part of an action: the rest runs once per way it holds."""

    def guard_count(c: Ctx, e: dict[str, Any], k: Callable[[], None]) -> None:
        n = cnt(c, e)
        while n > 0:
            k()
            n -= 1

    # A plain Boolean condition: conj() tests it in place, without this
    # frame, the counter's and a continuation closure per state.
    guard_count._test = getattr(cnt, "_test", None)  # type: ignore[attr-defined]
    return guard_count


def _junction(node: Node) -> tuple[list[Node] | None, bool]:
    """The parts of a conjunction or disjunction, and whether it is a conjunction."""
    kind = kind_of(node)
    if kind == "VERTICAL_LIST":
        return [it.expression for it in node.arguments], node.operator == "/\\"
    if (
        kind == "OPERATOR_APPLICATION"
        and op_of(node) in ("/\\", "\\/")
        and not node.nonfix
        and len(node.arguments or ()) == 2
    ):
        return flatten(node, op_of(node)), op_of(node) == "/\\"
    return None, False


def counter(comp: Compiling, node: Node, sc: Scope) -> Counter:
    """How many ways a prime-free action part holds (TLC's evaluation order)."""
    kind = kind_of(node)
    if kind == "PARENTHESES":
        return counter(comp, node.expression, sc)
    parts, conj = _junction(node)
    if parts is not None:
        cs = [counter(comp, p, sc) for p in parts]
        if conj:

            def product(c: Ctx, e: dict[str, Any]) -> int:
                n = 1
                for f in cs:
                    n *= f(c, e)
                    if n == 0:
                        return 0
                return n

            return product

        def total(c: Ctx, e: dict[str, Any]) -> int:
            return sum([f(c, e) for f in cs])

        return total
    if kind == "IF":
        p, _ = comp.expr(node.predicate, sc)
        t = counter(comp, node.then, sc)
        f = counter(comp, node.else_, sc)
        pn = node.predicate

        def ite(c: Ctx, e: dict[str, Any]) -> int:
            return t(c, e) if as_bool(p(c, e), pn, sc) else f(c, e)

        return ite
    if kind == "QUANTIFICATION" and node.quantifier == "\\E":
        binds, inner, _ = comp.bounds(node.declarations, sc, "quantifier")
        body = counter(comp, node.predicate, inner)

        def exists(c: Ctx, e: dict[str, Any]) -> int:
            return sum([body(c, env) for env in enumerate_binds(binds, c, e, sc)])

        return exists
    if kind == "QUANTIFICATION" and node.quantifier == "\\A":
        # TLC takes a bounded \A of an action as the conjunction of its instances,
        # each counted in turn: an \E inside one is as many ways as its witnesses.
        abinds, ainner, _ = comp.bounds(node.declarations, sc, "quantifier")
        abody = counter(comp, node.predicate, ainner)

        def forall(c: Ctx, e: dict[str, Any]) -> int:
            n = 1
            for env in enumerate_binds(abinds, c, e, sc):
                n *= abody(c, env)
                if n == 0:
                    return 0
            return n

        return forall
    if kind == "OPERATOR_APPLICATION" and op_of(node) == "=>" and len(node.arguments) == 2:
        # A => B in an action: B is counted only where A holds (TLC's order).
        hyp, _ = comp.expr(node.arguments[0], sc)
        concl = counter(comp, node.arguments[1], sc)
        hn = node.arguments[0]

        def implies(c: Ctx, e: dict[str, Any]) -> int:
            return concl(c, e) if as_bool(hyp(c, e), hn, sc) else 1

        return implies
    if kind == "LET":
        inner, binders = comp.let_scope(node.definitions, sc)
        lbody = counter(comp, node.expression, inner)
        if binders is None:
            return lbody
        return lambda c, e: lbody(c, binders(c, e))
    if kind == "OPERATOR_APPLICATION":
        expanded = _expand(comp, node, sc)
        if expanded is not None:
            return expanded
    g, _ = comp.expr(node, sc)

    def one(c: Ctx, e: dict[str, Any]) -> int:
        v = g(c, e)
        if v is True:
            return 1
        if v is False:
            return 0
        raise not_bool(v)

    def not_bool(v: Any) -> Exception:
        return error_at(node, sc, f"action condition is not a Boolean: {format_value(v)}")

    one._test = (g, not_bool)  # type: ignore[attr-defined]
    return one


def _expand(comp: Compiling, node: Node, sc: Scope) -> Counter | None:
    """A call of a definition, counted through its body; None for other names."""
    d = comp.lookup(std_key(op_of(node), node), sc)
    args = list(node.arguments or ())
    if (
        isinstance(d, OpDef)
        and not d.recursive
        and not d.node.function
        and len(args) == len(d.params)
        and all(ar == 0 for _, ar in d.params)
        and "compiling" not in d.cache
    ):
        # TLC expands operators inside actions, disjunctions included.
        if d.params and comp.pure(d):
            return _memo_count(comp, d, args, sc)
        if d.params:
            body, isc = comp.inline_body(d, args, sc)
        else:
            body, isc = d.node.definiens, Scope(d.mod, {})
        return counter(comp, body, isc)
    return None


def _memo_count(comp: Compiling, d: OpDef, args: list[Node], sc: Scope) -> Counter:
    # A state-independent guard: the count depends on the argument values only.
    if "counter" not in d.cache:
        d.cache["counter"] = counter(comp, d.node.definiens, Scope(d.mod, param_names(d.params)))
    body = d.cache["counter"]
    memo: dict[Any, int] = d.cache.setdefault("count_memo", {})
    names = [p for p, _ in d.params]
    fs = [comp.expr(a, sc)[0] for a in args]

    if len(fs) == 2:
        f0, f1 = fs
        n0, n1 = names

        def count2(c: Ctx, e: dict[str, Any]) -> int:
            # Same key as ``count`` builds, without the list and starred copies.
            x = f0(c, e)
            y = f1(c, e)
            key = (x, y, x.__class__ is bool, y.__class__ is bool)
            n = memo.get(key)
            if n is None:
                n = body(c, {n0: x, n1: y})
                if len(memo) > 100_000:
                    memo.clear()
                memo[key] = n
            return int(n)

        return count2

    def count(c: Ctx, e: dict[str, Any]) -> int:
        vals = [f(c, e) for f in fs]
        key = (*vals, *[v.__class__ is bool for v in vals])
        n = memo.get(key)
        if n is None:
            n = body(c, dict(zip(names, vals, strict=True)))
            if len(memo) > 100_000:
                memo.clear()
            memo[key] = n
        return int(n)

    return count
