"""A stdio backend's states are decoded once per distinct value of each variable,
and the memo never lets through a value the strict decoder refuses."""

from __future__ import annotations

import json
import sys
from typing import Any

import pytest
from aura_conformance.guard_chain import GuardChainWorld, project_guard_chain, run_conformance
from aura_conformance.guard_chain.mapping import GUARD_CHAIN
from aura_conformance.harness import BackendProtocolError, state_from_itf, state_to_itf
from aura_conformance.harness.state import DecodeMemo
from aura_conformance.protocol_specs import open_stdio, reference_backend


def _wire(state: dict[str, Any]) -> dict[str, Any]:
    """``state`` as it arrives over the pipe: ITF JSON, parsed again."""
    parsed = json.loads(json.dumps(state_to_itf(state)))
    assert isinstance(parsed, dict)
    return parsed


def _states() -> list[dict[str, Any]]:
    world = GuardChainWorld()
    out = [project_guard_chain(world)]
    world.prepare_operation("a1", "a2", 1)
    out.append(project_guard_chain(world))
    world.execute_effects(False)
    out.append(project_guard_chain(world))
    return out


def test_memo_decodes_as_without_it() -> None:
    """Across replies, with the memo or without, the same states."""
    memo: DecodeMemo = {}
    for state in _states() * 2:
        obj = _wire(state)
        assert state_from_itf(obj, GUARD_CHAIN, memo=memo) == state_from_itf(obj, GUARD_CHAIN)
    assert {name for name, _ in memo} == set(GUARD_CHAIN.variables)


def test_memo_hands_out_one_object_per_text() -> None:
    """A variable's JSON seen before, in any earlier reply, decodes to the very object
    decoded then (what lets the spec checker reuse its verdicts); a new text to a new one."""
    memo: DecodeMemo = {}
    first, second, third = (_wire(s) for s in _states())
    a = state_from_itf(first, GUARD_CHAIN, memo=memo)
    state_from_itf(second, GUARD_CHAIN, memo=memo)
    again = state_from_itf(first, GUARD_CHAIN, memo=memo)
    assert all(again[v] is a[v] for v in GUARD_CHAIN.variables)
    later = state_from_itf(third, GUARD_CHAIN, memo=memo)
    assert later["wire"] is not a["wire"] and later["wire"] != a["wire"]


def test_memo_keeps_true_apart_from_one() -> None:
    """``true`` then the integer 1 (equal in Python) decode to their own values."""
    memo: DecodeMemo = {}
    obj = _wire(_states()[0])
    obj["charged"] = True
    assert state_from_itf(obj, GUARD_CHAIN, memo=memo)["charged"] is True
    obj["charged"] = {"#bigint": "1"}
    assert type(state_from_itf(obj, GUARD_CHAIN, memo=memo)["charged"]) is int
    obj["charged"] = True
    assert state_from_itf(obj, GUARD_CHAIN, memo=memo)["charged"] is True


@pytest.mark.parametrize("bad", [1, 1.0, True, {"#bigint": "x"}, {"#bigint": "1", "x": 1}])
def test_memo_never_admits_what_the_decoder_refuses(bad: object) -> None:
    """After a valid value is remembered, the strict decoder still judges every other:
    a plain number, a float, a malformed bigint are refused; ``true`` is itself."""
    memo: DecodeMemo = {}
    obj = _wire(_states()[0])
    obj["pCost"] = {"#bigint": "1"}
    assert state_from_itf(obj, GUARD_CHAIN, memo=memo)["pCost"] == 1
    obj["pCost"] = bad
    if bad is True:
        assert state_from_itf(obj, GUARD_CHAIN, memo=memo)["pCost"] is True
        return
    with pytest.raises(BackendProtocolError):
        state_from_itf(obj, GUARD_CHAIN, memo=memo)


def test_a_stdio_run_with_the_memo_judges_as_in_process() -> None:
    """The reference over stdio: the same runs and steps as in process, same seed."""
    argv = [sys.executable, "-m", "aura_conformance.examples.guard_backend"]
    backend = open_stdio("guard", argv)
    try:
        over_stdio = run_conformance(backend, examples=5, seed=3, scenarios=False)
    finally:
        backend.close()
    in_process = run_conformance(reference_backend("guard"), examples=5, seed=3, scenarios=False)
    assert over_stdio.conformant and in_process.conformant
    assert (over_stdio.examples, over_stdio.steps) == (in_process.examples, in_process.steps)
