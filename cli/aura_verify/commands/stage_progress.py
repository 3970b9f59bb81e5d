"""What a long stage is doing, said while it runs.

A stage reports once, when it ends; one that runs for a minute says, at least
every few seconds, which run it is in and what it has done so far, so a
watcher of ``make verify`` can tell slow from stuck.
"""

from __future__ import annotations

import sys
import threading
import time
from types import TracebackType
from typing import TextIO

__all__ = ["StageProgress"]


class StageProgress:
    """Prints ``[aura-verify] NAME: ...`` lines: one per finished run (:meth:`done`)
    and, while a run is in progress, one whenever ``interval`` seconds pass
    without a line. Use as a context manager: the ticking stops on exit."""

    def __init__(self, stage: str, *, interval: float = 5.0, out: TextIO | None = None) -> None:
        self.stage = stage
        self.interval = interval
        self.out = out
        self.runs = 0
        self.steps = 0
        self._current = ""
        self._since = 0.0
        self._last = 0.0
        self._started = time.perf_counter()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._ticker = threading.Thread(target=self._tick, name=f"{stage}-progress", daemon=True)

    def __enter__(self) -> StageProgress:
        self._last = time.perf_counter()
        self._ticker.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stop.set()
        self._ticker.join()

    def elapsed(self) -> float:
        return time.perf_counter() - self._started

    def start(self, what: str) -> None:
        """A run begins: the ticker names it until the next :meth:`start`."""
        with self._lock:
            self._current = what
            self._since = time.perf_counter()

    def done(self, line: str, *, runs: int = 0, steps: int = 0) -> None:
        """A run ended: count its runs and steps and print ``line``."""
        with self._lock:
            self.runs += runs
            self.steps += steps
            self._current = ""
        self.say(line)

    def say(self, line: str) -> None:
        with self._lock:
            self._last = time.perf_counter()
            out = self.out or sys.stdout
            print(f"[aura-verify] {self.stage}: {line}", file=out, flush=True)

    def _tick(self) -> None:
        # Wakes often enough to keep the promised gap, prints only when due.
        while not self._stop.wait(min(self.interval / 4, 1.0)):
            with self._lock:
                now = time.perf_counter()
                due = self._current and now - self._last >= self.interval
                line = (
                    f"{self._current} ... {now - self._since:.0f}s "
                    f"({self.runs} runs, {self.steps} steps so far, {self.elapsed():.0f}s)"
                )
            if due:
                self.say(line)
