"""The order in which TLC ranks strings (and model values, records' fields).

TLC compares two strings by when each was first interned, not by their
characters: ``CHOOSE s \\in {"b", "a"} : TRUE`` is whichever of the two TLC
met first, and a record prints its fields in that order. It interns, in
order: a few built-in names, every word of the spec's modules as their
parser reads them (the root module, then the modules it uses, depth first),
every word of the configuration file, then the string literals as the
modules are processed (a module after the ones it uses), then strings made
while checking. This module reproduces that order for one model. Model
values are ranked apart, in the order the configuration names them.
"""

from __future__ import annotations

import re
from pathlib import Path

__all__ = ["cfg_words", "intern_order"]

_BUILTIN = ("TRUE", "FALSE", "BOOLEAN", "STRING")

# The words of TLC's own standard modules, in order (from their text in tla2tools.jar).
_STANDARD: dict[str, tuple[str, ...]] = {
    "Naturals": ("Naturals", "Nat", "a", "b", "CHOOSE", "n", "TRUE"),
    "Integers": ("Integers", "EXTENDS", "Naturals", "Int", "a"),
    "Reals": (
        "Reals",
        "EXTENDS",
        "Integers",
        "Real",
        "a",
        "b",
        "CHOOSE",
        "m",
        "Infinity",
        "i",
        "r",
    ),
    "Sequences": (
        "Sequences",
        "LOCAL",
        "INSTANCE",
        "Naturals",
        "Seq",
        "S",
        "UNION",
        "n",
        "Nat",
        "Len",
        "s",
        "CHOOSE",
        "DOMAIN",
        "t",
        "i",
        "IF",
        "THEN",
        "ELSE",
        "Append",
        "e",
        "Head",
        "Tail",
        "CASE",
        "SubSeq",
        "m",
        "SelectSeq",
        "Test",
        "LET",
        "F",
        "IN",
    ),
    "FiniteSets": (
        "FiniteSets",
        "LOCAL",
        "INSTANCE",
        "Naturals",
        "Sequences",
        "IsFiniteSet",
        "S",
        "seq",
        "Seq",
        "s",
        "n",
        "Len",
        "Cardinality",
        "LET",
        "CS",
        "T",
        "SUBSET",
        "IF",
        "THEN",
        "ELSE",
        "CHOOSE",
        "x",
        "IN",
    ),
    "Bags": (
        "Bags",
        "EXTENDS",
        "TLC",
        "LOCAL",
        "INSTANCE",
        "Naturals",
        "IsABag",
        "B",
        "DOMAIN",
        "n",
        "Nat",
        "BagToSet",
        "SetToBag",
        "S",
        "e",
        "BagIn",
        "EmptyBag",
        "B1",
        "B2",
        "IF",
        "THEN",
        "ELSE",
        "LET",
        "IN",
        "d",
        "Sum",
        "f",
        "DSum",
        "SUBSET",
        "elt",
        "CHOOSE",
        "TRUE",
        "BagUnion",
        "UNION",
        "SubBag",
        "RemoveFromDom",
        "x",
        "y",
        "Combine",
        "BagSet",
        "i",
        "Biggest",
        "Range",
        "r",
        "s",
        "RSB",
        "BB",
        "BagOfAll",
        "F",
        "BagCardinality",
        "CopiesIn",
    ),
    "TLC": (
        "TLC",
        "LOCAL",
        "INSTANCE",
        "Naturals",
        "Sequences",
        "FiniteSets",
        "Print",
        "out",
        "val",
        "PrintT",
        "TRUE",
        "Assert",
        "IF",
        "THEN",
        "ELSE",
        "CHOOSE",
        "v",
        "JavaTime",
        "n",
        "Nat",
        "TLCGet",
        "i",
        "TLCSet",
        "d",
        "e",
        "x",
        "f",
        "g",
        "DOMAIN",
        "Permutations",
        "S",
        "w",
        "SortSeq",
        "s",
        "Op",
        "LET",
        "Perm",
        "p",
        "Len",
        "j",
        "IN",
        "RandomElement",
        "Any",
        "ToString",
        "a",
        "b",
        "STRING",
        "TLCEval",
    ),
    "TLCExt": (
        "TLCExt",
        "LOCAL",
        "INSTANCE",
        "TLC",
        "Integers",
        "AssertEq",
        "a",
        "b",
        "IF",
        "THEN",
        "PrintT",
        "ELSE",
        "AssertError",
        "err",
        "exp",
        "LET",
        "FailsEval",
        "e",
        "CHOOSE",
        "BOOLEAN",
        "TRUE",
        "TLCError",
        "s",
        "STRING",
        "IN",
        "Assert",
        "TLCGetOrDefault",
        "key",
        "defaultVal",
        "n",
        "TLCGetAndSet",
        "Op",
        "val",
        "oldVal",
        "v",
        "TLCSet",
        "Trace",
        "CounterExample",
        "ToTrace",
        "CE",
        "TLCModelValue",
        "str",
        "ToString",
        "TLCDefer",
        "expression",
        "TLCNoOp",
        "PickSuccessor",
        "bool",
        "TLCCache",
        "closure",
        "TLCFP",
        "var",
        "i",
        "Int",
        "TLCEvalDefinition",
        "definitionName",
    ),
    "Randomization": (
        "Randomization",
        "LOCAL",
        "INSTANCE",
        "Naturals",
        "FiniteSets",
        "RandomSubset",
        "k",
        "S",
        "CHOOSE",
        "T",
        "SUBSET",
        "Cardinality",
        "RandomSetOfSubsets",
        "n",
        "TestRandomSetOfSubsets",
        "i",
    ),
}

_WORD = re.compile(r'"(?:[^"\\]|\\.)*"|\\[A-Za-z]+|[A-Za-z0-9_]*[A-Za-z][A-Za-z0-9_]*')
_HEADER = re.compile(r"^\s*-{4,}\s*MODULE\s+", re.M)
_END = re.compile(r"^\s*={4,}", re.M)
_USES = re.compile(r"\bEXTENDS\s+(\w+(?:\s*,\s*\w+)*)|\bINSTANCE\s+(\w+)")


def _strip_comments(text: str) -> str:
    out: list[str] = []
    i, depth, n = 0, 0, len(text)
    while i < n:
        if text.startswith("(*", i):
            depth += 1
            i += 2
        elif depth and text.startswith("*)", i):
            depth -= 1
            i += 2
        elif depth:
            i += 1
        elif text.startswith("\\*", i):
            j = text.find("\n", i)
            i = n if j < 0 else j
        elif text[i] == '"':
            m = re.compile(r'"(?:[^"\\]|\\.)*"').match(text, i)
            end = m.end() if m else i + 1
            out.append(text[i:end])
            i = end
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


def _unquote(lit: str) -> str:
    return (
        lit[1:-1]
        .replace('\\"', '"')
        .replace("\\\\", "\\")
        .replace("\\n", "\n")
        .replace("\\t", "\t")
    )


def _words(text: str) -> tuple[list[str], list[str]]:
    """(identifiers and keywords, string literals), each in the order they occur."""
    words: list[str] = []
    strings: list[str] = []
    for m in _WORD.finditer(text):
        w = m.group(0)
        if w.startswith('"'):
            strings.append(_unquote(w))
        elif not w.startswith("\\"):
            words.append(w)
    return words, strings


def _module_body(text: str) -> str:
    text = _strip_comments(text)
    head = _HEADER.search(text)
    if head is not None:
        text = text[head.end() :]
    end = _END.search(text)
    return text[: end.start()] if end is not None else text


def intern_order(spec: Path, cfg_text: str) -> list[str]:
    """The strings TLC interns for this model, first to last (repeats left in)."""
    order: list[str] = list(_BUILTIN)
    literals: list[list[str]] = []
    seen: set[str] = set()

    def visit(name: str, path: Path | None) -> None:
        seen.add(name)
        text = None
        if path is not None and path.is_file():
            text = path.read_text(encoding="utf-8", errors="replace")
        elif name not in _STANDARD:
            # A Community Module: TLC reads (and interns) its text like a spec's.
            from aura_model.tla._modules import community_text

            text = community_text(name)
        if text is not None:
            body = _module_body(text)
            words, strings = _words(body)
            uses = [
                u
                for m in _USES.finditer(body)
                for u in re.split(r"[\s,]+", m.group(1) or m.group(2))
                if u
            ]
        elif name in _STANDARD:
            words, strings = list(_STANDARD[name]), []
            uses = [
                w
                for w in ("Naturals", "Integers", "Sequences", "FiniteSets", "TLC")
                if w in _STANDARD[name] and w != name
            ]
        else:
            return
        order.extend(words)
        for u in uses:
            if u not in seen:
                local = spec.parent / f"{u}.tla"
                visit(u, local if u not in _STANDARD or local.is_file() else None)
        literals.append(strings)

    visit(spec.stem, spec)
    words, strings = _words(_strip_comments(cfg_text))
    order += words + strings
    for strings in literals:
        order.extend(strings)
    return order


def cfg_words(cfg_text: str) -> list[str]:
    """The configuration's words in order: TLC makes its model values in this order."""
    return _words(_strip_comments(cfg_text))[0]
