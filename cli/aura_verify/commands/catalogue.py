"""``aura-verify catalogue``: the invariant catalogue (``docs/invariants.md``),
generated from the specs, the Z3 registry and the conformance harnesses."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

__all__ = ["configure_catalogue"]


def configure_catalogue(parser: argparse.ArgumentParser) -> None:
    """Sub-command ``catalogue``: print it, write it, or check a file against it."""
    target = parser.add_mutually_exclusive_group()
    target.add_argument(
        "--write",
        type=Path,
        metavar="FILE",
        help="write the catalogue to FILE (docs/invariants.md)",
    )
    target.add_argument(
        "--check",
        type=Path,
        metavar="FILE",
        help="exit 1 if FILE differs from the generated catalogue",
    )
    parser.add_argument(
        "--report",
        type=Path,
        metavar="JSON",
        help="add one status column per engine from a run's report (build/verify/report.json)",
    )
    parser.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    from aura_verify.report.catalogue import CatalogueError, build_catalogue
    from aura_verify.report.catalogue_markdown import render_markdown
    from aura_verify.report.data import ReportError, read_report

    try:
        report = read_report(args.report) if args.report is not None else None
        text = render_markdown(
            build_catalogue(), report, args.report.name if args.report else "report.json"
        )
    except (CatalogueError, ReportError) as exc:
        print(f"[aura-verify] catalogue: {exc}", file=sys.stderr)
        return 1
    if args.write is not None:
        args.write.parent.mkdir(parents=True, exist_ok=True)
        args.write.write_text(text, encoding="utf-8")
        print(f"[aura-verify] catalogue: wrote {args.write}")
        return 0
    if args.check is not None:
        try:
            current = args.check.read_text(encoding="utf-8")
        except OSError as exc:
            print(f"[aura-verify] catalogue: {args.check}: {exc.strerror}", file=sys.stderr)
            return 1
        if current != text:
            print(
                f"[aura-verify] catalogue: {args.check} is out of date; "
                f"regenerate it with: aura-verify catalogue --write {args.check}",
                file=sys.stderr,
            )
            return 1
        print(f"[aura-verify] catalogue: {args.check} is up to date")
        return 0
    sys.stdout.write(text)
    return 0
