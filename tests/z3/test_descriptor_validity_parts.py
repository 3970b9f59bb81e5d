"""The DescriptorValidity twin's operators, actions and invariants, each queried alone.

Every operator of ``spec/DescriptorValidity.tla`` is a top-level function of
``models/descriptor_validity.py``; these tests call one at a time: the lookup
and an invariant on a hand-built replica, an action from a concrete state (its
correct form keeps an invariant, its ``BUG_*`` form breaks it), and one
action against one invariant for every state (one cell of a 1-induction row).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

import pytest
import z3
from aura_model.z3.framework import State, fresh_context
from aura_model.z3.models import descriptor_validity as dv
from aura_model.z3.models.descriptor_validity import DV_MC_CONSTANTS, DVVocab, dv_vocab

# The constants of spec/DescriptorValidity/MC_DescriptorValidity.cfg:
# MaxTime = 2, Validity = 2, Window = 1, MaxNonce = 2, Publishers = {a1}.
MC: dict[str, Any] = dict(DV_MC_CONSTANTS)


@pytest.fixture(autouse=True)
def _own_context() -> Iterator[None]:
    with fresh_context():
        yield


def _valid(v: DVVocab, claim: Any) -> bool:
    """``claim`` holds for every value of the free constants the ASSUME allows."""
    solver = z3.Solver()
    solver.add(dv.DVConstantsOK(v, {}), z3.Not(claim))
    answer = solver.check()
    assert answer != z3.unknown, solver.reason_unknown()
    return bool(answer == z3.unsat)


def _auth(v: DVVocab, name: str) -> Any:
    return v.S.auth[name]


def _ctx(v: DVVocab, name: str) -> Any:
    return v.S.ctx[name]


def _desc(v: DVVocab, a: str, c: str, start: int, nonce: int) -> Any:
    """``a``'s descriptor for ``c`` published at ``start`` (Validity = 2)."""
    kind = v.S.kind["Descriptor"]
    return v.S.fact.fact(kind, _auth(v, a), _ctx(v, c), start, start + 2, nonce, _auth(v, a))


def _facts(v: DVVocab, facts: Sequence[Any]) -> Any:
    out = v.empty
    for f in facts:
        out = z3.Store(out, f, True)
    return out


def _journal(v: DVVocab, replicas: Mapping[str, Sequence[Any]]) -> Any:
    """``[m \\in Auth \\cup {Outsider} |-> replicas[m]]`` (empty elsewhere)."""
    out = z3.K(v.S.auth.sort, v.empty)
    for m, facts in replicas.items():
        out = z3.Store(out, _auth(v, m), _facts(v, facts))
    return out


def _initial(v: DVVocab) -> dict[str, Any]:
    """DVInit's state, written out value by value."""
    A, C = v.S.auth.sort, v.S.ctx.sort
    return {
        "now": z3.IntVal(0),
        "journal": z3.K(A, v.empty),
        "nextNonce": z3.K(A, z3.IntVal(1)),
        "lastSeen": z3.K(A, z3.K(C, z3.K(A, v.empty))),
        "exhausted": z3.K(A, z3.BoolVal(False)),
        "horizon": z3.K(A, z3.IntVal(0)),
    }


def _last_seen(v: DVVocab, m: str, c: str, p: str, facts: Sequence[Any]) -> Any:
    """DVInit's ``lastSeen`` with ``lastSeen[m][c][p] = facts``."""
    none = _initial(v)["lastSeen"]
    m_, c_ = _auth(v, m), _ctx(v, c)
    per_publisher = z3.Store(none[m_][c_], _auth(v, p), _facts(v, facts))
    return z3.Store(none, m_, z3.Store(none[m_], c_, per_publisher))


def _state(v: DVVocab, **values: Any) -> dict[str, Any]:
    return {**_initial(v), **values}


def _after(v: DVVocab, action: str, s: State, /, **params: Any) -> tuple[dict[str, Any], Any]:
    """A symbolic successor ``t`` of ``s`` and the step formula of ``action``
    (its relation, and UNCHANGED for the variables it does not change)."""
    t = {name: z3.Const(f"{name}'", sort) for name, sort in dv.dv_variables(v).items()}
    act = dv.dv_actions(v)[action]
    frame = [t[x] == s[x] for x in t if x not in act.changes]
    return t, z3.And(act.relation(s, t, params), *frame)


def _enabled(v: DVVocab, action: str, s: State, /, **params: Any) -> bool:
    _, step = _after(v, action, s, **params)
    return not _valid(v, z3.Not(step))


def _keeps(v: DVVocab, action: str, s: State, inv: Callable[..., Any], /, **params: Any) -> bool:
    """``action`` is enabled in the concrete ``s`` and every step it takes
    from there satisfies ``inv``."""
    t, step = _after(v, action, s, **params)
    assert not _valid(v, z3.Not(step)), f"{action} is not enabled"
    return _valid(v, z3.Implies(step, inv(v, t)))


# -- the lookup and the invariants on hand-built replicas ------------------------


def test_the_initial_state_is_init_and_meets_every_invariant_and_lemma() -> None:
    for v in (dv_vocab(**MC), dv_vocab()):
        s0 = _initial(v)
        assert _valid(v, dv.DVInit(v, s0))
        for name, inv in {**dv.DV_INVARIANTS, **dv.DV_STRENGTHENING}.items():
            assert _valid(v, inv(v, s0)), name


def test_the_lookup_chooses_the_newest_unrevoked_valid_descriptor() -> None:
    """a2 holds two descriptors of a1 for c1 at now = 1: DVLookup chooses
    the later one; once a1's revocation of it arrives, the earlier one."""
    v = dv_vocab(**MC)
    a1, a2, c1 = _auth(v, "a1"), _auth(v, "a2"), _ctx(v, "c1")
    old, new = _desc(v, "a1", "c1", 0, 1), _desc(v, "a1", "c1", 1, 2)
    s = _state(v, now=z3.IntVal(1), journal=_journal(v, {"a2": [old, new]}))
    assert _valid(v, dv.DVLookup(v, s, a2, c1, a1)(new))
    assert not _valid(v, dv.DVLookup(v, s, a2, c1, a1)(old))
    revoked = _state(v, now=z3.IntVal(1), journal=_journal(v, {"a2": [old, new, _rev(v, new)]}))
    assert _valid(v, dv.DVRevokedIn(v, revoked, a2, new))
    assert _valid(v, dv.DVLookup(v, revoked, a2, c1, a1)(old))
    assert not _valid(v, dv.DVLookup(v, revoked, a2, c1, a1)(new))
    assert not _valid(v, dv.DVLookup(v, s, a2, _ctx(v, "c2"), a1)(new))


def _rev(v: DVVocab, d: Any, by: str | None = None) -> Any:
    """The revocation of ``d`` by its publisher (or by ``by``)."""
    return dv.DVRevocation(v, d, v.field("auth", d) if by is None else _auth(v, by))


def test_revoked_never_chosen_holds_unless_the_lookup_ignores_revocations() -> None:
    v = dv_vocab(**MC)
    d = _desc(v, "a1", "c1", 0, 1)
    s = _state(v, journal=_journal(v, {"a2": [d, _rev(v, d)]}))
    assert _valid(v, dv.DVRevokedNeverChosen(v, s))
    twin = dv_vocab(**MC, BUG_IgnoreRevocation=True)
    assert not _valid(twin, dv.DVRevokedNeverChosen(twin, s))


def test_chosen_valid_holds_unless_valid_until_is_inclusive() -> None:
    """At now = until, the descriptor has expired (half-open validity)."""
    v = dv_vocab(**MC)
    s = _state(v, now=z3.IntVal(2), journal=_journal(v, {"a1": [_desc(v, "a1", "c1", 0, 1)]}))
    assert _valid(v, dv.DVChosenValid(v, s))
    twin = dv_vocab(**MC, BUG_InclusiveValidUntil=True)
    assert not _valid(twin, dv.DVChosenValid(twin, s))


def test_no_cross_context_holds_unless_the_lookup_ignores_the_context() -> None:
    v = dv_vocab(**MC)
    s = _state(v, journal=_journal(v, {"a2": [_desc(v, "a1", "c2", 0, 1)]}))
    assert _valid(v, dv.DVNoCrossContext(v, s))
    twin = dv_vocab(**MC, BUG_CrossContextLookup=True)
    assert not _valid(twin, dv.DVNoCrossContext(twin, s))


def test_only_members_know_on_hand_built_journals() -> None:
    v = dv_vocab(**MC)
    d = _desc(v, "a1", "c1", 0, 1)
    assert _valid(v, dv.DVOnlyMembersKnow(v, _state(v, journal=_journal(v, {"a2": [d]}))))
    assert not _valid(v, dv.DVOnlyMembersKnow(v, _state(v, journal=_journal(v, {"eve": [d]}))))


def test_choice_deterministic_fails_when_the_last_arrival_wins() -> None:
    """a2 last saw a1's older descriptor: the correct lookup still takes the
    newer one, BUG_LastArrivedWins the one last seen."""
    v = dv_vocab(**MC)
    old, new = _desc(v, "a1", "c1", 0, 1), _desc(v, "a1", "c1", 1, 2)
    last_seen = _last_seen(v, "a2", "c1", "a1", [old])
    s = _state(v, now=z3.IntVal(1), journal=_journal(v, {"a2": [old, new]}), lastSeen=last_seen)
    assert _valid(v, dv.DVChoiceDeterministic(v, s))
    twin = dv_vocab(**MC, BUG_LastArrivedWins=True)
    assert not _valid(twin, dv.DVChoiceDeterministic(twin, s))


# -- one action from a concrete state ----------------------------------------------


def test_only_a_publisher_in_need_of_a_refresh_publishes() -> None:
    """From Init a1 (a publisher) may publish for c1, a2 may not; right after
    the publication a1's descriptor is fresh (now + Window < until) and
    DVNeedsRefresh blocks a second one until time passes."""
    v = dv_vocab(**MC)
    a1, a2, c1 = _auth(v, "a1"), _auth(v, "a2"), _ctx(v, "c1")
    s0 = _initial(v)
    assert _enabled(v, "PreparePublishDescriptor", s0, a=a1, c=c1)
    assert not _enabled(v, "PreparePublishDescriptor", s0, a=a2, c=c1)
    t, step = _after(v, "PreparePublishDescriptor", s0, a=a1, c=c1)
    d = _desc(v, "a1", "c1", 0, 1)
    assert _valid(v, z3.Implies(step, z3.And(t["journal"][a1][d], t["nextNonce"][a1] == 2)))
    published = _state(
        v,
        journal=_journal(v, {"a1": [d]}),
        nextNonce=z3.Store(s0["nextNonce"], a1, 2),
        lastSeen=_last_seen(v, "a1", "c1", "a1", [d]),
    )
    assert not _enabled(v, "PreparePublishDescriptor", published, a=a1, c=c1)
    assert _enabled(v, "PreparePublishDescriptor", {**published, "now": z3.IntVal(1)}, a=a1, c=c1)
    for inv in (dv.DVTypeOK, dv.DVNonceBelowNext, dv.DVRevocationShape):
        assert _keeps(v, "PreparePublishDescriptor", s0, inv, a=a1, c=c1), inv.__name__


def test_a_sync_reaches_members_only_unless_the_roster_is_not_checked() -> None:
    v = dv_vocab(**MC)
    a1, eve = _auth(v, "a1"), _auth(v, "eve")
    d = _desc(v, "a1", "c1", 0, 1)
    s = _state(v, journal=_journal(v, {"a1": [d]}))
    assert _keeps(v, "SyncJournal", s, dv.DVOnlyMembersKnow, src=a1, dst=_auth(v, "a2"), f=d)
    assert not _enabled(v, "SyncJournal", s, src=a1, dst=eve, f=d)
    twin = dv_vocab(**MC, BUG_SyncToNonMember=True)
    assert not _keeps(twin, "SyncJournal", s, dv.DVOnlyMembersKnow, src=a1, dst=eve, f=d)


def test_a_sync_merges_replicas_unless_it_replaces_them() -> None:
    """a2 holds a fact a1 lacks; a sync from a1 keeps it (DVJournalGrowOnly),
    BUG_SyncReplaces overwrites a2's replica with a1's."""
    v = dv_vocab(**MC)
    a1, a2 = _auth(v, "a1"), _auth(v, "a2")
    d1, d2 = _desc(v, "a1", "c1", 0, 1), _desc(v, "a1", "c2", 0, 2)
    s = _state(v, journal=_journal(v, {"a1": [d1], "a2": [d2]}))
    assert _keeps(v, "SyncJournal", s, _grow_only(s), src=a1, dst=a2, f=d1)
    twin = dv_vocab(**MC, BUG_SyncReplaces=True)
    assert not _keeps(twin, "SyncJournal", s, _grow_only(s), src=a1, dst=a2, f=d1)


def _grow_only(s: State) -> Callable[[DVVocab, State], Any]:
    """DVJournalGrowOnly of a step out of ``s``, as a predicate of its successor."""
    return lambda v, t: dv.DVJournalGrowOnly(v, s, t)


def test_a_forged_revocation_counts_only_when_anyone_may_revoke() -> None:
    """a2 forges a revocation of a1's descriptor in its own replica: the
    lookup ignores it and DVOnlyPublisherRevokes holds; under
    BUG_AnyoneRevokes a2's lookup comes back empty though a best descriptor
    exists."""
    v = dv_vocab(**MC)
    a2 = _auth(v, "a2")
    d = _desc(v, "a1", "c1", 0, 1)
    s = _state(v, journal=_journal(v, {"a2": [d]}))
    assert _keeps(v, "ForgeRevocation", s, dv.DVOnlyPublisherRevokes, a=a2, d=d)
    twin = dv_vocab(**MC, BUG_AnyoneRevokes=True)
    assert not _keeps(twin, "ForgeRevocation", s, dv.DVOnlyPublisherRevokes, a=a2, d=d)


def test_a_publisher_revokes_its_own_valid_descriptor_once() -> None:
    v = dv_vocab(**MC)
    a1, a2 = _auth(v, "a1"), _auth(v, "a2")
    d = _desc(v, "a1", "c1", 0, 1)
    s = _state(v, journal=_journal(v, {"a1": [d], "a2": [d]}))
    assert not _enabled(v, "RevokeDescriptor", s, a=a2, d=d)  # not a2's descriptor
    assert _keeps(v, "RevokeDescriptor", s, dv.DVRevocationShape, a=a1, d=d)
    assert _keeps(v, "RevokeDescriptor", s, dv.DVRevokedNeverChosen, a=a1, d=d)
    revoked = _state(v, journal=_journal(v, {"a1": [d, _rev(v, d)]}))
    assert not _enabled(v, "RevokeDescriptor", revoked, a=a1, d=d)


def _unsigned(v: DVVocab, p: str, c: str) -> Any:
    """A ChannelEstablished naming ``p`` in ``c`` that no member signed."""
    kind = v.S.kind["Channel"]
    return v.S.fact.fact(kind, _auth(v, p), _ctx(v, c), 0, 0, 1, _auth(v, "eve"))


def test_an_outsiders_digest_is_answered_only_when_the_sender_is_self_claimed() -> None:
    v = dv_vocab(**MC)
    a1 = _auth(v, "a1")
    s = _state(v, journal=_journal(v, {"a1": [_desc(v, "a1", "c1", 0, 1)]}))
    assert not _enabled(v, "OutsiderDigest", s, src=a1)
    twin = dv_vocab(**MC, BUG_UnauthenticatedSync=True)
    assert not _keeps(twin, "OutsiderDigest", s, dv.DVOnlyMembersKnow, src=a1)


def test_an_unsigned_fact_enters_a_replica_only_when_facts_go_unchecked() -> None:
    v = dv_vocab(**MC)
    a1, a2 = _auth(v, "a1"), _auth(v, "a2")
    forged = _unsigned(v, "a1", "c1")
    s = _initial(v)
    assert not _enabled(v, "InjectUnsignedFact", s, snd=a1, dst=a2, f=forged)
    twin = dv_vocab(**MC, BUG_UnsignedFacts=True)
    assert not _keeps(
        twin, "InjectUnsignedFact", s, dv.DVFactsAttributable, snd=a1, dst=a2, f=forged
    )


def test_a_huge_stamp_exhausts_a_clock_only_when_merges_are_unbounded() -> None:
    """A stamp beyond the bound is refused; taken, it leaves a2 unable to publish."""
    v = dv_vocab(**MC)
    a1, a2, c1 = _auth(v, "a1"), _auth(v, "a2"), _ctx(v, "c1")
    d = _desc(v, "a1", "c1", 0, 1)
    s = _state(v, journal=_journal(v, {"a1": [d]}))
    assert not _enabled(v, "HugeStamp", s, snd=a1, dst=a2, f=d)
    twin = dv_vocab(**MC, BUG_UnboundedLamport=True)
    assert not _keeps(twin, "HugeStamp", s, dv.DVClockBounded, snd=a1, dst=a2, f=d)
    spent = _state(v, exhausted=z3.Store(s["exhausted"], a1, True))
    assert not _enabled(v, "PreparePublishDescriptor", spent, a=a1, c=c1)


def test_a_prune_drops_only_expired_descriptors_and_sync_keeps_them_out() -> None:
    """At now = 2 a1 prunes its descriptor [0, 2) and keeps the one of [1, 3);
    a2 (not pruned) cannot sync the dead one back unless the horizon is ignored."""
    v = dv_vocab(**MC)
    a1, a2 = _auth(v, "a1"), _auth(v, "a2")
    dead, alive = _desc(v, "a1", "c1", 0, 1), _desc(v, "a1", "c1", 1, 2)
    s = _state(v, now=z3.IntVal(2), journal=_journal(v, {"a1": [dead, alive], "a2": [dead]}))
    assert not _enabled(v, "DVPrune", _state(v, now=z3.IntVal(1), journal=s["journal"]), m=a1)
    t, step = _after(v, "DVPrune", s, m=a1)
    assert _valid(
        v, z3.Implies(step, z3.And(z3.Not(t["journal"][a1][dead]), t["journal"][a1][alive]))
    )
    assert _valid(v, z3.Implies(step, t["horizon"][a1] == 2))
    assert _keeps(v, "DVPrune", s, dv.DVPrunedStaysPruned, m=a1)
    assert _keeps(v, "DVPrune", s, lambda v, t: dv.DVJournalGrowOnly(v, s, t), m=a1)
    pruned = _state(
        v,
        now=z3.IntVal(2),
        horizon=z3.Store(s["horizon"], a1, 2),
        journal=_journal(v, {"a1": [alive], "a2": [dead]}),
    )
    assert not _enabled(v, "SyncJournal", pruned, src=a2, dst=a1, f=dead)
    twin = dv_vocab(**MC, BUG_SyncRevivesPruned=True)
    assert not _keeps(twin, "SyncJournal", pruned, dv.DVPrunedStaysPruned, src=a2, dst=a1, f=dead)


def test_a_replica_over_the_cap_cannot_pull_only_when_sync_is_capped() -> None:
    """a2 holds two facts (MaxSyncIds = 1) and lacks a1's second descriptor."""
    v = dv_vocab(**MC)
    a1, a2 = _auth(v, "a1"), _auth(v, "a2")
    d1, d2 = _desc(v, "a1", "c1", 0, 1), _desc(v, "a1", "c2", 0, 2)
    s = _state(v, journal=_journal(v, {"a1": [d1, d2], "a2": [d1, _rev(v, d1, by="a2")]}))
    assert _enabled(v, "SyncJournal", s, src=a1, dst=a2, f=d2)
    assert _valid(v, dv.DVSyncAvailable(v, s))
    capped = dv_vocab(**MC, BUG_SyncCapped=True)
    assert not _enabled(capped, "SyncJournal", s, src=a1, dst=a2, f=d2)
    assert not _valid(capped, dv.DVSyncAvailable(capped, s))


def test_time_stops_at_max_time() -> None:
    v = dv_vocab(**MC)
    assert _enabled(v, "Tick", _state(v, now=z3.IntVal(1)))
    assert not _enabled(v, "Tick", _state(v, now=z3.IntVal(2)))


# -- one action against one invariant, for every state ------------------------------


def _preserves(v: DVVocab, action: str, inv: Callable[..., Any], *hyps: Callable[..., Any]) -> bool:
    """``inv /\\ hyps /\\ action => inv'`` for every state and parameter."""
    s = {name: z3.Const(name, sort) for name, sort in dv.dv_variables(v).items()}
    act = dv.dv_actions(v)[action]
    p = {name: z3.Const(f"p.{name}", sort) for name, sort in act.params.items()}
    t, step = _after(v, action, s, **p)
    before = z3.And(inv(v, s), *(h(v, s) for h in hyps))
    return _valid(v, z3.Implies(z3.And(before, step), inv(v, t)))


def test_only_members_know_is_inductive_for_each_action_and_broken_by_its_twin() -> None:
    v = dv_vocab()
    for action in dv.dv_actions(v):
        assert _preserves(v, action, dv.DVOnlyMembersKnow), action
    twin = dv_vocab(BUG_SyncToNonMember=True)
    assert not _preserves(twin, "SyncJournal", dv.DVOnlyMembersKnow)


def test_attribution_and_the_clock_bound_are_inductive_and_broken_by_their_twins() -> None:
    v = dv_vocab()
    for action in dv.dv_actions(v):
        assert _preserves(v, action, dv.DVFactsAttributable), action
        assert _preserves(v, action, dv.DVClockBounded), action
    assert not _preserves(
        dv_vocab(BUG_UnsignedFacts=True), "InjectUnsignedFact", dv.DVFactsAttributable
    )
    assert not _preserves(dv_vocab(BUG_UnboundedLamport=True), "HugeStamp", dv.DVClockBounded)
    twin = dv_vocab(BUG_UnauthenticatedSync=True)
    assert not _preserves(twin, "OutsiderDigest", dv.DVOnlyMembersKnow)


def test_revocation_shape_is_inductive_for_each_action() -> None:
    """Every revocation fact is DVRevocation(d, b): what DVRevokedIn relies on."""
    v = dv_vocab()
    for action in dv.dv_actions(v):
        assert _preserves(v, action, dv.DVRevocationShape), action


def test_an_unknown_bug_flag_is_refused() -> None:
    with pytest.raises(ValueError, match="no bug flags"):
        dv_vocab(BUG_NoSuchThing=True)
