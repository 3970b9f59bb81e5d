"""Liveness for the common property shapes, under WF/SF fairness from the spec.

Supported properties (possibly under ``\\A x \\in S``): ``[]<>P``, ``<>[]P``,
``<>P``, ``P ~> Q`` and ``[]P``, with P and Q state predicates. The checker
builds the reachable state graph and looks for a fair cycle (a strongly
connected component, or stuttering forever in one state) that violates the
property. A component is fair for ``WF_v(A)`` when ``<<A>>_v`` is disabled in
one of its states or one of its steps is an ``<<A>>_v`` step; for ``SF_v(A)``
when it has such a step or, failing that, after removing the states where A
is enabled a fair sub-component remains (Streett refinement).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aura_model.tla._compile import UNSET, Act, Compiler, Ctx, Expr, Scope, _kind, _op
from aura_model.tla._errors import Unsupported
from aura_model.tla._modules import OpDef, declarations_as_name_bounds

__all__ = ["Fairness", "LiveCheck", "compile_fairness", "compile_live", "find_violation"]

Node = Any
State = tuple[Any, ...]


class Fairness:
    __slots__ = ("act", "expr", "strong", "sub")

    def __init__(self, strong: bool, act: Act, expr: Expr, sub: Expr) -> None:
        self.strong = strong
        self.act = act  # generator form, for ENABLED <<A>>_v
        self.expr = expr  # expression form, for "this step is an A step"
        self.sub = sub


class LiveCheck:
    __slots__ = ("kind", "label", "p", "q")

    def __init__(self, label: str, kind: str, p: Expr, q: Expr | None) -> None:
        self.label = label
        self.kind = kind
        self.p = p
        self.q = q


def _unwrap(node: Node, comp: Compiler, sc: Scope) -> tuple[Node, Scope]:
    while True:
        k = _kind(node)
        if k == "PARENTHESES":
            node = node.expression
            continue
        if k == "OPERATOR_APPLICATION" and not node.arguments:
            d = comp.lookup(node.operator, sc)
            if isinstance(d, OpDef) and not d.params and not d.node.function:
                node, sc = d.node.definiens, Scope(d.mod, {})
                continue
        return node, sc


def _bound(node: Node, comp: Compiler, sc: Scope) -> tuple[list[tuple[str, Expr]], Scope] | None:
    """``\\A x \\in S : F`` -> ([(x, S)], scope binding x); None if not such a node."""
    if _kind(node) != "QUANTIFICATION" or node.quantifier != "\\A":
        return None
    out = []
    names: dict[str, tuple[Any, ...]] = {}
    for target, bound in declarations_as_name_bounds(node.declarations):
        if bound is None or _kind(target) == "TUPLE":
            raise Unsupported("this quantifier form in a temporal formula")
        s, _ = comp.expr(bound, sc)
        out.append((target.operator, s))
        names[target.operator] = ("val",)
    return out, sc.bind_all(names)


def _envs(binds: list[tuple[str, Expr]], base: dict[str, Any]) -> list[dict[str, Any]]:
    envs = [dict(base)]
    ctx = Ctx([], None)
    for name, s in binds:
        envs = [{**e, name: v} for e in envs for v in sorted(s(ctx, e), key=repr)]
    return envs


def compile_live(
    label: str, node: Node, comp: Compiler, sc: Scope, env: dict[str, Any] | None = None
) -> list[tuple[LiveCheck, dict[str, Any]]]:
    """The checks for one temporal conjunct; raises Unsupported for other shapes."""
    node, sc = _unwrap(node, comp, sc)
    env = env or {}
    q = _bound(node, comp, sc)
    if q is not None:
        binds, inner = q
        out = []
        for e in _envs(binds, env):
            out.extend(compile_live(label, node.predicate, comp, inner, e))
        return out
    k = _kind(node)
    if k == "OPERATOR_APPLICATION" and node.arguments:
        op = _op(node)
        if op == "~>":
            p, _ = comp.expr(node.arguments[0], sc)
            qq, _ = comp.expr(node.arguments[1], sc)
            return [(LiveCheck(label, "leadsto", p, qq), env)]
        if op in ("[]", "<>"):
            inner, isc = _unwrap(node.arguments[0], comp, sc)
            ik = _kind(inner)
            if ik == "OPERATOR_APPLICATION" and inner.arguments and _op(inner) in ("[]", "<>"):
                if _op(inner) == op:
                    raise Unsupported(f"{op}{op} in a property")
                p, lvl = comp.expr(inner.arguments[0], isc)
                if lvl > 1:
                    raise Unsupported("an action inside []<> or <>[]")
                kind = "infinitely" if op == "[]" else "eventually_always"
                return [(LiveCheck(label, kind, p, None), env)]
            p, lvl = comp.expr(inner, isc)
            if lvl > 1:
                raise Unsupported("an action inside [] or <> (other than [][A]_v)")
            return [(LiveCheck(label, "always" if op == "[]" else "eventually", p, None), env)]
    raise Unsupported("this temporal formula shape (supported: []<>P, <>[]P, <>P, P ~> Q, []P)")


def compile_fairness(
    node: Node, comp: Compiler, sc: Scope, env: dict[str, Any] | None = None
) -> list[tuple[Fairness, dict[str, Any]]]:
    node, sc = _unwrap(node, comp, sc)
    env = env or {}
    q = _bound(node, comp, sc)
    if q is not None:
        binds, inner = q
        out = []
        for e in _envs(binds, env):
            out.extend(compile_fairness(node.predicate, comp, inner, e))
        return out
    if _kind(node) == "OPERATOR_APPLICATION" and _op(node) == "/\\" and node.arguments:
        return [f for a in node.arguments for f in compile_fairness(a, comp, sc, env)]
    if _kind(node) != "FAIRNESS":
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


def _sccs(nodes: set[int], succ: list[list[int]]) -> list[list[int]]:
    """Tarjan's algorithm, iterative, on the subgraph induced by ``nodes``."""
    index: dict[int, int] = {}
    low: dict[int, int] = {}
    on: set[int] = set()
    stack: list[int] = []
    out: list[list[int]] = []
    counter = 0
    for root in nodes:
        if root in index:
            continue
        work = [(root, 0)]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on.add(root)
        while work:
            v, i = work[-1]
            nbrs = succ[v]
            if i < len(nbrs):
                work[-1] = (v, i + 1)
                w = nbrs[i]
                if w not in nodes:
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


class _Graph:
    def __init__(
        self,
        states: list[State],
        succ: list[list[int]],
        fairness: list[tuple[Fairness, dict[str, Any]]],
    ) -> None:
        self.states = states
        self.succ = succ
        self.fair = fairness
        self._en: dict[tuple[int, int], bool] = {}

    def enabled(self, fi: int, i: int) -> bool:
        key = (fi, i)
        if key not in self._en:
            f, env = self.fair[fi]
            self._en[key] = _enabled(f, env, self.states[i])
        return self._en[key]

    def fair_cycle(self, region: set[int]) -> int | None:
        """A state of a fair cycle (or fair stuttering) inside ``region``, or None."""
        for i in region:
            # Stuttering forever in i is fair when no fair action is enabled there.
            if all(not self.enabled(fi, i) for fi in range(len(self.fair))):
                return i
        return self._fair_scc(region)

    def _fair_scc(self, region: set[int]) -> int | None:
        for comp in _sccs(region, self.succ):
            cset = set(comp)
            edges = [(i, j) for i in comp for j in self.succ[i] if j in cset]
            if not edges:
                continue
            remove: set[int] = set()
            ok = True
            for fi, (f, env) in enumerate(self.fair):
                taken = any(
                    i != j and _is_step(f, env, self.states[i], self.states[j]) for i, j in edges
                )
                if taken:
                    continue
                en = {i for i in comp if self.enabled(fi, i)}
                if not en:
                    continue
                if not f.strong and len(en) < len(comp):
                    continue
                if f.strong:
                    remove |= en
                else:
                    ok = False
                    break
            if not ok:
                continue
            if not remove:
                return comp[0]
            sub = self._fair_scc(cset - remove)
            if sub is not None:
                return sub
        return None


def find_violation(
    states: list[State],
    succ: list[list[int]],
    inits: list[int],
    checks: list[tuple[LiveCheck, dict[str, Any]]],
    fairness: list[tuple[Fairness, dict[str, Any]]],
) -> tuple[str, int, list[int] | None] | None:
    """(label, a state of the violating behaviour, the states of its cycle after
    that one) for the first violated check; the cycle is None for []P."""
    g = _Graph(states, succ, fairness)

    def holds(p: Expr, env: dict[str, Any], i: int) -> bool:
        return p(Ctx(states[i], None), env) is True

    def reach(starts: list[int], inside: Callable[[int], bool]) -> set[int]:
        seen = {s for s in starts if inside(s)}
        todo = list(seen)
        while todo:
            v = todo.pop()
            for w in succ[v]:
                if w not in seen and inside(w):
                    seen.add(w)
                    todo.append(w)
        return seen

    everything = set(range(len(states)))
    for chk, env in checks:
        p = chk.p
        if chk.kind == "always":
            bad = [i for i in range(len(states)) if not holds(p, env, i)]
            if bad:
                return chk.label, bad[0], None
            continue
        if chk.kind == "infinitely":
            region = {i for i in everything if not holds(p, env, i)}
        elif chk.kind == "eventually_always":
            hit = _eventually_always_violation(g, p, env, everything)
            if hit is not None:
                return chk.label, hit, _cycle(succ, hit, everything)
            continue
        elif chk.kind == "eventually":
            region = reach(inits, _outside(holds, p, env))
        else:
            q = chk.q
            assert q is not None
            starts = [i for i in everything if holds(p, env, i) and not holds(q, env, i)]
            region = reach(starts, _outside(holds, q, env))
        hit = g.fair_cycle(region)
        if hit is not None:
            return chk.label, hit, _cycle(succ, hit, region)
    return None


def _cycle(succ: list[list[int]], start: int, region: set[int]) -> list[int]:
    """States after ``start`` on a shortest way back to it inside ``region``
    (empty: the behaviour stutters in ``start`` forever)."""
    parent: dict[int, int] = {}
    frontier = [start]
    seen = {start}
    while frontier:
        following = []
        for v in frontier:
            for w in succ[v]:
                if w == start and v != start:
                    path = [v]
                    while path[-1] in parent:
                        path.append(parent[path[-1]])
                    path.reverse()
                    return path[1:] if path and path[0] == start else path
                if w in region and w not in seen:
                    seen.add(w)
                    parent[w] = v
                    following.append(w)
        frontier = following
    return []


def _outside(
    holds: Callable[[Expr, dict[str, Any], int], bool], p: Expr, env: dict[str, Any]
) -> Callable[[int], bool]:
    def inside(i: int) -> bool:
        return not holds(p, env, i)

    return inside


def _eventually_always_violation(
    g: _Graph, p: Expr, env: dict[str, Any], everything: set[int]
) -> int | None:
    # <>[]P fails when a fair behaviour visits a ~P state infinitely often:
    # stuttering in a ~P state, or a fair component that contains one.
    bad = {i for i in everything if p(Ctx(g.states[i], None), env) is not True}
    for i in bad:
        if all(not g.enabled(fi, i) for fi in range(len(g.fair))):
            return i
    for comp in _sccs(everything, g.succ):
        if not bad.intersection(comp):
            continue
        hit = g._fair_scc(set(comp))
        if hit is not None and bad.intersection(comp):
            return next(iter(bad.intersection(comp)))
    return None
