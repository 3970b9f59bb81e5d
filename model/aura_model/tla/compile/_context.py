"""What every part of the compiler shares: LET thunks, the Compiling interface, errors.

Expressions compile to ``f(ctx, env) -> value`` and actions to ``a(ctx, env, k)``
(see ``aura_model.tla._runtime``). :class:`Compiling` is the interface the
parts call each other through: they import shared helpers (this module,
``_binders``, the operator tables of ``_core``), never each other's rules.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from aura_model.tla._errors import (
    EvalError,
    TlaError,
    TlaParseError,
    TlcAssertionError,
    Unsupported,
)
from aura_model.tla._modules import SYNONYMS, OpDef, Scope
from aura_model.tla._runtime import UNSET, Act, Ctx, Expr, Value
from aura_model.tla._values import IllFormedSet, LazySet, format_value

__all__ = [
    "PY_ERRORS",
    "Binds",
    "BoundValue",
    "Compiling",
    "Node",
    "Scope",
    "Thunk",
    "arg_level",
    "as_bool",
    "constant",
    "describe",
    "error_at",
    "failure",
    "flatten",
    "guarded",
    "kind_of",
    "locate",
    "op_of",
    "semantic_error",
    "set_of",
    "show",
    "std_key",
]

Node = Any
Binds = list[tuple[Expr, Callable[[dict[str, Any], Value], None], Node]]

PY_ERRORS = (
    TypeError,
    ValueError,
    KeyError,
    IndexError,
    AttributeError,
    OverflowError,
    ZeroDivisionError,
    RecursionError,
)


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


class BoundValue:
    """A value bound in an environment that reads like a thunk."""

    __slots__ = ("v",)

    def __init__(self, v: Value) -> None:
        self.v = v

    def get(self) -> Value:
        return self.v


class Compiling(Protocol):
    """The compiler as its parts see it: state, and the entry points of each part."""

    # Constant name -> value, or ("subst", name) for `<-`.
    consts: dict[str, Any]
    nvars: int
    # CHOOSE caches by syntax node (id), shared by the copies inlining makes.
    choose_memo: dict[int, tuple[dict[Any, Any], dict[Any, Any], dict[Any, Any]]]

    def expr(self, node: Node, sc: Scope) -> tuple[Expr, int]: ...

    def action(self, node: Node, sc: Scope, init: bool = False) -> Act: ...

    def lookup(self, name: str, sc: Scope) -> Any: ...

    def resolve_var(self, node: Node, sc: Scope) -> int | None: ...

    def instance_ref(self, node: Node, sc: Scope) -> tuple[Any, Scope, list[Node]]: ...

    def call(
        self, d: Any, args: list[Node], node: Node, dsc: Scope, asc: Scope
    ) -> tuple[Expr, int]: ...

    def core(self, op: str, node: Node, sc: Scope) -> tuple[Expr, int]: ...

    def call_opdef(
        self, d: OpDef, args: list[Node], node: Node, asc: Scope
    ) -> tuple[Expr, int]: ...

    def arg(self, a: Node, arity: int | None, sc: Scope) -> Expr: ...

    def inline_scope(self, d: OpDef, args: list[Node], asc: Scope) -> Scope: ...

    def inline_body(self, d: OpDef, args: list[Node], asc: Scope) -> tuple[Node, Scope]: ...

    def pure(self, d: OpDef) -> bool: ...

    def let_scope(
        self, defs: list[Node], sc: Scope
    ) -> tuple[Scope, Callable[[Ctx, dict[str, Any]], dict[str, Any]] | None]: ...

    def function_def(self, d: Node, sc: Scope) -> tuple[Expr, int]: ...

    def bounds(self, decls: list[Node], sc: Scope, what: str) -> tuple[Binds, Scope, int]: ...

    def prime(self, target: Node, sc: Scope, node: Node) -> tuple[Expr, int]: ...


def kind_of(node: Node) -> str:
    """The syntax kind of a tree node (``""`` for a bare string such as ``@``)."""
    sym = getattr(node, "symbol", None)
    # The member's own attribute: Enum's ``name`` is a descriptor call, and the
    # compiler asks this of every node it walks.
    return sym._name_ if sym is not None else ""


def op_of(node: Node) -> str:
    """The operator an application names, synonyms read as one."""
    o: str = node.operator
    return SYNONYMS.get(o, o)


def std_key(op: str, node: Node) -> str:
    """The name ``op`` is looked up by: unary minus is Integers' ``-.``."""
    if op == "-" and not node.nonfix and node.arguments and len(node.arguments) == 1:
        return "-."
    return op


def flatten(node: Node, op: str) -> list[Node]:
    """The operands of a chain of binary ``/\\`` (or ``\\/``), left to right."""
    if (
        kind_of(node) == "OPERATOR_APPLICATION"
        and op_of(node) == op
        and not node.nonfix
        and node.arguments
        and len(node.arguments) == 2
    ):
        return flatten(node.arguments[0], op) + flatten(node.arguments[1], op)
    if kind_of(node) == "PARENTHESES":
        inner = node.expression
        if kind_of(inner) == "OPERATOR_APPLICATION" and op_of(inner) == op:
            return flatten(inner, op)
    return [node]


def show(node: Node) -> str:
    if kind_of(node) == "OPERATOR_APPLICATION" and not node.arguments:
        return str(node.operator)
    return "expression"


def error_at(node: Node, sc: Scope, msg: str) -> EvalError:
    start = getattr(node, "start", None)
    line = start.line + 1 if start is not None and start.line is not None else None
    col = start.column + 1 if start is not None and start.column is not None else None
    return EvalError(msg, sc.mod.file if sc is not None else None, line, col)


def semantic_error(node: Node, sc: Scope, msg: str) -> TlaParseError:
    """A name error found while compiling: SANY would reject the module (exit 150)."""
    e = error_at(node, sc, msg)
    return TlaParseError(str(e))


def locate(exc: Unsupported, node: Node, sc: Scope) -> None:
    start = getattr(node, "start", None)
    if start is not None and start.line is not None:
        exc.locate(sc.mod.file, start.line + 1, (start.column or 0) + 1)


def failure(
    node: Node, sc: Scope, what: str, exc: BaseException, *, module: bool = False
) -> EvalError:
    """The EvalError at ``node`` for a Python error ``exc`` raised while computing ``what``
    (``module``: by a standard module's operator, see ``EvalError.tlc_module``)."""
    err = error_at(node, sc, describe(what, exc))
    err.assertion = isinstance(exc, TlcAssertionError)
    err.tlc_module = module and not isinstance(exc, (RecursionError, IllFormedSet))
    return err


def describe(what: str, exc: BaseException) -> str:
    if isinstance(exc, RecursionError):
        return f"{what}: recursion too deep"
    if isinstance(exc, KeyError):
        return f"{what}: {format_value(exc.args[0]) if exc.args else ''} is not in the domain"
    text = str(exc)
    return f"{what}: {text}" if text else what


def guarded(fn: Expr, node: Node, sc: Scope, what: str, *, module: bool = False) -> Expr:
    """Turn Python errors raised by ``fn`` into an EvalError at ``node``."""

    def g(c: Ctx, e: dict[str, Any]) -> Value:
        try:
            return fn(c, e)
        except PY_ERRORS as exc:
            raise failure(node, sc, what, exc, module=module) from None

    return g


def as_bool(v: Value, node: Node, sc: Scope) -> bool:
    if v is True or v is False:
        return v
    raise error_at(node, sc, f"expected a Boolean, got {format_value(v)}")


def set_of(v: Value, node: Node, sc: Scope) -> frozenset[Value]:
    if type(v) is frozenset:
        return v
    if isinstance(v, LazySet):
        try:
            return v.elements()
        except OverflowError as exc:
            raise error_at(node, sc, str(exc)) from None
    raise error_at(node, sc, f"expected a set, got {format_value(v)}")


def arg_level(comp: Compiling, a: Node, sc: Scope) -> int:
    """The level of an argument; one that fails to compile counts as state-level."""
    try:
        return comp.expr(a, sc)[1]
    except TlaError:
        return 1


def constant(v: Value) -> Expr:
    """An expression whose value is known at compile time (``_value`` holds it)."""

    def const(c: Ctx, e: dict[str, Any]) -> Value:
        return v

    const._value = v  # type: ignore[attr-defined]
    const._const = True  # type: ignore[attr-defined]
    return const
