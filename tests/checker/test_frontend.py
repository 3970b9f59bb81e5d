"""The checker's SANY-level front end: namespaces, module-level units, unicode, TLC's modules.

The specs in ``specs/frontend`` use the constructs of *Specifying Systems* and
of common public specs. Their figures below were recorded by running TLC
(``TLC2 Version 2026.12.02.182029 (rev: cc6b616)``, ``-workers 1``); the tests
marked ``needs_tlc`` re-run TLC (or SANY) and so check the recorded figures
themselves, and skip with the reason when Java or the jar is absent.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import tla
from aura_model.tla import TlaParseError, Unsupported, check, load_model
from aura_model.tla._unicode import to_ascii
from aura_model.tla._values import record
from aura_verify import main

from .differential import compare_outcomes
from .tlc_oracle import eval_with_tlc, run_sany, run_tlc, skip_reason

needs_tlc = pytest.mark.skipif(skip_reason() is not None, reason=skip_reason() or "")

FRONTEND = Path(__file__).resolve().parent / "specs" / "frontend"

# (spec, cfg, result, violated, distinct states, depth, trace length): TLC's
# figures; on violations TLC's distinct count depends on when it stops, so only
# the shortest trace's length is compared (the shared corpus's rules).
ENTRIES = [
    ("Units.tla", "Units.cfg", "ok", None, 12, 8, None),
    ("Units.tla", "Units_bad.cfg", "invariant", "XSmall", None, None, 2),
    ("multi/Top.tla", "multi/Top.cfg", "ok", None, 378, 12, None),
    ("multi/Top.tla", "multi/Top_bad.cfg", "invariant", "QbShort", None, None, 5),
    ("Uni.tla", "Uni.cfg", "deadlock", None, None, None, 6),
    ("Uni.tla", "Uni_nodeadlock.cfg", "ok", None, 225, 7, None),
    # Tabs are moves to the next multiple of 8 columns: the bullets align.
    ("Tab.tla", "Tab.cfg", "ok", None, 3, 1, None),
    (
        "Assume.tla",
        "Assume.cfg",
        "assume",
        "line 5, col 8 to line 5, col 12 of module Assume",
        None,
        None,
        None,
    ),
]
ENTRY_IDS = [cfg for _, cfg, *_ in ENTRIES]


def _figures(
    result: str, violated: str | None, distinct: int | None, depth: int | None, trace: int | None
) -> dict[str, object]:
    out: dict[str, object] = {"result": result, "violated": violated}
    if result == "ok":
        out["distinct_states"] = distinct
        out["depth"] = depth
    elif trace is not None:
        out["trace_length"] = trace
    return out


@pytest.mark.parametrize("entry", ENTRIES, ids=ENTRY_IDS)
def test_embedded_checker_reproduces_tlc(entry: tuple[object, ...]) -> None:
    spec, cfg, result, violated, distinct, depth, trace = entry
    res = check(load_model(FRONTEND / str(spec), FRONTEND / str(cfg)))
    got = _figures(
        res.result,
        res.violated,
        res.distinct_states,
        res.depth,
        len(res.trace) if res.trace is not None else None,
    )
    want = _figures(str(result), violated, distinct, depth, trace)  # type: ignore[arg-type]
    assert got == want


@needs_tlc
@pytest.mark.parametrize(
    "entry",
    [
        pytest.param(e, marks=() if e[1] in ("Units.cfg", "multi/Top.cfg") else pytest.mark.slow)
        for e in ENTRIES
    ],
    ids=ENTRY_IDS,
)
def test_recorded_figures_are_tlcs(entry: tuple[object, ...]) -> None:
    spec, cfg, result, violated, distinct, depth, trace = entry
    run = run_tlc(FRONTEND / str(spec), FRONTEND / str(cfg))
    got = _figures(run.result, run.violated, run.distinct_states, run.depth, run.trace_length)
    assert got == _figures(str(result), violated, distinct, depth, trace)  # type: ignore[arg-type]


# ------------------------------------------------------------ names

# Modules SANY rejects for an unknown name: (body, the name, line of the use).
# Line 1 is the MODULE line; the body starts on line 2.
REJECTED = [
    ("EXTENDS Naturals\nA == 0 \\in Int", "Int", 3),
    ("EXTENDS Naturals\nA == Len(<<1>>)", "Len", 3),
    ("EXTENDS Naturals\nA == Cardinality({})", "Cardinality", 3),
    # Sequences and FiniteSets use Naturals only through LOCAL INSTANCE.
    ("EXTENDS Sequences\nA == Len(<<1>>) + 1", "+", 3),
    ("EXTENDS FiniteSets\nA == Nat", "Nat", 3),
    ("EXTENDS TLC\nA == Len(<<>>)", "Len", 3),
    ("EXTENDS Naturals\nA == -1", "-", 3),
    ("A == 1 :> 2", ":>", 2),
    # A definition no model uses is still checked, as SANY does.
    ("EXTENDS Naturals\nVARIABLE x\nUnused == x \\in Int\nInit == x = 0\nNext == x' = x", "Int", 4),
    # LOCAL definitions and LOCAL INSTANCEs are not passed on by EXTENDS.
    ("EXTENDS LocalDefs\nA == Hidden", "Hidden", 3),
    ("EXTENDS LocalDefs\nA == 1 + 1", "+", 3),
    ("EXTENDS Naturals\nA == \\A x \\in {1} : y", "y", 3),
    # SANY reads a module top to bottom: a name defined further down is unknown.
    ("EXTENDS Naturals\nA == B + 1\nB == 1", "B", 3),
    ("EXTENDS Naturals\nA == A + 1", "A", 3),
]
# Applications with the wrong number of arguments: (body, message, line).
WRONG_ARITY = [
    ("Op(a, b) == a\nA == Op(1)", "operator Op takes 2 arguments, not 1", 3),
    ("EXTENDS Sequences\nA == Len(<<>>, 1)", "operator Len takes 1 arguments, not 2", 3),
]
# And some it accepts that a too-strict reading would refuse.
ACCEPTED = [
    "EXTENDS Bags\nA == 1 :> 2",  # Bags EXTENDS TLC
    "EXTENDS Integers\nA == 1 + 2 - -3",  # Integers EXTENDS Naturals
    "EXTENDS LocalDefs\nA == Shown",
    "LOCAL INSTANCE Naturals\nA == 1 + 1",
    "EXTENDS Naturals\nA == LET f[n \\in 0..2] == IF n = 0 THEN 0 ELSE f[n - 1] IN f[2]",
    "EXTENDS Naturals\nRECURSIVE R(_)\nR(n) == IF n = 0 THEN 0 ELSE R(n - 1)\nA == R(2)",
    "EXTENDS Naturals\nAp(F(_), v) == F(v)\nA == Ap(LAMBDA z : z + 1, 1)",
    "EXTENDS Naturals\na ++ b == a + b\nA == 1 ++ 2",
    "EXTENDS Naturals\nA == {y \\in 1..3 : \\E <<u, v>> \\in {<<1, 2>>} : y = u}",
    "EXTENDS Naturals\nA == [r \\in {1} |-> r] = [r \\in {1} |-> CHOOSE s \\in {r} : TRUE]",
]

LOCAL_DEFS = (
    "---- MODULE LocalDefs ----\nLOCAL INSTANCE Naturals\n"
    "LOCAL Hidden == 1\nShown == Hidden + 1\n====\n"
)


def _module(tmp: Path, body: str, cfg: str = "INIT Init\nNEXT Next\n") -> Path:
    (tmp / "LocalDefs.tla").write_text(LOCAL_DEFS, encoding="utf-8")
    spec = tmp / "N.tla"
    spec.write_text(f"---- MODULE N ----\n{body}\n====\n", encoding="utf-8")
    (tmp / "N.cfg").write_text(cfg, encoding="utf-8")
    return spec


@pytest.mark.parametrize(("body", "name", "line"), REJECTED)
def test_unknown_names_are_semantic_errors_with_location(
    body: str, name: str, line: int, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = _module(tmp_path, body, cfg="")
    with pytest.raises(TlaParseError, match=f"N.tla:{line}:\\d+: unknown name {name}"):
        load_model(spec)
    assert main(["check", str(spec)]) == 150
    assert f"unknown name {name}" in capsys.readouterr().err


@pytest.mark.parametrize(("body", "message", "line"), WRONG_ARITY)
def test_wrong_arity_is_a_semantic_error(
    body: str, message: str, line: int, tmp_path: Path
) -> None:
    with pytest.raises(TlaParseError, match=f"N.tla:{line}:\\d+: {message}"):
        load_model(_module(tmp_path, body, cfg=""))


@pytest.mark.parametrize("body", ACCEPTED)
def test_names_sany_accepts_load(body: str, tmp_path: Path) -> None:
    model = load_model(_module(tmp_path, body, cfg=""))
    assert model.evaluate("A") is not None


@needs_tlc
@pytest.mark.parametrize(
    "case",
    [
        pytest.param(("rejected", *REJECTED[0]), id="Int"),
        pytest.param(("rejected", *REJECTED[3]), id="plus-via-Sequences", marks=pytest.mark.slow),
        pytest.param(("rejected", *REJECTED[9]), id="LOCAL", marks=pytest.mark.slow),
        pytest.param(("rejected", *REJECTED[8]), id="unused", marks=pytest.mark.slow),
        pytest.param(("rejected", WRONG_ARITY[0][0], "Op", 3), id="arity", marks=pytest.mark.slow),
        pytest.param(("accepted", ACCEPTED[0], "", 0), id="Bags-TLC"),
        pytest.param(("accepted", ACCEPTED[4], "", 0), id="LET-fn", marks=pytest.mark.slow),
    ],
)
def test_sany_agrees(case: tuple[str, str, str, int], tmp_path: Path) -> None:
    kind, body, name, line = case
    ok, text = run_sany(_module(tmp_path, body, cfg=""))
    assert ok is (kind == "accepted"), text
    if kind == "rejected":
        assert f"line {line}, col" in text and name in text


# ------------------------------------------------------ unit kinds


def test_named_theorems_and_labels(tmp_path: Path) -> None:
    body = (
        "EXTENDS Naturals\nTHEOREM Small == 1 < 2\nASSUME Small!:\n"
        "Both == /\\ L1:: 1 = 1\n        /\\ L2:: 2 = 3\nFirst == Both!1\nSecond == Both!2\n"
        "VARIABLE x\nInit == x = 0\nNext == x' = x"
    )
    model = load_model(_module(tmp_path, body))
    assert model.check_assumptions() is None
    assert model.evaluate("First") is True
    assert model.evaluate("Second") is False


def test_a_label_inside_a_record_field_is_dropped(tmp_path: Path) -> None:
    # A record's fields are plain (name, expression) pairs in the syntax tree.
    body = "EXTENDS Naturals\nR == [a |-> L:: 1 + 1]\nVARIABLE x\nInit == x = 0\nNext == x' = x"
    assert load_model(_module(tmp_path, body)).evaluate("R") == record(a=2)


def test_a_false_named_theorem_used_as_an_assumption_is_caught(tmp_path: Path) -> None:
    body = (
        "EXTENDS Naturals\nTHEOREM Big == 3 < 2\nASSUME Big!:\n"
        "VARIABLE x\nInit == x = 0\nNext == x' = x"
    )
    model = load_model(_module(tmp_path, body))
    assert model.check_assumptions() is not None


@pytest.mark.parametrize(
    ("body", "line", "what"),
    [
        ("EXTENDS Reals\nA == 1 \\in Real", 3, "Real"),
        ("EXTENDS TLC\nA == 1 \\in Any", 3, "Any"),
        ("EXTENDS Naturals\nB == L:: 1 = 1\nA == B!L", 4, "the subexpression reference B!"),
    ],
)
def test_unsupported_constructs_are_located(
    body: str, line: int, what: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = _module(tmp_path, body + "\nVARIABLE x\nInit == x = 0 /\\ A\nNext == x' = x")
    with pytest.raises(Unsupported, match=rf"N\.tla:{line}:\d+: unsupported: {what}"):
        load_model(spec)
    assert main(["check", str(spec)]) == 150
    err = capsys.readouterr().err
    assert "unsupported:" in err and "Traceback" not in err


# ------------------------------------------------------------ unicode


def _conjuncts(src: str) -> int:
    tree = tla.parse(src)
    body = tree.units[0].definiens
    return len(body.arguments) if body.symbol.name == "VERTICAL_LIST" else 1


def test_unicode_keeps_junction_lists_aligned() -> None:
    src = "---- MODULE A ----\nI ≜ ∧ x ∈ S\n    ∧ y ≠ 1\n    ∧ z = ⟨1⟩\n====\n"
    ascii_src = to_ascii(src)
    assert ascii_src.isascii()
    assert _conjuncts(ascii_src) == 3
    # The broken variant: replacing symbol by symbol moves the first bullet
    # right of the others (`≜` is one column, `==` two), splitting the list.
    naive = src
    for u, a in (("≜", "=="), ("∧", "/\\"), ("∈", "\\in"), ("≠", "#"), ("⟨", "<<"), ("⟩", ">>")):
        naive = naive.replace(u, a)
    assert _conjuncts(naive) != 3


def test_unicode_leaves_strings_and_comments_and_separates_words() -> None:
    src = '---- MODULE A ----\nI == "∈" = "∈" \\* ∧ here\nJ == x∈S\n====\n'
    out = to_ascii(src)
    assert out.count('"∈"') == 2 and "\\* ∧ here" in out
    assert "x \\in S" in out or "x\\in S" in out


def test_blackboard_letters_are_names_the_standard_modules_do_not_define(tmp_path: Path) -> None:
    # SANY: "Unknown operator" for the double-struck N (Naturals defines Nat
    # only); a module that defines the symbol itself may use it.
    (tmp_path / "U.tla").write_text("---- MODULE U ----\nEXTENDS Naturals\nASSUME 3 ∈ ℕ\n====\n")
    (tmp_path / "U.cfg").write_text("")
    with pytest.raises(TlaParseError, match="unknown name ℕ"):
        load_model(tmp_path / "U.tla", tmp_path / "U.cfg")
    (tmp_path / "D.tla").write_text(
        "---- MODULE D ----\nEXTENDS Integers\nℕ ≜ Nat\nℤ ≜ Int\nASSUME -3 ∈ ℤ ∧ -3 ∉ ℕ\n====\n"
    )
    (tmp_path / "D.cfg").write_text("")
    assert check(load_model(tmp_path / "D.tla", tmp_path / "D.cfg")).result == "ok"


# ------------------------------------------------- TLC's modules


STD_EXPRESSIONS = [
    "(1 :> 2) @@ (2 :> 3)",
    "(1 :> 2) @@ (1 :> 3)",
    "Permutations({1, 2})",
    "SortSeq(<<3, 1, 2>>, LAMBDA a, b : a < b)",
    "SelectSeq(<<1, 2, 3>>, LAMBDA v : v > 1)",
    'SubSeq("abc", 1, 2)',
    'SubSeq("abc", 2, 1)',
    "SubSeq(<<1, 2, 3>>, 2, 3)",
    'Len("abc")',
    '"ab" \\o "c"',
    "ToString(<<1, {2}>>)",
    "RandomElement({7})",
    "Cardinality({1, 2, 2})",
    "IsFiniteSet({1})",
    "Head(<<>>)",
    "Tail(<<>>)",
    "Head(<<4, 5>>)",
    "Tail(<<4, 5>>)",
    'Tail("abc")',
    'Tail("a")',
    "Append(<<1>>, 2)",
    "BagToSet(SetToBag({1, 2}))",
    "SetToBag({1}) (+) SetToBag({1, 2})",
    "(SetToBag({1}) (+) SetToBag({1})) (-) SetToBag({1})",
    "CopiesIn(1, SetToBag({1}) (+) SetToBag({1}))",
    "BagCardinality(SetToBag({1}) (+) SetToBag({1, 2}))",
    "BagIn(3, SetToBag({1}))",
    "IsABag(SetToBag({1}))",
    "BagUnion({SetToBag({1}), SetToBag({1, 2})})",
    "SetToBag({1}) \\sqsubseteq SetToBag({1, 2})",
    "BagOfAll(LAMBDA v : v % 2, SetToBag({1, 2, 3}))",
    "SubBag(SetToBag({1, 2}))",
    "EmptyBag",
    "TLCEval(1 + 1)",
]


@needs_tlc
def test_standard_module_operators_agree_with_tlc(tmp_path: Path) -> None:
    outcomes = eval_with_tlc(STD_EXPRESSIONS, tmp_path, "")
    assert len(outcomes) == len(STD_EXPRESSIONS)
    assert compare_outcomes(outcomes, tmp_path) == []


def test_a_library_module_the_checker_lacks_is_unsupported_at_its_extends(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Without the Community Modules jar TLC runs with, there is no SequencesExt.
    monkeypatch.setenv("TLA_COMMUNITY_MODULES", str(tmp_path / "absent.jar"))
    spec = _module(tmp_path, "EXTENDS Naturals, SequencesExt\nA == 1", cfg="")
    with pytest.raises(Unsupported, match=r"N\.tla:2:\d+: unsupported: module SequencesExt"):
        load_model(spec)


def test_community_modules_load_from_their_jar(tmp_path: Path, shared: Path) -> None:
    jar = shared / "tools" / "tla" / "CommunityModules-deps.jar"
    if not jar.is_file():
        pytest.skip(f"no Community Modules jar at {jar}")
    body = (
        "EXTENDS Naturals, SequencesExt, Functions, FiniteSetsExt\n"
        "A == Reverse(<<1, 2, 3>>)\nB == Range([i \\in 1..2 |-> i * 2])\nC == SumSet({1, 2, 3})"
    )
    model = load_model(_module(tmp_path, body, cfg=""))
    assert [model.evaluate(n) for n in "ABC"] == [(3, 2, 1), frozenset({2, 4}), 6]


def test_tlcext_names_resolve(tmp_path: Path) -> None:
    # SANY accepts every TLCExt name; the ones reading TLC's own state are
    # unsupported only when evaluated.
    body = 'EXTENDS TLCExt\nA == TLCModelValue("m")\nB == IF FALSE THEN Trace ELSE 1'
    model = load_model(_module(tmp_path, body, cfg=""))
    assert str(model.evaluate("A")) == "m"
    with pytest.raises(Unsupported, match="Trace"):
        model.evaluate("B")


def test_a_submodule_sees_the_names_of_the_module_around_it(tmp_path: Path) -> None:
    # As in Specifying Systems' RealTimeHourClock, whose inner module uses HCnxt.
    body = (
        "EXTENDS Naturals\nK == 5\n---- MODULE In ----\nCONSTANT C\nB == K + C\n====\n"
        "I == INSTANCE In WITH C <- 1\nA == I!B"
    )
    assert load_model(_module(tmp_path, body, cfg="")).evaluate("A") == 6


def test_the_file_name_must_be_the_module_name(tmp_path: Path) -> None:
    # TLC: "File name 'Foo' does not match the name 'Other' of the top level module".
    spec = tmp_path / "Foo.tla"
    spec.write_text("---- MODULE Other ----\nA == 1\n====\n", encoding="utf-8")
    (tmp_path / "Foo.cfg").write_text("", encoding="utf-8")
    with pytest.raises(TlaParseError, match="does not match the name 'Other'"):
        load_model(spec)


def test_a_submodule_does_not_pass_on_the_names_it_sees_around_it(tmp_path: Path) -> None:
    # SANY: "Unknown operator: `K'" for I!K, though In itself may use K.
    body = (
        "EXTENDS Naturals\nK == 5\n---- MODULE In ----\nB == K + 1\n====\n"
        "I == INSTANCE In\nA == I!K"
    )
    with pytest.raises(TlaParseError, match="unknown name K"):
        load_model(_module(tmp_path, body, cfg=""))
