"""The .cfg language as TLC reads it, and its failure modes (typed, with file:line)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from aura_model.tla import ConfigError, check, load_model
from aura_model.tla import values as V
from aura_model.tla._config import parse_config


def test_sections_values_and_comments() -> None:
    cfg = parse_config(
        "m.cfg",
        """\\* a line comment
CONSTANTS N = 3  S = {a, b, {}}  Name = "x\\"y"  Flag = FALSE
  Lim <- Loose  T <- [Inner] Impl  K = [Inner] 4
(* a (* nested *) comment
   over lines *)
INIT Init NEXT Next
INVARIANTS Inv1 Inv2 PROPERTY Live
CONSTRAINT Bound ACTION_CONSTRAINT Step
SYMMETRY Sym VIEW View ALIAS Alias POSTCONDITION Post
CHECK_DEADLOCK FALSE
""",
    )
    assert cfg.constants == {
        "N": 3,
        "S": frozenset({V.ModelValue("a"), V.ModelValue("b"), frozenset()}),
        "Name": 'x"y',
        "Flag": False,
        "Lim": ("subst", "Loose"),
    }
    assert cfg.mod_overrides == {"Inner": {"T": "Impl"}}
    assert cfg.mod_constants == {"Inner": {"K": 4}}
    assert (cfg.init, cfg.next, cfg.invariants, cfg.properties) == (
        "Init",
        "Next",
        ("Inv1", "Inv2"),
        ("Live",),
    )
    assert (cfg.constraints, cfg.action_constraints) == (("Bound",), ("Step",))
    assert (cfg.symmetry, cfg.view, cfg.alias, cfg.postcondition) == (
        "Sym",
        "View",
        "Alias",
        "Post",
    )
    assert cfg.check_deadlock is False


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        # Python refuses int() on more than 4300 digits; TLC on more than 32 bits.
        ("INIT Init\nCONSTANT N = " + "7" * 5000, 2, "outside TLC's range"),
        ("CONSTANT N = 2147483648", 1, "outside TLC's range"),
        ("\nCONSTANT N = " + "{" * 2000 + "}" * 2000, 2, "nested more than"),
        ("CONSTANT N = 1..3", 1, "no intervals"),
        # TLC: "It was expecting = or <-, but did not find it."
        ("CONSTANT N = -1", 1, "no negative numbers"),
        ("INIT Init\nCONSTANT N = {1, <<2, 3>>}", 2, "no tuples"),
        ('CONSTANT N = "abc', 1, "unterminated string"),
        ("INIT Init\nINIT Other", 2, "twice"),
        ("CONSTANT N = ", 1, "missing"),
        # `N(1) = 2` gives a constant operator point by point (corpus PointOps).
        ("CONSTANT N(1 = 2", 1, "expected ')'"),
        ("INVARIANT {", 1, "expected a name"),
        ("Init Next", 1, "expected a keyword"),
        ("CHECK_DEADLOCK maybe", 1, "TRUE or FALSE"),
        ("CONSTANT N <- [M", 1, "']' is missing"),
        ("CONSTANT N <- [M X", 1, "expected ']'"),
    ],
)
def test_malformed_input_is_a_located_config_error(text: str, line: int, words: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse_config("bad.cfg", text)
    assert str(info.value).startswith(f"bad.cfg:{line}:")
    assert words in str(info.value)


def test_windows_line_ends_and_byte_order_mark() -> None:
    cfg = parse_config("w.cfg", "\ufeffCONSTANTS\r\n  N = 3\r\nINIT Init\r\nNEXT Next\r\n")
    assert (cfg.constants, cfg.init, cfg.next) == ({"N": 3}, "Init", "Next")


def test_unterminated_comment_scan_is_linear() -> None:
    # A quadratic scan (re-searching for "*)" from every "(*") would make
    # about 10^11 steps here; the linear one makes about 10^6 and finishes.
    # TLC reads an unterminated comment as running to the end of the file.
    text = "INIT Init\n" + "(*" * 500_000
    assert parse_config("big.cfg", text).init == "Init"
    # Balanced, the same megabyte is an ordinary (nested) comment.
    cfg = parse_config("big.cfg", "INIT Init\n" + "(*" * 250_000 + "*)" * 250_000 + "\nNEXT N")
    assert (cfg.init, cfg.next) == ("Init", "N")


def test_standard_operators_overridden_with_arrow(make_spec: Callable[..., Path]) -> None:
    # TLC: 35 distinct states, 1226 generated (Nat and Seq replaced by finite sets).
    spec = make_spec(
        "CONSTANTS S\nMyNat == 0..4\nMySeq(T) == UNION {[1..n -> T] : n \\in 0..2}\n"
        "VARIABLE x, q\nInit == x = 0 /\\ q = <<>>\n"
        "Next == \\E y \\in Nat : x' = y /\\ \\E s \\in Seq(S) : q' = s\n",
        cfg="CONSTANTS S = {a, b}\n Nat <- MyNat\n Seq <- MySeq\nINIT Init NEXT Next\n",
    )
    res = check(load_model(spec))
    assert (res.result, res.distinct_states, res.states_generated) == ("ok", 35, 1226)


def test_model_with_only_assumptions(make_spec: Callable[..., Path]) -> None:
    # TLC: "Model checking completed", 0 states generated (exit 0); a false
    # assumption is exit 10 with its location.
    body = "CONSTANTS N, S\nASSUME N \\in Nat\nASSUME S # {}\n"
    res = check(load_model(make_spec(body, cfg="CONSTANTS N = 3 S = {a, b}\n")))
    assert (res.result, res.distinct_states, res.states_generated) == ("ok", 0, 0)
    res = check(load_model(make_spec(body, cfg="CONSTANTS N = 3 S = {}\n", name="U")))
    assert res.result == "assume"
    assert res.violated is not None and res.violated.startswith("line 5, col 8")


def test_variables_without_init_is_a_config_error(make_spec: Callable[..., Path]) -> None:
    spec = make_spec("VARIABLE x\nInit == x = 0\n", cfg="\\* nothing\n")
    with pytest.raises(ConfigError):
        load_model(spec)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        # TLC's parser throws ("TLC threw an unexpected exception"): exit 255.
        ("INIT Init\nNEXT Next \\/ Init\n", 255),
        ("INIT Init\nNEXT Next\nFOO Bar\n", 255),
        ("INIT Init\nNEXT\n", 255),
        ("CONSTANT N =\nINIT Init\nNEXT Next\n", 255),
        ("CONSTANT N = 1..3\nINIT Init\nNEXT Next\n", 255),
        ("CONSTANT N = 99999999999\nINIT Init\nNEXT Next\n", 255),
        ("INIT Init\nINIT Init\nNEXT Next\n", 255),
        ("INIT Init\nNEXT Next\nCHECK_DEADLOCK maybe\n", 255),
        # Read, but not a name TLC can resolve: its configuration error, 151.
        ("INIT Init\nNEXT Next\nINVARIANT (x)\n", 151),
    ],
)
def test_exit_codes_of_malformed_configurations_are_tlcs(text: str, code: int) -> None:
    with pytest.raises(ConfigError) as info:
        parse_config("m.cfg", text)
    assert info.value.exit_code == code
