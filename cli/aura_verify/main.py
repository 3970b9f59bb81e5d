"""``aura-verify``: the command-line entry point.

With no sub-command it runs every verification stage (what ``make verify`` does),
writes ``report.json`` and ``junit.xml`` (and the HTML report) under
``build/verify/``, and exits 0 only when no stage failed (with ``--strict``: and
none was skipped). Sub-commands expose single tools. See docs/ci.md.
"""

from __future__ import annotations

import argparse
import os
import secrets
import shlex
import signal
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from aura_verify.commands import COMMANDS
from aura_verify.run import RunSettings, run_stages
from aura_verify.stages import PROFILES, STAGES

__all__ = ["build_parser", "main", "run_stages"]

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2

_EPILOG = f"""stages (in order):
{chr(10).join(f"  {s.name:<18} {s.summary}" for s in STAGES)}

exit codes (no sub-command):
  {EXIT_OK}  no stage failed (with --strict: none failed and none was skipped)
  {EXIT_FAILED}  a stage failed (with --strict: or was skipped)
  {EXIT_USAGE}  usage: an unknown stage, a bad option

Artefacts: OUT/report.json, OUT/junit.xml, OUT/report.html (OUT: --out, default
build/verify). Every word the stages print, and CI recipes: docs/ci.md."""


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The full parser; only ``command``'s sub-parser gets its arguments.

    Configuring a sub-command can import its engine (``prove`` lists the Z3
    models, ``conform`` the backends), so the others stay bare: ``--help`` and
    the stage run then import no engine at all.
    """
    parser = argparse.ArgumentParser(
        prog="aura-verify",
        description="Verification harness for the Aura rendezvous protocol. Without a "
        "sub-command: run every verification stage (make verify).",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _add_run_options(parser)
    sub = parser.add_subparsers(dest="command")
    for name, entry in COMMANDS.items():
        sub_parser = sub.add_parser(name, help=entry.help)
        if name == command:
            entry.configure(sub_parser)
    return parser


def _seed(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be >= 0, got {value}")
    return value


def _add_run_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--stage",
        action="append",
        metavar="NAME",
        help="run only this stage (repeatable); stages: "
        + ", ".join(stage.name for stage in STAGES),
    )
    parser.add_argument(
        "--profile",
        choices=PROFILES,
        default="default",
        help="default: the bounds make verify uses (about 3 minutes on a quiet 2-core "
        "machine); deep: "
        "nightly bounds, a random seed unless --seed, Hypothesis's example database "
        "kept under OUT/hypothesis",
    )
    parser.add_argument(
        "--seed",
        type=_seed,
        metavar="N",
        help="seed of the random stages (conformance); default: the profile's "
        "(fixed for default, random and printed for deep)",
    )
    parser.add_argument(
        "--strict", action="store_true", help="a SKIPPED stage fails the run too (exit 1)"
    )
    parser.add_argument(
        "--jobs",
        type=int,
        choices=(1, 2),
        default=2,
        metavar="N",
        help="2 (default): Z3, vectors and conformance run in a second process beside "
        "spec-check; 1: one stage at a time",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=Path("build/verify"),
        metavar="DIR",
        help="where the report goes (default build/verify)",
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
    _add_run_options(probe)
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


def _settings(args: argparse.Namespace) -> RunSettings:
    seed = args.seed
    if seed is None and args.profile == "deep":
        seed = secrets.randbelow(2**32)
    argv = ["aura-verify"]
    if args.profile != "default":
        argv += ["--profile", args.profile]
    if seed is not None:
        argv += ["--seed", str(seed)]
    return RunSettings(
        profile=args.profile,
        seed=seed,
        strict=args.strict,
        out=args.out,
        command=shlex.join(argv),
        jobs=args.jobs,
    )


def main(argv: Sequence[str] | None = None) -> int:
    try:
        return _main(argv)
    except BrokenPipeError:
        # The reader went away (``aura-verify conform ... | head``): not an
        # error of ours. Point stdout at /dev/null so the interpreter's final
        # flush does not raise again, and exit as a process killed by SIGPIPE.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 128 + signal.SIGPIPE


def _main(argv: Sequence[str] | None) -> int:
    words = sys.argv[1:] if argv is None else list(argv)
    args = build_parser(_command_of(words)).parse_args(words)
    if args.command is None:
        return run_stages(args.stage, _settings(args))
    code = args.func(args)
    assert isinstance(code, int)
    return code
