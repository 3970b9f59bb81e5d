"""Run Apalache or TLC on a spec + cfg, as ``aura-verify check --engine`` and as stages."""

from __future__ import annotations

import json as jsonlib
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import attrs

from aura_model import itf
from aura_model.runners._apalache import apalache_command, parse_apalache_output
from aura_model.runners._detect import ToolStatus, detect_apalache, detect_tlc
from aura_model.runners._result import EngineResult, RunnerError
from aura_model.runners._tlc import parse_tlc_output, tlc_command
from aura_model.specs import all_configs
from aura_model.stages import StageResult, Status

__all__ = [
    "ENGINES",
    "EXIT_USAGE",
    "Expectation",
    "detect",
    "expectation_for",
    "model_configs",
    "run_engine",
    "run_models",
    "run_tool",
    "spec_for",
    "stage_apalache",
]

ENGINES = ("apalache", "tlc")
EXIT_USAGE = 2
DEFAULT_TIMEOUT = 900.0
# Horizontal white space only: ``\s`` would run on into the next line and read its
# ``\*`` as the violated name (``\* expect: ok`` then ``\* comment``).
_EXPECT = re.compile(r"^\\\*[ \t]*expect:[ \t]*(\w+)(?:[ \t]+(\S+))?", re.MULTILINE)

_DETECTORS: dict[str, Callable[[], ToolStatus]] = {
    "apalache": detect_apalache,
    "tlc": detect_tlc,
}


def detect(engine: str) -> ToolStatus:
    """Availability of ``engine`` (``apalache`` or ``tlc``) on this machine."""
    if engine not in _DETECTORS:
        raise RunnerError(f"unknown engine {engine!r}; expected one of {', '.join(ENGINES)}")
    return _DETECTORS[engine]()


def _run(argv: Sequence[str], cwd: Path, timeout: float) -> tuple[str, int, float]:
    started = time.perf_counter()
    try:
        proc = subprocess.run(
            list(argv),
            cwd=cwd,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise RunnerError(f"timed out after {timeout:.0f} s", source=argv[0]) from None
    except OSError as exc:
        raise RunnerError(f"cannot start: {exc.strerror}", source=argv[0]) from None
    text = proc.stdout.decode("utf-8", errors="replace")
    return text, proc.returncode, time.perf_counter() - started


def run_tool(
    engine: str,
    spec: Path,
    cfg: Path | None,
    *,
    deadlock: bool | None = None,
    tool: ToolStatus | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    length: int = 10,
) -> EngineResult:
    """Check ``spec`` (with ``cfg``) with Apalache or TLC in a subprocess.

    ``tool`` defaults to what :func:`detect` finds; an unavailable tool gives a
    ``skipped`` result carrying the reason (never ``ok``). A run that cannot start,
    times out or prints unreadable output is an ``error`` result with the reason.
    """
    status = tool if tool is not None else detect(engine)
    if not status.available:
        return EngineResult(engine=engine, result="skipped", message=status.reason)
    spec = spec.resolve()
    cfg = cfg.resolve() if cfg is not None else None
    with tempfile.TemporaryDirectory(prefix=f"aura-{engine}-") as tmp:
        work = Path(tmp)
        try:
            if engine == "tlc":
                (work / "java").mkdir()
                argv = tlc_command(
                    status,
                    spec,
                    cfg,
                    deadlock=deadlock,
                    metadir=work / "meta",
                    java_tmp=work / "java",
                )
                text, code, seconds = _run(argv, spec.parent, timeout)
                return parse_tlc_output(text, code, seconds=seconds, source=f"tlc on {spec.name}")
            argv = apalache_command(
                status, spec, cfg, deadlock=deadlock, out_dir=work / "out", length=length
            )
            text, code, seconds = _run(argv, spec.parent, timeout)
            result = parse_apalache_output(
                text, code, seconds=seconds, source=f"apalache on {spec.name}"
            )
            return _with_itf_length(result)
        except RunnerError as exc:
            return EngineResult(engine=engine, result="error", message=str(exc))


def _with_itf_length(result: EngineResult) -> EngineResult:
    # The ITF file lives in the temporary run directory: read its length now, then
    # forget the path, which is gone once the run directory is removed.
    if result.trace_file is None:
        return result
    length = result.trace_length
    if result.trace_file.is_file():
        try:
            length = len(itf.load_trace(result.trace_file, lenient=True).states)
        except itf.ItfError as exc:
            return attrs.evolve(result, trace_file=None, message=f"bad ITF trace: {exc}")
    return attrs.evolve(result, trace_file=None, trace_length=length)


def run_engine(
    engine: str,
    spec: Path,
    cfg: Path | None,
    *,
    deadlock: bool | None,
    json: bool,
) -> int:
    """``aura-verify check --engine apalache|tlc``: run, print, return the exit code.

    Prints ``SKIPPED: <reason>`` and returns :data:`EXIT_SKIPPED` (4) when the tool is
    absent; otherwise returns the TLC-convention code of the result (0 ok, 10
    assume, 11 deadlock, 12 invariant, 13 property, 255 error). ``json=True``
    prints the result as one JSON object instead of text.
    """
    if engine not in ENGINES:
        print(
            f"aura-verify: engine {engine!r} is not a subprocess engine"
            f" (expected {' or '.join(ENGINES)})",
            file=sys.stderr,
        )
        return EXIT_USAGE
    if not spec.is_file():
        print(f"aura-verify: spec file not found: {spec}", file=sys.stderr)
        return EXIT_USAGE
    if cfg is not None and not cfg.is_file():
        print(f"aura-verify: cfg file not found: {cfg}", file=sys.stderr)
        return EXIT_USAGE
    result = run_tool(engine, spec, cfg, deadlock=deadlock)
    if json:
        print(jsonlib.dumps(result.to_json(), sort_keys=True))
    elif result.result == "skipped":
        print(f"SKIPPED: {engine}: {result.message}")
    else:
        print(_describe(result))
    return result.exit_status()


def _describe(result: EngineResult) -> str:
    parts = [f"{result.engine}: {result.result}"]
    if result.violated:
        parts.append(f"violated={result.violated}")
    for name in ("distinct_states", "states_generated", "depth", "trace_length", "bound"):
        value = getattr(result, name)
        if value is not None:
            parts.append(f"{name}={value}")
    parts.append(f"seconds={result.seconds:.2f}")
    parts.append(f"exit_code={result.exit_code}")
    if result.message:
        parts.append(f"({result.message})")
    return " ".join(parts)


# --------------------------------------------------------------------------- stages


@attrs.frozen
class Expectation:
    """What a model must produce: ``result`` (``ok``, ``invariant``...) or ``fail`` (any non-ok),
    and optionally the violated name."""

    result: str
    violated: str | None = None

    def met_by(self, outcome: EngineResult) -> bool:
        if self.result == "fail":
            return outcome.result not in ("ok", "error", "skipped")
        if outcome.result != self.result:
            return False
        # A named expectation needs that name: an unnamed violation does not meet it.
        return self.violated is None or outcome.violated == self.violated


def expectation_for(cfg: Path) -> Expectation:
    """A cfg's ``\\* expect: <result> [name]`` header, else ``_bad`` in its name means fail."""
    match = _EXPECT.search(cfg.read_text(encoding="utf-8", errors="replace"))
    if match:
        return Expectation(match.group(1), match.group(2))
    return Expectation("fail" if "_bad" in cfg.stem else "ok")


def spec_for(cfg: Path, engine: str = "tlc") -> Path:
    """The module a ``MC_<Name>[_variant].cfg`` checks: the longest existing
    ``MC_<prefix>.tla``, else the longest ``<prefix>.tla``, beside the cfg or one
    folder up (``spec/<Module>/`` holds the models, ``spec/`` the modules). For
    Apalache, a wrapper ``AP<Name>.tla`` beside the module wins (STYLE.md: ``@type``
    annotations and concrete constants live in such wrappers, the ``APTCommit``
    pattern)."""
    stem = cfg.stem
    parts = stem.split("_")
    candidates = ["_".join(parts[:n]) for n in range(len(parts), 0, -1)]
    if stem.startswith("MC_"):
        candidates += ["_".join(parts[1:n]) for n in range(len(parts), 1, -1)]
    for name in candidates:
        for folder in (cfg.parent, cfg.parent.parent):
            path = folder / f"{name}.tla"
            if name and path.is_file():
                wrapper = path.with_name(f"AP{name.removeprefix('MC_')}.tla")
                if engine == "apalache" and wrapper.is_file():
                    return wrapper
                return path
    raise RunnerError("no module found for this cfg", source=str(cfg))


def model_configs(spec_dir: Path | None = None) -> list[Path]:
    """Every ``MC_*.cfg`` of ``spec_dir`` (default ``spec/``) and its module folders,
    sorted by file name."""
    return all_configs(spec_dir)


Runner = Callable[[ToolStatus, Path, Path], tuple[EngineResult, bool]]


def _fresh_run(engine: str) -> Runner:
    def run(tool: ToolStatus, spec: Path, cfg: Path) -> tuple[EngineResult, bool]:
        return run_tool(engine, spec, cfg, tool=tool), False

    return run


def _figures(outcome: EngineResult) -> str:
    got = outcome.result + (f" {outcome.violated}" if outcome.violated else "")
    parts = [got]
    if outcome.distinct_states is not None:
        parts.append(f"states={outcome.distinct_states}")
    if outcome.trace_length is not None:
        parts.append(f"trace={outcome.trace_length}")
    if outcome.bound is not None:
        parts.append(f"bound={outcome.bound}")
    return " ".join(parts)


def run_models(
    engine: str,
    spec_dir: Path | None = None,
    *,
    tool: ToolStatus | None = None,
    emit: Callable[[str], None] = print,
    runner: Runner | None = None,
) -> StageResult:
    """Check every ``MC_*.cfg`` in ``spec_dir`` (default ``spec/``) against its expectation.

    SKIPPED with the reason when the tool is absent; FAIL lists each model whose
    outcome differs from its ``\\* expect:`` header (a ``_bad`` model must fail), with
    the tool's own error text. ``emit`` gets one line per model; ``runner`` replaces
    :func:`run_tool` (the ``tlc`` stage reuses the runs of ``spec-check``).
    """
    status = tool if tool is not None else detect(engine)
    if not status.available:
        return StageResult(engine, Status.SKIPPED, status.reason)
    run = runner if runner is not None else _fresh_run(engine)
    started = time.perf_counter()
    configs = model_configs(spec_dir)
    if not configs:
        return StageResult(engine, Status.FAIL, "no spec/<Module>/MC_*.cfg models found")
    wrong: list[str] = []
    reused = 0
    states = 0
    for cfg in configs:
        expected = expectation_for(cfg)
        try:
            spec = spec_for(cfg, engine)
        except RunnerError as exc:
            wrong.append(str(exc))
            emit(f"[{engine}] FAILED  {cfg.name}: {exc}")
            continue
        outcome, shared = run(status, spec, cfg)
        reused += shared
        states += outcome.distinct_states or 0
        note = " (run by spec-check)" if shared else ""
        want = expected.result + (f" {expected.violated}" if expected.violated else "")
        if expected.met_by(outcome):
            emit(f"[{engine}] MET     {cfg.name}: {_figures(outcome)} {outcome.seconds:.1f}s{note}")
            continue
        why = f" ({outcome.message})" if outcome.message else ""
        got = outcome.result + (f" {outcome.violated}" if outcome.violated else "")
        wrong.append(f"{cfg.name}: expected {want}, got {got}{why}")
        emit(f"[{engine}] FAILED  {cfg.name}: expected {want}, got {got}{why}{note}")
    seconds = time.perf_counter() - started
    figures = {"models": len(configs), "wrong": len(wrong), "states": states, "reused": reused}
    if wrong:
        return StageResult(
            engine,
            Status.FAIL,
            f"{len(wrong)}/{len(configs)} wrong: " + "; ".join(wrong),
            seconds,
            figures=figures,
        )
    shared_note = f", {reused} reused from spec-check" if reused else ""
    return StageResult(
        engine,
        Status.PASS,
        f"{len(configs)} models as expected{shared_note} ({status.reason})",
        seconds,
        figures=figures,
    )


def stage_apalache() -> StageResult:
    """Stage ``apalache``: every ``spec/<Module>/MC_*.cfg`` with Apalache, or SKIPPED (why)."""
    return run_models("apalache")
