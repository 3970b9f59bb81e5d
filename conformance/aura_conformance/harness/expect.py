"""What a directed schedule needs from the backend before its next step.

A schedule picks its next message or fact from the projected state: the
answer the reference gave to the previous step. A wrong backend that refused
that step (or answered it differently) leaves nothing to pick; that is a
verdict on the backend (check ``ScheduleProgress``), never a crash of the
harness.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TypeVar

from aura_conformance.harness.errors import ConformanceFailure
from aura_conformance.harness.state import State, format_state_table

__all__ = ["SCHEDULE_PROGRESS", "expect_nth", "expect_one"]

T = TypeVar("T")

# The name a failure of this check carries (docs/conformance.md).
SCHEDULE_PROGRESS = "ScheduleProgress"


def expect_one(found: Iterable[T], what: str, action: str, state: State) -> T:
    """The first of ``found``, or a ConformanceFailure saying the backend never
    produced ``what``, which the schedule's next step (``action``) needs."""
    for item in found:
        return item
    raise ConformanceFailure(
        f"check: {SCHEDULE_PROGRESS} failed: the schedule's next step needs {what}; "
        "the reference produces it after the steps before, this backend did not "
        f"(harness action: {action})",
        kind="step",
        action=action,
        table=_table(state),
    )


def expect_nth(items: Sequence[T], i: int, what: str, action: str, state: State) -> T:
    """``items[i % len(items)]`` (a rule's drawn index), or the failure of
    :func:`expect_one` when there are none (a schedule called the rule directly)."""
    if not items:
        return expect_one(items, what, action, state)
    return items[i % len(items)]


def _table(state: State) -> str:
    return format_state_table(state, state, ("state", "state")) if state else ""
