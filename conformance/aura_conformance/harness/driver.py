"""Running a conformance state machine: directed schedules first, then Hypothesis.

Shared by the three spec machines so their run settings cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TypeVar

import hypothesis
from hypothesis import HealthCheck, Phase, settings
from hypothesis.stateful import RuleBasedStateMachine, get_state_machine_test

from aura_conformance._errors import ConformanceFailure

__all__ = ["run_directed", "run_random"]

M = TypeVar("M", bound=RuleBasedStateMachine)


def run_directed(
    machine: type[M], scenarios: Mapping[str, Callable[[M], None]]
) -> list[tuple[str, ConformanceFailure | None]]:
    """Run every directed schedule once, each on a fresh machine from ``Reset``."""
    out: list[tuple[str, ConformanceFailure | None]] = []
    for name, scenario in scenarios.items():
        m = machine()
        try:
            m.Reset()  # type: ignore[attr-defined]
            scenario(m)
        except ConformanceFailure as exc:
            out.append((name, exc))
        else:
            out.append((name, None))
    return out


def run_random(
    machine: type[RuleBasedStateMachine],
    *,
    examples: int,
    steps: int,
    seed: int | None,
    shrink: bool = False,
) -> str:
    """Random runs of ``machine``; the first conformance failure's text, or ``""``.

    ``seed=None`` derandomises (Hypothesis's fixed schedule) instead of seeding.
    """
    phases = [Phase.explicit, Phase.reuse, Phase.generate] + ([Phase.shrink] if shrink else [])
    test = get_state_machine_test(
        machine,
        settings=settings(
            max_examples=examples,
            stateful_step_count=steps,
            deadline=None,
            database=None,
            phases=phases,
            derandomize=seed is None,
            suppress_health_check=list(HealthCheck),
            report_multiple_bugs=False,
            print_blob=False,
        ),
    )
    if seed is not None:
        test = hypothesis.seed(seed)(test)
    try:
        test()
    except ConformanceFailure as exc:
        return str(exc)
    return ""
