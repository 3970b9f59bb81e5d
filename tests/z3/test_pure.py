"""All-input properties of the pure functions, and their broken twins.

Every property must be proved for all u64 inputs, each broken twin must be
refuted with a counterexample, and the counterexample must really break the
mathematical (Python integer) reading of DESIGN.md: checked here in Python.
"""

from __future__ import annotations

from functools import cache

import pytest
import z3
from aura_model.z3 import (
    U64_MAX,
    ProofResult,
    Verdict,
    boundary_cases,
    fresh_context,
    pure_checks,
)
from aura_model.z3.models.pure import run_pure_check

# The rows of run_pure_checks, named without solving them: each is solved by the
# test that reads it (not all of them at import, in every test worker).
KEYS = {(f"pure:{c.function}", c.name): index for index, c in enumerate(pure_checks())}


@cache
def _result(key: tuple[str, str]) -> ProofResult:
    """The row as run_pure_checks gives it: in a fresh Z3 context, under its
    calibrated rlimit (no wall clock)."""
    with fresh_context():
        res = run_pure_check(KEYS[key])
    assert (res.system, res.name) == key
    return res


@pytest.mark.parametrize("key", [k for k in KEYS if "/BUG_" not in k[1]], ids=str)
def test_property_proved_for_all_inputs(key: tuple[str, str]) -> None:
    """Each property holds for every input."""
    res = _result(key)
    assert res.verdict == Verdict.PROVED, res.detail


@pytest.mark.parametrize("key", [k for k in KEYS if "/BUG_" in k[1]], ids=str)
def test_bug_twin_refuted(key: tuple[str, str]) -> None:
    """Each broken twin yields a concrete counterexample (non-vacuity)."""
    res = _result(key)
    assert res.verdict == Verdict.VIOLATED
    assert res.detail.startswith("counterexample: ")


def _cex(name: str) -> dict[str, int]:
    res = _result(next(k for k in KEYS if k[1] == name))
    pairs = [kv.split("=") for kv in res.detail.removeprefix("counterexample: ").split(", ")]
    return {k: int(v) if v not in ("True", "False") else v == "True" for k, v in pairs}


def test_wrapping_refresh_counterexample_is_real() -> None:
    """The wrapping twin's counterexample differs from integer arithmetic."""
    c = _cex("RefreshMatchesIntegers/BUG_WrappingAdd")
    wrapped = (c["now"] + c["window"]) % 2**64 >= c["valid_until"]
    exact = c["now"] + c["window"] >= c["valid_until"]
    assert wrapped != exact
    assert c["now"] + c["window"] > U64_MAX


def test_wrapping_charge_counterexample_is_real() -> None:
    """The wrapping charge would allow a charge past the limit."""
    c = _cex("ChargeMatchesIntegers/BUG_WrappingCharge")
    assert ((c["spent"] + c["cost"]) % 2**64 <= c["limit"]) != (
        c["spent"] + c["cost"] <= c["limit"]
    )


def test_wrapping_build_counterexample_is_real() -> None:
    """The wrapping build produces valid_until <= valid_from."""
    c = _cex("BuildNeverBroken/BUG_WrappingBuild")
    assert c["validity"] != 0 and (c["now"] + c["validity"]) % 2**64 <= c["now"]


CASES = boundary_cases()


def test_boundary_cases_cover_every_function_and_edge() -> None:
    """Z3 generated the named edges of the issue for every pure function."""
    names = {(c.function, c.name) for c in CASES}
    for needed in [
        ("is_valid_at", "now = valid_until - 1"),
        ("is_valid_at", "now = valid_until"),
        ("build", "now + validity = 2**64 (overflow)"),
        ("needs_refresh_at", "now + window overflows u64"),
        ("charge", "exact budget: spent + cost = limit"),
        ("receipt_nonce", "replay: nonce = last"),
        ("choose_descriptor", "greatest is revoked"),
    ]:
        assert needed in names


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.function}:{c.name}")
def test_boundary_case_matches_the_design_in_python(case) -> None:
    """The Z3 twin's expected answer equals DESIGN.md evaluated with Python ints
    (so the twin itself is checked, independently of the implementation)."""
    i = case.inputs
    if case.function == "is_valid_at":
        want: object = i["valid_from"] <= i["now"] < i["valid_until"]
    elif case.function == "build":
        want = i["validity"] > 0 and i["now"] + i["validity"] <= U64_MAX
    elif case.function == "needs_refresh_at":
        want = min(i["now"] + i["window"], U64_MAX) >= i["valid_until"]
    elif case.function == "charge":
        want = i["spent"] + i["cost"] <= i["limit"]
    elif case.function == "receipt_nonce":
        want = i["nonce"] > i["last"]
    else:
        eligible = [
            (c["vf"], c["nonce"], k)
            for k, c in enumerate(i["candidates"])
            if c["ctx"] == 0
            and c["auth"] == 0
            and not c["revoked"]
            and c["vf"] <= i["now"] < c["vu"]
        ]
        want = max(eligible)[2] if eligible else -1
    assert case.expected == want
    for v in (x for x in i.values() if isinstance(x, int)):
        assert 0 <= v <= U64_MAX


def test_one_claim_alone_at_concrete_inputs() -> None:
    """A claim is a function of its own named inputs: substituted with
    concrete values it evaluates to the answer of Python integers."""
    from aura_model.z3.models import pure

    with fresh_context():
        now, window, vu = pure.u64("now"), pure.u64("window"), pure.u64("valid_until")
        at = [(now, z3.BitVecVal(U64_MAX, 64)), (window, z3.BitVecVal(2, 64))]
        at.append((vu, z3.BitVecVal(5, 64)))
        # 2**64 - 1 + 2 wraps to 1 < 5: the twin says "no refresh", integers say "refresh".
        assert z3.is_false(z3.simplify(z3.substitute(pure.BUG_WrappingAdd(), *at)))
        assert z3.is_true(z3.simplify(z3.substitute(pure.RefreshMatchesIntegers(), *at)))
        solver = z3.Solver()
        solver.add(z3.Not(pure.ValidUntilExclusive()))
        assert solver.check() == z3.unsat
