"""``GCReceiptChain`` and ``GCReceiptResumesAfterLoss`` proved for every depth:
the link is required only from the receipt that directly follows the last
accepted one. The broken counterparts of the chain's proof are single queries
in ``test_guard_chain_parts.py`` (a counterexample to induction here would be
decoded with every entry of an arbitrarily long log)."""

from __future__ import annotations

from aura_model.z3 import Verdict
from aura_model.z3.models.guard_chain import GC_ASSUME, GC_IMPLIED, guard_chain


def test_chain_follows_from_the_log_links() -> None:
    """GCLogLinked (an entry whose nonce follows any earlier entry of its
    stream links to it) implies the spec's statement about the latest one."""
    res = guard_chain().prove_implied("GCReceiptChain", GC_IMPLIED["GCReceiptChain"])
    assert res.verdict == Verdict.PROVED, res.detail
    assert res.method == "implied by GCLogLinked"


def test_log_links_are_inductive() -> None:
    """Every log entry of the current epoch's stream is at most the accepted
    nonce (GCLogEndsAtAccepted), so a receipt that directly follows one of
    them follows the accepted one and links to it, and one after a gap
    follows none of them."""
    res = guard_chain().prove("GCLogLinked", GC_ASSUME["GCLogLinked"])
    assert res.verdict == Verdict.PROVED, res.detail


def test_resumes_after_loss_is_valid_and_the_strict_rule_is_not() -> None:
    """The next genuine receipt after lost ones can be accepted in every state;
    the strict rule (a link to the last accepted, even after a gap) refuses it."""
    res = guard_chain().prove_implied("GCReceiptResumesAfterLoss", ())
    assert res.verdict == Verdict.PROVED, res.detail
    strict = guard_chain(BUG_StrictChainAfterLoss=True)
    res = strict.prove_implied("GCReceiptResumesAfterLoss", ())
    assert res.verdict == Verdict.CTI
