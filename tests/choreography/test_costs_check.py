"""The cost constants agree with the choreography annotations (and mutations are caught)."""

from __future__ import annotations

import importlib

import pytest
from aura_rendezvous.choreography import (
    CHOREOGRAPHIES,
    COST_BINDINGS,
    RELAYED_RENDEZVOUS,
    Choreography,
    CostAnnotationMismatch,
    MessageSpec,
    check_cost_constants,
    require_costs_agree,
)

COST_NAMES = (
    "DESCRIPTOR_PUBLISH_COST",
    "CONNECT_DIRECT_COST",
    "CONNECT_RELAY_COST",
    "RELAY_FORWARD_COST",
)
SEED_CONSTANTS = {
    "DESCRIPTOR_PUBLISH_COST": 1,
    "CONNECT_DIRECT_COST": 2,
    "CONNECT_RELAY_COST": 3,
    "RELAY_FORWARD_COST": 1,
}


def project_constants() -> dict[str, int]:
    costs = importlib.import_module("aura_rendezvous.core._costs")
    return {name: getattr(costs, name) for name in COST_NAMES}


def test_project_constants_agree_with_annotations() -> None:
    """The core's ``core._costs`` constants equal the annotated cost of every bound message."""
    assert check_cost_constants(project_constants()) == ()
    require_costs_agree(project_constants())


@pytest.mark.parametrize("name", COST_NAMES)
@pytest.mark.parametrize("delta", [-1, 1])
def test_each_mutated_project_constant_is_caught(name: str, delta: int) -> None:
    """Changing any one of the project's constants by one is reported, naming it."""
    mutated = project_constants()
    mutated[name] += delta
    with pytest.raises(CostAnnotationMismatch) as info:
        require_costs_agree(mutated)
    assert {m.constant for m in info.value.mismatches} == {name}


def test_seed_relay_cost_disagreement_is_caught() -> None:
    """The seed's CONNECT_RELAY_COST = 3 disagrees with RelayRequest's annotated 2."""
    mismatches = check_cost_constants(SEED_CONSTANTS)
    assert {(m.label, m.constant_value, m.annotated) for m in mismatches} == {
        ("RelayRequest", 3, 2),
        ("RelayResponse", 3, 2),
    }
    assert "RelayRequest (annotated flow_cost=2): CONNECT_RELAY_COST = 3" in str(mismatches[0])


def test_missing_constant_is_caught() -> None:
    """A constant that is not defined at all is a mismatch, not a pass."""
    partial = dict(SEED_CONSTANTS, CONNECT_RELAY_COST=2)
    del partial["RELAY_FORWARD_COST"]
    mismatches = check_cost_constants(partial)
    assert {m.label for m in mismatches} == {"RelayForward", "RelayComplete"}
    assert all(m.constant_value is None for m in mismatches)


def test_unbound_annotated_message_is_caught() -> None:
    """A new annotated message with no constant bound to it is reported."""
    extra = Choreography(
        RELAYED_RENDEZVOUS.namespace,
        RELAYED_RENDEZVOUS.name,
        RELAYED_RENDEZVOUS.roles,
        (
            *RELAYED_RENDEZVOUS.messages,
            MessageSpec("Relay", "Responder", "RelayPing", "RelayEnvelope", "relay:forward", 1),
        ),
    )
    good = dict(SEED_CONSTANTS, CONNECT_RELAY_COST=2)
    mismatches = check_cost_constants(good, (extra,))
    assert [(m.label, m.constant) for m in mismatches] == [("RelayPing", None)]


def test_every_annotated_message_is_bound_exactly_once() -> None:
    """The bindings cover each message of both choreographies exactly once."""
    bound = [(b.choreography, b.label) for b in COST_BINDINGS]
    annotated = [(c.name, m.label) for c in CHOREOGRAPHIES for m in c.messages]
    assert sorted(bound) == sorted(annotated)
