"""Real TLC as the oracle for the embedded checker's tests.

``run_tlc`` runs TLC on a spec folder the way the shared corpus figures were
obtained (one worker, a fresh ``-metadir``, no trace-explorer module) and reads
its console output with the project's parser; ``eval_with_tlc`` evaluates many
constant expressions in one JVM (``ASSUME PrintT(...)`` between markers) and
re-runs past the first evaluation error, since TLC stops at the first failing
assumption. ``skip_reason`` says why TLC cannot run here (no ``java``, no jar).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import attrs

__all__ = [
    "ExprOutcome",
    "TlcRun",
    "eval_with_tlc",
    "expression_module",
    "parse_output",
    "run_sany",
    "run_tlc",
    "skip_reason",
    "tla2tools_jar",
]

_ROOT = Path(__file__).resolve().parents[2]
# The JVM flags trade peak speed for start-up time: every run here is small.
_JVM = ["-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xss8m"]
# A run that takes this long is hung (a generated spec is tiny); the figure is
# a safety net for a stuck JVM, never a verdict.
_HANG_SECONDS = 300.0
EXPR_HEADER = "EXTENDS Naturals, Integers, Sequences, FiniteSets, TLC, Bags"


def tla2tools_jar() -> Path:
    """``$TLA2TOOLS_JAR``, else ``tools/tla/tla2tools.jar`` in the shared folder."""
    env = os.environ.get("TLA2TOOLS_JAR")
    if env:
        return Path(env)
    shared = Path(os.environ.get("AURA_SHARED", _ROOT.parent / "shared"))
    return shared / "tools" / "tla" / "tla2tools.jar"


def skip_reason() -> str | None:
    """Why TLC cannot run on this machine, or None when it can."""
    if shutil.which("java") is None:
        return "java is not on PATH (TLC needs Java 11 or later)"
    jar = tla2tools_jar()
    if not jar.is_file():
        return f"TLC's jar is absent: {jar} (set TLA2TOOLS_JAR or put ../shared beside the project)"
    return None


@attrs.frozen
class TlcRun:
    """One TLC run, in the shared manifest's words."""

    result: str
    violated: str | None
    distinct_states: int | None
    states_generated: int | None
    depth: int | None
    trace_length: int | None
    trace_loop: str | None
    exit_code: int
    seconds: float
    error: str | None
    output: str


def _error_block(lines: Sequence[str]) -> str | None:
    """TLC's first ``Error:`` paragraph, without the trace that follows it."""
    stops = (
        "Error: The behavior up to",
        "State ",
        "Finished in",
        "The error occurred when",
        "While working on the initial state",
    )
    for i, line in enumerate(lines):
        if line.startswith("Error:"):
            block = [line]
            for nxt in lines[i + 1 :]:
                if not nxt.strip() or nxt.startswith(stops) or "states generated" in nxt:
                    break
                block.append(nxt)
            return "\n".join(block)
    return None


def _java(jar: Path | str, main: str, args: Sequence[str], cwd: Path) -> tuple[str, int, float]:
    argv = ["java", *_JVM, "-cp", str(jar), main, *args]
    started = time.perf_counter()
    proc = subprocess.run(
        argv,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=_HANG_SECONDS,
        check=False,
    )
    return proc.stdout + proc.stderr, proc.returncode, time.perf_counter() - started


def run_tlc(spec: Path, cfg: Path, flags: Sequence[str] = ()) -> TlcRun:
    """Run TLC on ``spec`` with ``cfg`` (one worker, fresh metadir) and parse it."""
    reason = skip_reason()
    if reason is not None:
        raise RuntimeError(reason)
    with tempfile.TemporaryDirectory(prefix="tlc-meta-") as meta:
        args = ["-workers", "1", "-noGenerateSpecTE", "-metadir", meta, *flags]
        args += ["-config", str(cfg.resolve()), spec.name]
        text, code, seconds = _java(_with_community(tla2tools_jar()), "tlc2.TLC", args, spec.parent)
    return parse_output(text, code, seconds)


def _with_community(jar: Path) -> str:
    """TLC's class path: its jar, and the Community Modules jar beside it if there."""
    community = jar.parent / "CommunityModules-deps.jar"
    return f"{jar}{os.pathsep}{community}" if community.is_file() else str(jar)


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
    # Several at once ("Temporal properties P4, P5, and P9 were violated."):
    # every one the counterexample violates, in the configuration's order; the
    # first is ``violated`` (the embedded checker's word, which names them all
    # in ``violated_all``).
    (re.compile(r"^Error: Temporal properties (.+?)(?:,? and .+?)? were violated\."), "property"),
    (re.compile(r"^Error: Assumption (.+?) is false\."), "assume"),
    # A state-level PROPERTY is checked on the initial states only.
    (re.compile(r"^Error: Property (.+?) is violated by the initial state"), "property"),
)


def parse_output(text: str, code: int, seconds: float = 0.0) -> TlcRun:
    """TLC's console output and exit code, read into the manifest's figures."""
    lines = [line.rstrip() for line in text.splitlines()]
    if code in (150, 151, 153):
        # Parse, configuration and system errors print no verdict line.
        word = {150: "parse", 151: "config", 153: "system"}[code]
        error = _error_block(lines) or text[-2000:]
        return TlcRun(word, None, None, None, None, None, None, code, seconds, error, text)
    result: str | None = None
    violated: str | None = None
    counts: tuple[int, int] | None = None
    depth: int | None = None
    trace = 0
    loop: str | None = None
    for line in lines:
        if line.startswith("Model checking completed. No error has been found."):
            result = result or "ok"
        elif m := _COUNTS.match(line):
            counts = (int(m.group(1).replace(",", "")), int(m.group(2).replace(",", "")))
        elif m := _DEPTH.match(line):
            depth = int(m.group(1))
        elif m := _STATE.match(line):
            if m.group(2).strip() == "Stuttering":
                loop = "stuttering"
            else:
                trace += 1
        elif m := _BACK.match(line):
            loop = f"back to state {m.group(1)}"
        elif line.startswith("Error:") and result is None:
            for pattern, kind in _VERDICTS:
                if vm := pattern.match(line):
                    result = kind
                    violated = vm.group(1) if vm.groups() else None
                    if violated is not None and line.startswith("Error: Temporal properties"):
                        violated = violated.split(", ")[0]
                    break
    if result is None or (result == "ok" and code != 0):
        result = "error"
    initial = ("by the initial state", "While working on the initial state")
    if (
        result in ("invariant", "property", "error")
        and trace == 0
        and any(w in x for x in lines for w in initial)
    ):
        # TLC prints the offending initial state without a "State 1:" header.
        trace = 1
    return TlcRun(
        result=result,
        violated=violated,
        distinct_states=counts[1] if counts else None,
        states_generated=counts[0] if counts else None,
        depth=depth,
        trace_length=trace or None,
        trace_loop=loop,
        exit_code=code,
        seconds=seconds,
        error=_error_block(lines) if result in ("error", "assume") else None,
        output=text,
    )


def run_sany(spec: Path) -> tuple[bool, str]:
    """SANY with ``-error-codes`` (so semantic errors give a non-zero exit)."""
    reason = skip_reason()
    if reason is not None:
        raise RuntimeError(reason)
    args = ["-error-codes", spec.name]
    text, code, _ = _java(_with_community(tla2tools_jar()), "tla2sany.SANY", args, spec.parent)
    return code == 0, text


@attrs.frozen
class ExprOutcome:
    """TLC's value of one expression, printed as TLA+ text, or its error."""

    expr: str
    value: str | None
    error: str | None


def expression_module(name: str, exprs: Sequence[str], first: int = 0, prelude: str = "") -> str:
    """A module whose k-th ASSUME prints expression k between two markers.

    ``prelude`` holds definitions the expressions may use.
    """
    body = [f"---- MODULE {name} ----", EXPR_HEADER, prelude]
    for k, e in enumerate(exprs[first:], first):
        body.append(f'ASSUME PrintT("@@B{k}") /\\ PrintT({e}) /\\ PrintT("@@Z{k}")')
    body.append("====")
    return "\n".join(body) + "\n"


_LOCATION = re.compile(r"(line \d+, col \d+ to line \d+, col \d+ of module \w+\s*)+")


def _read_values(text: str, outcomes: dict[int, ExprOutcome], exprs: Sequence[str]) -> int | None:
    """Record the printed values; return the index whose evaluation failed, if any."""
    lines = text.splitlines()
    current: int | None = None
    value: list[str] = []
    warning = False
    for line in lines:
        if m := re.fullmatch(r'"@@B(\d+)"', line.strip()):
            current, value = int(m.group(1)), []
        elif m := re.fullmatch(r'"@@Z(\d+)"', line.strip()):
            k = int(m.group(1))
            outcomes[k] = ExprOutcome(exprs[k], " ".join(v.strip() for v in value), None)
            current = None
        elif current is not None:
            if line.startswith("Error:"):
                break
            if line.startswith("Warning:"):
                # "Warning: The EXCEPT was applied to non-existing fields of the value at"
                # and its location lines belong to TLC, not to the printed value.
                warning = True
            elif not (warning and _LOCATION.fullmatch(line.strip())):
                warning = False
                value.append(line)
    return current


def eval_with_tlc(exprs: Sequence[str], workdir: Path, prelude: str = "") -> list[ExprOutcome]:
    """Evaluate every expression with TLC, batching them into as few runs as possible."""
    outcomes: dict[int, ExprOutcome] = {}
    first = 0
    run = 0
    while first < len(exprs):
        run += 1
        name = f"DiffExpr{run}"
        (workdir / f"{name}.tla").write_text(
            expression_module(name, exprs, first, prelude), "utf-8"
        )
        (workdir / f"{name}.cfg").write_text("", "utf-8")
        tlc = run_tlc(workdir / f"{name}.tla", workdir / f"{name}.cfg")
        if tlc.result == "parse":
            raise ValueError(f"TLC rejects the generated module {name}:\n{tlc.output[-1500:]}")
        failed = _read_values(tlc.output, outcomes, exprs)
        if failed is None:
            missing = [k for k in range(first, len(exprs)) if k not in outcomes]
            if missing:
                raise ValueError(f"TLC printed no value for {exprs[missing[0]]!r}:\n{tlc.output}")
            break
        outcomes[failed] = ExprOutcome(exprs[failed], None, tlc.error or tlc.output[-500:])
        first = failed + 1
    return [outcomes[k] for k in range(len(exprs))]
