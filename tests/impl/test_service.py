"""``RendezvousService`` (seed 10): guard outcomes, journal-derived cache, refresh,
revocation, context isolation and the relayed protocol, run through the interpreter."""

from __future__ import annotations

import attrs
import pytest
from aura_conformance.variants import LastArrivedService, RevocationIgnoringService
from aura_rendezvous import (
    CAP_RELAY_FORWARD,
    CAP_RENDEZVOUS_CONNECT,
    CAP_RENDEZVOUS_RELAY,
    CONNECT_RELAY_COST,
    DESCRIPTOR_PUBLISH_COST,
    RELAY_FORWARD_COST,
    ContextId,
    ContextMembership,
    ContextMismatchError,
    DecryptFailed,
    DenyReason,
    DescriptorFact,
    ExecutionStatus,
    ForwardRelayEnvelope,
    GuardOutcome,
    LocalProtocolError,
    QuicDirect,
    RecordReceipt,
    RelayEnvelope,
    RendezvousService,
    SendHandshake,
    SendRelayRequest,
    SendRelayResponse,
    TcpDirect,
    WebSocketRelay,
)
from aura_rendezvous.guard import StartHandshake
from hypothesis import given, settings
from hypothesis import strategies as st

from .world import (
    ALICE,
    ALL_CAPS,
    BOB,
    CTX,
    KEYS,
    MALLORY,
    MEMBERSHIP,
    OTHER_CTX,
    OTHER_MEMBERSHIP,
    RELAY,
    Node,
    sync_pair,
)

PSK1 = MEMBERSHIP.handshake_psk(1)
PSK2 = MEMBERSHIP.handshake_psk(2)


def assert_denied_silently(node: Node, outcome: GuardOutcome, reason: DenyReason) -> None:
    """A deny: the typed reason, no effects, and executing it changes and sends nothing."""
    assert not outcome.is_allowed()
    assert outcome.decision.reason is reason  # type: ignore[union-attr]
    assert outcome.effects == ()
    journal = node.service.journal(CTX)
    before = (journal.state(), node.budget.spent(CTX, node.authority, 1))
    assert node.interpreter.execute(outcome).status is ExecutionStatus.Denied
    assert (journal.state(), node.budget.spent(CTX, node.authority, 1)) == before
    assert node.outbox == []


def alice_published(
    hints: object = (QuicDirect("10.0.0.1:4433"),), now: int = 0
) -> tuple[Node, Node]:
    alice, bob = Node(ALICE), Node(BOB, nonce_start=1000)
    alice.publish(hints, now)  # type: ignore[arg-type]
    sync_pair(alice.service, bob.service)
    return alice, bob


# -- publication and the derived cache --------------------------------------------


def test_publish_sync_and_read() -> None:
    """A publishes (charge, sealed fact, receipt); after sync B reads A's descriptor."""
    alice, bob = alice_published()
    assert alice.budget.spent(CTX, ALICE, 1) == DESCRIPTOR_PUBLISH_COST
    assert [r.operation for r in alice.issuer.issued] == ["publish_descriptor"]
    desc = bob.service.get_cached_descriptor(CTX, ALICE, 5)
    assert desc is not None and desc.transport_hints == (QuicDirect("10.0.0.1:4433"),)
    assert desc.handshake_psk_commitment == MEMBERSHIP.psk_commitment(1)
    (entry,) = bob.service.journal(CTX).entries()
    assert isinstance(entry.fact, DescriptorFact)
    assert b"10.0.0.1" not in entry.fact.sealed.encode()


def test_prepare_is_pure() -> None:
    """Preparing changes no journal or budget; only executing does."""
    alice = Node(ALICE)
    out = alice.service.prepare_publish_descriptor(alice.snapshot(), CTX, [QuicDirect("h:1")], 0)
    assert out.is_allowed()
    assert len(alice.service.journal(CTX)) == 0 and alice.budget.spent(CTX, ALICE, 1) == 0


@pytest.mark.parametrize(
    ("snapshot_kw", "context", "reason"),
    [
        ({"caps": frozenset()}, CTX, DenyReason.MissingCapability),
        ({"budget": 0}, CTX, DenyReason.InsufficientBudget),
        ({}, OTHER_CTX, DenyReason.ContextMismatch),
    ],
)
def test_publish_denials(
    snapshot_kw: dict[str, object], context: object, reason: DenyReason
) -> None:
    """Each denial is typed and silent."""
    from .world import snapshot

    node = Node(ALICE)
    snap = snapshot(ALICE, CTX, **snapshot_kw)  # type: ignore[arg-type]
    out = node.service.prepare_publish_descriptor(snap, context, [QuicDirect("h:1")], 0)  # type: ignore[arg-type]
    assert_denied_silently(node, out, reason)


def test_publish_in_context_we_are_not_in() -> None:
    """A service without the context's membership is NotAMember."""
    from .world import snapshot

    node = Node(ALICE)
    out = node.service.prepare_publish_descriptor(snapshot(ALICE, OTHER_CTX), OTHER_CTX, [], 0)
    assert_denied_silently(node, out, DenyReason.NotAMember)


def test_publish_overflow_is_an_error() -> None:
    """A validity window that would overflow u64 raises instead of publishing."""
    from aura_rendezvous import ValueRangeError

    node = Node(ALICE)
    with pytest.raises(ValueRangeError):
        node.service.prepare_publish_descriptor(node.snapshot(), CTX, [], 2**64 - 5)


def assert_stale_never_wins(cls: type[RendezvousService]) -> None:
    """B takes A's fresh descriptor first and a stale one later (sync order)."""
    alice = Node(ALICE)
    bob = Node(BOB, service_cls=cls)
    alice.publish([QuicDirect("new:1")], 500)
    fresh = alice.service.journal(CTX).entries()[-1].fact
    older = Node(ALICE, nonce_start=900)  # A's older replica, e.g. restored from a backup
    older.publish([QuicDirect("old:1")], 100)
    stale = older.service.journal(CTX).entries()[-1].fact
    for f in (fresh, stale):
        bob.service.cache_descriptor(f.sealed)  # type: ignore[union-attr]
    chosen = bob.service.get_cached_descriptor(CTX, ALICE, 600)
    assert chosen is not None and chosen.transport_hints == (QuicDirect("new:1"),), "stale won"


def test_stale_descriptor_never_replaces_fresh() -> None:
    """Whatever the arrival order, the greatest (valid_from, nonce) is used; the
    last-arrived service is caught."""
    assert_stale_never_wins(RendezvousService)
    with pytest.raises(AssertionError, match="stale won"):
        assert_stale_never_wins(LastArrivedService)


def test_descriptor_never_crosses_contexts() -> None:
    """A's descriptor of context Y is invisible in context X for a member of both."""
    alice = Node(ALICE, (MEMBERSHIP, OTHER_MEMBERSHIP))
    bob = Node(BOB, (MEMBERSHIP, OTHER_MEMBERSHIP))
    alice.publish([QuicDirect("y:1")], 0, context=OTHER_CTX)
    sync_pair(alice.service, bob.service, OTHER_CTX)
    assert bob.service.get_cached_descriptor(OTHER_CTX, ALICE, 1) is not None
    assert bob.service.get_cached_descriptor(CTX, ALICE, 1) is None
    sealed = bob.service.journal(OTHER_CTX).entries()[0].fact.sealed  # type: ignore[union-attr]
    with pytest.raises(DecryptFailed):  # re-labelled: X's key does not open Y's bytes
        bob.service.cache_descriptor(attrs.evolve(sealed, context_id=CTX))
    outsider = Node(BOB)  # member of X only
    with pytest.raises(ContextMismatchError):
        outsider.service.cache_descriptor(sealed)
    assert len(bob.service.journal(CTX)) == 0


def test_cache_descriptor_rejects_tampering() -> None:
    """A tampered sealed descriptor is a typed error and does not enter the journal."""
    alice, _bob = alice_published()
    sealed = alice.service.journal(CTX).entries()[0].fact.sealed  # type: ignore[union-attr]
    ct = bytearray(sealed.ciphertext)
    ct[-1] ^= 1
    fresh_bob = Node(BOB)
    with pytest.raises(DecryptFailed):
        fresh_bob.service.cache_descriptor(attrs.evolve(sealed, ciphertext=bytes(ct)))
    assert len(fresh_bob.service.journal(CTX)) == 0


# -- refresh ----------------------------------------------------------------------------


def test_needs_refresh() -> None:
    """True without an own descriptor, false well inside the window, true from
    valid_until - window on (validity 10 000 ms, window 1 000 ms)."""
    alice = Node(ALICE)
    assert alice.service.needs_refresh(CTX, 0, 1000)
    alice.publish([QuicDirect("h:1")], 0)
    assert not alice.service.needs_refresh(CTX, 8999, 1000)
    assert alice.service.needs_refresh(CTX, 9000, 1000)
    assert alice.service.needs_refresh(CTX, 10_000, 0)  # expired: valid_until exclusive
    assert alice.service.needs_refresh(CTX, 0, 2**64 - 1)  # saturates, no wrap


# -- revocation -------------------------------------------------------------------------


def assert_revocation_honoured(cls: type[RendezvousService]) -> None:
    alice = Node(ALICE)
    bob = Node(BOB, service_cls=cls, nonce_start=1000)
    alice.publish([QuicDirect("h:1")], 0)
    nonce = alice.service.get_cached_descriptor(CTX, ALICE, 1).nonce  # type: ignore[union-attr]
    out = alice.service.prepare_revoke_descriptor(alice.snapshot(), CTX, nonce)
    assert alice.interpreter.execute(out).status is ExecutionStatus.Committed
    sync_pair(alice.service, bob.service)
    assert bob.service.get_cached_descriptor(CTX, ALICE, 1) is None, "revoked descriptor chosen"
    denied = bob.service.prepare_establish_channel(bob.snapshot(), CTX, ALICE, PSK1, now_ms=1)
    assert denied.effects == (), "revoked descriptor chosen"


def test_revoked_descriptor_never_chosen() -> None:
    """After A revokes, B chooses nothing and connects nowhere; ignoring revocations is caught."""
    assert_revocation_honoured(RendezvousService)
    with pytest.raises(AssertionError, match="revoked descriptor chosen"):
        assert_revocation_honoured(RevocationIgnoringService)


def test_only_publisher_revokes() -> None:
    """B cannot revoke A's descriptor: NotOwnDescriptor, silently."""
    _alice, bob = alice_published()
    nonce = bob.service.get_cached_descriptor(CTX, ALICE, 1).nonce  # type: ignore[union-attr]
    out = bob.service.prepare_revoke_descriptor(bob.snapshot(), CTX, nonce)
    assert_denied_silently(bob, out, DenyReason.NotOwnDescriptor)


# -- channel establishment guards -------------------------------------------------------


def test_establish_allowed_effects() -> None:
    """Allowed: charge, receipt, the pending handshake, then message 1 to the best direct
    hint (QUIC before TCP). Nothing is pending until the outcome is committed."""
    _alice, bob = alice_published((TcpDirect("t:1"), QuicDirect("q:1")))
    out = bob.service.prepare_establish_channel(bob.snapshot(), CTX, ALICE, PSK1, now_ms=1)
    assert out.is_allowed()
    kinds = [type(e) for e in out.effects]
    assert kinds[:2] == [type(out.effects[0]), RecordReceipt]
    assert kinds[2:] == [StartHandshake, SendHandshake]
    assert out.effects[3].transport == QuicDirect("q:1")  # type: ignore[union-attr]
    assert bob.endpoint.manager.pending(CTX.value, ALICE.value) is None
    assert bob.run(out).status.value == "Committed"
    assert bob.endpoint.manager.pending(CTX.value, ALICE.value) is not None


@pytest.mark.parametrize(
    ("hints", "psk", "epoch", "peer", "now", "reason"),
    [
        ((QuicDirect("q:1"),), PSK2, 1, ALICE, 1, DenyReason.EpochMismatch),
        ((QuicDirect("q:1"),), PSK2, 2, ALICE, 1, DenyReason.PskCommitmentMismatch),
        ((WebSocketRelay(RELAY),), PSK1, 1, ALICE, 1, DenyReason.NoDirectTransport),
        ((QuicDirect("q:1"),), PSK1, 1, MALLORY, 1, DenyReason.NotAMember),
        ((QuicDirect("q:1"),), PSK1, 1, ALICE, 10_000, DenyReason.NoValidDescriptor),
        ((QuicDirect("q:1"),), PSK1, 1, RELAY, 1, DenyReason.NoValidDescriptor),
    ],
    ids=["wrong-epoch-psk", "peer-in-older-epoch", "relay-only", "non-member", "expired", "none"],
)
def test_establish_denials(
    *, hints: tuple[object, ...], psk: bytes, epoch: int, peer: object, now: int, reason: DenyReason
) -> None:
    """Each failed coupling check is a typed, silent deny (no charge, no packet)."""
    _alice, bob = alice_published(hints)
    out = bob.service.prepare_establish_channel(
        bob.snapshot(epoch=epoch),
        CTX,
        peer,  # type: ignore[arg-type]
        psk,
        now_ms=now,
    )
    assert_denied_silently(bob, out, reason)


def test_establish_without_capability() -> None:
    """Missing rendezvous:connect denies before anything else."""
    _alice, bob = alice_published()
    out = bob.service.prepare_establish_channel(
        bob.snapshot(caps=frozenset()), CTX, ALICE, PSK1, now_ms=1
    )
    assert_denied_silently(bob, out, DenyReason.MissingCapability)


def test_snapshot_of_another_authority_is_misuse() -> None:
    """Passing someone else's snapshot is a LocalProtocolError, not a deny."""
    alice, bob = alice_published()
    with pytest.raises(LocalProtocolError):
        bob.service.prepare_publish_descriptor(alice.snapshot(), CTX, [], 0)


# -- the relayed protocol ---------------------------------------------------------------


def test_relayed_round_trip() -> None:
    """RelayRequest -> RelayForward -> RelayResponse -> RelayComplete, each hop paying its own
    annotated cost under its own budget (the forward is never charged to the initiator)."""
    bob, alice, relay = Node(BOB), Node(ALICE, nonce_start=1000), Node(RELAY, nonce_start=2000)
    bob.publish([WebSocketRelay(RELAY)], 0)
    sync_pair(bob.service, alice.service)
    out = alice.service.prepare_relay_request(alice.snapshot(), CTX, BOB, PSK1, now_ms=1)
    assert alice.interpreter.execute(out).status is ExecutionStatus.Committed
    (request,) = alice.outbox
    assert isinstance(request, SendRelayRequest) and request.relay == RELAY
    envelope = RelayEnvelope.decode(request.envelope.encode())
    forward = relay.service.prepare_relay_forward(
        relay.snapshot(), envelope, receipt=request.receipt
    )
    assert relay.interpreter.execute(forward).status is ExecutionStatus.Committed
    forward_receipt = relay.issuer.issued[-1].encode()  # the relay's receipt to BOB
    assert relay.outbox[-1] == ForwardRelayEnvelope(BOB, envelope, receipt=forward_receipt)
    out = bob.service.prepare_relay_response(
        bob.snapshot(), RELAY, envelope, PSK1, now_ms=1, receipt=forward_receipt
    )
    assert bob.interpreter.execute(out).status is ExecutionStatus.Committed
    response = bob.outbox[-1]
    assert isinstance(response, SendRelayResponse) and response.envelope.dst == ALICE
    relay.interpreter.execute(
        relay.service.prepare_relay_forward(
            relay.snapshot(), response.envelope, receipt=response.receipt
        )
    )
    receipt = relay.issuer.issued[-1].encode()  # the relay's receipt to ALICE travels along
    assert relay.outbox[-1] == ForwardRelayEnvelope(ALICE, response.envelope, receipt=receipt)
    assert alice.budget.spent(CTX, ALICE, 1) == CONNECT_RELAY_COST
    assert bob.budget.spent(CTX, BOB, 1) == DESCRIPTOR_PUBLISH_COST + CONNECT_RELAY_COST
    assert relay.budget.spent(CTX, RELAY, 1) == 2 * RELAY_FORWARD_COST


def _message1() -> bytes:
    """A genuine Noise message 1 from Alice to Bob (what a relay may forward)."""
    return Node(ALICE).endpoint.start(MEMBERSHIP, 1, BOB, PSK1, 1)


def test_relay_without_forward_capability_drops() -> None:
    """DESIGN.md 6: a relay without relay:forward for the context sends nothing."""
    relay = Node(RELAY)
    envelope = RelayEnvelope(CTX, ALICE, BOB, _message1())
    caps = ALL_CAPS - {CAP_RELAY_FORWARD}
    out = relay.service.prepare_relay_forward(relay.snapshot(caps=caps), envelope)
    assert_denied_silently(relay, out, DenyReason.MissingCapability)


def test_relay_refuses_non_member_endpoints() -> None:
    """A relay forwards only between members of the envelope's context."""
    relay = Node(RELAY)
    out = relay.service.prepare_relay_forward(
        relay.snapshot(), RelayEnvelope(CTX, ALICE, MALLORY, _message1())
    )
    assert_denied_silently(relay, out, DenyReason.NotAMember)


def test_relay_request_needs_relay_capability_and_hint() -> None:
    """Without rendezvous:relay, or without a relay hint, the request is denied."""
    _alice, bob = alice_published((QuicDirect("q:1"),))
    caps = frozenset({CAP_RENDEZVOUS_CONNECT})
    out = bob.service.prepare_relay_request(bob.snapshot(caps=caps), CTX, ALICE, PSK1, now_ms=1)
    assert_denied_silently(bob, out, DenyReason.MissingCapability)
    out = bob.service.prepare_relay_request(
        bob.snapshot(caps=frozenset({CAP_RENDEZVOUS_RELAY})), CTX, ALICE, PSK1, now_ms=1
    )
    assert_denied_silently(bob, out, DenyReason.NoRelayTransport)


# -- receipts across nodes, channel facts, denial property --------------------------


def test_relay_verifies_initiator_receipts_and_rejects_replay() -> None:
    """The receipt of A's RelayRequest verifies at the relay (signed, epoch-bound, first in
    its chain); the same receipt again is a replay."""
    from aura_rendezvous import ReceiptReplayed, ReceiptVerifier

    bob, alice = Node(BOB), Node(ALICE, nonce_start=1000)
    bob.publish([WebSocketRelay(RELAY)], 0)
    sync_pair(bob.service, alice.service)
    result = alice.interpreter.execute(
        alice.service.prepare_relay_request(alice.snapshot(), CTX, BOB, PSK1, now_ms=1)
    )
    (receipt,) = result.receipts
    assert (receipt.src, receipt.dst, receipt.cost) == (ALICE, RELAY, CONNECT_RELAY_COST)
    verifier = ReceiptVerifier(CTX, MEMBERSHIP.roster)
    verifier.accept(receipt, 1)
    with pytest.raises(ReceiptReplayed):
        verifier.accept(receipt, 1)


def test_channel_established_fact() -> None:
    """A party journals the channel at cost 0; a third party may not record it."""
    from aura_rendezvous import ChannelEstablished, JournalAppend

    bob = Node(BOB)
    out = bob.service.prepare_channel_established(bob.snapshot(), CTX, ALICE, BOB, b"\x05" * 32)
    assert out.effects[0].cost == 0  # type: ignore[union-attr]
    unsigned = ChannelEstablished(CTX, ALICE, BOB, b"\x05" * 32, 1)
    signed = attrs.evolve(unsigned, signature=KEYS[BOB].sign(unsigned.signed_message()))
    assert out.effects[1] == JournalAppend(CTX, signed)  # signed by Bob, the party recording it
    bob.interpreter.execute(out)
    assert len(bob.service.journal(CTX)) == 1 and bob.outbox == []
    relay = Node(RELAY)
    with pytest.raises(LocalProtocolError):
        relay.service.prepare_channel_established(relay.snapshot(), CTX, ALICE, BOB, b"\x05" * 32)


@settings(max_examples=60)
@given(
    st.sets(st.sampled_from(sorted(ALL_CAPS))),
    st.integers(0, 3),
    st.sampled_from([CTX, OTHER_CTX]),
    st.sampled_from(["publish", "connect", "relay"]),
)
def test_every_deny_is_silent(
    caps: set[str], budget: int, context: ContextId, operation: str
) -> None:
    """For any snapshot, an outcome is either allowed (charge first, within the snapshot's
    budget and holding the capability) or denied with no effects at all."""
    from .world import snapshot

    _alice, bob = alice_published((QuicDirect("q:1"), WebSocketRelay(RELAY)))
    snap = snapshot(BOB, context, budget=budget, caps=frozenset(caps))
    if operation == "publish":
        out = bob.service.prepare_publish_descriptor(snap, context, [], 0)
        cap, cost = "rendezvous:publish", DESCRIPTOR_PUBLISH_COST
    elif operation == "connect":
        out = bob.service.prepare_establish_channel(snap, context, ALICE, PSK1, now_ms=1)
        cap, cost = CAP_RENDEZVOUS_CONNECT, 2
    else:
        out = bob.service.prepare_relay_request(snap, context, ALICE, PSK1, now_ms=1)
        cap, cost = CAP_RENDEZVOUS_RELAY, CONNECT_RELAY_COST
    if out.is_allowed():
        assert cap in caps and cost <= budget and context == CTX
        assert out.effects[0].cost == cost  # type: ignore[union-attr]
    else:
        assert out.effects == ()
        before = len(bob.service.journal(CTX))
        bob.interpreter.execute(out)
        assert bob.outbox == [] and len(bob.service.journal(CTX)) == before


def test_cache_follows_rollback_then_other_publish() -> None:
    """The derived cache is never stale: read, roll back, publish something else, read."""
    from aura_rendezvous import ChargeFlowBudget, JournalAppend

    alice = Node(ALICE)
    out = alice.service.prepare_publish_descriptor(alice.snapshot(), CTX, [QuicDirect("a:1")], 0)
    append = next(e for e in out.effects if isinstance(e, JournalAppend))
    token = alice.service.journal(CTX).append(append.fact, ALICE)
    assert alice.service.get_cached_descriptor(CTX, ALICE, 1) is not None
    alice.service.journal(CTX).undo(token)
    assert alice.service.get_cached_descriptor(CTX, ALICE, 1) is None
    alice.publish([QuicDirect("b:1")], 0)
    chosen = alice.service.get_cached_descriptor(CTX, ALICE, 1)
    assert chosen is not None and chosen.transport_hints == (QuicDirect("b:1"),)
    assert isinstance(out.effects[0], ChargeFlowBudget)


def assert_outsider_reads_nothing(membership_cls: type[ContextMembership]) -> None:
    """Mallory intercepts A's journal bytes and holds a self-made membership of the context
    (the public roster and id, a guessed root secret)."""
    from aura_rendezvous.journal import JournalEntry

    real = membership_cls(CTX, MEMBERSHIP.roster, MEMBERSHIP.root_secret)
    alice = Node(ALICE, (real,))
    alice.publish([QuicDirect("10.0.0.1:1")], 0)
    guessed = membership_cls(CTX, MEMBERSHIP.roster, b"\x00" * 32)
    mallory = Node(BOB, (guessed,))  # any local identity; what matters is the key material
    for entry in alice.service.journal(CTX).entries():
        mallory.service.journal(CTX).merge(JournalEntry.decode(entry.encode()))
    cache = mallory.service.descriptor_cache(CTX)
    assert cache.descriptors == (), "an outsider read a descriptor"
    assert [reason for _, reason in cache.rejected] == ["DecryptFailed"]


def test_outsider_with_intercepted_journal_reads_nothing() -> None:
    """Sealed facts open only with the root secret; keys from public ids are caught."""
    from aura_conformance.variants import PublicIdMembership

    assert_outsider_reads_nothing(ContextMembership)
    with pytest.raises(AssertionError, match="outsider read"):
        assert_outsider_reads_nothing(PublicIdMembership)
