"""Coverage of a conformance run: which actions, and which of their outcomes, it exercised.

A backend's reply carries an outcome string (a deny reason, a rejection's error
class, a channel transition). Each spec harness declares a
:class:`CoverageSpace`: its actions and the ``(action, outcome)`` pairs a
correct backend can produce, and how a raw outcome maps onto them (``TimedOut:2``
is the pair ``(Tick, TimedOut)``). :class:`Coverage` counts what a run
exercised; its :class:`CoverageReport` says what was missed, and which replies
fell outside the declared space (a declaration that drifted from the code, or
a backend that answers with outcomes the spec harness does not know).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import attrs

from aura_conformance.harness.state import State

__all__ = [
    "Classify",
    "Coverage",
    "CoverageReport",
    "CoverageSpace",
    "Situate",
    "outcome_classes",
]

# (action, raw outcome) -> the outcome classes it counts as.
Classify = Callable[[str, str], tuple[str, ...]]
# (action, args, state before the request) -> further classes the reply cannot
# tell: where a request fell, such as a receipt's place in its receiver's window.
Situate = Callable[[str, Mapping[str, Any], State], tuple[str, ...]]


def outcome_classes(action: str, outcome: str) -> tuple[str, ...]:
    """The default classification: a comma-separated outcome is several outcomes,
    and a numeric detail (``TimedOut:2``, ``Pruned:0``) is dropped."""
    out: list[str] = []
    for part in outcome.split(","):
        head, sep, tail = part.strip().partition(":")
        out.append(head if sep and tail.isdigit() else part.strip())
    return tuple(o for o in out if o)


@attrs.frozen
class CoverageSpace:
    """What one spec harness can exercise: its actions and the possible pairs."""

    spec: str
    actions: tuple[str, ...]
    pairs: frozenset[tuple[str, str]]
    classify: Classify = outcome_classes
    situate: Situate | None = None

    def __attrs_post_init__(self) -> None:
        stray = sorted({a for a, _ in self.pairs} - set(self.actions))
        if stray:
            raise ValueError(f"{self.spec}: pairs of undeclared actions {stray}")


class Coverage:
    """Counts the requests of runs against one :class:`CoverageSpace`."""

    def __init__(self, space: CoverageSpace) -> None:
        self.space = space
        self.actions: Counter[str] = Counter()
        self.pairs: Counter[tuple[str, str]] = Counter()

    def count(
        self,
        action: str,
        outcome: str,
        args: Mapping[str, Any] | None = None,
        before: State | None = None,
    ) -> None:
        """One served request (``Reset`` is the harness's own and is not counted);
        with the state it was sent in, also where it fell (the space's ``situate``)."""
        if action == "Reset":
            return
        self.actions[action] += 1
        classes = self.space.classify(action, outcome)
        if self.space.situate is not None and before is not None:
            classes += self.space.situate(action, args or {}, before)
        for o in classes:
            self.pairs[(action, o)] += 1

    def report(self) -> CoverageReport:
        return CoverageReport(self.space, dict(self.actions), dict(self.pairs))


def _pair(p: tuple[str, str]) -> str:
    return f"{p[0]}/{p[1]}"


def _listing(items: Iterable[str], limit: int) -> str:
    shown = list(items)
    more = len(shown) - limit
    return ", ".join(shown[:limit]) + (f" (+{more} more)" if more > 0 else "")


@attrs.frozen
class CoverageReport:
    """The counts of one or more runs, judged against their space."""

    space: CoverageSpace
    actions: dict[str, int]
    pairs: dict[tuple[str, str], int]

    @property
    def missed_actions(self) -> tuple[str, ...]:
        return tuple(a for a in self.space.actions if not self.actions.get(a))

    @property
    def missed_pairs(self) -> tuple[tuple[str, str], ...]:
        return tuple(sorted(p for p in self.space.pairs if not self.pairs.get(p)))

    @property
    def undeclared(self) -> tuple[tuple[str, str], ...]:
        """Pairs exercised that the space does not declare."""
        return tuple(sorted(p for p in self.pairs if p not in self.space.pairs))

    @property
    def pair_ratio(self) -> float:
        total = len(self.space.pairs)
        return 1.0 if total == 0 else (total - len(self.missed_pairs)) / total

    def summary(self) -> str:
        """One line: actions and pairs reached, and what was missed."""
        n_act = len(self.space.actions)
        n_pairs = len(self.space.pairs)
        text = (
            f"coverage {self.space.spec}: actions {n_act - len(self.missed_actions)}/{n_act}, "
            f"(action, outcome) pairs {n_pairs - len(self.missed_pairs)}/{n_pairs} "
            f"({100 * self.pair_ratio:.1f}%)"
        )
        if self.missed_actions:
            text += f"; missed actions: {', '.join(self.missed_actions)}"
        if self.missed_pairs:
            text += f"; missed: {_listing(map(_pair, self.missed_pairs), 6)}"
        if self.undeclared:
            text += f"; undeclared: {_listing(map(_pair, self.undeclared), 6)}"
        return text

    def table(self) -> str:
        """Every declared pair with its count (0 marked missed), then undeclared ones."""
        rows = [("action", "outcome", "count")]
        for action in self.space.actions:
            rows.append((action, "(any)", str(self.actions.get(action, 0))))
            for a, o in sorted(p for p in self.space.pairs if p[0] == action):
                n = self.pairs.get((a, o), 0)
                rows.append(("", o, str(n) if n else "0  missed"))
        for a, o in self.undeclared:
            rows.append((a, o, f"{self.pairs[(a, o)]}  undeclared"))
        w0 = max(len(r[0]) for r in rows)
        w1 = max(len(r[1]) for r in rows)
        lines = [f"  {a:<{w0}}  {o:<{w1}}  {n}" for a, o, n in rows]
        return "\n".join([self.summary(), *lines])
