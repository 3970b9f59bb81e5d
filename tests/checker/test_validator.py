"""The step validator that the conformance harness calls after every step."""

from __future__ import annotations

from pathlib import Path

import pytest
from aura_model.tla import ActionMatch, StepValidator, TlaError, load_model
from aura_model.tla import values as V


def _bag(**counts: int) -> object:
    return V.fn(counts)


@pytest.fixture
def tokens(specs: Path) -> StepValidator:
    return StepValidator(load_model(specs / "Tokens.tla", specs / "Tokens.cfg"))


def test_explain_names_action_and_parameters(tokens: StepValidator) -> None:
    got = tokens.explain({"bag": _bag(a=1)}, {"bag": _bag(a=1, b=1)})
    assert got == [ActionMatch("Add", {"t": "b"})]
    got = tokens.explain({"bag": _bag(a=2)}, {"bag": _bag(a=1)})
    assert got == [ActionMatch("Remove", {"t": "a"})]


def test_unexplained_step_gives_no_match(tokens: StepValidator) -> None:
    # Two tokens at once is no action of Next.
    assert tokens.explain({"bag": _bag(a=1)}, {"bag": _bag(a=2, b=1)}) == []
    # Adding beyond Max is not allowed either.
    assert tokens.explain({"bag": _bag(a=3)}, {"bag": _bag(a=4)}) == []


def test_partial_next_state(specs: Path) -> None:
    v = StepValidator(load_model(specs / "Grid.tla", specs / "Grid.cfg"))
    r0 = V.record(p=V.record(q=(0, 0)))
    state = {"a": 0, "b": 0, "r": r0}
    assert v.explain_partial(state, {"b": 1}) == [ActionMatch("Next")]
    assert v.explain_partial(state, {"a": 1}) == [ActionMatch("Next")]
    assert v.explain_partial(state, {"a": 2}) == []
    # r must mirror b: no completion with b' = 1 and r' unchanged.
    assert v.explain_partial(state, {"b": 1, "r": r0}) == []


def test_init_and_successors(tokens: StepValidator) -> None:
    assert tokens.init_states() == [{"bag": _bag(a=1)}]
    succ = tokens.successors({"bag": _bag(a=1)})
    names = sorted((m.name, m.params["t"]) for m, _ in succ)
    assert names == [("Add", "a"), ("Add", "b"), ("Remove", "a")]


def test_bad_states_give_typed_errors(tokens: StepValidator) -> None:
    with pytest.raises(TlaError):
        tokens.explain({}, {"bag": _bag(a=1)})
    with pytest.raises(TlaError):
        tokens.explain_partial({"bag": _bag(a=1)}, {"nope": 1})


def test_states_decoded_from_itf_are_accepted(tokens: StepValidator) -> None:
    from aura_model import itf

    a = itf.decode_value({"#map": [["a", {"#bigint": "1"}]]})
    b = itf.decode_value({"#map": [["a", {"#bigint": "1"}], ["b", {"#bigint": "1"}]]})
    assert tokens.explain({"bag": a}, {"bag": b}) == [ActionMatch("Add", {"t": "b"})]
    with pytest.raises(TlaError):
        tokens.explain({"bag": object()}, {"bag": b})


def test_first_is_the_first_explanation_in_next_order(tmp_path: Path) -> None:
    """``first=True`` stops at the first disjunct that explains the step: the head of
    the full list, and nothing when the full list is empty."""
    (tmp_path / "Two.tla").write_text(
        "---- MODULE Two ----\nEXTENDS Naturals\nVARIABLE x\nInit == x = 0\n"
        "Inc == x' = x + 1\nJump == \\E k \\in {1, 2} : x' = x + k\n"
        "Next == Inc \\/ Jump\n====\n"
    )
    (tmp_path / "Two.cfg").write_text("INIT Init\nNEXT Next\n")
    v = StepValidator(load_model(tmp_path / "Two.tla", tmp_path / "Two.cfg"))
    every = v.explain({"x": 0}, {"x": 1})
    assert every == [ActionMatch("Inc"), ActionMatch("Jump", {"k": 1})]
    assert v.explain({"x": 0}, {"x": 1}, first=True) == every[:1]
    assert v.explain({"x": 0}, {"x": 2}, first=True) == [ActionMatch("Jump", {"k": 2})]
    assert v.explain({"x": 0}, {"x": 3}, first=True) == []


def test_successors_of_named_actions_only(tokens: StepValidator) -> None:
    """``only`` keeps the successors of the actions named, and all of them."""
    every = tokens.successors({"bag": _bag(a=1)})
    adds = tokens.successors({"bag": _bag(a=1)}, only=frozenset({"Add"}))
    assert adds == [(m, s) for m, s in every if m.name == "Add"]
    assert len(adds) == 2 and len(every) == 3
    assert tokens.successors({"bag": _bag(a=1)}, only=frozenset()) == []


def test_successors_where_parameters_take_values(tokens: StepValidator) -> None:
    """``where`` keeps exactly the successors of the instances whose parameters of
    those names take those values; a name no parameter has constrains nothing."""
    state = {"bag": _bag(a=1)}
    every = tokens.successors(state, only=frozenset({"Add"}))
    for t in ("a", "b"):
        kept = tokens.successors(state, only=frozenset({"Add"}), where={"t": t})
        assert kept == [(m, s) for m, s in every if m.params["t"] == t]
        assert kept
    assert tokens.successors(state, only=frozenset({"Add"}), where={"zz": 1}) == every
    assert tokens.successors(state, where={"t": "nope"}) == []


def test_conversions_convert_once_per_object_as_from_python_does() -> None:
    """Conversions is from_python, remembered by identity for what it rebuilds:
    the same object again gives the same converted object, an equal new one is
    converted afresh (FALSE stays FALSE beside an equal 0), a list always."""
    from aura_model.tla._values import Conversions, from_python

    convert = Conversions()
    rec = V.record(a=1)
    value = frozenset({(rec, 2), (V.record(a=2), 3)})
    once = convert(value)
    assert once == from_python(value)
    assert convert(value) is once
    flag = (False, 1)
    assert convert((0, 1)) == flag and convert(flag)[0] is False
    listed = [1, 2]
    assert convert(listed) == (1, 2) and convert(listed) is not convert(listed)
