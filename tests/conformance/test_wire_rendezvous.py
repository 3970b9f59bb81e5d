"""Rendezvous.tla's direct channel path of a wire run: WireRendezvous.tla."""

from __future__ import annotations

import pytest
from aura_conformance.harness.errors import ConformanceFailure
from aura_conformance.wire import WireBackend
from aura_conformance.wire.keyring import RESP
from aura_conformance.wire.peer import WireRun
from aura_conformance.wire.rendezvous import check_wire_rendezvous_spec, wire_rendezvous_checker


@pytest.mark.slow
def test_the_wrapper_passes_sany_tlc_and_the_embedded_checker() -> None:
    """Its ok model passes and the no-roster-check model violates RVMembersOnly, TLC
    and the embedded checker agreeing (SKIPPED, never a pass, without TLC)."""
    from aura_model.stages import Status

    lines: list[str] = []
    report = check_wire_rendezvous_spec(lines.append)
    if report.skipped:
        pytest.skip(report.skipped)
    assert report.status() is Status.PASS, report.detail()
    met = {o.case.cfg.name: o for o in report.models}
    assert set(met) == {"MC_WireRendezvous.cfg", "MC_WireRendezvous_bad_RVMembersOnly.cfg"}
    bad = met["MC_WireRendezvous_bad_RVMembersOnly.cfg"]
    assert bad.tlc is not None and bad.tlc.violated == "RVMembersOnly"
    assert bad.embedded.violated == "RVMembersOnly"


def test_the_runs_model_checks_rendezvous_invariants() -> None:
    names = set(wire_rendezvous_checker().invariants)
    assert {"RVReplayRejected", "RVNoStaleActive", "RVMembersOnly"} <= names


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
