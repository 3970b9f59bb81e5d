"""The codec's one error type."""

from __future__ import annotations

__all__ = ["ItfError"]


class ItfError(ValueError):
    """A value or trace that is not valid ITF (or cannot be written as ITF).

    ``path`` is a JSON path into the document (``$.states[3].x.#set[2]``) and
    ``source`` names where the document came from (a file name, or ``""``), so a
    message always says where the bad input sits. Extends :class:`ValueError`
    so a broad ``except ValueError`` at a caller's edge still catches it.
    """

    def __init__(self, message: str, *, path: str = "$", source: str = "") -> None:
        self.reason = message
        self.path = path
        self.source = source
        prefix = f"{source}: " if source else ""
        super().__init__(f"{prefix}{path}: {message}")
