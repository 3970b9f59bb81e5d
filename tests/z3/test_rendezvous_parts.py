"""The Rendezvous twin's actions and invariants, each queried alone.

Every operator of ``spec/Rendezvous.tla`` the safety twin keeps is a
top-level function of ``models/rendezvous.py``; these tests call one at a
time: an invariant on a hand-built concrete state, an action from a concrete
state (its correct form keeps an invariant, its ``BUG_*`` form breaks it),
and one action against one invariant for every state (one cell of a
1-induction row).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

import pytest
import z3
from aura_model.z3.framework import State, fresh_context
from aura_model.z3.models import rendezvous as rv
from aura_model.z3.models.rendezvous import RV_MC_CONSTANTS, RVVocab, rv_vocab

# The constants of spec/Rendezvous/MC_Rendezvous_bad_*.cfg: Limit = 3,
# MaxHs = 1, MaxEpoch = 1, MaxTime = 1, RelayCtx = {c1} (of c1, c2).
MC: dict[str, Any] = dict(RV_MC_CONSTANTS)


@pytest.fixture(autouse=True)
def _own_context() -> Iterator[None]:
    with fresh_context():
        yield


def _valid(v: RVVocab, claim: Any) -> bool:
    """``claim`` holds for every value of the free constants the ASSUME allows."""
    solver = z3.Solver()
    solver.add(rv.RVConstantsOK(v, {}), z3.Not(claim))
    answer = solver.check()
    assert answer != z3.unknown, solver.reason_unknown()
    return bool(answer == z3.unsat)


def _a(v: RVVocab, name: str) -> Any:
    return v.S.auth[name]


def _c(v: RVVocab, name: str) -> Any:
    return v.S.ctx[name]


def _initial(v: RVVocab) -> dict[str, Any]:
    """RVInit's state, written out value by value (``hsLog`` is free in
    RVInit: every entry here is ``(a1, 0, c1, 0)``)."""
    S, A, C, ii, no = v.S, v.S.auth.sort, v.S.ctx.sort, z3.IntSort(), z3.BoolVal(False)
    chans = z3.K(C, z3.K(A, z3.K(A, rv.RVNoChan(v, _c(v, "c1")))))
    chans = z3.Store(chans, _c(v, "c2"), z3.K(A, z3.K(A, rv.RVNoChan(v, _c(v, "c2")))))
    return {
        "now": z3.IntVal(0),
        "epoch": z3.K(C, z3.IntVal(0)),
        "journal": z3.K(C, z3.K(A, z3.K(S.fact, no))),
        "spent": z3.K(C, z3.K(A, z3.K(ii, z3.IntVal(0)))),
        "chan": chans,
        "nextId": z3.IntVal(1),
        "lastTs": z3.K(C, z3.K(A, z3.IntVal(0))),
        "net": z3.K(S.msg, no),
        "hsLen": z3.IntVal(0),
        "hsLog": z3.K(ii, S.hs.hs(_a(v, "a1"), 0, _c(v, "c1"), 0)),
        "rlog": z3.K(A, z3.K(S.receipt, no)),
        "sent": z3.K(S.sent, no),
        "confirmed": z3.K(ii, no),
        "ownEp": z3.K(C, z3.IntVal(-1)),
        "ownUntil": z3.K(C, z3.IntVal(0)),
        "fwd": z3.K(C, z3.IntVal(0)),
    }


def _state(v: RVVocab, **values: Any) -> dict[str, Any]:
    return {**_initial(v), **values}


def _set(sort: Any, members: Sequence[Any]) -> Any:
    out = z3.K(sort, z3.BoolVal(False))
    for x in members:
        out = z3.Store(out, x, True)
    return out


def _with_chan(v: RVVocab, s: State, where: str, st: str, *, ep: int = 0, hs: int = 1) -> Any:
    """``chan`` of ``s`` with ``chan[c][a][p]`` (``where`` is ``c_a_p``) set
    to a channel of context ``c``."""
    c, a, p = where.split("_")
    cc, aa, pp = _c(v, c), _a(v, a), _a(v, p)
    ch = s["chan"]
    value = v.S.chan.chan(v.S.st[st], ep, hs, cc)
    return z3.Store(ch, cc, z3.Store(ch[cc], aa, z3.Store(ch[cc][aa], pp, value)))


def _spent(v: RVVocab, where: str, amount: int) -> Any:
    """``spent`` with ``spent[c][a][0] = amount`` (``where`` is ``c_a``), 0 elsewhere."""
    c, a = where.split("_")
    zero = _initial(v)["spent"]
    cc, aa = _c(v, c), _a(v, a)
    return z3.Store(zero, cc, z3.Store(zero[cc], aa, z3.Store(zero[cc][aa], 0, amount)))


def _init_msg(
    v: RVVocab, c: str, src: str, *, ep: int = 0, hs: int = 1, relay: bool = False
) -> Any:
    """msg 1 of handshake ``hs`` from ``src`` to Resp in ``c``, direct or to the relay."""
    path = v.S.path["relay" if relay else "direct"]
    to = _a(v, "r1") if relay else _a(v, "a2")
    resp = _a(v, "a2")
    return v.S.msg.msg(v.S.type["Init"], _c(v, c), _a(v, src), to, resp, path, ep, hs, True)


def _after(v: RVVocab, action: str, s: State, /, **params: Any) -> tuple[dict[str, Any], Any]:
    """A symbolic successor ``t`` of ``s`` and the step formula of ``action``
    (its relation, and UNCHANGED for the variables it does not change)."""
    t = {name: z3.Const(f"{name}'", sort) for name, sort in rv.rv_variables(v).items()}
    act = rv.rv_actions(v)[action]
    frame = [t[x] == s[x] for x in t if x not in act.changes]
    return t, z3.And(act.relation(s, t, params), *frame)


def _enabled(v: RVVocab, action: str, s: State, /, **params: Any) -> bool:
    _, step = _after(v, action, s, **params)
    return not _valid(v, z3.Not(step))


def _keeps(v: RVVocab, action: str, s: State, inv: Callable[..., Any], /, **params: Any) -> bool:
    """``action`` is enabled in the concrete ``s`` and every step it takes
    from there satisfies ``inv``."""
    t, step = _after(v, action, s, **params)
    assert not _valid(v, z3.Not(step)), f"{action} is not enabled"
    return _valid(v, z3.Implies(step, inv(v, t)))


# -- invariants on hand-built states ---------------------------------------------


def test_the_initial_state_is_init_and_meets_every_invariant_and_lemma() -> None:
    for v in (rv_vocab(**MC), rv_vocab()):
        s0 = _initial(v)
        assert _valid(v, rv.RVInit(v, s0))
        for name, inv in {**rv.RV_INVARIANTS, **rv.RV_STRENGTHENING}.items():
            assert _valid(v, inv(v, s0)), name


def test_budget_within_limit_on_hand_built_spending() -> None:
    v = rv_vocab(**MC)  # Limit = 3
    assert _valid(v, rv.RVBudgetWithinLimit(v, _state(v, spent=_spent(v, "c1_a2", 3))))
    assert not _valid(v, rv.RVBudgetWithinLimit(v, _state(v, spent=_spent(v, "c1_a2", 4))))


def test_replay_rejected_on_hand_built_handshake_logs() -> None:
    """Each msg 1 answered at most once; not "in increasing order": the guard
    is per context and epoch."""
    v = rv_vocab(**MC)
    Hs, a1, eve, c1, c2 = v.S.hs, _a(v, "a1"), _a(v, "eve"), _c(v, "c1"), _c(v, "c2")

    def logged(*entries: Any) -> dict[str, Any]:
        log = _initial(v)["hsLog"]
        for i, h in enumerate(entries, start=1):
            log = z3.Store(log, i, h)
        return _state(v, hsLog=log, hsLen=z3.IntVal(len(entries)))

    first = Hs.hs(a1, 1, c1, 0)
    assert _valid(v, rv.RVReplayRejected(v, logged(first, Hs.hs(a1, 2, c1, 0))))
    assert _valid(v, rv.RVReplayRejected(v, logged(first, Hs.hs(eve, 1, c1, 0))))
    assert _valid(v, rv.RVReplayRejected(v, logged(Hs.hs(a1, 2, c2, 0), first)))
    assert not _valid(v, rv.RVReplayRejected(v, logged(first, first)))
    assert not _valid(v, rv.RVReplayRejectedBounded(v, logged(first, first), 2))


def test_a_channel_is_found_only_in_its_own_context() -> None:
    """An Active channel of c2 answers no lookup in c1, unless
    BUG_ChannelNotBound looks through every context."""
    v = rv_vocab(**MC)
    s = _state(v, chan=_with_chan(v, _initial(v), "c2_a1_a2", "Active"))
    assert _valid(v, rv.RVChannelContextBound(v, s))
    assert _valid(v, rv.RVChanInOwnCtx(v, s))
    twin = rv_vocab(**MC, BUG_ChannelNotBound=True)
    assert not _valid(twin, rv.RVChannelContextBound(twin, s))


def test_members_only_on_hand_built_channels_and_receipts() -> None:
    v = rv_vocab(**MC)
    s0 = _initial(v)
    with_eve = _state(v, chan=_with_chan(v, s0, "c1_a2_eve", "Establishing"))
    assert not _valid(v, rv.RVMembersOnly(v, with_eve))
    Rc, eve, a2 = v.S.receipt, _a(v, "eve"), _a(v, "a2")
    receipt = Rc.receipt(v.S.type["Init"], _c(v, "c1"), eve, 0)
    rlog = z3.Store(s0["rlog"], a2, _set(Rc, [receipt]))
    assert not _valid(v, rv.RVMembersOnly(v, _state(v, rlog=rlog)))


def test_no_message_on_deny_and_relay_authorized_on_hand_built_sends() -> None:
    v = rv_vocab(**MC)  # RelayCtx = {c1}
    Se, ty, after = v.S.sent, v.S.type, v.S.after
    a2, r1, c1, c2 = _a(v, "a2"), _a(v, "r1"), _c(v, "c1"), _c(v, "c2")
    denied = _set(Se, [Se.sent(a2, ty["Error"], c1, after["Denied"])])
    assert not _valid(v, rv.RVNoMessageOnDeny(v, _state(v, sent=denied)))
    forwarded = [Se.sent(r1, ty["Forward"], c, after["Allowed"]) for c in (c1, c2)]
    assert _valid(v, rv.RVRelayAuthorized(v, _state(v, sent=_set(Se, forwarded[:1]))))
    assert not _valid(v, rv.RVRelayAuthorized(v, _state(v, sent=_set(Se, forwarded))))


# -- one action from a concrete state ----------------------------------------------


def _sent_init(v: RVVocab, c: str = "c1", *, relay: bool = False) -> dict[str, Any]:
    """After Ini's PrepareEstablishChannel in ``c``: charged 2, channel 1
    Establishing, msg 1 on the network."""
    s0 = _initial(v)
    Se = v.S.sent
    return _state(
        v,
        spent=_spent(v, f"{c}_a1", 2),
        chan=_with_chan(v, s0, f"{c}_a1_a2", "Establishing"),
        net=_set(v.S.msg, [_init_msg(v, c, "a1", relay=relay)]),
        sent=_set(Se, [Se.sent(_a(v, "a1"), v.S.type["Init"], _c(v, c), v.S.after["Allowed"])]),
        nextId=z3.IntVal(2),
    )


def test_establish_charges_once_unless_it_charges_twice() -> None:
    v = rv_vocab(**MC)
    params = {"c": _c(v, "c1"), "path": v.S.path["direct"]}
    s0 = _initial(v)
    t, step = _after(v, "PrepareEstablishChannel", s0, **params)
    sent = _sent_init(v)
    assert _valid(v, z3.Implies(step, z3.And(*(t[x] == sent[x] for x in ("spent", "chan")))))
    assert _keeps(v, "PrepareEstablishChannel", s0, rv.RVBudgetWithinLimit, **params)
    twin = rv_vocab(**MC, BUG_DoubleCharge=True)
    assert not _keeps(twin, "PrepareEstablishChannel", s0, rv.RVBudgetWithinLimit, **params)


def test_msg_1_carries_a_valid_descriptor_unless_revocation_is_ignored() -> None:
    for bug, kept in ((False, True), (True, False)):
        v = rv_vocab(**MC, BUG_IgnoreRevocation=bug)
        params = {"c": _c(v, "c1"), "path": v.S.path["direct"]}
        keeps = _keeps(
            v, "PrepareEstablishChannel", _initial(v), rv.RVConnectWithValidDescriptor, **params
        )
        assert keeps is kept


def test_an_outsider_gets_no_answer_and_no_channel() -> None:
    """eve's injected msg 1: refused silently; BUG_ReplyOnReject answers
    with an Error, BUG_NoRosterCheck accepts it."""
    v = rv_vocab(**MC)
    c1 = _c(v, "c1")
    s0 = _initial(v)
    t, step = _after(v, "InjectInit", s0, c=c1)
    m = _init_msg(v, "c1", "eve")
    assert _valid(v, z3.Implies(step, t["net"][m]))
    s = _state(v, net=_set(v.S.msg, [m]))
    assert _keeps(v, "HandleHandshake", s, rv.RVNoMessageOnDeny, m=m)
    assert _keeps(v, "HandleHandshake", s, rv.RVMembersOnly, m=m)
    replies = rv_vocab(**MC, BUG_ReplyOnReject=True)
    assert not _keeps(replies, "HandleHandshake", s, rv.RVNoMessageOnDeny, m=m)
    open_door = rv_vocab(**MC, BUG_NoRosterCheck=True)
    assert not _keeps(open_door, "HandleHandshake", s, rv.RVMembersOnly, m=m)


def _answered(v: RVVocab, st: str, last: int) -> dict[str, Any]:
    """Resp answered handshake 1 of a1 in c1 (hsLog = <<(a1, 1, c1, 0)>>), its
    channel is ``st`` and the replay guard of c1 holds ``last`` for a1."""
    a1, c1 = _a(v, "a1"), _c(v, "c1")
    s = _sent_init(v)
    guard = _initial(v)["lastTs"]
    return {
        **s,
        "chan": _with_chan(v, s, "c1_a2_a1", st),
        "lastTs": z3.Store(guard, c1, z3.Store(guard[c1], a1, last)),
        "hsLog": z3.Store(_initial(v)["hsLog"], 1, v.S.hs.hs(a1, 1, c1, 0)),
        "hsLen": z3.IntVal(1),
    }


def test_a_replayed_msg_1_is_refused_unless_the_replay_check_is_off() -> None:
    """msg 1 arrives again while its handshake is pending (the guard still
    empty: nothing is proven yet) and after its key confirmation (the guard
    holds its timestamp). Limit = 4: Resp can pay for both (RV_BUG_CONSTANTS)."""
    constants = {**MC, **rv.RV_BUG_CONSTANTS["BUG_NoReplayCheck"]}
    v = rv_vocab(**constants)
    twin = rv_vocab(**constants, BUG_NoReplayCheck=True)
    m = _init_msg(v, "c1", "a1")
    for s in (_answered(v, "Establishing", 0), _answered(v, "Active", 1)):
        assert _keeps(v, "HandleHandshake", s, rv.RVReplayRejected, m=m)
        t, step = _after(v, "HandleHandshake", s, m=m)
        assert _valid(v, z3.Implies(step, t["hsLen"] == 1))  # refused
        assert not _keeps(twin, "HandleHandshake", s, rv.RVReplayRejected, m=m)


def test_the_replay_guard_is_written_at_key_confirmation_and_reset_by_the_epoch() -> None:
    """Answering msg 1 leaves the guard empty; the key confirmation writes its
    timestamp; the next epoch of c1 starts with an empty guard."""
    v = rv_vocab(**MC)
    a1, a2, c1 = _a(v, "a1"), _a(v, "a2"), _c(v, "c1")
    t, step = _after(v, "HandleHandshake", _sent_init(v), m=_init_msg(v, "c1", "a1"))
    assert _valid(v, z3.Implies(step, t["lastTs"][c1][a1] == 0))
    pending = _answered(v, "Establishing", 0)
    confirm = v.S.msg.msg(v.S.type["Confirm"], c1, a1, a2, a2, v.S.path["direct"], 0, 1, True)
    pending["net"] = z3.Store(pending["net"], confirm, True)
    t, step = _after(v, "KeyConfirm", pending, m=confirm)
    assert _valid(v, z3.Implies(step, t["lastTs"][c1][a1] == 1))
    t, step = _after(v, "AdvanceEpoch", _answered(v, "Active", 1), c=c1)
    assert _valid(v, z3.Implies(step, t["lastTs"][c1][a1] == 0))


def test_replay_rejected_is_inductive_with_its_lemma_for_each_action() -> None:
    """The answered msg 1s are of a past epoch, under the guard or at most the
    pending handshake's (RVHsAnswered): with it, no action answers one twice."""
    v = rv_vocab()
    for action in rv.rv_actions(v):
        assert _preserves(v, action, rv.RVHsAnswered), action
        assert _preserves(v, action, rv.RVReplayRejected, rv.RVHsAnswered), action
    assert not _preserves(v, "HandleHandshake", rv.RVReplayRejected)  # alone: not inductive


def test_the_handshake_is_journaled_only_after_the_confirmation() -> None:
    """HandleHandshake of Ini's msg 1 journals nothing yet; under
    BUG_JournalBeforeConfirm it journals before KeyConfirm."""
    v = rv_vocab(**MC)
    m = _init_msg(v, "c1", "a1")
    assert _keeps(v, "HandleHandshake", _sent_init(v), rv.RVEstablishedAfterConfirm, m=m)
    twin = rv_vocab(**MC, BUG_JournalBeforeConfirm=True)
    assert not _keeps(twin, "HandleHandshake", _sent_init(twin), rv.RVEstablishedAfterConfirm, m=m)


def test_msg_1_of_a_past_epoch_is_refused_unless_the_epoch_is_not_checked() -> None:
    v = rv_vocab(**MC)
    c1 = _c(v, "c1")
    s = _sent_init(v)
    t, step = _after(v, "AdvanceEpoch", s, c=c1)
    rotating = v.S.chan.st(t["chan"][c1][_a(v, "a1")][_a(v, "a2")]) == v.S.st["Rotating"]
    assert _valid(v, z3.Implies(step, z3.And(t["epoch"][c1] == 1, rotating)))
    advanced = {**s, "epoch": z3.Store(s["epoch"], c1, 1)}
    advanced["chan"] = _with_chan(v, s, "c1_a1_a2", "Rotating")
    m = _init_msg(v, "c1", "a1")
    assert _keeps(v, "HandleHandshake", advanced, rv.RVNoStaleActive, m=m)
    twin = rv_vocab(**MC, BUG_NoEpochCheck=True)
    assert not _keeps(twin, "HandleHandshake", advanced, rv.RVNoStaleActive, m=m)


def test_an_own_descriptor_of_a_past_epoch_needs_refresh_unless_the_epoch_is_ignored() -> None:
    """Resp publishes in epoch 0, then c1 advances: its descriptor (valid, far
    from expiry) commits to epoch 0's PSK, so needs_refresh must hold."""
    v = rv_vocab(**MC)
    c1 = _c(v, "c1")
    t, step = _after(v, "PreparePublishDescriptor", _initial(v), c=c1)
    published = z3.And(t["ownEp"][c1] == 0, t["ownUntil"][c1] == z3.Int("Validity"))
    assert _valid(v, z3.Implies(step, published))
    fresh = _state(
        v, ownEp=z3.Store(_initial(v)["ownEp"], c1, 0), ownUntil=z3.K(v.S.ctx.sort, z3.IntVal(5))
    )
    assert not _valid(v, rv.RVNeedsRefresh(v, fresh, c1))
    assert _keeps(v, "AdvanceEpoch", fresh, rv.RVRefreshAfterRotation, c=c1)
    twin = rv_vocab(**MC, BUG_RefreshIgnoresEpoch=True)
    assert not _keeps(twin, "AdvanceEpoch", fresh, rv.RVRefreshAfterRotation, c=c1)


def test_the_relay_forwards_only_in_its_contexts_unless_it_skips_the_check() -> None:
    """msg 1 of c2 (not in RelayCtx) sent through the relay."""
    v = rv_vocab(**MC)
    m = _init_msg(v, "c2", "a1", relay=True)
    s = _sent_init(v, "c2", relay=True)
    assert _keeps(v, "RelayForward", s, rv.RVRelayAuthorized, m=m)
    t, step = _after(v, "RelayForward", s, m=m)
    assert _valid(v, z3.Implies(step, t["net"] == s["net"]))  # nothing forwarded
    twin = rv_vocab(**MC, BUG_RelayNoCapCheck=True)
    assert not _keeps(twin, "RelayForward", s, rv.RVRelayAuthorized, m=m)


def test_response_and_confirmation_make_both_channels_active() -> None:
    v = rv_vocab(**MC)
    a1, a2, c1 = _a(v, "a1"), _a(v, "a2"), _c(v, "c1")
    m1 = _init_msg(v, "c1", "a1")
    t1, step1 = _after(v, "HandleHandshake", _sent_init(v), m=m1)
    resp = v.S.msg.msg(v.S.type["Resp"], c1, a2, a1, a1, v.S.path["direct"], 0, 1, True)
    assert _valid(v, z3.Implies(step1, t1["net"][resp]))
    ini_side = _sent_init(v)
    responded = {
        **ini_side,
        "chan": _with_chan(v, ini_side, "c1_a2_a1", "Establishing"),
        "net": _set(v.S.msg, [m1, resp]),
    }
    assert _keeps(v, "ProcessResponse", responded, rv.RVChanInOwnCtx, m=resp)
    t2, step2 = _after(v, "ProcessResponse", responded, m=resp)
    active = v.S.chan.st(t2["chan"][c1][a1][a2]) == v.S.st["Active"]
    assert _valid(v, z3.Implies(step2, active))
    confirm = v.S.msg.msg(v.S.type["Confirm"], c1, a1, a2, a2, v.S.path["direct"], 0, 1, True)
    confirmed = {**responded, "net": _set(v.S.msg, [m1, resp, confirm])}
    assert _keeps(v, "KeyConfirm", confirmed, rv.RVEstablishedAfterConfirm, m=confirm)
    t3, step3 = _after(v, "KeyConfirm", confirmed, m=confirm)
    fact = v.S.fact.est(a1, 1, 0)
    assert _valid(v, z3.Implies(step3, z3.And(t3["confirmed"][1], t3["journal"][c1][a2][fact])))


def test_revoke_is_a_stutter_and_time_stops_at_max_time() -> None:
    v = rv_vocab(**MC)
    s = _sent_init(v)
    t, step = _after(v, "RevokeDescriptor", s, c=_c(v, "c1"), d=z3.IntVal(1))
    assert _valid(v, z3.Implies(step, z3.And(*(t[x] == s[x] for x in t))))
    assert _enabled(v, "Tick", s)
    assert not _enabled(v, "Tick", {**s, "now": z3.IntVal(1)})


# -- one action against one invariant, for every state ------------------------------


def _preserves(v: RVVocab, action: str, inv: Callable[..., Any], *hyps: Callable[..., Any]) -> bool:
    """``inv /\\ hyps /\\ action => inv'`` for every state and parameter."""
    s = {name: z3.Const(name, sort) for name, sort in rv.rv_variables(v).items()}
    act = rv.rv_actions(v)[action]
    p = {name: z3.Const(f"p.{name}", sort) for name, sort in act.params.items()}
    t, step = _after(v, action, s, **p)
    before = z3.And(inv(v, s), *(h(v, s) for h in hyps))
    return _valid(v, z3.Implies(z3.And(before, step), inv(v, t)))


def test_budget_within_limit_is_inductive_for_each_action_and_broken_by_its_twin() -> None:
    v = rv_vocab()
    for action in rv.rv_actions(v):
        assert _preserves(v, action, rv.RVBudgetWithinLimit), action
    twin = rv_vocab(BUG_DoubleCharge=True)
    assert not _preserves(twin, "PrepareEstablishChannel", rv.RVBudgetWithinLimit)


def test_no_message_on_deny_is_inductive_for_each_action_and_broken_by_its_twin() -> None:
    v = rv_vocab()
    for action in rv.rv_actions(v):
        assert _preserves(v, action, rv.RVNoMessageOnDeny), action
    twin = rv_vocab(BUG_ReplyOnReject=True)
    assert not _preserves(twin, "HandleHandshake", rv.RVNoMessageOnDeny)


def test_an_unknown_bug_flag_is_refused() -> None:
    with pytest.raises(ValueError, match="no bug flags"):
        rv_vocab(BUG_NoSuchThing=True)


def test_the_relay_refuses_junk_unless_it_forwards_anything() -> None:
    """A Junk envelope at the relay in c1 (relay:forward held, budget left): the
    reference refuses it (nothing forwarded, nothing charged); the twin of
    BUG_RelayForwardsJunk delivers it and breaks RVRelayForwardsOnlyProtocol."""
    v = rv_vocab(**MC)
    a1, a2, r1, c1 = _a(v, "a1"), _a(v, "a2"), _a(v, "r1"), _c(v, "c1")
    junk = v.S.msg.msg(v.S.type["Junk"], c1, a1, r1, a2, v.S.path["relay"], 0, 0, True)
    t, step = _after(v, "InjectJunk", _initial(v), c=c1)
    assert _valid(v, z3.Implies(step, t["net"][junk]))
    s = _state(v, net=_set(v.S.msg, [junk]))
    assert not _valid(v, rv.RVWellFormed(v, junk))
    assert _keeps(v, "RelayForward", s, rv.RVRelayForwardsOnlyProtocol, m=junk)
    t, step = _after(v, "RelayForward", s, m=junk)
    assert _valid(v, z3.Implies(step, z3.And(t["net"] == s["net"], t["spent"] == s["spent"])))
    twin = rv_vocab(**MC, BUG_RelayForwardsJunk=True)
    assert not _keeps(twin, "RelayForward", s, rv.RVRelayForwardsOnlyProtocol, m=junk)


def test_the_relayed_confirmation_goes_to_the_relay_unless_sent_direct() -> None:
    """Ini's Establishing channel gets a relayed msg 2: the reference sends the key
    confirmation to the relay; the twin of BUG_ConfirmNotRelayed sends it straight to
    Resp, which RVRelayedEndToEnd refuses."""
    v = rv_vocab(**MC)
    a1, a2, r1, c1 = _a(v, "a1"), _a(v, "a2"), _a(v, "r1"), _c(v, "c1")
    relay = v.S.path["relay"]
    resp_at_relay = v.S.msg.msg(v.S.type["Resp"], c1, a2, r1, a1, relay, 0, 1, True)
    resp = v.S.msg.msg(v.S.type["Resp"], c1, a2, a1, a1, relay, 0, 1, True)
    base = _initial(v)
    s = {
        **base,
        "chan": _with_chan(v, base, "c1_a1_a2", "Establishing"),
        "net": _set(v.S.msg, [resp_at_relay, resp]),
    }
    assert _valid(v, rv.RVRelayedEndToEnd(v, s))
    confirm = v.S.msg.msg(v.S.type["Confirm"], c1, a1, r1, a2, relay, 0, 1, True)
    t, step = _after(v, "ProcessResponse", s, m=resp)
    assert _valid(v, z3.Implies(step, t["net"][confirm]))
    assert _keeps(v, "ProcessResponse", s, rv.RVRelayedEndToEnd, m=resp)
    twin = rv_vocab(**MC, BUG_ConfirmNotRelayed=True)
    assert not _keeps(twin, "ProcessResponse", s, rv.RVRelayedEndToEnd, m=resp)


def test_the_relay_pays_once_per_envelope_unless_it_forwards_a_replay() -> None:
    """Ini's msg 1 at the relay in c1 (relay:forward held, budget left): the
    first forward charges the relay 1 and counts one delivered envelope. The
    same envelope again: the reference refuses it (already forwarded); the twin
    of BUG_RelayForwardsReplay pays again for nothing new and breaks
    RVRelayForwardsOnce."""
    v = rv_vocab(**MC)
    a1, a2, r1, c1 = _a(v, "a1"), _a(v, "a2"), _a(v, "r1"), _c(v, "c1")
    m = _init_msg(v, "c1", "a1", relay=True)
    out = v.S.msg.msg(v.S.type["Init"], c1, a1, a2, a2, v.S.path["relay"], 0, 1, True)
    s = _sent_init(v, relay=True)
    assert _keeps(v, "RelayForward", s, rv.RVRelayForwardsOnce, m=m)
    t, step = _after(v, "RelayForward", s, m=m)
    once = z3.And(t["net"][out], t["spent"][c1][r1][0] == 1, t["fwd"][c1] == 1)
    assert _valid(v, z3.Implies(step, once))
    forwarded = {
        **s,
        "net": z3.Store(s["net"], out, True),
        "spent": z3.Store(s["spent"], c1, z3.Store(s["spent"][c1], r1, z3.K(z3.IntSort(), 1))),
        "fwd": z3.Store(s["fwd"], c1, 1),
    }
    assert _valid(v, rv.RVRelayForwardsOnce(v, forwarded))
    assert not _enabled(v, "RelayForward", forwarded, m=m)
    twin = rv_vocab(**MC, BUG_RelayForwardsReplay=True)
    assert not _keeps(twin, "RelayForward", forwarded, rv.RVRelayForwardsOnce, m=m)


def test_relay_forwards_once_is_inductive_alone_and_broken_by_its_twin() -> None:
    """The ghost count of delivered envelopes needs no lemma: every action keeps
    the bound from any state; the replaying relay's RelayForward does not."""
    v = rv_vocab()
    for action in rv.rv_actions(v):
        assert _preserves(v, action, rv.RVRelayForwardsOnce), action
    twin = rv_vocab(BUG_RelayForwardsReplay=True)
    assert not _preserves(twin, "RelayForward", rv.RVRelayForwardsOnce)
