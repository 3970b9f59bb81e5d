"""The Rendezvous safety twin: its lemmas are needed, and its abstraction
keeps the spec's bug behaviours."""

from __future__ import annotations

from aura_model.z3 import Verdict, fresh_context
from aura_model.z3.models.rendezvous import rendezvous


def test_members_only_needs_the_initiator_channel_lemma() -> None:
    """Failing counterpart: without ``RVIniChansToResp`` the invariant has a
    CTI through ``ProcessResponse`` (a response on an Ini channel to a
    non-member); with it the invariant is proved.

    The lemma-free query runs in a fresh Z3 context: Z3's quantifier heuristics
    depend on the terms created before in the same context (after some other
    tests' queries it once answered ``unknown`` instead of finding the CTI), and
    a context of its own gives it the same start in any process. ``assume=[]``
    (the invariant alone, as every consecution query has it): naming it
    twice in the hypotheses once left the search at "incomplete quantifiers".
    """
    with fresh_context():
        res = rendezvous().prove("RVMembersOnly", assume=[])
    assert res.verdict == Verdict.CTI, res.detail
    assert res.trace is not None
    assert res.trace.steps[1].action == "ProcessResponse"
    assert rendezvous().prove("RVMembersOnly").verdict == Verdict.PROVED


def test_double_charge_spends_past_the_limit_in_one_step() -> None:
    """The bug twin's counterexample, on the bad cfg's Limit = 3."""
    ts = rendezvous(BUG_DoubleCharge=True, limit=3)
    res = ts.bmc(1, ["RVBudgetWithinLimit"], schedule=("PrepareEstablishChannel",))
    assert res.verdict == Verdict.VIOLATED
    assert res.trace is not None and "PrepareEstablishChannel" in res.trace.format_table()
