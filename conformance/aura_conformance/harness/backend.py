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

__all__ = [
    "EFFECTS_UNREPORTED",
    "Backend",
    "Handler",
    "Reply",
    "ReportedEffect",
    "WorldBackend",
    "note_skipped",
    "note_unjudged",
]

W = TypeVar("W")

# One spec action run on a world: (world, args, now) -> outcome.
Handler = Callable[[W, Mapping[str, Any], int], str]


@attrs.frozen
class ReportedEffect:
    """One effect a backend ran while serving a request, in the order they ran: a
    charge (``cost``), a journal append, a send (``detail``).

    ``by`` names the member whose ports ran it, where a world has several. A send
    may carry the spec's record of the message it put on the network
    (``message``, a checker value) and the message's bytes (``data``), so the
    harness can check what was sent rather than what the state says was sent.
    """

    kind: str
    cost: int = 0
    detail: str = ""
    by: str = ""
    message: Any = attrs.field(default=None, eq=False)
    data: bytes = attrs.field(default=b"", repr=False)

    def describe(self) -> str:
        if self.kind in ("ChargeFlowBudget", "UndoCharge"):
            text = f"{self.kind}({self.cost})"
        else:
            text = f"{self.kind}({self.detail})" if self.detail else self.kind
        return f"{self.by}:{text}" if self.by else text


@attrs.frozen
class Reply:
    """A backend's answer: the projected state after the request and what happened.

    ``effects`` are the effects the backend ran for the request (a stdio backend
    reports them, an in-process world's ports are tapped), or ``None`` when it
    reports none: then nothing the effects show can be judged.
    """

    state: State = attrs.field(eq=False)
    outcome: str
    effects: tuple[ReportedEffect, ...] | None = None


# The skip a backend that reports no effects gets: what they show is not judged.
EFFECTS_UNREPORTED = "effects"


def note_skipped(backend: object, name: str, reason: str) -> None:
    """Keep ``name`` with ``backend``'s skipped actions (the first reason stays): a
    run that could not judge part of the spec is no verdict of conformance, as with
    an unsupported action. Backends without a skip record judge everything."""
    skipped = getattr(backend, "skipped", None)
    if isinstance(skipped, dict):
        skipped.setdefault(name, reason)


def note_unjudged(backend: object, checks: str) -> None:
    """Record that ``backend`` reported no effects, so ``checks`` were not judged."""
    note_skipped(
        backend,
        EFFECTS_UNREPORTED,
        f"the backend reports no effects (its hello does not declare them), so {checks} "
        "were not judged",
    )


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
    :class:`BackendError`, as a stdio backend's error reply would. A world with
    a ``take_effects()`` (the effects its ports saw since the last call) reports
    them with every reply, as a stdio backend that declared ``effects`` does.
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
        self.reports_effects = callable(getattr(self.world, "take_effects", None))

    def _effects(self) -> tuple[ReportedEffect, ...] | None:
        take = getattr(self.world, "take_effects", None)
        if not callable(take):
            return None
        return tuple(
            e if e.message is None else attrs.evolve(e, message=self.message_record(e.message))
            for e in take()
        )

    def message_record(self, message: Any) -> Any:
        """The spec's record of a message the world names its own way (as is, here)."""
        return message

    def request(self, action: str, args: Mapping[str, Any], now: int) -> Reply:
        if action == "Reset":
            self.world = self._new_world()
            return Reply(self._project(self.world), "Reset", self._effects())
        handler = self.actions.get(action)
        if handler is None:
            raise BackendError(f"unknown action {action!r}")
        try:
            outcome = handler(self.world, args, now)
        except self._refusals as exc:
            raise BackendError(f"{action}: {exc}") from None
        return Reply(self._project(self.world), outcome, self._effects())

    def close(self) -> None:
        return None
