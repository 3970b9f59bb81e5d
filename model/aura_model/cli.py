"""``aura-verify``: the command-line entry point.

With no sub-command it runs every verification stage (what ``make verify`` does)
and exits non-zero when any stage fails. Sub-commands expose single tools.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import time
from collections.abc import Callable, Sequence

from aura_model.stages import STAGES, StageResult, Status

# Sub-command name -> "module:function" taking the argparse sub-parser to configure;
# the function sets ``func`` (args -> exit code) as a default on that parser.
SUBCOMMANDS: dict[str, tuple[str, str]] = {}
SUBCOMMANDS["prove"] = ("aura_model.z3:configure_prove", "Z3 proofs, BMC, witnesses, bug twins")
SUBCOMMANDS["itf"] = ("aura_model.itf:configure_itf", "validate ITF trace files")
SUBCOMMANDS["tools"] = ("aura_model.runners:configure_tools", "Apalache/TLC availability")
SUBCOMMANDS["check"] = ("aura_model.tla._cli:configure_check", "embedded TLA+ model checker")
SUBCOMMANDS["simulate"] = ("aura_model.tla._cli:configure_simulate", "random TLA+ simulation")
SUBCOMMANDS["conform"] = ("aura_conformance:configure_conform", "conformance vs a backend")


def _load(ref: str) -> Callable[..., object]:
    module, _, name = ref.partition(":")
    fn: object = getattr(importlib.import_module(module), name)
    assert callable(fn)
    return fn


def run_stages(selected: Sequence[str] | None = None) -> int:
    """Run the verification stages; print one line per stage and a summary."""
    known = [name for name, _ in STAGES]
    unknown = [name for name in selected or () if name not in known]
    if unknown:
        print(
            f"[aura-verify] unknown stage(s): {', '.join(unknown)}; known: {', '.join(known)}",
            file=sys.stderr,
        )
        return 2
    results: list[StageResult] = []
    for name, ref in STAGES:
        if selected and name not in selected:
            continue
        print(f"[aura-verify] {name} ...", flush=True)
        started = time.perf_counter()
        result = _load(ref)()
        assert isinstance(result, StageResult)
        elapsed = time.perf_counter() - started
        results.append(result)
        print(f"[aura-verify] {name}: {result.status.value} ({elapsed:.1f}s) {result.detail}")
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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="aura-verify",
        description="Verification harness for the Aura rendezvous protocol.",
    )
    parser.add_argument(
        "--stage",
        action="append",
        metavar="NAME",
        help="run only this stage (repeatable); stages: " + ", ".join(name for name, _ in STAGES),
    )
    sub = parser.add_subparsers(dest="command")
    for name, (ref, help_text) in SUBCOMMANDS.items():
        configure = _load(ref)
        configure(sub.add_parser(name, help=help_text))
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        return run_stages(args.stage)
    func = args.func
    code = func(args)
    assert isinstance(code, int)
    return code


if __name__ == "__main__":
    sys.exit(main())
