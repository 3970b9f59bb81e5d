"""Names: what an identifier or ``M!Op`` refers to, and compiling a use of it.

A name is a bound name (a value, a LET thunk, an operator argument, a macro
standing for an expression of another scope), a state variable, a constant,
a standard-module operator or a user definition (compiled in ``_operators``).
"""

from __future__ import annotations

from typing import Any

from aura_model.tla._config import PointTable
from aura_model.tla._errors import Unsupported
from aura_model.tla._modules import (
    SYNONYMS,
    Const,
    InstDef,
    Macro,
    OpDef,
    VarRef,
    instantiate,
)
from aura_model.tla._resolve import PRIMITIVE
from aura_model.tla._runtime import UNSET, Ctx, Expr, Value
from aura_model.tla._stdlib import BUILTIN_OPS, Builtin, CoreOp, StdUnsupported
from aura_model.tla._values import format_value
from aura_model.tla.compile._context import (
    PY_ERRORS,
    Compiling,
    Node,
    Scope,
    arg_level,
    error_at,
    failure,
    guarded,
    kind_of,
    op_of,
    semantic_error,
    std_key,
)
from aura_model.tla.compile._core import INT_OPS

__all__ = [
    "call",
    "compile_at",
    "compile_operator_application",
    "compile_subexpression_reference",
    "instance_ref",
    "lookup",
    "resolve_var",
]


def lookup(name: str, sc: Scope) -> Any:
    """What ``name`` means in ``sc``: bound names, then the module's namespace.

    The namespace holds only what SANY makes visible (the module's own
    definitions, EXTENDS, INSTANCE): a standard operator is found only
    when its module was brought in.
    """
    if name in sc.names:
        return sc.names[name]
    return sc.mod.defs.get(SYNONYMS.get(name, name))


def resolve_var(node: Node, sc: Scope) -> int | None:
    """The index of the state variable ``node`` names (through substitutions)."""
    while True:
        kind = kind_of(node)
        if kind == "PARENTHESES":
            node = node.expression
            continue
        if kind != "OPERATOR_APPLICATION" or node.arguments:
            return None
        d = lookup(node.operator, sc)
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


def compile_operator_application(comp: Compiling, node: Node, sc: Scope) -> tuple[Expr, int]:
    op = op_of(node)
    args = node.arguments
    # A user-defined, standard-module or bound name (possibly applied), or a
    # built-in operator of the language itself.
    d = lookup(std_key(op, node), sc)
    if d is None or isinstance(d, CoreOp):
        if d is None and op not in PRIMITIVE:
            raise semantic_error(node, sc, f"unknown name {node.operator}")
        if not args:
            raise error_at(node, sc, f"operator {op} used without its arguments")
        return comp.core(op, node, sc)
    return call(comp, d, list(args or ()), node, dsc=sc, asc=sc)


def compile_subexpression_reference(comp: Compiling, node: Node, sc: Scope) -> tuple[Expr, int]:
    target, tsc, args = instance_ref(node, sc)
    return call(comp, target, args, node, dsc=tsc, asc=sc)


def compile_at(comp: Compiling, node: Node, sc: Scope) -> tuple[Expr, int]:
    """``@`` inside EXCEPT: the old value, bound like any name."""
    d = lookup("@", sc)
    if d is None:
        raise semantic_error(node, sc, "unknown name @")
    return call(comp, d, [], node, dsc=sc, asc=sc)


def instance_ref(node: Node, sc: Scope) -> tuple[Any, Scope, list[Node]]:
    """Resolve ``M!Op(args)`` to (definition, scope of the instance, args)."""
    items = list(node.items)
    if len(items) > 1 and items[-1] == ":":
        items.pop()  # `Name!:` is the whole body of Name (a theorem, an ASSUME)
    cur_sc = sc
    for i, it in enumerate(items[:-1]):
        name = it.operator if kind_of(it) else it
        d = lookup(name, cur_sc)
        if isinstance(d, OpDef):
            rest = items[i + 1 :]
            if d.params or not all(isinstance(x, str) and x.isdigit() for x in rest):
                raise Unsupported(
                    f"the subexpression reference {name}!... (labels and selectors"
                    " other than conjunct/argument numbers)"
                )
            return _select(d, [int(x) for x in rest], node, sc), Scope(d.mod, {}), []
        if not isinstance(d, InstDef):
            raise semantic_error(it if kind_of(it) else node, sc, f"unknown name {name}")
        args = list(it.arguments or ()) if kind_of(it) else []
        if d.params:
            if len(args) != len(d.params):
                raise error_at(it, sc, f"instance {name} expects {len(d.params)} arguments")
            macros = {p: ("macro", Macro(a, sc)) for p, a in zip(d.params, args, strict=True)}
            imod = instantiate(d, Scope(d.mod, dict(macros)))
        else:
            if "mod" not in d.cache:
                d.cache["mod"] = instantiate(d, None)
            imod = d.cache["mod"]
        cur_sc = Scope(imod, {})
    last = items[-1]
    name = last.operator if kind_of(last) else last
    args = list(last.arguments or ()) if kind_of(last) else []
    target = cur_sc.mod.defs.get(name)
    if target is None or (cur_sc is not sc and name in cur_sc.mod.local):
        raise semantic_error(node, sc, f"unknown name {name} in instance")
    return target, cur_sc, args


def _select(d: OpDef, path: list[int], node: Node, sc: Scope) -> OpDef:
    """``Op!2!1``: the definition whose body is that part of Op's body (the n-th
    item of a junction list, the n-th argument of an operator)."""
    key = "select" + ".".join(map(str, path))
    if key in d.cache:
        return d.cache[key]  # type: ignore[no-any-return]
    part = d.node.definiens
    for n in path:
        while kind_of(part) == "PARENTHESES":
            part = part.expression
        if kind_of(part) == "VERTICAL_LIST" and 1 <= n <= len(part.arguments):
            part = part.arguments[n - 1].expression
        elif kind_of(part) == "OPERATOR_APPLICATION" and 1 <= n <= len(part.arguments or ()):
            part = part.arguments[n - 1]
        else:
            raise semantic_error(node, sc, f"{d.name} has no subexpression !{n}")
    import tla

    fake = tla.make_nodes().OperatorDefinition(
        name=d.name, arity=None, definiens=part, start=part.start
    )
    out = OpDef(d.name, fake, d.mod)
    d.cache[key] = out
    return out


def call(
    comp: Compiling, d: Any, args: list[Node], node: Node, *, dsc: Scope, asc: Scope
) -> tuple[Expr, int]:
    """Compile a use of definition ``d`` (found in ``dsc``) with ``args`` read in ``asc``."""
    if isinstance(d, tuple):
        return _call_bound(comp, d, args, node, asc)
    if isinstance(d, VarRef):
        if args:
            raise error_at(node, asc, f"variable {d.name} is not an operator")
        i = d.idx
        vname = d.name
        nsc = asc

        def var(c: Ctx, e: dict[str, Any]) -> Value:
            v = c.cur[i]
            if v is UNSET:
                raise error_at(node, nsc, f"variable {vname} has no value here")
            return v

        # Callers in hot paths (``f[x]``) read the slot themselves, and call
        # ``var`` only for its error when the slot is unset.
        var._var_idx = i  # type: ignore[attr-defined]
        return var, 1
    if isinstance(d, Macro):
        if args:
            return _apply_macro(comp, d, args, node, asc)
        return _macro_value(comp, d)
    if isinstance(d, Const):
        return _const(comp, d, args, node, asc)
    if isinstance(d, StdUnsupported):
        raise Unsupported(f"{d.name} ({d.why})")
    if isinstance(d, CoreOp):
        if args and kind_of(node) == "OPERATOR_APPLICATION" and node.arguments:
            return comp.core(d.op, node, asc)
        raise Unsupported(f"the standard operator {d.op} used as a value")
    if isinstance(d, Builtin):
        return _call_builtin(comp, d, args, node, asc)
    if isinstance(d, OpDef):
        return comp.call_opdef(d, args, node, asc)
    if isinstance(d, InstDef):
        raise Unsupported(f"using instance {d.name} as a value")
    raise error_at(node, asc, f"cannot use {node!r} here")


def _macro_value(comp: Compiling, m: Macro) -> tuple[Expr, int]:
    """A substitution or an argument used as a value, compiled in its own scope
    (once: Compiler.expr keeps it by node and scope)."""
    fn, lvl = comp.expr(m.node, m.scope)
    return fn, max(lvl, 1) if m.scope.names else lvl


def _call_bound(
    comp: Compiling, d: tuple[Any, ...], args: list[Node], node: Node, asc: Scope
) -> tuple[Expr, int]:
    """A name the scope binds: a value, a macro, a LET thunk or an operator argument."""
    kind = d[0]
    if kind == "value":
        v = d[1]
        return (lambda c, e: v), 0
    if kind == "macro":
        m = d[1]
        if args:
            return _apply_macro(comp, m, args, node, asc)
        return _macro_value(comp, m)
    name = node.operator if kind_of(node) else node
    if kind == "val":
        if args:
            raise error_at(node, asc, f"{name} is not an operator")

        def bound(c: Ctx, e: dict[str, Any]) -> Value:
            return e[name]

        bound._env_name = name  # type: ignore[attr-defined]
        return bound, 1
    if kind == "thunk":
        return _apply_value(comp, lambda c, e: e[name].get(), args, node, asc)
    if kind == "op":
        fs = [comp.arg(a, None, asc) for a in args]

        def callop(c: Ctx, e: dict[str, Any]) -> Value:
            return e[name](*[f(c, e) for f in fs])

        return guarded(callop, node, asc, f"applying {name}"), 1
    raise error_at(node, asc, f"cannot use {node!r} here")


def _call_builtin(
    comp: Compiling, d: Builtin, args: list[Node], node: Node, asc: Scope
) -> tuple[Expr, int]:
    if len(args) != d.arity:
        if not args:
            raise error_at(node, asc, f"{d.name} used without its {d.arity} arguments")
        raise error_at(node, asc, f"{d.name} expects {d.arity} arguments")
    parts = [comp.arg(a, 1 if i in d.op_args else None, asc) for i, a in enumerate(args)]
    bf = d.fn
    what = d.name
    blvl = 1 if d.op_args else max([0] + [arg_level(comp, a, asc) for a in args])
    if what == "TLCGet":
        # Its value changes as the search goes (registers, the level): never a constant.
        blvl = max(blvl, 1)
    if what == "Len":
        p0 = parts[0]

        def blen(c: Ctx, e: dict[str, Any]) -> Value:
            x = p0(c, e)
            if type(x) is tuple or type(x) is str:
                return len(x)
            raise error_at(node, asc, f"Len expects a sequence, got {format_value(x)}")

        return blen, blvl
    if len(parts) == 1:
        p0 = parts[0]

        def b1(c: Ctx, e: dict[str, Any]) -> Value:
            x = p0(c, e)
            try:
                return bf(x)
            except PY_ERRORS as exc:
                raise failure(node, asc, what, exc, module=True) from None

        return b1, blvl
    if len(parts) == 2:
        p0, p1 = parts

        def b2(c: Ctx, e: dict[str, Any]) -> Value:
            x = p0(c, e)
            y = p1(c, e)
            try:
                return bf(x, y)
            except PY_ERRORS as exc:
                raise failure(node, asc, what, exc, module=True) from None

        return b2, blvl
    return (
        guarded(lambda c, e: bf(*[f(c, e) for f in parts]), node, asc, what, module=True),
        blvl,
    )


def _apply_macro(
    comp: Compiling, m: Macro, args: list[Node], node: Node, asc: Scope
) -> tuple[Expr, int]:
    """``F(a)`` where ``F`` is an INSTANCE substitution or an operator argument
    (``WITH F <- G``, ``Op(F(_))`` called with ``G`` or a LAMBDA)."""
    target = m.node
    while kind_of(target) == "PARENTHESES":
        target = target.expression
    if kind_of(target) == "OPERATOR_APPLICATION" and not target.arguments:
        d = lookup(target.operator, m.scope)
        if d is not None and not isinstance(d, (VarRef, CoreOp)):
            return call(comp, d, args, node, dsc=m.scope, asc=asc)
        if isinstance(d, CoreOp) and len(args) == 2 and d.op in INT_OPS:
            return comp.core(d.op, node._replace(operator=d.op, nonfix=None), asc)
    if kind_of(target) == "LAMBDA":
        params = [(p.operator, 0) for p in target.parameters]
        if len(params) != len(args):
            raise error_at(node, asc, f"LAMBDA expects {len(params)} arguments")
        names: dict[str, tuple[Any, ...]] = {
            p: ("macro", Macro(a, asc)) for (p, _), a in zip(params, args, strict=True)
        }
        fn, lvl = comp.expr(target.expression, m.scope.bind_all(names))
        return fn, max(lvl, 1)
    fn, _ = comp.expr(m.node, m.scope)
    return _apply_value(comp, fn, args, node, asc)


def _apply_value(
    comp: Compiling, fn: Expr, args: list[Node], node: Node, sc: Scope
) -> tuple[Expr, int]:
    if not args:
        return fn, 1
    fs = [comp.arg(a, None, sc) for a in args]
    return guarded(
        lambda c, e: fn(c, e)(*[f(c, e) for f in fs]), node, sc, "operator application"
    ), 1


def _const(comp: Compiling, d: Const, args: list[Node], node: Node, sc: Scope) -> tuple[Expr, int]:
    if d.name not in comp.consts:
        raise error_at(node, sc, f"constant {d.name} has no value in the configuration")
    v = comp.consts[d.name]
    if isinstance(v, tuple) and len(v) == 2 and v[0] == "subst":
        target = v[1]
        root = sc.mod.root
        tgt = root.defs.get(target) or BUILTIN_OPS.get(target)
        if tgt is None:
            raise error_at(node, sc, f"{d.name} <- {target}: no definition {target}")
        return call(comp, tgt, args, node, dsc=Scope(root, {}), asc=sc)
    if isinstance(v, PointTable):
        return _point_table(comp, v, args, node, sc)
    if args:
        raise error_at(node, sc, f"constant {d.name} is not an operator")
    return (lambda c, e: v), 0


def _point_table(
    comp: Compiling, table: PointTable, args: list[Node], node: Node, sc: Scope
) -> tuple[Expr, int]:
    """A constant operator the configuration gives point by point (``F(0) = 1``)."""
    if len(args) != len(table.points[0][0]):
        raise error_at(node, sc, f"{table.name} takes {len(table.points[0][0])} arguments")
    compiled = [comp.expr(a, sc) for a in args]
    fs = [f for f, _ in compiled]

    def look(*vals: Value) -> Value:
        try:
            return table.lookup(vals)
        except KeyError:
            shown = ", ".join(format_value(x) for x in vals)
            raise ValueError(
                f"the configuration gives {table.name} no value for ({shown})"
            ) from None

    level = max(lvl for _, lvl in compiled)
    return guarded(lambda c, e: look(*[f(c, e) for f in fs]), node, sc, "application"), level
