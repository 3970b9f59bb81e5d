"""Untrusted input (cfg text, module text, states handed to the validator) only
ever produces typed errors, never a raw traceback."""

from __future__ import annotations

from pathlib import Path

from aura_model.tla import ConfigError, StepValidator, TlaError, load_model
from aura_model.tla._config import parse_config
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

_CFG_WORDS = st.sampled_from(
    [
        "CONSTANT",
        "CONSTANTS",
        "INIT",
        "NEXT",
        "SPECIFICATION",
        "INVARIANT",
        "PROPERTY",
        "CONSTRAINT",
        "ACTION_CONSTRAINT",
        "CHECK_DEADLOCK",
        "VIEW",
        "SYMMETRY",
        "TRUE",
        "FALSE",
        "N",
        "Init",
        "=",
        "<-",
        "{",
        "}",
        ",",
        "<<",
        ">>",
        "1",
        "-3",
        '"s"',
        "\\*",
        "(*",
        "*)",
        "\n",
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_CFG_WORDS, max_size=25).map(" ".join) | st.text(max_size=80))
def test_cfg_parser_only_raises_config_error(text: str) -> None:
    try:
        cfg = parse_config("fuzz.cfg", text)
    except ConfigError:
        return
    assert cfg.path == "fuzz.cfg"


_TLA_PIECES = st.sampled_from(
    [
        "x",
        "y",
        "'",
        "=",
        "==",
        "/\\",
        "\\/",
        "~",
        "+",
        "1",
        "{",
        "}",
        "<<",
        ">>",
        "[",
        "]",
        "(",
        ")",
        "\\in",
        "1..3",
        "CHOOSE",
        ":",
        "TRUE",
        "EXCEPT",
        "!",
        "@",
        "|->",
        ",",
        "LET",
        "IN",
        "IF",
        "THEN",
        "ELSE",
        "Len",
        "Head",
        '"a"',
        "DOMAIN",
        "SUBSET",
        "UNCHANGED",
        "\\E",
        "\\A",
    ]
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(_TLA_PIECES, min_size=1, max_size=12).map(" ".join))
def test_spec_text_only_raises_tla_errors(tmp_path: Path, expr: str) -> None:
    spec = tmp_path / "F.tla"
    spec.write_text(
        "---- MODULE F ----\nEXTENDS Naturals, Sequences\nVARIABLE x\n"
        f"Init == x = 0\nNext == x' = ({expr})\nInv == x = x\n====\n",
        encoding="utf-8",
    )
    (tmp_path / "F.cfg").write_text("INIT Init\nNEXT Next\nINVARIANT Inv\n", encoding="utf-8")
    from aura_model.tla import check

    try:
        res = check(load_model(spec), max_states=50)
    except TlaError:
        return
    assert res.result in {"ok", "error", "deadlock", "invariant"}


_VALUES = st.recursive(
    st.integers(-3, 3) | st.booleans() | st.text(max_size=2),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.text(max_size=2), inner, max_size=2)
        | st.frozensets(st.integers(0, 3), max_size=3)
    ),
    max_leaves=6,
)


@settings(max_examples=200, deadline=None)
@given(_VALUES, _VALUES)
def test_validator_on_arbitrary_states(a: object, b: object) -> None:
    specs = Path(__file__).resolve().parent / "specs"
    v = StepValidator(load_model(specs / "Tokens.tla", specs / "Tokens.cfg"))
    try:
        got = v.explain({"bag": a}, {"bag": b})
    except TlaError:
        return
    assert isinstance(got, list)
