"""Every TLC model of ``spec/`` meets its expectation under the embedded checker alone.

Correct models (``expect: ok``) are explored completely; each broken variant must
be caught with exactly the invariant or property it names, which shows that no
invariant holds vacuously. This needs no Java; agreement with TLC and SANY on the
whole set is the ``spec-check`` stage of ``make verify``, and on small models
``test_spec_check.py``.
"""

from __future__ import annotations

import pytest
from aura_model.spec_check import ModelCase, Outcome, check_case, discover

from tests.checker.test_trace import FAST as COUNTEREXAMPLE_MODELS
from tests.spec.test_spec_check import FAST_PROJECT_MODELS

CASES = discover()

# The complete models of over a few thousand states take most of this file's
# time; the spec-check stage of ``make verify`` checks every one on every run
# (with TLC beside it), so here they run with ``make test-slow``. The small
# complete models stay in ``make test``.
_SLOW = {
    "MC_Rendezvous_refresh.cfg",
    "MC_Rendezvous_two.cfg",
    "MC_Rendezvous.cfg",
    "MC_GuardChain.cfg",
    "MC_DescriptorValidity.cfg",
    "MC_EpochRotation_live.cfg",
}
# Broken variants whose expectation make test asserts elsewhere, on the same
# embedded checker: test_spec_check.py's with TLC beside it (a pass, an invariant,
# an action property, a liveness property), test_trace.py's through `aura-verify
# check`, which also checks the counterexample. A run here would load and search
# the same model once more.
_ELSEWHERE = {*FAST_PROJECT_MODELS, *(c.name for c in COUNTEREXAMPLE_MODELS)}
# Rendezvous.tla's other broken variants take seconds each to load: all in make
# test-slow (test_trace.py runs five of them in make test).
_RENDEZVOUS_SLOW = {
    c.cfg.name
    for c in CASES
    if c.spec.stem == "Rendezvous" and c.expect.result != "ok" and c.cfg.name not in _ELSEWHERE
}
_SLOW |= _ELSEWHERE | _RENDEZVOUS_SLOW


@pytest.mark.parametrize(
    "case",
    [pytest.param(c, marks=pytest.mark.slow) if c.cfg.name in _SLOW else c for c in CASES],
    ids=lambda c: c.cfg.name,
)
def test_model_meets_its_expectation(case: ModelCase) -> None:
    """The checker's result (and violated name) equals the cfg's ``expect:`` line."""
    outcome = check_case(case)
    if outcome.outcome is Outcome.SKIPPED:
        pytest.skip(outcome.line())
    assert outcome.outcome is Outcome.MET, outcome.line()
    if case.expect.result == "ok":
        # Small enough for the Python checker, large enough to mean something
        # (the largest here, MC_GuardChain.cfg, has 25,248 states).
        assert outcome.distinct_states is not None
        assert 500 <= outcome.distinct_states <= 30_000, outcome.line()


def test_every_module_has_correct_and_broken_models() -> None:
    """Each module has an ok model and at least one broken variant."""
    for module in ("GuardChain", "DescriptorValidity", "EpochRotation", "Rendezvous"):
        mine = [c for c in CASES if c.spec.stem == module]
        assert any(c.expect.result == "ok" for c in mine)
        assert any(c.expect.result in {"invariant", "property"} for c in mine)


def test_make_test_catches_a_broken_variant_of_every_invariant_but_rendezvous_ones() -> None:
    """Each invariant or property a broken variant names fails in make test (here or in
    a test _ELSEWHERE names) but the Rendezvous ones only test-slow catches; each module
    keeps broken variants in make test."""
    broken = [c for c in CASES if c.expect.result != "ok"]
    in_make_test = {c.cfg.name for c in CASES if c.cfg.name not in _SLOW} | _ELSEWHERE
    assert {c.cfg.name for c in CASES} >= _ELSEWHERE
    caught = {c.expect.name for c in broken if c.cfg.name in in_make_test}
    left = {c.expect.name for c in broken} - caught
    assert all(c.spec.stem == "Rendezvous" for c in broken if c.expect.name in left), left
    for module in ("GuardChain", "DescriptorValidity", "EpochRotation", "Rendezvous"):
        assert any(c.spec.stem == module and c.cfg.name in in_make_test for c in broken)
