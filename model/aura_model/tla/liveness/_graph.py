"""Graph searches shared by the tableau and the product: components, distances, paths."""

from __future__ import annotations

from collections import deque

from aura_model.tla._errors import EvalError

__all__ = ["distances", "sccs", "shortest_path"]


def sccs(nodes: set[int], edges: list[list[tuple[int, int]]], total: int) -> list[list[int]]:
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


def distances(edges: list[list[tuple[int, int]]], src: int, inside: set[int]) -> dict[int, int]:
    dist = {src: 0}
    frontier = deque([src])
    while frontier:
        v = frontier.popleft()
        for w, _ in edges[v]:
            if w in inside and w not in dist:
                dist[w] = dist[v] + 1
                frontier.append(w)
    return dist


def shortest_path(
    edges: list[list[tuple[int, int]]], src: int, dst: int, inside: set[int]
) -> list[int]:
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
