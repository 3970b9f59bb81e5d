"""The random-run driver: a seeded run depends on its seed and backend only."""

from __future__ import annotations

import subprocess
import sys

import pytest

# In a fresh interpreter: the same seeded run before and after importing
# project modules the first run never saw (pytest imports them when it collects
# the catalogue test first, or when xdist hands this worker other files).
_SCRIPT = """
import importlib
from aura_conformance.epoch_rotation import EpochBackend, run_epoch_conformance

def run():
    r = run_epoch_conformance(
        EpochBackend("no-handshake-replay-check"), examples=20, seed=4, scenarios=False
    )
    return (r.conformant, r.examples, r.steps, r.failure)

first = run()
importlib.import_module("aura_model.spec_check")
print(repr(first))
print(first == run())
"""


@pytest.mark.slow  # three full runs in fresh processes
def test_a_seeded_run_ignores_the_modules_imported_before_it() -> None:
    """Hypothesis draws literals of imported project modules; the driver's runs must not."""
    out = subprocess.run(
        [sys.executable, "-c", _SCRIPT], capture_output=True, text=True, check=True
    )
    first, same = out.stdout.strip().splitlines()[-2:]
    assert same == "True", first[:200]
    assert first.startswith("(False,"), "the seeded run no longer finds the variant"


def test_a_run_freezes_the_heap_only_while_it_runs() -> None:
    """During a random run the objects alive before it are frozen (no full
    collection walks them); after it, nothing is, and one frozen by the caller
    stays frozen."""
    import gc

    from aura_conformance.harness.driver import CountingMachine, run_random
    from hypothesis.stateful import rule

    seen: list[int] = []

    class Probe(CountingMachine):
        stats: dict[str, int] = {"examples": 0, "steps": 0}  # noqa: RUF012

        @rule()
        def look(self) -> None:
            seen.append(gc.get_freeze_count())

    assert gc.get_freeze_count() == 0
    assert run_random(Probe, examples=2, steps=3, seed=1) == ""
    assert seen and min(seen) > 0
    assert gc.get_freeze_count() == 0
    gc.freeze()
    try:
        run_random(Probe, examples=2, steps=3, seed=1)
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
