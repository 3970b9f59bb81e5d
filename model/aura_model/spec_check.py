"""The ``spec-check`` stage: SANY, TLC and the embedded checker agree on every model.

Each ``spec/<Module>/MC_<Module>[_<variant>].cfg`` belongs to ``spec/<Module>.tla``
(the layout of :mod:`aura_model.specs`) and states the expected outcome in a comment
line::

    \\* expect: ok
    \\* expect: invariant GCChargeFirst
    \\* expect: property DVJournalGrowOnly

A model is MET when (1) SANY (``-error-codes``) accepts its module, (2) TLC's result
and violated name equal the expectation, and (3) the embedded checker agrees with
TLC: the same result and name, the same number of distinct states on a passing
model, and the same trace length on a safety violation (invariant, action property,
deadlock), where both explore breadth-first and so report a shortest trace. A
liveness counterexample is a lasso found by a cycle search, not by BFS, and is not
shortest in either tool: its lengths are shown, not compared. Every module at the
top of the folder must pass SANY, also those no model checks (the Apalache wrappers).

Without TLC (no Java, no jar) the embedded checker is still held to the
expectations, and the stage is SKIPPED with the reason: never a pass.
"""

from __future__ import annotations

import enum
import re
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import attrs

from aura_model.runners import (
    EngineResult,
    SanyResult,
    ToolStatus,
    detect_tlc,
    run_sany,
    shared_tlc_run,
)
from aura_model.specs import SpecLayoutError, all_configs, module_of, module_path, spec_dir
from aura_model.stages import StageResult, Status

__all__ = [
    "Expectation",
    "Figures",
    "ModelCase",
    "ModelOutcome",
    "Outcome",
    "SpecCheckError",
    "SpecCheckReport",
    "SpecInvariant",
    "check_case",
    "check_embedded",
    "discover",
    "module_invariants",
    "parse_expectation",
    "run_spec_check",
    "spec_dir",
    "stage_spec_check",
]

_RESULTS = frozenset({"ok", "invariant", "property", "deadlock", "error", "assume"})
_NAMED = frozenset({"invariant", "property"})
# Horizontal white space only, so the pattern can never run on into the next line.
_EXPECT = re.compile(r"^\\\*[ \t]*expect:[ \t]*(?P<body>.*?)[ \t]*$")


class SpecCheckError(Exception):
    """A model file is malformed (no or a bad ``expect`` line, no module); names the file."""


@attrs.frozen
class Expectation:
    """What the checker must report: a result and, for violations, the name."""

    result: str
    name: str | None = None

    def __str__(self) -> str:
        return self.result if self.name is None else f"{self.result} {self.name}"


@attrs.frozen
class ModelCase:
    """One TLC model: its cfg, the module it checks and the expected outcome."""

    cfg: Path
    spec: Path
    expect: Expectation


class Outcome(enum.Enum):
    MET = "MET"
    FAILED = "FAILED"
    SKIPPED = "SKIPPED"


@attrs.frozen
class Figures:
    """One engine's verdict on one model, in the words both engines share."""

    engine: str
    result: str
    violated: str | None = None
    distinct_states: int | None = None
    depth: int | None = None
    trace_length: int | None = None
    lasso: bool = False  # a liveness counterexample: it loops back or stutters forever
    seconds: float = 0.0
    message: str = ""
    # The invariants and properties the model's cfg asks for, and a violation's
    # trace as (action, ITF state) pairs: the evidence behind the verdict.
    checked: tuple[str, ...] = ()
    trace: tuple[tuple[str | None, dict[str, Any]], ...] = ()

    @property
    def got(self) -> Expectation:
        return Expectation(self.result, self.violated if self.result in _NAMED else None)

    @classmethod
    def of_tlc(cls, run: EngineResult) -> Figures:
        return cls(
            "TLC",
            run.result,
            run.violated,
            run.distinct_states,
            run.depth,
            run.trace_length,
            run.trace_loop is not None,
            run.seconds,
            run.message,
        )

    def text(self) -> str:
        parts = [f"{self.engine} {self.got}"]
        if self.distinct_states is not None:
            parts.append(f"states={self.distinct_states}")
        if self.depth is not None and self.result == "ok":
            parts.append(f"depth={self.depth}")
        if self.trace_length is not None:
            parts.append(f"trace={self.trace_length}{' (lasso)' if self.lasso else ''}")
        parts.append(f"{self.seconds:.1f}s")
        if self.result == "error" and self.message:
            parts.append(f"({self.message})")
        return " ".join(parts)


@attrs.frozen
class ModelOutcome:
    """One model: the embedded checker's and TLC's figures, and the verdict on them.

    ``problems`` says, in words, every way the model missed (SANY's errors, TLC
    against the expectation, the embedded checker against TLC); ``note`` why TLC was
    not compared when the outcome is SKIPPED.
    """

    case: ModelCase
    outcome: Outcome
    embedded: Figures
    tlc: Figures | None = None
    problems: tuple[str, ...] = ()
    note: str = ""

    @property
    def result(self) -> str:
        return self.embedded.result

    @property
    def violated(self) -> str | None:
        return self.embedded.violated

    @property
    def distinct_states(self) -> int | None:
        return self.embedded.distinct_states

    @property
    def depth(self) -> int | None:
        return self.embedded.depth

    @property
    def seconds(self) -> float:
        return self.embedded.seconds

    @property
    def detail(self) -> str:
        return "; ".join(self.problems) or self.note

    def line(self) -> str:
        legs = [f"expect {self.case.expect}"]
        if self.tlc is not None:
            legs.append(self.tlc.text())
        legs.append(self.embedded.text())
        text = f"{self.outcome.value:7s} {self.case.cfg.name}: " + " | ".join(legs)
        return f"{text} [{self.detail}]" if self.detail else text


@attrs.frozen
class SpecInvariant:
    """A named invariant or property of a module, with its boxed English statement."""

    name: str
    kind: str  # "inv" (state invariant), "act" (action property), "live" (liveness)
    statement: str


_THEOREM = re.compile(r"^THEOREM\s+\w+\s*=>\s*(?P<body>.*?)(?=^THEOREM|^====)", re.M | re.S)
_BOX_LINE = re.compile(r"^\(\*\s?(?P<text>.*?)\s*\*\)$")


def _boxed_comment_before(lines: list[str], index: int) -> list[str]:
    """The text lines of the ``(****)`` box that ends just above ``lines[index]``."""
    end = index - 1
    if end < 0 or not lines[end].startswith("(***"):
        return []
    start = end - 1
    while start >= 0 and not lines[start].startswith("(***"):
        start -= 1
    out: list[str] = []
    for line in lines[start + 1 : end]:
        m = _BOX_LINE.match(line.rstrip())
        if m is not None:
            out.append(m.group("text"))
    return out


def module_invariants(path: Path) -> list[SpecInvariant]:
    """The invariants and properties a module asserts in its THEOREMs, in order.

    A name inside ``[](...)`` is a state invariant; any other is an action property
    (its definition starts with ``[][``) or a liveness property. The statement is
    the boxed comment above the definition, without the leading ``Name (...):``.
    """
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines()
    found: list[SpecInvariant] = []
    for m in _THEOREM.finditer(text):
        body = m.group("body").strip()
        always = body.startswith("[](")
        for name in re.findall(r"[A-Za-z_][A-Za-z0-9_]*", body):
            index = next((i for i, ln in enumerate(lines) if ln.startswith(f"{name} ==")), None)
            if index is None:
                raise SpecCheckError(f"{path}: THEOREM names {name}, which is not defined")
            definition = " ".join(lines[index : index + 2])
            kind = "inv" if always else ("act" if "== [][" in definition else "live")
            box = " ".join(_boxed_comment_before(lines, index))
            head = re.match(rf"{name}(\s*\([^)]*\))?:\s*(?P<rest>.*)$", box.strip())
            if head is None:
                raise SpecCheckError(f"{path}: {name} has no boxed comment starting '{name}:'")
            found.append(SpecInvariant(name, kind, " ".join(head.group("rest").split())))
    return found


def parse_expectation(text: str, where: str) -> Expectation:
    """Read the ``\\* expect:`` line of a cfg's text; ``where`` names the file in errors."""
    found = [m.group("body") for line in text.splitlines() if (m := _EXPECT.match(line.strip()))]
    if len(found) != 1:
        raise SpecCheckError(f"{where}: needs exactly one '\\* expect:' line, found {len(found)}")
    words = found[0].split()
    if not words or words[0] not in _RESULTS:
        raise SpecCheckError(
            f"{where}: expect must start with one of {sorted(_RESULTS)}, got {found[0]!r}"
        )
    if words[0] in _NAMED:
        if len(words) != 2:
            raise SpecCheckError(f"{where}: 'expect: {words[0]}' needs exactly one name")
        return Expectation(words[0], words[1])
    if len(words) != 1:
        raise SpecCheckError(f"{where}: 'expect: {words[0]}' takes no name")
    return Expectation(words[0])


def discover(directory: Path | None = None) -> list[ModelCase]:
    """Every ``MC_*.cfg`` of ``directory`` (default ``spec/``), sorted by name.

    A model sits in its module's folder (or, in a small folder, beside the module);
    one in another module's folder is an error, so the layout cannot drift.
    """
    root = directory if directory is not None else spec_dir()
    if not root.is_dir():
        raise SpecCheckError(f"{root}: no spec directory")
    cases: list[ModelCase] = []
    for cfg in all_configs(root):
        try:
            module = module_of(cfg)
        except SpecLayoutError as exc:
            raise SpecCheckError(str(exc)) from None
        if cfg.parent != root and cfg.parent.name != module:
            raise SpecCheckError(f"{cfg}: a model of {module} belongs in {module}/")
        spec = module_path(module, root)
        if not spec.is_file():
            raise SpecCheckError(f"{cfg}: its module {spec.name} does not exist")
        text = cfg.read_text(encoding="utf-8")
        cases.append(ModelCase(cfg, spec, parse_expectation(text, str(cfg))))
    return cases


def check_embedded(case: ModelCase) -> Figures:
    """Run the embedded checker on one model; a load error or crash is an ``error``."""
    from aura_model.tla import TlaError, check, load_model

    started = time.perf_counter()
    try:
        model = load_model(case.spec, case.cfg)
        res = check(model)
    except TlaError as exc:
        return Figures(
            "embedded", "error", seconds=time.perf_counter() - started,
            message=f"{type(exc).__name__}: {exc}",
        )  # fmt: skip
    except Exception as exc:  # a checker defect must not stop the other models
        return Figures(
            "embedded", "error", seconds=time.perf_counter() - started,
            message=f"checker crashed: {type(exc).__name__}: {exc}",
        )  # fmt: skip
    return Figures(
        "embedded",
        res.result,
        res.violated,
        res.distinct_states,
        res.depth,
        res.trace_length,
        res.loop is not None,
        time.perf_counter() - started,
        res.message or "",
        (*model.cfg.invariants, *model.cfg.properties),
        _trace_steps(res.to_itf(model)) if res.trace else (),
    )


def _trace_steps(doc: dict[str, Any]) -> tuple[tuple[str | None, dict[str, Any]], ...]:
    """An ITF document's states as (action, state) pairs; the initial state has no action."""
    out: list[tuple[str | None, dict[str, Any]]] = []
    for i, state in enumerate(doc.get("states", [])):
        meta = state.get("#meta", {})
        action = meta.get("action") if i > 0 else None
        out.append((action, {k: v for k, v in state.items() if k != "#meta"}))
    return tuple(out)


def _with_message(fig: Figures) -> str:
    return f"{fig.got} ({fig.message})" if fig.message else str(fig.got)


def _disagreements(embedded: Figures, tlc: Figures) -> list[str]:
    """How the embedded checker's figures differ from TLC's (empty: they agree)."""
    if embedded.got != tlc.got:
        return [f"embedded {_with_message(embedded)} but TLC {_with_message(tlc)}"]
    if tlc.result == "ok" and embedded.distinct_states != tlc.distinct_states:
        return [f"distinct states: embedded {embedded.distinct_states}, TLC {tlc.distinct_states}"]
    safety = tlc.result in ("invariant", "property", "deadlock") and not tlc.lasso
    if safety and embedded.trace_length != tlc.trace_length:
        return [
            f"shortest trace: embedded {embedded.trace_length} states, "
            f"TLC {tlc.trace_length} (both search breadth-first)"
        ]
    return []


def check_case(
    case: ModelCase,
    tlc: EngineResult | None = None,
    sany: SanyResult | None = None,
    *,
    tlc_absent: str = "",
    embedded: Figures | None = None,
) -> ModelOutcome:
    """Judge one model: the embedded checker's run (made here unless given) against TLC's.

    With ``tlc=None`` the embedded checker is held to the expectation alone: MET or
    FAILED, or SKIPPED (never MET) when ``tlc_absent`` says why TLC could not run.
    """
    emb = embedded if embedded is not None else check_embedded(case)
    if tlc is None:
        if emb.got != case.expect:
            problem = f"embedded: expected {case.expect}, got {_with_message(emb)}"
            return ModelOutcome(case, Outcome.FAILED, emb, problems=(problem,))
        if tlc_absent:
            return ModelOutcome(case, Outcome.SKIPPED, emb, note=f"TLC not run: {tlc_absent}")
        return ModelOutcome(case, Outcome.MET, emb)
    other = Figures.of_tlc(tlc)
    problems: list[str] = []
    if sany is not None and not sany.accepted:
        problems.append(f"SANY: {sany.describe()}")
    if other.got != case.expect:
        problems.append(f"TLC: expected {case.expect}, got {_with_message(other)}")
    problems += _disagreements(emb, other)
    outcome = Outcome.FAILED if problems else Outcome.MET
    return ModelOutcome(case, outcome, emb, other, tuple(problems))


@attrs.frozen
class SpecCheckReport:
    """Every model's outcome and SANY's verdict on every module of the folder."""

    models: list[ModelOutcome]
    modules: list[SanyResult]
    tool: str  # which TLC ran, or why none could
    skipped: str = ""  # why TLC/SANY did not run; empty when they did

    def status(self) -> Status:
        failed = any(o.outcome is Outcome.FAILED for o in self.models)
        if failed or not self.models or any(not m.accepted for m in self.modules):
            return Status.FAIL
        return Status.SKIPPED if self.skipped else Status.PASS

    def detail(self) -> str:
        counts = {o: sum(m.outcome is o for m in self.models) for o in Outcome}
        text = (
            f"{counts[Outcome.MET]} met, {counts[Outcome.FAILED]} failed, "
            f"{counts[Outcome.SKIPPED]} skipped of {len(self.models)} models"
        )
        if self.modules:
            accepted = sum(m.accepted for m in self.modules)
            text += f"; SANY accepts {accepted}/{len(self.modules)} modules"
        rejected = [m.describe() for m in self.modules if not m.accepted]
        if rejected:
            text += f" (rejected: {'; '.join(rejected)})"
        failed = [
            f"{o.case.cfg.name}: {o.detail}" for o in self.models if o.outcome is Outcome.FAILED
        ]
        if failed:
            text += f" (failed: {'; '.join(failed)})"
        if self.skipped:
            text += f"; TLC and SANY not run, so not counted as passes: {self.skipped}"
        else:
            text += f"; TLC: {self.tool}"
        return text


@contextmanager
def _background() -> Iterator[ThreadPoolExecutor]:
    # TLC and SANY are Java subprocesses, two at a time beside the embedded
    # checker (which holds the interpreter): once the stages running beside
    # spec-check end, the second core would otherwise idle (make verify
    # 2 min 59 s -> 2 min 36 s). Queued runs are dropped on exit.
    pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="spec-check-tlc")
    try:
        yield pool
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _sany_unavailable(tool: ToolStatus) -> str:
    if not tool.available:
        return tool.reason
    if tool.jar is None:
        return f"SANY needs tla2tools.jar; TLC was found as {tool.reason}"
    return ""


def run_spec_check(
    directory: Path | None = None,
    emit: Callable[[str], None] = print,
    tool: ToolStatus | None = None,
) -> SpecCheckReport:
    """SANY on every module, then each model through TLC and the embedded checker.

    ``tool`` defaults to :func:`detect_tlc`; ``emit`` gets one line per module and per
    model, as each finishes. TLC runs in a worker thread while the embedded checker
    works on the same model, and its runs are kept for the ``tlc`` stage.
    """
    root = directory if directory is not None else spec_dir()
    cases = discover(root)
    status = tool if tool is not None else detect_tlc()
    absent = _sany_unavailable(status)
    if absent:
        emit(f"[spec-check] SKIPPED TLC and SANY: {absent}")
        alone: list[ModelOutcome] = []
        for case in cases:
            alone.append(check_case(case, tlc_absent=absent))
            emit(f"[spec-check] {alone[-1].line()}")
        return SpecCheckReport(alone, [], status.reason, absent)
    with _background() as pool:
        modules = sorted(root.glob("*.tla"))
        sany_runs = [pool.submit(run_sany, status, module) for module in modules]
        tlc_runs: list[Future[tuple[EngineResult, bool]]] = [
            pool.submit(shared_tlc_run, status, case.spec, case.cfg) for case in cases
        ]
        verdicts: list[SanyResult] = []
        for run in sany_runs:
            verdict = run.result()
            verdicts.append(verdict)
            state = "ok     " if verdict.accepted else "FAILED "
            emit(f"[spec-check] SANY {state}{verdict.describe()} {verdict.seconds:.1f}s")
        by_name = {v.module.name: v for v in verdicts}
        models: list[ModelOutcome] = []
        for case, tlc_run in zip(cases, tlc_runs, strict=True):
            embedded = check_embedded(case)
            tlc_result, _ = tlc_run.result()
            model = check_case(case, tlc_result, by_name.get(case.spec.name), embedded=embedded)
            emit(f"[spec-check] {model.line()}")
            models.append(model)
    return SpecCheckReport(models, verdicts, status.reason)


def stage_spec_check() -> StageResult:
    """The ``spec-check`` stage: PASS iff SANY, TLC and the embedded checker agree on
    every model as its expectation says; SKIPPED (never PASS) without TLC."""
    started = time.perf_counter()
    try:
        import aura_model.tla  # noqa: F401
    except ImportError as exc:
        return StageResult("spec-check", Status.SKIPPED, f"embedded checker unavailable: {exc}")
    try:
        report = run_spec_check()
    except SpecCheckError as exc:
        return StageResult("spec-check", Status.FAIL, str(exc), time.perf_counter() - started)
    from aura_model.spec_evidence import report_evidence

    return attrs.evolve(
        report_evidence(report),
        status=report.status(),
        detail=report.detail(),
        seconds=time.perf_counter() - started,
    )
