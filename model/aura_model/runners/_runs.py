"""One TLC run per model and process: the ``spec-check`` and ``tlc`` stages share it.

``make verify`` runs both stages in one process; the second one to ask for a model
gets the first one's result instead of running TLC again. A run is keyed by the TLC
command, the model's paths and the bytes of its cfg and of every module beside the
spec, so an edit in between gives a fresh run.
"""

from __future__ import annotations

import hashlib
import threading
from pathlib import Path

from aura_model.runners._detect import ToolStatus
from aura_model.runners._engine import run_models, run_tool
from aura_model.runners._result import EngineResult
from aura_model.stages import StageResult

__all__ = ["clear_shared_runs", "shared_tlc_run", "stage_tlc"]

_LOCK = threading.Lock()
_RUNS: dict[tuple[str, ...], EngineResult] = {}


def _key(tool: ToolStatus, spec: Path, cfg: Path) -> tuple[str, ...]:
    digest = hashlib.sha256()
    for path in [*sorted(spec.parent.glob("*.tla")), cfg]:
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return (*tool.argv, str(spec.resolve()), str(cfg.resolve()), digest.hexdigest())


def shared_tlc_run(tool: ToolStatus, spec: Path, cfg: Path) -> tuple[EngineResult, bool]:
    """TLC's result on ``spec`` with ``cfg``, and whether an earlier run supplied it.

    Thread-safe: the spec-check stage runs TLC in a worker thread next to the embedded
    checker. A ``skipped`` result (no TLC) is not kept.
    """
    key = _key(tool, spec, cfg)
    with _LOCK:
        known = _RUNS.get(key)
    if known is not None:
        return known, True
    result = run_tool("tlc", spec, cfg, tool=tool)
    if result.result != "skipped":
        with _LOCK:
            _RUNS[key] = result
    return result, False


def clear_shared_runs() -> None:
    """Forget every kept run (tests that need TLC to run again)."""
    with _LOCK:
        _RUNS.clear()


def stage_tlc() -> StageResult:
    """Stage ``tlc``: every ``spec/<Module>/MC_*.cfg`` with TLC, or SKIPPED with the reason.

    Models that ``spec-check`` already ran through TLC in this process are reported
    from that run.
    """
    return run_models("tlc", runner=shared_tlc_run)
