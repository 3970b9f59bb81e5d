"""The TLC configuration language (.cfg files)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import attrs

from aura_model.tla._errors import ConfigError
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
}

_TOKEN = re.compile(
    r"""\s*(?:
        (?P<str>"(?:[^"\\]|\\.)*")
      | (?P<num>-?\d+)
      | (?P<arrow><-)
      | (?P<dcolon>::)
      | (?P<ltup><<) | (?P<rtup>>>)
      | (?P<punct>[={},\[\]])
      | (?P<ident>[A-Za-z_][A-Za-z0-9_!]*)
    )""",
    re.VERBOSE,
)


@attrs.frozen
class Config:
    """A parsed .cfg file. ``constants`` values are checker values, or
    ``("subst", name)`` for ``C <- Name``."""

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


def _strip_comments(text: str) -> str:
    out = re.sub(r"\(\*.*?\*\)", lambda m: re.sub(r"[^\n]", " ", m.group(0)), text, flags=re.S)
    return re.sub(r"\\\*[^\n]*", "", out)


def _tokens(text: str, where: str) -> list[tuple[str, str, int]]:
    toks: list[tuple[str, str, int]] = []
    for lineno, line in enumerate(text.splitlines(), 1):
        pos = 0
        while pos < len(line):
            if line[pos:].strip() == "":
                break
            m = _TOKEN.match(line, pos)
            if m is None or m.end() == pos:
                bad = line[pos:].strip()[:20]
                raise ConfigError(f"{where}:{lineno}: unexpected text {bad!r}")
            kind = m.lastgroup
            assert kind is not None
            toks.append((kind, m.group(kind), lineno))
            pos = m.end()
    return toks


def parse_config(path: Path | str, text: str | None = None) -> Config:
    """Parse a TLC configuration; malformed input raises :class:`ConfigError`."""
    where = str(path)
    if text is None:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except OSError as exc:
            raise ConfigError(f"{where}: cannot read configuration: {exc.strerror}") from None
    toks = _tokens(_strip_comments(text), where)
    fields: dict[str, Any] = {
        "constants": {},
        "invariants": [],
        "properties": [],
        "constraints": [],
        "action_constraints": [],
    }
    i = 0
    section: str | None = None

    def need_ident(j: int) -> str:
        if j >= len(toks) or toks[j][0] != "ident" or toks[j][1] in _KEYWORDS:
            line = toks[j][2] if j < len(toks) else "end"
            raise ConfigError(f"{where}:{line}: expected a name after {section}")
        return toks[j][1]

    while i < len(toks):
        kind, val, line = toks[i]
        if kind == "ident" and val in _KEYWORDS:
            section = _KEYWORDS[val]
            i += 1
            if section in ("INIT", "NEXT", "SPECIFICATION", "VIEW", "SYMMETRY", "ALIAS"):
                name = need_ident(i)
                key = section.lower()
                if key in ("init", "next", "specification", "view", "symmetry"):
                    fields[key] = name
                i += 1
                section = None
            elif section == "CHECK_DEADLOCK":
                if i >= len(toks) or toks[i][1] not in ("TRUE", "FALSE"):
                    raise ConfigError(f"{where}:{line}: CHECK_DEADLOCK expects TRUE or FALSE")
                fields["check_deadlock"] = toks[i][1] == "TRUE"
                i += 1
                section = None
            elif section == "POSTCONDITION":
                need_ident(i)
                i += 1
                section = None
            continue
        if section is None:
            raise ConfigError(f"{where}:{line}: {val!r} outside any section")
        if section == "CONSTANTS":
            if kind != "ident":
                raise ConfigError(f"{where}:{line}: expected a constant name, got {val!r}")
            name = val
            if name.endswith("!"):
                raise ConfigError(f"{where}:{line}: malformed constant name {name!r}")
            i += 1
            if i < len(toks) and toks[i][0] == "punct" and toks[i][1] == "[":
                # `C <- [Mod] Name` or `C = [Mod] v`: module-scoped override.
                while i < len(toks) and toks[i][1] != "]":
                    i += 1
                i += 1
            if i >= len(toks):
                raise ConfigError(f"{where}:{line}: constant {name} has no value")
            if toks[i][0] == "arrow":
                i += 1
                if i < len(toks) and toks[i][1] == "[":
                    while i < len(toks) and toks[i][1] != "]":
                        i += 1
                    i += 1
                target = need_ident(i)
                fields["constants"][name] = ("subst", target)
                i += 1
            elif toks[i][1] == "=":
                i += 1
                value, i = _value(toks, i, where)
                fields["constants"][name] = value
            else:
                raise ConfigError(f"{where}:{line}: expected = or <- after constant {name}")
            continue
        if kind != "ident":
            raise ConfigError(f"{where}:{line}: expected a name in {section}, got {val!r}")
        key = {
            "INVARIANTS": "invariants",
            "PROPERTIES": "properties",
            "CONSTRAINTS": "constraints",
            "ACTION_CONSTRAINTS": "action_constraints",
        }[section]
        fields[key].append(val)
        i += 1
    for key in ("invariants", "properties", "constraints", "action_constraints"):
        fields[key] = tuple(fields[key])
    return Config(path=where, **fields)


def _value(toks: list[tuple[str, str, int]], i: int, where: str) -> tuple[Any, int]:
    if i >= len(toks):
        raise ConfigError(f"{where}: a constant value is missing at the end")
    kind, val, line = toks[i]
    if kind == "num":
        if int(val) == -1:
            NEG_ONE_SEEN[0] = True
        return int(val), i + 1
    if kind == "str":
        return val[1:-1].replace('\\"', '"').replace("\\\\", "\\"), i + 1
    if kind == "ident":
        if val in _KEYWORDS:
            raise ConfigError(f"{where}:{line}: expected a value, got the keyword {val}")
        if val == "TRUE":
            return True, i + 1
        if val == "FALSE":
            return False, i + 1
        return ModelValue(val), i + 1
    if (kind == "punct" and val == "{") or kind == "ltup":
        close = "}" if val == "{" else ">>"
        items: list[Any] = []
        i += 1
        while True:
            if i >= len(toks):
                raise ConfigError(f"{where}:{line}: unterminated {val}")
            if toks[i][1] == close:
                i += 1
                break
            item, i = _value(toks, i, where)
            items.append(item)
            if i < len(toks) and toks[i][1] == ",":
                i += 1
            elif i < len(toks) and toks[i][1] != close:
                raise ConfigError(f"{where}:{toks[i][2]}: expected , or {close} in a value")
        return (frozenset(items) if close == "}" else tuple(items)), i
    raise ConfigError(f"{where}:{line}: unexpected {val!r} in a constant value")
