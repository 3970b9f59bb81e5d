"""Counterexamples and simulation traces as ITF JSON and as a readable table."""

from __future__ import annotations

import json
from pathlib import Path

from aura_model import itf
from aura_model.tla import check, load_model, simulate
from aura_model.tla import values as V
from aura_model.tla._trace import to_plain


def test_itf_roundtrip_of_a_counterexample(shared: Path) -> None:
    corpus = shared / "tla-corpus"
    res = check(load_model(corpus / "Missionaries.tla"))
    doc = res.to_itf()
    assert doc["vars"] == ["west", "boat"]
    text = json.dumps(doc)
    trace = itf.load_trace(text)
    assert len(trace.states) == res.trace_length == 12
    first = trace.states[0]
    assert first["boat"] == "west"
    assert dict(first["west"]) == {"m": 3, "c": 3}


def test_value_conversion_to_itf_kinds() -> None:
    f = V.fn({V.ModelValue("p"): 1})
    assert to_plain(V.ModelValue("p")) == "p"
    assert to_plain(V.tup(1, 2)) == [1, 2]
    assert to_plain(V.record(a=1)) == {"a": 1}
    assert isinstance(to_plain(f), itf.ItfMap)
    assert to_plain(frozenset({1, 2})) == frozenset({1, 2})
    encoded = itf.encode_value(to_plain(V.fn({(1, 2): "x"})))
    assert "#map" in json.dumps(encoded)


def test_table_lists_every_state(shared: Path) -> None:
    corpus = shared / "tla-corpus"
    res = check(load_model(corpus / "Jugs.tla"))
    table = res.format_table()
    assert table.count("State ") == res.trace_length == 7
    assert "/\\ " in table


def test_simulation_traces_to_itf(shared: Path) -> None:
    corpus = shared / "tla-corpus"
    sim = simulate(
        load_model(corpus / "Hanoi.tla", corpus / "Hanoi_safe.cfg"), depth=10, traces=2, seed=1
    )
    assert sim.traces is not None and len(sim.traces) == 2
    doc = sim.to_itf()
    assert len(itf.load_trace(doc).states) == len(sim.trace or [])
