"""The core is sans-IO and layered: no module imports asyncio, socket, time, os or
random, and each sub-package imports only the layers below it."""

from __future__ import annotations

import ast
from pathlib import Path

import aura_rendezvous
import pytest

FORBIDDEN = {"asyncio", "socket", "time", "os", "random", "secrets", "datetime", "threading"}
CORE = Path(aura_rendezvous.__file__).parent
MODULES = sorted(str(p.relative_to(CORE)) for p in CORE.rglob("*.py"))

# What each layer may import of aura_rendezvous (besides itself); "" is the top
# level (the service, its config and adapter, and the public __init__).
LAYERS = {
    "core": set(),
    "descriptors": {"core"},
    "journal": {"core", "descriptors"},
    "guard": {"core", "descriptors", "journal", "channels"},
    "noise": {"core"},
    "channels": {"core", "noise"},
    "choreography": {"core"},
    "": {"core", "descriptors", "journal", "guard", "noise", "channels", "choreography"},
}


def imported_roots(source: str) -> set[str]:
    roots: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            roots |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


def imported_layers(source: str) -> set[str]:
    """The sub-packages of aura_rendezvous a module imports ("" for the top level)."""
    layers: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        modules: list[str] = []
        if isinstance(node, ast.Import):
            modules = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            modules = [node.module]
        for module in modules:
            parts = module.split(".")
            if parts[0] != "aura_rendezvous":
                continue
            inner = parts[1] if len(parts) > 1 else ""
            layers.add(inner if inner in LAYERS else "")
    return layers


def layer_of(module: str) -> str:
    first = Path(module).parts[0]
    return first if first in LAYERS else ""


@pytest.mark.parametrize("module", MODULES)
def test_core_module_does_no_io(module: str) -> None:
    """No I/O, clock or randomness imports anywhere in the package."""
    assert not imported_roots((CORE / module).read_text()) & FORBIDDEN


@pytest.mark.parametrize("module", MODULES)
def test_module_imports_only_lower_layers(module: str) -> None:
    """A module imports its own layer and the layers below it, never one above."""
    layer = layer_of(module)
    imported = imported_layers((CORE / module).read_text()) - {layer}
    assert imported <= LAYERS[layer], f"{module} imports {imported - LAYERS[layer]}"


def test_layers_form_no_cycle() -> None:
    """The allowed imports themselves are a DAG (no layer reaches itself)."""

    def reaches(start: str, target: str, seen: frozenset[str] = frozenset()) -> bool:
        return any(
            below == target or (below not in seen and reaches(below, target, seen | {below}))
            for below in LAYERS[start]
        )

    assert not any(reaches(layer, layer) for layer in LAYERS)


def test_every_package_is_scanned_and_has_a_layer() -> None:
    """The module list is discovered, not written out: every sub-package (the
    channel layer included) is scanned, and each has its own entry in LAYERS,
    so a new package can neither slip past the scan nor default to the top
    level's imports."""
    packages = {Path(m).parts[0] for m in MODULES if len(Path(m).parts) > 1}
    assert packages == set(LAYERS) - {""}
    scanned = set(MODULES)
    for package in packages:
        on_disk = {str(p.relative_to(CORE)) for p in (CORE / package).glob("*.py")}
        assert on_disk and on_disk <= scanned, package
    assert {"channels/_manager.py", "channels/_endpoint.py", "channels/_handshaker.py"} <= scanned


def test_detector_detects() -> None:
    """Counterpart: the scans do see a forbidden import and an upward one."""
    assert imported_roots("import time\nfrom os import path\n") & FORBIDDEN == {"time", "os"}
    upward = "from aura_rendezvous.guard import GuardOutcome\nimport aura_rendezvous\n"
    assert imported_layers(upward) - LAYERS["channels"] == {"guard", ""}
    assert len(MODULES) > 40
