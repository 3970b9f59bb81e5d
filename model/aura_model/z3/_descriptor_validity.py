"""Z3 twin of ``spec/DescriptorValidity.tla`` (DESIGN.md sections 2 and 3).

Authorities ``a1, a2, a3``; contexts ``c1`` (members a1, a2) and ``c2``
(members a1, a3). Each (publisher, context) has ``SLOTS`` descriptor slots
(the descriptors it may publish in a run); times, validity windows and nonces
are unbounded integers. ``knows[m][d]`` is member ``m``'s journal (a fact of
descriptor ``d``), ``revokedAt[m][d]`` whether ``m``'s journal holds its
revocation, ``arrival[m][d]`` the local Lamport stamp at which it arrived (for
the "last arrived" broken variant only: the correct choice ignores it).

The choice of a peer's descriptor (``DVChosen``) is a function of the state,
as in the spec: the known, valid, non-revoked descriptor of that peer and
context with the greatest ``(valid_from, nonce)``.
"""

from __future__ import annotations

from typing import Any

import z3

from aura_model.z3._sorts import EnumSort
from aura_model.z3._ts import Action, State, TransitionSystem, decode_scalar

__all__ = ["DV_BUGS", "MEMBERS", "SLOT_IDS", "descriptor_validity"]

AUTHS = ("a1", "a2", "a3")
CTXS = ("c1", "c2")
MEMBERS = {"c1": ("a1", "a2"), "c2": ("a1", "a3")}
SLOTS = 2
# Descriptor ids: d_<publisher>_<context>_<k>, for members only (others cannot publish).
SLOT_IDS = tuple(f"d_{a}_{c}_{k}" for c in CTXS for a in MEMBERS[c] for k in range(SLOTS))

DV_BUGS = (
    ("BUG_LastArrivedWins", "DVChoiceDeterministic"),
    ("BUG_IgnoreRevocation", "DVRevokedNeverChosen"),
    ("BUG_CrossContextLookup", "DVNoCrossContext"),
    ("BUG_InclusiveValidUntil", "DVChosenValid"),
    ("BUG_SyncToNonMember", "DVOnlyMembersKnow"),
    ("BUG_AnyoneRevokes", "DVOnlyPublisherRevokes"),
)
DV_FLAGS = tuple(dict.fromkeys(flag for flag, _ in DV_BUGS))


def _meta(d: str) -> tuple[str, str, int]:
    _, a, c, k = d.split("_")
    return a, c, int(k)


def descriptor_validity(**bugs: bool) -> TransitionSystem:
    unknown = set(bugs) - set(DV_FLAGS)
    if unknown:
        raise ValueError(f"DescriptorValidity has no bug flags {sorted(unknown)}")
    bug = {b: bugs.get(b, False) for b in DV_FLAGS}
    auth = EnumSort("DVAuthority", AUTHS)
    ctx = EnumSort("DVContext", CTXS)
    desc = EnumSort("DVDescriptor", SLOT_IDS)
    ii, bb = z3.IntSort(), z3.BoolSort()
    per_desc_int = z3.ArraySort(desc.sort, ii)
    per_desc_bool = z3.ArraySort(desc.sort, bb)
    variables = {
        "now": ii,
        "published": per_desc_bool,
        "validFrom": per_desc_int,
        "validUntil": per_desc_int,
        "nonce": per_desc_int,
        "nextNonce": z3.ArraySort(auth.sort, ii),
        "knows": z3.ArraySort(auth.sort, per_desc_bool),
        "revokedAt": z3.ArraySort(auth.sort, per_desc_bool),
        "revokedBy": z3.ArraySort(desc.sort, auth.sort),  # who issued the revocation
        "revoked": per_desc_bool,  # a revocation fact exists
        "arrival": z3.ArraySort(auth.sort, per_desc_int),
        "clock": z3.ArraySort(auth.sort, ii),  # per-member Lamport clock
    }

    def member(a: str, c: str) -> bool:
        return a in MEMBERS[c]

    def is_member(a: Any, c: Any) -> Any:
        return z3.Or(*(z3.And(a == auth[x], c == ctx[cc]) for cc in CTXS for x in MEMBERS[cc]))

    def get(arr: Any, *keys: Any) -> Any:
        for k in keys:
            arr = z3.Select(arr, k)
        return arr

    def valid(s: State, d: Any) -> Any:
        vf, vu = get(s["validFrom"], d), get(s["validUntil"], d)
        if bug["BUG_InclusiveValidUntil"]:
            return z3.And(vf <= s["now"], s["now"] <= vu)
        return z3.And(vf <= s["now"], s["now"] < vu)

    def eligible(s: State, m: Any, c: str, p: str, d: str) -> Any:
        a_d, c_d, _ = _meta(d)
        same = a_d == p and (c_d == c or bug["BUG_CrossContextLookup"])
        if not same:
            return z3.BoolVal(False)
        conds = [get(s["knows"], m, desc[d]), valid(s, desc[d])]
        if not bug["BUG_IgnoreRevocation"]:
            conds.append(z3.Not(get(s["revokedAt"], m, desc[d])))
        return z3.And(*conds)

    def greater(s: State, m: Any, d: str, e: str) -> Any:
        if bug["BUG_LastArrivedWins"]:
            return get(s["arrival"], m, desc[d]) > get(s["arrival"], m, desc[e])
        vf_d, vf_e = get(s["validFrom"], desc[d]), get(s["validFrom"], desc[e])
        n_d, n_e = get(s["nonce"], desc[d]), get(s["nonce"], desc[e])
        return z3.Or(vf_d > vf_e, z3.And(vf_d == vf_e, n_d > n_e))

    chosen_cache: dict[tuple[object, ...], dict[str, Any]] = {}

    def chosen(s: State, m: Any, c: str, p: str) -> dict[str, Any]:
        """For each descriptor, whether member m chooses it for peer p in c."""
        key = (tuple(e.get_id() for e in s.values()), m.get_id(), c, p)
        if key not in chosen_cache:
            chosen_cache[key] = _chosen(s, m, c, p)
        return chosen_cache[key]

    def _chosen(s: State, m: Any, c: str, p: str) -> dict[str, Any]:
        cands = [d for d in SLOT_IDS if _meta(d)[0] == p]
        out = {}
        for d in cands:
            beats = [
                z3.Implies(eligible(s, m, c, p, e), greater(s, m, d, e)) for e in cands if e != d
            ]
            out[d] = z3.And(eligible(s, m, c, p, d), *beats)
        return out

    def init(s: State) -> Any:
        return z3.And(
            s["now"] >= 0,
            s["published"] == z3.K(desc.sort, z3.BoolVal(False)),
            s["knows"] == z3.K(auth.sort, z3.K(desc.sort, z3.BoolVal(False))),
            s["revokedAt"] == z3.K(auth.sort, z3.K(desc.sort, z3.BoolVal(False))),
            s["revoked"] == z3.K(desc.sort, z3.BoolVal(False)),
            s["arrival"] == z3.K(auth.sort, z3.K(desc.sort, z3.IntVal(0))),
            s["clock"] == z3.K(auth.sort, z3.IntVal(0)),
            s["nextNonce"] == z3.K(auth.sort, z3.IntVal(0)),
            # Unpublished slots carry no window yet (the spec's NoDescriptor).
            s["validFrom"] == z3.K(desc.sort, z3.IntVal(0)),
            s["validUntil"] == z3.K(desc.sort, z3.IntVal(0)),
            s["nonce"] == z3.K(desc.sort, z3.IntVal(0)),
        )

    def arrive(s: State, t: State, m: Any, d: Any) -> list[Any]:
        stamp = get(s["clock"], m) + 1
        return [
            t["knows"] == z3.Store(s["knows"], m, z3.Store(get(s["knows"], m), d, True)),
            t["arrival"] == z3.Store(s["arrival"], m, z3.Store(get(s["arrival"], m), d, stamp)),
            t["clock"] == z3.Store(s["clock"], m, stamp),
        ]

    def publish(s: State, t: State, p: Any) -> Any:
        # The publisher is fixed by the descriptor id: d_<a>_<c>_<k>.
        d, validity = p["d"], p["validity"]
        owner = z3.Or(*(z3.And(d == desc[x], p["a"] == auth[_meta(x)[0]]) for x in SLOT_IDS))
        return z3.And(
            owner,
            z3.Not(get(s["published"], d)),
            validity >= 1,  # building an empty window is an error, not a descriptor
            t["published"] == z3.Store(s["published"], d, True),
            t["validFrom"] == z3.Store(s["validFrom"], d, s["now"]),
            t["validUntil"] == z3.Store(s["validUntil"], d, s["now"] + validity),
            t["nonce"] == z3.Store(s["nonce"], d, get(s["nextNonce"], p["a"])),
            t["nextNonce"] == z3.Store(s["nextNonce"], p["a"], get(s["nextNonce"], p["a"]) + 1),
            *arrive(s, t, p["a"], d),
        )

    def revoke(s: State, t: State, p: Any) -> Any:
        d, a = p["d"], p["a"]
        publisher = z3.Or(*(z3.And(d == desc[x], a == auth[_meta(x)[0]]) for x in SLOT_IDS))
        ctx_member = z3.Or(
            *(z3.And(d == desc[x], is_member(a, ctx[_meta(x)[1]])) for x in SLOT_IDS)
        )
        return z3.And(
            ctx_member if bug["BUG_AnyoneRevokes"] else publisher,
            get(s["knows"], a, d),
            t["revoked"] == z3.Store(s["revoked"], d, True),
            t["revokedBy"] == z3.Store(s["revokedBy"], d, a),
            t["revokedAt"]
            == z3.Store(s["revokedAt"], a, z3.Store(get(s["revokedAt"], a), d, True)),
        )

    def sync(s: State, t: State, p: Any) -> Any:
        # Anti-entropy: src sends dst one fact of context c that dst misses
        # (one at a time, so arrival order is any order).
        src, dst, d = p["src"], p["dst"], p["d"]
        in_ctx = z3.Or(*(z3.And(d == desc[x], is_member(src, ctx[_meta(x)[1]])) for x in SLOT_IDS))
        dst_ok = (
            z3.BoolVal(True)
            if bug["BUG_SyncToNonMember"]
            else z3.Or(*(z3.And(d == desc[x], is_member(dst, ctx[_meta(x)[1]])) for x in SLOT_IDS))
        )
        knows_d = get(s["knows"], src, d)
        rev = z3.Or(get(s["revokedAt"], dst, d), get(s["revokedAt"], src, d))
        return z3.And(
            src != dst,
            in_ctx,
            dst_ok,
            knows_d,
            z3.Or(z3.Not(get(s["knows"], dst, d)), rev != get(s["revokedAt"], dst, d)),
            z3.If(
                get(s["knows"], dst, d),
                z3.And(
                    t["knows"] == s["knows"],
                    t["arrival"] == s["arrival"],
                    t["clock"] == s["clock"],
                ),
                z3.And(*arrive(s, t, dst, d)),
            ),
            t["revokedAt"]
            == z3.Store(s["revokedAt"], dst, z3.Store(get(s["revokedAt"], dst), d, rev)),
        )

    def tick(s: State, t: State, p: Any) -> Any:
        return z3.And(p["delta"] >= 1, t["now"] == s["now"] + p["delta"])

    actions = {
        "PreparePublishDescriptor": Action(
            publish,
            (
                "published",
                "validFrom",
                "validUntil",
                "nonce",
                "nextNonce",
                "knows",
                "arrival",
                "clock",
            ),
            {"a": auth.sort, "d": desc.sort, "validity": ii},
        ),
        "RevokeDescriptor": Action(
            revoke, ("revoked", "revokedBy", "revokedAt"), {"a": auth.sort, "d": desc.sort}
        ),
        "SyncJournal": Action(
            sync,
            ("knows", "arrival", "clock", "revokedAt"),
            {"src": auth.sort, "dst": auth.sort, "d": desc.sort},
        ),
        "Tick": Action(tick, ("now",), {"delta": ii}),
    }

    def all_choices(s: State, body: Any) -> Any:
        parts = []
        for m in AUTHS:
            for c in CTXS:
                for p in MEMBERS[c]:
                    ch = chosen(s, auth[m], c, p)
                    parts += [body(m, c, p, d, cd) for d, cd in ch.items()]
        return z3.And(*parts)

    def knows_fact(s: State, m: str, d: str) -> Any:
        return get(s["knows"], auth[m], desc[d])

    def same_view(s: State, m1: str, m2: str, c: str, p: str) -> Any:
        parts = []
        for d in SLOT_IDS:
            if _meta(d)[0] == p:
                parts += [
                    knows_fact(s, m1, d) == knows_fact(s, m2, d),
                    get(s["revokedAt"], auth[m1], desc[d])
                    == get(s["revokedAt"], auth[m2], desc[d]),
                ]
        return z3.And(*parts)

    def choice_deterministic(s: State) -> Any:
        parts = []
        for c in CTXS:
            for p in MEMBERS[c]:
                for i, m1 in enumerate(MEMBERS[c]):
                    for m2 in MEMBERS[c][i + 1 :]:
                        ch1, ch2 = chosen(s, auth[m1], c, p), chosen(s, auth[m2], c, p)
                        parts.append(
                            z3.Implies(
                                same_view(s, m1, m2, c, p),
                                z3.And(*(ch1[d] == ch2[d] for d in ch1)),
                            )
                        )
        return z3.And(*parts)

    invariants = {
        "DVTypeOK": lambda s: z3.And(
            s["now"] >= 0,
            *(get(s["nextNonce"], a) >= 0 for a in auth),
        ),
        "DVWellFormed": lambda s: z3.And(
            *(
                z3.Implies(
                    get(s["published"], desc[d]),
                    get(s["validFrom"], desc[d]) < get(s["validUntil"], desc[d]),
                )
                for d in SLOT_IDS
            )
        ),
        "DVOnlyMembersKnow": lambda s: z3.And(
            *(
                z3.Not(knows_fact(s, m, d))
                for m in AUTHS
                for d in SLOT_IDS
                if not member(m, _meta(d)[1])
            )
        ),
        "DVChosenValid": lambda s: all_choices(
            s,
            lambda m, c, p, d, cd: z3.Implies(
                cd,
                z3.And(
                    get(s["validFrom"], desc[d]) <= s["now"],
                    s["now"] < get(s["validUntil"], desc[d]),
                ),
            ),
        ),
        "DVRevokedNeverChosen": lambda s: all_choices(
            # Never chosen by a member whose journal holds the revocation.
            s,
            lambda m, c, p, d, cd: z3.Implies(cd, z3.Not(get(s["revokedAt"], auth[m], desc[d]))),
        ),
        "DVNoCrossContext": lambda s: all_choices(
            s, lambda m, c, p, d, cd: z3.Implies(cd, z3.BoolVal(_meta(d)[1] == c))
        ),
        "DVChoiceDeterministic": choice_deterministic,
        "DVOnlyPublisherRevokes": lambda s: z3.And(
            *(
                z3.Implies(
                    get(s["revoked"], desc[d]),
                    get(s["revokedBy"], desc[d]) == auth[_meta(d)[0]],
                )
                for d in SLOT_IDS
            )
        ),
    }
    strengthening = {
        "DVKnownIsPublished": lambda s: z3.And(
            *(
                z3.Implies(knows_fact(s, m, d), get(s["published"], desc[d]))
                for m in AUTHS
                for d in SLOT_IDS
            )
        ),
        "DVRevocationIsFact": lambda s: z3.And(
            *(
                z3.Implies(get(s["revokedAt"], auth[m], desc[d]), get(s["revoked"], desc[d]))
                for m in AUTHS
                for d in SLOT_IDS
            )
        ),
        "DVNoncesUnique": lambda s: z3.And(
            *(
                z3.Implies(
                    z3.And(get(s["published"], desc[d]), get(s["published"], desc[e])),
                    get(s["nonce"], desc[d]) != get(s["nonce"], desc[e]),
                )
                for d in SLOT_IDS
                for e in SLOT_IDS
                if d < e and _meta(d)[0] == _meta(e)[0]
            ),
            *(
                z3.Implies(
                    get(s["published"], desc[d]),
                    get(s["nonce"], desc[d]) < get(s["nextNonce"], auth[_meta(d)[0]]),
                )
                for d in SLOT_IDS
            ),
        ),
    }

    def decode_per_desc(model: Any, expr: Any, s: State) -> object:
        pub = s["published"]
        return {
            d: decode_scalar(model.eval(z3.Select(expr, desc[d]), True))
            for d in SLOT_IDS
            if z3.is_true(model.eval(z3.Select(pub, desc[d]), True))
        }

    def decode_per_member(model: Any, expr: Any, s: State) -> object:
        return {
            m: frozenset(
                d for d in SLOT_IDS if z3.is_true(model.eval(get(expr, auth[m], desc[d]), True))
            )
            for m in AUTHS
        }

    def decode_set(model: Any, expr: Any, s: State) -> object:
        return frozenset(d for d in SLOT_IDS if z3.is_true(model.eval(get(expr, desc[d]), True)))

    def decode_arrival(model: Any, expr: Any, s: State) -> object:
        return {
            m: {
                d: decode_scalar(model.eval(get(expr, auth[m], desc[d]), True))
                for d in SLOT_IDS
                if z3.is_true(model.eval(get(s["knows"], auth[m], desc[d]), True))
            }
            for m in AUTHS
        }

    def decode_by_auth(model: Any, expr: Any, s: State) -> object:
        return {a: decode_scalar(model.eval(get(expr, auth[a]), True)) for a in AUTHS}

    def decode_revoked_by(model: Any, expr: Any, s: State) -> object:
        rev = s["revoked"]
        return {
            d: str(model.eval(get(expr, desc[d]), True))
            for d in SLOT_IDS
            if z3.is_true(model.eval(get(rev, desc[d]), True))
        }

    return TransitionSystem(
        "DescriptorValidity",
        variables,
        init,
        actions,
        invariants,
        strengthening=strengthening,
        logic="QF_AUFLIA",
        decoders={
            "published": decode_set,
            "validFrom": decode_per_desc,
            "validUntil": decode_per_desc,
            "nonce": decode_per_desc,
            "nextNonce": decode_by_auth,
            "knows": decode_per_member,
            "revokedAt": decode_per_member,
            "revokedBy": decode_revoked_by,
            "revoked": decode_set,
            "arrival": decode_arrival,
            "clock": decode_by_auth,
        },
    )
