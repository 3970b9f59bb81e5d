"""The real pure functions agree with their Z3 twins on every edge Z3 finds.

``aura_model.z3.boundary_cases()`` asks Z3 for concrete inputs on each edge
(``now = valid_until``, ``now + validity = 2**64``, the exact budget, a replayed
nonce, a revoked greatest candidate...) with the twin's answer. Running the
implementation on the same inputs ties the proofs to this code.
"""

from __future__ import annotations

from typing import Any

import pytest
from aura_conformance.variants import choose_last_arrived, is_valid_inclusive
from aura_model.z3 import boundary_cases
from aura_rendezvous import (
    InvalidDescriptor,
    QuicDirect,
    RendezvousDescriptor,
    ValueRangeError,
    budget_allows,
    build_window,
    choose_descriptor,
    is_valid_at,
    needs_refresh_at,
    nonce_accepts,
)

from .world import ALICE, BOB, CTX, OTHER_CTX

CASES = boundary_cases()


def descriptor(
    vf: int, vu: int, *, ctx: int = 0, auth: int = 0, nonce: int = 0
) -> RendezvousDescriptor:
    return RendezvousDescriptor(
        ALICE if auth == 0 else BOB,
        CTX if ctx == 0 else OTHER_CTX,
        [QuicDirect("h:1")],
        b"\x00" * 32,
        vf,
        vu,
        nonce.to_bytes(32, "big"),
    )


def run_choice(inputs: dict[str, Any], choose: Any) -> tuple[int, int] | None:
    built = []
    revoked = set()
    for c in inputs["candidates"]:
        if c["vu"] <= c["vf"]:
            continue  # an empty window cannot be built, hence never chosen
        d = descriptor(c["vf"], c["vu"], ctx=c["ctx"], auth=c["auth"], nonce=c["nonce"])
        built.append(d)
        if c["revoked"]:
            revoked.add((d.authority_id, d.nonce))
    chosen = choose(built, CTX, ALICE, inputs["now"], revoked)
    return None if chosen is None else (chosen.valid_from, int.from_bytes(chosen.nonce, "big"))


def implementation_answer(function: str, i: dict[str, Any], *, broken: bool = False) -> object:
    if function == "is_valid_at":
        valid = is_valid_inclusive if broken else is_valid_at
        return valid(descriptor(i["valid_from"], i["valid_until"]), i["now"])
    if function == "build":
        try:
            build_window(i["now"], i["validity"])
        except (ValueRangeError, InvalidDescriptor):
            return False
        return True
    if function == "needs_refresh_at":
        return needs_refresh_at(i["valid_until"], i["now"], i["window"])
    if function == "charge":
        return budget_allows(i["spent"], i["cost"], i["limit"])
    if function == "receipt_nonce":
        return nonce_accepts(i["last"], i["nonce"])
    return run_choice(i, choose_last_arrived if broken else choose_descriptor)


def twin_answer(case: Any) -> object:
    if case.function != "choose_descriptor":
        return case.expected
    if case.expected < 0:
        return None
    c = case.inputs["candidates"][case.expected]
    return (c["vf"], c["nonce"])


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.function}:{c.name}")
def test_implementation_matches_z3_twin(case: Any) -> None:
    """Same inputs, same answer, on every edge case Z3 generated."""
    assert implementation_answer(case.function, case.inputs) == twin_answer(case)


def test_broken_variants_disagree_somewhere() -> None:
    """Counterpart: inclusive validity and last-arrived choice each miss at least one edge."""
    for function in ("is_valid_at", "choose_descriptor"):
        cases = [c for c in CASES if c.function == function]
        assert any(
            implementation_answer(function, c.inputs, broken=True) != twin_answer(c) for c in cases
        ), function
