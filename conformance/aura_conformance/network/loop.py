"""The asyncio loop the network profile's sockets live on, in a thread of its own.

The state machine is synchronous (Hypothesis calls one rule at a time); the
sockets are asyncio. The loop runs in a background thread for the whole run,
so QUIC acknowledgements and WebSocket frames keep flowing between rules, and
each rule waits for what it sent through :meth:`LoopThread.run`, bounded.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

from aura_net import SafetyNetTimeout, within
from aura_rendezvous import AuraError

from aura_conformance.network.errors import TransportFault

__all__ = ["SETUP_S", "LoopThread", "setup_wait"]

_T = TypeVar("_T")
# How much longer than a wait's own safety net the calling thread waits for its
# answer: the loop itself stuck is a fault too, and must not hang the run.
_GRACE_S = 5.0

SETUP_S = 30.0
"""The least safety net of starting, killing and closing a world's listeners. A
short per-hop ``timeout_s`` (a user's ``--timeout 1``, a test waiting out a dead
peer) bounds the messages, not the set-up: binding sockets and making QUIC
certificates on a loaded machine must not fail a run that never sent a byte."""


def setup_wait(timeout_s: float) -> float:
    """The safety net of a set-up or tear-down step under a per-hop ``timeout_s``."""
    return max(timeout_s, SETUP_S)


class LoopThread:
    """One event loop in a daemon thread; :meth:`close` stops it."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self.loop.run_forever, name="aura-conformance-network", daemon=True
        )
        self._thread.start()

    def run(self, coro: Coroutine[Any, Any, _T], seconds: float, what: str) -> _T:
        """Run ``coro`` on the loop; its result, or :class:`TransportFault` naming ``what``
        if it fails or takes longer than ``seconds`` (a safety net, not a verdict)."""
        future = asyncio.run_coroutine_threadsafe(within(coro, seconds, what), self.loop)
        try:
            return future.result(seconds + _GRACE_S)
        except concurrent.futures.TimeoutError:
            future.cancel()
            raise TransportFault(f"{what}: the network loop did not answer") from None
        except SafetyNetTimeout as exc:
            raise TransportFault(f"{exc} (a safety net: an error, not a verdict)") from None
        except (AuraError, OSError) as exc:
            raise TransportFault(f"{what}: {type(exc).__name__}: {exc}") from None

    def close(self) -> None:
        if self.loop.is_closed():
            return
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(_GRACE_S)
        if not self._thread.is_alive():
            self.loop.close()
