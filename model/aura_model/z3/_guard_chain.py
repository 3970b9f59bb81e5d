"""Z3 twin of ``spec/GuardChain.tla`` (DESIGN.md section 4).

One context; authorities are model values; budgets, costs, epochs and receipt
nonces are unbounded integers. ``spent[a][e]`` is the flow budget spent by
authority ``a`` in epoch ``e`` (all epochs, not only the current one, so
"a new epoch starts at 0" is a statement about unbounded epochs).

The effect interpreter runs one allowed outcome at a time: ``Charged`` after
``ChargeFlowBudget``, ``Appended`` after ``JournalAppend``; a failed append
rolls the charge back; only then is the packet sent. ``committed[a][e]`` is a
history variable: the budget of outcomes that completed (sent), so that atomic
rollback is the state invariant ``phase = "Idle" => spent = committed``.
"""

from __future__ import annotations

from typing import Any

import z3

from aura_model.z3._sorts import EnumSort, array_decoder, nested_array_decoder
from aura_model.z3._ts import Action, State, TransitionSystem

__all__ = ["GC_BUGS", "guard_chain"]

AUTHS = ("a1", "a2")
PHASES = ("Idle", "Allowed", "Charged", "Appended")

# BUG flag -> the invariant its broken variant violates (spec/MC_GuardChain_bad_<Inv>.cfg).
GC_BUGS = {
    "BUG_NoBudgetCheck": "GCBudgetWithinLimit",
    "BUG_DoubleCharge": "GCAtomicRollback",
    "BUG_ChargeAfterAppend": "GCChargeFirst",
    "BUG_NoRollback": "GCAtomicRollback",
    "BUG_EpochCarryOver": "GCAtomicRollback",  # spent in the new epoch that no outcome committed
    "BUG_NoReplayCheck": "GCReceiptNoReplay",
}


def guard_chain(**bugs: bool) -> TransitionSystem:
    unknown = set(bugs) - set(GC_BUGS)
    if unknown:
        raise ValueError(f"GuardChain has no bug flags {sorted(unknown)}")
    bug = {b: bugs.get(b, False) for b in GC_BUGS}
    auth = EnumSort("GCAuthority", AUTHS)
    phase = EnumSort("GCPhase", PHASES)
    ii = z3.IntSort()
    per_epoch = z3.ArraySort(ii, ii)
    variables = {
        "epoch": ii,
        "limit": ii,  # the constant Limit, unbounded: a rigid variable
        "caps": z3.ArraySort(auth.sort, z3.BoolSort()),  # holds the capability
        "spent": z3.ArraySort(auth.sort, per_epoch),
        "committed": z3.ArraySort(auth.sort, per_epoch),
        "phase": phase.sort,
        "pAuth": auth.sort,
        "pCost": ii,
        "pEpoch": ii,
        "charged": z3.BoolSort(),  # the outcome in flight has been charged
        "journal": ii,  # facts appended (count)
        "sent": ii,  # packets sent (count)
        "nextNonce": z3.ArraySort(auth.sort, ii),  # sender: next receipt nonce
        "accepted": z3.ArraySort(auth.sort, ii),  # receiver: greatest nonce accepted
        "replayAccepted": z3.BoolSort(),  # history: a nonce <= the last one was accepted
    }

    def sp(s: State, a: Any, e: Any) -> Any:
        return z3.Select(z3.Select(s["spent"], a), e)

    def cm(s: State, a: Any, e: Any) -> Any:
        return z3.Select(z3.Select(s["committed"], a), e)

    def add(arr: Any, a: Any, e: Any, d: Any) -> Any:
        inner = z3.Select(arr, a)
        return z3.Store(arr, a, z3.Store(inner, e, z3.Select(inner, e) + d))

    def init(s: State) -> Any:
        # Constant arrays, not quantifiers: BMC and witness queries stay
        # quantifier-free and decidable.
        zero = z3.K(auth.sort, z3.K(ii, z3.IntVal(0)))
        return z3.And(
            s["epoch"] == 0,
            s["limit"] >= 0,
            s["spent"] == zero,
            s["committed"] == zero,
            s["phase"] == phase["Idle"],
            z3.Not(s["charged"]),
            s["pCost"] == 0,
            s["pEpoch"] == 0,
            s["journal"] == 0,
            s["sent"] == 0,
            s["nextNonce"] == z3.K(auth.sort, z3.IntVal(1)),
            s["accepted"] == z3.K(auth.sort, z3.IntVal(0)),
            z3.Not(s["replayAccepted"]),
        )

    def idle(s: State) -> Any:
        return s["phase"] == phase["Idle"]

    def prepare(s: State, t: State, p: Any) -> Any:
        # The guard chain: capability, then flow budget. A deny is no step at
        # all here (no effects, no state change): it is the absence of this action.
        a, c = p["a"], p["cost"]
        budget_ok = (
            z3.BoolVal(True) if bug["BUG_NoBudgetCheck"] else sp(s, a, s["epoch"]) + c <= s["limit"]
        )
        return z3.And(
            idle(s),
            c >= 1,
            s["caps"][a],
            budget_ok,
            t["phase"] == phase["Allowed"],
            t["pAuth"] == a,
            t["pCost"] == c,
            t["pEpoch"] == s["epoch"],
        )

    def charge(s: State, t: State, p: Any) -> Any:
        first = phase["Appended"] if bug["BUG_ChargeAfterAppend"] else phase["Allowed"]
        return z3.And(
            s["phase"] == first,
            z3.Not(s["charged"]),
            t["spent"] == add(s["spent"], s["pAuth"], s["pEpoch"], s["pCost"]),
            t["charged"],
            t["phase"] == (phase["Appended"] if bug["BUG_ChargeAfterAppend"] else phase["Charged"]),
        )

    def append(s: State, t: State, p: Any) -> Any:
        before = phase["Allowed"] if bug["BUG_ChargeAfterAppend"] else phase["Charged"]
        spent_after = (
            add(s["spent"], s["pAuth"], s["pEpoch"], s["pCost"])
            if bug["BUG_DoubleCharge"]
            else s["spent"]
        )
        return z3.And(
            s["phase"] == before,
            t["journal"] == s["journal"] + 1,
            t["spent"] == spent_after,
            t["phase"] == phase["Appended"],
        )

    def append_fails(s: State, t: State, p: Any) -> Any:
        # The journal append failed after the charge: roll back, send nothing.
        refund = (
            s["spent"]
            if bug["BUG_NoRollback"]
            else add(s["spent"], s["pAuth"], s["pEpoch"], -s["pCost"])
        )
        return z3.And(
            s["phase"] == phase["Charged"],
            t["spent"] == refund,
            z3.Not(t["charged"]),
            t["phase"] == phase["Idle"],
        )

    def send(s: State, t: State, p: Any) -> Any:
        a = s["pAuth"]
        return z3.And(
            s["phase"] == phase["Appended"],
            s["charged"],
            t["sent"] == s["sent"] + 1,
            t["committed"] == add(s["committed"], a, s["pEpoch"], s["pCost"]),
            t["nextNonce"] == z3.Store(s["nextNonce"], a, s["nextNonce"][a] + 1),
            z3.Not(t["charged"]),
            t["phase"] == phase["Idle"],
        )

    def advance_epoch(s: State, t: State, p: Any) -> Any:
        carried = []
        if bug["BUG_EpochCarryOver"]:
            # The new epoch inherits the old epoch's spending.
            spent = s["spent"]
            for a in auth:
                inner = z3.Select(spent, a)
                spent = z3.Store(spent, a, z3.Store(inner, s["epoch"] + 1, sp(s, a, s["epoch"])))
            carried = [t["spent"] == spent]
        return z3.And(
            idle(s),
            t["epoch"] == s["epoch"] + 1,
            *carried,
            t["nextNonce"] == z3.K(auth.sort, z3.IntVal(1)),
            t["accepted"] == z3.K(auth.sort, z3.IntVal(0)),
        )

    def receive_receipt(s: State, t: State, p: Any) -> Any:
        # The attacker may deliver any receipt ever sent in this epoch, any
        # number of times and in any order: nonce in 1..nextNonce-1.
        a, n = p["a"], p["n"]
        fresh = n >= s["accepted"][a] if bug["BUG_NoReplayCheck"] else n > s["accepted"][a]
        return z3.And(
            n >= 1,
            n < s["nextNonce"][a],
            fresh,
            t["accepted"] == z3.Store(s["accepted"], a, n),
            t["replayAccepted"] == z3.Or(s["replayAccepted"], n <= s["accepted"][a]),
        )

    actions = {
        "PrepareOperation": Action(
            prepare, ("phase", "pAuth", "pCost", "pEpoch"), {"a": auth.sort, "cost": ii}
        ),
        "ChargeFlowBudget": Action(charge, ("spent", "charged", "phase")),
        "JournalAppend": Action(append, ("journal", "spent", "phase")),
        "JournalAppendFails": Action(append_fails, ("spent", "charged", "phase")),
        "SendPacket": Action(send, ("sent", "committed", "nextNonce", "charged", "phase")),
        "AdvanceEpoch": Action(
            advance_epoch,
            ("epoch", "nextNonce", "accepted") + (("spent",) if bug["BUG_EpochCarryOver"] else ()),
        ),
        "ReceiveReceipt": Action(
            receive_receipt, ("accepted", "replayAccepted"), {"a": auth.sort, "n": ii}
        ),
    }

    def forall_ae(body: Any) -> Any:
        a, e = z3.Const("a!q", auth.sort), z3.Int("e!q")
        return z3.ForAll([a, e], body(a, e))

    invariants = {
        "GCTypeOK": lambda s: z3.And(
            s["epoch"] >= 0,
            s["limit"] >= 0,
            s["journal"] >= 0,
            s["sent"] >= 0,
            forall_ae(lambda a, e: sp(s, a, e) >= 0),
        ),
        "GCBudgetWithinLimit": lambda s: forall_ae(lambda a, e: sp(s, a, e) <= s["limit"]),
        "GCFreshEpochUnspent": lambda s: forall_ae(
            lambda a, e: z3.Implies(e > s["epoch"], sp(s, a, e) == 0)
        ),
        "GCChargeFirst": lambda s: z3.Implies(s["phase"] == phase["Appended"], s["charged"]),
        "GCAtomicRollback": lambda s: z3.Implies(
            idle(s), forall_ae(lambda a, e: sp(s, a, e) == cm(s, a, e))
        ),
        "GCReceiptNoReplay": lambda s: z3.Not(s["replayAccepted"]),
    }

    def pending_is(s: State, a: Any, e: Any) -> Any:
        return z3.And(z3.Not(idle(s)), a == s["pAuth"], e == s["pEpoch"])

    strengthening = {
        # The one outcome in flight accounts for the whole difference between
        # spent and committed budget, and it fits in the limit.
        "GCSpentAccounted": lambda s: forall_ae(
            lambda a, e: (
                sp(s, a, e)
                == cm(s, a, e) + z3.If(z3.And(pending_is(s, a, e), s["charged"]), s["pCost"], 0)
            )
        ),
        "GCPendingFits": lambda s: z3.Implies(
            z3.Not(idle(s)),
            z3.And(
                s["pCost"] >= 1,
                s["pEpoch"] <= s["epoch"],
                cm(s, s["pAuth"], s["pEpoch"]) + s["pCost"] <= s["limit"],
            ),
        ),
        "GCCommittedWithinLimit": lambda s: forall_ae(
            lambda a, e: z3.And(cm(s, a, e) >= 0, cm(s, a, e) <= s["limit"])
        ),
        "GCCommittedFresh": lambda s: forall_ae(
            lambda a, e: z3.Implies(e > s["epoch"], cm(s, a, e) == 0)
        ),
        "GCChargedPhase": lambda s: (
            s["charged"] == z3.Or(s["phase"] == phase["Charged"], s["phase"] == phase["Appended"])
        ),
        "GCAcceptedBelowNext": lambda s: z3.ForAll(
            [z3.Const("a!n", auth.sort)],
            z3.And(
                s["accepted"][z3.Const("a!n", auth.sort)] >= 0,
                s["accepted"][z3.Const("a!n", auth.sort)]
                < s["nextNonce"][z3.Const("a!n", auth.sort)],
            ),
        ),
    }

    def epochs(model: Any, s: State) -> list[int]:
        top = model.eval(s["epoch"], True).as_long()
        return list(range(max(0, top - 1), top + 2))

    return TransitionSystem(
        "GuardChain",
        variables,
        init,
        actions,
        invariants,
        strengthening=strengthening,
        decoders={
            "caps": array_decoder(auth),
            "spent": nested_array_decoder(auth, epochs),
            "committed": nested_array_decoder(auth, epochs),
            "nextNonce": array_decoder(auth),
            "accepted": array_decoder(auth),
        },
    )
