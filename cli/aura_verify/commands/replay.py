"""``aura-verify replay``: re-drive a recorded run on a backend, judged by the spec."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

__all__ = ["configure_replay", "run_replay"]

SPECS = ("guard", "epoch", "descriptor", "relay")

# As ``conform``'s: a verdict is 0 or 1, bad input 2, a backend that cannot be driven 3.
EXIT_CONFORMANT = 0
EXIT_NOT_CONFORMANT = 1
EXIT_USAGE = 2
EXIT_BACKEND = 3
EXIT_INCOMPLETE = 4


def configure_replay(p: argparse.ArgumentParser) -> None:
    p.description = (
        "Send the requests recorded in an ITF trace (aura-verify conform --record) to a "
        "backend, in order, and judge every step by the spec with the step validator and "
        "the harness's checks, not by the recorded states: a bug's trace fails on the "
        "backend that has the bug and passes on a correct one. A request the backend "
        "refuses is skipped and listed. Exit 0: every step was served and conforms; 1: a "
        "step does not "
        "(its number, action and violated property are printed); 2: the trace is missing "
        "or malformed, or no backend has the name given; 3: the backend could not be driven; "
        "4: no verdict, the backend refused some requests (listed) and conformed on the rest."
    )
    p.add_argument("trace", type=Path, metavar="TRACE", help="an ITF trace written by --record")
    p.add_argument(
        "--backend",
        default="ref",
        metavar="ref|VARIANT|CMD",
        help="'ref', a wrong in-process backend of the spec (aura-verify conform --help lists "
        "them) or, for a spec driven over stdio, a command speaking the protocol of "
        "docs/backend-protocol.md",
    )
    p.add_argument(
        "--spec",
        choices=SPECS,
        help="the spec the trace belongs to (default: the one whose variables it has)",
    )
    p.add_argument("--timeout", type=float, default=10.0, help="seconds per backend reply")
    p.set_defaults(func=run_replay)


def _error(message: str, code: int = EXIT_USAGE) -> int:
    print(f"aura-verify replay: {message}", file=sys.stderr)
    return code


def run_replay(args: argparse.Namespace) -> int:
    from aura_conformance.harness.errors import BackendError, ConformanceError, TraceReplayError
    from aura_conformance.harness.replay import load_program, read_trace, replay_program
    from aura_conformance.spec_harnesses import SPEC_HARNESSES, spec_of_variables

    if not 0 < args.timeout < float("inf"):
        return _error(f"--timeout must be positive, got {args.timeout}")
    try:
        trace = read_trace(args.trace)
        harness = SPEC_HARNESSES[args.spec] if args.spec else spec_of_variables(tuple(trace.vars))
        if harness is None:
            return _error(f"{args.trace}: its variables are no spec's; give --spec")
        program = load_program(
            trace, harness.schema, source=str(args.trace), actions=frozenset(harness.table())
        )
    except TraceReplayError as exc:
        return _error(str(exc).splitlines()[0])
    try:
        backend = harness.open(args.backend, args.timeout)
    except BackendError as exc:
        # A plain one names no backend we have (an unknown variant, an empty command).
        return _error(str(exc), EXIT_USAGE if type(exc) is BackendError else EXIT_BACKEND)
    try:
        verdict = replay_program(program, harness.machine(backend), harness.drive)
    except TraceReplayError as exc:
        return _error(f"{args.trace}: {str(exc).splitlines()[0]}")
    except ConformanceError as exc:  # a crash, a timeout, a malformed reply
        return _error(f"backend {backend.name}: {exc}", EXIT_BACKEND)
    finally:
        backend.close()
    for step, action, reason in verdict.refused:
        print(f"  step {step} ({action}) refused by the backend, skipped: {reason}")
    if verdict.failure is None and not verdict.complete:
        print(
            f"{args.trace}: no verdict: {backend.name} refused {len(verdict.refused)} of "
            f"{verdict.steps} requests and conformed to {harness.module} on the others"
        )
        return EXIT_INCOMPLETE
    if verdict.failure is None:
        print(
            f"{args.trace}: {backend.name} conforms to {harness.module} on all "
            f"{verdict.steps} steps"
        )
        return EXIT_CONFORMANT
    from aura_conformance.harness.report import violated_properties

    text = str(verdict.failure)
    print(
        f"{args.trace}: {backend.name} does NOT conform to {harness.module} at step "
        f"{verdict.failed_step} of {len(program)} ({verdict.failed_action})\n"
        f"violated: {violated_properties(text)}\n{text}"
    )
    return EXIT_NOT_CONFORMANT
