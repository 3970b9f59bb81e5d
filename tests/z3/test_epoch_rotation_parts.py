"""The EpochRotation twin's actions and invariants, each queried alone.

Every operator of ``spec/EpochRotation.tla`` is a top-level function of
``models/epoch_rotation.py``; these tests call one at a time: an invariant on
a hand-built concrete state, an action from a concrete state (its correct
form keeps an invariant, its ``BUG_*`` form breaks it), and one action
against one invariant for every state (one cell of a 1-induction row).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

import pytest
import z3
from aura_model.z3.framework import State, fresh_context
from aura_model.z3.models import epoch_rotation as er
from aura_model.z3.models.epoch_rotation import ER_MC_CONSTANTS, ERVocab, er_vocab

# The constants of spec/EpochRotation/MC_EpochRotation.cfg: MaxEpoch = 1, MaxHs = 2.
MC: dict[str, Any] = dict(ER_MC_CONSTANTS)


@pytest.fixture(autouse=True)
def _own_context() -> Iterator[None]:
    with fresh_context():
        yield


def _valid(v: ERVocab, claim: Any) -> bool:
    """``claim`` holds for every value of the free constants the ASSUME allows."""
    solver = z3.Solver()
    solver.add(er.ERConstantsOK(v, {}), z3.Not(claim))
    answer = solver.check()
    assert answer != z3.unknown, solver.reason_unknown()
    return bool(answer == z3.unsat)


def _initial(v: ERVocab) -> dict[str, Any]:
    """ERInit's state, written out value by value."""
    S, A, ii, no = v.S, v.S.auth.sort, z3.IntSort(), z3.BoolVal(False)
    return {
        "epoch": z3.K(A, z3.IntVal(0)),
        "chan": z3.K(A, z3.K(A, v.no_chan)),
        "nextId": z3.IntVal(1),
        "lastTs": z3.K(A, z3.K(A, z3.IntVal(0))),
        "msgs": z3.K(S.msg, no),
        "respLog": S.log.log(0, z3.K(ii, z3.IntVal(0))),
        "confirmed": z3.K(ii, no),
        "established": z3.K(S.est, no),
        "closed": z3.K(A, z3.K(ii, no)),
        "received": z3.K(S.rcv, no),
        "iniLog": z3.K(S.msg, no),
        "mistyped": z3.BoolVal(False),
    }


def _state(v: ERVocab, **values: Any) -> dict[str, Any]:
    return {**_initial(v), **values}


def _chan(v: ERVocab, st: str, ep: int, hs: int, psk: Any = None) -> Any:
    """A channel record; its PSK is ``ep + 1`` (ERPsk) unless given."""
    return v.S.chan.chan(v.S.st[st], ep, hs, ep + 1 if psk is None else psk)


def _chans(v: ERVocab, **channels: Any) -> Any:
    """``chan`` with ``chan[a][b]`` set for each keyword ``a_b`` (ERNoChan elsewhere)."""
    out = _initial(v)["chan"]
    for key, c in channels.items():
        a, b = (v.S.auth[x] for x in key.split("_"))
        out = z3.Store(out, a, z3.Store(out[a], b, c))
    return out


def _msg(v: ERVocab, kind: str, route: str, ep: int, hs: int, *, psk: Any = None) -> Any:
    """A message from ``src`` to ``dst`` (``route`` is ``src_dst``); its PSK
    is ``ep + 1`` unless given."""
    src, dst = (v.S.auth[x] for x in route.split("_"))
    return v.S.msg.msg(v.S.type[kind], src, dst, ep, hs, ep + 1 if psk is None else psk)


def _set(v: ERVocab, sort: Any, members: Sequence[Any]) -> Any:
    out = z3.K(sort, z3.BoolVal(False))
    for x in members:
        out = z3.Store(out, x, True)
    return out


def _log(v: ERVocab, ids: Sequence[int]) -> Any:
    items = z3.K(z3.IntSort(), z3.IntVal(0))
    for i, x in enumerate(ids, start=1):
        items = z3.Store(items, i, x)
    return v.S.log.log(len(ids), items)


def _per_auth(v: ERVocab, value: Any, **at: Any) -> Any:
    """``[a \\in Auth |-> value]`` with ``at[a]`` where given."""
    out = z3.K(v.S.auth.sort, value)
    for a, x in at.items():
        out = z3.Store(out, v.S.auth[a], x)
    return out


def _after(v: ERVocab, action: str, s: State, /, **params: Any) -> tuple[dict[str, Any], Any]:
    """A symbolic successor ``t`` of ``s`` and the step formula of ``action``
    (its relation, and UNCHANGED for the variables it does not change)."""
    t = {name: z3.Const(f"{name}'", sort) for name, sort in er.er_variables(v).items()}
    act = er.er_actions(v)[action]
    frame = [t[x] == s[x] for x in t if x not in act.changes]
    return t, z3.And(act.relation(s, t, params), *frame)


def _enabled(v: ERVocab, action: str, s: State, /, **params: Any) -> bool:
    _, step = _after(v, action, s, **params)
    return not _valid(v, z3.Not(step))


def _keeps(v: ERVocab, action: str, s: State, inv: Callable[..., Any], /, **params: Any) -> bool:
    """``action`` is enabled in the concrete ``s`` and every step it takes
    from there satisfies ``inv``."""
    t, step = _after(v, action, s, **params)
    assert not _valid(v, z3.Not(step)), f"{action} is not enabled"
    return _valid(v, z3.Implies(step, inv(v, t)))


# -- invariants on hand-built states ---------------------------------------------


def test_the_initial_state_is_init_and_meets_every_invariant_and_lemma() -> None:
    for v in (er_vocab(**MC), er_vocab()):
        s0 = _initial(v)
        assert _valid(v, er.ERInit(v, s0))
        for name, inv in {**er.ER_INVARIANTS, **er.ER_STRENGTHENING}.items():
            assert _valid(v, inv(v, s0)), name


def test_no_revival_and_psk_secret_on_hand_built_channels() -> None:
    v = er_vocab(**MC)
    closed = _per_auth(v, _set(v, z3.IntSort(), []), a1=_set(v, z3.IntSort(), [1]))
    revived = _state(v, chan=_chans(v, a1_a2=_chan(v, "Active", 0, 1)), closed=closed)
    assert not _valid(v, er.ERNoRevival(v, revived))
    assert _valid(
        v, er.ERNoRevival(v, {**revived, "chan": _chans(v, a1_a2=_chan(v, "Closed", 0, 1))})
    )
    public = _state(v, chan=_chans(v, a1_a2=_chan(v, "Active", 0, 1, psk=0)))
    assert not _valid(v, er.ERPskSecret(v, public))
    assert _valid(v, er.ERPskSecret(v, _state(v, chan=_chans(v, a1_a2=_chan(v, "Active", 0, 1)))))


def test_no_replayed_init_on_hand_built_logs() -> None:
    """Each msg 1 answered at most once; an older one answered later is no replay."""
    v = er_vocab(**MC)
    assert _valid(v, er.ERNoReplayedInit(v, _state(v, respLog=_log(v, [1, 2]))))
    assert _valid(v, er.ERNoReplayedInit(v, _state(v, respLog=_log(v, [4, 1]))))
    assert not _valid(v, er.ERNoReplayedInit(v, _state(v, respLog=_log(v, [1, 2, 1]))))
    assert _valid(v, er.ERNoReplayedInitBounded(v, _state(v, respLog=_log(v, [2, 1])), 3))
    assert not _valid(v, er.ERNoReplayedInitBounded(v, _state(v, respLog=_log(v, [2, 2])), 3))


def _resp_ts(v: ERVocab, ts: int) -> Any:
    """``lastTs`` with ``lastTs[Resp][Ini] = ts``."""
    return _per_auth(v, _per_auth(v, z3.IntVal(0)), a2=_per_auth(v, z3.IntVal(0), a1=z3.IntVal(ts)))


def test_replay_guard_holds_only_confirmed_timestamps_of_the_epoch() -> None:
    """ERReplayGuardAuthenticated: the guard's timestamp is a ChannelEstablished
    fact of the responder's current epoch; ERNoLockout: it is below nextId."""
    v = er_vocab(**MC)
    a1, a2 = v.S.auth["a1"], v.S.auth["a2"]
    fact = _set(v, v.S.est, [v.S.est.est(a1, a2, 1, 0)])
    s = _state(v, lastTs=_resp_ts(v, 1), established=fact, nextId=z3.IntVal(2))
    assert _valid(v, er.ERReplayGuardAuthenticated(v, s))
    assert not _valid(
        v, er.ERReplayGuardAuthenticated(v, {**s, "established": _initial(v)["established"]})
    )
    next_epoch = {**s, "epoch": _per_auth(v, z3.IntVal(0), a2=z3.IntVal(1))}
    assert not _valid(v, er.ERReplayGuardAuthenticated(v, next_epoch))
    assert _valid(v, er.ERNoLockout(v, s))
    assert not _valid(v, er.ERNoLockout(v, {**s, "lastTs": _resp_ts(v, 4)}))


def test_forgery_no_effect_on_hand_built_logs() -> None:
    v = er_vocab(**MC)
    genuine = _msg(v, "Resp", "a2_a1", 0, 1)
    forged = _msg(v, "Resp", "a2_a1", 0, 1, psk=0)
    assert _valid(v, er.ERForgeryNoEffect(v, _state(v, iniLog=_set(v, v.S.msg, [genuine]))))
    bad = _state(v, iniLog=_set(v, v.S.msg, [genuine, forged]))
    assert not _valid(v, er.ERForgeryNoEffect(v, bad))
    assert not _valid(v, er.ERForgeryNoEffectBounded(v, bad, 3))


def test_retired_epoch_rejected_on_hand_built_receptions() -> None:
    v = er_vocab(**MC)
    R = v.S.rcv
    assert _valid(v, er.ERRetiredEpochRejected(v, _state(v, received=_set(v, R, [R.rcv(1, 1, 1)]))))
    stale = _state(v, received=_set(v, R, [R.rcv(1, 0, 1)]))
    assert not _valid(v, er.ERRetiredEpochRejected(v, stale))
    assert not _valid(v, er.ERRetiredEpochRejectedBounded(v, stale, 3))


def test_an_active_channel_needs_the_init_of_its_handshake() -> None:
    """ERRekeyIsNewHandshake (an existential) and its witness lemma
    ERActiveHasInit on the same states."""
    v = er_vocab(**MC)
    active = _state(v, chan=_chans(v, a1_a2=_chan(v, "Active", 0, 1)), nextId=z3.IntVal(2))
    assert not _valid(v, er.ERRekeyIsNewHandshake(v, active))
    assert not _valid(v, er.ERActiveHasInit(v, active))
    init = _set(v, v.S.msg, [_msg(v, "Init", "a1_a2", 0, 1)])
    assert _valid(v, er.ERRekeyIsNewHandshake(v, {**active, "msgs": init}))
    assert _valid(v, er.ERActiveHasInit(v, {**active, "msgs": init}))
    assert _valid(v, er.ERRekeyIsNewHandshakeBounded(v, {**active, "msgs": init}, 3))


# -- one action from a concrete state ----------------------------------------------


def _handshake_sent(v: ERVocab) -> dict[str, Any]:
    """After PrepareEstablishChannel from Init: Ini's channel 1 Establishing,
    its Init message on the wire."""
    return _state(
        v,
        chan=_chans(v, a1_a2=_chan(v, "Establishing", 0, 1, psk=er.ERPsk(v, z3.IntVal(0)))),
        msgs=_set(v, v.S.msg, [_msg(v, "Init", "a1_a2", 0, 1, psk=er.ERPsk(v, z3.IntVal(0)))]),
        nextId=z3.IntVal(2),
    )


def test_prepare_establish_channel_from_init() -> None:
    v = er_vocab(**MC)
    s0 = _initial(v)
    t, step = _after(v, "PrepareEstablishChannel", s0)
    sent = _handshake_sent(v)
    assert _valid(
        v, z3.Implies(step, z3.And(*(t[x] == sent[x] for x in ("chan", "msgs", "nextId"))))
    )
    for inv in (er.ERTypeOK, er.ERMsgShape, er.ERChanShape, er.ERActiveHasInit):
        assert _keeps(v, "PrepareEstablishChannel", s0, inv), inv.__name__
    assert not _enabled(v, "PrepareEstablishChannel", sent)  # the channel is Establishing


def test_the_responder_waits_for_confirmation_unless_active_before_confirm() -> None:
    v = er_vocab(**MC)
    s = _handshake_sent(v)
    m = _msg(v, "Init", "a1_a2", 0, 1)
    assert _keeps(v, "HandleHandshake", s, er.ERKeyConfirmed, m=m)
    twin = er_vocab(**MC, BUG_ActiveBeforeConfirm=True)
    assert not _keeps(twin, "HandleHandshake", s, er.ERKeyConfirmed, m=m)


def test_a_replayed_init_is_refused_unless_the_replay_check_is_off() -> None:
    """The responder has accepted handshake 1 (lastTs = 1, respLog = <<1>>)."""
    v = er_vocab(**MC)
    m = _msg(v, "Init", "a1_a2", 0, 1)
    last_ts = _per_auth(
        v, _per_auth(v, z3.IntVal(0)), a2=_per_auth(v, z3.IntVal(0), a1=z3.IntVal(1))
    )
    s = {**_handshake_sent(v), "lastTs": last_ts, "respLog": _log(v, [1])}
    assert not _enabled(v, "HandleHandshake", s, m=m)
    twin = er_vocab(**MC, BUG_NoReplayCheck=True)
    assert not _keeps(twin, "HandleHandshake", s, er.ERNoReplayedInit, m=m)


def test_the_attackers_msg_1_locks_out_only_when_recorded_before_key_confirmation() -> None:
    """InjectInit (epoch 1: a retired PSK exists): the responder answers, its
    guard stays unwritten; under BUG_ReplayBeforeAuth it holds 2^64 - 1 (here
    ERHugeTs) and the initiator is locked out."""
    for bug, kept in ((False, True), (True, False)):
        v = er_vocab(**MC, BUG_ReplayBeforeAuth=bug)
        s = _state(v, epoch=_per_auth(v, z3.IntVal(0), a2=z3.IntVal(1)))
        assert _keeps(v, "InjectInit", s, er.ERNoLockout) is kept
        assert _keeps(v, "InjectInit", s, er.ERReplayGuardAuthenticated) is kept
    assert not _enabled(er_vocab(**MC), "InjectInit", _initial(er_vocab(**MC)))


def test_key_confirmation_writes_the_replay_guard_and_an_epoch_advance_clears_it() -> None:
    v = er_vocab(**MC)
    a1, a2 = v.S.auth["a1"], v.S.auth["a2"]
    data = _msg(v, "Data", "a1_a2", 0, 1)
    s = _state(
        v,
        chan=_chans(v, a1_a2=_chan(v, "Active", 0, 1), a2_a1=_chan(v, "Establishing", 0, 1)),
        msgs=_set(v, v.S.msg, [data]),
        respLog=_log(v, [1]),
        nextId=z3.IntVal(2),
    )
    t, step = _after(v, "KeyConfirm", s, m=data)
    assert _valid(v, z3.Implies(step, t["lastTs"][a2][a1] == 1))
    confirmed = {
        **s,
        "chan": _chans(v, a1_a2=_chan(v, "Active", 0, 1), a2_a1=_chan(v, "Active", 0, 1)),
        "lastTs": _resp_ts(v, 1),
        "established": _set(v, v.S.est, [v.S.est.est(a1, a2, 1, 0)]),
    }
    assert _keeps(v, "AdvanceEpoch", confirmed, er.ERReplayGuardAuthenticated, a=a2)
    twin = er_vocab(**MC, BUG_ReplayAcrossEpochs=True)
    assert not _keeps(twin, "AdvanceEpoch", confirmed, er.ERReplayGuardAuthenticated, a=a2)


def test_a_forged_msg_2_is_dropped_unless_it_kills_the_pending_handshake() -> None:
    v = er_vocab(**MC)
    s = _handshake_sent(v)
    assert not _enabled(v, "ForgeResponse", s)
    twin = er_vocab(**MC, BUG_ForgedRespKillsPending=True)
    assert not _keeps(twin, "ForgeResponse", s, er.ERForgeryNoEffect)
    genuine = _msg(v, "Resp", "a2_a1", 0, 1)
    assert _keeps(
        v,
        "ProcessResponse",
        {**s, "msgs": _set(v, v.S.msg, [genuine])},
        er.ERForgeryNoEffect,
        m=genuine,
    )


def test_a_public_psk_makes_an_active_channel_without_a_secret() -> None:
    """ProcessResponse of a Resp whose PSK matches Ini's channel: Active, with
    ERPsk's key (e + 1, or 0 under BUG_PskFromPublicIds)."""
    for bug, kept in ((False, True), (True, False)):
        v = er_vocab(**MC, BUG_PskFromPublicIds=bug)
        psk = er.ERPsk(v, z3.IntVal(0))
        resp = _msg(v, "Resp", "a2_a1", 0, 1, psk=psk)
        s = {**_handshake_sent(v), "msgs": _set(v, v.S.msg, [resp])}
        assert _keeps(v, "ProcessResponse", s, er.ERPskSecret, m=resp) is kept


def test_a_closed_channel_stays_closed_unless_revived() -> None:
    v = er_vocab(**MC)
    resp = _msg(v, "Resp", "a2_a1", 0, 1)
    closed = _per_auth(v, _set(v, z3.IntSort(), []), a1=_set(v, z3.IntSort(), [1]))
    s = _state(
        v,
        chan=_chans(v, a1_a2=_chan(v, "Closed", 0, 1)),
        msgs=_set(v, v.S.msg, [resp]),
        closed=closed,
        nextId=z3.IntVal(2),
    )
    assert not _enabled(v, "ProcessResponse", s, m=resp)
    twin = er_vocab(**MC, BUG_ReviveClosed=True)
    assert not _keeps(twin, "ProcessResponse", s, er.ERNoRevival, m=resp)


def test_advance_epoch_retires_live_channels_and_old_data_is_refused() -> None:
    """a2 advances to epoch 1: its Active channel becomes Rotating, and Data
    of epoch 0 is refused, unless BUG_AcceptRetiredEpoch accepts it."""
    v = er_vocab(**MC)
    a1, a2 = v.S.auth["a1"], v.S.auth["a2"]
    data = _msg(v, "Data", "a1_a2", 0, 1)
    s = _state(
        v,
        chan=_chans(v, a1_a2=_chan(v, "Active", 0, 1), a2_a1=_chan(v, "Active", 0, 1)),
        msgs=_set(v, v.S.msg, [data]),
        nextId=z3.IntVal(2),
    )
    t, step = _after(v, "AdvanceEpoch", s, a=a2)
    assert _valid(v, z3.Implies(step, v.S.chan.st(t["chan"][a2][a1]) == v.S.st["Rotating"]))
    assert _keeps(v, "AdvanceEpoch", s, er.ERNoStaleActive, a=a2)
    rotated = {**s, "epoch": _per_auth(v, z3.IntVal(0), a2=z3.IntVal(1))}
    rotated["chan"] = _chans(v, a1_a2=_chan(v, "Active", 0, 1), a2_a1=_chan(v, "Rotating", 0, 1))
    assert not _enabled(v, "ReceiveData", rotated, b=a2, m=data)
    twin = er_vocab(**MC, BUG_AcceptRetiredEpoch=True)
    assert not _keeps(twin, "ReceiveData", rotated, er.ERRetiredEpochRejected, b=a2, m=data)


def test_rotate_in_place_is_the_only_way_to_rotate_and_skips_the_handshake() -> None:
    v = er_vocab(**MC)
    a1, a2 = v.S.auth["a1"], v.S.auth["a2"]
    s = _state(
        v,
        epoch=_per_auth(v, z3.IntVal(0), a1=z3.IntVal(1)),
        chan=_chans(v, a1_a2=_chan(v, "Rotating", 0, 1)),
        msgs=_set(v, v.S.msg, [_msg(v, "Init", "a1_a2", 0, 1)]),
        nextId=z3.IntVal(2),
    )
    assert not _enabled(v, "RotateChannel", s, a=a1, b=a2)
    twin = er_vocab(**MC, BUG_RotateInPlace=True)
    assert not _keeps(twin, "RotateChannel", s, er.ERRekeyIsNewHandshake, a=a1, b=a2)


def test_timeout_and_close_retire_the_channel_id() -> None:
    v = er_vocab(**MC)
    a1, a2 = v.S.auth["a1"], v.S.auth["a2"]
    s = _handshake_sent(v)
    assert _keeps(v, "HandshakeTimeout", s, er.ERNoRevival, a=a1, b=a2)
    assert not _enabled(v, "CloseChannel", s, a=a1, b=a2)  # not Active yet
    active = {**s, "chan": _chans(v, a1_a2=_chan(v, "Active", 0, 1))}
    assert _keeps(v, "CloseChannel", active, er.ERNoRevival, a=a1, b=a2)
    assert not _enabled(v, "HandshakeTimeout", active, a=a1, b=a2)


# -- one action against one invariant, for every state ------------------------------


def _preserves(v: ERVocab, action: str, inv: Callable[..., Any], *hyps: Callable[..., Any]) -> bool:
    """``inv /\\ hyps /\\ action => inv'`` for every state and parameter."""
    s = {name: z3.Const(name, sort) for name, sort in er.er_variables(v).items()}
    act = er.er_actions(v)[action]
    p = {name: z3.Const(f"p.{name}", sort) for name, sort in act.params.items()}
    t, step = _after(v, action, s, **p)
    before = z3.And(inv(v, s), *(h(v, s) for h in hyps))
    return _valid(v, z3.Implies(z3.And(before, step), inv(v, t)))


def test_retired_epoch_rejected_is_inductive_for_each_action_and_broken_by_its_twin() -> None:
    v = er_vocab()
    for action in er.er_actions(v):
        assert _preserves(v, action, er.ERRetiredEpochRejected), action
    twin = er_vocab(BUG_AcceptRetiredEpoch=True)
    assert not _preserves(twin, "ReceiveData", er.ERRetiredEpochRejected)


def test_psk_secret_is_inductive_with_the_channel_shape() -> None:
    """ERChanShape (a channel's PSK is ep + 1, ep >= 0) makes ERPskSecret
    inductive; without it a channel of PSK 0 may turn Active."""
    v = er_vocab()
    for action in er.er_actions(v):
        assert _preserves(v, action, er.ERPskSecret, er.ERChanShape), action
    assert not _preserves(v, "ProcessResponse", er.ERPskSecret)


def test_an_unknown_bug_flag_is_refused() -> None:
    with pytest.raises(ValueError, match="no bug flags"):
        er_vocab(BUG_NoSuchThing=True)
