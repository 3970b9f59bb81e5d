"""Counterexamples and simulation traces as ITF JSON and as a readable table."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import aura_model.tla
import pytest
from aura_model import itf
from aura_model.specs import all_configs, config_path
from aura_model.tla import CheckResult, Model, StepValidator, TlaError, check, load_model, simulate
from aura_model.tla import values as V
from aura_model.tla._trace import STUTTERING, Step, format_table, from_plain, to_plain
from aura_verify import main
from hypothesis import given, settings
from hypothesis import strategies as st


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


# ------------------------------------------------------------------ value kinds

MV = V.ModelValue


def _enc(v: Any) -> Any:
    return itf.encode_value(to_plain(v))


def test_every_value_kind_converts_to_hashable_itf() -> None:
    """Sets of records and of sequences (the old 'unhashable dict' crash) and keys of
    every kind encode, and decode back to the same checker value."""
    rec = V.record(src=MV("a1"), n=2**80, tag="t")
    values = [
        frozenset({rec, V.record(src=MV("a2"), n=-1, tag="u")}),
        frozenset({V.tup(1, 2), V.tup()}),
        V.fn({V.tup(1, "x"): frozenset({MV("a1")}), V.tup(): True}),
        V.fn({MV("a1"): V.fn({0: 1, 1: 0}), MV("a2"): V.tup()}),
        V.fn({frozenset({1}): "s", frozenset(): "e"}),
        V.fn({rec: 1}),
        'text with \u2192 and "quotes"',
        -(10**40),
    ]
    for v in values:
        encoded = itf.encode_value(to_plain(v))
        back = from_plain(itf.decode_value(json.loads(json.dumps(encoded))), {"a1", "a2"})
        assert back == v, (v, encoded)
    assert itf.encode_value(to_plain(10**30)) == {"#bigint": str(10**30)}
    assert "#map" in _enc(V.fn({MV("a1"): 1}))
    assert _enc(rec)["src"] == "a1"
    assert "#set" in _enc(frozenset({rec}))


def test_records_that_itf_would_misread_are_written_as_maps() -> None:
    """[tag |-> .., value |-> ..] would read back as an ITF variant: it stays a #map."""
    v = V.record(tag="Some", value=1)
    encoded = _enc(v)
    assert set(encoded) == {"#map"}
    assert from_plain(itf.decode_value(encoded)) == v


def test_infinite_values_are_unserializable_and_refused_back() -> None:
    nat = V.LazySet("Nat")
    assert to_plain(nat) == itf.Unserializable("Nat")
    with pytest.raises(TlaError, match="Unserializable"):
        from_plain(itf.Unserializable("Nat"))


def _checker_values() -> st.SearchStrategy[Any]:
    # Model values are named mv_*, strings never are, so decoding can tell them apart.
    leaves = st.one_of(
        st.booleans(),
        st.integers(min_value=-(2**100), max_value=2**100),
        st.text(max_size=6).filter(lambda s: not s.startswith("mv_")),
        st.sampled_from(["mv_a", "mv_b"]).map(MV),
    )

    def grow(inner: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
        return st.one_of(
            st.lists(inner, max_size=3).map(tuple),
            st.frozensets(inner, max_size=3),
            st.dictionaries(st.text(max_size=4), inner, min_size=1, max_size=3).map(V.fn),
            st.dictionaries(inner, inner, min_size=1, max_size=3).map(V.fn),
        )

    return st.recursive(leaves, grow, max_leaves=12)


@settings(max_examples=300, deadline=None)
@given(_checker_values())
def test_checker_values_roundtrip_through_itf(v: Any) -> None:
    """to_plain, the strict codec and from_plain lose nothing, whatever the value."""
    text = json.dumps(itf.encode_value(to_plain(v)))
    assert from_plain(itf.decode_value(json.loads(text)), {"mv_a", "mv_b"}) == v


# ------------------------------------------------------------------ spec/ counterexamples

PROJECT = Path(__file__).resolve().parents[2]
SPEC = PROJECT / "spec"
_EXPECT = re.compile(r"\\\*\s*expect:\s*(\w+)(?:[ \t]+(\w+))?")
BAD_MODELS = [c for c in all_configs(SPEC) if "_bad_" in c.name]
# Rendezvous models take seconds each to load: five (the replay, the roster, the
# budget, the relay, a deny) run in `make test`, all in test-slow. For every model
# here this test is make test's one check of its expectation (test_models.py leaves
# these to it): one load and one search give the verdict and the counterexample.
RENDEZVOUS_FAST = (
    "RVReplayRejected",
    "RVMembersOnly",
    "RVBudgetWithinLimit",
    "RVRelayForwardsOnce",
    "RVNoMessageOnDeny",
)
FAST = [c for c in BAD_MODELS if "Rendezvous" not in c.name] + [
    config_path(f"MC_Rendezvous_bad_{name}.cfg", SPEC) for name in RENDEZVOUS_FAST
]


def _module(cfg: Path) -> Path:
    return SPEC / f"{cfg.stem.removeprefix('MC_').split('_')[0]}.tla"


def _defined_names() -> set[str]:
    """Every operator defined in a spec/ module, read from the text (not the checker)."""
    names: set[str] = set()
    for tla in SPEC.glob("*.tla"):
        text = tla.read_text(encoding="utf-8")
        names.update(re.findall(r"^[ \t]*([A-Za-z_]\w*)[ \t]*(?:\([^)]*\))?[ \t]*==", text, re.M))
    return names


def _problems(
    doc: dict[str, Any], out: dict[str, Any], validator: StepValidator, names: set[str]
) -> list[str]:
    """What is wrong with a counterexample's ITF document and --json object."""
    bad: list[str] = []
    trace = itf.load_trace(json.dumps(doc))  # strict
    if trace.to_json() != doc:
        bad.append("ITF does not round-trip through the codec")
    if out["trace"] != [
        {"#meta": m, **{k: doc["states"][i][k] for k in trace.vars}}
        for i, m in enumerate(trace.state_meta)
    ]:
        bad.append("--json trace differs from the ITF states")
    if out["loop"] != trace.loop or out["trace_length"] != len(trace.states):
        bad.append("--json loop/length differ from the ITF file")
    mvs = doc["#meta"].get("modelValues", [])
    states = [{k: from_plain(s[k], mvs) for k in trace.vars} for s in trace.states]
    if states and states[0] not in validator.init_states():
        bad.append("state 0 is not an initial state")
    for i, meta in enumerate(trace.state_meta):
        action = meta.get("action")
        changed = [v for v in trace.vars if i and states[i - 1][v] != states[i][v]]
        if i and meta.get("changed") != changed:
            bad.append(f"state {i}: changed {meta.get('changed')} but really {changed}")
        if i and action == "Stuttering" and not changed:
            continue
        if action not in names:
            bad.append(f"state {i}: action {action!r} is not defined in the spec")
        if i == 0:
            continue
        params = {
            k: from_plain(itf.decode_value(x), mvs) for k, x in meta.get("params", {}).items()
        }
        if not any(
            m.name == action and m.params == params and nxt == states[i]
            for m, nxt in validator.successors(states[i - 1])
        ):
            bad.append(f"state {i}: {action} {params} does not lead there")
    if (out["result"] == "property" and "temporal" in (out.get("message") or "")) != (
        trace.loop is not None
    ):
        bad.append("a liveness counterexample needs a loop index (and only one has it)")
    if trace.loop is not None:
        if not trace.state_meta[trace.loop].get("loopStart"):
            bad.append("the loop start is not marked")
        back = doc["#meta"].get("loopBack", {})
        last, first = states[-1], states[trace.loop]
        closes = back.get("action") == "Stuttering" and last == first
        closes = closes or any(
            m.name == back.get("action") and nxt == first for m, nxt in validator.successors(last)
        )
        if not closes:
            bad.append(f"loopBack {back} does not close the loop")
    return bad


def _run_bad_model(cfg: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    header = _EXPECT.search(cfg.read_text(encoding="utf-8"))
    assert header is not None, cfg
    result, violated = header.groups()
    out_file = tmp_path / f"{cfg.stem}.itf.json"
    spec = _module(cfg)
    # The steps are replayed on the model the command loaded: loading is most of
    # this test's time (seconds for Rendezvous), and a second load gives the same model.
    loaded: list[Model] = []

    def load_and_keep(*args: Any, **kwargs: Any) -> Model:
        loaded.append(load_model(*args, **kwargs))
        return loaded[-1]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(aura_model.tla, "load_model", load_and_keep)
        rc = main(["check", str(spec), "--config", str(cfg), "--itf", str(out_file), "--json"])
    out = json.loads(capsys.readouterr().out)
    assert (out["result"], out["violated"]) == (result, violated), out
    assert rc == {"invariant": 12, "property": 13, "deadlock": 11}[result]
    doc = json.loads(out_file.read_text(encoding="utf-8"))
    assert doc["#meta"]["violated"] == violated
    [model] = loaded
    assert (Path(model.spec_path), Path(model.cfg.path)) == (spec, cfg)
    validator = StepValidator(model)
    names = _defined_names()
    assert _problems(doc, out, validator, names) == []
    # Each check above can fail: a broken copy of the counterexample is caught.
    broken = copy.deepcopy(doc)
    broken["states"][-1]["#meta"]["action"] = "NoSuchAction"
    assert any("NoSuchAction" in p for p in _problems(broken, out, validator, names))
    if len(doc["states"]) > 1:
        broken = copy.deepcopy(doc)
        broken["states"][-1]["#meta"]["changed"] = doc["vars"]
        assert any("changed" in p for p in _problems(broken, out, validator, names))
        broken = copy.deepcopy(doc)
        broken["states"].reverse()
        assert _problems(broken, out, validator, names)
    if "loop" in doc:
        broken = copy.deepcopy(doc)
        del broken["loop"]
        assert any("loop" in p for p in _problems(broken, out, validator, names))


@pytest.mark.parametrize("cfg", FAST, ids=lambda c: c.stem)
def test_spec_counterexample_itf_and_json(
    cfg: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """--itf and --json on a bad spec/ model: the expected verdict and exit code, strict
    ITF, real actions, true change marks."""
    _run_bad_model(cfg, tmp_path, capsys)


@pytest.mark.slow
@pytest.mark.parametrize("cfg", [c for c in BAD_MODELS if c not in FAST], ids=lambda c: c.stem)
def test_spec_counterexample_itf_and_json_slow(
    cfg: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _run_bad_model(cfg, tmp_path, capsys)


def test_fast_subset_covers_every_module_and_both_liveness_models() -> None:
    assert {_module(c).stem for c in FAST} == {_module(c).stem for c in BAD_MODELS}
    live = [c for c in BAD_MODELS if "expect: property" in c.read_text(encoding="utf-8")]
    assert live and set(live) <= set(FAST)


def assert_counterexample_explained(model: Model, res: CheckResult, lasso: bool) -> None:
    """Each step of a counterexample gets an action (or is a stutter), the ITF document
    decodes back to the checker's own states, and a lasso (only) has a loop.

    test_corpus.py calls this on the run it compares with TLC's figures, so every
    shared-corpus counterexample is explained without a second search."""
    assert res.trace, res
    steps, back = res.steps(model)
    assert [s.index for s in steps] == list(range(len(res.trace)))
    assert all(s.action for s in steps), [s for s in steps if not s.action]
    assert all(s.action != "Stuttering" or not s.changed for s in steps)
    doc = res.to_itf(model, (steps, back))
    trace = itf.load_trace(json.dumps(doc))
    mvs = doc["#meta"].get("modelValues", [])
    decoded = [{k: from_plain(s[k], mvs) for k in trace.vars} for s in trace.states]
    assert decoded == res.trace
    assert (trace.loop is not None) == lasso
    assert (back is not None) == (trace.loop is not None)
    if back is not None:
        assert back.action


def test_table_closes_a_lasso_as_tlc_does() -> None:
    """A self-loop by a named action is 'Back to state K: <A>'; only a step no action
    explains is 'Stuttering'."""
    states = [{"x": 0}, {"x": 1}]
    steps = [Step(0, "Init"), Step(1, "Inc", {"d": 1}, ("x",))]
    rest = format_table(states, ["x"], steps, loop=1, back=Step(2, "Rest"))
    assert rest.splitlines()[-1] == "State 3: Back to state 2: <Rest>"
    assert "State 2: <Inc d = 1>  (the loop starts here)" in rest
    assert "/\\ x = 1  \\* changed" in rest and "/\\ x = 0\n" in rest
    stop = format_table(states, ["x"], steps, loop=1, back=Step(2, STUTTERING))
    assert stop.splitlines()[-1] == "State 3: Stuttering"
    plain = format_table(states, ["x"])
    assert "changed" not in plain and "Back" not in plain


def test_a_step_of_a_next_reading_the_level_is_named(tmp_path: Path) -> None:
    """A Next that reads TLCGet("level") is explained at the level the search took the
    step at: each step of the counterexample is Next's, not unexplained."""
    (tmp_path / "Levels.tla").write_text(
        "---- MODULE Levels ----\n"
        "EXTENDS Naturals, TLC\n"
        "VARIABLE x\n"
        "Init == x = 0\n"
        'Next == x + 1 = TLCGet("level") /\\ x\' = x + 1\n'
        "Inv == x < 2\n"
        "====\n"
    )
    (tmp_path / "Levels.cfg").write_text("INIT Init\nNEXT Next\nINVARIANT Inv\n")
    model = load_model(tmp_path / "Levels.tla", tmp_path / "Levels.cfg")
    res = check(model)
    assert res.violated == "Inv" and res.trace_length == 3
    table = res.format_table(model)
    assert table.count("<Next>") == 2, table
    assert "no action of Next explains" not in table
