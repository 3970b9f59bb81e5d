"""SANY's name check: every operator a module uses must be visible in it.

The compiler only reads the definitions a model reaches; SANY (and so TLC)
rejects a module that names an unknown operator anywhere, also in a
definition no model uses (``GCTypeOK == x \\in Int`` without Integers). This
pass walks every definition, assumption and INSTANCE of every module a spec
loads, with the names bound around each expression, and reports the first
unknown name as a :class:`TlaParseError` at its file, line and column.
Theorems and proofs are not walked (their ``NEW``, ``PICK`` and step names
are outside what the checker reads).
"""

from __future__ import annotations

from typing import Any

from aura_model.tla._errors import TlaParseError, TlcLimitError, Unsupported
from aura_model.tla._modules import (
    InstDef,
    Mod,
    OpDef,
    canon,
    declarations_as_name_bounds,
    instantiate,
)
from aura_model.tla._stdlib import MAX_INT, Builtin
from aura_model.tla._unicode import IDENTIFIER_SYMBOLS

__all__ = ["check_names", "check_numerals"]

Node = Any

# Operators of the language itself (always visible).
PRIMITIVE = frozenset(
    {
        "'",
        "UNCHANGED",
        "ENABLED",
        "[]",
        "<>",
        "~>",
        "-+->",
        "\\cdot",
        "\\X",
        "/\\",
        "\\/",
        "~",
        "=>",
        "<=>",
        "=",
        "#",
        "\\in",
        "\\notin",
        "\\cup",
        "\\cap",
        "\\",
        "\\subseteq",
        "SUBSET",
        "UNION",
        "DOMAIN",
    }
)

_SKIP_FIELDS = ("symbol", "start", "end")


class _Unknown(Exception):
    def __init__(self, name: str, node: Node, message: str | None = None) -> None:
        name = IDENTIFIER_SYMBOLS.get(name, name)
        super().__init__(name)
        self.name = name
        self.node = node
        self.message = message or f"unknown name {name} (SANY: Unknown operator: `{name}')"


def check_names(root: Mod) -> None:
    """Raise :class:`TlaParseError` for the first name no module makes visible."""
    done: set[str] = set()
    todo = list(root.all_mods())
    while todo:
        mod = todo.pop(0)
        if mod.name in done or mod.tree is None:
            continue
        done.add(mod.name)
        try:
            _check_module(mod)
        except _Unknown as exc:
            start = getattr(exc.node, "start", None)
            where = (
                f"{mod.file}:{start.line + 1}:{start.column + 1}"
                if start is not None and start.line is not None
                else mod.file
            )
            raise TlaParseError(f"{where}: {exc.message}") from None
        for d in list(mod.defs.values()):
            if isinstance(d, InstDef) and d.mod is mod and d.module not in done:
                try:
                    todo.extend(instantiate(d, None).all_mods())
                except Unsupported:
                    continue  # reported if a model uses the instance (TLC's library)


def check_numerals(root: Mod) -> None:
    """Raise :class:`TlcLimitError` for a numeral TLC's 32-bit integers cannot
    hold, anywhere in the modules loaded (TLC refuses it when it reads the
    definitions, used or not, after SANY has accepted the modules)."""
    trees = [m.tree for m in root.all_mods() if m.tree is not None]
    for d in [d for m in root.all_mods() for d in m.defs.values()]:
        if isinstance(d, InstDef) and d.mod is not None:
            try:
                trees.extend(m.tree for m in instantiate(d, None).all_mods() if m.tree is not None)
            except Unsupported:
                continue
    seen: set[int] = set()
    todo: list[Any] = list(trees)
    while todo:
        node = todo.pop()
        if isinstance(node, (list, tuple)) and not hasattr(node, "_fields"):
            todo.extend(node)
            continue
        if not hasattr(node, "_fields") or id(node) in seen:
            continue
        seen.add(id(node))
        sym = getattr(node, "symbol", None)
        if sym is not None and sym.name == "INTEGRAL_NUMERAL":
            text = str(node.value)
            digits = text if text[:1].isdigit() else text[2:]
            base = {"\\b": 2, "\\o": 8, "\\h": 16}.get(text[:2].lower(), 10)
            if len(digits) > 4000 or int(digits, base) > MAX_INT:
                raise TlcLimitError(f"TLC can't handle a number this big.\n{text}")
            continue
        for f in node._fields:
            if f not in ("symbol", "start", "end"):
                todo.append(getattr(node, f))


# Names the module defines in a later unit than the one being checked: SANY
# reads a module top to bottom, so they are unknown there (a definition may
# use only what precedes it, a RECURSIVE declaration included).
_LATER: list[frozenset[str]] = [frozenset()]


def _introduced(unit: Node) -> list[str]:
    kind = _kind(unit)
    if kind in ("CONSTANTS", "RECURSIVE_OPERATORS"):
        return [canon(n.operator) for n in unit.names]
    if kind == "VARIABLES":
        return [n.operator for n in unit.names]
    if kind == "OPERATOR_DEFINITION":
        return [canon(unit.name)]
    if kind in ("AXIOM", "THEOREM") and unit.name:
        return [unit.name]
    return []


def duplicate_definition(units: list[Node]) -> tuple[str, Node] | None:
    """SANY's "Operator Foo already defined or declared.": a definition (or a
    named theorem) of a name an earlier unit of the same module defined or
    declared (a RECURSIVE declaration announces its definition, which may
    follow once). Declarations repeated among themselves (``VARIABLES x, x``)
    are only SANY's warning."""
    seen: dict[str, str] = {}
    for unit in units:
        kind = _kind(unit)
        if kind in ("OPERATOR_DEFINITION", "AXIOM", "THEOREM"):
            for name in _introduced(unit):
                if seen.get(name, "recursive") != "recursive":
                    return name, unit
                seen[name] = "defined"
        elif kind == "RECURSIVE_OPERATORS":
            for name in _introduced(unit):
                seen.setdefault(name, "recursive")
        else:
            for name in _introduced(unit):
                seen.setdefault(name, "declared")
    return None


def _check_module(mod: Mod) -> None:
    units = [u for u in mod.tree.units or () if not isinstance(u, str)]
    if (dup := duplicate_definition(units)) is not None:
        name, unit = dup
        raise _Unknown(
            name,
            unit,
            f"Operator {name} already defined or declared."
            f" (SANY: Multiply-defined symbol '{name}')",
        )
    pending = {n for u in units for n in _introduced(u)}
    try:
        for unit in units:
            _LATER[0] = frozenset(pending)
            _check_unit(unit, mod)
            pending.difference_update(_introduced(unit))
    finally:
        _LATER[0] = frozenset()


def _check_unit(unit: Node, mod: Mod) -> None:
    kind = unit.symbol.name
    if kind == "OPERATOR_DEFINITION":
        _check_def(unit, frozenset(), mod)
    elif kind == "AXIOM":
        _walk(unit.expression, frozenset(), mod)
    elif kind == "INSTANCE":
        for w in unit.with_substitution or ():
            _walk(w.expression, frozenset(), mod)


def _check_def(d: Node, bound: frozenset[str], mod: Mod) -> None:
    params = {canon(p.operator) for p in (d.arity or ())}
    inner = bound | params
    body = d.definiens
    if _kind(body) == "INSTANCE":
        for w in body.with_substitution or ():
            _walk(w.expression, inner, mod)
        return
    if d.function:
        # `f[x \in S] == e`: f may be used in e.
        inner = inner | {d.name}
    _walk(body, inner, mod)


def _kind(node: Node) -> str:
    sym = getattr(node, "symbol", None)
    return sym.name if sym is not None else ""


def _binders(decls: list[Node], bound: frozenset[str], mod: Mod) -> frozenset[str]:
    """Check the bounds of ``x \\in S, <<a, b>> \\in T``; the names they bind."""
    names: set[str] = set()
    for target, s in declarations_as_name_bounds(decls):
        if s is not None:
            _walk(s, bound, mod)
        if _kind(target) == "TUPLE":
            names.update(x.operator for x in target.items)
        else:
            names.add(target.operator)
    return bound | names


def _walk(node: Any, bound: frozenset[str], mod: Mod) -> None:
    if node is None or isinstance(node, (str, int, bool)):
        return
    if isinstance(node, (list, tuple)) and not hasattr(node, "_fields"):
        for x in node:
            _walk(x, bound, mod)
        return
    if not hasattr(node, "_fields"):
        return
    kind = _kind(node)
    if kind == "OPERATOR_APPLICATION":
        _name(node, bound, mod)
        for a in node.arguments or ():
            _walk(a, bound, mod)
        return
    if kind in ("QUANTIFICATION", "TEMPORAL_QUANTIFICATION"):
        _walk(node.predicate, _binders(node.declarations, bound, mod), mod)
        return
    if kind in ("CHOOSE", "SET_SLICE"):
        _walk(node.predicate, _binders([node.declaration], bound, mod), mod)
        return
    if kind == "SET_COMPREHENSION":
        _walk(node.item, _binders(node.declarations, bound, mod), mod)
        return
    if kind == "FUNCTION":
        _walk(node.value, _binders(node.declaration, bound, mod), mod)
        return
    if kind == "LAMBDA":
        _walk(node.expression, bound | {p.operator for p in node.parameters}, mod)
        return
    if kind == "LET":
        names = set()
        for d in node.definitions:
            if _kind(d) == "OPERATOR_DEFINITION":
                names.add(canon(d.name))
        inner = bound | names
        for d in node.definitions:
            if _kind(d) == "OPERATOR_DEFINITION":
                _check_def(d, inner, mod)
        _walk(node.expression, inner, mod)
        return
    if kind == "SUBEXPRESSION_REFERENCE":
        first = node.items[0]
        if _kind(first) == "OPERATOR_APPLICATION":
            _name(first, bound, mod)
            for a in first.arguments or ():
                _walk(a, bound, mod)
            d = mod.defs.get(canon(first.operator))
            if isinstance(d, InstDef) and len(node.items) == 2 and first.operator not in bound:
                _instance_name(d, node.items[1], node)
        for it in node.items[1:]:
            if _kind(it) == "OPERATOR_APPLICATION":
                # Names inside the instance are its business; the arguments are ours.
                for a in it.arguments or ():
                    _walk(a, bound, mod)
        return
    if kind in ("THEOREM", "PROOF", "SEQUENT", "MODULE"):
        return
    for f in node._fields:
        if f not in _SKIP_FIELDS:
            _walk(getattr(node, f), bound, mod)


def _name(node: Node, bound: frozenset[str], mod: Mod) -> None:
    op = node.operator
    if not isinstance(op, str):
        return
    name = canon(op)
    if op == "-" and not node.nonfix and node.arguments and len(node.arguments) == 1:
        name = "-."
    if name in bound or name in PRIMITIVE:
        return
    if name in _LATER[0]:
        raise _Unknown(op, node)
    d = mod.defs.get(name)
    if d is not None:
        _arity(d, node, name)
        return
    if name == "-." and "-" in mod.defs and not node.arguments:
        return
    raise _Unknown("-" if name == "-." else op, node)


def _arity(d: Any, node: Node, name: str) -> None:
    """SANY refuses ``Op(a)`` for an ``Op`` of two parameters (a bare ``Op`` may
    be an operator argument, so only applications are counted)."""
    args = node.arguments
    if not args:
        return
    if isinstance(d, OpDef):
        want = len(d.params)
    elif isinstance(d, Builtin):
        want = d.arity
    else:
        return
    if len(args) != want:
        raise _Unknown(name, node, f"operator {name} takes {want} arguments, not {len(args)}")


def _instance_name(d: InstDef, item: Node, node: Node) -> None:
    """``I!Op``: Op must be a name module I passes on."""
    name = item.operator if _kind(item) == "OPERATOR_APPLICATION" else item
    if not isinstance(name, str) or not name or name[0].isdigit() or name in (":", "<<", ">>", "@"):
        return
    if "exports" not in d.cache:
        try:
            d.cache["exports"] = frozenset(instantiate(d, None).exports())
        except Unsupported:
            d.cache["exports"] = None
    exports = d.cache["exports"]
    if exports is not None and canon(name) not in exports:
        raise _Unknown(name, node)
