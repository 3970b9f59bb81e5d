"""``docs/invariants.md`` against the specs: one row per invariant, each with a broken variant."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from aura_model.spec_check import discover, module_invariants, spec_dir

SPEC = spec_dir()
CATALOGUE = SPEC.parent / "docs" / "invariants.md"
MODULES = ("GuardChain", "DescriptorValidity", "EpochRotation", "Rendezvous")


def _rows(text: str) -> dict[str, list[str]]:
    rows: dict[str, list[str]] = {}
    for line in text.splitlines():
        if not line.startswith("| ") or line.startswith(("| id ", "|---")):
            continue
        cells = [c.strip() for c in line.strip().strip("|").split(" | ")]
        assert len(cells) == 8, f"catalogue row has {len(cells)} cells: {line}"
        assert cells[0] not in rows, f"duplicate catalogue row {cells[0]}"
        rows[cells[0]] = cells
    return rows


def _cfg_names() -> set[str]:
    names: set[str] = set()
    for case in discover():
        text = re.sub(r"\\\*[^\n]*", "", case.cfg.read_text(encoding="utf-8"))
        for key in ("INVARIANTS?", "PROPERT(?:Y|IES)"):
            for m in re.finditer(rf"^{key}\s+(.*)$", text, re.M):
                names.update(m.group(1).split())
    return names


ROWS = _rows(CATALOGUE.read_text(encoding="utf-8"))
INVARIANTS = {
    inv.name: (module, inv)
    for module in MODULES
    for inv in module_invariants(SPEC / f"{module}.tla")
}


def test_catalogue_lists_every_invariant_of_every_model_and_nothing_else() -> None:
    """Every name in any cfg and every THEOREM name has a row, and every row is one of them."""
    assert _cfg_names() <= set(INVARIANTS)
    assert set(ROWS) == set(INVARIANTS)


@pytest.mark.parametrize("name", sorted(INVARIANTS))
def test_row_matches_the_module(name: str) -> None:
    """The row names the operator and module, its kind, and the boxed English statement."""
    module, inv = INVARIANTS[name]
    row = ROWS[name]
    assert row[1] == inv.kind
    assert row[2] == inv.statement
    assert row[3] == f"`{name}` ({module}.tla)"
    assert row[7], "the threat column is empty"


@pytest.mark.parametrize("name", sorted(INVARIANTS))
def test_every_safety_invariant_has_a_broken_variant_expecting_it(name: str) -> None:
    """A bad cfg expects exactly this violation, with the BUG flag the catalogue names.

    A liveness property's broken variant drops the fairness instead of setting a flag.
    Exempt: TypeOK invariants for which no shortfall of the public code breaks a type.
    """
    module, inv = INVARIANTS[name]
    bads = [
        c
        for c in discover()
        if c.spec.stem == module and "_bad_" in c.cfg.name and c.expect.name == name
    ]
    flags = sorted(
        flag
        for c in bads
        for flag in re.findall(r"(BUG_\w+) = TRUE", c.cfg.read_text(encoding="utf-8"))
    )
    listed = sorted(re.findall(r"`(BUG_\w+)`", ROWS[name][4]))
    assert flags == listed
    if name.endswith("TypeOK") and module != "GuardChain":
        return
    assert bads, f"no MC_{module}_bad_{name}*.cfg"
    kind = "invariant" if inv.kind == "inv" else "property"
    assert all(c.expect.result == kind for c in bads)


def _z3_defined() -> dict[str, set[str]]:
    registry = pytest.importorskip("aura_model.z3._registry")
    systems = [entry.build() for entry in registry.MODELS]
    return {
        "inv": {name for ts in systems for name in ts.invariants},
        "act": {name for ts in systems for name in ts.action_properties},
    }


def _z3_column_errors(rows: dict[str, list[str]], defined: dict[str, set[str]]) -> list[str]:
    errors = []
    for name, row in rows.items():
        if row[5] == "—":
            continue
        if row[5] != f"`{name}`":
            errors.append(f"{name}: Z3 column names {row[5]}")
        elif name not in defined.get(row[1], set()):
            errors.append(f"{name}: no Z3 {row[1]} query of that name")
    return errors


def test_z3_counterparts_exist_in_the_z3_models() -> None:
    """A Z3 column that names a query names one the Z3 models define: a state
    invariant for an ``inv`` row, an action property (``[][P]_vars``) for an
    ``act`` row."""
    assert _z3_column_errors(ROWS, _z3_defined()) == []
    assert ROWS["DVJournalGrowOnly"][5] == "`DVJournalGrowOnly`"


def test_z3_column_rejects_an_action_property_posing_as_an_invariant() -> None:
    """Failing counterpart: the kinds are not interchangeable, and an unknown
    name is caught."""
    defined = _z3_defined()
    row = list(ROWS["DVJournalGrowOnly"])
    as_inv = {"DVJournalGrowOnly": [row[0], "inv", *row[2:]]}
    assert _z3_column_errors(as_inv, defined) == ["DVJournalGrowOnly: no Z3 inv query of that name"]
    unknown = {"GCNope": ["GCNope", "inv", "", "", "", "`GCNope`", "", ""]}
    assert _z3_column_errors(unknown, defined) == ["GCNope: no Z3 inv query of that name"]


def test_catalogue_reader_rejects_a_row_with_missing_cells(tmp_path: Path) -> None:
    """Failing counterpart: a malformed row is caught, not silently skipped."""
    with pytest.raises(AssertionError, match="cells"):
        _rows("| GCChargeFirst | inv | text |\n")
