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

With a report, :func:`statuses` gives one status per engine from its checks;
:mod:`.catalogue_markdown` renders the rows as ``docs/invariants.md``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import attrs

from aura_verify.report.catalogue_sources import (
    HARNESS_MODELS,
    CatalogueError,
    Sources,
    project_root,
    read_sources,
)

if TYPE_CHECKING:
    from aura_verify.report.data import Check, Report

__all__ = [
    "COLUMNS",
    "ENGINE_COLUMNS",
    "HARNESS_MODELS",
    "MODULES",
    "Catalogue",
    "CatalogueError",
    "Row",
    "build_catalogue",
    "project_root",
    "statuses",
]

MODULES = ("GuardChain", "DescriptorValidity", "EpochRotation", "Rendezvous")

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


def _broken_cell(module: str, name: str, src: Sources) -> str:
    parts: list[str] = []
    for cfg, text in src.bad_cfgs.get((module, name), ()):
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


def _z3_cell(name: str, kind: str, src: Sources) -> str:
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


def _conformance_cell(name: str, kind: str, src: Sources) -> str:
    parts: list[str] = []
    for (harness, rel), invariants in src.harness_invariants.items():
        if name in invariants:
            parts.append(f"`{harness}` harness: every step (StepValidator, `{Path(rel).name}`)")
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
        return f"{NONE} (no conformance harness checks it: no harness's model has it)"
    return "; ".join(parts)


def _row(module: str, name: str, kind: str, statement: str, src: Sources) -> Row:
    threat = src.threats.get(name, "")
    return Row(
        name,
        kind,
        statement,
        module,
        _broken_cell(module, name, src),
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
    src = read_sources(base)
    rows = [
        _row(module, inv.name, inv.kind, inv.statement, src)
        for module in MODULES
        for inv in module_invariants(base / "spec" / f"{module}.tla")
    ]
    known = {r.name for r in rows}
    sub_rows: list[Row] = []
    for harness, rel in HARNESS_MODELS:
        cfg = base / rel
        # MC_<Module>.cfg or <Module>_<what>.cfg, beside its module
        module = cfg.stem.removeprefix("MC_").split("_")[0]
        tla = cfg.parent / f"{module}.tla"
        if module in MODULES or not tla.is_file():
            continue
        for name in src.harness_invariants[harness, rel]:
            statement = _boxed_statement(tla, name)
            if name not in known and statement is not None:
                sub_rows.append(_row(module, name, "inv", statement, src))
                known.add(name)
    catalogue = Catalogue(tuple(rows), tuple(sub_rows))
    _require_complete(catalogue)
    return catalogue


def _require_complete(catalogue: Catalogue) -> None:
    empty = [
        f"{row.name}: {column}"
        for row in catalogue.all_rows
        for column, cell in zip(COLUMNS, row.cells(), strict=True)
        if not cell.strip()
    ]
    if empty:
        raise CatalogueError("empty catalogue cells: " + "; ".join(empty))


COLUMNS = (
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
