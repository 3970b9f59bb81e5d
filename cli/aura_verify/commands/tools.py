"""``aura-verify tools``: which external tools (Apalache, TLC, SANY) run here, and why not."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

__all__ = ["configure_tools"]


def configure_tools(parser: argparse.ArgumentParser) -> None:
    """Sub-command ``tools``: print Apalache's, TLC's and SANY's availability (exit 0)."""
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    from aura_model.runners import ENGINES, detect, sany_command

    rows = {}
    for engine in ENGINES:
        status = detect(engine)
        rows[engine] = {
            "available": status.available,
            "reason": status.reason,
            "argv": list(status.argv),
            "java": status.java.banner if status.java else None,
        }
        if engine == "tlc":
            # SANY runs from TLC's jar; a tlc wrapper script brings none.
            sany = status.available and status.jar is not None
            reason = status.reason if not status.available or sany else "no tla2tools.jar"
            rows["sany"] = {
                "available": sany,
                "reason": reason,
                "argv": sany_command(status, Path("M.tla"))[:-1] if sany else [],
                "java": rows[engine]["java"],
            }
    if args.json:
        print(json.dumps(rows, sort_keys=True))
    else:
        for engine, row in rows.items():
            state = "available" if row["available"] else "SKIPPED"
            print(f"{engine}: {state}: {row['reason']}")
    return 0
