"""TLC: command line and console-output parser.

The parser reads the lines that the TLA+ corpus README ("How the figures were
obtained") lists as the source of each manifest figure.
"""

from __future__ import annotations

import re
from pathlib import Path

from aura_model.runners._detect import ToolStatus
from aura_model.runners._result import EngineResult, RunnerError
from aura_model.runners._sany import sany_diagnostics

__all__ = ["TLC_EXIT_CODES", "parse_tlc_output", "tlc_command"]

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
    java_tmp: Path | None = None,
) -> list[str]:
    """The TLC argv used for the corpus figures: one worker, no trace-explorer spec.

    ``deadlock=False`` adds ``-deadlock`` (which turns deadlock checking *off*);
    ``None`` and ``True`` leave TLC's default (on, unless the cfg says otherwise).
    ``java_tmp`` becomes the JVM's ``java.io.tmpdir`` (jar form only): TLC unpacks the
    standard modules into a fresh ``tlc-*`` folder there and never removes the folder.
    """
    if not tool.available:
        raise RunnerError(f"TLC is not available: {tool.reason}")
    launcher = list(tool.argv)
    if java_tmp is not None and tool.jar is not None:
        launcher.insert(1, f"-Djava.io.tmpdir={java_tmp}")
    argv = [*launcher, "-workers", str(workers), "-noGenerateSpecTE", "-metadir", str(metadir)]
    if deadlock is False:
        argv.append("-deadlock")
    if cfg is not None:
        argv += ["-config", str(cfg)]
    argv.append(spec.name)
    return argv


def _int(text: str) -> int:
    return int(text.replace(",", ""))


# TLC's exit codes (tlc2.output.EC.ExitStatus) and what they mean.
TLC_EXIT_CODES: dict[int, str] = {
    0: "no error",
    10: "assumption violated",
    11: "deadlock",
    12: "safety violation",
    13: "liveness violation",
    14: "Assert failed",
    75: "evaluation error",
    76: "error evaluating an invariant or action property",
    77: "error evaluating a temporal property",
    150: "parse or semantic error",
    151: "configuration error",
    152: "state space too large",
    153: "system error",
    255: "error",
}

# The exit codes a verdict line may come with; anything else means the output and the
# exit status disagree, and the run is not trusted.
_VERDICT_EXITS: dict[str, frozenset[int]] = {
    "ok": frozenset({0}),
    "assume": frozenset({10}),
    "deadlock": frozenset({11}),
    "invariant": frozenset({12}),
    "property": frozenset({12, 13}),  # an action property is safety, a temporal one liveness
}
# A violation exit code with no verdict line TLC's version printed in words we know.
_EXIT_VERDICT = {10: "assume", 11: "deadlock", 12: "invariant", 13: "property"}

_TRACE_HEADERS = ("Error: The behavior up to this point is:", "Error: The following behavior")
_BOILERPLATE = (
    "This was probably caused by an error in the spec or model.",
    "See the User Output or TLC Console for clues to what happened.",
    "Parsing or semantic analysis failed.",
)
# A line that ends an ``Error:`` message (TLC's messages run over several lines).
_BLOCK_END = re.compile(
    r"^(Error:|State \d+:|Back to state|Finished in|Starting\.\.\.|Progress\(|"
    r"The depth of|Model checking completed|[\d,]+ states generated|"
    r"Finished computing initial states|Computing initial states)"
)
_NESTED = "Error: The error occurred when TLC was evaluating the nested"
_POSITION = re.compile(r"^\d+\. Line (\d+), column (\d+) to line \d+, column \d+ in (\S+)$")
_LOCATION = re.compile(r"line (\d+), col (\d+) to line \d+, col \d+ of module (\S+)")


def _error_blocks(lines: list[str]) -> list[list[str]]:
    """Every ``Error:`` message with its continuation lines (trace headers left out)."""
    blocks: list[list[str]] = []
    current: list[str] | None = None
    for line in lines:
        if line.startswith("Error:"):
            current = None if line.startswith(_TRACE_HEADERS) else [line]
            if current is not None:
                blocks.append(current)
            continue
        if current is None:
            continue
        if not line.strip() or _BLOCK_END.match(line):
            current = None
        else:
            current.append(line)
    return blocks


def _error_text(lines: list[str]) -> str:
    """TLC's own words for an error: ``Module.tla:line:col: message`` where it says where.

    A parse or semantic error is SANY's report, which TLC prints before ``Error:``; an
    evaluation error is located at the innermost of the nested positions TLC lists.
    """
    sany = sany_diagnostics("\n".join(lines))
    if sany:
        return "; ".join(str(d) for d in sany)
    where = ""
    messages: list[str] = []
    for block in _error_blocks(lines):
        if block[0].startswith(_NESTED):
            positions = [m for line in block[1:] if (m := _POSITION.match(line.strip()))]
            if positions:
                row, col, module = positions[-1].groups()
                where = f"{module}.tla:{row}:{col}"
            continue
        words = [block[0].removeprefix("Error:").strip(), *block[1:]]
        text = " ".join(" ".join(w.split()) for w in words if w.strip() not in _BOILERPLATE)
        if text:
            messages.append(text)
    message = "; ".join(messages)
    if not where and (m := _LOCATION.search(message)):
        where = f"{m.group(3)}.tla:{m.group(1)}:{m.group(2)}"
    if where and message:
        return f"{where}: {message}"
    return message or where


def parse_tlc_output(
    text: str, exit_code: int, *, seconds: float = 0.0, source: str = "tlc output"
) -> EngineResult:
    """Read TLC's console output (and exit code) into an :class:`EngineResult`.

    ``result``/``violated`` come from the verdict lines, counts from the *last*
    ``... states generated ...`` line, ``trace_length`` counts ``State N:`` entries
    except a final ``Stuttering`` marker (``Back to state K`` is not counted). The exit
    code must agree with the verdict (an invariant comes with 12, a deadlock with 11...):
    a violation code with no verdict line gives that result unnamed, and a disagreement
    is an ``error``. Any ``error`` carries TLC's own text, located
    (``Module.tla:line:col: message``) where TLC says where. Exit 0 with no completion
    line raises :class:`RunnerError` (the output is not TLC's).
    """
    if not isinstance(text, str):
        raise RunnerError("output must be text", source=source)
    lines = [line.rstrip() for line in text.splitlines()]
    result: str | None = None
    violated: str | None = None
    counts: tuple[int, int] | None = None
    depth: int | None = None
    trace = 0
    loop: str | None = None
    other_error = False
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
                other_error = other_error or not line.startswith(_TRACE_HEADERS)
    message = ""
    if result is None and exit_code == 0:
        raise RunnerError(
            "exit code 0 but no 'Model checking completed' line: not TLC output", source=source
        )
    if result is None and exit_code in _EXIT_VERDICT and not other_error:
        result = _EXIT_VERDICT[exit_code]
        message = f"TLC exit {exit_code} ({TLC_EXIT_CODES[exit_code]}) without a verdict line"
    elif result is None or (result == "ok" and other_error):
        result = "error"
    elif exit_code not in _VERDICT_EXITS[result]:
        meaning = TLC_EXIT_CODES.get(exit_code, "unknown exit code")
        message = f"TLC printed '{result}' but exited {exit_code} ({meaning})"
        result = "error"
    if result == "error":
        detail = _error_text(lines) or _tail(lines)
        message = "; ".join(x for x in (detail, message) if x)
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
        message=message,
    )


def _tail(lines: list[str]) -> str:
    """The last lines of an output with no ``Error:`` line (a crash, a JVM message)."""
    kept = [" ".join(line.split()) for line in lines if line.strip()][-3:]
    return " / ".join(kept)
