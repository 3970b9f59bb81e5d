"""SANY, TLA+'s parser and semantic checker: command line and error-report parser.

SANY prints its errors after ``*** Errors: N`` as a location line (``line L, col C to
line L2, col C2 of module M``, ``In module M`` or ``Unknown location``) followed by the
message; a syntax error comes earlier, as a ``***Parse Error***`` block or a
``Lexical error``, and the ``*** Errors:`` section then only says the module could not
be parsed. TLC runs SANY first and prints the same text before exiting with 150, so
:func:`sany_diagnostics` reads TLC's output too.
"""

from __future__ import annotations

import re
import subprocess
import tempfile
import time
from pathlib import Path

import attrs

from aura_model.runners._detect import ToolStatus
from aura_model.runners._result import RunnerError

__all__ = ["SanyDiagnostic", "SanyResult", "run_sany", "sany_command", "sany_diagnostics"]

_LOCATION = re.compile(r"^line (\d+), col (\d+) to line \d+, col \d+ of module (\S+)$")
_IN_MODULE = re.compile(r"^In module (\S+)$")
_AT = re.compile(r"at line (\d+), column (\d+)")
_AROUND = re.compile(r"around line (\d+)")
_PARSING = re.compile(r"^Parsing file (\S+)")
_LEXICAL = re.compile(r"^Lexical\s*\{?\s*error:?\s*")
# Lines after which SANY's error report is over (TLC goes on with its own output).
_END = ("Starting...", "Error:", "Finished in", "Linting of module", "Semantic processing")
_DEFAULT_TIMEOUT = 300.0


@attrs.frozen
class SanyDiagnostic:
    """One error SANY reported: where (module, line, column, when known) and its text."""

    message: str
    module: str | None = None
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        if self.module is None:
            return self.message
        where = f"{self.module}.tla"
        if self.line is not None:
            where += f":{self.line}:{self.column}"
        return f"{where}: {self.message}"


@attrs.frozen
class SanyResult:
    """SANY's verdict on one module (and everything it EXTENDS or INSTANCEs)."""

    module: Path
    exit_code: int | None
    diagnostics: tuple[SanyDiagnostic, ...] = ()
    seconds: float = 0.0
    message: str = ""  # why SANY could not run, when it could not

    @property
    def accepted(self) -> bool:
        return self.exit_code == 0 and not self.diagnostics

    def describe(self) -> str:
        if self.accepted:
            return f"{self.module.name}: accepted"
        if self.exit_code is None:
            return f"{self.module.name}: SANY did not run ({self.message})"
        errors = "; ".join(str(d) for d in self.diagnostics) or self.message or "no message"
        return f"{self.module.name}: rejected (exit {self.exit_code}): {errors}"


def sany_command(tool: ToolStatus, module: Path, java_tmp: Path | None = None) -> list[str]:
    """``java -cp tla2tools.jar tla2sany.SANY -error-codes <Module>.tla``, run in its folder.

    Without ``-error-codes`` SANY exits 0 even on semantic errors. ``java_tmp`` is the
    JVM's ``java.io.tmpdir``, where SANY leaves a ``tlc-*`` folder behind on every run.
    """
    if tool.jar is None or tool.java is None:
        raise RunnerError(f"SANY needs tla2tools.jar and Java ({tool.reason})")
    tmp = [f"-Djava.io.tmpdir={java_tmp}"] if java_tmp is not None else []
    return [
        tool.java.path,
        *tmp,
        "-cp",
        str(tool.jar),
        "tla2sany.SANY",
        "-error-codes",
        module.name,
    ]


def _clean(lines: list[str]) -> str:
    return " ".join(" ".join(line.split()) for line in lines if line.strip())


def _syntax_errors(lines: list[str]) -> list[SanyDiagnostic]:
    """``***Parse Error***`` blocks and lexical errors, with the file being parsed."""
    found: list[SanyDiagnostic] = []
    module: str | None = None
    i = 0
    while i < len(lines):
        line = lines[i].strip()
        if m := _PARSING.match(line):
            module = Path(m.group(1)).stem
        if line == "***Parse Error***":
            block: list[str] = []
            i += 1
            while i < len(lines) and lines[i].strip() and "Residual stack trace" not in lines[i]:
                block.append(lines[i])
                i += 1
            text = _clean(block)
            at = _AT.search(text)
            found.append(
                SanyDiagnostic(
                    f"parse error: {text}",
                    module,
                    int(at.group(1)) if at else None,
                    int(at.group(2)) if at else None,
                )
            )
            continue
        if line.startswith("Lexical"):
            at, around = _AT.search(line), _AROUND.search(line)
            row = at.group(1) if at else around.group(1) if around else None
            col = at.group(2) if at else "1" if around else None
            found.append(
                SanyDiagnostic(
                    f"lexical error: {_LEXICAL.sub('', line)}",
                    module,
                    int(row) if row else None,
                    int(col) if col else None,
                )
            )
        i += 1
    return found


def _error_section(lines: list[str]) -> list[SanyDiagnostic]:
    """The entries after the last ``*** Errors: N`` line."""
    starts = [i for i, line in enumerate(lines) if line.strip().startswith("*** Errors:")]
    if not starts:
        return []
    entries: list[tuple[str | None, int | None, int | None, list[str]]] = []
    for raw in lines[starts[-1] + 1 :]:
        line = raw.strip()
        if line.startswith(_END):
            break
        if not line:
            continue
        if m := _LOCATION.match(line):
            entries.append((m.group(3), int(m.group(1)), int(m.group(2)), []))
        elif m := _IN_MODULE.match(line):
            entries.append((m.group(1), None, None, []))
        elif line == "Unknown location":
            entries.append((None, None, None, []))
        elif entries:
            entries[-1][3].append(line)
        else:
            entries.append((None, None, None, [line]))
    return [SanyDiagnostic(_clean(text), mod, row, col) for mod, row, col, text in entries if text]


def sany_diagnostics(text: str) -> tuple[SanyDiagnostic, ...]:
    """Every error in SANY's (or TLC's) console output, syntax errors first.

    When a syntax error was found, SANY's generic ``Could not parse module`` entry adds
    nothing and is left out.
    """
    lines = text.splitlines()
    syntax = _syntax_errors(lines)
    section = _error_section(lines)
    if syntax:
        section = [d for d in section if not d.message.startswith("Could not parse module")]
    return (*syntax, *section)


def run_sany(tool: ToolStatus, module: Path, *, timeout: float = _DEFAULT_TIMEOUT) -> SanyResult:
    """Run SANY with ``-error-codes`` on ``module`` in its folder and read its errors.

    A non-zero exit with no readable error keeps SANY's last lines as the message, so a
    rejection is never silent; a SANY that cannot start gives ``exit_code=None``.
    """
    module = module.resolve()
    started = time.perf_counter()
    try:
        with tempfile.TemporaryDirectory(prefix="aura-sany-") as java_tmp:
            argv = sany_command(tool, module, Path(java_tmp))
            proc = subprocess.run(
                argv,
                cwd=module.parent,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                timeout=timeout,
                check=False,
            )
    except RunnerError as exc:
        return SanyResult(module, None, message=exc.reason)
    except subprocess.TimeoutExpired:
        return SanyResult(module, None, seconds=timeout, message=f"timed out after {timeout:.0f} s")
    except OSError as exc:
        return SanyResult(module, None, message=f"cannot start: {exc.strerror}")
    seconds = time.perf_counter() - started
    text = proc.stdout.decode("utf-8", errors="replace")
    diagnostics = sany_diagnostics(text)
    message = ""
    if proc.returncode != 0 and not diagnostics:
        message = _clean(text.splitlines()[-5:])
    return SanyResult(module, proc.returncode, diagnostics, seconds, message)
