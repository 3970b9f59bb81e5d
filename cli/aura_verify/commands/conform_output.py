"""What ``aura-verify conform`` prints around a verdict: the counterexample and coverage.

A run is watched through a tap on its backend (:class:`Observation`): under a
NOT conformant verdict come the seed, the violated property, the shrunk
program (each request with its arguments and outcome) and one command that
reproduces the failure; then the coverage, one line, or with ``--coverage``
the table of every (action, outcome) pair.
"""

from __future__ import annotations

import argparse
import shlex
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from aura_conformance.harness.backend import Backend
    from aura_conformance.harness.pool import Share
    from aura_conformance.harness.report import Observation
    from aura_conformance.harness.result import ConformanceResult

    from aura_verify.commands.conform_jobs import Merged

__all__ = ["observe", "report", "report_merged"]


def observe(args: argparse.Namespace, backend: Backend) -> Observation:
    """Start watching ``backend`` for ``--spec`` (recording into ``--record``)."""
    from aura_conformance.harness.report import Observation
    from aura_conformance.spec_harnesses import SPEC_HARNESSES

    harness = SPEC_HARNESSES[args.spec]
    return Observation(
        backend,
        harness.space,
        record_dir=args.record,
        scenarios=harness.scenarios(),
        machine_records=harness.records_itself,
    )


def _reproduce(args: argparse.Namespace, trace: object, share: Share | None = None) -> list[str]:
    if trace is not None:
        return ["aura-verify", "replay", str(trace), "--spec", args.spec, "--backend", args.backend]
    # A worker's share replays alone: its own seed and runs, in one process.
    seed, examples = (args.seed, args.examples) if share is None else (share.seed, share.examples)
    command = ["aura-verify", "conform", "--spec", args.spec, "--backend", args.backend]
    command += ["--seed", str(seed), "--examples", str(examples)]
    command += ["--steps", str(args.steps)] + (["--no-shrink"] if args.no_shrink else [])
    return command + ([] if share is None else ["--jobs", "1"])


def report(args: argparse.Namespace, watch: Observation, outcome: ConformanceResult) -> None:
    """Print the counterexample (if any) and the coverage of the run ``watch`` saw."""
    if not outcome.conformant:
        trace = watch.failing_trace(outcome)
        if trace is not None and outcome.failing_trace is None:
            print(f"failing trace: {trace}")
        # Every runner shrinks a failing random run unless --no-shrink.
        shrunk = not args.no_shrink
        command = _reproduce(args, trace)
        print(watch.explain(outcome, seed=args.seed, command=command, shrunk=shrunk))
    coverage = watch.coverage_report()
    print(coverage.table() if args.coverage else coverage.summary())


def report_merged(args: argparse.Namespace, merged: Merged) -> None:
    """:func:`report` for a run split over workers: the failing worker's
    counterexample (its seed, its program, one command that replays its share
    alone) and the coverage of all the workers together."""
    from aura_conformance.harness.report import failure_report

    failing = merged.failing
    if failing is not None:
        share = failing.share
        print(
            f"found by worker {share.index} of {share.jobs} (seed {share.seed}, "
            f"{share.examples} of the {args.examples} random runs"
            + (", and the directed schedules)" if share.directed else ")")
        )
        trace = merged.outcome.failing_trace
        print(
            failure_report(
                seed=share.seed,
                failure=failing.outcome.failure,
                program=failing.program,
                command=_reproduce(args, trace, share),
                shrunk=not args.no_shrink,
            )
        )
        if trace is not None:
            print(f"its share alone: {shlex.join(_reproduce(args, None, share))}")
    coverage = merged.coverage
    print(coverage.table() if args.coverage else coverage.summary())
