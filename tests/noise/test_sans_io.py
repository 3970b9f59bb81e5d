"""The Noise core is sans-IO: no clock, no OS randomness, no sockets or event loop.

Checked on the source (imports), so a stray ``import os`` for ``urandom`` fails here.
"""

from __future__ import annotations

import ast
from pathlib import Path

import aura_rendezvous.noise as noise_pkg

FORBIDDEN = {"os", "time", "socket", "asyncio", "random", "secrets", "selectors", "threading"}


def forbidden_imports(source: str) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module is not None and node.level == 0:
            names = [node.module]
        else:
            continue
        found |= {n.split(".")[0] for n in names} & FORBIDDEN
    return found


def test_noise_package_imports_no_io() -> None:
    """Every module of aura_rendezvous.noise is free of I/O, clock and OS randomness."""
    folder = Path(noise_pkg.__file__).parent
    modules = sorted(folder.glob("*.py"))
    assert len(modules) >= 8
    for path in modules:
        assert forbidden_imports(path.read_text()) == set(), path.name


def test_checker_flags_io_imports() -> None:
    """Failing counterpart: the checker does see the imports it forbids."""
    assert forbidden_imports("import os\nfrom time import monotonic\nimport attrs\n") == {
        "os",
        "time",
    }
    assert forbidden_imports("from asyncio.streams import open_connection") == {"asyncio"}
