"""Conformance steps per second, validated against the spec, side by side with the
same runs unvalidated.

Measured in one run, three workloads in one process, each with real cryptography:

- ``EpochRotation, in process``: the epoch-rotation harness against the
  reference (real Noise IKpsk2 handshakes, key confirmation, transport
  messages, an impostor's handshakes);
- ``GuardChain, in process``: the guard-chain harness against the reference
  world (real Ed25519 receipts; each committed connect starts a real IKpsk2
  handshake);
- ``GuardChain, over stdio``: the same harness driving the reference served over
  the stdio protocol (``python -m aura_conformance.examples.guard_backend``),
  every request and state crossing the pipe as JSON.

Each workload runs the same Hypothesis programs twice (same seed, examples and
step budget, random runs only): once with the step validator on (every step
explained by the spec's next-state relation, every state checked against the
model's invariants, ``harness/checker.py``) and once with it switched off.
Everything else, the backend, the projection and the observed-effect checks,
runs in both. The two runs must take the same number of steps (same programs),
or the bench fails. Rounds alternate the two so a load spike on a shared
machine hits both alike; each keeps its best round.

Then the three workloads again, the same number of examples split over two
worker processes as ``aura-verify conform --jobs 2`` (``--backend COMMAND`` for
the stdio one) splits them (``harness/pool.py``: worker 0 keeps the seed, worker
1 a seed derived from it, half the examples each; over stdio each worker drives
its own backend program), validated beside unvalidated (their step counts must
match): aggregate steps per second over the window from the first worker's
start to the last one's end, each worker set up (its backend program started and
greeted) and warmed up before a barrier so start-up is left out. One process is
bounded by Hypothesis's own engine (``--ceiling``), and over stdio by the
harness and the backend program taking turns; using both cores of a 2-core
machine is how the targets are met.

Targets: at least 2,000 validated steps/s in process and 500 over stdio.

Run: ``make bench`` or ``.venv/bin/python bench/bench_conformance.py [examples]``.
``--profile WORKLOAD`` (epoch, guard or stdio) prints where a validated run
spends its time (cProfile, sorted by own time). ``--ceiling`` prints Hypothesis's
own rate: steps per second of bare machines with the same rules (names, argument
strategies, rule choice, settings and seed) whose rules do nothing and are always
enabled, no run of the harness can be faster than that.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import time
from collections.abc import Callable, Mapping
from typing import Any, Protocol, TypeVar, cast

import attrs
from aura_conformance.epoch_rotation.backends import EpochBackend
from aura_conformance.epoch_rotation.checker import epoch_rotation_checker
from aura_conformance.epoch_rotation.machine import _make as make_epoch_machine
from aura_conformance.guard_chain.backends import ReferenceBackend
from aura_conformance.guard_chain.checker import guard_chain_checker
from aura_conformance.guard_chain.machine import make_machine
from aura_conformance.harness.backend import Backend
from aura_conformance.harness.checker import SpecChecker, StepReport
from aura_conformance.harness.driver import CountingMachine, run_random
from aura_conformance.harness.pool import Share, run_shares, split
from aura_conformance.harness.state import State, forget_interned
from aura_conformance.protocol_specs import open_stdio
from hypothesis.stateful import initialize, rule

TARGET_IN_PROCESS = 2_000
TARGET_STDIO = 500
# Worker processes of the split workloads: the cores of the machine the targets are for.
JOBS = 2
ROUNDS = 3
SEED = 20261124
STEPS = 25
STDIO_COMMAND = [sys.executable, "-m", "aura_conformance.examples.guard_backend", "--spec", "guard"]


class _Unvalidated:
    """A checker that judges nothing: the step validator switched off.

    Carries the real checker's variables (the guard machine records states
    with them) and its spec (for the machines' own checks of refusals) and
    answers every step as unexplained-but-accepted.
    """

    def __init__(self, real: SpecChecker) -> None:
        self.variables = real.variables
        self.invariants = real.invariants
        # The machines' own checks (is the action a refusal answers enabled?) ask
        # the spec too; they run in both measurements.
        self.validator = real.validator
        self.model = real.model
        # Comparing two states is no judgement (a machine asks what a step changed).
        self.same_state = real.same_state

    def check_init(self, state: State) -> None:
        return None

    def check_invariants(self, state: State, rule: str) -> None:
        return None

    def check_step(
        self, prev: State, nxt: State, rule: str, args: Mapping[str, Any] | None = None
    ) -> StepReport:
        return StepReport(rule, ("unvalidated",))


class _Timed(Protocol):
    @property
    def steps(self) -> int: ...

    @property
    def seconds(self) -> float: ...


_R = TypeVar("_R", bound=_Timed)


@attrs.frozen
class Run:
    """One measured run: its steps, wall-clock seconds and this process's CPU seconds;
    ``started`` and ``ended`` on the system's monotonic clock (comparable across the
    processes of a split run)."""

    steps: int
    examples: int
    seconds: float
    cpu: float
    started: float = 0.0
    ended: float = 0.0


def _epoch_machine(backend: EpochBackend, checker: Any) -> type[CountingMachine]:
    # The conformance run's own machine class (whatever run-wide state it carries),
    # with the checker under measurement.
    return type(
        "EpochRotationBench",
        (make_epoch_machine(backend),),
        {"checker": checker, "stats": {"examples": 0, "steps": 0}},
    )


def _guard_machine(backend: Backend, checker: Any) -> type[CountingMachine]:
    return make_machine(backend, checker=checker)


@attrs.frozen
class Workload:
    """A harness against one backend, measurable validated or not."""

    key: str
    name: str
    over_stdio: bool
    open: Callable[[], Backend]
    checker: SpecChecker
    machine: Callable[[Any, Any], type[CountingMachine]]

    def run(
        self,
        *,
        validated: bool,
        examples: int,
        seed: int = SEED,
        ready: Callable[[], object] | None = None,
    ) -> Run:
        """``examples`` random runs from ``seed``; ``ready`` is called once the
        backend is open and the machine built, right before the clock starts."""
        checker = self.checker if validated else _Unvalidated(self.checker)
        # Every run starts with nothing remembered: no verdict of the checker's, no
        # value interned by a projection, none decoded over stdio, a new backend
        # program (a round would otherwise be served what an earlier round of the
        # same seed judged).
        self.checker.forget()
        forget_interned()
        backend = self.open()
        try:
            machine = self.machine(backend, checker)
            if ready is not None:
                ready()
            started, cpu = time.monotonic(), time.process_time()
            failure = run_random(machine, examples=examples, steps=STEPS, seed=seed)
            ended, cpu = time.monotonic(), time.process_time() - cpu
        finally:
            backend.close()
        if failure:
            raise SystemExit(f"{self.name}: the reference failed its own harness:\n{failure}")
        steps, runs = machine.stats["steps"], machine.stats["examples"]
        return Run(steps, runs, ended - started, cpu, started, ended)


def _open_stdio() -> Backend:
    return open_stdio("guard", STDIO_COMMAND, timeout=30.0)


def _reference_guard() -> Backend:
    return ReferenceBackend("ref")


def workload(key: str, checker: SpecChecker | None = None) -> Workload:
    """The workload ``key`` (epoch, guard or stdio); the guard ones share ``checker``."""
    if key == "epoch":
        machine = cast(Callable[[Any, Any], type[CountingMachine]], _epoch_machine)
        return Workload(
            key,
            "EpochRotation, in process",
            False,
            EpochBackend,
            epoch_rotation_checker(),
            machine,
        )
    guard = checker or guard_chain_checker()
    if key == "guard":
        return Workload(
            key, "GuardChain, in process", False, _reference_guard, guard, _guard_machine
        )
    return Workload(key, "GuardChain, over stdio", True, _open_stdio, guard, _guard_machine)


def workloads() -> list[Workload]:
    """The three workloads; each run of the stdio one starts its backend program."""
    guard = guard_chain_checker()
    return [workload(key, guard) for key in ("epoch", "guard", "stdio")]


@attrs.frozen
class SplitTask:
    """What each worker of a split run measures: workload ``key``, validated or not.

    ``ready``: every worker waits there once set up and warmed up, so the measured
    runs start together (a spawned worker takes seconds to import and load the spec,
    a backend program as long again to start).
    """

    key: str
    validated: bool
    ready: Any


def split_worker(share: Share, task: SplitTask) -> Run:
    """One worker's share of a split run (the pool's task; also worker 0's, here)."""
    load = workload(task.key)
    load.run(validated=True, examples=max(share.examples // 10, 3), seed=share.seed)  # warm-up
    # The barrier is passed once the measured run's backend is open (over stdio: its
    # program started and greeted), so no worker's start-up is in the window.
    return load.run(
        validated=task.validated, examples=share.examples, seed=share.seed, ready=task.ready.wait
    )


@attrs.frozen
class SplitRun:
    """The workers' runs of one split measurement, as one: all their steps over the
    wall-clock window from the first start to the last end."""

    runs: tuple[Run, ...]

    @property
    def steps(self) -> int:
        return sum(r.steps for r in self.runs)

    @property
    def seconds(self) -> float:
        return max(r.ended for r in self.runs) - min(r.started for r in self.runs)

    @property
    def cpu(self) -> float:
        return sum(r.cpu for r in self.runs)


def run_split(key: str, validated: bool, examples: int, jobs: int) -> SplitRun:
    """``examples`` runs of workload ``key`` split as ``conform --jobs`` splits them."""
    shares = split(SEED, examples, jobs)
    context = multiprocessing.get_context("spawn")
    task = SplitTask(key, validated, context.Barrier(len(shares)))
    runs = run_shares(split_worker, task, shares, lambda share: split_worker(share, task))
    return SplitRun(tuple(runs))


def measure_split(key: str, examples: int, jobs: int) -> tuple[SplitRun, SplitRun]:
    """Best validated and best unvalidated split run, rounds alternating."""
    return _best_pair(f"{key} x{jobs}", lambda v: run_split(key, v, examples, jobs))


def measure(load: Workload, examples: int) -> tuple[Run, Run]:
    """Best validated and best unvalidated run of ``load``, rounds alternating."""
    load.run(validated=True, examples=max(examples // 10, 3))  # warm-up
    return _best_pair(load.name, lambda v: load.run(validated=v, examples=examples))


def _best_pair(name: str, run: Callable[[bool], _R]) -> tuple[_R, _R]:
    """``run(validated)`` for both settings, ROUNDS times alternating; the fastest
    of each. The same seed must take the same steps every time, validated or not:
    the validator may not change what runs."""
    best: dict[bool, _R] = {}
    for _ in range(ROUNDS):
        for validated in (True, False):
            r = run(validated)
            if validated in best and best[validated].steps != r.steps:
                raise SystemExit(f"{name}: the same seed took {r.steps} steps, then others")
            if validated not in best or r.seconds < best[validated].seconds:
                best[validated] = r
    on, off = best[True], best[False]
    if on.steps != off.steps:
        raise SystemExit(f"{name}: {on.steps} steps validated, {off.steps} unvalidated")
    return on, off


def _bare(real: type[CountingMachine]) -> type[CountingMachine]:
    """A machine with ``real``'s rules (names and argument strategies), each always
    enabled and doing nothing but count its step."""

    def counter(name: str) -> Callable[..., None]:
        def count(self: CountingMachine, **_: Any) -> None:
            self.stats["steps"] += 1

        count.__name__ = count.__qualname__ = name
        return count

    def reset(self: CountingMachine) -> None:
        self.stats["examples"] += 1

    namespace: dict[str, Any] = {
        "stats": {"examples": 0, "steps": 0},
        "Reset": initialize()(reset),
    }
    for r in real.setup_state().rules:
        name = r.function.__name__
        namespace[name] = rule(**r.arguments)(counter(name))
    return type(f"Bare{real.__name__}", (CountingMachine,), namespace)


def ceiling(examples: int) -> None:
    """Steps/s of bare machines with the epoch and guard machines' rules."""
    loads = workloads()[:2]
    print(
        f"Hypothesis alone: {examples} examples of at most {STEPS} steps, seed {SEED}, best of "
        f"{ROUNDS}, rules that do nothing; load average {os.getloadavg()[0]:.1f}"
    )
    for load in loads:
        backend = load.open()
        try:
            real = load.machine(backend, load.checker)
        finally:
            backend.close()
        best: Run | None = None
        for _ in range(ROUNDS):
            bare = _bare(real)
            started, cpu = time.perf_counter(), time.process_time()
            failure = run_random(bare, examples=examples, steps=STEPS, seed=SEED)
            seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
            assert not failure, failure
            r = Run(bare.stats["steps"], bare.stats["examples"], seconds, cpu)
            if best is None or r.seconds < best.seconds:
                best = r
        assert best is not None
        print(
            f"  {len(real.setup_state().rules):2d} rules of {load.name:28s}: {best.steps:5d} steps "
            f"{best.steps / best.seconds:7.0f} steps/s  cpu {best.steps / best.cpu:7.0f}"
        )


def profile(which: str, examples: int) -> None:
    """cProfile of one validated run of the workload ``which``."""
    import cProfile
    import pstats

    keys = {"epoch": 0, "guard": 1, "stdio": 2}
    load = workloads()[keys[which]]
    load.run(validated=True, examples=3)
    profiler = cProfile.Profile()
    profiler.enable()
    load.run(validated=True, examples=examples)
    profiler.disable()
    # BENCH_SORT (a pstats key, default own time) and BENCH_ROWS (default 30).
    stats = pstats.Stats(profiler).sort_stats(os.environ.get("BENCH_SORT", "tottime"))
    stats.print_stats(int(os.environ.get("BENCH_ROWS", "30")))


def main(argv: list[str]) -> int:
    if len(argv) > 1 and argv[1] == "--profile":
        profile(argv[2] if len(argv) > 2 else "guard", int(argv[3]) if len(argv) > 3 else 40)
        return 0
    if len(argv) > 1 and argv[1] == "--ceiling":
        ceiling(int(argv[2]) if len(argv) > 2 else 40)
        return 0
    examples = int(argv[1]) if len(argv) > 1 else 40
    results = [(load, *measure(load, examples)) for load in workloads()]
    split_results = [
        (load, on, *measure_split(load.key, examples, JOBS)) for load, on, _ in results
    ]
    print(
        f"Hypothesis random runs: {examples} examples of at most {STEPS} steps, seed {SEED}, "
        f"best of {ROUNDS}; validated = every step explained by the spec, every state "
        f"checked against its invariants; load average {os.getloadavg()[0]:.1f} on "
        f"{os.cpu_count()} cores (cpu: steps per second of this process's CPU time)"
    )
    for load, on, off in results:
        v, u = on.steps / on.seconds, off.steps / off.seconds
        target = TARGET_STDIO if load.over_stdio else TARGET_IN_PROCESS
        verdict = "meets" if v >= target else "BELOW"
        print(
            f"  {load.name:28s}: {on.steps:5d} steps  validated {v:7.0f} steps/s  "
            f"unvalidated {u:7.0f} steps/s  validated/unvalidated {v / u:.2f}x  "
            f"({verdict} target {target})"
        )
        print(
            f"  {'':28s}  the validator: {(on.seconds - off.seconds) / on.steps * 1e6:.0f} us "
            f"per step ({(on.seconds - off.seconds) / on.seconds:.0%} of a validated run); "
            f"cpu: validated {on.steps / on.cpu:.0f}, unvalidated {off.steps / off.cpu:.0f}"
        )
    seeds = ", ".join(str(s.seed) for s in split(SEED, examples, JOBS))
    print(
        f"The same {examples} examples split over {JOBS} worker processes as `aura-verify "
        f"conform --jobs {JOBS}` splits them (seeds {seeds}): aggregate steps/s over the "
        "window from the first worker's start to the last one's end (each worker set up "
        f"and warmed up first); load average now {os.getloadavg()[0]:.1f}"
    )
    for load, one, both_on, both_off in split_results:
        v, u = both_on.steps / both_on.seconds, both_off.steps / both_off.seconds
        target = TARGET_STDIO if load.over_stdio else TARGET_IN_PROCESS
        verdict = "meets" if v >= target else "BELOW"
        label = f"{load.name}, {JOBS} workers"
        print(
            f"  {label:38s}: {both_on.steps:5d} steps  validated {v:7.0f} steps/s  "
            f"unvalidated {u:7.0f} steps/s  validated/unvalidated {v / u:.2f}x  "
            f"({verdict} target {target})"
        )
        print(
            f"  {'':38s}  one process validated {one.steps / one.seconds:.0f} steps/s: "
            f"{v / (one.steps / one.seconds):.2f}x with {JOBS} workers; cpu (all workers"
            f"{', harness processes only' if load.over_stdio else ''}): "
            f"validated {both_on.steps / both_on.cpu:.0f}, "
            f"unvalidated {both_off.steps / both_off.cpu:.0f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
