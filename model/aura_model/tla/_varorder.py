"""The order in which TLC keeps a state's variables.

TLC compares and prints a state's variables in the order SANY's
``ModuleNode.getVariableDecls`` gives them, not in declaration order: SANY
enumerates the root module's symbol table (a ``java.util.Hashtable`` keyed by
the names) and reverses it. That order decides which member of a symmetry
orbit is the smallest state, the one whose VIEW TLC fingerprints, so a VIEW
together with SYMMETRY reduces as TLC does only when states compare in it.

The table holds the 72 names SANY puts in every module's context (measured
against TLC: a module extending nothing, with v variables and d definitions,
needs v + d = 72 for the table to grow from 191 to 383 buckets), then the
module's own and imported names in the order they are met. Java's Hashtable
puts an entry at the head of its bucket, grows to 2n+1 buckets once it holds
three quarters of n entries, moving the entries bucket by bucket from the
last, and is enumerated from the last bucket to the first.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

# Names in the context of a module before its own (and imported) ones.
_BUILTIN_NAMES = 72


def _java_hash(name: str) -> int:
    """``String.hashCode() & 0x7FFFFFFF`` (UTF-16 code units)."""
    h = 0
    data = name.encode("utf-16-be")
    for i in range(0, len(data), 2):
        h = (31 * h + ((data[i] << 8) | data[i + 1])) & 0xFFFFFFFF
    return h & 0x7FFFFFFF


def tlc_variable_order(names: Iterable[str], variables: Sequence[str]) -> list[int]:
    """Indices into ``variables`` in TLC's order.

    ``names``: every name of the root module's context in the order SANY adds
    them (imported names, then the module's units); ``variables`` among them.
    """
    wanted = set(variables)
    cap, threshold, count = 11, 8, 0
    # Only the variables' places are kept; other names only count.
    buckets: dict[int, list[str]] = {}

    def add(name: str | None) -> None:
        nonlocal cap, threshold, count, buckets
        if count >= threshold:
            new_cap = cap * 2 + 1
            moved: dict[int, list[str]] = {}
            for i in range(cap - 1, -1, -1):
                for e in buckets.get(i, ()):
                    moved.setdefault(_java_hash(e) % new_cap, []).insert(0, e)
            cap, threshold, buckets = new_cap, int(new_cap * 0.75), moved
        if name is not None:
            buckets.setdefault(_java_hash(name) % cap, []).insert(0, name)
        count += 1

    for _ in range(_BUILTIN_NAMES):
        add(None)
    seen: set[str] = set()
    for n in names:
        if n in seen:
            continue
        seen.add(n)
        add(n if n in wanted else None)
    enumerated = [e for i in range(cap - 1, -1, -1) for e in buckets.get(i, ())]
    order = list(reversed(enumerated))
    index = {v: i for i, v in enumerate(variables)}
    # A variable the name list missed keeps its declaration place at the end.
    rest = [v for v in variables if v not in set(order)]
    return [index[v] for v in order + rest]
