"""Z3 twin of ``spec/EpochRotation.tla`` (DESIGN.md sections 1 and 5).

Same variables, actions (with their ``\\E`` parameters), invariant names and
``BUG_*`` flags as the TLA+ module, with ``Ini = a1`` and ``Resp = a2`` as in
its TLC model. Epochs, handshake ids and timestamps are unbounded integers;
``MaxEpoch`` and ``MaxHs`` are free constants unless pinned.
"""

from __future__ import annotations

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
    "ER_BUGS",
    "ER_FLAGS",
    "ER_IMPLIED",
    "ER_MC_CONSTANTS",
    "ER_SCHEDULES",
    "ER_WITNESS_FLAGS",
    "ER_WITNESS_PREFIXES",
    "ERSorts",
    "epoch_rotation",
    "er_sorts",
]

INI, RESP = "a1", "a2"
STATES = ("None", "Establishing", "Active", "Rotating", "Closed", "Error")
TYPES = ("Init", "Resp", "Data")

ER_BUGS = (
    ("BUG_ReviveClosed", "ERNoRevival"),
    ("BUG_ActiveBeforeConfirm", "ERKeyConfirmed"),
    ("BUG_NoReplayCheck", "ERNoReplayedInit"),
    ("BUG_PskFromPublicIds", "ERPskSecret"),
    ("BUG_AcceptRetiredEpoch", "ERRetiredEpochRejected"),
    ("BUG_RotateInPlace", "ERRekeyIsNewHandshake"),
    ("BUG_NoEpochBinding", "ERNoStaleActive"),
)
ER_FLAGS = tuple(dict.fromkeys(flag for flag, _ in ER_BUGS))
ER_MC_CONSTANTS = {"max_epoch": 1, "max_hs": 2}
ER_SCHEDULES = {
    # Both sides Active, the responder moves on, then accepts old-epoch data.
    ("BUG_NoReplayCheck", "ERNoReplayedInit"): (
        "PrepareEstablishChannel",
        "HandleHandshake",
        "HandleHandshake",
    ),
    ("BUG_ReviveClosed", "ERNoRevival"): (
        "PrepareEstablishChannel",
        "HandleHandshake",
        "HandshakeTimeout",
        "ProcessResponse",
    ),
    ("BUG_RotateInPlace", "ERRekeyIsNewHandshake"): (
        "PrepareEstablishChannel",
        "HandleHandshake",
        "ProcessResponse",
        "AdvanceEpoch",
        "RotateChannel",
    ),
    ("BUG_AcceptRetiredEpoch", "ERRetiredEpochRejected"): (
        "PrepareEstablishChannel",
        "HandleHandshake",
        "ProcessResponse",
        "SendData",
        "KeyConfirm",
        "AdvanceEpoch",
        "ReceiveData",
    ),
}
_HS = ("PrepareEstablishChannel", "HandleHandshake", "ProcessResponse", "SendData")
ER_WITNESS_PREFIXES = {
    "KeyConfirm": _HS,
    "ReceiveData": (*_HS, "KeyConfirm"),
}
# RotateChannel is the seed's in-place rotate(): enabled only by its BUG flag.
ER_WITNESS_FLAGS = {"RotateChannel": "BUG_RotateInPlace"}
# The existential invariant follows from its witness lemma.
ER_IMPLIED = {"ERRekeyIsNewHandshake": ("ERActiveHasInit",)}


class ERSorts:
    def __init__(self) -> None:
        self.auth = EnumSort("ERAuth", (INI, RESP))
        self.st = EnumSort("ERState", STATES)
        self.type = EnumSort("ERType", TYPES)
        a, ii = self.auth.sort, z3.IntSort()
        chan = z3.Datatype("ERChan")
        chan.declare("chan", ("st", self.st.sort), ("ep", ii), ("id", ii), ("psk", ii))
        msg = z3.Datatype("ERMsg")
        msg.declare(
            "msg",
            ("type", self.type.sort),
            ("src", a),
            ("dst", a),
            ("ep", ii),
            ("id", ii),
            ("psk", ii),
        )
        est = z3.Datatype("EREst")
        est.declare("est", ("ini", a), ("resp", a), ("id", ii), ("ep", ii))
        rcv = z3.Datatype("ERRcv")
        rcv.declare("rcv", ("id", ii), ("ep", ii), ("at", ii))
        log = z3.Datatype("ERLog")
        log.declare("log", ("len", ii), ("items", z3.ArraySort(ii, ii)))
        self.chan, self.msg, self.est, self.rcv, self.log = z3.CreateDatatypes(
            chan, msg, est, rcv, log
        )


@context_cached
def er_sorts() -> ERSorts:
    """Z3 datatypes may be declared only once per context: every caller in one shares these."""
    return ERSorts()


def epoch_rotation(
    *, max_epoch: int | None = None, max_hs: int | None = None, **bugs: bool
) -> TransitionSystem:
    unknown = set(bugs) - set(ER_FLAGS)
    if unknown:
        raise ValueError(f"EpochRotation has no bug flags {sorted(unknown)}")
    bug = {b: bugs.get(b, False) for b in ER_FLAGS}
    S = er_sorts()
    A, ST, TY = S.auth, S.st, S.type
    C, M, E, R, L = S.chan, S.msg, S.est, S.rcv, S.log
    ii, bb = z3.IntSort(), z3.BoolSort()
    ini, resp = A[INI], A[RESP]
    auth = [ini, resp]
    MaxEpoch, MaxHs = z3.Int("MaxEpoch"), z3.Int("MaxHs")

    variables = {
        "epoch": z3.ArraySort(A.sort, ii),
        "chan": z3.ArraySort(A.sort, z3.ArraySort(A.sort, C)),
        "nextId": ii,
        "lastTs": z3.ArraySort(A.sort, z3.ArraySort(A.sort, ii)),
        "msgs": z3.ArraySort(M, bb),
        "respLog": L,
        "confirmed": z3.ArraySort(ii, bb),
        "established": z3.ArraySort(E, bb),
        "closed": z3.ArraySort(A.sort, z3.ArraySort(ii, bb)),
        "received": z3.ArraySort(R, bb),
    }

    def axioms(s: State) -> Any:
        parts = [MaxEpoch >= 0, MaxHs >= 0]
        if max_epoch is not None:
            parts.append(MaxEpoch == max_epoch)
        if max_hs is not None:
            parts.append(MaxHs == max_hs)
        return z3.And(*parts)

    def psk_of(e: Any) -> Any:
        return z3.IntVal(0) if bug["BUG_PskFromPublicIds"] else e + 1

    no_chan = C.chan(ST["None"], 0, 0, 0)

    def ch(s: State, a: Any, b: Any) -> Any:
        return s["chan"][a][b]

    def set_chan(s: State, a: Any, b: Any, value: Any) -> Any:
        return z3.Store(s["chan"], a, z3.Store(s["chan"][a], b, value))

    def with_st(c: Any, st: str) -> Any:
        return C.chan(ST[st], C.ep(c), C.id(c), C.psk(c))

    def st_in(c: Any, *names: str) -> Any:
        return z3.Or(*(C.st(c) == ST[n] for n in names))

    def add_closed(s: State, a: Any, x: Any) -> Any:
        return z3.Store(s["closed"], a, z3.Store(s["closed"][a], x, True))

    def retire(s: State, a: Any, b: Any) -> Any:
        c = ch(s, a, b)
        return z3.If(st_in(c, "None", "Closed", "Error"), s["closed"], add_closed(s, a, C.id(c)))

    def init(s: State) -> Any:
        return z3.And(
            s["epoch"] == z3.K(A.sort, z3.IntVal(0)),
            s["chan"] == z3.K(A.sort, z3.K(A.sort, no_chan)),
            s["nextId"] == 1,
            s["lastTs"] == z3.K(A.sort, z3.K(A.sort, z3.IntVal(0))),
            s["msgs"] == z3.K(M, z3.BoolVal(False)),
            s["respLog"] == L.log(0, z3.K(ii, z3.IntVal(0))),
            s["confirmed"] == z3.K(ii, z3.BoolVal(False)),
            s["established"] == z3.K(E, z3.BoolVal(False)),
            s["closed"] == z3.K(A.sort, z3.K(ii, z3.BoolVal(False))),
            s["received"] == z3.K(R, z3.BoolVal(False)),
        )

    def prepare(s: State, t: State, p: Any) -> Any:
        e, n = s["epoch"][ini], s["nextId"]
        return z3.And(
            st_in(ch(s, ini, resp), "None", "Rotating", "Closed", "Error"),
            n <= MaxHs,
            t["chan"] == set_chan(s, ini, resp, C.chan(ST["Establishing"], e, n, psk_of(e))),
            t["closed"] == retire(s, ini, resp),
            t["msgs"] == z3.Store(s["msgs"], M.msg(TY["Init"], ini, resp, e, n, psk_of(e)), True),
            t["nextId"] == n + 1,
        )

    def handle(s: State, t: State, p: Any) -> Any:
        m = p["m"]
        src = M.src(m)
        ep = M.ep(m) if bug["BUG_NoEpochBinding"] else s["epoch"][resp]
        psk = psk_of(ep)
        st = "Active" if bug["BUG_ActiveBeforeConfirm"] else "Establishing"
        est = E.est(src, resp, M.id(m), ep)
        last = s["lastTs"][resp][src]
        log = s["respLog"]
        n = L.len(log) + 1
        return z3.And(
            s["msgs"][m],
            M.type(m) == TY["Init"],
            M.dst(m) == resp,
            z3.BoolVal(True) if bug["BUG_NoEpochBinding"] else M.ep(m) == s["epoch"][resp],
            z3.BoolVal(True) if bug["BUG_NoReplayCheck"] else M.id(m) > last,
            t["chan"] == set_chan(s, resp, src, C.chan(ST[st], ep, M.id(m), psk)),
            t["established"]
            == (
                z3.Store(s["established"], est, True)
                if bug["BUG_ActiveBeforeConfirm"]
                else s["established"]
            ),
            t["msgs"] == z3.Store(s["msgs"], M.msg(TY["Resp"], resp, src, ep, M.id(m), psk), True),
            t["closed"]
            == z3.If(C.id(ch(s, resp, src)) == M.id(m), s["closed"], retire(s, resp, src)),
            t["lastTs"]
            == z3.Store(
                s["lastTs"],
                resp,
                z3.Store(s["lastTs"][resp], src, z3.If(M.id(m) > last, M.id(m), last)),
            ),
            t["respLog"] == L.log(n, z3.Store(L.items(log), n, M.id(m))),
        )

    def process(s: State, t: State, p: Any) -> Any:
        m = p["m"]
        c = ch(s, ini, M.src(m))
        allowed = (
            ("Establishing", "Closed", "Error") if bug["BUG_ReviveClosed"] else ("Establishing",)
        )
        return z3.And(
            s["msgs"][m],
            M.type(m) == TY["Resp"],
            M.dst(m) == ini,
            C.id(c) == M.id(m),
            st_in(c, *allowed),
            z3.If(
                M.psk(m) == C.psk(c),
                z3.And(
                    t["chan"] == set_chan(s, ini, M.src(m), with_st(c, "Active")),
                    t["closed"] == s["closed"],
                ),
                z3.And(
                    t["chan"] == set_chan(s, ini, M.src(m), with_st(c, "Error")),
                    t["closed"] == add_closed(s, ini, M.id(m)),
                ),
            ),
        )

    def send(s: State, t: State, p: Any) -> Any:
        a, b = p["a"], p["b"]
        c = ch(s, a, b)
        return z3.And(
            C.st(c) == ST["Active"],
            t["msgs"]
            == z3.Store(s["msgs"], M.msg(TY["Data"], a, b, C.ep(c), C.id(c), C.psk(c)), True),
        )

    def confirm(s: State, t: State, p: Any) -> Any:
        m = p["m"]
        c = ch(s, resp, M.src(m))
        return z3.And(
            s["msgs"][m],
            M.type(m) == TY["Data"],
            M.dst(m) == resp,
            C.st(c) == ST["Establishing"],
            C.id(c) == M.id(m),
            z3.If(
                M.psk(m) == C.psk(c),
                z3.And(
                    t["chan"] == set_chan(s, resp, M.src(m), with_st(c, "Active")),
                    t["confirmed"] == z3.Store(s["confirmed"], M.id(m), True),
                    t["established"]
                    == z3.Store(s["established"], E.est(M.src(m), resp, M.id(m), C.ep(c)), True),
                    t["closed"] == s["closed"],
                ),
                z3.And(
                    t["chan"] == set_chan(s, resp, M.src(m), with_st(c, "Error")),
                    t["closed"] == add_closed(s, resp, M.id(m)),
                    t["confirmed"] == s["confirmed"],
                    t["established"] == s["established"],
                ),
            ),
        )

    def receive(s: State, t: State, p: Any) -> Any:
        b, m = p["b"], p["m"]
        c = ch(s, b, M.src(m))
        ok = (
            st_in(c, "Active", "Rotating")
            if bug["BUG_AcceptRetiredEpoch"]
            else z3.And(C.st(c) == ST["Active"], M.ep(m) == s["epoch"][b])
        )
        return z3.And(
            s["msgs"][m],
            M.type(m) == TY["Data"],
            M.dst(m) == b,
            C.id(c) == M.id(m),
            ok,
            t["received"] == z3.Store(s["received"], R.rcv(M.id(m), M.ep(m), s["epoch"][b]), True),
        )

    def advance(s: State, t: State, p: Any) -> Any:
        a = p["a"]
        row = s["chan"][a]
        for b in auth:
            c = row[b]
            row = z3.Store(
                row,
                b,
                z3.If(st_in(c, "Establishing", "Active"), with_st(c, "Rotating"), c),
            )
        return z3.And(
            s["epoch"][a] < MaxEpoch,
            t["epoch"] == z3.Store(s["epoch"], a, s["epoch"][a] + 1),
            t["chan"] == z3.Store(s["chan"], a, row),
        )

    def rotate(s: State, t: State, p: Any) -> Any:
        a, b = p["a"], p["b"]
        c = ch(s, a, b)
        return z3.And(
            z3.BoolVal(bug["BUG_RotateInPlace"]),
            C.st(c) == ST["Rotating"],
            t["chan"] == set_chan(s, a, b, C.chan(ST["Active"], s["epoch"][a], C.id(c), C.psk(c))),
        )

    def timeout(s: State, t: State, p: Any) -> Any:
        a, b = p["a"], p["b"]
        c = ch(s, a, b)
        return z3.And(
            C.st(c) == ST["Establishing"],
            t["chan"] == set_chan(s, a, b, with_st(c, "Error")),
            t["closed"] == add_closed(s, a, C.id(c)),
        )

    def close(s: State, t: State, p: Any) -> Any:
        a, b = p["a"], p["b"]
        c = ch(s, a, b)
        return z3.And(
            st_in(c, "Active", "Rotating"),
            t["chan"] == set_chan(s, a, b, with_st(c, "Closed")),
            t["closed"] == add_closed(s, a, C.id(c)),
        )

    ab = {"a": A.sort, "b": A.sort}
    actions = {
        "PrepareEstablishChannel": Action(prepare, ("chan", "closed", "msgs", "nextId")),
        "HandleHandshake": Action(
            handle,
            ("chan", "established", "msgs", "closed", "lastTs", "respLog"),
            {"m": M},
        ),
        "ProcessResponse": Action(process, ("chan", "closed"), {"m": M}),
        "KeyConfirm": Action(confirm, ("chan", "confirmed", "established", "closed"), {"m": M}),
        "SendData": Action(send, ("msgs",), ab),
        "RotateChannel": Action(rotate, ("chan",), ab),
        "HandshakeTimeout": Action(timeout, ("chan", "closed"), ab),
        "CloseChannel": Action(close, ("chan", "closed"), ab),
        "ReceiveData": Action(receive, ("received",), {"b": A.sort, "m": M}),
        "AdvanceEpoch": Action(advance, ("epoch", "chan"), {"a": A.sort}),
    }

    def every_chan(body: Any) -> Any:
        return z3.And(*(body(a, b) for a in auth for b in auth))

    def log_at(s: State, i: Any) -> Any:
        return L.items(s["respLog"])[i]

    def type_ok(s: State) -> Any:
        m, x, i = z3.Const("m!t", M), z3.Int("x!t"), z3.Int("i!t")
        e = z3.Const("e!t", E)
        r = z3.Const("r!t", R)

        def in_eps(v: Any) -> Any:
            return z3.And(v >= 0, v <= MaxEpoch)

        def in_ids(v: Any) -> Any:
            return z3.And(v >= 0, v <= MaxHs)

        return z3.And(
            *(in_eps(s["epoch"][a]) for a in auth),
            every_chan(
                lambda a, b: z3.And(
                    in_eps(C.ep(ch(s, a, b))),
                    in_ids(C.id(ch(s, a, b))),
                    C.psk(ch(s, a, b)) >= 0,
                    C.psk(ch(s, a, b)) <= MaxEpoch + 1,
                )
            ),
            s["nextId"] >= 1,
            s["nextId"] <= MaxHs + 1,
            every_chan(lambda a, b: in_ids(s["lastTs"][a][b])),
            z3.ForAll(
                [m],
                z3.Implies(
                    s["msgs"][m],
                    z3.And(
                        in_eps(M.ep(m)), in_ids(M.id(m)), M.psk(m) >= 0, M.psk(m) <= MaxEpoch + 1
                    ),
                ),
            ),
            L.len(s["respLog"]) >= 0,
            z3.ForAll(
                [i],
                z3.Implies(z3.And(i >= 1, i <= L.len(s["respLog"])), in_ids(log_at(s, i))),
            ),
            z3.ForAll([x], z3.Implies(s["confirmed"][x], in_ids(x))),
            z3.ForAll(
                [e],
                z3.Implies(s["established"][e], z3.And(in_ids(E.id(e)), in_eps(E.ep(e)))),
            ),
            *(z3.ForAll([x], z3.Implies(s["closed"][a][x], in_ids(x))) for a in auth),
            z3.ForAll(
                [r],
                z3.Implies(
                    s["received"][r], z3.And(in_ids(R.id(r)), in_eps(R.ep(r)), in_eps(R.at(r)))
                ),
            ),
        )

    def no_replayed_init(s: State) -> Any:
        i, j = z3.Int("i!r"), z3.Int("j!r")
        return z3.ForAll(
            [i, j],
            z3.Implies(
                z3.And(i >= 1, i < j, j <= L.len(s["respLog"])), log_at(s, i) < log_at(s, j)
            ),
        )

    def rekey_is_new(s: State) -> Any:
        m = z3.Const("m!k", M)
        return every_chan(
            lambda a, b: z3.Implies(
                C.st(ch(s, a, b)) == ST["Active"],
                z3.Exists(
                    [m],
                    z3.And(
                        s["msgs"][m],
                        M.type(m) == TY["Init"],
                        M.id(m) == C.id(ch(s, a, b)),
                        M.ep(m) == C.ep(ch(s, a, b)),
                    ),
                ),
            )
        )

    def key_confirmed(s: State) -> Any:
        e = z3.Const("e!c", E)
        c = ch(s, resp, ini)
        return z3.And(
            z3.Implies(C.st(c) == ST["Active"], s["confirmed"][C.id(c)]),
            z3.ForAll([e], z3.Implies(s["established"][e], s["confirmed"][E.id(e)])),
        )

    def rcv_ok(s: State) -> Any:
        r = z3.Const("r!e", R)
        return z3.ForAll([r], z3.Implies(s["received"][r], R.ep(r) == R.at(r)))

    invariants = {
        "ERTypeOK": type_ok,
        "ERNoRevival": lambda s: every_chan(
            lambda a, b: z3.Implies(
                s["closed"][a][C.id(ch(s, a, b))], st_in(ch(s, a, b), "Closed", "Error")
            )
        ),
        "ERKeyConfirmed": key_confirmed,
        "ERNoReplayedInit": no_replayed_init,
        "ERPskSecret": lambda s: every_chan(
            lambda a, b: z3.Implies(C.st(ch(s, a, b)) == ST["Active"], C.psk(ch(s, a, b)) != 0)
        ),
        "ERRetiredEpochRejected": rcv_ok,
        "ERRekeyIsNewHandshake": rekey_is_new,
        "ERNoStaleActive": lambda s: every_chan(
            lambda a, b: z3.Implies(
                st_in(ch(s, a, b), "Establishing", "Active"), C.ep(ch(s, a, b)) == s["epoch"][a]
            )
        ),
    }

    def init_msg(c: Any) -> Any:
        return M.msg(TY["Init"], ini, resp, C.ep(c), C.id(c), C.ep(c) + 1)

    strengthening = {
        # Message shapes: only Ini sends Init, with the PSK of its epoch, and
        # every id on the wire was handed out already.
        "ERMsgShape": lambda s: z3.ForAll(
            [z3.Const("m!s", M)],
            _msg_shape(s, z3.Const("m!s", M)),
        ),
        # Channels that exist carry their epoch's PSK and an id handed out
        # already; the responder's ids were accepted (<= lastTs).
        "ERChanShape": lambda s: every_chan(
            lambda a, b: z3.If(
                C.st(ch(s, a, b)) == ST["None"],
                ch(s, a, b) == no_chan,
                z3.And(
                    C.psk(ch(s, a, b)) == C.ep(ch(s, a, b)) + 1,
                    C.id(ch(s, a, b)) >= 1,
                    C.id(ch(s, a, b)) < s["nextId"],
                    C.ep(ch(s, a, b)) <= s["epoch"][a],
                    C.ep(ch(s, a, b)) >= 0,
                    a != b,
                    z3.Implies(a == resp, C.id(ch(s, a, b)) <= s["lastTs"][resp][ini]),
                ),
            )
        ),
        # Closed ids were handed out; the responder's were accepted.
        "ERClosedHandedOut": lambda s: z3.And(
            *(
                z3.ForAll(
                    [z3.Int("x!c")],
                    z3.Implies(
                        s["closed"][a][z3.Int("x!c")],
                        z3.And(
                            z3.Int("x!c") >= 1,
                            z3.Int("x!c") < s["nextId"],
                            z3.Implies(a == resp, z3.Int("x!c") <= s["lastTs"][resp][ini]),
                        ),
                    ),
                )
                for a in auth
            )
        ),
        "ERLogBelowTs": lambda s: z3.ForAll(
            [z3.Int("i!l")],
            z3.Implies(
                z3.And(z3.Int("i!l") >= 1, z3.Int("i!l") <= L.len(s["respLog"])),
                z3.And(
                    log_at(s, z3.Int("i!l")) <= s["lastTs"][resp][ini],
                    log_at(s, z3.Int("i!l")) >= 1,
                ),
            ),
        ),
        "ERTsHandedOut": lambda s: z3.And(
            *(
                z3.And(s["lastTs"][a][b] >= 0, s["lastTs"][a][b] < s["nextId"])
                for a in auth
                for b in auth
            ),
            L.len(s["respLog"]) >= 0,
        ),
        # The witness of ERRekeyIsNewHandshake: an existing channel's Init.
        "ERActiveHasInit": lambda s: every_chan(
            lambda a, b: z3.Implies(
                C.st(ch(s, a, b)) != ST["None"], s["msgs"][init_msg(ch(s, a, b))]
            )
        ),
        "ERConfirmedIds": lambda s: z3.ForAll(
            [z3.Int("x!f")],
            z3.Implies(
                s["confirmed"][z3.Int("x!f")],
                z3.And(z3.Int("x!f") >= 1, z3.Int("x!f") < s["nextId"]),
            ),
        ),
    }

    def _msg_shape(s: State, m: Any) -> Any:
        return z3.Implies(
            s["msgs"][m],
            z3.And(
                M.id(m) >= 1,
                M.id(m) < s["nextId"],
                M.ep(m) >= 0,
                M.ep(m) <= MaxEpoch,
                M.psk(m) == M.ep(m) + 1,
                z3.Implies(
                    M.type(m) == TY["Init"],
                    z3.And(M.src(m) == ini, M.dst(m) == resp, M.ep(m) <= s["epoch"][ini]),
                ),
                M.src(m) != M.dst(m),
            ),
        )

    # Quantifier-free forms for BMC on pinned constants: the sets range over
    # records whose fields are ids 0..MaxHs and epochs 0..MaxEpoch (ERTypeOK),
    # and the log grows by one entry per step. Without them, model-based
    # quantifier instantiation may answer "unknown" on a satisfiable query.
    bounded: dict[str, Any] = {}
    if max_epoch is not None and max_hs is not None:
        ids, eps = range(max_hs + 1), range(max_epoch + 1)

        def key_confirmed_b(s: State, bound: int) -> Any:
            c = ch(s, resp, ini)
            return z3.And(
                z3.Implies(C.st(c) == ST["Active"], s["confirmed"][C.id(c)]),
                *(
                    z3.Implies(s["established"][E.est(x, y, i, e)], s["confirmed"][i])
                    for x in auth
                    for y in auth
                    for i in ids
                    for e in eps
                ),
            )

        def retired_b(s: State, bound: int) -> Any:
            return z3.And(
                *(
                    z3.Implies(s["received"][R.rcv(i, e, at)], e == at)
                    for i in ids
                    for e in eps
                    for at in eps
                )
            )

        def no_replay_b(s: State, bound: int) -> Any:
            n = L.len(s["respLog"])
            return z3.And(
                *(
                    z3.Implies(j <= n, log_at(s, i) < log_at(s, j))
                    for j in range(1, bound + 1)
                    for i in range(1, j)
                )
            )

        def rekey_b(s: State, bound: int) -> Any:
            def has_init(c: Any) -> Any:
                return z3.Or(
                    *(
                        z3.And(
                            s["msgs"][M.msg(TY["Init"], x, y, e, i, k)],
                            C.id(c) == i,
                            C.ep(c) == e,
                        )
                        for x in auth
                        for y in auth
                        for e in eps
                        for i in ids
                        for k in range(max_epoch + 2)
                    )
                )

            return every_chan(
                lambda a, b: z3.Implies(C.st(ch(s, a, b)) == ST["Active"], has_init(ch(s, a, b)))
            )

        bounded = {
            "ERKeyConfirmed": key_confirmed_b,
            "ERRetiredEpochRejected": retired_b,
            "ERNoReplayedInit": no_replay_b,
            "ERRekeyIsNewHandshake": rekey_b,
        }

    return TransitionSystem(
        "EpochRotation",
        variables,
        init,
        actions,
        invariants,
        strengthening=strengthening,
        axioms=axioms,
        constants={"MaxEpoch": MaxEpoch, "MaxHs": MaxHs},
        bounded=bounded,
        decoders=_decoders(S),
    )


def _decoders(S: ERSorts) -> dict[str, Any]:
    auth = [S.auth[INI], S.auth[RESP]]

    def ev(m: Any, e: Any) -> object:
        return decode_scalar(m.eval(e, model_completion=True))

    def by_auth(m: Any, expr: Any, s: State) -> object:
        return {str(a): ev(m, expr[a]) for a in auth}

    def chan(m: Any, expr: Any, s: State) -> object:
        return {
            str(a): {
                str(b): Record(
                    (f, ev(m, getattr(S.chan, f)(expr[a][b]))) for f in ("st", "ep", "id", "psk")
                )
                for b in auth
            }
            for a in auth
        }

    def nested(m: Any, expr: Any, s: State) -> object:
        return {str(a): {str(b): ev(m, expr[a][b]) for b in auth} for a in auth}

    def records(dt: Any, fields: tuple[str, ...]) -> Any:
        def decode(m: Any, expr: Any, s: State) -> object:
            return frozenset(
                Record((f, ev(m, getattr(dt, f)(k))) for f in fields)
                for k in array_true_keys(m, expr)
            )

        return decode

    def ints(m: Any, expr: Any, s: State) -> object:
        return frozenset(ev(m, k) for k in array_true_keys(m, expr))

    def closed(m: Any, expr: Any, s: State) -> object:
        return {str(a): frozenset(ev(m, k) for k in array_true_keys(m, expr[a])) for a in auth}

    def resp_log(m: Any, expr: Any, s: State) -> object:
        n = m.eval(S.log.len(expr), True).as_long()
        return tuple(ev(m, S.log.items(expr)[i]) for i in range(1, n + 1))

    return {
        "epoch": by_auth,
        "chan": chan,
        "lastTs": nested,
        "msgs": records(S.msg, ("type", "src", "dst", "ep", "id", "psk")),
        "respLog": resp_log,
        "confirmed": ints,
        "established": records(S.est, ("ini", "resp", "id", "ep")),
        "closed": closed,
        "received": records(S.rcv, ("id", "ep", "at")),
    }
