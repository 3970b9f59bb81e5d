"""Unicode TLA+ (``≜ ∈ ∧ ∀ ⟨ ⟩ ...``) read as the ASCII forms the parser knows.

SANY accepts the Unicode symbols of the TLA+ standard; the parser does not.
An ASCII form is wider than its symbol, and TLA+ layout is significant (the
bullets of a ``/\\``/``\\/`` list must stay aligned), so columns are not kept
as they are but moved consistently: a token that follows white space at
original column ``c`` lands at ``c + S(c)`` on every line, where ``S(c)`` is
the largest widening any line has before column ``c``. Tokens aligned before
stay aligned, and a token right of another stays right of it. Strings and
comments are left as they are. Line numbers never change.
"""

from __future__ import annotations

__all__ = ["IDENTIFIER_SYMBOLS", "UNICODE_TO_ASCII", "to_ascii"]

UNICODE_TO_ASCII: dict[str, str] = {
    "≜": "==",
    "∈": "\\in",
    "∉": "\\notin",
    "∧": "/\\",
    "∨": "\\/",
    "¬": "~",
    "⇒": "=>",
    "⟹": "=>",
    "⇔": "<=>",
    "≡": "<=>",
    "≠": "#",
    "≤": "<=",
    "≥": ">=",
    "∀": "\\A",
    "∃": "\\E",
    "□": "[]",
    "◇": "<>",
    "⟨": "<<",
    "⟩": ">>",
    "×": "\\X",
    "∪": "\\cup",
    "∩": "\\cap",
    "⊆": "\\subseteq",
    "⊂": "\\subset",
    "⊇": "\\supseteq",
    "⊃": "\\supset",
    "↦": "|->",
    "→": "->",
    "←": "<-",
    "⋃": "UNION",
    "≔": ":=",
    "↝": "~>",
    "∘": "\\o",
    "⊕": "(+)",
    "⊖": "(-)",
    "⊙": "(.)",
    "⊗": "(\\X)",
    "⊘": "(/)",
    "∖": "\\",
    "≺": "\\prec",
    "≻": "\\succ",
    "⪯": "\\preceq",
    "⪰": "\\succeq",
    "⊏": "\\sqsubset",
    "⊐": "\\sqsupset",
    "⊑": "\\sqsubseteq",
    "⊒": "\\sqsupseteq",
    "⊓": "\\sqcap",
    "⊔": "\\sqcup",
    "≪": "\\ll",
    "≫": "\\gg",
    "∼": "\\sim",
    "≃": "\\simeq",
    "≈": "\\approx",
    "≅": "\\cong",
    "≐": "\\doteq",
    "∝": "\\propto",
    "⊎": "\\uplus",
    "⋆": "\\star",
    "◯": "\\bigcirc",
    "•": "\\bullet",
    "⊢": "|-",
    "⊣": "-|",
    "⊨": "|=",
    "⫤": "=|",
    "‖": "||",
    "‥": "..",
    "…": "...",
    "∷": "::",
    "÷": "\\div",
    "⋅": "\\cdot",
    "≼": "\\preceq",
    "≽": "\\succeq",
    "≍": "\\asymp",
    "≀": "\\wr",
    "⁺": "^+",
    # SANY reads the double-struck N, Z and R as ordinary identifiers, which
    # the standard modules do not define ("Unknown operator"); they become
    # ASCII names of their own, so only a spec that defines them can use them.
    "ℕ": "U_2115_",
    "ℤ": "U_2124_",
    "ℝ": "U_211D_",
}

# The ASCII names above, back to the symbols a message should show.
IDENTIFIER_SYMBOLS = {"U_2115_": "ℕ", "U_2124_": "ℤ", "U_211D_": "ℝ"}


def _scan(text: str) -> list[list[tuple[int, str, bool]]]:
    """Per line, its characters as (column, char, is_code), outside strings and comments."""
    lines: list[list[tuple[int, str, bool]]] = []
    depth = 0  # nesting of (* *) comments, which may span lines
    for line in text.split("\n"):
        out: list[tuple[int, str, bool]] = []
        i, n = 0, len(line)
        in_string = False
        while i < n:
            ch = line[i]
            two = line[i : i + 2]
            if depth:
                if two == "*)":
                    depth -= 1
                    out += [(i, "*", False), (i + 1, ")", False)]
                    i += 2
                    continue
                if two == "(*":
                    depth += 1
                    out += [(i, "(", False), (i + 1, "*", False)]
                    i += 2
                    continue
                out.append((i, ch, False))
            elif in_string:
                out.append((i, ch, False))
                if ch == "\\" and i + 1 < n:
                    out.append((i + 1, line[i + 1], False))
                    i += 1
                elif ch == '"':
                    in_string = False
            elif two == "\\*":
                out.extend((j, line[j], False) for j in range(i, n))
                break
            elif two == "(*":
                depth += 1
                out += [(i, "(", False), (i + 1, "*", False)]
                i += 2
                continue
            elif ch == '"':
                in_string = True
                out.append((i, ch, False))
            else:
                out.append((i, ch, True))
            i += 1
        lines.append(out)
    return lines


def _word(ch: str) -> bool:
    return ch.isalnum() or ch == "_"


def to_ascii(text: str) -> str:
    """``text`` with Unicode TLA+ symbols (outside strings and comments) in ASCII."""
    if text.isascii():
        return text
    lines = _scan(text)
    widen: list[list[tuple[int, int]]] = []  # per line: (column, extra width)
    for chars in lines:
        widen.append(
            [
                (c, len(UNICODE_TO_ASCII[ch]) - 1)
                for c, ch, code in chars
                if code and ch in UNICODE_TO_ASCII
            ]
        )
    if not any(widen):
        return text
    width = max((len(chars) for chars in lines), default=0) + 1
    shift = [0] * (width + 1)  # S(c): the largest widening before column c
    for w in widen:
        acc = 0
        it = iter(w)
        nxt = next(it, None)
        for c in range(width + 1):
            while nxt is not None and nxt[0] < c:
                acc += nxt[1]
                nxt = next(it, None)
            shift[c] = max(shift[c], acc)
    out_lines = []
    for chars in lines:
        buf: list[str] = []
        pos = 0
        after_space = True
        for k, (c, ch, code) in enumerate(chars):
            if code and ch not in " \t" and after_space:
                target = c + shift[min(c, width)]
                if target > pos:
                    buf.append(" " * (target - pos))
                    pos = target
            rep = ch
            if code and ch in UNICODE_TO_ASCII:
                rep = UNICODE_TO_ASCII[ch]
                # `x∈S` must not become the one token `\inS`.
                if rep[-1].isalpha() and k + 1 < len(chars) and _word(chars[k + 1][1]):
                    rep += " "
                if rep[0].isalpha() and k > 0 and _word(chars[k - 1][1]):
                    rep = " " + rep
            buf.append(rep)
            pos += len(rep)
            after_space = ch in " \t" and code
        out_lines.append("".join(buf))
    return "\n".join(out_lines)
