"""Step validation: real steps are explained by named actions, doctored ones are refused."""

from __future__ import annotations

import re

import pytest
from aura_conformance import ConformanceFailure, GuardChainWorld, guard_chain_checker
from aura_conformance import project_guard_chain as project
from aura_model.tla import ModelValue, TlaError
from aura_model.tla import values as V


def test_prepare_is_explained_with_its_parameters() -> None:
    """The validator names the action and its \\E parameters (a, d, c)."""
    checker = guard_chain_checker()
    w = GuardChainWorld()
    before = project(w)
    w.prepare_operation("a1", "a2", 2)
    report = checker.check_step(before, project(w), "PrepareOperation")
    assert report.actions == ("PrepareOperation(a=a1, d=a2, c=2)",)


def test_deny_is_explained_as_deny_operation() -> None:
    """A capability deny is DenyOperation: only the local denials set changes."""
    checker = guard_chain_checker()
    w = GuardChainWorld()
    before = project(w)
    assert w.prepare_operation("a2", "a1", 1) == "Denied:MissingCapability"
    report = checker.check_step(before, project(w), "PrepareOperation")
    assert report.actions[0].startswith("DenyOperation(a=a2")


def test_atomic_execute_is_explained_by_the_interpreter_path() -> None:
    """One interpreter call is the spec's ChargeFlowBudget ; JournalAppend ; SendPacket."""
    checker = guard_chain_checker()
    w = GuardChainWorld()
    w.prepare_operation("a1", "a2", 1)
    before = project(w)
    w.execute_effects(False)
    assert checker.check_step(before, project(w), "ExecuteEffects").actions == (
        "ChargeFlowBudget",
        "JournalAppend",
        "SendPacket",
    )
    w.prepare_operation("a1", "a2", 1)
    before = project(w)
    assert w.execute_effects(True) == "RolledBack"
    assert checker.check_step(before, project(w), "ExecuteEffects").actions == (
        "ChargeFlowBudget",
        "JournalAppendFails",
    )


def test_rejected_receipt_is_a_stutter() -> None:
    """A replay the reference verifier rejects leaves the spec state unchanged."""
    checker = guard_chain_checker()
    w = GuardChainWorld()
    w.prepare_operation("a1", "a2", 1)
    w.execute_effects(False)
    w.receive_receipt(w.wire[0])
    before = project(w)
    assert w.receive_receipt(w.wire[0]) == "Rejected:ReceiptReplayed"
    assert checker.check_step(before, project(w), "ReceiveReceipt").actions == ("stutter",)


def test_doctored_step_is_refused_with_a_table() -> None:
    """A prepare that also charges is no Next step; the failure shows both states."""
    checker = guard_chain_checker()
    w = GuardChainWorld()
    before = project(w)
    w.prepare_operation("a1", "a2", 1)
    after = project(w)
    a1 = ModelValue("a1")
    after["spent"] = V.fn({**after["spent"].d, a1: V.fn({0: 1, 1: 0})})
    with pytest.raises(ConformanceFailure) as info:
        checker.check_step(before, after, "PrepareOperation")
    failure = info.value
    assert failure.kind == "step"
    assert failure.action == "PrepareOperation"
    assert "* spent" in failure.table
    assert "(a1 :> (0 :> 1 @@ 1 :> 0)" in failure.table


def test_invariant_violation_is_reported_by_name() -> None:
    """An idle state whose spending differs from what was sent breaks GCAtomicRollback."""
    checker = guard_chain_checker()
    state = project(GuardChainWorld())
    a1 = ModelValue("a1")
    state["spent"] = V.fn({**state["spent"].d, a1: V.fn({0: 2, 1: 0})})
    assert "GCAtomicRollback" in checker.violated(state)
    with pytest.raises(ConformanceFailure, match="GCAtomicRollback"):
        checker.check_invariants(state, "Tick")


def _counting(checker: object, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How often the real model evaluates the invariants (the real method runs)."""
    model = checker.model  # type: ignore[attr-defined]
    real = model.evaluate_many
    calls: list[int] = []

    def counted(*args: object, **kwargs: object) -> object:
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(model, "evaluate_many", counted)
    return calls


def test_a_state_of_the_same_objects_is_judged_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """The projection interns its values: the same world state again is the same
    objects, whose verdict the checker remembers; a stutter of them needs no
    explaining either."""
    checker = guard_chain_checker()
    checker.forget()
    calls = _counting(checker, monkeypatch)
    w = GuardChainWorld()
    state = project(w)
    checker.check_invariants(state, "Reset")
    again = project(GuardChainWorld())
    assert all(again[v] is state[v] for v in checker.variables)
    assert checker.check_step(state, again, "Tick").actions == ("stutter",)
    assert len(calls) == 1
    checker.forget()
    checker.check_invariants(again, "Tick")
    assert len(calls) == 2


def test_equal_is_not_the_same_false_is_not_zero() -> None:
    """A state equal in Python to a judged one, but with FALSE where an Int belongs
    (``False == 0``), is judged afresh, stutter or not: the checker refuses it (its
    arithmetic on FALSE is a typed evaluation error naming the value)."""
    checker = guard_chain_checker()
    checker.forget()
    state = project(GuardChainWorld())
    checker.check_invariants(state, "Reset")
    a1 = ModelValue("a1")
    doctored = dict(state)
    doctored["spent"] = V.fn({**state["spent"].d, a1: V.fn({0: False, 1: 0})})
    assert doctored == state  # what a memo by equality would have let through
    with pytest.raises(TlaError, match="FALSE"):
        checker.check_invariants(doctored, "Tick")
    with pytest.raises(TlaError, match="FALSE"):
        checker.check_step(state, doctored, "Tick")


def test_a_step_is_explained_only_with_the_request_arguments() -> None:
    """At spent 2 of 3, a1's deny of cost 2 towards a2 is DenyOperation(a1, a2, 2).
    Without the request's arguments any deny explains it (a deny changes nothing: a1's
    of cost 2, a3's of cost 4); with them, the same deny is no step of a request for
    cost 1 (which the spec allows)."""
    checker = guard_chain_checker()
    checker.forget()
    w = GuardChainWorld()
    assert w.prepare_operation("a1", "a1", 2) == "Allowed"
    w.execute_effects(False)
    before = project(w)
    assert w.prepare_operation("a1", "a2", 2).startswith("Denied")
    after = project(w)
    a1, a2 = ModelValue("a1"), ModelValue("a2")
    # (Which one comes first follows the iteration order of the spec's sets.)
    (unbound,) = checker.check_step(before, after, "PrepareOperation").actions
    assert re.fullmatch(r"DenyOperation\(a=(a1, d=a\d, c=[24]|a3, d=a\d, c=4)\)", unbound), unbound
    asked = {"a": a1, "d": a2, "c": 2}
    report = checker.check_step(before, after, "PrepareOperation", args=asked)
    assert report.actions == ("DenyOperation(a=a1, d=a2, c=2)",)
    with pytest.raises(ConformanceFailure, match=r"arguments \(a=a1, d=a2, c=1\)") as info:
        checker.check_step(before, after, "PrepareOperation", args={**asked, "c": 1})
    assert re.search(r"DenyOperation\(a=a[13], d=a\d, c=[24]\) would", str(info.value))
    with pytest.raises(ConformanceFailure, match="arguments"):
        checker.check_step(before, after, "PrepareOperation", args={**asked, "a": a2})
    # An argument no parameter is named after is not compared.
    assert checker.check_step(before, after, "PrepareOperation", args={**asked, "x": 9}).actions


def test_an_argument_binds_by_type_and_value() -> None:
    """TRUE is not the argument 1, nor FALSE 0, though Python says they are equal."""
    from aura_conformance.harness.checker import _agrees
    from aura_model.tla import ActionMatch

    m = ActionMatch("Act", {"c": 1, "f": False})
    assert _agrees(m, {"c": 1, "f": False, "other": True})
    assert not _agrees(m, {"c": True})
    assert not _agrees(m, {"f": 0})
    assert not _agrees(m, {"c": 2})
