"""Random simulation: reproducible with a seed; finds violations on random walks."""

from __future__ import annotations

from pathlib import Path

from aura_model.tla import load_model, simulate


def test_same_seed_same_traces(shared: Path) -> None:
    corpus = shared / "tla-corpus"
    model = load_model(corpus / "Counters.tla", corpus / "Counters.cfg")
    a = simulate(model, depth=30, traces=3, seed=42)
    b = simulate(
        load_model(corpus / "Counters.tla", corpus / "Counters.cfg"), depth=30, traces=3, seed=42
    )
    c = simulate(model, depth=30, traces=3, seed=43)
    assert a.traces == b.traces
    assert a.traces != c.traces
    assert a.result == "ok"
    assert all(len(t) == 30 for t in a.traces or [])


def test_simulation_finds_a_violation(shared: Path) -> None:
    corpus = shared / "tla-corpus"
    res = simulate(load_model(corpus / "NaiveMutex.tla"), depth=50, traces=200, seed=0)
    assert res.result == "invariant"
    assert res.violated == "MutualExclusion"
    assert res.trace is not None and len(res.trace) >= 5


def test_simulation_reports_deadlock(shared: Path) -> None:
    corpus = shared / "tla-corpus"
    res = simulate(load_model(corpus / "TwoLocks.tla"), depth=50, traces=100, seed=3)
    assert res.result == "deadlock"
