"""Rendezvous.tla's direct channel path of a wire run: WireRendezvous.tla."""

from __future__ import annotations

import pytest
from aura_conformance.harness.errors import ConformanceFailure
from aura_conformance.wire import WireBackend
from aura_conformance.wire.keyring import BUDGET_LIMIT, CONNECT_COST, INI, RESP
from aura_conformance.wire.peer import WireRun
from aura_conformance.wire.relayed import exhaust_budget
from aura_conformance.wire.rendezvous import check_wire_rendezvous_spec, wire_rendezvous_checker


@pytest.mark.slow
def test_the_wrapper_passes_sany_tlc_and_the_embedded_checker() -> None:
    """Its ok models (direct, relayed) pass and each bad model violates its invariant,
    TLC and the embedded checker agreeing (SKIPPED, never a pass, without TLC)."""
    from aura_model.stages import Status

    lines: list[str] = []
    report = check_wire_rendezvous_spec(lines.append)
    if report.skipped:
        pytest.skip(report.skipped)
    assert report.status() is Status.PASS, report.detail()
    met = {o.case.cfg.name: o for o in report.models}
    bad_names = (
        "RVMembersOnly",
        "RVBudgetWithinLimit",
        "RVRelayForwardsOnce",
        "RVRelayedEndToEnd",
        "RVRelayForwardsOnlyProtocol",
        "RVRelayAuthorized",
    )
    assert set(met) == {
        "MC_WireRendezvous.cfg",
        "MC_WireRendezvous_relay.cfg",
        *(f"MC_WireRendezvous_bad_{name}.cfg" for name in bad_names),
    }
    for name in bad_names:
        bad = met[f"MC_WireRendezvous_bad_{name}.cfg"]
        assert bad.tlc is not None and bad.tlc.violated == name
        assert bad.embedded.violated == name
    for ok in ("MC_WireRendezvous.cfg", "MC_WireRendezvous_relay.cfg"):
        tlc = met[ok].tlc
        assert tlc is not None and tlc.violated is None


def test_the_runs_model_checks_rendezvous_invariants() -> None:
    names = set(wire_rendezvous_checker().invariants)
    assert {
        "RVReplayRejected",
        "RVNoStaleActive",
        "RVMembersOnly",
        "RVBudgetWithinLimit",
        "RVConnectWithValidDescriptor",
        "RVRelayForwardsOnce",
        "RVRelayedEndToEnd",
        "RVRelayForwardsOnlyProtocol",
        "RVRelayAuthorized",
    } <= names


def test_a_reference_run_is_a_behaviour_of_the_wrapper() -> None:
    run = WireRun(WireBackend(), RESP)
    run.outsider()
    run.handshake()
    run.advance_epoch()
    run.retired_epoch_init()
    run.handshake()
    assert run.rendezvous.left is None
    assert run.rendezvous.validated >= 15


def test_each_invariant_of_the_wrapper_can_fail_on_a_projected_state() -> None:
    """A reference run's projection with its first answered message 1 logged twice
    breaks RVReplayRejected, and with the Outsider's channel opened RVMembersOnly."""
    from aura_model.tla import ModelValue
    from aura_model.tla import values as V

    run = WireRun(WireBackend(), RESP)
    run.handshake()
    state = run.rendezvous.state
    checker = wire_rendezvous_checker()
    assert checker.violated(state) == []
    twice = {**state, "hsLog": V.seq([*state["hsLog"], state["hsLog"][0]])}
    assert checker.violated(twice) == ["RVReplayRejected"]
    resp, eve = ModelValue("a2"), ModelValue("eve")
    opened = V.record(st="Establishing", ep=0, id=1)
    chan = state["chan"]
    row = V.fn({**chan.d[resp].d, eve: opened})
    member = {**state, "chan": V.fn({**chan.d, resp: row})}
    assert checker.violated(member) == ["RVMembersOnly"]


def test_a_non_member_answered_is_named_rv_members_only() -> None:
    run = WireRun(WireBackend("open-roster"), RESP)
    with pytest.raises(ConformanceFailure, match=r"Rendezvous: .*violates RVMembersOnly"):
        run.outsider()


def _spent(state: dict[str, object], member: str) -> dict[int, int]:
    from aura_model.tla import ModelValue

    return dict(state["spent"].d[ModelValue(member)].d)  # type: ignore[attr-defined]


@pytest.mark.parametrize("relayed", [False, True])
def test_connects_are_charged_and_denied_as_steps_of_the_wrapper(relayed: bool) -> None:
    """The budget spent, a deny, an epoch advance and a connect again: every connect a
    step of Connect or DenyConnect, what Ini spent read off what it sent."""
    run = WireRun(WireBackend(), INI)
    exhaust_budget(run, relayed=relayed)
    assert run.rendezvous.left is None
    state = run.rendezvous.state
    assert _spent(state, "a1") == {0: BUDGET_LIMIT, 1: CONNECT_COST, 2: 0, 3: 0}
    if relayed:
        # The peer's relayed answers are charged, and the relay pays each of the three
        # forwards of a handshake (message 1, message 2, key confirmation).
        assert _spent(state, "a2") == {0: BUDGET_LIMIT, 1: CONNECT_COST, 2: 0, 3: 0}
        assert _spent(state, "r1") == {0: 9, 1: 3, 2: 0, 3: 0}
        relayed_records = {m for m in state["net"] if m.d["path"] == "relay"}
        assert {m.d["type"] for m in relayed_records} == {"Init", "Resp", "Confirm"}
    else:
        assert set(_spent(state, "a2").values()) == {0}
        assert set(_spent(state, "r1").values()) == {0}
    # The deny of epoch 0 is behind: epoch 1 has room.
    assert state["denied"] is False


def test_the_budget_invariants_can_fail_on_a_projected_state() -> None:
    """Ini's spending past Limit breaks RVBudgetWithinLimit; a message 1 sent with no
    descriptor Ini may use breaks RVConnectWithValidDescriptor."""
    from aura_model.tla import ModelValue
    from aura_model.tla import values as V

    run = WireRun(WireBackend(), INI)
    exhaust_budget(run, relayed=False)
    state = run.rendezvous.state
    checker = wire_rendezvous_checker()
    ini = ModelValue("a1")
    row = V.fn({**state["spent"].d[ini].d, 1: BUDGET_LIMIT + CONNECT_COST})
    over = {**state, "spent": V.fn({**state["spent"].d, ini: row})}
    assert checker.violated(over) == ["RVBudgetWithinLimit"]
    init = next(m for m in state["net"] if m.d["type"] == "Init")
    net = (state["net"] - {init}) | {V.record(**{**init.d, "dok": False})}
    assert checker.violated({**state, "net": frozenset(net)}) == ["RVConnectWithValidDescriptor"]


@pytest.mark.parametrize(
    ("variant", "named"),
    [
        ("no-budget-check", r"no action of Next explains the step; .*violates RVBudgetWithinLimit"),
        ("budget-kept-across-epochs", r"no action of Next explains the step.*RVBudgetOK"),
    ],
)
def test_a_wrong_budget_is_no_step_of_the_wrapper(variant: str, named: str) -> None:
    """Charged past the limit, or denied in a new epoch with room: the wrapper's
    Connect and DenyConnect explain neither (the harness's own budget checks come
    after)."""
    run = WireRun(WireBackend(variant), INI)
    with pytest.raises(ConformanceFailure, match=rf"Rendezvous: .*{named}"):
        exhaust_budget(run, relayed=False)
