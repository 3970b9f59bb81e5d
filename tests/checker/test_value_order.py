"""Each model ranks strings by its own order, whatever the process loaded since.

TLC ranks a string by when it first met it in the model it runs (one model a
process). Here a process may hold several models at once (the conformance
worlds each keep theirs): a model's CHOOSE, its enumeration order and the way
its records print must not depend on which model was loaded last.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from aura_model.tla import Model, load_model
from aura_model.tla import values as V

# TLC meets a module's words before its string literals: "pear" before "fig" in
# Pear, after it in Fig. Its CHOOSE takes the least; a record prints its fields in
# that order.
_BODY = """VARIABLE x
Rec == {fields}
Pick == CHOOSE s \\in {{x, "pear"}} : TRUE
Init == x = "fig"
Next == x' = x
"""


def _models(make_spec: Callable[..., Path]) -> tuple[Model, Model]:
    pear = load_model(make_spec(_BODY.format(fields="[pear |-> x, fig |-> 1]"), name="Pear"))
    fig = load_model(make_spec(_BODY.format(fields="[fig |-> 1, pear |-> x]"), name="Fig"))
    return pear, fig


def test_choose_follows_the_model_evaluating_not_the_last_loaded(
    make_spec: Callable[..., Path],
) -> None:
    pear, fig = _models(make_spec)
    state = {"x": "fig"}
    # The two models do rank the strings apart...
    assert fig.evaluate("Pick", state) == "fig"
    assert pear.evaluate("Pick", state) == "pear"
    # ...and each keeps its own, in whatever order they are asked.
    assert fig.evaluate("Pick", state) == "fig"


def test_a_kept_record_prints_in_the_order_of_the_model_asking(
    make_spec: Callable[..., Path],
) -> None:
    pear, fig = _models(make_spec)
    state = {"x": "fig"}
    record = pear.evaluate("Rec", state)
    in_pear = V.format_value(record)
    fig.evaluate("Pick", state)
    in_fig = V.format_value(record)
    assert in_pear.index("pear") < in_pear.index("fig")
    assert in_fig.index("fig") < in_fig.index("pear")
    # The record's sort key, kept on it, is the asking model's, not the first one's.
    pear.evaluate("Pick", state)
    assert V.format_value(record) == in_pear
