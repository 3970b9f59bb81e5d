"""The invariant catalogue (``docs/invariants.md``), built from what checks what.

One :class:`Row` per invariant and property a module's THEOREMs assert, plus the
invariants a conformance harness's own sub-spec adds. Every cell comes from a
source of truth, never from the catalogue itself:

- kind and English statement: the module (the boxed comment above the operator);
- broken variants: the ``MC_*_bad_*.cfg`` models that expect the violation;
- Z3 counterpart: the Z3 registry's models (a query of the same name, proved by
  induction or only bounded), minus the queries ``docs/catalogue/checks.toml``
  says do not check what the operator says;
- conformance: the invariants of each harness's model (checked at every
  implementation step), the harnesses' own observations listed in
  ``checks.toml`` (each verified to name its invariant in the code), and the
  wrong backends rejected naming the invariant;
- threat: ``docs/catalogue/threats.toml``, the one column no code knows.

With a report, :func:`statuses` adds one status per engine from its checks.
"""

from __future__ import annotations

import ast
import re
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import attrs

if TYPE_CHECKING:
    from aura_verify.report.data import Check, Report

__all__ = [
    "ENGINE_COLUMNS",
    "HARNESS_MODELS",
    "MODULES",
    "Catalogue",
    "CatalogueError",
    "Row",
    "build_catalogue",
    "render_markdown",
    "statuses",
]

MODULES = ("GuardChain", "DescriptorValidity", "EpochRotation", "Rendezvous")

# The model each conformance harness's step validator loads (its checker's
# cfg, relative to the project root); tests/spec/test_catalogue.py loads every
# checker and holds this table to it.
HARNESS_MODELS: dict[str, str] = {
    "guard": "spec/GuardChain/MC_GuardChain.cfg",
    "epoch": "spec/EpochRotation/MC_EpochRotation.cfg",
    "descriptor": "conformance/aura_conformance/descriptor_validity/tla/MC_DVConformance.cfg",
    "relay": "conformance/aura_conformance/relay/tla/MC_RelayConformance.cfg",
}

# Report engines -> the catalogue's status columns.
ENGINE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("embedded", "embedded"),
    ("tlc", "TLC"),
    ("apalache", "Apalache"),
    ("z3-proved", "Z3 proved"),
    ("z3-bounded", "Z3 bounded"),
    ("conformance", "conformance"),
)

NONE = "—"
_LIVENESS_CONFORMANCE = (
    f"{NONE} on steps (liveness is a property of whole behaviours: no implementation "
    "step is evaluated against it)"
)
_ACTION_CONFORMANCE = (
    f"{NONE} on steps (an action property is not evaluated on implementation steps, "
    "though every step must be a step of the model's `Next`)"
)


class CatalogueError(Exception):
    """A source of the catalogue is missing or disagrees with the code: says which."""


@attrs.frozen
class Row:
    """One invariant's line of the catalogue."""

    name: str
    kind: str  # "inv", "act" or "live"
    statement: str
    module: str  # the .tla file's stem
    broken: str
    z3: str
    conformance: str
    threat: str

    @property
    def operator(self) -> str:
        return f"`{self.name}` ({self.module}.tla)"

    def cells(self) -> tuple[str, ...]:
        return (
            self.name,
            self.kind,
            self.statement,
            self.operator,
            self.broken,
            self.z3,
            self.conformance,
            self.threat,
        )


@attrs.frozen
class Catalogue:
    """The main modules' rows, and the rows of the harnesses' sub-specs."""

    rows: tuple[Row, ...]
    sub_spec_rows: tuple[Row, ...]

    @property
    def all_rows(self) -> tuple[Row, ...]:
        return self.rows + self.sub_spec_rows


@attrs.frozen
class _WorldCheck:
    invariant: str
    harness: str
    file: str
    text: str


@attrs.frozen
class _Sources:
    """Everything the cells are made of, gathered once."""

    root: Path
    bad_cfgs: Mapping[str, Sequence[tuple[Path, str]]]  # invariant -> (cfg, its text)
    z3_queries: Mapping[str, tuple[str, str]]  # name -> (inv | act, how it is checked)
    z3_not_claimed: Mapping[str, str]
    harness_invariants: Mapping[str, tuple[str, ...]]
    world: Sequence[_WorldCheck]
    wrong_backends: Mapping[tuple[str, str], str]
    threats: Mapping[str, str]


def project_root() -> Path:
    from aura_model.specs import spec_dir

    return spec_dir().parent


def _read_toml(path: Path) -> dict[str, object]:
    try:
        with path.open("rb") as f:
            return tomllib.load(f)
    except OSError as exc:
        raise CatalogueError(f"{path}: cannot read ({exc.strerror})") from None
    except tomllib.TOMLDecodeError as exc:
        raise CatalogueError(f"{path}: {exc}") from None


def _string_table(doc: Mapping[str, object], key: str, where: Path) -> dict[str, str]:
    table = doc.get(key, {})
    if not isinstance(table, dict) or not all(
        isinstance(k, str) and isinstance(v, str) and v.strip() for k, v in table.items()
    ):
        raise CatalogueError(f"{where}: [{key}] must map names to non-empty strings")
    return dict(table)


def _world_checks(doc: Mapping[str, object], root: Path, where: Path) -> list[_WorldCheck]:
    found: list[_WorldCheck] = []
    entries = doc.get("world", [])
    if not isinstance(entries, list):
        raise CatalogueError(f"{where}: [[world]] must be a list of tables")
    for i, entry in enumerate(entries):
        keys = ("invariant", "harness", "file", "text")
        if not isinstance(entry, dict) or not all(isinstance(entry.get(k), str) for k in keys):
            raise CatalogueError(f"{where}: world entry {i + 1} needs {', '.join(keys)}")
        check = _WorldCheck(*(entry[k] for k in keys))
        if check.harness not in HARNESS_MODELS:
            raise CatalogueError(f"{where}: world entry {i + 1}: no harness {check.harness!r}")
        _require_named_violation(
            root / check.file, check.invariant, f"{where}: world entry {i + 1}"
        )
        found.append(check)
    return found


def _require_named_violation(path: Path, name: str, where: str) -> None:
    """The check exists: code in ``path`` (a string that is not a docstring or a
    comment, as a failure message or the name a failure is raised with) names
    ``name``."""
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    except OSError:
        raise CatalogueError(f"{where}: {path} does not exist") from None
    except SyntaxError as exc:
        raise CatalogueError(f"{where}: {path}: {exc}") from None
    docstrings = {
        id(body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and (body := node.body)
        and isinstance(body[0], ast.Expr)
        and isinstance(body[0].value, ast.Constant)
    }
    word = re.compile(rf"\b{re.escape(name)}\b")
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and id(node) not in docstrings
            and word.search(node.value)
        ):
            return
    raise CatalogueError(f"{where}: no code in {path.name} names {name} (only comments, if any)")


def _bad_cfgs(cfgs: Iterable[Path]) -> dict[str, list[tuple[Path, str]]]:
    from aura_model.spec_check import parse_expectation

    found: dict[str, list[tuple[Path, str]]] = {}
    for cfg in sorted(cfgs):
        if "_bad_" not in cfg.name:
            continue
        text = cfg.read_text(encoding="utf-8")
        expect = parse_expectation(text, str(cfg))
        if expect.name is not None:
            found.setdefault(expect.name, []).append((cfg, text))
    return found


def _z3_queries() -> dict[str, tuple[str, str]]:
    """Every Z3 query by name: its kind (``inv`` or ``act``) and how it is checked:
    ``proved`` (by induction, or from proved lemmas) or bounded with the
    registry's reason."""
    from aura_model.z3 import MODELS

    found: dict[str, tuple[str, str]] = {}
    for entry in MODELS:
        ts = entry.build()
        kinds = {
            **dict.fromkeys(ts.invariants, "inv"),
            **dict.fromkeys(ts.action_properties, "act"),
        }
        for name, kind in kinds.items():
            if name in entry.bounded:
                how = f"bounded only: {entry.bounded[name]}"
            elif name in entry.k_induction:
                how = f"proved ({entry.k_induction[name]}-induction)"
            elif entry.implied.get(name):
                lemmas = ", ".join(f"`{n}`" for n in entry.implied[name])
                how = f"proved (implied by the proved lemmas {lemmas})"
            elif kind == "act":
                how = "proved (a query per action: every step keeps it)"
            else:
                how = "proved (1-inductive with the model's lemmas)"
            found[name] = (kind, how)
    return found


_CFG_KEYWORDS = re.compile(
    r"^(CONSTANTS?|INIT|NEXT|SPECIFICATION|INVARIANTS?|PROPERT(?:Y|IES)|CONSTRAINTS?|"
    r"ACTION_CONSTRAINTS?|CHECK_DEADLOCK|VIEW|SYMMETRY|ALIAS|POSTCONDITION)\b"
)


def _cfg_invariants(path: Path) -> tuple[str, ...]:
    """The names after ``INVARIANT(S)`` in a TLC cfg (the test holds this reading
    to the invariants the harness's loaded model checks)."""
    text = re.sub(r"\(\*.*?\*\)", " ", path.read_text(encoding="utf-8"), flags=re.S)
    names: list[str] = []
    section = None
    for line in text.splitlines():
        words = line.split("\\*")[0].split()
        if words and _CFG_KEYWORDS.match(words[0]):
            section, words = words[0], words[1:]
        if section in ("INVARIANT", "INVARIANTS"):
            names += words
    return tuple(names)


def _sources(root: Path) -> _Sources:
    from aura_conformance.variants import WRONG_BACKENDS
    from aura_model.specs import all_configs

    cfgs = list(all_configs(root / "spec"))
    for rel in HARNESS_MODELS.values():
        cfgs += sorted((root / rel).parent.glob("MC_*.cfg"))
    checks_path = root / "docs" / "catalogue" / "checks.toml"
    threats_path = root / "docs" / "catalogue" / "threats.toml"
    checks = _read_toml(checks_path)
    return _Sources(
        root=root,
        bad_cfgs=_bad_cfgs(set(cfgs)),
        z3_queries=_z3_queries(),
        z3_not_claimed=_string_table(checks, "z3_not_claimed", checks_path),
        harness_invariants={h: _cfg_invariants(root / rel) for h, rel in HARNESS_MODELS.items()},
        world=_world_checks(checks, root, checks_path),
        wrong_backends=dict(WRONG_BACKENDS),
        threats=_string_table(_read_toml(threats_path), "threats", threats_path),
    )


def _broken_cell(name: str, kind: str, src: _Sources) -> str:
    parts: list[str] = []
    for cfg, text in src.bad_cfgs.get(name, ()):
        flags = re.findall(r"^\s*(BUG_\w+)\s*=\s*TRUE\b", text, re.M)
        if flags:
            parts.append(", ".join(f"`{f}`" for f in flags) + f" (`{cfg.name}`)")
        else:
            spec = re.search(r"^SPECIFICATION\s+(\w+)", text, re.M)
            without = f"`{spec.group(1)}`" if spec else "the model"
            parts.append(f"fairness dropped ({without}, `{cfg.name}`)")
    if parts:
        return "; ".join(parts)
    if name.endswith("TypeOK"):
        return f"{NONE} (a domain statement; no shortfall of the code breaks it)"
    return ""  # refused by the completeness check


def _z3_cell(name: str, kind: str, src: _Sources) -> str:
    if name in src.z3_not_claimed:
        return f"{NONE} ({src.z3_not_claimed[name]})"
    if kind == "live":
        return f"{NONE} (liveness is outside the Z3 models' safety methods)"
    query = src.z3_queries.get(name)
    if query is None:
        return f"{NONE} (no Z3 query of this name)"
    z3_kind, how = query
    if z3_kind != kind:
        return f"{NONE} (the Z3 query of this name is of kind {z3_kind}, not {kind})"
    return f"`{name}` {how}"


def _harness_cfg_name(harness: str) -> str:
    return Path(HARNESS_MODELS[harness]).name


def _conformance_cell(name: str, kind: str, src: _Sources) -> str:
    parts: list[str] = []
    for harness, invariants in src.harness_invariants.items():
        if name in invariants:
            parts.append(
                f"`{harness}` harness: every step (StepValidator, `{_harness_cfg_name(harness)}`)"
            )
    for check in src.world:
        if check.invariant == name:
            parts.append(f"`{check.harness}` harness: {check.text}")
    by_harness: dict[str, list[str]] = {}
    for (harness, backend), invariant in src.wrong_backends.items():
        if invariant == name:
            by_harness.setdefault(harness, []).append(backend)
    for harness, backends in by_harness.items():
        names = ", ".join(f"`{b}`" for b in backends)
        plural = "s" if len(backends) > 1 else ""
        parts.append(f"wrong {harness} backend{plural} {names} rejected naming it")
    if kind == "live":
        return "; ".join([_LIVENESS_CONFORMANCE, *parts])
    if kind == "act" and not parts:
        return _ACTION_CONFORMANCE
    if not parts:
        models = ", ".join(f"`{_harness_cfg_name(h)}`" for h in HARNESS_MODELS)
        return f"{NONE} (no conformance harness checks it: not an invariant of {models})"
    return "; ".join(parts)


def _row(module: str, name: str, kind: str, statement: str, src: _Sources) -> Row:
    threat = src.threats.get(name, "")
    return Row(
        name,
        kind,
        statement,
        module,
        _broken_cell(name, kind, src),
        _z3_cell(name, kind, src),
        _conformance_cell(name, kind, src),
        threat,
    )


_BOX_LINE = re.compile(r"^\(\*\s?(?P<text>.*?)\s*\*\)$")


def _boxed_statement(path: Path, name: str) -> str | None:
    """The statement of the ``(****)`` box just above ``name ==`` in ``path``, if any."""
    lines = path.read_text(encoding="utf-8").splitlines()
    index = next((i for i, ln in enumerate(lines) if ln.startswith(f"{name} ==")), None)
    if index is None or index == 0 or not lines[index - 1].startswith("(***"):
        return None
    start = index - 2
    while start >= 0 and not lines[start].startswith("(***"):
        start -= 1
    text = " ".join(
        m.group("text") for ln in lines[start + 1 : index - 1] if (m := _BOX_LINE.match(ln))
    )
    head = re.match(rf"{name}(\s*\([^)]*\))?:\s*(?P<rest>.*)$", text.strip())
    return " ".join(head.group("rest").split()) if head else None


def build_catalogue(root: Path | None = None) -> Catalogue:
    """Every row, from the specs, models, Z3 registry and harnesses under ``root``."""
    from aura_model.spec_check import module_invariants

    base = root if root is not None else project_root()
    src = _sources(base)
    rows = [
        _row(module, inv.name, inv.kind, inv.statement, src)
        for module in MODULES
        for inv in module_invariants(base / "spec" / f"{module}.tla")
    ]
    known = {r.name for r in rows}
    sub_rows: list[Row] = []
    for rel in HARNESS_MODELS.values():
        cfg = base / rel
        module = cfg.stem.removeprefix("MC_")
        tla = cfg.parent / f"{module}.tla"
        if module in MODULES or not tla.is_file():
            continue
        for name in src.harness_invariants[_harness_of(rel)]:
            statement = _boxed_statement(tla, name)
            if name not in known and statement is not None:
                sub_rows.append(_row(module, name, "inv", statement, src))
                known.add(name)
    catalogue = Catalogue(tuple(rows), tuple(sub_rows))
    _require_complete(catalogue)
    return catalogue


def _harness_of(rel: str) -> str:
    return next(h for h, r in HARNESS_MODELS.items() if r == rel)


def _require_complete(catalogue: Catalogue) -> None:
    empty = [
        f"{row.name}: {column}"
        for row in catalogue.all_rows
        for column, cell in zip(_COLUMNS, row.cells(), strict=True)
        if not cell.strip()
    ]
    if empty:
        raise CatalogueError("empty catalogue cells: " + "; ".join(empty))


_COLUMNS = (
    "id",
    "kind",
    "English statement",
    "TLA+ operator (module)",
    "broken variant",
    "Z3 counterpart",
    "conformance check",
    "threat guarded against",
)


def _check_status(checks: Sequence[Check]) -> str:
    """One cell: the worst status of the checks, per kind."""
    words: list[str] = []
    for kind, label in (("holds", "holds"), ("violated-by-broken-variant", "broken variant")):
        mine = [c.status.value for c in checks if c.kind == kind]
        if not mine:
            continue
        worst = next(s for s in ("FAIL", "SKIPPED", "PASS") if s in mine)
        words.append(f"{label} {worst}" + (f" ×{len(mine)}" if len(mine) > 1 else ""))
    return ", ".join(words) or NONE


def statuses(report: Report, name: str) -> tuple[str, ...]:
    """The row's status cell per engine (:data:`ENGINE_COLUMNS`) from ``report``'s checks."""
    mine = [c for c in report.checks if c.invariant == name]
    return tuple(
        _check_status([c for c in mine if c.engine == engine]) for engine, _ in ENGINE_COLUMNS
    )


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _table(rows: Sequence[Row], report: Report | None) -> list[str]:
    header = list(_COLUMNS)
    if report is not None:
        header += [f"{label} status" for _, label in ENGINE_COLUMNS]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for row in rows:
        cells = list(row.cells())
        if report is not None:
            cells += statuses(report, row.name)
        lines.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    return lines


_INTRO = """\
# Invariant catalogue

<!-- Generated by `aura-verify catalogue --write docs/invariants.md`: do not edit.
     The threat column is docs/catalogue/threats.toml; the harnesses' own checks
     and the Z3 notes are docs/catalogue/checks.toml. -->

One row per named invariant and property of the TLA+ specifications in `spec/`,
generated from the code that checks them, so no row claims a check that does
not exist (`tests/spec/test_catalogue.py` regenerates this file and compares).

- **kind**: **inv** state invariant, **act** action property, **live** liveness
  (under the fairness of the module's `*FairSpec`).
- **English statement**: the boxed comment above the operator in its module.
- **broken variant**: the models `spec/<Module>/MC_<Module>_bad_*.cfg` that expect
  this violation, with the `BUG_*` flags they set (a liveness property's broken
  variant drops the fairness instead).
- **Z3 counterpart**: the query of the same name in `model/aura_model/z3/`
  (`aura-verify prove`), proved (by induction, or from proved lemmas) or only
  bounded; `—` with the reason where none checks it.
- **conformance check**: the harness (`aura-verify conform --spec NAME`) whose
  model has the invariant, checked by the step validator on every implementation
  step; the harness's own observations of the real services that name it when
  violated; and the wrong backends rejected naming it.
- **threat guarded against**: `docs/catalogue/threats.toml`.
"""

_SUB_SPEC_INTRO = """\
## Invariants of the harnesses' sub-specs

A conformance harness may check a module of its own that instantiates a spec of
`spec/` (the relay harness's `RelayConformance.tla` instantiates `Rendezvous.tla`;
its models run in the spec-check stage beside `spec/`'s). The invariants such a
module adds, with the same columns:
"""

_STATUS_INTRO = """\
## Status

The status columns are the checks of the run recorded in `{report}`
(started {started}, profile {profile}): per engine, the worst status of the
checks that the invariant holds and of the checks that its broken variants are
caught; `—` where the run has no such check.
"""


def render_markdown(
    catalogue: Catalogue, report: Report | None = None, report_name: str = "report.json"
) -> str:
    """``docs/invariants.md``; with ``report``, one status column per engine."""
    lines = [_INTRO]
    if report is not None:
        lines.append(
            _STATUS_INTRO.format(report=report_name, started=report.started, profile=report.profile)
        )
    lines += ["## Invariants of `spec/`", ""]
    lines += _table(catalogue.rows, report)
    if catalogue.sub_spec_rows:
        lines += ["", _SUB_SPEC_INTRO]
        lines += _table(catalogue.sub_spec_rows, report)
    return "\n".join(lines) + "\n"
