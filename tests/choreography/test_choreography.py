"""The seed's choreographies as data, their projections and the runtime monitors."""

from __future__ import annotations

import attrs
import pytest
from aura_rendezvous import ChoreographyViolation
from aura_rendezvous.choreography import (
    CHOREOGRAPHIES,
    RELAYED_RENDEZVOUS,
    RENDEZVOUS_EXCHANGE,
    Choreography,
    Direction,
    Leak,
    MessageEvent,
    MessageSpec,
    RoleMonitor,
    TraceMonitor,
    project,
    project_all,
)
from hypothesis import given
from hypothesis import strategies as st


def test_exchange_transcribes_seed_annotations() -> None:
    """RendezvousExchange keeps the seed's order, capabilities, costs and journal facts."""
    rows = [
        (m.sender, m.receiver, m.label, m.capability, m.flow_cost, m.journal_facts)
        for m in RENDEZVOUS_EXCHANGE.messages
    ]
    assert rows == [
        (
            "Initiator",
            "Responder",
            "DescriptorOffer",
            "rendezvous:publish",
            1,
            ("descriptor_offered",),
        ),
        (
            "Responder",
            "Initiator",
            "DescriptorAnswer",
            "rendezvous:publish",
            1,
            ("descriptor_answered",),
        ),
        ("Initiator", "Responder", "HandshakeInit", "rendezvous:connect", 2, ()),
        (
            "Responder",
            "Initiator",
            "HandshakeComplete",
            "rendezvous:connect",
            2,
            ("channel_established",),
        ),
    ]


def test_relayed_transcribes_seed_annotations_and_leaks() -> None:
    """RelayedRendezvous: three roles, relay hops leak ``neighbor:1`` and cost 1."""
    assert RELAYED_RENDEZVOUS.roles == ("Initiator", "Relay", "Responder")
    costs = {m.label: m.flow_cost for m in RELAYED_RENDEZVOUS.messages}
    assert costs == {"RelayRequest": 2, "RelayForward": 1, "RelayResponse": 2, "RelayComplete": 1}
    leaks = {m.label: tuple(str(x) for x in m.leaks) for m in RELAYED_RENDEZVOUS.messages}
    assert leaks["RelayForward"] == ("neighbor:1",)
    assert leaks["RelayComplete"] == ("neighbor:1",)
    assert leaks["RelayRequest"] == ()


def test_projection_of_relay_has_only_its_steps() -> None:
    """The Relay role receives a request, forwards it, receives a response, completes."""
    local = project(RELAYED_RENDEZVOUS, "Relay")
    assert [str(a) for a in local.actions] == [
        "Initiator?RelayRequest",
        "Responder!RelayForward",
        "Responder?RelayResponse",
        "Initiator!RelayComplete",
    ]
    assert local.total_send_cost() == 2


def test_projections_are_dual() -> None:
    """Every send in one projection is a receive in the peer's projection, in the same order."""
    for chor in CHOREOGRAPHIES:
        locals_ = project_all(chor)
        sends = [
            (role, a.peer, a.label)
            for role, lp in locals_.items()
            for a in lp.actions
            if a.direction is Direction.Send
        ]
        recvs = {
            (a.peer, role, a.label)
            for role, lp in locals_.items()
            for a in lp.actions
            if a.direction is Direction.Recv
        }
        assert set(sends) == recvs
        assert len(sends) == len(chor.messages)


def test_projection_of_unknown_role_is_rejected() -> None:
    """Projecting on a role the protocol does not have is a typed ValueError."""
    with pytest.raises(ValueError, match="no role 'Relay'"):
        project(RENDEZVOUS_EXCHANGE, "Relay")


def test_ill_formed_choreographies_cannot_be_built() -> None:
    """Unknown roles, self-sends, negative costs, bad leaks and duplicate labels are refused."""
    good = RENDEZVOUS_EXCHANGE.messages[0]
    with pytest.raises(ValueError, match="unknown role"):
        Choreography("ns", "P", ("A", "B"), (good,))
    with pytest.raises(ValueError, match="sender and receiver"):
        MessageSpec("A", "A", "M", "T", "x:y", 1)
    with pytest.raises(ValueError):
        MessageSpec("A", "B", "M", "T", "x:y", -1)
    with pytest.raises(ValueError, match="leak annotation"):
        Leak.parse("neighbor")
    with pytest.raises(ValueError, match="unique"):
        Choreography("ns", "P", ("Initiator", "Responder"), (good, good))


def _full_run(monitor: TraceMonitor, chor: Choreography) -> None:
    for m in chor.messages:
        monitor.observe(MessageEvent(m.sender, m.receiver, m.label, m.capability, m.flow_cost))


@pytest.mark.parametrize("chor", CHOREOGRAPHIES, ids=lambda c: c.name)
def test_trace_monitor_accepts_the_choreography(chor: Choreography) -> None:
    """The protocol's own order passes the global monitor and ends it."""
    monitor = TraceMonitor(chor)
    _full_run(monitor, chor)
    assert monitor.done


def test_trace_monitor_rejects_out_of_order() -> None:
    """HandshakeInit before the descriptors are exchanged is an OutOfOrder violation."""
    monitor = TraceMonitor(RENDEZVOUS_EXCHANGE)
    with pytest.raises(ChoreographyViolation) as info:
        monitor.observe(MessageEvent("Initiator", "Responder", "HandshakeInit"))
    assert info.value.kind == "OutOfOrder"
    assert not monitor.done


def test_trace_monitor_rejects_wrong_sender_and_is_sticky() -> None:
    """A DescriptorOffer sent by the Responder is wrongly sent; the monitor stays failed."""
    monitor = TraceMonitor(RENDEZVOUS_EXCHANGE)
    with pytest.raises(ChoreographyViolation) as info:
        monitor.observe(MessageEvent("Responder", "Initiator", "DescriptorOffer"))
    assert info.value.kind == "WrongSender"
    with pytest.raises(ChoreographyViolation) as again:
        monitor.observe(MessageEvent("Initiator", "Responder", "DescriptorOffer"))
    assert again.value.kind == "AfterViolation"


def test_trace_monitor_rejects_wrong_annotation_and_extra_message() -> None:
    """A charge or capability other than the annotation, or a message after the end, fails."""
    m = RELAYED_RENDEZVOUS.messages[0]
    monitor = TraceMonitor(RELAYED_RENDEZVOUS)
    with pytest.raises(ChoreographyViolation) as info:
        monitor.observe(MessageEvent(m.sender, m.receiver, m.label, m.capability, 3))
    assert info.value.kind == "WrongAnnotation"
    monitor = TraceMonitor(RELAYED_RENDEZVOUS)
    with pytest.raises(ChoreographyViolation) as info:
        monitor.observe(MessageEvent(m.sender, m.receiver, m.label, "rendezvous:connect"))
    assert info.value.kind == "WrongAnnotation"
    monitor = TraceMonitor(RELAYED_RENDEZVOUS)
    _full_run(monitor, RELAYED_RENDEZVOUS)
    with pytest.raises(ChoreographyViolation) as info:
        monitor.observe(MessageEvent(m.sender, m.receiver, m.label))
    assert info.value.kind == "AfterEnd"


def test_role_monitor_follows_projection() -> None:
    """The Relay's monitor accepts its projection, rejects a forward before the request."""
    monitor = RoleMonitor(RELAYED_RENDEZVOUS, "Relay")
    with pytest.raises(ChoreographyViolation) as info:
        monitor.sent("Responder", "RelayForward")
    assert info.value.kind == "OutOfOrder"

    monitor = RoleMonitor(RELAYED_RENDEZVOUS, "Relay")
    monitor.received("Initiator", "RelayRequest")
    monitor.sent("Responder", "RelayForward", "relay:forward", 1)
    monitor.received("Responder", "RelayResponse")
    monitor.sent("Initiator", "RelayComplete")
    assert monitor.done


def test_role_monitor_rejects_wrong_direction_and_peer() -> None:
    """Sending a message the role must receive, or to the wrong peer, is a violation."""
    monitor = RoleMonitor(RENDEZVOUS_EXCHANGE, "Responder")
    with pytest.raises(ChoreographyViolation) as info:
        monitor.sent("Initiator", "DescriptorOffer")
    assert info.value.kind == "WrongDirection"
    monitor = RoleMonitor(RELAYED_RENDEZVOUS, "Initiator")
    with pytest.raises(ChoreographyViolation) as info:
        monitor.sent("Responder", "RelayRequest")
    assert info.value.kind == "WrongPeer"
    monitor = RoleMonitor(RELAYED_RENDEZVOUS, "Initiator")
    with pytest.raises(ChoreographyViolation) as info:
        monitor.sent("Relay", "Bogus")
    assert info.value.kind == "UnknownMessage"


_ROLES = st.sampled_from(["Initiator", "Responder", "Relay", "Mallory"])
_LABELS = st.sampled_from([m.label for c in CHOREOGRAPHIES for m in c.messages] + ["Junk", "Bogus"])


@given(
    chor=st.sampled_from(CHOREOGRAPHIES),
    events=st.lists(st.tuples(_ROLES, _ROLES, _LABELS), max_size=8),
)
def test_trace_monitor_accepts_exactly_the_prefixes(
    chor: Choreography, events: list[tuple[str, str, str]]
) -> None:
    """Any event sequence is accepted iff it is a prefix of the choreography; else typed error."""
    expected = [(m.sender, m.receiver, m.label) for m in chor.messages]
    monitor = TraceMonitor(chor)
    accepted = 0
    try:
        for event in events:
            monitor.observe(MessageEvent(*event))
            accepted += 1
    except ChoreographyViolation:
        assert events[: accepted + 1] != expected[: accepted + 1]
    assert events[:accepted] == expected[:accepted]


def test_choreography_values_are_frozen() -> None:
    """Choreographies are immutable values."""
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        RENDEZVOUS_EXCHANGE.name = "X"  # type: ignore[misc]
