"""SANY's operator precedence, applied to the parser's trees.

The ``tla`` parser gives every operator one precedence level and makes the
non-associative ones left-associative, leaving it to later stages to decide
where TLA+ needs parentheses. SANY gives each operator a range of levels and
refuses two adjacent operators whose ranges overlap, unless they are the same
left-associative operator ("Precedence conflict between ops \\land and \\lor"
for ``/\\ a /\\ b \\/ c`` in one bullet, ``a = b = c``, ``x % N + 1``). Where the
ranges do not overlap, the two parsers can still disagree: ``SUBSET S \\cup T``
is ``(SUBSET S) \\cup T`` to SANY, ``SUBSET (S \\cup T)`` to the ``tla`` parser.

So each maximal chain of prefix and infix applications (no parentheses in
between) is flattened back to its tokens and re-read with SANY's own algorithm
(tla2sany's OperatorStack.reduceStack and its table of operators): the result
is SANY's tree, or the conflict SANY reports.
"""

from __future__ import annotations

from typing import Any

from aura_model.tla._errors import TlaParseError
from aura_model.tla._syntax import map_fields

_NONE, _LEFT = 0, 1

# (lowest level, highest level, associativity), by the spellings the front end
# sees (after Unicode is read as ASCII); synonyms share one entry (same op).
_INFIX: dict[str, tuple[int, int, int]] = {}
_PREFIX: dict[str, tuple[int, int, int]] = {
    "-.": (120, 120, _NONE),
    "~": (40, 40, _LEFT),
    "[]": (40, 150, _NONE),
    "<>": (40, 150, _NONE),
    "ENABLED": (40, 150, _NONE),
    "UNCHANGED": (40, 150, _NONE),
    "SUBSET": (100, 130, _NONE),
    "UNION": (100, 130, _NONE),
    "DOMAIN": (100, 130, _NONE),
}
_PREFIX_SPELLINGS = {"\\lnot": "~", "\\neg": "~"}


def _infix(spellings: str, low: int, high: int, assoc: int) -> None:
    names = spellings.split()
    for s in names:
        _INFIX[s] = (low, high, assoc)
        _CANON[s] = names[0]


_CANON: dict[str, str] = {}
for _line in (
    "^ 140 140 N",
    "/ 130 130 N",
    "* 130 130 L",
    "- 110 110 L",
    "+ 100 100 L",
    "= 50 50 N",
    "/\\ 30 30 L \\land",
    "\\/ 30 30 L \\lor",
    "~> 20 20 N \\leadsto",
    "=> 10 10 N",
    "\\cdot 50 140 L",
    "<=> 20 20 N \\equiv",
    "-+-> 20 20 N",
    "# 50 50 N /=",
    "\\subseteq 50 50 N",
    "\\in 50 50 N",
    "\\notin 50 50 N",
    "< 50 50 N",
    "<= 50 50 N =< \\leq",
    "> 50 50 N",
    ">= 50 50 N \\geq",
    "\\ 80 80 N \\setminus",
    "\\cap 80 80 L \\intersect",
    "\\cup 80 80 L \\union",
    "... 90 90 N",
    ".. 90 90 N",
    "| 100 110 L",
    "|| 100 110 L",
    "&& 130 130 L",
    "& 130 130 L",
    "$$ 90 130 L",
    "$ 90 130 L",
    "?? 90 130 L",
    "%% 100 110 L",
    "% 100 110 N",
    "## 90 130 L",
    "++ 100 100 L",
    "-- 110 110 L",
    "** 130 130 L",
    "// 130 130 N",
    "^^ 140 140 N",
    "@@ 60 60 L",
    "!! 90 130 N",
    "|- 50 50 N",
    "|= 50 50 N",
    "-| 50 50 N",
    "=| 50 50 N",
    "<: 70 70 N",
    ":> 70 70 N",
    ":= 50 50 N",
    "::= 50 50 N",
    "(+) 100 100 L \\oplus",
    "(-) 110 110 L \\ominus",
    "(.) 130 130 L \\odot",
    "(/) 130 130 N \\oslash",
    "(\\X) 130 130 L \\otimes",
    "\\uplus 90 130 L",
    "\\sqcap 90 130 L",
    "\\sqcup 90 130 L",
    "\\div 130 130 N",
    "\\wr 90 140 N",
    "\\star 130 130 L",
    "\\o 130 130 L \\circ",
    "\\bigcirc 130 130 L",
    "\\bullet 130 130 L",
    "\\prec 50 50 N",
    "\\succ 50 50 N",
    "\\preceq 50 50 N",
    "\\succeq 50 50 N",
    "\\sim 50 50 N",
    "\\simeq 50 50 N",
    "\\ll 50 50 N",
    "\\gg 50 50 N",
    "\\asymp 50 50 N",
    "\\subset 50 50 N",
    "\\supset 50 50 N",
    "\\supseteq 50 50 N",
    "\\approx 50 50 N",
    "\\cong 50 50 N",
    "\\sqsubset 50 50 N",
    "\\sqsubseteq 50 50 N",
    "\\sqsupset 50 50 N",
    "\\sqsupseteq 50 50 N",
    "\\doteq 50 50 N",
    "\\propto 50 50 N",
):
    _name, _lo, _hi, _assoc, *_more = _line.split()
    _infix(" ".join([_name, *_more]), int(_lo), int(_hi), _LEFT if _assoc == "L" else _NONE)

# A token of a chain: ("e", node) an operand, ("p", node, key) a prefix
# operator, ("i", node, key) an infix one (node: the application it came from).
_Tok = tuple[Any, ...]


def _op(node: Any) -> tuple[str, str] | None:
    """("p" or "i", canonical operator) if ``node`` is a prefix or infix application."""
    sym = getattr(node, "symbol", None)
    if sym is None or sym.name != "OPERATOR_APPLICATION" or getattr(node, "nonfix", False):
        return None
    args = node.arguments
    if not args:
        return None
    o = node.operator
    if len(args) == 2 and o in _INFIX:
        return ("i", _CANON[o])
    if len(args) == 1:
        if o == "-":
            return ("p", "-.")
        o = _PREFIX_SPELLINGS.get(o, o)
        if o in _PREFIX:
            return ("p", o)
    return None


def _levels(tok: _Tok) -> tuple[int, int, int]:
    return (_PREFIX if tok[0] == "p" else _INFIX)[tok[2]]


def apply_sany_precedence(tree: Any, where: str) -> Any:
    """``tree`` with every operator chain read as SANY reads it.

    Raises TlaParseError where SANY reports a precedence conflict.
    """
    return _walk(tree, where)


def _walk(node: Any, where: str) -> Any:
    if isinstance(node, list):
        new = [_walk(x, where) for x in node]
        return new if any(a is not b for a, b in zip(new, node, strict=True)) else node
    if not isinstance(node, tuple):
        return node
    if not hasattr(node, "_fields"):
        items = tuple(_walk(x, where) for x in node)
        return items if any(a is not b for a, b in zip(items, node, strict=True)) else node
    if _op(node) is not None:
        return _chain(node, where)
    return map_fields(node, lambda v: _walk(v, where))


def _flatten(node: Any, out: list[_Tok], where: str) -> None:
    kind = _op(node)
    if kind is None:
        out.append(("e", _walk(node, where)))
    elif kind[0] == "p":
        out.append(("p", node, kind[1]))
        _flatten(node.arguments[0], out, where)
    else:
        _flatten(node.arguments[0], out, where)
        out.append(("i", node, kind[1]))
        _flatten(node.arguments[1], out, where)


def _chain(node: Any, where: str) -> Any:
    toks: list[_Tok] = []
    _flatten(node, toks, where)
    stack: list[_Tok] = []
    for tok in [*toks, None]:
        if tok is not None and tok[0] != "i":
            stack.append(tok)
            continue
        # An infix operator (or the end, None): reduce what binds tighter than
        # it, as OperatorStack.reduceStack does; the stack alternates operators
        # and operands, an operand on top.
        while len(stack) >= 2:
            left = stack[-2]
            if tok is not None:
                lo_l, hi_l, assoc_l = _levels(left)
                lo_r, hi_r, _ = _levels(tok)
                same = left[0] == tok[0] and left[2] == tok[2]
                if not (lo_l > hi_r or (same and assoc_l == _LEFT)):
                    if hi_l < lo_r:
                        break
                    raise TlaParseError(
                        f"{_at(tok[1], where)}: precedence conflict between ops "
                        f"{left[1].operator} and {tok[1].operator}"
                    )
            if left[0] == "p":
                operand = stack.pop()
                stack.pop()
                new = _rebuild(left[1], [operand[1]])
            else:
                right = stack.pop()
                stack.pop()
                lhs = stack.pop()
                new = _rebuild(left[1], [lhs[1], right[1]])
            stack.append(("e", new))
        if tok is not None:
            stack.append(tok)
    if len(stack) != 1:
        raise AssertionError("operator chain did not reduce to one expression")
    # Unchanged chains come back as the very same node (_rebuild keeps them).
    return stack[0][1]


def _rebuild(op_node: Any, args: list[Any]) -> Any:
    if all(a is b for a, b in zip(args, op_node.arguments, strict=True)):
        return op_node
    return op_node._replace(arguments=args)


def _at(node: Any, where: str) -> str:
    start = getattr(node, "start", None)
    if start is None:
        return where
    return f"{where}:{start.line + 1}:{start.column + 1}"
