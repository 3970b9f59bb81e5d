"""What the network profile's backends share: worlds whose sockets live on a loop thread.

A backend starts its :class:`LoopThread` before its first world (which opens
listeners), closes a world's sockets before the next world's, and stops the
loop last; the same for the relay and the epoch worlds, over each transport.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol, TypeVar

from aura_conformance.harness.result import ConformanceResult
from aura_conformance.network.loop import LoopThread

__all__ = ["close_on_loop", "init_on_loop", "run_over_transports"]


class _Closable(Protocol):
    def close(self) -> None: ...


_B = TypeVar("_B", bound=_Closable)


def init_on_loop(loop: LoopThread, init: Callable[[], None]) -> None:
    """Run a backend's constructor (``init`` builds the first world, with its
    sockets); if it fails, stop ``loop`` before the error leaves."""
    try:
        init()
    except BaseException:
        loop.close()
        raise


def close_on_loop(world: _Closable, loop: LoopThread) -> None:
    """Close ``world``'s sockets while the loop still runs, then stop the loop."""
    try:
        if not loop.loop.is_closed():
            world.close()
    finally:
        loop.close()


def run_over_transports(
    transports: Sequence[str],
    open_backend: Callable[[str], _B],
    run: Callable[[_B], ConformanceResult],
) -> list[tuple[str, ConformanceResult]]:
    """``run`` once on a backend of each transport, each closed after its run."""
    out = []
    for transport in transports:
        backend = open_backend(transport)
        try:
            result = run(backend)
        finally:
            backend.close()
        out.append((transport, result))
    return out
