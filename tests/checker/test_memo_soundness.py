"""Remembered operator results must not outlive the state they were computed in.

The embedded checker remembers the results of operators that read no state
(by argument values) and the guard counts of such operators. An operator that
reads a variable through a record field, or a mutually recursive helper of one
that does, must not be taken for one. Each spec below is checked two ways: its reachable states
against a hand-checked set (no TLC needed), and, under ``slow``, against the
states TLC dumps with ``-dump``. The bug these catch keeps the number of
states equal while the states differ, so the states themselves are compared.
"""

from __future__ import annotations

import re
from collections import deque
from pathlib import Path
from typing import Any

import pytest
from aura_model.tla import check, load_model
from aura_model.tla._values import Fn

from .conftest import HEADER
from .tlc_oracle import run_tlc, skip_reason

# name -> (definitions, configuration, expected reachable states as TLA+ text)
SPECS: dict[str, tuple[str, str, str]] = {
    # The original report: F(1) reads x through a record field.
    "Memo": (
        r"""
VARIABLES x, y
F(a) == [v |-> x, a |-> a]
Init == x = 0 /\ y = {}
Next == x < 2 /\ x' = x + 1 /\ y' = y \cup {F(1)}
Inv == \A r \in y : r.v < x /\ Cardinality(y) = x
""",
        "INIT Init\nNEXT Next\nINVARIANT Inv\n",
        r"""{[x |-> 0, y |-> {}],
             [x |-> 1, y |-> {[v |-> 0, a |-> 1]}],
             [x |-> 2, y |-> {[v |-> 0, a |-> 1], [v |-> 1, a |-> 1]}]}""",
    ),
    # An operator reading a primed variable (through a record) in an action.
    "Primed": (
        r"""
VARIABLES x, y
G(a) == [v |-> x', a |-> a]
Init == x = 0 /\ y = {}
Next == x < 2 /\ x' = x + 1 /\ y' = y \cup {G(1)}
""",
        "INIT Init\nNEXT Next\n",
        r"""{[x |-> 0, y |-> {}],
             [x |-> 1, y |-> {[v |-> 1, a |-> 1]}],
             [x |-> 2, y |-> {[v |-> 1, a |-> 1], [v |-> 2, a |-> 1]}]}""",
    ),
    # A guard that reads the state through a record: its count must not be
    # remembered by argument value.
    "Guard": (
        r"""
VARIABLES x
Low(a) == [v |-> x].v < a
Init == x = 0
Next == Low(2) /\ x' = x + 1
""",
        "INIT Init\nNEXT Next\n",
        "{[x |-> 0], [x |-> 1], [x |-> 2]}",
    ),
    # A constant-argument operator inside a quantifier, reading the bound
    # variable through a LET and the state through a record.
    "Quantified": (
        r"""
VARIABLES x, y
Init == x = 0 /\ y = {}
Next == x < 2 /\ x' = x + 1
        /\ \E i \in 1..2 :
             LET H(a) == [i |-> i, w |-> x, a |-> a] IN y' = y \cup {H(1)}
""",
        "INIT Init\nNEXT Next\n",
        r"""{[x |-> 0, y |-> {}],
             [x |-> 1, y |-> {[i |-> 1, w |-> 0, a |-> 1]}],
             [x |-> 1, y |-> {[i |-> 2, w |-> 0, a |-> 1]}],
             [x |-> 2, y |-> {[i |-> 1, w |-> 0, a |-> 1], [i |-> 1, w |-> 1, a |-> 1]}],
             [x |-> 2, y |-> {[i |-> 1, w |-> 0, a |-> 1], [i |-> 2, w |-> 1, a |-> 1]}],
             [x |-> 2, y |-> {[i |-> 2, w |-> 0, a |-> 1], [i |-> 1, w |-> 1, a |-> 1]}],
             [x |-> 2, y |-> {[i |-> 2, w |-> 0, a |-> 1], [i |-> 2, w |-> 1, a |-> 1]}]}""",
    ),
    # A recursive operator that reads a variable at the bottom.
    "Recursive": (
        r"""
VARIABLES x, y
RECURSIVE R(_)
R(n) == IF n = 0 THEN [v |-> x] ELSE R(n - 1)
Init == x = 0 /\ y = {}
Next == x < 2 /\ x' = x + 1 /\ y' = y \cup {R(2).v}
""",
        "INIT Init\nNEXT Next\n",
        "{[x |-> 0, y |-> {}], [x |-> 1, y |-> {0}], [x |-> 2, y |-> {0, 1}]}",
    ),
    # Mutual recursion: B is examined while A is, and A reads x only after
    # B has been looked at; B must not keep A's provisional purity.
    "Mutual": (
        r"""
VARIABLES x, y
RECURSIVE A(_), B(_)
A(n) == IF n > 0 THEN B(n - 1) ELSE x
B(n) == A(n)
Init == x = 0 /\ y = {}
Next == x < 2 /\ x' = x + 1 /\ y' = y \cup {<<A(0), B(1)>>}
""",
        "INIT Init\nNEXT Next\n",
        "{[x |-> 0, y |-> {}], [x |-> 1, y |-> {<<0, 0>>}], [x |-> 2, y |-> {<<0, 0>>, <<1, 1>>}]}",
    ),
    # CHOOSE over a set built from the state (its predicate reads no variable).
    "Choose": (
        r"""
VARIABLES x, y
Pick(a) == CHOOSE r \in {[v |-> x, a |-> a], [v |-> x + 1, a |-> a]} : r.v % 2 = 0
Init == x = 0 /\ y = {}
Next == x < 2 /\ x' = x + 1 /\ y' = y \cup {Pick(7).v}
""",
        "INIT Init\nNEXT Next\n",
        "{[x |-> 0, y |-> {}], [x |-> 1, y |-> {0}], [x |-> 2, y |-> {0, 2}]}",
    ),
    # Definitions without parameters whose bound names alone make them look
    # state-dependent are computed once: H reads no variable, F reads x through
    # a record inside its function constructor and must be computed per state.
    "NullaryFunction": (
        r"""
VARIABLES x, y
H[p \in {1, 2}] == CHOOSE q \in {1, 2} : q = p
F[p \in {1, 2}] == [v |-> x, p |-> p]
Init == x = 0 /\ y = {}
Next == x < 2 /\ x' = x + 1 /\ y' = y \cup {F[H[1]]}
""",
        "INIT Init\nNEXT Next\n",
        r"""{[x |-> 0, y |-> {}],
             [x |-> 1, y |-> {[v |-> 0, p |-> 1]}],
             [x |-> 2, y |-> {[v |-> 0, p |-> 1], [v |-> 1, p |-> 1]}]}""",
    ),
    # An operator used by an invariant in every state: a value remembered
    # from the first state would report a violation TLC does not.
    "Invariant": (
        r"""
VARIABLES x
F(a) == [v |-> x, a |-> a]
Init == x = 0
Next == x < 3 /\ x' = x + 1
Inv == F(1).v = x
""",
        "INIT Init\nNEXT Next\nINVARIANT Inv\n",
        "{[x |-> 0], [x |-> 1], [x |-> 2], [x |-> 3]}",
    ),
}


# Every spec here has a handful of states; a wrong guard count makes one
# unbounded, which must fail, not hang.
_MAX_STATES = 50


def _write(tmp: Path, name: str) -> tuple[Path, Path]:
    defs, cfg, _ = SPECS[name]
    spec = tmp / f"{name}.tla"
    spec.write_text(f"---- MODULE {name} ----\n{HEADER}\n{defs}\n====\n", "utf-8")
    cfgp = tmp / f"{name}.cfg"
    cfgp.write_text(cfg, "utf-8")
    return spec, cfgp


def _reachable(spec: Path, cfg: Path) -> set[Any]:
    """Every reachable state, as a record from variable names to values."""
    model = load_model(spec, cfg)
    succ = model.successor_fn()
    seen = set(model.init_states())
    todo = deque(seen)
    while todo and len(seen) <= _MAX_STATES:
        for t in succ(todo.popleft()):
            if t not in seen:
                seen.add(t)
                todo.append(t)
    return {Fn(dict(zip(model.vars, s, strict=True))) for s in seen}


def _evaluate(tmp: Path, states_text: str) -> set[Any]:
    """The value of a constant set of records written in TLA+."""
    spec = tmp / "Expected.tla"
    body = f"VARIABLE z\nS == {states_text}\nInit == z = 0\nNext == z' = z"
    spec.write_text(f"---- MODULE Expected ----\n{HEADER}\n{body}\n====\n", "utf-8")
    (tmp / "Expected.cfg").write_text("INIT Init\nNEXT Next\n", "utf-8")
    return set(load_model(spec, tmp / "Expected.cfg").evaluate("S"))


@pytest.mark.parametrize("name", sorted(SPECS))
def test_reachable_states_are_the_hand_checked_ones(name: str, tmp_path: Path) -> None:
    spec, cfg = _write(tmp_path, name)
    got = _reachable(spec, cfg)
    assert got == _evaluate(tmp_path, SPECS[name][2])
    res = check(load_model(spec, cfg), deadlock=False, max_states=_MAX_STATES)
    assert (res.result, res.distinct_states) == ("ok", len(got)), res.message


_DUMP_STATE = re.compile(r"^State \d+:\s*$")


def _tlc_states(dump: Path) -> str:
    """TLC's ``-dump`` file as a TLA+ set of records."""
    records = []
    conjuncts: list[str] = []
    for line in [*dump.read_text("utf-8").splitlines(), ""]:
        if _DUMP_STATE.match(line):
            conjuncts = []
        elif line.startswith("/\\ "):
            conjuncts.append(line[3:])
        elif line.strip() and conjuncts:
            conjuncts[-1] += " " + line.strip()
        elif line.strip():
            conjuncts.append(line)  # a single variable: no "/\\ " list
        elif not line.strip() and conjuncts:
            fields = [c.replace(" = ", " |-> ", 1) for c in conjuncts]
            records.append("[" + ", ".join(fields) + "]")
            conjuncts = []
    return "{" + ", ".join(records) + "}"


@pytest.mark.slow
@pytest.mark.skipif(skip_reason() is not None, reason=skip_reason() or "")
@pytest.mark.parametrize("name", sorted(SPECS))
def test_reachable_states_are_tlcs(name: str, tmp_path: Path) -> None:
    spec, cfg = _write(tmp_path, name)
    dump = tmp_path / "states"
    run = run_tlc(spec, cfg, ["-deadlock", "-dump", str(dump)])
    assert run.result == "ok", run.output
    tlc = _evaluate(tmp_path, _tlc_states(dump.with_suffix(".dump")))
    assert len(tlc) == run.distinct_states
    assert _reachable(spec, cfg) == tlc
    res = check(load_model(spec, cfg), deadlock=False, max_states=_MAX_STATES)
    assert (res.result, res.distinct_states) == (run.result, run.distinct_states), res.message
    assert tlc == _evaluate(tmp_path, SPECS[name][2])
