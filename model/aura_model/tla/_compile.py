"""Compile TLA+ syntax trees to Python closures, once per definition.

Expressions become ``f(ctx, env) -> value``; ``ctx.cur``/``ctx.nxt`` hold the
current and next state (lists indexed by variable), ``env`` the bound names.
Actions (and Init) become generators in continuation-passing style,
``a(ctx, env, k)``: each way the action can hold assigns the unassigned primed
variables in ``ctx.nxt`` and calls ``k()``, then undoes its assignments.
Every disjunct of an action is explored (as TLC does), while expressions
short-circuit. Levels: 0 constant (the value is computed once and kept),
1 depends on the state or on bound names, 2 mentions primed variables.
"""

from __future__ import annotations

import itertools
import operator
from collections.abc import Callable
from typing import Any

from aura_model.tla._errors import EvalError, TlaError, TlaParseError, Unsupported
from aura_model.tla._modules import (
    SYNONYMS,
    Const,
    InstDef,
    Macro,
    Mod,
    OpDef,
    VarRef,
    declarations_as_name_bounds,
    instantiate,
)
from aura_model.tla._resolve import PRIMITIVE
from aura_model.tla._stdlib import BUILTIN_INFIX, BUILTIN_OPS, Builtin, CoreOp, StdUnsupported
from aura_model.tla._values import (
    NEG_ONE_SEEN,
    Fn,
    LazyFn,
    LazySet,
    fn_as_dict,
    format_value,
    is_value_set,
    make_fn,
    product_set,
    set_contains,
    sort_key,
)

__all__ = ["UNSET", "Compiler", "Ctx", "Scope"]

Node = Any
Value = Any
Expr = Callable[["Ctx", dict[str, Any]], Value]
Act = Callable[["Ctx", dict[str, Any], Callable[[], None]], None]

_PY_ERRORS = (
    TypeError,
    ValueError,
    KeyError,
    IndexError,
    AttributeError,
    OverflowError,
    ZeroDivisionError,
    RecursionError,
)


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


class Thunk:
    """A LET definition without arguments: evaluated on first use, then kept."""

    __slots__ = ("ctx", "env", "fn", "val")

    def __init__(self, fn: Expr, ctx: Ctx, env: dict[str, Any]) -> None:
        self.fn = fn
        self.ctx = ctx
        self.env = env
        self.val: Any = UNSET

    def get(self) -> Value:
        v = self.val
        if v is UNSET:
            v = self.val = self.fn(self.ctx, self.env)
        return v


class Scope:
    """Compile-time scope: the module namespace plus bound names.

    ``names`` maps a bound name to ``("val",)`` (a value in env), ``("thunk",)``,
    ``("op", arity)`` (a Python callable in env) or ``("macro", Macro)``.
    """

    __slots__ = ("mod", "names")

    def __init__(self, mod: Mod, names: dict[str, tuple[Any, ...]]) -> None:
        self.mod = mod
        self.names = names

    def bind(self, **more: tuple[Any, ...]) -> Scope:
        return Scope(self.mod, {**self.names, **more})

    def bind_all(self, more: dict[str, tuple[Any, ...]]) -> Scope:
        return Scope(self.mod, {**self.names, **more})


def _b(v: Value, node: Node, sc: Scope) -> bool:
    if v is True or v is False:
        return v
    raise _err(node, sc, f"expected a Boolean, got {format_value(v)}")


def _err(node: Node, sc: Scope, msg: str) -> EvalError:
    start = getattr(node, "start", None)
    line = start.line + 1 if start is not None and start.line is not None else None
    col = start.column + 1 if start is not None and start.column is not None else None
    return EvalError(msg, sc.mod.file if sc is not None else None, line, col)


def _semantic(node: Node, sc: Scope, msg: str) -> TlaParseError:
    """A name error found while compiling: SANY would reject the module (exit 150)."""
    e = _err(node, sc, msg)
    return TlaParseError(str(e))


def _guarded(fn: Expr, node: Node, sc: Scope, what: str) -> Expr:
    """Turn Python errors raised by ``fn`` into an EvalError at ``node``."""

    def g(c: Ctx, e: dict[str, Any]) -> Value:
        try:
            return fn(c, e)
        except _PY_ERRORS as exc:
            raise _err(node, sc, _describe(what, exc)) from None

    return g


def _describe(what: str, exc: BaseException) -> str:
    if isinstance(exc, RecursionError):
        return f"{what}: recursion too deep"
    if isinstance(exc, KeyError):
        return f"{what}: {format_value(exc.args[0]) if exc.args else ''} is not in the domain"
    text = str(exc)
    return f"{what}: {text}" if text else what


def _arith_guard(a: Value, b: Value, op: str) -> None:
    if type(a) is not int or type(b) is not int:
        raise TypeError(
            f"the arguments of {op} must be integers, got {format_value(a)} and {format_value(b)}"
        )


def _floordiv(a: int, b: int) -> int:
    if b == 0:
        raise ZeroDivisionError("division by zero")
    return a // b


def _mod(a: int, b: int) -> int:
    if b <= 0:
        raise ValueError(f"the second argument of % must be positive, got {b}")
    return a % b


_NUMERAL_BASES = {"\\b": 2, "\\o": 8, "\\h": 16}

# Kinds of values TLC cannot compare with each other (CHOOSE orders its set).
_SCALARS = frozenset({bool, int, str})


def _pow(a: int, b: int) -> int:
    if b < 0:
        raise ValueError("negative exponent")
    if a == 0 and b == 0:
        raise ValueError("0^0 is undefined.")  # TLC's message
    result: int = a**b
    return result


_FAST_INT: dict[str, Callable[[int, int], Value]] = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
    "<": operator.lt,
    ">": operator.gt,
    "<=": operator.le,
    "=<": operator.le,
    "\\leq": operator.le,
    ">=": operator.ge,
    "\\geq": operator.ge,
}

_COMPARISONS = frozenset({"<", ">", "<=", "=<", "\\leq", ">=", "\\geq"})

_INT_OPS: dict[str, Callable[[int, int], Value]] = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "\\div": _floordiv,
    "%": _mod,
    "^": _pow,
    "<": lambda a, b: a < b,
    ">": lambda a, b: a > b,
    "<=": lambda a, b: a <= b,
    "=<": lambda a, b: a <= b,
    "\\leq": lambda a, b: a <= b,
    ">=": lambda a, b: a >= b,
    "\\geq": lambda a, b: a >= b,
}

_SYN = SYNONYMS


def _op(node: Node) -> str:
    o: str = node.operator
    return _SYN.get(o, o)


def _kind(node: Node) -> str:
    sym = getattr(node, "symbol", None)
    return sym.name if sym is not None else ""


def _set_of(v: Value, node: Node, sc: Scope) -> frozenset[Value]:
    if type(v) is frozenset:
        return v
    if isinstance(v, LazySet):
        try:
            return v.elements()
        except OverflowError as exc:
            raise _err(node, sc, str(exc)) from None
    raise _err(node, sc, f"expected a set, got {format_value(v)}")


def _apply_fn(f: Value, x: Value) -> Value:
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


class Compiler:
    """Compiles definitions of one loaded model; caches per definition."""

    def __init__(self, consts: dict[str, Any]) -> None:
        # Constant name -> value, or ("op", OpDef) / ("builtin", Builtin) for `<-`.
        self.consts = consts
        self.nvars = 0
        # CHOOSE caches by syntax node (id), shared by the copies inlining makes.
        self.choose_memo: dict[int, tuple[dict[Any, Any], dict[Any, Any], dict[Any, Any]]] = {}

    # ----------------------------------------------------------------- names

    def lookup(self, name: str, sc: Scope) -> Any:
        """What ``name`` means in ``sc``: bound names, then the module's namespace.

        The namespace holds only what SANY makes visible (the module's own
        definitions, EXTENDS, INSTANCE): a standard operator is found only
        when its module was brought in.
        """
        if name in sc.names:
            return sc.names[name]
        return sc.mod.defs.get(_SYN.get(name, name))

    def resolve_var(self, node: Node, sc: Scope) -> int | None:
        """The index of the state variable ``node`` names (through substitutions)."""
        while True:
            kind = _kind(node)
            if kind == "PARENTHESES":
                node = node.expression
                continue
            if kind != "OPERATOR_APPLICATION" or node.arguments:
                return None
            d = self.lookup(node.operator, sc)
            if isinstance(d, VarRef):
                return d.idx
            if isinstance(d, Macro):
                node, sc = d.node, d.scope
                continue
            if isinstance(d, tuple) and d[0] == "macro":
                m = d[1]
                node, sc = m.node, m.scope
                continue
            return None

    # ----------------------------------------------------------- expressions

    def expr(self, node: Node, sc: Scope) -> tuple[Expr, int]:
        try:
            fn, lvl = self._expr(node, sc)
        except Unsupported as exc:
            _locate(exc, node, sc)
            raise
        except (TypeError, AttributeError, IndexError, KeyError, ValueError) as exc:
            # A syntax tree shape the compiler does not expect: name the
            # construct and where it is, never a traceback.
            what = _kind(node).lower().replace("_", " ") or repr(node)[:40]
            err = Unsupported(f"this {what} ({type(exc).__name__}: {exc})")
            _locate(err, node, sc)
            raise err from None
        if lvl == 0 and getattr(fn, "_value", UNSET) is UNSET:
            # Constant subexpressions are computed once, now if possible; one
            # that fails is left to fail when (and only if) it is evaluated.
            try:
                v = fn(Ctx([], None), {})
            except (TlaError, *_PY_ERRORS):
                return self._fold(fn), 0
            const = _constant(v)
            return const, 0
        return fn, lvl

    @staticmethod
    def _fold(fn: Expr) -> Expr:
        # Constant subexpressions are evaluated on first use (not at compile
        # time, so an error in an unused branch stays unreported, as in TLC).
        box: list[Any] = [UNSET]

        def f(c: Ctx, e: dict[str, Any]) -> Value:
            v = box[0]
            if v is UNSET:
                v = box[0] = fn(c, e)
            return v

        f._const = True  # type: ignore[attr-defined]
        return f

    def _expr(self, node: Node, sc: Scope) -> tuple[Expr, int]:
        kind = _kind(node)
        if kind == "":
            if node == "@":
                return self._name("@", node, sc, [])
            raise Unsupported(f"syntax {node!r}")
        meth = getattr(self, "_x_" + kind.lower(), None)
        if meth is None:
            raise Unsupported(f"{kind.lower().replace('_', ' ')} in an expression")
        return meth(node, sc)  # type: ignore[no-any-return]

    def _x_vertical_list(self, node: Node, sc: Scope) -> tuple[Expr, int]:
        parts = [self.expr(it.expression, sc) for it in node.arguments]
        items = [(p[0], it.expression) for p, it in zip(parts, node.arguments, strict=True)]
        lvl = max(p[1] for p in parts)
        if node.operator == "/\\":

            def vand(c: Ctx, e: dict[str, Any]) -> Value:
                return all(_b(f(c, e), n, sc) for f, n in items)

            return vand, lvl

        def vor(c: Ctx, e: dict[str, Any]) -> Value:
            return any(_b(f(c, e), n, sc) for f, n in items)

        return vor, lvl

    def _x_subscripted_action(self, node: Node, sc: Scope) -> tuple[Expr, int]:
        act, _ = self.expr(node.action, sc)
        now, _ = self.expr(node.subscript, sc)
        nxt, _ = self._prime(node.subscript, sc, node)
        an = node.action
        if node.operator == "[":
            return (lambda c, e: _b(act(c, e), an, sc) or nxt(c, e) == now(c, e)), 2
        return (lambda c, e: nxt(c, e) != now(c, e) and _b(act(c, e), an, sc)), 2

    def _x_parentheses(self, node: Node, sc: Scope) -> tuple[Expr, int]:
        return self._expr(node.expression, sc)

    def _x_integral_numeral(self, node: Node, sc: Scope) -> tuple[Expr, int]:
        text = str(node.value)
        # \\b1010, \\o17 and \\hA (any case) are TLA+ numerals too.
        base = _NUMERAL_BASES.get(text[:2].lower(), 10)
        digits = text if base == 10 else text[2:]
        if len(digits) > 4000:
            # Python refuses longer digit strings; TLC's integers are 32-bit anyway.
            raise _semantic(node, sc, f"the number {text[:20]}... is too large")
        try:
            v = int(digits, base)
        except ValueError:
            raise _semantic(node, sc, f"malformed number {text}") from None
        return (lambda c, e: v), 0

    def _x_string_literal(self, node: Node, sc: Scope) -> tuple[Expr, int]:
        raw: str = node.value[1:-1]
        v = raw.replace('\\"', '"').replace("\\\\", "\\").replace("\\n", "\n").replace("\\t", "\t")
        return (lambda c, e: v), 0

    def _x_boolean_literal(self, node: Node, sc: Scope) -> tuple[Expr, int]:
        v = node.value == "TRUE"
        return (lambda c, e: v), 0

    def _x_set_of_booleans(self, node: Node, sc: Scope) -> tuple[Expr, int]:
        v = frozenset({False, True})
        return (lambda c, e: v), 0

    def _x_set_of_strings(self, node: Node, sc: Scope) -> tuple[Expr, int]:
        v = LazySet("STRING")
        return (lambda c, e: v), 0

    def _x_tuple(self, node: Node, sc: Scope) -> tuple[Expr, int]:
        parts = [self.expr(x, sc) for x in node.items]
        fs = [p[0] for p in parts]
        lvl = max((p[1] for p in parts), default=0)
        if len(fs) == 2:
            a, b = fs
            return (lambda c, e: (a(c, e), b(c, e))), lvl
        return (lambda c, e: tuple(f(c, e) for f in fs)), lvl

    def _x_set_enumeration(self, node: Node, sc: Scope) -> tuple[Expr, int]:
        parts = [self.expr(x, sc) for x in node.items]
        fs = [p[0] for p in parts]
        lvl = max((p[1] for p in parts), default=0)
        return _guarded(
            lambda c, e: frozenset([f(c, e) for f in fs]), node, sc, "set enumeration"
        ), lvl

    def _x_record(self, node: Node, sc: Scope) -> tuple[Expr, int]:
        keys = [kv[0] for kv in node.key_values]
        parts = [self.expr(kv[1], sc) for kv in node.key_values]
        fs = [p[0] for p in parts]
        lvl = max((p[1] for p in parts), default=0)
        pairs = list(zip(keys, fs, strict=True))
        return (lambda c, e: Fn({k: f(c, e) for k, f in pairs})), lvl

    def _x_set_of_records(self, node: Node, sc: Scope) -> tuple[Expr, int]:
        keys = [kb.name for kb in node.key_bounds]
        parts = [self.expr(kb.bound, sc) for kb in node.key_bounds]
        fs = [p[0] for p in parts]
        lvl = max((p[1] for p in parts), default=0)
        pairs = list(zip(keys, fs, strict=True))
        return (lambda c, e: LazySet("RecSet", {k: f(c, e) for k, f in pairs})), lvl

    def _x_set_of_functions(self, node: Node, sc: Scope) -> tuple[Expr, int]:
        d, ld = self.expr(node.domain, sc)
        r, lr = self.expr(node.codomain, sc)
        return (lambda c, e: LazySet("FcnSet", d(c, e), r(c, e))), max(ld, lr)

    def _x_field(self, node: Node, sc: Scope) -> tuple[Expr, int]:
        f, lvl = self.expr(node.expression, sc)
        name = node.name

        def g(c: Ctx, e: dict[str, Any]) -> Value:
            r = f(c, e)
            try:
                return r.d[name]
            except (AttributeError, KeyError):
                raise _err(node, sc, f"record {format_value(r)} has no field {name}") from None

        return g, lvl

    def _x_if(self, node: Node, sc: Scope) -> tuple[Expr, int]:
        p, lp = self.expr(node.predicate, sc)
        t, lt = self.expr(node.then, sc)
        f, lf = self.expr(node.else_, sc)
        pn = node.predicate

        def g(c: Ctx, e: dict[str, Any]) -> Value:
            v = p(c, e)
            if v is True:
                return t(c, e)
            if v is False:
                return f(c, e)
            raise _err(pn, sc, f"IF condition is not a Boolean: {format_value(v)}")

        return g, max(lp, lt, lf)

    def _x_cases(self, node: Node, sc: Scope) -> tuple[Expr, int]:
        arms = [(self.expr(a.predicate, sc), self.expr(a.expression, sc)) for a in node.cases]
        other = self.expr(node.other, sc) if node.other is not None else None
        lvl = max([max(a[0][1], a[1][1]) for a in arms] + [other[1] if other else 0])
        fs = [(a[0][0], a[1][0]) for a in arms]
        of = other[0] if other else None

        def g(c: Ctx, e: dict[str, Any]) -> Value:
            for p, x in fs:
                if _b(p(c, e), node, sc):
                    return x(c, e)
            if of is not None:
                return of(c, e)
            raise _err(node, sc, "no CASE arm applies (and there is no OTHER)")

        return g, lvl

    def _x_let(self, node: Node, sc: Scope) -> tuple[Expr, int]:
        inner, binders = self.let_scope(node.definitions, sc)
        body, lvl = self.expr(node.expression, inner)
        if binders is None:
            return body, lvl
        return (lambda c, e: body(c, binders(c, e))), max(1, lvl)

    def let_scope(
        self, defs: list[Node], sc: Scope
    ) -> tuple[Scope, Callable[[Ctx, dict[str, Any]], dict[str, Any]] | None]:
        """Scope for a LET: zero-arity definitions become thunks, others operator values."""
        names: dict[str, tuple[Any, ...]] = {}
        makers: list[tuple[str, str, Any]] = []
        for d in defs:
            if _kind(d) == "RECURSIVE_OPERATORS":
                continue
            if _kind(d) != "OPERATOR_DEFINITION":
                raise Unsupported(f"{_kind(d).lower()} inside LET")
            if d.function:
                names[d.name] = ("thunk",)
            elif d.arity:
                names[d.name] = ("op", len(d.arity))
            else:
                names[d.name] = ("thunk",)
        inner = sc.bind_all(names)
        for d in defs:
            if _kind(d) != "OPERATOR_DEFINITION":
                continue
            if d.function:
                fn, _ = self.function_def(d, inner)
                makers.append((d.name, "thunk", fn))
            elif d.arity:
                params = [(p.operator, len(p.arguments or ())) for p in d.arity]
                body, _ = self.expr(d.definiens, inner.bind_all(_param_names(params)))
                makers.append((d.name, "op", (params, body)))
            else:
                body, lvl = self.expr(d.definiens, inner)
                if lvl == 2:
                    # An action-level LET definition is expanded where used.
                    names[d.name] = ("macro", Macro(d.definiens, inner))
                makers.append((d.name, "thunk", body))
        if not makers:
            return inner, None

        def binders(c: Ctx, e: dict[str, Any]) -> dict[str, Any]:
            env = dict(e)
            for name, how, what in makers:
                if how == "thunk":
                    env[name] = Thunk(what, c, env)
                else:
                    params, body = what
                    env[name] = _closure(params, body, c, env)
            return env

        return inner, binders

    def _x_lambda(self, node: Node, sc: Scope) -> tuple[Expr, int]:
        params = [(p.operator, 0) for p in node.parameters]
        body, _ = self.expr(node.expression, sc.bind_all(_param_names(params)))
        return (lambda c, e: _closure(params, body, c, e)), 1

    def _x_choose(self, node: Node, sc: Scope) -> tuple[Expr, int]:
        decl = node.declaration
        if _op(decl) != "\\in":
            # TLC reports this only if it is evaluated (an unused NoVal ==
            # CHOOSE v : v \notin Val, overridden in the cfg, is fine).
            def unbounded(c: Ctx, e: dict[str, Any]) -> Value:
                raise _err(
                    node,
                    sc,
                    "TLC attempted to evaluate an unbounded CHOOSE; make sure that the"
                    " expression is of form CHOOSE x \\in S: P(x)",
                )

            return unbounded, 0
        target, bound = decl.arguments
        s, ls = self.expr(bound, sc)
        names = _binder_names(target)
        inner = sc.bind_all(dict.fromkeys(names, ("val",)))
        p, lp = self.expr(node.predicate, inner)
        bind = _binder(target)

        # Set -> its least element, and its elements in order, in the
        # canonical order; element -> its sort key. Which element is least
        # depends on the set alone, and recursive definitions (Sum(f, S) over
        # S \\ {CHOOSE x \\in S : TRUE}) ask for the same sets at every state,
        # while ChooseOne(board, P) orders one state's set many times; hashing
        # a set runs in C, sort_key does not. Kept per CHOOSE, and not used
        # for sets holding Booleans: Python's TRUE == 1 would otherwise hand
        # BOOLEAN the answer for {0, 1}.
        least_of, order_of, keys = self.choose_memo.setdefault(id(node), ({}, {}, {}))

        def key(x: Value) -> Any:
            k = keys.get(x)
            if k is None:
                k = sort_key(x)
                if len(keys) >= 100_000:
                    keys.clear()
                keys[x] = k
            return k

        def g(c: Ctx, e: dict[str, Any]) -> Value:
            elems = _set_of(s(c, e), bound, sc)
            kinds = {type(x) for x in elems}
            if len(kinds & _SCALARS) > 1:
                # TLC orders the set first, and cannot compare 1 with "a".
                raise _err(node, sc, f"CHOOSE cannot order the set {format_value(elems)}")
            cache = bool not in kinds
            # The least element first: CHOOSE x \\in S : TRUE (the usual use)
            # then costs one pass instead of a sort.
            least = least_of.get(elems, UNSET) if cache else UNSET
            if least is UNSET:
                if not elems:
                    raise _err(node, sc, "CHOOSE found no element satisfying its predicate")
                least = min(elems, key=key if cache else sort_key)
                if cache:
                    if len(least_of) >= 20_000:
                        least_of.clear()
                    least_of[elems] = least
            env = dict(e)
            bind(env, least)
            if _b(p(c, env), node, sc):
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
                if _b(p(c, env), node, sc):
                    return x
            raise _err(node, sc, "CHOOSE found no element satisfying its predicate")

        return g, max(ls, lp)

    def _x_quantification(self, node: Node, sc: Scope) -> tuple[Expr, int]:
        q = node.quantifier
        binds, inner, lvl = self._bounds(node.declarations, sc, "quantifier")
        p, lp = self.expr(node.predicate, inner)
        is_exists = q == "\\E"
        if len(binds) == 1 and getattr(binds[0][1], "name", None) is not None:
            s, bind, bnode = binds[0]
            name = bind.name  # type: ignore[attr-defined]

            def g1(c: Ctx, e: dict[str, Any]) -> Value:
                env = dict(e)
                sv = s(c, e)
                for x in sv if type(sv) is frozenset else _set_of(sv, bnode, sc):
                    env[name] = x
                    v = p(c, env)
                    if v is True:
                        if is_exists:
                            return True
                    elif v is False:
                        if not is_exists:
                            return False
                    else:
                        raise _err(
                            node, sc, f"quantified predicate is not a Boolean: {format_value(v)}"
                        )
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
                    set0 = _set_of(s0(c, env), b0, sc)
                    set1 = _set_of(s1(c, env), b1, sc)
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
                                raise _err(
                                    node,
                                    sc,
                                    f"quantified predicate is not a Boolean: {format_value(v)}",
                                )
                    return not is_exists

                return g2, max(lvl, lp)

            def gn(c: Ctx, e: dict[str, Any]) -> Value:
                env = dict(e)
                sets = []
                for s, _, bnode in binds:
                    sets.append(_set_of(s(c, env), bnode, sc))
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
                        raise _err(
                            node, sc, f"quantified predicate is not a Boolean: {format_value(v)}"
                        )
                return not is_exists

            return gn, max(lvl, lp)

        def g(c: Ctx, e: dict[str, Any]) -> Value:
            for env in _enumerate(binds, c, e, sc):
                v = p(c, env)
                if v is True:
                    if is_exists:
                        return True
                elif v is False:
                    if not is_exists:
                        return False
                else:
                    raise _err(
                        node, sc, f"quantified predicate is not a Boolean: {format_value(v)}"
                    )
            return not is_exists

        return g, max(lvl, lp)

    def _bounds(
        self, decls: list[Node], sc: Scope, what: str
    ) -> tuple[list[tuple[Expr, Callable[[dict[str, Any], Value], None], Node]], Scope, int]:
        binds = []
        names: dict[str, tuple[Any, ...]] = {}
        lvl = 0
        for target, bound in declarations_as_name_bounds(decls):
            if bound is None:
                raise Unsupported(f"unbounded {what}")
            s, ls = self.expr(bound, sc)
            lvl = max(lvl, ls)
            binds.append((s, _binder(target), bound))
            for n in _binder_names(target):
                names[n] = ("val",)
        return binds, sc.bind_all(names), lvl

    def _x_set_slice(self, node: Node, sc: Scope) -> tuple[Expr, int]:
        binds, inner, lvl = self._bounds([node.declaration], sc, "set filter")
        p, lp = self.expr(node.predicate, inner)

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
                    _filter_test(
                        p,
                        c,
                        dict(e),
                        bind,
                        lambda v: _err(node, sc, f"expected a Boolean, got {format_value(v)}"),
                    ),
                )
            for x in _set_of(base, bnode, sc):
                if name is not None:
                    env[name] = x
                else:
                    bind(env, x)
                v = p(c, env)
                if v is True:
                    out.append(x)
                elif v is not False:
                    raise _err(node, sc, f"expected a Boolean, got {format_value(v)}")
            return frozenset(out)

        return g, max(lvl, lp)

    def _x_set_comprehension(self, node: Node, sc: Scope) -> tuple[Expr, int]:
        binds, inner, lvl = self._bounds(node.declarations, sc, "set map")
        f, lf = self.expr(node.item, inner)
        return _guarded(
            lambda c, e: frozenset([f(c, env) for env in _enumerate(binds, c, e, sc)]),
            node,
            sc,
            "set map",
        ), max(lvl, lf)

    def _x_function(self, node: Node, sc: Scope) -> tuple[Expr, int]:
        binds, inner, lvl = self._bounds(node.declaration, sc, "function constructor")
        f, lf = self.expr(node.value, inner)
        single = len(binds) == 1
        if single:
            s, _, bnode = binds[0]
            names = _binder_names(node.declaration[0].arguments[0])
            if len(names) == 1 and _kind(node.declaration[0].arguments[0]) != "TUPLE":
                nm = names[0]

                def g1(c: Ctx, e: dict[str, Any]) -> Value:
                    env = dict(e)
                    d = {}
                    dom = s(c, e)
                    if isinstance(dom, LazySet) and not dom.finite():
                        return _lazy_fn([dom], binds, f, c, e)
                    for x in _set_of(dom, bnode, sc):
                        env[nm] = x
                        d[x] = f(c, env)
                    return make_fn(d)

                return g1, max(lvl, lf)

        def g(c: Ctx, e: dict[str, Any]) -> Value:
            doms = [b[0](c, e) for b in binds]
            if any(isinstance(x, LazySet) and not x.finite() for x in doms):
                return _lazy_fn(doms, binds, f, c, e)
            d = {}
            for key, env in _enumerate_keys(binds, c, e, sc, single):
                d[key] = f(c, env)
            return make_fn(d)

        return g, max(lvl, lf)

    def function_def(self, d: Node, sc: Scope) -> tuple[Expr, int]:
        """``f[x \\in S] == e``: recursive ones become lazily evaluated functions."""
        fnode = d.definiens
        if not _mentions(fnode.value, d.name):
            return self._x_function(fnode, sc)
        binds, inner, lvl = self._bounds(fnode.declaration, sc, "function definition")
        body, lb = self.expr(fnode.value, inner.bind(**{d.name: ("thunk",)}))
        single = len(binds) == 1
        name = d.name

        def g(c: Ctx, e: dict[str, Any]) -> Value:
            doms = [s(c, e) for s, _, _ in binds]
            dom = doms[0] if single else _product_set(doms)
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
            holder[name] = _Const(lf)
            return lf

        return g, max(lvl, lb, 1)

    def _x_except(self, node: Node, sc: Scope) -> tuple[Expr, int]:
        f, lvl = self.expr(node.function, sc)
        changes = []
        inner = sc.bind(**{"@": ("val",)})
        for ch in node.changes:
            path: list[tuple[bool, Any]] = []
            for item in ch.item:
                if isinstance(item, str):
                    path.append((True, item))
                else:
                    parts = [self.expr(x, sc) for x in item]
                    lvl = max([lvl] + [p[1] for p in parts])
                    path.append((False, [p[0] for p in parts]))
            val, lv = self.expr(ch.expression, inner)
            lvl = max(lvl, lv)
            changes.append((path, val))

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
                    raise _err(
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

        full = [
            (path, val, _mentions_at(ch.expression))
            for (path, val), ch in zip(changes, node.changes, strict=True)
        ]

        if all(all(is_field or len(k) == 1 for is_field, k in p) for p, _, _ in full):
            # The common ``[f EXCEPT ![k] = v, ![a][b] = @ + 1, !.f = ...]``: one
            # key per step, walked down and rebuilt without the recursive
            # ``upd``; anything unusual (a key out of the domain, a function
            # given another way) still goes through ``upd`` for its checks
            # and messages. Keys and values are evaluated in the same order.
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

            return _guarded(g1, node, sc, "EXCEPT"), lvl

        def g(c: Ctx, e: dict[str, Any]) -> Value:
            v = f(c, e)
            for change in full:
                v = upd(c, e, v, change, 0)
            return v

        return _guarded(g, node, sc, "EXCEPT"), lvl

    def _x_function_application(self, node: Node, sc: Scope) -> tuple[Expr, int]:
        f, lf = self.expr(node.function, sc)
        parts = [self.expr(x, sc) for x in node.arguments]
        lvl = max([lf] + [p[1] for p in parts])
        fnode = node.function
        if len(parts) == 1:
            a = parts[0][0]
            # Specialised for an argument that is a bound name or a constant
            # (``f[i]``, ``f[1]``): one call fewer per application.
            aname = getattr(a, "_env_name", None)
            aval = getattr(a, "_value", UNSET)
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
                    return _apply_fn(fv, x)
                except KeyError:
                    raise _err(
                        node,
                        sc,
                        f"function {format_value(fv)} applied to {format_value(x)},"
                        " which is not in its domain",
                    ) from None
                except TypeError as exc:
                    raise _err(fnode, sc, str(exc)) from None

            if aname is not None or aval is not UNSET:
                return ga, lvl
            return g, lvl
        fs = [p[0] for p in parts]

        def gm(c: Ctx, e: dict[str, Any]) -> Value:
            fv = f(c, e)
            x = tuple(a(c, e) for a in fs)
            try:
                return _apply_fn(fv, x)
            except KeyError:
                raise _err(
                    node, sc, f"function applied to {format_value(x)}, not in its domain"
                ) from None
            except TypeError as exc:
                raise _err(fnode, sc, str(exc)) from None

        return gm, lvl

    def _x_subexpression_reference(self, node: Node, sc: Scope) -> tuple[Expr, int]:
        target, tsc, args = self.instance_ref(node, sc)
        return self._call(target, args, node, tsc, sc)

    def instance_ref(self, node: Node, sc: Scope) -> tuple[Any, Scope, list[Node]]:
        """Resolve ``M!Op(args)`` to (definition, scope of the instance, args)."""
        items = list(node.items)
        if len(items) > 1 and items[-1] == ":":
            items.pop()  # `Name!:` is the whole body of Name (a theorem, an ASSUME)
        cur_sc = sc
        for i, it in enumerate(items[:-1]):
            name = it.operator if _kind(it) else it
            d = self.lookup(name, cur_sc)
            if isinstance(d, OpDef):
                rest = items[i + 1 :]
                if d.params or not all(isinstance(x, str) and x.isdigit() for x in rest):
                    raise Unsupported(
                        f"the subexpression reference {name}!... (labels and selectors"
                        " other than conjunct/argument numbers)"
                    )
                return _select(d, [int(x) for x in rest], node, sc), Scope(d.mod, {}), []
            if not isinstance(d, InstDef):
                raise _semantic(it if _kind(it) else node, sc, f"unknown name {name}")
            args = list(it.arguments or ()) if _kind(it) else []
            if d.params:
                if len(args) != len(d.params):
                    raise _err(it, sc, f"instance {name} expects {len(d.params)} arguments")
                macros = {p: ("macro", Macro(a, sc)) for p, a in zip(d.params, args, strict=True)}
                imod = instantiate(d, Scope(d.mod, dict(macros)))
            else:
                if "mod" not in d.cache:
                    d.cache["mod"] = instantiate(d, None)
                imod = d.cache["mod"]
            cur_sc = Scope(imod, {})
        last = items[-1]
        name = last.operator if _kind(last) else last
        args = list(last.arguments or ()) if _kind(last) else []
        target = cur_sc.mod.defs.get(name)
        if target is None or (cur_sc is not sc and name in cur_sc.mod.local):
            raise _semantic(node, sc, f"unknown name {name} in instance")
        return target, cur_sc, args

    def _x_operator_application(self, node: Node, sc: Scope) -> tuple[Expr, int]:
        op = _op(node)
        args = node.arguments
        # A user-defined, standard-module or bound name (possibly applied), or a
        # built-in operator of the language itself.
        d = self.lookup(_std_key(op, node), sc)
        if d is None or isinstance(d, CoreOp):
            if d is None and op not in _PRIMITIVE:
                raise _semantic(node, sc, f"unknown name {node.operator}")
            if not args:
                raise _err(node, sc, f"operator {op} used without its arguments")
            return self._core(op, node, sc)
        return self._call(d, list(args or ()), node, sc, sc)

    def _name(self, name: str, node: Node, sc: Scope, args: list[Node]) -> tuple[Expr, int]:
        d = self.lookup(name, sc)
        if d is None:
            raise _semantic(node, sc, f"unknown name {name}")
        return self._call(d, args, node, sc, sc)

    def _call(
        self, d: Any, args: list[Node], node: Node, dsc: Scope, asc: Scope
    ) -> tuple[Expr, int]:
        """Compile a use of definition ``d`` (found in ``dsc``) with ``args`` read in ``asc``."""
        if isinstance(d, tuple):
            kind = d[0]
            if kind == "value":
                v = d[1]
                return (lambda c, e: v), 0
            if kind == "macro":
                m = d[1]
                if args:
                    return self._apply_macro(m, args, node, asc)
                fn, lvl = self.expr(m.node, m.scope)
                return fn, max(lvl, 1) if m.scope.names else lvl
            name = node.operator if _kind(node) else node
            if kind == "val":
                if args:
                    raise _err(node, asc, f"{name} is not an operator")

                def bound(c: Ctx, e: dict[str, Any]) -> Value:
                    return e[name]

                bound._env_name = name  # type: ignore[attr-defined]
                return bound, 1
            if kind == "thunk":
                return self._apply_value(lambda c, e: e[name].get(), args, node, asc)
            if kind == "op":
                fs = [self.arg(a, None, asc) for a in args]

                def callop(c: Ctx, e: dict[str, Any]) -> Value:
                    return e[name](*[f(c, e) for f in fs])

                return _guarded(callop, node, asc, f"applying {name}"), 1
        if isinstance(d, VarRef):
            if args:
                raise _err(node, asc, f"variable {d.name} is not an operator")
            i = d.idx
            vname = d.name
            nsc = asc

            def var(c: Ctx, e: dict[str, Any]) -> Value:
                v = c.cur[i]
                if v is UNSET:
                    raise _err(node, nsc, f"variable {vname} has no value here")
                return v

            return var, 1
        if isinstance(d, Macro):
            if args:
                return self._apply_macro(d, args, node, asc)
            fn, lvl = self.expr(d.node, d.scope)
            return fn, max(lvl, 1) if d.scope.names else lvl
        if isinstance(d, Const):
            return self._const(d, args, node, asc)
        if isinstance(d, StdUnsupported):
            raise Unsupported(f"{d.name} ({d.why})")
        if isinstance(d, CoreOp):
            if args and _kind(node) == "OPERATOR_APPLICATION" and node.arguments:
                return self._core(d.op, node, asc)
            raise Unsupported(f"the standard operator {d.op} used as a value")
        if isinstance(d, Builtin):
            if len(args) != d.arity:
                if not args:
                    raise _err(node, asc, f"{d.name} used without its {d.arity} arguments")
                raise _err(node, asc, f"{d.name} expects {d.arity} arguments")
            parts = [self.arg(a, 1 if i in d.op_args else None, asc) for i, a in enumerate(args)]
            bf = d.fn
            what = d.name
            blvl = 1 if d.op_args else max([0] + [_lvl(a, self, asc) for a in args])
            if what == "Len":
                p0 = parts[0]

                def blen(c: Ctx, e: dict[str, Any]) -> Value:
                    x = p0(c, e)
                    if type(x) is tuple or type(x) is str:
                        return len(x)
                    raise _err(node, asc, f"Len expects a sequence, got {format_value(x)}")

                return blen, blvl
            if len(parts) == 1:
                p0 = parts[0]

                def b1(c: Ctx, e: dict[str, Any]) -> Value:
                    x = p0(c, e)
                    try:
                        return bf(x)
                    except _PY_ERRORS as exc:
                        raise _err(node, asc, _describe(what, exc)) from None

                return b1, blvl
            if len(parts) == 2:
                p0, p1 = parts

                def b2(c: Ctx, e: dict[str, Any]) -> Value:
                    x = p0(c, e)
                    y = p1(c, e)
                    try:
                        return bf(x, y)
                    except _PY_ERRORS as exc:
                        raise _err(node, asc, _describe(what, exc)) from None

                return b2, blvl
            return _guarded(lambda c, e: bf(*[f(c, e) for f in parts]), node, asc, what), blvl
        if isinstance(d, OpDef):
            return self._call_opdef(d, args, node, asc)
        if isinstance(d, InstDef):
            raise Unsupported(f"using instance {d.name} as a value")
        raise _err(node, asc, f"cannot use {node!r} here")

    def _apply_macro(self, m: Macro, args: list[Node], node: Node, asc: Scope) -> tuple[Expr, int]:
        """``F(a)`` where ``F`` is an INSTANCE substitution or an operator argument
        (``WITH F <- G``, ``Op(F(_))`` called with ``G`` or a LAMBDA)."""
        target = m.node
        while _kind(target) == "PARENTHESES":
            target = target.expression
        if _kind(target) == "OPERATOR_APPLICATION" and not target.arguments:
            d = self.lookup(target.operator, m.scope)
            if d is not None and not isinstance(d, (VarRef, CoreOp)):
                return self._call(d, args, node, m.scope, asc)
            if isinstance(d, CoreOp) and len(args) == 2 and d.op in _INT_OPS:
                return self._core(d.op, node._replace(operator=d.op, nonfix=None), asc)
        if _kind(target) == "LAMBDA":
            params = [(p.operator, 0) for p in target.parameters]
            if len(params) != len(args):
                raise _err(node, asc, f"LAMBDA expects {len(params)} arguments")
            names: dict[str, tuple[Any, ...]] = {
                p: ("macro", Macro(a, asc)) for (p, _), a in zip(params, args, strict=True)
            }
            fn, lvl = self.expr(target.expression, m.scope.bind_all(names))
            return fn, max(lvl, 1)
        fn, _ = self.expr(m.node, m.scope)
        return self._apply_value(fn, args, node, asc)

    def _apply_value(self, fn: Expr, args: list[Node], node: Node, sc: Scope) -> tuple[Expr, int]:
        if not args:
            return fn, 1
        fs = [self.arg(a, None, sc) for a in args]
        return _guarded(
            lambda c, e: fn(c, e)(*[f(c, e) for f in fs]), node, sc, "operator application"
        ), 1

    def _const(self, d: Const, args: list[Node], node: Node, sc: Scope) -> tuple[Expr, int]:
        if d.name not in self.consts:
            raise _err(node, sc, f"constant {d.name} has no value in the configuration")
        v = self.consts[d.name]
        if isinstance(v, tuple) and len(v) == 2 and v[0] == "subst":
            target = v[1]
            root = sc.mod.root
            tgt = root.defs.get(target) or BUILTIN_OPS.get(target)
            if tgt is None:
                raise _err(node, sc, f"{d.name} <- {target}: no definition {target}")
            return self._call(tgt, args, node, Scope(root, {}), sc)
        if args:
            raise _err(node, sc, f"constant {d.name} is not an operator")
        return (lambda c, e: v), 0

    def arg(self, a: Node, arity: int | None, sc: Scope) -> Expr:
        """Compile an argument; for operator parameters produce a Python callable."""
        if arity is not None or self._names_operator(a, sc):
            return self._opvalue(a, sc)
        return self.expr(a, sc)[0]

    def _names_operator(self, a: Node, sc: Scope) -> bool:
        if _kind(a) == "LAMBDA":
            return True
        if _kind(a) != "OPERATOR_APPLICATION" or a.arguments:
            return False
        d = self.lookup(a.operator, sc)
        if isinstance(d, OpDef):
            return bool(d.params)
        if isinstance(d, Builtin):
            return d.arity > 0
        if isinstance(d, CoreOp):
            return True
        if isinstance(d, tuple) and d[0] == "macro":
            return self._names_operator(d[1].node, d[1].scope)
        if isinstance(d, tuple) and d[0] == "op":
            return True
        return bool(isinstance(d, Const) and d.arity)

    def _opvalue(self, a: Node, sc: Scope) -> Expr:
        if _kind(a) == "LAMBDA":
            return self._x_lambda(a, sc)[0]
        if _kind(a) == "OPERATOR_APPLICATION" and not a.arguments:
            d = self.lookup(a.operator, sc)
            if isinstance(d, tuple) and d[0] == "op":
                name = a.operator
                return lambda c, e: e[name]
            if isinstance(d, Builtin):
                bf = d.fn
                return lambda c, e: bf
            if isinstance(d, CoreOp) and d.op in _INT_OPS:
                iop = _INT_OPS[d.op]
                sym = d.op

                def int_op(x: Value, y: Value) -> Value:
                    _arith_guard(x, y, sym)
                    return iop(x, y)

                return lambda c, e: int_op
            if isinstance(d, tuple) and d[0] == "macro":
                m = d[1]
                return self._opvalue(m.node, m.scope)
            if isinstance(d, OpDef) and d.params:
                params = d.params
                body = self._body(d)
                return lambda c, e: _closure(params, body, c, {})
            if isinstance(d, Const) and d.arity:
                v = self.consts.get(d.name)
                if isinstance(v, tuple) and v[0] == "subst":
                    ref = a._replace(operator=v[1])
                    return self._opvalue(ref, Scope(sc.mod.root, {}))
        if _kind(a) in ("OPERATOR_APPLICATION", "PARENTHESES", "SUBEXPRESSION_REFERENCE"):
            raise Unsupported("this operator argument form")
        raise _err(a, sc, "expected an operator argument")

    def _body(self, d: OpDef) -> Expr:
        """The compiled body of an operator, in the scope of its parameters."""
        if "body" in d.cache:
            return d.cache["body"]  # type: ignore[no-any-return]
        if "compiling" in d.cache:
            # A recursive reference: resolve the body when first called.
            def late(c: Ctx, e: dict[str, Any]) -> Value:
                return d.cache["body"](c, e)

            return late
        d.cache["compiling"] = True
        sc = Scope(d.mod, _param_names(d.params))
        node = d.node
        try:
            if node.function:
                body, lvl = self.function_def(node, sc)
            else:
                body, lvl = self.expr(node.definiens, sc)
        finally:
            d.cache.pop("compiling", None)
        if d.recursive or "recursed" in d.cache:
            lvl = max(lvl, 1)
        d.cache["body"] = body
        d.cache["level"] = lvl
        return body

    def level_of(self, d: OpDef) -> int:
        if "level" not in d.cache:
            if "compiling" in d.cache:
                d.cache["recursed"] = True
                return 1
            self._body(d)
        return int(d.cache.get("level", 1))

    def _call_opdef(self, d: OpDef, args: list[Node], node: Node, asc: Scope) -> tuple[Expr, int]:
        if len(args) != len(d.params):
            if not args and d.params:
                raise _err(node, asc, f"operator {d.name} needs {len(d.params)} arguments")
            raise _err(node, asc, f"operator {d.name} expects {len(d.params)} arguments")
        body = self._body(d)
        lvl = self.level_of(d)
        macro_mod = d.mod.subst is not None and any(m.scope.names for m in d.mod.subst.values())
        if lvl == 2 or macro_mod:
            # Action-level operators (and those of a parameterised instance) are
            # expanded at the call site, so primes reach the argument expressions.
            return self._inline(d, args, asc)
        if not d.params:
            if lvl == 0:
                box: list[Any] = [UNSET]
                dname = d.name

                def cached(c: Ctx, e: dict[str, Any]) -> Value:
                    v = box[0]
                    if v is UNSET:
                        try:
                            v = box[0] = body(c, {})
                        except RecursionError:
                            raise _err(node, asc, f"{dname}: recursion too deep") from None
                    return v

                cached._const = True  # type: ignore[attr-defined]
                return cached, 0
            if lvl == 1:
                # Its value is a function of the current state alone, and one
                # state's successors and invariants use it many times (a
                # function table rebuilt at every use is quadratic). States are
                # tuples; a list is a state still being assigned, never kept.
                # Shared by every call site (inlined callers compile it again).
                last: list[Any] = d.cache.setdefault("per_state", [None, None])

                def per_state(c: Ctx, e: dict[str, Any]) -> Value:
                    cur = c.cur
                    if cur is last[0]:
                        return last[1]
                    v = body(c, {})
                    if cur.__class__ is tuple:
                        last[0] = cur
                        last[1] = v
                    return v

                return per_state, 1
            return (lambda c, e: body(c, {})), lvl
        if not d.node.function and all(ar == 0 for _, ar in d.params) and self.pure(d):
            return self._memo_call(d, body, args, node, asc), max(
                [1] + [_lvl(a, self, asc) for a in args]
            )
        if (
            not d.recursive
            and not d.node.function
            and "compiling" not in d.cache
            and "recursed" not in d.cache
            and all(ar == 0 for _, ar in d.params)
            and all(self._simple(a, asc) for a in args)
        ):
            # Small arguments (names, literals) are substituted into the body,
            # which saves building an environment at every call.
            return self._inline(d, args, asc)
        names = [p[0] for p in d.params]
        fs = [
            self.arg(a, ar if ar else None, asc) for a, (_, ar) in zip(args, d.params, strict=True)
        ]
        alvl = max([1] + [_lvl(a, self, asc) for a in args])
        dname = d.name
        if len(fs) == 1:
            n0 = names[0]
            f0 = fs[0]

            def call1(c: Ctx, e: dict[str, Any]) -> Value:
                try:
                    return body(c, {n0: f0(c, e)})
                except RecursionError:
                    raise _err(node, asc, f"{dname}: recursion too deep") from None

            return call1, max(alvl, lvl)
        pairs = list(zip(names, fs, strict=True))

        def call(c: Ctx, e: dict[str, Any]) -> Value:
            try:
                return body(c, {n: f(c, e) for n, f in pairs})
            except RecursionError:
                raise _err(node, asc, f"{dname}: recursion too deep") from None

        return call, max(alvl, lvl)

    def _simple(self, a: Node, sc: Scope) -> bool:
        k = _kind(a)
        if k in ("INTEGRAL_NUMERAL", "STRING_LITERAL", "BOOLEAN_LITERAL"):
            return True
        if k != "OPERATOR_APPLICATION" or a.arguments:
            return False
        d = self.lookup(a.operator, sc)
        if isinstance(d, (VarRef, Const)):
            return not (isinstance(d, Const) and d.arity)
        if isinstance(d, tuple):
            if d[0] == "val":
                return True
            if d[0] == "macro":
                return self._simple(d[1].node, d[1].scope)
        return False

    def pure(self, d: OpDef) -> bool:
        """True when ``d`` reads no state (so its value depends on its arguments only)."""
        if "pure" in d.cache:
            return bool(d.cache["pure"])
        if d.mod.subst is not None:
            d.cache["pure"] = False
            return False
        d.cache["pure"] = True  # recursion through d itself stays pure
        ok = self._pure_tree(d.node.definiens, Scope(d.mod, {}))
        d.cache["pure"] = ok
        return ok

    def _pure_tree(self, node: Any, sc: Scope) -> bool:
        if node is None or isinstance(node, (str, int, bool)):
            return True
        if isinstance(node, list):
            return all(self._pure_tree(x, sc) for x in node)
        if not isinstance(node, tuple) or not hasattr(node, "_fields"):
            return True
        kind = _kind(node)
        if kind in ("SUBEXPRESSION_REFERENCE", "INSTANCE"):
            return False
        if kind == "OPERATOR_APPLICATION":
            op: str = getattr(node, "operator", "")
            if op in ("'", "UNCHANGED", "ENABLED", "Print", "PrintT"):
                return False
            d = sc.mod.defs.get(op)
            if isinstance(d, (VarRef, Macro, InstDef)):
                return False
            if isinstance(d, tuple) and d[0] == "macro":
                return False
            if isinstance(d, OpDef) and not self.pure(d):
                return False
        return all(
            self._pure_tree(getattr(node, f), sc)
            for f in node._fields
            if f not in ("symbol", "start", "end")
        )

    def _memo_call(self, d: OpDef, body: Expr, args: list[Node], node: Node, asc: Scope) -> Expr:
        """Call a state-independent operator, remembering results by argument values."""
        memo: dict[Any, Any] = d.cache.setdefault("memo", {})
        names = [p for p, _ in d.params]
        fs = [self.expr(a, asc)[0] for a in args]
        dname = d.name
        if len(fs) == 1:
            f0 = fs[0]
            n0 = names[0]

            def memo1(c: Ctx, e: dict[str, Any]) -> Value:
                x = f0(c, e)
                # TRUE and 1 are equal Python keys; keep them apart.
                k = (x, True) if x.__class__ is bool else x
                try:
                    return memo[k]
                except KeyError:
                    pass
                try:
                    v = body(c, {n0: x})
                except RecursionError:
                    raise _err(node, asc, f"{dname}: recursion too deep") from None
                if len(memo) > 100_000:
                    memo.clear()
                memo[k] = v
                return v

            return memo1

        if len(fs) == 2:
            # Recursive two-argument helpers (Sum(f, S), Max(S, acc)) run at
            # every level of every call: no list, unpacking or zip here.
            f0, f1 = fs
            n0, n1 = names

            def memo2(c: Ctx, e: dict[str, Any]) -> Value:
                x = f0(c, e)
                y = f1(c, e)
                key = (x, y, x.__class__ is bool, y.__class__ is bool)
                try:
                    return memo[key]
                except KeyError:
                    pass
                try:
                    v = body(c, {n0: x, n1: y})
                except RecursionError:
                    raise _err(node, asc, f"{dname}: recursion too deep") from None
                if len(memo) > 100_000:
                    memo.clear()
                memo[key] = v
                return v

            return memo2

        def memon(c: Ctx, e: dict[str, Any]) -> Value:
            vals = [f(c, e) for f in fs]
            key = (*vals, *[v.__class__ is bool for v in vals])
            try:
                return memo[key]
            except KeyError:
                pass
            try:
                v = body(c, dict(zip(names, vals, strict=True)))
            except RecursionError:
                raise _err(node, asc, f"{dname}: recursion too deep") from None
            if len(memo) > 100_000:
                memo.clear()
            memo[key] = v
            return v

        return memon

    def _inline(self, d: OpDef, args: list[Node], asc: Scope) -> tuple[Expr, int]:
        sc = self.inline_scope(d, args, asc)
        if d.node.function:
            return self.function_def(d.node, sc)
        return self.expr(d.node.definiens, sc)

    def inline_scope(self, d: OpDef, args: list[Node], asc: Scope) -> Scope:
        names: dict[str, tuple[Any, ...]] = {}
        for (p, _), a in zip(d.params, args, strict=True):
            names[p] = ("macro", Macro(a, asc))
        return Scope(d.mod, names)

    def _infix(
        self, node: Node, sc: Scope, fn: Callable[[Value, Value], Value]
    ) -> tuple[Expr, int]:
        a, la = self.expr(node.arguments[0], sc)
        b, lb = self.expr(node.arguments[1], sc)
        return _guarded(lambda c, e: fn(a(c, e), b(c, e)), node, sc, _op(node)), max(la, lb)

    # ------------------------------------------------------ core operators

    def _core(self, op: str, node: Node, sc: Scope) -> tuple[Expr, int]:
        args = node.arguments
        if op == "'":
            return self._prime(args[0], sc, node)
        if op == "UNCHANGED":
            inner, _ = self.expr(args[0], sc)
            primed, _ = self._prime(args[0], sc, node)
            return (lambda c, e: primed(c, e) == inner(c, e)), 2
        if op == "ENABLED":
            act = self.action(args[0], sc)

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
        if op in ("[]", "<>", "~>", "-+->", "\\cdot"):
            raise Unsupported(f"temporal operator {op} inside an expression")
        parts = [self.expr(a, sc) for a in args]
        fs = [p[0] for p in parts]
        lvl = max([0] + [p[1] for p in parts])
        if len(fs) == 1:
            return self._unary(op, fs[0], node, sc), lvl
        if op == "\\X":

            def cross(c: Ctx, e: dict[str, Any]) -> Value:
                sets = [f(c, e) for f in fs]
                for x in sets:
                    if not is_value_set(x):
                        _set_of(x, node, sc)  # raises its error
                return product_set(sets)

            return _guarded(cross, node, sc, "\\X"), lvl
        a, b = fs
        an, bn = args
        if op == "/\\":

            def land(c: Ctx, e: dict[str, Any]) -> Value:
                # ``_b`` only on the rare non-Boolean, to raise its error.
                x = a(c, e)
                if x is not True:
                    return _b(x, an, sc)
                y = b(c, e)
                return y if y is True or y is False else _b(y, bn, sc)

            return land, lvl
        if op == "\\/":

            def lor(c: Ctx, e: dict[str, Any]) -> Value:
                x = a(c, e)
                if x is not False:
                    return _b(x, an, sc)
                y = b(c, e)
                return y if y is True or y is False else _b(y, bn, sc)

            return lor, lvl
        if op == "=>":
            return (lambda c, e: (not _b(a(c, e), an, sc)) or _b(b(c, e), bn, sc)), lvl
        if op == "<=>":
            return (lambda c, e: _b(a(c, e), an, sc) == _b(b(c, e), bn, sc)), lvl
        if op in ("=", "#"):
            # TLC refuses to compare values of different kinds ("Attempted to
            # check equality of string "a" with non-string"); only values of
            # different Python types can be of different kinds.
            same = op == "="
            kb = getattr(b, "_value", UNSET)
            if kb is not UNSET:
                tb = type(kb)

                def eq_k(c: Ctx, e: dict[str, Any]) -> Value:
                    x = a(c, e)
                    if type(x) is tb:
                        return (x == kb) is same
                    return _equal(x, kb, node, sc) is same

                return eq_k, lvl

            def eq(c: Ctx, e: dict[str, Any]) -> Value:
                x = a(c, e)
                y = b(c, e)
                if type(x) is type(y):
                    return (x == y) is same
                return _equal(x, y, node, sc) is same

            return eq, lvl
        if op in _INT_OPS:
            return self._arith(op, a, b, node, sc), lvl
        if op == "..":

            def rng(c: Ctx, e: dict[str, Any]) -> Value:
                x = a(c, e)
                y = b(c, e)
                if type(x) is not int or type(y) is not int:
                    raise _err(
                        node,
                        sc,
                        "the arguments of .. must be integers, got "
                        f"{format_value(x)} and {format_value(y)}",
                    )
                if x <= -1 <= y:
                    NEG_ONE_SEEN[0] = True
                return frozenset(range(x, y + 1))

            return rng, lvl
        if op in ("\\in", "\\notin"):
            neg = op == "\\notin"
            kset = getattr(b, "_value", UNSET)
            if isinstance(kset, LazySet):
                # x \\in Seq(S), [S -> Nat], ...: a constant set, its test bound once.
                contains = kset.contains

                def member_lazy(c: Ctx, e: dict[str, Any]) -> Value:
                    x = a(c, e)
                    try:
                        return contains(x) != neg
                    except (TypeError, OverflowError) as exc:
                        raise _err(node, sc, f"{op}: {exc}: {format_value(kset)}") from None

                return member_lazy, lvl

            def member(c: Ctx, e: dict[str, Any]) -> Value:
                x = a(c, e)
                s = b(c, e)
                if type(s) is frozenset:
                    return (x in s) != neg
                try:
                    return set_contains(s, x) != neg
                except (TypeError, OverflowError) as exc:
                    raise _err(node, sc, f"{op}: {exc}: {format_value(s)}") from None

            return member, lvl
        if op in ("\\cup", "\\cap", "\\", "\\subseteq", "\\subset", "\\supseteq", "\\supset"):
            sop = _SET_OPS[op]

            def setop(c: Ctx, e: dict[str, Any]) -> Value:
                x = a(c, e)
                y = b(c, e)
                if op in ("\\cup", "\\cap", "\\") and (
                    (isinstance(x, LazySet) and not x.finite())
                    or (isinstance(y, LazySet) and not y.finite())
                ):
                    if not is_value_set(x) or not is_value_set(y):
                        raise _err(node, sc, f"{op} of a non-set")
                    return LazySet(_LAZY_KIND[op], x, y)
                if (
                    op in ("\\subseteq", "\\subset")
                    and type(x) is frozenset
                    and isinstance(y, LazySet)
                ):
                    return all(y.contains(v) for v in x) and (op == "\\subseteq" or x != y)
                return sop(_set_of(x, an, sc), _set_of(y, bn, sc))

            return setop, lvl
        if op == "\\o":

            def concat(c: Ctx, e: dict[str, Any]) -> Value:
                x = a(c, e)
                y = b(c, e)
                if type(x) is str and type(y) is str:
                    return x + y
                if type(x) is not tuple or type(y) is not tuple:
                    raise _err(
                        node,
                        sc,
                        f"\\o expects sequences, got {format_value(x)} and {format_value(y)}",
                    )
                return x + y

            return concat, lvl
        if op in BUILTIN_INFIX:
            return self._infix(node, sc, BUILTIN_INFIX[op])
        raise Unsupported(f"operator {op}")

    def _arith(self, op: str, a: Expr, b: Expr, node: Node, sc: Scope) -> Expr:
        fast = _FAST_INT.get(op)
        kb = getattr(b, "_value", UNSET)
        # Comparisons make Booleans; only arithmetic can make a new -1.
        neg = None if op in _COMPARISONS else NEG_ONE_SEEN

        def bad(x: Value, y: Value) -> EvalError:
            return _err(
                node,
                sc,
                f"the arguments of {op} must be integers, got "
                f"{format_value(x)} and {format_value(y)}",
            )

        if fast is not None:
            if type(kb) is int:

                def arith_k(c: Ctx, e: dict[str, Any]) -> Value:
                    x = a(c, e)
                    if type(x) is int:
                        r = fast(x, kb)
                        if r == -1 and neg is not None:
                            neg[0] = True
                        return r
                    raise bad(x, kb)

                return arith_k

            def arith2(c: Ctx, e: dict[str, Any]) -> Value:
                x = a(c, e)
                y = b(c, e)
                if type(x) is int and type(y) is int:
                    r = fast(x, y)
                    if r == -1 and neg is not None:
                        neg[0] = True
                    return r
                raise bad(x, y)

            return arith2
        iop = _INT_OPS[op]
        if op in ("\\div", "%") and type(kb) is int and kb > 0:
            pyop = operator.floordiv if op == "\\div" else operator.mod

            def divmod_k(c: Ctx, e: dict[str, Any]) -> Value:
                x = a(c, e)
                if type(x) is int:
                    r = pyop(x, kb)
                    if r == -1:
                        NEG_ONE_SEEN[0] = True
                    return r
                raise bad(x, kb)

            return divmod_k

        def arith(c: Ctx, e: dict[str, Any]) -> Value:
            x = a(c, e)
            y = b(c, e)
            if type(x) is not int or type(y) is not int:
                raise bad(x, y)
            try:
                r = iop(x, y)
            except _PY_ERRORS as exc:
                raise _err(node, sc, str(exc) or op) from None
            if r == -1:
                NEG_ONE_SEEN[0] = True
            return r

        return arith

    def _unary(self, op: str, a: Expr, node: Node, sc: Scope) -> Expr:
        an = node.arguments[0]
        if op == "~":
            return lambda c, e: not _b(a(c, e), an, sc)
        if op in ("-", "-."):

            def neg(c: Ctx, e: dict[str, Any]) -> Value:
                x = a(c, e)
                if type(x) is not int:
                    raise _err(node, sc, f"unary minus of a non-integer {format_value(x)}")
                if x == 1:
                    NEG_ONE_SEEN[0] = True
                return -x

            return neg
        if op == "SUBSET":

            def powerset(c: Ctx, e: dict[str, Any]) -> Value:
                s = a(c, e)
                if not is_value_set(s):
                    raise _err(node, sc, f"SUBSET of a non-set {format_value(s)}")
                return LazySet("SUBSET", s)

            return powerset
        if op == "UNION":

            def union(c: Ctx, e: dict[str, Any]) -> Value:
                out: set[Value] = set()
                for s in _set_of(a(c, e), an, sc):
                    out.update(_set_of(s, an, sc))
                return frozenset(out)

            return union
        if op == "DOMAIN":

            def domain(c: Ctx, e: dict[str, Any]) -> Value:
                f = a(c, e)
                if type(f) is tuple:
                    return frozenset(range(1, len(f) + 1))
                if type(f) is Fn:
                    return frozenset(f.d)
                if type(f) is LazyFn:
                    return f.domain
                raise _err(node, sc, f"DOMAIN of a non-function {format_value(f)}")

            return domain
        raise Unsupported(f"prefix operator {op}")

    def _prime(self, target: Node, sc: Scope, node: Node) -> tuple[Expr, int]:
        idx = self.resolve_var(target, sc)
        if idx is not None:
            i = idx
            vsc = sc

            def primed(c: Ctx, e: dict[str, Any]) -> Value:
                nxt = c.nxt
                v = UNSET if nxt is None else nxt[i]
                if v is UNSET:
                    raise _err(node, vsc, f"{_show(target)}' is used before it is assigned a value")
                return v

            return primed, 2
        inner, _ = self.expr(target, sc)

        def primed_expr(c: Ctx, e: dict[str, Any]) -> Value:
            if c.nxt is None:
                raise _err(node, sc, "a primed expression outside an action")
            return inner(Ctx(c.nxt, None), e)

        return primed_expr, 2

    # -------------------------------------------------------------- actions

    def action(self, node: Node, sc: Scope, init: bool = False) -> Act:
        """Compile ``node`` as a generator of next states (Init when ``init``)."""
        try:
            return self._action(node, sc, init)
        except Unsupported as exc:
            _locate(exc, node, sc)
            raise

    def _action(self, node: Node, sc: Scope, init: bool = False) -> Act:
        if not init and _kind(node) != "SUBSCRIPTED_ACTION" and self.expr(node, sc)[1] < 2:
            # A part of an action with no primes only filters: count the ways it
            # holds (every disjunct evaluated, as TLC does) without the
            # continuation machinery.
            cnt = self._counter(node, sc)

            def guard_count(c: Ctx, e: dict[str, Any], k: Callable[[], None]) -> None:
                n = cnt(c, e)
                while n > 0:
                    k()
                    n -= 1

            return guard_count
        kind = _kind(node)
        if kind == "PARENTHESES":
            return self.action(node.expression, sc, init)
        if kind == "VERTICAL_LIST":
            items = [it.expression for it in node.arguments]
            if node.operator == "/\\":
                return self._conj([self.action(x, sc, init) for x in items])
            return self._disj([self.action(x, sc, init) for x in items])
        if kind == "VERTICAL_ITEM":
            return self.action(node.expression, sc, init)
        if kind == "LET":
            inner, binders = self.let_scope(node.definitions, sc)
            body = self.action(node.expression, inner, init)
            if binders is None:
                return body
            return lambda c, e, k: body(c, binders(c, e), k)
        if kind == "IF":
            p, _ = self.expr(node.predicate, sc)
            t = self.action(node.then, sc, init)
            f = self.action(node.else_, sc, init)
            pn = node.predicate

            def ite(c: Ctx, e: dict[str, Any], k: Callable[[], None]) -> None:
                if _b(p(c, e), pn, sc):
                    t(c, e, k)
                else:
                    f(c, e, k)

            return ite
        if kind == "CASES":
            arms = [
                (self.expr(a.predicate, sc)[0], self.action(a.expression, sc, init))
                for a in node.cases
            ]
            other = self.action(node.other, sc, init) if node.other is not None else None

            def case(c: Ctx, e: dict[str, Any], k: Callable[[], None]) -> None:
                for p, act in arms:
                    if _b(p(c, e), node, sc):
                        act(c, e, k)
                        return
                if other is None:
                    raise _err(node, sc, "no CASE arm applies (and there is no OTHER)")
                other(c, e, k)

            return case
        if kind == "QUANTIFICATION" and node.quantifier == "\\E":
            binds, inner, _ = self._bounds(node.declarations, sc, "quantifier")
            body = self.action(node.predicate, inner, init)
            if len(binds) == 1 and getattr(binds[0][1], "name", None) is not None:
                s1, bind1, bnode1 = binds[0]
                name1 = bind1.name  # type: ignore[attr-defined]

                def exists1(c: Ctx, e: dict[str, Any], k: Callable[[], None]) -> None:
                    env = dict(e)
                    sv = s1(c, e)
                    for x in sv if type(sv) is frozenset else _set_of(sv, bnode1, sc):
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
                        set0 = _set_of(s0(c, env), b0, sc)
                        set1 = _set_of(s1(c, env), b1, sc)
                        for x in set0:
                            env[x0] = x
                            for y in set1:
                                env[x1] = y
                                body(c, env, k)

                    return exists2

                def existsn(c: Ctx, e: dict[str, Any], k: Callable[[], None]) -> None:
                    env = dict(e)
                    sets = [_set_of(s(c, env), bnode, sc) for s, _, bnode in binds]
                    for combo in itertools.product(*sets):
                        for n, x in zip(xnames, combo, strict=True):
                            env[n] = x
                        body(c, env, k)

                return existsn

            def exists(c: Ctx, e: dict[str, Any], k: Callable[[], None]) -> None:
                for env in _enumerate(binds, c, e, sc):
                    body(c, env, k)

            return exists
        if kind == "SUBEXPRESSION_REFERENCE":
            target, tsc, args = self.instance_ref(node, sc)
            if isinstance(target, OpDef):
                return self._action_call(target, args, sc, tsc, init)
        if kind == "OPERATOR_APPLICATION":
            op = _op(node)
            args = node.arguments or []
            if op in ("/\\", "\\/") and not node.nonfix and len(args) == 2:
                conj = op == "/\\"
                flat = _flatten(node, op)
                acts = [self.action(x, sc, init) for x in flat]
                return self._conj(acts) if conj else self._disj(acts)
            if op == "=" and not node.nonfix:
                tgt = self._assign_target(args[0], sc, init)
                if tgt is not None:
                    rhs, _ = self.expr(args[1], sc)
                    return _assign(tgt, rhs)
            if op == "\\in" and not node.nonfix:
                tgt = self._assign_target(args[0], sc, init)
                if tgt is not None:
                    rhs, _ = self.expr(args[1], sc)
                    return _assign_in(tgt, rhs, args[1], sc)
            if op == "UNCHANGED":
                return self._unchanged(args[0], sc)
            named = self._action_named(self.lookup(_std_key(op, node), sc), list(args), sc, init, 0)
            if named is not None:
                return named
        if kind == "SUBSCRIPTED_ACTION":
            # [A]_v is A \/ UNCHANGED v; <<A>>_v is A /\ v' # v.
            body = self.action(node.action, sc, init)
            if node.operator == "[":
                return self._disj([body, self._unchanged(node.subscript, sc)])
            sub_now, _ = self.expr(node.subscript, sc)
            sub_next, _ = self._prime(node.subscript, sc, node)

            def changes(c: Ctx, e: dict[str, Any], k: Callable[[], None]) -> None:
                if sub_next(c, e) != sub_now(c, e):
                    k()

            return self._conj([body, changes])
        # Anything else is a condition on the current and next state.
        g, _ = self.expr(node, sc)

        def guard(c: Ctx, e: dict[str, Any], k: Callable[[], None]) -> None:
            v = g(c, e)
            if v is True:
                k()
            elif v is not False:
                raise _err(node, sc, f"action condition is not a Boolean: {format_value(v)}")

        return guard

    def _counter(self, node: Node, sc: Scope) -> Callable[[Ctx, dict[str, Any]], int]:
        """How many ways a prime-free action part holds (TLC's evaluation order)."""
        kind = _kind(node)
        if kind == "PARENTHESES":
            return self._counter(node.expression, sc)
        parts: list[Node] | None = None
        conj = False
        if kind == "VERTICAL_LIST":
            parts = [it.expression for it in node.arguments]
            conj = node.operator == "/\\"
        elif (
            kind == "OPERATOR_APPLICATION"
            and _op(node) in ("/\\", "\\/")
            and not node.nonfix
            and len(node.arguments or ()) == 2
        ):
            conj = _op(node) == "/\\"
            parts = _flatten(node, _op(node))
        if parts is not None:
            cs = [self._counter(p, sc) for p in parts]
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
            p, _ = self.expr(node.predicate, sc)
            t = self._counter(node.then, sc)
            f = self._counter(node.else_, sc)
            pn = node.predicate

            def ite(c: Ctx, e: dict[str, Any]) -> int:
                return t(c, e) if _b(p(c, e), pn, sc) else f(c, e)

            return ite
        if kind == "QUANTIFICATION" and node.quantifier == "\\E":
            binds, inner, _ = self._bounds(node.declarations, sc, "quantifier")
            body = self._counter(node.predicate, inner)

            def exists(c: Ctx, e: dict[str, Any]) -> int:
                return sum([body(c, env) for env in _enumerate(binds, c, e, sc)])

            return exists
        if kind == "LET":
            inner, binders = self.let_scope(node.definitions, sc)
            body = self._counter(node.expression, inner)
            if binders is None:
                return body
            return lambda c, e: body(c, binders(c, e))
        if kind == "OPERATOR_APPLICATION":
            d = self.lookup(_std_key(_op(node), node), sc)
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
                if d.params and self.pure(d):
                    return self._memo_count(d, args, sc)
                isc = self.inline_scope(d, args, sc) if d.params else Scope(d.mod, {})
                return self._counter(d.node.definiens, isc)
        g, _ = self.expr(node, sc)

        def one(c: Ctx, e: dict[str, Any]) -> int:
            v = g(c, e)
            if v is True:
                return 1
            if v is False:
                return 0
            raise _err(node, sc, f"action condition is not a Boolean: {format_value(v)}")

        return one

    def _memo_count(
        self, d: OpDef, args: list[Node], sc: Scope
    ) -> Callable[[Ctx, dict[str, Any]], int]:
        # A state-independent guard: the count depends on the argument values only.
        if "counter" not in d.cache:
            d.cache["counter"] = self._counter(
                d.node.definiens, Scope(d.mod, _param_names(d.params))
            )
        body = d.cache["counter"]
        memo: dict[Any, int] = d.cache.setdefault("count_memo", {})
        names = [p for p, _ in d.params]
        fs = [self.expr(a, sc)[0] for a in args]

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

    def _action_named(
        self, d: Any, args: list[Node], sc: Scope, init: bool, depth: int
    ) -> Act | None:
        """An action that calls a definition, a substituted name or an operator
        constant (``Send(p, d, mi, mi')`` with ``Send <- MCSend``), expanded
        where it is called so primes reach its arguments; None for other names."""
        if isinstance(d, OpDef):
            return self._action_call(d, args, sc, sc, init)
        m = d[1] if isinstance(d, tuple) and d[0] == "macro" else d
        if isinstance(m, Macro):
            if not args:
                return self.action(m.node, m.scope, init)
            target = m.node
            while _kind(target) == "PARENTHESES":
                target = target.expression
            if depth < 50 and _kind(target) == "OPERATOR_APPLICATION" and not target.arguments:
                d2 = self.lookup(target.operator, m.scope)
                if isinstance(d2, OpDef):
                    return self._action_call(d2, args, sc, m.scope, init)
                return self._action_named(d2, args, sc, init, depth + 1)
            return None
        if isinstance(d, Const) and isinstance(self.consts.get(d.name), tuple):
            tgt_name = self.consts[d.name][1]
            root = sc.mod.root
            td = root.defs.get(tgt_name)
            if isinstance(td, OpDef):
                return self._action_call(td, args, sc, Scope(root, {}), init)
        return None

    def _action_call(self, d: OpDef, args: list[Node], asc: Scope, dsc: Scope, init: bool) -> Act:
        if len(args) != len(d.params):
            raise _err(d.node, asc, f"operator {d.name} expects {len(d.params)} arguments")
        if d.node.function:
            g, _ = self._call_opdef(d, args, d.node, asc)
            return _guard_act(g, d.node, asc)
        if not d.params and "act" + str(init) in d.cache and d.mod.subst is None:
            return d.cache["act" + str(init)]  # type: ignore[no-any-return]
        sc = self.inline_scope(d, args, asc) if d.params else Scope(d.mod, {})
        act = self.action(d.node.definiens, sc, init)
        if not d.params and d.mod.subst is None:
            d.cache["act" + str(init)] = act
        return act

    def _assign_target(self, lhs: Node, sc: Scope, init: bool) -> int | None:
        if init:
            return self.resolve_var(lhs, sc)
        while _kind(lhs) == "OPERATOR_APPLICATION" and not lhs.arguments:
            # An operator parameter standing for `x'` (`Send(p, d, mi, mi')`).
            d = self.lookup(lhs.operator, sc)
            if isinstance(d, tuple) and d[0] == "macro":
                lhs, sc = d[1].node, d[1].scope
            elif isinstance(d, Macro):
                lhs, sc = d.node, d.scope
            else:
                break
        while _kind(lhs) == "PARENTHESES":
            lhs = lhs.expression
        if _kind(lhs) == "OPERATOR_APPLICATION" and lhs.operator == "'" and lhs.arguments:
            return self.resolve_var(lhs.arguments[0], sc)
        return None

    def _unchanged(self, node: Node, sc: Scope) -> Act:
        idxs = self._var_list(node, sc)
        if idxs is None:
            # Some parts are expressions, not variables (an INSTANCE may substitute
            # `v <- f(w)`): UNCHANGED <<a, e>> is a' = a /\ e' = e, so the
            # variables are assigned first and the expressions compared after.
            var_idxs: list[int] = []
            rest: list[tuple[Node, Scope]] = []
            self._unchanged_parts(node, sc, var_idxs, rest)
            guards = [
                _guard_act(self._core("UNCHANGED", _fake_app("UNCHANGED", n), nsc)[0], n, nsc)
                for n, nsc in rest
            ]
            if not var_idxs:
                return self._conj(guards)
            return self._conj([self._unchanged(_fake_tuple(var_idxs, node), sc), *guards])

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
        self, node: Node, sc: Scope, idxs: list[int], rest: list[tuple[Node, Scope]]
    ) -> None:
        """Split an UNCHANGED tuple into variables and other expressions."""
        kind = _kind(node)
        if kind == "PARENTHESES":
            return self._unchanged_parts(node.expression, sc, idxs, rest)
        if kind == "TUPLE":
            for x in node.items:
                self._unchanged_parts(x, sc, idxs, rest)
            return None
        if isinstance(node, _VarIndexes):
            idxs.extend(node.idxs)
            return None
        idx = self.resolve_var(node, sc)
        if idx is not None:
            idxs.append(idx)
            return None
        if kind == "OPERATOR_APPLICATION" and not node.arguments:
            d = self.lookup(node.operator, sc)
            if isinstance(d, OpDef) and not d.params and not d.node.function:
                return self._unchanged_parts(d.node.definiens, Scope(d.mod, {}), idxs, rest)
            if isinstance(d, tuple) and d[0] == "macro":
                return self._unchanged_parts(d[1].node, d[1].scope, idxs, rest)
            if isinstance(d, Macro):
                return self._unchanged_parts(d.node, d.scope, idxs, rest)
        rest.append((node, sc))
        return None

    def _var_list(self, node: Node, sc: Scope) -> list[int] | None:
        if isinstance(node, _VarIndexes):
            return list(node.idxs)
        kind = _kind(node)
        if kind == "PARENTHESES":
            return self._var_list(node.expression, sc)
        if kind == "TUPLE":
            out: list[int] = []
            for x in node.items:
                sub = self._var_list(x, sc)
                if sub is None:
                    return None
                out.extend(sub)
            return out
        idx = self.resolve_var(node, sc)
        if idx is not None:
            return [idx]
        if kind == "OPERATOR_APPLICATION" and not node.arguments:
            d = self.lookup(node.operator, sc)
            if isinstance(d, OpDef) and not d.params and not d.node.function:
                return self._var_list(d.node.definiens, Scope(d.mod, {}))
            if isinstance(d, tuple) and d[0] == "macro":
                return self._var_list(d[1].node, d[1].scope)
            if isinstance(d, Macro):
                return self._var_list(d.node, d.scope)
        return None

    @staticmethod
    def _conj(acts: list[Act]) -> Act:
        if len(acts) == 1:
            return acts[0]
        # A right fold of two-part conjunctions: the same order of evaluation as
        # stepping through the list, with one closure per part instead of a
        # recursive stepper and a lambda per part at every state.
        a0 = acts[0]
        a1 = Compiler._conj(acts[1:])

        def conj2(c: Ctx, e: dict[str, Any], k: Callable[[], None]) -> None:
            a0(c, e, lambda: a1(c, e, k))

        return conj2

    @staticmethod
    def _disj(acts: list[Act]) -> Act:
        if len(acts) == 1:
            return acts[0]

        def disj(c: Ctx, e: dict[str, Any], k: Callable[[], None]) -> None:
            for a in acts:
                a(c, e, k)

        return disj


class _VarIndexes:
    """Variables already resolved (by index), standing where a tuple of them was."""

    __slots__ = ("idxs", "start")

    def __init__(self, idxs: list[int], start: Any) -> None:
        self.idxs = idxs
        self.start = start


def _fake_tuple(idxs: list[int], node: Node) -> Any:
    return _VarIndexes(idxs, getattr(node, "start", None))


def _select(d: OpDef, path: list[int], node: Node, sc: Scope) -> OpDef:
    """``Op!2!1``: the definition whose body is that part of Op's body (the n-th
    item of a junction list, the n-th argument of an operator)."""
    key = "select" + ".".join(map(str, path))
    if key in d.cache:
        return d.cache[key]  # type: ignore[no-any-return]
    part = d.node.definiens
    for n in path:
        while _kind(part) == "PARENTHESES":
            part = part.expression
        if _kind(part) == "VERTICAL_LIST" and 1 <= n <= len(part.arguments):
            part = part.arguments[n - 1].expression
        elif _kind(part) == "OPERATOR_APPLICATION" and 1 <= n <= len(part.arguments or ()):
            part = part.arguments[n - 1]
        else:
            raise _semantic(node, sc, f"{d.name} has no subexpression !{n}")
    import tla

    fake = tla.make_nodes().OperatorDefinition(
        name=d.name, arity=None, definiens=part, start=part.start
    )
    out = OpDef(d.name, fake, d.mod)
    d.cache[key] = out
    return out


def _std_key(op: str, node: Node) -> str:
    """The name ``op`` is looked up by: unary minus is Integers' ``-.``."""
    if op == "-" and not node.nonfix and node.arguments and len(node.arguments) == 1:
        return "-."
    return op


def _locate(exc: Unsupported, node: Node, sc: Scope) -> None:
    start = getattr(node, "start", None)
    if start is not None and start.line is not None:
        exc.locate(sc.mod.file, start.line + 1, (start.column or 0) + 1)


def _constant(v: Value) -> Expr:
    def const(c: Ctx, e: dict[str, Any]) -> Value:
        return v

    const._value = v  # type: ignore[attr-defined]
    const._const = True  # type: ignore[attr-defined]
    return const


class _Found(Exception):
    pass


class _Const:
    """A value bound in an environment that reads like a thunk."""

    __slots__ = ("v",)

    def __init__(self, v: Value) -> None:
        self.v = v

    def get(self) -> Value:
        return self.v


def _guard_act(g: Expr, node: Node, sc: Scope) -> Act:
    def guard(c: Ctx, e: dict[str, Any], k: Callable[[], None]) -> None:
        v = g(c, e)
        if v is True:
            k()
        elif v is not False:
            raise _err(node, sc, f"action condition is not a Boolean: {format_value(v)}")

    return guard


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

    return assign


def _assign_in(i: int, rhs: Expr, snode: Node, sc: Scope) -> Act:
    def assign_in(c: Ctx, e: dict[str, Any], k: Callable[[], None]) -> None:
        nxt = c.nxt
        old = nxt[i]
        s = rhs(c, e)
        if old is UNSET:
            for v in _set_of(s, snode, sc):
                nxt[i] = v
                k()
            nxt[i] = UNSET
        else:
            try:
                ok = set_contains(s, old)
            except TypeError:
                raise _err(snode, sc, f"not a set: {format_value(s)}") from None
            if ok:
                k()

    return assign_in


def _fake_app(op: str, arg: Node) -> Node:
    import tla

    return tla.make_nodes().OperatorApplication(operator=op, arguments=[arg], start=arg.start)


def _flatten(node: Node, op: str) -> list[Node]:
    if (
        _kind(node) == "OPERATOR_APPLICATION"
        and _op(node) == op
        and not node.nonfix
        and node.arguments
        and len(node.arguments) == 2
    ):
        return _flatten(node.arguments[0], op) + _flatten(node.arguments[1], op)
    if _kind(node) == "PARENTHESES":
        inner = node.expression
        if _kind(inner) == "OPERATOR_APPLICATION" and _op(inner) == op:
            return _flatten(inner, op)
    return [node]


def _show(node: Node) -> str:
    if _kind(node) == "OPERATOR_APPLICATION" and not node.arguments:
        return str(node.operator)
    return "expression"


def _param_names(params: list[tuple[str, int]]) -> dict[str, tuple[Any, ...]]:
    return {p: (("op", ar) if ar else ("val",)) for p, ar in params}


def _closure(
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


def _binder_names(target: Node) -> list[str]:
    if _kind(target) == "TUPLE":
        return [x.operator for x in target.items]
    return [target.operator]


def _binder(target: Node) -> Callable[[dict[str, Any], Value], None]:
    if _kind(target) == "TUPLE":
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


def _lazy_fn(
    doms: list[Value],
    binds: list[tuple[Expr, Callable[[dict[str, Any], Value], None], Node]],
    body: Expr,
    c: Ctx,
    e: dict[str, Any],
) -> LazyFn:
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


# Kinds of values for equality: TLC compares values of one kind only (model
# values compare with anything, unequal to everything but themselves).
_EQ_KIND: dict[type, int] = {
    int: 1,
    bool: 2,
    str: 3,
    tuple: 4,
    Fn: 4,
    LazyFn: 4,
    frozenset: 5,
    LazySet: 5,
}


def _equal(x: Value, y: Value, node: Node, sc: Scope) -> bool:
    """``x = y`` for values of different Python types."""
    kx = _EQ_KIND.get(type(x))
    ky = _EQ_KIND.get(type(y))
    if kx is not None and ky is not None and kx != ky:
        raise _err(
            node,
            sc,
            f"Attempted to check equality of {format_value(x)} with {format_value(y)}",
        )
    try:
        return bool(x == y)
    except OverflowError as exc:  # Nat = {1}: TLC cannot compare it either
        raise _err(node, sc, str(exc)) from None


def _filter_test(
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


def _enumerate(
    binds: list[tuple[Expr, Callable[[dict[str, Any], Value], None], Node]],
    c: Ctx,
    e: dict[str, Any],
    sc: Scope,
) -> Any:
    if len(binds) == 1:
        s, bind, bnode = binds[0]
        for x in _set_of(s(c, e), bnode, sc):
            env = dict(e)
            try:
                bind(env, x)
            except TypeError as exc:
                raise _err(bnode, sc, str(exc)) from None
            yield env
        return

    if all(getattr(b[1], "name", None) is not None for b in binds):
        names = [b[1].name for b in binds]  # type: ignore[attr-defined]
        env = dict(e)
        sets = []
        for s, _, bnode in binds:
            sets.append(_set_of(s(c, env), bnode, sc))
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
        for x in _set_of(s(c, env), bnode, sc):
            env2 = dict(env)
            try:
                bind(env2, x)
            except TypeError as exc:
                raise _err(bnode, sc, str(exc)) from None
            yield from rec(i + 1, env2)

    yield from rec(0, e)


def _enumerate_keys(
    binds: list[tuple[Expr, Callable[[dict[str, Any], Value], None], Node]],
    c: Ctx,
    e: dict[str, Any],
    sc: Scope,
    single: bool,
) -> Any:
    sets = [_set_of(s(c, e), bnode, sc) for s, _, bnode in binds]
    for combo in itertools.product(*sets):
        env = dict(e)
        for (_, bind, bnode), x in zip(binds, combo, strict=True):
            try:
                bind(env, x)
            except TypeError as exc:
                raise _err(bnode, sc, str(exc)) from None
        yield (combo[0] if single else tuple(combo)), env


def _product_set(doms: list[Value]) -> Value:
    return product_set(doms)


def _mentions(node: Any, name: str) -> bool:
    if isinstance(node, str):
        return False
    if isinstance(node, list):
        return any(_mentions(x, name) for x in node)
    if isinstance(node, tuple):
        if hasattr(node, "_fields") and getattr(node, "operator", None) == name:
            return True
        return any(_mentions(x, name) for x in node if not isinstance(x, str))
    return False


def _mentions_at(node: Any) -> bool:
    if isinstance(node, str):
        return node == "@"
    if isinstance(node, (list, tuple)):
        return any(_mentions_at(x) for x in node if x is not None and not isinstance(x, int))
    return False


def _lvl(a: Node, comp: Compiler, sc: Scope) -> int:
    try:
        return comp.expr(a, sc)[1]
    except TlaError:
        return 1


_LAZY_KIND = {"\\cup": "Cup", "\\cap": "Cap", "\\": "Diff"}

_SET_OPS: dict[str, Callable[[frozenset[Value], frozenset[Value]], Value]] = {
    "\\cup": lambda a, b: a | b,
    "\\cap": lambda a, b: a & b,
    "\\": lambda a, b: a - b,
    "\\subseteq": lambda a, b: a <= b,
    "\\subset": lambda a, b: a < b,
    "\\supseteq": lambda a, b: a >= b,
    "\\supset": lambda a, b: a > b,
}

# Operators of the language itself, always visible; every other operator symbol
# (``+``, ``..``, ``\\o``, ``:>``) must come from a module (SANY: "Unknown operator").
_PRIMITIVE = PRIMITIVE
