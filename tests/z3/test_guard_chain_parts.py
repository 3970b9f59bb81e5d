"""The GuardChain twin's actions and invariants, each queried alone.

Every operator of ``spec/GuardChain.tla`` is a top-level function of
``models/guard_chain.py``; these tests call one at a time: an invariant on a
hand-built concrete state, an action from a concrete state (its correct form
keeps an invariant, its ``BUG_*`` form breaks it), and one action against one
invariant for every state (the 1-induction query of a single row cell).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
import z3
from aura_model.z3.framework import State, fresh_context
from aura_model.z3.models import guard_chain as gc
from aura_model.z3.models.guard_chain import GCVocab, gc_vocab

# The constants of spec/MC_GuardChain.cfg.
MC: dict[str, Any] = {"limit": 2, "holders": ("a1",), "costs": (1, 2), "max_epoch": 1}


@pytest.fixture(autouse=True)
def _own_context() -> Iterator[None]:
    with fresh_context():
        yield


def _valid(v: GCVocab, claim: Any) -> bool:
    """``claim`` holds for every value of the free constants the ASSUME allows."""
    solver = z3.Solver()
    solver.add(gc.GCConstantsOK(v, {}), z3.Not(claim))
    answer = solver.check()
    assert answer != z3.unknown, solver.reason_unknown()
    return bool(answer == z3.unsat)


def _initial(v: GCVocab) -> dict[str, Any]:
    """GCInit's state, written out value by value."""
    S, A, ii = v.S, v.S.auth.sort, z3.IntSort()
    none = v.no_auth
    return {
        "epoch": z3.IntVal(0),
        "spent": z3.K(A, z3.K(ii, z3.IntVal(0))),
        "committed": z3.K(A, z3.K(ii, z3.IntVal(0))),
        "phase": S.phase["Idle"],
        "pAuth": none,
        "pDst": none,
        "pCost": z3.IntVal(0),
        "pEpoch": z3.IntVal(0),
        "charged": z3.BoolVal(False),
        "journal": z3.K(S.fact, z3.BoolVal(False)),
        "nextNonce": z3.K(A, z3.K(A, z3.IntVal(1))),
        "wire": z3.K(S.receipt, z3.BoolVal(False)),
        "accepted": z3.K(A, z3.K(A, z3.IntVal(0))),
        "rlog": z3.K(A, S.log.log(0, z3.K(ii, S.entry.entry(none, 0, 0, 0, none, 0)))),
        "denials": z3.K(S.reason.sort, z3.BoolVal(False)),
        "chan": z3.K(S.fact, z3.BoolVal(False)),
        "issued": z3.K(A, z3.K(A, z3.K(ii, z3.BoolVal(False)))),
    }


def _state(v: GCVocab, **values: Any) -> dict[str, Any]:
    return {**_initial(v), **values}


def _per_auth_epoch(v: GCVocab, a: str, epoch: int, amount: int) -> Any:
    """``[x \\in Auth |-> [e |-> 0]]`` with ``amount`` at ``[a][epoch]``."""
    A, ii = v.S.auth.sort, z3.IntSort()
    zero = z3.K(A, z3.K(ii, z3.IntVal(0)))
    return z3.Store(zero, v.S.auth[a], z3.Store(zero[v.S.auth[a]], epoch, amount))


def _in_flight(v: GCVocab, phase: str, *, cost: int = 1, charged: bool = True) -> dict[str, Any]:
    """a1's outcome of cost ``cost`` to a2 in epoch 0, at ``phase``."""
    return {
        "phase": v.S.phase[phase],
        "pAuth": v.S.auth["a1"],
        "pDst": v.S.auth["a2"],
        "pCost": z3.IntVal(cost),
        "charged": z3.BoolVal(charged),
    }


def _after(v: GCVocab, action: str, s: State, /, **params: Any) -> tuple[dict[str, Any], Any]:
    """A symbolic successor ``t`` of ``s`` and the step formula of ``action``
    (its relation, and UNCHANGED for the variables it does not change)."""
    t = {name: z3.Const(f"{name}'", sort) for name, sort in gc.gc_variables(v).items()}
    act = gc.gc_actions(v)[action]
    frame = [t[x] == s[x] for x in t if x not in act.changes]
    return t, z3.And(act.relation(s, t, params), *frame)


def _keeps(v: GCVocab, action: str, s: State, inv: Callable[..., Any], /, **params: Any) -> bool:
    """``action`` is enabled in the concrete ``s`` and every step it takes
    from there satisfies ``inv``."""
    t, step = _after(v, action, s, **params)
    assert not _valid(v, z3.Not(step)), f"{action} is not enabled"
    return _valid(v, z3.Implies(step, inv(v, t)))


def _enabled(v: GCVocab, action: str, s: State, /, **params: Any) -> bool:
    _, step = _after(v, action, s, **params)
    return not _valid(v, z3.Not(step))


# -- invariants on hand-built states ---------------------------------------------


def test_the_initial_state_is_init_and_meets_every_invariant_and_lemma() -> None:
    v = gc_vocab(**MC)
    s0 = _initial(v)
    assert _valid(v, gc.GCInit(v, s0))
    for name, inv in {**gc.GC_INVARIANTS, **gc.GC_STRENGTHENING}.items():
        assert _valid(v, inv(v, s0)), name


def test_charge_first_on_hand_built_states() -> None:
    v = gc_vocab(**MC)
    appended = _state(v, **_in_flight(v, "Appended", charged=False))
    assert not _valid(v, gc.GCChargeFirst(v, appended))
    assert _valid(v, gc.GCChargeFirst(v, {**appended, "charged": z3.BoolVal(True)}))


def test_budget_within_limit_on_hand_built_states() -> None:
    v = gc_vocab(**MC)  # Limit = 2
    assert _valid(v, gc.GCBudgetWithinLimit(v, _state(v, spent=_per_auth_epoch(v, "a1", 1, 2))))
    over = _state(v, spent=_per_auth_epoch(v, "a1", 1, 3))
    assert not _valid(v, gc.GCBudgetWithinLimit(v, over))


def test_atomic_rollback_speaks_only_of_idle_states() -> None:
    v = gc_vocab(**MC)
    charged = _per_auth_epoch(v, "a1", 0, 1)
    assert not _valid(v, gc.GCAtomicRollback(v, _state(v, spent=charged)))
    busy = _state(v, spent=charged, **_in_flight(v, "Charged"))
    assert _valid(v, gc.GCAtomicRollback(v, busy))


def test_receipt_signer_on_a_hand_built_log() -> None:
    v = gc_vocab(**MC)
    E, L, a1, a2 = v.S.entry, v.S.log, v.S.auth["a1"], v.S.auth["a2"]
    empty = _initial(v)["rlog"][a2]

    def log_of(signer: Any) -> Any:
        items = z3.Store(L.items(empty), 1, E.entry(a1, 0, 1, 0, signer, 0))
        return z3.Store(_initial(v)["rlog"], a2, L.log(1, items))

    assert _valid(v, gc.GCReceiptSigner(v, _state(v, rlog=log_of(a1))))
    assert not _valid(v, gc.GCReceiptSigner(v, _state(v, rlog=log_of(a2))))


# -- one action from a concrete state ----------------------------------------------


def test_prepare_operation_runs_both_guards() -> None:
    v = gc_vocab(**MC)  # Holders = {a1}, Limit = 2
    a1, a2 = v.S.auth["a1"], v.S.auth["a2"]
    s = _state(v, spent=_per_auth_epoch(v, "a1", 0, 1))
    assert _enabled(v, "PrepareOperation", s, a=a1, d=a2, c=z3.IntVal(1))
    assert not _enabled(v, "PrepareOperation", s, a=a1, d=a2, c=z3.IntVal(2))  # 1 + 2 > Limit
    assert not _enabled(v, "PrepareOperation", s, a=a2, d=a1, c=z3.IntVal(1))  # no capability
    assert _enabled(v, "DenyOperation", s, a=a1, d=a2, c=z3.IntVal(2))
    unchecked = gc_vocab(**MC, BUG_NoCapCheck=True)
    assert _enabled(unchecked, "PrepareOperation", s, a=a2, d=a1, c=z3.IntVal(1))


def test_a_failed_append_rolls_back_and_the_twin_does_not() -> None:
    """JournalAppendFails from a charged outcome: the correct action leaves
    spent = committed; BUG_NoRollback keeps the charge (GCAtomicRollback)."""
    v = gc_vocab(**MC)
    s = _state(v, spent=_per_auth_epoch(v, "a1", 0, 1), **_in_flight(v, "Charged"))
    assert _keeps(v, "JournalAppendFails", s, gc.GCAtomicRollback)
    twin = gc_vocab(**MC, BUG_NoRollback=True)
    assert _enabled(twin, "JournalAppendFails", s)
    assert not _keeps(twin, "JournalAppendFails", s, gc.GCAtomicRollback)


def test_the_charge_fits_the_budget_the_unguarded_twin_does_not() -> None:
    """ChargeFlowBudget of an outcome that passed the guard stays within
    Limit; under BUG_NoBudgetCheck PrepareOperation lets one past it."""
    v = gc_vocab(**MC)
    s = _state(v, spent=_per_auth_epoch(v, "a1", 0, 1), **_in_flight(v, "Allowed", charged=False))
    assert _keeps(v, "ChargeFlowBudget", s, gc.GCBudgetWithinLimit)
    twin = gc_vocab(**MC, BUG_NoBudgetCheck=True)
    a1, a2 = v.S.auth["a1"], v.S.auth["a2"]
    full = _state(v, spent=_per_auth_epoch(v, "a1", 0, 2))
    assert not _enabled(v, "PrepareOperation", full, a=a1, d=a2, c=z3.IntVal(1))
    assert _enabled(twin, "PrepareOperation", full, a=a1, d=a2, c=z3.IntVal(1))
    t, _ = _after(twin, "PrepareOperation", full, a=a1, d=a2, c=z3.IntVal(1))
    over = {**t, **_in_flight(twin, "Allowed", charged=False), "spent": full["spent"]}
    assert not _keeps(twin, "ChargeFlowBudget", over, gc.GCBudgetWithinLimit)


def test_a_forged_receipt_is_refused_unless_the_signature_is_not_checked() -> None:
    v = gc_vocab(**MC)
    R, a1, a2 = v.S.receipt, v.S.auth["a1"], v.S.auth["a2"]
    forged = R.receipt(a1, a2, 0, 1, 0, 1, a2)  # src a1, signed by a2
    s = _state(v, wire=z3.Store(_initial(v)["wire"], forged, True))
    assert not _enabled(v, "ReceiveReceipt", s, r=forged)
    twin = gc_vocab(**MC, BUG_NoSignatureCheck=True)
    assert _enabled(twin, "ReceiveReceipt", s, r=forged)
    assert not _keeps(twin, "ReceiveReceipt", s, gc.GCReceiptSigner, r=forged)


def test_a_send_puts_its_receipt_on_the_wire_and_advances_the_nonce() -> None:
    v = gc_vocab(**MC)
    a1, a2 = v.S.auth["a1"], v.S.auth["a2"]
    s = _state(v, spent=_per_auth_epoch(v, "a1", 0, 1), **_in_flight(v, "Appended"))
    t, step = _after(v, "SendPacket", s)
    receipt = v.S.receipt.receipt(a1, a2, 0, 1, 0, 1, a1)
    assert _valid(
        v,
        z3.Implies(
            step,
            z3.And(
                t["wire"][receipt],
                t["nextNonce"][a1][a2] == 2,
                t["nextNonce"][a1][a1] == 1,  # each destination has its own stream
                t["issued"][a1][a2][1],
            ),
        ),
    )
    assert _keeps(v, "SendPacket", s, gc.GCAtomicRollback)


def test_prepare_changes_no_channel_state_unless_the_twin_starts_the_handshake() -> None:
    """PrepareOperation keeps chan = journal; BUG_ChannelStateOutsideGuard starts the
    handshake at prepare time (GCChannelStateAtomic), and the append leaves it alone."""
    v = gc_vocab(**MC)
    a1, a2 = v.S.auth["a1"], v.S.auth["a2"]
    s = _initial(v)
    assert _keeps(v, "PrepareOperation", s, gc.GCChannelStateAtomic, a=a1, d=a2, c=z3.IntVal(1))
    twin = gc_vocab(**MC, BUG_ChannelStateOutsideGuard=True)
    assert not _keeps(
        twin, "PrepareOperation", s, gc.GCChannelStateAtomic, a=a1, d=a2, c=z3.IntVal(1)
    )
    appended = _state(v, spent=_per_auth_epoch(v, "a1", 0, 1), **_in_flight(v, "Charged"))
    assert _keeps(v, "JournalAppend", appended, gc.GCChannelStateAtomic)


def test_a_chain_per_source_links_a_peer_to_a_receipt_it_never_gets() -> None:
    """After a1's receipt to itself (a publish), its send to a2: with a chain per
    (src, dst) it starts a2's chain (prev 0); BUG_ChainPerSource links it to the publish
    receipt, which a2 never gets (GCReceiptVerifiable)."""
    for bug, ok in ((False, True), (True, False)):
        v = gc_vocab(**MC, BUG_ChainPerSource=bug)
        a1 = v.S.auth["a1"]
        A, ii = v.S.auth.sort, z3.IntSort()
        own = v.S.receipt.receipt(a1, a1, 0, 1, 0, 1, a1)
        nn = z3.K(A, z3.K(A, z3.IntVal(1)))
        per_source = z3.Store(nn, a1, z3.K(A, z3.IntVal(2)))
        per_stream = z3.Store(nn, a1, z3.Store(nn[a1], a1, 2))
        issued = z3.K(A, z3.K(A, z3.K(ii, z3.BoolVal(False))))
        issued = z3.Store(issued, a1, z3.Store(issued[a1], a1, z3.Store(issued[a1][a1], 1, True)))
        s = _state(
            v,
            spent=_per_auth_epoch(v, "a1", 0, 2),
            committed=_per_auth_epoch(v, "a1", 0, 1),
            wire=z3.Store(_initial(v)["wire"], own, True),
            nextNonce=per_source if bug else per_stream,
            issued=issued,
            **_in_flight(v, "Appended"),
        )
        assert _keeps(v, "SendPacket", s, gc.GCReceiptVerifiable) is ok, bug


def _receipt(v: GCVocab, nonce: int, prev: int) -> Any:
    """a1's receipt of cost 1 to a2 in epoch 0, signed by a1."""
    a1, a2 = v.S.auth["a1"], v.S.auth["a2"]
    return v.S.receipt.receipt(a1, a2, 0, nonce, prev, 1, a1)


def _on_wire(v: GCVocab, *receipts: Any) -> Any:
    wire = _initial(v)["wire"]
    for r in receipts:
        wire = z3.Store(wire, r, True)
    return wire


def _first_accepted(v: GCVocab) -> dict[str, Any]:
    """a2 has accepted a1's receipt 1 (link 0) of epoch 0."""
    E, L, a1, a2 = v.S.entry, v.S.log, v.S.auth["a1"], v.S.auth["a2"]
    rlog = _initial(v)["rlog"]
    items = z3.Store(L.items(rlog[a2]), 1, E.entry(a1, 0, 1, 0, a1, 0))
    accepted = _initial(v)["accepted"]
    return {
        "rlog": z3.Store(rlog, a2, L.log(1, items)),
        "accepted": z3.Store(accepted, a2, z3.Store(accepted[a2], a1, 1)),
    }


def test_a_receipt_after_a_lost_one_resumes_the_stream_unless_the_chain_is_strict() -> None:
    """a1's receipt 1 to a2 was lost: receipt 2 (linked to 1) is accepted and
    starts a2's chain again; BUG_StrictChainAfterLoss wants a link to 0 and
    refuses it (GCReceiptResumesAfterLoss)."""
    v = gc_vocab(**MC)
    second = _receipt(v, 2, 1)
    s = _state(v, wire=_on_wire(v, _receipt(v, 1, 0), second))
    assert _valid(v, gc.GCReceiptResumesAfterLoss(v, s))
    assert _keeps(v, "ReceiveReceipt", s, gc.GCReceiptChain, r=second)
    strict = gc_vocab(**MC, BUG_StrictChainAfterLoss=True)
    assert not _enabled(strict, "ReceiveReceipt", s, r=second)
    assert not _valid(strict, gc.GCReceiptResumesAfterLoss(strict, s))


def test_a_re_issued_receipt_is_refused_unless_the_chain_is_not_checked() -> None:
    """After receipt 1, a1's receipt 2 re-issued linked to 0 directly follows
    it: the link check refuses it (the genuine one passes); BUG_NoChainCheck
    splices it onto a2's chain (GCReceiptChain)."""
    v = gc_vocab(**MC)
    genuine, again = _receipt(v, 2, 1), _receipt(v, 2, 0)
    s = _state(v, wire=_on_wire(v, _receipt(v, 1, 0), genuine, again), **_first_accepted(v))
    assert _valid(v, gc.GCReceiptChain(v, s))
    assert not _enabled(v, "ReceiveReceipt", s, r=again)
    assert _keeps(v, "ReceiveReceipt", s, gc.GCReceiptChain, r=genuine)
    unlinked = gc_vocab(**MC, BUG_NoChainCheck=True)
    assert not _keeps(unlinked, "ReceiveReceipt", s, gc.GCReceiptChain, r=again)


def test_one_attacker_move_per_behaviour() -> None:
    """A genuine receipt with a predecessor can be re-issued linked to 0, a
    first one cannot; once the wire holds the re-issued one, neither attacker
    move is enabled again."""
    v = gc_vocab(**MC)
    first, second = _receipt(v, 1, 0), _receipt(v, 2, 1)
    s = _state(v, wire=_on_wire(v, first, second))

    def re_issued_on_wire(w: GCVocab, t: State) -> Any:
        return t["wire"][_receipt(w, 2, 0)]

    assert _keeps(v, "EquivocateReceipt", s, re_issued_on_wire, r=second)
    assert not _enabled(v, "EquivocateReceipt", s, r=first)
    assert _enabled(v, "ForgeReceipt", s, r=first, s=v.S.auth["a2"])
    tampered = _state(v, wire=_on_wire(v, first, second, _receipt(v, 2, 0)))
    assert not _enabled(v, "EquivocateReceipt", tampered, r=second)
    assert not _enabled(v, "ForgeReceipt", tampered, r=first, s=v.S.auth["a2"])


def test_a_receipt_signed_ahead_is_refused_unless_future_epochs_pass() -> None:
    """At the last epoch (1), a1's first receipt to a2 signed again for epoch 2:
    only there, and only while the wire is untampered; the epoch check refuses
    it, BUG_FutureEpochAccepted accepts it (GCReceiptEpoch). It belongs to no
    outcome, which GCNoEffectOnDeny (epochs reached only) allows."""
    v = gc_vocab(**MC)
    a1, a2 = v.S.auth["a1"], v.S.auth["a2"]
    R = v.S.receipt
    first, ahead = R.receipt(a1, a2, 1, 1, 0, 1, a1), R.receipt(a1, a2, 2, 1, 0, 1, a1)
    early = _receipt(v, 1, 0)  # epoch 0: not the last epoch
    assert not _enabled(v, "SignFutureReceipt", _state(v, wire=_on_wire(v, early)), r=early)
    s = _state(v, epoch=z3.IntVal(1), wire=_on_wire(v, first))
    assert _keeps(v, "SignFutureReceipt", s, lambda w, t: t["wire"][ahead], r=first)
    signed = _state(v, epoch=z3.IntVal(1), wire=_on_wire(v, first, ahead))
    assert not _enabled(v, "SignFutureReceipt", signed, r=first)
    assert not _enabled(v, "ReceiveReceipt", signed, r=ahead)
    assert _valid(v, gc.GCNoEffectOnDeny(v, {**signed, "journal": _journal_of(v, first)}))
    twin = gc_vocab(**MC, BUG_FutureEpochAccepted=True)
    assert _enabled(twin, "ReceiveReceipt", signed, r=ahead)
    assert not _keeps(twin, "ReceiveReceipt", signed, gc.GCReceiptEpoch, r=ahead)
    # A retired epoch is still refused.
    retired = _state(v, epoch=z3.IntVal(1), wire=_on_wire(v, early))
    assert not _enabled(twin, "ReceiveReceipt", retired, r=early)


def _journal_of(v: GCVocab, r: Any) -> Any:
    R, F = v.S.receipt, v.S.fact
    fact = F.fact(R.src(r), R.dst(r), R.epoch(r), R.nonce(r), R.cost(r))
    return z3.Store(_initial(v)["journal"], fact, True)


# -- one action against one invariant, for every state ------------------------------


def _preserves(v: GCVocab, action: str, inv: Callable[..., Any], *hyps: Callable[..., Any]) -> bool:
    """``inv /\\ hyps /\\ action => inv'`` for every state and parameter."""
    variables = gc.gc_variables(v)
    s = {name: z3.Const(name, sort) for name, sort in variables.items()}
    act = gc.gc_actions(v)[action]
    p = {name: z3.Const(f"p.{name}", sort) for name, sort in act.params.items()}
    t, step = _after(v, action, s, **p)
    before = z3.And(inv(v, s), *(h(v, s) for h in hyps))
    return _valid(v, z3.Implies(z3.And(before, step), inv(v, t)))


def test_charge_first_is_inductive_for_each_action_and_broken_by_its_twin() -> None:
    """With its lemma (charged iff Charged or Appended), every action keeps
    GCChargeFirst; BUG_ChargeAfterAppend's JournalAppend does not."""
    v = gc_vocab()
    pending = gc.GCPendingWellFormed
    for action in gc.gc_actions(v):
        assert _preserves(v, action, gc.GCChargeFirst, pending), action
    twin = gc_vocab(BUG_ChargeAfterAppend=True)
    assert not _preserves(twin, "JournalAppend", gc.GCChargeFirst, pending)


def test_capability_required_is_inductive_for_append_with_its_lemma() -> None:
    """JournalAppend keeps GCCapabilityRequired given GCPendingWellFormed
    (the outcome in flight comes from a holder); without the capability
    guard the lemma itself fails at PrepareOperation."""
    v = gc_vocab()
    pending, accounted = gc.GCPendingWellFormed, gc.GCSpentAccounted
    assert _preserves(v, "JournalAppend", gc.GCCapabilityRequired, pending)
    assert _preserves(v, "PrepareOperation", pending, accounted)
    twin = gc_vocab(BUG_NoCapCheck=True)
    assert not _preserves(twin, "PrepareOperation", pending, accounted)


def test_log_links_are_inductive_and_broken_without_the_link_check() -> None:
    """ReceiveReceipt keeps GCLogLinked given the accepted nonce bounds the
    log (its GC_ASSUME); without the link check a re-issued receipt breaks it."""
    hyps = (gc.GCLogEndsAtAccepted, gc.GCAcceptedBelowNext, gc.GCWireJournaled)
    assert _preserves(gc_vocab(), "ReceiveReceipt", gc.GCLogLinked, *hyps)
    unlinked = gc_vocab(BUG_NoChainCheck=True)
    assert not _preserves(unlinked, "ReceiveReceipt", gc.GCLogLinked, *hyps)


def test_the_chain_follows_from_the_log_links_and_not_alone() -> None:
    """GCLogLinked implies GCReceiptChain in every state; GCReceiptChain is not
    valid on its own (a log may splice a receipt on)."""
    v = gc_vocab()
    s = {name: z3.Const(name, sort) for name, sort in gc.gc_variables(v).items()}
    assert _valid(v, z3.Implies(gc.GCLogLinked(v, s), gc.GCReceiptChain(v, s)))
    assert not _valid(v, gc.GCReceiptChain(v, s))


def test_an_unknown_bug_flag_is_refused() -> None:
    with pytest.raises(ValueError, match="no bug flags"):
        gc_vocab(BUG_NoSuchThing=True)
