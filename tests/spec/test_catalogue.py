"""``docs/invariants.md`` against the specs and the code that checks them.

The file is generated (``aura-verify catalogue --write docs/invariants.md``);
these tests regenerate it and compare, and then read the committed file as a
reader would: one row per invariant, each with a broken variant, and no cell
that claims a check that does not exist (a Z3 query, a harness's step check, a
harness's own observation, a wrong backend).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from aura_model.spec_check import discover, module_invariants, spec_dir
from aura_verify.main import main
from aura_verify.report.catalogue import (
    HARNESS_MODELS,
    MODULES,
    Catalogue,
    CatalogueError,
    build_catalogue,
)
from aura_verify.report.catalogue_markdown import render_markdown
from aura_verify.report.data import Check, Report, StageRecord, Status

ROOT = spec_dir().parent
SPEC = spec_dir()
CATALOGUE = ROOT / "docs" / "invariants.md"
NONE = "—"


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


TEXT = CATALOGUE.read_text(encoding="utf-8")
ROWS = _rows(TEXT)
INVARIANTS = {
    inv.name: (module, inv)
    for module in MODULES
    for inv in module_invariants(SPEC / f"{module}.tla")
}
MODELS_OF = {h: [rel for h2, rel in HARNESS_MODELS if h2 == h] for h, _ in HARNESS_MODELS}
RELAY_DIR = ROOT / Path(MODELS_OF["relay"][0]).parent
RELAY_TLA = RELAY_DIR / "RelayConformance.tla"


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return build_catalogue()


@pytest.fixture(scope="module")
def generated(catalogue: Catalogue) -> str:
    return render_markdown(catalogue)


def test_the_committed_catalogue_is_the_generated_one(generated: str) -> None:
    """Regenerate it: a hand edit, or a spec, model, Z3 query, harness or wrong
    backend that changed without it, shows here."""
    assert generated == TEXT, (
        "docs/invariants.md is out of date: aura-verify catalogue --write docs/invariants.md"
    )


def test_catalogue_lists_every_invariant_of_every_model_and_nothing_else() -> None:
    """Every name in any cfg and every THEOREM name has a row; besides them only
    the relay harness's own invariant (RelayConformance.tla) has one."""
    assert _cfg_names() <= set(INVARIANTS)
    assert set(ROWS) == set(INVARIANTS) | {"RVRelayFallback"}


@pytest.mark.parametrize("name", sorted(INVARIANTS))
def test_row_matches_the_module(name: str) -> None:
    """The row names the operator and module, its kind, and the boxed English statement."""
    module, inv = INVARIANTS[name]
    row = ROWS[name]
    assert row[1] == inv.kind
    assert row[2] == inv.statement
    assert row[3] == f"`{name}` ({module}.tla)"


def test_no_cell_is_empty() -> None:
    """Every row of the committed file has text in all eight cells."""
    empty = [(name, i) for name, row in ROWS.items() for i, cell in enumerate(row) if not cell]
    assert empty == []


def test_the_relay_harness_row_quotes_its_module() -> None:
    """The relay sub-spec's row quotes the boxed comment of RelayConformance.tla."""
    text = RELAY_TLA.read_text(encoding="utf-8")
    row = ROWS["RVRelayFallback"]
    assert row[3] == "`RVRelayFallback` (RelayConformance.tla)"
    words = row[2].split()[:6]
    assert " ".join(words) in " ".join(re.sub(r"[(*)]", " ", text).split())


def _bad_cases() -> list[tuple[Path, str, str]]:
    cases = [(c.cfg, c.spec.stem, c.expect.name or "") for c in discover()]
    relay_dir = RELAY_DIR
    cases += [
        (cfg, "RelayConformance", cfg.stem.split("_bad_")[1])
        for cfg in relay_dir.glob("*_bad_*.cfg")
    ]
    return [c for c in cases if "_bad_" in c[0].name]


@pytest.mark.parametrize("name", sorted(ROWS))
def test_every_safety_invariant_has_a_broken_variant_expecting_it(name: str) -> None:
    """A bad cfg expects exactly this violation, with the BUG flag the catalogue names.

    A liveness property's broken variant drops the fairness instead of setting a flag.
    Exempt: TypeOK invariants for which no shortfall of the public code breaks a type.
    """
    module = ROWS[name][3].split("(")[1].removesuffix(".tla)")
    bads = [cfg for cfg, spec, expect in _bad_cases() if spec == module and expect == name]
    flags = sorted(
        flag for cfg in bads for flag in re.findall(r"(BUG_\w+) = TRUE", cfg.read_text("utf-8"))
    )
    listed = sorted(re.findall(r"`(BUG_\w+)`", ROWS[name][4]))
    assert flags == listed
    if name.endswith("TypeOK") and module != "GuardChain":
        assert ROWS[name][4].startswith(f"{NONE} (a domain statement")
        return
    assert bads, f"no MC_{module}_bad_{name}*.cfg"
    if name in INVARIANTS:
        kind = "invariant" if INVARIANTS[name][1].kind == "inv" else "property"
        assert all(c.expect.result == kind for c in discover() if c.cfg in bads)


# --- overclaims: every claim in a Z3 or conformance cell names something real ---


def _z3_defined() -> dict[str, set[str]]:
    from aura_model.z3 import MODELS

    systems = [entry.build() for entry in MODELS]
    return {
        "inv": {name for ts in systems for name in ts.invariants},
        "act": {name for ts in systems for name in ts.action_properties},
    }


def _not_claimed() -> set[str]:
    import tomllib

    doc = tomllib.loads((ROOT / "docs" / "catalogue" / "checks.toml").read_text("utf-8"))
    return set(doc["z3_not_claimed"])


def _z3_column_errors(rows: dict[str, list[str]], defined: dict[str, set[str]]) -> list[str]:
    errors = []
    not_claimed = _not_claimed()
    for name, row in rows.items():
        cell = row[5]
        if cell.startswith(f"{NONE} ("):
            continue
        m = re.match(r"`(\w+)` (proved|bounded)", cell)
        if m is None or m.group(1) != name:
            errors.append(f"{name}: Z3 column names {cell}")
        elif name not in defined.get(row[1], set()):
            errors.append(f"{name}: no Z3 {row[1]} query of that name")
        elif name in not_claimed:
            errors.append(f"{name}: the Z3 query of that name does not check it")
    return errors


def test_z3_counterparts_exist_in_the_z3_models() -> None:
    """A Z3 column that names a query names one the Z3 models define: a state
    invariant for an ``inv`` row, an action property (``[][P]_vars``) for an
    ``act`` row; a liveness row has none."""
    assert _z3_column_errors(ROWS, _z3_defined()) == []
    assert ROWS["DVJournalGrowOnly"][5].startswith("`DVJournalGrowOnly` proved")
    assert all(row[5].startswith(NONE) for row in ROWS.values() if row[1] == "live")


def test_z3_column_rejects_an_action_property_posing_as_an_invariant() -> None:
    """Failing counterpart: the kinds are not interchangeable, and an unknown
    name is caught."""
    defined = _z3_defined()
    row = list(ROWS["DVJournalGrowOnly"])
    as_inv = {"DVJournalGrowOnly": [row[0], "inv", *row[2:]]}
    assert _z3_column_errors(as_inv, defined) == ["DVJournalGrowOnly: no Z3 inv query of that name"]
    unknown = {"GCNope": ["GCNope", "inv", "", "", "", "`GCNope` proved", "", ""]}
    assert _z3_column_errors(unknown, defined) == ["GCNope: no Z3 inv query of that name"]


def test_z3_column_rejects_the_descriptor_free_rendezvous_query() -> None:
    """Failing counterpart: the Rendezvous twin's query of this name leaves the
    descriptors out; claiming it is caught."""
    row = list(ROWS["RVConnectWithValidDescriptor"])
    assert row[5].startswith(f"{NONE} (the Rendezvous twin leaves the descriptor facts out")
    row[5] = "`RVConnectWithValidDescriptor` proved (inductive)"
    assert _z3_column_errors({row[0]: row}, _z3_defined()) == [
        "RVConnectWithValidDescriptor: the Z3 query of that name does not check it"
    ]


def _world() -> set[tuple[str, str, str]]:
    import tomllib

    doc = tomllib.loads((ROOT / "docs" / "catalogue" / "checks.toml").read_text("utf-8"))
    return {(w["invariant"], w["harness"], w["text"]) for w in doc["world"]}


def _harness_invariants() -> dict[tuple[str, str], set[str]]:
    """(harness, cfg file name) -> the invariants of that model."""
    # The cfg as the checker reads it (its own parser), without loading a module.
    from aura_model.tla._config import parse_config

    return {
        (h, Path(rel).name): set(parse_config(ROOT / rel).invariants) for h, rel in HARNESS_MODELS
    }


_STEP = re.compile(r"^`(\w+)` harness: every step \(StepValidator, `([^`]+)`\)$")
_WRONG = re.compile(r"^wrong (\w+) backends? (.+) rejected naming it$")
_OWN = re.compile(r"^`(\w+)` harness: (.+)$")


def _wrong_backends() -> dict[tuple[str, str], str]:
    from aura_conformance.variants import WRONG_BACKENDS
    from aura_conformance.wire import WIRE_WRONG_BACKENDS

    return {**WRONG_BACKENDS, **{("wire", b): name for b, name in WIRE_WRONG_BACKENDS.items()}}


def _conformance_errors(rows: dict[str, list[str]]) -> list[str]:
    wrong_backends = _wrong_backends()

    harness_invariants = _harness_invariants()
    world = _world()
    errors = []
    for name, row in rows.items():
        cell = row[6]
        claims = cell.split("; ")
        if row[1] == "live":
            if not claims[0].startswith(f"{NONE} on steps (liveness"):
                errors.append(f"{name}: a liveness property is not checked on steps")
            claims = claims[1:]
        elif claims[0].startswith(f"{NONE} "):
            if len(claims) > 1:
                errors.append(f"{name}: claims checks after saying there are none")
            continue
        for claim in claims:
            if m := _STEP.match(claim):
                harness, cfg = m.groups()
                if (harness, cfg) not in harness_invariants:
                    errors.append(f"{name}: the {harness} harness does not check {cfg}")
                elif name not in harness_invariants[harness, cfg]:
                    errors.append(f"{name}: not an invariant of the {harness} harness's model")
            elif m := _WRONG.match(claim):
                harness, names = m.group(1), re.findall(r"`([\w-]+)`", m.group(2))
                for backend in names:
                    if wrong_backends.get((harness, backend)) != name:
                        errors.append(f"{name}: no wrong {harness} backend {backend} naming it")
            elif m := _OWN.match(claim):
                if (name, m.group(1), m.group(2)) not in world:
                    errors.append(f"{name}: no {m.group(1)} harness check {m.group(2)!r}")
            else:
                errors.append(f"{name}: unrecognised conformance claim {claim!r}")
    return errors


def test_every_conformance_claim_names_a_real_check() -> None:
    """Each claim names a harness whose model has the invariant, a harness's own
    check listed in checks.toml, or a wrong backend rejected naming it."""
    assert _conformance_errors(ROWS) == []


@pytest.mark.parametrize(
    ("name", "cell", "error"),
    [
        (
            "ERHandshakeTerminates",
            "`epoch` harness: every step (StepValidator, `MC_EpochRotation.cfg`)",
            "ERHandshakeTerminates: a liveness property is not checked on steps",
        ),
        (
            "RVBudgetWithinLimit",
            "`relay` harness: every step (StepValidator, `RelayConformance.cfg`)",
            "RVBudgetWithinLimit: not an invariant of the relay harness's model",
        ),
        (
            "GCReceiptEpoch",
            "wrong guard backend `no-chain-check` rejected naming it",
            "GCReceiptEpoch: no wrong guard backend no-chain-check naming it",
        ),
        (
            "RVRelayAuthorized",
            "`relay` harness: the relay capability check",
            "RVRelayAuthorized: no relay harness check 'the relay capability check'",
        ),
        (
            "RVTypeOK",
            "`guard_chain_checker` (StepValidator, MC_GuardChain.cfg)",
            "RVTypeOK: unrecognised conformance claim "
            "'`guard_chain_checker` (StepValidator, MC_GuardChain.cfg)'",
        ),
    ],
)
def test_an_overclaiming_conformance_cell_is_caught(name: str, cell: str, error: str) -> None:
    """Failing counterparts, the first being the old hand-written
    ERHandshakeTerminates row: a check that does not exist is named."""
    row = list(ROWS[name])
    row[6] = cell
    assert _conformance_errors({name: row}) == [error]


def test_harness_models_are_the_ones_the_step_validators_load() -> None:
    """``HARNESS_MODELS`` (which the generator reads instead of loading six
    models) names each harness's checkers' cfgs, and each checker checks
    exactly its cfg's invariants."""
    from aura_conformance.descriptor_validity.checker import descriptor_validity_checker
    from aura_conformance.epoch_rotation.checker import epoch_rotation_checker
    from aura_conformance.guard_chain.checker import guard_chain_checker
    from aura_conformance.relay.checker import relay_checker
    from aura_conformance.spec_harnesses import SPEC_HARNESSES
    from aura_conformance.wire import wire_epoch_checker, wire_rendezvous_checker

    checkers = {
        "guard": [guard_chain_checker],
        "epoch": [epoch_rotation_checker],
        "descriptor": [descriptor_validity_checker],
        "relay": [relay_checker],
        "wire": [wire_epoch_checker, wire_rendezvous_checker],
    }
    assert set(MODELS_OF) == {*SPEC_HARNESSES, "wire"} == set(checkers)
    invariants = _harness_invariants()
    for harness, loads in checkers.items():
        loaded = [load() for load in loads]
        paths = sorted(str(Path(c.model.cfg.path).resolve()) for c in loaded)
        assert paths == sorted(str((ROOT / rel).resolve()) for rel in MODELS_OF[harness])
        for checker in loaded:
            cfg = Path(checker.model.cfg.path).name
            assert set(checker.invariants) == invariants[harness, cfg]


def test_the_generator_reads_every_cfg_as_the_checker_does() -> None:
    """The generator's quick reading of ``INVARIANTS`` agrees with the checker's
    cfg parser on every model of the project."""
    from aura_model.tla._config import parse_config
    from aura_verify.report.catalogue_sources import cfg_invariants

    cfgs = list(SPEC.rglob("MC_*.cfg"))
    cfgs += [p for _, rel in HARNESS_MODELS for p in (ROOT / rel).parent.glob("*.cfg")]
    assert len(cfgs) > 60
    for cfg in cfgs:
        assert cfg_invariants(cfg) == tuple(parse_config(cfg).invariants), cfg.name


# --- the generator refuses what it cannot vouch for ---


def _copy_sources(tmp_path: Path) -> Path:
    import shutil

    for rel in ("spec", "docs/catalogue", *{str(Path(p).parent) for _, p in HARNESS_MODELS}):
        shutil.copytree(ROOT / rel, tmp_path / rel, dirs_exist_ok=True)
    for rel in (
        "conformance/aura_conformance/guard_chain",
        "conformance/aura_conformance/epoch_rotation",
        "conformance/aura_conformance/descriptor_validity",
        "conformance/aura_conformance/wire",
    ):
        shutil.copytree(ROOT / rel, tmp_path / rel, dirs_exist_ok=True)
    return tmp_path


def test_the_generator_refuses_an_own_check_the_code_does_not_make(tmp_path: Path) -> None:
    """Failing counterpart: a ``[[world]]`` entry whose file never reports the
    invariant violated is refused."""
    root = _copy_sources(tmp_path)
    checks = root / "docs" / "catalogue" / "checks.toml"
    checks.write_text(
        checks.read_text("utf-8")
        + '\n[[world]]\ninvariant = "RVBudgetWithinLimit"\nharness = "guard"\n'
        'file = "conformance/aura_conformance/guard_chain/machine.py"\ntext = "made up"\n',
        encoding="utf-8",
    )
    with pytest.raises(CatalogueError, match=r"no code in machine\.py names RVBudgetWithinLimit"):
        build_catalogue(root)


def test_a_bad_model_of_another_module_is_not_its_broken_variant(tmp_path: Path) -> None:
    """A harness's own module may break an invariant of the same name (a wire
    composition of Rendezvous.tla): the row lists only its module's bad models."""
    root = _copy_sources(tmp_path)
    relay = root / RELAY_DIR.relative_to(ROOT)
    (relay / "MC_Other_bad_RVMembersOnly.cfg").write_text(
        "\\* expect: invariant RVMembersOnly\nCONSTANTS\n    BUG_Other = TRUE\n", encoding="utf-8"
    )
    row = next(r for r in build_catalogue(root).rows if r.name == "RVMembersOnly")
    assert row.broken == "`BUG_NoRosterCheck` (`MC_Rendezvous_bad_RVMembersOnly.cfg`)"


def test_the_generator_refuses_a_missing_threat(tmp_path: Path) -> None:
    """Failing counterpart: a row without a threat is an empty cell, refused."""
    root = _copy_sources(tmp_path)
    threats = root / "docs" / "catalogue" / "threats.toml"
    text = threats.read_text("utf-8")
    threats.write_text(re.sub(r"^ERPskSecret = .*\n", "", text, flags=re.M), encoding="utf-8")
    with pytest.raises(CatalogueError, match=r"ERPskSecret: threat guarded against"):
        build_catalogue(root)


# --- the command and the status columns ---


def _report(*checks: Check) -> Report:
    stage = StageRecord(
        "spec-check", Status.PASS, 1.0, "", None, {}, "aura-verify --stage spec-check"
    )
    return Report(
        started="2026-12-04T07:00:00Z",
        profile="default",
        strict=False,
        seed=None,
        exit_code=0,
        seconds=1.0,
        tools={},
        stages=(stage,),
        checks=checks,
    )


def test_status_columns_come_from_the_report(catalogue: Catalogue, generated: str) -> None:
    """Per engine, the worst status of each kind of check, counted; none is a dash."""
    report = _report(
        Check("GCChargeFirst", "GuardChain", "embedded", Status.PASS),
        Check("GCChargeFirst", "GuardChain", "tlc", Status.SKIPPED, detail="no java"),
        Check(
            "GCChargeFirst",
            "GuardChain",
            "embedded",
            Status.PASS,
            kind="violated-by-broken-variant",
        ),
        Check("GCChargeFirst", "GuardChain", "conformance", Status.PASS),
        Check("GCChargeFirst", "GuardChain", "conformance", Status.FAIL),
    )
    text = render_markdown(catalogue, report)
    row = next(line for line in text.splitlines() if line.startswith("| GCChargeFirst |"))
    cells = [c.strip() for c in row.strip().strip("|").split(" | ")]
    assert cells[8:] == [
        "holds PASS, broken variant PASS",
        "holds SKIPPED",
        NONE,
        NONE,
        NONE,
        "holds FAIL ×2",
    ]
    header = next(line for line in text.splitlines() if line.startswith("| id "))
    assert header.endswith("| conformance status |")
    assert text != generated


def test_the_command_checks_and_writes_the_file(tmp_path: Path, generated: str) -> None:
    """``--check`` fails on a stale file and names the command that fixes it;
    ``--write`` writes the generated text."""
    stale = tmp_path / "invariants.md"
    stale.write_text(generated.replace("| ERPskSecret | inv |", "| ERPskSecret | act |"), "utf-8")
    assert main(["catalogue", "--check", str(stale)]) == 1
    assert main(["catalogue", "--write", str(stale)]) == 0
    assert stale.read_text("utf-8") == generated
    assert main(["catalogue", "--check", str(stale)]) == 0


def test_the_command_reads_a_report(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``--report`` adds the status columns from a report.json; a report that is
    not one is refused in one line, naming the file, not with a traceback."""
    from aura_verify.report.data import write_report

    path = tmp_path / "report.json"
    write_report(_report(Check("ERPskSecret", "EpochRotation", "z3-proved", Status.PASS)), path)
    assert main(["catalogue", "--report", str(path)]) == 0
    out = capsys.readouterr().out
    row = next(line for line in out.splitlines() if line.startswith("| ERPskSecret |"))
    assert row.split(" | ")[11] == "holds PASS"  # the Z3 proved status column
    path.write_text('{"schema": "something else"}', encoding="utf-8")
    assert main(["catalogue", "--report", str(path)]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"[aura-verify] catalogue: {path}: ")
    assert "Traceback" not in err
