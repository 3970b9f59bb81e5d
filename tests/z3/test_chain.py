"""``GCReceiptChain`` proved for every depth: the gapless-stream lemma and its
Skolem witness, each with a broken counterpart."""

from __future__ import annotations

import attrs
import pytest
import z3
from aura_model.z3 import Verdict
from aura_model.z3.models.guard_chain import GC_ASSUME, guard_chain


def test_chain_is_proved_through_the_named_witness() -> None:
    """Initiation, lemmas => instance, instance => invariant: all unsat."""
    ts = guard_chain()
    res = ts.prove_skolemized("GCReceiptChain")
    assert res.verdict == Verdict.PROVED, res.detail
    assert res.queries == 3
    assert "Skolem form of GCStreamGapless" in res.method


def test_chain_lemmas_are_inductive() -> None:
    ts = guard_chain()
    for name in ("GCAcceptedLogged", "GCStreamGapless"):
        assert ts.prove(name, GC_ASSUME[name]).verdict == Verdict.PROVED, name


@pytest.mark.slow
def test_instance_is_checked_against_the_invariant_not_trusted() -> None:
    """Failing counterpart: an ``instance`` that does not imply the spec's
    statement (here TRUE) is refuted by a state that breaks the chain."""
    ts = guard_chain()
    how = ts.skolemized["GCReceiptChain"]
    ts.skolemized["GCReceiptChain"] = attrs.evolve(how, instance=lambda s: z3.BoolVal(True))
    res = ts.prove_skolemized("GCReceiptChain")
    assert res.verdict == Verdict.CTI
    assert res.detail == "instance => invariant fails"
    assert res.trace is not None
    logs = res.trace.steps[0].state["rlog"]
    assert isinstance(logs, dict) and any(logs.values())
