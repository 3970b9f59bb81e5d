"""A failing step is named after a known shortfall only if the shortfall's model
fits the run that led there, not the last step alone.

The epoch world projects any PSK that is no epoch's secret as the public one, so
a backend that derives the PSK with the epoch's bytes swapped (secret, but wrong
from epoch 1 on) takes, after a rotation, a step that BUG_PskFromPublicIds's model
also takes. Its run's first handshake, keyed with epoch 0's secret PSK, is one that
model never takes (under it every PSK is public), and the model with the bug
switched off does: the run contradicts the diagnosis, and none is named.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from aura_conformance.epoch_rotation import EpochBackend
from aura_conformance.epoch_rotation import machine as epoch_machine
from aura_conformance.epoch_rotation.machine import EPOCH_SCENARIOS, EpochRotationMachine
from aura_conformance.epoch_rotation.world import EPOCH_VARIANTS, INI, RESP, EpochVariant
from aura_conformance.harness.driver import run_directed
from aura_conformance.harness.errors import ConformanceFailure
from aura_conformance.harness.named import named_after_shortfall
from aura_conformance.harness.shortfalls import explaining_run, explaining_step
from aura_conformance.harness.state import State
from aura_conformance.variants import _probe_variants_r4 as P

MODULE = "EpochRotation"
LITTLE_ENDIAN = "little-endian-epoch-psk"


class _Seen:
    """The failing step as the machine handed it to named_after_shortfall."""

    exc: ConformanceFailure
    prev: State
    nxt: State


def _fail(
    variant: str, scenario: Callable[[EpochRotationMachine], None], monkeypatch: pytest.MonkeyPatch
) -> tuple[str, _Seen]:
    seen = _Seen()

    def keep(module: str, exc: ConformanceFailure, prev: State, nxt: State) -> ConformanceFailure:
        seen.exc, seen.prev, seen.nxt = exc, prev, nxt
        return named_after_shortfall(module, exc, prev, nxt)

    monkeypatch.setattr(epoch_machine, "named_after_shortfall", keep)
    [(_, found)] = run_directed(epoch_machine._make(EpochBackend(variant)), {"s": scenario})
    assert found is not None
    return str(found), seen


def _bugs(found: list[Any]) -> list[tuple[str, ...]]:
    return [s.bugs for s in found]


def test_a_model_taking_only_the_last_step_is_not_named(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The byte-swapped epoch PSK fails the rotation schedule at the second
    handshake's message 1; BUG_PskFromPublicIds takes that step, not the run."""
    variant = EpochVariant(LITTLE_ENDIAN, "test", membership=P.LittleEndianEpochMembership)
    monkeypatch.setitem(EPOCH_VARIANTS, LITTLE_ENDIAN, variant)
    failure, seen = _fail(LITTLE_ENDIAN, EPOCH_SCENARIOS["rotation"], monkeypatch)
    assert "no action of Next explains the step" in failure
    assert "known shortfall" not in failure and "BUG_" not in failure, failure[:400]
    # What the step alone would have named (the old rule's misdiagnosis) ...
    assert _bugs(explaining_step(MODULE, seen.prev, seen.nxt)) == [("BUG_PskFromPublicIds",)]
    # ... and the run the checker handed over, from the initial state to the step.
    run = seen.exc.run
    assert len(run) > 2 and run[-1] is seen.prev
    assert explaining_run(MODULE, [*run, seen.nxt]) == []


def _advanced_then_connect(m: EpochRotationMachine) -> None:
    m.AdvanceEpoch(INI)
    m.AdvanceEpoch(RESP)
    m.PrepareEstablishChannel()


def test_the_shortfall_a_backend_has_is_named_after_its_run(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The backend that derives its PSK from public ids is named after
    BUG_PskFromPublicIds at its first message 1, after two epoch advances that its
    model takes too (and at the very first step, in the replayed-after-timeout
    schedule)."""
    failure, seen = _fail("psk-from-public-ids", _advanced_then_connect, monkeypatch)
    assert "BUG_PskFromPublicIds (MC_EpochRotation_bad_ERPskSecret.cfg" in failure
    assert len(seen.exc.run) == 3
    first, _ = _fail("psk-from-public-ids", EPOCH_SCENARIOS["replayed-after-timeout"], monkeypatch)
    assert "BUG_PskFromPublicIds" in first


def test_a_step_no_model_takes_says_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    """A step that neither the bad model nor the same model without its bug takes
    (its constants may not fit the harness's world) neither confirms nor
    contradicts: the shortfall is still named."""
    _, seen = _fail("psk-from-public-ids", _advanced_then_connect, monkeypatch)
    prev = seen.prev
    odd = dict(prev, nextId=prev["nextId"] + 5)
    run = [*seen.exc.run, odd, prev, seen.nxt]
    assert _bugs(explaining_run(MODULE, run)) == [("BUG_PskFromPublicIds",)]
    assert explaining_run(MODULE, [seen.nxt]) == []
