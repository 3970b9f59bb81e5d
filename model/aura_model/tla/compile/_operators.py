"""User operators: definitions and their calls, LET, LAMBDA, operator arguments.

A call is compiled one of four ways: a constant operator is evaluated once, a
state-level one once per state, a state-independent one remembers its results
by argument values, and an action-level one (or one with small arguments) is
expanded at the call site so primes reach the argument expressions.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from typing import Any

from aura_model.tla._errors import TlaError, Unsupported
from aura_model.tla._modules import (
    Const,
    InstDef,
    Macro,
    OpDef,
    VarRef,
    instantiate,
    parse_text,
)
from aura_model.tla._runtime import UNSET, Ctx, Expr, Value
from aura_model.tla._stdlib import BUILTIN_OPS, Builtin, CoreOp
from aura_model.tla._syntax import map_fields
from aura_model.tla.compile._binders import closure, param_names
from aura_model.tla.compile._context import (
    Compiling,
    Node,
    Scope,
    Thunk,
    arg_level,
    error_at,
    kind_of,
)
from aura_model.tla.compile._core import INT_OPS, arith_guard

__all__ = [
    "arg",
    "call_opdef",
    "compile_lambda",
    "has_effects",
    "inline_body",
    "inline_scope",
    "instance_reads",
    "let_scope",
    "level_of",
    "pure",
    "reads_no_state",
    "state_function_tree",
]


def let_scope(
    comp: Compiling, defs: list[Node], sc: Scope
) -> tuple[Scope, Callable[[Ctx, dict[str, Any]], dict[str, Any]] | None]:
    """Scope for a LET: zero-arity definitions become thunks, others operator values."""
    names: dict[str, tuple[Any, ...]] = {}
    makers: list[tuple[str, str, Any]] = []
    for d in defs:
        if kind_of(d) == "RECURSIVE_OPERATORS":
            continue
        if kind_of(d) != "OPERATOR_DEFINITION":
            raise Unsupported(f"{kind_of(d).lower()} inside LET")
        if kind_of(d.definiens) == "INSTANCE":
            names[d.name] = ("inst",)
        elif d.function:
            names[d.name] = ("thunk",)
        elif d.arity:
            names[d.name] = ("op", len(d.arity))
        else:
            names[d.name] = ("thunk",)
    # `LET T == INSTANCE M WITH x <- e IN T!Op`: the instance's substitutions
    # are read where the LET stands (they may name its bound variables), so
    # the module is instantiated once, here, against that scope.
    for d in defs:
        if kind_of(d) == "OPERATOR_DEFINITION" and names.get(d.name) == ("inst",):
            if d.arity:
                raise Unsupported("a parameterised INSTANCE inside LET")
            inst = InstDef(d.name, d.definiens, sc.mod, [])
            inst.cache["mod"] = instantiate(inst, sc.bind_all(names))
            names[d.name] = inst  # type: ignore[assignment]
    inner = sc.bind_all(names)
    for d in defs:
        if kind_of(d) != "OPERATOR_DEFINITION" or isinstance(names[d.name], InstDef):
            continue
        if d.function:
            fn, _ = comp.function_def(d, inner)
            makers.append((d.name, "thunk", fn))
        elif d.arity:
            params = [(p.operator, len(p.arguments or ())) for p in d.arity]
            body, _ = comp.expr(d.definiens, inner.bind_all(param_names(params)))
            makers.append((d.name, "op", (params, body)))
        else:
            body, lvl = comp.expr(d.definiens, inner)
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
                env[name] = closure(params, body, c, env)
        return env

    return inner, binders


def compile_lambda(comp: Compiling, node: Node, sc: Scope) -> tuple[Expr, int]:
    params = [(p.operator, 0) for p in node.parameters]
    body, _ = comp.expr(node.expression, sc.bind_all(param_names(params)))
    return (lambda c, e: closure(params, body, c, e)), 1


def arg(comp: Compiling, a: Node, arity: int | None, sc: Scope) -> Expr:
    """Compile an argument; for operator parameters produce a Python callable."""
    if arity is not None or _names_operator(comp, a, sc):
        return _opvalue(comp, a, sc)
    return comp.expr(a, sc)[0]


def _names_operator(comp: Compiling, a: Node, sc: Scope) -> bool:
    if kind_of(a) == "LAMBDA":
        return True
    if kind_of(a) != "OPERATOR_APPLICATION" or a.arguments:
        return False
    d = comp.lookup(a.operator, sc)
    if isinstance(d, OpDef):
        return bool(d.params)
    if isinstance(d, Builtin):
        return d.arity > 0
    if isinstance(d, CoreOp):
        return True
    if isinstance(d, tuple) and d[0] == "macro":
        return _names_operator(comp, d[1].node, d[1].scope)
    if isinstance(d, tuple) and d[0] == "op":
        return True
    return bool(isinstance(d, Const) and d.arity)


def _opvalue(comp: Compiling, a: Node, sc: Scope) -> Expr:
    """An operator argument as a Python callable (``Op(F)`` with ``F(_)``)."""
    if kind_of(a) == "LAMBDA":
        return compile_lambda(comp, a, sc)[0]
    if kind_of(a) == "OPERATOR_APPLICATION" and not a.arguments:
        d = comp.lookup(a.operator, sc)
        if isinstance(d, tuple) and d[0] == "op":
            name = a.operator
            return lambda c, e: e[name]
        if isinstance(d, Builtin):
            bf = d.fn
            return lambda c, e: bf
        if isinstance(d, CoreOp) and d.op in INT_OPS:
            iop = INT_OPS[d.op]
            sym = d.op

            def int_op(x: Value, y: Value) -> Value:
                arith_guard(x, y, sym)
                return iop(x, y)

            return lambda c, e: int_op
        if isinstance(d, tuple) and d[0] == "macro":
            m = d[1]
            return _opvalue(comp, m.node, m.scope)
        if isinstance(d, OpDef) and d.params:
            params = d.params
            body = _body(comp, d)
            return lambda c, e: closure(params, body, c, {})
        if isinstance(d, Const) and d.arity:
            v = comp.consts.get(d.name)
            if isinstance(v, tuple) and v[0] == "subst":
                ref = a._replace(operator=v[1])
                return _opvalue(comp, ref, Scope(sc.mod.root, {}))
        if (d is None or isinstance(d, CoreOp)) and _INFIX.match(a.operator):
            # A built-in infix operator passed by name (`ReduceSet(\intersect,
            # S, acc)`): the same as `LAMBDA x, y : x \intersect y` here.
            return compile_lambda(comp, _infix_lambda(a.operator), sc)[0]
    if kind_of(a) in ("OPERATOR_APPLICATION", "PARENTHESES", "SUBEXPRESSION_REFERENCE"):
        raise Unsupported("this operator argument form")
    raise error_at(a, sc, "expected an operator argument")


_INFIX = re.compile(r"^(\\[a-z]+|[^A-Za-z0-9_\s]+)$")
_INFIX_LAMBDAS: dict[str, Node] = {}


def _infix_lambda(op: str) -> Node:
    if op not in _INFIX_LAMBDAS:
        text = f"---- MODULE InfixArg ----\nL == LAMBDA x__, y__ : x__ {op} y__\n===="
        _INFIX_LAMBDAS[op] = parse_text(text, f"<operator {op}>").units[0].definiens
    return _INFIX_LAMBDAS[op]


def _body(comp: Compiling, d: OpDef) -> Expr:
    """The compiled body of an operator, in the scope of its parameters."""
    if "body" in d.cache:
        return d.cache["body"]  # type: ignore[no-any-return]
    if "compiling" in d.cache:
        # A recursive reference: resolve the body when first called.
        def late(c: Ctx, e: dict[str, Any]) -> Value:
            return d.cache["body"](c, e)

        return late
    d.cache["compiling"] = True
    sc = Scope(d.mod, param_names(d.params))
    node = d.node
    try:
        if node.function:
            body, lvl = comp.function_def(node, sc)
        else:
            body, lvl = comp.expr(node.definiens, sc)
    finally:
        d.cache.pop("compiling", None)
    if d.recursive or "recursed" in d.cache:
        lvl = max(lvl, 1)
    d.cache["body"] = body
    d.cache["level"] = lvl
    return body


def level_of(comp: Compiling, d: OpDef) -> int:
    if "level" not in d.cache:
        if "compiling" in d.cache:
            d.cache["recursed"] = True
            return 1
        _body(comp, d)
    return int(d.cache.get("level", 1))


def call_opdef(
    comp: Compiling, d: OpDef, args: list[Node], node: Node, asc: Scope
) -> tuple[Expr, int]:
    if len(args) != len(d.params):
        if not args and d.params:
            raise error_at(node, asc, f"operator {d.name} needs {len(d.params)} arguments")
        raise error_at(node, asc, f"operator {d.name} expects {len(d.params)} arguments")
    body = _body(comp, d)
    lvl = level_of(comp, d)
    macro_mod = d.mod.subst is not None and any(m.scope.names for m in d.mod.subst.values())
    if macro_mod and lvl == 1:
        remembered = _instance_memo_call(comp, d, args, node, asc)
        if remembered is not None:
            return remembered
    if lvl == 2 or macro_mod:
        # Action-level operators (and those of a parameterised instance) are
        # expanded at the call site, so primes reach the argument expressions.
        return _inline(comp, d, args, asc)
    if not d.params:
        # Level 1 can come from bound names alone (`HostOf[p \\in P] == CHOOSE
        # n \\in N : p \\in m`): a definition that reads no state is computed
        # once, as TLC does, not once per state. The level it reports is kept.
        once = lvl == 1 and not d.recursive and "recursed" not in d.cache and pure(comp, d)
        return _call_nullary(d, body, 0 if once else lvl, node, asc), lvl
    if not d.node.function and all(ar == 0 for _, ar in d.params) and pure(comp, d):
        return _memo_call(comp, d, body, args, node=node, asc=asc), max(
            [1] + [arg_level(comp, a, asc) for a in args]
        )
    if (
        not d.recursive
        and not d.node.function
        and "compiling" not in d.cache
        and "recursed" not in d.cache
        and all(ar == 0 for _, ar in d.params)
        and all(_simple(comp, a, asc) for a in args)
    ):
        # Small arguments (names, literals) are substituted into the body,
        # which saves building an environment at every call.
        return _inline(comp, d, args, asc)
    names = [p[0] for p in d.params]
    fs = [arg(comp, a, ar if ar else None, asc) for a, (_, ar) in zip(args, d.params, strict=True)]
    alvl = max([1] + [arg_level(comp, a, asc) for a in args])
    dname = d.name
    if len(fs) == 1:
        n0 = names[0]
        f0 = fs[0]

        def call1(c: Ctx, e: dict[str, Any]) -> Value:
            try:
                return body(c, {n0: f0(c, e)})
            except RecursionError:
                raise error_at(node, asc, f"{dname}: recursion too deep") from None

        return call1, max(alvl, lvl)
    pairs = list(zip(names, fs, strict=True))

    def call(c: Ctx, e: dict[str, Any]) -> Value:
        try:
            return body(c, {n: f(c, e) for n, f in pairs})
        except RecursionError:
            raise error_at(node, asc, f"{dname}: recursion too deep") from None

    return call, max(alvl, lvl)


def _call_nullary(d: OpDef, body: Expr, lvl: int, node: Node, asc: Scope) -> Expr:
    """A definition without parameters: computed once if constant, once per state
    if it reads the state."""
    if lvl == 0:
        box: list[Any] = [UNSET]
        dname = d.name

        def cached(c: Ctx, e: dict[str, Any]) -> Value:
            v = box[0]
            if v is UNSET:
                try:
                    v = box[0] = body(c, {})
                except RecursionError:
                    raise error_at(node, asc, f"{dname}: recursion too deep") from None
            return v

        cached._const = True  # type: ignore[attr-defined]
        return cached
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

        return per_state
    return lambda c, e: body(c, {})


def _simple(comp: Compiling, a: Node, sc: Scope) -> bool:
    k = kind_of(a)
    if k in ("INTEGRAL_NUMERAL", "STRING_LITERAL", "BOOLEAN_LITERAL"):
        return True
    if k != "OPERATOR_APPLICATION" or a.arguments:
        return False
    d = comp.lookup(a.operator, sc)
    if isinstance(d, (VarRef, Const)):
        return not (isinstance(d, Const) and d.arity)
    if isinstance(d, tuple):
        if d[0] == "val":
            return True
        if d[0] == "macro":
            return _simple(comp, d[1].node, d[1].scope)
    return False


# Standard operators whose result is not a function of their arguments: TLC
# registers, randomness, the clock, output. An operator using one is never
# memoised.
_IMPURE_BUILTINS = frozenset(("Print", "PrintT", "TLCGet", "TLCSet", "RandomElement", "JavaTime"))


def has_effects(comp: Compiling, node: Any, sc: Scope) -> bool:
    """Whether evaluating ``node`` may print, read or write TLC's registers, draw at
    random or read the clock (directly or through the definitions, substitutions and
    instances it reaches). Such an expression is never computed ahead of its turn:
    `IF x > 100 THEN TLCSet(1, 99) ELSE TRUE` must not set the register at all."""
    refs: list[OpDef] = []
    if _effects_here(comp, node, sc, refs, set()):
        return True
    seen: set[int] = set()
    while refs:
        d = refs.pop()
        if id(d) in seen:
            continue
        seen.add(id(d))
        local = d.cache.get("effects")
        if local is None:
            own: list[OpDef] = []
            here = _effects_here(comp, d.node.definiens, Scope(d.mod, {}), own, set())
            local = d.cache["effects"] = (here, own)
        if local[0]:
            return True
        refs.extend(local[1])
    return False


def _effects_here(
    comp: Compiling, node: Any, sc: Scope, refs: list[OpDef], walked: set[tuple[int, int]]
) -> bool:
    """:func:`has_effects` for ``node`` itself; the definitions it names go to ``refs``."""
    if node is None or isinstance(node, (str, int, bool)):
        return False
    if isinstance(node, (list, tuple)) and not hasattr(node, "_fields"):
        return any(_effects_here(comp, x, sc, refs, walked) for x in node)
    if not hasattr(node, "_fields"):
        return False
    kind = kind_of(node)
    if kind == "SUBEXPRESSION_REFERENCE":
        try:
            target, tsc, _ = comp.instance_ref(node, sc)
        except TlaError:
            return True  # not looked into: assume the worst
        if isinstance(target, OpDef):
            refs.append(target)
            return _effects_here(comp, target.node.definiens, tsc, refs, walked)
    if kind == "OPERATOR_APPLICATION":
        op = getattr(node, "operator", "")
        d = comp.lookup(op, sc) if isinstance(op, str) else None
        if isinstance(d, Builtin) and d.name in _IMPURE_BUILTINS:
            return True
        macro = d[1] if isinstance(d, tuple) and d and d[0] == "macro" else d
        if isinstance(macro, Macro):
            key = (id(macro.node), id(macro.scope))
            if key not in walked:
                walked.add(key)
                if _effects_here(comp, macro.node, macro.scope, refs, walked):
                    return True
        elif isinstance(d, OpDef):
            refs.append(d)
    return any(
        _effects_here(comp, getattr(node, f), sc, refs, walked)
        for f in node._fields
        if f not in ("symbol", "start", "end")
    )


def reads_no_state(comp: Compiling, d: OpDef) -> bool:
    """``d`` and every definition it reaches read no variable, prime or ENABLED (and
    reach no instance or substitution, not looked into): a definition of constant
    level in TLC's sense, whatever it prints (unlike :func:`pure`)."""
    seen: set[int] = set()
    todo = [d]
    while todo:
        cur = todo.pop()
        if id(cur) in seen:
            continue
        seen.add(id(cur))
        if cur.mod.subst is not None:
            return False
        sc = Scope(cur.mod, {})
        if not _tree_of(comp, cur.node.definiens, sc, todo, False, effects_ok=True):
            return False
    return True


def pure(comp: Compiling, d: OpDef) -> bool:
    """True when ``d`` reads no state (so its value depends on its arguments only).

    ``d`` is pure when no definition it reaches (itself, the definitions its
    body names, theirs, ...) reads a variable, a prime, ENABLED, an instance
    or a stateful standard operator. Reachability, not a recursive walk that
    assumes a definition under examination to be pure: with mutual recursion
    that assumption would outlive the walk which later finds it wrong.
    """
    cached = d.cache.get("pure")
    if cached is not None:
        return bool(cached)
    seen: set[int] = set()
    todo = [d]
    ok = True
    while todo:
        cur = todo.pop()
        if id(cur) in seen:
            continue
        seen.add(id(cur))
        known = cur.cache.get("pure")
        if known is True:
            continue  # everything it reaches is pure
        if known is False:
            ok = False
            break
        local_ok, refs = _local_purity(comp, cur)
        if not local_ok:
            cur.cache["pure"] = False
            ok = False
            break
        todo.extend(refs)
    d.cache["pure"] = ok
    return ok


def _local_purity(comp: Compiling, d: OpDef) -> tuple[bool, list[OpDef]]:
    """Whether ``d``'s own body reads no state, and the definitions it names."""
    info = d.cache.get("local_purity")
    if info is None:
        if d.mod.subst is not None:
            info = (False, [])
        else:
            refs: list[OpDef] = []
            info = (_pure_tree(comp, d.node.definiens, Scope(d.mod, {}), refs), refs)
        d.cache["local_purity"] = info
    return info


def _pure_tree(comp: Compiling, node: Any, sc: Scope, refs: list[OpDef]) -> bool:
    """False when ``node`` itself reads state; the definitions it names go to ``refs``."""
    return _tree_of(comp, node, sc, refs, False)


def state_function_tree(comp: Compiling, node: Any, sc: Scope, refs: list[OpDef]) -> bool:
    """False when ``node`` itself may give two answers for one state (TLC's registers,
    randomness, the clock, output, an instance or macro not looked into); reading the
    state is allowed. The definitions it names go to ``refs``."""
    return _tree_of(comp, node, sc, refs, True)


def _tree_of(
    comp: Compiling,
    node: Any,
    sc: Scope,
    refs: list[OpDef],
    reads_state: bool,
    *,
    through: _Through | None = None,
    effects_ok: bool = False,
) -> bool:
    """The walk behind :func:`_pure_tree` (``reads_state`` False: no state read
    at all) and :func:`state_function_tree` (True); with ``effects_ok`` the
    operators of :data:`_IMPURE_BUILTINS` are no refusal (:func:`reads_no_state`).

    With ``through``, an INSTANCE substitution or a name the scope binds is not
    a refusal: substitutions go to ``through.macros`` (to be walked in their own
    scope), bound values to ``through.env`` (what the expression reads from the
    environment); a LET thunk or operator argument still refuses.
    """
    if node is None or isinstance(node, (str, int, bool)):
        return True
    if isinstance(node, list):
        return all(
            _tree_of(comp, x, sc, refs, reads_state, through=through, effects_ok=effects_ok)
            for x in node
        )
    if not isinstance(node, tuple):
        return True
    if not hasattr(node, "_fields"):
        # A plain tuple holds syntax too: a record's ``(field, expression)``.
        return all(
            _tree_of(comp, x, sc, refs, reads_state, through=through, effects_ok=effects_ok)
            for x in node
        )
    kind = kind_of(node)
    if kind in ("SUBEXPRESSION_REFERENCE", "INSTANCE"):
        return False
    if kind == "OPERATOR_APPLICATION":
        op: str = getattr(node, "operator", "")
        if op in _IMPURE_BUILTINS and not effects_ok:
            return False
        if not reads_state and op in ("'", "UNCHANGED", "ENABLED"):
            return False
        b = sc.names.get(op) if through is not None else None
        if b is not None:
            if b[0] == "macro":
                through.macros.append(b[1])  # type: ignore[union-attr]
            elif b[0] == "val":
                through.env.add(op)  # type: ignore[union-attr]
            elif b[0] != "value":
                return False
            d = None
        else:
            d = sc.mod.defs.get(op)
        if isinstance(d, Const):
            d = _const_target(comp, d, sc)
        if through is not None and isinstance(d, tuple) and d[0] == "macro":
            d = d[1]
        if through is not None and isinstance(d, Macro):
            through.macros.append(d)
        elif isinstance(d, (Macro, InstDef)) or (not reads_state and isinstance(d, VarRef)):
            return False
        if isinstance(d, tuple) and d[0] == "macro":
            return False
        if isinstance(d, Builtin) and d.name in _IMPURE_BUILTINS and not effects_ok:
            return False
        if isinstance(d, OpDef):
            refs.append(d)
    return all(
        _tree_of(
            comp, getattr(node, f), sc, refs, reads_state, through=through, effects_ok=effects_ok
        )
        for f in node._fields
        if f not in ("symbol", "start", "end")
    )


class _Through:
    """What a walk looking through INSTANCE substitutions collects."""

    __slots__ = ("env", "macros")

    def __init__(self) -> None:
        self.macros: list[Macro] = []
        self.env: set[str] = set()


def instance_reads(comp: Compiling, d: OpDef, reads_state: bool = False) -> tuple[str, ...] | None:
    """The bound names a definition of a parameterised instance reads from the
    environment (through the instance's substitutions), when nothing it reaches
    reads state (with ``reads_state``: when it is a function of the state);
    None when something does, or when the names cannot be told.

    Then ``d``'s value is a function of its arguments and of those names' values,
    and ``d``'s body may run with them alone in its environment: a name the body
    (or a definition it reaches) binds itself would shadow one of them, so such a
    clash is None too.
    """
    key = "instance_reads_state" if reads_state else "instance_reads"
    if key in d.cache:
        return d.cache[key]  # type: ignore[no-any-return]
    through = _Through()
    seen: set[int] = set()
    bound: set[str] = set()
    todo: list[OpDef] = [d]
    ok = True
    while ok and (todo or through.macros):
        if todo:
            cur = todo.pop()
            if id(cur) in seen:
                continue
            seen.add(id(cur))
            home = Scope(cur.mod, {})
            ok = _tree_of(comp, cur.node, home, todo, reads_state, through=through)
            bound |= {n for n in _body_identifiers(cur.node) if lookup_name(n, home) is None}
        else:
            m = through.macros.pop()
            if id(m) in seen:
                continue
            seen.add(id(m))
            ok = _tree_of(comp, m.node, m.scope, todo, reads_state, through=through)
    out = tuple(sorted(through.env)) if ok and not (through.env & bound) else None
    d.cache[key] = out
    return out


def _const_target(comp: Compiling, d: Const, sc: Scope) -> Any:
    """What a constant stands for: a definition when the configuration says
    ``C <- Def``, else the constant (a value, hence pure)."""
    v = comp.consts.get(d.name)
    if isinstance(v, tuple) and len(v) == 2 and v[0] == "subst":
        return sc.mod.root.defs.get(v[1]) or BUILTIN_OPS.get(v[1])
    return d


_PROBE = 4096
_FEW = 16


def _memo_call(
    comp: Compiling, d: OpDef, body: Expr, args: list[Node], *, node: Node, asc: Scope
) -> Expr:
    """Call a state-independent operator, remembering results by argument values."""
    memo: dict[Any, Any] = d.cache.setdefault("memo", {})
    names = [p for p, _ in d.params]
    fs = [comp.expr(a, asc)[0] for a in args]
    dname = d.name
    # [hits, misses] at this call site; None once remembering is given up.
    # A call that seldom repeats its arguments (`\A x \in 0..MaxNat :
    # Even(x + x)`) pays for a key and a table entry on every call and gets
    # nothing back: after _PROBE misses with under one hit in _FEW, the
    # site calls the body directly. Recursive definitions always remember
    # (their own calls repeat, and may be exponentially many without it).
    tally: list[int] | None = None if d.recursive or "recursed" in d.cache else [0, 0]
    if len(fs) == 1:
        f0 = fs[0]
        n0 = names[0]

        def memo1(c: Ctx, e: dict[str, Any]) -> Value:
            nonlocal tally
            x = f0(c, e)
            if tally is None or tally[1] < _PROBE:
                # TRUE and 1 are equal Python keys; keep them apart.
                k = (x, True) if x.__class__ is bool else x
                try:
                    v = memo[k]
                except KeyError:
                    pass
                else:
                    if tally is not None:
                        tally[0] += 1
                    return v
                try:
                    v = body(c, {n0: x})
                except RecursionError:
                    raise error_at(node, asc, f"{dname}: recursion too deep") from None
                if len(memo) > 100_000:
                    memo.clear()
                memo[k] = v
                if tally is not None:
                    tally[1] += 1
                    if tally[1] == _PROBE and tally[0] * _FEW >= _PROBE:
                        tally = None  # worth it: remember from now on
                return v
            try:
                return body(c, {n0: x})
            except RecursionError:
                raise error_at(node, asc, f"{dname}: recursion too deep") from None

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
                raise error_at(node, asc, f"{dname}: recursion too deep") from None
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
            raise error_at(node, asc, f"{dname}: recursion too deep") from None
        if len(memo) > 100_000:
            memo.clear()
        memo[key] = v
        return v

    return memon


def _instance_memo_call(
    comp: Compiling, d: OpDef, args: list[Node], node: Node, asc: Scope
) -> tuple[Expr, int] | None:
    """A definition of a parameterised instance (``P(Succ)!Reachable``) that
    reads no state: called with its arguments' values and the values of the
    bound names its substitutions read, its results remembered by those values.

    Expanding it at every call, as for action-level definitions, recomputes an
    expensive body (a reachability relation) at every use. None when it does
    read state, or its arguments are action-level (then it is expanded).
    """
    if d.node.function or any(ar for _, ar in d.params):
        return None
    levels = [arg_level(comp, a, asc) for a in args]
    if any(lv > 1 for lv in levels):
        return None
    reads = instance_reads(comp, d)
    if reads is None:
        if not d.recursive:
            return None
        # A recursive definition cannot be expanded at its calls (the
        # expansion would not end): called with the names it reads, unremembered.
        reads = instance_reads(comp, d, reads_state=True)
        if reads is None:
            return None
        return _instance_call(comp, d, reads, args, node=node, asc=asc), max([1, *levels])
    body = _body(comp, d)
    memo: dict[Any, Any] = d.cache.setdefault("instance_memo", {})
    names = [p for p, _ in d.params]
    fs = [comp.expr(a, asc)[0] for a in args]
    dname = d.name
    fallback: list[Expr] = []

    def expanded(c: Ctx, e: dict[str, Any]) -> Value:
        # The caller's environment lacks a name the substitutions read (only
        # where constant folding evaluates a call with none): expand it there.
        if not fallback:
            fallback.append(_inline(comp, d, args, asc)[0])
        return fallback[0](c, e)

    # As in _memo_call: a site whose calls seldom repeat stops remembering.
    tally: list[int] | None = None if d.recursive or "recursed" in d.cache else [0, 0]

    def remembered(c: Ctx, e: dict[str, Any]) -> Value:
        nonlocal tally
        try:
            outer = [e[n] for n in reads]
        except KeyError:
            return expanded(c, e)
        vals = [f(c, e) for f in fs]
        env = dict(zip(reads, outer, strict=True))
        env.update(zip(names, vals, strict=True))
        if tally is not None and tally[1] >= _PROBE:
            try:
                return body(c, env)
            except RecursionError:
                raise error_at(node, asc, f"{dname}: recursion too deep") from None
        key = (
            *outer,
            *vals,
            *[v.__class__ is bool for v in outer],
            *[v.__class__ is bool for v in vals],
        )
        try:
            v = memo[key]
        except KeyError:
            pass
        else:
            if tally is not None:
                tally[0] += 1
            return v
        try:
            v = body(c, env)
        except RecursionError:
            raise error_at(node, asc, f"{dname}: recursion too deep") from None
        if len(memo) > 100_000:
            memo.clear()
        memo[key] = v
        if tally is not None:
            tally[1] += 1
            if tally[1] == _PROBE and tally[0] * _FEW >= _PROBE:
                tally = None
        return v

    return remembered, max([1, *levels])


def _instance_call(
    comp: Compiling, d: OpDef, reads: tuple[str, ...], args: list[Node], *, node: Node, asc: Scope
) -> Expr:
    """Call ``d`` with its arguments' values and the values of the bound names
    ``reads`` (those its instance's substitutions read), remembering its results
    while the state stays the same (it is a function of the state)."""
    body = _body(comp, d)
    names = [p for p, _ in d.params]
    fs = [comp.expr(a, asc)[0] for a in args]
    dname = d.name
    # [state the results are for, results]; shared by every call site.
    held: list[Any] = d.cache.setdefault("per_state_memo", [None, {}])

    def call(c: Ctx, e: dict[str, Any]) -> Value:
        outer = [e[n] for n in reads]
        vals = [f(c, e) for f in fs]
        cur = c.cur
        # States are tuples; a list is a state still being assigned, never kept.
        keep = cur.__class__ is tuple
        if keep:
            if held[0] is not cur:
                held[0] = cur
                held[1] = {}
            key = (
                *outer,
                *vals,
                *[v.__class__ is bool for v in outer],
                *[v.__class__ is bool for v in vals],
            )
            memo = held[1]
            try:
                return memo[key]
            except KeyError:
                pass
        env = dict(zip(reads, outer, strict=True))
        env.update(zip(names, vals, strict=True))
        try:
            v = body(c, env)
        except RecursionError:
            raise error_at(node, asc, f"{dname}: recursion too deep") from None
        if keep:
            memo[key] = v
        return v

    return call


def _inline(comp: Compiling, d: OpDef, args: list[Node], asc: Scope) -> tuple[Expr, int]:
    if d.node.function:
        return comp.function_def(d.node, inline_scope(d, args, asc))
    body, sc = inline_body(d, args, asc)
    return comp.expr(body, sc)


def inline_scope(d: OpDef, args: list[Node], asc: Scope) -> Scope:
    """The scope of ``d``'s body with its parameters standing for ``args``."""
    names: dict[str, tuple[Any, ...]] = {}
    for (p, _), a in zip(d.params, args, strict=True):
        names[p] = ("macro", Macro(a, asc))
    return Scope(d.mod, names)


def inline_body(d: OpDef, args: list[Node], asc: Scope) -> tuple[Node, Scope]:
    """``d``'s body, expanded where it is called, and the scope to compile it in.

    Bound names live in one environment keyed by name, so an argument that
    reads the caller's ``n`` would see the body's own ``n`` once the body
    binds one (``R(S \\cup Succ[n])`` with ``R(T) == {n \\in N : ...}``).
    Such body names are renamed, in a copy of the body, to names no source
    can spell; SANY forbids shadowing, so every use of them in the body is
    bound there.
    """
    sc = inline_scope(d, args, asc)
    body = d.node.definiens
    outer: set[str] = set()
    for a in args:
        _env_names(a, asc, outer, 0)
    if d.mod.subst:
        for m in d.mod.subst.values():
            outer |= _macro_env_names(m, 0)
    if not outer:
        return body, sc
    home = Scope(d.mod, {})
    clash = {
        n
        for n in _body_identifiers(body) & outer
        if n not in sc.names and lookup_name(n, home) is None
    }
    if not clash:
        return body, sc
    fresh = {n: f"{n}#{next(_FRESH)}" for n in clash}
    return _rename(body, fresh), sc


_FRESH = itertools.count(1)


def lookup_name(name: str, sc: Scope) -> Any:
    if name in sc.names:
        return sc.names[name]
    return sc.mod.defs.get(name)


def _env_names(node: Any, sc: Scope, out: set[str], depth: int) -> None:
    """The names ``node`` reads from the environment (bound in ``sc``)."""
    if depth > 50 or node is None or isinstance(node, (str, int, bool)):
        return
    if isinstance(node, list) or (isinstance(node, tuple) and not hasattr(node, "_fields")):
        for x in node:
            _env_names(x, sc, out, depth)
        return
    if not hasattr(node, "_fields"):
        return
    if kind_of(node) == "OPERATOR_APPLICATION" and isinstance(node.operator, str):
        b = sc.names.get(node.operator)
        if b is None:
            b = sc.mod.defs.get(node.operator)
        if isinstance(b, tuple) and b and b[0] == "macro":
            out |= _macro_env_names(b[1], depth + 1)
        elif isinstance(b, Macro):
            out |= _macro_env_names(b, depth + 1)
        elif isinstance(b, tuple) and b and b[0] != "value":
            out.add(node.operator)
    for f in node._fields:
        if f not in ("symbol", "start", "end"):
            _env_names(getattr(node, f), sc, out, depth)


def _macro_env_names(m: Macro, depth: int) -> frozenset[str]:
    """:func:`_env_names` of a substitution or argument, worked out once (kept on it)."""
    names = m.env_names
    if names is None:
        out: set[str] = set()
        _env_names(m.node, m.scope, out, depth)
        names = m.env_names = frozenset(out)
    return names


# id(body) -> (body, its identifiers): an operator's body is walked at each call
# inlined; the syntax tree is never changed, and kept alive with its entry.
_BODY_IDENTIFIERS: dict[int, tuple[Any, frozenset[str]]] = {}


def _body_identifiers(body: Any) -> frozenset[str]:
    hit = _BODY_IDENTIFIERS.get(id(body))
    if hit is not None and hit[0] is body:
        return hit[1]
    names = frozenset(_identifiers(body, set()))
    if len(_BODY_IDENTIFIERS) >= 20_000:
        _BODY_IDENTIFIERS.clear()
    _BODY_IDENTIFIERS[id(body)] = (body, names)
    return names


def _identifiers(node: Any, out: set[str]) -> set[str]:
    if node is None or isinstance(node, (str, int, bool)):
        return out
    if isinstance(node, list) or (isinstance(node, tuple) and not hasattr(node, "_fields")):
        for x in node:
            _identifiers(x, out)
        return out
    if not hasattr(node, "_fields"):
        return out
    k = kind_of(node)
    if k == "OPERATOR_APPLICATION" and isinstance(node.operator, str):
        out.add(node.operator)
    elif k == "OPERATOR_DEFINITION" and isinstance(node.name, str):
        out.add(node.name)
    for f in node._fields:
        if f not in ("symbol", "start", "end"):
            _identifiers(getattr(node, f), out)
    return out


def _rename(node: Any, fresh: dict[str, str]) -> Any:
    """A copy of ``node`` with the identifiers in ``fresh`` renamed (record
    fields are strings, not identifiers, and stay)."""
    if node is None or isinstance(node, (str, int, bool)):
        return node
    if isinstance(node, list):
        return [_rename(x, fresh) for x in node]
    if isinstance(node, tuple) and not hasattr(node, "_fields"):
        return tuple(_rename(x, fresh) for x in node)
    if not hasattr(node, "_fields"):
        return node
    changes: dict[str, Any] = {}
    k = kind_of(node)
    if k == "OPERATOR_APPLICATION" and node.operator in fresh:
        changes["operator"] = fresh[node.operator]
    elif k == "OPERATOR_DEFINITION" and node.name in fresh:
        changes["name"] = fresh[node.name]
    return map_fields(node, lambda x: _rename(x, fresh), **changes)
