"""Z3 twin of ``spec/EpochRotation.tla`` (DESIGN.md sections 1 and 5).

Same variables, actions (with their ``\\E`` parameters), invariant names and
``BUG_*`` flags as the TLA+ module, with ``Ini = a1`` and ``Resp = a2`` as in
its TLC model. Epochs, handshake ids and timestamps are unbounded integers;
``MaxEpoch`` and ``MaxHs`` are free constants unless pinned.

Every operator, action and invariant of the module is a function of the same
name here, over an explicit :class:`ERVocab` (sorts, constants, bug flags)
instead of closed-over locals, so each can be queried alone;
:func:`epoch_rotation` only assembles them.
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
    "ER_BOUNDED_FORMS",
    "ER_BUGS",
    "ER_FLAGS",
    "ER_IMPLIED",
    "ER_INVARIANTS",
    "ER_MC_CONSTANTS",
    "ER_SCHEDULES",
    "ER_STRENGTHENING",
    "ER_WITNESS_FLAGS",
    "ER_WITNESS_PREFIXES",
    "AdvanceEpoch",
    "CloseChannel",
    "ERActiveHasInit",
    "ERAttackInit",
    "ERChanShape",
    "ERClosedHandedOut",
    "ERConfirmedIds",
    "ERConstantsOK",
    "ERForgedResp",
    "ERForgeryNoEffect",
    "ERForgeryNoEffectBounded",
    "ERFreshInit",
    "ERHolds",
    "ERHugeTs",
    "ERInit",
    "ERKeyConfirmed",
    "ERKeyConfirmedBounded",
    "ERLogAnswered",
    "ERMsgShape",
    "ERNoLockout",
    "ERNoReplayedInit",
    "ERNoReplayedInitBounded",
    "ERNoRevival",
    "ERNoStaleActive",
    "ERPsk",
    "ERPskSecret",
    "ERRejectTyped",
    "ERRekeyIsNewHandshake",
    "ERRekeyIsNewHandshakeBounded",
    "ERReplayGuardAuthenticated",
    "ERRetire",
    "ERRetiredEpochRejected",
    "ERRetiredEpochRejectedBounded",
    "ERSorts",
    "ERTerminalClosed",
    "ERTsHandedOut",
    "ERTypeOK",
    "ERVocab",
    "ERWrongPsk",
    "ForgeResponse",
    "HandleHandshake",
    "HandshakeTimeout",
    "InjectInit",
    "KeyConfirm",
    "PrepareEstablishChannel",
    "ProcessResponse",
    "ReceiveData",
    "RejectData",
    "RotateChannel",
    "SendData",
    "epoch_rotation",
    "er_actions",
    "er_decoders",
    "er_sorts",
    "er_variables",
    "er_vocab",
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
    ("BUG_LazyEpochAdvance", "ERNoStaleActive"),
    ("BUG_EpochJudgedUnknown", "ERRejectTyped"),
    ("BUG_ReplayBeforeAuth", "ERNoLockout"),
    ("BUG_ReplayAcrossEpochs", "ERReplayGuardAuthenticated"),
    ("BUG_ForgedRespKillsPending", "ERForgeryNoEffect"),
)
ER_FLAGS = tuple(dict.fromkeys(flag for flag, _ in ER_BUGS))
ER_MC_CONSTANTS = {"max_epoch": 1, "max_hs": 2}
ER_SCHEDULES = {
    ("BUG_EpochJudgedUnknown", "ERRejectTyped"): (
        "AdvanceEpoch",
        "AdvanceEpoch",
        "PrepareEstablishChannel",
        "HandleHandshake",
        "ProcessResponse",
        "SendData",
        "HandshakeTimeout",
        "RejectData",
    ),
    # The attacker's msg 1 (a retired PSK exists from epoch 1 on) is recorded.
    ("BUG_ReplayBeforeAuth", "ERNoLockout"): ("AdvanceEpoch", "InjectInit"),
    # A confirmed handshake, then the responder's epoch moves on.
    ("BUG_ReplayAcrossEpochs", "ERReplayGuardAuthenticated"): (
        "PrepareEstablishChannel",
        "HandleHandshake",
        "ProcessResponse",
        "SendData",
        "KeyConfirm",
        "AdvanceEpoch",
    ),
    ("BUG_ForgedRespKillsPending", "ERForgeryNoEffect"): (
        "PrepareEstablishChannel",
        "ForgeResponse",
    ),
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
    "RejectData": (*_HS, "HandshakeTimeout"),
}
# RotateChannel is the seed's in-place rotate(): enabled only by its BUG flag;
# a forged msg 2 is dropped (no step) unless its BUG flag is set.
ER_WITNESS_FLAGS = {
    "RotateChannel": "BUG_RotateInPlace",
    "ForgeResponse": "BUG_ForgedRespKillsPending",
}
# The existential invariant follows from its witness lemma (an Active channel
# is an honest one: ERChanShape).
ER_IMPLIED = {"ERRekeyIsNewHandshake": ("ERActiveHasInit", "ERChanShape")}


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


@attrs.frozen(eq=False)
class ERVocab:
    """What every operator of the twin speaks in: the sorts, the spec's
    CONSTANTS as Z3 terms (with the values pinned, if any) and the ``BUG_*``
    flags that are set.

    ``eq=False``: Z3 terms overload ``==`` to build formulas."""

    S: ERSorts
    bugs: frozenset[str]
    MaxEpoch: Any
    MaxHs: Any
    max_epoch: int | None  # the pinned values, if any
    max_hs: int | None
    ini: Any  # Ini
    resp: Any  # Resp
    auth: tuple[Any, ...]  # Auth == {Ini, Resp}
    no_chan: Any  # ERNoChan

    def bug(self, flag: str) -> bool:
        return flag in self.bugs


def er_vocab(*, max_epoch: int | None = None, max_hs: int | None = None, **bugs: bool) -> ERVocab:
    """The vocabulary of one twin; keyword constants pin the spec's CONSTANTS
    (default: free), keyword flags set its ``BUG_*`` flags."""
    unknown = set(bugs) - set(ER_FLAGS)
    if unknown:
        raise ValueError(f"EpochRotation has no bug flags {sorted(unknown)}")
    S = er_sorts()
    ini, resp = S.auth[INI], S.auth[RESP]
    return ERVocab(
        S=S,
        bugs=frozenset(b for b, on in bugs.items() if on),
        MaxEpoch=z3.Int("MaxEpoch"),
        MaxHs=z3.Int("MaxHs"),
        max_epoch=max_epoch,
        max_hs=max_hs,
        ini=ini,
        resp=resp,
        auth=(ini, resp),
        no_chan=S.chan.chan(S.st["None"], 0, 0, 0),
    )


def er_variables(v: ERVocab) -> dict[str, Any]:
    """The spec's VARIABLES and their sorts."""
    S = v.S
    A, ii, bb = S.auth.sort, z3.IntSort(), z3.BoolSort()
    return {
        "epoch": z3.ArraySort(A, ii),
        "chan": z3.ArraySort(A, z3.ArraySort(A, S.chan)),
        "nextId": ii,
        "lastTs": z3.ArraySort(A, z3.ArraySort(A, ii)),
        "msgs": z3.ArraySort(S.msg, bb),
        "respLog": S.log,
        "confirmed": z3.ArraySort(ii, bb),
        "established": z3.ArraySort(S.est, bb),
        "closed": z3.ArraySort(A, z3.ArraySort(ii, bb)),
        "received": z3.ArraySort(S.rcv, bb),
        "iniLog": z3.ArraySort(S.msg, bb),
        "mistyped": bb,
    }


def ERConstantsOK(v: ERVocab, s: State) -> Any:
    """The module's ASSUME (and the pinned values): axioms of every state."""
    parts = [v.MaxEpoch >= 0, v.MaxHs >= 0]
    if v.max_epoch is not None:
        parts.append(v.MaxEpoch == v.max_epoch)
    if v.max_hs is not None:
        parts.append(v.MaxHs == v.max_hs)
    return z3.And(*parts)


# -- the module's operators ---------------------------------------------------


def ERPsk(v: ERVocab, e: Any) -> Any:
    return z3.IntVal(0) if v.bug("BUG_PskFromPublicIds") else e + 1


def ERHugeTs(v: ERVocab, e: Any) -> Any:
    """The attacker's timestamp in epoch ``e``: above every honest one."""
    return v.MaxHs + 1 + e


def ERWrongPsk(v: ERVocab, e: Any) -> Any:
    """What the attacker keys its msg 1 of epoch ``e > 0`` with: the retired PSK."""
    return ERPsk(v, e - 1)


def ERAttackInit(v: ERVocab, e: Any) -> Any:
    M, TY = v.S.msg, v.S.type
    return M.msg(TY["Init"], v.ini, v.resp, e, ERHugeTs(v, e), ERWrongPsk(v, e))


def ERForgedResp(v: ERVocab, c: Any) -> Any:
    C, M, TY = v.S.chan, v.S.msg, v.S.type
    return M.msg(TY["Resp"], v.resp, v.ini, C.ep(c), C.id(c), z3.IntVal(0))


def _ch(s: State, a: Any, b: Any) -> Any:
    """``chan[a][b]``."""
    return s["chan"][a][b]


def _set_chan(s: State, a: Any, b: Any, value: Any) -> Any:
    """``[chan EXCEPT ![a][b] = value]``."""
    return z3.Store(s["chan"], a, z3.Store(s["chan"][a], b, value))


def _with_st(v: ERVocab, c: Any, st: str) -> Any:
    """``[c EXCEPT !.st = st]``."""
    C = v.S.chan
    return C.chan(v.S.st[st], C.ep(c), C.id(c), C.psk(c))


def _st_in(v: ERVocab, c: Any, *names: str) -> Any:
    """``c.st \\in {names}``."""
    return z3.Or(*(v.S.chan.st(c) == v.S.st[n] for n in names))


def _add_closed(s: State, a: Any, x: Any) -> Any:
    """``[closed EXCEPT ![a] = @ \\cup {x}]``."""
    return z3.Store(s["closed"], a, z3.Store(s["closed"][a], x, True))


def ERRetire(v: ERVocab, s: State, a: Any, b: Any) -> Any:
    """``closed'`` when ``a`` replaces its channel with ``b``: a live one's id is retired."""
    c = _ch(s, a, b)
    return z3.If(
        _st_in(v, c, "None", "Closed", "Error"),
        s["closed"],
        _add_closed(s, a, v.S.chan.id(c)),
    )


# -- Init and the actions -----------------------------------------------------


def ERInit(v: ERVocab, s: State) -> Any:
    A, M, E, R, L = v.S.auth, v.S.msg, v.S.est, v.S.rcv, v.S.log
    ii = z3.IntSort()
    return z3.And(
        s["epoch"] == z3.K(A.sort, z3.IntVal(0)),
        s["chan"] == z3.K(A.sort, z3.K(A.sort, v.no_chan)),
        s["nextId"] == 1,
        s["lastTs"] == z3.K(A.sort, z3.K(A.sort, z3.IntVal(0))),
        s["msgs"] == z3.K(M, z3.BoolVal(False)),
        s["respLog"] == L.log(0, z3.K(ii, z3.IntVal(0))),
        s["confirmed"] == z3.K(ii, z3.BoolVal(False)),
        s["established"] == z3.K(E, z3.BoolVal(False)),
        s["closed"] == z3.K(A.sort, z3.K(ii, z3.BoolVal(False))),
        s["received"] == z3.K(R, z3.BoolVal(False)),
        s["iniLog"] == z3.K(M, z3.BoolVal(False)),
        s["mistyped"] == z3.BoolVal(False),
    )


def PrepareEstablishChannel(v: ERVocab, s: State, t: State, p: Params) -> Any:
    C, M, ST, TY = v.S.chan, v.S.msg, v.S.st, v.S.type
    ini, resp = v.ini, v.resp
    e, n = s["epoch"][ini], s["nextId"]
    return z3.And(
        _st_in(v, _ch(s, ini, resp), "None", "Rotating", "Closed", "Error"),
        n <= v.MaxHs,
        t["chan"] == _set_chan(s, ini, resp, C.chan(ST["Establishing"], e, n, ERPsk(v, e))),
        t["closed"] == ERRetire(v, s, ini, resp),
        t["msgs"] == z3.Store(s["msgs"], M.msg(TY["Init"], ini, resp, e, n, ERPsk(v, e)), True),
        t["nextId"] == n + 1,
    )


def ERFreshInit(v: ERVocab, s: State, m: Any) -> Any:
    """msg 1's timestamp passes the responder's replay check."""
    C, M = v.S.chan, v.S.msg
    src = M.src(m)
    c = _ch(s, v.resp, src)
    return z3.And(
        M.id(m) > s["lastTs"][v.resp][src],
        z3.Implies(C.st(c) == v.S.st["Establishing"], M.id(m) > C.id(c)),
        M.id(m) != C.id(c),
        z3.Not(s["closed"][v.resp][M.id(m)]),
    )


def HandleHandshake(v: ERVocab, s: State, t: State, p: Params) -> Any:
    return z3.And(s["msgs"][p["m"]], _handle(v, s, t, p["m"]))


def InjectInit(v: ERVocab, s: State, t: State, p: Params) -> Any:
    e = s["epoch"][v.resp]
    return z3.And(e > 0, _handle(v, s, t, ERAttackInit(v, e)))


def _handle(v: ERVocab, s: State, t: State, m: Any) -> Any:
    """``HandleHandshake(m)`` without ``m \\in msgs`` (the attacker delivers its own)."""
    C, M, E, L = v.S.chan, v.S.msg, v.S.est, v.S.log
    ST, TY, resp = v.S.st, v.S.type, v.resp
    src = M.src(m)
    ep = M.ep(m) if v.bug("BUG_NoEpochBinding") else s["epoch"][resp]
    psk = ERPsk(v, ep)
    st = "Active" if v.bug("BUG_ActiveBeforeConfirm") else "Establishing"
    est = E.est(src, resp, M.id(m), ep)
    last = s["lastTs"][resp][src]
    log = s["respLog"]
    n = L.len(log) + 1
    return z3.And(
        M.type(m) == TY["Init"],
        M.dst(m) == resp,
        z3.BoolVal(True) if v.bug("BUG_NoEpochBinding") else M.ep(m) == s["epoch"][resp],
        z3.BoolVal(True) if v.bug("BUG_NoReplayCheck") else ERFreshInit(v, s, m),
        t["chan"] == _set_chan(s, resp, src, C.chan(ST[st], ep, M.id(m), psk)),
        t["established"]
        == (
            z3.Store(s["established"], est, True)
            if v.bug("BUG_ActiveBeforeConfirm")
            else s["established"]
        ),
        t["msgs"] == z3.Store(s["msgs"], M.msg(TY["Resp"], resp, src, ep, M.id(m), psk), True),
        t["closed"]
        == z3.If(C.id(_ch(s, resp, src)) == M.id(m), s["closed"], ERRetire(v, s, resp, src)),
        t["lastTs"]
        == (
            z3.Store(
                s["lastTs"],
                resp,
                z3.Store(s["lastTs"][resp], src, z3.If(M.id(m) > last, M.id(m), last)),
            )
            if v.bug("BUG_ReplayBeforeAuth")
            else s["lastTs"]
        ),
        t["respLog"] == L.log(n, z3.Store(L.items(log), n, M.id(m))),
    )


def ProcessResponse(v: ERVocab, s: State, t: State, p: Params) -> Any:
    return z3.And(s["msgs"][p["m"]], _process(v, s, t, p["m"]))


def ForgeResponse(v: ERVocab, s: State, t: State, p: Params) -> Any:
    return _process(v, s, t, ERForgedResp(v, _ch(s, v.ini, v.resp)))


def _process(v: ERVocab, s: State, t: State, m: Any) -> Any:
    """``ProcessResponse(m)`` without ``m \\in msgs`` (the attacker delivers its own)."""
    C, M, TY, ini = v.S.chan, v.S.msg, v.S.type, v.ini
    c = _ch(s, ini, M.src(m))
    allowed = (
        ("Establishing", "Closed", "Error") if v.bug("BUG_ReviveClosed") else ("Establishing",)
    )
    return z3.And(
        M.type(m) == TY["Resp"],
        M.dst(m) == ini,
        C.id(c) == M.id(m),
        _st_in(v, c, *allowed),
        z3.If(
            M.psk(m) == C.psk(c),
            z3.And(
                t["chan"] == _set_chan(s, ini, M.src(m), _with_st(v, c, "Active")),
                t["closed"] == s["closed"],
            ),
            z3.And(
                # Dropped, no step, unless the handshake dies of it (today's bug).
                z3.BoolVal(v.bug("BUG_ForgedRespKillsPending")),
                t["chan"] == _set_chan(s, ini, M.src(m), _with_st(v, c, "Error")),
                t["closed"] == _add_closed(s, ini, M.id(m)),
            ),
        ),
        t["iniLog"] == z3.Store(s["iniLog"], m, True),
    )


def SendData(v: ERVocab, s: State, t: State, p: Params) -> Any:
    C, M, ST, TY = v.S.chan, v.S.msg, v.S.st, v.S.type
    a, b = p["a"], p["b"]
    c = _ch(s, a, b)
    return z3.And(
        C.st(c) == ST["Active"],
        t["msgs"] == z3.Store(s["msgs"], M.msg(TY["Data"], a, b, C.ep(c), C.id(c), C.psk(c)), True),
    )


def KeyConfirm(v: ERVocab, s: State, t: State, p: Params) -> Any:
    C, M, E, ST, TY = v.S.chan, v.S.msg, v.S.est, v.S.st, v.S.type
    resp = v.resp
    m = p["m"]
    c = _ch(s, resp, M.src(m))
    last = s["lastTs"][resp][M.src(m)]
    return z3.And(
        s["msgs"][m],
        M.type(m) == TY["Data"],
        M.dst(m) == resp,
        C.st(c) == ST["Establishing"],
        C.id(c) == M.id(m),
        z3.If(
            M.psk(m) == C.psk(c),
            z3.And(
                t["chan"] == _set_chan(s, resp, M.src(m), _with_st(v, c, "Active")),
                t["confirmed"] == z3.Store(s["confirmed"], M.id(m), True),
                t["established"]
                == z3.Store(s["established"], E.est(M.src(m), resp, M.id(m), C.ep(c)), True),
                t["lastTs"]
                == z3.Store(
                    s["lastTs"],
                    resp,
                    z3.Store(s["lastTs"][resp], M.src(m), z3.If(M.id(m) > last, M.id(m), last)),
                ),
                t["closed"] == s["closed"],
            ),
            z3.And(
                t["chan"] == _set_chan(s, resp, M.src(m), _with_st(v, c, "Error")),
                t["closed"] == _add_closed(s, resp, M.id(m)),
                t["confirmed"] == s["confirmed"],
                t["established"] == s["established"],
                t["lastTs"] == s["lastTs"],
            ),
        ),
    )


def ReceiveData(v: ERVocab, s: State, t: State, p: Params) -> Any:
    C, M, R, ST, TY = v.S.chan, v.S.msg, v.S.rcv, v.S.st, v.S.type
    b, m = p["b"], p["m"]
    c = _ch(s, b, M.src(m))
    ok = (
        _st_in(v, c, "Active", "Rotating")
        if v.bug("BUG_AcceptRetiredEpoch")
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


def ERHolds(v: ERVocab, s: State, b: Any, m: Any) -> Any:
    """b holds a live channel of the message's id with its sender."""
    c = _ch(s, b, v.S.msg.src(m))
    live = _st_in(v, c, "Establishing", "Active", "Rotating")
    return z3.And(v.S.chan.id(c) == v.S.msg.id(m), live)


def RejectData(v: ERVocab, s: State, t: State, p: Params) -> Any:
    """A message naming no held channel is rejected: UnknownChannel or
    RetiredEpoch (a stutter), or under the flag EpochMismatch for ep > 0."""
    M, TY = v.S.msg, v.S.type
    b, m = p["b"], p["m"]
    why_other = M.ep(m) > 0 if v.bug("BUG_EpochJudgedUnknown") else z3.BoolVal(False)
    return z3.And(
        s["msgs"][m],
        M.type(m) == TY["Data"],
        M.dst(m) == b,
        z3.Not(ERHolds(v, s, b, m)),
        t["mistyped"] == z3.Or(s["mistyped"], why_other),
    )


def AdvanceEpoch(v: ERVocab, s: State, t: State, p: Params) -> Any:
    a = p["a"]
    row = s["chan"][a]
    for b in v.auth:
        c = row[b]
        row = z3.Store(
            row,
            b,
            z3.If(_st_in(v, c, "Establishing", "Active"), _with_st(v, c, "Rotating"), c),
        )
    if v.bug("BUG_LazyEpochAdvance"):
        # Today's lazy advance: the channels are left as they are.
        row = s["chan"][a]
    # The replay guard is per epoch: the new one starts empty.
    ts = (
        s["lastTs"]
        if v.bug("BUG_ReplayAcrossEpochs")
        else z3.Store(s["lastTs"], a, z3.K(v.S.auth.sort, z3.IntVal(0)))
    )
    return z3.And(
        s["epoch"][a] < v.MaxEpoch,
        t["epoch"] == z3.Store(s["epoch"], a, s["epoch"][a] + 1),
        t["chan"] == z3.Store(s["chan"], a, row),
        t["lastTs"] == ts,
    )


def RotateChannel(v: ERVocab, s: State, t: State, p: Params) -> Any:
    C, ST = v.S.chan, v.S.st
    a, b = p["a"], p["b"]
    c = _ch(s, a, b)
    return z3.And(
        z3.BoolVal(v.bug("BUG_RotateInPlace")),
        C.st(c) == ST["Rotating"],
        t["chan"] == _set_chan(s, a, b, C.chan(ST["Active"], s["epoch"][a], C.id(c), C.psk(c))),
    )


def HandshakeTimeout(v: ERVocab, s: State, t: State, p: Params) -> Any:
    C, ST = v.S.chan, v.S.st
    a, b = p["a"], p["b"]
    c = _ch(s, a, b)
    return z3.And(
        C.st(c) == ST["Establishing"],
        t["chan"] == _set_chan(s, a, b, _with_st(v, c, "Error")),
        t["closed"] == _add_closed(s, a, C.id(c)),
    )


def CloseChannel(v: ERVocab, s: State, t: State, p: Params) -> Any:
    a, b = p["a"], p["b"]
    c = _ch(s, a, b)
    return z3.And(
        _st_in(v, c, "Active", "Rotating"),
        t["chan"] == _set_chan(s, a, b, _with_st(v, c, "Closed")),
        t["closed"] == _add_closed(s, a, v.S.chan.id(c)),
    )


# -- invariants ---------------------------------------------------------------


def _every_chan(v: ERVocab, body: Callable[[Any, Any], Any]) -> Any:
    """``\\A a, b \\in Auth : body``."""
    return z3.And(*(body(a, b) for a in v.auth for b in v.auth))


def _log_at(v: ERVocab, s: State, i: Any) -> Any:
    """``respLog[i]``."""
    return v.S.log.items(s["respLog"])[i]


def _in_eps(v: ERVocab, x: Any) -> Any:
    """``x \\in EREpochs``."""
    return z3.And(x >= 0, x <= v.MaxEpoch)


def _in_ids(v: ERVocab, x: Any) -> Any:
    """``x \\in ERIds``."""
    return z3.And(x >= 0, x <= ERHugeTs(v, v.MaxEpoch))


def _msg_in_type(v: ERVocab, M: Any, m: Any) -> Any:
    return z3.And(
        _in_eps(v, M.ep(m)), _in_ids(v, M.id(m)), M.psk(m) >= 0, M.psk(m) <= v.MaxEpoch + 1
    )


def ERTypeOK(v: ERVocab, s: State) -> Any:
    C, M, E, R, L = v.S.chan, v.S.msg, v.S.est, v.S.rcv, v.S.log
    m, x, i = z3.Const("m!t", M), z3.Int("x!t"), z3.Int("i!t")
    e = z3.Const("e!t", E)
    r = z3.Const("r!t", R)
    return z3.And(
        *(_in_eps(v, s["epoch"][a]) for a in v.auth),
        _every_chan(
            v,
            lambda a, b: z3.And(
                _in_eps(v, C.ep(_ch(s, a, b))),
                _in_ids(v, C.id(_ch(s, a, b))),
                C.psk(_ch(s, a, b)) >= 0,
                C.psk(_ch(s, a, b)) <= v.MaxEpoch + 1,
            ),
        ),
        s["nextId"] >= 1,
        s["nextId"] <= v.MaxHs + 1,
        _every_chan(v, lambda a, b: _in_ids(v, s["lastTs"][a][b])),
        z3.ForAll([m], z3.Implies(s["msgs"][m], _msg_in_type(v, M, m))),
        z3.ForAll([m], z3.Implies(s["iniLog"][m], _msg_in_type(v, M, m))),
        L.len(s["respLog"]) >= 0,
        z3.ForAll(
            [i],
            z3.Implies(z3.And(i >= 1, i <= L.len(s["respLog"])), _in_ids(v, _log_at(v, s, i))),
        ),
        z3.ForAll([x], z3.Implies(s["confirmed"][x], _in_ids(v, x))),
        z3.ForAll(
            [e],
            z3.Implies(s["established"][e], z3.And(_in_ids(v, E.id(e)), _in_eps(v, E.ep(e)))),
        ),
        *(z3.ForAll([x], z3.Implies(s["closed"][a][x], _in_ids(v, x))) for a in v.auth),
        z3.ForAll(
            [r],
            z3.Implies(
                s["received"][r],
                z3.And(_in_ids(v, R.id(r)), _in_eps(v, R.ep(r)), _in_eps(v, R.at(r))),
            ),
        ),
    )


def ERNoRevival(v: ERVocab, s: State) -> Any:
    C = v.S.chan
    return _every_chan(
        v,
        lambda a, b: z3.Implies(
            s["closed"][a][C.id(_ch(s, a, b))], _st_in(v, _ch(s, a, b), "Closed", "Error")
        ),
    )


def ERKeyConfirmed(v: ERVocab, s: State) -> Any:
    C, E, ST = v.S.chan, v.S.est, v.S.st
    e = z3.Const("e!c", E)
    c = _ch(s, v.resp, v.ini)
    return z3.And(
        z3.Implies(C.st(c) == ST["Active"], s["confirmed"][C.id(c)]),
        z3.ForAll([e], z3.Implies(s["established"][e], s["confirmed"][E.id(e)])),
    )


def ERNoReplayedInit(v: ERVocab, s: State) -> Any:
    i, j = z3.Int("i!r"), z3.Int("j!r")
    return z3.ForAll(
        [i, j],
        z3.Implies(
            z3.And(i >= 1, i < j, j <= v.S.log.len(s["respLog"])),
            _log_at(v, s, i) != _log_at(v, s, j),
        ),
    )


def ERReplayGuardAuthenticated(v: ERVocab, s: State) -> Any:
    E, resp = v.S.est, v.resp
    return z3.And(
        *(
            z3.Implies(
                s["lastTs"][resp][i] != 0,
                s["established"][E.est(i, resp, s["lastTs"][resp][i], s["epoch"][resp])],
            )
            for i in v.auth
        )
    )


def ERNoLockout(v: ERVocab, s: State) -> Any:
    return z3.And(*(s["lastTs"][v.resp][i] < s["nextId"] for i in v.auth))


def ERForgeryNoEffect(v: ERVocab, s: State) -> Any:
    M = v.S.msg
    m = z3.Const("m!f", M)
    return z3.ForAll([m], z3.Implies(s["iniLog"][m], M.psk(m) == ERPsk(v, M.ep(m))))


def ERPskSecret(v: ERVocab, s: State) -> Any:
    C, ST = v.S.chan, v.S.st
    return _every_chan(
        v,
        lambda a, b: z3.Implies(C.st(_ch(s, a, b)) == ST["Active"], C.psk(_ch(s, a, b)) != 0),
    )


def ERRetiredEpochRejected(v: ERVocab, s: State) -> Any:
    R = v.S.rcv
    r = z3.Const("r!e", R)
    return z3.ForAll([r], z3.Implies(s["received"][r], R.ep(r) == R.at(r)))


def ERRekeyIsNewHandshake(v: ERVocab, s: State) -> Any:
    C, M, ST, TY = v.S.chan, v.S.msg, v.S.st, v.S.type
    m = z3.Const("m!k", M)
    return _every_chan(
        v,
        lambda a, b: z3.Implies(
            C.st(_ch(s, a, b)) == ST["Active"],
            z3.Exists(
                [m],
                z3.And(
                    s["msgs"][m],
                    M.type(m) == TY["Init"],
                    M.id(m) == C.id(_ch(s, a, b)),
                    M.ep(m) == C.ep(_ch(s, a, b)),
                ),
            ),
        ),
    )


def ERNoStaleActive(v: ERVocab, s: State) -> Any:
    C = v.S.chan
    return _every_chan(
        v,
        lambda a, b: z3.Implies(
            _st_in(v, _ch(s, a, b), "Establishing", "Active"),
            C.ep(_ch(s, a, b)) == s["epoch"][a],
        ),
    )


def ERRejectTyped(v: ERVocab, s: State) -> Any:
    return z3.Not(s["mistyped"])


# -- strengthening lemmas -----------------------------------------------------


def _honest_or_huge(v: ERVocab, s: State, x: Any, ep: Any) -> Any:
    """``x`` is an id handed out already, or the attacker's of epoch ``ep`` >= 1."""
    return z3.Or(z3.And(x >= 1, x < s["nextId"]), z3.And(ep >= 1, x == ERHugeTs(v, ep)))


def _msg_shape(v: ERVocab, s: State, m: Any) -> Any:
    M, TY = v.S.msg, v.S.type
    return z3.Implies(
        s["msgs"][m],
        z3.And(
            z3.If(
                M.type(m) == TY["Resp"],
                z3.And(
                    M.src(m) == v.resp,
                    M.dst(m) == v.ini,
                    _honest_or_huge(v, s, M.id(m), M.ep(m)),
                ),
                z3.And(M.id(m) >= 1, M.id(m) < s["nextId"]),
            ),
            M.ep(m) >= 0,
            M.ep(m) <= v.MaxEpoch,
            M.psk(m) == M.ep(m) + 1,
            z3.Implies(
                M.type(m) == TY["Init"],
                z3.And(M.src(m) == v.ini, M.dst(m) == v.resp, M.ep(m) <= s["epoch"][v.ini]),
            ),
            M.src(m) != M.dst(m),
        ),
    )


def ERMsgShape(v: ERVocab, s: State) -> Any:
    """Message shapes: only Ini sends Init, with the PSK of its epoch; every
    id on the wire was handed out already, but the responder's answers to the
    attacker's msg 1."""
    return z3.ForAll([z3.Const("m!s", v.S.msg)], _msg_shape(v, s, z3.Const("m!s", v.S.msg)))


def ERChanShape(v: ERVocab, s: State) -> Any:
    """Channels that exist carry their epoch's PSK and an id handed out
    already, but the responder's answer to the attacker's msg 1, which is
    never Active (no key confirmation exists for it)."""
    C, ST, ini, resp = v.S.chan, v.S.st, v.ini, v.resp

    def shape(a: Any, b: Any) -> Any:
        c = _ch(s, a, b)
        honest = z3.And(C.id(c) >= 1, C.id(c) < s["nextId"])
        huge = z3.And(
            a == resp,
            b == ini,
            C.ep(c) >= 1,
            C.id(c) == ERHugeTs(v, C.ep(c)),
            C.st(c) != ST["Active"],
        )
        return z3.If(
            C.st(c) == ST["None"],
            c == v.no_chan,
            z3.And(
                C.psk(c) == C.ep(c) + 1,
                z3.Or(honest, huge),
                C.ep(c) <= s["epoch"][a],
                C.ep(c) >= 0,
                a != b,
            ),
        )

    return _every_chan(v, shape)


def ERClosedHandedOut(v: ERVocab, s: State) -> Any:
    """Closed ids are positive; the initiator's were handed out already."""
    x = z3.Int("x!c")
    return z3.And(
        *(
            z3.ForAll(
                [x],
                z3.Implies(
                    s["closed"][a][x],
                    z3.And(x >= 1, z3.Implies(a == v.ini, x < s["nextId"])),
                ),
            )
            for a in v.auth
        )
    )


def ERTerminalClosed(v: ERVocab, s: State) -> Any:
    """A Closed or Error channel's id is in its owner's closed set."""
    C = v.S.chan
    return _every_chan(
        v,
        lambda a, b: z3.Implies(
            _st_in(v, _ch(s, a, b), "Closed", "Error"), s["closed"][a][C.id(_ch(s, a, b))]
        ),
    )


def ERLogAnswered(v: ERVocab, s: State) -> Any:
    """Every id the responder answered is its current handshake's or a closed one."""
    i = z3.Int("i!l")
    x = _log_at(v, s, i)
    return z3.ForAll(
        [i],
        z3.Implies(
            z3.And(i >= 1, i <= v.S.log.len(s["respLog"])),
            z3.And(
                x >= 1,
                z3.Or(s["closed"][v.resp][x], x == v.S.chan.id(_ch(s, v.resp, v.ini))),
            ),
        ),
    )


def ERTsHandedOut(v: ERVocab, s: State) -> Any:
    """Replay marks are ids handed out already."""
    return z3.And(
        *(
            z3.And(s["lastTs"][a][b] >= 0, s["lastTs"][a][b] < s["nextId"])
            for a in v.auth
            for b in v.auth
        ),
        v.S.log.len(s["respLog"]) >= 0,
    )


def ERActiveHasInit(v: ERVocab, s: State) -> Any:
    """The witness of ERRekeyIsNewHandshake: an honest channel's Init."""
    C, M, ST, TY = v.S.chan, v.S.msg, v.S.st, v.S.type

    def init_msg(c: Any) -> Any:
        return M.msg(TY["Init"], v.ini, v.resp, C.ep(c), C.id(c), C.ep(c) + 1)

    return _every_chan(
        v,
        lambda a, b: z3.Implies(
            z3.And(C.st(_ch(s, a, b)) != ST["None"], C.id(_ch(s, a, b)) < s["nextId"]),
            s["msgs"][init_msg(_ch(s, a, b))],
        ),
    )


def ERConfirmedIds(v: ERVocab, s: State) -> Any:
    """Confirmed ids were handed out."""
    return z3.ForAll(
        [z3.Int("x!f")],
        z3.Implies(
            s["confirmed"][z3.Int("x!f")],
            z3.And(z3.Int("x!f") >= 1, z3.Int("x!f") < s["nextId"]),
        ),
    )


# -- quantifier-free forms for BMC --------------------------------------------
# On pinned constants the sets range over records whose fields are ids
# 0..MaxHs and epochs 0..MaxEpoch (ERTypeOK), and the log grows by one entry
# per step. Without them, model-based quantifier instantiation may answer
# "unknown" on a satisfiable query.


def _ids_eps(v: ERVocab) -> tuple[range, range]:
    assert v.max_hs is not None and v.max_epoch is not None
    return range(v.max_hs + v.max_epoch + 2), range(v.max_epoch + 1)


def ERKeyConfirmedBounded(v: ERVocab, s: State, bound: int) -> Any:
    C, E, ST = v.S.chan, v.S.est, v.S.st
    ids, eps = _ids_eps(v)
    c = _ch(s, v.resp, v.ini)
    return z3.And(
        z3.Implies(C.st(c) == ST["Active"], s["confirmed"][C.id(c)]),
        *(
            z3.Implies(s["established"][E.est(x, y, i, e)], s["confirmed"][i])
            for x in v.auth
            for y in v.auth
            for i in ids
            for e in eps
        ),
    )


def ERRetiredEpochRejectedBounded(v: ERVocab, s: State, bound: int) -> Any:
    R = v.S.rcv
    ids, eps = _ids_eps(v)
    return z3.And(
        *(
            z3.Implies(s["received"][R.rcv(i, e, at)], e == at)
            for i in ids
            for e in eps
            for at in eps
        )
    )


def ERNoReplayedInitBounded(v: ERVocab, s: State, bound: int) -> Any:
    n = v.S.log.len(s["respLog"])
    return z3.And(
        *(
            z3.Implies(j <= n, _log_at(v, s, i) != _log_at(v, s, j))
            for j in range(1, bound + 1)
            for i in range(1, j)
        )
    )


def ERForgeryNoEffectBounded(v: ERVocab, s: State, bound: int) -> Any:
    M, TY = v.S.msg, v.S.type
    _, eps = _ids_eps(v)
    assert v.max_hs is not None and v.max_epoch is not None
    ids = range(v.max_hs + v.max_epoch + 2)  # ERIds, the attacker's included
    psks = range(len(eps) + 1)
    return z3.And(
        *(
            z3.Implies(s["iniLog"][M.msg(TY["Resp"], x, y, e, i, k)], k == ERPsk(v, z3.IntVal(e)))
            for x in v.auth
            for y in v.auth
            for e in eps
            for i in ids
            for k in psks
        )
    )


def ERRekeyIsNewHandshakeBounded(v: ERVocab, s: State, bound: int) -> Any:
    C, M, ST, TY = v.S.chan, v.S.msg, v.S.st, v.S.type
    ids, eps = _ids_eps(v)
    psks = range(len(eps) + 1)  # 0..(MaxEpoch + 1)

    def has_init(c: Any) -> Any:
        return z3.Or(
            *(
                z3.And(
                    s["msgs"][M.msg(TY["Init"], x, y, e, i, k)],
                    C.id(c) == i,
                    C.ep(c) == e,
                )
                for x in v.auth
                for y in v.auth
                for e in eps
                for i in ids
                for k in psks
            )
        )

    return _every_chan(
        v, lambda a, b: z3.Implies(C.st(_ch(s, a, b)) == ST["Active"], has_init(_ch(s, a, b)))
    )


# -- the twin -----------------------------------------------------------------


def er_actions(v: ERVocab) -> dict[str, Action]:
    """``ERNext``'s disjuncts: each action, the variables it changes and the
    sorts of its ``\\E`` parameters."""
    A, M = v.S.auth.sort, v.S.msg
    ab = {"a": A, "b": A}

    def bound(action: Any) -> Any:
        return functools.partial(action, v)

    return {
        "PrepareEstablishChannel": Action(
            bound(PrepareEstablishChannel), ("chan", "closed", "msgs", "nextId")
        ),
        "InjectInit": Action(
            bound(InjectInit),
            ("chan", "established", "msgs", "closed", "lastTs", "respLog"),
        ),
        "ForgeResponse": Action(bound(ForgeResponse), ("chan", "closed", "iniLog")),
        "HandleHandshake": Action(
            bound(HandleHandshake),
            ("chan", "established", "msgs", "closed", "lastTs", "respLog"),
            {"m": M},
        ),
        "ProcessResponse": Action(bound(ProcessResponse), ("chan", "closed", "iniLog"), {"m": M}),
        "KeyConfirm": Action(
            bound(KeyConfirm), ("chan", "confirmed", "established", "closed", "lastTs"), {"m": M}
        ),
        "SendData": Action(bound(SendData), ("msgs",), ab),
        "RotateChannel": Action(bound(RotateChannel), ("chan",), ab),
        "HandshakeTimeout": Action(bound(HandshakeTimeout), ("chan", "closed"), ab),
        "CloseChannel": Action(bound(CloseChannel), ("chan", "closed"), ab),
        "ReceiveData": Action(bound(ReceiveData), ("received",), {"b": A, "m": M}),
        "RejectData": Action(bound(RejectData), ("mistyped",), {"b": A, "m": M}),
        "AdvanceEpoch": Action(bound(AdvanceEpoch), ("epoch", "chan", "lastTs"), {"a": A}),
    }


ER_INVARIANTS: dict[str, Callable[[ERVocab, State], Any]] = {
    "ERTypeOK": ERTypeOK,
    "ERRejectTyped": ERRejectTyped,
    "ERNoRevival": ERNoRevival,
    "ERKeyConfirmed": ERKeyConfirmed,
    "ERNoReplayedInit": ERNoReplayedInit,
    "ERPskSecret": ERPskSecret,
    "ERRetiredEpochRejected": ERRetiredEpochRejected,
    "ERRekeyIsNewHandshake": ERRekeyIsNewHandshake,
    "ERNoStaleActive": ERNoStaleActive,
    "ERReplayGuardAuthenticated": ERReplayGuardAuthenticated,
    "ERNoLockout": ERNoLockout,
    "ERForgeryNoEffect": ERForgeryNoEffect,
}
ER_STRENGTHENING: dict[str, Callable[[ERVocab, State], Any]] = {
    "ERMsgShape": ERMsgShape,
    "ERChanShape": ERChanShape,
    "ERClosedHandedOut": ERClosedHandedOut,
    "ERTerminalClosed": ERTerminalClosed,
    "ERLogAnswered": ERLogAnswered,
    "ERTsHandedOut": ERTsHandedOut,
    "ERActiveHasInit": ERActiveHasInit,
    "ERConfirmedIds": ERConfirmedIds,
}
# Used by BMC when MaxEpoch and MaxHs are pinned.
ER_BOUNDED_FORMS: dict[str, Callable[[ERVocab, State, int], Any]] = {
    "ERKeyConfirmed": ERKeyConfirmedBounded,
    "ERRetiredEpochRejected": ERRetiredEpochRejectedBounded,
    "ERNoReplayedInit": ERNoReplayedInitBounded,
    "ERRekeyIsNewHandshake": ERRekeyIsNewHandshakeBounded,
    "ERForgeryNoEffect": ERForgeryNoEffectBounded,
}


def epoch_rotation(
    *, max_epoch: int | None = None, max_hs: int | None = None, **bugs: bool
) -> TransitionSystem:
    """The twin; keyword constants pin the spec's CONSTANTS (default: free)."""
    v = er_vocab(max_epoch=max_epoch, max_hs=max_hs, **bugs)

    def bind(table: Mapping[str, Callable[..., Any]]) -> dict[str, Any]:
        return {name: functools.partial(fn, v) for name, fn in table.items()}

    pinned = max_epoch is not None and max_hs is not None
    return TransitionSystem(
        "EpochRotation",
        er_variables(v),
        functools.partial(ERInit, v),
        er_actions(v),
        bind(ER_INVARIANTS),
        strengthening=bind(ER_STRENGTHENING),
        axioms=functools.partial(ERConstantsOK, v),
        constants={"MaxEpoch": v.MaxEpoch, "MaxHs": v.MaxHs},
        bounded=bind(ER_BOUNDED_FORMS) if pinned else {},
        decoders=er_decoders(v),
    )


# -- decoding a Z3 model's state into the spec's values ---------------------------


def _ev(m: Any, e: Any) -> object:
    return decode_scalar(m.eval(e, model_completion=True))


def _decode_by_auth(v: ERVocab, m: Any, expr: Any, s: State) -> object:
    return {str(a): _ev(m, expr[a]) for a in v.auth}


def _decode_chan(v: ERVocab, m: Any, expr: Any, s: State) -> object:
    fields = ("st", "ep", "id", "psk")
    return {
        str(a): {
            str(b): Record((f, _ev(m, getattr(v.S.chan, f)(expr[a][b]))) for f in fields)
            for b in v.auth
        }
        for a in v.auth
    }


def _decode_by_auth_auth(v: ERVocab, m: Any, expr: Any, s: State) -> object:
    return {str(a): {str(b): _ev(m, expr[a][b]) for b in v.auth} for a in v.auth}


def _decode_record_set(fields: Sequence[str], dt: Any, m: Any, expr: Any, s: State) -> object:
    return frozenset(
        Record((f, _ev(m, getattr(dt, f)(k))) for f in fields) for k in array_true_keys(m, expr)
    )


def _decode_ints(m: Any, expr: Any, s: State) -> object:
    return frozenset(_ev(m, k) for k in array_true_keys(m, expr))


def _decode_closed(v: ERVocab, m: Any, expr: Any, s: State) -> object:
    return {str(a): frozenset(_ev(m, k) for k in array_true_keys(m, expr[a])) for a in v.auth}


def _decode_resp_log(v: ERVocab, m: Any, expr: Any, s: State) -> object:
    L = v.S.log
    n = m.eval(L.len(expr), True).as_long()
    return tuple(_ev(m, L.items(expr)[i]) for i in range(1, n + 1))


def er_decoders(v: ERVocab) -> dict[str, Any]:
    """Decoders of the variables whose Z3 value is not a scalar."""
    S = v.S
    return {
        "epoch": functools.partial(_decode_by_auth, v),
        "chan": functools.partial(_decode_chan, v),
        "lastTs": functools.partial(_decode_by_auth_auth, v),
        "msgs": functools.partial(
            _decode_record_set, ("type", "src", "dst", "ep", "id", "psk"), S.msg
        ),
        "respLog": functools.partial(_decode_resp_log, v),
        "confirmed": _decode_ints,
        "established": functools.partial(_decode_record_set, ("ini", "resp", "id", "ep"), S.est),
        "closed": functools.partial(_decode_closed, v),
        "received": functools.partial(_decode_record_set, ("id", "ep", "at"), S.rcv),
        "iniLog": functools.partial(
            _decode_record_set, ("type", "src", "dst", "ep", "id", "psk"), S.msg
        ),
    }
