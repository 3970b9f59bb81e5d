"""What the harness drives: a backend answers requests named after the spec's actions.

A backend serves requests ``(action, args, now)`` and answers with the projected
state (the spec's variables) plus a short outcome string. Arguments are spec
values (model values, records), so any implementation can serve them. ``Reset``
is the harness's own request, the first of every run: it starts a fresh world.

:class:`WorldBackend` is the in-process kind: a world of the reference
implementation (or a deliberately broken variant of it) that serves each spec
action through a table of handlers, one per action name.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Generic, Protocol, TypeVar

import attrs

from aura_conformance.harness.errors import BackendError
from aura_conformance.harness.state import State, StateSchema

__all__ = ["Backend", "Handler", "Reply", "ReportedEffect", "WorldBackend"]

W = TypeVar("W")

# One spec action run on a world: (world, args, now) -> outcome.
Handler = Callable[[W, Mapping[str, Any], int], str]


@attrs.frozen
class ReportedEffect:
    """One effect a backend says it ran while serving a request: a charge
    (``cost``), a journal append, a send (``detail``), in the order they ran."""

    kind: str
    cost: int = 0
    detail: str = ""


@attrs.frozen
class Reply:
    """A backend's answer: the projected state after the request and what happened.

    ``effects`` are the effects a stdio backend reported running for the request,
    or ``None`` when it reports none (an in-process world is observed instead).
    """

    state: State = attrs.field(eq=False)
    outcome: str
    effects: tuple[ReportedEffect, ...] | None = None


class Backend(Protocol):
    """What a state machine drives."""

    name: str
    schema: StateSchema

    def request(self, action: str, args: Mapping[str, Any], now: int) -> Reply: ...

    def close(self) -> None: ...


class WorldBackend(Generic[W]):
    """An in-process backend over a world of type ``W``.

    ``refusals`` are the exceptions a handler raises for a request the world
    cannot serve (no receipt of that name, no outcome in flight): they become
    :class:`BackendError`, as a stdio backend's error reply would.
    """

    def __init__(
        self,
        name: str,
        schema: StateSchema,
        *,
        new_world: Callable[[], W],
        project: Callable[[W], State],
        actions: Mapping[str, Handler[W]],
        refusals: tuple[type[Exception], ...] = (),
    ) -> None:
        self.name = name
        self.schema = schema
        self.actions = actions
        self._new_world = new_world
        self._project = project
        self._refusals = refusals
        self.world = new_world()

    def request(self, action: str, args: Mapping[str, Any], now: int) -> Reply:
        if action == "Reset":
            self.world = self._new_world()
            return Reply(self._project(self.world), "Reset")
        handler = self.actions.get(action)
        if handler is None:
            raise BackendError(f"unknown action {action!r}")
        try:
            outcome = handler(self.world, args, now)
        except self._refusals as exc:
            raise BackendError(f"{action}: {exc}") from None
        return Reply(self._project(self.world), outcome)

    def close(self) -> None:
        return None
