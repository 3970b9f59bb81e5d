"""The value model of the embedded checker.

TLA+ values map onto Python values so that hashing and equality run in C:
integers are ``int``, booleans ``bool``, strings ``str``, finite sets
``frozenset``. A function whose domain is ``1..n`` (a tuple or sequence,
including the empty function) is always stored as a Python ``tuple``; every
other function (records included) is an :class:`Fn`. Because constructors
normalise to this canonical form, TLA+'s equality ("a tuple is a function on
1..n, a record a function on strings") is plain Python ``==``.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any

from aura_model.tla._errors import EvalError

__all__ = [
    "VALUE_KINDS",
    "Fn",
    "IncomparableValues",
    "LazyFn",
    "LazySet",
    "ModelValue",
    "fn",
    "format_value",
    "in_tlc_order",
    "is_value_set",
    "make_fn",
    "record",
    "seq",
    "sort_key",
    "tup",
]

Value = Any


class ModelValue:
    """An uninterpreted constant: equal only to itself (by name)."""

    __slots__ = ("_h", "name")

    def __init__(self, name: str) -> None:
        self.name = name
        # Model values key the functions of most states (pc[self], pick[n]):
        # their hash, the same as ever, is computed once.
        self._h = hash(("mv", name))

    def __eq__(self, other: object) -> bool:
        return other is self or (isinstance(other, ModelValue) and other.name == self.name)

    def __hash__(self) -> int:
        return self._h

    def __repr__(self) -> str:
        return self.name


class Fn:
    """A function whose domain is not ``1..n``; records are Fn on strings."""

    __slots__ = ("_h", "_k", "_ko", "d")

    def __init__(self, d: dict[Value, Value]) -> None:
        self.d = d
        self._h = -1
        # Its sort_key, once asked (the harness sorts the same records every step),
        # and the value order it was asked under (a string's rank is a model's).
        self._k: tuple[Any, ...] | None = None
        self._ko = 0

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Fn):
            return self.d == other.d
        if isinstance(other, LazyFn):
            return other == self
        return False

    def __hash__(self) -> int:
        h = self._h
        if h == -1:
            d = self.d
            h = hash(frozenset(d.items()))
            # Mix in where -1 occurs (hash(-1) == hash(-2)), so a function's
            # hash, cached here, tells them apart; see fingerprint(). Until
            # some value is -1 (NEG_ONE_SEEN), none of these can hold one.
            if NEG_ONE_SEEN[0]:
                s = _dict_sig(d)
                if s:
                    h = hash((h, s))
            self._h = h
        return h

    def __repr__(self) -> str:
        return format_value(self)


def make_fn(d: dict[Value, Value]) -> Value:
    """Canonical function value from a dict: a tuple when the domain is 1..n."""
    n = len(d)
    if n == 0:
        return ()
    if all(type(k) is int for k in d) and min(d) == 1 and max(d) == n:
        return tuple(d[i] for i in range(1, n + 1))
    return Fn(d)


def fn_items(f: Value) -> Iterator[tuple[Value, Value]]:
    if type(f) is tuple:
        return iter(enumerate(f, 1))
    if isinstance(f, Fn):
        return iter(f.d.items())
    if isinstance(f, LazyFn):
        return iter(f.materialise().items())
    raise TypeError("not a function")


def fn_as_dict(f: Value) -> dict[Value, Value]:
    if type(f) is tuple:
        return dict(enumerate(f, 1))
    if isinstance(f, Fn):
        return f.d
    if isinstance(f, LazyFn):
        return f.materialise()
    raise TypeError("not a function")


class LazyFn:
    """A recursively defined function ``f[x \\in S] == ...``, evaluated on demand."""

    __slots__ = ("body", "domain", "memo")

    def __init__(self, domain: Value, body: Callable[[Value], Value]) -> None:
        self.domain = domain
        self.body = body
        self.memo: dict[Value, Value] = {}

    def apply(self, x: Value) -> Value:
        memo = self.memo
        if x in memo:
            return memo[x]
        if not set_contains(self.domain, x):
            raise KeyError(x)
        v = self.body(x)
        memo[x] = v
        return v

    def materialise(self) -> dict[Value, Value]:
        return {x: self.apply(x) for x in set_elements(self.domain)}

    def canonical(self) -> Value:
        return make_fn(self.materialise())

    def _listable(self) -> bool:
        return not isinstance(self.domain, LazySet) or self.domain.finite()

    def __eq__(self, other: object) -> bool:
        if not self._listable() or (isinstance(other, LazyFn) and not other._listable()):
            # Not listable: the same function object only (operator memos
            # look arguments up; TLA+'s = on these is not decidable here).
            return self is other
        return bool(self.canonical() == (other.canonical() if isinstance(other, LazyFn) else other))

    def __hash__(self) -> int:
        if not self._listable():
            return hash(("LazyFn", id(self)))
        return hash(self.canonical())


# The most elements a lazy set keeps once enumerated (bigger ones are rebuilt
# when asked again, so a large SUBSET or function set does not stay in memory).
_KEEP_ELEMENTS = 4096


# The lazy set operations, as TLA+ writes them.
_SET_OP_SYMBOLS = {"Cup": "\\cup", "Cap": "\\cap", "Diff": "\\"}


class LazySet:
    """A set too large (or infinite) to build eagerly; membership is computed."""

    __slots__ = ("_elements", "args", "kind", "where")

    def __init__(self, kind: str, *args: Value) -> None:
        self.kind = kind
        self.args = args
        self._elements: frozenset[Value] | None = None
        # A set operation on a non-set: (file, line, col) of where it was written,
        # which the error names when the value is used.
        self.where: tuple[str | None, int | None, int | None] = (None, None, None)

    def contains(self, v: Value) -> bool:
        k = self.kind
        if k in ("Nat", "Int"):
            if type(v) is int:
                return k == "Int" or v >= 0
            if type(v) is ModelValue:
                return False
            # TLC: "Attempted to check if the value: "a" is an element of Nat."
            raise TypeError(f"Attempted to check if the value {format_value(v)} is an element of")
        if k == "STRING":
            if type(v) is str:
                return True
            if type(v) is ModelValue:
                return False
            # TLC: "Attempted to check if the value: 3 is an element of STRING."
            raise TypeError(f"Attempted to check if the value {format_value(v)} is an element of")
        if k == "Seq":
            base = self.args[0]
            if type(v) is not tuple:
                if type(v) is str:
                    # Strings are not sequences to TLC here (nor is "ab" = <<"a", "b">>).
                    raise TypeError(
                        f"Attempted to check if the value {format_value(v)} is an element of"
                    )
                return False
            if type(base) is frozenset:
                return base.issuperset(v)
            return all(set_contains(base, x) for x in v)
        if k == "SUBSET":
            if not is_value_set(v):
                if type(v) is ModelValue:
                    return False
                # TLC: "Attempted to check if the non-enumerable value 1 is
                # element of SUBSET Nat"
                raise TypeError(
                    f"Attempted to check if the value {format_value(v)} is an element of"
                )
            return all(set_contains(self.args[0], x) for x in iter_set(v))
        if k == "FcnSet":
            dom, cod = self.args
            if isinstance(dom, LazySet) and not dom.finite():
                if type(v) is tuple or isinstance(v, (Fn, LazyFn)):
                    # TLC cannot compare a function's domain with Nat either:
                    # "Attempted to compare overridden value Nat with
                    # non-overridden value {1}"
                    raise TypeError(f"Attempted to compare the domain of {format_value(v)} with")
                return False
            if type(v) is tuple:
                # A tuple's domain is 1..n: compare without building dicts.
                n = len(v)
                if type(dom) is not frozenset or len(dom) != n or (n and dom != _one_to(n)):
                    return False
                if type(cod) is frozenset:
                    return cod.issuperset(v)
                return all(set_contains(cod, x) for x in v)
            if not isinstance(v, (Fn, LazyFn)):
                return False
            d = fn_as_dict(v)
            return set(d) == set(set_elements(dom)) and all(
                set_contains(cod, x) for x in d.values()
            )
        if k == "RecSet":
            fields: dict[str, Value] = self.args[0]
            if not isinstance(v, Fn) or set(v.d) != set(fields):
                return False
            return all(set_contains(fields[f], x) for f, x in v.d.items())
        if k in _SET_OP_SYMBOLS:
            self._operands_are_sets()
        if k == "Diff":
            return set_contains(self.args[0], v) and not set_contains(self.args[1], v)
        if k == "Cup":
            return set_contains(self.args[0], v) or set_contains(self.args[1], v)
        if k == "Cap":
            return set_contains(self.args[0], v) and set_contains(self.args[1], v)
        if k == "Filter":
            # args: the set filtered, and the filter's test of one element.
            return set_contains(self.args[0], v) and bool(self.args[1](v))
        if k == "Product":
            sets = self.args
            return (
                type(v) is tuple
                and len(v) == len(sets)
                and all(set_contains(s, x) for s, x in zip(sets, v, strict=True))
            )
        raise AssertionError(k)

    def _operands_are_sets(self) -> None:
        for a in self.args:
            if not is_value_set(a):
                raise IllFormedSet(
                    f"Attempted to use {format_value(self)} as a set when "
                    f"{format_value(a)} is not a set",
                    *self.where,
                )

    def finite(self) -> bool:
        if self.kind in ("Nat", "Int", "STRING", "Seq"):
            return False
        if self.kind == "Diff":
            return _is_finite(self.args[0])
        if self.kind == "Cap":
            return _is_finite(self.args[0]) or _is_finite(self.args[1])
        if self.kind == "Filter":
            return _is_finite(self.args[0])
        return all(not isinstance(a, LazySet) or a.finite() for a in _flat_args(self))

    def elements(self) -> frozenset[Value]:
        # A constant such as `TerminationMessage == [type : {T}, pid : P]`
        # is compared with a variable (`message = TerminationMessage`) in
        # every state: its elements are kept once built, when there are few.
        if self._elements is not None:
            return self._elements
        els = self._build()
        if len(els) <= _KEEP_ELEMENTS:
            self._elements = els
        return els

    def _build(self) -> frozenset[Value]:
        k = self.kind
        if not self.finite():
            raise OverflowError(f"cannot enumerate the infinite set {self.kind}")
        if k in _SET_OP_SYMBOLS:
            self._operands_are_sets()
        if k == "Diff":
            return frozenset(
                x for x in set_elements(self.args[0]) if not set_contains(self.args[1], x)
            )
        if k == "Cup":
            return set_elements(self.args[0]) | set_elements(self.args[1])
        if k == "Filter":
            return frozenset(x for x in set_elements(self.args[0]) if self.args[1](x))
        if k == "Product":
            return frozenset(itertools.product(*[set_elements(a) for a in self.args]))
        if k == "Cap":
            a, b = self.args
            if not _is_finite(a):
                a, b = b, a
            return frozenset(x for x in set_elements(a) if set_contains(b, x))
        if k == "SUBSET":
            base = sorted(set_elements(self.args[0]), key=sort_key)
            return frozenset(
                frozenset(c) for r in range(len(base) + 1) for c in itertools.combinations(base, r)
            )
        if k == "FcnSet":
            dset = set_elements(self.args[0])
            if dset == _one_to(len(dset)) and all(type(x) is int for x in dset):
                # [1..n -> S]: its functions are the n-tuples over S (their
                # canonical form), no dictionaries needed.
                return frozenset(itertools.product(set_elements(self.args[1]), repeat=len(dset)))
            dom = sorted(dset, key=sort_key)
            cod = sorted(set_elements(self.args[1]), key=sort_key)
            return frozenset(
                make_fn(dict(zip(dom, vals, strict=True)))
                for vals in itertools.product(cod, repeat=len(dom))
            )
        if k == "RecSet":
            fields = self.args[0]
            names = sorted(fields)
            pools = [sorted(set_elements(fields[f]), key=sort_key) for f in names]
            return frozenset(
                Fn(dict(zip(names, vals, strict=True))) for vals in itertools.product(*pools)
            )
        raise AssertionError(k)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, LazySet) and not self.finite():
            return self.kind == other.kind and self.args == other.args
        if isinstance(other, (LazySet, frozenset)):
            return self.elements() == set_elements(other)
        return False

    def __hash__(self) -> int:
        if not self.finite():
            return hash((self.kind, self.args))
        return hash(self.elements())

    def __repr__(self) -> str:
        return format_value(self)


_ONE_TO: dict[int, frozenset[int]] = {}


def _one_to(n: int) -> frozenset[int]:
    r = _ONE_TO.get(n)
    if r is None:
        r = _ONE_TO[n] = frozenset(range(1, n + 1))
    return r


def _is_finite(s: Value) -> bool:
    return not isinstance(s, LazySet) or s.finite()


def _flat_args(s: LazySet) -> list[Value]:
    if s.kind == "RecSet":
        return list(s.args[0].values())
    return list(s.args)


def product_set(sets: Sequence[Value]) -> Value:
    """``S1 \\X S2 \\X ...``: built when finite, a lazy set otherwise."""
    if all(_is_finite(s) for s in sets):
        return frozenset(itertools.product(*[set_elements(s) for s in sets]))
    return LazySet("Product", *sets)


def is_value_set(v: Value) -> bool:
    return type(v) is frozenset or isinstance(v, LazySet)


class IllFormedSet(EvalError, TypeError):
    """A ``\\cup``, ``\\cap`` or ``\\`` of a non-set used as a set. TLC builds these
    operations lazily and fails only where the value is used, with its own error
    (not a standard module's: ``Cardinality(7 \\cup {1})`` is exit 75, not 255)."""


class IncomparableValues(TypeError):
    """TLC compares values of one kind only: "Attempted to compare integer 1
    with non-integer: TRUE". Model values are the exception (unequal to all)."""


# Kinds of values TLC can compare with one another (ordering, membership and, in
# the compiled evaluator, equality); a ModelValue has none.
VALUE_KINDS: dict[type, int] = {
    int: 1,
    bool: 2,
    str: 3,
    tuple: 4,
    Fn: 4,
    LazyFn: 4,
    frozenset: 5,
    LazySet: 5,
}
_KIND_NAME = {1: "integer", 2: "boolean", 3: "string", 4: "function", 5: "set"}


def _incomparable(x: Value, y: Value) -> IncomparableValues:
    kind = _KIND_NAME.get(VALUE_KINDS.get(type(x), 0), "value")
    return IncomparableValues(
        f"Attempted to compare {kind} {format_value(x)} with non-{kind}: {format_value(y)}"
    )


def _check_kinds(xs: Iterable[Value]) -> None:
    first: Value = None
    k = 0
    for x in xs:
        kx = VALUE_KINDS.get(type(x), 0)
        if kx == 0:
            continue
        if k == 0:
            first, k = x, kx
        elif kx != k:
            raise _incomparable(first, x)


def value_set(xs: list[Value]) -> frozenset[Value]:
    """The set of ``xs``, whose elements must be of one kind (model values aside).

    TLC sorts a set's elements to normalise it (to fingerprint, print, count,
    compare or enumerate it), and cannot order a Boolean and an integer: it
    stops with an error where Python would merge ``TRUE`` and ``1``.
    """
    s = frozenset(xs)
    if len(xs) > 1:
        if len(set(map(type, xs))) > 1:
            _check_kinds(xs)
        x0 = xs[0]
        if type(x0) in _CONTAINERS:
            # TLC orders the elements by comparing them, inside too: check
            # each against one (the kinds within a set's elements agree).
            for x in xs:
                if x != x0:
                    check_unequal(x0, x)
            if len(s) < len(xs):
                # Python merged two elements: {<<1>>, <<TRUE>>} has one.
                first: dict[Value, Value] = {}
                for x in xs:
                    y = first.setdefault(x, x)
                    if y is not x:
                        check_equal(y, x)
    return s


_CONTAINERS = (tuple, Fn, frozenset)


def check_equal(x: Value, y: Value) -> None:
    """Raise where Python's ``x == y`` holds only because ``TRUE == 1`` in Python."""
    tx, ty = type(x), type(y)
    if tx is not ty:
        if (tx is bool and ty is int) or (tx is int and ty is bool):
            raise _incomparable(x, y)
        return
    if tx is tuple:
        for a, b in zip(x, y, strict=True):
            if type(a) is not type(b) or type(a) in _CONTAINERS:
                check_equal(a, b)
    elif tx is Fn:
        ys = {k: k for k in y.d}
        for k, a in x.d.items():
            check_equal(k, ys[k])
            check_equal(a, y.d[k])
    elif tx is frozenset:
        ys = {e: e for e in y}
        for a in x:
            check_equal(a, ys[a])


def _rep(s: frozenset[Value]) -> Value:
    """An element of ``s`` that is not a model value (``None`` if there is none)."""
    for x in s:
        if type(x) is not ModelValue:
            return x
    return None


def check_same_kind(a: Value, b: Value) -> None:
    """Raise where TLC cannot combine the two sets (``\\cup``, ``\\cap``, ``\\``, ``\\subseteq``).

    Each finite set is of one kind already (:func:`value_set`), so one
    element of each tells.
    """
    if type(a) is frozenset and type(b) is frozenset and a and b:
        x = next(iter(a))
        y = next(iter(b))
        if type(x) is type(y):
            if type(x) in _CONTAINERS and x != y:
                check_unequal(x, y)
            return
        if type(x) is ModelValue:
            x = _rep(a)
        if type(y) is ModelValue:
            y = _rep(b)
        kx, ky = VALUE_KINDS.get(type(x), 0), VALUE_KINDS.get(type(y), 0)
        if kx and ky and kx != ky:
            raise _incomparable(x, y)


def check_member(v: Value, s: frozenset[Value], found: bool) -> None:
    """Raise where TLC cannot test ``v \\in s`` (``s`` non-empty): it compares
    ``v`` with the elements, and they are of another kind."""
    tv = type(v)
    if tv is ModelValue:
        return
    x = next(iter(s))
    tx = type(x)
    if tx is tv:
        if not found and (tx is tuple or tx is Fn or tx is frozenset):
            # TLC compares v with elements of s one by one; they differ
            # somewhere, and that may be between two kinds.
            check_unequal(x, v)
        return
    if found and tv is not bool and tv is not int:
        return
    if tx is ModelValue:
        x = _rep(s)
        if x is None:
            return
    kx, kv = VALUE_KINDS.get(type(x), 0), VALUE_KINDS.get(tv, 0)
    if kx and kv and kx != kv:
        raise _incomparable(x, v)


def check_unequal(x: Value, y: Value) -> None:
    """Raise where TLC could not decide ``x = y``, given that they differ.

    TLC's equality walks both values in its own order (sets sorted, records
    by field, sequences left to right) and stops at the first difference; it
    fails if that difference is between values of two kinds.
    """
    tx, ty = type(x), type(y)
    if tx is ModelValue or ty is ModelValue:
        return
    kx, ky = VALUE_KINDS.get(tx, 0), VALUE_KINDS.get(ty, 0)
    if kx != ky:
        raise _incomparable(x, y)
    if kx == 4:
        if tx is tuple and ty is tuple:
            if len(x) == len(y) and not _scalars_alike(x, y):
                _first_difference(x, y)
            return
        if tx is LazyFn or ty is LazyFn:
            return
        if (
            tx is Fn
            and ty is Fn
            and x.d.keys() == y.d.keys()
            and _scalars_alike(x.d.values(), y.d.values())
        ):
            return
        dx, dy = fn_as_dict(x), fn_as_dict(y)
        if len(dx) != len(dy):
            return
        kxs = sorted(dx, key=sort_key)
        kys = sorted(dy, key=sort_key)
        if kxs != kys:
            _first_difference(kxs, kys)
            return
        _first_difference([dx[k] for k in kxs], [dy[k] for k in kxs])
    elif kx == 5 and tx is frozenset and ty is frozenset and len(x) == len(y):
        sx = _set_shape(x)
        if sx is not None and sx == _set_shape(y):
            return  # no two places of the same shape hold values of two kinds
        _first_difference(sorted(x, key=sort_key), sorted(y, key=sort_key))


# The kinds a set's elements are made of, when they are uniform: sets of one
# shape compare (in any order) without meeting two kinds. Kept per set.
_SHAPES: dict[frozenset[Value], tuple[frozenset[Value], Any]] = {}
_SHAPE_TYPES = {int: 1, bool: 2, str: 3}


def _shape(v: Value) -> Any:
    """Integers, Booleans, strings, tuples and sets of them: a summary equal for
    two values only when every place compared holds one kind in both; None for
    anything else (model values, functions, lazy sets, mixed sets)."""
    t = type(v)
    k = _SHAPE_TYPES.get(t)
    if k is not None:
        return k
    if t is tuple:
        parts = tuple(map(_shape, v))
        return None if None in parts else (4, parts)
    if t is frozenset:
        return _set_shape(v)
    return None


def _set_shape(v: frozenset[Value]) -> Any:
    # Kept for the same object only: {TRUE} and {1} are equal Python keys.
    held = _SHAPES.get(v)
    if held is not None and held[0] is v:
        return held[1]
    shapes = set(map(_shape, v))
    r: Any
    if not shapes:
        r = (5, 0)
    elif len(shapes) == 1 and None not in shapes:
        r = (5, shapes.pop())
    else:
        r = None
    if len(_SHAPES) >= _SET_KEYS_MAX:
        _SHAPES.clear()
    _SHAPES[v] = (v, r)
    return r


_SCALARS = frozenset({int, str, ModelValue})


def _scalars_alike(xs: Iterable[Value], ys: Iterable[Value]) -> bool:
    """Both are integers, strings and model values, of one type place by place
    (no place can hold two kinds): the common case, decided in C."""
    tx = tuple(map(type, xs))
    return tx == tuple(map(type, ys)) and _SCALARS.issuperset(tx)


def _first_difference(xs: Sequence[Value], ys: Sequence[Value]) -> None:
    for a, b in zip(xs, ys, strict=True):
        if a != b or type(a) is not type(b):
            check_unequal(a, b)
            return


def set_contains(s: Value, v: Value) -> bool:
    if type(s) is frozenset:
        if v in s:
            if s and (type(v) is int or type(v) is bool):
                check_member(v, s, True)
            return True
        if s:
            check_member(v, s, False)
        return False
    if isinstance(s, LazySet):
        return s.contains(v)
    raise TypeError("not a set")


def set_elements(s: Value) -> frozenset[Value]:
    if type(s) is frozenset:
        return s
    if isinstance(s, LazySet):
        return s.elements()
    raise TypeError("not a set")


def iter_set(s: Value) -> Iterable[Value]:
    return set_elements(s)


# Model values rank below every other value: TLC orders {"a", m1, 1} as
# {m1, "a", 1} (only a model value compares with values of other kinds).
_RANK = {ModelValue: -1, bool: 0, int: 1, str: 2, tuple: 6, Fn: 6, frozenset: 7}


# TLC ranks strings by when it interned them (see _strings), model values by
# when the configuration made them; strings met later rank after, as made. The
# ranks are one model's (TLC runs one model a process; a process here may load
# several): each model keeps its ValueOrder and makes it the active one whenever
# it evaluates (use_value_order), so a model's CHOOSE, enumeration and printing
# never depend on which model the process loaded last. The module globals below
# are the active order's.
class ValueOrder:
    """One model's ranks of strings and model values, and the sort keys worked out
    under them."""

    __slots__ = ("model_values", "ordered", "serial", "set_keys", "strings")
    _made = itertools.count(1)

    def __init__(self, strings: Iterable[str], model_values: Iterable[str]) -> None:
        self.strings: dict[str, int] = {}
        for s in strings:
            self.strings.setdefault(s, len(self.strings))
        self.model_values: dict[str, int] = {}
        for m in model_values:
            self.model_values.setdefault(m, len(self.model_values))
        self.set_keys: dict[frozenset[Value], tuple[frozenset[Value], tuple[Any, ...]]] = {}
        self.ordered: dict[frozenset[Value], tuple[Value, ...]] = {}
        # Tells a function's kept sort key apart from one kept under another order.
        self.serial = next(ValueOrder._made)


_ACTIVE = ValueOrder((), ())
_STRING_RANK: dict[str, int] = _ACTIVE.strings
_MODEL_VALUE_RANK: dict[str, int] = _ACTIVE.model_values
_ORDER_SERIAL = _ACTIVE.serial


def use_value_order(order: ValueOrder) -> None:
    """Make ``order`` the one values are ranked by (a model's, as it evaluates)."""
    # Module globals, not a holder's attributes: sort_key, the checker's hottest
    # function, reads them for every value it ranks.
    global _ACTIVE, _STRING_RANK, _MODEL_VALUE_RANK, _ORDER_SERIAL, _SET_KEYS, _ORDERED  # noqa: PLW0603
    if order is _ACTIVE:
        return
    _ACTIVE = order
    _STRING_RANK, _MODEL_VALUE_RANK = order.strings, order.model_values
    _SET_KEYS, _ORDERED = order.set_keys, order.ordered
    _ORDER_SERIAL = order.serial


def active_value_order() -> ValueOrder:
    """The order values are ranked by now."""
    return _ACTIVE


def set_value_order(strings: Iterable[str], model_values: Iterable[str]) -> ValueOrder:
    """Rank strings and model values as TLC does for the model being loaded: a new
    order, made the active one and returned (for the model to keep)."""
    order = ValueOrder(strings, model_values)
    use_value_order(order)
    return order


def _string_rank(s: str) -> int:
    r = _STRING_RANK.get(s)
    if r is None:
        r = _STRING_RANK[s] = len(_STRING_RANK)
    return r


def _model_value_rank(name: str) -> int:
    r = _MODEL_VALUE_RANK.get(name)
    if r is None:
        r = _MODEL_VALUE_RANK[name] = len(_MODEL_VALUE_RANK)
    return r


_DOMAIN_KEYS: dict[int, tuple[tuple[int, int], ...]] = {}


def _tuple_domain_key(n: int) -> tuple[tuple[int, int], ...]:
    """The sort_key of 1..n's elements in order (a tuple's domain), kept per n."""
    r = _DOMAIN_KEYS.get(n)
    if r is None:
        r = _DOMAIN_KEYS[n] = tuple((1, i) for i in range(1, n + 1))
    return r


_SET_KEYS: dict[frozenset[Value], tuple[frozenset[Value], tuple[Any, ...]]] = _ACTIVE.set_keys
_SET_KEYS_MAX = 50_000


def sort_key(v: Value) -> tuple[Any, ...]:
    """TLC's order on values, used for canonical printing and CHOOSE.

    Functions (tuples and records too) compare by domain size, then domain,
    then values; sets by size, then elements in order.
    """
    t = type(v)
    if t is bool or t is int:
        return (_RANK[t], v)
    if t is str:
        return (2, _string_rank(v))
    if t is ModelValue:
        return (-1, _model_value_rank(v.name))
    if t is tuple:
        n = len(v)
        return (6, n, _tuple_domain_key(n), tuple(sort_key(x) for x in v))
    if t is Fn:
        key: tuple[Any, ...] | None = v._k
        if key is None or v._ko != _ORDER_SERIAL:
            items = sorted((sort_key(k), k) for k in v.d)
            key = v._k = (
                6,
                len(items),
                tuple(k for k, _ in items),
                tuple(sort_key(v.d[k]) for _, k in items),
            )
            # Marked only once the key is whole (working it out may raise).
            v._ko = _ORDER_SERIAL
        return key
    if t is frozenset:
        # Sets recur (a sliding puzzle's pieces in board after board, the
        # same message sets): their keys are kept, as a function keeps its own.
        # Kept for the same object only: {TRUE} and {1} are equal Python keys.
        held = _SET_KEYS.get(v)
        if held is not None and held[0] is v:
            return held[1]
        key = (7, len(v), tuple(sorted(sort_key(x) for x in v)))
        if len(_SET_KEYS) >= _SET_KEYS_MAX:
            _SET_KEYS.clear()
        _SET_KEYS[v] = (v, key)
        return key
    if t is LazyFn:
        return sort_key(v.canonical())
    if t is LazySet:
        if v.finite():
            return sort_key(v.elements())
        return (8, v.kind, repr(v.args))
    return (9, repr(v))


# Sets the search enumerates again and again (a constant set of processes, the
# same message set in many states): their order is worked out once.
_ORDERED: dict[frozenset[Value], tuple[Value, ...]] = _ACTIVE.ordered
_ORDERED_MAX = 20000


def in_tlc_order(s: frozenset[Value]) -> Iterable[Value]:
    """The elements of ``s`` in the order TLC enumerates them (its value order).

    TLC enumerates a set (`\\E x \\in S`, `x' \\in S`) in its normalized
    order, so the order of initial states and successors, hence which of two
    violations at one depth is met first and the counts when it stops, follow
    it; Python's own set order depends on hashing (strings' per process).
    """
    if len(s) < 2:
        return s
    r = _ORDERED.get(s)
    if r is None:
        if len(_ORDERED) >= _ORDERED_MAX:
            _ORDERED.clear()
        r = _ORDERED[s] = tuple(sorted(s, key=sort_key))
    return r


def _fmt_str(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def format_value(v: Value) -> str:
    """TLC's way of printing a value."""
    t = type(v)
    if t is bool:
        return "TRUE" if v else "FALSE"
    if t is int:
        return str(v)
    if t is str:
        return _fmt_str(v)
    if t is ModelValue:
        return str(v.name)
    if t is tuple:
        return "<<" + ", ".join(format_value(x) for x in v) + ">>"
    if t is Fn:
        keys = sorted(v.d, key=sort_key)
        if keys and all(type(k) is str for k in keys):
            return "[" + ", ".join(f"{k} |-> {format_value(v.d[k])}" for k in keys) + "]"
        return "(" + " @@ ".join(f"{format_value(k)} :> {format_value(v.d[k])}" for k in keys) + ")"
    if t is frozenset:
        return "{" + ", ".join(format_value(x) for x in sorted(v, key=sort_key)) + "}"
    if t is LazyFn:
        if not _is_finite(v.domain):
            # TLC prints such a function as [n \\in Nat |-> ...] too.
            return f"[x \\in {format_value(v.domain)} |-> ...]"
        return format_value(v.canonical())
    if t is LazySet:
        if v.kind in _SET_OP_SYMBOLS and not all(map(is_value_set, v.args)):
            # A set operation on a non-set, which TLC builds and prints as written.
            return f" {_SET_OP_SYMBOLS[v.kind]} ".join(format_value(a) for a in v.args)
        if v.kind in ("Nat", "Int", "STRING"):
            return str(v.kind)
        if v.kind == "Seq":
            return f"Seq({format_value(v.args[0])})"
        if v.kind == "Product" and not v.finite():
            return " \\X ".join(format_value(a) for a in v.args)
        if v.kind == "Filter" and not v.finite():
            return f"{{x \\in {format_value(v.args[0])} : ...}}"
        if v.finite():
            return format_value(v.elements())
        return f"{v.kind}({', '.join(format_value(a) for a in v.args)})"
    return repr(v)


# Public constructors (``from aura_model.tla import values as V``).


def record(**fields: Value) -> Value:
    return make_fn(dict(fields)) if not fields else Fn(dict(fields))


def tup(*xs: Value) -> tuple[Value, ...]:
    return tuple(xs)


def seq(xs: Iterable[Value]) -> tuple[Value, ...]:
    return tuple(xs)


def fn(d: Mapping[Value, Value]) -> Value:
    return make_fn(dict(d))


def from_python(v: object) -> Value:
    """Convert plain Python data (lists, dicts, sets) to checker values."""
    if isinstance(v, (bool, int, str, ModelValue, Fn, LazySet)):
        if v == -1 and type(v) is int:
            NEG_ONE_SEEN[0] = True
        return v
    if isinstance(v, (set, frozenset)):
        return frozenset(from_python(x) for x in v)
    if isinstance(v, Mapping):
        return make_fn({from_python(k): from_python(x) for k, x in v.items()})
    pairs = getattr(v, "pairs", None)
    if pairs is not None:
        # aura_model.itf.ItfMap: a function given as (key, value) pairs.
        return make_fn({from_python(k): from_python(x) for k, x in pairs})
    if isinstance(v, Sequence) and not isinstance(v, (str, bytes)):
        # lists, tuples and aura_model.itf.Seq are all sequences (tuples) in TLA+.
        return tuple(from_python(x) for x in v)
    raise TypeError(f"cannot convert {type(v).__name__} to a TLA+ value")


class Conversions:
    """:func:`from_python` remembered by identity for frozensets and tuples (which it
    rebuilds), so a caller that converts the same immutable objects step after step
    converts each once. Each entry keeps its object alive, so an id is not reused
    while it is remembered; at most ``limit`` entries, then it starts again."""

    __slots__ = ("_done", "limit")

    def __init__(self, limit: int = 8192) -> None:
        self._done: dict[int, tuple[Value, Value]] = {}
        self.limit = limit

    def __call__(self, v: object) -> Value:
        t = type(v)
        if t is not frozenset and t is not tuple:
            return from_python(v)
        hit = self._done.get(id(v))
        if hit is not None and hit[0] is v:
            return hit[1]
        out = from_python(v)
        if len(self._done) >= self.limit:
            self._done.clear()
        self._done[id(v)] = (v, out)
        return out


def _dict_sig(d: dict[Value, Value]) -> int:
    """Where -1 occurs among the items, each tied to its key.

    A sum of per-value signatures alone cannot tell ``(0 :> -1 @@ 1 :> -2)``
    from ``(0 :> -2 @@ 1 :> -1)`` (their item hashes are equal too), so an
    item holding -1 contributes a hash of its key with both signatures.
    """
    acc = 0
    for k, x in d.items():
        t = type(k)
        if t is int:
            sk = 1 if k == -1 else 0
        elif t is tuple:
            sk = _tuple_sig(k)
        elif t is not str and t is not bool and t is not ModelValue:
            sk = _sig(k)
        else:
            sk = 0
        t = type(x)
        if t is int:
            sx = 1 if x == -1 else 0
        elif t is tuple:
            sx = _tuple_sig(x)
        elif t is not str and t is not bool and t is not ModelValue:
            sx = _sig(x)
        else:
            sx = 0
        if sk or sx:
            acc += hash((k, sk, sx))
    return acc


# Signatures of tuples, which recur as function keys (<<x, y>> in every
# state's grid): a dictionary look-up is cheaper than walking them again.
_TUPLE_SIGS: dict[tuple[Value, ...], int] = {}


def _tuple_sig(v: tuple[Value, ...]) -> int:
    r = _TUPLE_SIGS.get(v)
    if r is None:
        r = _sig(v)
        if len(_TUPLE_SIGS) > 100_000:
            _TUPLE_SIGS.clear()
        _TUPLE_SIGS[v] = r
    return r


def _sig(v: Value) -> int:
    # hash(-1) == hash(-2) in CPython, so hashes of containers cannot tell the
    # two apart; this summary of where -1 occurs is mixed into fingerprints.
    t = type(v)
    if t is int:
        return 1 if v == -1 else 0
    if t is tuple:
        acc = 0
        i = 1
        for x in v:
            tx = type(x)
            if tx is int:
                if x == -1:
                    acc += i
            elif tx is not str and tx is not bool:
                acc += i * 1000003 * _sig(x)
            i += 1
        return acc
    if t is frozenset:
        acc = 0
        for x in v:
            tx = type(x)
            if tx is int:
                if x == -1:
                    acc += 1
            elif tx is not str and tx is not bool:
                # Tied to the element: {<<-1, -2>>, <<-2, -1>>} and
                # {<<-1, -1>>, <<-2, -2>>} have equal hashes and sums.
                sx = _sig(x)
                if sx:
                    acc += hash((x, sx))
        return acc
    # An Fn's own hash already accounts for -1 (see Fn.__hash__).
    return 0


# Set once any computation (or input) produces the integer -1. Until then no
# value can contain -1, so fingerprints skip the walk below (the result is the
# same: a value without -1 has signature 0 either way).
NEG_ONE_SEEN = [False]


def search_fingerprint(v: Value) -> int:
    """:func:`fingerprint` for states computed by the checker itself.

    Those values get their integers from literals, the configuration,
    arithmetic and ranges, which all set NEG_ONE_SEEN when they make -1.
    """
    if not NEG_ONE_SEEN[0]:
        return hash(v)
    return fingerprint(v)


def fingerprint(v: Value) -> int:
    """A 64-bit fingerprint of a state (or view) value."""
    s = _sig(v)
    return hash((v, s)) if s else hash(v)


def permute(v: Value, perm: dict[Value, Value]) -> Value:
    """``v`` with model values renamed by ``perm`` (for SYMMETRY)."""
    t = type(v)
    if t is ModelValue:
        return perm.get(v, v)
    if t is tuple:
        return tuple(permute(x, perm) for x in v)
    if t is frozenset:
        return frozenset(permute(x, perm) for x in v)
    if t is Fn:
        return make_fn({permute(k, perm): permute(x, perm) for k, x in v.d.items()})
    return v
