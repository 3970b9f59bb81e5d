"""``aura-verify``: the command-line entry point.

With no sub-command it runs every verification stage (what ``make verify`` does)
and exits non-zero when any stage fails. Sub-commands expose single tools.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from typing import NoReturn

from aura_model.stages import StageResult, Status

from aura_verify.commands import COMMANDS
from aura_verify.stages import STAGES


def run_stages(selected: Sequence[str] | None = None) -> int:
    """Run the verification stages; print one line per stage and a summary."""
    known = [stage.name for stage in STAGES]
    unknown = [name for name in selected or () if name not in known]
    if unknown:
        print(
            f"[aura-verify] unknown stage(s): {', '.join(unknown)}; known: {', '.join(known)}",
            file=sys.stderr,
        )
        return 2
    results: list[StageResult] = []
    for stage in STAGES:
        if selected and stage.name not in selected:
            continue
        print(f"[aura-verify] {stage.name} ...", flush=True)
        started = time.perf_counter()
        result = stage.run()
        elapsed = time.perf_counter() - started
        results.append(result)
        print(f"[aura-verify] {stage.name}: {result.status.value} ({elapsed:.1f}s) {result.detail}")
    if not results:
        print("[aura-verify] no stages selected", file=sys.stderr)
        return 2
    failed = [r.name for r in results if r.status is Status.FAIL]
    skipped = [r.name for r in results if r.status is Status.SKIPPED]
    passed = len(results) - len(failed) - len(skipped)
    print(
        f"[aura-verify] summary: {passed} passed, {len(failed)} failed, {len(skipped)} skipped"
        + (f" (failed: {', '.join(failed)})" if failed else "")
    )
    return 1 if failed else 0


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The full parser; only ``command``'s sub-parser gets its arguments.

    Configuring a sub-command can import its engine (``prove`` lists the Z3
    models, ``conform`` the backends), so the others stay bare: ``--help`` and
    the stage run then import no engine at all.
    """
    parser = argparse.ArgumentParser(
        prog="aura-verify",
        description="Verification harness for the Aura rendezvous protocol.",
    )
    _add_stage_option(parser)
    sub = parser.add_subparsers(dest="command")
    for name, entry in COMMANDS.items():
        sub_parser = sub.add_parser(name, help=entry.help)
        if name == command:
            entry.configure(sub_parser)
    return parser


def _add_stage_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--stage",
        action="append",
        metavar="NAME",
        help="run only this stage (repeatable); stages: "
        + ", ".join(stage.name for stage in STAGES),
    )


class _NotACommandLine(Exception):
    pass


class _Probe(argparse.ArgumentParser):
    # Reports a bad command line to _command_of instead of exiting: the real
    # parser then reports it with the full usage.
    def error(self, message: str) -> NoReturn:
        raise _NotACommandLine(message)


def _command_of(argv: Sequence[str]) -> str | None:
    """The sub-command ``argv`` names, found with argparse's own rules."""
    probe = _Probe(prog="aura-verify", add_help=False)
    _add_stage_option(probe)
    sub = probe.add_subparsers(dest="command")
    for name in COMMANDS:
        sub.add_parser(name, add_help=False)
    try:
        args, _ = probe.parse_known_args(argv)
    except _NotACommandLine:
        return None
    command = args.command
    assert command is None or isinstance(command, str)
    return command


def main(argv: Sequence[str] | None = None) -> int:
    words = sys.argv[1:] if argv is None else list(argv)
    args = build_parser(_command_of(words)).parse_args(words)
    if args.command is None:
        return run_stages(args.stage)
    code = args.func(args)
    assert isinstance(code, int)
    return code
