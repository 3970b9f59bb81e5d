"""The search: the tableau's product with the reachable state graph, its fair
accepting components, and the lasso that shows a violation."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from typing import Any

from aura_model.tla._errors import EvalError, TlaError
from aura_model.tla.liveness._formulas import (
    FALSE,
    UNASSIGNED,
    Fairness,
    LiveCheck,
    State,
    angle_enabled,
    is_angle_step,
)
from aura_model.tla.liveness._graph import distances, sccs, shortest_path
from aura_model.tla.liveness._tableau import Automaton

__all__ = ["find_violation"]


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
        stutter: bool = True,
        after: Callable[[int], list[State]] | None = None,
    ) -> None:
        self.states = states
        self.succ = succ
        # On a lasso (one behaviour) no step is added; ``after`` gives the
        # successors a state has in the reachable graph (for ENABLED).
        self._stutter = stutter
        self._after = after or (lambda i: [states[j] for j in succ[i]])
        self.fair = fairness
        self.atoms = chk.atoms
        self.aut = Automaton(chk.neg)
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
            return angle_enabled(f, env, self.states[i])
        except TlaError as exc:
            if not any(m in str(exc) for m in UNASSIGNED):
                raise  # a genuine error (TLC reports it too)
            # The action cannot be run on its own (it sets an expression such
            # as an INSTANCE's substituted variable, `dna' = ...`): look for
            # an <<A>>_v step among the state's successors instead.
            s = self.states[i]
            return any(is_angle_step(f, env, s, t) for t in self._after(i))

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
            v = self._step[key] = is_angle_step(f, env, self.states[i], self.states[j])
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
        stutter = self._stutter
        while todo:
            p = todo.popleft()
            i = pstate[p]
            edges = pedges[p]
            # Every state may stutter: a TLA+ behaviour may repeat a state.
            nexts = (*succ[i], i) if stutter else succ[i]
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
        for comp in sccs(nodes, pedges, len(pstate)):
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
        dist = distances(self.pedges, min(comp), set(comp))
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


def find_violation(
    states: list[State],
    succ: list[list[int]],
    inits: list[int],
    checks: list[tuple[LiveCheck, dict[str, Any]]],
    fairness: list[tuple[Fairness, dict[str, Any]]],
) -> tuple[tuple[str, ...], list[int], int] | None:
    """(labels, the states of a violating lasso, the index its loop returns to)
    for the first violated check, or None. The labels are the first violated
    check's and, in order, those of the later checks the same lasso violates:
    TLC names every property its counterexample violates."""
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
    for n, (chk, _) in enumerate(checks):
        if chk.neg == FALSE:
            continue  # its negation is unsatisfiable
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
            way = shortest_path(prod.pedges, cur, p, cset)
            if is_edge:
                way.append(q)
            for nxt in way:
                seen_edges.add((cur, nxt))
                seen_nodes.add(nxt)
                cur = nxt
            cycle += way
        cycle += shortest_path(prod.pedges, cur, entry, cset)
        if not cycle:
            # No witness needed: any way around the component will do.
            q = min((q for q, _ in prod.pedges[entry] if q in cset), key=lambda q: q != entry)
            cycle = [q, *shortest_path(prod.pedges, q, entry, cset)]
        # The lasso's states: the prefix, then the cycle up to (not including)
        # its return to the entry; a cycle of stuttering steps only is empty.
        loop = [prod.pstate[p] for p in cycle[:-1]]
        at = prod.pstate[entry]
        if all(s == at for s in loop):
            loop = []
        path = [prod.pstate[p] for p in prefix] + loop
        back = len(prefix) - 1
        labels = [chk.label]
        for other, _ in checks[n + 1 :]:
            if (
                other.neg != FALSE
                and other.label not in labels
                and _on_lasso(other, states, succ, path, back)
            ):
                labels.append(other.label)
        return tuple(labels), path, back
    return None


def _on_lasso(
    chk: LiveCheck, states: list[State], succ: list[list[int]], path: list[int], back: int
) -> bool:
    """Whether the behaviour ``path`` (then forever around to ``back``) violates
    ``chk``: the automaton of its negation run on that behaviour alone."""
    steps = [[k + 1] for k in range(len(path) - 1)] + [[back]]
    prod = _Product(
        [states[i] for i in path],
        steps,
        [],
        chk,
        enabled={},
        stutter=False,
        after=lambda k: [states[j] for j in succ[path[k]]],
    )
    prod.build([0])
    good = prod.aut.accepting_nodes()
    return prod.accepting({p for p, m in enumerate(prod.pnode) if m in good}) is not None
