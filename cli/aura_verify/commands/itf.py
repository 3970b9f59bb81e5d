"""``aura-verify itf FILE...``: validate ITF trace files (strict unless ``--lenient``)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

__all__ = ["configure_itf"]


def configure_itf(parser: argparse.ArgumentParser) -> None:
    """Sub-command ``itf``: load each file; exit 1 if any is not valid ITF."""
    parser.add_argument("files", nargs="+", type=Path, metavar="FILE", help="ITF JSON traces")
    parser.add_argument(
        "--lenient", action="store_true", help="accept legacy plain-number integers"
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object per file")
    parser.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    from aura_model.itf import ItfError, load_trace

    bad = 0
    for path in args.files:
        try:
            trace = load_trace(path, lenient=args.lenient)
        except ItfError as exc:
            bad += 1
            row = {"file": str(path), "ok": False, "path": exc.path, "error": exc.reason}
            print(json.dumps(row) if args.json else f"{path}: INVALID {exc.path}: {exc.reason}")
            continue
        row = {
            "file": str(path),
            "ok": True,
            "states": len(trace.states),
            "vars": list(trace.vars),
            "loop": trace.loop,
        }
        text = f"{path}: OK {len(trace.states)} states, vars {', '.join(trace.vars)}"
        print(json.dumps(row) if args.json else text)
    return 1 if bad else 0
