"""Operator precedence as SANY reads it (``aura_model.tla._precedence``).

SANY refuses two adjacent operators whose precedence ranges overlap unless they
are the same left-associative operator; the ``tla`` parser accepts them all.
Where the ranges do not overlap the two parsers can still build different trees
(``SUBSET S \\cup T``). The verdicts and values below were recorded with SANY
and TLC (``TLC2 Version 2026.12.02.182029 (rev: cc6b616)``); the ``needs_tlc``
test re-checks the refusals with SANY itself.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from aura_model.tla import TlaParseError, load_model
from aura_verify import main

from .tlc_oracle import run_sany, skip_reason

needs_tlc = pytest.mark.skipif(skip_reason() is not None, reason=skip_reason() or "")

# Definitions SANY refuses with "Precedence conflict between ops ...".
CONFLICTS = [
    # `/\ a /\ b \/ c` inside one bullet of a conjunction list.
    "/\\ x = 1 /\\ x = 2 \\/ x = 3",
    "\\/ x = 1 /\\ x = 2 \\/ x = 3",
    "x = 1 /\\ x = 2 \\/ x = 3",
    "TRUE => FALSE => FALSE",
    "1 = 1 = TRUE",
    "x \\in {1} = TRUE",
    "{1} \\cup {2} \\cap {3}",
    "{1} \\cup {2} \\ {1}",
    "8 \\div 2 \\div 2",
    "2 ^ 2 ^ 2",
    "1 .. 2 .. 3",
    "1 < 2 < 3",
    "[]x = 1",
    "UNCHANGED x = x",
    "SUBSET {1} + 1",
]

# (definition, its value to TLC): chains SANY accepts, some read differently
# from the ``tla`` parser's own precedence.
VALUES = [
    ("SUBSET {1, 2} \\ {{1}}", frozenset({frozenset(), frozenset({2}), frozenset({1, 2})})),
    ("UNION {{1}, {2}} \\cup {3}", frozenset({1, 2, 3})),
    ("UNION {{1}} \\ {1}", frozenset()),
    ("DOMAIN <<5, 6>> \\cup {7}", frozenset({1, 2, 7})),
    ("~TRUE = FALSE", True),
    ("-2 ^ 2", -4),
    ("2 - 1 - 1", 0),
    ("1 + 2 * 3 - 4", 3),
    ("2 * 3 % 4", 2),
    ("1 :> 2 @@ 2 :> 3", (2, 3)),
    ("1 .. 2 \\cup {5}", frozenset({1, 2, 5})),
    ("FALSE \\/ TRUE = TRUE", True),
    ("x = 1 /\\ x = 1 /\\ TRUE", True),
    ("/\\ x = 1\n     /\\ x = 2 \\/ x = 1", True),
]


def _module(tmp: Path, body: str) -> Path:
    spec = tmp / "Prec.tla"
    spec.write_text(
        "---- MODULE Prec ----\nEXTENDS Integers, TLC\nVARIABLE x\n"
        f"A == {body}\nInit == x = 1\nNext == UNCHANGED x\n====\n",
        encoding="utf-8",
    )
    (tmp / "Prec.cfg").write_text("INIT Init\nNEXT Next\n", encoding="utf-8")
    return spec


@pytest.mark.parametrize("body", CONFLICTS)
def test_sany_precedence_conflicts_are_parse_errors(
    body: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = _module(tmp_path, body)
    with pytest.raises(TlaParseError, match=r"Prec.tla:4:\d+: precedence conflict between ops"):
        load_model(spec)
    assert main(["check", str(spec)]) == 150
    assert "precedence conflict" in capsys.readouterr().err


@pytest.mark.parametrize(("body", "value"), VALUES)
def test_chains_sany_accepts_mean_what_tlc_computes(
    body: str, value: object, tmp_path: Path
) -> None:
    model = load_model(_module(tmp_path, body))
    assert model.evaluate("A", {"x": 1}) == value


def test_parenthesised_chains_are_left_alone(tmp_path: Path) -> None:
    model = load_model(_module(tmp_path, "(x = 1 /\\ x = 2) \\/ SUBSET ({1} \\cup {2}) = {}"))
    assert model.evaluate("A", {"x": 1}) is False


@needs_tlc
@pytest.mark.parametrize("body", CONFLICTS)
def test_sany_refuses_the_recorded_conflicts(body: str, tmp_path: Path) -> None:
    ok, text = run_sany(_module(tmp_path, body))
    assert not ok
    assert "Precedence conflict" in text


@needs_tlc
@pytest.mark.parametrize(("body", "value"), VALUES)
def test_sany_accepts_the_recorded_chains(body: str, value: object, tmp_path: Path) -> None:
    ok, text = run_sany(_module(tmp_path, body))
    assert ok, text
