"""The layout's rules, checked on the source: layers import downward, no circles.

impl (aura_rendezvous) and model (aura_model) are the two bottom layers and know
nothing of each other; conformance (aura_conformance) drives both; the CLI
(aura_verify) sits on top and is the only package that reaches all three.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.architecture.imports import (
    PACKAGE_ROOTS,
    Module,
    graph_within,
    load_modules,
    package_of,
    strongly_connected,
)

PROJECT = Path(__file__).resolve().parents[2]

# Which top-level packages each one may import (besides itself).
ALLOWED: dict[str, set[str]] = {
    "aura_rendezvous": set(),
    "aura_net": {"aura_rendezvous"},
    "aura_model": set(),
    "aura_conformance": {"aura_rendezvous", "aura_model"},
    "aura_verify": {"aura_rendezvous", "aura_model", "aura_conformance", "aura_net"},
}

# Sub-packages allowed one more import than their package. The network profile
# runs the conformance machine over real sockets, so it needs the transports;
# the rest of the harness stays free of them.
ALLOWED_BELOW: dict[str, set[str]] = {
    "aura_conformance.network": {"aura_net"},
}


def _allowed(module: str) -> set[str]:
    extra = {
        target
        for sub, targets in ALLOWED_BELOW.items()
        if module == sub or module.startswith(sub + ".")
        for target in targets
    }
    return ALLOWED[package_of(module, 1)] | extra


@pytest.fixture(scope="module")
def modules() -> dict[str, Module]:
    found = load_modules(PROJECT)
    assert found, f"no packages found under {PROJECT}"
    return found


def test_every_package_is_in_the_layer_table() -> None:
    assert set(ALLOWED) == set(PACKAGE_ROOTS)


def test_layers_import_downward_only(modules: dict[str, Module]) -> None:
    wrong = sorted(
        f"{name} -> {target}"
        for name, module in modules.items()
        for target in module.imports
        if package_of(target, 1) != package_of(name, 1)
        and package_of(target, 1) not in _allowed(name)
    )
    assert wrong == []


def test_only_the_network_profile_of_the_harness_imports_the_transports(
    modules: dict[str, Module],
) -> None:
    importers = {
        name
        for name, module in modules.items()
        if name.startswith("aura_conformance")
        and any(package_of(t, 1) == "aura_net" for t in module.imports)
    }
    assert importers, "the network profile imports aura_net"
    assert {package_of(name, 2) for name in importers} == {"aura_conformance.network"}


def test_only_the_cli_sits_above_all_three(modules: dict[str, Module]) -> None:
    """The CLI reaches impl, model and conformance (directly or through conformance);
    no other package does, and nothing imports the CLI."""
    direct: dict[str, set[str]] = {top: set() for top in PACKAGE_ROOTS}
    for name, module in modules.items():
        top = package_of(name, 1)
        direct[top].update(package_of(t, 1) for t in module.imports if package_of(t, 1) != top)

    def reach(top: str) -> set[str]:
        seen: set[str] = set()
        todo = [top]
        while todo:
            for nxt in direct[todo.pop()] - seen:
                seen.add(nxt)
                todo.append(nxt)
        return seen

    lower = {"aura_rendezvous", "aura_model", "aura_conformance"}
    assert [top for top in sorted(PACKAGE_ROOTS) if reach(top) >= lower] == ["aura_verify"]
    assert [top for top, seen in direct.items() if "aura_verify" in seen] == []


@pytest.mark.parametrize("top", sorted(PACKAGE_ROOTS))
def test_no_import_circles_between_modules(modules: dict[str, Module], top: str) -> None:
    assert strongly_connected(graph_within(modules, top)) == []


@pytest.mark.parametrize("top", sorted(PACKAGE_ROOTS))
def test_no_import_circles_between_sub_packages(modules: dict[str, Module], top: str) -> None:
    """Sub-packages form layers too: ``tla`` and ``runners`` must not lean on each other."""
    depth = 2
    graph: dict[str, set[str]] = {}
    for name, targets in graph_within(modules, top).items():
        if modules[name].path.name == "__init__.py" and name.count(".") < depth:
            continue  # the package's own public surface re-exports its sub-packages
        src = package_of(name, depth)
        graph.setdefault(src, set()).update(
            package_of(t, depth)
            for t in targets
            if package_of(t, depth) != src and t.count(".") >= depth - 1 and t != top
        )
    assert strongly_connected(graph) == []


def test_no_modules_loaded_by_name(modules: dict[str, Module]) -> None:
    """``importlib`` strings hide an arrow from every reader and tool."""
    hidden = []
    for name, module in modules.items():
        tree = ast.parse(module.path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr == "import_module":
                hidden.append(f"{name}:{node.lineno}")
            if isinstance(node, ast.Name) and node.id == "__import__":
                hidden.append(f"{name}:{node.lineno}")
    assert hidden == []


def test_broken_variants_live_outside_the_production_package(
    modules: dict[str, Module],
) -> None:
    shipped = [
        name
        for name in modules
        if name.startswith("aura_rendezvous") and ("variant" in name or ".testing" in name)
    ]
    assert shipped == []


def test_other_packages_are_reached_through_their_public_surface(
    modules: dict[str, Module],
) -> None:
    """A module may import the private (``_name``) modules of its own sub-package only;
    everything else comes through a package's ``__init__``, so a package can rearrange
    its inside without breaking its neighbours."""
    reached_inside = []
    for name, module in modules.items():
        for target in module.imports:
            parts = target.split(".")
            if package_of(target, 1) != package_of(name, 1):
                private = any(p.startswith("_") for p in parts[1:])
            else:
                # Within one top package: another sub-package's private modules.
                private = package_of(target, 2) != package_of(name, 2) and any(
                    p.startswith("_") for p in parts[2:]
                )
            if private:
                reached_inside.append(f"{name} -> {target}")
    assert sorted(reached_inside) == []
