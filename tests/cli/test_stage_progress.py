"""A long stage says what it is doing while it runs."""

from __future__ import annotations

import io
import time

from aura_verify.commands.stage_progress import StageProgress


def test_a_run_that_takes_long_is_named_while_it_runs() -> None:
    """While a run lasts longer than the interval, lines name it and the totals so far."""
    out = io.StringIO()
    with StageProgress("conformance", interval=0.1, out=out) as progress:
        progress.start("reference guard in process")
        progress.done("reference guard in process: conformant", runs=3, steps=40)
        progress.start("wrong backend guard/no-rollback")
        time.sleep(0.6)
        progress.done("wrong backend 1/1 guard/no-rollback: rejected", runs=1, steps=5)
    lines = out.getvalue().splitlines()
    assert lines[0] == "[aura-verify] conformance: reference guard in process: conformant"
    ticks = [x for x in lines if " ... " in x]
    assert ticks, lines
    assert all(
        x.startswith("[aura-verify] conformance: wrong backend guard/no-rollback ... ")
        and "(3 runs, 40 steps so far, " in x
        for x in ticks
    ), ticks
    assert lines[-1] == "[aura-verify] conformance: wrong backend 1/1 guard/no-rollback: rejected"
    assert (progress.runs, progress.steps) == (4, 45)


def test_nothing_in_progress_prints_nothing_more() -> None:
    """Between runs, and once the stage ends, the ticker is silent."""
    out = io.StringIO()
    with StageProgress("conformance", interval=0.05, out=out) as progress:
        progress.start("reference epoch in process")
        progress.done("reference epoch in process: conformant", runs=1, steps=1)
        time.sleep(0.3)
    time.sleep(0.2)
    assert out.getvalue().splitlines() == [
        "[aura-verify] conformance: reference epoch in process: conformant"
    ]
