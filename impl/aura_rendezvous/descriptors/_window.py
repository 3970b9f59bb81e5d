"""The pure rules of a descriptor's validity window (DESIGN.md 2).

:func:`window_contains`, :func:`needs_refresh_at` and :func:`build_window` are
among the functions the Z3 models prove properties of; they are kept small and
free of any state so the proof and the code talk about the same thing.
"""

from __future__ import annotations

from aura_rendezvous.core import U64_MAX, InvalidDescriptor, ValueRangeError, check_u64

__all__ = ["build_window", "needs_refresh_at", "window_contains"]


def window_contains(valid_from: int, valid_until: int, now: int) -> bool:
    """DESIGN.md 2: the half-open window ``valid_from <= now < valid_until``."""
    return valid_from <= now < valid_until


def needs_refresh_at(valid_until: int, now: int, window: int) -> bool:
    """DESIGN.md 2: ``now + window >= valid_until``, the sum saturating at u64 max."""
    return min(now + window, U64_MAX) >= valid_until


def build_window(now: int, validity_ms: int) -> tuple[int, int]:
    """``(now, now + validity_ms)``; an empty window or a u64 overflow is an error."""
    check_u64("now_ms", now)
    check_u64("validity_ms", validity_ms)
    if validity_ms == 0:
        raise InvalidDescriptor("validity_ms must be positive (valid_until > valid_from)")
    if now + validity_ms > U64_MAX:
        raise ValueRangeError(f"now_ms + validity_ms = {now + validity_ms} overflows u64")
    return now, now + validity_ms
