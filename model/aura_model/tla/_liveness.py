"""Temporal properties: a tableau for the negated property, run on the state graph.

A property (any formula of ``[]``, ``<>``, ``~>``, ``WF``/``SF``, ``[][A]_v``,
``<><<A>>_v``, Boolean connectives and bounded ``\\A``/``\\E`` over state and
action predicates) is negated and put in negation normal form; a tableau turns
it into a generalised Büchi automaton whose transitions read the current state
(state predicates) and the step taken (action predicates). Its product with the
reachable state graph (every state may also stutter, as TLA+ behaviours may) is
searched for a strongly connected component that meets every acceptance
condition and the spec's own ``WF``/``SF`` conditions; such a component is a
fair behaviour that violates the property, printed as a lasso.

A component is fair for ``WF_v(A)`` when ``<<A>>_v`` is disabled in one of its
states or one of its steps is an ``<<A>>_v`` step; for ``SF_v(A)`` when it has
such a step or, failing that, after removing the states where ``A`` is enabled
a fair sub-component remains (Streett refinement).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Sequence
from typing import Any

from aura_model.tla._errors import EvalError, TlaError, Unsupported
from aura_model.tla._modules import OpDef, declarations_as_name_bounds
from aura_model.tla.compile import UNSET, Act, Compiler, Ctx, Expr, Scope, kind_of, op_of

__all__ = [
    "Fairness",
    "LiveCheck",
    "compile_fairness",
    "compile_live",
    "find_violation",
    "is_temporal",
]

Node = Any
State = tuple[Any, ...]
# Formulas in negation normal form, as hashable tuples:
#   ("atom", i, positive)  ("and", f, ...)  ("or", f, ...)  ("G", f)  ("F", f)
#   ("true",)  ("false",)
Formula = tuple[Any, ...]

TRUE: Formula = ("true",)
FALSE: Formula = ("false",)


class Fairness:
    __slots__ = ("act", "expr", "strong", "sub")

    def __init__(self, strong: bool, act: Act, expr: Expr, sub: Expr) -> None:
        self.strong = strong
        self.act = act  # generator form, for ENABLED <<A>>_v
        self.expr = expr  # expression form, for "this step is an A step"
        self.sub = sub


class Atom:
    """A state predicate (``action`` False) or an action predicate of a formula."""

    __slots__ = ("action", "fair", "test")

    def __init__(
        self,
        action: bool,
        test: Callable[..., bool],
        fair: tuple[Fairness, dict[str, Any]] | None = None,
    ) -> None:
        self.action = action
        self.test = test  # test(s) or test(s, t)
        self.fair = fair  # set for ENABLED <<A>>_v (see _Product.sval)


class LiveCheck:
    """One property conjunct: the negation of it, in NNF, over ``atoms``."""

    __slots__ = ("atoms", "label", "neg")

    def __init__(self, label: str, neg: Formula, atoms: list[Atom]) -> None:
        self.label = label
        self.neg = neg
        self.atoms = atoms


# ------------------------------------------------------------------ formulas


def _and(parts: list[Formula]) -> Formula:
    out: list[Formula] = []
    for p in parts:
        if p == FALSE:
            return FALSE
        if p == TRUE:
            continue
        out.extend(p[1:] if p[0] == "and" else [p])
    uniq = sorted(set(out), key=repr)
    if not uniq:
        return TRUE
    return uniq[0] if len(uniq) == 1 else ("and", *uniq)


def _or(parts: list[Formula]) -> Formula:
    out: list[Formula] = []
    for p in parts:
        if p == TRUE:
            return TRUE
        if p == FALSE:
            continue
        out.extend(p[1:] if p[0] == "or" else [p])
    uniq = sorted(set(out), key=repr)
    if not uniq:
        return FALSE
    return uniq[0] if len(uniq) == 1 else ("or", *uniq)


def _neg(f: Formula) -> Formula:
    k = f[0]
    if k == "atom":
        return ("atom", f[1], not f[2])
    if k == "true":
        return FALSE
    if k == "false":
        return TRUE
    if k == "and":
        return _or([_neg(x) for x in f[1:]])
    if k == "or":
        return _and([_neg(x) for x in f[1:]])
    if k == "G":
        return _ev(_neg(f[1]))
    return _always(_neg(f[1]))


def _always(f: Formula) -> Formula:
    if f in (TRUE, FALSE) or f[0] == "G":
        return f
    return ("G", f)


def _ev(f: Formula) -> Formula:
    if f in (TRUE, FALSE) or f[0] == "F":
        return f
    return ("F", f)


class _Builder:
    """Syntax tree -> formula, collecting the atoms."""

    def __init__(self, comp: Compiler) -> None:
        self.comp = comp
        self.atoms: list[Atom] = []

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
                raise TlaError(f"{where}: {_ACTIONS_ONLY}")

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
        enabled = self.atom(False, lambda s: _enabled(f, env, s), (f, env))
        taken = self.atom(True, lambda s, t: _is_step(f, env, s, t))
        # WF: []<>~EN \/ []<><<A>>_v;  SF: <>[]~EN \/ []<><<A>>_v.
        disabled = _neg(enabled)
        hyp = _always(_ev(disabled)) if not f.strong else _ev(_always(disabled))
        return _or([hyp, _always(_ev(taken))])

    def build(
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
                raise TlaError(f"{_where(node, sc)}: {_ACTIONS_ONLY}")
            return self.step(node.action, node.subscript, sc, env, node.operator != "[")
        if not is_temporal(node, self.comp, sc):
            return self.predicate(node, sc, env, act_ok)
        if k == "FAIRNESS":
            return self.fairness(node, sc, env)
        if k == "VERTICAL_LIST":
            parts = [self.build(it.expression, sc, env, d1, act_ok) for it in node.arguments]
            return _and(parts) if node.operator == "/\\" else _or(parts)
        if k == "QUANTIFICATION":
            envs, inner = _bindings(node, self.comp, sc, env)
            parts = [self.build(node.predicate, inner, e, d1, act_ok) for e in envs]
            return _and(parts) if node.quantifier == "\\A" else _or(parts)
        if k == "IF":
            c = self.predicate(node.predicate, sc, env)
            return _or(
                [
                    _and([c, self.build(node.then, sc, env, d1)]),
                    _and([_neg(c), self.build(node.else_, sc, env, d1)]),
                ]
            )
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
                a = args[0]
                while kind_of(a) == "PARENTHESES":
                    a = a.expression
                wrap = _always if op == "[]" else _ev
                other = "<>" if op == "[]" else "[]"
                if kind_of(a) == "OPERATOR_APPLICATION" and op_of(a) == other and a.arguments:
                    # []<>A and <>[]A: the only places TLC allows an action A.
                    body = self.build(a.arguments[0], sc, env, d1, True)
                    return wrap(_ev(body) if op == "[]" else _always(body))
                angle = kind_of(a) == "SUBSCRIPTED_ACTION" and a.operator != "["
                return wrap(self.build(a, sc, env, d1, op == "<>" and angle))
            if op == "~>" and len(args) == 2:
                p = self.build(args[0], sc, env, d1)
                q = self.build(args[1], sc, env, d1)
                return _always(_or([_neg(p), _ev(q)]))
            if op in ("/\\", "\\land") and len(args) == 2:
                return _and([self.build(a, sc, env, d1, act_ok) for a in args])
            if op in ("\\/", "\\lor") and len(args) == 2:
                return _or([self.build(a, sc, env, d1, act_ok) for a in args])
            if op in ("~", "\\lnot", "\\neg") and len(args) == 1:
                return _neg(self.build(args[0], sc, env, d1))
            if op == "=>" and len(args) == 2:
                return _or(
                    [_neg(self.build(args[0], sc, env, d1)), self.build(args[1], sc, env, d1)]
                )
            if op in ("<=>", "\\equiv") and len(args) == 2:
                p = self.build(args[0], sc, env, d1)
                q = self.build(args[1], sc, env, d1)
                return _or([_and([p, q]), _and([_neg(p), _neg(q)])])
            d = self.comp.lookup(node.operator, sc)
            if isinstance(d, OpDef) and not d.node.function:
                if len(args) != len(d.params):
                    raise Unsupported(f"{node.operator} applied to {len(args)} arguments")
                dsc = self.comp.inline_scope(d, args, sc) if args else Scope(d.mod, {})
                return self.build(d.node.definiens, dsc, env, d1)
            raise Unsupported(f"the operator {op} in a temporal formula")
        raise Unsupported(f"this temporal formula ({k.lower()})")


# The compiler's messages for a primed expression read before it has a value.
_UNASSIGNED = ("has no value here", "is used before it is assigned")

_ACTIONS_ONLY = "Temporal formulas containing actions must be of forms <>[]A or []<>A."


def _where(node: Node, sc: Scope) -> str:
    try:
        return f"{sc.mod.file}:{node.start.line + 1}:{node.start.column + 1}"
    except AttributeError:
        return str(sc.mod.file)


def _truth(v: Any, where: str) -> bool:
    if v is True or v is False:
        return v
    raise EvalError(f"{where}: a predicate of a temporal formula is not a Boolean")


def is_temporal(tree: Any, comp: Compiler, sc: Scope, depth: int = 0) -> bool:
    """Whether ``tree`` mentions a temporal operator (looking into definitions)."""
    node: Any = tree
    if depth > 40 or isinstance(node, str) or node is None:
        return False
    if isinstance(node, list):
        return any(is_temporal(x, comp, sc, depth) for x in node)
    if not isinstance(node, tuple) or not hasattr(node, "_fields"):
        return False
    k = kind_of(node)
    if k in ("FAIRNESS", "SUBSCRIPTED_ACTION", "TEMPORAL_QUANTIFICATION"):
        return True
    if k == "OPERATOR_APPLICATION":
        app: Any = node
        if app.operator in ("[]", "<>", "~>", "-+->"):
            return True
        d = comp.lookup(app.operator, sc)
        if (
            isinstance(d, OpDef)
            and not d.node.function
            and is_temporal(d.node.definiens, comp, Scope(d.mod, {}), depth + 1)
        ):
            return True
    if k == "SUBEXPRESSION_REFERENCE":
        try:
            target, tsc, _ = comp.instance_ref(node, sc)
        except TlaError:
            return False
        if isinstance(target, OpDef) and not target.node.function:
            return is_temporal(target.node.definiens, comp, tsc, depth + 1)
        return False
    return any(
        is_temporal(getattr(node, f), comp, sc, depth)
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
    from aura_model.tla._values import set_elements, sort_key

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
    hyp = _and([b.build(n, s, {}) for n, s in assume])
    f = b.build(node, sc, {})
    parts = list(f[1:]) if f[0] == "and" else [f]
    return [(LiveCheck(label, _and([hyp, _neg(p)]), b.atoms), {}) for p in parts if p != TRUE]


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


class _Found(Exception):
    pass


def _enabled(f: Fairness, env: dict[str, Any], s: State) -> bool:
    """ENABLED <<A>>_v in ``s``."""
    here = f.sub(Ctx(s, None), env)
    nxt: list[Any] = [UNSET] * len(s)
    ctx = Ctx(s, nxt)

    def k() -> None:
        if UNSET not in nxt and f.sub(Ctx(tuple(nxt), None), env) != here:
            raise _Found

    try:
        f.act(ctx, env, k)
    except _Found:
        return True
    return False


def _is_step(f: Fairness, env: dict[str, Any], s: State, t: State) -> bool:
    if f.sub(Ctx(s, None), env) == f.sub(Ctx(t, None), env):
        return False
    return f.expr(Ctx(s, list(t)), env) is True


# ------------------------------------------------------------------ tableau


def _expand(
    obligations: frozenset[Formula],
) -> list[tuple[frozenset[tuple[int, bool]], frozenset[Formula]]]:
    """The ways to meet ``obligations`` now: (literals now, obligations from the next state)."""
    out: list[tuple[frozenset[tuple[int, bool]], frozenset[Formula]]] = []
    seen: set[tuple[frozenset[tuple[int, bool]], frozenset[Formula]]] = set()
    todo: list[tuple[list[Formula], dict[int, bool], frozenset[Formula]]] = [
        (list(obligations), {}, frozenset())
    ]
    while todo:
        fs, lits, nxt = todo.pop()
        dead = False
        while fs and not dead:
            f = fs.pop()
            k = f[0]
            if k == "atom":
                if lits.get(f[1], f[2]) != f[2]:
                    dead = True
                else:
                    lits = {**lits, f[1]: f[2]}
            elif k == "false":
                dead = True
            elif k == "and":
                fs.extend(f[1:])
            elif k == "G":
                fs.append(f[1])
                nxt = nxt | {f}
            elif k in ("or", "F"):
                # Branch: each disjunct (for F: now, or postponed to the next state).
                choices: list[tuple[list[Formula], frozenset[Formula]]]
                if k == "or":
                    choices = [([*fs, g], nxt) for g in f[1:]]
                else:
                    choices = [([*fs, f[1]], nxt), (list(fs), nxt | {f})]
                for cfs, cnxt in choices[1:]:
                    todo.append((cfs, dict(lits), cnxt))
                fs, nxt = choices[0]
        if dead:
            continue
        key = (frozenset(lits.items()), nxt)
        if key not in seen:
            seen.add(key)
            out.append(key)
    return out


class _Automaton:
    """The tableau's nodes (obligation sets) and transitions, built on demand."""

    def __init__(self, start: Formula) -> None:
        self.nodes: list[frozenset[Formula]] = []
        self.index: dict[frozenset[Formula], int] = {}
        self.trans: list[
            list[tuple[list[tuple[int, bool]], list[tuple[int, bool]], int, int]] | None
        ] = []
        self.eventualities: list[Formula] = []
        self._ev_index: dict[Formula, int] = {}
        self.start = self.node(frozenset([start]))

    def node(self, obligations: frozenset[Formula]) -> int:
        i = self.index.get(obligations)
        if i is None:
            i = self.index[obligations] = len(self.nodes)
            self.nodes.append(obligations)
            self.trans.append(None)
            self._collect(obligations)
        return i

    def _collect(self, fs: frozenset[Formula]) -> None:
        stack = list(fs)
        while stack:
            f = stack.pop()
            if f[0] == "F" and f not in self._ev_index:
                self._ev_index[f] = len(self.eventualities)
                self.eventualities.append(f)
            if f[0] in ("and", "or", "G", "F"):
                stack.extend(f[1:])

    def accepting_nodes(self) -> set[int]:
        """Nodes in a strongly connected part of the automaton whose internal
        transitions carry every acceptance bit (of the transitions built)."""
        full = (1 << len(self.eventualities)) - 1
        edges = [[(t[2], t[3]) for t in (tr or ())] for tr in self.trans]
        n = len(edges)
        good: set[int] = set()
        for comp in _sccs(set(range(n)), edges, n):
            cs = set(comp)
            bits = 0
            inner = False
            for i in comp:
                for target, b in edges[i]:
                    if target in cs:
                        inner = True
                        bits |= b
            if inner and bits & full == full:
                good |= cs
        return good

    def transitions(
        self, n: int, atoms: list[Atom]
    ) -> list[tuple[list[tuple[int, bool]], list[tuple[int, bool]], int, int]]:
        """(state literals, action literals, target node, acceptance bits) of node ``n``."""
        done = self.trans[n]
        if done is None:
            out = []
            for lits, nxt in _expand(self.nodes[n]):
                target = self.node(nxt)
                bits = 0
                for f, b in self._ev_index.items():
                    if f not in nxt:
                        bits |= 1 << b
                slits = [(a, p) for a, p in lits if not atoms[a].action]
                alits = [(a, p) for a, p in lits if atoms[a].action]
                out.append((slits, alits, target, bits))
            self.trans[n] = done = out
        return done


# ------------------------------------------------------------------ search


class _Product:
    def __init__(
        self,
        states: list[State],
        succ: list[list[int]],
        fairness: list[tuple[Fairness, dict[str, Any]]],
        chk: LiveCheck,
        *,
        enabled: dict[tuple[int, int], bool],
        values: tuple[dict[tuple[int, int], bool], dict[tuple[int, int, int], bool]] | None = None,
    ) -> None:
        self.states = states
        self.succ = succ
        self.fair = fairness
        self.atoms = chk.atoms
        self.aut = _Automaton(chk.neg)
        # Atom values; the conjuncts of one property share their atoms and these.
        self._state_val, self._act_val = values if values is not None else ({}, {})
        self._en = enabled  # shared by the checks: ENABLED does not depend on them
        self._step: dict[tuple[int, int, int], bool] = {}
        # Product nodes: (state index, automaton node); edges carry acceptance bits.
        self.pstate: list[int] = []
        self.pnode: list[int] = []
        self.pindex: dict[tuple[int, int], int] = {}
        self.pedges: list[list[tuple[int, int]]] = []
        self.pparent: list[int] = []

    def sval(self, a: int, i: int) -> bool:
        key = (a, i)
        v = self._state_val.get(key)
        if v is None:
            atom = self.atoms[a]
            fair = atom.fair
            v = self._enabled(fair, i) if fair is not None else atom.test(self.states[i])
            self._state_val[key] = v
        return v

    def _enabled(self, fair: tuple[Fairness, dict[str, Any]], i: int) -> bool:
        f, env = fair
        try:
            return _enabled(f, env, self.states[i])
        except TlaError as exc:
            if not any(m in str(exc) for m in _UNASSIGNED):
                raise  # a genuine error (TLC reports it too)
            # The action cannot be run on its own (it sets an expression such
            # as an INSTANCE's substituted variable, `dna' = ...`): look for
            # an <<A>>_v step among the state's successors instead.
            s = self.states[i]
            return any(_is_step(f, env, s, self.states[j]) for j in self.succ[i])

    def aval(self, a: int, i: int, j: int) -> bool:
        key = (a, i, j)
        v = self._act_val.get(key)
        if v is None:
            v = self._act_val[key] = self.atoms[a].test(self.states[i], self.states[j])
        return v

    def enabled(self, fi: int, i: int) -> bool:
        key = (fi, i)
        v = self._en.get(key)
        if v is None:
            v = self._en[key] = self._enabled(self.fair[fi], i)
        return v

    def is_step(self, fi: int, i: int, j: int) -> bool:
        if i == j:
            return False
        key = (fi, i, j)
        v = self._step.get(key)
        if v is None:
            f, env = self.fair[fi]
            v = self._step[key] = _is_step(f, env, self.states[i], self.states[j])
        return v

    def _pnode(self, i: int, n: int, parent: int, todo: deque[int]) -> int:
        key = (i, n)
        p = self.pindex.get(key)
        if p is None:
            p = self.pindex[key] = len(self.pstate)
            self.pstate.append(i)
            self.pnode.append(n)
            self.pedges.append([])
            self.pparent.append(parent)
            todo.append(p)
        return p

    def build(self, inits: list[int]) -> None:
        todo: deque[int] = deque()
        for i in inits:
            self._pnode(i, self.aut.start, -1, todo)
        # Locals: this loop runs once per product edge.
        pstate, pnode, pedges, succ = self.pstate, self.pnode, self.pedges, self.succ
        sval, aval, pnew, trans = self.sval, self.aval, self._pnode, self.aut.transitions
        atoms = self.atoms
        while todo:
            p = todo.popleft()
            i = pstate[p]
            edges = pedges[p]
            # Every state may stutter: a TLA+ behaviour may repeat a state.
            nexts = (*succ[i], i)
            for slits, alits, target, bits in trans(pnode[p], atoms):
                ok = True
                for a, pos in slits:
                    if sval(a, i) != pos:
                        ok = False
                        break
                if not ok:
                    continue
                for j in nexts:
                    for a, pos in alits:
                        if aval(a, i, j) != pos:
                            break
                    else:
                        edges.append((pnew(j, target, p, todo), bits))

    def accepting(self, nodes: set[int]) -> tuple[list[int], list[tuple[int, int, bool]]] | None:
        """A strongly connected set inside ``nodes`` meeting every condition, with
        the edges that witness them; None if there is none. Of all such sets,
        the one entered first in the product's breadth-first order (so its
        lasso has the shortest prefix)."""
        full = (1 << len(self.aut.eventualities)) - 1
        pstate, pedges = self.pstate, self.pedges
        best: tuple[list[int], Callable[[], list[tuple[int, int, bool]]]] | None = None
        for comp in _sccs(nodes, pedges, len(pstate)):
            if best is not None and min(comp) > min(best[0]):
                continue
            if len(comp) == 1:
                p = comp[0]
                inner = [(p, q, b) for q, b in pedges[p] if q == p]
            else:
                cset = set(comp)
                inner = [(p, q, b) for p in comp for q, b in pedges[p] if q in cset]
            if not inner:
                continue
            got = 0
            for _, _, b in inner:
                got |= b
            if got & full != full:
                continue
            # The spec's fairness: an <<A>>_v step inside, or A disabled somewhere
            # inside (WF) / nowhere after removing where it is enabled (SF).
            remove: set[int] = set()
            ok = True
            for fi, (f, _) in enumerate(self.fair):
                if any(self.is_step(fi, pstate[p], pstate[q]) for p, q, _ in inner):
                    continue
                en = {p for p in comp if self.enabled(fi, pstate[p])}
                if not en or (not f.strong and len(en) < len(comp)):
                    continue
                if not f.strong:
                    ok = False
                    break
                remove |= en
            if not ok:
                continue
            if remove:
                sub = self.accepting(set(comp) - remove)
                if sub is not None and (best is None or min(sub[0]) < min(best[0])):
                    best = sub[0], (lambda sub=sub: sub[1])
                continue
            best = comp, (lambda comp=comp, inner=inner: self._witnesses(comp, inner, full))
        if best is None:
            return None
        return best[0], best[1]()

    def _witnesses(
        self, comp: list[int], inner: list[tuple[int, int, int]], full: int
    ) -> list[tuple[int, int, bool]]:
        """What a cycle through the accepted ``comp`` must pass: (p, q, True) the
        edge p -> q, (p, p, False) the node p."""
        pstate = self.pstate
        # Witnesses close to where the lasso enters make short loops; at equal
        # distance a stuttering step is preferred (TLC's traces mostly end
        # stuttering).
        dist = _distances(self.pedges, min(comp), set(comp))
        inner = sorted(inner, key=lambda e: (dist[e[0]], e[0] != e[1]))
        near = sorted(comp, key=dist.__getitem__)
        out: list[tuple[int, int, bool]] = []
        got = 0
        for p, q, b in inner:
            if b & ~got & full:
                got |= b
                out.append((p, q, True))
        for fi, _ in enumerate(self.fair):
            step = next(
                ((p, q) for p, q, _ in inner if self.is_step(fi, pstate[p], pstate[q])), None
            )
            if step is not None:
                out.append((*step, True))
                continue
            off = next((p for p in near if not self.enabled(fi, pstate[p])), None)
            if off is not None:
                out.append((off, off, False))
        return out


def _sccs(nodes: set[int], edges: list[list[tuple[int, int]]], total: int) -> list[list[int]]:
    """Tarjan's algorithm, iterative, on the subgraph induced by ``nodes``
    (``total``: the number of nodes of the whole graph)."""
    everything = len(nodes) == total
    index: dict[int, int] = {}
    low: dict[int, int] = {}
    on: set[int] = set()
    stack: list[int] = []
    out: list[list[int]] = []
    counter = 0
    for root in range(total) if everything else sorted(nodes):
        if root in index:
            continue
        work = [(root, 0)]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on.add(root)
        while work:
            v, i = work[-1]
            nbrs = edges[v]
            if i < len(nbrs):
                work[-1] = (v, i + 1)
                w = nbrs[i][0]
                if not everything and w not in nodes:
                    continue
                if w not in index:
                    index[w] = low[w] = counter
                    counter += 1
                    stack.append(w)
                    on.add(w)
                    work.append((w, 0))
                elif w in on:
                    low[v] = min(low[v], index[w])
            else:
                work.pop()
                if work:
                    u = work[-1][0]
                    low[u] = min(low[u], low[v])
                if low[v] == index[v]:
                    comp = []
                    while True:
                        w = stack.pop()
                        on.discard(w)
                        comp.append(w)
                        if w == v:
                            break
                    out.append(comp)
    return out


def _distances(edges: list[list[tuple[int, int]]], src: int, inside: set[int]) -> dict[int, int]:
    dist = {src: 0}
    frontier = deque([src])
    while frontier:
        v = frontier.popleft()
        for w, _ in edges[v]:
            if w in inside and w not in dist:
                dist[w] = dist[v] + 1
                frontier.append(w)
    return dist


def _path(edges: list[list[tuple[int, int]]], src: int, dst: int, inside: set[int]) -> list[int]:
    """Nodes after ``src`` on a shortest path to ``dst`` inside ``inside`` (empty if src == dst)."""
    if src == dst:
        return []
    parent = {src: src}
    frontier = deque([src])
    while frontier:
        v = frontier.popleft()
        for w, _ in edges[v]:
            if w in inside and w not in parent:
                parent[w] = v
                if w == dst:
                    out = [w]
                    while parent[out[-1]] != src:
                        out.append(parent[out[-1]])
                    out.reverse()
                    return out
                frontier.append(w)
    raise EvalError("internal: no path inside a strongly connected component")


def find_violation(
    states: list[State],
    succ: list[list[int]],
    inits: list[int],
    checks: list[tuple[LiveCheck, dict[str, Any]]],
    fairness: list[tuple[Fairness, dict[str, Any]]],
) -> tuple[str, list[int], int] | None:
    """(label, the states of a violating lasso, the index its loop returns to)
    for the first violated check, or None."""
    enabled: dict[tuple[int, int], bool] = {}
    shared: dict[int, tuple[dict[tuple[int, int], bool], dict[tuple[int, int, int], bool]]] = {}
    if checks and fairness:
        # TLC evaluates the fairness conditions in every reachable state, so
        # an error there (WF_vars(A(a2)) with a2 outside A's domain) is an
        # error even where no violating cycle needs them.
        first = _Product(states, succ, fairness, checks[0][0], enabled=enabled)
        # State by state, as TLC does: the conditions of one state share its
        # state-level definitions, which are kept for the last state evaluated.
        for i in range(len(states)):
            for fi in range(len(fairness)):
                first.enabled(fi, i)
    for chk, _ in checks:
        vals = shared.setdefault(id(chk.atoms), ({}, {}))
        prod = _Product(states, succ, fairness, chk, enabled=enabled, values=vals)
        try:
            prod.build(inits)
        except RecursionError:
            raise EvalError(f"{chk.label}: recursion too deep in a temporal formula") from None
        # A cycle of the product runs inside one component of the automaton,
        # so only product nodes over a component that can accept are searched.
        good = prod.aut.accepting_nodes()
        found = prod.accepting({p for p, n in enumerate(prod.pnode) if n in good})
        if found is None:
            continue
        comp, witnesses = found
        cset = set(comp)
        # Shortest prefix: the product was built breadth first, so the first
        # component node in creation order has a shortest way in.
        entry = min(comp)
        prefix = [entry]
        while prod.pparent[prefix[-1]] != -1:
            prefix.append(prod.pparent[prefix[-1]])
        prefix.reverse()
        cycle: list[int] = []
        cur = entry
        seen_nodes = {entry}
        seen_edges: set[tuple[int, int]] = set()
        for p, q, is_edge in witnesses:
            # A witness the cycle already passes needs no detour.
            if (p, q) in seen_edges if is_edge else p in seen_nodes:
                continue
            way = _path(prod.pedges, cur, p, cset)
            if is_edge:
                way.append(q)
            for nxt in way:
                seen_edges.add((cur, nxt))
                seen_nodes.add(nxt)
                cur = nxt
            cycle += way
        cycle += _path(prod.pedges, cur, entry, cset)
        if not cycle:
            # No witness needed: any way around the component will do.
            q = min((q for q, _ in prod.pedges[entry] if q in cset), key=lambda q: q != entry)
            cycle = [q, *_path(prod.pedges, q, entry, cset)]
        # The lasso's states: the prefix, then the cycle up to (not including)
        # its return to the entry; a cycle of stuttering steps only is empty.
        loop = [prod.pstate[p] for p in cycle[:-1]]
        at = prod.pstate[entry]
        if all(s == at for s in loop):
            loop = []
        path = [prod.pstate[p] for p in prefix] + loop
        return chk.label, path, len(prefix) - 1
    return None
