"""Semantics beyond the front end: temporal properties (compared with TLC's
verdicts, recorded by running TLC 2026.12.02 on tests/checker/specs/Live.tla
with N = 2 and CHECK_DEADLOCK FALSE), infinite sets, assumption-only models."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from aura_model.tla import TlaError, check, load_model

# (SPECIFICATION, PROPERTY) -> TLC's verdict.
LIVE = {
    ("Spec", "P1"): "property",
    ("Spec", "P2"): "property",
    ("Spec", "P3"): "ok",
    ("Spec", "P5"): "ok",
    ("Spec", "P6"): "property",
    ("Spec", "P7"): "property",
    ("Spec", "P8"): "property",
    ("Spec", "P9"): "property",
    ("Spec", "P10"): "property",
    ("Spec", "P11"): "property",
    ("Spec", "P13"): "property",
    ("Spec", "P14"): "ok",
    ("Spec", "P15"): "invariant",
    ("Spec", "P16"): "property",
    ("Spec", "P17"): "property",
    ("FSpec", "P1"): "ok",
    ("FSpec", "P2"): "ok",
    ("FSpec", "P7"): "property",
    ("FSpec", "P8"): "ok",
    ("FSpec", "P9"): "ok",
    ("FSpec", "P10"): "ok",
    ("FSpec", "P11"): "property",
    ("FSpec", "P13"): "property",
    ("FSpec", "P16"): "ok",
    ("FSpec", "P17"): "property",
    ("SFSpec", "P7"): "property",
    ("SFSpec", "P9"): "ok",
    ("SFSpec", "P11"): "property",
    ("AllSpec", "P11"): "ok",
    ("AllSpec", "P13"): "ok",
    ("AllSpec", "P17"): "ok",
}


def _live(tmp_path: Path, specs: Path, spec: str, prop: str) -> Any:
    src = (specs / "Live.tla").read_text(encoding="utf-8")
    (tmp_path / "Live.tla").write_text(src, encoding="utf-8")
    cfg = tmp_path / "Live.cfg"
    cfg.write_text(
        f"CONSTANT N = 2\nSPECIFICATION {spec}\nPROPERTY {prop}\nCHECK_DEADLOCK FALSE\n",
        encoding="utf-8",
    )
    return load_model(tmp_path / "Live.tla", cfg)


@pytest.mark.parametrize(("spec", "prop"), sorted(LIVE))
def test_temporal_verdicts_match_tlc(tmp_path: Path, specs: Path, spec: str, prop: str) -> None:
    model = _live(tmp_path, specs, spec, prop)
    res = check(model)
    assert res.result == LIVE[spec, prop]
    if res.result == "ok" or res.loop is not None:
        assert res.distinct_states == 6
    if res.result == "property" and res.loop is not None:
        # The counterexample is a behaviour of the spec: each step is a Next
        # step or a stutter, and the last state steps back to the loop state.
        assert res.trace
        succ = model.successor_fn()
        states = [tuple(s[v] for v in model.vars) for s in res.trace]
        assert states[0] in model.init_states()
        for a, b in [*itertools.pairwise(states), (states[-1], states[res.loop])]:
            assert b == a or b in succ(a)


def test_action_inside_a_temporal_formula_is_refused_like_tlc(tmp_path: Path, specs: Path) -> None:
    # TLC: "Temporal formulas containing actions must be of forms <>[]A or []<>A."
    with pytest.raises(TlaError, match=r"must be of forms <>\[\]A or \[\]<>A"):
        _live(tmp_path, specs, "Spec", "P4")


def test_lasso_of_a_stuttering_violation(tmp_path: Path, specs: Path) -> None:
    # <>[](y = TRUE) fails in the initial state by stuttering there forever.
    res = check(_live(tmp_path, specs, "Spec", "P7"))
    assert res.trace is not None and len(res.trace) == 1 and res.loop == 0


def test_a_violated_conjunct_of_a_broken_fairness_is_found(
    make_spec: Callable[..., Path],
) -> None:
    # Without fairness on Reset the counter may stop at N forever (TLC: property).
    body = (
        "VARIABLE x\nInit == x = 0\nInc == x < 2 /\\ x' = x + 1\nReset == x = 2 /\\ x' = 0\n"
        "Spec == Init /\\ [][Inc \\/ Reset]_x /\\ WF_x(Inc)\n"
        "Good == Spec /\\ WF_x(Reset)\nLive == []<>(x = 0)\n"
    )
    bad = check(load_model(make_spec(body, cfg="SPECIFICATION Spec\nPROPERTY Live\n")))
    assert (bad.result, bad.violated) == ("property", "Live")
    good = check(load_model(make_spec(body, cfg="SPECIFICATION Good\nPROPERTY Live\n", name="G")))
    assert good.result == "ok"


# Membership in infinite sets is decided without enumerating them (TLC: every
# one of these is TRUE or FALSE as listed; enumerating one is an error).
INFINITE = [
    ("[j \\in {1, 2} |-> 3] \\in [{1, 2} -> Nat]", True),
    ("[j \\in {1, 2} |-> 0] \\in [{1, 2} -> {n \\in Nat : n > 0}]", False),
    ("[j \\in {1, 2} |-> 4] \\in [{1, 2} -> {n \\in Nat : n > 0}]", True),
    ("<<1, 2>> \\in Seq(Nat)", True),
    ("<<1, -1>> \\in Seq(Nat)", False),
    ("{1, -2} \\in SUBSET Int", True),
    ("{1, -2} \\in SUBSET Nat", False),
    ("{1, 2} \\in SUBSET {n \\in Nat : n > 0}", True),
    ("{0, 2} \\in SUBSET {n \\in Nat : n > 0}", False),
    ('[a |-> 1, b |-> "x"] \\in [a : Nat, b : STRING]', True),
    ("[a |-> 1] \\in [a : Nat, b : STRING]", False),
    ('"abc" \\in STRING', True),
    ('"" \\in STRING', True),
    ("<<<<1>>, <<>>>> \\in Seq(Seq({n \\in Nat : n > 0}))", True),
    ("<<<<0>>>> \\in Seq(Seq({n \\in Nat : n > 0}))", False),
    ("-3 \\in {n \\in Int : n > -5} \\ {0}", True),
    ("7 \\in {n \\in Int : n % 2 = 0}", False),
    ("<<3, 1>> \\in Nat \\X {1, 2}", True),
    ("<<3, 0>> \\in Nat \\X {1, 2}", False),
    ("LET f[n \\in Nat, v \\in {1, 2}] == IF n = 0 THEN v ELSE f[n - 1, v] + 1 IN f[3, 2]", 5),
]


@pytest.mark.parametrize(("expr", "value"), INFINITE)
def test_membership_in_infinite_sets(ev: Callable[..., Any], expr: str, value: object) -> None:
    got = ev(expr)
    assert got == value and type(got) is type(value)


def test_enumerating_an_infinite_set_is_an_error(ev: Callable[..., Any]) -> None:
    with pytest.raises(TlaError, match="infinite set"):
        ev("\\E n \\in {m \\in Nat : m > 3} : n = 5")


def test_unbounded_choose_fails_only_when_evaluated(make_spec: Callable[..., Path]) -> None:
    # TLC: fine while NoVal is unused (or overridden); an evaluation error
    # ("TLC attempted to evaluate an unbounded CHOOSE") once it is evaluated.
    body = "VARIABLE x\nNoVal == CHOOSE v : v \\notin {1, 2}\nNext == x' \\in {1, 2}\n"
    ok = check(load_model(make_spec(body + "Init == x = 1\n")))
    assert (ok.result, ok.distinct_states) == ("ok", 2)
    bad = check(load_model(make_spec(body + "Init == x = NoVal\n", name="U")))
    assert bad.result == "error"
    assert bad.message is not None and "unbounded CHOOSE" in bad.message


def test_symmetry_set_is_closed_into_a_group(tmp_path: Path) -> None:
    # Permutations(A) \cup Permutations(V): TLC counts orbits of the group they
    # generate: 13 distinct states (20 under A's permutations, 64 without).
    (tmp_path / "Sym.tla").write_text(
        "---- MODULE Sym ----\nEXTENDS TLC\nCONSTANTS A, V\nVARIABLE votes\n"
        "Init == votes = [a \\in A |-> {}]\n"
        "Next == \\E a \\in A, v \\in V : v \\notin votes[a] /\\ "
        "votes' = [votes EXCEPT ![a] = @ \\cup {v}]\n"
        "Both == Permutations(A) \\cup Permutations(V)\nOnlyA == Permutations(A)\n====\n",
        encoding="utf-8",
    )
    counts = {}
    for sym in ("", "SYMMETRY Both", "SYMMETRY OnlyA"):
        cfg = tmp_path / "Sym.cfg"
        cfg.write_text(
            "CONSTANTS A = {a1, a2, a3} V = {v1, v2}\nINIT Init NEXT Next\n"
            f"CHECK_DEADLOCK FALSE\n{sym}\n",
            encoding="utf-8",
        )
        counts[sym] = check(load_model(tmp_path / "Sym.tla", cfg)).distinct_states
    assert counts == {"": 64, "SYMMETRY Both": 13, "SYMMETRY OnlyA": 20}


def test_module_override_reaches_a_named_instance(tmp_path: Path) -> None:
    # `Lim <-[Inner] Big` replaces Inner's Lim in I == INSTANCE Inner:
    # TLC finds 4 states with it, 2 without.
    (tmp_path / "Inner.tla").write_text(
        "---- MODULE Inner ----\nEXTENDS Naturals\nLim == 1\nOk(x) == x <= Lim\n====\n",
        encoding="utf-8",
    )
    (tmp_path / "Outer.tla").write_text(
        "---- MODULE Outer ----\nEXTENDS Naturals\nVARIABLE x\nI == INSTANCE Inner\n"
        "Big == 3\nInit == x = 0\nNext == x' = x + 1 /\\ I!Ok(x')\n====\n",
        encoding="utf-8",
    )
    base = "INIT Init\nNEXT Next\nCHECK_DEADLOCK FALSE\n"
    (tmp_path / "Plain.cfg").write_text(base, encoding="utf-8")
    (tmp_path / "Over.cfg").write_text("CONSTANT Lim <-[Inner] Big\n" + base, encoding="utf-8")
    plain = check(load_model(tmp_path / "Outer.tla", tmp_path / "Plain.cfg"))
    over = check(load_model(tmp_path / "Outer.tla", tmp_path / "Over.cfg"))
    assert (plain.distinct_states, over.distinct_states) == (2, 4)


# Checked with TLC (ASSUME e = v holds): EXCEPT on a key outside the domain
# changes nothing and does not evaluate the new value; numerals in bases 2, 8, 16.
VALUES = [
    ("[<<1>> EXCEPT ![3] = 5]", (1,)),
    ("[<<>> EXCEPT ![1] = @ + 1]", ()),
    ("[[a |-> [b |-> 1]] EXCEPT !.a.c = 2, !.a.b = 3] = [a |-> [b |-> 3]]", True),
    ("[[i \\in {1, 3} |-> i] EXCEPT ![2] = 7] = [i \\in {1, 3} |-> i]", True),
    ("[<<1, 2>> EXCEPT ![2] = 9]", (1, 9)),
    ("[<<<<1>>>> EXCEPT ![1][2] = @ + 1]", ((1,),)),
    ("[[a |-> 1] EXCEPT !.b = 0] = [a |-> 1]", True),
    # Values of different kinds are not compared: see the test below.
    ("<<1>> = [x \\in {1} |-> 1]", True),
    ("{} # {1}", True),
    ("\\b1010 + \\o17 + \\hA + \\HA", 45),
    # Functions over infinite domains are built lazily, as TLC builds them.
    ("[n \\in Nat |-> n + 1][4]", 5),
    ("[n \\in Nat, m \\in {1, 2} |-> n * m][3, 2]", 6),
]


@pytest.mark.parametrize(("expr", "value"), VALUES)
def test_values_as_tlc_computes_them(ev: Callable[..., Any], expr: str, value: object) -> None:
    got = ev(expr)
    assert got == value and type(got) is type(value)


def test_fairness_is_evaluated_in_every_state(make_spec: Callable[..., Path]) -> None:
    # TLC: WF_f(Act(2)) reads f[2] outside DOMAIN f, an error even though the
    # property holds (Good, fair only for Act(1): no error, 3 states).
    body = (
        "VARIABLE f\nInit == f = [a \\in {1} |-> 0]\n"
        "Act(a) == f[a] < 2 /\\ f' = [f EXCEPT ![a] = @ + 1]\nNext == Act(1)\n"
        "Spec == Init /\\ [][Next]_f /\\ \\A a \\in {1, 2} : WF_f(Act(a))\n"
        "Good == Init /\\ [][Next]_f /\\ WF_f(Act(1))\nLive == <>(f[1] = 2)\n"
    )
    cfg = "PROPERTY Live\nCHECK_DEADLOCK FALSE\n"
    bad = check(load_model(make_spec(body, cfg="SPECIFICATION Spec\n" + cfg)))
    assert bad.result == "error"
    assert bad.message is not None and "not in its domain" in bad.message
    good = check(load_model(make_spec(body, cfg="SPECIFICATION Good\n" + cfg, name="G")))
    assert (good.result, good.distinct_states) == ("ok", 3)


@pytest.mark.parametrize(
    ("spec", "prop", "verdict"),
    [("Spec", "Reach", "ok"), ("Spec", "Back", "property"), ("Plain", "Reach", "property")],
)
def test_temporal_conjunct_of_the_specification_is_assumed(
    make_spec: Callable[..., Path], spec: str, prop: str, verdict: str
) -> None:
    # TLC: under Spec's []<>(x = 2), <>(x = 2) holds and []<>(x = 0) does not
    # (the behaviour may stay at 2); without it <>(x = 2) fails by stuttering.
    body = (
        "VARIABLE x\nInit == x = 0\nNext == x' = (x + 1) % 3\n"
        "Spec == Init /\\ [][Next]_x /\\ []<>(x = 2)\nPlain == Init /\\ [][Next]_x\n"
        "Reach == <>(x = 2)\nBack == []<>(x = 0)\n"
    )
    res = check(load_model(make_spec(body, cfg=f"SPECIFICATION {spec}\nPROPERTY {prop}\n")))
    assert (res.result, res.distinct_states) == (verdict, 3)


def test_lazy_function_outside_its_domain_is_an_evaluation_error(
    ev: Callable[..., Any],
) -> None:
    # TLC: "In applying the function [n \\in Nat |-> ...], the first argument
    # is: -1 which is not in its domain."
    defs = "tri[n \\in Nat] == IF n = 0 THEN 0 ELSE n + tri[n - 1]"
    assert ev("tri[4]", defs) == 10
    with pytest.raises(TlaError, match=r"\[x \\in Nat \|-> \.\.\.\] applied to -1"):
        ev("tri[-1]", defs)


@pytest.mark.parametrize(
    "expr",
    [
        '"ab" = <<"a", "b">>',
        '1 = "a"',
        "TRUE = 1",
        "<<>> = {}",
        "Nat = {}",
        '1 # "a"',
        # "Attempted to access tuple at a non integral index: TRUE"
        "[<<1, 2>> EXCEPT ![TRUE] = 0]",
    ],
)
def test_comparing_values_of_different_kinds_is_an_error(ev: Callable[..., Any], expr: str) -> None:
    # TLC: "Attempted to check equality of string "ab" with non-string" (exit 10
    # in an ASSUME); a model value compares with anything (unequal).
    with pytest.raises(TlaError):
        ev(expr)


def test_model_values_compare_with_anything(make_spec: Callable[..., Path]) -> None:
    spec = make_spec(
        "CONSTANT m\nVARIABLE x\nInit == x = 0\nNext == x' = x\n"
        'E == (m = 1) = FALSE /\\ (m # "a") /\\ m = m\n',
        cfg="CONSTANT m = m\nINIT Init\nNEXT Next\n",
    )
    assert load_model(spec).evaluate("E") is True


def test_assumption_whose_evaluation_fails_exits_10(make_spec: Callable[..., Path]) -> None:
    # TLC: "Evaluating assumption line 5, col 8 ... failed.", exit 10 (result
    # word error); a false assumption is result assume, also exit 10.
    body = "ASSUME Head(<<>>) = 1\nVARIABLE x\nInit == x = 0\nNext == x' = x\n"
    res = check(load_model(make_spec(body)))
    assert (res.result, res.exit_code) == ("error", 10)
    # The same error outside an assumption: in Init 75; while computing
    # successors it is TLC's general error, 255 ("The second argument of % should
    # be a positive number"), as TLC 2026.12 ends there.
    init = check(load_model(make_spec("VARIABLE x\nInit == x = 1 % 0\nNext == x' = x\n", name="I")))
    assert (init.result, init.exit_code) == ("error", 75)
    ok = check(load_model(make_spec("VARIABLE x\nInit == x = 0\nNext == x' = 1 % 0\n", name="U")))
    assert (ok.result, ok.exit_code) == ("error", 255)


@pytest.mark.parametrize(
    ("expr", "value"),
    [
        # [1..n -> S] enumerated as n-tuples; other domains as functions.
        ("[1..2 -> {0, 1}]", frozenset({(0, 0), (0, 1), (1, 0), (1, 1)})),
        ("[{} -> {0}]", frozenset({()})),
        ("Cardinality(UNION {[1..i -> {1, 2}] : i \\in 0..3})", 15),
        ("[{TRUE} -> {0}] = {[b \\in {TRUE} |-> 0]}", True),
        ("<<7>> \\in [{1} -> {7}]", True),
    ],
)
def test_function_sets_enumerated(ev: Callable[..., Any], expr: str, value: object) -> None:
    assert ev(expr) == value


@pytest.mark.parametrize("expr", ["3 \\in STRING", '"ab" \\in Seq(STRING)', "<<1>> \\in STRING"])
def test_membership_tlc_cannot_decide_is_an_error(ev: Callable[..., Any], expr: str) -> None:
    # TLC: "Attempted to check if the value: 3 is an element of STRING."
    with pytest.raises(TlaError, match="Attempted to check if the value"):
        ev(expr)


@pytest.mark.parametrize(("spec", "verdict"), [("Spec", "ok"), ("Idle", "property")])
def test_fairness_behind_an_operator_with_parameters(
    make_spec: Callable[..., Path], spec: str, verdict: str
) -> None:
    # TLC 2026.12.02: FairInc(1) makes <>(x = 3) hold (ok, 4 states); FairDec(1)
    # is about an action never enabled, so the property fails (4 states). The
    # checker used to refuse both ("unsupported: fairness in an expression").
    body = (
        "VARIABLE x\nInit == x = 0\nInc(i) == x < 3 /\\ x' = x + i\n"
        "Dec(i) == x > 5 /\\ x' = x - i\nFairInc(i) == WF_x(Inc(i))\n"
        "FairDec(i) == WF_x(Dec(i))\nSpec == Init /\\ [][Inc(1)]_x /\\ FairInc(1)\n"
        "Idle == Init /\\ [][Inc(1)]_x /\\ FairDec(1)\nProp == <>(x = 3)\n"
    )
    cfg = f"SPECIFICATION {spec}\nPROPERTY Prop\nCHECK_DEADLOCK FALSE\n"
    res = check(load_model(make_spec(body, cfg=cfg)))
    assert (res.result, res.distinct_states) == (verdict, 4)
