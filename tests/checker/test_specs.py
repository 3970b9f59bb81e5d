"""Our own small specs (tests/checker/specs) for semantics the corpus does not cover.

The expected figures were worked out by hand from the specs' text (see each
module's comment); each spec has a broken variant showing the violation.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from aura_model.tla import check, load_model


@pytest.mark.parametrize(
    "case",
    [
        # Bags of at most 3 tokens over {"a", "b"}: all 10 count pairs, reached in 5 levels.
        ("Tokens", "Tokens", "ok", None, 10, 5, None),
        # Three b's first appear at level 5: <<a>>, {}, {b}, {b,b}, {b,b,b}.
        ("Tokens", "Tokens_bad", "invariant", "NeverThreeB", None, None, 5),
        # a cycles through 0..2, b through 0..1: 6 states, (2, 1) at level 4.
        ("Grid", "Grid", "ok", None, 6, 4, None),
        ("Grid", "Grid_bad", "invariant", "Small", None, None, 4),
    ],
)
def test_own_specs(specs: Path, case: tuple[Any, ...]) -> None:
    spec, cfg, result, violated, distinct, depth, trace = case
    res = check(load_model(specs / f"{spec}.tla", specs / f"{cfg}.cfg"))
    assert res.result == result
    assert res.violated == violated
    if result == "ok":
        assert (res.distinct_states, res.depth) == (distinct, depth)
    else:
        assert res.trace_length == trace


def test_counterexample_is_a_real_shortest_path(specs: Path) -> None:
    res = check(load_model(specs / "Grid.tla", specs / "Grid_bad.cfg"))
    assert res.trace is not None
    steps = [(s["a"], s["b"]) for s in res.trace]
    assert steps[0] == (0, 0) and steps[-1] == (2, 1)
    for (a0, b0), (a1, b1) in itertools.pairwise(steps):
        # Each step moves exactly one of the two cells.
        assert (a0 != a1) != (b0 != b1)


def test_deadlock_and_no_deadlock(make_spec: Callable[..., Path]) -> None:
    spec = make_spec("VARIABLE x\nInit == x = 0\nNext == x < 3 /\\ x' = x + 1\n")
    res = check(load_model(spec))
    assert (res.result, res.trace_length) == ("deadlock", 4)
    ok = check(load_model(spec), deadlock=False)
    assert (ok.result, ok.distinct_states, ok.depth) == ("ok", 4, 4)


def test_self_loop_is_not_a_deadlock(make_spec: Callable[..., Path]) -> None:
    spec = make_spec("VARIABLE x\nInit == x = 0\nNext == x' = IF x < 2 THEN x + 1 ELSE x\n")
    res = check(load_model(spec))
    assert (res.result, res.distinct_states) == ("ok", 3)


def test_unassigned_variable_is_an_error(make_spec: Callable[..., Path]) -> None:
    spec = make_spec("VARIABLES x, y\nInit == x = 0 /\\ y = 0\nNext == x' = 1\n")
    res = check(load_model(spec))
    assert res.result == "error"
    assert res.message is not None and "y'" in res.message


def test_max_states_stops_early(make_spec: Callable[..., Path]) -> None:
    spec = make_spec("VARIABLE x\nInit == x = 0\nNext == x' = x + 1\n")
    res = check(load_model(spec), max_states=50)
    assert res.distinct_states is not None and 50 <= res.distinct_states < 60


def test_symmetry_and_view_reduce_the_count(shared: Path) -> None:
    corpus = shared / "tla-corpus"
    full = check(load_model(corpus / "ModelValues.tla", corpus / "ModelValues.cfg"))
    sym = check(load_model(corpus / "ModelValues.tla", corpus / "ModelValues_sym.cfg"))
    assert full.distinct_states == 160 and sym.distinct_states == 40
    assert sym.depth == full.depth


def test_symmetry_must_be_permutations(make_spec: Callable[..., Path]) -> None:
    from aura_model.tla import ConfigError

    spec = make_spec(
        "CONSTANT P\nVARIABLE x\nInit == x \\in P\nNext == x' = x\nBad == {1, 2}\n",
        cfg="CONSTANT P = {p1, p2}\nINIT Init\nNEXT Next\nSYMMETRY Bad\n",
    )
    with pytest.raises(ConfigError, match="SYMMETRY"):
        load_model(spec)


def test_weak_and_strong_fairness(specs: Path) -> None:
    wf = check(load_model(specs / "Fair.tla", specs / "Fair_wf.cfg"))
    assert (wf.result, wf.violated) == ("property", "Reaches")
    assert wf.trace
    sf = check(load_model(specs / "Fair.tla", specs / "Fair_sf.cfg"))
    assert (sf.result, sf.distinct_states) == ("ok", 4)


def test_nested_temporal_property_holds(specs: Path) -> None:
    # [](x = 1 => <>[](x = 1)) under SF(Go): TLC finds no error, 4 distinct states.
    res = check(load_model(specs / "Fair.tla", specs / "Fair_odd.cfg"))
    assert (res.result, res.distinct_states) == ("ok", 4)


def test_unhandled_temporal_shape_is_skipped_with_reason(make_spec: Callable[..., Path]) -> None:
    spec = make_spec(
        "VARIABLE x\nInit == x = 0\nNext == x' = 1 - x\nSpec == Init /\\ [][Next]_x\n"
        "Guar == (x = 0) -+-> [](x \\in {0, 1})\n",
        cfg="SPECIFICATION Spec\nPROPERTY Guar\n",
    )
    res = check(load_model(spec))
    assert res.result == "skipped"
    assert res.skipped and "unsupported" in res.skipped[0]
    assert res.distinct_states == 2


def test_instance_of_a_standard_module(tmp_path: Path) -> None:
    spec = tmp_path / "Inst.tla"
    spec.write_text(
        "---- MODULE Inst ----\nLOCAL INSTANCE Naturals\nLOCAL INSTANCE Sequences\n"
        "VARIABLE x\nInit == x = <<>>\nNext == Len(x) < 3 /\\ x' = Append(x, Len(x))\n====\n",
        encoding="utf-8",
    )
    (tmp_path / "Inst.cfg").write_text("INIT Init\nNEXT Next\n", encoding="utf-8")
    res = check(load_model(spec), deadlock=False)
    assert (res.result, res.distinct_states, res.depth) == ("ok", 4, 4)
    stuck = check(load_model(spec))
    assert (stuck.result, stuck.trace_length) == ("deadlock", 4)
    assert stuck.trace is not None and stuck.trace[-1]["x"] == (0, 1, 2)


def test_subscripted_actions_in_next(make_spec: Callable[..., Path]) -> None:
    spec = make_spec(
        "VARIABLE x\nInit == x = 0\nA == x < 2 /\\ x' = x + 1\n"
        "Next == [A]_x\nStrict == <<A>>_x\nStep == [][x' >= x]_x\n",
        cfg="INIT Init\nNEXT Next\nPROPERTY Step\n",
    )
    res = check(load_model(spec))
    # [A]_x allows stuttering, so x = 2 is no deadlock.
    assert (res.result, res.distinct_states) == ("ok", 3)
    strict = make_spec(
        "VARIABLE x\nInit == x = 0\nA == x < 2 /\\ x' = x + 1\nNext == <<A>>_x\n", name="S"
    )
    assert check(load_model(strict)).result == "deadlock"


@pytest.mark.parametrize(
    ("defs", "cfg", "distinct"),
    [
        # -1 first made by subtraction: 0, -1, ..., -5.
        ("Init == x = 0\nNext == x > -4 /\\ x' \\in {x - 1, x - 2}\n", "", 6),
        # -1 only inside a range.
        ("Init == x \\in -3..0\nNext == UNCHANGED x\n", "", 4),
        # -1 only through the configuration (TLC's has no negative numbers: <-).
        (
            "CONSTANT S\nNegs == {-1, -2}\nInit == x \\in S\nNext == UNCHANGED x\n",
            "CONSTANT S <- Negs\n",
            2,
        ),
    ],
)
def test_minus_one_and_minus_two_stay_distinct(
    make_spec: Callable[..., Path],
    defs: str,
    cfg: str,
    distinct: int,
) -> None:
    from aura_model.tla import _values

    # Start as a fresh process would: no -1 seen yet. (Leaving the flag set
    # afterwards is always safe: it only makes fingerprints exact the slow way.)
    _values.NEG_ONE_SEEN[0] = False
    spec = make_spec(f"VARIABLE x\n{defs}", cfg=f"{cfg}INIT Init\nNEXT Next\n")
    res = check(load_model(spec), deadlock=False)
    assert (res.result, res.distinct_states) == ("ok", distinct)


def test_liveness_counterexample_is_a_lasso(shared: Path) -> None:
    from aura_model import itf

    corpus = shared / "tla-corpus"
    res = check(load_model(corpus / "Barrier.tla", corpus / "Barrier_bad.cfg"))
    assert (res.result, res.violated) == ("property", "Settles")
    assert res.trace is not None and res.loop is not None
    # Settles == <>[](round = 0): the loop must leave round = 0 somewhere.
    assert any(s["round"] != 0 for s in res.trace[res.loop :])
    assert itf.load_trace(res.to_itf()).loop == res.loop
    unfair = check(load_model(corpus / "TrafficLight.tla", corpus / "TrafficLight_unfair.cfg"))
    # Without fairness the light may stop (stutter) in a state that is not green.
    assert unfair.trace is not None and unfair.loop == len(unfair.trace) - 1
    assert unfair.trace[-1]["light"] != "green"
