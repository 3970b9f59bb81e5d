"""Every wait of the shell is bounded: a safety net that is reported, never a verdict."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import TypeVar

from aura_net._errors import SafetyNetTimeout

__all__ = ["within"]

_T = TypeVar("_T")


async def within(awaitable: Awaitable[_T], seconds: float, what: str) -> _T:
    """``await awaitable``, or :class:`SafetyNetTimeout` naming ``what`` after ``seconds``."""
    try:
        return await asyncio.wait_for(awaitable, seconds)
    except TimeoutError:
        raise SafetyNetTimeout(f"{what}: no result within {seconds:g} s") from None
