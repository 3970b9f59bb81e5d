"""The wire mode's part of the conformance stage: the reference over stdio, the fakes."""

from __future__ import annotations

import pytest
from aura_conformance.wire import WIRE_VARIANTS
from aura_conformance.wire import stage as wire_stage


class _Progress:
    def __init__(self) -> None:
        self.lines: list[str] = []

    def start(self, what: str) -> None:
        self.lines.append(f"start {what}")

    def done(self, line: str, *, runs: int = 0, steps: int = 0) -> None:
        self.lines.append(line)


def test_every_wire_fake_has_an_expected_name() -> None:
    assert set(wire_stage.WIRE_WRONG_BACKENDS) == set(WIRE_VARIANTS) - {"ref"}


@pytest.mark.slow
def test_reference_over_stdio_conforms_and_fakes_are_rejected_as_named(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Two fakes, one named by a wire property, one by an EpochRotation.tla invariant,
    # and one expectation that is wrong: the stage must report it missed.
    monkeypatch.setattr(
        wire_stage,
        "WIRE_WRONG_BACKENDS",
        {
            "no-crypto": "WireInterop",
            "stale-active": "ERNoStaleActive",
            "fixed-payload": "ERNoRevival",
        },
    )
    progress = _Progress()
    reference, wrong, missed = wire_stage.run_wire_stage(progress, seed=3)
    assert reference.conformant, reference.failure
    assert reference.steps > 50
    assert wrong == 3
    assert missed == ["wire/fixed-payload (expected ERNoRevival)"]
    assert "wrong backend 2/3 wire/stale-active: rejected naming ERNoStaleActive" in progress.lines
