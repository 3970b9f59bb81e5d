"""``aura-verify check`` and ``aura-verify simulate``: the checker on the command line.

Exit codes are TLC's: 0 ok, 10 false ASSUME, 11 deadlock, 12 safety (invariant)
violation, 13 property violation, 75 evaluation error, 150 parse error (and
unsupported constructs), 151 configuration error. A spec file that does not exist
is exit 150 and a ``--config`` file that does not exist 151, whichever engine was
asked for: the check never starts, so TLC's own output cannot decide it.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from aura_model.tla import CheckResult, Model, TlaError

__all__ = ["configure_check", "configure_simulate", "run_check", "run_simulate"]

_SPEC_HELP = "the TLA+ module (.tla)"


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("spec", help=_SPEC_HELP)
    p.add_argument("--config", metavar="CFG", help="TLC configuration (default: SPEC with .cfg)")
    p.add_argument(
        "--engine",
        choices=["embedded", "apalache", "tlc"],
        default="embedded",
        help="model checker to use; apalache and tlc run as subprocesses when installed "
        "and report SKIPPED (exit 4) when they are not",
    )
    p.add_argument(
        "--no-deadlock", action="store_true", help="do not report deadlocks (TLC -deadlock)"
    )
    p.add_argument("--json", action="store_true", help="print one JSON object with the figures")
    p.add_argument("--itf", metavar="FILE", help="write the counterexample/trace as ITF JSON")


def configure_check(p: argparse.ArgumentParser) -> None:
    _common(p)
    p.add_argument(
        "--workers",
        type=int,
        default=1,
        metavar="N",
        help="accepted for TLC compatibility; the embedded checker is single-worker and "
        "runs with one worker whatever N is (it says so on stderr when N > 1)",
    )
    p.add_argument(
        "--max-states", type=int, default=None, help="stop after this many distinct states"
    )
    p.set_defaults(func=run_check)


def configure_simulate(p: argparse.ArgumentParser) -> None:
    _common(p)
    p.add_argument("--depth", type=int, default=100, help="length of each random trace")
    p.add_argument("--traces", type=int, default=10, help="number of random traces")
    p.add_argument("--seed", type=int, default=0, help="random seed (runs are reproducible)")
    p.set_defaults(func=run_simulate)


def _load(args: argparse.Namespace) -> Model | int:
    from aura_model.tla import TlaError, load_model

    try:
        return load_model(args.spec, args.config)
    except TlaError as exc:
        return _fail(exc, args)


def _fail(exc: TlaError, args: argparse.Namespace) -> int:
    from aura_model.tla import ConfigError, TlaParseError, Unsupported

    if isinstance(exc, ConfigError):
        word = "config"
    elif isinstance(exc, (TlaParseError, Unsupported)):
        word = "parse"
    else:
        word = "error"
    code = exc.exit_code
    if args.json:
        print(
            json.dumps(
                {
                    "result": "error" if word == "error" else word,
                    "violated": None,
                    "distinct_states": None,
                    "states_generated": None,
                    "depth": None,
                    "trace_length": None,
                    "seconds": 0.0,
                    "message": str(exc),
                }
            )
        )
    else:
        print(f"Error: {exc}", file=sys.stderr)
    return code


def _names(names: tuple[str, ...]) -> str:
    """TLC's list of names: "A and B", "A, B, and C"."""
    if len(names) == 2:
        return f"{names[0]} and {names[1]}"
    return ", ".join(names[:-1]) + f", and {names[-1]}"


def _report(res: CheckResult, args: argparse.Namespace, what: str, model: Model) -> int:
    from aura_model import itf
    from aura_model.tla import TlaError, steps_json

    try:
        steps = res.steps(model) if res.trace else ([], None)
        if getattr(args, "itf", None):
            doc = res.to_itf(model, steps)
            Path(args.itf).write_text(json.dumps(doc, indent=1), encoding="utf-8")
        trace_json = steps_json(res.trace, res.variables, steps[0], res.loop) if res.trace else None
    except itf.ItfError as exc:
        return _fail(TlaError(f"cannot write the trace as ITF: {exc}"), args)
    except OSError as exc:
        return _fail(TlaError(f"cannot write {args.itf}: {exc.strerror}"), args)
    if args.json:
        out: dict[str, Any] = res.summary()
        if res.message:
            out["message"] = res.message
        if len(res.violated_all) > 1:
            out["violated_all"] = list(res.violated_all)
        out["loop"] = res.loop
        out["trace"] = trace_json
        if steps[1] is not None:
            out["loop_back"] = steps[1].meta()
        print(json.dumps(out))
        return res.exit_code
    if res.initial:
        what = "Invariant" if res.result == "invariant" else "Property"
        print(f"Error: {what} {res.violated} is violated by the initial state:")
    elif res.result == "invariant":
        print(f"Error: Invariant {res.violated} is violated.")
    elif res.result == "deadlock":
        print("Error: Deadlock reached.")
    elif res.result == "property" and len(res.violated_all) > 1:
        names = _names(res.violated_all)
        print(f"Error: Temporal properties {names} were violated ({res.message}).")
    elif res.result == "property" and res.message and res.message.startswith("temporal"):
        print(f"Error: Temporal property {res.violated} was violated ({res.message}).")
    elif res.result == "property":
        print(f"Error: Action property {res.violated} is violated.")
    elif res.result == "assume":
        print(f"Error: Assumption {res.violated} is false.")
    elif res.result == "error":
        print(f"Error: {res.message}")
    if res.trace:
        print("Error trace:" if res.result != "ok" else "Trace:")
        print(res.format_table(model, steps))
    for s in res.skipped:
        print(f"SKIPPED: {s}")
    if res.states_generated is not None and not res.initial:
        print(
            f"{res.states_generated} states generated, "
            + (
                f"{res.distinct_states} distinct states found, "
                if res.distinct_states is not None
                else ""
            )
            + f"{res.queue} states left on queue."
        )
    if res.initial:
        pass  # TLC prints no statistics after an initial state's violation
    elif res.depth is not None and what == "Model checking":
        print(f"The depth of the complete state graph search is {res.depth}.")
    elif res.depth is not None:
        print(f"Longest trace: {res.depth} states.")
    if res.trace is not None:
        loop = "" if res.loop is None else f" (a lasso: the loop starts at state {res.loop + 1})"
        print(f"Trace length: {len(res.trace)} states.{loop}")
    if res.result == "ok":
        print(f"{what} completed. No error has been found.")
    elif res.result == "skipped":
        print(f"{what} completed for safety; some properties were SKIPPED (see above).")
    print(f"Finished in {res.seconds:.2f}s (result: {res.result}).")
    return res.exit_code


def _missing_input(args: argparse.Namespace) -> int | None:
    """The embedded engine's exit code when the spec or an explicit ``--config`` is not a file."""
    for what, name, code in (("spec", args.spec, 150), ("cfg", args.config, 151)):
        if name is not None and not Path(name).is_file():
            print(f"Error: {what} file not found: {name}", file=sys.stderr)
            return code
    return None


def run_check(args: argparse.Namespace) -> int:
    missing = _missing_input(args)
    if missing is not None:
        return missing
    if args.engine != "embedded":
        # Imported here so the embedded path never pays for the runners' start-up.
        from aura_model.runners import run_engine

        return run_engine(
            args.engine,
            Path(args.spec),
            Path(args.config) if args.config else None,
            deadlock=False if args.no_deadlock else None,
            json=args.json,
        )
    from aura_model.tla import TlaError, check

    model = _load(args)
    if isinstance(model, int):
        return model
    if args.workers > 1:
        print(
            f"note: --workers {args.workers}: the embedded checker runs single-worker",
            file=sys.stderr,
        )

    def progress(p: dict[str, Any]) -> None:
        print(
            f"Progress({p['depth']}): {p['states_generated']} states generated, "
            f"{p['distinct_states']} distinct states found, {p['queue']} states left on queue "
            f"({p['seconds']:.1f}s)",
            file=sys.stderr,
            flush=True,
        )

    try:
        res = check(
            model,
            deadlock=False if args.no_deadlock else None,
            max_states=args.max_states,
            progress=progress,
        )
    except TlaError as exc:
        return _fail(exc, args)
    return _report(res, args, "Model checking", model)


def run_simulate(args: argparse.Namespace) -> int:
    from aura_model.tla import TlaError, simulate

    missing = _missing_input(args)
    if missing is not None:
        return missing
    model = _load(args)
    if isinstance(model, int):
        return model
    try:
        res = simulate(
            model,
            depth=args.depth,
            traces=args.traces,
            seed=args.seed,
            deadlock=False if args.no_deadlock else None,
        )
    except TlaError as exc:
        return _fail(exc, args)
    return _report(res, args, "Simulation", model)
