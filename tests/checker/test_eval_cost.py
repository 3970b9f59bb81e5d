"""How much work the checker does per state, counted rather than timed.

Real specs (GameOfLife from tlaplus/Examples, Sum over a set by recursion) use
a state-level table definition at many places of one action, and recursive
operators that CHOOSE from the same constant sets at every state. Evaluating
the table again at each use, or ordering the same set again at each state,
made such models time out; these tests count the work through the real
evaluator, wrapping the functions it calls (so the count can only drop when
the work does).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from aura_model.tla import check, load_model
from aura_model.tla.compile import _expressions, _quantifiers

# The compiler's modules that call the counted functions (make_fn builds
# function values, sort_key orders CHOOSE's sets).
_CALLERS = (_expressions, _quantifiers)

# Tbl is a state-level table: Next reads it three times, the invariant once.
TABLE = """
CONSTANT N
VARIABLE x
Tbl == [i \\in 1..5 |-> x + i]
Init == x = 0
Next == x < N /\\ x' = Tbl[3] + Tbl[2] - Tbl[4]
Inv == Tbl[1] > x
"""

# Sum(f, S) picks CHOOSE y \\in S : TRUE at each level: the sets 1..6, 2..6, ...
# are the same at every state while W, and so the sum, changes.
SUM = """
CONSTANT N
VARIABLE x
RECURSIVE Sum(_, _)
Sum(f, S) == IF S = {} THEN 0
             ELSE LET y == CHOOSE y \\in S : TRUE IN f[y] + Sum(f, S \\ {y})
W == [i \\in 1..6 |-> x * i]
Init == x = 0
Next == x < N /\\ x' = x + 1
Inv == Sum(W, 1..6) = 21 * x
"""

# One state's set, searched by CHOOSE with a predicate at three places (as
# ChooseOne(board, P) in SlidingPuzzles): each element is new at each state.
PICK = """
CONSTANT N
VARIABLE x
S == {<<x, i>> : i \\in 1..5}
Pick(k) == CHOOSE y \\in S : y[2] = k
Init == x = 0
Next == x < N /\\ x' = Pick(3)[1] + Pick(4)[2] - Pick(2)[2] - 1
Inv == Pick(5)[2] = 5
"""


def _counting(monkeypatch: pytest.MonkeyPatch, name: str, which: Callable[..., bool]) -> list[int]:
    calls = [0]
    for mod in _CALLERS:
        if not hasattr(mod, name):
            continue
        real = getattr(mod, name)

        def counted(*args: Any, _real: Any = real, **kw: Any) -> Any:
            if which(*args):
                calls[0] += 1
            return _real(*args, **kw)

        monkeypatch.setattr(mod, name, counted)
    return calls


def _run(make_spec: Callable[..., Path], body: str, n: int, name: str) -> int:
    cfg = f"CONSTANT N = {n}\nINIT Init\nNEXT Next\nINVARIANT Inv\n"
    res = check(load_model(make_spec(body, cfg, name=name)), deadlock=False)
    assert res.result == "ok", res.message
    assert res.distinct_states is not None
    return res.distinct_states


def test_state_level_definition_is_evaluated_once_per_state(
    make_spec: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Tbl is the only function with five entries the spec builds.
    built = _counting(monkeypatch, "make_fn", lambda d: len(d) == 5)
    states = _run(make_spec, TABLE, 30, "Table")
    assert states == 31
    # Four uses per state (three in Next, one in Inv) would build it 4 * 31 times.
    assert built[0] <= states + 1, built[0]


def test_choose_orders_a_set_once_however_many_states(
    make_spec: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    ordered = _counting(monkeypatch, "sort_key", lambda v: True)
    assert _run(make_spec, SUM, 10, "SumFew") == 11
    few = ordered[0]
    ordered[0] = 0
    assert _run(make_spec, SUM, 60, "SumMany") == 61
    # Ordered at the first state only: at most 1..6 down to {6}, 6 + 5 + ... + 1
    # elements (each of the six, once, when element keys are kept too).
    assert few == ordered[0] <= 21, (few, ordered[0])


def test_choose_orders_one_states_set_once(
    make_spec: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    ordered = _counting(monkeypatch, "sort_key", lambda v: True)
    states = _run(make_spec, PICK, 30, "Pick")
    assert states == 31
    # Four searches per state, each ordering five elements (and finding the
    # least first), would be 4 * 10 keys per state; each element needs one.
    assert ordered[0] <= 5 * states, ordered[0]
