"""The typed errors of the conformance harness (one base, :class:`ConformanceError`)."""

from __future__ import annotations

from typing import Any

__all__ = [
    "ActionUnsupported",
    "BackendCrashed",
    "BackendError",
    "BackendProtocolError",
    "BackendTimeout",
    "BackendVersionMismatch",
    "ConformanceError",
    "ConformanceFailure",
    "TraceReplayError",
]


class ConformanceError(Exception):
    """Base of every error the harness raises on purpose."""


class BackendError(ConformanceError):
    """A backend could not serve a request (it is broken, not merely non-conformant).

    A stdio backend's errors also carry the request that led to them and the
    end of what the backend wrote to stderr, both shown with the message:
    the two things an implementer needs to find the bug.
    """

    request: str = ""
    stderr: str = ""

    def __str__(self) -> str:
        text = super().__str__()
        if self.request:
            text += f"\n  request: {self.request}"
        if self.stderr:
            lines = self.stderr.rstrip("\n").splitlines()
            text += "\n  backend stderr (last lines):\n" + "\n".join(f"    {x}" for x in lines)
        return text


class BackendProtocolError(BackendError, ValueError):
    """A backend reply is not a well-formed message of the stdio protocol."""

    def __init__(self, message: str, *, source: str = "backend") -> None:
        super().__init__(f"{source}: {message}")
        self.source = source


class BackendTimeout(BackendError):
    """A backend did not reply within its time limit."""


class BackendCrashed(BackendError):
    """A backend process exited or closed its pipe."""


class BackendVersionMismatch(BackendError):
    """A backend does not speak the harness's version of the stdio protocol, or not
    for the spec asked: its answer to the hello says so (or is not a hello)."""


class ActionUnsupported(ConformanceError):
    """The backend declared that it does not implement ``action``.

    Not a failure and not a pass: the harness stops sending that action and
    reports it as skipped, so a run with skips is never a verdict of conformance.
    """

    def __init__(self, action: str, reason: str) -> None:
        super().__init__(f"{action}: unsupported by the backend ({reason})")
        self.action = action
        self.reason = reason


class ConformanceFailure(ConformanceError, AssertionError):
    """The implementation took a step the spec does not allow, or broke an invariant.

    An ``AssertionError`` too, so Hypothesis treats it as a test failure and shrinks
    the program that led to it.
    """

    # The failing run's states, from its initial one to the failing step's previous
    # one, when the spec checker that raised the failure saw them all; empty when
    # not known. A known shortfall is named after the whole run, not one step.
    run: tuple[dict[str, Any], ...] = ()

    def __init__(self, message: str, *, kind: str, action: str, table: str) -> None:
        super().__init__(f"{message}\n{table}")
        self.kind = kind
        self.action = action
        self.table = table


class TraceReplayError(ConformanceError, ValueError):
    """A recorded trace cannot be replayed (malformed) or the backend diverged from it."""
