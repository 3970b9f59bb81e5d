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
