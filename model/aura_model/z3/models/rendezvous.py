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
Resp's own descriptor is kept as two numbers per context, ``ownEp`` and
``ownUntil`` (the epoch and ``valid_until`` of its newest publication, ``-1``
and 0 before any): enough for ``needs_refresh`` and ``RVRefreshAfterRotation``,
whose correct form holds by the definition of ``RVNeedsRefresh`` whatever the
own descriptor is, so dropping revocation there loses no proof.
One ghost variable is added: ``fwd[c]``, the number of envelopes the relay
delivered in ``c``, in place of the cardinality ``RVRelayForwardsOnce``
takes (see there); it constrains no action.

Every operator, action and invariant of the module is a function of the same
name here, over an explicit :class:`RVVocab` (sorts, constants, bug flags)
instead of closed-over locals, so each can be queried alone;
:func:`rendezvous` only assembles them.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any

import attrs
import z3

from aura_model.z3.framework import (
    Action,
    EnumSort,
    Params,
    State,
    TransitionSystem,
    context_cached,
)

__all__ = [
    "RV_BOUNDED_FORMS",
    "RV_BUGS",
    "RV_BUG_CONSTANTS",
    "RV_FLAGS",
    "RV_INVARIANTS",
    "RV_MC_CONSTANTS",
    "RV_SCHEDULES",
    "RV_STRENGTHENING",
    "RV_WITNESS_PREFIXES",
    "AdvanceEpoch",
    "HandleHandshake",
    "InjectInit",
    "InjectJunk",
    "KeyConfirm",
    "PrepareEstablishChannel",
    "PreparePublishDescriptor",
    "ProcessResponse",
    "RVBudgetOK",
    "RVBudgetWithinLimit",
    "RVChanInOwnCtx",
    "RVChannelContextBound",
    "RVCharge",
    "RVConnectWithValidDescriptor",
    "RVConstantsOK",
    "RVEstablishedAfterConfirm",
    "RVFreshInit",
    "RVHop",
    "RVHsAnswered",
    "RVIdsHandedOut",
    "RVIniChansToResp",
    "RVInit",
    "RVMembersOnly",
    "RVMembersOnlyBounded",
    "RVMsgEpochs",
    "RVMsgIds",
    "RVNeedsRefresh",
    "RVNoChan",
    "RVNoMessageOnDeny",
    "RVNoStaleActive",
    "RVOwnStale",
    "RVRefreshAfterRotation",
    "RVRelayAuthorized",
    "RVRelayForwardsOnce",
    "RVRelayForwardsOnlyProtocol",
    "RVRelayedEndToEnd",
    "RVRelayedEndToEndBounded",
    "RVReplayRejected",
    "RVReplayRejectedBounded",
    "RVSorts",
    "RVTypeOK",
    "RVVocab",
    "RVWellFormed",
    "RelayForward",
    "RevokeDescriptor",
    "SyncJournal",
    "Tick",
    "rendezvous",
    "rv_actions",
    "rv_sorts",
    "rv_variables",
    "rv_vocab",
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
    ("BUG_RefreshIgnoresEpoch", "RVRefreshAfterRotation"),
    ("BUG_RelayForwardsJunk", "RVRelayForwardsOnlyProtocol"),
    ("BUG_ConfirmNotRelayed", "RVRelayedEndToEnd"),
    ("BUG_RelayForwardsReplay", "RVRelayForwardsOnce"),
)
RV_FLAGS = tuple(flag for flag, _ in RV_BUGS)

# The constants of spec/Rendezvous/MC_Rendezvous_bad_*.cfg (RelayCtx = {c1} of two contexts),
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
    ("BUG_RefreshIgnoresEpoch", "RVRefreshAfterRotation"): (
        "PreparePublishDescriptor",
        "AdvanceEpoch",
    ),
}
RV_SCHEDULES[("BUG_RelayForwardsJunk", "RVRelayForwardsOnlyProtocol")] = (
    "InjectJunk",
    "RelayForward",
)
RV_SCHEDULES[("BUG_ConfirmNotRelayed", "RVRelayedEndToEnd")] = (
    "PrepareEstablishChannel",
    "RelayForward",
    "HandleHandshake",
    "RelayForward",
    "ProcessResponse",
)
# The relay is charged twice for one envelope: the second forward adds nothing
# new to the network.
RV_SCHEDULES[("BUG_RelayForwardsReplay", "RVRelayForwardsOnce")] = (
    "PrepareEstablishChannel",
    "RelayForward",
    "RelayForward",
)
RV_WITNESS_PREFIXES = {
    "ProcessResponse": _HS,
    "KeyConfirm": (*_HS, "ProcessResponse"),
    "SyncJournal": (*_HS, "ProcessResponse", "KeyConfirm"),
}

_AUTH = ("a1", "a2", "r1", "eve")  # Ini, Resp, Relay, Outsider of MC_Rendezvous.cfg
_CTX = ("c1", "c2")
_STATES = ("None", "Establishing", "Active", "Rotating")
_TYPES = ("Init", "Resp", "Confirm", "Error", "Forward", "Junk")
_PROTOCOL_TYPES = ("Init", "Resp", "Confirm")  # RVProtocolTypes
_FORWARD_COST = 1  # ForwardCost


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
        hs.declare("hs", ("ini", a), ("ts", ii), ("context", c), ("ep", ii))
        self.chan, self.msg, self.sent, self.receipt, self.fact, self.hs = z3.CreateDatatypes(
            chan, msg, sent, receipt, fact, hs
        )


@context_cached
def rv_sorts() -> RVSorts:
    """Z3 datatypes may be declared only once per context: every caller in one shares these."""
    return RVSorts()


@attrs.frozen(eq=False)
class RVVocab:
    """What every operator of the twin speaks in: the sorts, the spec's
    CONSTANTS as Z3 terms (with the values pinned, if any), the ``BUG_*``
    flags that are set, and the roster's model values.

    ``eq=False``: Z3 terms overload ``==`` to build formulas."""

    S: RVSorts
    bugs: frozenset[str]
    Limit: Any
    MaxTime: Any
    MaxEpoch: Any
    MaxHs: Any
    RelayCtx: Any
    pins: tuple[tuple[Any, int | None], ...]  # (constant, its pinned value or None)
    relay_ctx: tuple[str, ...] | None  # RelayCtx, when pinned
    ini: Any
    resp: Any
    relay: Any
    outsider: Any
    peers: tuple[Any, ...]  # Peers == {Ini, Resp}
    senders: tuple[Any, ...]  # Senders == Peers \cup {Outsider}
    auths: tuple[Any, ...]  # Auth == {Ini, Resp, Relay}
    ctxs: tuple[Any, ...]

    def bug(self, flag: str) -> bool:
        return flag in self.bugs

    def constants(self) -> dict[str, Any]:
        return {
            "Limit": self.Limit,
            "MaxTime": self.MaxTime,
            "MaxEpoch": self.MaxEpoch,
            "MaxHs": self.MaxHs,
            "RelayCtx": self.RelayCtx,
            "Validity": _validity(),
            "Window": _window(),
        }


def rv_vocab(
    *,
    limit: int | None = None,
    max_hs: int | None = None,
    max_epoch: int | None = None,
    max_time: int | None = None,
    relay_ctx: tuple[str, ...] | None = None,
    **bugs: bool,
) -> RVVocab:
    """The vocabulary of one twin; keyword constants pin the spec's CONSTANTS
    (default: free), keyword flags set its ``BUG_*`` flags."""
    unknown = set(bugs) - set(RV_FLAGS)
    if unknown:
        raise ValueError(f"Rendezvous has no bug flags {sorted(unknown)}")
    S = rv_sorts()
    ini, resp, relay, outsider = (S.auth[a] for a in _AUTH)
    limit_, max_time_, max_epoch_, max_hs_ = (
        z3.Int(n) for n in ("Limit", "MaxTime", "MaxEpoch", "MaxHs")
    )
    relay_ctx_ = z3.Array("RelayCtx", S.ctx.sort, z3.BoolSort())
    return RVVocab(
        S=S,
        bugs=frozenset(b for b, on in bugs.items() if on),
        Limit=limit_,
        MaxTime=max_time_,
        MaxEpoch=max_epoch_,
        MaxHs=max_hs_,
        RelayCtx=relay_ctx_,
        pins=((limit_, limit), (max_hs_, max_hs), (max_epoch_, max_epoch), (max_time_, max_time)),
        relay_ctx=relay_ctx,
        ini=ini,
        resp=resp,
        relay=relay,
        outsider=outsider,
        peers=(ini, resp),
        senders=(ini, resp, outsider),
        auths=(ini, resp, relay),
        ctxs=tuple(S.ctx),
    )


def rv_variables(v: RVVocab) -> dict[str, Any]:
    """The spec's VARIABLES and their sorts (``hsLog`` as a length and an array)."""
    S = v.S
    A, C, ii, bb = S.auth.sort, S.ctx.sort, z3.IntSort(), z3.BoolSort()
    return {
        "now": ii,
        "epoch": z3.ArraySort(C, ii),
        "journal": z3.ArraySort(C, z3.ArraySort(A, z3.ArraySort(S.fact, bb))),
        "spent": z3.ArraySort(C, z3.ArraySort(A, z3.ArraySort(ii, ii))),
        "chan": z3.ArraySort(C, z3.ArraySort(A, z3.ArraySort(A, S.chan))),
        "nextId": ii,
        "lastTs": z3.ArraySort(C, z3.ArraySort(A, ii)),
        "net": z3.ArraySort(S.msg, bb),
        "hsLen": ii,
        "hsLog": z3.ArraySort(ii, S.hs),
        "rlog": z3.ArraySort(A, z3.ArraySort(S.receipt, bb)),
        "sent": z3.ArraySort(S.sent, bb),
        "confirmed": z3.ArraySort(ii, bb),
        "ownEp": z3.ArraySort(C, ii),
        "ownUntil": z3.ArraySort(C, ii),
        # Ghost: fwd[c] counts the envelopes the relay delivered in c
        # (RVRelayForwardsOnce, which see).
        "fwd": z3.ArraySort(C, ii),
    }


def RVConstantsOK(v: RVVocab, s: State) -> Any:
    """The module's ASSUME (and the pinned values): axioms of every state."""
    parts = [v.Limit >= 0, v.MaxTime >= 0, v.MaxEpoch >= 0, v.MaxHs >= 0]
    parts += [_validity() > 0, _window() >= 0]
    parts += [k == pin for k, pin in v.pins if pin is not None]
    if v.relay_ctx is not None:
        parts += [v.RelayCtx[v.S.ctx[c]] == (c in v.relay_ctx) for c in _CTX]
    return z3.And(*parts)


# -- the module's operators ---------------------------------------------------


def RVBudgetOK(v: RVVocab, s: State, c: Any, a: Any, cost: int) -> Any:
    return s["spent"][c][a][s["epoch"][c]] + cost <= v.Limit


def RVCharge(s: State, c: Any, a: Any, cost: int) -> Any:
    """``spent'`` of ``RVCharge(c, a, cost)``."""
    sp, e = s["spent"], s["epoch"][c]
    return z3.Store(sp, c, z3.Store(sp[c], a, z3.Store(sp[c][a], e, sp[c][a][e] + cost)))


def RVHop(v: RVVocab, path: Any, to: Any) -> Any:
    return z3.If(path == v.S.path["relay"], v.relay, to)


def RVNoChan(v: RVVocab, c: Any) -> Any:
    return v.S.chan.chan(v.S.st["None"], 0, 0, c)


def _set_chan(s: State, c: Any, a: Any, p: Any, value: Any) -> Any:
    """``[chan EXCEPT ![c][a][p] = value]``."""
    ch = s["chan"]
    return z3.Store(ch, c, z3.Store(ch[c], a, z3.Store(ch[c][a], p, value)))


def _add(arr: Any, x: Any) -> Any:
    """``arr \\cup {x}``."""
    return z3.Store(arr, x, True)


def _sent_rec(v: RVVocab, src: Any, t: str, c: Any, after: str = "Allowed") -> Any:
    return v.S.sent.sent(src, v.S.type[t], c, v.S.after[after])


def _reactivate(v: RVVocab, ch: Any) -> Any:
    """``[ch EXCEPT !.st = "Active"]``."""
    Ch = v.S.chan
    return Ch.chan(v.S.st["Active"], Ch.ep(ch), Ch.id(ch), Ch.context(ch))


# -- Init and the actions -----------------------------------------------------


def RVInit(v: RVVocab, s: State) -> Any:
    A, C, ii = v.S.auth.sort, v.S.ctx.sort, z3.IntSort()
    # [c |-> [a |-> [p |-> RVNoChan(c)]]], as Stores over the finite Ctx.
    chans = z3.K(C, z3.K(A, z3.K(A, RVNoChan(v, v.ctxs[0]))))
    for c in v.ctxs[1:]:
        chans = z3.Store(chans, c, z3.K(A, z3.K(A, RVNoChan(v, c))))
    return z3.And(
        s["now"] == 0,
        s["epoch"] == z3.K(C, z3.IntVal(0)),
        s["journal"] == z3.K(C, z3.K(A, z3.K(v.S.fact, z3.BoolVal(False)))),
        s["spent"] == z3.K(C, z3.K(A, z3.K(ii, z3.IntVal(0)))),
        s["chan"] == chans,
        s["nextId"] == 1,
        s["lastTs"] == z3.K(C, z3.K(A, z3.IntVal(0))),
        s["net"] == z3.K(v.S.msg, z3.BoolVal(False)),
        s["hsLen"] == 0,
        s["rlog"] == z3.K(A, z3.K(v.S.receipt, z3.BoolVal(False))),
        s["sent"] == z3.K(v.S.sent, z3.BoolVal(False)),
        s["confirmed"] == z3.K(ii, z3.BoolVal(False)),
        s["ownEp"] == z3.K(C, z3.IntVal(-1)),
        s["ownUntil"] == z3.K(C, z3.IntVal(0)),
        s["fwd"] == z3.K(C, z3.IntVal(0)),
    )


def PreparePublishDescriptor(v: RVVocab, s: State, t: State, p: Params) -> Any:
    """The charge, and Resp's newest own descriptor: of this epoch, until now + Validity."""
    c = p["c"]
    ok = RVBudgetOK(v, s, c, v.resp, 1)
    return z3.And(
        z3.If(ok, t["spent"] == RVCharge(s, c, v.resp, 1), t["spent"] == s["spent"]),
        t["ownEp"] == z3.If(ok, z3.Store(s["ownEp"], c, s["epoch"][c]), s["ownEp"]),
        t["ownUntil"]
        == z3.If(ok, z3.Store(s["ownUntil"], c, s["now"] + _validity()), s["ownUntil"]),
    )


def RevokeDescriptor(v: RVVocab, s: State, t: State, p: Params) -> Any:
    return z3.BoolVal(True)  # descriptor facts only: a stutter of the twin


def SyncJournal(v: RVVocab, s: State, t: State, p: Params) -> Any:
    c, src, dst, f = p["c"], p["src"], p["dst"], p["f"]
    j = s["journal"]
    return z3.And(
        z3.Or(*(src == x for x in v.peers)),
        z3.Or(*(dst == x for x in v.peers)),
        src != dst,
        j[c][src][f],
        z3.Not(j[c][dst][f]),
        t["journal"] == z3.Store(j, c, z3.Store(j[c], dst, _add(j[c][dst], f))),
    )


def PrepareEstablishChannel(v: RVVocab, s: State, t: State, p: Params) -> Any:
    Ch, M, st, ty, ini, resp = v.S.chan, v.S.msg, v.S.st, v.S.type, v.ini, v.resp
    c, path = p["c"], p["path"]
    e, n = s["epoch"][c], s["nextId"]
    dok = z3.BoolVal(not v.bug("BUG_IgnoreRevocation"))
    m = M.msg(ty["Init"], c, ini, RVHop(v, path, resp), resp, path, e, n, dok)
    cost = 4 if v.bug("BUG_DoubleCharge") else 2
    return z3.And(
        z3.Or(*(Ch.st(s["chan"][c][ini][resp]) == st[x] for x in ("None", "Rotating"))),
        n <= v.MaxHs,
        RVBudgetOK(v, s, c, ini, 2),
        t["spent"] == RVCharge(s, c, ini, cost),
        t["chan"] == _set_chan(s, c, ini, resp, Ch.chan(st["Establishing"], e, n, c)),
        t["net"] == _add(s["net"], m),
        t["sent"] == _add(s["sent"], _sent_rec(v, ini, "Init", c)),
        t["nextId"] == n + 1,
    )


def RelayForward(v: RVVocab, s: State, t: State, p: Params) -> Any:
    M, relay = v.S.msg, v.relay
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
    cap = z3.BoolVal(True) if v.bug("BUG_RelayNoCapCheck") else v.RelayCtx[M.context(m)]
    ok = z3.And(cap, RVBudgetOK(v, s, M.context(m), relay, _FORWARD_COST))
    if not v.bug("BUG_RelayForwardsJunk"):
        # A malformed envelope is refused before the charge: RVDeny("Malformed").
        ok = z3.And(RVWellFormed(v, m), ok)
    c, fwd = M.context(m), s["fwd"]
    fresh = [] if v.bug("BUG_RelayForwardsReplay") else [z3.Not(s["net"][out])]
    return z3.And(
        s["net"][m],
        M.dst(m) == relay,
        *fresh,
        z3.If(
            ok,
            z3.And(
                t["spent"] == RVCharge(s, c, relay, _FORWARD_COST),
                t["net"] == _add(s["net"], out),
                t["sent"] == _add(s["sent"], _sent_rec(v, relay, "Forward", c)),
                # Counted only when new: a replay the relay pays for again
                # delivers nothing new (the net is a set).
                t["fwd"] == z3.Store(fwd, c, fwd[c] + z3.If(s["net"][out], 0, 1)),
            ),
            z3.And(
                t["spent"] == s["spent"],
                t["net"] == s["net"],
                t["sent"] == s["sent"],
                t["fwd"] == fwd,
            ),
        ),
    )


def RVWellFormed(v: RVVocab, m: Any) -> Any:
    """A protocol message between two distinct members (what a relay may forward)."""
    M, ty = v.S.msg, v.S.type
    src, to = M.src(m), M.to(m)
    return z3.And(
        z3.Or(*(M.type(m) == ty[x] for x in _PROTOCOL_TYPES)),
        src != to,
        z3.Or(*(src == x for x in v.peers)),
        z3.Or(*(to == x for x in v.peers)),
    )


def _handshake_accepted(v: RVVocab, s: State, t: State, m: Any) -> Any:
    """The responder answers msg 1 ``m``: charge, channel, log, receipt, msg 2
    (and the early journal fact of ``BUG_JournalBeforeConfirm``); the replay
    guard is written only at KeyConfirm."""
    Ch, M, Fa, Hs, Rc = v.S.chan, v.S.msg, v.S.fact, v.S.hs, v.S.receipt
    st, ty, resp = v.S.st, v.S.type, v.resp
    c, src, e, i = M.context(m), M.src(m), M.ep(m), M.id(m)
    reply = M.msg(ty["Resp"], c, resp, RVHop(v, M.path(m), src), src, M.path(m), e, i, True)
    fact = Fa.est(src, i, e)
    jr = s["journal"]
    journal = (
        z3.Store(jr, c, z3.Store(jr[c], resp, _add(jr[c][resp], fact)))
        if v.bug("BUG_JournalBeforeConfirm")
        else jr
    )
    return z3.And(
        t["spent"] == RVCharge(s, c, resp, 2),
        t["chan"] == _set_chan(s, c, resp, src, Ch.chan(st["Establishing"], e, i, c)),
        t["hsLen"] == s["hsLen"] + 1,
        t["hsLog"] == z3.Store(s["hsLog"], s["hsLen"] + 1, Hs.hs(src, i, c, e)),
        t["rlog"]
        == z3.Store(s["rlog"], resp, _add(s["rlog"][resp], Rc.receipt(ty["Init"], c, src, e))),
        t["net"] == _add(s["net"], reply),
        t["sent"] == _add(s["sent"], _sent_rec(v, resp, "Resp", c)),
        t["journal"] == journal,
    )


def _handshake_rejected(v: RVVocab, s: State, t: State, m: Any) -> Any:
    """RVDeny: nothing changes (but the error reply of ``BUG_ReplyOnReject``)."""
    M = v.S.msg
    c, src, i = M.context(m), M.src(m), M.id(m)
    unchanged = [t[x] == s[x] for x in ("spent", "chan", "hsLen", "hsLog", "rlog", "journal")]
    if v.bug("BUG_ReplyOnReject"):
        err = M.msg(
            v.S.type["Error"],
            c,
            v.resp,
            src,
            src,
            v.S.path["direct"],
            s["epoch"][c],
            i,
            True,
        )
        return z3.And(
            *unchanged,
            t["net"] == _add(s["net"], err),
            t["sent"] == _add(s["sent"], _sent_rec(v, v.resp, "Error", c, "Denied")),
        )
    return z3.And(*unchanged, t["net"] == s["net"], t["sent"] == s["sent"])


def RVFreshInit(v: RVVocab, s: State, m: Any) -> Any:
    """Above the greatest timestamp key-confirmed in the context's epoch, above
    the pending handshake's with that initiator, not the current handshake's."""
    Ch, M = v.S.chan, v.S.msg
    c, src, i = M.context(m), M.src(m), M.id(m)
    ch = s["chan"][c][v.resp][src]
    return z3.And(
        i > s["lastTs"][c][src],
        z3.Implies(Ch.st(ch) == v.S.st["Establishing"], i > Ch.id(ch)),
        i != Ch.id(ch),
    )


def HandleHandshake(v: RVVocab, s: State, t: State, p: Params) -> Any:
    M, ini, resp = v.S.msg, v.ini, v.resp
    m = p["m"]
    c, src, e = M.context(m), M.src(m), M.ep(m)
    ok = z3.And(
        z3.BoolVal(True) if v.bug("BUG_NoRosterCheck") else z3.Or(src == ini, src == resp),
        z3.BoolVal(True) if v.bug("BUG_NoEpochCheck") else e == s["epoch"][c],
        z3.BoolVal(True) if v.bug("BUG_NoReplayCheck") else RVFreshInit(v, s, m),
        RVBudgetOK(v, s, c, resp, 2),
    )
    accept = _handshake_accepted(v, s, t, m)
    reject = _handshake_rejected(v, s, t, m)
    return z3.And(
        s["net"][m],
        M.type(m) == v.S.type["Init"],
        M.dst(m) == resp,
        M.to(m) == resp,
        z3.If(ok, accept, reject),
    )


def ProcessResponse(v: RVVocab, s: State, t: State, p: Params) -> Any:
    Ch, M, Rc, st, ty, ini = v.S.chan, v.S.msg, v.S.receipt, v.S.st, v.S.type, v.ini
    m = p["m"]
    c, src = M.context(m), M.src(m)
    ch = s["chan"][c][ini][src]
    hop = src if v.bug("BUG_ConfirmNotRelayed") else RVHop(v, M.path(m), src)
    confirm = M.msg(ty["Confirm"], c, ini, hop, src, M.path(m), M.ep(m), M.id(m), True)
    return z3.And(
        s["net"][m],
        M.type(m) == ty["Resp"],
        M.dst(m) == ini,
        M.to(m) == ini,
        Ch.st(ch) == st["Establishing"],
        Ch.id(ch) == M.id(m),
        t["chan"] == _set_chan(s, c, ini, src, _reactivate(v, ch)),
        t["rlog"]
        == z3.Store(s["rlog"], ini, _add(s["rlog"][ini], Rc.receipt(ty["Resp"], c, src, M.ep(m)))),
        t["net"] == _add(s["net"], confirm),
        t["sent"] == _add(s["sent"], _sent_rec(v, ini, "Confirm", c)),
    )


def KeyConfirm(v: RVVocab, s: State, t: State, p: Params) -> Any:
    Ch, M, Fa, st, ty, resp = v.S.chan, v.S.msg, v.S.fact, v.S.st, v.S.type, v.resp
    m = p["m"]
    c, src = M.context(m), M.src(m)
    ch = s["chan"][c][resp][src]
    jr, last, i = s["journal"], s["lastTs"][c][src], M.id(m)
    return z3.And(
        s["net"][m],
        M.type(m) == ty["Confirm"],
        M.dst(m) == resp,
        M.to(m) == resp,
        Ch.st(ch) == st["Establishing"],
        Ch.id(ch) == M.id(m),
        t["chan"] == _set_chan(s, c, resp, src, _reactivate(v, ch)),
        t["confirmed"] == _add(s["confirmed"], M.id(m)),
        t["journal"]
        == z3.Store(jr, c, z3.Store(jr[c], resp, _add(jr[c][resp], Fa.est(src, M.id(m), M.ep(m))))),
        # The PSK is proven: msg 1's timestamp enters the replay guard.
        t["lastTs"]
        == z3.Store(s["lastTs"], c, z3.Store(s["lastTs"][c], src, z3.If(i > last, i, last))),
    )


def AdvanceEpoch(v: RVVocab, s: State, t: State, p: Params) -> Any:
    Ch, st = v.S.chan, v.S.st
    c = p["c"]
    # Finite Stores, not a lambda: a quantifier-free step keeps BMC fast.
    row = s["chan"][c]
    for a in (*v.auths, v.outsider):
        col = row[a]
        for q in (*v.auths, v.outsider):
            old = s["chan"][c][a][q]
            live = z3.Or(Ch.st(old) == st["Establishing"], Ch.st(old) == st["Active"])
            rot = Ch.chan(st["Rotating"], Ch.ep(old), Ch.id(old), Ch.context(old))
            col = z3.Store(col, q, z3.If(live, rot, old))
        row = z3.Store(row, a, col)
    return z3.And(
        s["epoch"][c] < v.MaxEpoch,
        t["epoch"] == z3.Store(s["epoch"], c, s["epoch"][c] + 1),
        t["chan"] == z3.Store(s["chan"], c, row),
        # The replay guard is per epoch: c's starts empty.
        t["lastTs"] == z3.Store(s["lastTs"], c, z3.K(v.S.auth.sort, z3.IntVal(0))),
    )


def InjectInit(v: RVVocab, s: State, t: State, p: Params) -> Any:
    # The spec's "once" guard (no Outsider message in net yet) is dropped:
    # more behaviours, so the proofs still hold, and the step stays
    # quantifier-free for the bug twins' searches.
    c = p["c"]
    m = v.S.msg.msg(
        v.S.type["Init"],
        c,
        v.outsider,
        v.resp,
        v.resp,
        v.S.path["direct"],
        s["epoch"][c],
        1,
        True,
    )
    return t["net"] == _add(s["net"], m)


def InjectJunk(v: RVVocab, s: State, t: State, p: Params) -> Any:
    # The spec's guards ("net = {}", c \in RelayCtx) are dropped, as InjectInit's:
    # more behaviours.
    S = v.S
    m = S.msg.msg(S.type["Junk"], p["c"], v.ini, v.relay, v.resp, S.path["relay"], 0, 0, True)
    return t["net"] == _add(s["net"], m)


def Tick(v: RVVocab, s: State, t: State, p: Params) -> Any:
    return z3.And(s["now"] < v.MaxTime, t["now"] == s["now"] + 1)


# -- invariants (finite quantifiers expanded; sets through lambda-subsets) ----


def _chans(v: RVVocab, s: State) -> list[tuple[Any, Any, Any, Any]]:
    """``(c, a, q, chan[c][a][q])`` for every context, peer and sender."""
    return [(c, a, q, s["chan"][c][a][q]) for c in v.ctxs for a in v.peers for q in v.senders]


def _subset(arr: Any, sort: Any, body: Callable[[Any], Any]) -> Any:
    """``\\A x \\in arr : body(x)``, as ``arr \\subseteq {x : body(x)}``."""
    x = z3.Const("x!sub", sort)
    return z3.IsSubset(arr, z3.Lambda([x], body(x)))


def _journals(v: RVVocab, s: State, body: Callable[[Any], Any]) -> Any:
    return z3.And(*(_subset(s["journal"][c][a], v.S.fact, body) for c in v.ctxs for a in v.auths))


def _hs_entries(s: State, body: Callable[[Any, Any], Any]) -> Any:
    """``\\A i \\in 1..Len(hsLog) : body(i, hsLog[i])``."""
    i = z3.Int("i!hs")
    return z3.ForAll([i], z3.Implies(z3.And(i >= 1, i <= s["hsLen"]), body(i, s["hsLog"][i])))


def RVTypeOK(v: RVVocab, s: State) -> Any:
    Ch = v.S.chan
    e = z3.Int("e!t")
    return z3.And(
        s["now"] >= 0,
        s["now"] <= v.MaxTime,
        *(z3.And(s["epoch"][c] >= 0, s["epoch"][c] <= v.MaxEpoch) for c in v.ctxs),
        *(
            z3.ForAll([e], z3.And(s["spent"][c][a][e] >= 0, s["spent"][c][a][e] <= 2 * v.Limit))
            for c in v.ctxs
            for a in v.auths
        ),
        s["nextId"] >= 1,
        s["nextId"] <= v.MaxHs + 1,
        *(
            z3.And(s["lastTs"][c][i] >= 0, s["lastTs"][c][i] <= v.MaxHs)
            for c in v.ctxs
            for i in v.senders
        ),
        *(
            z3.And(Ch.ep(ch) >= 0, Ch.ep(ch) <= v.MaxEpoch, Ch.id(ch) >= 0, Ch.id(ch) <= v.MaxHs)
            for _, _, _, ch in _chans(v, s)
        ),
        s["hsLen"] >= 0,
    )


def RVNoMessageOnDeny(v: RVVocab, s: State) -> Any:
    Se = v.S.sent
    return _subset(s["sent"], Se, lambda x: Se.after(x) == v.S.after["Allowed"])


def RVChannelContextBound(v: RVVocab, s: State) -> Any:
    Ch, st = v.S.chan, v.S.st
    if v.bug("BUG_ChannelNotBound"):
        # {chan[x][a][p] : x \in {y : chan[y][a][p].st = "Active"}} for lookups in c.
        return z3.And(
            *(
                z3.Implies(
                    Ch.st(s["chan"][x][a][q]) == st["Active"],
                    Ch.context(s["chan"][x][a][q]) == c,
                )
                for c in v.ctxs
                for x in v.ctxs
                for a in v.peers
                for q in v.senders
            )
        )
    return z3.And(
        *(
            z3.Implies(Ch.st(ch) == st["Active"], Ch.context(ch) == c)
            for c, _, _, ch in _chans(v, s)
        )
    )


def RVBudgetWithinLimit(v: RVVocab, s: State) -> Any:
    return z3.And(
        *(
            z3.ForAll([e := z3.Int("e!b")], s["spent"][c][a][e] <= v.Limit)
            for c in v.ctxs
            for a in v.auths
        )
    )


def RVReplayRejected(v: RVVocab, s: State) -> Any:
    """Each msg 1 answered at most once: no two entries of hsLog are equal."""
    return z3.ForAll(
        [i := z3.Int("i!r"), j := z3.Int("j!r")],
        z3.Implies(
            z3.And(i >= 1, i < j, j <= s["hsLen"]),
            s["hsLog"][i] != s["hsLog"][j],
        ),
    )


def RVEstablishedAfterConfirm(v: RVVocab, s: State) -> Any:
    return _journals(v, s, lambda f: s["confirmed"][v.S.fact.id(f)])


def RVConnectWithValidDescriptor(v: RVVocab, s: State) -> Any:
    M = v.S.msg
    return _subset(
        s["net"],
        M,
        lambda m: z3.Implies(z3.And(M.type(m) == v.S.type["Init"], M.src(m) == v.ini), M.dok(m)),
    )


def RVNoStaleActive(v: RVVocab, s: State) -> Any:
    Ch, st = v.S.chan, v.S.st
    return z3.And(
        *(
            z3.Implies(
                z3.Or(Ch.st(ch) == st["Establishing"], Ch.st(ch) == st["Active"]),
                Ch.ep(ch) == s["epoch"][c],
            )
            for c, _, _, ch in _chans(v, s)
        )
    )


def RVRelayAuthorized(v: RVVocab, s: State) -> Any:
    Se = v.S.sent
    return _subset(
        s["sent"], Se, lambda x: z3.Implies(Se.src(x) == v.relay, v.RelayCtx[Se.context(x)])
    )


def _delivered_by_relay(v: RVVocab, m: Any) -> Any:
    M = v.S.msg
    return z3.And(M.path(m) == v.S.path["relay"], M.dst(m) != v.relay)


def RVRelayForwardsOnlyProtocol(v: RVVocab, s: State) -> Any:
    return _subset(
        s["net"], v.S.msg, lambda m: z3.Implies(_delivered_by_relay(v, m), RVWellFormed(v, m))
    )


def RVRelayedEndToEnd(v: RVVocab, s: State) -> Any:
    M = v.S.msg

    def via_relay(m: Any) -> Any:
        return z3.Implies(_delivered_by_relay(v, m), s["net"][_via_relay_copy(v, m)])

    return _subset(s["net"], M, via_relay)


def _via_relay_copy(v: RVVocab, m: Any) -> Any:
    """``[m EXCEPT !.dst = Relay]``."""
    M = v.S.msg
    return M.msg(
        M.type(m), M.context(m), M.src(m), v.relay, M.to(m), M.path(m), M.ep(m), M.id(m), M.dok(m)
    )


def RVRelayedEndToEndBounded(v: RVVocab, s: State, bound: int) -> Any:
    """RVRelayedEndToEnd at one free witness message (the Skolem constant of
    its negation): a violation is found exactly; assumed at earlier states it
    is vacuous, which only gives up the pruning. The quantified form, which
    reads ``net`` inside its own comprehension, leaves BMC undecided."""
    w = z3.Const(f"w!e2e!{s['net']}", v.S.msg)
    return z3.Implies(
        z3.And(s["net"][w], _delivered_by_relay(v, w)), s["net"][_via_relay_copy(v, w)]
    )


def RVRelayForwardsOnce(v: RVVocab, s: State) -> Any:
    """In no epoch does the relay spend more than ForwardCost per envelope it
    delivered in the context.

    The spec bounds ``spent[c][Relay][e]`` by ``ForwardCost *
    Cardinality(RVRelayForwards(c))``; the cardinality of a set of records
    has no finite Z3 form, so the twin counts instead: the ghost ``fwd[c]``
    goes up by one exactly when RelayForward puts an envelope on the network
    that was not there yet. Each such envelope is in ``RVRelayForwards(c)``
    (its context is ``c``, its path the relay's as every envelope addressed
    to the relay has, it goes to ``m.to``, a member other than the relay, and
    its copy at the relay ``m`` is in ``net``), and they are distinct, so
    ``fwd[c] <= Cardinality(RVRelayForwards(c))``: the twin's bound implies
    the spec's. Under ``BUG_RelayForwardsReplay`` the relay pays
    for an envelope already delivered and ``fwd`` stays, as the spec's set
    does."""
    sp, relay = s["spent"], v.relay
    e = z3.Int("e!f")
    return z3.And(*(z3.ForAll([e], sp[c][relay][e] <= _FORWARD_COST * s["fwd"][c]) for c in v.ctxs))


def RVMembersOnly(v: RVVocab, s: State) -> Any:
    Rc = v.S.receipt
    return z3.And(
        *(v.S.chan.st(s["chan"][c][v.resp][v.outsider]) == v.S.st["None"] for c in v.ctxs),
        *(
            _subset(s["rlog"][d], Rc, lambda x: z3.Or(Rc.src(x) == v.ini, Rc.src(x) == v.resp))
            for d in v.auths
        ),
    )


def RVMembersOnlyBounded(v: RVVocab, s: State, bound: int) -> Any:
    """RVMembersOnly with its receipt part at one free witness receipt (the
    Skolem constant of its negation): exact for finding a violation; assumed
    at earlier states it is vacuous, which only gives up the pruning. The
    quantified form over ``rlog`` can leave a directed search undecided
    (incomplete quantifiers) when the channel part is the one violated."""
    Rc = v.S.receipt
    w = z3.Const(f"w!mo!{s['rlog']}", Rc)
    return z3.And(
        *(v.S.chan.st(s["chan"][c][v.resp][v.outsider]) == v.S.st["None"] for c in v.ctxs),
        *(
            z3.Implies(s["rlog"][d][w], z3.Or(Rc.src(w) == v.ini, Rc.src(w) == v.resp))
            for d in v.auths
        ),
    )


def _validity() -> Any:
    """The spec's ``Validity`` (free, > 0): only the own descriptor's window reads it."""
    return z3.Int("Validity")


def _window() -> Any:
    """The spec's ``Window`` of needs_refresh (free, >= 0)."""
    return z3.Int("Window")


def RVOwnStale(v: RVVocab, s: State, c: Any) -> Any:
    """Resp's own (valid) descriptor commits to the PSK of a past epoch."""
    e = s["ownEp"][c]
    return z3.And(e >= 0, e != s["epoch"][c], s["now"] < s["ownUntil"][c])


def RVNeedsRefresh(v: RVVocab, s: State, c: Any) -> Any:
    """DescriptorValidity's rule (no own valid descriptor, or the window reached),
    or an own descriptor of a past epoch unless ``BUG_RefreshIgnoresEpoch``."""
    valid = z3.And(s["ownEp"][c] >= 0, s["now"] < s["ownUntil"][c])
    dv = z3.Or(z3.Not(valid), s["now"] + _window() >= s["ownUntil"][c])
    if v.bug("BUG_RefreshIgnoresEpoch"):
        return dv
    return z3.Or(dv, RVOwnStale(v, s, c))


def RVRefreshAfterRotation(v: RVVocab, s: State) -> Any:
    return z3.And(*(z3.Implies(RVOwnStale(v, s, c), RVNeedsRefresh(v, s, c)) for c in v.ctxs))


# -- strengthening lemmas -----------------------------------------------------


def RVChanInOwnCtx(v: RVVocab, s: State) -> Any:
    """Every channel is registered under its own context (RVNoChan(c) too)."""
    return z3.And(*(v.S.chan.context(ch) == c for c, _, _, ch in _chans(v, s)))


def RVIniChansToResp(v: RVVocab, s: State) -> Any:
    """Ini only ever opens channels with Resp."""
    return z3.And(
        *(
            v.S.chan.st(s["chan"][c][v.ini][q]) == v.S.st["None"]
            for c in v.ctxs
            for q in (v.ini, v.relay, v.outsider)
        )
    )


def RVHsAnswered(v: RVVocab, s: State) -> Any:
    """Every msg 1 the responder answered is of a past epoch of its context, at
    most the replay guard, or at most the pending handshake's: RVFreshInit
    refuses it again."""
    Ch, Hs = v.S.chan, v.S.hs

    def answered(i: Any, h: Any) -> Any:
        c, ini, ts, e = Hs.context(h), Hs.ini(h), Hs.ts(h), Hs.ep(h)
        ch = s["chan"][c][v.resp][ini]
        return z3.And(
            e <= s["epoch"][c],
            z3.Or(
                e < s["epoch"][c],
                ts <= s["lastTs"][c][ini],
                z3.And(Ch.st(ch) == v.S.st["Establishing"], ts <= Ch.id(ch)),
            ),
        )

    return _hs_entries(s, answered)


def RVIdsHandedOut(v: RVVocab, s: State) -> Any:
    """Ini's channels carry ids it handed out."""
    Ch = v.S.chan
    return z3.And(
        *(
            z3.And(Ch.id(ch) >= 0, Ch.id(ch) < s["nextId"])
            for _, a, _, ch in _chans(v, s)
            if a is v.ini
        )
    )


def RVMsgEpochs(v: RVVocab, s: State) -> Any:
    """Messages carry epochs up to their context's current one."""
    M = v.S.msg
    return _subset(s["net"], M, lambda m: z3.And(M.ep(m) >= 0, M.ep(m) <= s["epoch"][M.context(m)]))


def RVMsgIds(v: RVVocab, s: State) -> Any:
    """Messages carry ids handed out (the Outsider's forged ones aside)."""
    M = v.S.msg
    return _subset(
        s["net"],
        M,
        lambda m: z3.And(M.id(m) >= 0, z3.Or(M.id(m) <= v.MaxHs, M.src(m) == v.outsider)),
    )


def RVReplayRejectedBounded(v: RVVocab, s: State, bound: int) -> Any:
    """RVReplayRejected for BMC: hsLog grows by at most one entry per step,
    so this is exact within the bound."""
    log = s["hsLog"]
    return z3.And(
        *(
            z3.Implies(j <= s["hsLen"], log[i] != log[j])
            for j in range(1, bound + 1)
            for i in range(1, j)
        )
    )


# -- the twin -----------------------------------------------------------------


def rv_actions(v: RVVocab) -> dict[str, Action]:
    """``RVNext``'s disjuncts: each action, the variables it changes and the
    sorts of its ``\\E`` parameters."""
    S = v.S
    A, C, M = S.auth.sort, S.ctx.sort, S.msg

    def bound(action: Any) -> Any:
        return functools.partial(action, v)

    return {
        "PreparePublishDescriptor": Action(
            bound(PreparePublishDescriptor), ("spent", "ownEp", "ownUntil"), {"c": C}
        ),
        "RevokeDescriptor": Action(bound(RevokeDescriptor), (), {"c": C, "d": z3.IntSort()}),
        "SyncJournal": Action(
            bound(SyncJournal), ("journal",), {"c": C, "src": A, "dst": A, "f": S.fact}
        ),
        "PrepareEstablishChannel": Action(
            bound(PrepareEstablishChannel),
            ("spent", "chan", "net", "sent", "nextId"),
            {"c": C, "path": S.path.sort},
        ),
        "AdvanceEpoch": Action(bound(AdvanceEpoch), ("epoch", "chan", "lastTs"), {"c": C}),
        "InjectInit": Action(bound(InjectInit), ("net",), {"c": C}),
        "InjectJunk": Action(bound(InjectJunk), ("net",), {"c": C}),
        "RelayForward": Action(bound(RelayForward), ("spent", "net", "sent", "fwd"), {"m": M}),
        "HandleHandshake": Action(
            bound(HandleHandshake),
            ("spent", "chan", "hsLen", "hsLog", "rlog", "net", "sent", "journal"),
            {"m": M},
        ),
        "ProcessResponse": Action(
            bound(ProcessResponse), ("chan", "rlog", "net", "sent"), {"m": M}
        ),
        "KeyConfirm": Action(
            bound(KeyConfirm), ("chan", "confirmed", "journal", "lastTs"), {"m": M}
        ),
        "Tick": Action(bound(Tick), ("now",)),
    }


RV_INVARIANTS: dict[str, Callable[[RVVocab, State], Any]] = {
    "RVTypeOK": RVTypeOK,
    "RVNoMessageOnDeny": RVNoMessageOnDeny,
    "RVChannelContextBound": RVChannelContextBound,
    "RVBudgetWithinLimit": RVBudgetWithinLimit,
    "RVReplayRejected": RVReplayRejected,
    "RVEstablishedAfterConfirm": RVEstablishedAfterConfirm,
    "RVConnectWithValidDescriptor": RVConnectWithValidDescriptor,
    "RVNoStaleActive": RVNoStaleActive,
    "RVRelayAuthorized": RVRelayAuthorized,
    "RVMembersOnly": RVMembersOnly,
    "RVRefreshAfterRotation": RVRefreshAfterRotation,
    "RVRelayForwardsOnlyProtocol": RVRelayForwardsOnlyProtocol,
    "RVRelayedEndToEnd": RVRelayedEndToEnd,
    "RVRelayForwardsOnce": RVRelayForwardsOnce,
}
RV_STRENGTHENING: dict[str, Callable[[RVVocab, State], Any]] = {
    "RVChanInOwnCtx": RVChanInOwnCtx,
    "RVIniChansToResp": RVIniChansToResp,
    "RVHsAnswered": RVHsAnswered,
    "RVIdsHandedOut": RVIdsHandedOut,
    "RVMsgEpochs": RVMsgEpochs,
    "RVMsgIds": RVMsgIds,
}
# Used by BMC in place of the quantified forms.
RV_BOUNDED_FORMS: dict[str, Callable[[RVVocab, State, int], Any]] = {
    "RVReplayRejected": RVReplayRejectedBounded,
    "RVRelayedEndToEnd": RVRelayedEndToEndBounded,
    "RVMembersOnly": RVMembersOnlyBounded,
}


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
    v = rv_vocab(
        limit=limit,
        max_hs=max_hs,
        max_epoch=max_epoch,
        max_time=max_time,
        relay_ctx=relay_ctx,
        **bugs,
    )

    def bind(table: Mapping[str, Callable[..., Any]]) -> dict[str, Any]:
        return {name: functools.partial(fn, v) for name, fn in table.items()}

    return TransitionSystem(
        "Rendezvous",
        rv_variables(v),
        functools.partial(RVInit, v),
        rv_actions(v),
        bind(RV_INVARIANTS),
        strengthening=bind(RV_STRENGTHENING),
        axioms=functools.partial(RVConstantsOK, v),
        constants=v.constants(),
        bounded=bind(RV_BOUNDED_FORMS),
    )
