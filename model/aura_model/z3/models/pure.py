"""All-input properties of the reference implementation's pure functions.

Each function of ``aura_rendezvous`` that decides something from numbers alone
(descriptor validity, the build overflow rule, the refresh rule, the budget
charge, the receipt nonce and chain checks, the descriptor choice) has a Z3
twin here over 64-bit bit-vectors, i.e. with the implementation's u64
arithmetic and its overflow edges. Properties are proved for every input; the
mathematical (unbounded integer) reading of DESIGN.md is the reference, and
the bit-vector formula must agree with it. Broken twins (wrapping instead of
saturating, ``<=`` instead of ``<``, "last arrived wins"...) must each be
refuted with a concrete counterexample: that is what makes the proofs
non-vacuous. Each property is a top-level function named as its row
(``ValidityHalfOpen()``; a broken twin by its flag, ``BUG_WrappingCharge()``)
that returns the claim over its own inputs.

:func:`boundary_cases` asks Z3 for concrete inputs on every edge (``now =
valid_until - 1``, ``now = valid_until``, ``now + validity = 2**64``, the exact
budget...), with the expected answer taken from the Z3 model; the tests run
the real implementation on each of them and compare.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import attrs
import z3

from aura_model.z3.framework import (
    ProofResult,
    Verdict,
    Z3ModelError,
    fresh_context,
    limited_solver,
    run_query,
)

__all__ = [
    "CHOICE_CANDIDATES",
    "PURE_RLIMIT",
    "U64_MAX",
    "BUG_InclusiveValidUntil",
    "BUG_LastArrivedWins",
    "BUG_NoReplayCheck",
    "BUG_WrappingAdd",
    "BUG_WrappingBuild",
    "BUG_WrappingCharge",
    "BoundaryCase",
    "BuildNeverBroken",
    "BuildOverflowIsError",
    "ChainLinksPrevious",
    "ChargeExactBudgetAllowed",
    "ChargeMatchesIntegers",
    "ChargeNeverExceedsLimit",
    "ChoiceIsGreatestEligible",
    "ChoiceNeverCrossesContext",
    "ChoiceOrderIndependent",
    "NonceMaxIsLast",
    "NonceNoReplay",
    "NonceStrictlyIncreasing",
    "PureCheck",
    "RefreshMatchesIntegers",
    "RefreshMonotone",
    "RefreshWhenExpired",
    "RefreshZeroWindowIsExpiry",
    "ValidUntilExclusive",
    "ValidityHalfOpen",
    "ValidityMatchesIntegers",
    "boundary_cases",
    "budget_allows",
    "build_ok",
    "chain_accepts",
    "choose",
    "is_valid_at",
    "needs_refresh_at",
    "nonce_accepts",
    "pure_check_names",
    "pure_checks",
    "run_pure_check",
    "run_pure_checks",
]

U64_MAX = 2**64 - 1
W = 64
CHOICE_CANDIDATES = 3  # candidates in the symbolic choice (each with every field free)
# Per query: >= 10x the largest check's 4.8e6 units (docs/proofs.md).
PURE_RLIMIT = 50_000_000


def u64(name: str) -> Any:
    return z3.BitVec(name, W)


def _as_int(x: Any) -> Any:
    """``x`` as an exact natural number: zero-extended to 66 bits, where the
    sum of two u64 values cannot wrap (bit-precise, so the solver stays fast;
    BV2Int over 64 bits times out)."""
    return z3.ZeroExt(2, x)


def _nat(v: int) -> Any:
    return z3.BitVecVal(v, W + 2)


# -- the Z3 twins of the implementation's functions ---------------------------


def is_valid_at(valid_from: Any, valid_until: Any, now: Any) -> Any:
    """DESIGN.md 2: valid iff ``valid_from <= now < valid_until`` (unsigned)."""
    return z3.And(z3.ULE(valid_from, now), z3.ULT(now, valid_until))


def build_ok(now: Any, validity: Any) -> Any:
    """Building ``[now, now + validity)`` succeeds iff it is non-empty and
    ``now + validity`` does not overflow u64."""
    return z3.And(validity != 0, z3.BVAddNoOverflow(now, validity, signed=False))


def _sat_add(a: Any, b: Any) -> Any:
    return z3.If(z3.BVAddNoOverflow(a, b, signed=False), a + b, z3.BitVecVal(U64_MAX, W))


def needs_refresh_at(valid_until: Any, now: Any, window: Any) -> Any:
    """DESIGN.md 2: ``now + window >= valid_until`` with saturating addition."""
    return z3.UGE(_sat_add(now, window), valid_until)


def budget_allows(spent: Any, cost: Any, limit: Any) -> Any:
    """DESIGN.md 4: a charge ``c`` is allowed iff ``spent + c <= limit``,
    computed without wrapping (overflow means "does not fit")."""
    return z3.And(z3.BVAddNoOverflow(spent, cost, signed=False), z3.ULE(spent + cost, limit))


def nonce_accepts(has_last: Any, last: Any, nonce: Any) -> Any:
    """DESIGN.md 4: a receipt nonce is accepted iff strictly greater than the
    last accepted one of the same (src, context, epoch), or the first."""
    return z3.Or(z3.Not(has_last), z3.UGT(nonce, last))


def chain_accepts(prev_hash: Any, last_hash: Any) -> Any:
    """DESIGN.md 4: the receipt names the hash of the previous accepted receipt."""
    return prev_hash == last_hash


@attrs.frozen
class _Cand:
    ctx: Any
    auth: Any
    vf: Any
    vu: Any
    nonce: Any
    revoked: Any


def _cand(tag: str) -> _Cand:
    return _Cand(
        z3.Int(f"ctx{tag}"),
        z3.Int(f"auth{tag}"),
        u64(f"vf{tag}"),
        u64(f"vu{tag}"),
        u64(f"nonce{tag}"),
        z3.Bool(f"revoked{tag}"),
    )


def _eligible(c: _Cand, ctx: Any, auth: Any, now: Any) -> Any:
    return z3.And(c.ctx == ctx, c.auth == auth, is_valid_at(c.vf, c.vu, now), z3.Not(c.revoked))


def _greater(a: _Cand, b: _Cand) -> Any:
    return z3.Or(z3.UGT(a.vf, b.vf), z3.And(a.vf == b.vf, z3.UGT(a.nonce, b.nonce)))


def choose(
    cands: Sequence[_Cand], ctx: Any, auth: Any, now: Any, *, last_arrived: bool = False
) -> tuple[Any, Any]:
    """The index chosen (-1: none) as a fold over the candidates, and whether
    one was chosen. DESIGN.md 2: the eligible one with the greatest
    ``(valid_from, nonce)``; ``last_arrived`` is the broken twin."""
    best = z3.IntVal(-1)
    for i, c in enumerate(cands):
        beats = z3.BoolVal(True)
        if not last_arrived:
            for j, d in enumerate(cands[:i]):
                beats = z3.And(beats, z3.Implies(best == j, _greater(c, d)))
        best = z3.If(z3.And(_eligible(c, ctx, auth, now), beats), i, best)
    return best, best >= 0


# -- properties and broken twins -------------------------------------------
#
# Each claim is a top-level function named as its row (a broken twin by its
# BUG_ flag) that builds its own inputs, so one can be queried alone; the
# inputs are named constants, the same terms in every claim that names them.


def ValidityHalfOpen() -> Any:
    vf, vu = u64("valid_from"), u64("valid_until")
    one = z3.BitVecVal(1, W)
    return z3.Implies(
        z3.ULT(vf, vu), z3.And(is_valid_at(vf, vu, vf), is_valid_at(vf, vu, vu - one))
    )


def ValidUntilExclusive() -> Any:
    vf, vu = u64("valid_from"), u64("valid_until")
    return z3.Not(is_valid_at(vf, vu, vu))


def ValidityMatchesIntegers() -> Any:
    vf, vu, now = u64("valid_from"), u64("valid_until"), u64("now")
    return is_valid_at(vf, vu, now) == z3.And(
        z3.ULE(_as_int(vf), _as_int(now)), z3.ULT(_as_int(now), _as_int(vu))
    )


def BuildNeverBroken() -> Any:
    now, validity = u64("now"), u64("validity")
    return z3.Implies(
        build_ok(now, validity),
        z3.And(z3.ULT(now, now + validity), is_valid_at(now, now + validity, now)),
    )


def BuildOverflowIsError() -> Any:
    now, validity = u64("now"), u64("validity")
    return build_ok(now, validity) == z3.And(
        z3.UGT(_as_int(validity), 0),
        z3.ULE(_as_int(now) + _as_int(validity), _nat(U64_MAX)),
    )


def BUG_InclusiveValidUntil() -> Any:
    """ValidUntilExclusive with an inclusive end."""
    vf, vu = u64("valid_from"), u64("valid_until")
    return z3.Not(z3.And(z3.ULE(vf, vu), z3.ULE(vu, vu)))


def BUG_WrappingBuild() -> Any:
    """BuildNeverBroken with a build that wraps silently."""
    now, validity = u64("now"), u64("validity")
    return z3.Implies(validity != 0, z3.ULT(now, now + validity))


def RefreshMatchesIntegers() -> Any:
    vu, now, window = u64("valid_until"), u64("now"), u64("window")
    return needs_refresh_at(vu, now, window) == z3.UGE(_as_int(now) + _as_int(window), _as_int(vu))


def RefreshWhenExpired() -> Any:
    vu, now, window = u64("valid_until"), u64("now"), u64("window")
    return z3.Implies(z3.UGE(now, vu), needs_refresh_at(vu, now, window))


def RefreshZeroWindowIsExpiry() -> Any:
    vu, now = u64("valid_until"), u64("now")
    return needs_refresh_at(vu, now, z3.BitVecVal(0, W)) == z3.UGE(now, vu)


def RefreshMonotone() -> Any:
    vu, now, window = u64("valid_until"), u64("now"), u64("window")
    now2, window2 = u64("now2"), u64("window2")
    return z3.Implies(
        z3.And(z3.ULE(now, now2), z3.ULE(window, window2), needs_refresh_at(vu, now, window)),
        needs_refresh_at(vu, now2, window2),
    )


def BUG_WrappingAdd() -> Any:
    """RefreshMatchesIntegers with a wrapping ``now + window``."""
    vu, now, window = u64("valid_until"), u64("now"), u64("window")
    return z3.UGE(now + window, vu) == z3.UGE(_as_int(now) + _as_int(window), _as_int(vu))


def ChargeMatchesIntegers() -> Any:
    spent, cost, limit = u64("spent"), u64("cost"), u64("limit")
    return budget_allows(spent, cost, limit) == z3.ULE(
        _as_int(spent) + _as_int(cost), _as_int(limit)
    )


def ChargeNeverExceedsLimit() -> Any:
    spent, cost, limit = u64("spent"), u64("cost"), u64("limit")
    return z3.Implies(
        z3.And(z3.ULE(spent, limit), budget_allows(spent, cost, limit)),
        z3.And(z3.ULE(spent + cost, limit), z3.ULE(spent, spent + cost)),
    )


def ChargeExactBudgetAllowed() -> Any:
    spent, cost, limit = u64("spent"), u64("cost"), u64("limit")
    return z3.Implies(
        z3.And(z3.ULE(spent, limit), cost == limit - spent), budget_allows(spent, cost, limit)
    )


def BUG_WrappingCharge() -> Any:
    """ChargeMatchesIntegers with a wrapping ``spent + cost``."""
    spent, cost, limit = u64("spent"), u64("cost"), u64("limit")
    return z3.ULE(spent + cost, limit) == z3.ULE(_as_int(spent) + _as_int(cost), _as_int(limit))


def _three_accepted(accepts: Callable[[Any, Any, Any], Any]) -> tuple[Any, Any, Any, Any]:
    """Nonces ``n1, n2, n3`` accepted one after the other (after ``last``, if
    any): the claim over them, and the three nonces."""
    last, n1, n2, n3 = u64("last"), u64("n1"), u64("n2"), u64("n3")
    t = z3.BoolVal(True)
    accepted = z3.And(
        accepts(z3.Bool("has_last"), last, n1), accepts(t, n1, n2), accepts(t, n2, n3)
    )
    return accepted, n1, n2, n3


def _accepts_equal(has_last: Any, last: Any, nonce: Any) -> Any:
    """The broken nonce check: ``>=`` instead of ``>``."""
    return z3.Or(z3.Not(has_last), z3.UGE(nonce, last))


def NonceNoReplay() -> Any:
    return z3.Not(nonce_accepts(z3.BoolVal(True), u64("last"), u64("last")))


def NonceStrictlyIncreasing() -> Any:
    accepted, n1, n2, n3 = _three_accepted(nonce_accepts)
    return z3.Implies(accepted, z3.And(z3.ULT(n1, n2), z3.ULT(n2, n3), n1 != n3))


def NonceMaxIsLast() -> Any:
    return z3.Not(nonce_accepts(z3.BoolVal(True), z3.BitVecVal(U64_MAX, W), u64("n1")))


def ChainLinksPrevious() -> Any:
    h0, h1, p1 = z3.Int("h0"), z3.Int("h1"), z3.Int("prev1")
    return z3.Implies(z3.And(chain_accepts(p1, h0), h0 != h1), z3.Not(p1 == h1))


def BUG_NoReplayCheck() -> Any:
    """NonceStrictlyIncreasing with the ``>=`` check."""
    accepted, n1, n2, n3 = _three_accepted(_accepts_equal)
    return z3.Implies(accepted, z3.And(z3.ULT(n1, n2), z3.ULT(n2, n3)))


@attrs.frozen(eq=False)
class _Choice:
    """The inputs of the symbolic choice: the candidates, and the context,
    authority and time it is made for."""

    cands: tuple[_Cand, ...]
    ctx: Any
    auth: Any
    now: Any


def _choice() -> _Choice:
    cands = tuple(_cand(str(i)) for i in range(CHOICE_CANDIDATES))
    return _Choice(cands, z3.Int("ctx"), z3.Int("auth"), u64("now"))


def _distinct_keys(cands: Sequence[_Cand]) -> Any:
    n = len(cands)
    return z3.And(
        *(
            z3.Or(cands[i].vf != cands[j].vf, cands[i].nonce != cands[j].nonce)
            for i in range(n)
            for j in range(i + 1, n)
        )
    )


def _picked(cs: Sequence[_Cand], idx: Any) -> dict[str, Any]:
    """The chosen candidate's fields (undefined when none is chosen)."""
    out: dict[str, Any] = {}
    for field in ("ctx", "auth", "vf", "vu", "nonce"):
        expr = getattr(cs[0], field)
        for i in range(1, len(cs)):
            expr = z3.If(idx == i, getattr(cs[i], field), expr)
        out[field] = expr
    return out


def ChoiceIsGreatestEligible() -> Any:
    c = _choice()
    idx, some = choose(c.cands, c.ctx, c.auth, c.now)

    def eligible(x: _Cand) -> Any:
        return _eligible(x, c.ctx, c.auth, c.now)

    parts = []
    for i, x in enumerate(c.cands):
        parts.append(z3.Implies(idx == i, eligible(x)))
        parts += [
            z3.Implies(z3.And(idx == i, eligible(y)), _greater(x, y))
            for j, y in enumerate(c.cands)
            if i != j
        ]
    any_eligible = z3.Or(*(eligible(x) for x in c.cands))
    return z3.Implies(_distinct_keys(c.cands), z3.And(some == any_eligible, *parts))


def _order_independent(last_arrived: bool) -> Any:
    # Reversed order: a different arrival order of the same candidates.
    c = _choice()
    rev = tuple(reversed(c.cands))
    i1, s1 = choose(c.cands, c.ctx, c.auth, c.now, last_arrived=last_arrived)
    i2, s2 = choose(rev, c.ctx, c.auth, c.now, last_arrived=last_arrived)
    a, b = _picked(c.cands, i1), _picked(rev, i2)
    return z3.Implies(
        _distinct_keys(c.cands),
        z3.And(s1 == s2, z3.Implies(s1, z3.And(*(a[f] == b[f] for f in a)))),
    )


def ChoiceOrderIndependent() -> Any:
    return _order_independent(last_arrived=False)


def ChoiceNeverCrossesContext() -> Any:
    c = _choice()
    idx, _ = choose(c.cands, c.ctx, c.auth, c.now)
    return z3.And(
        *(
            z3.Implies(idx == i, z3.And(x.ctx == c.ctx, z3.Not(x.revoked)))
            for i, x in enumerate(c.cands)
        )
    )


def BUG_LastArrivedWins() -> Any:
    """ChoiceOrderIndependent when the last arrived candidate wins."""
    return _order_independent(last_arrived=True)


@attrs.frozen
class PureCheck:
    """``claim`` must be valid for all inputs (``expect_valid``), or, for a
    broken twin, must have a counterexample (``expect_valid=False``)."""

    function: str
    name: str
    claim: Callable[[], Any]
    expect_valid: bool = True


# The rows, in order: (implementation function, row name, claim, expect_valid).
_CHECKS: tuple[tuple[str, str, Callable[[], Any], bool], ...] = (
    ("is_valid_at", "ValidityHalfOpen", ValidityHalfOpen, True),
    ("is_valid_at", "ValidUntilExclusive", ValidUntilExclusive, True),
    ("is_valid_at", "ValidityMatchesIntegers", ValidityMatchesIntegers, True),
    ("build", "BuildNeverBroken", BuildNeverBroken, True),
    ("build", "BuildOverflowIsError", BuildOverflowIsError, True),
    (
        "is_valid_at",
        "ValidUntilExclusive/BUG_InclusiveValidUntil",
        BUG_InclusiveValidUntil,
        False,
    ),
    ("build", "BuildNeverBroken/BUG_WrappingBuild", BUG_WrappingBuild, False),
    ("needs_refresh_at", "RefreshMatchesIntegers", RefreshMatchesIntegers, True),
    ("needs_refresh_at", "RefreshWhenExpired", RefreshWhenExpired, True),
    ("needs_refresh_at", "RefreshZeroWindowIsExpiry", RefreshZeroWindowIsExpiry, True),
    ("needs_refresh_at", "RefreshMonotone", RefreshMonotone, True),
    ("needs_refresh_at", "RefreshMatchesIntegers/BUG_WrappingAdd", BUG_WrappingAdd, False),
    ("charge", "ChargeMatchesIntegers", ChargeMatchesIntegers, True),
    ("charge", "ChargeNeverExceedsLimit", ChargeNeverExceedsLimit, True),
    ("charge", "ChargeExactBudgetAllowed", ChargeExactBudgetAllowed, True),
    ("charge", "ChargeMatchesIntegers/BUG_WrappingCharge", BUG_WrappingCharge, False),
    ("receipt", "NonceNoReplay", NonceNoReplay, True),
    ("receipt", "NonceStrictlyIncreasing", NonceStrictlyIncreasing, True),
    ("receipt", "NonceMaxIsLast", NonceMaxIsLast, True),
    ("receipt", "ChainLinksPrevious", ChainLinksPrevious, True),
    ("receipt", "NonceStrictlyIncreasing/BUG_NoReplayCheck", BUG_NoReplayCheck, False),
    ("choose_descriptor", "ChoiceIsGreatestEligible", ChoiceIsGreatestEligible, True),
    ("choose_descriptor", "ChoiceOrderIndependent", ChoiceOrderIndependent, True),
    ("choose_descriptor", "ChoiceNeverCrossesContext", ChoiceNeverCrossesContext, True),
    (
        "choose_descriptor",
        "ChoiceOrderIndependent/BUG_LastArrivedWins",
        BUG_LastArrivedWins,
        False,
    ),
)


def pure_checks() -> list[PureCheck]:
    return [PureCheck(*row) for row in _CHECKS]


def _model_inputs(model: Any, claim: Any) -> dict[str, object]:
    """The counterexample's free inputs, by name."""
    out: dict[str, object] = {}
    seen: set[str] = set()

    def walk(e: Any) -> None:
        if z3.is_const(e) and e.decl().kind() == z3.Z3_OP_UNINTERPRETED:
            name = e.decl().name()
            if name not in seen:
                seen.add(name)
                v = model.eval(e, model_completion=True)
                out[name] = (
                    z3.is_true(v)
                    if z3.is_bool(v)
                    else v.as_long()
                    if z3.is_bv_value(v) or z3.is_int_value(v)
                    else str(v)
                )
            return
        for child in e.children():
            walk(child)

    walk(claim)
    return dict(sorted(out.items()))


def _check_result(check: PureCheck, rlimit: int) -> ProofResult:
    claim = check.claim()
    solver = limited_solver(rlimit)
    solver.add(z3.Not(claim))
    out = run_query(solver, rlimit)
    method = "all inputs (u64)" if check.expect_valid else "bug twin"
    if out.status == z3.unsat:
        verdict = Verdict.PROVED
        detail = "" if check.expect_valid else "twin NOT refuted: the property is vacuous"
    elif out.status == z3.sat:
        cex = _model_inputs(out.model, claim)
        verdict = Verdict.VIOLATED
        detail = "counterexample: " + ", ".join(f"{k}={v}" for k, v in cex.items())
    else:
        verdict, detail = out.undecided_verdict, out.undecided_detail
    return ProofResult(
        f"pure:{check.function}", check.name, method, verdict, out.seconds, 1, out.seconds, detail
    )


def pure_check_names() -> list[tuple[str, bool]]:
    """(name, expect_valid) of every check, in order (built in a throwaway context)."""
    with fresh_context():
        return [(c.name, c.expect_valid) for c in pure_checks()]


def run_pure_check(index: int, rlimit: int = PURE_RLIMIT) -> ProofResult:
    """Check number ``index`` of :func:`pure_checks`, in the current context."""
    return _check_result(pure_checks()[index], rlimit)


def run_pure_checks(rlimit: int = PURE_RLIMIT) -> list[ProofResult]:
    """Prove every property (and refute every broken twin) for all inputs,
    each in a fresh Z3 context."""
    results = []
    for index in range(len(pure_check_names())):
        with fresh_context():
            results.append(run_pure_check(index, rlimit))
    return results


# -- boundary cases for the implementation -------------------------------------


@attrs.frozen
class BoundaryCase:
    """Concrete inputs on an edge, and the answer of the Z3 twin on them."""

    function: str
    name: str
    inputs: dict[str, Any]
    expected: object


def _solve_for(names: dict[str, Any], *constraints: Any) -> dict[str, int] | None:
    solver = limited_solver(PURE_RLIMIT)
    solver.add(*constraints)
    out = run_query(solver, PURE_RLIMIT)
    if out.status != z3.sat:
        return None
    m = out.model
    return {k: m.eval(v, model_completion=True).as_long() for k, v in names.items()}


def _bv(x: int) -> Any:
    return z3.BitVecVal(x, W)


def _eval_bool(expr: Any) -> bool:
    return bool(z3.is_true(z3.simplify(expr)))


def _edge_cases(
    function: str,
    names: dict[str, Any],
    edges: dict[str, list[Any]],
    answer: Callable[[dict[str, int]], Any],
) -> list[BoundaryCase]:
    """One case per edge: inputs Z3 finds on it, and the twin's ``answer``
    on those inputs."""
    cases = []
    for label, constraints in edges.items():
        vals = _solve_for(names, *constraints)
        if vals is None:
            raise Z3ModelError(f"{function} edge {label!r}: no input")
        cases.append(BoundaryCase(function, label, vals, _eval_bool(answer(vals))))
    return cases


def _validity_cases() -> list[BoundaryCase]:
    one, top = z3.BitVecVal(1, W), z3.BitVecVal(U64_MAX, W)
    vf, vu, now = u64("valid_from"), u64("valid_until"), u64("now")
    base = [z3.ULT(vf, vu), z3.UGT(vf, 1000)]
    edges = {
        "now = valid_until - 1": [now == vu - one],
        "now = valid_until": [now == vu],
        "now = valid_from": [now == vf],
        "now = valid_from - 1": [now == vf - one],
        "valid_until = 2**64-1, now = valid_until - 1": [vu == top, now == vu - one],
        "valid_until = 2**64-1, now = 2**64-1": [vu == top, now == top],
        "one-unit window, now = valid_from": [vu == vf + one, now == vf],
    }
    return _edge_cases(
        "is_valid_at",
        {"valid_from": vf, "valid_until": vu, "now": now},
        {label: [*base, *cs] for label, cs in edges.items()},
        lambda x: is_valid_at(_bv(x["valid_from"]), _bv(x["valid_until"]), _bv(x["now"])),
    )


def _build_cases() -> list[BoundaryCase]:
    top = z3.BitVecVal(U64_MAX, W)
    now, validity = u64("now"), u64("validity")
    edges = {
        "now + validity = 2**64-1": [now + validity == top, validity != 0, z3.UGT(now, 0)],
        "now + validity = 2**64 (overflow)": [
            _as_int(now) + _as_int(validity) == _nat(2**64),
            z3.UGT(now, 1),
        ],
        "validity = 0": [validity == 0, z3.UGT(now, 1000)],
        "validity = 1": [validity == 1, z3.UGT(now, 1000)],
        "now = 2**64-1, validity = 1": [now == top, validity == 1],
    }
    return _edge_cases(
        "build",
        {"now": now, "validity": validity},
        edges,
        lambda x: build_ok(_bv(x["now"]), _bv(x["validity"])),
    )


def _refresh_cases() -> list[BoundaryCase]:
    one, top = z3.BitVecVal(1, W), z3.BitVecVal(U64_MAX, W)
    vu, now, window = u64("valid_until"), u64("now"), u64("window")
    edges = {
        "now + window = valid_until - 1": [
            z3.BVAddNoOverflow(now, window, False),
            now + window == vu - one,
            z3.UGT(window, 0),
        ],
        "now + window = valid_until": [
            z3.BVAddNoOverflow(now, window, False),
            now + window == vu,
            z3.UGT(window, 0),
        ],
        "now + window overflows u64": [
            z3.Not(z3.BVAddNoOverflow(now, window, False)),
            z3.UGT(vu, now),
            z3.ULT(now + window, vu),
        ],
        "window = 0, now = valid_until - 1": [window == 0, now == vu - one, z3.UGT(vu, 1)],
        "window = 0, now = valid_until": [window == 0, now == vu],
        "now = 2**64-1, window = 2**64-1": [now == top, window == top],
    }
    return _edge_cases(
        "needs_refresh_at",
        {"valid_until": vu, "now": now, "window": window},
        edges,
        lambda x: needs_refresh_at(_bv(x["valid_until"]), _bv(x["now"]), _bv(x["window"])),
    )


def _budget_cases() -> list[BoundaryCase]:
    one, top = z3.BitVecVal(1, W), z3.BitVecVal(U64_MAX, W)
    spent, cost, limit = u64("spent"), u64("cost"), u64("limit")
    small = [z3.ULT(cost, 2**31), z3.UGT(cost, 0)]  # costs are small protocol constants
    edges = {
        "exact budget: spent + cost = limit": [
            *small,
            z3.BVAddNoOverflow(spent, cost, False),
            spent + cost == limit,
        ],
        "one over: spent + cost = limit + 1": [
            *small,
            z3.BVAddNoOverflow(spent, cost, False),
            spent + cost == limit + one,
            z3.ULT(limit, top),
        ],
        "spent + cost = 2**64 (overflow)": [
            *small,
            _as_int(spent) + _as_int(cost) == _nat(2**64),
            limit == top,
        ],
        "limit = 2**64-1, exact": [*small, limit == top, spent + cost == top],
        "zero limit, cost 1": [limit == 0, spent == 0, cost == 1],
    }
    return _edge_cases(
        "charge",
        {"spent": spent, "cost": cost, "limit": limit},
        edges,
        lambda x: budget_allows(_bv(x["spent"]), _bv(x["cost"]), _bv(x["limit"])),
    )


def _nonce_cases() -> list[BoundaryCase]:
    one, top = z3.BitVecVal(1, W), z3.BitVecVal(U64_MAX, W)
    last, nonce = u64("last"), u64("nonce")
    edges = {
        "replay: nonce = last": [nonce == last, z3.UGT(last, 0)],
        "next: nonce = last + 1": [nonce == last + one, z3.UGT(last, 0), z3.ULT(last, top)],
        "reordered: nonce = last - 1": [nonce == last - one, z3.UGT(last, 1)],
        "last = 2**64-2, nonce = 2**64-1": [last == top - one, nonce == top],
        "last = 2**64-1, nonce = 0 (wrap)": [last == top, nonce == 0],
    }
    return _edge_cases(
        "receipt_nonce",
        {"last": last, "nonce": nonce},
        edges,
        lambda x: nonce_accepts(z3.BoolVal(True), _bv(x["last"]), _bv(x["nonce"])),
    )


def boundary_cases() -> list[BoundaryCase]:
    """Edge inputs found by Z3 for each pure function, with expected answers."""
    return [
        *_validity_cases(),
        *_build_cases(),
        *_refresh_cases(),
        *_budget_cases(),
        *_nonce_cases(),
        *_choice_cases(),
    ]


def _choice_cases() -> list[BoundaryCase]:
    """Three candidates per case; the expected answer is the chosen index."""
    n = CHOICE_CANDIDATES
    cands = [_cand(str(i)) for i in range(n)]
    ctx, auth, now = z3.IntVal(0), z3.IntVal(0), u64("now")
    idx, _ = choose(cands, ctx, auth, now)
    domain = []
    for c in cands:
        domain += [
            z3.Or(c.ctx == 0, c.ctx == 1),
            z3.Or(c.auth == 0, c.auth == 1),
            z3.ULT(c.vf, c.vu),
            z3.ULT(c.vu, 10**6),
            z3.ULT(c.nonce, 256),
        ]
    distinct = [
        z3.Or(cands[i].vf != cands[j].vf, cands[i].nonce != cands[j].nonce)
        for i in range(n)
        for j in range(i + 1, n)
    ]
    c0, c1, c2 = cands
    edges = {
        "equal valid_from, greater nonce wins": [
            c0.vf == c1.vf,
            z3.UGT(c0.nonce, c1.nonce),
            *(_eligible(c, ctx, auth, now) for c in (c0, c1)),
            z3.Not(_eligible(c2, ctx, auth, now)),
        ],
        "greatest is revoked": [
            c2.revoked,
            _greater(c2, c0),
            _greater(c2, c1),
            c2.ctx == 0,
            c2.auth == 0,
            is_valid_at(c2.vf, c2.vu, now),
            _eligible(c0, ctx, auth, now),
        ],
        "greatest expires exactly now (now = valid_until)": [
            now == c1.vu,
            _greater(c1, c0),
            c1.ctx == 0,
            c1.auth == 0,
            z3.Not(c1.revoked),
            _eligible(c0, ctx, auth, now),
        ],
        "greatest belongs to another context": [
            c0.ctx == 1,
            c0.auth == 0,
            _greater(c0, c1),
            _greater(c0, c2),
            is_valid_at(c0.vf, c0.vu, now),
            z3.Not(c0.revoked),
            _eligible(c1, ctx, auth, now),
        ],
        "none eligible (now = valid_from - 1 for all)": [
            *(z3.And(c.ctx == 0, c.auth == 0, z3.Not(c.revoked)) for c in cands),
            now == c0.vf - 1,
            c1.vf == c0.vf,
            c2.vf == c0.vf,
            z3.UGT(c0.vf, 0),
        ],
        "last arrived is older": [
            *(_eligible(c, ctx, auth, now) for c in cands),
            _greater(c0, c2),
            _greater(c1, c2),
        ],
    }
    out = []
    for label, cs in edges.items():
        solver = limited_solver(PURE_RLIMIT)
        solver.add(*domain, *distinct, *cs)
        found = run_query(solver, PURE_RLIMIT)
        if found.status != z3.sat:
            raise Z3ModelError(f"choose_descriptor edge {label!r}: no input ({found.status})")
        m = found.model

        def val(e: Any, m: Any = m) -> Any:
            v = m.eval(e, model_completion=True)
            return z3.is_true(v) if z3.is_bool(v) else v.as_long()

        inputs: dict[str, Any] = {
            "now": val(now),
            "candidates": [
                {f: val(getattr(c, f)) for f in ("ctx", "auth", "vf", "vu", "nonce", "revoked")}
                for c in cands
            ],
        }
        out.append(BoundaryCase("choose_descriptor", label, inputs, val(idx)))
    return out
