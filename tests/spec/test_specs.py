"""Static checks of ``spec/``: every module parses, every model refers to real names."""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import pytest
import tla
from aura_model.spec_check import discover, module_invariants
from aura_model.specs import all_configs, config_path, model_dir, spec_dir

SPEC = spec_dir()
MODULES = ("GuardChain", "DescriptorValidity", "EpochRotation", "Rendezvous")
TLA_FILES = sorted(SPEC.glob("*.tla"))
CFG_FILES = all_configs()
STANDARD = {"Naturals", "Integers", "Sequences", "FiniteSets", "TLC"}
CFG_KEYWORDS = {
    "SPECIFICATION", "INIT", "NEXT", "INVARIANT", "INVARIANTS", "PROPERTY", "PROPERTIES",
    "CONSTRAINT", "CONSTRAINTS", "ACTION_CONSTRAINT", "ACTION_CONSTRAINTS", "CHECK_DEADLOCK",
}  # fmt: skip


def _strip_comments(text: str) -> str:
    text = re.sub(r"\(\*.*?\*\)", " ", text, flags=re.S)
    return re.sub(r"\\\*[^\n]*", " ", text)


def _defined(text: str) -> set[str]:
    """Operators defined at the start of a line (``Name ==`` or ``Name(args) ==``)."""
    return set(re.findall(r"^([A-Za-z_]\w*)\s*(?:\([^)]*\))?\s*==", text, re.M))


def _declared(text: str, keyword: str) -> list[str]:
    """Names of the CONSTANTS or VARIABLES blocks, in order."""
    names: list[str] = []
    for block in re.findall(rf"^{keyword}\n(.*?)(?=\n\n)", text, re.M | re.S):
        for line in block.splitlines():
            names += re.findall(r"[A-Za-z_]\w*", line.split("\\*", 1)[0])
    return names


def _cfg_sections(text: str) -> dict[str, list[str]]:
    sections: dict[str, list[str]] = {}
    current = ""
    for token in re.findall(r"[A-Za-z_]\w*|=|<-|\{|\}|,", _strip_comments(text)):
        if token in CFG_KEYWORDS or token in {"CONSTANT", "CONSTANTS"}:
            current = "CONSTANTS" if token.startswith("CONSTANT") else token.rstrip("S")
            sections.setdefault(current, [])
        elif current:
            sections[current].append(token)
    return sections


def test_the_four_modules_and_their_apalache_wrappers_exist() -> None:
    """Each concern has its module, its ok model and its Apalache wrapper."""
    for name in MODULES:
        assert (SPEC / f"{name}.tla").is_file()
        assert (SPEC / f"AP{name}.tla").is_file()
        assert (model_dir(name) / f"MC_{name}.cfg").is_file()


def test_models_sit_in_their_module_folder_and_modules_at_the_top() -> None:
    """spec/ holds the modules and wrappers; spec/<Module>/ holds only that module's models."""
    assert sorted(p.name for p in SPEC.iterdir() if p.is_dir()) == sorted(MODULES)
    assert {p.suffix for p in SPEC.iterdir() if p.is_file()} == {".tla"}
    for name in MODULES:
        models = sorted(p.name for p in model_dir(name).iterdir())
        assert models, f"spec/{name}/ is empty"
        assert all(re.fullmatch(rf"MC_{name}(_\w+)?\.cfg", m) for m in models), models
    assert len(CFG_FILES) == sum(len(list(model_dir(n).iterdir())) for n in MODULES)


@pytest.mark.parametrize("path", TLA_FILES, ids=lambda p: p.name)
def test_every_module_parses_with_the_tla_parser(path: Path) -> None:
    """``tla.parse`` accepts the file, and the module name matches the file name."""
    module = tla.parse(path.read_text(encoding="utf-8"))
    assert module.name == path.stem


@pytest.mark.parametrize("path", TLA_FILES, ids=lambda p: p.name)
def test_modules_extend_only_standard_modules(path: Path) -> None:
    """Plain TLA+: EXTENDS only the standard modules (no tool-specific ones)."""
    text = path.read_text(encoding="utf-8")
    extends = re.findall(r"^EXTENDS\s+(.*)$", text, re.M)
    for line in extends:
        used = {n.strip() for n in line.split(",")}
        assert used <= STANDARD, f"{path.name} extends {used - STANDARD}"


@pytest.mark.parametrize("name", MODULES)
def test_every_constant_and_variable_has_an_apalache_type_in_the_wrapper(name: str) -> None:
    """A ``\\* @type:`` annotation precedes every CONSTANT and VARIABLE of AP<Module>.tla,
    which Apalache reads for the neutral module it instantiates (the APTCommit pattern)."""
    text = (SPEC / f"AP{name}.tla").read_text(encoding="utf-8")
    for keyword in ("CONSTANTS", "VARIABLES"):
        for block in re.findall(rf"^{keyword}\n(.*?)(?=\n\n)", text, re.M | re.S):
            lines = [ln.strip() for ln in block.splitlines() if ln.strip()]
            for prev, line in itertools.pairwise(lines):
                if not line.startswith("\\*"):
                    assert prev.startswith("\\* @type:"), f"{name}: untyped {line!r}"
            assert lines[0].startswith("\\* @type:")


@pytest.mark.parametrize("name", MODULES)
def test_the_neutral_module_carries_no_apalache_annotation(name: str) -> None:
    """Tool-specific annotations live only in the wrapper: the module is plain TLA+."""
    text = (SPEC / f"{name}.tla").read_text(encoding="utf-8")
    assert "@type" not in text


@pytest.mark.parametrize("name", MODULES)
def test_wrapper_declares_the_same_constants_and_variables(name: str) -> None:
    """AP<Module>.tla redeclares every constant and variable and fixes every constant in CInit."""
    spec = (SPEC / f"{name}.tla").read_text(encoding="utf-8")
    wrapper = (SPEC / f"AP{name}.tla").read_text(encoding="utf-8")
    assert _declared(wrapper, "CONSTANTS") == _declared(spec, "CONSTANTS")
    assert _declared(wrapper, "VARIABLES") == _declared(spec, "VARIABLES")
    assert f"INSTANCE {name}" in wrapper
    cinit = wrapper.split("CInit ==", 1)[1]
    for const in _declared(spec, "CONSTANTS"):
        assert re.search(rf"/\\ {const} = ", cinit), f"CInit of AP{name} misses {const}"


@pytest.mark.parametrize("cfg", CFG_FILES, ids=lambda p: p.name)
def test_every_cfg_refers_to_existing_names(cfg: Path) -> None:
    """Every constant a model sets is declared, every operator it names is defined."""
    case = next(c for c in discover() if c.cfg == cfg)
    spec_text = case.spec.read_text(encoding="utf-8")
    sections = _cfg_sections(cfg.read_text(encoding="utf-8"))
    declared = set(_declared(spec_text, "CONSTANTS"))
    const_tokens = sections.get("CONSTANTS", [])
    assigned = {const_tokens[i - 1] for i, tok in enumerate(const_tokens) if tok in {"=", "<-"}}
    assert assigned == declared, f"{cfg.name}: set {assigned ^ declared} differently"
    defined = _defined(spec_text)
    for key in ("SPECIFICATION", "INIT", "NEXT", "INVARIANT", "PROPERTY", "CONSTRAINT"):
        for op in sections.get(key, []):
            assert op in defined, f"{cfg.name}: {key} {op} is not defined in {case.spec.name}"


@pytest.mark.parametrize("cfg", CFG_FILES, ids=lambda p: p.name)
def test_bug_flags_are_off_in_ok_models_and_one_is_on_in_each_bad_model(cfg: Path) -> None:
    """A broken variant switches on exactly one BUG flag (or, for liveness, drops the
    fairness of the module's FairSpec); a correct model switches on none."""
    text = cfg.read_text(encoding="utf-8")
    on = re.findall(r"(BUG_\w+) = TRUE", text)
    if "_bad_" in cfg.name and on == []:
        spec = _cfg_sections(text)["SPECIFICATION"]
        assert spec[0].endswith("Spec") and "Fair" not in spec[0], f"{cfg.name}: nothing broken"
        assert "expect: property" in text
    elif "_bad_" in cfg.name:
        assert len(on) == 1, f"{cfg.name} sets {on}"
    else:
        assert on == [], f"{cfg.name} sets {on}"


@pytest.mark.parametrize("name", MODULES)
def test_the_ok_model_checks_every_state_invariant_of_the_module(name: str) -> None:
    """MC_<Module>.cfg lists exactly the invariants the module's THEOREMs assert."""
    sections = _cfg_sections(config_path(f"MC_{name}.cfg").read_text(encoding="utf-8"))
    invs = {i.name for i in module_invariants(SPEC / f"{name}.tla") if i.kind == "inv"}
    assert set(sections.get("INVARIANT", [])) == invs


def test_the_cfg_reader_of_these_tests_sees_a_misspelt_operator(tmp_path: Path) -> None:
    """Failing counterpart: a cfg naming an undefined invariant is caught by the check above."""
    spec_text = (SPEC / "GuardChain.tla").read_text(encoding="utf-8")
    bad = (
        config_path("MC_GuardChain.cfg")
        .read_text(encoding="utf-8")
        .replace("GCChargeFirst", "GCChargeFrist")
    )
    sections = _cfg_sections(bad)
    assert "GCChargeFrist" in sections["INVARIANT"]
    assert "GCChargeFrist" not in _defined(spec_text)
