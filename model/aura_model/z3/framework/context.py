"""A fresh Z3 context per proof obligation.

Z3's answers (and the resources it spends) depend on the terms that already
exist in its context: hash-consing numbers terms in creation order, and that
order steers the solver's heuristics. A bug twin once came back ``unknown``
or refuted depending on what had run before in the same process. Every
obligation of ``aura-verify prove`` therefore builds its model and runs its
queries in a context of its own, so its verdict and its resource count do not
depend on what ran before it, in which order, or in which process.

The models build their terms in Z3's default context (the Python API's
``main_ctx()``); :func:`fresh_context` swaps that default for a new context
and restores the previous one afterwards, so model code needs no ``ctx``
argument threaded through every constructor. Not thread-safe: the default
context is process-global (proofs run one per process at a time).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import z3
import z3.z3 as _z3_core

__all__ = ["context_cached", "fresh_context"]

T = TypeVar("T")

# Per-context memo of declared sorts, kept on the context object itself: a
# datatype may be declared once per context, and must be declared again in
# each new one.
_MEMO_ATTR = "_aura_memo"


@contextmanager
def fresh_context() -> Iterator[Any]:
    """Run the block with a new, empty Z3 context as the default one."""
    previous = _z3_core._main_ctx
    ctx = z3.Context()
    _z3_core._main_ctx = ctx
    try:
        yield ctx
    finally:
        _z3_core._main_ctx = previous


def memo(key: str, factory: Callable[[], T]) -> T:
    """``factory()``, computed once per Z3 context under ``key``."""
    ctx = z3.main_ctx()
    store: dict[str, Any] | None = getattr(ctx, _MEMO_ATTR, None)
    if store is None:
        store = {}
        setattr(ctx, _MEMO_ATTR, store)
    if key not in store:
        store[key] = factory()
    found: T = store[key]
    return found


def context_cached(factory: Callable[[], T]) -> Callable[[], T]:
    """Decorator: like ``functools.cache`` for a no-argument function, but one
    result per Z3 context (sorts declared in one context are unusable in another)."""
    key = f"{factory.__module__}.{factory.__qualname__}"

    @functools.wraps(factory)
    def cached() -> T:
        return memo(key, factory)

    return cached
