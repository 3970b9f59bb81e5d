"""Operators of the language itself: Boolean connectives, equality, integers,
sets, sequences' ``\\o`` and the standard modules' infix operators.

Each binary operator has a builder in :data:`_BINARY` that turns its compiled
operands into one closure, specialised where a constant operand allows it.
Primes, UNCHANGED and ENABLED are actions' business (see ``_actions``).
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any

from aura_model.tla._errors import EvalError, Unsupported
from aura_model.tla._modules import OpDef
from aura_model.tla._runtime import UNSET, Ctx, Expr, Value
from aura_model.tla._stdlib import BUILTIN_INFIX, MAX_INT, MIN_INT
from aura_model.tla._values import (
    NEG_ONE_SEEN,
    VALUE_KINDS,
    Fn,
    IncomparableValues,
    LazyFn,
    LazySet,
    check_member,
    check_same_kind,
    check_unequal,
    format_value,
    is_value_set,
    product_set,
    set_contains,
)
from aura_model.tla.compile._context import (
    PY_ERRORS,
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

__all__ = ["INT_OPS", "arith_guard", "compile_core"]


def arith_guard(a: Value, b: Value, op: str) -> None:
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


def overflow(a: int, op: str, b: int) -> OverflowError:
    return OverflowError(f"Overflow when computing {a}{op}{b}")


def _checked(r: int, a: int, op: str, b: int) -> int:
    if MIN_INT <= r <= MAX_INT:
        return r
    raise overflow(a, op, b)


def _pow(a: int, b: int) -> int:
    if b < 0:
        raise ValueError("negative exponent")
    if a == 0 and b == 0:
        raise ValueError("0^0 is undefined.")  # TLC's message
    if b > 32 and a not in (0, 1, -1):
        raise overflow(a, "^", b)  # without computing a huge power first
    result: int = a**b
    return _checked(result, a, "^", b)


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

INT_OPS: dict[str, Callable[[int, int], Value]] = {
    "+": lambda a, b: _checked(a + b, a, "+", b),
    "-": lambda a, b: _checked(a - b, a, "-", b),
    "*": lambda a, b: _checked(a * b, a, "*", b),
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


def _equal(x: Value, y: Value, node: Node, sc: Scope) -> bool:
    """``x = y`` for values of different Python types."""
    kx = VALUE_KINDS.get(type(x))
    ky = VALUE_KINDS.get(type(y))
    if kx is not None and ky is not None and kx != ky:
        raise error_at(
            node,
            sc,
            f"Attempted to check equality of {format_value(x)} with {format_value(y)}",
        )
    try:
        _comparable_fn(x)
        _comparable_fn(y)
        if x == y:
            return True
        check_unequal(x, y)
    except (OverflowError, IncomparableValues) as exc:  # Nat = {1}: TLC cannot compare it either
        raise error_at(node, sc, str(exc)) from None
    return False


def _comparable_fn(f: Value) -> None:
    """TLC lists both functions to compare them; one over Nat it cannot list."""
    if type(f) is LazyFn and isinstance(f.domain, LazySet) and not f.domain.finite():
        raise OverflowError(
            f"Attempted to compute the number of elements in {format_value(f.domain)}"
        )


def _same_type_equal(x: Value, y: Value, node: Node, sc: Scope) -> bool:
    """``x = y`` for values of one Python type: containers that differ may differ
    somewhere inside between values of two kinds, which TLC cannot compare."""
    t = type(x)
    if t is LazyFn:
        try:
            _comparable_fn(x)
            _comparable_fn(y)
        except OverflowError as exc:
            raise error_at(node, sc, str(exc)) from None
    if x == y:
        return True
    if t is tuple or t is Fn or t is frozenset:
        try:
            check_unequal(x, y)
        except IncomparableValues as exc:
            raise error_at(node, sc, str(exc)) from None
    return False


def _action_composition(node: Node, sc: Scope) -> Expr:
    """``A \\cdot B``: TLC (this version) refuses it when it evaluates it, an
    evaluation error (exit 75) once the search reaches it, so the same here."""

    def refuse(c: Ctx, e: dict[str, Any]) -> Value:
        raise error_at(
            node,
            sc,
            "The current version of TLC does not support action composition (\\cdot)",
        )

    return refuse


def compile_core(comp: Compiling, op: str, node: Node, sc: Scope) -> tuple[Expr, int]:
    """A built-in operator applied to its arguments (``node.arguments``)."""
    args = node.arguments
    if op == "\\cdot":
        return _action_composition(node, sc), 2
    if op in ("[]", "<>", "~>", "-+->"):
        raise Unsupported(f"temporal operator {op} inside an expression")
    parts = [comp.expr(a, sc) for a in args]
    fs = [p[0] for p in parts]
    lvl = max([0] + [p[1] for p in parts])
    if len(fs) == 1:
        return _unary(op, fs[0], node, sc), lvl
    if op == "\\X":

        def cross(c: Ctx, e: dict[str, Any]) -> Value:
            sets = [f(c, e) for f in fs]
            for x in sets:
                if not is_value_set(x):
                    set_of(x, node, sc)  # raises its error
            return product_set(sets)

        return guarded(cross, node, sc, "\\X"), lvl
    a, b = fs
    if op in ("\\in", "\\notin") and _is_enumeration(args[1]):
        items = [comp.expr(x, sc)[0] for x in _unparenthesised(args[1]).items]
        return _member_of_enumeration(op, a, items, node, sc), lvl
    if op in ("\\in", "\\notin") and parts[1][1] >= 1:
        lazy = _member_of_filter(comp, op, a, args[1], node=node, sc=sc)
        if lazy is not None:
            return lazy, lvl
    build = _BINARY.get(op)
    if build is not None:
        return build(op, a, b, node, sc), lvl
    if op in BUILTIN_INFIX:
        return _infix(comp, node, sc, BUILTIN_INFIX[op])
    raise Unsupported(f"operator {op}")


def _infix(
    comp: Compiling, node: Node, sc: Scope, fn: Callable[[Value, Value], Value]
) -> tuple[Expr, int]:
    a, la = comp.expr(node.arguments[0], sc)
    b, lb = comp.expr(node.arguments[1], sc)
    return guarded(lambda c, e: fn(a(c, e), b(c, e)), node, sc, op_of(node)), max(la, lb)


def _land(op: str, a: Expr, b: Expr, node: Node, sc: Scope) -> Expr:
    an, bn = node.arguments

    def land(c: Ctx, e: dict[str, Any]) -> Value:
        # ``as_bool`` only on the rare non-Boolean, to raise its error.
        x = a(c, e)
        if x is not True:
            return as_bool(x, an, sc)
        y = b(c, e)
        return y if y is True or y is False else as_bool(y, bn, sc)

    return land


def _lor(op: str, a: Expr, b: Expr, node: Node, sc: Scope) -> Expr:
    an, bn = node.arguments

    def lor(c: Ctx, e: dict[str, Any]) -> Value:
        x = a(c, e)
        if x is not False:
            return as_bool(x, an, sc)
        y = b(c, e)
        return y if y is True or y is False else as_bool(y, bn, sc)

    return lor


def _implies(op: str, a: Expr, b: Expr, node: Node, sc: Scope) -> Expr:
    an, bn = node.arguments
    return lambda c, e: (not as_bool(a(c, e), an, sc)) or as_bool(b(c, e), bn, sc)


def _equiv(op: str, a: Expr, b: Expr, node: Node, sc: Scope) -> Expr:
    an, bn = node.arguments
    return lambda c, e: as_bool(a(c, e), an, sc) == as_bool(b(c, e), bn, sc)


def _eq(op: str, a: Expr, b: Expr, node: Node, sc: Scope) -> Expr:
    # TLC refuses to compare values of different kinds ("Attempted to
    # check equality of string "a" with non-string"); only values of
    # different Python types can be of different kinds.
    same = op == "="
    kb = getattr(b, "_value", UNSET)
    if kb is not UNSET:
        tb = type(kb)

        if tb is int or tb is str or tb is bool:

            def eq_scalar(c: Ctx, e: dict[str, Any]) -> Value:
                x = a(c, e)
                if type(x) is tb:
                    return (x == kb) is same
                return _equal(x, kb, node, sc) is same

            return eq_scalar

        def eq_k(c: Ctx, e: dict[str, Any]) -> Value:
            x = a(c, e)
            if type(x) is tb:
                return _same_type_equal(x, kb, node, sc) is same
            return _equal(x, kb, node, sc) is same

        return eq_k

    def eq(c: Ctx, e: dict[str, Any]) -> Value:
        x = a(c, e)
        y = b(c, e)
        t = type(x)
        if t is type(y):
            if t is int or t is str or t is bool:
                return (x == y) is same
            return _same_type_equal(x, y, node, sc) is same
        return _equal(x, y, node, sc) is same

    return eq


def _range(op: str, a: Expr, b: Expr, node: Node, sc: Scope) -> Expr:
    def rng(c: Ctx, e: dict[str, Any]) -> Value:
        x = a(c, e)
        y = b(c, e)
        if type(x) is not int or type(y) is not int:
            raise error_at(
                node,
                sc,
                "the arguments of .. must be integers, got "
                f"{format_value(x)} and {format_value(y)}",
            )
        if x <= -1 <= y:
            NEG_ONE_SEEN[0] = True
        return frozenset(range(x, y + 1))

    return rng


def _member(op: str, a: Expr, b: Expr, node: Node, sc: Scope) -> Expr:
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
                raise error_at(node, sc, f"{op}: {exc}: {format_value(kset)}") from None

        return member_lazy

    def member(c: Ctx, e: dict[str, Any]) -> Value:
        x = a(c, e)
        s = b(c, e)
        if type(s) is frozenset:
            if x in s:
                tx = type(x)
                if tx is int or tx is bool:
                    # 1 \in {TRUE}: Python's True is 1, TLC cannot compare them.
                    try:
                        check_member(x, s, True)
                    except IncomparableValues as exc:
                        raise error_at(node, sc, f"{op}: {exc}") from None
                return not neg
            if s:
                try:
                    check_member(x, s, False)
                except IncomparableValues as exc:
                    raise error_at(node, sc, f"{op}: {exc}") from None
            return neg
        try:
            return set_contains(s, x) != neg
        except (TypeError, OverflowError) as exc:
            raise error_at(node, sc, f"{op}: {exc}: {format_value(s)}") from None

    return member


# Where the lazy membership test keeps the element it tests (no name has a `#`).
_ELEMENT = "#element"

# Sets whose elements the checker builds only by enumerating all of them.
_ENUMERATED_KINDS = ("SET_OF_FUNCTIONS", "SET_OF_RECORDS")
_ENUMERATED_OPS = ("SUBSET", "Seq", "\\X", "\\times")


def _member_of_filter(
    comp: Compiling, op: str, a: Expr, set_node: Node, *, node: Node, sc: Scope
) -> Expr | None:
    """``x \\in {y \\in S : P}`` (written there or as the body of a definition
    without parameters) with ``S`` a set of subsets, functions, records or
    tuples: ``x \\in S /\\ P`` for ``y = x``, as TLC tests a set filter, instead
    of building the filter (``UV \\in DomainPartitions``, a filter over
    ``SUBSET SUBSET (1..n)``, built again at every state). None for other forms.
    """
    target = _unparenthesised(set_node)
    fsc = sc
    inline = True
    if kind_of(target) == "OPERATOR_APPLICATION" and not target.arguments:
        d = comp.lookup(target.operator, sc)
        if not (
            isinstance(d, OpDef)
            and not d.params
            and not d.node.function
            and not d.recursive
            and d.mod.subst is None
            # One that reads no state is computed once.
            and not comp.pure(d)
        ):
            return None
        target = _unparenthesised(d.node.definiens)
        fsc = Scope(d.mod, {})
        inline = False
    if kind_of(target) != "SET_SLICE":
        return None
    decl = target.declaration
    if kind_of(decl) != "OPERATOR_APPLICATION" or len(decl.arguments or ()) != 2:
        return None
    name_node, base_node = decl.arguments
    if kind_of(name_node) != "OPERATOR_APPLICATION" or name_node.arguments:
        return None
    base = _unparenthesised(base_node)
    if not (
        kind_of(base) in _ENUMERATED_KINDS
        or (kind_of(base) == "OPERATOR_APPLICATION" and op_of(base) in _ENUMERATED_OPS)
    ):
        return None
    binds, inner, _ = comp.bounds([decl], fsc, "set filter")
    s, _, _ = binds[0]
    name = name_node.operator
    p, _ = comp.expr(target.predicate, inner)
    in_base = _member("\\in", lambda c, e: e[_ELEMENT], s, node, sc)
    neg = op == "\\notin"

    def member_filter(c: Ctx, e: dict[str, Any]) -> Value:
        x = a(c, e)
        env = dict(e) if inline else {}
        env[_ELEMENT] = x
        if not in_base(c, env):
            return neg
        env[name] = x
        v = p(c, env)
        if v is True or v is False:
            return v != neg
        raise error_at(target.predicate, fsc, f"expected a Boolean, got {format_value(v)}")

    return member_filter


def _unparenthesised(node: Node) -> Node:
    while kind_of(node) == "PARENTHESES":
        node = node.expression
    return node


def _is_enumeration(node: Node) -> bool:
    return kind_of(_unparenthesised(node)) == "SET_ENUMERATION"


def _member_of_enumeration(op: str, a: Expr, items: list[Expr], node: Node, sc: Scope) -> Expr:
    """``x \\in {a, b, c}``: TLC compares x with a, b, c in that order and stops at
    the first equal one (the set is not sorted first), so ``1 \\in {1, "a"}`` holds
    and ``2 \\in {1, "a"}`` is an error, comparing 2 with "a"."""
    neg = op == "\\notin"

    def member_enum(c: Ctx, e: dict[str, Any]) -> Value:
        x = a(c, e)
        ys = [f(c, e) for f in items]
        t = type(x)
        for y in ys:
            if type(y) is t:
                if t is int or t is str or t is bool:
                    if x == y:
                        return not neg
                elif _same_type_equal(x, y, node, sc):
                    return not neg
            elif _equal(x, y, node, sc):
                return not neg
        return neg

    return member_enum


def _set_op(op: str, a: Expr, b: Expr, node: Node, sc: Scope) -> Expr:
    an, bn = node.arguments
    sop = _SET_OPS[op]

    def setop(c: Ctx, e: dict[str, Any]) -> Value:
        x = a(c, e)
        y = b(c, e)
        if op in _LAZY_KIND and (not is_value_set(x) or not is_value_set(y)):
            # TLC builds \cup, \cap and \ lazily and checks its operands only
            # where the value is used: `(7 \ 1) < 1` fails at `<` (in Naturals,
            # exit 255), `(7 \ 1) = {}` where it is compared.
            bad = LazySet(_LAZY_KIND[op], x, y)
            located = error_at(node, sc, "")
            bad.where = (located.file, located.line, located.col)
            return bad
        if op in _LAZY_KIND and (
            (isinstance(x, LazySet) and not x.finite())
            or (isinstance(y, LazySet) and not y.finite())
        ):
            if not is_value_set(x) or not is_value_set(y):
                raise error_at(node, sc, f"{op} of a non-set")
            return LazySet(_LAZY_KIND[op], x, y)
        if op in ("\\subseteq", "\\subset") and type(x) is frozenset and isinstance(y, LazySet):
            try:
                return all(y.contains(v) for v in x) and (op == "\\subseteq" or x != y)
            except IncomparableValues as exc:
                raise error_at(node, sc, f"{op}: {exc}") from None
        sx = set_of(x, an, sc)
        sy = set_of(y, bn, sc)
        try:
            check_same_kind(sx, sy)
        except IncomparableValues as exc:
            raise error_at(node, sc, f"{op}: {exc}") from None
        return sop(sx, sy)

    return setop


def _concat(op: str, a: Expr, b: Expr, node: Node, sc: Scope) -> Expr:
    def concat(c: Ctx, e: dict[str, Any]) -> Value:
        x = a(c, e)
        y = b(c, e)
        if type(x) is str and type(y) is str:
            return x + y
        if type(x) is not tuple or type(y) is not tuple:
            raise error_at(
                node,
                sc,
                f"\\o expects sequences, got {format_value(x)} and {format_value(y)}",
            )
        return x + y

    return concat


def _arith(op: str, a: Expr, b: Expr, node: Node, sc: Scope) -> Expr:
    fast = _FAST_INT.get(op)
    kb = getattr(b, "_value", UNSET)
    # Comparisons make Booleans; only arithmetic can make a new -1.
    neg = None if op in _COMPARISONS else NEG_ONE_SEEN

    def bad(x: Value, y: Value) -> EvalError:
        err = error_at(
            node,
            sc,
            f"the arguments of {op} must be integers, got {format_value(x)} and {format_value(y)}",
        )
        # TLC checks a comparison's arguments itself; for + - * it fails unforeseen.
        err.tlc_module = neg is None
        return err

    def too_big(x: int, y: int) -> EvalError:
        err = error_at(node, sc, str(overflow(x, op, y)))
        err.tlc_module = True
        return err

    if fast is not None:
        if type(kb) is int:

            def arith_k(c: Ctx, e: dict[str, Any]) -> Value:
                x = a(c, e)
                if type(x) is int:
                    r = fast(x, kb)
                    # One test for the rare cases: comparisons give Booleans.
                    if neg is not None and not 0 <= r <= MAX_INT:
                        if r == -1:
                            neg[0] = True
                        elif r < MIN_INT or r > MAX_INT:
                            raise too_big(x, kb)
                    return r
                raise bad(x, kb)

            return arith_k

        def arith2(c: Ctx, e: dict[str, Any]) -> Value:
            x = a(c, e)
            y = b(c, e)
            if type(x) is int and type(y) is int:
                r = fast(x, y)
                if neg is not None and not 0 <= r <= MAX_INT:
                    if r == -1:
                        neg[0] = True
                    elif r < MIN_INT or r > MAX_INT:
                        raise too_big(x, y)
                return r
            raise bad(x, y)

        return arith2
    iop = INT_OPS[op]
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
        except PY_ERRORS as exc:
            err = error_at(node, sc, str(exc) or op)
            err.tlc_module = True  # \div by 0, % by a non-positive, an overflow
            raise err from None
        if r == -1:
            NEG_ONE_SEEN[0] = True
        return r

    return arith


_BINARY: dict[str, Callable[[str, Expr, Expr, Node, Scope], Expr]] = {
    "/\\": _land,
    "\\/": _lor,
    "=>": _implies,
    "<=>": _equiv,
    "=": _eq,
    "#": _eq,
    **dict.fromkeys(INT_OPS, _arith),
    "..": _range,
    "\\in": _member,
    "\\notin": _member,
    **dict.fromkeys(_SET_OPS, _set_op),
    "\\o": _concat,
}


def _unary(op: str, a: Expr, node: Node, sc: Scope) -> Expr:
    an = node.arguments[0]
    if op == "~":
        return lambda c, e: not as_bool(a(c, e), an, sc)
    if op in ("-", "-."):

        def neg(c: Ctx, e: dict[str, Any]) -> Value:
            x = a(c, e)
            if type(x) is not int:
                raise error_at(node, sc, f"unary minus of a non-integer {format_value(x)}")
            if x == 1:
                NEG_ONE_SEEN[0] = True
            return -x

        return neg
    if op == "SUBSET":

        def powerset(c: Ctx, e: dict[str, Any]) -> Value:
            s = a(c, e)
            if not is_value_set(s):
                raise error_at(node, sc, f"SUBSET of a non-set {format_value(s)}")
            return LazySet("SUBSET", s)

        return powerset
    if op == "UNION":

        def union(c: Ctx, e: dict[str, Any]) -> Value:
            out: set[Value] = set()
            seen: frozenset[Value] = frozenset()
            # `UNION {[D -> Int]}`: an infinite member makes the union a set
            # tested for membership, as TLC does, not enumerated.
            infinite: list[LazySet] = []
            for member in set_of(a(c, e), an, sc):
                if isinstance(member, LazySet) and not member.finite():
                    infinite.append(member)
                    continue
                s = set_of(member, an, sc)
                if s and not seen:
                    seen = s
                try:
                    check_same_kind(seen, s)
                except IncomparableValues as exc:
                    raise error_at(node, sc, f"UNION: {exc}") from None
                out.update(s)
            result: Value = frozenset(out)
            for member in infinite:
                result = LazySet("Cup", result, member)
            return result

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
            raise error_at(node, sc, f"DOMAIN of a non-function {format_value(f)}")

        return domain
    raise Unsupported(f"prefix operator {op}")
