"""States outside the CONSTRAINTs are judged once when their verdicts are functions of the state.

TLC checks the invariants of a successor that is new, and a state outside the
constraints is never stored, so it is new each time an action produces it
again (public specs with a bound such as ``counter[i] <= 3`` produce the same
outside states many times). When the invariants and constraints are functions
of the state alone, the search remembers such a state's verdicts instead of
computing them again; when one reads TLC's registers (``TLCGet("level")``),
randomness or output, it computes them every time, as TLC does.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from aura_model.tla import check, load_model
from aura_model.tla._verdicts import state_functions

# (3, 0) lies outside Bound; it is produced from (2, 0) at level 4 and again
# from (2, 1) at level 5.
TWICE = """
VARIABLES x, y
Init == x = 0 /\\ y = 0
Next == \\/ x' = x + 1 /\\ y' = 0
        \\/ y' = 1 /\\ y = 0 /\\ UNCHANGED x
Bound == x <= 2
Inv == x = 3 => y = 0
LevelInv == x = 3 => TLCGet("level") < 5
"""


def _cfg(inv: str) -> str:
    return f"INIT Init\nNEXT Next\nCONSTRAINT Bound\nINVARIANT {inv}\nCHECK_DEADLOCK FALSE\n"


def _counted(model: Any) -> list[int]:
    """Wrap the model's invariants so that each evaluation is counted."""
    calls = [0]

    def wrap(fn: Callable[..., Any]) -> Callable[..., Any]:
        def counted(c: Any, e: Any) -> Any:
            calls[0] += 1
            return fn(c, e)

        return counted

    model.invariants[:] = [(n, wrap(f)) for n, f in model.invariants]
    return calls


def test_an_outside_state_produced_twice_is_judged_once(
    make_spec: Callable[..., Path],
) -> None:
    model = load_model(make_spec(TWICE, _cfg("Inv")))
    assert state_functions(model)
    calls = _counted(model)
    res = check(model)
    # TLC's figures for this model: 10 generated, 6 distinct.
    assert (res.result, res.states_generated, res.distinct_states) == ("ok", 10, 6)
    # The six stored states (the initial one too), and (3, 0) once, not twice.
    assert calls[0] == 7


def test_an_invariant_reading_the_level_is_judged_each_time(
    make_spec: Callable[..., Path],
) -> None:
    # TLC: "Invariant LevelInv is violated", 10 states generated, 6 distinct,
    # through (2, 1): the second time (3, 0) is produced.
    model = load_model(make_spec(TWICE, _cfg("LevelInv")))
    assert not state_functions(model)
    res = check(model)
    assert (res.result, res.violated) == ("invariant", "LevelInv")
    assert (res.states_generated, res.distinct_states) == (10, 6)
    assert res.trace is not None and len(res.trace) == 5


def test_a_helper_reading_the_level_is_found_through_the_definitions(
    make_spec: Callable[..., Path],
) -> None:
    body = TWICE + 'Deep == TLCGet("level")\nHidden == x = 3 => Deep < 5\n'
    model = load_model(make_spec(body, _cfg("Hidden")))
    assert not state_functions(model)
    res = check(model)
    assert (res.result, res.violated) == ("invariant", "Hidden")
