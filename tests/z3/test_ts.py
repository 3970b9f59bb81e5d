"""The transition-system framework on a small system of its own.

``Counter``: ``x`` and ``y`` start at 0; ``Inc`` adds 1 to both, ``Reset``
sets both to 0, ``Skew`` (enabled only when ``x < 0``, which no reachable
state has) moves ``y`` ahead. So ``Equal`` holds, but is inductive only with
the strengthening ``x >= 0``, and ``Skew`` is a dead action.
"""

from __future__ import annotations

import z3
from aura_model.z3 import Action, TransitionSystem, Verdict, Z3ModelError


def counter(*, weak: bool = False) -> TransitionSystem:
    def inc(s, t, p):
        return z3.And(t["x"] == s["x"] + 1, t["y"] == s["y"] + 1)

    def reset(s, t, p):
        return z3.And(t["x"] == 0, t["y"] == 0)

    def skew(s, t, p):
        return z3.And(s["x"] < 0, t["y"] == s["y"] + p["d"], p["d"] > 0)

    return TransitionSystem(
        "Counter",
        {"x": z3.IntSort(), "y": z3.IntSort()},
        lambda s: z3.And(s["x"] == 0, s["y"] == 0),
        {
            "Inc": Action(inc, ("x", "y")),
            "Reset": Action(reset, ("x", "y")),
            "Skew": Action(skew, ("y",), {"d": z3.IntSort()}),
        },
        {"Equal": lambda s: s["x"] == s["y"]},
        strengthening={} if weak else {"NonNegative": lambda s: s["x"] >= 0},
    )


def test_proof_with_strengthening_holds() -> None:
    """``Equal`` is inductive together with ``x >= 0`` (``Skew`` needs ``x < 0``)."""
    ts = counter()
    res = ts.prove("Equal")
    assert res.verdict == Verdict.PROVED, res
    assert res.queries == 1 + len(ts.actions)
    assert ts.prove("NonNegative").verdict == Verdict.PROVED


def test_cti_on_too_weak_invariant_is_printed_in_spec_vocabulary() -> None:
    """Without the strengthening, consecution fails and the CTI is a state table
    naming the variables, the action and its parameter."""
    res = counter(weak=True).prove("Equal")
    assert res.verdict == Verdict.CTI
    assert res.trace is not None
    pre, post = res.trace.steps
    assert post.action == "Skew"
    assert isinstance(pre.state["x"], int) and pre.state["x"] < 0
    assert pre.state["x"] == pre.state["y"] and post.state["y"] != post.state["x"]
    table = res.trace.format_table()
    assert "0: Init" in table and "1: Skew(d=" in table
    assert table.splitlines()[2].startswith("x ")


def toggler() -> TransitionSystem:
    """``x`` toggles 0 <-> 1; from 2 it would jump to 3, but 2 has no predecessor."""

    def step(s, t, p):
        x = s["x"]
        return t["x"] == z3.If(x == 0, 1, z3.If(x == 1, 0, z3.If(x == 2, 3, x)))

    return TransitionSystem(
        "Toggler",
        {"x": z3.IntSort()},
        lambda s: s["x"] == 0,
        {"Step": Action(step, ("x",))},
        {"NotThree": lambda s: s["x"] != 3},
    )


def test_k_induction_proves_what_one_induction_cannot() -> None:
    """``NotThree`` has a CTI (x=2) for 1-induction, and is 2-inductive."""
    ts = toggler()
    one = ts.prove("NotThree")
    assert one.verdict == Verdict.CTI
    assert one.trace is not None and one.trace.steps[0].state == {"x": 2}
    assert ts.k_induction("NotThree", 1).verdict == Verdict.CTI
    two = ts.k_induction("NotThree", 2)
    assert two.verdict == Verdict.PROVED, two
    assert two.method == "k-induction(k=2)"


def test_bmc_clean_and_violation_from_bad_init() -> None:
    """BMC finds nothing to depth 6 in the correct system; with a broken Init
    initiation fails with the initial state as the counterexample."""
    ts = counter()
    assert ts.bmc(6).verdict == Verdict.bounded(6)
    bad_init = TransitionSystem(
        "Counter",
        ts.variables,
        lambda s: s["x"] == 1,
        ts.actions,
        ts.invariants,
        strengthening=ts.strengthening,
    )
    res = bad_init.check_initiation("Equal")
    assert res.verdict == Verdict.VIOLATED
    assert res.trace is not None
    assert res.trace.steps[0].state["x"] == 1
    found = bad_init.bmc(3)
    assert found.verdict == Verdict.VIOLATED and found.trace is not None
    assert len(found.trace.steps) == 1


def test_witnesses_and_dead_action() -> None:
    """Every live action gets a trace ending with it; a dead one is reported."""
    ts = counter()
    inc = ts.reachability_witness("Inc", 3)
    assert inc.verdict == Verdict.WITNESSED
    assert inc.trace is not None and inc.trace.steps[-1].action == "Inc"
    assert inc.trace.steps[-1].state == {"x": 1, "y": 1}
    assert ts.reachability_witness("Skew", 4).verdict == Verdict.UNREACHABLE


def test_is_next_step_and_sampling_agree() -> None:
    """Sampled steps are (or are not) Next steps, as ``is_next_step`` says."""
    ts = counter()
    samples = ts.sample_steps(6)
    assert any(a is not None for _, _, a in samples)
    assert any(a is None for _, _, a in samples)
    for pre, post, action in samples:
        s = {k: z3.IntVal(v) for k, v in pre.items()}
        t = {k: z3.IntVal(v) for k, v in post.items()}
        assert ts.is_next_step(s, t) is (action is not None)


def test_model_errors_are_typed() -> None:
    """Unknown names are a Z3ModelError, not a KeyError deep inside."""
    ts = counter()
    try:
        ts.prove("NoSuchInvariant")
    except Z3ModelError as exc:
        assert "NoSuchInvariant" in str(exc)
    else:
        raise AssertionError("expected Z3ModelError")
    try:
        TransitionSystem(
            "Bad",
            {"x": z3.IntSort()},
            lambda s: s["x"] == 0,
            {"A": Action(lambda s, t, p: z3.BoolVal(True), ("nope",))},
            {},
        )
    except Z3ModelError as exc:
        assert "nope" in str(exc)
    else:
        raise AssertionError("expected Z3ModelError")
