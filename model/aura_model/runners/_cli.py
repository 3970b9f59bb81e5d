"""``aura-verify tools``: which external checkers can run here, and why not."""

from __future__ import annotations

import argparse
import json

from aura_model.runners._engine import ENGINES, detect

__all__ = ["configure_tools"]


def configure_tools(parser: argparse.ArgumentParser) -> None:
    """Sub-command ``tools``: print Apalache's and TLC's availability (exit 0 either way)."""
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    rows = {}
    for engine in ENGINES:
        status = detect(engine)
        rows[engine] = {
            "available": status.available,
            "reason": status.reason,
            "argv": list(status.argv),
            "java": status.java.banner if status.java else None,
        }
    if args.json:
        print(json.dumps(rows, sort_keys=True))
    else:
        for engine, row in rows.items():
            state = "available" if row["available"] else "SKIPPED"
            print(f"{engine}: {state}: {row['reason']}")
    return 0
