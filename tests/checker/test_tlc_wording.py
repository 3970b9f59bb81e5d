"""What the checker says where TLC's own words are the reference.

Each case states TLC's console text or exit code, measured with the TLC named
in ``../shared/tools/tla/README.md`` on the corpus entry it cites.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from aura_model.tla import check, load_model
from aura_verify import main

from .tlc_oracle import run_tlc, skip_reason

CORPUS = Path(__file__).resolve().parent / "corpus"


def test_a_lasso_names_every_property_it_violates() -> None:
    # TLC: "Temporal properties A, B, G, and H were violated." (C, D and E hold;
    # the cfg lists C A D B E G H).
    res = check(load_model(CORPUS / "LiveMulti.tla", CORPUS / "LiveMulti.cfg"))
    assert (res.result, res.violated, res.violated_all) == ("property", "A", ("A", "B", "G", "H"))
    two = check(load_model(CORPUS / "LiveMulti.tla", CORPUS / "LiveMulti_two.cfg"))
    assert two.violated_all == ("B", "H")


def test_one_violated_property_is_named_alone(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["check", str(CORPUS / "LiveLet.tla"), "--config", str(CORPUS / "LiveLet_bad.cfg")])
    out = capsys.readouterr().out
    assert code == 13
    assert "Error: Temporal property Forever was violated" in out


def test_several_are_listed_as_tlc_lists_them(capsys: pytest.CaptureFixture[str]) -> None:
    spec = str(CORPUS / "LiveMulti.tla")
    code = main(["check", spec, "--config", str(CORPUS / "LiveMulti.cfg")])
    out = capsys.readouterr().out
    assert code == 13
    assert "Error: Temporal properties A, B, G, and H were violated" in out
    main(["check", spec, "--config", str(CORPUS / "LiveMulti_two.cfg")])
    assert "Error: Temporal properties B and H were violated" in capsys.readouterr().out
    main(["check", spec, "--config", str(CORPUS / "LiveMulti_two.cfg"), "--json"])
    doc = json.loads(capsys.readouterr().out)
    assert (doc["violated"], doc["violated_all"]) == ("B", ["B", "H"])


_SPEC = """---- MODULE Forms ----
EXTENDS Naturals
VARIABLES x
Init == x = 0
Next == x' = (x + 1) % 3
Taken == <<Next>>_x
Spec == Init /\\ [][Next]_x /\\ WF_x(Next)
P == {prop}
====
"""

# Each property with TLC's exit code (150: SANY's level check refuses the
# module; 255 and 77: TLC's liveness checker refuses the formula; 0/13: checked).
_FORMS = [
    ("<>(x' > x)", 150),
    ("[](x' # x)", 150),
    ("[]<>(x' # x)", 150),
    ("<>[](x' = x)", 150),
    ("[]<>Taken", 150),
    ("[]<>[Next]_x", 150),
    ("<>[]<<Next>>_x", 150),
    ("(x' = 1) ~> (x = 2)", 150),
    ("(x' = x) \\/ <>(x = 1)", 150),
    ("[](x = 0) => (x' = x)", 150),
    ("(<>(x = 1)) <=> (x' = x)", 150),
    ("\\A v \\in {1}: (x' = v) \\/ []<>(x = 1)", 150),
    ("[][Next]_x => <>(x = 1)", 255),
    ("~[][Next]_x", 255),
    ("<><<Next>>_x => []<>(x = 1)", 255),
    ("\\A v \\in {1} : <><<x' = v>>_x", 255),
    ("IF x = 0 THEN <>(x = 1) ELSE (x' = x)", 255),
    ("[]([][Next]_x)", 255),
    ("<>(x = 1) /\\ ~<><<Next>>_x", 255),
    ("[](<><<Next>>_x)", 0),
    ("<>([][Next]_x)", 0),
    ("<>[][x' = x]_x \\/ []<>(x = 1)", 0),
    ("<>[][x' > x]_x", 13),
    # A quantifier over the empty set: TRUE as a conjunct, or the only clause
    # TRUE, is TLC's "Temporal formula is a tautology" (exit 77).
    ("\\A v \\in {} : <>(x = v)", 77),
    ("<>(x = 2) /\\ \\A v \\in {} : <>(x = v)", 77),
    ("<>(x = 2) \\/ \\A v \\in {} : <>(x = v)", 77),
    ("\\A v \\in {1} : \\A w \\in {} : <>(x = w)", 77),
    ("[](\\A v \\in {} : <>(x = v))", 0),
    ("\\E v \\in {} : <>(x = v)", 13),
    ("~\\E v \\in {} : <>(x = v)", 255),
]


@pytest.mark.parametrize(("prop", "code"), _FORMS)
def test_actions_in_temporal_formulas_get_tlcs_exit_code(
    prop: str, code: int, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "Forms.tla").write_text(_SPEC.format(prop=prop), encoding="utf-8")
    (tmp_path / "Forms.cfg").write_text("SPECIFICATION Spec\nPROPERTY P\n", encoding="utf-8")
    assert main(["check", str(tmp_path / "Forms.tla")]) == code
    capsys.readouterr()


@pytest.mark.parametrize(
    ("cfg", "line", "code"),
    [
        ("InitProp_bad.cfg", "Error: Property StartsAtZero is violated by the initial state:", 13),
        ("InitProp_box.cfg", "Error: Invariant Bounded is violated by the initial state:", 12),
    ],
)
def test_an_initial_states_violation_is_worded_as_tlc_words_it(
    cfg: str, line: str, code: int, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["check", str(CORPUS / "InitProp.tla"), "--config", str(CORPUS / cfg)]) == code
    out = capsys.readouterr().out
    assert line in out
    # TLC prints no statistics after it: no counts, no depth.
    assert "states generated" not in out
    assert "depth of the complete state graph" not in out


def test_an_error_in_an_initial_state_has_depth_one(tmp_path: Path) -> None:
    # TLC: "1 states generated, 1 distinct states found, 1 states left on queue.
    # The depth of the complete state graph search is 1." after the error.
    (tmp_path / "IE.tla").write_text(
        "---- MODULE IE ----\nEXTENDS Naturals\nVARIABLES x\nInit == x \\in {0, 1}\n"
        "Next == x' = (x + 1) % 3\nInv == 1 \\div x >= 0\n====\n",
        encoding="utf-8",
    )
    (tmp_path / "IE.cfg").write_text("INIT Init\nNEXT Next\nINVARIANT Inv\n", encoding="utf-8")
    res = check(load_model(tmp_path / "IE.tla", tmp_path / "IE.cfg"))
    assert (res.result, res.distinct_states, res.depth, res.initial) == ("error", 1, 1, False)


@pytest.mark.parametrize(
    "units",
    [
        "Foo == 1\nBar == 2\nFoo == 3\n",  # SANY: Operator Foo already defined or declared.
        "CONSTANT N\nN == 3\n",  # ... and Multiply-defined symbol 'N'
        "VARIABLE y\ny == 3\n",
        "Foo == 1\nTHEOREM Foo == TRUE\n",
        "LOCAL Foo == 1\nFoo == 2\n",
    ],
)
def test_a_name_defined_twice_in_a_module_is_sanys_error(
    units: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = f"---- MODULE Dup ----\nEXTENDS Naturals\nVARIABLE x\n{units}"
    text += "Init == x = 0\nNext == x' = x\n====\n"
    (tmp_path / "Dup.tla").write_text(text, encoding="utf-8")
    (tmp_path / "Dup.cfg").write_text("INIT Init\nNEXT Next\n", encoding="utf-8")
    assert main(["check", str(tmp_path / "Dup.tla")]) == 150
    assert "already defined or declared" in capsys.readouterr().err


_BASE = "---- MODULE Base ----\nCONSTANT C\nVARIABLE v\nFoo == 1\nLOCAL Hidden == 2\n====\n"


@pytest.mark.parametrize(
    ("unit", "clash"),
    [
        # SANY (checked on these modules): "Operator Foo already defined or
        # declared." / "Multiply-defined symbol 'C'", exit 150 in TLC.
        ("Foo == 3", True),
        ("CONSTANT Foo", True),
        ("VARIABLE C", True),
        ("C == 2", True),
        ("v == 1", True),
        ("Nat == {0}", True),  # from Naturals
        ("Hidden == 5", False),  # LOCAL in Base: not passed on
        ("Bar == 1", False),  # Base reached twice (A and B): one definition
    ],
)
def test_redefining_what_a_module_extends_is_sanys_error(
    unit: str, clash: bool, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "Base.tla").write_text(_BASE, encoding="utf-8")
    for m in ("A", "B"):
        (tmp_path / f"{m}.tla").write_text(
            f"---- MODULE {m} ----\nEXTENDS Base\nF{m} == Foo\n====\n", encoding="utf-8"
        )
    (tmp_path / "Top.tla").write_text(
        f"---- MODULE Top ----\nEXTENDS A, B, Naturals\n{unit}\n"
        "Init == v = 0\nNext == v' = v\n====\n",
        encoding="utf-8",
    )
    (tmp_path / "Top.cfg").write_text("CONSTANT C = 1\nINIT Init\nNEXT Next\n", encoding="utf-8")
    assert main(["check", str(tmp_path / "Top.tla")]) == (150 if clash else 0)
    assert ("already defined or declared" in capsys.readouterr().err) == clash


@pytest.mark.parametrize(
    "units",
    [
        "RECURSIVE F(_)\nF(n) == IF n = 0 THEN 0 ELSE F(n - 1)\n",
        "VARIABLES y, y\n",  # SANY: only a warning
        "Foo == LET Foo2 == 1 IN Foo2\n",
    ],
)
def test_what_sany_accepts_is_accepted(units: str, tmp_path: Path) -> None:
    text = f"---- MODULE Ok ----\nEXTENDS Naturals\nVARIABLE x\n{units}"
    text += "Init == x = 0\nNext == x' = x\n====\n"
    (tmp_path / "Ok.tla").write_text(text, encoding="utf-8")
    (tmp_path / "Ok.cfg").write_text("INIT Init\nNEXT Next\n", encoding="utf-8")
    load_model(tmp_path / "Ok.tla", tmp_path / "Ok.cfg")


_QUEUED = {
    # A violation part-way through a level: the rest of it and the next level's
    # states found so far are left, not the violating state.
    "Inv": (
        "Init == x = 0 /\\ y = 0\nNext == \\/ x < 4 /\\ x' = x + 1 /\\ UNCHANGED y\n"
        "        \\/ y < 4 /\\ y' = y + 1 /\\ UNCHANGED x\nInv == x + y < 4\n",
        "INVARIANT Inv\n",
    ),
    # A successor that fails to evaluate.
    "Div": (
        "Init == x \\in 0..2 /\\ y = 0\nNext == \\/ x < 3 /\\ x' = x + 1 /\\ y' = y\n"
        "        \\/ y < 3 /\\ y' = y + 1 /\\ x' = x\n"
        "        \\/ x = 2 /\\ y = 2 /\\ x' = x \\div (x - 2) /\\ y' = y\n",
        "",
    ),
    # An invariant failing to evaluate on the second initial state: both are queued.
    "InitInv": (
        "Init == x \\in {0, 1, 2} /\\ y = 0\nNext == UNCHANGED <<x, y>>\n"
        "Inv == 1 \\div (x - 1) >= -5\n",
        "INVARIANT Inv\n",
    ),
    # A CONSTRAINT failing on an initial state: that one is not counted.
    "InitConstraint": (
        "Init == x \\in {1, 2} /\\ y = 0\nNext == UNCHANGED <<x, y>>\nC == x * 2^30 > 0\n",
        "CONSTRAINT C\n",
    ),
}


@pytest.mark.parametrize("name", sorted(_QUEUED))
def test_states_left_on_queue_when_the_search_stops_are_tlcs(
    name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    reason = skip_reason()
    if reason:
        pytest.skip(reason)
    body, checks = _QUEUED[name]
    spec = tmp_path / f"{name}.tla"
    spec.write_text(
        f"---- MODULE {name} ----\nEXTENDS Integers\nVARIABLES x, y\n{body}====\n",
        encoding="utf-8",
    )
    cfg = tmp_path / f"{name}.cfg"
    cfg.write_text(f"INIT Init\nNEXT Next\n{checks}", encoding="utf-8")
    tlc = run_tlc(spec, cfg)
    stats = re.compile(r"^[\d,]+ states generated, .* states left on queue\.$", re.M)
    want = stats.findall(tlc.output)
    assert tlc.exit_code != 0 and want, tlc.output
    assert main(["check", str(spec), "--config", str(cfg)]) == tlc.exit_code
    assert stats.findall(capsys.readouterr().out) == want[-1:]
