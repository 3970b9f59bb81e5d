"""The project's import graph, read from the source with ``ast`` (nothing is imported).

Shared by the layering tests and by ``python -m tests.architecture.report``. Every
import counts, including those under ``if TYPE_CHECKING:`` and inside functions: a
circle hidden behind either is still a circle a reader has to untangle.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import attrs

# Source folder -> top-level package, from the bottom layer up.
PACKAGE_ROOTS: dict[str, str] = {
    "aura_rendezvous": "impl",
    "aura_net": "net",
    "aura_model": "model",
    "aura_conformance": "conformance",
    "aura_verify": "cli",
}


@attrs.frozen
class Module:
    name: str
    path: Path
    lines: int
    imports: frozenset[str]


@attrs.frozen
class Function:
    qualname: str
    module: str
    lineno: int
    lines: int


def _module_name(root: Path, path: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _resolve_relative(module: str, is_package: bool, level: int, target: str | None) -> str:
    base = module.split(".")
    if not is_package:
        base = base[:-1]
    if level > 1:
        base = base[: len(base) - (level - 1)]
    return ".".join([*base, target] if target else base)


def _imported_names(tree: ast.AST, module: str, is_package: bool, known: set[str]) -> set[str]:
    """Project modules ``tree`` imports; ``from pkg import mod`` counts as ``pkg.mod``."""
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            target = (
                _resolve_relative(module, is_package, node.level, node.module)
                if node.level
                else node.module or ""
            )
            found.add(target)
            found.update(f"{target}.{alias.name}" for alias in node.names)
    result: set[str] = set()
    for name in found:
        # Attribute to the deepest project module that the dotted name starts with.
        parts = name.split(".")
        while parts and ".".join(parts) not in known:
            parts.pop()
        if parts:
            result.add(".".join(parts))
    result.discard(module)
    return result


def _reexports(tree: ast.AST, module: str, known: set[str]) -> dict[str, str]:
    """Names a package ``__init__`` takes from its own sub-modules: name -> module."""
    found: dict[str, str] = {}
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.ImportFrom):
            target = (
                _resolve_relative(module, True, node.level, node.module)
                if node.level
                else node.module or ""
            )
            if target.startswith(module + ".") and target in known:
                for alias in node.names:
                    found[alias.asname or alias.name] = target
    return found


def _through_reexports(
    tree: ast.AST, module: str, is_package: bool, reexports: dict[str, dict[str, str]]
) -> set[str]:
    """``from pkg import Name`` seen as an import of the module that defines ``Name``."""
    found: set[str] = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.ImportFrom):
            continue
        target = (
            _resolve_relative(module, is_package, node.level, node.module)
            if node.level
            else node.module or ""
        )
        for alias in node.names:
            source = target
            seen: set[str] = set()
            while source in reexports and alias.name in reexports[source] and source not in seen:
                seen.add(source)
                source = reexports[source][alias.name]
            if source != target:
                found.add(source)
    return found


def load_modules(project: Path, *, follow_reexports: bool = False) -> dict[str, Module]:
    """Every module of the project's packages that exist under ``project``."""
    paths: dict[str, tuple[Path, Path]] = {}
    for package, folder in PACKAGE_ROOTS.items():
        root = project / folder
        pkg_dir = root / package
        if not pkg_dir.is_dir():
            continue
        for path in sorted(pkg_dir.rglob("*.py")):
            paths[_module_name(root, path)] = (root, path)
    known = set(paths)
    trees = {
        name: ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for name, (_, path) in paths.items()
    }
    reexports = {
        name: _reexports(trees[name], name, known)
        for name, (_, path) in paths.items()
        if path.name == "__init__.py"
    }
    modules: dict[str, Module] = {}
    for name, (_, path) in paths.items():
        is_package = path.name == "__init__.py"
        imports = _imported_names(trees[name], name, is_package, known)
        if follow_reexports and not is_package:
            # A package's public surface is a doorway, not a step: a module that takes a
            # name from it depends on the module defining that name.
            direct = _through_reexports(trees[name], name, is_package, reexports)
            if direct:
                imports = (imports - set(reexports)) | direct
                imports.discard(name)
        modules[name] = Module(
            name=name,
            path=path,
            lines=len(path.read_text(encoding="utf-8").splitlines()),
            imports=frozenset(imports),
        )
    return modules


def functions(module: Module, kind: str = "function") -> Iterator[Function]:
    """Every function and method (or, with ``kind="class"``, class) of ``module``, nested
    ones too, with its length in lines."""
    tree = ast.parse(module.path.read_text(encoding="utf-8"), filename=str(module.path))

    def visit(node: ast.AST, prefix: str) -> Iterator[Function]:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                if kind == "class":
                    yield from visit(child, f"{prefix}{child.name}.")
                    continue
                qual = f"{prefix}{child.name}"
                end = child.end_lineno or child.lineno
                yield Function(qual, module.name, child.lineno, end - child.lineno + 1)
                yield from visit(child, qual + ".")
            elif isinstance(child, ast.ClassDef):
                if kind == "class":
                    end = child.end_lineno or child.lineno
                    yield Function(
                        f"{prefix}{child.name}", module.name, child.lineno, end - child.lineno + 1
                    )
                yield from visit(child, f"{prefix}{child.name}.")
            else:
                yield from visit(child, prefix)

    yield from visit(tree, "")


def strongly_connected(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's components of size > 1 (the import circles), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    circles: list[list[str]] = []
    counter = 0

    def connect(v: str) -> None:
        nonlocal counter
        index[v] = low[v] = counter
        counter += 1
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                connect(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                circles.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            connect(v)
    return sorted(circles)


def levels(graph: dict[str, set[str]]) -> int:
    """Modules on the longest import chain (circles collapsed to one node)."""
    circle_of: dict[str, str] = {}
    for circle in strongly_connected(graph):
        for name in circle:
            circle_of[name] = circle[0]

    def rep(name: str) -> str:
        return circle_of.get(name, name)

    dag: dict[str, set[str]] = {}
    for v, targets in graph.items():
        dag.setdefault(rep(v), set()).update(rep(t) for t in targets if rep(t) != rep(v))
    depth: dict[str, int] = {}

    def depth_of(v: str) -> int:
        if v not in depth:
            depth[v] = 1 + max((depth_of(t) for t in dag.get(v, ()) if t in dag), default=0)
        return depth[v]

    return max((depth_of(v) for v in dag), default=0)


def graph_within(modules: dict[str, Module], prefix: str) -> dict[str, set[str]]:
    """The import graph restricted to modules under ``prefix`` (a package name)."""
    inside = {n for n in modules if n == prefix or n.startswith(prefix + ".")}
    return {n: {t for t in modules[n].imports if t in inside} for n in inside}


def package_of(name: str, depth: int) -> str:
    """The first ``depth`` components of a dotted module name."""
    return ".".join(name.split(".")[:depth])
