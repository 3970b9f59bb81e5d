"""The typed errors of the conformance harness (one base, :class:`ConformanceError`)."""

from __future__ import annotations

__all__ = [
    "BackendCrashed",
    "BackendError",
    "BackendProtocolError",
    "BackendTimeout",
    "ConformanceError",
    "ConformanceFailure",
    "TraceReplayError",
]


class ConformanceError(Exception):
    """Base of every error the harness raises on purpose."""


class BackendError(ConformanceError):
    """A backend could not serve a request (it is broken, not merely non-conformant)."""


class BackendProtocolError(BackendError, ValueError):
    """A backend reply is not a well-formed message of the stdio protocol."""

    def __init__(self, message: str, *, source: str = "backend") -> None:
        super().__init__(f"{source}: {message}")
        self.source = source


class BackendTimeout(BackendError):
    """A backend did not reply within its time limit."""


class BackendCrashed(BackendError):
    """A backend process exited or closed its pipe."""


class ConformanceFailure(ConformanceError, AssertionError):
    """The implementation took a step the spec does not allow, or broke an invariant.

    An ``AssertionError`` too, so Hypothesis treats it as a test failure and shrinks
    the program that led to it.
    """

    def __init__(self, message: str, *, kind: str, action: str, table: str) -> None:
        super().__init__(f"{message}\n{table}")
        self.kind = kind
        self.action = action
        self.table = table


class TraceReplayError(ConformanceError, ValueError):
    """A recorded trace cannot be replayed (malformed) or the backend diverged from it."""
