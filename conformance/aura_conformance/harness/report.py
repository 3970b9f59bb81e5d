"""What a conformance failure tells its reader: seed, program, violated property, one command.

The program is the requests of the failing run as the backend received them
(each action with its arguments and the outcome it answered), taken from the
run's recording: after shrinking that is the program Hypothesis shrank to, as
it was sent, in spec values any implementation can read.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Sequence
from pathlib import Path

from aura_model.tla import values as V

from aura_conformance.harness.backend import Backend
from aura_conformance.harness.coverage import Coverage, CoverageReport, CoverageSpace
from aura_conformance.harness.result import ConformanceResult
from aura_conformance.harness.state import StateSchema, decode_args
from aura_conformance.harness.tap import Tap
from aura_conformance.harness.trace import Recorder

__all__ = [
    "Observation",
    "failing_run",
    "failure_report",
    "program_lines",
    "violated_properties",
]

# Spec properties are named with their module's prefix (GuardChain's GC...,
# EpochRotation's ER..., DescriptorValidity's DV..., Rendezvous's RV...).
_PROPERTY = re.compile(r"\b(?:GC|ER|DV|RV)[A-Z][A-Za-z]+\b")
# How a directed scenario's failure starts (the runners' verdict text).
_SCENARIO = re.compile(r"scenario ([\w-]+): ")


def violated_properties(failure: str) -> str:
    """The spec properties a failure's first line names, or what the step broke."""
    first = failure.strip().splitlines()[0] if failure.strip() else ""
    names = list(dict.fromkeys(_PROPERTY.findall(first)))
    if names:
        return ", ".join(names)
    if "lookup:" in first:
        return "DVLookup (the cached descriptor the spec chooses)"
    if "init:" in first:
        return "Init (the initial state)"
    return "the next-state relation (no action of the spec explains the step)"


def program_lines(recorder: Recorder, schema: StateSchema) -> list[str]:
    """One line per request of a recorded run after its Reset: action(args) -> outcome."""
    out: list[str] = []
    for i, meta in enumerate(recorder.meta[1:], 1):
        args = decode_args(meta["args"], schema)
        inner = ", ".join(f"{k}={V.format_value(v)}" for k, v in args.items())
        out.append(f"  {i:>3}. {meta['action']}({inner}) -> {meta['outcome']}")
    return out


def failure_report(
    *,
    seed: int | None,
    failure: str,
    program: Sequence[str],
    command: Sequence[str],
    shrunk: bool = True,
) -> str:
    """The block printed under a NOT conformant verdict."""
    lines = [
        f"seed: {seed if seed is not None else 'derandomised'}",
        f"violated: {violated_properties(failure)}",
    ]
    if program:
        named = _SCENARIO.match(failure)
        shrink = "as Hypothesis shrank it" if shrunk else "not shrunk"
        origin = f"directed scenario {named.group(1)}" if named else shrink
        lines.append(f"program ({len(program)} requests after Reset; {origin}):")
        lines.extend(program)
    lines.append(f"reproduce: {shlex.join(command)}")
    return "\n".join(lines)


def failing_run(tap: Tap, failure: str, scenarios: Sequence[str]) -> Recorder | None:
    """The run that failed: a directed scenario's (they run first, in order, each
    once, so the n-th run is the n-th scenario's), else the last random run."""
    named = _SCENARIO.match(failure)
    if named and named.group(1) in scenarios:
        return tap.run(list(scenarios).index(named.group(1)))
    return tap.last_run()


class Observation:
    """A conformance run watched through a :class:`Tap`: its coverage, its runs
    recorded (unless the machine records them itself), its failure explained."""

    def __init__(
        self,
        backend: Backend,
        space: CoverageSpace,
        *,
        record_dir: Path | None,
        scenarios: Sequence[str],
        machine_records: bool = False,
    ) -> None:
        self.record_dir = record_dir
        self.scenarios = tuple(scenarios)
        self.schema = backend.schema
        self.coverage = Coverage(space)
        self.tap = Tap(
            backend,
            record_dir=None if machine_records else record_dir,
            coverage=self.coverage,
        )

    def close(self) -> None:
        self.tap.remove()

    def coverage_report(self) -> CoverageReport:
        return self.coverage.report()

    def failing_trace(self, result: ConformanceResult) -> Path | None:
        """The failing run's trace, written from the tap as ``failing.itf.json``.

        Also where the machine records itself: a machine records a step once it
        has judged it, and a check that fails before the step validator (an
        observed send on a deny) would leave the failing step out, while the tap
        saw every request the backend served.
        """
        if result.conformant or self.record_dir is None:
            return None
        run = failing_run(self.tap, result.failure, self.scenarios)
        return None if run is None else run.write(self.record_dir / "failing.itf.json")

    def explain(
        self,
        result: ConformanceResult,
        *,
        seed: int | None,
        command: Sequence[str],
        shrunk: bool = True,
    ) -> str:
        """The failure block: seed, violated property, the program, one command."""
        run = failing_run(self.tap, result.failure, self.scenarios)
        program = program_lines(run, self.schema) if run is not None else []
        return failure_report(
            seed=seed, failure=result.failure, program=program, command=command, shrunk=shrunk
        )
