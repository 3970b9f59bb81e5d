"""What a conformance run reports it ran: a failing directed scenario counts the
scenarios run up to it and their steps, for every spec driven by ``run_machine``
(it once reported every scenario as run and none of their steps: "N runs, 0 steps")."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from aura_conformance import DescriptorBackend, run_dv_conformance
from aura_conformance.descriptor_validity.machine import DV_SCENARIOS
from aura_conformance.epoch_rotation import EpochBackend, run_epoch_conformance
from aura_conformance.epoch_rotation.machine import EPOCH_SCENARIOS
from aura_conformance.harness.driver import CountingMachine, run_machine
from aura_conformance.harness.errors import ConformanceFailure
from aura_conformance.relay import RelayBackend, run_relay_conformance
from aura_conformance.relay.machine import RELAY_SCENARIOS
from hypothesis.stateful import initialize, rule


class _Toy(CountingMachine):
    """Counts as the spec machines do: a run at Reset, a step per request."""

    @initialize()
    def Reset(self) -> None:
        self.stats["examples"] += 1

    @rule()
    def Poke(self) -> None:
        self.stats["steps"] += 1


def _toy() -> type[_Toy]:
    return type("Toy", (_Toy,), {"stats": {"examples": 0, "steps": 0}})


def _pokes(n: int, *, fail: bool = False) -> Callable[[_Toy], None]:
    def scenario(m: _Toy) -> None:
        for _ in range(n):
            m.Poke()
        if fail:
            raise ConformanceFailure("broken", kind="step", action="Poke", table="")

    return scenario


def test_a_failing_scenario_counts_what_ran_up_to_it() -> None:
    """Scenarios a (2 steps) and b (3 steps, then fails) ran; c never did."""
    ran: list[str] = []

    def never(m: _Toy) -> None:
        ran.append("c")

    scenarios = {"a": _pokes(2), "b": _pokes(3, fail=True), "c": never}
    result = run_machine(_toy, "toy", scenarios, examples=5, seed=0, steps=4)
    assert not result.conformant and result.failure.startswith("scenario b: broken")
    assert (result.examples, result.steps) == (2, 5)
    assert ran == []
    assert "(2 runs, 5 steps)" in result.summary()


def test_passing_scenarios_count_with_the_random_runs() -> None:
    """The scenarios' runs and steps are added to the random runs' (counted apart)."""
    random_only = run_machine(_toy, "toy", {}, examples=5, seed=0, steps=4)
    assert random_only.conformant and random_only.examples >= 1
    scenarios = {"a": _pokes(2), "b": _pokes(3)}
    result = run_machine(_toy, "toy", scenarios, examples=5, seed=0, steps=4)
    assert result.conformant
    assert result.examples == random_only.examples + 2
    assert result.steps == random_only.steps + 5
    skipped = run_machine(_toy, "toy", scenarios, examples=5, seed=0, steps=4, directed=False)
    assert (skipped.examples, skipped.steps) == (random_only.examples, random_only.steps)


_RUNS: list[tuple[Callable[..., Any], Any, dict[str, Any]]] = [
    (run_epoch_conformance, EpochBackend("keep-replaced-handshake"), EPOCH_SCENARIOS),
    (run_relay_conformance, RelayBackend("junk-forwarding-relay"), RELAY_SCENARIOS),
    (run_dv_conformance, DescriptorBackend("revocation-ignored"), DV_SCENARIOS),
]


@pytest.mark.parametrize(("run", "backend", "scenarios"), _RUNS, ids=["epoch", "relay", "dv"])
def test_each_spec_counts_its_failing_scenario(
    run: Callable[..., Any], backend: Any, scenarios: dict[str, Any]
) -> None:
    """A wrong backend caught by a directed scenario: the runs are the scenarios up
    to the failing one, and the steps are at least one request for each of them."""
    result = run(backend, examples=0, seed=0)
    assert not result.conformant and result.failure.startswith("scenario "), result.failure
    failing = result.failure.removeprefix("scenario ").split(":", 1)[0]
    assert result.examples == list(scenarios).index(failing) + 1
    assert result.steps >= result.examples > 0
    assert f"({result.examples} runs, {result.steps} steps)" in result.summary()
