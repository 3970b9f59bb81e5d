"""A missing, unreadable or malformed trace: one line on stderr, exit 2, no traceback."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from aura_conformance.guard_chain import ReferenceBackend, run_conformance
from aura_verify import main
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st


@pytest.fixture(scope="module")
def good(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("good")
    result = run_conformance(ReferenceBackend(), examples=1, seed=0, record_dir=out)
    assert result.conformant, result.failure
    return out / "scenario-forgery.itf.json"


def _replay(path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(["replay", str(path), "--backend", "ref"])
    return code, capsys.readouterr().err


def _usage_error(code: int, err: str) -> None:
    assert code == 2
    assert len(err.strip().splitlines()) == 1, err
    assert err.startswith("aura-verify replay: ") and "Traceback" not in err


def test_the_good_trace_replays(good: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The counterpart of the cases below: unedited, the trace is accepted."""
    assert _replay(good, capsys)[0] == 0


def test_a_missing_trace(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, err = _replay(tmp_path / "absent.itf.json", capsys)
    _usage_error(code, err)
    assert "cannot read" in err


def test_a_directory_is_not_a_trace(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _usage_error(*_replay(tmp_path, capsys))


def _edit(good: Path, tmp_path: Path, change: Any) -> Path:
    doc = json.loads(good.read_text())
    change(doc)
    p = tmp_path / "edited.itf.json"
    p.write_text(json.dumps(doc))
    return p


_CASES = {
    "not json": None,
    "no states": lambda d: d.update(states=[]),
    "foreign vars": lambda d: d.update(vars=["x"], states=[{"x": True}]),
    "no action": lambda d: d["states"][2]["#meta"].pop("action"),
    "negative now": lambda d: d["states"][2]["#meta"].update(now=-1),
    "args not an object": lambda d: d["states"][2]["#meta"].update(args=[1]),
    "a bare integer arg": lambda d: d["states"][1]["#meta"]["args"].update(c=1),
    "Reset later": lambda d: d["states"][2]["#meta"].update(action="Reset"),
    "no Reset": lambda d: d["states"][0]["#meta"].update(action="Tick"),
    "no #meta": lambda d: d["states"][1].pop("#meta"),
    "an action of no spec": lambda d: d["states"][1]["#meta"].update(action="Teleport"),
}


@pytest.mark.parametrize("case", list(_CASES))
def test_malformed_traces(
    good: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], case: str
) -> None:
    change = _CASES[case]
    if change is None:
        p = tmp_path / "bad.json"
        p.write_text("{")
    else:
        p = _edit(good, tmp_path, change)
    _usage_error(*_replay(p, capsys))


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-3, 3) | st.text(max_size=4),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3)
    ),
    max_leaves=6,
)


def _paths(doc: Any, at: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [at]
    if isinstance(doc, dict):
        for k, v in doc.items():
            out += _paths(v, (*at, k))
    elif isinstance(doc, list):
        for i, v in enumerate(doc):
            out += _paths(v, (*at, i))
    return out


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_fuzzed_traces_never_raise(
    good: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], data: st.DataObject
) -> None:
    """Any node of a good trace replaced by any JSON value: a verdict (0 or 1), no
    verdict (4: a request refused) or a one-line error (2), never a traceback."""
    doc = json.loads(good.read_text())
    path = data.draw(st.sampled_from(_paths(doc)[1:]), label="path")
    value = data.draw(_JSON, label="value")
    node = doc
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    p = tmp_path / "fuzzed.itf.json"
    p.write_text(json.dumps(doc))
    code, err = _replay(p, capsys)
    assert code in (0, 1, 2, 4), err
    if code == 2:
        _usage_error(code, err)


@pytest.mark.parametrize("timeout", ["0", "-1", "nan", "inf"])
def test_a_bad_timeout_is_a_usage_error(
    good: Path, capsys: pytest.CaptureFixture[str], timeout: str
) -> None:
    code = main(["replay", str(good), "--timeout", timeout])
    _usage_error(code, capsys.readouterr().err)
