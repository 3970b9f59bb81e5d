"""Z3 twin of ``spec/DescriptorValidity.tla`` (DESIGN.md sections 2 and 3).

Same variables (``now``, ``journal``, ``nextNonce``, ``lastSeen``,
``exhausted``, ``horizon``), actions,
invariant names and ``BUG_*`` flags as the TLA+ module. Authorities are
``a1, a2`` and the outsider ``eve``, contexts ``c1, c2`` (the TLC model's);
times, validity, window and nonces are unbounded, and ``MaxTime``,
``Validity``, ``Window``, ``MaxNonce``, ``MaxSyncIds`` and ``Publishers`` are
free constants. ``DVConverges`` is liveness and has no twin here: its safety
half, that sync is never refused for size, is ``DVSyncAvailable``.

Every operator, action and invariant of the module is a function of the same
name here, over an explicit :class:`DVVocab` (sorts, constants, bug flags)
instead of closed-over locals, so each can be queried alone;
:func:`descriptor_validity` only assembles them.

A TLA+ set of facts is an array from the fact datatype to Bool. Where the
spec quantifies over a replica inside an action or an operator (``\\A d \\in
DVCandidates(...)``, "the greatest"), the twin states the same thing as a
subset of a lambda-set, which the array theory decides without quantifier
instantiation.
"""

from __future__ import annotations

import functools
import itertools
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
    "DV_ACTION_PROPERTIES",
    "DV_ASSUME",
    "DV_AUTH",
    "DV_BUGS",
    "DV_BUG_CONSTANTS",
    "DV_CTX",
    "DV_FLAGS",
    "DV_INVARIANTS",
    "DV_MC_CONSTANTS",
    "DV_SCHEDULES",
    "DV_STATE_VALID",
    "DV_STRENGTHENING",
    "DV_WITNESS_FLAGS",
    "DV_WITNESS_PREFIXES",
    "DVAboveHorizon",
    "DVBelowHorizon",
    "DVBest",
    "DVBetter",
    "DVCandidates",
    "DVChoiceDeterministic",
    "DVChosenValid",
    "DVClockBounded",
    "DVConstantsOK",
    "DVFactsAttributable",
    "DVGreatest",
    "DVHorizonBelowNow",
    "DVInit",
    "DVJournalGrowOnly",
    "DVLookup",
    "DVLookupCandidates",
    "DVNeedsRefresh",
    "DVNoCrossContext",
    "DVNonceBelowNext",
    "DVOnlyMembersKnow",
    "DVOnlyPublisherRevokes",
    "DVPrune",
    "DVPrunedStaysPruned",
    "DVRevocation",
    "DVRevocationShape",
    "DVRevokedIn",
    "DVRevokedNeverChosen",
    "DVRevokesOwnOnly",
    "DVSorts",
    "DVSyncAllowed",
    "DVSyncAvailable",
    "DVTypeOK",
    "DVUnsignedFact",
    "DVValidAt",
    "DVVocab",
    "ForgeRevocation",
    "HugeStamp",
    "InjectUnsignedFact",
    "OutsiderDigest",
    "PreparePublishDescriptor",
    "RevokeDescriptor",
    "SyncJournal",
    "Tick",
    "descriptor_validity",
    "dv_actions",
    "dv_decoders",
    "dv_sorts",
    "dv_variables",
    "dv_vocab",
]

DV_AUTH = ("a1", "a2")
DV_CTX = ("c1", "c2")
OUTSIDER = "eve"
KINDS = ("Descriptor", "Revoked", "Channel")

DV_BUGS = (
    ("BUG_LastArrivedWins", "DVChoiceDeterministic"),
    ("BUG_IgnoreRevocation", "DVRevokedNeverChosen"),
    ("BUG_CrossContextLookup", "DVNoCrossContext"),
    ("BUG_InclusiveValidUntil", "DVChosenValid"),
    ("BUG_SyncToNonMember", "DVOnlyMembersKnow"),
    ("BUG_AnyoneRevokes", "DVOnlyPublisherRevokes"),
    ("BUG_SyncReplaces", "DVJournalGrowOnly"),
    ("BUG_UnauthenticatedSync", "DVOnlyMembersKnow"),
    ("BUG_UnboundedLamport", "DVClockBounded"),
    ("BUG_UnsignedFacts", "DVFactsAttributable"),
    ("BUG_SyncCapped", "DVSyncAvailable"),
    ("BUG_SyncRevivesPruned", "DVPrunedStaysPruned"),
    ("BUG_RevokeAny", "DVRevokesOwnOnly"),
)
DV_FLAGS = tuple(dict.fromkeys(flag for flag, _ in DV_BUGS))

# The constants of spec/DescriptorValidity/MC_DescriptorValidity_bad_*.cfg:
# bug twins run on them.
DV_MC_CONSTANTS = {
    "max_time": 2,
    "validity": 2,
    "window": 1,
    "max_nonce": 2,
    "max_sync_ids": 1,
    "publishers": ("a1",),
}
# A publisher can hold another's descriptor only when two publish: the bad cfg of
# DVRevokesOwnOnly pins Publishers = {a1, a2}.
DV_BUG_CONSTANTS = {"BUG_RevokeAny": {"publishers": ("a1", "a2")}}
_P, _T, _S = "PreparePublishDescriptor", "Tick", "SyncJournal"
# Directed searches for counterexamples too deep for an undirected query.
DV_SCHEDULES = {
    # a1 publishes twice; a2 receives the newer descriptor first.
    ("BUG_LastArrivedWins", "DVChoiceDeterministic"): (_P, _T, _P, _S, _S),
    # a2 holds a forged revocation; a sync from a1 overwrites a2's replica.
    ("BUG_SyncReplaces", "DVJournalGrowOnly"): (_P, _S, "ForgeRevocation", "RevokeDescriptor", _S),
    # a2 holds a1's descriptor and forges a revocation of it: two facts, and
    # a1's next descriptor is one it cannot pull.
    ("BUG_SyncCapped", "DVSyncAvailable"): (_P, _S, _P, "ForgeRevocation"),
    # a2 writes a revocation of a1's descriptor; the lookup honours it.
    ("BUG_AnyoneRevokes", "DVOnlyPublisherRevokes"): (_P, _S, "ForgeRevocation"),
    # a1's descriptor at now = until: the closed window still takes it.
    ("BUG_InclusiveValidUntil", "DVChosenValid"): (_P, _T, _T),
    # a1's descriptor reaches a2 and expires; a1 prunes it; a2 syncs it back.
    ("BUG_SyncRevivesPruned", "DVPrunedStaysPruned"): (_P, _S, _T, _T, "DVPrune", _S),
    # a1's descriptor reaches a2, whose service revokes it instead of denying.
    ("BUG_RevokeAny", "DVRevokesOwnOnly"): (_P, _S, "RevokeDescriptor"),
}
# Actions witnessed along a fixed prefix: a prune needs a descriptor that expired
# (two ticks after it was published), and a search for it is slow.
DV_WITNESS_PREFIXES = {"DVPrune": (_P, _T, _T)}
# How each invariant is discharged: the lemmas its consecution assumes
# (assuming all of them makes the quantified queries time out), or, for the
# invariants about the lookup operator, "valid in every state" (no lemma).
DV_ASSUME = {
    "DVTypeOK": ("DVNonceBelowNext", "DVRevocationShape"),
    "DVOnlyMembersKnow": (),
    "DVRevocationShape": (),
    "DVNonceBelowNext": ("DVTypeOK",),
    "DVJournalGrowOnly": (),
    "DVFactsAttributable": (),
    "DVClockBounded": (),
    "DVHorizonBelowNow": (),
    "DVPrunedStaysPruned": ("DVHorizonBelowNow",),
    "DVSyncAvailable": (),
    "DVRevokesOwnOnly": (),
}
# The hostile actions: a refused message changes nothing, so each is enabled
# only by the flag that lets its message through.
DV_WITNESS_FLAGS = {
    "OutsiderDigest": "BUG_UnauthenticatedSync",
    "InjectUnsignedFact": "BUG_UnsignedFacts",
    "HugeStamp": "BUG_UnboundedLamport",
}
DV_STATE_VALID = (
    "DVNoCrossContext",
    "DVChosenValid",
    "DVRevokedNeverChosen",
    "DVOnlyPublisherRevokes",
    "DVChoiceDeterministic",
)
FACT_FIELDS = ("kind", "auth", "ctx", "from", "until", "nonce", "by")
_ACCESSOR = {n: ("context" if n == "ctx" else n) for n in FACT_FIELDS}
# The flags that change DVLookup (the others change actions).
_LOOKUP_BUGS = (
    "BUG_InclusiveValidUntil",
    "BUG_IgnoreRevocation",
    "BUG_AnyoneRevokes",
    "BUG_CrossContextLookup",
)


# A TLA+ set of facts given by its membership predicate (``S(d)`` is ``d \in S``).
FactSet = Callable[[Any], Any]


class DVSorts:
    def __init__(self) -> None:
        self.auth = EnumSort("DVAuth", (*DV_AUTH, OUTSIDER))
        self.ctx = EnumSort("DVCtx", DV_CTX)
        self.kind = EnumSort("DVKind", KINDS)
        ii = z3.IntSort()
        fact = z3.Datatype("DVFact")
        fact.declare(
            "fact",
            ("kind", self.kind.sort),
            ("auth", self.auth.sort),
            ("context", self.ctx.sort),  # "ctx" would shadow the sort's Z3 context
            ("from", ii),
            ("until", ii),
            ("nonce", ii),
            ("by", self.auth.sort),
        )
        self.fact = fact.create()


@context_cached
def dv_sorts() -> DVSorts:
    """Z3 datatypes may be declared only once per context: every caller in one shares these."""
    return DVSorts()


@attrs.frozen(eq=False)
class DVVocab:
    """What every operator of the twin speaks in: the sorts, the spec's
    CONSTANTS as Z3 terms (with the values pinned, if any), the ``BUG_*``
    flags that are set, and the finite universe of facts on pinned constants.

    ``eq=False``: Z3 terms overload ``==`` to build formulas."""

    S: DVSorts
    bugs: frozenset[str]
    MaxTime: Any
    Validity: Any
    Window: Any
    MaxNonce: Any
    MaxSyncIds: Any
    Publishers: Any
    pins: tuple[tuple[Any, int | None], ...]  # (constant, its pinned value or None)
    publishers: tuple[str, ...] | None  # Publishers, when pinned
    roster: tuple[Any, ...]  # Auth, the members
    eve: Any  # the Outsider
    ctxs: tuple[Any, ...]
    # With MaxTime, Validity and MaxNonce pinned: every fact an action can
    # create, and the descriptors per publisher; empty when they are free.
    universe: tuple[Any, ...]
    descs_of: Mapping[str, tuple[Any, ...]]
    empty: Any  # the empty set of facts

    def bug(self, flag: str) -> bool:
        return flag in self.bugs

    def field(self, name: str, fact: Any) -> Any:
        """``fact.name`` (``ctx`` is the datatype's ``context`` accessor)."""
        return getattr(self.S.fact, _ACCESSOR[name])(fact)

    def constants(self) -> dict[str, Any]:
        return {
            "Publishers": self.Publishers,
            "MaxTime": self.MaxTime,
            "Validity": self.Validity,
            "Window": self.Window,
            "MaxNonce": self.MaxNonce,
            "MaxSyncIds": self.MaxSyncIds,
        }


def dv_vocab(
    *,
    max_time: int | None = None,
    validity: int | None = None,
    window: int | None = None,
    max_nonce: int | None = None,
    max_sync_ids: int | None = None,
    publishers: Sequence[str] | None = None,
    **bugs: bool,
) -> DVVocab:
    """The vocabulary of one twin; keyword constants pin the spec's CONSTANTS
    (default: free), keyword flags set its ``BUG_*`` flags."""
    unknown = set(bugs) - set(DV_FLAGS)
    if unknown:
        raise ValueError(f"DescriptorValidity has no bug flags {sorted(unknown)}")
    S = dv_sorts()
    roster = tuple(S.auth[a] for a in DV_AUTH)
    ctxs = tuple(S.ctx[c] for c in DV_CTX)
    universe, descs_of = _fact_universe(
        S, roster, ctxs, max_time=max_time, validity=validity, max_nonce=max_nonce
    )
    max_time_, validity_, window_, max_nonce_ = (
        z3.Int("MaxTime"),
        z3.Int("Validity"),
        z3.Int("Window"),
        z3.Int("MaxNonce"),
    )
    max_sync_ids_ = z3.Int("MaxSyncIds")
    publishers_ = z3.Array("Publishers", S.auth.sort, z3.BoolSort())
    return DVVocab(
        S=S,
        bugs=frozenset(b for b, on in bugs.items() if on),
        MaxTime=max_time_,
        Validity=validity_,
        Window=window_,
        MaxNonce=max_nonce_,
        MaxSyncIds=max_sync_ids_,
        Publishers=publishers_,
        pins=(
            (max_time_, max_time),
            (validity_, validity),
            (window_, window),
            (max_nonce_, max_nonce),
            (max_sync_ids_, max_sync_ids),
        ),
        publishers=None if publishers is None else tuple(publishers),
        roster=roster,
        eve=S.auth[OUTSIDER],
        ctxs=ctxs,
        universe=universe,
        descs_of=descs_of,
        empty=z3.K(S.fact, z3.BoolVal(False)),
    )


def _fact_universe(
    S: DVSorts,
    roster: tuple[Any, ...],
    ctxs: tuple[Any, ...],
    *,
    max_time: int | None,
    validity: int | None,
    max_nonce: int | None,
) -> tuple[tuple[Any, ...], dict[str, tuple[Any, ...]]]:
    """Every fact an action can create, and the descriptors per publisher.

    With MaxTime, Validity and MaxNonce pinned (the TLC model's values) the
    facts of DVFact that any action can create form a finite universe, and
    every quantifier over facts becomes a finite conjunction: the twin is
    then quantifier-free, which BMC needs to find deep counterexamples.
    Free constants (the proofs) keep the quantifiers: both are empty.
    """
    F, desc_k, rev_k = S.fact, S.kind["Descriptor"], S.kind["Revoked"]
    universe: list[Any] = []
    descs_of: dict[str, list[Any]] = {a: [] for a in DV_AUTH}
    if max_time is not None and validity is not None and max_nonce is not None:
        for name, a in zip(DV_AUTH, roster, strict=True):
            for c in ctxs:
                for n in range(1, max_nonce + 1):
                    for t0 in range(max_time + 1):
                        d = F.fact(desc_k, a, c, t0, t0 + validity, n, a)
                        universe.append(d)
                        descs_of[name].append(d)
                    for b in roster:
                        universe.append(F.fact(rev_k, a, c, 0, 0, n, b))
                if max_nonce >= 1:
                    universe.append(F.fact(S.kind["Channel"], a, c, 0, 0, 1, S.auth[OUTSIDER]))
    return tuple(universe), {a: tuple(ds) for a, ds in descs_of.items()}


def dv_variables(v: DVVocab) -> dict[str, Any]:
    """The spec's VARIABLES and their sorts."""
    A, C, ii = v.S.auth.sort, v.S.ctx.sort, z3.IntSort()
    FS = z3.ArraySort(v.S.fact, z3.BoolSort())  # a set of facts
    return {
        "now": ii,
        "journal": z3.ArraySort(A, FS),
        "nextNonce": z3.ArraySort(A, ii),
        "lastSeen": z3.ArraySort(A, z3.ArraySort(C, z3.ArraySort(A, FS))),
        "exhausted": z3.ArraySort(A, z3.BoolSort()),
        "horizon": z3.ArraySort(A, ii),
    }


# -- quantifiers over facts ---------------------------------------------------


def _domain(v: DVVocab, of: Any) -> Sequence[Any]:
    # A quantifier whose body requires a descriptor of publisher ``of``
    # ranges over those only.
    if of is None:
        return v.universe
    return v.descs_of[str(of)]


def _forall(v: DVVocab, xs: list[Any], body: Any, of: Any = None) -> Any:
    if not v.universe:
        return z3.ForAll(xs, body)
    return z3.And(
        *(
            z3.substitute(body, *zip(xs, combo, strict=True))
            for combo in itertools.product(_domain(v, of), repeat=len(xs))
        )
    )


def _exists(v: DVVocab, xs: list[Any], body: Any, of: Any = None) -> Any:
    if not v.universe:
        return z3.Exists(xs, body)
    return z3.Or(
        *(
            z3.substitute(body, *zip(xs, combo, strict=True))
            for combo in itertools.product(_domain(v, of), repeat=len(xs))
        )
    )


def _x_var(v: DVVocab, tag: str) -> Any:
    return z3.Const(f"x!{tag}", v.S.fact)


def _in_auth(v: DVVocab, x: Any) -> Any:
    return z3.Or(*(x == a for a in v.roster))


# -- ASSUME -------------------------------------------------------------------


def DVConstantsOK(v: DVVocab, s: State) -> Any:
    """The module's ASSUME (and the pinned values): axioms of every state."""
    parts = [
        v.MaxTime >= 0,
        v.Validity >= 1,
        v.Window >= 0,
        v.MaxNonce >= 0,
        v.MaxSyncIds >= 0,
        z3.Not(v.Publishers[v.eve]),
    ]
    parts += [k == pin for k, pin in v.pins if pin is not None]
    if v.publishers is not None:
        A = v.S.auth
        parts += [v.Publishers[A[a]] == (a in v.publishers) for a in DV_AUTH]
    return z3.And(*parts)


# -- the module's operators ---------------------------------------------------


def DVValidAt(v: DVVocab, d: Any, t: Any) -> Any:
    return z3.And(v.field("from", d) <= t, t < v.field("until", d))


def DVBelowHorizon(v: DVVocab, f: Any, h: Any) -> Any:
    """``f`` is dead at horizon ``h``: a descriptor that expired by then."""
    return z3.And(v.field("kind", f) == v.S.kind["Descriptor"], v.field("until", f) <= h)


def _kept(v: DVVocab, S: Any, keep: Callable[[Any], Any]) -> Any:
    """``{f \\in S : keep(f)}``: Stores over the universe when it is finite
    (quantifier-free, for BMC), a lambda otherwise."""
    if v.universe:
        out = S
        for u in v.universe:
            out = z3.Store(out, u, z3.And(S[u], keep(u)))
        return out
    x = _x_var(v, "kp")
    return z3.Lambda([x], z3.And(S[x], keep(x)))


def DVSyncAllowed(v: DVVocab, s: State, m: Any) -> Any:
    """``~BUG_SyncCapped \\/ Cardinality(journal[m]) <= MaxSyncIds``."""
    if not v.bug("BUG_SyncCapped"):
        return z3.BoolVal(True)
    if not v.universe:
        raise ValueError("BUG_SyncCapped counts facts: pin MaxTime, Validity and MaxNonce")
    cap = {str(k): pin for k, pin in v.pins}.get("MaxSyncIds")
    held = [s["journal"][m][u] for u in v.universe]
    if cap is not None:
        return z3.AtMost(*held, cap)
    return z3.Sum(*(z3.If(h, 1, 0) for h in held)) <= v.MaxSyncIds


def DVRevocation(v: DVVocab, d: Any, b: Any) -> Any:
    """The revocation fact of descriptor ``d`` by ``b``."""
    F, rev_k = v.S.fact, v.S.kind["Revoked"]
    return F.fact(rev_k, v.field("auth", d), v.field("ctx", d), 0, 0, v.field("nonce", d), b)


def DVRevokedIn(v: DVVocab, s: State, m: Any, d: Any) -> Any:
    # \E r \in journal[m] : r revokes d and r.by = d.auth. Revocation facts
    # all have from = until = 0 (DVRevocationShape), so r is determined.
    return s["journal"][m][DVRevocation(v, d, v.field("auth", d))]


def DVBetter(v: DVVocab, d1: Any, d2: Any) -> Any:
    f1, f2 = v.field("from", d1), v.field("from", d2)
    return z3.Or(f1 > f2, z3.And(f1 == f2, v.field("nonce", d1) > v.field("nonce", d2)))


def DVCandidates(v: DVVocab, s: State, m: Any, c: Any, p: Any) -> FactSet:
    """``DVCandidates(m, c, p)``: the valid, unrevoked descriptors of ``p``
    for context ``c`` in ``m``'s replica."""

    def member(d: Any) -> Any:
        return z3.And(
            s["journal"][m][d],
            v.field("kind", d) == v.S.kind["Descriptor"],
            v.field("auth", d) == p,
            v.field("ctx", d) == c,
            DVValidAt(v, d, s["now"]),
            z3.Not(DVRevokedIn(v, s, m, d)),
        )

    return member


def DVLookupCandidates(v: DVVocab, s: State, m: Any, c: Any, p: Any) -> FactSet:
    """``DVLookupCandidates(m, c, p)``: the candidates as the flags see them."""
    if not any(v.bug(b) for b in _LOOKUP_BUGS):
        # The same operator when every flag is off: the same term.
        return DVCandidates(v, s, m, c, p)

    def member(d: Any) -> Any:
        now = s["now"]
        valid = (
            z3.And(v.field("from", d) <= now, now <= v.field("until", d))
            if v.bug("BUG_InclusiveValidUntil")
            else DVValidAt(v, d, now)
        )
        if v.bug("BUG_IgnoreRevocation"):
            revoked: Any = z3.BoolVal(False)
        elif v.bug("BUG_AnyoneRevokes"):
            revoked = z3.Or(*(s["journal"][m][DVRevocation(v, d, b)] for b in v.roster))
        else:
            revoked = DVRevokedIn(v, s, m, d)
        return z3.And(
            s["journal"][m][d],
            v.field("kind", d) == v.S.kind["Descriptor"],
            v.field("auth", d) == p,
            z3.BoolVal(True) if v.bug("BUG_CrossContextLookup") else v.field("ctx", d) == c,
            valid,
            z3.Not(revoked),
        )

    return member


def DVGreatest(v: DVVocab, S: FactSet, tag: str, p: Any) -> FactSet:
    """``DVGreatest(S)`` for a set ``S`` of descriptors of ``p``; ``tag``
    names its bound variable."""

    def member(d: Any) -> Any:
        # d \in S /\ \A x \in S : x = d \/ DVBetter(d, x)
        x = _x_var(v, tag)
        return z3.And(
            S(d),
            _forall(v, [x], z3.Implies(S(x), z3.Or(x == d, DVBetter(v, d, x))), of=p),
        )

    return member


def DVBest(v: DVVocab, s: State, m: Any, c: Any, p: Any) -> FactSet:
    return DVGreatest(v, DVCandidates(v, s, m, c, p), "best", p)


def DVLookup(v: DVVocab, s: State, m: Any, c: Any, p: Any) -> FactSet:
    """``DVLookup(m, c, p)``: the descriptor ``m`` would use (empty or one)."""
    cands = DVLookupCandidates(v, s, m, c, p)
    if v.bug("BUG_LastArrivedWins"):
        return lambda d: z3.And(s["lastSeen"][m][c][p][d], cands(d))
    return DVGreatest(v, cands, "look", p)


def DVNeedsRefresh(v: DVVocab, s: State, a: Any, c: Any) -> Any:
    x = _x_var(v, "nr")
    # Publishers are a1/a2 (a param ranging over the roster): the
    # quantifier ranges over the universe unless a is a known constant.
    return _forall(
        v,
        [x],
        z3.Implies(DVCandidates(v, s, a, c, a)(x), s["now"] + v.Window >= v.field("until", x)),
    )


# -- Init and the actions -----------------------------------------------------


def DVInit(v: DVVocab, s: State) -> Any:
    A, C = v.S.auth.sort, v.S.ctx.sort
    return z3.And(
        s["now"] == 0,
        s["journal"] == z3.K(A, v.empty),
        s["nextNonce"] == z3.K(A, z3.IntVal(1)),
        s["lastSeen"] == z3.K(A, z3.K(C, z3.K(A, v.empty))),
        s["exhausted"] == z3.K(A, z3.BoolVal(False)),
        s["horizon"] == z3.K(A, z3.IntVal(0)),
    )


def PreparePublishDescriptor(v: DVVocab, s: State, t: State, p: Params) -> Any:
    a, c = p["a"], p["c"]
    n = s["nextNonce"][a]
    d = v.S.fact.fact(v.S.kind["Descriptor"], a, c, s["now"], s["now"] + v.Validity, n, a)
    return z3.And(
        _in_auth(v, a),
        v.Publishers[a],
        z3.Not(s["exhausted"][a]),
        DVNeedsRefresh(v, s, a, c),
        n <= v.MaxNonce,
        t["journal"] == z3.Store(s["journal"], a, z3.Store(s["journal"][a], d, True)),
        t["lastSeen"]
        == z3.Store(
            s["lastSeen"],
            a,
            z3.Store(
                s["lastSeen"][a], c, z3.Store(s["lastSeen"][a][c], a, z3.Store(v.empty, d, True))
            ),
        ),
        t["nextNonce"] == z3.Store(s["nextNonce"], a, n + 1),
    )


def RevokeDescriptor(v: DVVocab, s: State, t: State, p: Params) -> Any:
    a, d = p["a"], p["d"]
    r = DVRevocation(v, d, a)
    return z3.And(
        _in_auth(v, a),
        v.Publishers[a],
        s["journal"][a][d],
        z3.Not(s["exhausted"][a]),
        v.field("kind", d) == v.S.kind["Descriptor"],
        z3.BoolVal(True) if v.bug("BUG_RevokeAny") else v.field("auth", d) == a,
        DVValidAt(v, d, s["now"]),
        z3.Not(s["journal"][a][r]),
        t["journal"] == z3.Store(s["journal"], a, z3.Store(s["journal"][a], r, True)),
    )


def ForgeRevocation(v: DVVocab, s: State, t: State, p: Params) -> Any:
    b, d = p["a"], p["d"]
    x = _x_var(v, "fg")

    def honest(m: Any) -> Any:
        return _forall(
            v,
            [x],
            z3.Implies(
                s["journal"][m][x],
                z3.Or(
                    v.field("kind", x) != v.S.kind["Revoked"],
                    v.field("by", x) == v.field("auth", x),
                ),
            ),
        )

    return z3.And(
        _in_auth(v, b),
        z3.Not(v.Publishers[b]),
        s["journal"][b][d],
        z3.Not(s["exhausted"][b]),
        v.field("kind", d) == v.S.kind["Descriptor"],
        v.field("auth", d) != b,
        *(honest(m) for m in v.roster),
        t["journal"]
        == z3.Store(s["journal"], b, z3.Store(s["journal"][b], DVRevocation(v, d, b), True)),
    )


def SyncJournal(v: DVVocab, s: State, t: State, p: Params) -> Any:
    src, dst, f = p["src"], p["dst"], p["f"]
    merged = (
        s["journal"][src] if v.bug("BUG_SyncReplaces") else z3.Store(s["journal"][dst], f, True)
    )
    fc, fa = v.field("ctx", f), v.field("auth", f)
    seen = z3.Store(
        s["lastSeen"],
        dst,
        z3.Store(
            s["lastSeen"][dst],
            fc,
            z3.Store(s["lastSeen"][dst][fc], fa, z3.Store(v.empty, f, True)),
        ),
    )
    return z3.And(
        _in_auth(v, src),
        z3.Or(_in_auth(v, dst), dst == v.eve),
        src != dst,
        z3.BoolVal(True) if v.bug("BUG_SyncToNonMember") else _in_auth(v, dst),
        s["journal"][src][f],
        z3.Not(s["journal"][dst][f]),
        z3.BoolVal(True)
        if v.bug("BUG_SyncRevivesPruned")
        else z3.Implies(_in_auth(v, dst), z3.Not(DVBelowHorizon(v, f, s["horizon"][dst]))),
        DVSyncAllowed(v, s, dst),
        t["journal"] == z3.Store(s["journal"], dst, merged),
        t["lastSeen"]
        == z3.If(
            z3.And(v.field("kind", f) == v.S.kind["Descriptor"], _in_auth(v, dst)),
            seen,
            s["lastSeen"],
        ),
    )


def DVUnsignedFact(v: DVVocab, f: Any) -> Any:
    """``f \\in DVUnsignedFacts``: a ChannelEstablished that no member signed."""
    return z3.And(
        v.field("kind", f) == v.S.kind["Channel"],
        _in_auth(v, v.field("auth", f)),
        v.field("from", f) == 0,
        v.field("until", f) == 0,
        v.field("nonce", f) == 1,
        v.field("by", f) == v.eve,
    )


def OutsiderDigest(v: DVVocab, s: State, t: State, p: Params) -> Any:
    """The Outsider's digest claiming a member's id is answered (only when self-claimed)."""
    src = p["src"]
    return z3.And(
        z3.BoolVal(v.bug("BUG_UnauthenticatedSync")),
        _in_auth(v, src),
        z3.Not(z3.IsSubset(s["journal"][src], s["journal"][v.eve])),
        t["journal"]
        == z3.Store(s["journal"], v.eve, z3.SetUnion(s["journal"][v.eve], s["journal"][src])),
    )


def InjectUnsignedFact(v: DVVocab, s: State, t: State, p: Params) -> Any:
    """A member syncs a fact no member signed (taken only when facts go unchecked)."""
    snd, dst, f = p["snd"], p["dst"], p["f"]
    return z3.And(
        _in_auth(v, snd),
        _in_auth(v, dst),
        snd != dst,
        DVUnsignedFact(v, f),
        z3.BoolVal(True) if v.bug("BUG_UnsignedFacts") else _in_auth(v, v.field("by", f)),
        z3.Not(s["journal"][dst][f]),
        t["journal"] == z3.Store(s["journal"], dst, z3.Store(s["journal"][dst], f, True)),
    )


def HugeStamp(v: DVVocab, s: State, t: State, p: Params) -> Any:
    """A member syncs its fact stamped beyond the bound (taken only by an unbounded merge)."""
    snd, dst, f = p["snd"], p["dst"], p["f"]
    return z3.And(
        z3.BoolVal(v.bug("BUG_UnboundedLamport")),
        _in_auth(v, snd),
        _in_auth(v, dst),
        snd != dst,
        s["journal"][snd][f],
        z3.Not(s["exhausted"][dst]),
        t["journal"] == z3.Store(s["journal"], dst, z3.Store(s["journal"][dst], f, True)),
        t["exhausted"] == z3.Store(s["exhausted"], dst, True),
    )


def DVPrune(v: DVVocab, s: State, t: State, p: Params) -> Any:
    """``m`` moves its horizon to now and drops the facts dead there."""
    m, now = p["m"], s["now"]
    x = _x_var(v, "pr")
    return z3.And(
        _in_auth(v, m),
        _exists(v, [x], z3.And(s["journal"][m][x], DVBelowHorizon(v, x, now))),
        t["horizon"] == z3.Store(s["horizon"], m, now),
        t["journal"] == z3.Store(s["journal"], m, DVAboveHorizon(v, s["journal"][m], now)),
    )


def Tick(v: DVVocab, s: State, t: State, p: Params) -> Any:
    return z3.And(s["now"] < v.MaxTime, t["now"] == s["now"] + 1)


# -- invariants ---------------------------------------------------------------


def _every_choice(v: DVVocab, s: State, body: Callable[[Any, Any, Any, Any], Any]) -> Any:
    """``\\A m, p \\in Auth, c \\in Ctx, d \\in DVLookup(m, c, p) : body``."""
    d = z3.Const("d!q", v.S.fact)
    return z3.And(
        *(
            _forall(v, [d], z3.Implies(DVLookup(v, s, m, c, p)(d), body(m, c, p, d)), of=p)
            for m in v.roster
            for c in v.ctxs
            for p in v.roster
        )
    )


def _fact_ok(v: DVVocab, s: State, f: Any) -> Any:
    """``f \\in DVFact``."""
    is_desc = v.field("kind", f) == v.S.kind["Descriptor"]
    return z3.And(
        _in_auth(v, v.field("auth", f)),
        z3.Or(_in_auth(v, v.field("by", f)), v.field("by", f) == v.eve),
        v.field("from", f) >= 0,
        v.field("from", f) <= v.MaxTime,
        v.field("until", f) >= 0,
        v.field("until", f) <= v.MaxTime + v.Validity,
        v.field("nonce", f) >= 1,
        v.field("nonce", f) <= v.MaxNonce,
        z3.Implies(is_desc, v.field("by", f) == v.field("auth", f)),
    )


def DVTypeOK(v: DVVocab, s: State) -> Any:
    F = v.S.fact
    f, g = z3.Const("f!t", F), z3.Const("g!t", F)
    members = [*v.roster, v.eve]
    parts = [s["now"] >= 0, s["now"] <= v.MaxTime]
    parts += [_forall(v, [f], z3.Implies(s["journal"][m][f], _fact_ok(v, s, f))) for m in members]
    parts += [z3.And(s["nextNonce"][a] >= 1, s["nextNonce"][a] <= v.MaxNonce + 1) for a in v.roster]
    parts += [z3.And(s["horizon"][a] >= 0, s["horizon"][a] <= v.MaxTime) for a in v.roster]
    for m in v.roster:
        for c in v.ctxs:
            for p in v.roster:
                ls = s["lastSeen"][m][c][p]
                if v.universe:
                    # Cardinality <= 1 over a finite universe is AtMost.
                    members_ = [u for a in DV_AUTH for u in v.descs_of[a]]
                    parts.append(z3.AtMost(*(ls[u] for u in members_), 1))
                    parts.append(_forall(v, [f], z3.Implies(ls[f], _fact_ok(v, s, f))))
                else:
                    parts.append(
                        _forall(
                            v,
                            [f, g],
                            z3.Implies(z3.And(ls[f], ls[g]), z3.And(f == g, _fact_ok(v, s, f))),
                        )
                    )
    return z3.And(*parts)


def DVOnlyMembersKnow(v: DVVocab, s: State) -> Any:
    return s["journal"][v.eve] == v.empty


def DVNoCrossContext(v: DVVocab, s: State) -> Any:
    return _every_choice(v, s, lambda m, c, p, d: v.field("ctx", d) == c)


def DVChosenValid(v: DVVocab, s: State) -> Any:
    return _every_choice(v, s, lambda m, c, p, d: DVValidAt(v, d, s["now"]))


def DVRevokedNeverChosen(v: DVVocab, s: State) -> Any:
    return _every_choice(v, s, lambda m, c, p, d: z3.Not(DVRevokedIn(v, s, m, d)))


def DVOnlyPublisherRevokes(v: DVVocab, s: State) -> Any:
    F = v.S.fact
    d, e = z3.Const("d!p", F), z3.Const("e!p", F)
    return z3.And(
        *(
            z3.Implies(
                _exists(v, [d], DVBest(v, s, m, c, p)(d), of=p),
                _exists(v, [e], DVLookup(v, s, m, c, p)(e), of=p),
            )
            for m in v.roster
            for c in v.ctxs
            for p in v.roster
        )
    )


def DVRevokesOwnOnly(v: DVVocab, s: State) -> Any:
    f = z3.Const("f!r", v.S.fact)
    return z3.And(
        *(
            _forall(
                v,
                [f],
                z3.Implies(
                    z3.And(
                        s["journal"][m][f],
                        v.field("kind", f) == v.S.kind["Revoked"],
                        v.Publishers[v.field("by", f)],
                    ),
                    v.field("by", f) == v.field("auth", f),
                ),
            )
            for m in v.roster
        )
    )


def DVChoiceDeterministic(v: DVVocab, s: State) -> Any:
    F = v.S.fact
    d, x = z3.Const("d!q", F), z3.Const("x!q", F)
    return z3.And(
        *(
            _forall(
                v,
                [d, x],
                z3.Implies(
                    z3.And(DVLookup(v, s, m, c, p)(d), DVCandidates(v, s, m, c, p)(x)),
                    z3.Not(DVBetter(v, x, d)),
                ),
                of=p,
            )
            for m in v.roster
            for c in v.ctxs
            for p in v.roster
        )
    )


def DVFactsAttributable(v: DVVocab, s: State) -> Any:
    f = z3.Const("f!a", v.S.fact)
    return z3.And(
        *(
            _forall(v, [f], z3.Implies(s["journal"][m][f], _in_auth(v, v.field("by", f))))
            for m in v.roster
        )
    )


def DVClockBounded(v: DVVocab, s: State) -> Any:
    return z3.And(*(z3.Not(s["exhausted"][m]) for m in v.roster))


def DVPrunedStaysPruned(v: DVVocab, s: State) -> Any:
    f = z3.Const("f!h", v.S.fact)
    return z3.And(
        *(
            _forall(
                v,
                [f],
                z3.Implies(s["journal"][m][f], z3.Not(DVBelowHorizon(v, f, s["horizon"][m]))),
            )
            for m in v.roster
        )
    )


def DVSyncAvailable(v: DVVocab, s: State) -> Any:
    f = z3.Const("f!y", v.S.fact)

    def nothing_to_pull(dst: Any) -> Any:
        return z3.And(
            *(
                _forall(
                    v,
                    [f],
                    z3.Implies(
                        z3.And(s["journal"][src][f], z3.Not(s["journal"][dst][f])),
                        DVBelowHorizon(v, f, s["horizon"][dst]),
                    ),
                )
                for src in v.roster
                if not src.eq(dst)
            )
        )

    return z3.And(*(z3.Or(DVSyncAllowed(v, s, d), nothing_to_pull(d)) for d in v.roster))


def DVAboveHorizon(v: DVVocab, S: Any, h: Any) -> Any:
    """``{f \\in S : ~DVBelowHorizon(f, h)}``."""
    return _kept(v, S, lambda f: z3.Not(DVBelowHorizon(v, f, h)))


def DVJournalGrowOnly(v: DVVocab, s: State, t: State) -> Any:
    """The action property: a replica loses only facts below its new horizon,
    ``DVAboveHorizon(journal[m], horizon'[m]) \\subseteq journal'[m]``."""
    return z3.And(
        *(
            z3.IsSubset(DVAboveHorizon(v, s["journal"][m], t["horizon"][m]), t["journal"][m])
            for m in v.roster
        )
    )


# -- strengthening lemmas -----------------------------------------------------


def _all_facts(v: DVVocab, s: State, body: Callable[[Any, Any], Any]) -> Any:
    f = z3.Const("f!s", v.S.fact)
    return z3.And(
        *(_forall(v, [f], z3.Implies(s["journal"][m][f], body(m, f))) for m in [*v.roster, v.eve])
    )


def DVRevocationShape(v: DVVocab, s: State) -> Any:
    """Revocation facts are DVRevocation(d, b): from = until = 0 (the twin's
    DVRevokedIn relies on it)."""
    return _all_facts(
        v,
        s,
        lambda m, f: z3.Implies(
            v.field("kind", f) == v.S.kind["Revoked"],
            z3.And(v.field("from", f) == 0, v.field("until", f) == 0),
        ),
    )


def DVHorizonBelowNow(v: DVVocab, s: State) -> Any:
    """A prune horizon is a past time (DVPrunedStaysPruned relies on it: a new
    descriptor expires after now, so after every horizon)."""
    return z3.And(*(s["horizon"][m] <= s["now"] for m in v.roster))


def DVNonceBelowNext(v: DVVocab, s: State) -> Any:
    """Descriptors of a publisher have nonces below its next nonce."""
    return _all_facts(
        v,
        s,
        lambda m, f: z3.And(
            *(
                z3.Implies(v.field("auth", f) == a, v.field("nonce", f) < s["nextNonce"][a])
                for a in v.roster
            ),
            v.field("from", f) <= s["now"],
            z3.Implies(
                v.field("kind", f) == v.S.kind["Descriptor"],
                v.field("until", f) == v.field("from", f) + v.Validity,
            ),
        ),
    )


# -- the twin -----------------------------------------------------------------


def dv_actions(v: DVVocab) -> dict[str, Action]:
    """``DVNext``'s disjuncts: each action, the variables it changes and the
    sorts of its ``\\E`` parameters."""
    A, C, F = v.S.auth.sort, v.S.ctx.sort, v.S.fact

    def bound(action: Any) -> Any:
        return functools.partial(action, v)

    return {
        "PreparePublishDescriptor": Action(
            bound(PreparePublishDescriptor), ("journal", "lastSeen", "nextNonce"), {"a": A, "c": C}
        ),
        "RevokeDescriptor": Action(bound(RevokeDescriptor), ("journal",), {"a": A, "d": F}),
        "ForgeRevocation": Action(bound(ForgeRevocation), ("journal",), {"a": A, "d": F}),
        "SyncJournal": Action(
            bound(SyncJournal), ("journal", "lastSeen"), {"src": A, "dst": A, "f": F}
        ),
        "OutsiderDigest": Action(bound(OutsiderDigest), ("journal",), {"src": A}),
        "InjectUnsignedFact": Action(
            bound(InjectUnsignedFact), ("journal",), {"snd": A, "dst": A, "f": F}
        ),
        "HugeStamp": Action(
            bound(HugeStamp), ("journal", "exhausted"), {"snd": A, "dst": A, "f": F}
        ),
        "DVPrune": Action(bound(DVPrune), ("journal", "horizon"), {"m": A}),
        "Tick": Action(bound(Tick), ("now",)),
    }


DV_INVARIANTS: dict[str, Callable[[DVVocab, State], Any]] = {
    "DVTypeOK": DVTypeOK,
    "DVOnlyMembersKnow": DVOnlyMembersKnow,
    "DVNoCrossContext": DVNoCrossContext,
    "DVChosenValid": DVChosenValid,
    "DVRevokedNeverChosen": DVRevokedNeverChosen,
    "DVOnlyPublisherRevokes": DVOnlyPublisherRevokes,
    "DVRevokesOwnOnly": DVRevokesOwnOnly,
    "DVChoiceDeterministic": DVChoiceDeterministic,
    "DVFactsAttributable": DVFactsAttributable,
    "DVClockBounded": DVClockBounded,
    "DVPrunedStaysPruned": DVPrunedStaysPruned,
    "DVSyncAvailable": DVSyncAvailable,
}
DV_STRENGTHENING: dict[str, Callable[[DVVocab, State], Any]] = {
    "DVRevocationShape": DVRevocationShape,
    "DVNonceBelowNext": DVNonceBelowNext,
    "DVHorizonBelowNow": DVHorizonBelowNow,
}
DV_ACTION_PROPERTIES: dict[str, Callable[[DVVocab, State, State], Any]] = {
    "DVJournalGrowOnly": DVJournalGrowOnly,
}


def descriptor_validity(
    *,
    max_time: int | None = None,
    validity: int | None = None,
    window: int | None = None,
    max_nonce: int | None = None,
    max_sync_ids: int | None = None,
    publishers: Sequence[str] | None = None,
    **bugs: bool,
) -> TransitionSystem:
    """The twin; keyword constants pin the spec's CONSTANTS (default: free)."""
    v = dv_vocab(
        max_time=max_time,
        validity=validity,
        window=window,
        max_nonce=max_nonce,
        max_sync_ids=max_sync_ids,
        publishers=publishers,
        **bugs,
    )

    def bind(table: Mapping[str, Callable[..., Any]]) -> dict[str, Any]:
        return {name: functools.partial(fn, v) for name, fn in table.items()}

    return TransitionSystem(
        "DescriptorValidity",
        dv_variables(v),
        functools.partial(DVInit, v),
        dv_actions(v),
        bind(DV_INVARIANTS),
        strengthening=bind(DV_STRENGTHENING),
        axioms=functools.partial(DVConstantsOK, v),
        constants=v.constants(),
        constant_decoders={"Publishers": functools.partial(_decode_publishers, v.roster)},
        decoders=dv_decoders(v),
        action_properties=bind(DV_ACTION_PROPERTIES),
    )


# -- decoding a Z3 model's state into the spec's values ---------------------------


def _decode_publishers(roster: Sequence[Any], model: Any, arr: Any) -> object:
    return frozenset(str(a) for a in roster if z3.is_true(model.eval(arr[a], True)))


def _decode_facts(v: DVVocab, m: Any, expr: Any) -> object:
    """A set of facts, as records with the spec's field names."""
    return frozenset(
        Record(
            (n, decode_scalar(m.eval(getattr(v.S.fact, _ACCESSOR[n])(k), model_completion=True)))
            for n in FACT_FIELDS
        )
        for k in array_true_keys(m, expr)
    )


def _decode_journal(v: DVVocab, m: Any, expr: Any, s: State) -> object:
    return {str(a): _decode_facts(v, m, expr[a]) for a in [*v.roster, v.eve]}


def _decode_next_nonce(v: DVVocab, m: Any, expr: Any, s: State) -> object:
    return {str(a): decode_scalar(m.eval(expr[a], True)) for a in v.roster}


def _decode_last_seen(v: DVVocab, m: Any, expr: Any, s: State) -> object:
    return {
        str(a): {
            str(c): {str(p): _decode_facts(v, m, expr[a][c][p]) for p in v.roster} for c in v.ctxs
        }
        for a in v.roster
    }


def _decode_horizon(v: DVVocab, m: Any, expr: Any, s: State) -> object:
    return {str(a): decode_scalar(m.eval(expr[a], True)) for a in v.roster}


def _decode_exhausted(v: DVVocab, m: Any, expr: Any, s: State) -> object:
    return {str(a): z3.is_true(m.eval(expr[a], True)) for a in v.roster}


def dv_decoders(v: DVVocab) -> dict[str, Any]:
    """Decoders of the variables whose Z3 value is not a scalar."""
    return {
        "exhausted": functools.partial(_decode_exhausted, v),
        "horizon": functools.partial(_decode_horizon, v),
        "journal": functools.partial(_decode_journal, v),
        "nextNonce": functools.partial(_decode_next_nonce, v),
        "lastSeen": functools.partial(_decode_last_seen, v),
    }
