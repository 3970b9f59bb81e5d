"""The depth a search reports when it stops early is TLC's: the level of the
deepest state found, not the level being expanded.

TLC prints "The depth of the complete state graph search is N" after a violation
too, and N counts the states of the next level already found when it stopped
(a deadlock at level 3 after a level-4 state was found says 4). The figures
below are TLC's (tla2tools, one worker); where TLC runs here, it is asked again.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from aura_model.tla import check, load_model

from .tlc_oracle import run_tlc, skip_reason

# Two branches: y = 0 counts to 5, y = 1 stops (deadlocks) at x = 2.
BRANCHES = """
VARIABLES x, y
Init == x = 0 /\\ y \\in 0..1
Next == \\/ y = 0 /\\ x < 5 /\\ x' = x + 1 /\\ y' = y
        \\/ y = 1 /\\ x < 2 /\\ x' = x + 1 /\\ y' = y
Inv == x < 4
"""

CASES = [
    # (cfg, TLC's result, distinct states, depth)
    ("INIT Init\nNEXT Next\nCHECK_DEADLOCK TRUE\n", "deadlock", 7, 4),
    ("INIT Init\nNEXT Next\nINVARIANT Inv\nCHECK_DEADLOCK FALSE\n", "invariant", 8, 5),
    ("INIT Init\nNEXT Next\nCHECK_DEADLOCK FALSE\n", "ok", 9, 6),
]


@pytest.mark.parametrize(("cfg", "result", "distinct", "depth"), CASES)
def test_a_stopped_search_reports_the_deepest_level_found(
    make_spec: Callable[..., Path], cfg: str, result: str, distinct: int, depth: int
) -> None:
    spec = make_spec(BRANCHES, cfg)
    res = check(load_model(spec))
    assert (res.result, res.distinct_states, res.depth) == (result, distinct, depth)
    if skip_reason() is None:
        tlc = run_tlc(spec, spec.with_suffix(".cfg"))
        assert (tlc.result, tlc.distinct_states, tlc.depth) == (result, distinct, depth)
