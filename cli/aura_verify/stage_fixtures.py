"""The ``apalache-fixtures`` stage: Apalache's real outputs decode as documented.

``../shared/fixtures/apalache`` holds what Apalache writes (ITF traces, a
``.tla`` counterexample, console tails, JSON-RPC replies; its README says where
each came from). The stage reads each with the reader the Apalache runner uses
(:mod:`aura_model.itf`, :func:`~aura_model.runners.parse_counterexample_tla`,
:func:`~aura_model.runners.parse_apalache_output`,
:func:`~aura_model.runners.parse_rpc_response`) and holds it to what the README
says it shows, so the Apalache stage's readers are exercised even where
Apalache is not installed. SKIPPED with the reason when the folder is absent.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from pathlib import Path

from aura_model.stages import StageResult, Status

from aura_verify.stage_vectors import shared_dir

__all__ = ["ITF_FIXTURES", "OUTPUT_FIXTURES", "stage_apalache_fixtures"]

# file -> (states, strict ITF): the legacy traces (plain JSON integers) must be
# refused by the strict reader and read by the lenient one.
ITF_FIXTURES: dict[str, tuple[int, bool]] = {
    "adr015-MissionariesAndCannibals.itf.json": (6, True),
    "writer-all-value-kinds.itf.json": (1, True),
    "writer-params-and-const-state0.itf.json": (1, True),
    "SumTypes0.itf.json": (3, True),
    "TestInsufficientSuccess9.itf.json": (5, False),
    "DecideNonProposerTest0.itf.json": (36, False),
}
# console tail -> (exit code, result, trace length)
OUTPUT_FIXTURES: dict[str, tuple[int, str, int | None]] = {
    "check-violation-temporal.txt": (12, "invariant", 4),
    "check-noerror-temporal.txt": (0, "ok", None),
    "check-noerror-entry-tutorial.txt": (0, "ok", None),
}


def _traces(folder: Path, figures: dict[str, int | float]) -> list[str]:
    from aura_model import itf

    problems = []
    for name, (states, strict) in ITF_FIXTURES.items():
        path = folder / "itf" / name
        try:
            trace = itf.load_trace(path, lenient=not strict)
        except (itf.ItfError, OSError) as exc:
            problems.append(f"itf/{name}: {exc}")
            continue
        if len(trace.states) != states:
            problems.append(f"itf/{name}: {len(trace.states)} states, expected {states}")
            continue
        if not strict:
            try:
                itf.load_trace(path)
            except itf.ItfError:
                pass  # refused, as a legacy trace must be
            else:
                problems.append(f"itf/{name}: legacy integers accepted by the strict reader")
                continue
        figures["traces"] += 1
        figures["states"] += states
    return problems


def _counterexample(folder: Path, figures: dict[str, int | float]) -> list[str]:
    from aura_model import itf
    from aura_model.runners import RunnerError, parse_counterexample_tla

    path = folder / "tla" / "adr015-counterexample.tla"
    twin = folder / "itf" / "adr015-MissionariesAndCannibals.itf.json"
    try:
        cex = parse_counterexample_tla(path.read_text(encoding="utf-8"), source=str(path))
        trace = itf.load_trace(twin)
    except (RunnerError, itf.ItfError, OSError) as exc:
        return [f"tla/{path.name}: {exc}"]
    boats = [re.search(r'bank_of_boat = "(\w)"', s) for s in cex.states]
    if [m.group(1) if m else None for m in boats] != [s["bank_of_boat"] for s in trace.states]:
        return [f"tla/{path.name}: its states are not those of its ITF twin {twin.name}"]
    figures["counterexamples"] += 1
    return []


def _outputs(folder: Path, figures: dict[str, int | float]) -> list[str]:
    from aura_model.runners import RunnerError, parse_apalache_output

    problems = []
    for name, (code, result, length) in OUTPUT_FIXTURES.items():
        path = folder / "stdout" / name
        try:
            got = parse_apalache_output(path.read_text(encoding="utf-8"), code)
        except (RunnerError, OSError) as exc:
            problems.append(f"stdout/{name}: {exc}")
            continue
        if (got.result, got.trace_length) != (result, length):
            problems.append(
                f"stdout/{name}: read as {got.result} (trace {got.trace_length}), "
                f"expected {result} (trace {length})"
            )
            continue
        figures["outputs"] += 1
    return problems


def _rpc(folder: Path, figures: dict[str, int | float]) -> list[str]:
    from aura_model.runners import RpcError, RunnerError, parse_rpc_response

    path = folder / "jsonrpc" / "readme-examples.json"
    try:
        examples = json.loads(path.read_text(encoding="utf-8"))["examples"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        return [f"jsonrpc/{path.name}: unreadable ({type(exc).__name__}: {exc})"]
    problems = []
    for i, example in enumerate(examples):
        try:
            parse_rpc_response(example["response"], source=f"{path.name}[{i}]")
        except (RpcError, RunnerError, KeyError, TypeError) as exc:
            problems.append(f"jsonrpc/{path.name}[{i}]: {exc}")
            continue
        figures["rpc_replies"] += 1
    return problems


_READERS: tuple[Callable[[Path, dict[str, int | float]], list[str]], ...] = (
    _traces,
    _counterexample,
    _outputs,
    _rpc,
)


def stage_apalache_fixtures() -> StageResult:
    """PASS iff every fixture decodes to what its README says."""
    started = time.perf_counter()
    folder = shared_dir() / "fixtures" / "apalache"
    if not folder.is_dir():
        return StageResult(
            "apalache-fixtures",
            Status.SKIPPED,
            f"no Apalache fixtures at {folder} (set AURA_SHARED)",
        )
    figures: dict[str, int | float] = dict.fromkeys(
        ("traces", "states", "counterexamples", "outputs", "rpc_replies"), 0
    )
    problems: list[str] = []
    for read in _READERS:
        problems += read(folder, figures)
    detail = (
        f"{figures['traces']} ITF traces ({figures['states']} states), "
        f"{figures['counterexamples']} counterexample module, {figures['outputs']} console "
        f"outputs, {figures['rpc_replies']} RPC replies decoded"
    )
    if problems:
        detail = f"{len(problems)} failed: " + "; ".join(problems) + "; " + detail
    status = Status.FAIL if problems else Status.PASS
    return StageResult(
        "apalache-fixtures", status, detail, time.perf_counter() - started, figures=figures
    )
