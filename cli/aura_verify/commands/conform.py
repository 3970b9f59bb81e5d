"""``aura-verify conform`` and the ``conformance`` stage of ``make verify``."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from aura_model.stages import StageResult, Status

__all__ = ["STAGE_EXAMPLES", "STAGE_SEED", "configure_conform", "stage_conformance"]

# The stage's run: fixed seed, short, against the reference backend.
STAGE_EXAMPLES = 40
STAGE_SEED = 20261124


def configure_conform(p: argparse.ArgumentParser) -> None:
    # The help lists the in-process backends: configuring imports the harness.
    from aura_conformance import DV_VARIANTS, EPOCH_VARIANTS, VARIANTS
    from aura_conformance.relay import RELAY_VARIANTS

    p.description = (
        "Drive a backend with the GuardChain.tla state machine and validate every step "
        "with the embedded checker. Exit 0: conformant; 1: not conformant (or a replay "
        "diverged); 2: the backend could not be driven."
    )
    p.add_argument(
        "--backend",
        default="ref",
        metavar="ref|VARIANT|CMD",
        help=f"'ref', a buggy variant ({', '.join(n for n in VARIANTS if n != 'ref')}) or a "
        "command speaking the stdio protocol of docs/conformance.md",
    )
    p.add_argument("--examples", type=int, default=100, metavar="N", help="Hypothesis runs")
    p.add_argument("--steps", type=int, default=25, help="most rules per run")
    p.add_argument("--seed", type=int, default=0, metavar="S", help="Hypothesis seed")
    p.add_argument("--timeout", type=float, default=10.0, help="seconds per backend reply")
    p.add_argument("--record", type=Path, metavar="DIR", help="write each run as an ITF trace")
    p.add_argument("--replay", type=Path, metavar="FILE", help="replay an ITF trace instead")
    p.add_argument("--no-shrink", action="store_true", help="report the first failing run")
    p.add_argument(
        "--spec",
        choices=("guard", "epoch", "descriptor", "relay"),
        default="guard",
        help="GuardChain.tla (default; any backend), EpochRotation.tla (real Noise "
        f"handshakes; in-process backends: {', '.join(EPOCH_VARIANTS)}), "
        f"DescriptorValidity.tla (in-process backends: {', '.join(DV_VARIANTS)}) or "
        "Rendezvous.tla's relay path (three real services; in-process backends: "
        f"{', '.join(RELAY_VARIANTS)})",
    )
    p.set_defaults(func=run_conform)


def _run_epoch(args: argparse.Namespace) -> int:
    from aura_conformance import (
        BackendError,
        DescriptorBackend,
        EpochBackend,
        run_dv_conformance,
        run_epoch_conformance,
    )
    from aura_conformance.relay import RelayBackend, run_relay_conformance

    if args.record is not None or args.replay is not None:
        print("aura-verify conform: --record/--replay need --spec guard", file=sys.stderr)
        return 2
    try:
        if args.spec == "epoch":
            outcome = run_epoch_conformance(
                EpochBackend(args.backend), examples=args.examples, seed=args.seed, steps=args.steps
            )
        elif args.spec == "relay":
            outcome = run_relay_conformance(
                RelayBackend(args.backend), examples=args.examples, seed=args.seed, steps=args.steps
            )
        else:
            outcome = run_dv_conformance(
                DescriptorBackend(args.backend),
                examples=args.examples,
                seed=args.seed,
                steps=args.steps,
            )
    except BackendError as exc:
        print(f"aura-verify conform: {exc}", file=sys.stderr)
        return 2
    print(outcome.summary())
    return 0 if outcome.conformant else 1


def run_conform(args: argparse.Namespace) -> int:
    if args.spec != "guard":
        return _run_epoch(args)
    from aura_conformance import (
        BackendError,
        ConformanceFailure,
        TraceReplayError,
        guard_chain_checker,
        open_backend,
        replay_trace,
        run_conformance,
    )

    try:
        backend = open_backend(args.backend, timeout=args.timeout)
    except BackendError as exc:
        print(f"aura-verify conform: {exc}", file=sys.stderr)
        return 2
    try:
        checker = guard_chain_checker()
        if args.replay is not None:
            result = replay_trace(args.replay, backend, checker)
            print(f"{args.replay}: {backend.name} reproduces all {result.steps} steps")
            return 0
        outcome = run_conformance(
            backend,
            examples=args.examples,
            seed=args.seed,
            steps=args.steps,
            record_dir=args.record,
            shrink=not args.no_shrink,
        )
        print(outcome.summary())
        if outcome.failing_trace is not None:
            print(f"failing trace: {outcome.failing_trace}")
        return 0 if outcome.conformant else 1
    except (TraceReplayError, ConformanceFailure) as exc:
        print(f"aura-verify conform: {exc}", file=sys.stderr)
        return 1
    except BackendError as exc:
        print(f"aura-verify conform: backend {backend.name}: {exc}", file=sys.stderr)
        return 2
    finally:
        backend.close()


def stage_conformance() -> StageResult:
    """Reference backends, fixed seed, short runs of the three specs and Rendezvous.tla's
    relay path: PASS iff all conform.

    The EpochRotation schedules include late-confirmation, the divergence the
    channel layer fixed (docs/conformance.md).
    """
    from aura_conformance import (
        BackendError,
        DescriptorBackend,
        EpochBackend,
        ReferenceBackend,
        run_conformance,
        run_dv_conformance,
        run_epoch_conformance,
    )
    from aura_conformance.relay import RelayBackend, run_relay_conformance

    started = time.perf_counter()
    backend = ReferenceBackend("ref")
    try:
        outcomes = [
            run_conformance(backend, examples=STAGE_EXAMPLES, seed=STAGE_SEED),
            run_epoch_conformance(EpochBackend(), examples=STAGE_EXAMPLES, seed=STAGE_SEED),
            run_dv_conformance(DescriptorBackend(), examples=STAGE_EXAMPLES, seed=STAGE_SEED),
            run_relay_conformance(RelayBackend(), examples=STAGE_EXAMPLES, seed=STAGE_SEED),
        ]
    except BackendError as exc:
        return StageResult("conformance", Status.FAIL, f"backend error: {exc}")
    finally:
        backend.close()
    ok = all(o.conformant for o in outcomes)
    detail = "; ".join(o.summary().splitlines()[0] for o in outcomes) + f" (seed {STAGE_SEED})"
    return StageResult(
        "conformance", Status.PASS if ok else Status.FAIL, detail, time.perf_counter() - started
    )
