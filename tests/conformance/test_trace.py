"""ITF recording of conformance runs and their replay against backends."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path

import pytest
from aura_conformance import (
    GUARD_CHAIN_VARS,
    ConformanceFailure,
    ReferenceBackend,
    TraceReplayError,
    guard_chain_checker,
    replay_trace,
    run_conformance,
)
from aura_model import itf
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("traces")
    result = run_conformance(ReferenceBackend(), examples=8, seed=2, record_dir=out)
    assert result.conformant, result.failure
    return out


def test_every_run_is_a_valid_itf_trace_with_actions(recorded: Path) -> None:
    """Each file loads with the strict ITF codec; each state names its action and explanation."""
    files = sorted(recorded.glob("*.itf.json"))
    assert len(files) >= 8
    for f in files:
        trace = itf.load_trace(f)
        assert tuple(trace.vars) == GUARD_CHAIN_VARS
        assert trace.state_meta[0]["action"] == "Reset"
        for meta in trace.state_meta[1:]:
            assert meta["action"] in {
                "PrepareOperation",
                "ExecuteEffects",
                "AdvanceEpoch",
                "ReceiveReceipt",
                "ReceiveReceiptFails",
                "OtherContextReceipt",
                "ForgeReceipt",
                "EquivocateReceipt",
                "RelinkFirstReceipt",
                "SignFutureReceipt",
                "Tick",
            }
            assert meta["explained_by"]


def test_recorded_traces_replay_against_the_reference(recorded: Path) -> None:
    """A fresh reference backend reproduces every recorded state, step by step."""
    checker = guard_chain_checker()
    total = 0
    for f in sorted(recorded.glob("*.itf.json")):
        total += replay_trace(f, ReferenceBackend(), checker).steps
    assert total > 20


def test_replay_against_a_buggy_backend_diverges(recorded: Path) -> None:
    """The replay of the retired-epoch schedule exposes a backend that ignores epochs."""
    path = recorded / "scenario-retired-epoch.itf.json"
    with pytest.raises(TraceReplayError, match="diverged from the trace on accepted, rlog"):
        replay_trace(path, ReferenceBackend("no-epoch-check"), guard_chain_checker())


def test_replay_revalidates_against_the_spec(recorded: Path, tmp_path: Path) -> None:
    """A trace edited to hold a non-Next step fails even if the backend reproduces it."""
    doc = json.loads((recorded / "scenario-send-receive.itf.json").read_text())
    # Claim a Tick produced state 2: the backend stutters, so the replay diverges first.
    doc["states"][2]["#meta"]["action"] = "Tick"
    bad = tmp_path / "edited.itf.json"
    bad.write_text(json.dumps(doc))
    with pytest.raises(TraceReplayError, match="diverged"):
        replay_trace(bad, ReferenceBackend(), guard_chain_checker())


def test_replay_of_a_double_charge_is_refused_by_the_checker(tmp_path: Path) -> None:
    """A trace recorded from a buggy backend replays on it, but the checker refuses the step."""
    result = run_conformance(
        ReferenceBackend("double-charge"), examples=2, seed=0, record_dir=tmp_path
    )
    assert result.failing_trace is not None
    with pytest.raises(ConformanceFailure, match="GCAtomicRollback"):
        replay_trace(result.failing_trace, ReferenceBackend("double-charge"), guard_chain_checker())


def test_malformed_traces_are_typed_errors(tmp_path: Path) -> None:
    """Missing files, non-ITF JSON, foreign variables and bad #meta are TraceReplayError."""
    checker = guard_chain_checker()
    with pytest.raises(TraceReplayError, match="cannot read"):
        replay_trace(tmp_path / "absent.json", ReferenceBackend(), checker)
    cases = {
        "notjson": "{",
        "vars": json.dumps({"vars": ["x"], "states": [{"x": True}]}),
        "empty": json.dumps({"vars": list(GUARD_CHAIN_VARS), "states": []}),
    }
    for name, text in cases.items():
        p = tmp_path / f"{name}.json"
        p.write_text(text)
        with pytest.raises(TraceReplayError):
            replay_trace(p, ReferenceBackend(), checker)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_fuzzed_trace_files_raise_only_typed_errors(
    recorded: Path, tmp_path: Path, data: st.DataObject
) -> None:
    """Byte-level corruption of a recorded trace gives TraceReplayError, ConformanceFailure
    or a clean replay; never a raw exception."""
    text = (recorded / "scenario-forgery.itf.json").read_bytes()
    i = data.draw(st.integers(0, len(text) - 1))
    b = data.draw(st.integers(0, 255))
    p = tmp_path / "fuzzed.json"
    p.write_bytes(text[:i] + bytes([b]) + text[i + 1 :])
    with contextlib.suppress(TraceReplayError, ConformanceFailure):
        replay_trace(p, ReferenceBackend(), guard_chain_checker())
