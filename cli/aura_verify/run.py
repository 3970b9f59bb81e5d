"""One run of the verification stages: the lines it prints, its verdict, its report.

Every stage prints ``[aura-verify] NAME: PASS|FAIL|SKIPPED (seconds) figures``
and its detail; a FAIL also prints the command that reruns only that stage. A
stage that is quiet for :data:`HEARTBEAT_SECONDS` gets a ``still running`` line,
so a watcher can tell slow from stuck. At the end the report is written
(``report.json``, ``junit.xml``, and ``report.html`` when the HTML renderer is
installed) and its paths printed.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import datetime
import functools
import multiprocessing
import os
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, TextIO

import attrs
from aura_model.stages import StageResult, Status

from aura_verify.stages import STAGES, Stage, StageOptions

__all__ = ["HEARTBEAT_SECONDS", "RunSettings", "run_stages"]

HEARTBEAT_SECONDS = 5.0
_PREFIX = "[aura-verify]"
# Read by the conformance harness's driver (aura_conformance.harness.driver).
_DATABASE = "AURA_HYPOTHESIS_DATABASE"


@attrs.frozen
class RunSettings:
    """The command line's choices for a stage run. ``command`` is how to rerun
    with the same profile and seed (``aura-verify --profile deep --seed 7``)."""

    profile: str = "default"
    seed: int | None = None
    strict: bool = False
    out: Path = Path("build/verify")
    command: str = "aura-verify"
    # Stages at once: 2 runs the ``beside`` stages in a second process.
    jobs: int = 2

    def rerun(self, stage: str) -> str:
        return f"{self.command} --stage {stage}"


class _Heartbeat:
    """Wraps stdout: remembers when anything was last written and, while a stage
    runs, writes a ``still running`` line whenever it has been quiet too long."""

    def __init__(self, out: TextIO, interval: float) -> None:
        self.out = out
        self.interval = interval
        self.last = time.perf_counter()
        # The stages running now, with when each began.
        self.running: dict[str, float] = {}
        # Per thread, what it wrote after its last newline.
        self._partial: dict[int, str] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._tick, name="verify-heartbeat", daemon=True)

    # The file-like surface print() and the stages use.
    def write(self, text: str) -> int:
        # Whole lines only: print() writes its text and its newline in two
        # calls, and with two lanes the stage results printed from the second
        # process's callback thread must not land inside a spec-check line.
        me = threading.get_ident()
        with self._lock:
            self.last = time.perf_counter()
            pending = self._partial.pop(me, "") + text
            head, newline, tail = pending.rpartition("\n")
            if tail:
                self._partial[me] = tail
            if newline:
                self.out.write(head + newline)
        return len(text)

    def flush(self) -> None:
        with self._lock:
            rest = self._partial.pop(threading.get_ident(), "")
            if rest:
                self.out.write(rest)
            self.out.flush()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.out, name)

    def begin(self, stage: str) -> None:
        with self._lock:
            self.running[stage] = time.perf_counter()

    def end(self, stage: str) -> None:
        with self._lock:
            self.running.pop(stage, None)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()
        with self._lock:
            # Nothing written is lost, finished line or not.
            for rest in self._partial.values():
                self.out.write(rest)
            self._partial.clear()
            self.out.flush()

    def _tick(self) -> None:
        while not self._stop.wait(min(self.interval / 4, 1.0)):
            # Decided and written under the lock: once end() returns, no line
            # about the ended stage can follow.
            with self._lock:
                now = time.perf_counter()
                if self.running and now - self.last >= self.interval:
                    for stage, since in self.running.items():
                        self.out.write(f"{_PREFIX} {stage}: still running ({now - since:.0f}s)\n")
                    self.out.flush()
                    self.last = now


def _figures_text(figures: dict[str, int | float] | Any) -> str:
    if not figures:
        return ""
    return "[" + ", ".join(f"{k} {v}" for k, v in figures.items()) + "] "


def _run_one(stage: Stage, options: StageOptions) -> StageResult:
    started = time.perf_counter()
    try:
        result = stage.run(options)
    except Exception as exc:  # a stage's defect fails that stage, not the run
        return StageResult(
            stage.name,
            Status.FAIL,
            f"the stage crashed: {type(exc).__name__}: {exc}",
            time.perf_counter() - started,
        )
    # A stage's own time may leave out its set-up; the run's clock does not.
    return attrs.evolve(result, name=stage.name, seconds=time.perf_counter() - started)


@contextlib.contextmanager
def _example_database(settings: RunSettings) -> Iterator[None]:
    # The deep profile keeps Hypothesis's example database between runs: a
    # failure found one night is tried first the next. Only for this run: the
    # variable is restored afterwards.
    if settings.profile != "deep":
        yield
        return
    path = settings.out / "hypothesis"
    path.mkdir(parents=True, exist_ok=True)
    saved = os.environ.get(_DATABASE)
    os.environ[_DATABASE] = str(path.resolve())
    try:
        yield
    finally:
        if saved is None:
            del os.environ[_DATABASE]
        else:
            os.environ[_DATABASE] = saved


def run_stages(selected: Sequence[str] | None = None, settings: RunSettings | None = None) -> int:
    """Run the verification stages; print one line per stage, a summary and
    where the report went. The exit code: 0, 1 (a failure, or with ``strict`` a
    skip) or 2 (an unknown stage)."""
    settings = settings if settings is not None else RunSettings()
    known = [stage.name for stage in STAGES]
    unknown = [name for name in selected or () if name not in known]
    if unknown:
        print(
            f"{_PREFIX} unknown stage(s): {', '.join(unknown)}; known: {', '.join(known)}",
            file=sys.stderr,
        )
        return 2
    chosen = [s for s in STAGES if not selected or s.name in selected]
    options = StageOptions(settings.profile, settings.seed, settings.out)
    started_at = datetime.datetime.now(datetime.UTC)
    started = time.perf_counter()
    seed = "fixed per stage" if settings.seed is None else str(settings.seed)
    print(f"{_PREFIX} profile {settings.profile}, seed {seed}", flush=True)
    real_stdout = sys.stdout
    beat = _Heartbeat(real_stdout, HEARTBEAT_SECONDS)
    sys.stdout = beat
    beat.start()
    try:
        with _example_database(settings):
            done = _run_lanes(chosen, options, settings, beat)
    finally:
        beat.stop()
        sys.stdout = real_stdout
    results = [done[stage.name] for stage in chosen]
    failed = [r.name for r in results if r.status is Status.FAIL]
    skipped = [r.name for r in results if r.status is Status.SKIPPED]
    passed = len(results) - len(failed) - len(skipped)
    strict_fail = settings.strict and bool(skipped)
    code = 1 if failed or strict_fail else 0
    print(
        f"{_PREFIX} summary: {passed} passed, {len(failed)} failed, {len(skipped)} skipped"
        + (f" (failed: {', '.join(failed)})" if failed else "")
        + (f" (skipped, failing under --strict: {', '.join(skipped)})" if strict_fail else "")
        + f"; exit {code}"
    )
    from aura_verify.report.write import RunInfo, write_artefacts

    info = RunInfo(
        profile=settings.profile,
        seed=settings.seed,
        strict=settings.strict,
        out=settings.out,
        rerun=settings.rerun,
        started=started_at,
        seconds=time.perf_counter() - started,
        exit_code=code,
    )
    paths = write_artefacts(results, info)
    for label, path in paths:
        print(f"{_PREFIX} {label}: {path}")
    return code


def _run_named(name: str, options: StageOptions) -> StageResult:
    """One stage in the second process (a name crosses, not a function)."""
    return _run_one(next(s for s in STAGES if s.name == name), options)


# The second lane's scheduling priority below the first's. spec-check (first lane)
# is the critical path: its embedded checker is one Python thread that waited for
# the CPU behind Z3's two processes and the conformance runs, whose lane ends with
# time to spare. Niceness changes only who runs first, never a verdict.
SECOND_LANE_NICE = 4


def _line_buffered() -> None:
    # The second process's progress lines reach a pipe; each must arrive whole
    # and when printed, not at exit.
    with contextlib.suppress(AttributeError, ValueError):
        sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]
    with contextlib.suppress(OSError):
        os.nice(SECOND_LANE_NICE)


def _run_lanes(
    chosen: Sequence[Stage], options: StageOptions, settings: RunSettings, beat: _Heartbeat
) -> dict[str, StageResult]:
    """Run the stages, those marked ``beside`` in a second process while the
    others run here: the two lanes keep both cores busy (spec-check is mostly
    one Python thread and one TLC process). ``settings.jobs == 1`` runs them
    one after another. Results are printed as each stage ends."""
    done: dict[str, StageResult] = {}
    lock = threading.Lock()

    def finish(result: StageResult) -> None:
        with lock:
            beat.end(result.name)
            done[result.name] = result
            _print_result(result, settings)

    here = [s for s in chosen if not (s.beside and settings.jobs > 1)]
    beside = [s for s in chosen if s not in here]
    if not here or not beside:
        here, beside = list(chosen), []
    pool = None
    if beside:
        pool = concurrent.futures.ProcessPoolExecutor(
            max_workers=1,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_line_buffered,
        )
        print(
            f"{_PREFIX} {', '.join(s.name for s in beside)} run in a second process "
            f"beside {', '.join(s.name for s in here)} (--jobs 1: one at a time)",
            flush=True,
        )
    try:
        futures = []
        for stage in beside:
            assert pool is not None
            futures.append((stage, pool.submit(_run_named, stage.name, options)))
        # The second process runs its stages in order: each one's end is the
        # next one's start.
        if beside:
            beat.begin(beside[0].name)
            for (stage, future), after in zip(futures, [*beside[1:], None], strict=True):
                done_ = functools.partial(_finish_future, stage, finish, after, beat)
                future.add_done_callback(done_)
        for stage in here:
            print(f"{_PREFIX} {stage.name} ...", flush=True)
            beat.begin(stage.name)
            finish(_run_one(stage, options))
        for _, future in futures:
            concurrent.futures.wait([future])
    finally:
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
    return done


def _finish_future(
    stage: Stage,
    finish: Callable[[StageResult], None],
    after: Stage | None,
    beat: _Heartbeat,
    future: concurrent.futures.Future[StageResult],
) -> None:
    try:
        result = future.result()
    except Exception as exc:  # the second process died: that stage failed
        result = StageResult(
            stage.name, Status.FAIL, f"the stage's process failed: {type(exc).__name__}: {exc}"
        )
    finish(result)
    if after is not None:
        beat.begin(after.name)


def _print_result(result: StageResult, settings: RunSettings) -> None:
    figures = _figures_text(dict(result.figures))
    head = f"{_PREFIX} {result.name}: {result.status.value} ({result.seconds:.1f}s) {figures}"
    print(f"{head}{result.detail}", flush=True)
    if result.status is Status.FAIL:
        print(f"{_PREFIX} {result.name}: rerun only this stage: {settings.rerun(result.name)}")
        for check in result.checks:
            if check.status is Status.FAIL and check.rerun:
                print(
                    f"{_PREFIX} {result.name}: FAIL {check.module}.{check.invariant}: {check.rerun}"
                )
