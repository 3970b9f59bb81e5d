"""``aura-verify conform`` and the ``conformance`` stage of ``make verify``."""

from __future__ import annotations

import argparse
import json
import os
import shlex
import shutil
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, cast

from aura_model.stages import StageResult, Status

from aura_verify.commands.stage_progress import StageProgress

if TYPE_CHECKING:
    from aura_conformance import Backend, ConformanceResult

    from aura_verify.conformance_evidence import ConformanceEvidence

__all__ = [
    "EXIT_BACKEND",
    "EXIT_CONFORMANT",
    "EXIT_INCOMPLETE",
    "EXIT_NOT_CONFORMANT",
    "EXIT_USAGE",
    "STAGE_EXAMPLES",
    "STAGE_SEED",
    "STAGE_STDIO_EXAMPLES",
    "configure_conform",
    "stage_conformance",
]

# The stage's run: fixed seed, short, against the reference backend.
STAGE_EXAMPLES = 40
STAGE_SEED = 20261124
# Over stdio every step crosses a pipe twice: fewer runs keep the stage short.
STAGE_STDIO_EXAMPLES = 20
# The stage says what it is doing at least this often.
_PROGRESS_SECONDS = 5.0

EXIT_CONFORMANT = 0
EXIT_NOT_CONFORMANT = 1
EXIT_USAGE = 2
EXIT_BACKEND = 3
EXIT_INCOMPLETE = 4

_EXIT_CODES = f"""exit codes:
  {EXIT_CONFORMANT}  conformant (with --replay: the trace was reproduced)
  {EXIT_NOT_CONFORMANT}  not conformant: a step the spec does not allow or a broken invariant
     (with --replay: the backend diverged from the trace)
  {EXIT_USAGE}  usage or bad input: an unknown spec or backend, a missing backend
     program or trace file, a number out of range
  {EXIT_BACKEND}  the backend could not be driven: it crashed, timed out, sent a malformed
     reply, refused a request or speaks another protocol version
  {EXIT_INCOMPLETE}  no verdict: no violation found, but the backend declared actions
     unsupported, so they were skipped (listed on stderr)

The stdio protocol a backend program speaks: docs/backend-protocol.md."""

_NETWORK_EXITS = {
    "conformant": EXIT_CONFORMANT,
    "not conformant": EXIT_NOT_CONFORMANT,
    "usage": EXIT_USAGE,
    "backend": EXIT_BACKEND,
}

_SPECS = ("guard", "epoch", "descriptor", "relay", "wire")


class _ConformUsage(Exception):
    """Bad input to ``conform``: one line on stderr, exit 2."""


def _count(least: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None
        if value < least:
            raise argparse.ArgumentTypeError(f"must be at least {least}, got {value}")
        return value

    return parse


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError(f"must be a positive number of seconds, got {text}")
    return value


def _jobs(text: str) -> int:
    # 0 (or 'auto') is one worker per CPU, resolved when the run starts.
    if text == "auto":
        return 0
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer or 'auto': {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be at least 1 (or 0 or 'auto'), got {value}")
    return value


def _one_line_error(message: str) -> NoReturn:
    # argparse would print the whole usage first; one line names the problem.
    print(f"aura-verify conform: {message} (see aura-verify conform --help)", file=sys.stderr)
    raise SystemExit(EXIT_USAGE)


def configure_conform(p: argparse.ArgumentParser) -> None:
    # The help lists the in-process backends: configuring imports the harness.
    from aura_conformance import DV_VARIANTS, EPOCH_VARIANTS, VARIANTS
    from aura_conformance.protocol_specs import PROTOCOL_SPECS
    from aura_conformance.relay import RELAY_VARIANTS

    over_stdio = " or ".join(k for k, s in PROTOCOL_SPECS.items() if s.over_stdio)
    p.description = (
        "Drive a backend with a spec's state machine and validate every step with the "
        "embedded checker."
    )
    p.epilog = _EXIT_CODES
    p.formatter_class = argparse.RawDescriptionHelpFormatter
    p.error = _one_line_error  # type: ignore[method-assign]
    p.add_argument(
        "--backend",
        default="ref",
        metavar="ref|VARIANT|CMD",
        help=f"'ref', a buggy variant ({', '.join(n for n in VARIANTS if n != 'ref')} for "
        f"--spec guard) or a command speaking the stdio protocol (--spec {over_stdio}; "
        "docs/backend-protocol.md)",
    )
    p.add_argument(
        "--examples", type=_count(1), default=100, metavar="N", help="Hypothesis runs (N >= 1)"
    )
    p.add_argument("--steps", type=_count(1), default=25, help="most rules per run (>= 1)")
    p.add_argument("--seed", type=_count(0), default=0, metavar="S", help="Hypothesis seed (>= 0)")
    p.add_argument(
        "--jobs",
        type=_jobs,
        default=1,
        metavar="N",
        help="split the random runs over N worker processes (default 1; 0 or 'auto': one "
        "per CPU), each with its own backend (a stdio backend: its own program) and a seed "
        "derived from --seed and its index; the directed schedules run once, the counts "
        "and the coverage are the workers' summed, a failure names its worker's seed and "
        "replays alone with --jobs 1; a worker that crashes is "
        f"exit {EXIT_BACKEND}, never a verdict",
    )
    p.add_argument(
        "--timeout",
        type=_seconds,
        default=10.0,
        metavar="SECONDS",
        help="most time a stdio backend may take per reply (default 10); "
        f"a timeout is exit {EXIT_BACKEND}, never a verdict",
    )
    p.add_argument(
        "--record",
        type=Path,
        metavar="DIR",
        help="write each run as an ITF trace, the failing one as DIR/failing.itf.json "
        "(aura-verify replay re-drives it on any backend)",
    )
    p.add_argument(
        "--coverage",
        action="store_true",
        help="print every (action, outcome) pair with its count, not the one-line summary",
    )
    p.add_argument("--replay", type=Path, metavar="FILE", help="replay an ITF trace instead")
    p.add_argument("--no-shrink", action="store_true", help="report the first failing run")
    p.add_argument(
        "--profile",
        choices=("default", "network"),
        default="default",
        help="'network': every message on loopback sockets; --spec relay once over TCP "
        "direct, QUIC and the WebSocket relay, --spec epoch once over TCP direct and QUIC "
        "(--timeout bounds each crossing; a "
        f"transport fault is exit {EXIT_BACKEND}); docs/conformance.md",
    )
    p.add_argument(
        "--spec",
        choices=_SPECS,
        default="guard",
        help="GuardChain.tla (default; any backend), EpochRotation.tla (real Noise "
        f"handshakes; in-process backends: {', '.join(EPOCH_VARIANTS)}), "
        f"DescriptorValidity.tla (in-process backends: {', '.join(DV_VARIANTS)}; or a "
        "command), "
        "Rendezvous.tla's relay path (three real services; in-process backends: "
        f"{', '.join(RELAY_VARIANTS)}) or wire (the backend plays one member, the "
        "reference the other, real bytes between them; 'ref', a wrong wire backend "
        "such as no-crypto, or a command; docs/conformance.md)",
    )
    p.set_defaults(func=run_conform)


def _command(spec: str, backend: str, variants: Iterable[str]) -> list[str]:
    """``backend`` as a program's command line, or :class:`_ConformUsage`."""
    known = ", ".join(variants)
    try:
        argv = shlex.split(backend)
    except ValueError as exc:
        raise _ConformUsage(f"--backend {backend!r}: {exc}") from None
    if not argv:
        raise _ConformUsage("--backend is empty")
    program = argv[0]
    found = shutil.which(program) if os.sep not in program else program
    if found is None or not os.path.isfile(found):
        raise _ConformUsage(
            f"--backend {backend!r}: no program {program!r} (and no {spec} backend of that "
            f"name; known: {known})"
        )
    if not os.access(found, os.X_OK):
        raise _ConformUsage(f"--backend {backend!r}: {program!r} is not executable")
    return argv


def _check_paths(args: argparse.Namespace) -> None:
    if args.replay is not None:
        if not args.replay.is_file():
            raise _ConformUsage(f"--replay {args.replay}: no such trace file")
        try:
            json.loads(args.replay.read_bytes())
        except (OSError, ValueError, RecursionError) as exc:
            raise _ConformUsage(f"--replay {args.replay}: not a JSON trace ({exc})") from None
    if args.record is not None and args.record.exists() and not args.record.is_dir():
        raise _ConformUsage(f"--record {args.record}: exists and is not a directory")
    if args.spec != "guard" and args.replay is not None:
        raise _ConformUsage("--replay needs --spec guard (aura-verify replay takes any spec)")
    if args.spec == "wire" and args.record is not None:
        raise _ConformUsage("--record is not available for --spec wire")
    if args.jobs != 1 and args.replay is not None:
        raise _ConformUsage("--jobs splits random runs; a --replay runs one trace (no --jobs)")
    if args.jobs != 1 and args.spec == "wire":
        raise _ConformUsage("--jobs is not available for --spec wire")


def _open(args: argparse.Namespace) -> Backend:
    """The backend ``--backend`` names for ``--spec``: in process, or a stdio program."""
    from aura_conformance import DV_VARIANTS, EPOCH_VARIANTS, VARIANTS
    from aura_conformance.protocol_specs import PROTOCOL_SPECS, open_stdio, reference_backend
    from aura_conformance.relay import RELAY_VARIANTS

    if args.spec == "wire":
        return _open_wire(args)
    variants: dict[str, Iterable[str]] = {
        "guard": VARIANTS,
        "epoch": EPOCH_VARIANTS,
        "descriptor": DV_VARIANTS,
        "relay": RELAY_VARIANTS,
    }
    if args.backend in variants[args.spec]:
        return reference_backend(args.spec, args.backend)
    argv = _command(args.spec, args.backend, variants[args.spec])
    spec = PROTOCOL_SPECS[args.spec]
    if not spec.over_stdio:
        over_stdio = " or ".join(k for k, s in PROTOCOL_SPECS.items() if s.over_stdio)
        raise _ConformUsage(
            f"--spec {args.spec}: {spec.module} is driven in process only; a program can be "
            f"driven with --spec {over_stdio} (docs/backend-protocol.md)"
        )
    return open_stdio(args.spec, argv, timeout=args.timeout)


def _open_wire(args: argparse.Namespace) -> Backend:
    """The wire backend: an in-process one by name, or a program speaking the Wire spec."""
    from aura_conformance.harness import StdioBackend
    from aura_conformance.wire import ACTIONS, WIRE, WIRE_MODULE, WIRE_VARIANTS, WireBackend

    if args.backend in WIRE_VARIANTS:
        return WireBackend(args.backend)
    argv = _command("wire", args.backend, WIRE_VARIANTS)
    return StdioBackend(argv, schema=WIRE, spec=WIRE_MODULE, actions=ACTIONS, timeout=args.timeout)


def _verdict(backend: Backend, outcome: ConformanceResult) -> int:
    from aura_conformance.harness import StdioBackend

    skipped: dict[str, str] = getattr(backend, "skipped", {})
    tail = backend.stderr_text() if isinstance(backend, StdioBackend) else ""
    return _judge(backend.name, outcome, skipped, tail)


def _judge(name: str, outcome: ConformanceResult, skipped: dict[str, str], tail: str) -> int:
    """Print the verdict of ``outcome`` (its backend skipped ``skipped``; ``tail``: the
    end of a stdio backend's stderr) and return the exit code."""
    if outcome.conformant and skipped:
        # Never "conformant" when part of the spec was not exercised.
        print(
            f"{outcome.backend}: no verdict, {len(skipped)} action(s) unsupported "
            f"({outcome.examples} runs, {outcome.steps} steps)"
        )
    else:
        print(outcome.summary())
    if outcome.failing_trace is not None:
        print(f"failing trace: {outcome.failing_trace}")
    for action, reason in skipped.items():
        print(f"SKIPPED {action}: unsupported ({reason})", file=sys.stderr)
    if not outcome.conformant:
        # What a program said on stderr is often the quickest way to its bug.
        if tail:
            lines = "\n".join(f"  {x}" for x in tail.rstrip("\n").splitlines())
            print(f"backend stderr (last lines):\n{lines}", file=sys.stderr)
        return EXIT_NOT_CONFORMANT
    if skipped:
        print(
            f"aura-verify conform: no verdict: {len(skipped)} action(s) unsupported by "
            f"{name} were never exercised",
            file=sys.stderr,
        )
        return EXIT_INCOMPLETE
    return EXIT_CONFORMANT


def _drive(args: argparse.Namespace, backend: Backend) -> int:
    from aura_conformance import (
        guard_chain_checker,
        replay_trace,
        run_conformance,
        run_dv_conformance,
        run_epoch_conformance,
    )
    from aura_conformance.relay import run_relay_conformance

    from aura_verify.commands.conform_output import observe, report

    runs = {"examples": args.examples, "seed": args.seed, "steps": args.steps}
    # The spec runners are typed for their in-process backend; every machine only
    # sends requests, which any Backend (a stdio one too) serves.
    any_backend = cast(Any, backend)
    if args.replay is not None:
        result = replay_trace(args.replay, backend, guard_chain_checker())
        print(f"{args.replay}: {backend.name} reproduces all {result.steps} steps")
        return EXIT_CONFORMANT
    if args.spec == "wire":
        from aura_conformance.wire import run_wire_conformance
        from aura_conformance.wire.coverage import WireCoverage

        counts = WireCoverage()
        code = _verdict(backend, run_wire_conformance(backend, coverage=counts, **runs))
        coverage = counts.report()
        print(coverage.table() if args.coverage else coverage.summary())
        return code
    if args.jobs != 1:
        return _drive_split(args, backend)
    watch = observe(args, backend)
    try:
        shrink = not args.no_shrink
        if args.spec == "epoch":
            outcome = run_epoch_conformance(any_backend, shrink=shrink, **runs)
        elif args.spec == "descriptor":
            outcome = run_dv_conformance(any_backend, shrink=shrink, **runs)
        elif args.spec == "relay":
            outcome = run_relay_conformance(any_backend, shrink=shrink, **runs)
        else:
            outcome = run_conformance(
                backend, record_dir=args.record, shrink=not args.no_shrink, **runs
            )
    finally:
        watch.close()
    code = _verdict(backend, outcome)
    report(args, watch, outcome)
    return code


def _drive_split(args: argparse.Namespace, backend: Backend) -> int:
    """The random runs split over ``--jobs`` workers; this process is worker 0, on
    ``backend``, and runs the directed schedules."""
    from aura_conformance.harness.pool import resolve_jobs, run_shares, split

    from aura_verify.commands.conform_jobs import ConformJob, drive_share, merge, run_share
    from aura_verify.commands.conform_output import report_merged

    shares = split(args.seed, args.examples, resolve_jobs(args.jobs))
    job = ConformJob(
        args.spec, args.backend, args.steps, args.timeout, not args.no_shrink, args.record
    )
    outcomes = run_shares(run_share, job, shares, lambda share: drive_share(share, job, backend))
    merged = merge(backend.name, args.spec, outcomes, args.record)
    tail = merged.failing.stderr if merged.failing is not None else ""
    code = _judge(backend.name, merged.outcome, merged.skipped, tail)
    report_merged(args, merged)
    return code


def run_conform(args: argparse.Namespace) -> int:
    from aura_conformance.harness import (
        ActionUnsupported,
        BackendError,
        ConformanceFailure,
        TraceReplayError,
    )

    if args.profile == "network":
        from aura_verify.commands.conform_network import run_network_profile

        if args.jobs != 1:
            print(
                "aura-verify conform: --jobs is not available with --profile network",
                file=sys.stderr,
            )
            return EXIT_USAGE

        return run_network_profile(args, _NETWORK_EXITS)
    try:
        _check_paths(args)
        backend = _open(args)
    except _ConformUsage as exc:
        print(f"aura-verify conform: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except BackendError as exc:
        print(f"aura-verify conform: {exc}", file=sys.stderr)
        return EXIT_BACKEND
    try:
        return _drive(args, backend)
    except (TraceReplayError, ConformanceFailure) as exc:
        print(f"aura-verify conform: {exc}", file=sys.stderr)
        return EXIT_NOT_CONFORMANT
    except ActionUnsupported as exc:
        print(f"aura-verify conform: no verdict: {exc}", file=sys.stderr)
        return EXIT_INCOMPLETE
    except BackendError as exc:
        print(f"aura-verify conform: backend {backend.name}: {exc}", file=sys.stderr)
        return EXIT_BACKEND
    finally:
        backend.close()


def _runners() -> dict[str, Callable[..., ConformanceResult]]:
    from aura_verify.commands.conform_jobs import runners

    return runners()


def _wrong_backends_missed(
    progress: StageProgress | None = None, evidence: ConformanceEvidence | None = None
) -> tuple[int, list[str]]:
    """Every wrong backend through ``conform``'s default profile: how many ran, and
    those not rejected with the invariant ``WRONG_BACKENDS`` names (each run's
    check and failing program go to ``evidence``)."""
    from aura_conformance.protocol_specs import reference_backend
    from aura_conformance.variants import WRONG_BACKENDS

    runners = _runners()
    missed = []
    for i, ((spec, name), invariant) in enumerate(WRONG_BACKENDS.items(), 1):
        if progress is not None:
            progress.start(f"wrong backend {spec}/{name}")
        backend = reference_backend(spec, name)
        watch = evidence.watch(spec, backend) if evidence is not None else None
        try:
            outcome = runners[spec](backend, examples=100, seed=0, steps=25)
        finally:
            if watch is not None:
                watch.close()
            backend.close()
        if evidence is not None and watch is not None:
            evidence.wrong(
                key=spec, name=name, invariant=invariant, watch=watch, outcome=outcome, examples=100
            )
        rejected = not outcome.conformant and invariant in (outcome.failure or "")
        if not rejected:
            missed.append(f"{spec}/{name} (expected {invariant})")
        if progress is not None:
            verdict = f"rejected naming {invariant}" if rejected else f"NOT rejected as {invariant}"
            progress.done(
                f"wrong backend {i}/{len(WRONG_BACKENDS)} {spec}/{name}: {verdict}",
                runs=outcome.examples,
                steps=outcome.steps,
            )
    return len(WRONG_BACKENDS), missed


def _stage_reference_runs(
    progress: StageProgress,
    *,
    seed: int = STAGE_SEED,
    examples: tuple[int, int] = (STAGE_EXAMPLES, STAGE_STDIO_EXAMPLES),
    evidence: ConformanceEvidence | None = None,
) -> list[tuple[str, ConformanceResult]]:
    """The reference of every spec in process, then, for the specs the stdio protocol
    drives, served by the example program over stdio: (label, outcome) each.
    ``examples``: runs in process and over stdio; the in-process runs' checks and
    coverage go to ``evidence``."""
    from aura_conformance.protocol_specs import PROTOCOL_SPECS, open_stdio, reference_backend

    runners = _runners()
    plan = [(key, False) for key in runners]
    plan += [(key, True) for key, spec in PROTOCOL_SPECS.items() if spec.over_stdio]
    out = []
    for key, over_stdio in plan:
        label = f"{key} over stdio" if over_stdio else f"{key} in process"
        progress.start(f"reference {label}")
        backend: Backend
        if over_stdio:
            program = "aura_conformance.examples.guard_backend"
            backend = open_stdio(key, [sys.executable, "-m", program, "--spec", key], timeout=60.0)
        else:
            backend = reference_backend(key)
        runs = examples[1] if over_stdio else examples[0]
        watch = None if over_stdio or evidence is None else evidence.watch(key, backend)
        try:
            outcome = runners[key](backend, examples=runs, seed=seed)
        finally:
            if watch is not None:
                watch.close()
            backend.close()
        if evidence is not None and watch is not None:
            evidence.reference(key, watch, outcome, runs)
        verdict = "conformant" if outcome.conformant else "NOT conformant"
        progress.done(
            f"reference {label}: {verdict} ({outcome.examples} runs, {outcome.steps} steps)",
            runs=outcome.examples,
            steps=outcome.steps,
        )
        out.append((label, outcome))
    return out


def _outcome_line(label: str, outcome: ConformanceResult) -> str:
    # A stdio backend's name is its whole command line: the label says enough.
    if label.endswith("over stdio"):
        verdict = "conformant" if outcome.conformant else "NOT conformant"
        return f"{label}: {verdict} ({outcome.examples} runs, {outcome.steps} steps)"
    return f"{label}: {outcome.summary().splitlines()[0]}"


def stage_conformance(
    *,
    seed: int = STAGE_SEED,
    examples: tuple[int, int] = (STAGE_EXAMPLES, STAGE_STDIO_EXAMPLES),
) -> StageResult:
    """The reference of the three specs and Rendezvous.tla's relay path in process,
    and of the specs the stdio protocol drives over stdio, fixed seed, short runs:
    PASS iff all conform, and every wrong backend is rejected by the default
    profile naming its invariant. Prints a progress line at least every few
    seconds. ``seed`` and ``examples`` (runs in process, over stdio) set the
    reference runs; the result carries each invariant's check, the wrong
    backends' failing programs and the coverage of every harness.

    The EpochRotation schedules include late-confirmation, the divergence the
    channel layer fixed (docs/conformance.md).
    """
    from aura_conformance import BackendError
    from aura_conformance.wire.coverage import WireCoverage
    from aura_conformance.wire.stage import run_wire_stage

    from aura_verify.conformance_evidence import ConformanceEvidence

    evidence = ConformanceEvidence(seed)
    with StageProgress("conformance", interval=_PROGRESS_SECONDS) as progress:
        try:
            outcomes = _stage_reference_runs(
                progress, seed=seed, examples=examples, evidence=evidence
            )
            wrong, missed = _wrong_backends_missed(progress, evidence)
            # The wire mode: the reference over stdio, real bytes, every wire fake.
            wire_counts = WireCoverage()
            wire, wire_wrong, wire_missed = run_wire_stage(
                progress, seed=seed, coverage=wire_counts
            )
            evidence.wire(wire, wire_missed, seed, wire_counts.report())
            outcomes.append(("wire over stdio", wire))
            wrong, missed = wrong + wire_wrong, missed + wire_missed
        except BackendError as exc:
            return StageResult(
                "conformance", Status.FAIL, f"backend error: {exc}", progress.elapsed()
            )
        runs, steps, seconds = progress.runs, progress.steps, progress.elapsed()
    ok = all(o.conformant for _, o in outcomes) and not missed
    failing = [f"{label}: {o.summary()}" for label, o in outcomes if not o.conformant]
    detail = "; ".join(_outcome_line(label, o) for label, o in outcomes)
    detail += f" (seed {seed})"
    detail += f"; {wrong - len(missed)}/{wrong} wrong backends rejected naming their invariant"
    if missed:
        detail += f" (not: {', '.join(missed)})"
    detail += f"; {runs} runs, {steps} steps validated in all"
    if failing:
        detail += "\n" + "\n".join(failing)
    result = StageResult("conformance", Status.PASS if ok else Status.FAIL, detail, seconds)
    figures = {
        "runs": runs,
        "steps": steps,
        "wrong_backends": wrong,
        "rejected": wrong - len(missed),
    }
    return evidence.attach(result, figures)
