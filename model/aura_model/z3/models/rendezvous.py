"""Z3 twin of the safety part of ``spec/Rendezvous.tla`` (an abstraction).

Same action names and parameters, invariant names and ``BUG_*`` flags as the
TLA+ module; ``Limit``, ``MaxTime``, ``MaxEpoch``, ``MaxHs`` and ``RelayCtx``
are free constants, budgets, epochs and ids unbounded integers, and the
contexts are two (``c1``, ``c2``: enough for context isolation).

What is abstracted, and why it is sound for the invariants proved here: the
descriptor facts of the journal (publication, revocation, their sync,
validity and the lookup) are not modelled. Every spec step maps to a twin
step or to a stutter: ``RevokeDescriptor`` and a sync of a descriptor fact
change nothing the twin has; ``PreparePublishDescriptor`` only charges;
``PrepareEstablishChannel`` may fire whenever the spec's may (its "a valid
descriptor exists" guard is dropped: more behaviours, not fewer). The lookup
is equal to the one Ini must use unless ``BUG_IgnoreRevocation`` is set, so
``dok`` is TRUE; with the flag the twin takes the case where the two differ
(a revoked descriptor is still chosen), which ``MC_Rendezvous_bad_*`` reaches.
So each proof holds for the spec; ``journal`` keeps the ChannelEstablished
facts only, and ``hsLog`` entries drop the constant ``resp`` field.
"""

from __future__ import annotations

from typing import Any

import z3

from aura_model.z3.framework import Action, EnumSort, State, TransitionSystem, context_cached

__all__ = [
    "RV_BUGS",
    "RV_BUG_CONSTANTS",
    "RV_FLAGS",
    "RV_MC_CONSTANTS",
    "RV_SCHEDULES",
    "RV_WITNESS_PREFIXES",
    "rendezvous",
]

RV_BUGS = (
    ("BUG_ReplyOnReject", "RVNoMessageOnDeny"),
    ("BUG_ChannelNotBound", "RVChannelContextBound"),
    ("BUG_DoubleCharge", "RVBudgetWithinLimit"),
    ("BUG_NoReplayCheck", "RVReplayRejected"),
    ("BUG_JournalBeforeConfirm", "RVEstablishedAfterConfirm"),
    ("BUG_IgnoreRevocation", "RVConnectWithValidDescriptor"),
    ("BUG_NoEpochCheck", "RVNoStaleActive"),
    ("BUG_RelayNoCapCheck", "RVRelayAuthorized"),
    ("BUG_NoRosterCheck", "RVMembersOnly"),
)
RV_FLAGS = tuple(flag for flag, _ in RV_BUGS)

# The constants of spec/MC_Rendezvous_bad_*.cfg (RelayCtx = {c1} of two contexts),
# Limit = 3 as there; the replay twin takes Limit = 4 (two accepted msg 1s of
# one epoch cost the responder 4).
RV_MC_CONSTANTS = {
    "limit": 3,
    "max_hs": 1,
    "max_epoch": 1,
    "max_time": 1,
    "relay_ctx": ("c1",),
}

RV_BUG_CONSTANTS: dict[str, dict[str, object]] = {"BUG_NoReplayCheck": {"limit": 4}}

_HS = ("PrepareEstablishChannel", "HandleHandshake")
# Directed searches (the action sequence fixed, constants and parameters
# free): undirected unrollings of this many message sets pass 2 s per query
# past depth 2.
RV_SCHEDULES = {
    ("BUG_ReplyOnReject", "RVNoMessageOnDeny"): ("InjectInit", "HandleHandshake"),
    ("BUG_ChannelNotBound", "RVChannelContextBound"): (*_HS, "ProcessResponse"),
    ("BUG_DoubleCharge", "RVBudgetWithinLimit"): ("PrepareEstablishChannel",),
    ("BUG_NoReplayCheck", "RVReplayRejected"): (*_HS, "HandleHandshake"),
    ("BUG_JournalBeforeConfirm", "RVEstablishedAfterConfirm"): _HS,
    ("BUG_IgnoreRevocation", "RVConnectWithValidDescriptor"): ("PrepareEstablishChannel",),
    ("BUG_NoEpochCheck", "RVNoStaleActive"): ("PrepareEstablishChannel", "AdvanceEpoch", _HS[1]),
    ("BUG_RelayNoCapCheck", "RVRelayAuthorized"): ("PrepareEstablishChannel", "RelayForward"),
    ("BUG_NoRosterCheck", "RVMembersOnly"): ("InjectInit", "HandleHandshake"),
}
RV_WITNESS_PREFIXES = {
    "ProcessResponse": _HS,
    "KeyConfirm": (*_HS, "ProcessResponse"),
    "SyncJournal": (*_HS, "ProcessResponse", "KeyConfirm"),
}

_AUTH = ("a1", "a2", "r1", "eve")  # Ini, Resp, Relay, Outsider of MC_Rendezvous.cfg
_CTX = ("c1", "c2")
_STATES = ("None", "Establishing", "Active", "Rotating")
_TYPES = ("Init", "Resp", "Confirm", "Error", "Forward")


class RVSorts:
    def __init__(self) -> None:
        self.auth = EnumSort("RVAuth", _AUTH)
        self.ctx = EnumSort("RVCtx", _CTX)
        self.st = EnumSort("RVState", _STATES)
        self.type = EnumSort("RVType", _TYPES)
        self.path = EnumSort("RVPath", ("direct", "relay"))
        self.after = EnumSort("RVAfter", ("Allowed", "Denied"))
        a, c, ii, bb = self.auth.sort, self.ctx.sort, z3.IntSort(), z3.BoolSort()
        chan = z3.Datatype("RVChan")
        chan.declare("chan", ("st", self.st.sort), ("ep", ii), ("id", ii), ("context", c))
        msg = z3.Datatype("RVMsg")
        msg.declare(
            "msg",
            ("type", self.type.sort),
            ("context", c),
            ("src", a),
            ("dst", a),
            ("to", a),
            ("path", self.path.sort),
            ("ep", ii),
            ("id", ii),
            ("dok", bb),
        )
        sent = z3.Datatype("RVSent")
        sent.declare(
            "sent", ("src", a), ("type", self.type.sort), ("context", c), ("after", self.after.sort)
        )
        receipt = z3.Datatype("RVReceipt")
        receipt.declare("receipt", ("op", self.type.sort), ("context", c), ("src", a), ("ep", ii))
        fact = z3.Datatype("RVEstFact")
        fact.declare("est", ("auth", a), ("id", ii), ("ep", ii))
        hs = z3.Datatype("RVHs")
        hs.declare("hs", ("ini", a), ("ts", ii))
        self.chan, self.msg, self.sent, self.receipt, self.fact, self.hs = z3.CreateDatatypes(
            chan, msg, sent, receipt, fact, hs
        )


@context_cached
def rv_sorts() -> RVSorts:
    """Z3 datatypes may be declared only once per context: every caller in one shares these."""
    return RVSorts()


def rendezvous(
    *,
    limit: int | None = None,
    max_hs: int | None = None,
    max_epoch: int | None = None,
    max_time: int | None = None,
    relay_ctx: tuple[str, ...] | None = None,
    **bugs: bool,
) -> TransitionSystem:
    """The twin; keyword constants pin the spec's constants (default free)."""
    unknown = set(bugs) - set(RV_FLAGS)
    if unknown:
        raise ValueError(f"Rendezvous has no bug flags {sorted(unknown)}")
    bug = {b: bugs.get(b, False) for b in RV_FLAGS}
    S = rv_sorts()
    A, C, ii, bb = S.auth.sort, S.ctx.sort, z3.IntSort(), z3.BoolSort()
    Ch, M, Se, Rc, Fa, Hs = S.chan, S.msg, S.sent, S.receipt, S.fact, S.hs
    ini, resp, relay, outsider = (S.auth[a] for a in _AUTH)
    peers, senders, auths = (ini, resp), (ini, resp, outsider), (ini, resp, relay)
    ctxs = tuple(S.ctx)
    st, ty = S.st, S.type

    Limit, MaxTime, MaxEpoch, MaxHs = (z3.Int(n) for n in ("Limit", "MaxTime", "MaxEpoch", "MaxHs"))
    RelayCtx = z3.Array("RelayCtx", C, bb)
    constants = {
        "Limit": Limit,
        "MaxTime": MaxTime,
        "MaxEpoch": MaxEpoch,
        "MaxHs": MaxHs,
        "RelayCtx": RelayCtx,
    }
    variables = {
        "now": ii,
        "epoch": z3.ArraySort(C, ii),
        "journal": z3.ArraySort(C, z3.ArraySort(A, z3.ArraySort(Fa, bb))),
        "spent": z3.ArraySort(C, z3.ArraySort(A, z3.ArraySort(ii, ii))),
        "chan": z3.ArraySort(C, z3.ArraySort(A, z3.ArraySort(A, Ch))),
        "nextId": ii,
        "lastTs": z3.ArraySort(A, z3.ArraySort(A, ii)),
        "net": z3.ArraySort(M, bb),
        "hsLen": ii,
        "hsLog": z3.ArraySort(ii, Hs),
        "rlog": z3.ArraySort(A, z3.ArraySort(Rc, bb)),
        "sent": z3.ArraySort(Se, bb),
        "confirmed": z3.ArraySort(ii, bb),
    }

    def axioms(s: State) -> Any:
        parts = [Limit >= 0, MaxTime >= 0, MaxEpoch >= 0, MaxHs >= 0]
        pins = ((Limit, limit), (MaxHs, max_hs), (MaxEpoch, max_epoch), (MaxTime, max_time))
        parts += [k == v for k, v in pins if v is not None]
        if relay_ctx is not None:
            parts += [RelayCtx[S.ctx[c]] == (c in relay_ctx) for c in _CTX]
        return z3.And(*parts)

    def budget_ok(s: State, c: Any, a: Any, cost: int) -> Any:
        return s["spent"][c][a][s["epoch"][c]] + cost <= Limit

    def charge(s: State, c: Any, a: Any, cost: int) -> Any:
        sp, e = s["spent"], s["epoch"][c]
        return z3.Store(sp, c, z3.Store(sp[c], a, z3.Store(sp[c][a], e, sp[c][a][e] + cost)))

    def set_chan(s: State, c: Any, a: Any, p: Any, v: Any) -> Any:
        ch = s["chan"]
        return z3.Store(ch, c, z3.Store(ch[c], a, z3.Store(ch[c][a], p, v)))

    def hop(path: Any, to: Any) -> Any:
        return z3.If(path == S.path["relay"], relay, to)

    def add(arr: Any, x: Any) -> Any:
        return z3.Store(arr, x, True)

    def sent_rec(src: Any, t: str, c: Any, after: str = "Allowed") -> Any:
        return Se.sent(src, ty[t], c, S.after[after])

    def no_chan(c: Any) -> Any:
        return Ch.chan(st["None"], 0, 0, c)

    def init(s: State) -> Any:
        # [c |-> [a |-> [p |-> RVNoChan(c)]]], as Stores over the finite Ctx.
        chans = z3.K(C, z3.K(A, z3.K(A, no_chan(ctxs[0]))))
        for c in ctxs[1:]:
            chans = z3.Store(chans, c, z3.K(A, z3.K(A, no_chan(c))))
        return z3.And(
            s["now"] == 0,
            s["epoch"] == z3.K(C, z3.IntVal(0)),
            s["journal"] == z3.K(C, z3.K(A, z3.K(Fa, z3.BoolVal(False)))),
            s["spent"] == z3.K(C, z3.K(A, z3.K(ii, z3.IntVal(0)))),
            s["chan"] == chans,
            s["nextId"] == 1,
            s["lastTs"] == z3.K(A, z3.K(A, z3.IntVal(0))),
            s["net"] == z3.K(M, z3.BoolVal(False)),
            s["hsLen"] == 0,
            s["rlog"] == z3.K(A, z3.K(Rc, z3.BoolVal(False))),
            s["sent"] == z3.K(Se, z3.BoolVal(False)),
            s["confirmed"] == z3.K(ii, z3.BoolVal(False)),
        )

    def is_ctx(c: Any) -> Any:
        return z3.Or(*(c == x for x in ctxs))

    def publish(s: State, t: State, p: Any) -> Any:
        c = p["c"]
        return z3.And(
            z3.If(
                budget_ok(s, c, resp, 1),
                t["spent"] == charge(s, c, resp, 1),
                t["spent"] == s["spent"],
            )
        )

    def revoke(s: State, t: State, p: Any) -> Any:
        return z3.BoolVal(True)  # descriptor facts only: a stutter of the twin

    def sync(s: State, t: State, p: Any) -> Any:
        c, src, dst, f = p["c"], p["src"], p["dst"], p["f"]
        j = s["journal"]
        return z3.And(
            z3.Or(*(src == x for x in peers)),
            z3.Or(*(dst == x for x in peers)),
            src != dst,
            j[c][src][f],
            z3.Not(j[c][dst][f]),
            t["journal"] == z3.Store(j, c, z3.Store(j[c], dst, add(j[c][dst], f))),
        )

    def establish(s: State, t: State, p: Any) -> Any:
        c, path = p["c"], p["path"]
        e, n = s["epoch"][c], s["nextId"]
        dok = z3.BoolVal(not bug["BUG_IgnoreRevocation"])
        m = M.msg(ty["Init"], c, ini, hop(path, resp), resp, path, e, n, dok)
        cost = 4 if bug["BUG_DoubleCharge"] else 2
        return z3.And(
            z3.Or(*(Ch.st(s["chan"][c][ini][resp]) == st[x] for x in ("None", "Rotating"))),
            n <= MaxHs,
            budget_ok(s, c, ini, 2),
            t["spent"] == charge(s, c, ini, cost),
            t["chan"] == set_chan(s, c, ini, resp, Ch.chan(st["Establishing"], e, n, c)),
            t["net"] == add(s["net"], m),
            t["sent"] == add(s["sent"], sent_rec(ini, "Init", c)),
            t["nextId"] == n + 1,
        )

    def forward(s: State, t: State, p: Any) -> Any:
        m = p["m"]
        out = M.msg(
            M.type(m),
            M.context(m),
            M.src(m),
            M.to(m),
            M.to(m),
            M.path(m),
            M.ep(m),
            M.id(m),
            M.dok(m),
        )
        cap = z3.BoolVal(True) if bug["BUG_RelayNoCapCheck"] else RelayCtx[M.context(m)]
        ok = z3.And(cap, budget_ok(s, M.context(m), relay, 1))
        return z3.And(
            s["net"][m],
            M.dst(m) == relay,
            z3.Not(s["net"][out]),
            z3.If(
                ok,
                z3.And(
                    t["spent"] == charge(s, M.context(m), relay, 1),
                    t["net"] == add(s["net"], out),
                    t["sent"] == add(s["sent"], sent_rec(relay, "Forward", M.context(m))),
                ),
                z3.And(t["spent"] == s["spent"], t["net"] == s["net"], t["sent"] == s["sent"]),
            ),
        )

    def handle(s: State, t: State, p: Any) -> Any:
        m = p["m"]
        c, src, e, i = M.context(m), M.src(m), M.ep(m), M.id(m)
        last = s["lastTs"][resp][src]
        ok = z3.And(
            z3.BoolVal(True) if bug["BUG_NoRosterCheck"] else z3.Or(src == ini, src == resp),
            z3.BoolVal(True) if bug["BUG_NoEpochCheck"] else e == s["epoch"][c],
            z3.BoolVal(True) if bug["BUG_NoReplayCheck"] else i > last,
            budget_ok(s, c, resp, 2),
        )
        reply = M.msg(ty["Resp"], c, resp, hop(M.path(m), src), src, M.path(m), e, i, True)
        fact = Fa.est(src, i, e)
        jr = s["journal"]
        journal = (
            z3.Store(jr, c, z3.Store(jr[c], resp, add(jr[c][resp], fact)))
            if bug["BUG_JournalBeforeConfirm"]
            else jr
        )
        accept = z3.And(
            t["spent"] == charge(s, c, resp, 2),
            t["chan"] == set_chan(s, c, resp, src, Ch.chan(st["Establishing"], e, i, c)),
            t["lastTs"]
            == z3.Store(
                s["lastTs"], resp, z3.Store(s["lastTs"][resp], src, z3.If(i > last, i, last))
            ),
            t["hsLen"] == s["hsLen"] + 1,
            t["hsLog"] == z3.Store(s["hsLog"], s["hsLen"] + 1, Hs.hs(src, i)),
            t["rlog"]
            == z3.Store(s["rlog"], resp, add(s["rlog"][resp], Rc.receipt(ty["Init"], c, src, e))),
            t["net"] == add(s["net"], reply),
            t["sent"] == add(s["sent"], sent_rec(resp, "Resp", c)),
            t["journal"] == journal,
        )
        unchanged = [
            t[v] == s[v] for v in ("spent", "chan", "lastTs", "hsLen", "hsLog", "rlog", "journal")
        ]
        if bug["BUG_ReplyOnReject"]:
            err = M.msg(ty["Error"], c, resp, src, src, S.path["direct"], s["epoch"][c], i, True)
            reject = z3.And(
                *unchanged,
                t["net"] == add(s["net"], err),
                t["sent"] == add(s["sent"], sent_rec(resp, "Error", c, "Denied")),
            )
        else:
            reject = z3.And(*unchanged, t["net"] == s["net"], t["sent"] == s["sent"])
        return z3.And(
            s["net"][m],
            M.type(m) == ty["Init"],
            M.dst(m) == resp,
            M.to(m) == resp,
            z3.If(ok, accept, reject),
        )

    def process(s: State, t: State, p: Any) -> Any:
        m = p["m"]
        c, src = M.context(m), M.src(m)
        ch = s["chan"][c][ini][src]
        confirm = M.msg(
            ty["Confirm"], c, ini, hop(M.path(m), src), src, M.path(m), M.ep(m), M.id(m), True
        )
        return z3.And(
            s["net"][m],
            M.type(m) == ty["Resp"],
            M.dst(m) == ini,
            M.to(m) == ini,
            Ch.st(ch) == st["Establishing"],
            Ch.id(ch) == M.id(m),
            t["chan"]
            == set_chan(
                s, c, ini, src, Ch.chan(st["Active"], Ch.ep(ch), Ch.id(ch), Ch.context(ch))
            ),
            t["rlog"]
            == z3.Store(
                s["rlog"], ini, add(s["rlog"][ini], Rc.receipt(ty["Resp"], c, src, M.ep(m)))
            ),
            t["net"] == add(s["net"], confirm),
            t["sent"] == add(s["sent"], sent_rec(ini, "Confirm", c)),
        )

    def key_confirm(s: State, t: State, p: Any) -> Any:
        m = p["m"]
        c, src = M.context(m), M.src(m)
        ch = s["chan"][c][resp][src]
        jr = s["journal"]
        return z3.And(
            s["net"][m],
            M.type(m) == ty["Confirm"],
            M.dst(m) == resp,
            M.to(m) == resp,
            Ch.st(ch) == st["Establishing"],
            Ch.id(ch) == M.id(m),
            t["chan"]
            == set_chan(
                s, c, resp, src, Ch.chan(st["Active"], Ch.ep(ch), Ch.id(ch), Ch.context(ch))
            ),
            t["confirmed"] == add(s["confirmed"], M.id(m)),
            t["journal"]
            == z3.Store(
                jr, c, z3.Store(jr[c], resp, add(jr[c][resp], Fa.est(src, M.id(m), M.ep(m))))
            ),
        )

    def advance(s: State, t: State, p: Any) -> Any:
        c = p["c"]
        # Finite Stores, not a lambda: a quantifier-free step keeps BMC fast.
        row = s["chan"][c]
        for a in (*auths, outsider):
            col = row[a]
            for q in (*auths, outsider):
                old = s["chan"][c][a][q]
                live = z3.Or(Ch.st(old) == st["Establishing"], Ch.st(old) == st["Active"])
                rot = Ch.chan(st["Rotating"], Ch.ep(old), Ch.id(old), Ch.context(old))
                col = z3.Store(col, q, z3.If(live, rot, old))
            row = z3.Store(row, a, col)
        return z3.And(
            s["epoch"][c] < MaxEpoch,
            t["epoch"] == z3.Store(s["epoch"], c, s["epoch"][c] + 1),
            t["chan"] == z3.Store(s["chan"], c, row),
        )

    def inject(s: State, t: State, p: Any) -> Any:
        # The spec's "once" guard (no Outsider message in net yet) is dropped:
        # more behaviours, so the proofs still hold, and the step stays
        # quantifier-free for the bug twins' searches.
        c = p["c"]
        m = M.msg(ty["Init"], c, outsider, resp, resp, S.path["direct"], s["epoch"][c], 1, True)
        return t["net"] == add(s["net"], m)

    def tick(s: State, t: State, p: Any) -> Any:
        return z3.And(s["now"] < MaxTime, t["now"] == s["now"] + 1)

    actions = {
        "PreparePublishDescriptor": Action(publish, ("spent",), {"c": C}),
        "RevokeDescriptor": Action(revoke, (), {"c": C, "d": ii}),
        "SyncJournal": Action(sync, ("journal",), {"c": C, "src": A, "dst": A, "f": Fa}),
        "PrepareEstablishChannel": Action(
            establish, ("spent", "chan", "net", "sent", "nextId"), {"c": C, "path": S.path.sort}
        ),
        "AdvanceEpoch": Action(advance, ("epoch", "chan"), {"c": C}),
        "InjectInit": Action(inject, ("net",), {"c": C}),
        "RelayForward": Action(forward, ("spent", "net", "sent"), {"m": M}),
        "HandleHandshake": Action(
            handle,
            ("spent", "chan", "lastTs", "hsLen", "hsLog", "rlog", "net", "sent", "journal"),
            {"m": M},
        ),
        "ProcessResponse": Action(process, ("chan", "rlog", "net", "sent"), {"m": M}),
        "KeyConfirm": Action(key_confirm, ("chan", "confirmed", "journal"), {"m": M}),
        "Tick": Action(tick, ("now",)),
    }

    # -- invariants (finite quantifiers expanded; sets through lambda-subsets) --

    def chans(s: State) -> list[tuple[Any, Any, Any, Any]]:
        return [(c, a, q, s["chan"][c][a][q]) for c in ctxs for a in peers for q in senders]

    def subset(arr: Any, sort: Any, body: Any) -> Any:
        x = z3.Const("x!sub", sort)
        return z3.IsSubset(arr, z3.Lambda([x], body(x)))

    def journals(s: State, body: Any) -> Any:
        return z3.And(*(subset(s["journal"][c][a], Fa, body) for c in ctxs for a in auths))

    def hs_entries(s: State, body: Any) -> Any:
        i = z3.Int("i!hs")
        return z3.ForAll([i], z3.Implies(z3.And(i >= 1, i <= s["hsLen"]), body(i, s["hsLog"][i])))

    def find_ok(s: State) -> Any:
        if bug["BUG_ChannelNotBound"]:
            # {chan[x][a][p] : x \in {y : chan[y][a][p].st = "Active"}} for lookups in c.
            return z3.And(
                *(
                    z3.Implies(
                        Ch.st(s["chan"][x][a][q]) == st["Active"],
                        Ch.context(s["chan"][x][a][q]) == c,
                    )
                    for c in ctxs
                    for x in ctxs
                    for a in peers
                    for q in senders
                )
            )
        return z3.And(
            *(
                z3.Implies(Ch.st(ch) == st["Active"], Ch.context(ch) == c)
                for c, _, _, ch in chans(s)
            )
        )

    def type_ok(s: State) -> Any:
        e = z3.Int("e!t")
        return z3.And(
            s["now"] >= 0,
            s["now"] <= MaxTime,
            *(z3.And(s["epoch"][c] >= 0, s["epoch"][c] <= MaxEpoch) for c in ctxs),
            *(
                z3.ForAll([e], z3.And(s["spent"][c][a][e] >= 0, s["spent"][c][a][e] <= 2 * Limit))
                for c in ctxs
                for a in auths
            ),
            s["nextId"] >= 1,
            s["nextId"] <= MaxHs + 1,
            *(
                z3.And(s["lastTs"][r][i] >= 0, s["lastTs"][r][i] <= MaxHs)
                for r in peers
                for i in senders
            ),
            *(
                z3.And(Ch.ep(ch) >= 0, Ch.ep(ch) <= MaxEpoch, Ch.id(ch) >= 0, Ch.id(ch) <= MaxHs)
                for _, _, _, ch in chans(s)
            ),
            s["hsLen"] >= 0,
        )

    invariants = {
        "RVTypeOK": type_ok,
        "RVNoMessageOnDeny": lambda s: subset(
            s["sent"], Se, lambda x: Se.after(x) == S.after["Allowed"]
        ),
        "RVChannelContextBound": find_ok,
        "RVBudgetWithinLimit": lambda s: z3.And(
            *(
                z3.ForAll([e := z3.Int("e!b")], s["spent"][c][a][e] <= Limit)
                for c in ctxs
                for a in auths
            )
        ),
        "RVReplayRejected": lambda s: z3.ForAll(
            [i := z3.Int("i!r"), j := z3.Int("j!r")],
            z3.Implies(
                z3.And(
                    i >= 1, i < j, j <= s["hsLen"], Hs.ini(s["hsLog"][i]) == Hs.ini(s["hsLog"][j])
                ),
                Hs.ts(s["hsLog"][i]) < Hs.ts(s["hsLog"][j]),
            ),
        ),
        "RVEstablishedAfterConfirm": lambda s: journals(s, lambda f: s["confirmed"][Fa.id(f)]),
        "RVConnectWithValidDescriptor": lambda s: subset(
            s["net"],
            M,
            lambda m: z3.Implies(z3.And(M.type(m) == ty["Init"], M.src(m) == ini), M.dok(m)),
        ),
        "RVNoStaleActive": lambda s: z3.And(
            *(
                z3.Implies(
                    z3.Or(Ch.st(ch) == st["Establishing"], Ch.st(ch) == st["Active"]),
                    Ch.ep(ch) == s["epoch"][c],
                )
                for c, _, _, ch in chans(s)
            )
        ),
        "RVRelayAuthorized": lambda s: subset(
            s["sent"], Se, lambda x: z3.Implies(Se.src(x) == relay, RelayCtx[Se.context(x)])
        ),
        "RVMembersOnly": lambda s: z3.And(
            *(Ch.st(s["chan"][c][resp][outsider]) == st["None"] for c in ctxs),
            *(
                subset(s["rlog"][d], Rc, lambda x: z3.Or(Rc.src(x) == ini, Rc.src(x) == resp))
                for d in auths
            ),
        ),
    }

    strengthening = {
        # Every channel is registered under its own context (RVNoChan(c) too).
        "RVChanInOwnCtx": lambda s: z3.And(*(Ch.context(ch) == c for c, _, _, ch in chans(s))),
        # Ini only ever opens channels with Resp.
        "RVIniChansToResp": lambda s: z3.And(
            *(
                Ch.st(s["chan"][c][ini][q]) == st["None"]
                for c in ctxs
                for q in (ini, relay, outsider)
            )
        ),
        # The responder's log is below its replay mark: the next accepted msg 1 is above it.
        "RVHsBelowLastTs": lambda s: hs_entries(
            s, lambda i, h: Hs.ts(h) <= s["lastTs"][resp][Hs.ini(h)]
        ),
        # Ini's channels carry ids it handed out.
        "RVIdsHandedOut": lambda s: z3.And(
            *(
                z3.And(Ch.id(ch) >= 0, Ch.id(ch) < s["nextId"])
                for _, a, _, ch in chans(s)
                if a is ini
            )
        ),
        "RVMsgEpochs": lambda s: subset(
            s["net"], M, lambda m: z3.And(M.ep(m) >= 0, M.ep(m) <= s["epoch"][M.context(m)])
        ),
        "RVMsgIds": lambda s: subset(
            s["net"],
            M,
            lambda m: z3.And(M.id(m) >= 0, z3.Or(M.id(m) <= MaxHs, M.src(m) == outsider)),
        ),
    }

    def replay_b(s: State, bound: int) -> Any:
        # hsLog grows by at most one entry per step: exact within the bound.
        log = s["hsLog"]
        return z3.And(
            *(
                z3.Implies(
                    z3.And(j <= s["hsLen"], Hs.ini(log[i]) == Hs.ini(log[j])),
                    Hs.ts(log[i]) < Hs.ts(log[j]),
                )
                for j in range(1, bound + 1)
                for i in range(1, j)
            )
        )

    return TransitionSystem(
        "Rendezvous",
        variables,
        init,
        actions,
        invariants,
        strengthening=strengthening,
        axioms=axioms,
        constants=constants,
        bounded={"RVReplayRejected": replay_b},
    )
