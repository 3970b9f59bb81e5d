"""Receipts (DESIGN.md 4): signed by src, epoch-bound, strictly increasing nonces,
chained; replayed, reordered, wrongly signed or unchained receipts are rejected, and
a receipt after a gap of lost ones resynchronises the chain."""

from __future__ import annotations

import contextlib

import attrs
import pytest
from aura_conformance.variants import SkippingReceiptVerifier, StrictChainVerifier
from aura_rendezvous import (
    DecodeError,
    Receipt,
    ReceiptChainBroken,
    ReceiptError,
    ReceiptIssuer,
    ReceiptReplayed,
    ReceiptVerifier,
    ReceiptWrongContext,
    ReceiptWrongEpoch,
    ReceiptWrongSigner,
    nonce_accepts,
)
from aura_rendezvous.core import ReceiptWrongDestination
from aura_rendezvous.guard import GENESIS_HASH, NO_SUBJECT, receipt_subject
from hypothesis import given, settings
from hypothesis import strategies as st

from .world import ALICE, BOB, CTX, KEYS, MALLORY, MEMBERSHIP, OTHER_CTX, RELAY


def issue(n: int, epoch: int = 1) -> list[Receipt]:
    issuer = ReceiptIssuer(KEYS[ALICE])
    return [issuer.issue("connect_direct", CTX, BOB, epoch, 2)[0] for _ in range(n)]


def verifier(skip: frozenset[str] = frozenset()) -> ReceiptVerifier:
    if skip:
        return SkippingReceiptVerifier(CTX, MEMBERSHIP.roster, skip=skip)
    return ReceiptVerifier(CTX, MEMBERSHIP.roster)


def resign(r: Receipt, signer: object = ALICE) -> Receipt:
    return attrs.evolve(r, signature=KEYS[signer].sign(r.signed_message()))  # type: ignore[index]


def test_chain_accepted_in_order() -> None:
    """Receipts issued in order are accepted in order; nonces 1, 2, 3 and linked."""
    rs = issue(3)
    v = verifier()
    for r in rs:
        v.accept(r, 1)
    assert [r.nonce for r in rs] == [1, 2, 3]
    assert rs[1].prev_hash == rs[0].hash() and rs[2].prev_hash == rs[1].hash()


# Each attack: (name, the typed error, the check a broken verifier skips, the attack).
def replayed(v: ReceiptVerifier) -> None:
    r1, _ = issue(2)
    v.accept(r1, 1)
    v.accept(r1, 1)


def reordered(v: ReceiptVerifier) -> None:
    r1, r2 = issue(2)
    v.accept(r2, 1)
    v.accept(r1, 1)


def wrong_signer(v: ReceiptVerifier) -> None:
    v.accept(resign(issue(1)[0], BOB), 1)


def non_member(v: ReceiptVerifier) -> None:
    v.accept(resign(attrs.evolve(issue(1)[0], src=MALLORY), MALLORY), 1)


def wrong_epoch(v: ReceiptVerifier) -> None:
    v.accept(issue(1, epoch=1)[0], 2)


def broken_chain(v: ReceiptVerifier) -> None:
    r1, r2 = issue(2)
    v.accept(r1, 1)
    v.accept(resign(attrs.evolve(r2, prev_hash=b"\x07" * 32)), 1)


ATTACKS = [
    (replayed, ReceiptReplayed, "replay"),
    (reordered, ReceiptReplayed, "replay"),
    (wrong_signer, ReceiptWrongSigner, "signature"),
    (non_member, ReceiptWrongSigner, "signature"),
    (wrong_epoch, ReceiptWrongEpoch, "epoch"),
    (broken_chain, ReceiptChainBroken, "chain"),
]


@pytest.mark.parametrize(
    ("attack", "error", "check"), ATTACKS, ids=lambda x: getattr(x, "__name__", str(x))
)
def test_attack_rejected_and_broken_verifier_caught(
    attack: object, error: type, check: str
) -> None:
    """The verifier rejects each attack with its typed error; a verifier that skips the
    matching check accepts it (so the assertion is not vacuous)."""
    with pytest.raises(error):
        attack(verifier())  # type: ignore[operator]
    skip = {check, "chain"} if check == "replay" else {check}
    if attack is reordered:
        skip = {"replay", "chain"}
    attack(verifier(frozenset(skip)))  # type: ignore[operator]


def test_reordered_rejected_even_with_valid_chain_link() -> None:
    """An older nonce is refused as a replay even when it links correctly."""
    r1, r2 = issue(2)
    v = verifier()
    v.accept(r1, 1)
    v.accept(r2, 1)
    old = resign(attrs.evolve(r1, prev_hash=r2.hash()))
    with pytest.raises(ReceiptReplayed):
        v.accept(old, 1)


def test_rejection_changes_nothing_and_reasons_are_spec_names() -> None:
    """A rejected receipt leaves the verifier's state unchanged; reasons name the spec
    invariants."""
    r1, r2 = issue(2)
    v = verifier()
    with pytest.raises(ReceiptError):
        v.accept(resign(attrs.evolve(r1, prev_hash=b"\x07" * 32)), 1)
    assert v.accepted == []
    v.accept(r1, 1)
    v.accept(r2, 1)
    assert {ReceiptReplayed.reason, ReceiptChainBroken.reason, ReceiptWrongEpoch.reason} == {
        "GCReceiptNoReplay",
        "GCReceiptChain",
        "GCReceiptEpoch",
    }
    assert ReceiptWrongSigner.reason == "GCReceiptSigner"


def test_other_context_refused() -> None:
    """A receipt of another context is refused."""
    with pytest.raises(ReceiptWrongContext):
        ReceiptVerifier(OTHER_CTX, MEMBERSHIP.roster).accept(issue(1)[0], 1)


def test_epochs_have_separate_chains() -> None:
    """A new epoch starts a new chain at nonce 1."""
    issuer = ReceiptIssuer(KEYS[ALICE])
    issuer.issue("x", CTX, BOB, 1, 1)
    r, _ = issuer.issue("x", CTX, BOB, 2, 1)
    assert r.nonce == 1
    verifier().accept(r, 2)


def test_issuer_undo() -> None:
    """Undoing an issue (rollback) reissues the same nonce and link."""
    issuer = ReceiptIssuer(KEYS[ALICE])
    r1, token = issuer.issue("x", CTX, BOB, 1, 1)
    issuer.undo(token)
    r1b, _ = issuer.issue("x", CTX, BOB, 1, 1)
    assert r1b == r1


@settings(max_examples=100)
@given(st.one_of(st.none(), st.integers(0, 2**64 - 1)), st.integers(0, 2**64 - 1))
def test_nonce_rule(last: int | None, nonce: int) -> None:
    """The first nonce, or one strictly above the last, is accepted."""
    assert nonce_accepts(last, nonce) == (last is None or nonce > last)


def test_receipt_roundtrip() -> None:
    """Receipts round-trip through their canonical encoding."""
    r = issue(1)[0]
    assert Receipt.decode(r.encode()) == r


def test_receipt_subject_is_encoded_and_signed() -> None:
    """The subject round-trips and is under the signature: a receipt whose subject
    was changed no longer verifies under its signer's key."""
    issuer = ReceiptIssuer(KEYS[ALICE])
    subject = receipt_subject(b"the message it pays for")
    r, _ = issuer.issue("relay_request", CTX, BOB, 1, 2, subject=subject)
    assert r.subject == subject and Receipt.decode(r.encode()) == r
    assert subject in r.body()
    with pytest.raises(ReceiptWrongSigner):
        verifier().accept(attrs.evolve(r, subject=NO_SUBJECT), 1)
    verifier().accept(r, 1)


@settings(max_examples=200)
@given(st.binary(max_size=400))
def test_receipt_decoder_fuzz(data: bytes) -> None:
    """Arbitrary bytes: a receipt or a DecodeError."""
    with contextlib.suppress(DecodeError):
        Receipt.decode(data)


@settings(max_examples=100)
@given(st.data())
def test_receipt_decoder_mutations(data: st.DataObject) -> None:
    """Truncated or extended encodings fail typed; flipped ones never verify."""
    r = issue(1)[0]
    raw = r.encode()
    with pytest.raises(DecodeError):
        Receipt.decode(raw[: data.draw(st.integers(0, len(raw) - 1))])
    with pytest.raises(DecodeError):
        Receipt.decode(raw + b"\x00")
    flipped = bytearray(raw)
    flipped[data.draw(st.integers(2, len(raw) - 1))] ^= data.draw(st.integers(1, 255))
    try:
        bad = Receipt.decode(bytes(flipped))
    except DecodeError:
        return
    with pytest.raises(ReceiptError):
        verifier().accept(bad, 1)


# -- one chain per (src, dst): every receiver can verify what it is sent ------------


def test_each_destination_gets_its_own_chain() -> None:
    """Receipts to BOB and to RELAY interleaved: each receiver sees nonces 1, 2 linked to
    each other, and its verifier accepts them all in order (a chain per source would
    hand BOB a link to RELAY's receipt: GCReceiptVerifiable)."""
    issuer = ReceiptIssuer(KEYS[ALICE])
    sent = [issuer.issue("connect_direct", CTX, dst, 1, 1)[0] for dst in (BOB, RELAY, BOB, RELAY)]
    for dst in (BOB, RELAY):
        mine = [r for r in sent if r.dst == dst]
        assert [r.nonce for r in mine] == [1, 2]
        assert mine[0].prev_hash == GENESIS_HASH and mine[1].prev_hash == mine[0].hash()
        v = ReceiptVerifier(CTX, MEMBERSHIP.roster, receiver=dst)
        for r in mine:
            v.accept(r, 1)
        assert v.accepted == mine


def test_a_publish_receipt_does_not_break_the_peer_chain() -> None:
    """A receipt addressed to ALICE herself (publish) leaves BOB's chain at its start."""
    issuer = ReceiptIssuer(KEYS[ALICE])
    issuer.issue("publish_descriptor", CTX, ALICE, 1, 1)
    r, _ = issuer.issue("connect_direct", CTX, BOB, 1, 2)
    assert (r.nonce, r.prev_hash) == (1, GENESIS_HASH)
    ReceiptVerifier(CTX, MEMBERSHIP.roster, receiver=BOB).accept(r, 1)


def test_receipt_for_another_receiver_refused() -> None:
    """A receipt addressed to BOB is refused by RELAY's verifier, and nothing changes."""
    r = issue(1)[0]
    v = ReceiptVerifier(CTX, MEMBERSHIP.roster, receiver=RELAY)
    with pytest.raises(ReceiptWrongDestination) as exc:
        v.accept(r, 1)
    assert exc.value.reason == "GCReceiptVerifiable"
    assert v.accepted == []
    ReceiptVerifier(CTX, MEMBERSHIP.roster, receiver=BOB).accept(r, 1)


def test_verifier_undo_restores_the_last_accepted() -> None:
    """An acceptance rolled back (its outcome failed): the same receipt is accepted again,
    and the next one links as before."""
    r1, r2 = issue(2)
    v = verifier()
    token = v.accept(r1, 1)
    v.undo(token)
    assert v.accepted == []
    v.check(r1, 1)  # the next of the chain again (ReceiptReplayed had the undo failed)
    v.accept(r1, 1)
    second = v.accept(r2, 1)
    v.undo(second)
    v.accept(r2, 1)
    assert v.accepted == [r1, r2]


# -- lost receipts ----------------------------------------------------------------------


def test_a_lost_receipt_does_not_break_the_chain() -> None:
    """Receipt 1 is lost with its message: receipt 2 resynchronises (its nonce skips one,
    so its link to the lost receipt is not checked), receipt 3 links to receipt 2 as
    usual, and receipt 1 arriving late is refused (nonces still strictly increase)."""
    r1, r2, r3 = issue(3)
    v = verifier()
    v.accept(r2, 1)
    v.accept(r3, 1)
    assert v.accepted == [r2, r3]
    with pytest.raises(ReceiptReplayed):
        v.accept(r1, 1)


def test_the_receipt_after_the_last_accepted_must_still_link_to_it() -> None:
    """Only a gap resynchronises: a receipt that directly follows the last accepted one
    (or is the first, nonce 1) but links elsewhere is refused."""
    r1, r2, r3, r4 = issue(4)
    v = verifier()
    with pytest.raises(ReceiptChainBroken):
        v.accept(resign(attrs.evolve(r1, prev_hash=r2.hash())), 1)
    v.accept(r1, 1)
    with pytest.raises(ReceiptChainBroken):
        v.accept(resign(attrs.evolve(r2, prev_hash=GENESIS_HASH)), 1)
    v.accept(r3, 1)
    with pytest.raises(ReceiptChainBroken):
        v.accept(resign(attrs.evolve(r4, prev_hash=r2.hash())), 1)
    v.accept(r4, 1)


def test_a_resynchronising_receipt_is_still_checked() -> None:
    """A receipt after a gap is still refused if badly signed, of another epoch, for
    another receiver or of another context; nothing changes."""
    _, r2 = issue(2)
    v = ReceiptVerifier(CTX, MEMBERSHIP.roster, receiver=BOB)
    with pytest.raises(ReceiptWrongSigner):
        v.accept(resign(r2, BOB), 1)
    with pytest.raises(ReceiptWrongEpoch):
        v.accept(r2, 2)
    with pytest.raises(ReceiptWrongDestination):
        ReceiptVerifier(CTX, MEMBERSHIP.roster, receiver=RELAY).accept(r2, 1)
    with pytest.raises(ReceiptWrongContext):
        ReceiptVerifier(OTHER_CTX, MEMBERSHIP.roster).accept(r2, 1)
    assert v.accepted == []
    v.accept(r2, 1)


def test_strict_chain_verifier_cuts_the_pair_off_after_one_loss() -> None:
    """Failing counterpart: the old verifier (every receipt links to the last accepted)
    refuses every receipt after a lost one until the epoch ends."""
    _, r2, r3 = issue(3)
    v = StrictChainVerifier(CTX, MEMBERSHIP.roster)
    for r in (r2, r3):
        with pytest.raises(ReceiptChainBroken):
            v.accept(r, 1)
    assert v.accepted == []
