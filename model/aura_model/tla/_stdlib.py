"""Standard modules built in natively: Naturals, Integers, Sequences, FiniteSets, Bags, TLC.

Each operator is a Python function on values (TLC's Java overrides of the
standard modules, not their TLA+ definitions). A function raises ``ValueError``
with a TLC-like message on misuse; the compiled call site turns it into an
:class:`EvalError` carrying the file, line and column of the call.

:data:`STANDARD_MODULES` says what each module exports, as SANY sees it: only
the module's own definitions and what it EXTENDS are exported (``Sequences``
uses ``LOCAL INSTANCE Naturals``, so ``EXTENDS Sequences`` gives ``Len`` but not
``+``; ``Bags`` EXTENDS ``TLC``).
"""

from __future__ import annotations

import itertools
import sys
import time
from collections.abc import Callable
from typing import Any

from aura_model.tla._errors import TlcAssertionError
from aura_model.tla._values import (
    Fn,
    LazyFn,
    LazySet,
    ModelValue,
    fn_as_dict,
    format_value,
    is_value_set,
    make_fn,
    set_elements,
    sort_key,
)

__all__ = [
    "BUILTIN_OPS",
    "BUILTIN_VALUES",
    "MAX_INT",
    "MIN_INT",
    "STANDARD_MODULES",
    "Builtin",
    "CoreOp",
    "StdModule",
    "StdUnsupported",
    "TlcAssertionError",
    "reset_registers",
    "std_exports",
]

Value = Any


class Builtin:
    """A built-in operator; ``op_args`` lists which arguments are operators."""

    __slots__ = ("arity", "fn", "name", "op_args")

    def __init__(
        self, name: str, arity: int, fn: Callable[..., Value], op_args: tuple[int, ...] = ()
    ) -> None:
        self.name = name
        self.arity = arity
        self.fn = fn
        self.op_args = op_args


def _int(v: Value, what: str) -> int:
    if type(v) is not int:
        raise ValueError(f"{what} expects an integer, got {format_value(v)}")
    return v


def _seq(v: Value, what: str) -> tuple[Value, ...]:
    if type(v) is not tuple:
        raise ValueError(f"{what} expects a sequence, got {format_value(v)}")
    return v


def _set(v: Value, what: str) -> frozenset[Value]:
    if not is_value_set(v):
        raise ValueError(f"{what} expects a set, got {format_value(v)}")
    try:
        return set_elements(v)
    except OverflowError as exc:
        raise ValueError(f"{what}: {exc}") from None


def _len(s: Value) -> int:
    return len(_seq(s, "Len"))


def _append(s: Value, e: Value) -> Value:
    return (*_seq(s, "Append"), e)


def _head(s: Value) -> Value:
    s = _seq(s, "Head")
    if not s:
        raise ValueError("Attempted to apply Head to the empty sequence")
    return s[0]


def _tail(s: Value) -> Value:
    # TLC's Tail takes a string too (its Head does not).
    if type(s) is not str:
        s = _seq(s, "Tail")
    if not s:
        raise ValueError("Attempted to apply Tail to the empty sequence")
    return s[1:]


def _subseq(s: Value, m: Value, n: Value) -> Value:
    # TLC's SubSeq also takes a string (and gives one), unlike Head and Tail.
    if type(s) is not str:
        s = _seq(s, "SubSeq")
    m, n = _int(m, "SubSeq"), _int(n, "SubSeq")
    if m > n:
        return "" if type(s) is str else ()
    if m < 1 or n > len(s):
        raise ValueError(f"SubSeq indices {m}..{n} out of range for a sequence of length {len(s)}")
    return s[m - 1 : n]


def _selectseq(s: Value, test: Callable[[Value], Value]) -> Value:
    out = []
    for x in _seq(s, "SelectSeq"):
        r = test(x)
        if type(r) is not bool:
            raise ValueError("SelectSeq test did not return a Boolean")
        if r:
            out.append(x)
    return tuple(out)


def _seqset(s: Value) -> Value:
    return LazySet("Seq", s)


# TLC's integers are 32-bit: a result outside these bounds is its error
# "Overflow when computing a+b" (a standard module's error, see EvalError).
MIN_INT = -(2**31)
MAX_INT = 2**31 - 1


def _size(s: Value) -> int | None:
    """The number of elements of ``SUBSET S``, ``[S -> T]``, a record set or a
    product, computed from its parts as TLC computes it (without listing the
    elements; ``Cardinality(SUBSET (1..20))`` lists a million sets otherwise);
    None where the elements must be listed."""
    if type(s) is frozenset:
        return len(s)
    if not isinstance(s, LazySet) or not s.finite():
        return None
    k = s.kind
    if k == "SUBSET":
        n = _size(s.args[0])
        return None if n is None else _capped(2, n, s)
    if k == "FcnSet":
        d, c = _size(s.args[0]), _size(s.args[1])
        return None if d is None or c is None else _capped(c, d, s)
    parts = list(s.args[0].values()) if k == "RecSet" else list(s.args) if k == "Product" else None
    if parts is None:
        return None
    total = 1
    for part in parts:
        n = _size(part)
        if n is None:
            return None
        total *= n
        if total > MAX_INT:
            raise ValueError(f"Overflow when computing the number of elements in: {_shown(s)}")
    return total


def _capped(base: int, exp: int, s: Value) -> int:
    """``base ^ exp``, TLC's overflow error past its 32-bit integers."""
    if base > 1 and (exp > 31 or base**exp > MAX_INT):
        raise ValueError(f"Overflow when computing the number of elements in: {_shown(s)}")
    return int(base**exp)


def _shown(s: Value) -> str:
    """A set too large to list, named by how it was built."""
    if isinstance(s, LazySet) and s.kind == "SUBSET":
        return f"SUBSET {_shown(s.args[0])}"
    if isinstance(s, LazySet) and s.kind == "FcnSet":
        return f"[{_shown(s.args[0])} -> {_shown(s.args[1])}]"
    if isinstance(s, LazySet):
        return f"a set ({s.kind})"
    return format_value(s)


def _cardinality(s: Value) -> int:
    n = _size(s) if isinstance(s, LazySet) else None
    return len(_set(s, "Cardinality")) if n is None else n


def _isfinite(s: Value) -> bool:
    if isinstance(s, LazySet):
        return s.finite()
    return type(s) is frozenset


def _colon_gt(a: Value, b: Value) -> Value:
    return make_fn({a: b})


def _at_at(f: Value, g: Value) -> Value:
    d = dict(fn_as_dict(g))
    d.update(fn_as_dict(f))
    return make_fn(d)


def _assert(cond: Value, msg: Value) -> bool:
    if cond is not True:
        text = msg if type(msg) is str else format_value(msg)
        raise TlcAssertionError(
            f'The first argument of Assert evaluated to FALSE; message: "{text}"'
        )
    return True


def _print(out: Value, val: Value) -> Value:
    print(format_value(out), file=sys.stderr)
    return val


def _printt(out: Value) -> bool:
    print(format_value(out), file=sys.stderr)
    return True


def _javatime() -> int:
    return int(time.time())


# TLCSet/TLCGet registers: one worker, so one set, emptied for each loaded model.
_REGISTERS: dict[Value, Value] = {}


def reset_registers() -> None:
    _REGISTERS.clear()


# TLCGet("level"): the level of the state being judged (an initial state is at 1),
# set by the breadth-first search; 0 outside one.
LEVEL = [0]


# TLCGet("config"): the settings of the run under way (set by the search and
# the simulation, empty outside them). Only those TLC reports that depend on
# neither the machine nor chance: "mode", "deadlock", "worker" (and, when
# simulating, "traces" and "depth"); TLC's "install", "seed", "fingerprint",
# "aril" and "sched" are left out, so reading one is a missing-field error.
RUN_CONFIG: dict[str, Value] = {}

# TLCGet("stats") and its keys while a POSTCONDITION is evaluated: the figures
# of the search just finished (TLC answers them from its final statistics).
POST_STATS: dict[str, Value] = {}

# Keys TLC answers from its own progress, clock or build: their values depend
# on when and on which machine TLC evaluates them, not on the spec alone.
_TLC_ONLY_KEYS = {
    "diameter": "the search's depth so far",
    "distinct": "the number of distinct states found so far",
    "queue": "the number of states left on the queue",
    "generated": "the number of states generated so far",
    "duration": "the seconds since the run started",
    "stats": "the search's statistics so far",
    "spec": "the names and source locations of the spec's parts",
    "revision": "TLC's build",
    "action": "the action being evaluated",
}


def _tlcget(i: Value) -> Value:
    if i == "level" and type(i) is str:
        if LEVEL[0] <= 0:
            raise ValueError('TLCGet("level") is only supported during a breadth-first search')
        return LEVEL[0]
    if i == "config" and type(i) is str:
        if not RUN_CONFIG:
            raise ValueError('TLCGet("config") is only supported during a search or simulation')
        return Fn(dict(RUN_CONFIG))
    if type(i) is str and POST_STATS:
        if i == "stats":
            return Fn(dict(POST_STATS))
        if i in POST_STATS:
            return POST_STATS[i]
    if type(i) is str and i.startswith("-D"):
        # TLC reads the Java system property named after -D, and gives the
        # string itself when none is set (none ever is here): a spec asking
        # whether TLC runs with `-Dtlc2.tool.impl.Tool.cdot=true` finds not.
        return i
    if type(i) is str and i in _TLC_ONLY_KEYS:
        # An evaluation error (located, exit 75) like any other refusal met
        # while evaluating; the text says it is out of scope, not a spec bug.
        raise ValueError(
            f'unsupported: TLCGet("{i}") ({_TLC_ONLY_KEYS[i]}, as TLC counts it);'
            ' only integer registers, "level" and "config" are supported'
        )
    if type(i) is not int:
        raise ValueError(
            f'TLCGet({format_value(i)}): only integer registers, "level" and "config" are supported'
        )
    if i not in _REGISTERS:
        raise ValueError(f"TLCGet({i}): register {i} has not been set with TLCSet")
    return _REGISTERS[i]


def _tlcset(i: Value, v: Value) -> bool:
    if type(i) is not int:
        raise ValueError(f"TLCSet({format_value(i)}, ...): only integer registers are supported")
    _REGISTERS[i] = v
    return True


def _randomelement(s: Value) -> Value:
    # TLC picks at random; the least element in the canonical order keeps runs
    # reproducible (a spec whose figures depend on the pick differs from TLC anyway).
    elems = _set(s, "RandomElement")
    if not elems:
        raise ValueError("RandomElement applied to the empty set")
    return min(elems, key=sort_key)


def _asserteq(a: Value, b: Value) -> bool:
    if a != b:
        print("Assertion failed", file=sys.stderr)
        print(format_value(a), file=sys.stderr)
        print(format_value(b), file=sys.stderr)
    return bool(a == b)


def _tlcmodelvalue(name: Value) -> Value:
    if type(name) is not str:
        raise ValueError(f"TLCModelValue expects a string, got {format_value(name)}")
    return ModelValue(name)


def _tostring(v: Value) -> str:
    return format_value(v)


def _permutations(s: Value) -> Value:
    elems = sorted(_set(s, "Permutations"), key=sort_key)
    return frozenset(
        make_fn(dict(zip(elems, p, strict=True))) for p in itertools.permutations(elems)
    )


def _sortseq(s: Value, less: Callable[[Value, Value], Value]) -> Value:
    import functools

    def cmp(a: Value, b: Value) -> int:
        if less(a, b) is True:
            return -1
        if less(b, a) is True:
            return 1
        return 0

    return tuple(sorted(_seq(s, "SortSeq"), key=functools.cmp_to_key(cmp)))


# Bags: a bag is a function from elements to positive counts.


def _bag(v: Value, what: str) -> dict[Value, Value]:
    if type(v) is not tuple and not isinstance(v, (Fn, LazyFn)):
        raise ValueError(f"{what} expects a bag, got {format_value(v)}")
    return fn_as_dict(v)


def _settobag(s: Value) -> Value:
    return make_fn(dict.fromkeys(_set(s, "SetToBag"), 1))


def _bagtoset(b: Value) -> Value:
    return frozenset(_bag(b, "BagToSet"))


def _bagin(e: Value, b: Value) -> bool:
    return e in _bag(b, "BagIn")


def _copiesin(e: Value, b: Value) -> int:
    return int(_bag(b, "CopiesIn").get(e, 0))


def _bagcup(a: Value, b: Value) -> Value:
    d = dict(_bag(a, "(+)"))
    for k, n in _bag(b, "(+)").items():
        d[k] = d.get(k, 0) + n
    return make_fn(d)


def _bagdiff(a: Value, b: Value) -> Value:
    d = dict(_bag(a, "(-)"))
    for k, n in _bag(b, "(-)").items():
        if k in d:
            left = d[k] - n
            if left > 0:
                d[k] = left
            else:
                del d[k]
    return make_fn(d)


def _bagcard(b: Value) -> int:
    return sum(_bag(b, "BagCardinality").values())


def _subbag(a: Value, b: Value) -> bool:
    db = _bag(b, "\\sqsubseteq")
    return all(db.get(k, 0) >= n for k, n in _bag(a, "\\sqsubseteq").items())


def _isabag(b: Value) -> bool:
    if type(b) is not tuple and not isinstance(b, (Fn, LazyFn)):
        return False
    return all(type(n) is int and n > 0 for n in fn_as_dict(b).values())


def _bagunion(s: Value) -> Value:
    out: Value = ()
    for b in _set(s, "BagUnion"):
        out = _bagcup(out, b)
    return out


def _bagofall(f: Callable[[Value], Value], b: Value) -> Value:
    d: dict[Value, Value] = {}
    for k, n in _bag(b, "BagOfAll").items():
        y = f(k)
        d[y] = d.get(y, 0) + n
    return make_fn(d)


def _subbags_late(b: Value) -> Value:
    return _subbags(b)


BUILTIN_OPS: dict[str, Builtin] = {
    b.name: b
    for b in [
        Builtin("Len", 1, _len),
        Builtin("Append", 2, _append),
        Builtin("Head", 1, _head),
        Builtin("Tail", 1, _tail),
        Builtin("SubSeq", 3, _subseq),
        Builtin("SelectSeq", 2, _selectseq, (1,)),
        Builtin("Seq", 1, _seqset),
        Builtin("Cardinality", 1, _cardinality),
        Builtin("IsFiniteSet", 1, _isfinite),
        Builtin("Assert", 2, _assert),
        Builtin("Print", 2, _print),
        Builtin("PrintT", 1, _printt),
        Builtin("ToString", 1, _tostring),
        Builtin("TLCEval", 1, lambda v: v),
        Builtin("JavaTime", 0, _javatime),
        Builtin("TLCGet", 1, _tlcget),
        Builtin("TLCSet", 2, _tlcset),
        Builtin("RandomElement", 1, _randomelement),
        Builtin("AssertEq", 2, _asserteq),
        Builtin("TLCNoOp", 1, lambda v: v),
        Builtin("TLCCache", 2, lambda v, _c: v),
        Builtin("TLCModelValue", 1, _tlcmodelvalue),
        Builtin("Permutations", 1, _permutations),
        Builtin("SortSeq", 2, _sortseq, (1,)),
        Builtin("SetToBag", 1, _settobag),
        Builtin("BagToSet", 1, _bagtoset),
        Builtin("BagIn", 2, _bagin),
        Builtin("CopiesIn", 2, _copiesin),
        Builtin("BagCardinality", 1, _bagcard),
        Builtin("IsABag", 1, _isabag),
        Builtin("BagUnion", 1, _bagunion),
        Builtin("BagOfAll", 2, _bagofall, (0,)),
        Builtin("SubBag", 1, _subbags_late),
    ]
}

# Infix operators from the standard modules that are not core syntax.
BUILTIN_INFIX: dict[str, Callable[[Value, Value], Value]] = {
    ":>": _colon_gt,
    "@@": _at_at,
    "(+)": _bagcup,
    "\\oplus": _bagcup,
    "(-)": _bagdiff,
    "\\ominus": _bagdiff,
    "\\sqsubseteq": _subbag,
}


def _subbags(b: Value) -> Value:
    items = sorted(_bag(b, "SubBag").items(), key=lambda kv: sort_key(kv[0]))
    pools = [[(k, c) for c in range(n + 1)] for k, n in items]
    return frozenset(
        make_fn({k: c for k, c in choice if c > 0}) for choice in itertools.product(*pools)
    )


BUILTIN_VALUES: dict[str, Value] = {
    "Nat": LazySet("Nat"),
    "Int": LazySet("Int"),
    "EmptyBag": (),
}


class CoreOp:
    """A standard-module operator the compiler evaluates itself (``+``, ``..``, ``\\o``)."""

    __slots__ = ("op",)

    def __init__(self, op: str) -> None:
        self.op = op


class StdUnsupported:
    """A standard-module operator the checker does not evaluate (``Real``, ``/``)."""

    __slots__ = ("name", "why")

    def __init__(self, name: str, why: str) -> None:
        self.name = name
        self.why = why


class StdModule:
    """What one standard module exports; ``extends`` are re-exported, LOCAL INSTANCEs not."""

    __slots__ = ("exports", "extends", "name")

    def __init__(self, name: str, extends: tuple[str, ...], exports: dict[str, Any]) -> None:
        self.name = name
        self.extends = extends
        self.exports = exports


def _ops(*names: str) -> dict[str, Any]:
    return {n: BUILTIN_OPS[n] for n in names}


def _infix(pairs: dict[str, Callable[[Value, Value], Value]]) -> dict[str, Any]:
    return {n: Builtin(n, 2, f) for n, f in pairs.items()}


_NO_REALS = "TLC does not evaluate the reals"

STANDARD_MODULES: dict[str, StdModule] = {
    m.name: m
    for m in [
        StdModule(
            "Naturals",
            (),
            {
                "Nat": ("value", BUILTIN_VALUES["Nat"]),
                **{
                    op: CoreOp(op)
                    for op in ("+", "-", "*", "^", "<", ">", "<=", ">=", "%", "\\div", "..")
                },
            },
        ),
        StdModule(
            "Integers",
            ("Naturals",),
            {"Int": ("value", BUILTIN_VALUES["Int"]), "-.": CoreOp("-.")},
        ),
        StdModule(
            "Reals",
            ("Integers",),
            {
                "Real": StdUnsupported("Real", _NO_REALS),
                "/": StdUnsupported("/", _NO_REALS),
                "Infinity": StdUnsupported("Infinity", _NO_REALS),
            },
        ),
        StdModule(
            "Sequences",
            (),
            {
                **_ops("Seq", "Len", "Append", "Head", "Tail", "SubSeq", "SelectSeq"),
                "\\o": CoreOp("\\o"),
            },
        ),
        StdModule("FiniteSets", (), _ops("IsFiniteSet", "Cardinality")),
        StdModule(
            "TLC",
            (),
            {
                **_ops(
                    "Print",
                    "PrintT",
                    "Assert",
                    "JavaTime",
                    "TLCGet",
                    "TLCSet",
                    "Permutations",
                    "SortSeq",
                    "RandomElement",
                    "ToString",
                    "TLCEval",
                ),
                **_infix({":>": _colon_gt, "@@": _at_at}),
                "Any": StdUnsupported("Any", "TLC's Any (the set of all values)"),
            },
        ),
        StdModule(
            "Bags",
            ("TLC",),
            {
                **_ops(
                    "IsABag",
                    "BagToSet",
                    "SetToBag",
                    "BagIn",
                    "BagUnion",
                    "SubBag",
                    "BagOfAll",
                    "BagCardinality",
                    "CopiesIn",
                ),
                "EmptyBag": ("value", BUILTIN_VALUES["EmptyBag"]),
                **_infix({"(+)": _bagcup, "(-)": _bagdiff, "\\sqsubseteq": _subbag}),
            },
        ),
        StdModule(
            "TLCExt",
            (),
            {
                **_ops("AssertEq", "TLCNoOp", "TLCCache", "TLCModelValue"),
                **{
                    n: StdUnsupported(n, "it reads TLC's own state or trace")
                    for n in (
                        "AssertError",
                        "TLCGetOrDefault",
                        "TLCGetAndSet",
                        "Trace",
                        "CounterExample",
                        "ToTrace",
                        "TLCDefer",
                        "PickSuccessor",
                        "TLCFP",
                        "TLCEvalDefinition",
                    )
                },
            },
        ),
        # No TLAPS: TLC's jar has none, so a spec extending it needs its own
        # TLAPS.tla beside it (then read like any module) or is a parse error.
    ]
}


def _ksubset(k: Value, s: Value) -> Value:
    k = _int(k, "kSubset")
    elems = sorted(_set(s, "kSubset"), key=sort_key)
    if k < 0 or k > len(elems):
        return frozenset()
    return frozenset(frozenset(c) for c in itertools.combinations(elems, k))


def _quantify(s: Value, pred: Callable[[Value], Value]) -> Value:
    n = 0
    for x in _set(s, "Quantify"):
        v = pred(x)
        if type(v) is not bool:
            raise ValueError(f"the predicate gave {format_value(v)}, not a Boolean")
        n += v
    return n


def _extreme(name: str, pick: Callable[..., int]) -> Callable[[Value], Value]:
    def f(s: Value) -> Value:
        elems = _set(s, name)
        if not elems:
            # What the definition's CHOOSE says of an empty set.
            raise ValueError(
                "Attempted to compute the value of an expression of form\n"
                "CHOOSE x \\in S: P, but no element of S satisfied P."
            )
        if not all(type(x) is int for x in elems):
            bad = next(x for x in sorted(elems, key=sort_key) if type(x) is not int)
            raise ValueError(f"cannot compare {format_value(bad)} with >= (not an integer)")
        return pick(elems)

    return f


def _settoseq(s: Value) -> Value:
    # TLC's Java lists the set in its normal order; the definition's CHOOSE
    # over the injective [1..n -> S] picks the same sequence in the canonical
    # order, after building all n^n functions.
    return tuple(sorted(_set(s, "SetToSeq"), key=sort_key))


def _graph(g: Value, what: str) -> tuple[frozenset[Value], frozenset[Value]]:
    if not isinstance(g, Fn) or "node" not in g.d or "edge" not in g.d:
        raise ValueError(f"expects a graph [node |-> N, edge |-> E], got {format_value(g)}")
    return _set(g.d["node"], what), _set(g.d["edge"], what)


def _successors(nodes: frozenset[Value], edges: frozenset[Value]) -> dict[Value, list[Value]]:
    succ: dict[Value, list[Value]] = {n: [] for n in nodes}
    for e in edges:
        if type(e) is tuple and len(e) == 2 and e[0] in succ and e[1] in succ:
            succ[e[0]].append(e[1])
    return succ


def _simple_path(g: Value) -> Value:
    # The definition filters Seq(G.node), an infinite set; TLC's Java walks
    # the graph. The paths are the non-empty sequences of distinct nodes
    # joined by edges.
    nodes, edges = _graph(g, "SimplePath")
    succ = _successors(nodes, edges)
    out: set[Value] = set()

    def walk(path: tuple[Value, ...]) -> None:
        out.add(path)
        for m in succ[path[-1]]:
            if m not in path:
                walk((*path, m))

    for n in nodes:
        walk((n,))
    return frozenset(out)


def _connected(m: Value, n: Value, g: Value) -> Value:
    nodes, edges = _graph(g, "AreConnectedIn")
    if m not in nodes or n not in nodes:
        return False
    succ = _successors(nodes, edges)
    seen = {m}
    todo = [m]
    while todo:
        x = todo.pop()
        if x == n:
            return True
        for y in succ[x]:
            if y not in seen:
                seen.add(y)
                todo.append(y)
    return False


def _strongly_connected(g: Value) -> Value:
    nodes, _ = _graph(g, "IsStronglyConnected")
    return all(_connected(m, n, g) for m in nodes for n in nodes)


# Operators of the Community Modules that TLC computes in Java: their TLA+
# definitions say the same, but some take exponential or quadratic time
# (`kSubset(27, 1..27)` enumerates SUBSET 1..27). Installed in place of the
# definitions read from the modules' jar.
COMMUNITY_OVERRIDES: dict[str, tuple[Builtin, ...]] = {
    "FiniteSetsExt": (
        Builtin("kSubset", 2, _ksubset),
        Builtin("Quantify", 2, _quantify, (1,)),
        Builtin("Max", 1, _extreme("Max", max)),
        Builtin("Min", 1, _extreme("Min", min)),
    ),
    "SequencesExt": (Builtin("SetToSeq", 1, _settoseq),),
    "Graphs": (
        Builtin("SimplePath", 1, _simple_path),
        Builtin("AreConnectedIn", 3, _connected),
        Builtin("IsStronglyConnected", 1, _strongly_connected),
    ),
}


def std_exports(name: str) -> dict[str, Any]:
    """Every name ``EXTENDS name`` brings in (the module's EXTENDS chain included)."""
    m = STANDARD_MODULES[name]
    out: dict[str, Any] = {}
    for ext in m.extends:
        out.update(std_exports(ext))
    out.update(m.exports)
    return out
