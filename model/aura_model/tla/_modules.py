"""Parsing and module namespaces: EXTENDS, INSTANCE ... WITH, ASSUME.

A :class:`Mod` is one namespace of definitions. EXTENDS merges a local module's
units into the same namespace; INSTANCE creates a new namespace whose
constants and variables are substituted by expressions of the instantiating
scope (explicit ``WITH`` or, by default, the same name there).
"""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path
from typing import Any

import tla
from tla._ast import declarations_as_name_bounds

from aura_model.tla._errors import TlaParseError, Unsupported

__all__ = [
    "STANDARD_MODULES",
    "Assumption",
    "Const",
    "InstDef",
    "Macro",
    "Mod",
    "OpDef",
    "VarRef",
    "declarations_as_name_bounds",
    "parse_module",
]

Node = Any

STANDARD_MODULES = frozenset(
    {"Naturals", "Integers", "Sequences", "FiniteSets", "Bags", "TLC", "Reals", "TLAPS"}
)

_POS_RE = re.compile(r"Next symbol in input:\s*\n.*?line=(\d+), column=(\d+)")
_PARSE_CACHE: dict[tuple[str, float], Node] = {}


def parse_module(path: Path) -> Node:
    """Parse a .tla file; a syntax error becomes :class:`TlaParseError` with its location."""
    try:
        text = path.read_text(encoding="utf-8")
        stamp = path.stat().st_mtime
    except OSError as exc:
        raise TlaParseError(f"{path}: cannot read module: {exc.strerror}") from None
    key = (str(path.resolve()), stamp)
    if key in _PARSE_CACHE:
        return _PARSE_CACHE[key]
    noise = io.StringIO()
    try:
        with contextlib.redirect_stdout(noise), contextlib.redirect_stderr(noise):
            tree = tla.parse(text)
    except RecursionError:
        raise TlaParseError(f"{path}: module too deeply nested to parse") from None
    except Exception as exc:
        m = _POS_RE.search(noise.getvalue())
        where = f"{path}:{int(m.group(1)) + 1}:{int(m.group(2)) + 1}" if m else str(path)
        raise TlaParseError(f"{where}: parse error ({type(exc).__name__})") from None
    if tree is None:
        raise TlaParseError(f"{path}: parse error (no module found)")
    _PARSE_CACHE[key] = tree
    return tree


class VarRef:
    __slots__ = ("idx", "name")

    def __init__(self, name: str, idx: int) -> None:
        self.name = name
        self.idx = idx


class Const:
    """A CONSTANT of the root module, bound by the configuration."""

    __slots__ = ("arity", "name")

    def __init__(self, name: str, arity: int) -> None:
        self.name = name
        self.arity = arity


class OpDef:
    """An operator definition (``Op(p) == e``, ``f[x \\in S] == e``)."""

    __slots__ = ("cache", "mod", "name", "node", "params", "recursive")

    def __init__(self, name: str, node: Node, mod: Mod, recursive: bool = False) -> None:
        self.name = name
        self.node = node
        self.mod = mod
        self.recursive = recursive
        self.params: list[tuple[str, int]] = [
            (p.operator, len(p.arguments or ())) for p in (node.arity or ())
        ]
        self.cache: dict[str, Any] = {}


class InstDef:
    """A named instance ``M(p) == INSTANCE X WITH ...``."""

    __slots__ = ("cache", "mod", "module", "name", "params", "subst")

    def __init__(self, name: str, node: Node, mod: Mod, params: list[str]) -> None:
        self.name = name
        self.module = node.name
        self.subst: list[tuple[str, Node]] = [
            (w.name, w.expression) for w in (node.with_substitution or ())
        ]
        self.mod = mod
        self.params = params
        self.cache: dict[str, Any] = {}


class Macro:
    """A name standing for an expression of another scope (INSTANCE substitution)."""

    __slots__ = ("node", "scope")

    def __init__(self, node: Node, scope: Any) -> None:
        self.node = node
        self.scope = scope


class Assumption:
    __slots__ = ("mod", "name", "node")

    def __init__(self, name: str | None, node: Node, mod: Mod) -> None:
        self.name = name
        self.node = node
        self.mod = mod


class Mod:
    """One namespace; ``subst`` is filled for instantiated modules."""

    def __init__(self, name: str, file: str, directory: Path, root: Mod | None = None) -> None:
        self.name = name
        self.file = file
        self.directory = directory
        self.root = root if root is not None else self
        self.defs: dict[str, Any] = {}
        self.variables: list[str] = []
        self.constants: list[tuple[str, int]] = []
        self.assumptions: list[Assumption] = []
        self.subst: dict[str, Macro] | None = None
        self.extended: set[str] = set()

    def load(self, tree: Node) -> None:
        for ext in tree.extendees or ():
            self._extend(ext.operator)
        recursive: set[str] = set()
        for unit in tree.units or ():
            self._unit(unit, recursive)

    def _find(self, name: str) -> tuple[Node, Path]:
        path = self.directory / f"{name}.tla"
        if not path.exists():
            raise Unsupported(
                f"module {name} (not a standard module, and no {path} next to the spec)"
            )
        return parse_module(path), path

    def _extend(self, name: str) -> None:
        if name in STANDARD_MODULES or name in self.extended:
            return
        self.extended.add(name)
        tree, path = self._find(name)
        saved = self.file
        # Definitions keep the file they come from, for error locations.
        sub = Mod(tree.name, str(path), self.directory, self.root)
        sub.subst = self.subst
        sub.defs = self.defs
        sub.variables = self.variables
        sub.constants = self.constants
        sub.assumptions = self.assumptions
        sub.extended = self.extended
        sub.load(tree)
        self.file = saved

    def _unit(self, unit: Node, recursive: set[str]) -> None:
        if isinstance(unit, str):
            return  # a separator line `----`
        kind = unit.symbol.name
        if kind == "CONSTANTS":
            for n in unit.names:
                arity = len(n.arguments or ())
                self.constants.append((n.operator, arity))
                self.defs[n.operator] = self._param(n.operator, Const(n.operator, arity))
        elif kind == "VARIABLES":
            for n in unit.names:
                if self.subst is None:
                    ref = VarRef(n.operator, len(self.root.variables))
                    self.root.variables.append(n.operator)
                    self.defs[n.operator] = ref
                else:
                    self.defs[n.operator] = self._param(n.operator, None)
        elif kind == "RECURSIVE_OPERATORS":
            for n in unit.names:
                recursive.add(n.operator)
        elif kind == "OPERATOR_DEFINITION":
            d = unit.definiens
            if (
                d is not None
                and getattr(d, "symbol", None) is not None
                and d.symbol.name == "INSTANCE"
            ):
                params = [p.operator for p in (unit.arity or ())]
                self.defs[unit.name] = InstDef(unit.name, d, self, params)
            else:
                self.defs[unit.name] = OpDef(unit.name, unit, self, unit.name in recursive)
        elif kind == "INSTANCE" and unit.name in STANDARD_MODULES:
            pass  # `INSTANCE Naturals` and the like: built in already
        elif kind == "INSTANCE":
            inst = InstDef("", unit, self, [])
            self.defs.update(instantiate(inst, None).defs)
        elif kind == "AXIOM" and unit.axiom_keyword in ("ASSUME", "ASSUMPTION"):
            self.assumptions.append(Assumption(unit.name, unit.expression, self))
            if unit.name:
                self.defs[unit.name] = OpDef(unit.name, _fake_def(unit.name, unit.expression), self)
        # THEOREM, proofs, etc. carry no model-checking content.

    def _param(self, name: str, default: Any) -> Any:
        if self.subst is not None:
            return self.subst[name]
        return default


def _fake_def(name: str, expr: Node) -> Node:
    nodes = tla.make_nodes()
    return nodes.OperatorDefinition(name=name, arity=None, definiens=expr, start=expr.start)


def instantiate(inst: InstDef, param_scope: Any) -> Mod:
    """Build the namespace of ``INSTANCE X WITH ...`` as seen from ``inst.mod``.

    ``param_scope`` is the compile-time scope in which substitution expressions
    are read (it binds the instance's parameters for ``M(p) == INSTANCE ...``).
    """
    from aura_model.tla._compile import Scope

    outer = inst.mod
    scope = param_scope if param_scope is not None else Scope(outer, {})
    tree, path = outer._find(inst.module)
    mod = Mod(tree.name, str(path), outer.directory, outer.root)
    explicit = dict(inst.subst)
    names = _declared_params(tree, outer)
    subst: dict[str, Macro] = {}
    nodes = tla.make_nodes()
    for name in names:
        if name in explicit:
            subst[name] = Macro(explicit[name], scope)
        else:
            ident = nodes.OperatorApplication(operator=name, arguments=None, start=tree.start)
            subst[name] = Macro(ident, scope)
    mod.subst = subst
    mod.load(tree)
    return mod


def _declared_params(tree: Node, outer: Mod) -> list[str]:
    """CONSTANT and VARIABLE names of a module and the local modules it EXTENDS."""
    names: list[str] = []
    for ext in tree.extendees or ():
        if ext.operator not in STANDARD_MODULES:
            sub, _ = outer._find(ext.operator)
            names.extend(_declared_params(sub, outer))
    for unit in tree.units or ():
        if unit.symbol.name in ("CONSTANTS", "VARIABLES"):
            names.extend(n.operator for n in unit.names)
    return names
