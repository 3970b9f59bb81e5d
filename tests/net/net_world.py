"""Authorities on loopback for the transport tests: real services, real sockets.

The members come from the one builder (``tests/impl/world.py``); here each gets
a :class:`NetNode` with fresh randomness and the wall clock, at epoch 1. Every
wait in these tests goes through :func:`aura_net.within`, a safety net that
fails the test with a typed error instead of hanging it.
"""

from __future__ import annotations

import asyncio
import itertools
import os
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

from aura_net import NetNode, wall_clock_ms, within
from aura_rendezvous import AuthorityId, ChannelEstablished, ContextId

from ..impl.world import ALL_CAPS, CTX, make_service, sync_pair

SAFETY_S = 20.0
"""Safety net of every wait: generous, so a loaded machine never trips it."""

_T = TypeVar("_T")


def net_node(
    authority: AuthorityId,
    *,
    caps: frozenset[str] = ALL_CAPS,
    budget: int = 10_000,
    clock: Callable[[], int] = wall_clock_ms,
) -> NetNode:
    service = make_service(
        authority, nonce_source=os.urandom, validity_ms=3_600_000, refresh_window_ms=300_000
    )
    service.advance_epoch(CTX, 1)
    return NetNode(service, capabilities=caps, budget_limit=budget, clock=clock)


def share_descriptors(*nodes: NetNode) -> None:
    """Every node's journal reaches every other (anti-entropy, sealed under epoch 1)."""
    for a, b in itertools.combinations(nodes, 2):
        sync_pair(a.service, b.service, CTX, epoch=1)


def established(node: NetNode, context: ContextId = CTX) -> list[ChannelEstablished]:
    return [f for f in node.service.journal(context).facts() if isinstance(f, ChannelEstablished)]


async def eventually(condition: Callable[[], bool], what: str) -> None:
    """Wait until ``condition()`` holds (the safety net fails the test otherwise)."""

    async def poll() -> None:
        while not condition():
            await asyncio.sleep(0.01)

    await within(poll(), SAFETY_S, what)


def run(coro: Coroutine[Any, Any, _T]) -> _T:
    """Run a test's scenario on a fresh event loop."""
    return asyncio.run(coro)
