"""TLC: command line and console-output parser.

The parser reads the lines that the TLA+ corpus README ("How the figures were
obtained") lists as the source of each manifest figure.
"""

from __future__ import annotations

import re
from pathlib import Path

from aura_model.runners._detect import ToolStatus
from aura_model.runners._result import EngineResult, RunnerError

__all__ = ["parse_tlc_output", "tlc_command"]

_COUNTS = re.compile(
    r"^([\d,]+) states generated, ([\d,]+) distinct states found, ([\d,]+) states left on queue\."
)
_DEPTH = re.compile(r"^The depth of the complete state graph search is (\d+)\.")
_STATE = re.compile(r"^State (\d+): ?(.*)$")
_BACK = re.compile(r"^Back to state (\d+)")
_VERDICTS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^Error: Invariant (\S+) is violated"), "invariant"),
    (re.compile(r"^Error: Deadlock reached\."), "deadlock"),
    (re.compile(r"^Error: Action property (.+?) is violated\."), "property"),
    (re.compile(r"^Error: Temporal property (.+?) was violated\."), "property"),
    (re.compile(r"^Error: Temporal properties were violated\."), "property"),
    (re.compile(r"^Error: Assumption (.+?) is false\."), "assume"),
)
_OK = "Model checking completed. No error has been found."


def tlc_command(
    tool: ToolStatus,
    spec: Path,
    cfg: Path | None,
    *,
    deadlock: bool | None,
    metadir: Path,
    workers: int = 1,
) -> list[str]:
    """The TLC argv used for the corpus figures: one worker, no trace-explorer spec.

    ``deadlock=False`` adds ``-deadlock`` (which turns deadlock checking *off*);
    ``None`` and ``True`` leave TLC's default (on, unless the cfg says otherwise).
    """
    if not tool.available:
        raise RunnerError(f"TLC is not available: {tool.reason}")
    argv = [*tool.argv, "-workers", str(workers), "-noGenerateSpecTE", "-metadir", str(metadir)]
    if deadlock is False:
        argv.append("-deadlock")
    if cfg is not None:
        argv += ["-config", str(cfg)]
    argv.append(spec.name)
    return argv


def _int(text: str) -> int:
    return int(text.replace(",", ""))


def parse_tlc_output(
    text: str, exit_code: int, *, seconds: float = 0.0, source: str = "tlc output"
) -> EngineResult:
    """Read TLC's console output (and exit code) into an :class:`EngineResult`.

    ``result``/``violated`` come from the verdict lines, counts from the *last*
    ``... states generated ...`` line, ``trace_length`` counts ``State N:`` entries
    except a final ``Stuttering`` marker (``Back to state K`` is not counted). A
    non-zero exit code with no known verdict is ``error``; exit 0 with no
    completion line raises :class:`RunnerError` (the output is not TLC's).
    """
    if not isinstance(text, str):
        raise RunnerError("output must be text", source=source)
    lines = [line.rstrip() for line in text.splitlines()]
    result: str | None = None
    violated: str | None = None
    error_line = ""
    counts: tuple[int, int] | None = None
    depth: int | None = None
    trace = 0
    loop: str | None = None
    for line in lines:
        if line == _OK or line.startswith(_OK):
            result = result or "ok"
            continue
        if m := _COUNTS.match(line):
            counts = (_int(m.group(1)), _int(m.group(2)))
            continue
        if m := _DEPTH.match(line):
            depth = int(m.group(1))
            continue
        if m := _STATE.match(line):
            if m.group(2).strip() == "Stuttering":
                loop = "stuttering"
            else:
                trace += 1
            continue
        if m := _BACK.match(line):
            loop = f"back to state {m.group(1)}"
            continue
        if line.startswith("Error:") and result in (None, "ok"):
            for pattern, kind in _VERDICTS:
                if vm := pattern.match(line):
                    result = kind
                    violated = vm.group(1) if vm.groups() else None
                    break
            else:
                if not error_line and not line.startswith("Error: The behavior up to"):
                    error_line = line.removeprefix("Error:").strip()
    if result is None or (result == "ok" and exit_code != 0):
        if exit_code == 0:
            raise RunnerError(
                "exit code 0 but no 'Model checking completed' line: not TLC output", source=source
            )
        result = "error"
    if result == "ok" and error_line:
        result = "error"
    if result == "invariant" and trace == 0 and any("by the initial state" in x for x in lines):
        # TLC prints the violating initial state without a "State 1:" header.
        trace = 1
    return EngineResult(
        engine="tlc",
        result=result,
        violated=violated,
        distinct_states=counts[1] if counts else None,
        states_generated=counts[0] if counts else None,
        depth=depth,
        trace_length=trace or None,
        seconds=seconds,
        exit_code=exit_code,
        trace_loop=loop,
        message=error_line,
    )
