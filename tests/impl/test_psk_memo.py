"""The service memoises ``(context, epoch)`` PSK derivations; every check still runs.

The memo is a speed measure for the handshake path (docs/implementation.md): it
must hand out exactly what a fresh derivation gives, keep contexts and epochs
apart, stay bounded, and never turn a wrong PSK into an allowed outcome.
"""

from __future__ import annotations

from aura_rendezvous import DenyReason, ExecutionStatus, QuicDirect, ReceiptIssuer, ReceiptVerifier
from aura_rendezvous._coupling import PSK_CACHE_SIZE
from aura_rendezvous.core import psk_commitment

from .world import ALICE, BOB, CTX, KEYS, MEMBERSHIP, OTHER_CTX, OTHER_MEMBERSHIP, Node, sync_pair

BOTH = (MEMBERSHIP, OTHER_MEMBERSHIP)


def published_pair() -> tuple[Node, Node]:
    alice, bob = Node(ALICE, BOTH), Node(BOB, BOTH)
    for context in (CTX, OTHER_CTX):
        bob.publish([QuicDirect("127.0.0.1:4433")], 0, context=context)
        sync_pair(alice.service, bob.service, context)
    return alice, bob


def test_memo_equals_fresh_derivation_per_context_and_epoch() -> None:
    alice = Node(ALICE, BOTH)
    for membership in BOTH:
        for epoch in (0, 1, 2, 2**64 - 1):
            fresh = membership.handshake_psk(epoch)
            for _ in range(2):  # a miss, then a hit
                assert alice.service._coupling.epoch_psk(membership, epoch) == (
                    fresh,
                    psk_commitment(fresh),
                )
    # One key per (context, epoch): the same epoch of two contexts differs.
    assert alice.service._coupling.epoch_psk(MEMBERSHIP, 1) != alice.service._coupling.epoch_psk(
        OTHER_MEMBERSHIP, 1
    )


def test_memo_is_bounded_and_right_after_eviction() -> None:
    alice = Node(ALICE)
    for epoch in range(3 * PSK_CACHE_SIZE):
        alice.service._coupling.epoch_psk(MEMBERSHIP, epoch)
        assert len(alice.service._coupling._psks) <= PSK_CACHE_SIZE
    assert (CTX, 0) not in alice.service._coupling._psks
    assert alice.service._coupling.epoch_psk(MEMBERSHIP, 0)[0] == MEMBERSHIP.handshake_psk(0)


def test_warm_memo_still_denies_wrong_psks() -> None:
    """The PSK check stays: with the memo warm, another epoch's PSK, another context's
    PSK and random bytes are all denied, and the right one is allowed."""
    alice, _bob = published_pair()
    right = MEMBERSHIP.handshake_psk(1)
    wrong = [MEMBERSHIP.handshake_psk(2), OTHER_MEMBERSHIP.handshake_psk(1), bytes(32)]
    for psk in [right, *wrong, right, *wrong]:
        outcome = alice.service.prepare_establish_channel(alice.snapshot(), CTX, BOB, psk, now_ms=0)
        if psk == right:
            assert outcome.is_allowed()
        else:
            assert outcome.decision.reason is DenyReason.EpochMismatch  # type: ignore[union-attr]
    # The right PSK of the other context passes only there.
    other = alice.service.prepare_establish_channel(
        alice.snapshot(OTHER_CTX), OTHER_CTX, BOB, OTHER_MEMBERSHIP.handshake_psk(1), now_ms=0
    )
    assert other.is_allowed()


def test_commitment_of_a_foreign_psk_is_computed_afresh() -> None:
    alice = Node(ALICE)
    foreign = bytes(range(32))
    assert alice.service._coupling.psk_commitment(CTX, 1, foreign) == psk_commitment(foreign)
    assert (
        alice.service._coupling.psk_commitment(CTX, 1, foreign)
        != alice.service._coupling.epoch_psk(MEMBERSHIP, 1)[1]
    )


def test_issued_receipts_stay_signed_and_chained() -> None:
    """Encoding the body once must not change what is signed or how receipts chain:
    the verifier (which re-encodes and re-hashes) accepts every issued receipt."""
    issuer = ReceiptIssuer(KEYS[ALICE])
    verifier = ReceiptVerifier(CTX, MEMBERSHIP.roster)
    for _ in range(4):
        receipt, _token = issuer.issue("connect_direct", CTX, BOB, 1, 2)
        verifier.accept(receipt, 1)
    assert [r.nonce for r in verifier.accepted] == [1, 2, 3, 4]
    assert issuer._last[(CTX, 1, BOB)] == (4, verifier.accepted[-1].hash())


def test_full_handshake_with_memo_commits() -> None:
    alice, _bob = published_pair()
    outcome = alice.service.prepare_establish_channel(
        alice.snapshot(), CTX, BOB, MEMBERSHIP.handshake_psk(1), now_ms=0
    )
    assert alice.interpreter.execute(outcome).status is ExecutionStatus.Committed
