"""ITF traces: every shared Apalache/Quint fixture loads, re-encodes and reloads equal.

Fixtures are read from ``../shared/fixtures/apalache/itf`` (see its README.md).
"""

from __future__ import annotations

import contextlib
import json
from pathlib import Path
from typing import Any

import pytest
from aura_model import itf
from hypothesis import given, settings
from hypothesis import strategies as st

from .strategies import json_values, values

STRICT = [
    "SumTypes0.itf.json",
    "adr015-MissionariesAndCannibals.itf.json",
    "writer-all-value-kinds.itf.json",
    "writer-params-and-const-state0.itf.json",
]
LEGACY = ["TestInsufficientSuccess9.itf.json", "DecideNonProposerTest0.itf.json"]


def _fixture(shared: Path, name: str) -> Path:
    return shared / "fixtures" / "apalache" / "itf" / name


def test_fixture_list_is_complete(shared: Path) -> None:
    """Every ITF file in the fixture folder is covered by one of the lists below."""
    present = {p.name for p in (shared / "fixtures" / "apalache" / "itf").glob("*.itf.json")}
    assert present == set(STRICT) | set(LEGACY)


@pytest.mark.parametrize("name", STRICT)
def test_strict_fixture_round_trips(shared: Path, name: str) -> None:
    """Valid strict ITF loads strictly; its re-encoding reloads equal, as JSON text too."""
    trace = itf.load_trace(_fixture(shared, name))
    again = itf.load_trace(trace.to_json())
    assert again == trace
    text = json.dumps(trace.to_json(), ensure_ascii=False)
    assert itf.load_trace(text) == trace
    assert len(trace.states) >= 1


@pytest.mark.parametrize("name", LEGACY)
def test_legacy_fixture_needs_lenient(shared: Path, name: str) -> None:
    """Legacy traces (plain-number ints) fail strictly with a path, load leniently, round-trip."""
    path = _fixture(shared, name)
    with pytest.raises(itf.ItfError, match="lenient=True") as info:
        itf.load_trace(path)
    assert info.value.source == str(path)
    assert info.value.path.startswith("$.states[0].")
    trace = itf.load_trace(path, lenient=True)
    # Re-encoded, all ints are #bigint, so the result is valid strict ITF.
    assert itf.load_trace(trace.to_json()) == trace


def test_writer_fixture_values(shared: Path) -> None:
    """The Apalache writer's all-kinds state decodes to the documented Python values."""
    trace = itf.load_trace(_fixture(shared, "writer-all-value-kinds.itf.json"))
    s = trace.states[0]
    assert s["a"] == 2
    assert s["c"] == [3, 10**18]
    assert s["d"] == frozenset({5, 6})
    assert s["e"] == {"foo": 3, "bar": True}
    assert s["f"] == (7, "myStr")
    assert s["g"] == itf.ItfMap([(1, "a"), (2, "b"), (3, "c")])
    assert s["h"] == itf.ItfMap([])
    assert s["j"] == itf.Unserializable("[BOOLEAN → Int]")
    assert s["n"] == itf.Variant("Baz", {"foo": 3, "bar": True})
    # Keys i..m are not in vars: Apalache writes them, so they are kept, not refused.
    assert "i" not in trace.vars
    assert s["i"] == itf.ItfMap([(1, "a")])


def test_record_with_tag_field_is_not_a_variant(shared: Path) -> None:
    """TestInsufficientSuccess9's ``action`` has ``tag`` but no ``value``: it stays a record."""
    trace = itf.load_trace(_fixture(shared, "TestInsufficientSuccess9.itf.json"), lenient=True)
    action = trace.states[1]["action"]
    assert isinstance(action, itf.Record)
    assert action["tag"] == "send"
    amounts = {c["amount"] for c in action["coins"]}
    assert 2**255 - 3 in amounts  # the ~2^255 bigints are exact


def test_variants_from_quint(shared: Path) -> None:
    """Quint's Option values decode to variants, ``None`` with an empty record payload."""
    trace = itf.load_trace(_fixture(shared, "SumTypes0.itf.json"))
    assert [s["value"] for s in trace.states] == [
        itf.Variant("None", {}),
        itf.Variant("Some", 40),
        itf.Variant("Some", 41),
    ]
    assert trace.meta["source"] == "SumTypes.qnt"


def test_constant_init_state_rule(shared: Path) -> None:
    """A params trace whose state 0 holds only constants is valid strictly; other gaps are not."""
    doc = json.loads(_fixture(shared, "writer-params-and-const-state0.itf.json").read_text())
    trace = itf.load_trace(doc)
    assert trace.params == ("N",)
    assert trace.states[0] == {"N": 4}
    # The same gap in a later state is an error in strict mode and accepted leniently.
    doc["states"].append({"#meta": {"index": 1}, "N": {"#bigint": "4"}})
    with pytest.raises(itf.ItfError, match=r"does not define \['x'\]") as info:
        itf.load_trace(doc)
    assert info.value.path == "$.states[1]"
    assert len(itf.load_trace(doc, lenient=True).states) == 2
    # Without params there is no constant-initialisation state to excuse the gap.
    del doc["params"]
    del doc["states"][1]
    with pytest.raises(itf.ItfError, match="does not define"):
        itf.load_trace(doc)


def test_dump_trace_shape_and_loop() -> None:
    """dump_trace writes ADR-015's fields: #meta format, vars, per-state index, loop."""
    doc = itf.dump_trace(
        [{"x": 1, "y": {"a"}}, {"x": 2, "y": set()}], ["x", "y"], params=None, loop=0
    )
    assert doc["#meta"]["format"] == "ITF"
    assert doc["vars"] == ["x", "y"]
    assert doc["states"][1] == {"#meta": {"index": 1}, "x": {"#bigint": "2"}, "y": {"#set": []}}
    assert doc["loop"] == 0
    trace = itf.load_trace(itf.dumps_trace([{"x": 1}], ["x"], meta={"source": "M.tla"}))
    assert trace.meta["source"] == "M.tla"
    with pytest.raises(itf.ItfError, match="loop"):
        itf.dump_trace([{"x": 1}], ["x"], loop=3)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("[]", "JSON object"),
        ('{"vars": []}', "states"),
        ('{"states": []}', "vars"),
        ('{"vars": ["x"], "states": [], "extra": 1}', "unknown top-level"),
        ('{"vars": ["x", "x"], "states": []}', "twice"),
        ('{"vars": [1], "states": []}', "list of strings"),
        ('{"vars": ["x"], "states": [3]}', "JSON object"),
        ('{"vars": ["x"], "states": [{"x": true}], "loop": 1}', "loop"),
        ('{"vars": ["x"], "states": [{"x": true}], "loop": true}', "loop"),
        ('{"vars": ["x"], "states": [{"x": true, "x": false}]}', "repeats the key"),
        ('{"vars": ["x"], "states": [{"x": NaN}]}', "NaN"),
        ('{"vars": ["x"], "states": [{"#x": 1}]}', "variable name"),
        ('{"vars": ["x"], "states": [', "not JSON"),
    ],
)
def test_bad_traces_raise_typed_errors(text: str, fragment: str) -> None:
    """Malformed trace documents raise ItfError naming what is wrong."""
    with pytest.raises(itf.ItfError, match=fragment):
        itf.load_trace(text)


def test_file_errors_name_the_file(tmp_path: Path) -> None:
    """A missing or non-UTF-8 file gives ItfError whose message starts with the file name."""
    missing = tmp_path / "nope.itf.json"
    with pytest.raises(itf.ItfError, match="cannot read") as info:
        itf.load_trace(missing)
    assert str(info.value).startswith(str(missing))
    bad = tmp_path / "bad.itf.json"
    bad.write_bytes(b'{"vars": ["\xff"]}')
    with pytest.raises(itf.ItfError, match="UTF-8"):
        itf.load_trace(bad)


_var_names = st.lists(st.sampled_from(["x", "y", "z", "msgs", "état"]), unique=True, min_size=1)


@settings(max_examples=100, deadline=None)
@given(
    _var_names.flatmap(
        lambda vs: st.tuples(
            st.just(vs),
            st.lists(st.fixed_dictionaries(dict.fromkeys(vs, values)), min_size=1, max_size=3),
        )
    )
)
def test_trace_round_trip(case: tuple[list[str], list[dict[str, Any]]]) -> None:
    """Any list of states dumps to ITF text that loads back with the same states."""
    names, states = case
    trace = itf.load_trace(itf.dumps_trace(states, names))
    assert trace.vars == tuple(names)
    assert list(trace.states) == states


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(
        json_values,
        st.fixed_dictionaries(
            {"vars": st.lists(st.sampled_from(["x", "y"])), "states": st.lists(json_values)},
            optional={"params": json_values, "loop": json_values, "#meta": json_values},
        ),
    ),
    st.booleans(),
)
def test_trace_loader_fuzz_only_itf_errors(doc: Any, lenient: bool) -> None:
    """Arbitrary JSON documents load or raise ItfError, as objects and as JSON text."""
    for src in (doc, json.dumps(doc)):
        with contextlib.suppress(itf.ItfError):
            itf.load_trace(src, lenient=lenient)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=64))
def test_trace_loader_bytes_fuzz(raw: bytes) -> None:
    """Arbitrary bytes given as a trace only ever raise ItfError."""
    with contextlib.suppress(itf.ItfError):
        itf.load_trace(raw)
