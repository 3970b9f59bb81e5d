"""Temporal properties and fairness conditions, from syntax trees to formulas.

A property is negated by the search, so it is built here as it reads; its
state and action predicates are compiled by the expression compiler and kept
as the formula's atoms.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from aura_model.tla._errors import (
    EvalError,
    TautologyError,
    TemporalFormError,
    TlaError,
    TlaParseError,
    Unsupported,
)
from aura_model.tla._modules import Macro, OpDef, Scope, declarations_as_name_bounds
from aura_model.tla._runtime import Ctx, Expr
from aura_model.tla._syntax import map_fields
from aura_model.tla._values import set_elements, sort_key
from aura_model.tla.compile import Compiler, kind_of, op_of
from aura_model.tla.liveness._formulas import (
    FALSE,
    TRUE,
    Atom,
    Fairness,
    Formula,
    LiveCheck,
    State,
    always,
    angle_enabled,
    conj,
    disj,
    eventually,
    is_angle_step,
    neg,
)

__all__ = ["compile_fairness", "compile_live", "is_temporal", "refuse_mixed_levels"]

Node = Any


class _Builder:
    """Syntax tree -> formula, collecting the atoms."""

    def __init__(self, comp: Compiler) -> None:
        self.comp = comp
        self.atoms: list[Atom] = []
        # TLC's tautology check: a conjunct that is the constant TRUE (a
        # quantifier over the empty set) outside every temporal operator and
        # disjunction.
        self.tautology = False
        self._inside = 0  # temporal operators around the node being built
        self._or = 0  # disjunctions around it (outside temporal operators)
        self._flip = False  # under an odd number of negations

    def atom(
        self,
        action: bool,
        test: Callable[..., bool],
        fair: tuple[Fairness, dict[str, Any]] | None = None,
    ) -> Formula:
        self.atoms.append(Atom(action, test, fair))
        return ("atom", len(self.atoms) - 1, True)

    def predicate(
        self, node: Node, sc: Scope, env: dict[str, Any], act_ok: bool = False
    ) -> Formula:
        fn, lvl = self.comp.expr(node, sc)
        if lvl >= 3:
            raise Unsupported("this temporal formula inside an expression")
        where = _where(node, sc)
        if lvl == 2:
            if not act_ok:
                raise TemporalFormError(f"{where}: {_ACTIONS_ONLY}")

            def act(s: State, t: State) -> bool:
                return _truth(fn(Ctx(s, list(t)), env), where)

            return self.atom(True, act)

        def state(s: State) -> bool:
            return _truth(fn(Ctx(s, None), env), where)

        return self.atom(False, state)

    def step(self, action: Node, sub: Node, sc: Scope, env: dict[str, Any], angle: bool) -> Formula:
        """``<<A>>_v`` (angle) or ``[A]_v`` as an action atom."""
        a, _ = self.comp.expr(action, sc)
        v, _ = self.comp.expr(sub, sc)
        where = _where(action, sc)

        def test(s: State, t: State) -> bool:
            changed = v(Ctx(s, None), env) != v(Ctx(t, None), env)
            if angle and not changed:
                return False
            if not angle and not changed:
                return True
            return _truth(a(Ctx(s, list(t)), env), where)

        return self.atom(True, test)

    def fairness(self, node: Node, sc: Scope, env: dict[str, Any]) -> Formula:
        f = Fairness(
            node.operator.startswith("SF"),
            self.comp.action(node.action, sc),
            self.comp.expr(node.action, sc)[0],
            self.comp.expr(node.subscript, sc)[0],
        )
        enabled = self.atom(False, lambda s: angle_enabled(f, env, s), (f, env))
        taken = self.atom(True, lambda s, t: is_angle_step(f, env, s, t))
        # WF: []<>~EN \/ []<><<A>>_v;  SF: <>[]~EN \/ []<><<A>>_v.
        disabled = neg(enabled)
        hyp = always(eventually(disabled)) if not f.strong else eventually(always(disabled))
        return disj([hyp, always(eventually(taken))])

    def level(self, node: Node, sc: Scope) -> int | None:
        """SANY's level of ``node``: 1 state, 2 action, 3 temporal (None: unknown)."""
        while kind_of(node) == "PARENTHESES":
            node = node.expression
        if kind_of(node) == "SUBSCRIPTED_ACTION":
            return 2
        if kind_of(node) == "OPERATOR_APPLICATION" and not node.arguments:
            # A name for <<A>>_v is an action, not a temporal formula.
            d = self.comp.lookup(node.operator, sc)
            if isinstance(d, OpDef) and not d.params and not d.node.function:
                return self.level(d.node.definiens, Scope(d.mod, {}))
        if is_temporal(node, self.comp, sc):
            return 3
        try:
            return self.comp.expr(node, sc)[1]
        except TlaError:
            return None

    def over_action(self, node: Node, op: str, arg: Node, sc: Scope) -> Node:
        """The argument of ``[]``/``<>``; SANY's semantic error if it is an
        action other than ``[A]_v`` (under ``[]``) or ``<<A>>_v`` (under ``<>``)."""
        while kind_of(arg) == "PARENTHESES":
            arg = arg.expression
        if kind_of(arg) == "SUBSCRIPTED_ACTION":
            if (arg.operator == "[") == (op == "[]"):
                return arg
        elif self.level(arg, sc) != 2:
            return arg
        form = "[A]_v" if op == "[]" else "<<A>>_v"
        raise TlaParseError(f"{_where(node, sc)}: {op} followed by action not of form {form}.")

    def mixed(self, node: Node, name: str, args: Sequence[Node], sc: Scope) -> None:
        """SANY's semantic error for a Boolean operator joining a temporal
        formula and an action."""
        levels = {self.level(a, sc) for a in args}
        if 2 in levels and 3 in levels:
            raise TlaParseError(
                f"{_where(node, sc)}: {name} has both temporal formula and action as arguments."
            )

    def build(
        self, node: Node, sc: Scope, env: dict[str, Any], depth: int = 0, act_ok: bool = False
    ) -> Formula:
        return self._build(node, sc, env, depth, act_ok)

    def _top(self) -> bool:
        """Outside every temporal operator, disjunction and negation: where a
        constant is a conjunct of the property itself."""
        return self._inside == 0 and self._or == 0 and not self._flip

    def temporal(
        self, node: Node, sc: Scope, env: dict[str, Any], depth: int, act_ok: bool = False
    ) -> Formula:
        r"""The operand of a temporal operator; a constant (``[](\A v \in {} : P)``)
        kept as a formula of its own, as TLC keeps it, not folded away."""
        self._inside += 1
        try:
            f = self.build(node, sc, env, depth, act_ok)
        finally:
            self._inside -= 1
        if f in (TRUE, FALSE):
            value = f == TRUE
            return self.atom(False, lambda s: value)
        return f

    def disjunct(
        self, node: Node, sc: Scope, env: dict[str, Any], depth: int, act_ok: bool = False
    ) -> Formula:
        self._or += 1
        try:
            return self.build(node, sc, env, depth, act_ok)
        finally:
            self._or -= 1

    def negated(self, node: Node, sc: Scope, env: dict[str, Any], depth: int) -> Formula:
        self._flip = not self._flip
        try:
            return neg(self.build(node, sc, env, depth))
        finally:
            self._flip = not self._flip

    def _build(
        self, node: Node, sc: Scope, env: dict[str, Any], depth: int = 0, act_ok: bool = False
    ) -> Formula:
        if depth > 200:
            raise Unsupported("a temporal formula nested too deeply")
        d1 = depth + 1
        k = kind_of(node)
        if k == "PARENTHESES":
            return self.build(node.expression, sc, env, d1, act_ok)
        if k == "SUBSCRIPTED_ACTION":
            if not act_ok:
                raise TemporalFormError(f"{_where(node, sc)}: {_ACTIONS_ONLY}")
            return self.step(node.action, node.subscript, sc, env, node.operator != "[")
        if not is_temporal(node, self.comp, sc):
            return self.predicate(node, sc, env, act_ok)
        if k == "FAIRNESS":
            return self.fairness(node, sc, env)
        if k == "VERTICAL_LIST":
            self.mixed(
                node,
                "\\land" if node.operator == "/\\" else "\\lor",
                [it.expression for it in node.arguments],
                sc,
            )
            part = self.build if node.operator == "/\\" else self.disjunct
            parts = [part(it.expression, sc, env, d1, act_ok) for it in node.arguments]
            return conj(parts) if node.operator == "/\\" else disj(parts)
        if k == "QUANTIFICATION":
            envs, inner = _bindings(node, self.comp, sc, env)
            if not envs and node.quantifier == "\\A" and self._top():
                self.tautology = True
            part = self.build if node.quantifier == "\\A" else self.disjunct
            parts = [part(node.predicate, inner, e, d1, act_ok) for e in envs]
            return conj(parts) if node.quantifier == "\\A" else disj(parts)
        if k == "IF":
            c = self.predicate(node.predicate, sc, env)
            return disj(
                [
                    conj([c, self.build(node.then, sc, env, d1)]),
                    conj([neg(c), self.build(node.else_, sc, env, d1)]),
                ]
            )
        if k == "LET":
            node = _expand_let_operators(node)
            if kind_of(node) != "LET":
                return self.build(node, sc, env, d1, act_ok)
            return self.build(node.expression, _let_scope(node, sc), env, d1, act_ok)
        if k == "SUBEXPRESSION_REFERENCE":
            target, tsc, args = self.comp.instance_ref(node, sc)
            if isinstance(target, OpDef) and not target.node.function:
                if args:
                    tsc = self.comp.inline_scope(target, args, sc)
                return self.build(target.node.definiens, tsc, env, d1)
            raise Unsupported("this instance reference in a temporal formula")
        if k == "OPERATOR_APPLICATION":
            op = op_of(node)
            args = list(node.arguments or ())
            if op in ("[]", "<>") and len(args) == 1:
                a = self.over_action(node, op, args[0], sc)
                wrap = always if op == "[]" else eventually
                other = "<>" if op == "[]" else "[]"
                if kind_of(a) == "OPERATOR_APPLICATION" and op_of(a) == other and a.arguments:
                    # []<><<A>>_v and <>[][A]_v: the only places TLC allows an
                    # action (SANY allows no other action under [] or <>).
                    inner = self.over_action(a, other, a.arguments[0], sc)
                    body = self.temporal(inner, sc, env, d1, True)
                    return wrap(eventually(body) if op == "[]" else always(body))
                return wrap(self.temporal(a, sc, env, d1))
            if op == "~>" and len(args) == 2:
                if 2 in (self.level(args[0], sc), self.level(args[1], sc)):
                    raise TlaParseError(
                        f"{_where(node, sc)}: Action used where only temporal formula"
                        " or state predicate allowed."
                    )
                p = self.temporal(args[0], sc, env, d1)
                q = self.temporal(args[1], sc, env, d1)
                return always(disj([neg(p), eventually(q)]))
            if op in _SANY_NAME and len(args) == 2:
                self.mixed(node, _SANY_NAME[op], args, sc)
            if op in ("/\\", "\\land") and len(args) == 2:
                return conj([self.build(a, sc, env, d1, act_ok) for a in args])
            if op in ("\\/", "\\lor") and len(args) == 2:
                return disj([self.disjunct(a, sc, env, d1, act_ok) for a in args])
            if op in ("~", "\\lnot", "\\neg") and len(args) == 1:
                f = self.negated(args[0], sc, env, d1)
                if f in (TRUE, FALSE) and self._inside == 0:
                    # TLC: the negation of a constant (~\E v \in {} : P) is
                    # refused as if it held an action.
                    raise TemporalFormError(f"{_where(node, sc)}: {_ACTIONS_ONLY}")
                return f
            if op == "=>" and len(args) == 2:
                return disj(
                    [self.negated(args[0], sc, env, d1), self.disjunct(args[1], sc, env, d1)]
                )
            if op in ("<=>", "\\equiv") and len(args) == 2:
                p = self.build(args[0], sc, env, d1)
                q = self.build(args[1], sc, env, d1)
                return disj([conj([p, q]), conj([neg(p), neg(q)])])
            d = self.comp.lookup(node.operator, sc)
            if isinstance(d, tuple) and d[0] == "macro" and not args:
                m = d[1]
                return self.build(m.node, m.scope, env, d1, act_ok)
            if isinstance(d, OpDef) and not d.node.function:
                if len(args) != len(d.params):
                    raise Unsupported(f"{node.operator} applied to {len(args)} arguments")
                dsc = self.comp.inline_scope(d, args, sc) if args else Scope(d.mod, {})
                return self.build(d.node.definiens, dsc, env, d1)
            raise Unsupported(f"the operator {op} in a temporal formula")
        raise Unsupported(f"this temporal formula ({k.lower()})")


def _expand_let_operators(node: Node) -> Node:
    """The LET with its definitions that take parameters expanded where they
    are applied (in the body and in the other definitions), as TLC expands
    them in a temporal formula; the LET itself if it has none. SANY forbids
    binding a name again, so an argument put in place of a parameter cannot be
    captured by the definition's own bound names."""
    table: dict[str, tuple[list[str], Node]] = {}
    rest: list[Node] = []
    for d in node.definitions:
        if kind_of(d) == "OPERATOR_DEFINITION" and d.arity and not d.function:
            params = []
            for p in d.arity:
                if p.arguments:
                    raise Unsupported(
                        "an operator parameter of a LET definition in a temporal formula"
                    )
                params.append(p.operator)
            table[d.name] = (params, _substitute(d.definiens, table))
        else:
            rest.append(d)
    if not table:
        return node
    body = _substitute(node.expression, table)
    rest = [
        d._replace(definiens=_substitute(d.definiens, table))
        if kind_of(d) == "OPERATOR_DEFINITION"
        else d
        for d in rest
    ]
    return node._replace(definitions=rest, expression=body) if rest else body


def _substitute(tree: Any, table: dict[str, tuple[list[str], Node]]) -> Any:
    """``tree`` with each application ``F(a, b)`` of a ``table`` operator
    replaced by its body, the parameters replaced by the arguments."""
    if not table or tree is None or isinstance(tree, (str, int, bool)):
        return tree
    if isinstance(tree, list):
        return [_substitute(x, table) for x in tree]
    if isinstance(tree, tuple) and not hasattr(tree, "_fields"):
        return tuple(_substitute(x, table) for x in tree)
    if not hasattr(tree, "_fields"):
        return tree
    if kind_of(tree) == "OPERATOR_APPLICATION" and tree.operator in table:
        params, body = table[tree.operator]
        args = list(tree.arguments or ())
        if len(args) == len(params):
            given = [_substitute(a, table) for a in args]
            return _put(body, dict(zip(params, given, strict=True)))
    return map_fields(tree, lambda x: _substitute(x, table))


def _put(tree: Any, args: dict[str, Node]) -> Any:
    """``tree`` with the parameter names in ``args`` replaced by their arguments."""
    if tree is None or isinstance(tree, (str, int, bool)):
        return tree
    if isinstance(tree, list):
        return [_put(x, args) for x in tree]
    if isinstance(tree, tuple) and not hasattr(tree, "_fields"):
        return tuple(_put(x, args) for x in tree)
    if not hasattr(tree, "_fields"):
        return tree
    if kind_of(tree) == "OPERATOR_APPLICATION" and tree.operator in args and not tree.arguments:
        return args[tree.operator]
    return map_fields(tree, lambda x: _put(x, args))


def _let_scope(node: Node, sc: Scope) -> Scope:
    """The scope of a LET's body in a temporal formula: each definition is
    expanded where it is used (it may be temporal itself, or read the state)."""
    names: dict[str, tuple[Any, ...]] = {}
    for d in node.definitions:
        if kind_of(d) != "OPERATOR_DEFINITION" or d.arity or d.function:
            raise Unsupported("a LET definition with parameters in a temporal formula")
        if kind_of(d.definiens) == "INSTANCE":
            raise Unsupported("an INSTANCE inside LET in a temporal formula")
        names[d.name] = ("macro", Macro(d.definiens, sc))
    inner = sc.bind_all(names)
    for v in names.values():
        v[1].scope = inner  # the definitions see each other
    return inner


_ACTIONS_ONLY = "Temporal formulas containing actions must be of forms <>[]A or []<>A."
# SANY's names of the Boolean operators in its level errors.
_SANY_NAME = {
    "/\\": "\\land",
    "\\land": "\\land",
    "\\/": "\\lor",
    "\\lor": "\\lor",
    "=>": "=>",
    "<=>": "\\equiv",
    "\\equiv": "\\equiv",
}


def _where(node: Node, sc: Scope) -> str:
    try:
        return f"{sc.mod.file}:{node.start.line + 1}:{node.start.column + 1}"
    except AttributeError:
        return str(sc.mod.file)


def _truth(v: Any, where: str) -> bool:
    if v is True or v is False:
        return v
    raise EvalError(f"{where}: a predicate of a temporal formula is not a Boolean")


def is_temporal(
    tree: Any, comp: Compiler, sc: Scope, depth: int = 0, seen: set[Any] | None = None
) -> bool:
    """Whether ``tree`` mentions a temporal operator (looking into definitions).

    Each definition is looked into once per question (``seen``): a recursive
    operator with several recursive calls would otherwise be walked once per path
    through its calls, exponentially many (``F(n) == ... F(n-1) + F(n-1) ...``
    under an invariant never got to the first state). Once looked into, a
    definition found temporal has answered the question already (``any`` stops).
    """
    node: Any = tree
    if depth > 40 or isinstance(node, str) or node is None:
        return False
    if seen is None:
        seen = set()
    if isinstance(node, list):
        return any(is_temporal(x, comp, sc, depth, seen) for x in node)
    if not isinstance(node, tuple) or not hasattr(node, "_fields"):
        return False
    k = kind_of(node)
    if k in ("FAIRNESS", "SUBSCRIPTED_ACTION", "TEMPORAL_QUANTIFICATION"):
        return True
    if k == "OPERATOR_APPLICATION":
        app: Any = node
        if app.operator in ("[]", "<>", "~>", "-+->"):
            return True
        if app.operator == "ENABLED":
            # ENABLED <<A>>_v reads one state: its subscripted action is no step.
            return False
        d = comp.lookup(app.operator, sc)
        if isinstance(d, tuple) and d[0] == "macro" and isinstance(d[1], Macro):
            key = (id(d[1].node), id(d[1].scope))
            if key in seen:
                return False
            seen.add(key)
            return is_temporal(d[1].node, comp, d[1].scope, depth + 1, seen)
        if isinstance(d, OpDef) and not d.node.function and id(d) not in seen:
            seen.add(id(d))
            if is_temporal(d.node.definiens, comp, Scope(d.mod, {}), depth + 1, seen):
                return True
    if k == "SUBEXPRESSION_REFERENCE":
        try:
            target, tsc, _ = comp.instance_ref(node, sc)
        except TlaError:
            return False
        if isinstance(target, OpDef) and not target.node.function:
            return is_temporal(target.node.definiens, comp, tsc, depth + 1, seen)
        return False
    return any(
        is_temporal(getattr(node, f), comp, sc, depth, seen)
        for f in node._fields
        if f not in ("symbol", "start", "end")
    )


def _bindings(
    node: Node, comp: Compiler, sc: Scope, env: dict[str, Any]
) -> tuple[list[dict[str, Any]], Scope]:
    """The environments of ``\\A x \\in S`` / ``\\E x \\in S`` (bounded only)."""
    names: dict[str, tuple[Any, ...]] = {}
    binds: list[tuple[list[str], Expr]] = []
    for target, bound in declarations_as_name_bounds(node.declarations):
        if bound is None:
            raise Unsupported("an unbounded quantifier in a temporal formula")
        s, _ = comp.expr(bound, sc)
        tup = kind_of(target) == "TUPLE"
        vs = [x.operator for x in target.items] if tup else [target.operator]
        binds.append((vs, s))
        for v in vs:
            names[v] = ("val",)
    envs = [dict(env)]
    ctx = Ctx([], None)
    for vs, s in binds:
        out = []
        for e in envs:
            try:
                elems = sorted(set_elements(s(ctx, e)), key=sort_key)
            except (TypeError, OverflowError):
                raise Unsupported(
                    "a quantifier over a non-finite set in a temporal formula"
                ) from None
            for v in elems:
                if len(vs) == 1:
                    out.append({**e, vs[0]: v})
                else:
                    if type(v) is not tuple or len(v) != len(vs):
                        raise EvalError("a tuple binder over a set of non-tuples")
                    out.append({**e, **dict(zip(vs, v, strict=True))})
        envs = out
    return envs, sc.bind_all(names)


def compile_live(
    label: str,
    node: Node,
    comp: Compiler,
    sc: Scope,
    *,
    assume: Sequence[tuple[Node, Scope]] = (),
) -> list[tuple[LiveCheck, dict[str, Any]]]:
    """The checks for one temporal property conjunct (its conjunctions split
    up), each under the temporal formulas ``assume`` (the SPECIFICATION's
    conjuncts other than Init, [][Next]_v, WF and SF)."""
    b = _Builder(comp)
    hyp = conj([b.build(n, s, {}) for n, s in assume])
    b.tautology = False
    f = b.build(node, sc, {})
    if b.tautology:
        raise TautologyError("Temporal formula is a tautology (its negation is unsatisfiable).")
    parts = list(f[1:]) if f[0] == "and" else [f]
    # A part that is TRUE (a disjunction with a TRUE disjunct) can never be
    # violated; it is kept, with the negation FALSE, because TLC refuses a
    # model all of whose temporal checks are such ("tautology").
    return [
        (LiveCheck(label, conj([hyp, neg(p)]) if p != TRUE else FALSE, b.atoms), {}) for p in parts
    ]


def refuse_mixed_levels(node: Node, comp: Compiler, sc: Scope) -> None:
    """SANY's semantic error for a PROPERTY whose conjunction joins a temporal
    formula and an action (``<>P /\\ x' = x``), raised before the property is
    split into its conjuncts (alone, the action conjunct is a configuration
    error in TLC, but SANY refuses the module first)."""
    b = _Builder(comp)
    todo = [node]
    while todo:
        n = todo.pop()
        while kind_of(n) == "PARENTHESES":
            n = n.expression
        k = kind_of(n)
        if k == "VERTICAL_LIST" and n.operator == "/\\":
            items = [it.expression for it in n.arguments]
            b.mixed(n, "\\land", items, sc)
            todo.extend(items)
        elif k == "OPERATOR_APPLICATION" and op_of(n) in ("/\\", "\\land") and n.arguments:
            b.mixed(n, "\\land", list(n.arguments), sc)
            todo.extend(n.arguments)


def compile_fairness(
    node: Node, comp: Compiler, sc: Scope, env: dict[str, Any] | None = None
) -> list[tuple[Fairness, dict[str, Any]]]:
    """The ``WF``/``SF`` conditions of a SPECIFICATION conjunct."""
    env = env or {}
    k = kind_of(node)
    if k == "PARENTHESES":
        return compile_fairness(node.expression, comp, sc, env)
    if k == "OPERATOR_APPLICATION" and not node.arguments:
        d = comp.lookup(node.operator, sc)
        if isinstance(d, OpDef) and not d.params and not d.node.function:
            return compile_fairness(d.node.definiens, comp, Scope(d.mod, {}), env)
    if k == "OPERATOR_APPLICATION" and node.arguments:
        d = comp.lookup(node.operator, sc)
        if isinstance(d, OpDef) and not d.node.function and len(d.params) == len(node.arguments):
            isc = comp.inline_scope(d, list(node.arguments), sc)
            return compile_fairness(d.node.definiens, comp, isc, env)
    if k == "QUANTIFICATION" and node.quantifier == "\\A":
        envs, inner = _bindings(node, comp, sc, env)
        return [f for e in envs for f in compile_fairness(node.predicate, comp, inner, e)]
    if k == "VERTICAL_LIST" and node.operator == "/\\":
        return [f for it in node.arguments for f in compile_fairness(it.expression, comp, sc, env)]
    if k == "OPERATOR_APPLICATION" and op_of(node) == "/\\" and node.arguments:
        return [f for a in node.arguments for f in compile_fairness(a, comp, sc, env)]
    if k != "FAIRNESS":
        raise Unsupported("this fairness formula (supported: WF_v(A), SF_v(A), \\A x \\in S : ...)")
    act = comp.action(node.action, sc)
    expr, _ = comp.expr(node.action, sc)
    sub, _ = comp.expr(node.subscript, sc)
    return [(Fairness(node.operator.startswith("SF"), act, expr, sub), env)]
