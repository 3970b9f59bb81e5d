"""Print the layout figures of a checkout: per package, files, import levels, circles,
the largest module and the largest function.

    python -m tests.architecture.report [PROJECT_DIR] [--json]

Import levels are the modules on the longest chain of imports that stay inside the
package (see ``imports.levels``), counted once as Python runs them (a package's
``__init__`` is a step) and once past re-exports (a name taken from a package's
surface counts as an import of the module that defines it). A function's size counts
its nested functions.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path

from tests.architecture.imports import (
    Module,
    functions,
    graph_within,
    levels,
    load_modules,
    package_of,
    strongly_connected,
)


def _packages(modules: dict[str, Module]) -> list[str]:
    """Every package (a module with sub-modules), top-level ones included."""
    names = set()
    for name, module in modules.items():
        if module.path.name == "__init__.py":
            names.add(name)
    return sorted(names)


def _children_graph(modules: dict[str, Module], package: str) -> dict[str, set[str]]:
    """The package's import graph with each direct child (module or sub-package) one node;
    the package's own ``__init__`` (its public surface) is left out."""
    depth = package.count(".") + 2
    graph: dict[str, set[str]] = {}
    for name, targets in graph_within(modules, package).items():
        if name == package:
            continue
        src = package_of(name, depth)
        graph.setdefault(src, set()).update(
            package_of(t, depth) for t in targets if t != package and package_of(t, depth) != src
        )
    return graph


def figures(project: Path) -> dict[str, dict[str, object]]:
    modules = load_modules(project)
    past_reexports = load_modules(project, follow_reexports=True)
    members: dict[str, list[str]] = defaultdict(list)
    packages = _packages(modules)
    for name in modules:
        for package in packages:
            if name == package or name.startswith(package + "."):
                members[package].append(name)
    rows: dict[str, dict[str, object]] = {}
    for package in packages:
        names = members[package]
        graph = graph_within(modules, package)
        biggest = max(names, key=lambda n: modules[n].lines)
        funcs = [f for n in names for f in functions(modules[n])]
        largest = max(funcs, key=lambda f: f.lines, default=None)
        classes = [c for n in names for c in functions(modules[n], "class")]
        largest_class = max(classes, key=lambda c: c.lines, default=None)
        direct = [
            n
            for n in names
            if n == package
            or n.rpartition(".")[0] == package
            or modules[n].path.parent == modules[package].path.parent
        ]
        rows[package] = {
            "files": len(names),
            "files_here": len(direct),
            "lines": sum(modules[n].lines for n in names),
            "import_levels": levels(graph),
            "levels_past_reexports": levels(graph_within(past_reexports, package)),
            "layers": levels(_children_graph(past_reexports, package)),
            "circles": strongly_connected(graph),
            "largest_module": f"{modules[biggest].path.relative_to(project)} "
            f"({modules[biggest].lines} lines)",
            "largest_function": (
                f"{largest.module}:{largest.qualname} ({largest.lines} lines)" if largest else "-"
            ),
            "largest_class": (
                f"{largest_class.module}:{largest_class.qualname} ({largest_class.lines} lines)"
                if largest_class
                else "-"
            ),
        }
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("project", nargs="?", default=".", type=Path)
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    args = parser.parse_args(argv)
    rows = figures(args.project.resolve())
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    for package, row in rows.items():
        circles = row["circles"]
        print(
            f"{package:38} files {row['files']:3} (here {row['files_here']:2})  "
            f"lines {row['lines']:6}  levels {row['import_levels']:2} "
            f"({row['levels_past_reexports']:2} past re-exports, {row['layers']} layers of "
            f"children)  "
            f"circles {len(circles) if isinstance(circles, list) else 0}"
        )
        print(f"{'':38} largest module   {row['largest_module']}")
        print(f"{'':38} largest function {row['largest_function']}")
        print(f"{'':38} largest class    {row['largest_class']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
