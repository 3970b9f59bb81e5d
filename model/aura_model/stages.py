"""What a verification stage reports: the values every stage returns.

The stages themselves live with their engines (``aura_model.spec_check``,
``aura_model.z3``, ``aura_model.runners``) and the table that runs them in
order is the command line's (``aura_verify.stages``). A stage whose tool is
missing reports ``SKIPPED`` with the reason; it never reports a pass.

Besides its verdict a stage returns its evidence, one :class:`Check` per
(module, invariant, engine) it looked at, the :class:`Counterexample` traces it
found (a broken variant's, expected, or a real one) and the
:class:`CoverageRecord` of each conformance harness. The values are plain data
(ITF JSON states): the command line turns them into ``report.json`` without
knowing any engine.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable, Mapping
from typing import Any

import attrs

__all__ = [
    "ENGINES",
    "KINDS",
    "Check",
    "Counterexample",
    "CoverageRecord",
    "OutcomeCount",
    "StageFn",
    "StageResult",
    "Status",
    "Step",
    "slug",
]


class Status(enum.Enum):
    PASS = "PASS"
    FAIL = "FAIL"
    SKIPPED = "SKIPPED"


# Which engine a Check comes from: the embedded checker on the good models,
# TLC, Apalache, an inductive Z3 proof, a bounded Z3 check, or the conformance
# harness's step validation (and its wrong backends).
ENGINES = ("embedded", "tlc", "apalache", "z3-proved", "z3-bounded", "conformance")
# "holds": the invariant held where it should; "violated-by-broken-variant": a
# bad model, bug twin or wrong backend broke it, as it was meant to (PASS when
# the violation was found and named).
KINDS = ("holds", "violated-by-broken-variant")


def _one_of(choices: tuple[str, ...]) -> Callable[[Any, attrs.Attribute[Any], str], None]:
    def check(_instance: Any, attribute: attrs.Attribute[Any], value: str) -> None:
        if value not in choices:
            raise ValueError(f"{attribute.name} {value!r} is not one of {', '.join(choices)}")

    return check


def slug(*parts: str) -> str:
    """A stable identifier made of ``parts``: lower case, ``-`` between words."""
    text = "-".join(p for p in parts if p)
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


@attrs.frozen
class Step:
    """One state of a trace: the action that led to it (``None`` for the
    initial state) and every variable's value as ITF JSON."""

    action: str | None
    state: Mapping[str, Any]


@attrs.frozen
class Counterexample:
    """A trace that breaks ``invariant``. ``expected`` when a broken variant
    (bad cfg, bug twin, wrong backend) produced it; ``rerun`` replays it."""

    id: str
    engine: str = attrs.field(validator=_one_of(ENGINES))
    module: str
    config: str
    invariant: str
    expected: bool
    rerun: str
    steps: tuple[Step, ...] = ()


@attrs.frozen
class Check:
    """One engine's verdict on one invariant of one module.

    ``counterexample`` names the :class:`Counterexample` (by id) that shows the
    violation, when there is one."""

    invariant: str
    module: str
    engine: str = attrs.field(validator=_one_of(ENGINES))
    status: Status
    detail: str = ""
    rerun: str = ""
    kind: str = attrs.field(default="holds", validator=_one_of(KINDS))
    counterexample: str | None = None


@attrs.frozen
class OutcomeCount:
    """An (action, outcome) pair of a harness and how often it was seen."""

    action: str
    outcome: str
    count: int = 0


@attrs.frozen
class CoverageRecord:
    """What a conformance harness exercised: per action, per (action, outcome)
    pair, the pairs never seen and the share of pairs seen."""

    harness: str
    actions: Mapping[str, int]
    pairs: tuple[OutcomeCount, ...]
    missed: tuple[OutcomeCount, ...]
    percent: float


@attrs.frozen
class StageResult:
    name: str
    status: Status
    detail: str
    seconds: float = 0.0
    # What the stage reached: states, distinct, proofs, queries, runs, steps,
    # handshakes, vectors, traces, ...
    figures: Mapping[str, int | float] = attrs.field(factory=dict)
    checks: tuple[Check, ...] = ()
    counterexamples: tuple[Counterexample, ...] = ()
    coverage: tuple[CoverageRecord, ...] = ()


StageFn = Callable[[], StageResult]
