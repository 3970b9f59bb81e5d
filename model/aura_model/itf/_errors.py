"""The codec's one error type, and the JSON paths its messages point with."""

from __future__ import annotations

import json
import re

__all__ = ["ItfError", "child_path"]

_PLAIN_KEY = re.compile(r"[#A-Za-z_][A-Za-z0-9_]*")


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


def child_path(path: str, key: str | int) -> str:
    """The JSON path of item ``key`` (an index or a field name) inside ``path``."""
    if isinstance(key, int):
        return f"{path}[{key}]"
    if _PLAIN_KEY.fullmatch(key):
        return f"{path}.{key}"
    return f"{path}[{json.dumps(key, ensure_ascii=False)}]"
