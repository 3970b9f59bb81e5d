"""``aura-verify conform --jobs N``: one share of the random runs per worker, merged.

Each worker drives its own backend (the in-process one by name, or its own
stdio program) with the spec's machine, watched as a single-process run is
(coverage counted, the failing run kept); :func:`merge` adds up what they ran.
Share 0 runs in the ``conform`` process itself, on the backend it opened, and
is the only one that runs the directed schedules (see
:mod:`aura_conformance.harness.pool`).
"""

from __future__ import annotations

import shutil
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs
from aura_conformance.harness.pool import Share
from aura_conformance.harness.result import ConformanceResult

if TYPE_CHECKING:
    from aura_conformance.harness.backend import Backend
    from aura_conformance.harness.coverage import CoverageReport

__all__ = [
    "ConformJob",
    "Merged",
    "ShareOutcome",
    "drive_share",
    "merge",
    "run_share",
    "runners",
]


def runners() -> dict[str, Callable[..., ConformanceResult]]:
    """The random-run entry of each spec ``conform`` drives through a state machine."""
    from aura_conformance import run_conformance, run_dv_conformance, run_epoch_conformance
    from aura_conformance.relay import run_relay_conformance

    return {
        "guard": run_conformance,
        "epoch": run_epoch_conformance,
        "descriptor": run_dv_conformance,
        "relay": run_relay_conformance,
    }


@attrs.frozen
class ConformJob:
    """What every worker of one invocation is told (besides its share)."""

    spec: str
    backend: str
    steps: int
    timeout: float
    shrink: bool
    record: Path | None


@attrs.frozen
class ShareOutcome:
    """What one worker ran and saw: its verdict and counts, its coverage counts,
    the actions its backend skipped and, when it failed, the failing program
    (one line per request), its trace and the end of its backend's stderr."""

    share: Share
    outcome: ConformanceResult
    actions: dict[str, int]
    pairs: dict[tuple[str, str], int]
    skipped: dict[str, str]
    program: tuple[str, ...] = ()
    trace: Path | None = None
    stderr: str = ""


def _record_dir(job: ConformJob, share: Share) -> Path | None:
    # Each worker numbers its own runs: one directory each, or they would collide.
    return None if job.record is None else job.record / f"worker-{share.index}"


def drive_share(share: Share, job: ConformJob, backend: Backend) -> ShareOutcome:
    """Run ``share`` against ``backend`` (opened by the caller, not closed here)."""
    from aura_conformance.harness.report import Observation, failing_run, program_lines
    from aura_conformance.harness.stdio import StdioBackend
    from aura_conformance.spec_harnesses import SPEC_HARNESSES

    harness = SPEC_HARNESSES[job.spec]
    record = _record_dir(job, share)
    watch = Observation(
        backend,
        harness.space,
        record_dir=record,
        scenarios=harness.scenarios() if share.directed else (),
        machine_records=harness.records_itself,
    )
    options: dict[str, Any] = {"record_dir": record} if job.spec == "guard" else {}
    try:
        outcome = runners()[job.spec](
            backend,
            examples=share.examples,
            seed=share.seed,
            steps=job.steps,
            shrink=job.shrink,
            scenarios=share.directed,
            **options,
        )
    finally:
        watch.close()
    counts = watch.coverage_report()
    skipped = dict(getattr(backend, "skipped", {}))
    if outcome.conformant:
        return ShareOutcome(share, outcome, counts.actions, counts.pairs, skipped)
    run = failing_run(watch.tap, outcome.failure, watch.scenarios)
    program = tuple(program_lines(run, watch.schema)) if run is not None else ()
    tail = backend.stderr_text() if isinstance(backend, StdioBackend) else ""
    return ShareOutcome(
        share,
        outcome,
        counts.actions,
        counts.pairs,
        skipped,
        program,
        watch.failing_trace(outcome),
        tail,
    )


def run_share(share: Share, job: ConformJob) -> ShareOutcome:
    """A worker process's share: its own backend, opened and closed here."""
    from aura_conformance.spec_harnesses import open_backend

    backend = open_backend(job.spec, job.backend, job.timeout)
    try:
        return drive_share(share, job, backend)
    finally:
        backend.close()


@attrs.frozen
class Merged:
    """The workers' runs as one: the verdict (the first failing worker's, by
    worker order), the coverage summed, the skips joined, and the failing
    worker's outcome."""

    outcome: ConformanceResult
    coverage: CoverageReport
    skipped: dict[str, str]
    failing: ShareOutcome | None


def merge(name: str, spec: str, outcomes: Sequence[ShareOutcome], record: Path | None) -> Merged:
    """One verdict of ``outcomes`` (in worker order); a failing worker's trace is
    copied to ``record/failing.itf.json``, where a single run writes it."""
    from aura_conformance.harness.coverage import CoverageReport
    from aura_conformance.spec_harnesses import SPEC_HARNESSES

    actions: Counter[str] = Counter()
    pairs: Counter[tuple[str, str]] = Counter()
    skipped: dict[str, str] = {}
    for o in outcomes:
        actions.update(o.actions)
        pairs.update(o.pairs)
        skipped.update(o.skipped)
    failing = next((o for o in outcomes if not o.outcome.conformant), None)
    trace: Path | None = None
    if failing is not None and failing.trace is not None and record is not None:
        trace = Path(shutil.copyfile(failing.trace, record / "failing.itf.json"))
    outcome = ConformanceResult(
        name,
        failing is None,
        sum(o.outcome.examples for o in outcomes),
        sum(o.outcome.steps for o in outcomes),
        "" if failing is None else failing.outcome.failure,
        trace,
    )
    space = SPEC_HARNESSES[spec].space
    return Merged(outcome, CoverageReport(space, dict(actions), dict(pairs)), skipped, failing)
