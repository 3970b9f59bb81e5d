"""Z3 twin of ``spec/DescriptorValidity.tla`` (DESIGN.md sections 2 and 3).

Same variables (``now``, ``journal``, ``nextNonce``, ``lastSeen``), actions,
invariant names and ``BUG_*`` flags as the TLA+ module. Authorities are
``a1, a2`` and the outsider ``eve``, contexts ``c1, c2`` (the TLC model's);
times, validity, window and nonces are unbounded, and ``MaxTime``,
``Validity``, ``Window``, ``MaxNonce`` and ``Publishers`` are free constants.

A TLA+ set of facts is an array from the fact datatype to Bool. Where the
spec quantifies over a replica inside an action or an operator (``\\A d \\in
DVCandidates(...)``, "the greatest"), the twin states the same thing as a
subset of a lambda-set, which the array theory decides without quantifier
instantiation.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

import z3

from aura_model.z3.framework import (
    Action,
    EnumSort,
    Record,
    State,
    TransitionSystem,
    array_true_keys,
    context_cached,
    decode_scalar,
)

__all__ = [
    "DV_ASSUME",
    "DV_AUTH",
    "DV_BUGS",
    "DV_CTX",
    "DV_FLAGS",
    "DV_MC_CONSTANTS",
    "DV_SCHEDULES",
    "DV_STATE_VALID",
    "DVSorts",
    "descriptor_validity",
    "dv_sorts",
]

DV_AUTH = ("a1", "a2")
DV_CTX = ("c1", "c2")
OUTSIDER = "eve"
KINDS = ("Descriptor", "Revoked")

DV_BUGS = (
    ("BUG_LastArrivedWins", "DVChoiceDeterministic"),
    ("BUG_IgnoreRevocation", "DVRevokedNeverChosen"),
    ("BUG_CrossContextLookup", "DVNoCrossContext"),
    ("BUG_InclusiveValidUntil", "DVChosenValid"),
    ("BUG_SyncToNonMember", "DVOnlyMembersKnow"),
    ("BUG_AnyoneRevokes", "DVOnlyPublisherRevokes"),
    ("BUG_SyncReplaces", "DVJournalGrowOnly"),
)
DV_FLAGS = tuple(dict.fromkeys(flag for flag, _ in DV_BUGS))

# The constants of spec/MC_DescriptorValidity_bad_*.cfg: bug twins run on them.
DV_MC_CONSTANTS = {
    "max_time": 2,
    "validity": 2,
    "window": 1,
    "max_nonce": 2,
    "publishers": ("a1",),
}
_P, _T, _S = "PreparePublishDescriptor", "Tick", "SyncJournal"
# Directed searches for counterexamples too deep for an undirected query.
DV_SCHEDULES = {
    # a1 publishes twice; a2 receives the newer descriptor first.
    ("BUG_LastArrivedWins", "DVChoiceDeterministic"): (_P, _T, _P, _S, _S),
    # a2 holds a forged revocation; a sync from a1 overwrites a2's replica.
    ("BUG_SyncReplaces", "DVJournalGrowOnly"): (_P, _S, "ForgeRevocation", "RevokeDescriptor", _S),
}
# How each invariant is discharged: the lemmas its consecution assumes
# (assuming all of them makes the quantified queries time out), or, for the
# invariants about the lookup operator, "valid in every state" (no lemma).
DV_ASSUME = {
    "DVTypeOK": ("DVNonceBelowNext", "DVRevocationShape"),
    "DVOnlyMembersKnow": (),
    "DVRevocationShape": (),
    "DVNonceBelowNext": ("DVTypeOK",),
    "DVJournalGrowOnly": (),
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


def descriptor_validity(
    *,
    max_time: int | None = None,
    validity: int | None = None,
    window: int | None = None,
    max_nonce: int | None = None,
    publishers: Sequence[str] | None = None,
    **bugs: bool,
) -> TransitionSystem:
    """The twin; keyword constants pin the spec's CONSTANTS (default: free)."""
    unknown = set(bugs) - set(DV_FLAGS)
    if unknown:
        raise ValueError(f"DescriptorValidity has no bug flags {sorted(unknown)}")
    bug = {b: bugs.get(b, False) for b in DV_FLAGS}
    S = dv_sorts()
    F, A, C = S.fact, S.auth, S.ctx
    ii, bb = z3.IntSort(), z3.BoolSort()
    FS = z3.ArraySort(F, bb)  # a set of facts
    roster = [A[a] for a in DV_AUTH]
    eve = A[OUTSIDER]
    ctxs = [C[c] for c in DV_CTX]
    desc_k, rev_k = S.kind["Descriptor"], S.kind["Revoked"]
    field = {n: getattr(F, _ACCESSOR[n]) for n in FACT_FIELDS}

    # With MaxTime, Validity and MaxNonce pinned (the TLC model's values) the
    # facts of DVFact that any action can create form a finite universe, and
    # every quantifier over facts becomes a finite conjunction: the twin is
    # then quantifier-free, which BMC needs to find deep counterexamples.
    # Free constants (the proofs) keep the quantifiers.
    universe: list[Any] = []
    descs_of: dict[str, list[Any]] = {a: [] for a in DV_AUTH}
    if None not in (max_time, validity, max_nonce):
        assert max_time is not None and validity is not None and max_nonce is not None
        for name, a in zip(DV_AUTH, roster, strict=True):
            for c in ctxs:
                for n in range(1, max_nonce + 1):
                    for t0 in range(max_time + 1):
                        d = F.fact(desc_k, a, c, t0, t0 + validity, n, a)
                        universe.append(d)
                        descs_of[name].append(d)
                    for b in roster:
                        universe.append(F.fact(rev_k, a, c, 0, 0, n, b))

    def domain(of: Any) -> list[Any]:
        # A quantifier whose body requires a descriptor of publisher ``of``
        # ranges over those only.
        if of is None:
            return universe
        return descs_of[str(of)]

    def forall(xs: list[Any], body: Any, of: Any = None) -> Any:
        if not universe:
            return z3.ForAll(xs, body)
        return z3.And(
            *(
                z3.substitute(body, *zip(xs, combo, strict=True))
                for combo in itertools.product(domain(of), repeat=len(xs))
            )
        )

    def exists(xs: list[Any], body: Any, of: Any = None) -> Any:
        if not universe:
            return z3.Exists(xs, body)
        return z3.Or(
            *(
                z3.substitute(body, *zip(xs, combo, strict=True))
                for combo in itertools.product(domain(of), repeat=len(xs))
            )
        )

    MaxTime, Validity, Window, MaxNonce = (
        z3.Int("MaxTime"),
        z3.Int("Validity"),
        z3.Int("Window"),
        z3.Int("MaxNonce"),
    )
    Publishers = z3.Array("Publishers", A.sort, bb)
    constants = {
        "Publishers": Publishers,
        "MaxTime": MaxTime,
        "Validity": Validity,
        "Window": Window,
        "MaxNonce": MaxNonce,
    }

    variables = {
        "now": ii,
        "journal": z3.ArraySort(A.sort, FS),
        "nextNonce": z3.ArraySort(A.sort, ii),
        "lastSeen": z3.ArraySort(A.sort, z3.ArraySort(C.sort, z3.ArraySort(A.sort, FS))),
    }

    def in_auth(x: Any) -> Any:
        return z3.Or(*(x == a for a in roster))

    def axioms(s: State) -> Any:
        parts = [
            MaxTime >= 0,
            Validity >= 1,
            Window >= 0,
            MaxNonce >= 0,
            z3.Not(Publishers[eve]),
        ]
        for k, v in (
            (MaxTime, max_time),
            (Validity, validity),
            (Window, window),
            (MaxNonce, max_nonce),
        ):
            if v is not None:
                parts.append(k == v)
        if publishers is not None:
            parts += [Publishers[A[a]] == (a in publishers) for a in DV_AUTH]
        return z3.And(*parts)

    def x_var(tag: str) -> Any:
        return z3.Const(f"x!{tag}", F)

    def valid_at(d: Any, t: Any) -> Any:
        return z3.And(field["from"](d) <= t, t < field["until"](d))

    def revocation(d: Any, b: Any) -> Any:
        return F.fact(rev_k, field["auth"](d), field["ctx"](d), 0, 0, field["nonce"](d), b)

    def revoked_in(s: State, m: Any, d: Any) -> Any:
        # \E r \in journal[m] : r revokes d and r.by = d.auth. Revocation facts
        # all have from = until = 0 (DVRevocationShape), so r is determined.
        return s["journal"][m][revocation(d, field["auth"](d))]

    def better(d1: Any, d2: Any) -> Any:
        f1, f2 = field["from"](d1), field["from"](d2)
        return z3.Or(f1 > f2, z3.And(f1 == f2, field["nonce"](d1) > field["nonce"](d2)))

    def candidates(s: State, m: Any, c: Any, p: Any, d: Any) -> Any:
        return z3.And(
            s["journal"][m][d],
            field["kind"](d) == desc_k,
            field["auth"](d) == p,
            field["ctx"](d) == c,
            valid_at(d, s["now"]),
            z3.Not(revoked_in(s, m, d)),
        )

    lookup_buggy = any(
        bug[b]
        for b in (
            "BUG_InclusiveValidUntil",
            "BUG_IgnoreRevocation",
            "BUG_AnyoneRevokes",
            "BUG_CrossContextLookup",
        )
    )

    def lookup_candidates(s: State, m: Any, c: Any, p: Any, d: Any) -> Any:
        if not lookup_buggy:
            # The same operator when every flag is off: the same term.
            return candidates(s, m, c, p, d)
        now = s["now"]
        valid = (
            z3.And(field["from"](d) <= now, now <= field["until"](d))
            if bug["BUG_InclusiveValidUntil"]
            else valid_at(d, now)
        )
        if bug["BUG_IgnoreRevocation"]:
            revoked: Any = z3.BoolVal(False)
        elif bug["BUG_AnyoneRevokes"]:
            revoked = z3.Or(*(s["journal"][m][revocation(d, b)] for b in roster))
        else:
            revoked = revoked_in(s, m, d)
        return z3.And(
            s["journal"][m][d],
            field["kind"](d) == desc_k,
            field["auth"](d) == p,
            z3.BoolVal(True) if bug["BUG_CrossContextLookup"] else field["ctx"](d) == c,
            valid,
            z3.Not(revoked),
        )

    def greatest(cands: Any, d: Any, tag: str, p: Any) -> Any:
        # d \in DVGreatest(S): d \in S /\ \A x \in S : x = d \/ DVBetter(d, x)
        x = x_var(tag)
        return z3.And(
            cands(d), forall([x], z3.Implies(cands(x), z3.Or(x == d, better(d, x))), of=p)
        )

    def in_best(s: State, m: Any, c: Any, p: Any, d: Any) -> Any:
        return greatest(lambda y: candidates(s, m, c, p, y), d, "best", p)

    def in_lookup(s: State, m: Any, c: Any, p: Any, d: Any) -> Any:
        if bug["BUG_LastArrivedWins"]:
            return z3.And(s["lastSeen"][m][c][p][d], lookup_candidates(s, m, c, p, d))
        return greatest(lambda y: lookup_candidates(s, m, c, p, y), d, "look", p)

    def needs_refresh(s: State, a: Any, c: Any) -> Any:
        x = x_var("nr")
        # Publishers are a1/a2 (a param ranging over the roster): the
        # quantifier ranges over the universe unless a is a known constant.
        return forall(
            [x], z3.Implies(candidates(s, a, c, a, x), s["now"] + Window >= field["until"](x))
        )

    empty = z3.K(F, z3.BoolVal(False))

    def init(s: State) -> Any:
        return z3.And(
            s["now"] == 0,
            s["journal"] == z3.K(A.sort, empty),
            s["nextNonce"] == z3.K(A.sort, z3.IntVal(1)),
            s["lastSeen"] == z3.K(A.sort, z3.K(C.sort, z3.K(A.sort, empty))),
        )

    def publish(s: State, t: State, p: Any) -> Any:
        a, c = p["a"], p["c"]
        n = s["nextNonce"][a]
        d = F.fact(desc_k, a, c, s["now"], s["now"] + Validity, n, a)
        return z3.And(
            in_auth(a),
            Publishers[a],
            needs_refresh(s, a, c),
            n <= MaxNonce,
            t["journal"] == z3.Store(s["journal"], a, z3.Store(s["journal"][a], d, True)),
            t["lastSeen"]
            == z3.Store(
                s["lastSeen"],
                a,
                z3.Store(
                    s["lastSeen"][a], c, z3.Store(s["lastSeen"][a][c], a, z3.Store(empty, d, True))
                ),
            ),
            t["nextNonce"] == z3.Store(s["nextNonce"], a, n + 1),
        )

    def revoke(s: State, t: State, p: Any) -> Any:
        a, d = p["a"], p["d"]
        r = revocation(d, a)
        return z3.And(
            in_auth(a),
            s["journal"][a][d],
            field["kind"](d) == desc_k,
            field["auth"](d) == a,
            valid_at(d, s["now"]),
            z3.Not(s["journal"][a][r]),
            t["journal"] == z3.Store(s["journal"], a, z3.Store(s["journal"][a], r, True)),
        )

    def forge(s: State, t: State, p: Any) -> Any:
        b, d = p["a"], p["d"]
        x = x_var("fg")

        def honest(m: Any) -> Any:
            return forall(
                [x],
                z3.Implies(
                    s["journal"][m][x],
                    z3.Or(field["kind"](x) != rev_k, field["by"](x) == field["auth"](x)),
                ),
            )

        return z3.And(
            in_auth(b),
            s["journal"][b][d],
            field["kind"](d) == desc_k,
            field["auth"](d) != b,
            *(honest(m) for m in roster),
            t["journal"]
            == z3.Store(s["journal"], b, z3.Store(s["journal"][b], revocation(d, b), True)),
        )

    def sync(s: State, t: State, p: Any) -> Any:
        src, dst, f = p["src"], p["dst"], p["f"]
        merged = (
            s["journal"][src] if bug["BUG_SyncReplaces"] else z3.Store(s["journal"][dst], f, True)
        )
        fc, fa = field["ctx"](f), field["auth"](f)
        seen = z3.Store(
            s["lastSeen"],
            dst,
            z3.Store(
                s["lastSeen"][dst],
                fc,
                z3.Store(s["lastSeen"][dst][fc], fa, z3.Store(empty, f, True)),
            ),
        )
        return z3.And(
            in_auth(src),
            z3.Or(in_auth(dst), dst == eve),
            src != dst,
            z3.BoolVal(True) if bug["BUG_SyncToNonMember"] else in_auth(dst),
            s["journal"][src][f],
            z3.Not(s["journal"][dst][f]),
            t["journal"] == z3.Store(s["journal"], dst, merged),
            t["lastSeen"]
            == z3.If(z3.And(field["kind"](f) == desc_k, in_auth(dst)), seen, s["lastSeen"]),
        )

    def tick(s: State, t: State, p: Any) -> Any:
        return z3.And(s["now"] < MaxTime, t["now"] == s["now"] + 1)

    actions = {
        "PreparePublishDescriptor": Action(
            publish, ("journal", "lastSeen", "nextNonce"), {"a": A.sort, "c": C.sort}
        ),
        "RevokeDescriptor": Action(revoke, ("journal",), {"a": A.sort, "d": F}),
        "ForgeRevocation": Action(forge, ("journal",), {"a": A.sort, "d": F}),
        "SyncJournal": Action(
            sync, ("journal", "lastSeen"), {"src": A.sort, "dst": A.sort, "f": F}
        ),
        "Tick": Action(tick, ("now",)),
    }

    def every_choice(s: State, body: Any) -> Any:
        d = z3.Const("d!q", F)
        return z3.And(
            *(
                forall([d], z3.Implies(in_lookup(s, m, c, p, d), body(m, c, p, d)), of=p)
                for m in roster
                for c in ctxs
                for p in roster
            )
        )

    def fact_ok(s: State, f: Any) -> Any:
        is_desc = field["kind"](f) == desc_k
        return z3.And(
            in_auth(field["auth"](f)),
            in_auth(field["by"](f)),
            field["from"](f) >= 0,
            field["from"](f) <= MaxTime,
            field["until"](f) >= 0,
            field["until"](f) <= MaxTime + Validity,
            field["nonce"](f) >= 1,
            field["nonce"](f) <= MaxNonce,
            z3.Implies(is_desc, field["by"](f) == field["auth"](f)),
        )

    def type_ok(s: State) -> Any:
        f, g = z3.Const("f!t", F), z3.Const("g!t", F)
        members = [*roster, eve]
        parts = [s["now"] >= 0, s["now"] <= MaxTime]
        parts += [forall([f], z3.Implies(s["journal"][m][f], fact_ok(s, f))) for m in members]
        parts += [z3.And(s["nextNonce"][a] >= 1, s["nextNonce"][a] <= MaxNonce + 1) for a in roster]
        for m in roster:
            for c in ctxs:
                for p in roster:
                    ls = s["lastSeen"][m][c][p]
                    if universe:
                        # Cardinality <= 1 over a finite universe is AtMost.
                        members_ = [u for a in DV_AUTH for u in descs_of[a]]
                        parts.append(z3.AtMost(*(ls[u] for u in members_), 1))
                        parts.append(forall([f], z3.Implies(ls[f], fact_ok(s, f))))
                    else:
                        parts.append(
                            forall(
                                [f, g],
                                z3.Implies(z3.And(ls[f], ls[g]), z3.And(f == g, fact_ok(s, f))),
                            )
                        )
        return z3.And(*parts)

    def publisher_revokes(s: State) -> Any:
        d, e = z3.Const("d!p", F), z3.Const("e!p", F)
        return z3.And(
            *(
                z3.Implies(
                    exists([d], in_best(s, m, c, p, d), of=p),
                    exists([e], in_lookup(s, m, c, p, e), of=p),
                )
                for m in roster
                for c in ctxs
                for p in roster
            )
        )

    def deterministic(s: State) -> Any:
        d, x = z3.Const("d!q", F), z3.Const("x!q", F)
        return z3.And(
            *(
                forall(
                    [d, x],
                    z3.Implies(
                        z3.And(in_lookup(s, m, c, p, d), candidates(s, m, c, p, x)),
                        z3.Not(better(x, d)),
                    ),
                    of=p,
                )
                for m in roster
                for c in ctxs
                for p in roster
            )
        )

    invariants = {
        "DVTypeOK": type_ok,
        "DVOnlyMembersKnow": lambda s: s["journal"][eve] == empty,
        "DVNoCrossContext": lambda s: every_choice(s, lambda m, c, p, d: field["ctx"](d) == c),
        "DVChosenValid": lambda s: every_choice(s, lambda m, c, p, d: valid_at(d, s["now"])),
        "DVRevokedNeverChosen": lambda s: every_choice(
            s, lambda m, c, p, d: z3.Not(revoked_in(s, m, d))
        ),
        "DVOnlyPublisherRevokes": publisher_revokes,
        "DVChoiceDeterministic": deterministic,
    }

    def all_facts(s: State, body: Any) -> Any:
        f = z3.Const("f!s", F)
        return z3.And(
            *(forall([f], z3.Implies(s["journal"][m][f], body(m, f))) for m in [*roster, eve])
        )

    strengthening = {
        # Revocation facts are DVRevocation(d, b): from = until = 0 (the twin's
        # DVRevokedIn relies on it).
        "DVRevocationShape": lambda s: all_facts(
            s,
            lambda m, f: z3.Implies(
                field["kind"](f) == rev_k, z3.And(field["from"](f) == 0, field["until"](f) == 0)
            ),
        ),
        # Descriptors of a publisher have nonces below its next nonce.
        "DVNonceBelowNext": lambda s: all_facts(
            s,
            lambda m, f: z3.And(
                *(
                    z3.Implies(field["auth"](f) == a, field["nonce"](f) < s["nextNonce"][a])
                    for a in roster
                ),
                field["from"](f) <= s["now"],
                z3.Implies(
                    field["kind"](f) == desc_k,
                    field["until"](f) == field["from"](f) + Validity,
                ),
            ),
        ),
    }

    action_properties = {"DVJournalGrowOnly": _grow_only(roster)}

    return TransitionSystem(
        "DescriptorValidity",
        variables,
        init,
        actions,
        invariants,
        strengthening=strengthening,
        axioms=axioms,
        constants=constants,
        constant_decoders={"Publishers": lambda m, e: _subset(m, e, roster)},
        decoders=_decoders(S, roster, ctxs),
        action_properties=action_properties,
    )


def _grow_only(roster: Sequence[Any]) -> Any:
    def prop(s: State, t: State) -> Any:
        return z3.And(*(z3.IsSubset(s["journal"][m], t["journal"][m]) for m in roster))

    return prop


def _subset(model: Any, arr: Any, roster: Sequence[Any]) -> object:
    return frozenset(str(a) for a in roster if z3.is_true(model.eval(arr[a], True)))


def _decoders(S: DVSorts, roster: Sequence[Any], ctxs: Sequence[Any]) -> dict[str, Any]:
    F = S.fact

    def fact_set(m: Any, expr: Any) -> object:
        return frozenset(
            Record(
                (n, decode_scalar(m.eval(getattr(F, _ACCESSOR[n])(k), model_completion=True)))
                for n in FACT_FIELDS
            )
            for k in array_true_keys(m, expr)
        )

    def journal(m: Any, expr: Any, s: State) -> object:
        return {str(a): fact_set(m, expr[a]) for a in [*roster, S.auth[OUTSIDER]]}

    def next_nonce(m: Any, expr: Any, s: State) -> object:
        return {str(a): decode_scalar(m.eval(expr[a], True)) for a in roster}

    def last_seen(m: Any, expr: Any, s: State) -> object:
        return {
            str(a): {str(c): {str(p): fact_set(m, expr[a][c][p]) for p in roster} for c in ctxs}
            for a in roster
        }

    return {"journal": journal, "nextNonce": next_nonce, "lastSeen": last_seen}
