"""Parsing and module namespaces: EXTENDS, INSTANCE ... WITH, LOCAL, ASSUME.

A :class:`Mod` is the namespace of one module as SANY builds it: the module's
own definitions plus what it EXTENDS and INSTANCEs, where only the non-LOCAL
names of a module are passed on. Every module file (and every submodule)
gets its own :class:`Mod`, so a definition is compiled in the namespace of
the module that holds it. An INSTANCE creates new namespaces whose constants
and variables are substituted by expressions of the instantiating scope
(explicit ``WITH`` or, by default, the same name there).
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import zipfile
from pathlib import Path
from typing import Any

import tla
from tla._ast import declarations_as_name_bounds

from aura_model.tla._errors import TlaParseError, Unsupported
from aura_model.tla._precedence import apply_sany_precedence
from aura_model.tla._stdlib import COMMUNITY_OVERRIDES, std_exports
from aura_model.tla._stdlib import STANDARD_MODULES as _STD
from aura_model.tla._syntax import map_fields
from aura_model.tla._unicode import to_ascii

__all__ = [
    "STANDARD_MODULES",
    "SYNONYMS",
    "Assumption",
    "Const",
    "InstDef",
    "Macro",
    "Mod",
    "OpDef",
    "Scope",
    "VarRef",
    "canon",
    "declarations_as_name_bounds",
    "parse_module",
]

Node = Any

STANDARD_MODULES = frozenset(_STD)

# Operator symbols that name the same operator (TLA+ grammar, SANY's table);
# definitions and uses are both read through this map.
SYNONYMS = {
    "\\land": "/\\",
    "\\lor": "\\/",
    "\\lnot": "~",
    "\\neg": "~",
    "\\union": "\\cup",
    "\\intersect": "\\cap",
    "\\setminus": "\\",
    "\\times": "\\X",
    "\\circ": "\\o",
    "/=": "#",
    "\\equiv": "<=>",
    "\\leadsto": "~>",
    "\\geq": ">=",
    "\\leq": "<=",
    "=<": "<=",
    "\\oplus": "(+)",
    "\\ominus": "(-)",
    "\\odot": "(.)",
    "\\oslash": "(/)",
    "\\otimes": "(\\X)",
}


def canon(name: str) -> str:
    return SYNONYMS.get(name, name)


# Modules TLC finds without a file next to the spec (its standard modules that
# are not built in here, and the Community Modules): SANY would load them, so
# their absence is the checker's limit, not an error in the spec.
_TLC_LIBRARY = frozenset(
    {
        "Json",
        "Randomization",
        "RealTime",
        "Toolbox",
        "SequencesExt",
        "FiniteSetsExt",
        "Functions",
        "Folds",
        "Bitwise",
        "BagsExt",
        "Relation",
        "Graphs",
        "UndirectedGraphs",
        "Combinatorics",
        "CSV",
        "IOUtils",
        "Statistics",
        "DyadicRationals",
        "VectorClocks",
        "ShiViz",
        "Apalache",
        "Variants",
    }
)

_POS_RE = re.compile(r"Next symbol in input:\s*\n.*?line=(\d+), column=(\d+)")
_PARSE_CACHE: dict[tuple[str, float], Node] = {}


def _community_jar() -> Path | None:
    """The Community Modules jar TLC runs with, if this machine has it.

    ``$TLA_COMMUNITY_MODULES``, else ``tools/tla/CommunityModules-deps.jar`` in the
    shared folder beside the project (``$AURA_SHARED``).
    """
    env = os.environ.get("TLA_COMMUNITY_MODULES")
    if env:
        return Path(env) if Path(env).is_file() else None
    shared = Path(
        os.environ.get("AURA_SHARED", Path(__file__).resolve().parents[3].parent / "shared")
    )
    jar = shared / "tools" / "tla" / "CommunityModules-deps.jar"
    return jar if jar.is_file() else None


_COMMUNITY: dict[str, tuple[Node, Path]] = {}

# TLC's Randomization module says in TLA+ what its Java code picks at random:
# a CHOOSE among the sets that qualify. Evaluating that text makes the choice
# the least such set, one of the choices TLC may make (as with RandomElement),
# and lets the many specs that EXTEND the module without using it load.
_LIBRARY_TEXT = {
    "Randomization": """---- MODULE Randomization ----
LOCAL INSTANCE Naturals
LOCAL INSTANCE FiniteSets
RandomSubset(k, S) == CHOOSE T \\in SUBSET S : Cardinality(T) = k
RandomSetOfSubsets(k, n, S) == CHOOSE T \\in SUBSET SUBSET S : Cardinality(T) \\leq k
TestRandomSetOfSubsets(k, n, S) ==
    [i \\in 1..5 |-> Cardinality(RandomSetOfSubsets(k, n, S))]
====
""",
}


def community_text(name: str) -> str | None:
    """The TLA+ text of Community Module ``name`` in the jar TLC runs with, if any."""
    jar = _community_jar()
    if jar is None or name in _LIBRARY_TEXT:
        return None
    try:
        with zipfile.ZipFile(jar) as z:
            return z.read(f"{name}.tla").decode("utf-8")
    except (OSError, KeyError, zipfile.BadZipFile, UnicodeDecodeError):
        return None


def community_module(name: str) -> tuple[Node, Path] | None:
    """Module ``name`` of the Community Modules (SequencesExt, Functions, ...) as
    their jar defines it in TLA+, or None without the jar.

    TLC overrides some of these operators in Java for speed; the TLA+
    definitions say the same thing, so the checker evaluates those.
    """
    if name in _LIBRARY_TEXT:
        if name not in _COMMUNITY:
            where = Path(f"<TLC library>/{name}.tla")
            _COMMUNITY[name] = (parse_text(_LIBRARY_TEXT[name], str(where)), where)
        return _COMMUNITY[name]
    jar = _community_jar()
    if jar is None:
        return None
    where = jar / f"{name}.tla"
    cached = _COMMUNITY.get(name)
    if cached is not None and cached[1] == where:
        return cached
    text = community_text(name)
    if text is None:
        return None
    _COMMUNITY[name] = (parse_text(text, str(where)), where)
    return _COMMUNITY[name]


def parse_module(path: Path) -> Node:
    """Parse a .tla file; a syntax error becomes :class:`TlaParseError` with its location."""
    try:
        text = path.read_text(encoding="utf-8")
        stamp = path.stat().st_mtime
    except (OSError, UnicodeDecodeError) as exc:
        why = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
        raise TlaParseError(f"{path}: cannot read module: {why}") from None
    key = (str(path.resolve()), stamp)
    if key in _PARSE_CACHE:
        return _PARSE_CACHE[key]
    tree = parse_text(text, str(path))
    _PARSE_CACHE[key] = tree
    return tree


_HEADER_RE = re.compile(r"^\s*-{4,}\s*MODULE\s+(\w+)\s*-{4,}\s*$")
_END_RE = re.compile(r"^\s*={4,}\s*$")
_TRAILING_CACHE: dict[tuple[str, float], dict[str, Node]] = {}


def trailing_modules(path: Path) -> dict[str, Node]:
    """The modules a .tla file holds after its first one, by name.

    SANY reads a whole file: a module may EXTEND or INSTANCE one written
    further down the same file (tlaplus/Examples' BufferedRandomAccessFile
    keeps RandomAccessFile and Common there). A piece that does not parse is
    passed over: the file's first module is what is checked.
    """
    try:
        text = path.read_text(encoding="utf-8")
        key = (str(path.resolve()), path.stat().st_mtime)
    except (OSError, UnicodeDecodeError):
        return {}
    if key in _TRAILING_CACHE:
        return _TRAILING_CACHE[key]
    found: dict[str, Node] = {}
    lines = text.splitlines()
    if sum(1 for ln in lines if "MODULE" in ln and _HEADER_RE.match(ln)) > 1:
        depth, start, seen_first = 0, -1, False
        for i, ln in enumerate(lines):
            if _HEADER_RE.match(ln):
                if depth == 0:
                    start = i if seen_first else -1
                    seen_first = True
                depth += 1
            elif _END_RE.match(ln) and depth > 0:
                depth -= 1
                if depth == 0 and start >= 0:
                    # Blank lines before the piece keep its line numbers.
                    piece = "\n" * start + "\n".join(lines[start : i + 1]) + "\n"
                    try:
                        tree = parse_text(piece, str(path))
                    except TlaParseError:
                        tree = None
                    if tree is not None and tree.name not in found:
                        found[tree.name] = tree
                    start = -1
    _TRAILING_CACHE[key] = found
    return found


def parse_text(text: str, where: str) -> Node:
    """Parse TLA+ source (unicode operators read as their ASCII forms)."""
    noise = io.StringIO()
    if "\r" in text:
        # Windows line ends (Graphs.tla in the Community Modules jar has
        # them): the parser refuses the carriage return, SANY ends lines there.
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if "\t" in text:
        # The parser refuses tabs; SANY reads them as moves to the next
        # multiple of 8 columns (JavaCC's default), which keeps layout.
        text = text.expandtabs(8)
    text = to_ascii(text)
    try:
        with contextlib.redirect_stdout(noise), contextlib.redirect_stderr(noise):
            tree = tla.parse(text)
    except RecursionError:
        raise TlaParseError(f"{where}: module too deeply nested to parse") from None
    except Exception as exc:
        m = _POS_RE.search(noise.getvalue())
        loc = f"{where}:{int(m.group(1)) + 1}:{int(m.group(2)) + 1}" if m else where
        raise TlaParseError(f"{loc}: parse error ({type(exc).__name__})") from None
    if tree is None:
        raise TlaParseError(f"{where}: parse error (no module found)")
    if "::" in text:
        tree = _strip_labels(tree)
    return apply_sany_precedence(tree, where)


def _strip_labels(node: Any) -> Any:
    """``lab :: e`` is ``e`` to TLC: labels become parentheses."""
    if isinstance(node, list):
        new = [_strip_labels(x) for x in node]
        return new if any(a is not b for a, b in zip(new, node, strict=True)) else node
    if not isinstance(node, tuple):
        return node
    if not hasattr(node, "_fields"):
        # A record's fields are plain ``(name, expression)`` tuples.
        items = tuple(_strip_labels(x) for x in node)
        return items if any(a is not b for a, b in zip(items, node, strict=True)) else node
    n: Any = node
    if _kind(n) == "OPERATOR_APPLICATION" and n.operator == "::" and n.arguments:
        body = _strip_labels(n.arguments[-1])
        return tla.make_nodes().Parentheses(expression=body, start=n.start, end=n.end)
    return map_fields(n, _strip_labels)


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

    __slots__ = ("cache", "mod", "module", "name", "node", "params", "subst")

    def __init__(self, name: str, node: Node, mod: Mod, params: list[str]) -> None:
        self.name = name
        self.node = node
        self.module = node.name
        self.subst: list[tuple[str, Node]] = [
            (canon(w.name), w.expression) for w in (node.with_substitution or ())
        ]
        self.mod = mod
        self.params = params
        self.cache: dict[str, Any] = {}


class Macro:
    """A name standing for an expression of another scope (INSTANCE substitution)."""

    __slots__ = ("env_names", "node", "scope")

    def __init__(self, node: Node, scope: Scope) -> None:
        self.node = node
        self.scope = scope
        # The names it reads from its scope's environment, once asked (an operator
        # inlined at each of its calls asks of the same substitutions every time).
        self.env_names: frozenset[str] | None = None


class Scope:
    """Compile-time scope: the module namespace plus bound names.

    ``names`` maps a bound name to ``("val",)`` (a value in env), ``("thunk",)``,
    ``("op", arity)`` (a Python callable in env) or ``("macro", Macro)``.
    """

    __slots__ = ("mod", "names")

    def __init__(self, mod: Mod, names: dict[str, tuple[Any, ...]]) -> None:
        self.mod = mod
        self.names = names

    def bind(self, **more: tuple[Any, ...]) -> Scope:
        return Scope(self.mod, {**self.names, **more})

    def bind_all(self, more: dict[str, tuple[Any, ...]]) -> Scope:
        return Scope(self.mod, {**self.names, **more})


class Assumption:
    __slots__ = ("mod", "name", "node")

    def __init__(self, name: str | None, node: Node, mod: Mod) -> None:
        self.name = name
        self.node = node
        self.mod = mod


class _Context:
    """What the modules of one instantiation share: loaded modules, submodule trees."""

    __slots__ = ("enclosing", "mods", "trees")

    def __init__(
        self,
        trees: dict[str, tuple[Node, Path]],
        enclosing: dict[str, dict[str, Any]] | None = None,
    ) -> None:
        self.mods: dict[str, Mod] = {}
        self.trees = trees
        # Per submodule: the names of the module around it, as they stood
        # where the submodule begins (SANY lets a submodule use them).
        self.enclosing: dict[str, dict[str, Any]] = enclosing if enclosing is not None else {}


class Mod:
    """The namespace of one module; ``subst`` is set for instantiated modules."""

    def __init__(
        self,
        name: str,
        file: str,
        directory: Path,
        root: Mod | None = None,
        *,
        context: _Context | None = None,
        subst: dict[str, Macro] | None = None,
    ) -> None:
        self.name = name
        self.file = file
        self.directory = directory
        self.root = root if root is not None else self
        self.context = context if context is not None else _Context({})
        self.subst = subst
        self.defs: dict[str, Any] = {}
        # Names not passed on by EXTENDS/INSTANCE (LOCAL definitions and instances).
        self.local: set[str] = set()
        self.variables: list[str] = []
        self.constants: list[tuple[str, int]] = []
        self.assumptions: list[Assumption] = []
        # Syntax trees of the module and the modules it loaded, for the name check.
        self.tree: Node = None
        self.loaded: list[Mod] = []
        # Kept on the root: definitions the configuration replaced. A definition
        # is one syntax node however many INSTANCEs read it (as in TLC), so an
        # instance loaded later gets the replacement too.
        self.replaced: dict[tuple[str, str], Any] = {}
        self.module_overrides: dict[str, dict[str, Any]] = {}

    def exports(self) -> dict[str, Any]:
        return {k: v for k, v in self.defs.items() if k not in self.local}

    def all_mods(self) -> list[Mod]:
        """This module and every module loaded (by EXTENDS or unnamed INSTANCE) under it."""
        seen: dict[int, Mod] = {}
        todo = [self]
        while todo:
            m = todo.pop()
            if id(m) in seen:
                continue
            seen[id(m)] = m
            todo.extend(m.loaded)
        return list(seen.values())

    def override(self, name: str, new: Any) -> None:
        """Replace definition ``name`` everywhere it is visible (a cfg ``<-``)."""
        old = self.defs.get(name)
        self.root.replaced[_def_key(old, name)] = new
        for m in self.all_mods():
            if name in m.defs and (m is self or m.defs[name] is old):
                m.defs[name] = new
        self.defs[name] = new

    def override_in(self, module: str, name: str, new: Any) -> None:
        """``name <-[module] new``: replace ``name`` as module ``module`` sees it,
        in every instance of that module (also those loaded later)."""
        self.root.module_overrides.setdefault(module, {})[name] = new
        for m in self.all_mods():
            if m.name == module and not m.substitutes(name):
                m.defs[name] = new

    def substitutes(self, name: str) -> bool:
        """Whether ``name`` is a parameter this instance's WITH substitutes: TLC
        lets the substitution win over the configuration's ``[Mod]`` values."""
        return self.subst is not None and name in self.subst

    def load(self, tree: Node) -> None:
        self.tree = tree
        before = set(self.defs)
        for ext in tree.extendees or ():
            self._extend(ext.operator, ext)
        extended = set(self.defs) - before
        recursive: set[str] = set()
        for unit in tree.units or ():
            if extended:
                self._clash(unit, extended)
            self._unit(unit, recursive)
        if _COMMUNITY.get(self.name, (None, None))[1] == Path(self.file):
            for b in COMMUNITY_OVERRIDES.get(self.name, ()):
                if b.name in self.defs:
                    self.defs[b.name] = b
        for name, new in self.root.module_overrides.get(self.name, {}).items():
            if not self.substitutes(name):
                self.defs[name] = new

    # ------------------------------------------------------------ modules

    def _find(self, name: str, where: Node = None) -> tuple[Node, Path]:
        if name in self.context.trees:
            return self.context.trees[name]
        if name in self.root.context.trees:
            return self.root.context.trees[name]
        path = self.directory / f"{name}.tla"
        if not path.exists():
            for file in dict.fromkeys((self.root.file, self.file)):
                trailing = trailing_modules(Path(file)).get(name)
                if trailing is not None:
                    return trailing, Path(file)
        if not path.exists():
            # Any module of the Community Modules jar TLC runs with (the
            # *Theorems modules, Quorum, SVG, ... too), not only those listed.
            found = community_module(name)
            if found is not None:
                return found
        if not path.exists() and name in _TLC_LIBRARY:
            start = getattr(where, "start", None)
            raise Unsupported(
                f"module {name} (a module of TLC's library the checker does not build in)",
                self.file,
                start.line + 1 if start is not None else None,
                start.column + 1 if start is not None else None,
            )
        if not path.exists():
            raise TlaParseError(
                f"{self._where(where)}cannot find module {name} (not a standard module"
                f" the checker has built in, and no {path.name} next to the spec)"
            )
        tree = parse_module(path)
        if tree.name != name:
            raise TlaParseError(f"{path}: file {path.name} holds module {tree.name}, not {name}")
        return tree, path

    def enclosing_of(self, name: str) -> dict[str, Any]:
        """The enclosing module's names a submodule ``name`` sees (none for a file)."""
        if name in self.context.enclosing:
            return self.context.enclosing[name]
        return self.root.context.enclosing.get(name, {})

    def inherit(self, names: dict[str, Any]) -> None:
        """Start from the enclosing module's names (not passed on: not our own)."""
        for k, v in names.items():
            self.defs[k] = v
            self.local.add(k)

    def _where(self, node: Node) -> str:
        start = getattr(node, "start", None)
        if start is None:
            return f"{self.file}: "
        return f"{self.file}:{start.line + 1}:{start.column + 1}: "

    def _module(self, name: str, where: Node) -> Mod:
        """The namespace of module ``name`` in this context, loaded once."""
        mod = self.context.mods.get(name)
        if mod is None:
            tree, path = self._find(name, where)
            mod = Mod(
                tree.name,
                str(path),
                self.directory,
                self.root,
                context=self.context,
                subst=self.subst,
            )
            mod.inherit(self.enclosing_of(name))
            self.context.mods[name] = mod
            mod.load(tree)
        return mod

    def _import(self, names: dict[str, Any], local: bool) -> None:
        replaced = self.root.replaced
        for k, v in names.items():
            self.defs[k] = replaced.get(_def_key(v, k), v) if replaced else v
            if local:
                self.local.add(k)
            else:
                self.local.discard(k)

    def _extend(self, name: str, where: Node) -> None:
        if name in STANDARD_MODULES and name not in self.context.trees:
            self._import(std_exports(name), False)
            return
        mod = self._module(name, where)
        self.loaded.append(mod)
        self._import(mod.exports(), False)
        for c in mod.constants:
            if c not in self.constants:
                self.constants.append(c)
        for a in mod.assumptions:
            if a not in self.assumptions:
                self.assumptions.append(a)

    # -------------------------------------------------------------- units

    def _clash(self, unit: Node, extended: set[str]) -> None:
        """SANY's "Operator Foo already defined or declared.": a definition or
        declaration of a name a module it EXTENDS already gives it."""
        kind = _kind(unit)
        if kind in ("CONSTANTS", "VARIABLES"):
            names = [canon(n.operator) for n in unit.names]
        elif kind == "OPERATOR_DEFINITION":
            names = [canon(unit.name)]
        else:
            return
        for name in names:
            if name in extended:
                raise TlaParseError(
                    f"{self._where(unit)}Operator {name} already defined or declared."
                    f" (SANY: Multiply-defined symbol '{name}')"
                )

    def _unit(self, unit: Node, recursive: set[str]) -> None:
        if isinstance(unit, str):
            return  # a separator line `----`
        kind = unit.symbol.name
        if kind == "CONSTANTS":
            for n in unit.names:
                arity = len(n.arguments or ())
                name = canon(n.operator)
                self.constants.append((name, arity))
                self.defs[name] = self._param(name, Const(name, arity))
                self.local.discard(name)
        elif kind == "VARIABLES":
            for n in unit.names:
                if self.subst is None:
                    ref = VarRef(n.operator, len(self.root.variables))
                    self.root.variables.append(n.operator)
                    self.defs[n.operator] = ref
                    self.local.discard(n.operator)
                else:
                    self.defs[n.operator] = self._param(n.operator, None)
                    self.local.discard(n.operator)
        elif kind == "RECURSIVE_OPERATORS":
            for n in unit.names:
                recursive.add(canon(n.operator))
        elif kind == "OPERATOR_DEFINITION":
            name = canon(unit.name)
            d = unit.definiens
            if _kind(d) == "INSTANCE":
                params = [p.operator for p in (unit.arity or ())]
                self.defs[name] = InstDef(name, d, self, params)
            else:
                self.defs[name] = self.root.replaced.get(
                    (self.name, name), OpDef(name, unit, self, name in recursive)
                )
            if unit.local:
                self.local.add(name)
            else:
                self.local.discard(name)  # a submodule's own, not its enclosing module's
        elif kind == "INSTANCE":
            self._instance(unit)
        elif kind == "AXIOM":
            # ASSUME, ASSUMPTION and AXIOM are all assumptions to TLC.
            self.assumptions.append(Assumption(unit.name, unit.expression, self))
            if unit.name:
                self.defs[unit.name] = OpDef(unit.name, _fake_def(unit.name, unit.expression), self)
        elif kind == "MODULE":
            # A submodule: visible by name to INSTANCE/EXTENDS in the rest of the module.
            self.context.trees[unit.name] = (unit, Path(self.file))
            self.context.enclosing[unit.name] = dict(self.defs)
        elif kind == "THEOREM":
            # Not evaluated by TLC (nor are proofs); a named one can be referred
            # to (`ASSUME Thm!:`), so its statement is kept as a definition.
            if unit.name and _kind(unit.goal) != "SEQUENT":
                self.defs[unit.name] = OpDef(unit.name, _fake_def(unit.name, unit.goal), self)
        elif kind in ("USE", "HIDE", "DEFINE", "PROOF", "PROOF_STEP", "BY"):
            pass  # proof directives
        else:
            raise Unsupported(
                f"module-level {kind.lower().replace('_', ' ')}",
                self.file,
                unit.start.line + 1 if getattr(unit, "start", None) else None,
                unit.start.column + 1 if getattr(unit, "start", None) else None,
            )

    def _instance(self, unit: Node) -> None:
        """``[LOCAL] INSTANCE M [WITH ...]``: M's exported names join this namespace."""
        local = bool(unit.local)
        if unit.name in STANDARD_MODULES and unit.name not in self.context.trees:
            self._import(std_exports(unit.name), local)
            return
        inst = InstDef("", unit, self, [])
        mod = instantiate(inst, None)
        self.loaded.append(mod)
        # M's CONSTANTs and VARIABLEs are its parameters, not definitions it
        # passes on (importing `x <- x` over this module's own x would loop).
        params = mod.subst or {}
        self._import({k: v for k, v in mod.exports().items() if k not in params}, local)

    def _param(self, name: str, default: Any) -> Any:
        if self.subst is not None:
            return self.subst[name]
        return default


def _def_key(d: Any, name: str) -> tuple[str, str]:
    """Which definition ``d`` is, across instances: (module, name); ("", name) if built in."""
    if isinstance(d, (OpDef, InstDef)):
        return (d.mod.name, d.name)
    return ("", name)


def _kind(node: Node) -> str:
    sym = getattr(node, "symbol", None)
    return sym.name if sym is not None else ""


def _fake_def(name: str, expr: Node) -> Node:
    nodes = tla.make_nodes()
    return nodes.OperatorDefinition(name=name, arity=None, definiens=expr, start=expr.start)


def instantiate(inst: InstDef, param_scope: Scope | None) -> Mod:
    """Build the namespace of ``INSTANCE X WITH ...`` as seen from ``inst.mod``.

    ``param_scope`` is the compile-time scope in which substitution expressions
    are read (it binds the instance's parameters for ``M(p) == INSTANCE ...``).
    """
    outer = inst.mod
    scope = param_scope if param_scope is not None else Scope(outer, {})
    if inst.module in STANDARD_MODULES and inst.module not in outer.context.trees:
        # `T == INSTANCE TLC`: a standard module has no parameters, so its
        # instance is its exported operators under T!.
        if inst.subst:
            raise TlaParseError(
                f"{outer.file}: INSTANCE {inst.module} WITH {inst.subst[0][0]} <- ...:"
                f" {inst.subst[0][0]} is not a CONSTANT or VARIABLE of {inst.module}"
            )
        std = Mod(inst.module, outer.file, outer.directory, outer.root, subst={})
        std._import(std_exports(inst.module), False)
        return std
    tree, path = outer._find(inst.module, inst.node)
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
    unknown = sorted(set(explicit) - set(names))
    if unknown:
        raise TlaParseError(
            f"{outer.file}: INSTANCE {inst.module} WITH {unknown[0]} <- ...:"
            f" {unknown[0]} is not a CONSTANT or VARIABLE of {inst.module}"
        )
    context = _Context(dict(outer.context.trees), dict(outer.context.enclosing))
    mod = Mod(tree.name, str(path), outer.directory, outer.root, context=context, subst=subst)
    context.mods[tree.name] = mod
    mod.inherit(outer.enclosing_of(inst.module))
    mod.load(tree)
    return mod


def _declared_params(tree: Node, outer: Mod) -> list[str]:
    """CONSTANT and VARIABLE names of a module and the modules it EXTENDS."""
    names: list[str] = []
    for ext in tree.extendees or ():
        if ext.operator not in STANDARD_MODULES or ext.operator in outer.context.trees:
            sub, _ = outer._find(ext.operator, ext)
            names.extend(n for n in _declared_params(sub, outer) if n not in names)
    for unit in tree.units or ():
        if isinstance(unit, str):
            continue
        if unit.symbol.name in ("CONSTANTS", "VARIABLES"):
            names.extend(canon(n.operator) for n in unit.names)
    return names
