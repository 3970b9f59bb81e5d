"""The ``spec-check`` stage: every TLC model in ``spec/`` meets its stated expectation.

Each ``spec/MC_<Module>[_<variant>].cfg`` belongs to ``spec/<Module>.tla`` and
states what the embedded checker must report in a comment line::

    \\* expect: ok
    \\* expect: invariant GCChargeFirst
    \\* expect: property DVJournalGrowOnly

A correct model must pass; a broken variant (``_bad_``) must fail with exactly
the named invariant or property, so that no invariant is vacuous. A model the
checker cannot fully decide (it reports ``skipped``, e.g. a liveness property
it does not check) is reported as SKIPPED with the checker's reason, never as a
pass.
"""

from __future__ import annotations

import enum
import re
import time
from collections.abc import Callable
from pathlib import Path

import attrs

from aura_model.stages import StageResult, Status

__all__ = [
    "Expectation",
    "ModelCase",
    "ModelOutcome",
    "Outcome",
    "SpecCheckError",
    "SpecInvariant",
    "check_case",
    "discover",
    "module_invariants",
    "parse_expectation",
    "run_spec_check",
    "spec_dir",
    "stage_spec_check",
]

_RESULTS = frozenset({"ok", "invariant", "property", "deadlock", "error", "assume"})
_NAMED = frozenset({"invariant", "property"})
_EXPECT = re.compile(r"^\\\*\s*expect:\s*(?P<body>.*?)\s*$")
_CFG_NAME = re.compile(r"^MC_(?P<module>[A-Za-z][A-Za-z0-9]*)(?:_[A-Za-z0-9_]+)?\.cfg$")


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
class ModelOutcome:
    """What one model run produced, compared with its expectation."""

    case: ModelCase
    outcome: Outcome
    result: str
    violated: str | None
    distinct_states: int | None
    depth: int | None
    seconds: float
    detail: str = ""

    def line(self) -> str:
        got = self.result if self.violated is None else f"{self.result} {self.violated}"
        text = (
            f"{self.outcome.value:7s} {self.case.cfg.name}: {got} "
            f"(expected {self.case.expect}; states={self.distinct_states}, "
            f"depth={self.depth}, {self.seconds:.1f}s)"
        )
        return f"{text} {self.detail}" if self.detail else text


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


def spec_dir() -> Path:
    """``spec/`` of the project: the checkout this package is installed from."""
    return Path(__file__).resolve().parents[2] / "spec"


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
    """Every ``MC_*.cfg`` of ``directory`` (default ``spec/``), sorted by name."""
    root = directory if directory is not None else spec_dir()
    if not root.is_dir():
        raise SpecCheckError(f"{root}: no spec directory")
    cases: list[ModelCase] = []
    for cfg in sorted(root.glob("MC_*.cfg")):
        m = _CFG_NAME.match(cfg.name)
        if m is None:
            raise SpecCheckError(f"{cfg}: name is not MC_<Module>[_<variant>].cfg")
        spec = root / f"{m.group('module')}.tla"
        if not spec.is_file():
            raise SpecCheckError(f"{cfg}: its module {spec.name} does not exist")
        text = cfg.read_text(encoding="utf-8")
        cases.append(ModelCase(cfg, spec, parse_expectation(text, str(cfg))))
    return cases


def check_case(case: ModelCase) -> ModelOutcome:
    """Run the embedded checker on one model and compare with its expectation."""
    from aura_model.tla import TlaError, check, load_model

    started = time.perf_counter()
    try:
        res = check(load_model(case.spec, case.cfg))
    except TlaError as exc:
        return ModelOutcome(
            case, Outcome.FAILED, "error", None, None, None,
            time.perf_counter() - started, f"[{type(exc).__name__}: {exc}]",
        )  # fmt: skip
    seconds = time.perf_counter() - started
    got = Expectation(res.result, res.violated if res.result in _NAMED else None)
    if got == case.expect:
        outcome, detail = Outcome.MET, ""
    elif res.result == "skipped" and case.expect.result == "ok":
        # The safety part passed but the checker left some property unchecked.
        outcome, detail = Outcome.SKIPPED, f"[not checked: {res.message}]"
    else:
        outcome = Outcome.FAILED
        detail = f"[{res.message}]" if res.message else ""
    return ModelOutcome(
        case, outcome, res.result, res.violated, res.distinct_states, res.depth, seconds, detail
    )


def run_spec_check(
    directory: Path | None = None, emit: Callable[[str], None] = print
) -> list[ModelOutcome]:
    """Check every model of ``directory``; ``emit`` gets one line per model."""
    outcomes: list[ModelOutcome] = []
    for case in discover(directory):
        outcome = check_case(case)
        emit(f"[spec-check] {outcome.line()}")
        outcomes.append(outcome)
    return outcomes


def stage_spec_check() -> StageResult:
    """The ``spec-check`` stage: PASS iff every model met its expectation."""
    started = time.perf_counter()
    try:
        import aura_model.tla  # noqa: F401
    except ImportError as exc:
        return StageResult("spec-check", Status.SKIPPED, f"embedded checker unavailable: {exc}")
    try:
        outcomes = run_spec_check()
    except SpecCheckError as exc:
        return StageResult("spec-check", Status.FAIL, str(exc), time.perf_counter() - started)
    failed = [o.case.cfg.name for o in outcomes if o.outcome is Outcome.FAILED]
    skipped = [o.case.cfg.name for o in outcomes if o.outcome is Outcome.SKIPPED]
    met = len(outcomes) - len(failed) - len(skipped)
    detail = f"{met} met, {len(failed)} failed, {len(skipped)} skipped of {len(outcomes)} models"
    if failed:
        detail += f" (failed: {', '.join(failed)})"
    if skipped:
        detail += f" (skipped, not counted as passes: {', '.join(skipped)})"
    status = Status.FAIL if failed or not outcomes else Status.PASS
    return StageResult("spec-check", status, detail, time.perf_counter() - started)
