"""Z3-generated boundary cases, run on the reference implementation.

Every case of ``aura_model.z3.boundary_cases()`` (``now = valid_until - 1``,
``now = valid_until``, ``now + validity = 2**64``, the exact budget, a
replayed nonce, the greatest descriptor revoked...) is executed against the
real pure functions of ``aura_rendezvous``, which must give the Z3 twin's
answer. The broken twins of the same functions (written here as plain
Python, the way the known shortfalls would be coded) must disagree on at
least one case: that is what shows the cases have teeth.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable

import aura_rendezvous as ar
import pytest
from aura_model.z3 import U64_MAX, BoundaryCase, boundary_cases
from aura_rendezvous import AuraError

CASES = boundary_cases()
COMMITMENT = bytes(32)


def _of(function: str) -> list[BoundaryCase]:
    return [c for c in CASES if c.function == function]


def _ids(c: BoundaryCase) -> str:
    return c.name


def _descriptor(auth: int, ctx: int, vf: int, vu: int, nonce: int) -> ar.RendezvousDescriptor:
    return ar.RendezvousDescriptor(
        ar.AuthorityId(bytes([auth + 1]) * 32),
        ar.ContextId(bytes([ctx + 0x10]) * 32),
        (),
        COMMITMENT,
        vf,
        vu,
        nonce.to_bytes(32, "big"),
    )


@pytest.mark.parametrize("case", _of("is_valid_at"), ids=_ids)
def test_validity_window(case: BoundaryCase) -> None:
    """``is_valid_at`` on the half-open window's edges."""
    i = case.inputs
    d = _descriptor(0, 0, i["valid_from"], i["valid_until"], 1)
    assert ar.is_valid_at(d, i["now"]) is case.expected
    assert ar.window_contains(i["valid_from"], i["valid_until"], i["now"]) is case.expected


@pytest.mark.parametrize("case", _of("build"), ids=_ids)
def test_build_overflow(case: BoundaryCase) -> None:
    """``build_window``: an empty window or a u64 overflow is a typed error."""
    i = case.inputs
    if case.expected:
        vf, vu = ar.build_window(i["now"], i["validity"])
        assert (vf, vu) == (i["now"], i["now"] + i["validity"])
        assert vu <= U64_MAX
    else:
        with pytest.raises(AuraError):
            ar.build_window(i["now"], i["validity"])


@pytest.mark.parametrize("case", _of("needs_refresh_at"), ids=_ids)
def test_refresh_rule(case: BoundaryCase) -> None:
    """``needs_refresh_at`` with saturating addition."""
    i = case.inputs
    assert ar.needs_refresh_at(i["valid_until"], i["now"], i["window"]) is case.expected


@pytest.mark.parametrize("case", _of("charge"), ids=_ids)
def test_budget_charge(case: BoundaryCase) -> None:
    """``budget_allows`` at the exact budget, one over, and the u64 overflow."""
    i = case.inputs
    assert ar.budget_allows(i["spent"], i["cost"], i["limit"]) is case.expected


def test_budget_store_exact_budget() -> None:
    """The store charges up to exactly the limit and refuses one more unit."""
    exact = next(c for c in _of("charge") if c.name.startswith("exact budget"))
    ctx, auth = ar.ContextId(b"\x01" * 32), ar.AuthorityId(b"\x02" * 32)
    limit, cost = 7, 3
    store = ar.FlowBudgetStore({(ctx, auth): limit})
    store.charge(ctx, auth, 0, limit - cost)
    assert ar.budget_allows(limit - cost, cost, limit) is exact.expected is True
    store.charge(ctx, auth, 0, cost)
    assert store.remaining(ctx, auth, 0) == 0
    with pytest.raises(AuraError):
        store.charge(ctx, auth, 0, 1)
    assert store.spent(ctx, auth, 0) == limit


@pytest.mark.parametrize("case", _of("receipt_nonce"), ids=_ids)
def test_receipt_nonce(case: BoundaryCase) -> None:
    """``nonce_accepts``: replayed, reordered, wrapped nonces are refused."""
    i = case.inputs
    assert ar.nonce_accepts(i["last"], i["nonce"]) is case.expected


@pytest.mark.parametrize("case", _of("choose_descriptor"), ids=_ids)
def test_choose_descriptor(case: BoundaryCase) -> None:
    """``choose_descriptor`` picks the Z3 twin's choice in every arrival order."""
    i = case.inputs
    cands = [
        _descriptor(c["auth"], c["ctx"], c["vf"], c["vu"], c["nonce"]) for c in i["candidates"]
    ]
    revoked = {
        (d.authority_id, d.nonce)
        for d, c in zip(cands, i["candidates"], strict=True)
        if c["revoked"]
    }
    assert isinstance(case.expected, int)
    want = None if case.expected == -1 else cands[case.expected]
    ctx, auth = ar.ContextId(bytes([0x10]) * 32), ar.AuthorityId(bytes([1]) * 32)
    for order in itertools.permutations(cands):
        assert ar.choose_descriptor(order, ctx, auth, i["now"], revoked) == want


# -- the cases have teeth: each broken twin fails at least one of them --------


def _inclusive(vf: int, vu: int, now: int) -> bool:
    return vf <= now <= vu


def _wrapping_refresh(vu: int, now: int, window: int) -> bool:
    return (now + window) % 2**64 >= vu


def _wrapping_charge(spent: int, cost: int, limit: int) -> bool:
    return (spent + cost) % 2**64 <= limit


def _replaying_nonce(last: int, nonce: int) -> bool:
    return nonce >= last


BROKEN: list[tuple[str, Callable[..., bool], tuple[str, ...]]] = [
    ("is_valid_at", _inclusive, ("valid_from", "valid_until", "now")),
    ("needs_refresh_at", _wrapping_refresh, ("valid_until", "now", "window")),
    ("charge", _wrapping_charge, ("spent", "cost", "limit")),
    ("receipt_nonce", _replaying_nonce, ("last", "nonce")),
]


@pytest.mark.parametrize("function,broken,args", BROKEN, ids=[b[0] for b in BROKEN])
def test_broken_twins_fail_some_boundary_case(
    function: str, broken: Callable[..., bool], args: tuple[str, ...]
) -> None:
    """A known shortfall coded in Python gets at least one boundary case wrong."""
    wrong = [c.name for c in _of(function) if broken(*(c.inputs[a] for a in args)) != c.expected]
    assert wrong, f"no boundary case of {function} catches {broken.__name__}"


def test_last_arrived_twin_fails_a_choice_case() -> None:
    """ "Last arrived wins" disagrees with the Z3 twin on some choice case."""
    caught = False
    for case in _of("choose_descriptor"):
        i = case.inputs
        eligible = [
            k
            for k, c in enumerate(i["candidates"])
            if c["ctx"] == 0
            and c["auth"] == 0
            and not c["revoked"]
            and c["vf"] <= i["now"] < c["vu"]
        ]
        last = eligible[-1] if eligible else -1
        caught = caught or last != case.expected
    assert caught
