"""The relay envelope (canonical encoding, strict decoder) and what a relay forwards."""

from __future__ import annotations

import contextlib

import pytest
from aura_conformance.variants import JunkForwardingRelayService
from aura_rendezvous import (
    CAP_RELAY_FORWARD,
    CONNECT_RELAY_COST,
    RELAY_FORWARD_COST,
    DecodeError,
    DenyReason,
    ForwardRelayEnvelope,
    LocalProtocolError,
    RelayEnvelope,
    SendRelayRequest,
    WebSocketRelay,
)
from aura_rendezvous._relay_path import (
    HANDSHAKE_INIT_LEN,
    HANDSHAKE_RESPONSE_LEN,
    TRANSPORT_MIN_LEN,
    check_relayable,
)
from aura_rendezvous.channels import WIRE_VERSION
from aura_rendezvous.core import MAX_RELAY_PAYLOAD, MalformedEnvelope, MissingReceipt
from aura_rendezvous.guard import receipt_subject
from hypothesis import given, settings
from hypothesis import strategies as st

from .strategies import authority_ids, context_ids
from .world import ALICE, ALL_CAPS, BOB, CTX, MALLORY, MEMBERSHIP, RELAY, Node, sync_pair

PSK1 = MEMBERSHIP.handshake_psk(1)


@settings(max_examples=60)
@given(context_ids, authority_ids, authority_ids, st.binary(max_size=200))
def test_roundtrip(ctx: object, src: object, dst: object, payload: bytes) -> None:
    """Envelopes decode back to themselves."""
    env = RelayEnvelope(ctx, src, dst, payload)  # type: ignore[arg-type]
    assert RelayEnvelope.decode(env.encode()) == env


@settings(max_examples=200)
@given(st.binary(max_size=200))
def test_decoder_fuzz(data: bytes) -> None:
    """Arbitrary bytes: an envelope or a DecodeError."""
    with contextlib.suppress(DecodeError):
        RelayEnvelope.decode(data)


def test_oversized_payload() -> None:
    """A payload above the Noise maximum can neither be built nor decoded."""
    with pytest.raises(LocalProtocolError):
        RelayEnvelope(CTX, ALICE, BOB, b"x" * (MAX_RELAY_PAYLOAD + 1))
    raw = RelayEnvelope(CTX, ALICE, BOB, b"").encode()
    forged = raw[:-4] + (MAX_RELAY_PAYLOAD + 1).to_bytes(4, "big") + b"x" * (MAX_RELAY_PAYLOAD + 1)
    with pytest.raises(DecodeError):
        RelayEnvelope.decode(forged)


# -- what a relay agrees to forward ---------------------------------------------------


def _relay_world() -> tuple[Node, Node]:
    """Bob published a relay hint; Alice synced it."""
    bob, alice = Node(BOB), Node(ALICE, nonce_start=1000)
    bob.publish([WebSocketRelay(RELAY)], 0)
    sync_pair(bob.service, alice.service)
    return alice, bob


def _genuine_hops() -> dict[str, tuple[RelayEnvelope, bytes | None]]:
    """A real message 1, message 2 and key confirmation, as the relay sees them, each
    with the sender's receipt to the relay that travels with it (the confirmation is
    unpaid and carries none)."""
    alice, bob = _relay_world()
    alice.run(alice.service.prepare_relay_request(alice.snapshot(), CTX, BOB, PSK1, now_ms=1))
    [request] = alice.take_sent()
    assert isinstance(request, SendRelayRequest) and request.receipt
    msg1 = request.envelope.payload
    msg2 = bob.endpoint.accept(MEMBERSHIP, 1, ALICE, msg1, psk=PSK1, now_ms=1)
    response = RelayEnvelope(CTX, BOB, ALICE, msg2)
    bob_receipt, _ = bob.issuer.issue(
        "relay_response",
        CTX,
        RELAY,
        1,
        CONNECT_RELAY_COST,
        subject=receipt_subject(response.encode()),
    )
    _, confirmation = alice.endpoint.finish(CTX, 1, BOB, msg2, 1)
    return {
        "message 1": (request.envelope, request.receipt),
        "message 2": (response, bob_receipt.encode()),
        "confirmation": (RelayEnvelope(CTX, ALICE, BOB, confirmation), None),
    }


def _genuine_envelopes() -> dict[str, RelayEnvelope]:
    return {name: envelope for name, (envelope, _) in _genuine_hops().items()}


def _assert_refused(relay: Node, envelope: RelayEnvelope) -> None:
    """MalformedEnvelope before any guard: nothing charged, appended or sent."""
    before = relay.budget.spent(CTX, RELAY, 1), relay.service.journal(CTX).state()
    with pytest.raises(MalformedEnvelope) as info:
        relay.service.prepare_relay_forward(relay.snapshot(), envelope)
    assert info.value.reason == "Malformed"
    assert (relay.budget.spent(CTX, RELAY, 1), relay.service.journal(CTX).state()) == before
    assert relay.outbox == []


def test_relay_forwards_each_genuine_protocol_message_once_charged() -> None:
    """The three kinds a relay carries (message 1, message 2, a transport message) are
    forwarded, each for RELAY_FORWARD_COST of the relay's budget."""
    relay = Node(RELAY)
    for name, (envelope, receipt) in _genuine_hops().items():
        before = relay.budget.spent(CTX, RELAY, 1)
        outcome = relay.service.prepare_relay_forward(relay.snapshot(), envelope, receipt=receipt)
        result = relay.run(outcome)
        [forward] = result.sent
        assert isinstance(forward, ForwardRelayEnvelope), name
        assert (forward.to, forward.envelope) == (envelope.dst, envelope), name
        assert relay.budget.spent(CTX, RELAY, 1) == before + RELAY_FORWARD_COST, name
    assert tuple(len(e.payload) for e in list(_genuine_envelopes().values())[:2]) == (
        HANDSHAKE_INIT_LEN,
        HANDSHAKE_RESPONSE_LEN,
    )


def _state(node: Node) -> object:
    verifier = node.service.receipt_verifiers[CTX]
    return (
        node.budget.spent(CTX, node.id, 1),
        node.service.journal(CTX).state(),
        tuple(verifier.accepted),
        tuple(node.issuer.issued),
        tuple(node.outbox),
    )


@pytest.mark.parametrize("name", ["message 1", "message 2"])
def test_relay_refuses_a_paid_envelope_without_its_receipt(name: str) -> None:
    """Message 1 and message 2 are paid by their sender: without the receipt that pays
    for them the relay refuses them with MissingReceipt (GCReceiptVerifiable) and
    changes nothing: no charge, fact, receipt accepted or issued, or packet."""
    relay = Node(RELAY)
    envelope, receipt = _genuine_hops()[name]
    before = _state(relay)
    for missing in (None, b""):
        with pytest.raises(MissingReceipt) as info:
            relay.service.prepare_relay_forward(relay.snapshot(), envelope, receipt=missing)
        assert info.value.reason == "GCReceiptVerifiable"
        assert _state(relay) == before
    relay.run(relay.service.prepare_relay_forward(relay.snapshot(), envelope, receipt=receipt))
    assert _state(relay) != before  # with its receipt, the same envelope goes through


def test_receiver_refuses_a_relayed_envelope_without_the_relays_receipt() -> None:
    """Every forward is paid by the relay: Bob refuses a forwarded message 1 that came
    without the relay's receipt (MissingReceipt), changing nothing; with it, he answers."""
    relay, bob = Node(RELAY), Node(BOB)
    envelope, receipt = _genuine_hops()["message 1"]
    [forward] = relay.run(
        relay.service.prepare_relay_forward(relay.snapshot(), envelope, receipt=receipt)
    ).sent
    assert isinstance(forward, ForwardRelayEnvelope) and forward.receipt
    before = _state(bob)
    with pytest.raises(MissingReceipt):
        bob.service.prepare_handle_relayed(bob.snapshot(), RELAY, envelope, PSK1, now_ms=1)
    assert _state(bob) == before
    outcome = bob.service.prepare_handle_relayed(
        bob.snapshot(), RELAY, envelope, PSK1, now_ms=1, receipt=forward.receipt
    )
    bob.run(outcome)
    assert [(r.src, r.dst) for r in bob.service.receipt_verifiers[CTX].accepted] == [(RELAY, BOB)]


def _malformed() -> dict[str, RelayEnvelope]:
    genuine = _genuine_envelopes()
    msg1, msg2 = genuine["message 1"].payload, genuine["message 2"].payload
    data = genuine["confirmation"].payload
    return {
        "empty": RelayEnvelope(CTX, ALICE, BOB, b""),
        "junk": RelayEnvelope(CTX, ALICE, BOB, b"m1"),
        "wrong version": RelayEnvelope(CTX, ALICE, BOB, b"\x09" + msg1[1:]),
        "unknown type": RelayEnvelope(CTX, ALICE, BOB, msg1[:1] + b"\x03" + msg1[2:]),
        "message 1 truncated": RelayEnvelope(CTX, ALICE, BOB, msg1[:-1]),
        "message 1 padded": RelayEnvelope(CTX, ALICE, BOB, msg1 + b"\x00"),
        "message 2 padded": RelayEnvelope(CTX, BOB, ALICE, msg2 + b"\x00"),
        "transport without tag": RelayEnvelope(CTX, ALICE, BOB, data[: TRANSPORT_MIN_LEN - 1]),
        "to itself": RelayEnvelope(CTX, ALICE, ALICE, msg1),
        "to the relay": RelayEnvelope(CTX, ALICE, RELAY, msg1),
        "from the relay": RelayEnvelope(CTX, RELAY, BOB, msg1),
    }


@pytest.mark.parametrize("name", list(_malformed()))
def test_relay_refuses_malformed_envelope_before_charging(name: str) -> None:
    """A relay never pays to forward what is not a protocol message between two other
    members: wrong type or version, a handshake message of the wrong size, a transport
    message without its tag, an envelope to its own sender or through the relay itself."""
    _assert_refused(Node(RELAY), _malformed()[name])


@settings(max_examples=150)
@given(st.binary(max_size=300))
def test_relay_refuses_arbitrary_bytes(payload: bytes) -> None:
    """Random payloads: refused unless they have a protocol message's type and size;
    nothing is ever charged for a refused one."""
    relay = Node(RELAY)
    envelope = RelayEnvelope(CTX, ALICE, BOB, payload)
    try:
        check_relayable(envelope, RELAY)
    except MalformedEnvelope:
        _assert_refused(relay, envelope)
        return
    assert payload[0] == WIRE_VERSION and payload[1] in (1, 2, 4)
    assert len(payload) in (HANDSHAKE_INIT_LEN, HANDSHAKE_RESPONSE_LEN) or payload[1] == 4


def test_relay_still_denies_non_members_and_missing_capability() -> None:
    """A well-formed envelope between non-members, or at a relay without relay:forward,
    is a silent deny (no effects)."""
    relay = Node(RELAY)
    genuine = _genuine_envelopes()["message 1"]
    to_mallory = RelayEnvelope(CTX, ALICE, MALLORY, genuine.payload)
    out = relay.service.prepare_relay_forward(relay.snapshot(), to_mallory)
    assert not out.is_allowed() and out.decision.reason is DenyReason.NotAMember  # type: ignore[union-attr]
    assert out.effects == ()
    caps = ALL_CAPS - {CAP_RELAY_FORWARD}
    out = relay.service.prepare_relay_forward(relay.snapshot(caps=caps), genuine)
    assert out.decision.reason is DenyReason.MissingCapability  # type: ignore[union-attr]
    assert out.effects == ()


def test_old_relay_pays_for_junk() -> None:
    """Failing counterpart: the relay as it was (no shape check) charges for and forwards
    the same junk that the reference refuses."""
    relay = Node(RELAY, service_cls=JunkForwardingRelayService)
    junk = _malformed()["junk"]
    result = relay.run(relay.service.prepare_relay_forward(relay.snapshot(), junk))
    [forward] = result.sent
    assert isinstance(forward, ForwardRelayEnvelope) and forward.envelope == junk
    assert relay.budget.spent(CTX, RELAY, 1) == RELAY_FORWARD_COST
    with pytest.raises(MalformedEnvelope):
        Node(RELAY).service.prepare_relay_forward(relay.snapshot(), junk)
