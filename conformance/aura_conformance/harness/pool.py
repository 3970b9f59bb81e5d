"""The random runs of one conformance invocation split over worker processes.

One process runs at most Hypothesis's own rate (its engine alone, rules doing
nothing, is about what the in-process target asks for on a 2-core machine), so
the remaining lever is the other cores: the runs are cut into :class:`Share`\\ s,
each with its own seed derived from the invocation's seed and the worker's
index, and each worker drives its own backend with the same machine.

Share 0 runs in the calling process (it keeps the invocation's own seed, runs
the directed schedules, which run once in all, and drives the backend the
caller already opened); the others run in processes started with ``spawn``, so
nothing of the caller's state (open pipes, an installed tap, Hypothesis's
settings) leaks into them: a worker is told its share and a picklable job, and
hands back a picklable result.

A worker is trusted with nothing: a harness error it raises comes back typed (a
backend fault stays a :class:`BackendError`, an unsupported action an
:class:`ActionUnsupported`), and anything else, an exception of another kind or
a process that died without answering, is a :class:`WorkerCrashed`, never a
pass.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import traceback
from collections.abc import Callable, Sequence
from multiprocessing.connection import Connection
from typing import Any, Generic, TypeVar

import attrs

from aura_conformance.harness.errors import (
    ActionUnsupported,
    BackendError,
    ConformanceError,
)

__all__ = ["Share", "WorkerCrashed", "resolve_jobs", "run_shares", "split", "worker_seed"]

J = TypeVar("J")
R = TypeVar("R")


@attrs.frozen
class Share:
    """What worker ``index`` runs: ``examples`` random runs from ``seed``; worker 0
    also the directed schedules."""

    index: int
    jobs: int
    seed: int
    examples: int

    @property
    def directed(self) -> bool:
        return self.index == 0


class WorkerCrashed(BackendError):
    """A worker process failed outside the harness's own errors, or died: no verdict."""


def worker_seed(seed: int, index: int) -> int:
    """The seed of worker ``index``: worker 0 keeps ``seed`` (one worker is the plain
    run), the others a hash of (``seed``, ``index``), so no two workers of one
    invocation run the same programs and a share can be replayed alone."""
    if index == 0:
        return seed
    digest = hashlib.blake2b(f"aura-conform/{seed}/{index}".encode(), digest_size=4).digest()
    return int.from_bytes(digest, "big")


def split(seed: int, examples: int, jobs: int) -> tuple[Share, ...]:
    """``examples`` runs over ``jobs`` workers, the first ``examples % jobs`` one run
    more; a worker that would get no run is not started."""
    if jobs < 1 or examples < 0:
        raise ValueError(f"cannot split {examples} runs over {jobs} workers")
    used = max(1, min(jobs, examples))
    base, more = divmod(examples, used)
    return tuple(
        Share(i, used, worker_seed(seed, i), base + (1 if i < more else 0)) for i in range(used)
    )


def resolve_jobs(jobs: int) -> int:
    """``jobs``, with 0 meaning one worker per CPU."""
    return jobs if jobs > 0 else multiprocessing.cpu_count()


@attrs.frozen
class _Fault:
    """A harness error raised in a worker, as data (not every error pickles)."""

    kind: str
    message: str
    action: str = ""
    reason: str = ""


def _child(task: Callable[[Share, J], R], share: Share, job: J, conn: Connection) -> None:
    answer: tuple[str, Any]
    try:
        try:
            answer = ("ok", task(share, job))
        except ActionUnsupported as exc:
            answer = ("fault", _Fault("unsupported", str(exc), exc.action, exc.reason))
        except BackendError as exc:
            answer = ("fault", _Fault("backend", str(exc)))
        except ConformanceError as exc:
            answer = ("fault", _Fault("harness", str(exc)))
        conn.send(answer)
    except BaseException:  # anything else is the worker's crash, reported as one
        conn.send(("crash", traceback.format_exc()))
    finally:
        conn.close()


@attrs.define
class _Worker(Generic[R]):
    share: Share
    process: multiprocessing.process.BaseProcess
    conn: Connection

    def result(self) -> R:
        """The worker's answer; a fault raised again here, typed; no answer a crash."""
        where = f"worker {self.share.index} of {self.share.jobs} (seed {self.share.seed})"
        try:
            kind, value = self.conn.recv()
        except (EOFError, OSError):
            self.process.join()
            raise WorkerCrashed(
                f"{where} died without a result (exit code {self.process.exitcode})"
            ) from None
        finally:
            self.conn.close()
        self.process.join()
        if kind == "ok":
            result: R = value
            return result
        if kind == "crash":
            raise WorkerCrashed(f"{where} crashed:\n{value.rstrip()}")
        fault: _Fault = value
        if fault.kind == "unsupported":
            raise ActionUnsupported(fault.action, fault.reason)
        if fault.kind == "backend":
            raise BackendError(f"{where}: {fault.message}")
        raise WorkerCrashed(f"{where}: {fault.message}")

    def stop(self) -> None:
        if self.process.is_alive():
            self.process.terminate()
        self.process.join()
        self.conn.close()


def run_shares(
    task: Callable[[Share, J], R],
    job: J,
    shares: Sequence[Share],
    local: Callable[[Share], R],
) -> list[R]:
    """Each share's result, in share order: ``local(shares[0])`` in this process,
    ``task(share, job)`` for the others in spawned workers, all at once.

    ``task`` must be a module-level function and ``job`` picklable. The first
    error (the local share's, then the workers' in order) is raised once every
    worker has stopped.
    """
    context = multiprocessing.get_context("spawn")
    workers: list[_Worker[R]] = []
    try:
        for share in shares[1:]:
            receive, send = context.Pipe(duplex=False)
            process = context.Process(
                target=_child,
                args=(task, share, job, send),
                name=f"conform-worker-{share.index}",
                daemon=True,
            )
            process.start()
            send.close()
            workers.append(_Worker(share, process, receive))
        results = [local(shares[0])]
        results.extend(w.result() for w in workers)
        return results
    finally:
        for w in workers:
            w.stop()
