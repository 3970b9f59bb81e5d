"""The tableau: a generalised Büchi automaton for a formula, built on demand.

A node is a set of obligations; its transitions say which atoms must hold now
(state literals, action literals) and which obligations pass to the next
state; one acceptance bit per eventuality ``<>f`` marks the transitions that
do not postpone it.
"""

from __future__ import annotations

from aura_model.tla.liveness._formulas import Atom, Formula
from aura_model.tla.liveness._graph import sccs

__all__ = ["Automaton"]


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


class Automaton:
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
        for comp in sccs(set(range(n)), edges, n):
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
