"""Apalache: command line, console-output parser and counterexample ``.tla`` reader.

Wording and exit codes follow the fixtures in ``../shared/fixtures/apalache``
(maintainers' CLI integration tests at release 0.62.1, and tutorial outputs).
"""

from __future__ import annotations

import re
from pathlib import Path

import attrs

from aura_model.runners._detect import ToolStatus
from aura_model.runners._result import EngineResult, RunnerError

__all__ = [
    "APALACHE_EXIT_CODES",
    "ApalacheCounterexample",
    "apalache_command",
    "parse_apalache_output",
    "parse_counterexample_tla",
]

# mod-infra ExitCodes.scala (fixtures README): the meaning of each process status.
APALACHE_EXIT_CODES = {
    0: "OK",
    12: "counterexample found (invariant, temporal property or deadlock)",
    75: "spec cannot be evaluated (unsupported or infinite construct)",
    120: "type-checking error",
    150: "syntax error",
    255: "other error",
}

# Every console line ends with a right-aligned "I@hh:mm:ss.mmm" (level@time) suffix.
_SUFFIX = re.compile(r"\s+[IEWD]@\d\d:\d\d:\d\d(?:\.\d+)?\s*$")
_OUTCOME = re.compile(r"^The outcome is: (\w+)")
_VIOLATION = re.compile(r"^State (\d+): (state|action|trace) invariant (\d+) violated\.")
_BOUND = re.compile(r"^Checker reports no error up to computation length (\d+)")
_TOTAL = re.compile(r"^Total time: ([\d.]+) sec")
_EXITCODE = re.compile(r"^EXITCODE: (?:OK|ERROR \((\d+)\))")
_SET_INV = re.compile(r"^\s*> Set an invariant to (\S+)")
_SET_TEMPORAL = re.compile(r"^\s*> Set a temporal property to (\S+)")
_TRACE_FILES = re.compile(r"^Check (?:the trace|an example state) in: (.+)$")
_ERROR_PREFIXES = ("Parsing error", "Configuration error", "Error", "Typing error")


def apalache_command(
    tool: ToolStatus,
    spec: Path,
    cfg: Path | None,
    *,
    deadlock: bool | None,
    out_dir: Path,
    length: int = 10,
) -> list[str]:
    """``apalache-mc check`` with the TLC cfg, a bounded length and a private run dir.

    ``deadlock=False`` adds ``--no-deadlock=1`` (Apalache checks deadlock by default).
    """
    if not tool.available:
        raise RunnerError(f"Apalache is not available: {tool.reason}")
    argv = [
        *tool.argv,
        "check",
        f"--out-dir={out_dir}",
        "--write-intermediate=0",
        f"--length={length}",
    ]
    if cfg is not None:
        argv.append(f"--config={cfg}")
    if deadlock is False:
        argv.append("--no-deadlock=1")
    argv.append(str(spec))
    return argv


def _strip(line: str) -> str:
    return _SUFFIX.sub("", line).rstrip()


def parse_apalache_output(
    text: str,
    exit_code: int,
    *,
    seconds: float = 0.0,
    temporal: tuple[str, ...] = (),
    invariants: tuple[str, ...] = (),
    source: str = "apalache output",
) -> EngineResult:
    """Read ``apalache-mc check`` console output (and exit code) into an :class:`EngineResult`.

    The outcome line decides ``result``: ``NoError`` and ``ExecutionsTooShort`` are
    ``ok`` (the latter with a message), ``Deadlock`` is ``deadlock``, ``Error`` is an
    ``invariant`` violation, or a ``property`` one when the violated index falls on
    a temporal property. Apalache names violations by index (``state invariant 0``);
    the names come from the ``> Set an invariant to X`` lines it prints for a TLC cfg
    (else from ``invariants``/``temporal``), invariants first. A status without an
    outcome line is ``error`` with the first error line as message, except 12 (a
    counterexample) and 0 confirmed by ``EXITCODE: OK``. ``trace_length``
    is ``N + 1`` for ``State N: ... violated`` (states 0..N); the ITF file named by
    ``Check the trace in:`` is recorded in ``trace_file``.
    """
    if not isinstance(text, str):
        raise RunnerError("output must be text", source=source)
    lines = [_strip(line) for line in text.splitlines()]
    outcome: str | None = None
    violation: tuple[int, str, int] | None = None
    bound: int | None = None
    total: float | None = None
    printed_code: int | None = None
    set_invs: list[str] = []
    set_temporal: list[str] = []
    files: list[str] = []
    error_line = ""
    for line in lines:
        if m := _OUTCOME.match(line):
            outcome = m.group(1)
        elif m := _VIOLATION.match(line):
            violation = violation or (int(m.group(1)), m.group(2), int(m.group(3)))
        elif m := _BOUND.match(line):
            bound = int(m.group(1))
        elif m := _TOTAL.match(line):
            total = float(m.group(1))
        elif m := _EXITCODE.match(line):
            printed_code = int(m.group(1)) if m.group(1) else 0
        elif m := _SET_INV.match(line):
            set_invs.append(m.group(1))
        elif m := _SET_TEMPORAL.match(line):
            set_temporal.append(m.group(1))
        elif m := _TRACE_FILES.match(line):
            files = [f.strip() for f in m.group(1).split(",")]
        elif not error_line and (
            line.startswith(_ERROR_PREFIXES) or "unsupported expression" in line
        ):
            error_line = line.strip()
    if printed_code is not None and printed_code != exit_code:
        raise RunnerError(
            f"process exit code {exit_code} but Apalache printed EXITCODE {printed_code}",
            source=source,
        )
    invs = tuple(set_invs) or invariants
    temps = tuple(set_temporal) or temporal
    names = invs + temps
    violated: str | None = None
    result: str
    message = ""
    if exit_code == 0 and (
        outcome in ("NoError", "ExecutionsTooShort") or (outcome is None and printed_code == 0)
    ):
        result = "ok"
        if outcome == "ExecutionsTooShort":
            message = "ExecutionsTooShort: no execution reached the length bound"
    elif outcome == "Deadlock":
        result = "deadlock"
    elif exit_code == 12 and outcome in ("Error", None):
        # 12 means "counterexample found" even when the outcome line is cut off.
        result = "invariant"
        if outcome is None:
            message = "exit code 12 (counterexample) without an outcome line"
        if violation is not None:
            index = violation[2]
            if index < len(names):
                violated = names[index]
                if index >= len(invs):
                    result = "property"
            else:
                violated = f"{violation[1]} invariant {index}"
            if not invs and temps:
                result = "property"
    else:
        if exit_code == 0:
            raise RunnerError(
                "exit code 0 but no NoError outcome: not Apalache output", source=source
            )
        result = "error"
        meaning = APALACHE_EXIT_CODES.get(exit_code, "unknown exit code")
        message = f"{meaning}: {error_line}" if error_line else meaning
    itf_file = next((f for f in files if f.endswith(".itf.json")), None)
    return EngineResult(
        engine="apalache",
        result=result,
        violated=violated,
        trace_length=violation[0] + 1 if violation and result != "ok" else None,
        seconds=total if total is not None else seconds,
        exit_code=exit_code,
        bound=bound,
        trace_file=Path(itf_file) if itf_file else None,
        message=message,
    )


@attrs.frozen
class ApalacheCounterexample:
    """The pieces of a ``violation*.tla``/``counterexample*.tla`` module.

    ``states`` holds each ``StateN`` body (TLA+ text) in order, ``transitions`` the
    comment before each (``Transition 0 to State1`` or ``State1``), ``violation`` the
    body of ``InvariantViolation`` (``None`` if absent).
    """

    module: str
    extends: tuple[str, ...]
    const_init: str | None
    states: tuple[str, ...]
    transitions: tuple[str, ...]
    violation: str | None
    created_by: str | None


_MODULE = re.compile(r"^-{4,}\s*MODULE\s+(\w+)\s*-{4,}\s*$", re.MULTILINE)
_EXTENDS = re.compile(r"^EXTENDS\s+(.+)$", re.MULTILINE)
_DEF = re.compile(r"^(\w+)\s*==", re.MULTILINE)
_CREATED = re.compile(r"\(\*\s*(Created by Apalache[^*]*?)\s*\*\)")
_END = re.compile(r"^={4,}\s*$", re.MULTILINE)


def _trailing_comment(text: str) -> str:
    stripped = text.rstrip()
    if not stripped.endswith("*)"):
        return ""
    return " ".join(stripped[stripped.rfind("(*") + 2 : -2].split())


def _without_trailing_comment(text: str) -> str:
    stripped = text.rstrip()
    if stripped.endswith("*)"):
        return stripped[: stripped.rfind("(*")]
    return text


def parse_counterexample_tla(
    text: str, *, source: str = "counterexample.tla"
) -> ApalacheCounterexample:
    """Split an Apalache counterexample module into its definitions (see the class)."""
    if not isinstance(text, str):
        raise RunnerError("counterexample must be text", source=source)
    module = _MODULE.search(text)
    if module is None:
        raise RunnerError("no '---- MODULE name ----' header", source=source)
    end = _END.search(text, module.end())
    body = text[module.end() : end.start() if end else len(text)]
    extends = _EXTENDS.search(body)
    defs = list(_DEF.finditer(body))
    const_init: str | None = None
    states: list[str] = []
    transitions: list[str] = []
    violation: str | None = None
    for i, d in enumerate(defs):
        stop = defs[i + 1].start() if i + 1 < len(defs) else len(body)
        chunk = body[d.end() : stop]
        # The next definition's "(* ... *)" comment trails this chunk; split it off.
        chunk = _without_trailing_comment(chunk)
        text_def = " ".join(chunk.split())
        comment = _trailing_comment(body[: d.start()])
        name = d.group(1)
        if name == "ConstInit":
            const_init = text_def
        elif re.fullmatch(r"State\d+", name):
            if int(name[5:]) != len(states):
                raise RunnerError(
                    f"{name} out of order (expected State{len(states)})", source=source
                )
            states.append(text_def)
            transitions.append(comment)
        elif name == "InvariantViolation":
            violation = text_def
    if not states:
        raise RunnerError("no State0 definition", source=source)
    created = _CREATED.search(text)
    return ApalacheCounterexample(
        module=module.group(1),
        extends=tuple(x.strip() for x in extends.group(1).split(",")) if extends else (),
        const_init=const_init,
        states=tuple(states),
        transitions=tuple(transitions),
        violation=violation,
        created_by=created.group(1) if created else None,
    )
