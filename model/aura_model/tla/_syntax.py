"""Rewriting the parser's syntax trees: one node's fields, each mapped.

The `tla` parser's nodes are named tuples; the checker's tree rewriters
(label stripping, SANY's precedence, instance and LET expansion, renaming)
each decide what to do at a node and leave the rest to :func:`map_fields`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = ["map_fields"]

# Where a node is and what the parser named it: never rewritten.
_KEPT = ("symbol", "start", "end")


def map_fields(node: Any, fn: Callable[[Any], Any], **changes: Any) -> Any:
    """``node`` with ``fn`` applied to each field (its position and symbol kept),
    plus ``changes``; the node itself when nothing changed."""
    for f in node._fields:
        if f in _KEPT or f in changes:
            continue
        old = getattr(node, f)
        new = fn(old)
        if new is not old:
            changes[f] = new
    return node._replace(**changes) if changes else node
