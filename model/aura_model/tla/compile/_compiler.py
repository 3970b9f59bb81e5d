"""The compiler: its state, and one table from syntax kind to the part that
compiles it.

The parts (names, expressions, quantifiers, core operators, user operators,
actions) are plain functions taking the compiler; they reach each other only
through its methods, so none imports another's rules.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import aura_model.tla.compile._actions as actions
import aura_model.tla.compile._expressions as expressions
import aura_model.tla.compile._names as names
import aura_model.tla.compile._operators as operators
import aura_model.tla.compile._quantifiers as quantifiers
from aura_model.tla._errors import TlaError, Unsupported
from aura_model.tla._modules import OpDef
from aura_model.tla._runtime import UNSET, Act, Ctx, Expr, Value
from aura_model.tla.compile._binders import bounds
from aura_model.tla.compile._context import (
    PY_ERRORS,
    Binds,
    Node,
    Scope,
    constant,
    kind_of,
    locate,
)
from aura_model.tla.compile._core import compile_core
from aura_model.tla.compile._guards import counter, guard_count

__all__ = ["Compiler"]

Rule = Callable[["Compiler", Node, Scope], tuple[Expr, int]]


def own_constant(rule: Rule) -> Rule:
    """A binder expression (set map, filter, function) whose value depends on
    nothing but constants and its own bound names is constant: ``{<<p, "E">> :
    p \\in Faulty}`` inside an action is built once, not for every state and
    every binding around it. Its bound names are state level to the compiler
    (they vary), so the expression is compiled a second time with every name
    bound inside it taken as a constant; level 0 then means constant. It is
    computed on first use (an error in it stays where TLC would meet it)."""

    def compile_rule(comp: Any, node: Node, sc: Scope) -> tuple[Expr, int]:
        fn, lvl = rule(comp, node, sc)
        if lvl == 0 or comp.probing:
            return fn, lvl
        comp.probing = True
        try:
            plvl = rule(comp, node, sc)[1]
        except Exception:  # the probe only decides: any failure means no
            plvl = 1
        finally:
            comp.probing = False
        if plvl != 0:
            return fn, lvl
        fn._lazy = True  # type: ignore[attr-defined]
        return fn, 0

    return compile_rule


# Syntax kind -> the function that compiles an expression of that kind.
_EXPRESSIONS: dict[str, Rule] = {
    "VERTICAL_LIST": expressions.compile_vertical_list,
    "SUBSCRIPTED_ACTION": expressions.compile_subscripted_action,
    "INTEGRAL_NUMERAL": expressions.compile_integral_numeral,
    "STRING_LITERAL": expressions.compile_string_literal,
    "BOOLEAN_LITERAL": expressions.compile_boolean_literal,
    "SET_OF_BOOLEANS": expressions.compile_set_of_booleans,
    "SET_OF_STRINGS": expressions.compile_set_of_strings,
    "TUPLE": expressions.compile_tuple,
    "SET_ENUMERATION": expressions.compile_set_enumeration,
    "RECORD": expressions.compile_record,
    "SET_OF_RECORDS": expressions.compile_set_of_records,
    "SET_OF_FUNCTIONS": expressions.compile_set_of_functions,
    "FIELD": expressions.compile_field,
    "IF": expressions.compile_if,
    "CASES": expressions.compile_cases,
    "LET": expressions.compile_let,
    "FUNCTION_APPLICATION": expressions.compile_function_application,
    "EXCEPT": expressions.compile_except,
    "LAMBDA": operators.compile_lambda,
    "CHOOSE": quantifiers.compile_choose,
    "QUANTIFICATION": quantifiers.compile_quantification,
    "SET_SLICE": own_constant(quantifiers.compile_set_slice),
    "SET_COMPREHENSION": own_constant(quantifiers.compile_set_comprehension),
    "FUNCTION": own_constant(quantifiers.compile_function),
    "SUBEXPRESSION_REFERENCE": names.compile_subexpression_reference,
    "OPERATOR_APPLICATION": names.compile_operator_application,
}


# Compiled expressions a Compiler keeps (see Compiler.expr) before starting again.
_COMPILED_KEPT = 100_000


class Compiler:
    """Compiles definitions of one loaded model; caches per definition."""

    def __init__(self, consts: dict[str, Any]) -> None:
        # Constant name -> value, or ("subst", name) for `<-`.
        self.consts = consts
        self.nvars = 0
        # CHOOSE caches by syntax node (id), shared by the copies inlining makes.
        self.choose_memo: dict[int, tuple[dict[Any, Any], dict[Any, Any], dict[Any, Any]]] = {}
        # Set while a binder expression is compiled again to learn its level
        # with its own bound names taken as constants (see ``own_constant``).
        self.probing = False
        # (id(node), id(scope), probing) -> (node, scope, compiled): an argument is
        # compiled to learn its level, then again to be called, and arguments
        # nest (twice per level of nesting). The node and scope are kept alive
        # with the entry, so their ids are not reused; neither ever changes.
        self._compiled: dict[tuple[int, int, bool], tuple[Node, Scope, tuple[Expr, int]]] = {}

    def expr(self, node: Node, sc: Scope) -> tuple[Expr, int]:
        """Compile an expression: ``(f(ctx, env) -> value, level)``."""
        key = (id(node), id(sc), self.probing)
        hit = self._compiled.get(key)
        if hit is not None and hit[0] is node and hit[1] is sc:
            return hit[2]
        done = self._expr(node, sc)
        if len(self._compiled) >= _COMPILED_KEPT:
            self._compiled.clear()
        self._compiled[key] = (node, sc, done)
        return done

    def _expr(self, node: Node, sc: Scope) -> tuple[Expr, int]:
        try:
            fn, lvl = self._dispatch(node, sc)
        except Unsupported as exc:
            locate(exc, node, sc)
            raise
        except (TypeError, AttributeError, IndexError, KeyError, ValueError) as exc:
            # A syntax tree shape the compiler does not expect: name the
            # construct and where it is, never a traceback.
            what = kind_of(node).lower().replace("_", " ") or repr(node)[:40]
            unsupported = Unsupported(f"this {what} ({type(exc).__name__}: {exc})")
            locate(unsupported, node, sc)
            raise unsupported from None
        if self.probing:
            return fn, lvl  # only the level is wanted: nothing is evaluated
        if lvl == 0 and operators.has_effects(self, node, sc):
            # Print, TLCSet, TLCGet, ...: evaluated in its turn, every time.
            return fn, lvl
        if lvl == 0 and getattr(fn, "_lazy", False):
            return _fold(fn), 0
        if lvl == 0 and getattr(fn, "_value", UNSET) is UNSET:
            # Constant subexpressions are computed once, now if possible; one
            # that fails is left to fail when (and only if) it is evaluated.
            try:
                v = fn(Ctx([], None), {})
            except (TlaError, *PY_ERRORS):
                return _fold(fn), 0
            return constant(v), 0
        return fn, lvl

    def _dispatch(self, node: Node, sc: Scope) -> tuple[Expr, int]:
        kind = kind_of(node)
        while kind == "PARENTHESES":
            node = node.expression
            kind = kind_of(node)
        if kind == "":
            if node == "@":
                return names.compile_at(self, node, sc)
            raise Unsupported(f"syntax {node!r}")
        rule = _EXPRESSIONS.get(kind)
        if rule is None:
            raise Unsupported(f"{kind.lower().replace('_', ' ')} in an expression")
        return rule(self, node, sc)

    def action(self, node: Node, sc: Scope, init: bool = False) -> Act:
        """Compile ``node`` as a generator of next states (Init when ``init``)."""
        try:
            if not init and kind_of(node) != "SUBSCRIPTED_ACTION" and self.expr(node, sc)[1] < 2:
                # A part of an action with no primes only filters: count the ways
                # it holds (every disjunct evaluated, as TLC does) without the
                # continuation machinery.
                return guard_count(counter(self, node, sc))
            return actions.compile_action(self, node, sc, init)
        except Unsupported as exc:
            locate(exc, node, sc)
            raise

    # Names.

    def lookup(self, name: str, sc: Scope) -> Any:
        return names.lookup(name, sc)

    def resolve_var(self, node: Node, sc: Scope) -> int | None:
        return names.resolve_var(node, sc)

    def instance_ref(self, node: Node, sc: Scope) -> tuple[Any, Scope, list[Node]]:
        return names.instance_ref(node, sc)

    def call(
        self, d: Any, args: list[Node], node: Node, dsc: Scope, asc: Scope
    ) -> tuple[Expr, int]:
        return names.call(self, d, args, node, dsc=dsc, asc=asc)

    # Operators of the language, and of the spec.

    def core(self, op: str, node: Node, sc: Scope) -> tuple[Expr, int]:
        special = actions.ACTION_OPERATORS.get(op)
        if special is not None:
            return special(self, node, sc)
        return compile_core(self, op, node, sc)

    def call_opdef(self, d: OpDef, args: list[Node], node: Node, asc: Scope) -> tuple[Expr, int]:
        return operators.call_opdef(self, d, args, node, asc)

    def arg(self, a: Node, arity: int | None, sc: Scope) -> Expr:
        return operators.arg(self, a, arity, sc)

    def inline_scope(self, d: OpDef, args: list[Node], asc: Scope) -> Scope:
        return operators.inline_scope(d, args, asc)

    def inline_body(self, d: OpDef, args: list[Node], asc: Scope) -> tuple[Node, Scope]:
        return operators.inline_body(d, args, asc)

    def pure(self, d: OpDef) -> bool:
        return operators.pure(self, d)

    def level_of(self, d: OpDef) -> int:
        return operators.level_of(self, d)

    def let_scope(
        self, defs: list[Node], sc: Scope
    ) -> tuple[Scope, Callable[[Ctx, dict[str, Any]], dict[str, Any]] | None]:
        return operators.let_scope(self, defs, sc)

    # Bound names and actions.

    def function_def(self, d: Node, sc: Scope) -> tuple[Expr, int]:
        return quantifiers.function_def(self, d, sc)

    def bounds(self, decls: list[Node], sc: Scope, what: str) -> tuple[Binds, Scope, int]:
        return bounds(self, decls, sc, what)

    def prime(self, target: Node, sc: Scope, node: Node) -> tuple[Expr, int]:
        return actions.prime(self, target, sc, node)


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
