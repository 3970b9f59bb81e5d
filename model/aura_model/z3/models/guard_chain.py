"""Z3 twin of ``spec/GuardChain.tla`` (DESIGN.md section 4).

Same variables, actions (with their ``\\E`` parameters), invariant names and
``BUG_*`` flags as the TLA+ module. What differs is what is bounded: here
``Limit``, the costs, epochs, nonces and the receipt logs are unbounded
integers, and ``Limit``, ``Holders``, ``MaxEpoch`` and the costs are free
constants, so a proof covers every value of them. Pinning ``MaxEpoch`` and a
finite ``Costs`` is optional (the agreement test pins them to the TLC model's
values).

Every operator of the spec is a top-level function named as in the spec,
over an explicit :class:`GCVocab` (the constants, the bug flags, the sorts):
``GCInit(v, s)``, an action ``PrepareOperation(v, s, t, p)``, an invariant
``GCTypeOK(v, s)``. :func:`guard_chain` only assembles them, so each one can
be queried alone.

Representation: a TLA+ set of records is an array from a record datatype to
Bool, a function an array, ``rlog[d]`` a pair (length, array from 1..len).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import attrs
import z3

from aura_model.z3.framework import (
    Action,
    EnumSort,
    Params,
    Record,
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
    "GC_BOUNDED_FORMS",
    "GC_BUGS",
    "GC_FLAGS",
    "GC_IMPLIED",
    "GC_INVARIANTS",
    "GC_MC_CONSTANTS",
    "GC_OPT_IN",
    "GC_SCHEDULES",
    "GC_STRENGTHENING",
    "GC_WITNESS_PREFIXES",
    "AdvanceEpoch",
    "ChargeFlowBudget",
    "DenyOperation",
    "EquivocateReceipt",
    "ForgeReceipt",
    "GCAcceptedBelowNext",
    "GCAcceptedLogged",
    "GCAtomicRollback",
    "GCBudgetOK",
    "GCBudgetWithinLimit",
    "GCCapOK",
    "GCCapabilityRequired",
    "GCChannelStateAtomic",
    "GCChargeFirst",
    "GCCommittedWithinLimit",
    "GCConstantsOK",
    "GCFresh",
    "GCInit",
    "GCIssuedBelowNext",
    "GCLinked",
    "GCLogEndsAtAccepted",
    "GCLogLinked",
    "GCNoEffectOnDeny",
    "GCNoncesWithinBudget",
    "GCOpFact",
    "GCPendingWellFormed",
    "GCReceiptChain",
    "GCReceiptChainBounded",
    "GCReceiptEpoch",
    "GCReceiptEpochBounded",
    "GCReceiptNoReplay",
    "GCReceiptNoReplayBounded",
    "GCReceiptResumesAfterLoss",
    "GCReceiptSigner",
    "GCReceiptSignerBounded",
    "GCReceiptVerifiable",
    "GCResetPending",
    "GCSameStream",
    "GCSorts",
    "GCSpentAccounted",
    "GCTypeOK",
    "GCUntampered",
    "GCVocab",
    "GCWireJournaled",
    "JournalAppend",
    "JournalAppendFails",
    "PrepareOperation",
    "ReceiveReceipt",
    "RelinkFirstReceipt",
    "SendPacket",
    "SignFutureReceipt",
    "gc_actions",
    "gc_decoders",
    "gc_sorts",
    "gc_variables",
    "gc_vocab",
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
    ("BUG_ReceiptKeptOnRollback", "GCAtomicRollback"),
    ("BUG_EffectsOnDeny", "GCNoEffectOnDeny"),
    ("BUG_NoReplayCheck", "GCReceiptNoReplay"),
    ("BUG_NoChainCheck", "GCReceiptChain"),
    ("BUG_NoEpochCheck", "GCReceiptEpoch"),
    ("BUG_FutureEpochAccepted", "GCReceiptEpoch"),
    ("BUG_NoSignatureCheck", "GCReceiptSigner"),
    ("BUG_ChannelStateOutsideGuard", "GCChannelStateAtomic"),
    ("BUG_ChainPerSource", "GCReceiptVerifiable"),
    ("BUG_StrictChainAfterLoss", "GCReceiptResumesAfterLoss"),
)
GC_FLAGS = tuple(dict.fromkeys(flag for flag, _ in GC_BUGS))

_SEND = ("PrepareOperation", "ChargeFlowBudget", "JournalAppend", "SendPacket")
# Counterexamples deeper than an undirected 2-second query reaches: the
# action sequence is fixed, everything else (constants, parameters) is free.
GC_SCHEDULES = {
    # Two sends, the first delivered; the second re-issued linked to nothing
    # and delivered right after it.
    ("BUG_NoChainCheck", "GCReceiptChain"): (
        *_SEND,
        *_SEND,
        "ReceiveReceipt",
        "EquivocateReceipt",
        "ReceiveReceipt",
    ),
    # Two sends, the first lost: the second links to it, not to the last accepted (none).
    ("BUG_StrictChainAfterLoss", "GCReceiptResumesAfterLoss"): (*_SEND, *_SEND),
    # Without the budget guard a second charge in one epoch passes Limit (the
    # undirected query can end "unknown" on the attacker moves' quantifiers).
    ("BUG_NoBudgetCheck", "GCBudgetWithinLimit"): (*_SEND, "PrepareOperation", "ChargeFlowBudget"),
    # A charged epoch, then the advance that carries its spending over (the
    # undirected query ended "unknown" on the attacker moves' quantifiers once
    # SignFutureReceipt joined them).
    ("BUG_EpochCarryOver", "GCAtomicRollback"): (*_SEND, "AdvanceEpoch"),
    # Without the budget guard a third send in one epoch takes nonce Limit + 2.
    ("BUG_NoBudgetCheck", "GCTypeOK"): (*_SEND, *_SEND, *_SEND),
    # One send delivered twice; one send re-signed by the attacker and delivered.
    ("BUG_NoReplayCheck", "GCReceiptNoReplay"): (*_SEND, "ReceiveReceipt", "ReceiveReceipt"),
    ("BUG_NoSignatureCheck", "GCReceiptSigner"): (*_SEND, "ForgeReceipt", "ReceiveReceipt"),
    # A send to itself (a publish), then to a peer: the second's chain link
    # names a receipt its receiver never gets.
    ("BUG_ChainPerSource", "GCReceiptVerifiable"): (*_SEND, *_SEND),
    # At the last epoch a send to a peer, its receipt signed again for the
    # next epoch and delivered.
    ("BUG_FutureEpochAccepted", "GCReceiptEpoch"): (
        "AdvanceEpoch",
        *_SEND,
        "SignFutureReceipt",
        "ReceiveReceipt",
    ),
}

# Actions first enabled deeper than the witness search goes: a receipt
# re-issued must have a predecessor (nonce 2: two sends).
GC_WITNESS_PREFIXES = {
    "EquivocateReceipt": (*_SEND, *_SEND),
    "RelinkFirstReceipt": _SEND,
    # Any receipt to re-sign: one send (the undirected search spent 3.0e6
    # units through every attacker move's quantifier).
    "ForgeReceipt": _SEND,
    # A receipt signed ahead only at the last epoch (MaxEpoch 1 in the search).
    "SignFutureReceipt": ("AdvanceEpoch", *_SEND),
}

# The constants of spec/MC_GuardChain_bad_*.cfg: bug twins and searches run on them.
# (MC_GuardChain.cfg adds the cost 3, above Limit: a request that fails both
# guards, so the harness sees their order.)
GC_MC_CONSTANTS = {"limit": 2, "holders": ("a1",), "costs": (1, 2), "max_epoch": 1}

# Invariants proved only up to a bound, and why (see docs/proofs.md). Empty.
GC_BOUNDED: dict[str, str] = {}

# Consecution hypotheses (all lemmas at once make the quantified
# ReceiveReceipt query slow; these are the ones each one needs). The links
# need only that the accepted nonce (of a sender in the roster:
# GCWireJournaled) is >= 0 and at least every nonce of the current epoch's
# stream in the log: a receipt that directly follows it links to it
# (GCFresh), and one after a gap follows no entry of the log.
GC_ASSUME = {
    "GCAcceptedLogged": ("GCAcceptedLogged", "GCTypeOK"),
    "GCLogLinked": ("GCLogLinked", "GCLogEndsAtAccepted", "GCAcceptedBelowNext", "GCWireJournaled"),
}

# Invariants that follow from lemmas in one state (each lemma proved in its row).
GC_IMPLIED: dict[str, tuple[str, ...]] = {
    "GCNoEffectOnDeny": ("GCWireJournaled",),
    "GCReceiptVerifiable": ("GCWireJournaled", "GCIssuedBelowNext"),
    "GCReceiptChain": ("GCLogLinked",),
    # A genuine receipt above the accepted nonce either directly follows it
    # (and links to it) or comes after a gap: GCFresh, in any state.
    "GCReceiptResumesAfterLoss": (),
}


class GCSorts:
    """The sorts of the GuardChain twin (declared once per Z3 context)."""

    def __init__(self) -> None:
        self.auth = EnumSort("GCAuth", (*GC_AUTH, "NoAuth"))
        self.phase = EnumSort("GCPhase", PHASES)
        self.reason = EnumSort("GCReason", REASONS)
        a, ii = self.auth.sort, z3.IntSort()
        fact = z3.Datatype("GCFact")
        fact.declare("fact", ("src", a), ("dst", a), ("epoch", ii), ("nonce", ii), ("cost", ii))
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


@attrs.frozen(eq=False)
class GCVocab:
    """What every operator of the twin reads besides the state: the spec's
    CONSTANTS (``Limit``, ``Holders`` and ``MaxEpoch`` as Z3 terms, free unless
    pinned), the pinned values, the ``BUG_*`` flags that are on, and the sorts.

    ``eq=False``: Z3 terms overload ``==`` to build formulas."""

    S: GCSorts
    Limit: Any
    Holders: Any
    roster: tuple[Any, ...]  # Auth, as constants of the GCAuth sort
    no_auth: Any
    MaxEpoch: Any
    max_epoch: int | None = None
    costs: tuple[int, ...] | None = None
    limit: int | None = None
    holders: tuple[str, ...] | None = None
    bugs: frozenset[str] = frozenset()

    def bug(self, flag: str) -> bool:
        return flag in self.bugs


def gc_vocab(
    *,
    max_epoch: int | None = None,
    costs: Sequence[int] | None = None,
    limit: int | None = None,
    holders: Sequence[str] | None = None,
    **bugs: bool,
) -> GCVocab:
    """The vocabulary of one twin, in the current Z3 context; keyword
    arguments pin constants (default: free) and switch ``BUG_*`` flags on."""
    unknown = set(bugs) - set(GC_FLAGS)
    if unknown:
        raise ValueError(f"GuardChain has no bug flags {sorted(unknown)}")
    S = gc_sorts()
    return GCVocab(
        S,
        z3.Int("Limit"),
        z3.Array("Holders", S.auth.sort, z3.BoolSort()),
        tuple(S.auth[a] for a in GC_AUTH),
        S.auth["NoAuth"],
        # A pinned bound is a literal: searches on the TLC model's constants
        # then need no equation for it.
        z3.Int("MaxEpoch") if max_epoch is None else z3.IntVal(max_epoch),
        max_epoch,
        None if costs is None else tuple(costs),
        limit,
        None if holders is None else tuple(holders),
        frozenset(flag for flag, on in bugs.items() if on),
    )


def gc_variables(v: GCVocab) -> dict[str, Any]:
    """The spec's VARIABLES and their sorts."""
    S, ii, bb = v.S, z3.IntSort(), z3.BoolSort()
    A = S.auth.sort
    return {
        "epoch": ii,
        "spent": z3.ArraySort(A, z3.ArraySort(ii, ii)),
        "committed": z3.ArraySort(A, z3.ArraySort(ii, ii)),
        "phase": S.phase.sort,
        "pAuth": A,
        "pDst": A,
        "pCost": ii,
        "pEpoch": ii,
        "charged": bb,
        "journal": z3.ArraySort(S.fact, bb),
        "nextNonce": z3.ArraySort(A, z3.ArraySort(A, ii)),
        "wire": z3.ArraySort(S.receipt, bb),
        "accepted": z3.ArraySort(A, z3.ArraySort(A, ii)),
        "rlog": z3.ArraySort(A, S.log),
        "denials": z3.ArraySort(S.reason.sort, bb),
        "chan": z3.ArraySort(S.fact, bb),
        "issued": z3.ArraySort(A, z3.ArraySort(A, z3.ArraySort(ii, bb))),
    }


# -- operators of the spec -----------------------------------------------------


def GCConstantsOK(v: GCVocab, s: State) -> Any:
    """The module's ASSUME, with the pinned constants (``Costs`` is a domain
    here, see :func:`_is_cost`)."""
    parts = [v.Limit >= 0, z3.Not(v.Holders[v.no_auth]), v.MaxEpoch >= 0]
    if v.limit is not None:
        parts.append(v.Limit == v.limit)
    if v.holders is not None:
        parts += [v.Holders[v.S.auth[a]] == (a in v.holders) for a in GC_AUTH]
    return z3.And(*parts)


def _in_auth(v: GCVocab, x: Any) -> Any:
    return z3.Or(*(x == a for a in v.roster))


def _is_cost(v: GCVocab, c: Any) -> Any:
    if v.costs is not None:
        return z3.Or(*(c == k for k in v.costs))
    return c >= 1


def _spent(s: State, a: Any, e: Any) -> Any:
    return s["spent"][a][e]


def _add(arr: Any, a: Any, e: Any, d: Any) -> Any:
    """``[arr EXCEPT ![a][e] = @ + d]``."""
    return z3.Store(arr, a, z3.Store(arr[a], e, arr[a][e] + d))


def GCCapOK(v: GCVocab, a: Any) -> Any:
    return z3.BoolVal(True) if v.bug("BUG_NoCapCheck") else v.Holders[a]


def GCBudgetOK(v: GCVocab, s: State, a: Any, c: Any) -> Any:
    if v.bug("BUG_NoBudgetCheck"):
        return z3.BoolVal(True)
    return _spent(s, a, s["epoch"]) + c <= v.Limit


def GCResetPending(v: GCVocab, t: State) -> list[Any]:
    return [
        t["pAuth"] == v.no_auth,
        t["pDst"] == v.no_auth,
        t["pCost"] == 0,
        t["pEpoch"] == 0,
        z3.Not(t["charged"]),
    ]


def _zero_by_auth_epoch(v: GCVocab) -> Any:
    return z3.K(v.S.auth.sort, z3.K(z3.IntSort(), z3.IntVal(0)))


def _empty_log(v: GCVocab) -> Any:
    E, no_auth = v.S.entry, v.no_auth
    return v.S.log.log(0, z3.K(z3.IntSort(), E.entry(no_auth, 0, 0, 0, no_auth, 0)))


def GCInit(v: GCVocab, s: State) -> Any:
    S, no_auth = v.S, v.no_auth
    A = S.auth.sort
    return z3.And(
        s["epoch"] == 0,
        s["spent"] == _zero_by_auth_epoch(v),
        s["committed"] == _zero_by_auth_epoch(v),
        s["phase"] == S.phase["Idle"],
        s["pAuth"] == no_auth,
        s["pDst"] == no_auth,
        s["pCost"] == 0,
        s["pEpoch"] == 0,
        z3.Not(s["charged"]),
        s["journal"] == z3.K(S.fact, z3.BoolVal(False)),
        s["nextNonce"] == z3.K(A, z3.K(A, z3.IntVal(1))),
        s["wire"] == z3.K(S.receipt, z3.BoolVal(False)),
        s["accepted"] == z3.K(A, z3.K(A, z3.IntVal(0))),
        s["rlog"] == z3.K(A, _empty_log(v)),
        s["denials"] == z3.K(S.reason.sort, z3.BoolVal(False)),
        s["chan"] == z3.K(S.fact, z3.BoolVal(False)),
        s["issued"] == _nothing_issued(v),
    )


def _nothing_issued(v: GCVocab) -> Any:
    A = v.S.auth.sort
    return z3.K(A, z3.K(A, z3.K(z3.IntSort(), z3.BoolVal(False))))


def GCOpFact(v: GCVocab, a: Any, d: Any, e: Any, c: Any, *, n: Any) -> Any:
    """The journal fact (and the channel record) of ``a``'s outcome to ``d``."""
    return v.S.fact.fact(a, d, e, n, c)


def _in_flight_fact(v: GCVocab, s: State) -> Any:
    a, d = s["pAuth"], s["pDst"]
    return GCOpFact(v, a, d, s["pEpoch"], s["pCost"], n=s["nextNonce"][a][d])


# -- actions (relation over s, t and the action's parameters p) ----------------


def PrepareOperation(v: GCVocab, s: State, t: State, p: Params) -> Any:
    a, d, c = p["a"], p["d"], p["c"]
    phase = v.S.phase
    eager = v.bug("BUG_ChannelStateOutsideGuard")
    chan = z3.Store(s["chan"], GCOpFact(v, a, d, s["epoch"], c, n=s["nextNonce"][a][d]), True)
    return z3.And(
        _in_auth(v, a),
        _in_auth(v, d),
        _is_cost(v, c),
        s["phase"] == phase["Idle"],
        GCCapOK(v, a),
        GCBudgetOK(v, s, a, c),
        t["phase"] == phase["Allowed"],
        t["pAuth"] == a,
        t["pDst"] == d,
        t["pCost"] == c,
        t["pEpoch"] == s["epoch"],
        *([t["chan"] == chan] if eager else []),
    )


def DenyOperation(v: GCVocab, s: State, t: State, p: Params) -> Any:
    a, d, c = p["a"], p["d"], p["c"]
    S = v.S
    reason = z3.If(GCCapOK(v, a), S.reason["InsufficientBudget"], S.reason["MissingCapability"])
    n = s["nextNonce"][a][d]
    r = S.receipt.receipt(a, d, s["epoch"], n, n - 1, c, a)
    wire = z3.Store(s["wire"], r, True) if v.bug("BUG_EffectsOnDeny") else s["wire"]
    return z3.And(
        _in_auth(v, a),
        _in_auth(v, d),
        _is_cost(v, c),
        s["phase"] == S.phase["Idle"],
        z3.Not(z3.And(GCCapOK(v, a), GCBudgetOK(v, s, a, c))),
        t["denials"] == z3.Store(s["denials"], reason, True),
        t["wire"] == wire,
    )


def ChargeFlowBudget(v: GCVocab, s: State, t: State, p: Params) -> Any:
    late = v.bug("BUG_ChargeAfterAppend")
    first = "Appended" if late else "Allowed"
    after = "Appended" if late else "Charged"
    return z3.And(
        s["phase"] == v.S.phase[first],
        z3.Not(s["charged"]),
        t["spent"] == _add(s["spent"], s["pAuth"], s["pEpoch"], s["pCost"]),
        t["charged"],
        t["phase"] == v.S.phase[after],
    )


def JournalAppend(v: GCVocab, s: State, t: State, p: Params) -> Any:
    before = "Allowed" if v.bug("BUG_ChargeAfterAppend") else "Charged"
    f = _in_flight_fact(v, s)
    chan = s["chan"] if v.bug("BUG_ChannelStateOutsideGuard") else z3.Store(s["chan"], f, True)
    spent = (
        _add(s["spent"], s["pAuth"], s["pEpoch"], s["pCost"])
        if v.bug("BUG_DoubleCharge")
        else s["spent"]
    )
    return z3.And(
        s["phase"] == v.S.phase[before],
        t["journal"] == z3.Store(s["journal"], f, True),
        t["chan"] == chan,
        t["spent"] == spent,
        t["phase"] == v.S.phase["Appended"],
    )


def JournalAppendFails(v: GCVocab, s: State, t: State, p: Params) -> Any:
    spent = (
        s["spent"]
        if v.bug("BUG_NoRollback")
        else _add(s["spent"], s["pAuth"], s["pEpoch"], -s["pCost"])
    )
    kept = []
    if v.bug("BUG_ReceiptKeptOnRollback"):
        a, d = s["pAuth"], s["pDst"]
        nn, iss = s["nextNonce"], s["issued"]
        n = nn[a][d]
        kept = [
            t["nextNonce"] == z3.Store(nn, a, z3.Store(nn[a], d, n + 1)),
            t["issued"] == z3.Store(iss, a, z3.Store(iss[a], d, z3.Store(iss[a][d], n, True))),
        ]
    return z3.And(
        s["phase"] == v.S.phase["Charged"],
        t["spent"] == spent,
        *kept,
        t["phase"] == v.S.phase["Idle"],
        *GCResetPending(v, t),
    )


def SendPacket(v: GCVocab, s: State, t: State, p: Params) -> Any:
    a, d = s["pAuth"], s["pDst"]
    nn = s["nextNonce"]
    n = nn[a][d]
    r = v.S.receipt.receipt(a, d, s["pEpoch"], n, n - 1, s["pCost"], a)
    if v.bug("BUG_ChainPerSource"):
        # One counter per source: every destination's entry moves together.
        after = z3.Store(nn, a, z3.K(v.S.auth.sort, n + 1))
    else:
        after = z3.Store(nn, a, z3.Store(nn[a], d, n + 1))
    return z3.And(
        s["phase"] == v.S.phase["Appended"],
        s["charged"],
        t["committed"] == _add(s["committed"], a, s["pEpoch"], s["pCost"]),
        t["wire"] == z3.Store(s["wire"], r, True),
        t["nextNonce"] == after,
        t["issued"]
        == z3.Store(
            s["issued"], a, z3.Store(s["issued"][a], d, z3.Store(s["issued"][a][d], n, True))
        ),
        t["phase"] == v.S.phase["Idle"],
        *GCResetPending(v, t),
    )


def AdvanceEpoch(v: GCVocab, s: State, t: State, p: Params) -> Any:
    A = v.S.auth.sort
    parts = [
        s["phase"] == v.S.phase["Idle"],
        s["epoch"] < v.MaxEpoch,
        t["epoch"] == s["epoch"] + 1,
        t["nextNonce"] == z3.K(A, z3.K(A, z3.IntVal(1))),
        t["accepted"] == z3.K(A, z3.K(A, z3.IntVal(0))),
        t["issued"] == _nothing_issued(v),
    ]
    if v.bug("BUG_EpochCarryOver"):
        spent = s["spent"]
        for a in v.roster:
            old = _spent(s, a, s["epoch"])
            spent = z3.Store(spent, a, z3.Store(spent[a], s["epoch"] + 1, old))
        parts.append(t["spent"] == spent)
    return z3.And(*parts)


def GCLinked(v: GCVocab, s: State, r: Any) -> Any:
    if v.bug("BUG_NoChainCheck"):
        return z3.BoolVal(True)
    R = v.S.receipt
    acc = s["accepted"][R.dst(r)][R.src(r)]
    if v.bug("BUG_StrictChainAfterLoss"):
        return R.prev(r) == acc
    return z3.Or(R.prev(r) == acc, R.nonce(r) > acc + 1)


def GCFresh(v: GCVocab, s: State, r: Any) -> Any:
    if v.bug("BUG_NoReplayCheck"):
        return z3.BoolVal(True)
    R = v.S.receipt
    acc = s["accepted"][R.dst(r)][R.src(r)]
    return z3.And(R.nonce(r) > acc, GCLinked(v, s, r))


def _epoch_ok(v: GCVocab, s: State, r: Any) -> Any:
    if v.bug("BUG_NoEpochCheck"):
        return z3.BoolVal(True)
    epoch = v.S.receipt.epoch(r)
    if v.bug("BUG_FutureEpochAccepted"):
        return epoch >= s["epoch"]
    return epoch == s["epoch"]


def ReceiveReceipt(v: GCVocab, s: State, t: State, p: Params) -> Any:
    r = p["r"]
    R, E, L = v.S.receipt, v.S.entry, v.S.log
    src, dst = R.src(r), R.dst(r)
    log = s["rlog"][dst]
    n = L.len(log) + 1
    e = E.entry(src, R.epoch(r), R.nonce(r), R.prev(r), R.signer(r), s["epoch"])
    return z3.And(
        s["wire"][r],
        z3.BoolVal(True) if v.bug("BUG_NoSignatureCheck") else R.signer(r) == src,
        _epoch_ok(v, s, r),
        GCFresh(v, s, r),
        t["accepted"]
        == z3.Store(s["accepted"], dst, z3.Store(s["accepted"][dst], src, R.nonce(r))),
        t["rlog"] == z3.Store(s["rlog"], dst, L.log(n, z3.Store(L.items(log), n, e))),
    )


def GCUntampered(v: GCVocab, s: State) -> Any:
    """Every receipt on the wire is genuine and of an epoch reached: no attacker move yet."""
    # A quantifier, not a subset of a lambda-set: with the link's arithmetic
    # in the lambda, array theory ran the witness and BMC queries out of rlimit.
    R = v.S.receipt
    x = z3.Const("x!untampered", R)
    genuine = z3.And(R.signer(x) == R.src(x), R.prev(x) == R.nonce(x) - 1, R.epoch(x) <= s["epoch"])
    return z3.ForAll([x], z3.Implies(s["wire"][x], genuine))


def ForgeReceipt(v: GCVocab, s: State, t: State, p: Params) -> Any:
    R = v.S.receipt
    r, who = p["r"], p["s"]
    forged = R.receipt(R.src(r), R.dst(r), R.epoch(r), R.nonce(r), R.prev(r), R.cost(r), who)
    return z3.And(
        s["wire"][r],
        _in_auth(v, who),
        GCUntampered(v, s),
        who != R.src(r),
        t["wire"] == z3.Store(s["wire"], forged, True),
    )


def EquivocateReceipt(v: GCVocab, s: State, t: State, p: Params) -> Any:
    R = v.S.receipt
    r = p["r"]
    again = R.receipt(R.src(r), R.dst(r), R.epoch(r), R.nonce(r), 0, R.cost(r), R.signer(r))
    return z3.And(
        s["wire"][r],
        GCUntampered(v, s),
        R.epoch(r) == s["epoch"],
        R.prev(r) != 0,
        t["wire"] == z3.Store(s["wire"], again, True),
    )


def RelinkFirstReceipt(v: GCVocab, s: State, t: State, p: Params) -> Any:
    R = v.S.receipt
    r = p["r"]
    again = R.receipt(
        R.src(r), R.dst(r), R.epoch(r), R.nonce(r), R.nonce(r), R.cost(r), R.signer(r)
    )
    return z3.And(
        s["wire"][r],
        GCUntampered(v, s),
        R.epoch(r) == s["epoch"],
        R.prev(r) == 0,
        s["accepted"][R.dst(r)][R.src(r)] == 0,
        s["nextNonce"][R.src(r)][R.dst(r)] == 2,
        R.src(r) != R.dst(r),
        s["epoch"] == 0,
        t["wire"] == z3.Store(s["wire"], again, True),
    )


def SignFutureReceipt(v: GCVocab, s: State, t: State, p: Params) -> Any:
    R = v.S.receipt
    r = p["r"]
    ahead = R.receipt(
        R.src(r), R.dst(r), s["epoch"] + 1, R.nonce(r), R.prev(r), R.cost(r), R.signer(r)
    )
    return z3.And(
        s["wire"][r],
        GCUntampered(v, s),
        s["epoch"] == v.MaxEpoch,
        R.epoch(r) == s["epoch"],
        R.nonce(r) == 1,
        R.src(r) != R.dst(r),
        t["wire"] == z3.Store(s["wire"], ahead, True),
    )


_PENDING = ("pAuth", "pDst", "pCost", "pEpoch", "charged")


def gc_actions(v: GCVocab) -> dict[str, Action]:
    """``GCNext``'s disjuncts: each action, the variables it changes and the
    sorts of its ``\\E`` parameters."""
    A, ii, R = v.S.auth.sort, z3.IntSort(), v.S.receipt
    request = {"a": A, "d": A, "c": ii}
    carry = ("spent",) if v.bug("BUG_EpochCarryOver") else ()
    eager = ("chan",) if v.bug("BUG_ChannelStateOutsideGuard") else ()
    kept = ("nextNonce", "issued") if v.bug("BUG_ReceiptKeptOnRollback") else ()

    def bound(action: Any) -> Any:
        return functools.partial(action, v)

    return {
        "PrepareOperation": Action(
            bound(PrepareOperation),
            ("phase", "pAuth", "pDst", "pCost", "pEpoch", *eager),
            request,
        ),
        "DenyOperation": Action(bound(DenyOperation), ("denials", "wire"), request),
        "ChargeFlowBudget": Action(bound(ChargeFlowBudget), ("spent", "charged", "phase")),
        "JournalAppend": Action(bound(JournalAppend), ("journal", "chan", "spent", "phase")),
        "JournalAppendFails": Action(
            bound(JournalAppendFails), ("spent", "phase", *kept, *_PENDING)
        ),
        "SendPacket": Action(
            bound(SendPacket), ("committed", "wire", "nextNonce", "issued", "phase", *_PENDING)
        ),
        "AdvanceEpoch": Action(
            bound(AdvanceEpoch), ("epoch", "nextNonce", "accepted", "issued", *carry)
        ),
        "ReceiveReceipt": Action(bound(ReceiveReceipt), ("accepted", "rlog"), {"r": R}),
        "ForgeReceipt": Action(bound(ForgeReceipt), ("wire",), {"r": R, "s": A}),
        "EquivocateReceipt": Action(bound(EquivocateReceipt), ("wire",), {"r": R}),
        "RelinkFirstReceipt": Action(bound(RelinkFirstReceipt), ("wire",), {"r": R}),
        "SignFutureReceipt": Action(bound(SignFutureReceipt), ("wire",), {"r": R}),
    }


# -- invariants, as in the spec --------------------------------------------------


def _entry_at(v: GCVocab, s: State, d: Any, i: Any) -> Any:
    return v.S.log.items(s["rlog"][d])[i]


def _in_log(v: GCVocab, s: State, d: Any, i: Any) -> Any:
    return z3.And(i >= 1, i <= v.S.log.len(s["rlog"][d]))


def GCSameStream(v: GCVocab, s: State, d: Any, i: Any, j: Any) -> Any:
    E = v.S.entry
    x, y = _entry_at(v, s, d, i), _entry_at(v, s, d, j)
    return z3.And(E.src(x) == E.src(y), E.epoch(x) == E.epoch(y))


def _every_entry(v: GCVocab, s: State, body: Callable[[Any, Any, Any], Any]) -> Any:
    """``\\A d \\in Auth : \\A i \\in 1..Len(rlog[d]) : body(d, i, rlog[d][i])``."""
    i = z3.Int("i!q")
    return z3.And(
        *(
            z3.ForAll([i], z3.Implies(_in_log(v, s, d, i), body(d, i, _entry_at(v, s, d, i))))
            for d in v.roster
        )
    )


def GCTypeOK(v: GCVocab, s: State) -> Any:
    L = v.S.log
    return z3.And(
        s["epoch"] >= 0,
        s["epoch"] <= v.MaxEpoch,
        z3.Or(s["pAuth"] == v.no_auth, _in_auth(v, s["pAuth"])),
        z3.Or(s["pDst"] == v.no_auth, _in_auth(v, s["pDst"])),
        z3.Or(s["pCost"] == 0, _is_cost(v, s["pCost"])),
        s["pEpoch"] >= 0,
        # nextNonce \in [Auth -> [Auth -> 1..(Limit + 1)]]: every send costs at least 1.
        *(
            z3.And(s["nextNonce"][x][y] >= 1, s["nextNonce"][x][y] <= v.Limit + 1)
            for x in v.roster
            for y in v.roster
        ),
        *(L.len(s["rlog"][x]) >= 0 for x in v.roster),
    )


def GCBudgetWithinLimit(v: GCVocab, s: State) -> Any:
    e = z3.Int("e!q")
    return z3.And(*(z3.ForAll([e], _spent(s, a, e) <= v.Limit) for a in v.roster))


def GCChargeFirst(v: GCVocab, s: State) -> Any:
    return z3.Implies(s["phase"] == v.S.phase["Appended"], s["charged"])


def GCAtomicRollback(v: GCVocab, s: State) -> Any:
    # spent = committed as functions over Auth x Epochs, and each stream's
    # nonces of the epoch paid for by the committed budget.
    e = z3.Int("e!q")
    nn, committed = s["nextNonce"], s["committed"]
    return z3.Implies(
        s["phase"] == v.S.phase["Idle"],
        z3.And(
            *(z3.ForAll([e], _spent(s, a, e) == committed[a][e]) for a in v.roster),
            *(nn[a][d] - 1 <= committed[a][s["epoch"]] for a in v.roster for d in v.roster),
        ),
    )


def GCChannelStateAtomic(v: GCVocab, s: State) -> Any:
    return s["chan"] == s["journal"]


def GCCapabilityRequired(v: GCVocab, s: State) -> Any:
    F = v.S.fact
    f = z3.Const("f!q", F)
    return z3.ForAll([f], z3.Implies(s["journal"][f], v.Holders[F.src(f)]))


def GCNoEffectOnDeny(v: GCVocab, s: State) -> Any:
    F, R = v.S.fact, v.S.receipt
    r, f = z3.Const("r!q", R), z3.Const("f!q", F)
    return z3.ForAll(
        [r],
        z3.Implies(
            z3.And(s["wire"][r], R.signer(r) == R.src(r), R.epoch(r) <= s["epoch"]),
            z3.Exists(
                [f],
                z3.And(
                    s["journal"][f],
                    F.src(f) == R.src(r),
                    F.dst(f) == R.dst(r),
                    F.epoch(f) == R.epoch(r),
                    F.nonce(f) == R.nonce(r),
                ),
            ),
        ),
    )


def GCReceiptNoReplay(v: GCVocab, s: State) -> Any:
    E, L = v.S.entry, v.S.log
    i, j = z3.Int("i!r"), z3.Int("j!r")
    return z3.And(
        *(
            z3.ForAll(
                [i, j],
                z3.Implies(
                    z3.And(i >= 1, i < j, j <= L.len(s["rlog"][d]), GCSameStream(v, s, d, i, j)),
                    E.nonce(_entry_at(v, s, d, i)) < E.nonce(_entry_at(v, s, d, j)),
                ),
            )
            for d in v.roster
        )
    )


def _none_before(v: GCVocab, s: State, d: Any, i: Any, k: Any) -> Any:
    """No earlier entry of ``i``'s stream (``before = {}``)."""
    return z3.ForAll([k], z3.Implies(z3.And(k >= 1, k < i), z3.Not(GCSameStream(v, s, d, i, k))))


def _latest_before(v: GCVocab, s: State, d: Any, i: Any, j: Any, *, k: Any) -> Any:
    """``j = GCMax(before)``: the latest earlier entry of ``i``'s stream."""
    return z3.And(
        j >= 1,
        j < i,
        GCSameStream(v, s, d, i, j),
        z3.ForAll([k], z3.Implies(z3.And(j < k, k < i), z3.Not(GCSameStream(v, s, d, i, k)))),
    )


def GCReceiptChain(v: GCVocab, s: State) -> Any:
    # The spec's LET last, case by case and without an existential: with no
    # earlier entry of i's stream, a nonce 1 links to 0; for the latest
    # earlier entry j (unique), a nonce that directly follows j's links to it.
    E = v.S.entry
    i, j, k = z3.Int("i!c"), z3.Int("j!c"), z3.Int("k!c")
    parts = []
    for d in v.roster:
        x, y = _entry_at(v, s, d, i), _entry_at(v, s, d, j)
        latest = _latest_before(v, s, d, i, j, k=k)
        none_before = _none_before(v, s, d, i, k)
        parts.append(
            z3.ForAll(
                [i],
                z3.Implies(
                    z3.And(_in_log(v, s, d, i), none_before, E.nonce(x) == 1),
                    E.prev(x) == 0,
                ),
            )
        )
        parts.append(
            z3.ForAll(
                [i, j],
                z3.Implies(
                    z3.And(_in_log(v, s, d, i), latest, E.nonce(x) == E.nonce(y) + 1),
                    E.prev(x) == E.nonce(y),
                ),
            )
        )
    return z3.And(*parts)


def GCReceiptEpoch(v: GCVocab, s: State) -> Any:
    E = v.S.entry
    return _every_entry(v, s, lambda d, i, x: E.epoch(x) == E.at(x))


def GCReceiptSigner(v: GCVocab, s: State) -> Any:
    E = v.S.entry
    return _every_entry(v, s, lambda d, i, x: E.signer(x) == E.src(x))


def GCReceiptVerifiable(v: GCVocab, s: State) -> Any:
    R = v.S.receipt
    r = z3.Const("r!v", R)
    return z3.ForAll(
        [r],
        z3.Implies(
            z3.And(
                s["wire"][r],
                R.signer(r) == R.src(r),
                R.epoch(r) == s["epoch"],
                R.prev(r) != 0,
            ),
            s["issued"][R.src(r)][R.dst(r)][R.prev(r)],
        ),
    )


def GCReceiptResumesAfterLoss(v: GCVocab, s: State) -> Any:
    R = v.S.receipt
    r = z3.Const("r!l", R)
    return z3.ForAll(
        [r],
        z3.Implies(
            z3.And(
                s["wire"][r],
                R.signer(r) == R.src(r),
                R.epoch(r) == s["epoch"],
                R.prev(r) == R.nonce(r) - 1,
                R.nonce(r) > s["accepted"][R.dst(r)][R.src(r)],
            ),
            GCFresh(v, s, r),
        ),
    )


GC_INVARIANTS: dict[str, Callable[[GCVocab, State], Any]] = {
    "GCTypeOK": GCTypeOK,
    "GCBudgetWithinLimit": GCBudgetWithinLimit,
    "GCChargeFirst": GCChargeFirst,
    "GCAtomicRollback": GCAtomicRollback,
    "GCCapabilityRequired": GCCapabilityRequired,
    "GCNoEffectOnDeny": GCNoEffectOnDeny,
    "GCReceiptNoReplay": GCReceiptNoReplay,
    "GCReceiptChain": GCReceiptChain,
    "GCReceiptEpoch": GCReceiptEpoch,
    "GCReceiptSigner": GCReceiptSigner,
    "GCChannelStateAtomic": GCChannelStateAtomic,
    "GCReceiptVerifiable": GCReceiptVerifiable,
    "GCReceiptResumesAfterLoss": GCReceiptResumesAfterLoss,
}


# -- strengthening lemmas (named; each proved like an invariant) -----------------


def _idle(v: GCVocab, s: State) -> Any:
    return s["phase"] == v.S.phase["Idle"]


def _forall_auth_epoch(v: GCVocab, body: Callable[[Any, Any], Any]) -> Any:
    e = z3.Int("e!s")
    return z3.And(*(z3.ForAll([e], body(a, e)) for a in v.roster))


def GCSpentAccounted(v: GCVocab, s: State) -> Any:
    """spent = committed + the charged outcome in flight."""

    def accounted(a: Any, e: Any) -> Any:
        in_flight = z3.And(s["charged"], a == s["pAuth"], e == s["pEpoch"])
        return _spent(s, a, e) == s["committed"][a][e] + z3.If(in_flight, s["pCost"], 0)

    return _forall_auth_epoch(v, accounted)


def GCPendingWellFormed(v: GCVocab, s: State) -> Any:
    phase = v.S.phase
    return z3.And(
        z3.Implies(
            _idle(v, s),
            z3.And(s["pAuth"] == v.no_auth, s["pCost"] == 0, z3.Not(s["charged"])),
        ),
        z3.Implies(
            z3.Not(_idle(v, s)),
            z3.And(
                _in_auth(v, s["pAuth"]),
                _in_auth(v, s["pDst"]),
                v.Holders[s["pAuth"]],
                s["pCost"] >= 1,
                s["pEpoch"] == s["epoch"],
                s["committed"][s["pAuth"]][s["pEpoch"]] + s["pCost"] <= v.Limit,
            ),
        ),
        s["charged"] == z3.Or(s["phase"] == phase["Charged"], s["phase"] == phase["Appended"]),
        # The outcome in flight, once appended, has its journal fact.
        z3.Implies(
            s["phase"] == phase["Appended"],
            s["journal"][_in_flight_fact(v, s)],
        ),
    )


def GCCommittedWithinLimit(v: GCVocab, s: State) -> Any:
    return _forall_auth_epoch(
        v, lambda a, e: z3.And(s["committed"][a][e] >= 0, s["committed"][a][e] <= v.Limit)
    )


def GCNoncesWithinBudget(v: GCVocab, s: State) -> Any:
    """Sends of the current epoch: nonces 1..nextNonce-1 per destination, each costing >= 1."""
    return z3.And(
        *(
            z3.Sum(*(s["nextNonce"][a][d] - 1 for d in v.roster)) <= s["committed"][a][s["epoch"]]
            for a in v.roster
        )
    )


def _wire_journaled(v: GCVocab, s: State, r: Any) -> Any:
    F, R = v.S.fact, v.S.receipt
    # A receipt signed ahead (SignFutureReceipt) belongs to no outcome: it is
    # of the epoch after the last one, which the context never reaches.
    ahead = z3.And(
        s["epoch"] == v.MaxEpoch,
        R.epoch(r) == s["epoch"] + 1,
        R.nonce(r) == 1,
        R.prev(r) == 0,
    )
    return z3.Implies(
        z3.And(s["wire"][r], R.signer(r) == R.src(r), z3.Not(ahead)),
        z3.And(
            s["journal"][F.fact(R.src(r), R.dst(r), R.epoch(r), R.nonce(r), R.cost(r))],
            _in_auth(v, R.src(r)),
            _in_auth(v, R.dst(r)),
            R.epoch(r) <= s["epoch"],
            R.nonce(r) >= 1,
            # Its link: its predecessor, or none (re-issued by EquivocateReceipt),
            # or a receipt 1 linked to a receipt 1 (re-issued by RelinkFirstReceipt).
            z3.Or(
                R.prev(r) == R.nonce(r) - 1,
                R.prev(r) == 0,
                z3.And(R.prev(r) == 1, R.nonce(r) == 1),
            ),
            z3.Implies(R.epoch(r) == s["epoch"], R.nonce(r) < s["nextNonce"][R.src(r)][R.dst(r)]),
        ),
    )


def GCWireJournaled(v: GCVocab, s: State) -> Any:
    """Every correctly signed receipt on the wire, but one signed ahead for the
    epoch after the last, has its journal fact, and belongs to a past or
    current epoch, below its sender's next nonce."""
    r = z3.Const("r!w", v.S.receipt)
    return z3.ForAll([r], _wire_journaled(v, s, r))


def GCAcceptedBelowNext(v: GCVocab, s: State) -> Any:
    return z3.And(
        *(
            z3.And(s["accepted"][d][a] >= 0, s["accepted"][d][a] < s["nextNonce"][a][d])
            for d in v.roster
            for a in v.roster
        )
    )


def GCLogEndsAtAccepted(v: GCVocab, s: State) -> Any:
    """The log of the current epoch's stream ends at accepted[d][src]."""
    E = v.S.entry
    return _every_entry(
        v,
        s,
        lambda d, i, x: z3.And(
            E.at(x) <= s["epoch"],
            z3.Implies(E.epoch(x) == s["epoch"], E.nonce(x) <= s["accepted"][d][E.src(x)]),
            _in_auth(v, E.src(x)),
            E.nonce(x) >= 1,
        ),
    )


def GCLogLinked(v: GCVocab, s: State) -> Any:
    """GCReceiptChain without "latest": an entry of nonce 1 links to 0, and
    one whose nonce directly follows any earlier entry of its stream links to
    it. Stronger (it needs no maximum, so no nested quantifier to assume) and
    equivalent under GCReceiptNoReplay: that earlier entry is the latest."""
    E = v.S.entry
    i, j = z3.Int("i!l"), z3.Int("j!l")
    parts = []
    for d in v.roster:
        x, y = _entry_at(v, s, d, i), _entry_at(v, s, d, j)
        parts.append(
            z3.ForAll(
                [i],
                z3.Implies(z3.And(_in_log(v, s, d, i), E.nonce(x) == 1), E.prev(x) == 0),
            )
        )
        parts.append(
            z3.ForAll(
                [i, j],
                z3.Implies(
                    z3.And(
                        _in_log(v, s, d, i),
                        j >= 1,
                        j < i,
                        GCSameStream(v, s, d, i, j),
                        E.nonce(x) == E.nonce(y) + 1,
                    ),
                    E.prev(x) == E.nonce(y),
                ),
            )
        )
    return z3.And(*parts)


def GCAcceptedLogged(v: GCVocab, s: State) -> Any:
    E = v.S.entry
    j = z3.Int("j!a")

    def logged(d: Any, a: Any) -> Any:
        x = _entry_at(v, s, d, j)
        return z3.Exists(
            [j],
            z3.And(
                _in_log(v, s, d, j),
                E.src(x) == a,
                E.epoch(x) == s["epoch"],
                E.nonce(x) == s["accepted"][d][a],
            ),
        )

    return z3.And(
        *(z3.Implies(s["accepted"][d][a] >= 1, logged(d, a)) for d in v.roster for a in v.roster)
    )


def GCIssuedBelowNext(v: GCVocab, s: State) -> Any:
    """Every nonce 1..nextNonce[a][d]-1 of the epoch was issued from a to d."""
    n = z3.Int("n!i")
    return z3.And(
        *(
            z3.ForAll(
                [n],
                z3.Implies(z3.And(n >= 1, n < s["nextNonce"][a][d]), s["issued"][a][d][n]),
            )
            for a in v.roster
            for d in v.roster
        )
    )


GC_STRENGTHENING: dict[str, Callable[[GCVocab, State], Any]] = {
    "GCSpentAccounted": GCSpentAccounted,
    "GCPendingWellFormed": GCPendingWellFormed,
    "GCCommittedWithinLimit": GCCommittedWithinLimit,
    "GCNoncesWithinBudget": GCNoncesWithinBudget,
    "GCWireJournaled": GCWireJournaled,
    "GCAcceptedBelowNext": GCAcceptedBelowNext,
    "GCLogEndsAtAccepted": GCLogEndsAtAccepted,
    "GCLogLinked": GCLogLinked,
    "GCAcceptedLogged": GCAcceptedLogged,
    "GCIssuedBelowNext": GCIssuedBelowNext,
}

# Assumed only where named (GC_ASSUME): a lemma with an existential, and
# GCReceiptChain, whose "latest earlier entry" (a nested quantifier) sends
# E-matching round a loop of fresh witnesses in any query that assumes it.
GC_OPT_IN = ("GCAcceptedLogged", "GCReceiptChain")


# -- quantifier-free forms for BMC, exact within ``bound`` steps of GCInit -------


def _bounded_entries(v: GCVocab, s: State, bound: int, body: Callable[[Any, int], Any]) -> Any:
    return z3.And(
        *(
            z3.Implies(_in_log(v, s, d, i), body(d, i))
            for d in v.roster
            for i in range(1, bound + 1)
        )
    )


def GCReceiptNoReplayBounded(v: GCVocab, s: State, bound: int) -> Any:
    E, L = v.S.entry, v.S.log
    return z3.And(
        *(
            z3.Implies(
                z3.And(j <= L.len(s["rlog"][d]), GCSameStream(v, s, d, i, j)),
                E.nonce(_entry_at(v, s, d, i)) < E.nonce(_entry_at(v, s, d, j)),
            )
            for d in v.roster
            for j in range(1, bound + 1)
            for i in range(1, j)
        )
    )


def GCReceiptChainBounded(v: GCVocab, s: State, bound: int) -> Any:
    E = v.S.entry

    def prev_ok(d: Any, i: int) -> Any:
        # The latest earlier entry of the stream, scanning backwards.
        expect: Any = z3.IntVal(0)
        for j in range(1, i):
            expect = z3.If(GCSameStream(v, s, d, i, j), E.nonce(_entry_at(v, s, d, j)), expect)
        x = _entry_at(v, s, d, i)
        return z3.Implies(E.nonce(x) == expect + 1, E.prev(x) == expect)

    return _bounded_entries(v, s, bound, prev_ok)


def GCReceiptEpochBounded(v: GCVocab, s: State, bound: int) -> Any:
    E = v.S.entry
    return _bounded_entries(
        v, s, bound, lambda d, i: E.epoch(_entry_at(v, s, d, i)) == E.at(_entry_at(v, s, d, i))
    )


def GCReceiptSignerBounded(v: GCVocab, s: State, bound: int) -> Any:
    E = v.S.entry
    return _bounded_entries(
        v, s, bound, lambda d, i: E.signer(_entry_at(v, s, d, i)) == E.src(_entry_at(v, s, d, i))
    )


GC_BOUNDED_FORMS: dict[str, Callable[[GCVocab, State, int], Any]] = {
    "GCReceiptNoReplay": GCReceiptNoReplayBounded,
    "GCReceiptChain": GCReceiptChainBounded,
    "GCReceiptEpoch": GCReceiptEpochBounded,
    "GCReceiptSigner": GCReceiptSignerBounded,
}


# -- the model ----------------------------------------------------------------------


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
    v = gc_vocab(max_epoch=max_epoch, costs=costs, limit=limit, holders=holders, **bugs)

    def bind(table: Mapping[str, Callable[..., Any]]) -> dict[str, Any]:
        return {name: functools.partial(fn, v) for name, fn in table.items()}

    return TransitionSystem(
        "GuardChain",
        gc_variables(v),
        functools.partial(GCInit, v),
        gc_actions(v),
        bind(GC_INVARIANTS),
        strengthening=bind(GC_STRENGTHENING),
        axioms=functools.partial(GCConstantsOK, v),
        constants={"Limit": v.Limit, "Holders": v.Holders, "MaxEpoch": v.MaxEpoch},
        bounded=bind(GC_BOUNDED_FORMS),
        constant_decoders={"Holders": functools.partial(_decode_holders, v.roster)},
        opt_in=GC_OPT_IN,
        decoders=gc_decoders(v),
    )


# -- decoding a Z3 model's state into the spec's values ---------------------------


def _decode_holders(roster: Sequence[Any], model: Any, h: Any) -> object:
    return frozenset(str(a) for a in roster if z3.is_true(model.eval(h[a], True)))


def _ev(m: Any, e: Any) -> object:
    return decode_scalar(m.eval(e, model_completion=True))


def _epochs(m: Any, s: State) -> list[int]:
    # Epochs 0..epoch, and the epoch of the outcome in flight (a CTI may put
    # it anywhere).
    top = m.eval(s["epoch"], True).as_long()
    pending = m.eval(s["pEpoch"], True).as_long()
    return sorted({*range(top + 1), pending})


def _decode_by_auth_epoch(v: GCVocab, m: Any, expr: Any, s: State) -> object:
    return {str(a): {e: _ev(m, expr[a][e]) for e in _epochs(m, s)} for a in v.roster}


def _decode_by_auth_auth(v: GCVocab, m: Any, expr: Any, s: State) -> object:
    return {str(d): {str(a): _ev(m, expr[d][a]) for a in v.roster} for d in v.roster}


def _decode_record_set(names: Sequence[str], dt: Any, m: Any, expr: Any, s: State) -> object:
    return frozenset(
        Record((n, _ev(m, getattr(dt, n)(key))) for n in names) for key in array_true_keys(m, expr)
    )


def _decode_rlog(v: GCVocab, m: Any, expr: Any, s: State) -> object:
    E, L = v.S.entry, v.S.log
    fields = ("src", "epoch", "nonce", "prev", "signer", "at")
    out: dict[str, object] = {}
    for d in v.roster:
        log = expr[d]
        n = m.eval(L.len(log), True).as_long()
        out[str(d)] = tuple(
            Record((f, _ev(m, getattr(E, f)(L.items(log)[i]))) for f in fields)
            for i in range(1, n + 1)
        )
    return out


def _decode_issued(v: GCVocab, m: Any, expr: Any, s: State) -> object:
    # Nonces of the epoch are 1..nextNonce-1 (and a CTI's stray ones are not shown).
    def nonces(a: Any, d: Any) -> frozenset[int]:
        top = m.eval(s["nextNonce"][a][d], True).as_long()
        return frozenset(
            n for n in range(1, max(top, 1) + 1) if z3.is_true(m.eval(expr[a][d][n], True))
        )

    return {str(a): {str(d): nonces(a, d) for d in v.roster} for a in v.roster}


def _decode_denials(v: GCVocab, m: Any, expr: Any, s: State) -> object:
    return frozenset(r for r in REASONS if z3.is_true(m.eval(expr[v.S.reason[r]], True)))


def gc_decoders(v: GCVocab) -> dict[str, Any]:
    """Decoders of the variables whose Z3 value is not a scalar."""
    S = v.S
    return {
        "spent": functools.partial(_decode_by_auth_epoch, v),
        "committed": functools.partial(_decode_by_auth_epoch, v),
        "nextNonce": functools.partial(_decode_by_auth_auth, v),
        "accepted": functools.partial(_decode_by_auth_auth, v),
        "journal": functools.partial(
            _decode_record_set, ("src", "dst", "epoch", "nonce", "cost"), S.fact
        ),
        "chan": functools.partial(
            _decode_record_set, ("src", "dst", "epoch", "nonce", "cost"), S.fact
        ),
        "wire": functools.partial(
            _decode_record_set,
            ("src", "dst", "epoch", "nonce", "prev", "cost", "signer"),
            S.receipt,
        ),
        "rlog": functools.partial(_decode_rlog, v),
        "issued": functools.partial(_decode_issued, v),
        "denials": functools.partial(_decode_denials, v),
    }
