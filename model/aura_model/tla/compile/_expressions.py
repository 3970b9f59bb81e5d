"""Expressions that bind no names: literals, tuples, sets, records, IF/CASE/LET,
junction lists, function application and EXCEPT.

Each ``compile_*`` function compiles one kind of syntax node to
``(f(ctx, env) -> value, level)``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aura_model.tla._runtime import UNSET, Ctx, Expr, Value
from aura_model.tla._values import (
    Fn,
    LazyFn,
    LazySet,
    fn_as_dict,
    format_value,
    make_fn,
    set_contains,
    value_set,
)
from aura_model.tla.compile._binders import mentions_at
from aura_model.tla.compile._context import (
    PY_ERRORS,
    Compiling,
    Node,
    Scope,
    as_bool,
    describe,
    error_at,
    guarded,
    semantic_error,
)

__all__ = [
    "apply_fn",
    "compile_boolean_literal",
    "compile_cases",
    "compile_except",
    "compile_field",
    "compile_function_application",
    "compile_if",
    "compile_integral_numeral",
    "compile_let",
    "compile_record",
    "compile_set_enumeration",
    "compile_set_of_booleans",
    "compile_set_of_functions",
    "compile_set_of_records",
    "compile_set_of_strings",
    "compile_string_literal",
    "compile_subscripted_action",
    "compile_tuple",
    "compile_vertical_list",
]

_NUMERAL_BASES = {"\\b": 2, "\\o": 8, "\\h": 16}


def apply_fn(f: Value, x: Value) -> Value:
    t = type(f)
    if t is tuple:
        if type(x) is int and 1 <= x <= len(f):
            return f[x - 1]
        raise KeyError(x)
    if t is Fn:
        return f.d[x]
    if t is LazyFn:
        return f.apply(x)
    raise TypeError(f"{format_value(f)} is not a function")


def compile_vertical_list(comp: Compiling, node: Node, sc: Scope) -> tuple[Expr, int]:
    parts = [comp.expr(it.expression, sc) for it in node.arguments]
    items = [(p[0], it.expression) for p, it in zip(parts, node.arguments, strict=True)]
    lvl = max(p[1] for p in parts)
    if node.operator == "/\\":
        # Plain loops, not all(<generator>): junction lists are the bodies of
        # most invariants and quantifiers, run many times per state.
        def vand(c: Ctx, e: dict[str, Any]) -> Value:
            for f, n in items:
                v = f(c, e)
                if v is not True:
                    if v is False:
                        return False
                    as_bool(v, n, sc)
            return True

        return vand, lvl

    def vor(c: Ctx, e: dict[str, Any]) -> Value:
        for f, n in items:
            v = f(c, e)
            if v is not False:
                if v is True:
                    return True
                as_bool(v, n, sc)
        return False

    return vor, lvl


def compile_subscripted_action(comp: Compiling, node: Node, sc: Scope) -> tuple[Expr, int]:
    act, _ = comp.expr(node.action, sc)
    now, _ = comp.expr(node.subscript, sc)
    nxt, _ = comp.prime(node.subscript, sc, node)
    an = node.action
    if node.operator == "[":
        return (lambda c, e: as_bool(act(c, e), an, sc) or nxt(c, e) == now(c, e)), 2
    return (lambda c, e: nxt(c, e) != now(c, e) and as_bool(act(c, e), an, sc)), 2


def compile_integral_numeral(comp: Compiling, node: Node, sc: Scope) -> tuple[Expr, int]:
    text = str(node.value)
    # \\b1010, \\o17 and \\hA (any case) are TLA+ numerals too.
    base = _NUMERAL_BASES.get(text[:2].lower(), 10)
    digits = text if base == 10 else text[2:]
    if len(digits) > 4000:
        # Python refuses longer digit strings; TLC's integers are 32-bit anyway.
        raise semantic_error(node, sc, f"the number {text[:20]}... is too large")
    try:
        v = int(digits, base)
    except ValueError:
        raise semantic_error(node, sc, f"malformed number {text}") from None
    return (lambda c, e: v), 0


def compile_string_literal(comp: Compiling, node: Node, sc: Scope) -> tuple[Expr, int]:
    raw: str = node.value[1:-1]
    v = raw.replace('\\"', '"').replace("\\\\", "\\").replace("\\n", "\n").replace("\\t", "\t")
    return (lambda c, e: v), 0


def compile_boolean_literal(comp: Compiling, node: Node, sc: Scope) -> tuple[Expr, int]:
    v = node.value == "TRUE"
    return (lambda c, e: v), 0


def compile_set_of_booleans(comp: Compiling, node: Node, sc: Scope) -> tuple[Expr, int]:
    v = frozenset({False, True})
    return (lambda c, e: v), 0


def compile_set_of_strings(comp: Compiling, node: Node, sc: Scope) -> tuple[Expr, int]:
    v = LazySet("STRING")
    return (lambda c, e: v), 0


def compile_tuple(comp: Compiling, node: Node, sc: Scope) -> tuple[Expr, int]:
    parts = [comp.expr(x, sc) for x in node.items]
    fs = [p[0] for p in parts]
    lvl = max((p[1] for p in parts), default=0)
    if len(fs) == 2:
        a, b = fs
        return (lambda c, e: (a(c, e), b(c, e))), lvl
    return (lambda c, e: tuple(f(c, e) for f in fs)), lvl


def compile_set_enumeration(comp: Compiling, node: Node, sc: Scope) -> tuple[Expr, int]:
    parts = [comp.expr(x, sc) for x in node.items]
    fs = [p[0] for p in parts]
    lvl = max((p[1] for p in parts), default=0)
    return guarded(lambda c, e: value_set([f(c, e) for f in fs]), node, sc, "set enumeration"), lvl


def compile_record(comp: Compiling, node: Node, sc: Scope) -> tuple[Expr, int]:
    keys = [kv[0] for kv in node.key_values]
    parts = [comp.expr(kv[1], sc) for kv in node.key_values]
    fs = [p[0] for p in parts]
    lvl = max((p[1] for p in parts), default=0)
    pairs = list(zip(keys, fs, strict=True))
    return (lambda c, e: Fn({k: f(c, e) for k, f in pairs})), lvl


def compile_set_of_records(comp: Compiling, node: Node, sc: Scope) -> tuple[Expr, int]:
    keys = [kb.name for kb in node.key_bounds]
    parts = [comp.expr(kb.bound, sc) for kb in node.key_bounds]
    fs = [p[0] for p in parts]
    lvl = max((p[1] for p in parts), default=0)
    pairs = list(zip(keys, fs, strict=True))
    return (lambda c, e: LazySet("RecSet", {k: f(c, e) for k, f in pairs})), lvl


def compile_set_of_functions(comp: Compiling, node: Node, sc: Scope) -> tuple[Expr, int]:
    d, ld = comp.expr(node.domain, sc)
    r, lr = comp.expr(node.codomain, sc)
    return (lambda c, e: LazySet("FcnSet", d(c, e), r(c, e))), max(ld, lr)


def compile_field(comp: Compiling, node: Node, sc: Scope) -> tuple[Expr, int]:
    f, lvl = comp.expr(node.expression, sc)
    name = node.name

    def g(c: Ctx, e: dict[str, Any]) -> Value:
        r = f(c, e)
        try:
            return r.d[name]
        except (AttributeError, KeyError):
            raise error_at(node, sc, f"record {format_value(r)} has no field {name}") from None

    return g, lvl


def compile_if(comp: Compiling, node: Node, sc: Scope) -> tuple[Expr, int]:
    p, lp = comp.expr(node.predicate, sc)
    t, lt = comp.expr(node.then, sc)
    f, lf = comp.expr(node.else_, sc)
    pn = node.predicate

    def g(c: Ctx, e: dict[str, Any]) -> Value:
        v = p(c, e)
        if v is True:
            return t(c, e)
        if v is False:
            return f(c, e)
        raise error_at(pn, sc, f"IF condition is not a Boolean: {format_value(v)}")

    return g, max(lp, lt, lf)


def compile_cases(comp: Compiling, node: Node, sc: Scope) -> tuple[Expr, int]:
    arms = [(comp.expr(a.predicate, sc), comp.expr(a.expression, sc)) for a in node.cases]
    other = comp.expr(node.other, sc) if node.other is not None else None
    lvl = max([max(a[0][1], a[1][1]) for a in arms] + [other[1] if other else 0])
    fs = [(a[0][0], a[1][0]) for a in arms]
    of = other[0] if other else None

    def g(c: Ctx, e: dict[str, Any]) -> Value:
        for p, x in fs:
            if as_bool(p(c, e), node, sc):
                return x(c, e)
        if of is not None:
            return of(c, e)
        raise error_at(node, sc, "no CASE arm applies (and there is no OTHER)")

    return g, lvl


def compile_let(comp: Compiling, node: Node, sc: Scope) -> tuple[Expr, int]:
    inner, binders = comp.let_scope(node.definitions, sc)
    body, lvl = comp.expr(node.expression, inner)
    if binders is None:
        return body, lvl
    return (lambda c, e: body(c, binders(c, e))), max(1, lvl)


def compile_function_application(comp: Compiling, node: Node, sc: Scope) -> tuple[Expr, int]:
    f, lf = comp.expr(node.function, sc)
    parts = [comp.expr(x, sc) for x in node.arguments]
    lvl = max([lf] + [p[1] for p in parts])
    fnode = node.function
    if len(parts) == 1:
        return _apply_one(f, parts[0][0], node, fnode, sc), lvl
    fs = [p[0] for p in parts]

    def gm(c: Ctx, e: dict[str, Any]) -> Value:
        fv = f(c, e)
        x = tuple(a(c, e) for a in fs)
        try:
            return apply_fn(fv, x)
        except KeyError:
            raise error_at(
                node, sc, f"function applied to {format_value(x)}, not in its domain"
            ) from None
        except TypeError as exc:
            raise error_at(fnode, sc, str(exc)) from None

    return gm, lvl


def _apply_one(f: Expr, a: Expr, node: Node, fnode: Node, sc: Scope) -> Expr:
    """``f[x]``, specialised for an argument that is a bound name or a constant
    (``f[i]``, ``f[1]``): one call fewer per application."""
    aname = getattr(a, "_env_name", None)
    aval = getattr(a, "_value", UNSET)
    vidx = getattr(f, "_var_idx", None)
    if vidx is not None and aname is not None:
        # ``v[i]`` with ``v`` a variable and ``i`` a bound name, the commonest
        # application: the state slot is read here, ``f`` called only to
        # raise its error on an unset slot.

        def gva(c: Ctx, e: dict[str, Any]) -> Value:
            fv = c.cur[vidx]
            if fv is UNSET:
                fv = f(c, e)
            x = e[aname]
            t = type(fv)
            if t is tuple:
                if type(x) is int and 0 < x <= len(fv):
                    return fv[x - 1]
            elif t is Fn:
                r = fv.d.get(x, UNSET)
                if r is not UNSET:
                    return r
            return slow(fv, x)

    if aname is not None or aval is not UNSET:

        def ga(c: Ctx, e: dict[str, Any]) -> Value:
            fv = f(c, e)
            x = e[aname] if aname is not None else aval
            t = type(fv)
            if t is tuple:
                if type(x) is int and 0 < x <= len(fv):
                    return fv[x - 1]
            elif t is Fn:
                r = fv.d.get(x, UNSET)
                if r is not UNSET:
                    return r
            return slow(fv, x)

    def g(c: Ctx, e: dict[str, Any]) -> Value:
        fv = f(c, e)
        x = a(c, e)
        t = type(fv)
        if t is tuple:
            if type(x) is int and 0 < x <= len(fv):
                return fv[x - 1]
        elif t is Fn:
            r = fv.d.get(x, UNSET)
            if r is not UNSET:
                return r
        return slow(fv, x)

    def slow(fv: Value, x: Value) -> Value:
        try:
            return apply_fn(fv, x)
        except KeyError:
            raise error_at(
                node,
                sc,
                f"function {format_value(fv)} applied to {format_value(x)},"
                " which is not in its domain",
            ) from None
        except TypeError as exc:
            raise error_at(fnode, sc, str(exc)) from None

    if vidx is not None and aname is not None:
        return gva
    if aname is not None or aval is not UNSET:
        return ga
    return g


def compile_except(comp: Compiling, node: Node, sc: Scope) -> tuple[Expr, int]:
    f, lvl = comp.expr(node.function, sc)
    changes = []
    inner = sc.bind(**{"@": ("val",)})
    for ch in node.changes:
        path: list[tuple[bool, Any]] = []
        for item in ch.item:
            if isinstance(item, str):
                path.append((True, item))
            else:
                parts = [comp.expr(x, sc) for x in item]
                lvl = max([lvl] + [p[1] for p in parts])
                path.append((False, [p[0] for p in parts]))
        val, lv = comp.expr(ch.expression, inner)
        lvl = max(lvl, lv)
        changes.append((path, val))
    full = [
        (path, val, mentions_at(ch.expression))
        for (path, val), ch in zip(changes, node.changes, strict=True)
    ]
    upd = _updater(node, sc)
    if len(full) == 1 and len(full[0][0]) == 1 and (full[0][0][0][0] or len(full[0][0][0][1]) == 1):
        return _except_single(f, full[0], upd, node, sc), lvl
    if all(all(is_field or len(k) == 1 for is_field, k in p) for p, _, _ in full):
        return guarded(_except_one_key(f, full, upd), node, sc, "EXCEPT"), lvl

    def g(c: Ctx, e: dict[str, Any]) -> Value:
        v = f(c, e)
        for change in full:
            v = upd(c, e, v, change, 0)
        return v

    return guarded(g, node, sc, "EXCEPT"), lvl


def _updater(node: Node, sc: Scope) -> Callable[[Ctx, dict[str, Any], Value, Any, int], Value]:
    """Apply one change of an EXCEPT from step ``i`` of its path down, checking each key."""

    def upd(c: Ctx, e: dict[str, Any], cur: Value, change: Any, i: int) -> Value:
        path, val, at = change
        is_field, k = path[i]
        if is_field:
            key = k
        elif len(k) == 1:
            key = k[0](c, e)
        else:
            key = tuple([x(c, e) for x in k])
        last = i + 1 == len(path)
        t = type(cur)
        # A key outside the domain changes nothing, and the new value is
        # not evaluated (TLC: "Warning: The EXCEPT was applied to
        # non-existing fields of the value", then it goes on).
        if t is tuple:
            if type(key) is not int:
                raise error_at(
                    node,
                    sc,
                    f"Attempted to access tuple at a non integral index: {format_value(key)}",
                )
            if not 0 < key <= len(cur):
                return cur
            old = cur[key - 1]
        elif t is Fn:
            old = cur.d.get(key, UNSET)
            if old is UNSET:
                return cur
        elif t is LazyFn and isinstance(cur.domain, LazySet) and not cur.domain.finite():
            # [[n \\in Nat |-> n] EXCEPT ![2] = 7]: TLC changes one point of a
            # function it cannot list; so does this, lazily.
            if not set_contains(cur.domain, key):
                return cur
            old = cur.apply(key)
            new = _new_value(c, e, old, change, i=i, upd=upd)
            base = cur
            return LazyFn(
                cur.domain, lambda x: new if x == key and type(x) is type(key) else base.apply(x)
            )
        else:
            d0 = fn_as_dict(cur)
            if key not in d0:
                return cur
            old = d0[key]
            cur = make_fn(dict(d0))
            t = type(cur)
        if last:
            if at:
                env = dict(e)
                env["@"] = old
                new = val(c, env)
            else:
                new = val(c, e)
        else:
            new = upd(c, e, old, change, i + 1)
        if t is tuple:
            lst = list(cur)
            lst[key - 1] = new
            return tuple(lst)
        d = dict(cur.d)
        d[key] = new
        return Fn(d)

    return upd


def _new_value(
    c: Ctx,
    e: dict[str, Any],
    old: Value,
    change: Any,
    *,
    i: int,
    upd: Callable[[Ctx, dict[str, Any], Value, Any, int], Value],
) -> Value:
    """The value an EXCEPT change puts at step ``i`` of its path, ``old`` being there."""
    path, val, at = change
    if i + 1 < len(path):
        return upd(c, e, old, change, i + 1)
    if at:
        env = dict(e)
        env["@"] = old
        return val(c, env)
    return val(c, e)


def _except_single(
    f: Expr,
    change: tuple[Any, Expr, bool],
    upd: Callable[[Ctx, dict[str, Any], Value, Any, int], Value],
    node: Node,
    sc: Scope,
) -> Expr:
    """``[f EXCEPT ![k] = v]`` or ``[f EXCEPT !.a = v]``, the commonest EXCEPT:
    ``_except_one_key`` for one change of one step, with its error wrapping
    (``guarded``) in the same frame. A key outside the domain, or a function
    given another way, goes through ``upd`` as before."""
    path, val, at = change
    ((is_field, k),) = path
    kf = None if is_field else k[0]

    def ex1(c: Ctx, e: dict[str, Any]) -> Value:
        try:
            v = f(c, e)
            key = k if kf is None else kf(c, e)
            t = type(v)
            if t is Fn:
                d = v.d
                cur = d.get(key, UNSET)
                if cur is not UNSET:
                    if at:
                        env = dict(e)
                        env["@"] = cur
                        new = val(c, env)
                    else:
                        new = val(c, e)
                    d = dict(d)
                    d[key] = new
                    return Fn(d)
            elif t is tuple and type(key) is int and 0 < key <= len(v):
                if at:
                    env = dict(e)
                    env["@"] = v[key - 1]
                    new = val(c, env)
                else:
                    new = val(c, e)
                lst = list(v)
                lst[key - 1] = new
                return tuple(lst)
            return upd(c, e, v, change, 0)
        except PY_ERRORS as exc:
            raise error_at(node, sc, describe("EXCEPT", exc)) from None

    return ex1


def _except_one_key(
    f: Expr,
    full: list[tuple[Any, Expr, bool]],
    upd: Callable[[Ctx, dict[str, Any], Value, Any, int], Value],
) -> Expr:
    """The common ``[f EXCEPT ![k] = v, ![a][b] = @ + 1, !.f = ...]``: one key per
    step, walked down and rebuilt without the recursive ``upd``; anything unusual
    (a key out of the domain, a function given another way) still goes through
    ``upd`` for its checks and messages. Keys and values are evaluated in the
    same order."""
    flat = [
        (
            [(is_field, k if is_field else k[0]) for is_field, k in p],
            val,
            at,
            (p, val, at),
        )
        for p, val, at in full
    ]

    def g1(c: Ctx, e: dict[str, Any]) -> Value:
        v = f(c, e)
        for steps, val, at, change in flat:
            stack = []
            cur = v
            for is_field, kf in steps:
                key = kf if is_field else kf(c, e)
                t = type(cur)
                if t is tuple and type(key) is int and 0 < key <= len(cur):
                    stack.append((cur, key))
                    cur = cur[key - 1]
                elif t is Fn and key in cur.d:
                    stack.append((cur, key))
                    cur = cur.d[key]
                else:
                    break
            else:
                if at:
                    env = dict(e)
                    env["@"] = cur
                    new = val(c, env)
                else:
                    new = val(c, e)
                for box, key in reversed(stack):
                    if type(box) is tuple:
                        lst = list(box)
                        lst[key - 1] = new
                        new = tuple(lst)
                    else:
                        d = dict(box.d)
                        d[key] = new
                        new = Fn(d)
                v = new
                continue
            v = upd(c, e, v, change, 0)
        return v

    return g1
