"""The wire mode's guard chain as bytes: the flow budget of each connect, the relayed path.

The backend as Ini connects until its budget for the epoch is spent (the next
connect sends no byte), and again after an epoch advance; through the relay,
its envelope and receipt are carried as bytes to the reference relay, the
message 1 inside opens at the reference peer and the handshake completes end
to end. Each wrong backend is named by the invariant or property it breaks.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from typing import Any

import attrs
import jsonschema  # type: ignore[import-untyped]
import pytest
from aura_conformance.harness.backend import Reply
from aura_conformance.harness.errors import ConformanceFailure
from aura_conformance.harness.stdio import StdioBackend, protocol_schema
from aura_conformance.wire import ACTIONS, WIRE, WIRE_MODULE, WireBackend
from aura_conformance.wire.guarded import RELAY_ACTIONS
from aura_conformance.wire.keyring import BUDGET_LIMIT, CONNECT_COST, INI, RESP
from aura_conformance.wire.machine import WIRE_SCENARIOS, wire_machine
from aura_conformance.wire.peer import WireRun
from aura_conformance.wire.relayed import (
    CONNECTS_PER_EPOCH,
    connect,
    exhaust_budget,
    offer_direct_descriptor,
    relayed_handshake,
    relayed_handshake_resp,
)
from aura_rendezvous import RelayEnvelope
from aura_rendezvous.guard import Receipt

SERVE = [sys.executable, "-m", "aura_conformance.wire.serve"]


def test_the_budget_pays_for_three_connects_an_epoch() -> None:
    assert CONNECTS_PER_EPOCH == 3
    assert BUDGET_LIMIT == 3 * CONNECT_COST


def test_a_denied_connect_sends_no_byte_and_a_new_epoch_starts_at_zero() -> None:
    run = WireRun(WireBackend(), INI)
    offer_direct_descriptor(run)
    for _ in range(CONNECTS_PER_EPOCH):
        assert connect(run, relayed=False)
        run.close()
    reply = run.request("Connect", {"timestamp": run.timestamp()})
    assert reply.outcome == "Denied:InsufficientBudget"
    assert reply.state["sent"] == ()
    assert reply.effects == ()
    assert run.budget.spent == {0: BUDGET_LIMIT}
    run.advance_epoch()
    offer_direct_descriptor(run)
    assert connect(run, relayed=False)
    assert run.budget.spent == {0: BUDGET_LIMIT, 1: CONNECT_COST}
    assert run.shadow.left is None


def test_the_reference_charges_before_it_sends() -> None:
    run = WireRun(WireBackend(), INI)
    offer_direct_descriptor(run)
    reply = run.request("Connect", {"timestamp": run.timestamp()})
    assert [e.describe() for e in reply.effects or ()] == [
        f"ChargeFlowBudget({CONNECT_COST})",
        "Send(SendHandshake)",
    ]


def test_a_relayed_handshake_completes_end_to_end_through_the_reference_relay() -> None:
    run = WireRun(WireBackend(), INI)
    assert relayed_handshake(run)
    assert run.budget.spent == {0: CONNECT_COST}
    net = run.relay_net
    # The relay forwarded message 1, message 2 and the key confirmation, paying each.
    assert len(net.relay.service.forwarded) == 3
    assert net.relay.budget.spent(net.context, net.relay_id, 0) == 3
    assert run.peer.channel_state() == "Active"
    # Composed like a direct handshake: every step validated, none left out.
    assert run.shadow.left is None
    assert run.shadow.resp_log == [1]


def test_a_relayed_message_1_is_an_envelope_then_a_signed_receipt() -> None:
    run = WireRun(WireBackend(), INI)
    from aura_conformance.wire.relayed import offer_relay_descriptor

    offer_relay_descriptor(run)
    reply = run.request("RelayConnect", {"timestamp": run.timestamp()})
    envelope, receipt = (bytes.fromhex(h) for h in reply.state["sent"])
    opened = RelayEnvelope.decode(envelope)
    assert opened.dst.value == run.peer.authority.id
    paid = Receipt.decode(receipt)
    assert (paid.operation, paid.cost, paid.dst.value) == (
        "relay_request",
        CONNECT_COST,
        run.keys.relay.authority_id,
    )
    # The relay reads routing ids, not the initiator's static key.
    assert run.keys.members[INI].static.public not in opened.payload


class _Silent:
    """A wire backend whose replies carry no effects (a program that reports none)."""

    def __init__(self, inner: WireBackend) -> None:
        self.inner = inner
        self.name = inner.name
        self.schema = inner.schema

    def request(self, action: str, args: Mapping[str, Any], now: int) -> Reply:
        return attrs.evolve(self.inner.request(action, args, now), effects=None)

    def close(self) -> None:
        return None


@pytest.mark.parametrize(
    ("variant", "relayed", "named"),
    [
        ("no-budget-check", False, "violates RVBudgetWithinLimit"),
        ("budget-kept-across-epochs", False, "(RVBudgetOK"),
        ("relayed-send-before-charge", True, "Rejected:MissingReceipt"),
    ],
)
def test_without_effects_the_bytes_alone_catch_them(
    variant: str, relayed: bool, named: str
) -> None:
    """A backend that reports no effects is still judged by what it sends: its budget
    at exhaustion, and a relayed message sent before its receipt exists."""
    run = WireRun(_Silent(WireBackend(variant)), INI)
    with pytest.raises(ConformanceFailure) as caught:
        exhaust_budget(run, relayed=relayed)
    assert named in str(caught.value)


def test_charging_after_the_send_is_a_packet_on_a_deny() -> None:
    """A connect that sends and only then finds no budget: RVNoMessageOnDeny."""

    class SendsThenCharges(WireBackend):
        def _connect(self, a: Any, timestamp: int, now: int) -> Any:
            done = a.establish(timestamp, now)
            ports = self.ports
            assert ports is not None
            if not ports.room(a.epoch, CONNECT_COST):
                return attrs.evolve(done, outcome="Denied:InsufficientBudget")
            ports.charge(a.epoch, CONNECT_COST)
            return done

    run = WireRun(_Silent(SendsThenCharges()), INI)
    with pytest.raises(ConformanceFailure, match=r"yet sent a message 1.*RVNoMessageOnDeny"):
        exhaust_budget(run, relayed=False)


def test_a_backend_without_the_relayed_path_skips_it() -> None:
    class NoRelay(WireBackend):
        supported = frozenset(set(ACTIONS) - set(RELAY_ACTIONS))

    machine = wire_machine(NoRelay())()
    WIRE_SCENARIOS["relayed-handshake"](machine)
    WIRE_SCENARIOS["budget-exhaustion-relayed"](machine)
    assert "RelayConnect" not in "\n".join(machine.run.log)


def _validator(entry: str) -> Any:
    schema = {**protocol_schema(), "$ref": f"#/$defs/{entry}"}
    del schema["oneOf"]
    return jsonschema.Draft202012Validator(schema)


def test_the_relayed_requests_over_stdio_match_their_schema() -> None:
    """The reference served over stdio: the budget and relayed scenarios pass, with
    reported effects, and every Reset, RelayConnect and DeliverRelayed request
    matches its schema."""
    lines: list[tuple[str, bytes]] = []
    backend = StdioBackend(
        SERVE, schema=WIRE, spec=WIRE_MODULE, actions=ACTIONS, timeout=30, transcript=lines
    )
    try:
        assert backend.reports_effects
        machine = wire_machine(backend)()
        for name in ("budget-exhaustion", "relayed-handshake"):
            WIRE_SCENARIOS[name](machine)
    finally:
        backend.close()
    entries = {
        "Reset": "wireResetArgs",
        "Connect": "wireConnectArgs",
        "RelayConnect": "wireConnectArgs",
        "DeliverRelayed": "wireDeliverRelayedArgs",
    }
    seen = set()
    for direction, line in lines:
        obj = json.loads(line)
        if direction == "request" and obj.get("action") in entries:
            _validator(entries[obj["action"]]).validate(obj["args"])
            seen.add(obj["action"])
    assert seen == set(entries)
    with pytest.raises(jsonschema.ValidationError):
        _validator("wireDeliverRelayedArgs").validate({"bytes": "09"})


def test_as_resp_it_answers_through_the_relay_until_its_budget_is_spent() -> None:
    """The reference peer connects through the relay: the backend's answer is its
    message 2 in an envelope, then a receipt to the relay; the answer is charged, so
    the fourth relayed message 1 of an epoch gets no byte."""
    run = WireRun(WireBackend(), RESP)
    for _ in range(CONNECTS_PER_EPOCH):
        assert relayed_handshake_resp(run)
        run.close()
    assert run.budget.spent == {0: BUDGET_LIMIT}
    answers = [line for line in run.log if "DeliverRelayed" in line and "sent=2" in line]
    assert len(answers) == CONNECTS_PER_EPOCH
    assert not relayed_handshake_resp(run)
    assert "Denied:InsufficientBudget" in run.log[-1]
    run.advance_epoch()
    assert relayed_handshake_resp(run)
    assert run.shadow.left is None
