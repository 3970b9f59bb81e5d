"""``aura-verify prove``: the Z3 proofs, as a table or JSON (see ``docs/proofs.md``).

Exit 0 when every row meets its expectation, 1 when one does not, 2 when
``--model`` or ``--only`` names nothing.
"""

from __future__ import annotations

import argparse
import json
import sys

__all__ = ["configure_prove"]


def _depth(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be >= 0, got {value}")
    return value


def _jobs(text: str) -> int:
    value = _depth(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, got {value}")
    return value


def _run(args: argparse.Namespace) -> int:
    from aura_model.z3 import UnknownObligation, prove_all

    try:
        report = prove_all(
            args.depth,
            None if args.model is None else [args.model],
            only=args.only,
            jobs=args.jobs,
        )
    except UnknownObligation as exc:
        print(f"aura-verify prove: error: {exc}", file=sys.stderr)
        return 2
    if args.json:
        json.dump(report.as_json(), sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        print(report.format_table())
        if args.traces:
            print(report.format_traces())
    return 0 if report.ok else 1


def configure_prove(parser: argparse.ArgumentParser) -> None:
    """Sub-command ``prove``: the Z3 proofs, as a table or JSON."""
    # The model names come from the Z3 registry: configuring imports Z3.
    from aura_model.z3 import DEFAULT_DEPTH, model_names

    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument(
        "--depth",
        type=_depth,
        default=DEFAULT_DEPTH,
        metavar="N",
        help=f"bounded model checking depth, >= 0 (default {DEFAULT_DEPTH})",
    )
    parser.add_argument(
        "--model",
        choices=model_names(),
        metavar="NAME",
        help="run one model only: " + ", ".join(model_names()),
    )
    parser.add_argument(
        "--only",
        metavar="ROW",
        help="run one row only (its name in the invariant column, e.g. 'GCBudgetWithinLimit', "
        "'all invariants', an action name for its witness, 'Inv [BUG_Flag]' for a twin)",
    )
    parser.add_argument(
        "--jobs",
        type=_jobs,
        default=None,
        metavar="N",
        help="worker processes (default: the machine's cores, at most 4)",
    )
    parser.add_argument(
        "--traces",
        action="store_true",
        help="also print every action witness and counterexample as a state table",
    )
    parser.set_defaults(func=_run)
