"""The guard world's second capability holder: receipts of two sources at one receiver.

With one holder a receiver only ever gets receipts of one source, so a verifier
keeping one chain per epoch instead of per (src, epoch) is never asked. The
world has two (``a1``, ``a3``; ``a2`` holds nothing), its model is
``guard_chain/tla/GuardChainConformance.cfg`` (MC_GuardChain.cfg's bounds with
that roster, too big to explore: ``MC_GuardChain_two_sources.cfg`` explores the
roster at smaller bounds), and the two-sources schedule interleaves two
sources' receipts at ``a2``.
"""

from __future__ import annotations

import pytest
from aura_conformance.guard_chain import (
    SCENARIOS,
    VARIANTS,
    ReferenceBackend,
    Variant,
    guard_chain_checker,
    run_scenarios,
)
from aura_conformance.guard_chain.checker import GUARD_CHAIN_CFG
from aura_conformance.guard_chain.world import AUTHS, COSTS, HOLDERS, LIMIT, MAX_EPOCH
from aura_conformance.variants._probe_variants_r3 import SourceBlindVerifier
from aura_model.specs import config_path
from aura_model.tla import ModelValue
from aura_model.tla._config import parse_config


def test_the_harness_model_is_the_spec_model_with_the_worlds_roster_and_budget() -> None:
    ours = parse_config(GUARD_CHAIN_CFG)
    spec = parse_config(config_path("MC_GuardChain.cfg"))
    roster_and_budget = {"Auth", "Holders", "Limit", "Costs"}
    assert {k: v for k, v in ours.constants.items() if k not in roster_and_budget} == {
        k: v for k, v in spec.constants.items() if k not in roster_and_budget
    }
    # A source can pay one receiver three receipts an epoch (lost, resynchronising,
    # linked to the resynchronised head), and one cost is above the whole budget.
    assert 3 * min(COSTS) <= LIMIT < max(COSTS)
    assert ours.invariants == spec.invariants
    assert ours.constants["Auth"] == frozenset(map(ModelValue, AUTHS))
    assert ours.constants["Holders"] == frozenset(map(ModelValue, HOLDERS))
    assert (ours.constants["Limit"], ours.constants["MaxEpoch"]) == (LIMIT, MAX_EPOCH)
    assert ours.constants["Costs"] == frozenset(COSTS)
    # Two sources can reach one receiver, and one member holds nothing.
    assert len(HOLDERS) == 2 and set(AUTHS) - HOLDERS == {"a2"}
    assert guard_chain_checker().model.cfg.path == str(GUARD_CHAIN_CFG)


def test_the_explored_two_sources_model_has_the_worlds_roster() -> None:
    two = parse_config(config_path("MC_GuardChain_two_sources.cfg"))
    assert two.constants["Auth"] == frozenset(map(ModelValue, AUTHS))
    assert two.constants["Holders"] == frozenset(map(ModelValue, HOLDERS))
    assert two.invariants == parse_config(GUARD_CHAIN_CFG).invariants


def test_the_reference_takes_each_sources_first_receipt() -> None:
    [result] = [r for r in run_scenarios(ReferenceBackend("ref")) if r.name == "two-sources"]
    assert result.failure is None
    last = result.recorder.states[-1]
    log = last["rlog"].d[ModelValue("a2")]
    got = [(e.d["src"].name, e.d["nonce"]) for e in log]
    assert got == [("a1", 1), ("a3", 1), ("a1", 2)]


def test_a_chain_kept_per_epoch_fails_on_the_second_source(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    variant = Variant("source-blind-verifier", "test", verifier=SourceBlindVerifier)
    monkeypatch.setitem(VARIANTS, variant.name, variant)
    failed = {r.name: r.failure for r in run_scenarios(ReferenceBackend(variant.name)) if r.failure}
    assert set(failed) == {"two-sources"}, {k: str(v)[:200] for k, v in failed.items()}
    assert "GCReceiptResumesAfterLoss" in str(failed["two-sources"])
    assert "two-sources" in SCENARIOS
