"""Actions: primed variables, assignments, UNCHANGED, ENABLED and composition.

An action compiles to ``a(ctx, env, k)`` in continuation-passing style: each
way it can hold assigns the unassigned primed variables in ``ctx.nxt``, calls
``k()``, then undoes its assignments. Every disjunct is explored, as TLC does.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

from aura_model.tla._modules import Const, Macro, OpDef
from aura_model.tla._runtime import UNSET, Act, Ctx, Expr, Value
from aura_model.tla._values import format_value, in_tlc_order, set_contains
from aura_model.tla.compile._binders import enumerate_binds
from aura_model.tla.compile._context import (
    Compiling,
    Node,
    Scope,
    as_bool,
    error_at,
    flatten,
    kind_of,
    op_of,
    set_of,
    show,
    std_key,
)

__all__ = ["ACTION_OPERATORS", "compile_action", "conj", "disj", "prime"]


def prime(comp: Compiling, target: Node, sc: Scope, node: Node) -> tuple[Expr, int]:
    """``target'``: a variable's next value, or an expression read in the next state."""
    idx = comp.resolve_var(target, sc)
    if idx is not None:
        i = idx
        vsc = sc

        def primed(c: Ctx, e: dict[str, Any]) -> Value:
            nxt = c.nxt
            v = UNSET if nxt is None else nxt[i]
            if v is UNSET:
                raise error_at(node, vsc, f"{show(target)}' is used before it is assigned a value")
            return v

        return primed, 2
    inner, _ = comp.expr(target, sc)

    def primed_expr(c: Ctx, e: dict[str, Any]) -> Value:
        if c.nxt is None:
            raise error_at(node, sc, "a primed expression outside an action")
        return inner(Ctx(c.nxt, None), e)

    return primed_expr, 2


def _compile_prime(comp: Compiling, node: Node, sc: Scope) -> tuple[Expr, int]:
    return prime(comp, node.arguments[0], sc, node)


def _compile_unchanged(comp: Compiling, node: Node, sc: Scope) -> tuple[Expr, int]:
    """UNCHANGED read as a Boolean: ``e' = e``."""
    arg = node.arguments[0]
    inner, _ = comp.expr(arg, sc)
    primed, _ = prime(comp, arg, sc, node)
    return (lambda c, e: primed(c, e) == inner(c, e)), 2


class _Found(Exception):
    pass


def _compile_enabled(comp: Compiling, node: Node, sc: Scope) -> tuple[Expr, int]:
    """ENABLED A: A has a successor from the current state (the first one found ends
    the search)."""
    act = comp.action(node.arguments[0], sc)

    def enabled(c: Ctx, e: dict[str, Any]) -> Value:
        ctx = Ctx(c.cur, [UNSET] * len(c.cur))

        def found() -> None:
            raise _Found

        try:
            act(ctx, e, found)
        except _Found:
            return True
        return False

    return enabled, 1


# Operators of the language that only make sense between two states.
ACTION_OPERATORS: dict[str, Callable[[Compiling, Node, Scope], tuple[Expr, int]]] = {
    "'": _compile_prime,
    "UNCHANGED": _compile_unchanged,
    "ENABLED": _compile_enabled,
}


def conj(acts: list[Act]) -> Act:
    """``A /\\ B /\\ ...``: each part runs in the continuation of the one before."""
    if len(acts) == 1:
        return acts[0]
    # A right fold of two-part conjunctions: the same order of evaluation as
    # stepping through the list, with one closure per part instead of a
    # recursive stepper and a lambda per part at every state.
    a0 = acts[0]
    a1 = conj(acts[1:])
    test = getattr(a0, "_test", None)
    if test is not None:
        # A Boolean condition first (the usual `pc[self] = "L" /\ ...`): the
        # same evaluation as guard_count's, in this frame.
        g, not_bool = test

        def conj_if(c: Ctx, e: dict[str, Any], k: Callable[[], None]) -> None:
            v = g(c, e)
            if v is True:
                a1(c, e, k)
            elif v is not False:
                raise not_bool(v)

        return conj_if
    assigned = getattr(a0, "_assign", None)
    if assigned is not None:
        # ``x' = e`` first (the usual ``/\ x' = ... /\ y' = ...``): ``_assign``
        # in this frame, without a continuation closure made at every state.
        i, rhs = assigned

        def conj_assign(c: Ctx, e: dict[str, Any], k: Callable[[], None]) -> None:
            nxt = c.nxt
            old = nxt[i]
            v = rhs(c, e)
            if old is UNSET:
                nxt[i] = v
                a1(c, e, k)
                nxt[i] = UNSET
            elif old == v:
                a1(c, e, k)

        return conj_assign

    def conj2(c: Ctx, e: dict[str, Any], k: Callable[[], None]) -> None:
        a0(c, e, lambda: a1(c, e, k))

    return conj2


def disj(acts: list[Act]) -> Act:
    """``A \\/ B \\/ ...``: every part is explored."""
    if len(acts) == 1:
        return acts[0]

    def either(c: Ctx, e: dict[str, Any], k: Callable[[], None]) -> None:
        for a in acts:
            a(c, e, k)

    return either


def compile_action(comp: Compiling, node: Node, sc: Scope, init: bool = False) -> Act:
    """Compile ``node`` as a generator of next states (Init when ``init``)."""
    rule = _ACTIONS.get(kind_of(node))
    act = rule(comp, node, sc, init) if rule is not None else None
    if act is not None:
        return act
    # Anything else is a condition on the current and next state.
    g, _ = comp.expr(node, sc)
    return guard_act(g, node, sc)


def guard_act(g: Expr, node: Node, sc: Scope) -> Act:
    """A Boolean expression as an action: it holds once or not at all."""

    def guard(c: Ctx, e: dict[str, Any], k: Callable[[], None]) -> None:
        v = g(c, e)
        if v is True:
            k()
        elif v is not False:
            raise error_at(node, sc, f"action condition is not a Boolean: {format_value(v)}")

    return guard


def _parentheses(comp: Compiling, node: Node, sc: Scope, init: bool) -> Act | None:
    return comp.action(node.expression, sc, init)


def _vertical_list(comp: Compiling, node: Node, sc: Scope, init: bool) -> Act | None:
    items = [it.expression for it in node.arguments]
    if node.operator == "/\\":
        return conj([comp.action(x, sc, init) for x in items])
    return disj([comp.action(x, sc, init) for x in items])


def _let(comp: Compiling, node: Node, sc: Scope, init: bool) -> Act | None:
    inner, binders = comp.let_scope(node.definitions, sc)
    body = comp.action(node.expression, inner, init)
    if binders is None:
        return body
    return lambda c, e, k: body(c, binders(c, e), k)


def _if(comp: Compiling, node: Node, sc: Scope, init: bool) -> Act | None:
    p, _ = comp.expr(node.predicate, sc)
    t = comp.action(node.then, sc, init)
    f = comp.action(node.else_, sc, init)
    pn = node.predicate

    def ite(c: Ctx, e: dict[str, Any], k: Callable[[], None]) -> None:
        if as_bool(p(c, e), pn, sc):
            t(c, e, k)
        else:
            f(c, e, k)

    return ite


def _cases(comp: Compiling, node: Node, sc: Scope, init: bool) -> Act | None:
    arms = [
        (comp.expr(a.predicate, sc)[0], comp.action(a.expression, sc, init)) for a in node.cases
    ]
    other = comp.action(node.other, sc, init) if node.other is not None else None

    def case(c: Ctx, e: dict[str, Any], k: Callable[[], None]) -> None:
        for p, act in arms:
            if as_bool(p(c, e), node, sc):
                act(c, e, k)
                return
        if other is None:
            raise error_at(node, sc, "no CASE arm applies (and there is no OTHER)")
        other(c, e, k)

    return case


def _exists(comp: Compiling, node: Node, sc: Scope, init: bool) -> Act | None:
    """``\\E x \\in S : A``: the action once per element (``\\A`` is a condition)."""
    if node.quantifier != "\\E":
        return None
    binds, inner, _ = comp.bounds(node.declarations, sc, "quantifier")
    body = comp.action(node.predicate, inner, init)
    if len(binds) == 1 and getattr(binds[0][1], "name", None) is not None:
        s1, bind1, bnode1 = binds[0]
        name1 = bind1.name  # type: ignore[attr-defined]

        def exists1(c: Ctx, e: dict[str, Any], k: Callable[[], None]) -> None:
            env = dict(e)
            sv = s1(c, e)
            for x in in_tlc_order(sv if type(sv) is frozenset else set_of(sv, bnode1, sc)):
                env[name1] = x
                body(c, env, k)

        return exists1
    if all(getattr(b[1], "name", None) is not None for b in binds):
        xnames = [b[1].name for b in binds]  # type: ignore[attr-defined]
        if len(binds) == 2:
            (s0, _, b0), (s1, _, b1) = binds
            x0, x1 = xnames

            def exists2(c: Ctx, e: dict[str, Any], k: Callable[[], None]) -> None:
                # ``existsn`` for two names, same pairs in the same order.
                env = dict(e)
                set0 = in_tlc_order(set_of(s0(c, env), b0, sc))
                set1 = in_tlc_order(set_of(s1(c, env), b1, sc))
                env[x0] = env[x1] = None  # the names' order, for the trace
                for y in set1:
                    env[x1] = y
                    for x in set0:
                        env[x0] = x
                        body(c, env, k)

            return exists2

        def existsn(c: Ctx, e: dict[str, Any], k: Callable[[], None]) -> None:
            # TLC turns the bounds like an odometer, the first name fastest: the
            # last name is the outer loop (``\\E a, b \\in S`` meets <<2, 1>>
            # before <<1, 2>>), which orders successors, hence the counts at a stop.
            env = dict(e)
            sets = [in_tlc_order(set_of(s(c, env), bnode, sc)) for s, _, bnode in binds]
            env.update((n, None) for n in xnames)
            rnames = xnames[::-1]
            for combo in itertools.product(*sets[::-1]):
                for n, x in zip(rnames, combo, strict=True):
                    env[n] = x
                body(c, env, k)

        return existsn

    def exists(c: Ctx, e: dict[str, Any], k: Callable[[], None]) -> None:
        for env in enumerate_binds(binds, c, e, sc, ordered=True):
            body(c, env, k)

    return exists


def _subexpression_reference(comp: Compiling, node: Node, sc: Scope, init: bool) -> Act | None:
    target, tsc, args = comp.instance_ref(node, sc)
    if isinstance(target, OpDef):
        return _action_call(comp, target, args, sc, tsc, init=init)
    return None


def _operator_application(comp: Compiling, node: Node, sc: Scope, init: bool) -> Act | None:
    """Junctions, ``x' = e``, ``x' \\in S``, UNCHANGED and calls of action definitions."""
    op = op_of(node)
    args = node.arguments or []
    if op in ("/\\", "\\/") and not node.nonfix and len(args) == 2:
        acts = [comp.action(x, sc, init) for x in flatten(node, op)]
        return conj(acts) if op == "/\\" else disj(acts)
    if op == "=" and not node.nonfix:
        tgt = _assign_target(comp, args[0], sc, init)
        if tgt is not None:
            rhs, _ = comp.expr(args[1], sc)
            return _assign(tgt, rhs)
    if op == "\\in" and not node.nonfix:
        tgt = _assign_target(comp, args[0], sc, init)
        if tgt is not None:
            rhs, _ = comp.expr(args[1], sc)
            return _assign_in(tgt, rhs, args[1], sc)
    if op == "UNCHANGED":
        return _unchanged(comp, args[0], sc)
    return _action_named(
        comp, comp.lookup(std_key(op, node), sc), list(args), sc, init=init, depth=0
    )


def _subscripted_action(comp: Compiling, node: Node, sc: Scope, init: bool) -> Act | None:
    # [A]_v is A \/ UNCHANGED v; <<A>>_v is A /\ v' # v.
    body = comp.action(node.action, sc, init)
    if node.operator == "[":
        return disj([body, _unchanged(comp, node.subscript, sc)])
    sub_now, _ = comp.expr(node.subscript, sc)
    sub_next, _ = prime(comp, node.subscript, sc, node)

    def changes(c: Ctx, e: dict[str, Any], k: Callable[[], None]) -> None:
        if sub_next(c, e) != sub_now(c, e):
            k()

    return conj([body, changes])


_ACTIONS: dict[str, Callable[[Compiling, Node, Scope, bool], Act | None]] = {
    "PARENTHESES": _parentheses,
    "VERTICAL_LIST": _vertical_list,
    "VERTICAL_ITEM": _parentheses,
    "LET": _let,
    "IF": _if,
    "CASES": _cases,
    "QUANTIFICATION": _exists,
    "SUBEXPRESSION_REFERENCE": _subexpression_reference,
    "OPERATOR_APPLICATION": _operator_application,
    "SUBSCRIPTED_ACTION": _subscripted_action,
}


def _action_named(
    comp: Compiling, d: Any, args: list[Node], sc: Scope, *, init: bool, depth: int
) -> Act | None:
    """An action that calls a definition, a substituted name or an operator
    constant (``Send(p, d, mi, mi')`` with ``Send <- MCSend``), expanded
    where it is called so primes reach its arguments; None for other names."""
    if isinstance(d, OpDef):
        return _action_call(comp, d, args, sc, sc, init=init)
    m = d[1] if isinstance(d, tuple) and d[0] == "macro" else d
    if isinstance(m, Macro):
        if not args:
            return comp.action(m.node, m.scope, init)
        target = m.node
        while kind_of(target) == "PARENTHESES":
            target = target.expression
        if depth < 50 and kind_of(target) == "OPERATOR_APPLICATION" and not target.arguments:
            d2 = comp.lookup(target.operator, m.scope)
            if isinstance(d2, OpDef):
                return _action_call(comp, d2, args, sc, m.scope, init=init)
            return _action_named(comp, d2, args, sc, init=init, depth=depth + 1)
        return None
    if isinstance(d, Const) and isinstance(comp.consts.get(d.name), tuple):
        tgt_name = comp.consts[d.name][1]
        root = sc.mod.root
        td = root.defs.get(tgt_name)
        if isinstance(td, OpDef):
            return _action_call(comp, td, args, sc, Scope(root, {}), init=init)
    return None


def _action_call(
    comp: Compiling, d: OpDef, args: list[Node], asc: Scope, dsc: Scope, *, init: bool
) -> Act:
    if len(args) != len(d.params):
        raise error_at(d.node, asc, f"operator {d.name} expects {len(d.params)} arguments")
    if d.node.function:
        g, _ = comp.call_opdef(d, args, d.node, asc)
        return guard_act(g, d.node, asc)
    if not d.params and "act" + str(init) in d.cache and d.mod.subst is None:
        return d.cache["act" + str(init)]  # type: ignore[no-any-return]
    body, sc = comp.inline_body(d, args, asc) if d.params else (d.node.definiens, Scope(d.mod, {}))
    act = comp.action(body, sc, init)
    if not d.params and d.mod.subst is None:
        d.cache["act" + str(init)] = act
    return act


def _assign_target(comp: Compiling, lhs: Node, sc: Scope, init: bool) -> int | None:
    """The variable ``lhs`` assigns: ``x`` in Init, ``x'`` in an action."""
    if init:
        return comp.resolve_var(lhs, sc)
    while kind_of(lhs) == "OPERATOR_APPLICATION" and not lhs.arguments:
        # An operator parameter standing for `x'` (`Send(p, d, mi, mi')`).
        d = comp.lookup(lhs.operator, sc)
        if isinstance(d, tuple) and d[0] == "macro":
            lhs, sc = d[1].node, d[1].scope
        elif isinstance(d, Macro):
            lhs, sc = d.node, d.scope
        else:
            break
    while kind_of(lhs) == "PARENTHESES":
        lhs = lhs.expression
    if kind_of(lhs) == "OPERATOR_APPLICATION" and lhs.operator == "'" and lhs.arguments:
        return comp.resolve_var(lhs.arguments[0], sc)
    return None


def _assign(i: int, rhs: Expr) -> Act:
    def assign(c: Ctx, e: dict[str, Any], k: Callable[[], None]) -> None:
        nxt = c.nxt
        old = nxt[i]
        v = rhs(c, e)
        if old is UNSET:
            nxt[i] = v
            k()
            nxt[i] = UNSET
        elif old == v:
            k()

    assign._assign = (i, rhs)  # type: ignore[attr-defined]
    return assign


def _assign_in(i: int, rhs: Expr, snode: Node, sc: Scope) -> Act:
    def assign_in(c: Ctx, e: dict[str, Any], k: Callable[[], None]) -> None:
        nxt = c.nxt
        old = nxt[i]
        s = rhs(c, e)
        if old is UNSET:
            for v in in_tlc_order(set_of(s, snode, sc)):
                nxt[i] = v
                k()
            nxt[i] = UNSET
        else:
            try:
                ok = set_contains(s, old)
            except TypeError:
                raise error_at(snode, sc, f"not a set: {format_value(s)}") from None
            if ok:
                k()

    return assign_in


class _VarIndexes:
    """Variables already resolved (by index), standing where a tuple of them was."""

    __slots__ = ("idxs", "start")

    def __init__(self, idxs: list[int], start: Any) -> None:
        self.idxs = idxs
        self.start = start


def _fake_app(op: str, arg: Node) -> Node:
    import tla

    return tla.make_nodes().OperatorApplication(operator=op, arguments=[arg], start=arg.start)


def _unchanged(comp: Compiling, node: Node, sc: Scope) -> Act:
    idxs = _var_list(comp, node, sc)
    if idxs is None:
        # Some parts are expressions, not variables (an INSTANCE may substitute
        # `v <- f(w)`): UNCHANGED <<a, e>> is a' = a /\ e' = e, so the
        # variables are assigned first and the expressions compared after.
        var_idxs: list[int] = []
        rest: list[tuple[Node, Scope]] = []
        _unchanged_parts(comp, node, sc, var_idxs, rest)
        guards = [
            guard_act(_compile_unchanged(comp, _fake_app("UNCHANGED", n), nsc)[0], n, nsc)
            for n, nsc in rest
        ]
        if not var_idxs:
            return conj(guards)
        resolved = _VarIndexes(var_idxs, getattr(node, "start", None))
        return conj([_unchanged(comp, resolved, sc), *guards])

    def unchanged(c: Ctx, e: dict[str, Any], k: Callable[[], None]) -> None:
        nxt = c.nxt
        cur = c.cur
        done = []
        for i in idxs:
            v = nxt[i]
            if v is UNSET:
                nxt[i] = cur[i]
                done.append(i)
            elif v != cur[i]:
                for j in done:
                    nxt[j] = UNSET
                return
        k()
        for j in done:
            nxt[j] = UNSET

    return unchanged


def _unchanged_parts(
    comp: Compiling, node: Node, sc: Scope, idxs: list[int], rest: list[tuple[Node, Scope]]
) -> None:
    """Split an UNCHANGED tuple into variables and other expressions."""
    kind = kind_of(node)
    if kind == "PARENTHESES":
        return _unchanged_parts(comp, node.expression, sc, idxs, rest)
    if kind == "TUPLE":
        for x in node.items:
            _unchanged_parts(comp, x, sc, idxs, rest)
        return None
    if isinstance(node, _VarIndexes):
        idxs.extend(node.idxs)
        return None
    idx = comp.resolve_var(node, sc)
    if idx is not None:
        idxs.append(idx)
        return None
    if kind == "OPERATOR_APPLICATION" and not node.arguments:
        d = comp.lookup(node.operator, sc)
        if isinstance(d, OpDef) and not d.params and not d.node.function:
            return _unchanged_parts(comp, d.node.definiens, Scope(d.mod, {}), idxs, rest)
        if isinstance(d, tuple) and d[0] == "macro":
            return _unchanged_parts(comp, d[1].node, d[1].scope, idxs, rest)
        if isinstance(d, Macro):
            return _unchanged_parts(comp, d.node, d.scope, idxs, rest)
    rest.append((node, sc))
    return None


def _var_list(comp: Compiling, node: Node, sc: Scope) -> list[int] | None:
    """The variables an UNCHANGED names, or None when some part is an expression."""
    if isinstance(node, _VarIndexes):
        return list(node.idxs)
    kind = kind_of(node)
    if kind == "PARENTHESES":
        return _var_list(comp, node.expression, sc)
    if kind == "TUPLE":
        out: list[int] = []
        for x in node.items:
            sub = _var_list(comp, x, sc)
            if sub is None:
                return None
            out.extend(sub)
        return out
    idx = comp.resolve_var(node, sc)
    if idx is not None:
        return [idx]
    if kind == "OPERATOR_APPLICATION" and not node.arguments:
        d = comp.lookup(node.operator, sc)
        if isinstance(d, OpDef) and not d.params and not d.node.function:
            return _var_list(comp, d.node.definiens, Scope(d.mod, {}))
        if isinstance(d, tuple) and d[0] == "macro":
            return _var_list(comp, d[1].node, d[1].scope)
        if isinstance(d, Macro):
            return _var_list(comp, d.node, d.scope)
    return None
