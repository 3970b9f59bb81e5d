"""Every red-team round's probes through the default profile, from the round's tables.

Each round's file (test_probe_variants.py, _r3 to _r7) holds its tables: CAUGHT
(the probe and what its rejection must name), MISSED (the probe, its invariant and
why the default profile misses it) and SLOW (the caught ones kept for make
test-slow), with the tests of its own. The two checks every probe gets are here,
once, over all rounds.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

import pytest
from aura_conformance.relay.checker import relay_checker

from . import test_probe_variants as _r1
from . import test_probe_variants_r3 as _r3
from . import test_probe_variants_r4 as _r4
from . import test_probe_variants_r5 as _r5
from . import test_probe_variants_r6 as _r6
from . import test_probe_variants_r7 as _r7
from . import test_probe_variants_r8 as _r8
from . import test_probe_variants_r9 as _r9
from . import test_probe_variants_r10 as _r10
from .probe_runs import TABLES, assert_caught, expect_missed, reject_report

ROUNDS: dict[str, ModuleType] = {
    "r1": _r1,
    "r3": _r3,
    "r4": _r4,
    "r5": _r5,
    "r6": _r6,
    "r7": _r7,
    "r8": _r8,
    "r9": _r9,
    "r10": _r10,
}


def _caught() -> list[Any]:
    return [
        pytest.param(name, key, marks=pytest.mark.slow, id=f"{name}/{'/'.join(key)}")
        if key in module.SLOW
        else pytest.param(name, key, id=f"{name}/{'/'.join(key)}")
        for name, module in ROUNDS.items()
        for key in sorted(module.CAUGHT)
    ]


def _missed() -> list[Any]:
    return [
        pytest.param(name, key, id=f"{name}/{'/'.join(key)}")
        for name, module in ROUNDS.items()
        for key in sorted(module.MISSED)
    ]


@pytest.mark.parametrize(("round_name", "key"), _caught())
def test_the_default_profile_rejects_the_probe(
    round_name: str, key: tuple[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert_caught(TABLES, key, ROUNDS[round_name].CAUGHT, monkeypatch)


@pytest.mark.slow
@pytest.mark.parametrize(("round_name", "key"), _missed())
def test_the_default_profile_misses_the_probe(
    round_name: str, key: tuple[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    expect_missed(TABLES, key, ROUNDS[round_name].MISSED, monkeypatch)


def test_a_verdict_does_not_depend_on_the_models_loaded_before(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The same probe, before and after another world's model is loaded, gives the
    same verdict on the same step. A model's value order (which string ranks first:
    the machines pick facts by it, the spec's CHOOSE follows it) is its own; it was
    once the last loaded model's, so this probe passed after the relay world ran."""
    key = ("descriptor", "origin-watermark-merge")
    variant, named = _r9.CAUGHT[key]
    first = reject_report(TABLES, *key, variant, monkeypatch)
    relay_checker.__wrapped__()  # loaded afresh: the order it ranks by is the newest
    assert reject_report(TABLES, *key, variant, monkeypatch) == first
    assert not first[0] and named in first[1]
