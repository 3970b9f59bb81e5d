"""What the invariant catalogue's cells are made of, read from the project.

The bad models and the harnesses' models (cfg files), the Z3 registry's
queries, the wrong backends, and the two hand-kept files under
``docs/catalogue/``: the threats, and the harnesses' own checks of the real
services (each verified here to be named by code in the file it cites).
"""

from __future__ import annotations

import ast
import re
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import attrs

__all__ = [
    "HARNESS_MODELS",
    "CatalogueError",
    "Sources",
    "WorldCheck",
    "cfg_invariants",
    "project_root",
    "read_sources",
]

# (harness, model) for every step validator a conformance harness runs: the
# model's cfg, relative to the project root. The spec harnesses of
# ``aura-verify conform`` have one each; the wire harness (one member played
# by the backend, every message as bytes) judges every step against
# EpochRotation.tla and against Rendezvous.tla's direct channel path.
# tests/spec/test_catalogue.py loads every checker and holds this table to it.
HARNESS_MODELS: tuple[tuple[str, str], ...] = (
    ("guard", "conformance/aura_conformance/guard_chain/tla/GuardChainConformance.cfg"),
    ("epoch", "spec/EpochRotation/MC_EpochRotation.cfg"),
    ("descriptor", "conformance/aura_conformance/descriptor_validity/tla/MC_DVConformance.cfg"),
    ("relay", "conformance/aura_conformance/relay/tla/RelayConformance.cfg"),
    ("wire", "conformance/aura_conformance/wire/tla/MC_WireEpochRotation.cfg"),
    ("wire", "conformance/aura_conformance/wire/tla/WireRendezvous_runs.cfg"),
)


class CatalogueError(Exception):
    """A source of the catalogue is missing or disagrees with the code: says which."""


@attrs.frozen
class WorldCheck:
    """A harness's own check of an invariant: ``file`` names it in code."""

    invariant: str
    harness: str
    file: str
    text: str


@attrs.frozen
class Sources:
    """Everything the cells are made of, gathered once."""

    root: Path
    # (module, invariant) -> the bad models of that module expecting it, with their text
    bad_cfgs: Mapping[tuple[str, str], Sequence[tuple[Path, str]]]
    z3_queries: Mapping[str, tuple[str, str]]  # name -> (inv | act, how it is checked)
    z3_not_claimed: Mapping[str, str]
    harness_invariants: Mapping[tuple[str, str], tuple[str, ...]]  # (harness, cfg) ->
    world: Sequence[WorldCheck]
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


def _world_checks(doc: Mapping[str, object], root: Path, where: Path) -> list[WorldCheck]:
    found: list[WorldCheck] = []
    entries = doc.get("world", [])
    if not isinstance(entries, list):
        raise CatalogueError(f"{where}: [[world]] must be a list of tables")
    for i, entry in enumerate(entries):
        keys = ("invariant", "harness", "file", "text")
        if not isinstance(entry, dict) or not all(isinstance(entry.get(k), str) for k in keys):
            raise CatalogueError(f"{where}: world entry {i + 1} needs {', '.join(keys)}")
        check = WorldCheck(*(entry[k] for k in keys))
        if check.harness not in {h for h, _ in HARNESS_MODELS}:
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


def _bad_cfgs(cfgs: Iterable[Path]) -> dict[tuple[str, str], list[tuple[Path, str]]]:
    """The bad models ``MC_<Module>_bad_*.cfg`` by module and expected violation."""
    from aura_model.spec_check import parse_expectation

    found: dict[tuple[str, str], list[tuple[Path, str]]] = {}
    for cfg in sorted(cfgs):
        module, bad, _ = cfg.stem.removeprefix("MC_").partition("_bad_")
        if not bad:
            continue
        text = cfg.read_text(encoding="utf-8")
        expect = parse_expectation(text, str(cfg))
        if expect.name is not None:
            found.setdefault((module, expect.name), []).append((cfg, text))
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


def cfg_invariants(path: Path) -> tuple[str, ...]:
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


def read_sources(root: Path) -> Sources:
    """Every source of the cells under the project root ``root``."""
    from aura_conformance.variants import WRONG_BACKENDS
    from aura_conformance.wire import WIRE_WRONG_BACKENDS
    from aura_model.specs import all_configs

    cfgs = list(all_configs(root / "spec"))
    for _, rel in HARNESS_MODELS:
        cfgs += sorted((root / rel).parent.glob("MC_*.cfg"))
    checks_path = root / "docs" / "catalogue" / "checks.toml"
    threats_path = root / "docs" / "catalogue" / "threats.toml"
    checks = _read_toml(checks_path)
    return Sources(
        root=root,
        bad_cfgs=_bad_cfgs(set(cfgs)),
        z3_queries=_z3_queries(),
        z3_not_claimed=_string_table(checks, "z3_not_claimed", checks_path),
        harness_invariants={(h, rel): cfg_invariants(root / rel) for h, rel in HARNESS_MODELS},
        world=_world_checks(checks, root, checks_path),
        wrong_backends={
            **WRONG_BACKENDS,
            **{("wire", name): named for name, named in WIRE_WRONG_BACKENDS.items()},
        },
        threats=_string_table(_read_toml(threats_path), "threats", threats_path),
    )
