"""The TLC configuration language (.cfg files).

The grammar is TLC's (``tlc2.tool.impl.ModelConfig``): keyword sections,
``CONSTANT(S)`` with ``C = value``, ``C <- Name``, ``C <- [Mod] Name`` and
``C = [Mod] value``; values are integers, strings, ``TRUE``/``FALSE``, sets
``{...}`` and model values (any other word). TLC refuses a negative integer
and a tuple ``<<...>>`` ("It was expecting = or <-"), and so does this parser:
a model TLC cannot load is no model. TLA+ comments (``\\*`` and nested
``(* *)``) are skipped by one linear scan.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import attrs

from aura_model.tla._errors import ConfigError, ConfigSyntaxError
from aura_model.tla._values import NEG_ONE_SEEN, ModelValue

__all__ = ["Config", "parse_config"]

_KEYWORDS = {
    "CONSTANT": "CONSTANTS",
    "CONSTANTS": "CONSTANTS",
    "INIT": "INIT",
    "NEXT": "NEXT",
    "SPECIFICATION": "SPECIFICATION",
    "INVARIANT": "INVARIANTS",
    "INVARIANTS": "INVARIANTS",
    "PROPERTY": "PROPERTIES",
    "PROPERTIES": "PROPERTIES",
    "CONSTRAINT": "CONSTRAINTS",
    "CONSTRAINTS": "CONSTRAINTS",
    "ACTION_CONSTRAINT": "ACTION_CONSTRAINTS",
    "ACTION_CONSTRAINTS": "ACTION_CONSTRAINTS",
    "CHECK_DEADLOCK": "CHECK_DEADLOCK",
    "VIEW": "VIEW",
    "SYMMETRY": "SYMMETRY",
    "ALIAS": "ALIAS",
    "POSTCONDITION": "POSTCONDITION",
    "TYPE_CONSTRAINT": "TYPE_CONSTRAINT",
}

# Sections naming exactly one definition.
_SINGLE = ("INIT", "NEXT", "SPECIFICATION", "VIEW", "SYMMETRY", "ALIAS", "POSTCONDITION")
_LISTS = {
    "INVARIANTS": "invariants",
    "PROPERTIES": "properties",
    "CONSTRAINTS": "constraints",
    "ACTION_CONSTRAINTS": "action_constraints",
}

# TLC reads configuration integers with Java's Integer.parseInt.
_INT_MIN, _INT_MAX = -(2**31), 2**31 - 1
# Values nest through recursion; TLC's own parser is recursive too, but a
# real model never nests more than a few levels.
_MAX_NESTING = 100

Token = tuple[str, str, int]  # (kind, text, line)


@attrs.frozen
class PointTable:
    """A constant operator the configuration gives point by point (``F(0, a) = 1``).

    Applied to arguments it was given no value for, TLC fails the evaluation.
    """

    name: str
    points: tuple[tuple[tuple[Any, ...], Any], ...]

    def lookup(self, args: tuple[Any, ...]) -> Any:
        key = _point_key(args)
        for k, v in self.points:
            if _point_key(k) == key:
                return v
        raise KeyError(args)


def _point_key(args: tuple[Any, ...]) -> tuple[Any, ...]:
    # TRUE and 1 are equal Python values: keep them apart.
    return tuple((x.__class__ is bool, x) for x in args)


@attrs.frozen
class Config:
    """A parsed .cfg file. ``constants`` values are checker values, or
    ``("subst", name)`` for ``C <- Name``. ``mod_overrides`` maps a module
    name to its ``C <- [Mod] Name`` substitutions, ``mod_constants`` to its
    ``C = [Mod] value`` assignments."""

    path: str
    constants: dict[str, Any] = attrs.field(factory=dict)
    init: str | None = None
    next: str | None = None
    specification: str | None = None
    invariants: tuple[str, ...] = ()
    properties: tuple[str, ...] = ()
    constraints: tuple[str, ...] = ()
    action_constraints: tuple[str, ...] = ()
    check_deadlock: bool | None = None
    view: str | None = None
    symmetry: str | None = None
    alias: str | None = None
    postcondition: str | None = None
    mod_overrides: dict[str, dict[str, str]] = attrs.field(factory=dict)
    mod_constants: dict[str, dict[str, Any]] = attrs.field(factory=dict)


def _is_word(c: str) -> bool:
    return c.isalnum() or c == "_"


def _tokens(text: str, where: str) -> list[Token]:
    """Split ``text`` into tokens in one pass (comments dropped)."""
    toks: list[Token] = []
    n = len(text)
    i = 0
    line = 1
    while i < n:
        c = text[i]
        if c == "\n":
            line += 1
            i += 1
            continue
        if c.isspace():
            i += 1
            continue
        if text.startswith("\\*", i):
            j = text.find("\n", i)
            i = n if j < 0 else j
            continue
        if text.startswith("(*", i):
            # Comments nest in TLA+; each character is looked at once.
            depth = 0
            while i < n:
                if text.startswith("(*", i):
                    depth += 1
                    i += 2
                elif text.startswith("*)", i):
                    depth -= 1
                    i += 2
                    if depth == 0:
                        break
                else:
                    if text[i] == "\n":
                        line += 1
                    i += 1
            # An unterminated comment runs to the end of the file (TLC reads
            # the configuration before it, without complaint).
            continue
        if c == '"':
            j = i + 1
            while j < n and text[j] != '"':
                if text[j] == "\n":
                    break
                j += 2 if text[j] == "\\" else 1
            if j >= n or text[j] != '"':
                raise ConfigSyntaxError(f"{where}:{line}: unterminated string")
            toks.append(("str", text[i : j + 1], line))
            i = j + 1
            continue
        if _is_word(c):
            j = i
            while j < n and _is_word(text[j]):
                j += 1
            word = text[i:j]
            toks.append(("num" if word.isdigit() else "ident", word, line))
            i = j
            continue
        for sym in ("<-", "<<", ">>", ".."):
            if text.startswith(sym, i):
                toks.append(("punct", sym, line))
                i += 2
                break
        else:
            if c in "={},[]()!-":
                toks.append(("punct", c, line))
                i += 1
            else:
                raise ConfigSyntaxError(f"{where}:{line}: unexpected character {c!r}")
    return toks


class _Parser:
    def __init__(self, toks: list[Token], where: str) -> None:
        self.toks = toks
        self.where = where
        self.i = 0

    def at(self, line: int | None = None) -> str:
        if line is None:
            line = self.toks[self.i][2] if self.i < len(self.toks) else self._last_line()
        return f"{self.where}:{line}"

    def _last_line(self) -> int:
        return self.toks[-1][2] if self.toks else 1

    def peek(self) -> Token | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def next(self, what: str) -> Token:
        tok = self.peek()
        if tok is None:
            raise ConfigSyntaxError(f"{self.at()}: {what} is missing at the end of the file")
        self.i += 1
        return tok

    def name(self, what: str) -> str:
        kind, val, line = self.next(what)
        if kind != "ident" or val in _KEYWORDS:
            raise ConfigSyntaxError(f"{self.at(line)}: expected {what}, got {val!r}")
        return val

    def expect(self, sym: str) -> None:
        kind, val, line = self.next(repr(sym))
        if val != sym or kind not in ("punct",):
            raise ConfigSyntaxError(f"{self.at(line)}: expected {sym!r}, got {val!r}")

    def value(self, depth: int = 0) -> Any:
        kind, val, line = self.next("a constant value")
        if depth > _MAX_NESTING:
            raise ConfigSyntaxError(f"{self.at(line)}: values nested more than {_MAX_NESTING} deep")
        if kind == "punct" and val == "-":
            raise ConfigSyntaxError(
                f"{self.at(line)}: TLC's configuration has no negative numbers; define the"
                " value in the spec and use <-"
            )
        if kind == "num":
            return self._int(val, line)
        if kind == "str":
            return val[1:-1].replace('\\"', '"').replace("\\\\", "\\")
        if kind == "ident":
            if val in _KEYWORDS:
                raise ConfigSyntaxError(f"{self.at(line)}: expected a value, got the keyword {val}")
            if val == "TRUE":
                return True
            if val == "FALSE":
                return False
            return ModelValue(val)
        if kind == "punct" and val == "<<":
            raise ConfigSyntaxError(
                f"{self.at(line)}: TLC's configuration has no tuples; define the value in the"
                " spec and use <-"
            )
        if kind == "punct" and val == "{":
            close = "}"
            items: list[Any] = []
            tok = self.peek()
            if tok is not None and tok[1] == close:
                self.i += 1
            else:
                while True:
                    items.append(self.value(depth + 1))
                    _, v2, l2 = self.next(f"{close!r}")
                    if v2 == close:
                        break
                    if v2 != ",":
                        raise ConfigSyntaxError(
                            f"{self.at(l2)}: expected ',' or {close!r} in a value, got {v2!r}"
                        )
            return frozenset(items)
        raise ConfigSyntaxError(f"{self.at(line)}: unexpected {val!r} in a constant value")

    def _int(self, digits: str, line: int) -> int:
        # Checked before int(): Python refuses to convert very long digit
        # strings, and TLC refuses anything outside 32 bits.
        if len(digits.lstrip("-").lstrip("0")) > 10:
            raise ConfigSyntaxError(
                f"{self.at(line)}: the integer {digits[:20]}... is outside TLC's range"
                " -2^31..2^31-1"
            )
        v = int(digits)
        if not _INT_MIN <= v <= _INT_MAX:
            raise ConfigSyntaxError(
                f"{self.at(line)}: the integer {digits} is outside TLC's range -2^31..2^31-1"
            )
        if v == -1:
            NEG_ONE_SEEN[0] = True
        return v


def parse_config(path: Path | str, text: str | None = None) -> Config:
    """Parse a TLC configuration; malformed input raises :class:`ConfigError`."""
    where = str(path)
    if text is None:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except OSError as exc:
            raise ConfigError(f"{where}: cannot read configuration: {exc.strerror}") from None
        except UnicodeDecodeError:
            raise ConfigError(f"{where}: the configuration is not UTF-8 text") from None
    # A byte-order mark is not part of the text (editors on Windows write one).
    p = _Parser(_tokens(text.removeprefix("\ufeff"), where), where)
    fields: dict[str, Any] = {
        "constants": {},
        "mod_overrides": {},
        "mod_constants": {},
        "invariants": [],
        "properties": [],
        "constraints": [],
        "action_constraints": [],
    }
    while p.peek() is not None:
        kind, val, line = p.next("a keyword")
        section = _KEYWORDS.get(val) if kind == "ident" else None
        if section is None:
            raise ConfigSyntaxError(f"{p.at(line)}: expected a keyword, got {val!r}")
        if section in _SINGLE or section == "TYPE_CONSTRAINT":
            name = p.name(f"a name after {val}")
            key = section.lower()
            if key in fields:
                raise ConfigSyntaxError(f"{p.at(line)}: {val} is given twice")
            fields[key] = name
        elif section == "CHECK_DEADLOCK":
            _, flag, _ = p.next("TRUE or FALSE")
            if flag not in ("TRUE", "FALSE"):
                raise ConfigSyntaxError(f"{p.at(line)}: CHECK_DEADLOCK expects TRUE or FALSE")
            if "check_deadlock" in fields:
                raise ConfigSyntaxError(f"{p.at(line)}: CHECK_DEADLOCK is given twice")
            fields["check_deadlock"] = flag == "TRUE"
        elif section == "CONSTANTS":
            _constants(p, fields)
        else:
            out = fields[_LISTS[section]]
            while (tok := p.peek()) is not None and not (tok[0] == "ident" and tok[1] in _KEYWORDS):
                p.i += 1
                if tok[0] != "ident":
                    # TLC reads any token here as a name it cannot resolve (151).
                    raise ConfigError(f"{p.at(tok[2])}: expected a name in {val}, got {tok[1]!r}")
                out.append(tok[1])
    fields.pop("type_constraint", None)
    for key in _LISTS.values():
        fields[key] = tuple(fields[key])
    return Config(path=where, **fields)


def _constants(p: _Parser, fields: dict[str, Any]) -> None:
    while (tok := p.peek()) is not None and not (tok[0] == "ident" and tok[1] in _KEYWORDS):
        name = p.name("a constant name")
        while (t := p.peek()) is not None and t[1] == "!":
            # `Inst!C = v`: TLC's syntax for a constant seen through an instance.
            p.i += 1
            name += "!" + p.name("a name after !")
        _, val, line = p.next(f"= or <- after {name}")
        if val == "(":
            # `F(0, a) = 1`: one point of a constant operator (TLC's syntax).
            args = [p.value()]
            while (t := p.peek()) is not None and t[1] == ",":
                p.i += 1
                args.append(p.value())
            p.expect(")")
            p.expect("=")
            value = p.value()
            old = fields["constants"].get(name)
            points = old.points if isinstance(old, PointTable) else ()
            fields["constants"][name] = PointTable(name, (*points, (tuple(args), value)))
            continue
        if val == "<-":
            mod = _module_scope(p)
            target = p.name(f"a definition after {name} <-")
            if mod is None:
                fields["constants"][name] = ("subst", target)
            else:
                fields["mod_overrides"].setdefault(mod, {})[name] = target
        elif val == "=":
            mod = _module_scope(p)
            value = p.value()
            if (t := p.peek()) is not None and t[1] == "..":
                raise ConfigSyntaxError(
                    f"{p.at(t[2])}: TLC's configuration has no intervals; give {name}"
                    " a set such as {1, 2, 3}, or define the interval in the spec and use <-"
                )
            if mod is None:
                fields["constants"][name] = value
            else:
                fields["mod_constants"].setdefault(mod, {})[name] = value
        else:
            raise ConfigSyntaxError(f"{p.at(line)}: expected = or <- after constant {name}")


def _module_scope(p: _Parser) -> str | None:
    """``[Mod]`` after ``<-`` or ``=`` (TLC's module-specific override)."""
    t = p.peek()
    if t is None or t[1] != "[":
        return None
    p.i += 1
    mod = p.name("a module name after [")
    p.expect("]")
    return mod
