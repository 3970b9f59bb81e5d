"""The core is sans-IO: its modules import no asyncio, socket, time, os or random."""

from __future__ import annotations

import ast
from pathlib import Path

import aura_rendezvous
import pytest

FORBIDDEN = {"asyncio", "socket", "time", "os", "random", "secrets", "datetime", "threading"}
CORE = Path(aura_rendezvous.__file__).parent
CORE_MODULES = [
    "_ids",
    "_keys",
    "_encoding",
    "_descriptor",
    "_facts",
    "_journal",
    "_sync",
    "_guard",
    "_costs",
    "_budget",
    "_receipt",
    "_effects",
    "_relay",
    "_interpreter",
    "_service",
    "_adapter",
    "_errors",
]


def imported_roots(source: str) -> set[str]:
    roots: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            roots |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


@pytest.mark.parametrize("module", CORE_MODULES)
def test_core_module_does_no_io(module: str) -> None:
    """No I/O, clock or randomness imports in the core."""
    assert not imported_roots((CORE / f"{module}.py").read_text()) & FORBIDDEN


def test_detector_detects() -> None:
    """Counterpart: the scan does see a forbidden import."""
    assert imported_roots("import time\nfrom os import path\n") & FORBIDDEN == {"time", "os"}


@pytest.mark.parametrize("module", CORE_MODULES)
def test_public_names_reexported(module: str) -> None:
    """Every name a core module lists in ``__all__`` is public on the package."""
    import importlib

    names = importlib.import_module(f"aura_rendezvous.{module}").__all__
    missing = set(names) - set(aura_rendezvous.__all__)
    assert not missing
    assert all(hasattr(aura_rendezvous, n) for n in names)
