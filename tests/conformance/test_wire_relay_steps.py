"""The relayed path of a wire run as steps of WireRendezvous.tla: the relay hop, the
responder's relayed charge, the relay's attacker, and the relay invariants."""

from __future__ import annotations

from typing import Any

import pytest
from aura_conformance.harness.errors import ConformanceFailure
from aura_conformance.wire import WIRE_SCENARIOS, WireBackend, run_wire_conformance
from aura_conformance.wire.keyring import INI, RESP
from aura_conformance.wire.peer import WireRun
from aura_conformance.wire.relayed import (
    relay_attacks,
    relayed_handshake,
    relayed_handshake_resp,
    relayed_replay,
)
from aura_conformance.wire.rendezvous import wire_rendezvous_checker
from aura_model.tla import ModelValue
from aura_model.tla import values as V


def _spent(state: dict[str, Any], member: str) -> dict[int, int]:
    return dict(state["spent"].d[ModelValue(member)].d)


def _relayed(state: dict[str, Any]) -> set[tuple[str, str]]:
    """(type, next hop) of every relayed record."""
    return {(m.d["type"], m.d["dst"].name) for m in state["net"] if m.d["path"] == "relay"}


def test_a_relayed_handshake_as_ini_is_a_behaviour_of_the_wrapper() -> None:
    """Message 1, message 2 and the key confirmation each go to the relay and are
    forwarded (RelayForward, the relay charged 1 each); the peer's relayed answer is
    charged; then the relay's attacker (a replayed envelope, a junk one) changes
    nothing but the junk record."""
    run = WireRun(WireBackend(), INI)
    assert relayed_handshake(run)
    relay_attacks(run)
    view = run.rendezvous
    assert view.left is None
    state = view.state
    hops = {"Init": "a2", "Resp": "a1", "Confirm": "a2"}
    expected = {(t, hop) for t, peer in hops.items() for hop in ("r1", peer)}
    assert _relayed(state) == expected | {("Junk", "r1")}
    assert _spent(state, "r1")[0] == 3
    assert _spent(state, "a2")[0] == 2
    assert _spent(state, "a1")[0] == 2
    assert wire_rendezvous_checker().violated(state) == []


def test_a_relayed_handshake_as_resp_charges_the_backends_answer() -> None:
    run = WireRun(WireBackend(), RESP)
    assert relayed_handshake_resp(run)
    state = run.rendezvous.state
    assert run.rendezvous.left is None
    assert _spent(state, "a2")[0] == 2
    assert _spent(state, "r1")[0] == 3
    assert ("Confirm", "r1") in _relayed(state)


def test_a_replayed_relayed_message_1_changes_nothing_at_the_backend() -> None:
    """Past the relay, the forwarded message 1 again with the relay's spent receipt:
    refused, nothing sent, a stutter of the wrapper (not a deny to judge the budget by)."""
    run = WireRun(WireBackend(), RESP)
    assert relayed_handshake_resp(run)
    before = run.rendezvous.state
    relayed_replay(run)
    assert "DeliverRelayed" in run.log[-1] and "Rejected:ReceiptReplayed" in run.log[-1]
    assert run.rendezvous.state == before


def test_a_relay_forwarding_a_replayed_envelope_is_no_step() -> None:
    """A relay that forgets what it forwarded passes the replayed key confirmation on:
    no action explains it, and the relay has spent more than its forwards."""
    run = WireRun(WireBackend(), INI)
    assert relayed_handshake(run)
    forgetful = run.relay_net.relay.service.forwarded
    forgetful.holds = lambda context_id, epoch, digest: False
    with pytest.raises(
        ConformanceFailure,
        match=r"Rendezvous: the reference relay: .*no action of Next explains the step; "
        r"the new state also violates RVRelayForwardsOnce",
    ):
        relay_attacks(run)


def test_a_forwarded_junk_envelope_is_no_step() -> None:
    run = WireRun(WireBackend(), INI)
    assert relayed_handshake(run)
    junk = bytes([1, 7]) + bytes(40)
    run.relay_junk(junk)
    run.rendezvous.forward(junk, run.epoch)
    with pytest.raises(ConformanceFailure, match=r"violates RVRelayForwardsOnlyProtocol"):
        run.rendezvous.validate("RelayForward", "a relay")


def test_each_relay_invariant_can_fail_on_a_projected_state() -> None:
    """The key confirmation only direct breaks RVRelayedEndToEnd; the relay charged
    once more than it forwarded breaks RVRelayForwardsOnce."""
    run = WireRun(WireBackend(), INI)
    assert relayed_handshake(run)
    state = run.rendezvous.state
    checker = wire_rendezvous_checker()
    to_relay = next(
        m for m in state["net"] if m.d["type"] == "Confirm" and m.d["dst"] == ModelValue("r1")
    )
    relay = ModelValue("r1")

    def relay_spent(n: int) -> Any:
        return V.fn({**state["spent"].d, relay: V.fn({**state["spent"].d[relay].d, 0: n})})

    # Sent direct, the confirmation was no forward: the relay paid for two.
    direct = {**state, "net": frozenset(state["net"] - {to_relay}), "spent": relay_spent(2)}
    assert checker.violated(direct) == ["RVRelayedEndToEnd"]
    assert checker.violated({**state, "spent": relay_spent(4)}) == ["RVRelayForwardsOnce"]


def test_a_confirmation_out_of_its_envelope_is_named_rv_relayed_end_to_end() -> None:
    run = WireRun(WireBackend("direct-relayed-confirmation"), INI)
    with pytest.raises(
        ConformanceFailure,
        match=r"Rendezvous: .*no action of Next explains the step; the new state also "
        r"violates RVRelayedEndToEnd.*not in a relay envelope",
    ):
        relayed_handshake(run)


def test_an_uncharged_relayed_answer_is_no_step() -> None:
    run = WireRun(WireBackend("uncharged-relayed-answer"), RESP)
    with pytest.raises(
        ConformanceFailure,
        match=r"Rendezvous: .*no action of Next explains the step.*charged 0, not CompleteCost 2",
    ):
        relayed_handshake_resp(run)


def test_a_failing_scenario_counts_the_scenarios_and_their_steps() -> None:
    """The report of a run that fails in a directed scenario counts the scenarios that
    ran and their requests, not 0 steps."""
    result = run_wire_conformance(WireBackend("direct-relayed-confirmation"), examples=1)
    assert not result.conformant
    assert result.failure.startswith("scenario relayed-handshake:")
    assert result.examples == list(WIRE_SCENARIOS).index("relayed-handshake") + 1
    assert result.steps > result.examples


def test_the_runs_model_has_the_reference_relays_budget() -> None:
    from aura_conformance.wire.keyring import RELAY_BUDGET_LIMIT
    from aura_conformance.wire.rendezvous import WIRE_RV_CONFIG

    assert f"RelayLimit = {RELAY_BUDGET_LIMIT} " in WIRE_RV_CONFIG.read_text()
