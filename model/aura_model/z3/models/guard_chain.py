"""Z3 twin of ``spec/GuardChain.tla`` (DESIGN.md section 4).

Same variables, actions (with their ``\\E`` parameters), invariant names and
``BUG_*`` flags as the TLA+ module. What differs is what is bounded: here
``Limit``, the costs, epochs, nonces and the receipt logs are unbounded
integers, and ``Limit``, ``Holders`` and the costs are free constants, so a
proof covers every value of them. ``MaxEpoch`` and a finite ``Costs`` are
optional (the agreement test pins them to the TLC model's values).

Representation: a TLA+ set of records is an array from a record datatype to
Bool, a function an array, ``rlog[d]`` a pair (length, array from 1..len).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import z3

from aura_model.z3.framework import (
    Action,
    EnumSort,
    Record,
    Skolemized,
    State,
    TransitionSystem,
    array_true_keys,
    context_cached,
    decode_scalar,
)

__all__ = [
    "GC_ASSUME",
    "GC_AUTH",
    "GC_BOUNDED",
    "GC_BUGS",
    "GC_FLAGS",
    "GC_MC_CONSTANTS",
    "GC_SCHEDULES",
    "GCSorts",
    "gc_sorts",
    "guard_chain",
]

GC_AUTH = ("a1", "a2")
PHASES = ("Idle", "Allowed", "Charged", "Appended")
REASONS = ("MissingCapability", "InsufficientBudget")

# (BUG flag, the invariant its broken variant violates): spec/MC_GuardChain_bad_*.cfg.
GC_BUGS = (
    ("BUG_NoCapCheck", "GCCapabilityRequired"),
    ("BUG_NoBudgetCheck", "GCBudgetWithinLimit"),
    ("BUG_NoBudgetCheck", "GCTypeOK"),
    ("BUG_ChargeAfterAppend", "GCChargeFirst"),
    ("BUG_DoubleCharge", "GCAtomicRollback"),
    ("BUG_NoRollback", "GCAtomicRollback"),
    ("BUG_EpochCarryOver", "GCAtomicRollback"),
    ("BUG_EffectsOnDeny", "GCNoEffectOnDeny"),
    ("BUG_NoReplayCheck", "GCReceiptNoReplay"),
    ("BUG_NoChainCheck", "GCReceiptChain"),
    ("BUG_NoEpochCheck", "GCReceiptEpoch"),
    ("BUG_NoSignatureCheck", "GCReceiptSigner"),
)
GC_FLAGS = tuple(dict.fromkeys(flag for flag, _ in GC_BUGS))

_SEND = ("PrepareOperation", "ChargeFlowBudget", "JournalAppend", "SendPacket")
# Counterexamples deeper than an undirected 2-second query reaches: the
# action sequence is fixed, everything else (constants, parameters) is free.
GC_SCHEDULES = {
    # A lost receipt: two sends, and the receiver takes the second first.
    ("BUG_NoChainCheck", "GCReceiptChain"): (*_SEND, *_SEND, "ReceiveReceipt"),
    # Without the budget guard a third send in one epoch takes nonce Limit + 2.
    ("BUG_NoBudgetCheck", "GCTypeOK"): (*_SEND, *_SEND, *_SEND),
}

# The constants of spec/MC_GuardChain*.cfg: bug twins and searches run on them.
GC_MC_CONSTANTS = {"limit": 2, "holders": ("a1",), "costs": (1, 2), "max_epoch": 1}

# Invariants proved only up to a bound, and why (see docs/proofs.md). Empty:
# GCReceiptChain, bounded until the GCStreamGapless witness, is now proved.
GC_BOUNDED: dict[str, str] = {}

# Consecution hypotheses of the chain lemmas (all lemmas at once make the
# quantified ReceiveReceipt query slow; these are the ones each one needs).
GC_ASSUME = {
    "GCAcceptedLogged": ("GCAcceptedLogged", "GCTypeOK"),
    "GCStreamGapless": ("GCStreamGapless", "GCAcceptedLogged", "GCWireJournaled"),
}


class GCSorts:
    """The sorts of the GuardChain twin (declared once per Z3 context)."""

    def __init__(self) -> None:
        self.auth = EnumSort("GCAuth", (*GC_AUTH, "NoAuth"))
        self.phase = EnumSort("GCPhase", PHASES)
        self.reason = EnumSort("GCReason", REASONS)
        a, ii = self.auth.sort, z3.IntSort()
        fact = z3.Datatype("GCFact")
        fact.declare("fact", ("src", a), ("epoch", ii), ("nonce", ii), ("cost", ii))
        receipt = z3.Datatype("GCReceipt")
        receipt.declare(
            "receipt",
            ("src", a),
            ("dst", a),
            ("epoch", ii),
            ("nonce", ii),
            ("prev", ii),
            ("cost", ii),
            ("signer", a),
        )
        entry = z3.Datatype("GCLogEntry")
        entry.declare(
            "entry",
            ("src", a),
            ("epoch", ii),
            ("nonce", ii),
            ("prev", ii),
            ("signer", a),
            ("at", ii),
        )
        self.fact, self.receipt, self.entry = z3.CreateDatatypes(fact, receipt, entry)
        log = z3.Datatype("GCLog")
        log.declare("log", ("len", ii), ("items", z3.ArraySort(ii, self.entry)))
        self.log = log.create()


@context_cached
def gc_sorts() -> GCSorts:
    """Z3 datatypes may be declared only once per context: every caller in one shares these."""
    return GCSorts()


def guard_chain(
    *,
    max_epoch: int | None = None,
    costs: Sequence[int] | None = None,
    limit: int | None = None,
    holders: Sequence[str] | None = None,
    **bugs: bool,
) -> TransitionSystem:
    """The twin; ``max_epoch``/``costs``/``limit``/``holders`` pin constants
    (default: free, so proofs cover all their values)."""
    unknown = set(bugs) - set(GC_FLAGS)
    if unknown:
        raise ValueError(f"GuardChain has no bug flags {sorted(unknown)}")
    bug = {b: bugs.get(b, False) for b in GC_FLAGS}
    S = gc_sorts()
    auth, phase = S.auth, S.phase
    F, R, E, L = S.fact, S.receipt, S.entry, S.log
    ii, bb = z3.IntSort(), z3.BoolSort()
    A = auth.sort
    roster = [auth[a] for a in GC_AUTH]
    no_auth = auth["NoAuth"]

    Limit = z3.Int("Limit")
    Holders = z3.Array("Holders", A, bb)
    constants = {"Limit": Limit, "Holders": Holders}

    variables = {
        "epoch": ii,
        "spent": z3.ArraySort(A, z3.ArraySort(ii, ii)),
        "committed": z3.ArraySort(A, z3.ArraySort(ii, ii)),
        "phase": phase.sort,
        "pAuth": A,
        "pDst": A,
        "pCost": ii,
        "pEpoch": ii,
        "charged": bb,
        "journal": z3.ArraySort(F, bb),
        "nextNonce": z3.ArraySort(A, ii),
        "wire": z3.ArraySort(R, bb),
        "accepted": z3.ArraySort(A, z3.ArraySort(A, ii)),
        "rlog": z3.ArraySort(A, L),
        "denials": z3.ArraySort(S.reason.sort, bb),
    }

    def in_auth(x: Any) -> Any:
        return z3.Or(*(x == a for a in roster))

    def is_cost(c: Any) -> Any:
        if costs is not None:
            return z3.Or(*(c == k for k in costs))
        return c >= 1

    def axioms(s: State) -> Any:
        parts = [Limit >= 0, z3.Not(Holders[no_auth])]
        if limit is not None:
            parts.append(Limit == limit)
        if holders is not None:
            parts += [Holders[auth[a]] == (a in holders) for a in GC_AUTH]
        return z3.And(*parts)

    def sp(s: State, a: Any, e: Any) -> Any:
        return s["spent"][a][e]

    def add(arr: Any, a: Any, e: Any, d: Any) -> Any:
        return z3.Store(arr, a, z3.Store(arr[a], e, arr[a][e] + d))

    def cap_ok(a: Any) -> Any:
        return z3.BoolVal(True) if bug["BUG_NoCapCheck"] else Holders[a]

    def budget_ok(s: State, a: Any, c: Any) -> Any:
        return z3.BoolVal(True) if bug["BUG_NoBudgetCheck"] else sp(s, a, s["epoch"]) + c <= Limit

    def reset_pending(t: State) -> list[Any]:
        return [
            t["pAuth"] == no_auth,
            t["pDst"] == no_auth,
            t["pCost"] == 0,
            t["pEpoch"] == 0,
            z3.Not(t["charged"]),
        ]

    zero2 = z3.K(A, z3.K(ii, z3.IntVal(0)))
    empty_log = L.log(0, z3.K(ii, E.entry(no_auth, 0, 0, 0, no_auth, 0)))

    def init(s: State) -> Any:
        return z3.And(
            s["epoch"] == 0,
            s["spent"] == zero2,
            s["committed"] == zero2,
            s["phase"] == phase["Idle"],
            s["pAuth"] == no_auth,
            s["pDst"] == no_auth,
            s["pCost"] == 0,
            s["pEpoch"] == 0,
            z3.Not(s["charged"]),
            s["journal"] == z3.K(F, z3.BoolVal(False)),
            s["nextNonce"] == z3.K(A, z3.IntVal(1)),
            s["wire"] == z3.K(R, z3.BoolVal(False)),
            s["accepted"] == z3.K(A, z3.K(A, z3.IntVal(0))),
            s["rlog"] == z3.K(A, empty_log),
            s["denials"] == z3.K(S.reason.sort, z3.BoolVal(False)),
        )

    def prepare(s: State, t: State, p: Any) -> Any:
        a, d, c = p["a"], p["d"], p["c"]
        return z3.And(
            in_auth(a),
            in_auth(d),
            is_cost(c),
            s["phase"] == phase["Idle"],
            a != d,
            cap_ok(a),
            budget_ok(s, a, c),
            t["phase"] == phase["Allowed"],
            t["pAuth"] == a,
            t["pDst"] == d,
            t["pCost"] == c,
            t["pEpoch"] == s["epoch"],
        )

    def deny(s: State, t: State, p: Any) -> Any:
        a, d, c = p["a"], p["d"], p["c"]
        reason = z3.If(cap_ok(a), S.reason["InsufficientBudget"], S.reason["MissingCapability"])
        r = R.receipt(a, d, s["epoch"], s["nextNonce"][a], s["nextNonce"][a] - 1, c, a)
        return z3.And(
            in_auth(a),
            in_auth(d),
            is_cost(c),
            s["phase"] == phase["Idle"],
            a != d,
            z3.Not(z3.And(cap_ok(a), budget_ok(s, a, c))),
            t["denials"] == z3.Store(s["denials"], reason, True),
            t["wire"] == (z3.Store(s["wire"], r, True) if bug["BUG_EffectsOnDeny"] else s["wire"]),
        )

    def charge(s: State, t: State, p: Any) -> Any:
        first = "Appended" if bug["BUG_ChargeAfterAppend"] else "Allowed"
        after = "Appended" if bug["BUG_ChargeAfterAppend"] else "Charged"
        return z3.And(
            s["phase"] == phase[first],
            z3.Not(s["charged"]),
            t["spent"] == add(s["spent"], s["pAuth"], s["pEpoch"], s["pCost"]),
            t["charged"],
            t["phase"] == phase[after],
        )

    def append(s: State, t: State, p: Any) -> Any:
        before = "Allowed" if bug["BUG_ChargeAfterAppend"] else "Charged"
        f = F.fact(s["pAuth"], s["pEpoch"], s["nextNonce"][s["pAuth"]], s["pCost"])
        spent = (
            add(s["spent"], s["pAuth"], s["pEpoch"], s["pCost"])
            if bug["BUG_DoubleCharge"]
            else s["spent"]
        )
        return z3.And(
            s["phase"] == phase[before],
            t["journal"] == z3.Store(s["journal"], f, True),
            t["spent"] == spent,
            t["phase"] == phase["Appended"],
        )

    def append_fails(s: State, t: State, p: Any) -> Any:
        spent = (
            s["spent"]
            if bug["BUG_NoRollback"]
            else add(s["spent"], s["pAuth"], s["pEpoch"], -s["pCost"])
        )
        return z3.And(
            s["phase"] == phase["Charged"],
            t["spent"] == spent,
            t["phase"] == phase["Idle"],
            *reset_pending(t),
        )

    def send(s: State, t: State, p: Any) -> Any:
        a = s["pAuth"]
        n = s["nextNonce"][a]
        r = R.receipt(a, s["pDst"], s["pEpoch"], n, n - 1, s["pCost"], a)
        return z3.And(
            s["phase"] == phase["Appended"],
            s["charged"],
            t["committed"] == add(s["committed"], a, s["pEpoch"], s["pCost"]),
            t["wire"] == z3.Store(s["wire"], r, True),
            t["nextNonce"] == z3.Store(s["nextNonce"], a, n + 1),
            t["phase"] == phase["Idle"],
            *reset_pending(t),
        )

    def advance(s: State, t: State, p: Any) -> Any:
        parts = [
            s["phase"] == phase["Idle"],
            t["epoch"] == s["epoch"] + 1,
            t["nextNonce"] == z3.K(A, z3.IntVal(1)),
            t["accepted"] == z3.K(A, z3.K(A, z3.IntVal(0))),
        ]
        if max_epoch is not None:
            parts.append(s["epoch"] < max_epoch)
        if bug["BUG_EpochCarryOver"]:
            spent = s["spent"]
            for a in roster:
                spent = z3.Store(spent, a, z3.Store(spent[a], s["epoch"] + 1, sp(s, a, s["epoch"])))
            parts.append(t["spent"] == spent)
        return z3.And(*parts)

    def receive(s: State, t: State, p: Any) -> Any:
        r = p["r"]
        src, dst = R.src(r), R.dst(r)
        acc = s["accepted"][dst][src]
        fresh = (
            z3.BoolVal(True)
            if bug["BUG_NoReplayCheck"]
            else z3.And(
                R.nonce(r) > acc,
                z3.BoolVal(True) if bug["BUG_NoChainCheck"] else R.prev(r) == acc,
            )
        )
        log = s["rlog"][dst]
        n = L.len(log) + 1
        e = E.entry(src, R.epoch(r), R.nonce(r), R.prev(r), R.signer(r), s["epoch"])
        return z3.And(
            s["wire"][r],
            z3.BoolVal(True) if bug["BUG_NoSignatureCheck"] else R.signer(r) == src,
            z3.BoolVal(True) if bug["BUG_NoEpochCheck"] else R.epoch(r) == s["epoch"],
            fresh,
            t["accepted"]
            == z3.Store(s["accepted"], dst, z3.Store(s["accepted"][dst], src, R.nonce(r))),
            t["rlog"] == z3.Store(s["rlog"], dst, L.log(n, z3.Store(L.items(log), n, e))),
        )

    def forge(s: State, t: State, p: Any) -> Any:
        r, x, who = p["r"], z3.Const("x!forge", R), p["s"]
        forged = R.receipt(R.src(r), R.dst(r), R.epoch(r), R.nonce(r), R.prev(r), R.cost(r), who)
        return z3.And(
            s["wire"][r],
            in_auth(who),
            # \A x \in wire : x.signer = x.src, as a subset of a lambda-set:
            # array theory decides it where a quantifier would be incomplete.
            z3.IsSubset(s["wire"], z3.Lambda([x], R.signer(x) == R.src(x))),
            who != R.src(r),
            t["wire"] == z3.Store(s["wire"], forged, True),
        )

    actions = {
        "PrepareOperation": Action(
            prepare, ("phase", "pAuth", "pDst", "pCost", "pEpoch"), {"a": A, "d": A, "c": ii}
        ),
        "DenyOperation": Action(deny, ("denials", "wire"), {"a": A, "d": A, "c": ii}),
        "ChargeFlowBudget": Action(charge, ("spent", "charged", "phase")),
        "JournalAppend": Action(append, ("journal", "spent", "phase")),
        "JournalAppendFails": Action(
            append_fails, ("spent", "phase", "pAuth", "pDst", "pCost", "pEpoch", "charged")
        ),
        "SendPacket": Action(
            send,
            (
                "committed",
                "wire",
                "nextNonce",
                "phase",
                "pAuth",
                "pDst",
                "pCost",
                "pEpoch",
                "charged",
            ),
        ),
        "AdvanceEpoch": Action(
            advance,
            ("epoch", "nextNonce", "accepted") + (("spent",) if bug["BUG_EpochCarryOver"] else ()),
        ),
        "ReceiveReceipt": Action(receive, ("accepted", "rlog"), {"r": R}),
        "ForgeReceipt": Action(forge, ("wire",), {"r": R, "s": A}),
    }

    # -- invariants, as in the spec ------------------------------------------

    def entry_at(s: State, d: Any, i: Any) -> Any:
        return L.items(s["rlog"][d])[i]

    def in_log(s: State, d: Any, i: Any) -> Any:
        return z3.And(i >= 1, i <= L.len(s["rlog"][d]))

    def same_stream(s: State, d: Any, i: Any, j: Any) -> Any:
        x, y = entry_at(s, d, i), entry_at(s, d, j)
        return z3.And(E.src(x) == E.src(y), E.epoch(x) == E.epoch(y))

    def every_entry(s: State, body: Any) -> Any:
        i = z3.Int("i!q")
        return z3.And(
            *(
                z3.ForAll([i], z3.Implies(in_log(s, d, i), body(d, i, entry_at(s, d, i))))
                for d in roster
            )
        )

    def budget_within(s: State) -> Any:
        e = z3.Int("e!q")
        return z3.And(*(z3.ForAll([e], sp(s, a, e) <= Limit) for a in roster))

    def atomic_rollback(s: State) -> Any:
        # spent = committed as functions over Auth x Epochs.
        e = z3.Int("e!q")
        return z3.Implies(
            s["phase"] == phase["Idle"],
            z3.And(*(z3.ForAll([e], sp(s, a, e) == s["committed"][a][e]) for a in roster)),
        )

    def cap_required(s: State) -> Any:
        f = z3.Const("f!q", F)
        return z3.ForAll([f], z3.Implies(s["journal"][f], Holders[F.src(f)]))

    def no_effect_on_deny(s: State) -> Any:
        r, f = z3.Const("r!q", R), z3.Const("f!q", F)
        return z3.ForAll(
            [r],
            z3.Implies(
                z3.And(s["wire"][r], R.signer(r) == R.src(r)),
                z3.Exists(
                    [f],
                    z3.And(
                        s["journal"][f],
                        F.src(f) == R.src(r),
                        F.epoch(f) == R.epoch(r),
                        F.nonce(f) == R.nonce(r),
                    ),
                ),
            ),
        )

    def no_replay(s: State) -> Any:
        i, j = z3.Int("i!r"), z3.Int("j!r")
        return z3.And(
            *(
                z3.ForAll(
                    [i, j],
                    z3.Implies(
                        z3.And(i >= 1, i < j, j <= L.len(s["rlog"][d]), same_stream(s, d, i, j)),
                        E.nonce(entry_at(s, d, i)) < E.nonce(entry_at(s, d, j)),
                    ),
                )
                for d in roster
            )
        )

    def chain(s: State) -> Any:
        # prev of entry i = nonce of the latest earlier entry of its stream, or 0.
        i, j, k = z3.Int("i!c"), z3.Int("j!c"), z3.Int("k!c")
        parts = []
        for d in roster:
            latest = z3.And(
                j >= 1,
                j < i,
                same_stream(s, d, i, j),
                z3.ForAll([k], z3.Implies(z3.And(j < k, k < i), z3.Not(same_stream(s, d, i, k)))),
            )
            none_before = z3.ForAll(
                [k], z3.Implies(z3.And(k >= 1, k < i), z3.Not(same_stream(s, d, i, k)))
            )
            prev = E.prev(entry_at(s, d, i))
            parts.append(
                z3.ForAll(
                    [i],
                    z3.Implies(
                        in_log(s, d, i),
                        z3.Or(
                            z3.And(none_before, prev == 0),
                            z3.Exists([j], z3.And(latest, prev == E.nonce(entry_at(s, d, j)))),
                        ),
                    ),
                )
            )
        return z3.And(*parts)

    def type_ok(s: State) -> Any:
        return z3.And(
            s["epoch"] >= 0,
            *([s["epoch"] <= max_epoch] if max_epoch is not None else []),
            z3.Or(s["pAuth"] == no_auth, in_auth(s["pAuth"])),
            z3.Or(s["pDst"] == no_auth, in_auth(s["pDst"])),
            z3.Or(s["pCost"] == 0, is_cost(s["pCost"])),
            s["pEpoch"] >= 0,
            # nextNonce \in [Auth -> 1..(Limit + 1)]: every send costs at least 1.
            *(z3.And(s["nextNonce"][x] >= 1, s["nextNonce"][x] <= Limit + 1) for x in roster),
            *(L.len(s["rlog"][x]) >= 0 for x in roster),
        )

    invariants = {
        "GCTypeOK": type_ok,
        "GCBudgetWithinLimit": budget_within,
        "GCChargeFirst": lambda s: z3.Implies(s["phase"] == phase["Appended"], s["charged"]),
        "GCAtomicRollback": atomic_rollback,
        "GCCapabilityRequired": cap_required,
        "GCNoEffectOnDeny": no_effect_on_deny,
        "GCReceiptNoReplay": no_replay,
        "GCReceiptChain": chain,
        "GCReceiptEpoch": lambda s: every_entry(s, lambda d, i, x: E.epoch(x) == E.at(x)),
        "GCReceiptSigner": lambda s: every_entry(s, lambda d, i, x: E.signer(x) == E.src(x)),
    }

    # -- strengthening lemmas (named; each proved like an invariant) -----------

    def idle(s: State) -> Any:
        return s["phase"] == phase["Idle"]

    def forall_ae(body: Any) -> Any:
        e = z3.Int("e!s")
        return z3.And(*(z3.ForAll([e], body(a, e)) for a in roster))

    strengthening = {
        "GCSpentAccounted": lambda s: forall_ae(
            lambda a, e: (
                sp(s, a, e)
                == s["committed"][a][e]
                + z3.If(z3.And(s["charged"], a == s["pAuth"], e == s["pEpoch"]), s["pCost"], 0)
            )
        ),
        "GCPendingWellFormed": lambda s: z3.And(
            z3.Implies(
                idle(s),
                z3.And(s["pAuth"] == no_auth, s["pCost"] == 0, z3.Not(s["charged"])),
            ),
            z3.Implies(
                z3.Not(idle(s)),
                z3.And(
                    in_auth(s["pAuth"]),
                    in_auth(s["pDst"]),
                    Holders[s["pAuth"]],
                    s["pCost"] >= 1,
                    s["pEpoch"] == s["epoch"],
                    s["committed"][s["pAuth"]][s["pEpoch"]] + s["pCost"] <= Limit,
                ),
            ),
            s["charged"] == z3.Or(s["phase"] == phase["Charged"], s["phase"] == phase["Appended"]),
            # The outcome in flight, once appended, has its journal fact.
            z3.Implies(
                s["phase"] == phase["Appended"],
                s["journal"][
                    F.fact(s["pAuth"], s["pEpoch"], s["nextNonce"][s["pAuth"]], s["pCost"])
                ],
            ),
        ),
        "GCCommittedWithinLimit": lambda s: forall_ae(
            lambda a, e: z3.And(s["committed"][a][e] >= 0, s["committed"][a][e] <= Limit)
        ),
        # Sends of the current epoch: nonces 1..nextNonce-1, each costing >= 1.
        "GCNoncesWithinBudget": lambda s: z3.And(
            *(s["nextNonce"][a] - 1 <= s["committed"][a][s["epoch"]] for a in roster)
        ),
        # Every correctly signed receipt on the wire has its journal fact, and
        # belongs to a past or current epoch, below its sender's next nonce.
        "GCWireJournaled": lambda s: z3.ForAll(
            [z3.Const("r!w", R)],
            _wire_lemma(s, z3.Const("r!w", R)),
        ),
        "GCAcceptedBelowNext": lambda s: z3.And(
            *(
                z3.And(s["accepted"][d][a] >= 0, s["accepted"][d][a] < s["nextNonce"][a])
                for d in roster
                for a in roster
            )
        ),
        # The log of the current epoch's stream ends at accepted[d][src].
        "GCLogEndsAtAccepted": lambda s: every_entry(
            s,
            lambda d, i, x: z3.And(
                E.at(x) <= s["epoch"],
                z3.Implies(E.epoch(x) == s["epoch"], E.nonce(x) <= s["accepted"][d][E.src(x)]),
                in_auth(E.src(x)),
                E.prev(x) == E.nonce(x) - 1,
                E.nonce(x) >= 1,
            ),
        ),
    }

    # GCReceiptChain: with prev = nonce - 1 (GCLogEndsAtAccepted) and strictly
    # increasing nonces per stream (GCReceiptNoReplay), "prev is the nonce of
    # the latest earlier entry" is "the stream's nonces have no gap". The
    # existential of the spec's statement gets its witness from these two
    # lemmas: the position of nonce - 1 in the stream, and the position of the
    # accepted nonce (the last entry of the current epoch's stream).
    def gapless(s: State) -> Any:
        i, j = z3.Int("i!g"), z3.Int("j!g")
        parts = []
        for d in roster:
            x = entry_at(s, d, i)
            parts.append(
                z3.ForAll(
                    [i],
                    z3.Implies(
                        z3.And(in_log(s, d, i), E.nonce(x) > 1),
                        z3.Exists(
                            [j],
                            z3.And(
                                j >= 1,
                                j < i,
                                same_stream(s, d, i, j),
                                E.nonce(entry_at(s, d, j)) == E.nonce(x) - 1,
                            ),
                        ),
                    ),
                )
            )
        return z3.And(*parts)

    def accepted_logged(s: State) -> Any:
        j = z3.Int("j!a")
        return z3.And(
            *(
                z3.Implies(
                    s["accepted"][d][a] >= 1,
                    z3.Exists(
                        [j],
                        z3.And(
                            in_log(s, d, j),
                            E.src(entry_at(s, d, j)) == a,
                            E.epoch(entry_at(s, d, j)) == s["epoch"],
                            E.nonce(entry_at(s, d, j)) == s["accepted"][d][a],
                        ),
                    ),
                )
                for d in roster
                for a in roster
            )
        )

    strengthening["GCStreamGapless"] = gapless
    strengthening["GCAcceptedLogged"] = accepted_logged

    # The witness of GCStreamGapless as a function per receiver: pred(i) is
    # the position of nonce - 1 in entry i's stream.
    pred = {d: z3.Function(f"gapPred!{d}", ii, ii) for d in roster}

    def gapless_skolem(s: State) -> Any:
        i = z3.Int("i!k")
        parts = []
        for d in roster:
            x, w = entry_at(s, d, i), pred[d](i)
            parts.append(
                z3.ForAll(
                    [i],
                    z3.Implies(
                        z3.And(in_log(s, d, i), E.nonce(x) > 1),
                        z3.And(
                            w >= 1,
                            w < i,
                            same_stream(s, d, i, w),
                            E.nonce(entry_at(s, d, w)) == E.nonce(x) - 1,
                        ),
                    ),
                )
            )
        return z3.And(*parts)

    def chain_instance(s: State) -> Any:
        # GCReceiptChain with "the latest earlier entry" instantiated by pred.
        i, k = z3.Int("i!w"), z3.Int("k!w")
        parts = []
        for d in roster:
            j = pred[d](i)
            none_before = z3.ForAll(
                [k], z3.Implies(z3.And(k >= 1, k < i), z3.Not(same_stream(s, d, i, k)))
            )
            latest = z3.And(
                j >= 1,
                j < i,
                same_stream(s, d, i, j),
                z3.ForAll([k], z3.Implies(z3.And(j < k, k < i), z3.Not(same_stream(s, d, i, k)))),
            )
            prev = E.prev(entry_at(s, d, i))
            parts.append(
                z3.ForAll(
                    [i],
                    z3.Implies(
                        in_log(s, d, i),
                        z3.Or(
                            z3.And(none_before, prev == 0),
                            z3.And(latest, prev == E.nonce(entry_at(s, d, j))),
                        ),
                    ),
                )
            )
        return z3.And(*parts)

    skolemized = {
        "GCReceiptChain": Skolemized(
            ("GCLogEndsAtAccepted", "GCReceiptNoReplay"),
            "GCStreamGapless",
            gapless_skolem,
            chain_instance,
        )
    }

    def _wire_lemma(s: State, r: Any) -> Any:
        return z3.Implies(
            z3.And(s["wire"][r], R.signer(r) == R.src(r)),
            z3.And(
                s["journal"][F.fact(R.src(r), R.epoch(r), R.nonce(r), R.cost(r))],
                in_auth(R.src(r)),
                R.epoch(r) <= s["epoch"],
                R.nonce(r) >= 1,
                R.prev(r) == R.nonce(r) - 1,
                z3.Implies(R.epoch(r) == s["epoch"], R.nonce(r) < s["nextNonce"][R.src(r)]),
            ),
        )

    def bounded_entries(s: State, bound: int, body: Any) -> Any:
        return z3.And(
            *(z3.Implies(in_log(s, d, i), body(d, i)) for d in roster for i in range(1, bound + 1))
        )

    def no_replay_b(s: State, bound: int) -> Any:
        return z3.And(
            *(
                z3.Implies(
                    z3.And(j <= L.len(s["rlog"][d]), same_stream(s, d, i, j)),
                    E.nonce(entry_at(s, d, i)) < E.nonce(entry_at(s, d, j)),
                )
                for d in roster
                for j in range(1, bound + 1)
                for i in range(1, j)
            )
        )

    def chain_b(s: State, bound: int) -> Any:
        def prev_ok(d: Any, i: int) -> Any:
            # The latest earlier entry of the stream, scanning backwards.
            expect: Any = z3.IntVal(0)
            for j in range(1, i):
                expect = z3.If(same_stream(s, d, i, j), E.nonce(entry_at(s, d, j)), expect)
            return E.prev(entry_at(s, d, i)) == expect

        return bounded_entries(s, bound, prev_ok)

    bounded = {
        "GCReceiptNoReplay": no_replay_b,
        "GCReceiptChain": chain_b,
        "GCReceiptEpoch": lambda s, b: bounded_entries(
            s, b, lambda d, i: E.epoch(entry_at(s, d, i)) == E.at(entry_at(s, d, i))
        ),
        "GCReceiptSigner": lambda s, b: bounded_entries(
            s, b, lambda d, i: E.signer(entry_at(s, d, i)) == E.src(entry_at(s, d, i))
        ),
    }

    return TransitionSystem(
        "GuardChain",
        variables,
        init,
        actions,
        invariants,
        strengthening=strengthening,
        axioms=axioms,
        constants=constants,
        bounded=bounded,
        constant_decoders={"Holders": lambda m, h: _holders(m, h, roster)},
        skolemized=skolemized,
        opt_in=("GCStreamGapless", "GCAcceptedLogged"),
        decoders=_decoders(S, roster),
    )


def _holders(model: Any, h: Any, roster: Sequence[Any]) -> object:
    return frozenset(str(a) for a in roster if z3.is_true(model.eval(h[a], True)))


def _decoders(S: GCSorts, roster: Sequence[Any]) -> dict[str, Any]:
    E, L = S.entry, S.log

    def ev(m: Any, e: Any) -> object:
        return decode_scalar(m.eval(e, model_completion=True))

    def epochs(m: Any, s: State) -> list[int]:
        # Epochs 0..epoch, and the epoch of the outcome in flight (a CTI may
        # put it anywhere).
        top = m.eval(s["epoch"], True).as_long()
        pending = m.eval(s["pEpoch"], True).as_long()
        return sorted({*range(top + 1), pending})

    def spent(m: Any, expr: Any, s: State) -> object:
        return {str(a): {e: ev(m, expr[a][e]) for e in epochs(m, s)} for a in roster}

    def by_auth(m: Any, expr: Any, s: State) -> object:
        return {str(a): ev(m, expr[a]) for a in roster}

    def nested(m: Any, expr: Any, s: State) -> object:
        return {str(d): {str(a): ev(m, expr[d][a]) for a in roster} for d in roster}

    def record_set(names: Sequence[str], dt: Any) -> Any:
        def decode(m: Any, expr: Any, s: State) -> object:
            return frozenset(
                Record((n, ev(m, getattr(dt, n)(key))) for n in names)
                for key in array_true_keys(m, expr)
            )

        return decode

    def rlog(m: Any, expr: Any, s: State) -> object:
        out: dict[str, object] = {}
        fields = ("src", "epoch", "nonce", "prev", "signer", "at")
        for d in roster:
            log = expr[d]
            n = m.eval(L.len(log), True).as_long()
            out[str(d)] = tuple(
                Record((f, ev(m, getattr(E, f)(L.items(log)[i]))) for f in fields)
                for i in range(1, n + 1)
            )
        return out

    def denials(m: Any, expr: Any, s: State) -> object:
        return frozenset(r for r in REASONS if z3.is_true(m.eval(expr[gc_sorts().reason[r]], True)))

    return {
        "spent": spent,
        "committed": spent,
        "nextNonce": by_auth,
        "accepted": nested,
        "journal": record_set(("src", "epoch", "nonce", "cost"), S.fact),
        "wire": record_set(("src", "dst", "epoch", "nonce", "prev", "cost", "signer"), S.receipt),
        "rlog": rlog,
        "denials": denials,
    }
