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

from tests.spec.test_spec_check import FAST_PROJECT_MODELS

# The complete models of over a few thousand states take most of this file's
# time; the spec-check stage of ``make verify`` checks every one on every run
# (with TLC beside it), so here they run with ``make test-slow``. Every broken
# variant, and the small complete models, stay in ``make test``.
_SLOW = {
    "MC_Rendezvous_refresh.cfg",
    "MC_Rendezvous_two.cfg",
    "MC_Rendezvous.cfg",
    "MC_GuardChain.cfg",
    "MC_DescriptorValidity.cfg",
    "MC_EpochRotation_live.cfg",
    # Rendezvous.tla's broken variants take seconds each to load and explore: four
    # (the roster, the budget, the relay, a deny) run here, all in make test-slow.
    *(
        f"MC_Rendezvous_bad_{i}.cfg"
        for i in (
            "RVChannelContextBound",
            "RVConnectWithValidDescriptor",
            "RVEstablishedAfterConfirm",
            "RVNoStaleActive",
            "RVRefreshAfterRotation",
            "RVRelayAuthorized",
            "RVRelayForwardsOnlyProtocol",
            "RVRelayedEndToEnd",
            "RVReplayRejected",
        )
    ),
}
# The models test_spec_check.py checks with TLC beside the embedded checker in
# make test (a pass, an invariant, an action property, a liveness property): the
# same expectation under the embedded checker alone would be a second run of it.
_SLOW |= set(FAST_PROJECT_MODELS)
CASES = discover()


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
