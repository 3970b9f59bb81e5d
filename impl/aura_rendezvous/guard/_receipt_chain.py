"""Receipt chains (DESIGN.md 4): signed, chained, epoch-bound, replay-rejecting.

An issuer numbers its receipts per ``(src, dst, context, epoch)`` stream with a
strictly increasing nonce and links each to the hash of the previous receipt
of the same stream (the genesis link is 32 zero bytes): every receiver sees a
whole chain, never a link to a receipt sent to someone else (the GuardChain
spec's ``GCReceiptVerifiable``). A :class:`ReceiptVerifier` (the receiver
``dst``) accepts a receipt only if it is addressed to it, signed by ``src``'s
roster key, belongs to the current epoch and context and has a nonce greater
than the last accepted one; a receipt whose nonce directly follows the last
accepted one (or is the first, nonce 1) must also link to it. A nonce gap
means the receipts in between were lost with their messages (dropped on the
network, or refused after the receipt check): the receipt after the gap is
accepted as a resynchronisation, its link unchecked, so one lost message does
not cut the pair off for the rest of the epoch (the spec's
``GCReceiptResumesAfterLoss``). Each rejection is its own typed error whose
``reason`` is the GuardChain spec's invariant name.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

import attrs

from aura_rendezvous.core import (
    U64_MAX,
    AuthorityId,
    AuthorityKeys,
    ContextId,
    LocalProtocolError,
    NotAMember,
    ReceiptChainBroken,
    ReceiptReplayed,
    ReceiptWrongContext,
    ReceiptWrongDestination,
    ReceiptWrongEpoch,
    ReceiptWrongSigner,
    Roster,
    ValueRangeError,
    check_u32,
    check_u64,
    verify_signature,
)
from aura_rendezvous.guard._receipt import (
    LABEL_RECEIPT_SIGNATURE,
    NO_SUBJECT,
    Receipt,
    chain_hash,
    check_operation,
    encode_signed,
    receipt_body,
    receipt_subject,
)

__all__ = [
    "GENESIS_HASH",
    "ReceiptAcceptToken",
    "ReceiptIssuer",
    "ReceiptToken",
    "ReceiptVerifier",
    "attach_receipts",
    "link_required",
    "nonce_accepts",
    "paid_message",
    "receipt_subjects",
    "send_subject",
]

GENESIS_HASH = bytes(32)


def nonce_accepts(last: int | None, nonce: int) -> bool:
    """DESIGN.md 4: the first receipt, or a nonce strictly above the last accepted."""
    return last is None or nonce > last


def link_required(last: int | None, nonce: int) -> bool:
    """Whether a receipt with ``nonce`` must link to the last accepted one: only if it
    directly follows it (nonce 1 links to the genesis); after a gap it resynchronises."""
    return nonce == (0 if last is None else last) + 1


StreamKey = tuple[ContextId, int, AuthorityId]


@attrs.frozen
class ReceiptToken:
    """Undo information of one issued receipt (the interpreter's rollback)."""

    key: StreamKey
    previous: tuple[int, bytes] | None


@attrs.frozen
class ReceiptAcceptToken:
    """Undo information of one accepted receipt (the receiver's rollback)."""

    context_id: ContextId
    key: tuple[AuthorityId, int]
    previous: tuple[int, bytes] | None


# The field naming a send's addressee, per send effect (peer, relay or next hop).
_ADDRESSEE = ("peer", "relay", "to")

S = TypeVar("S")


def paid_message(send: object) -> bytes:
    """The bytes a receipt attached to ``send`` pays for: its envelope, encoded (a
    relay sees the whole envelope), or the message it sends directly."""
    envelope = getattr(send, "envelope", None)
    if envelope is not None:
        return bytes(envelope.encode())
    return bytes(getattr(send, "message", b""))


def send_subject(send: object) -> bytes:
    """The subject of the receipt that pays for ``send`` (:func:`receipt_subject`)."""
    return receipt_subject(paid_message(send))


def _addressee(send: object) -> AuthorityId | None:
    """Who ``send`` goes to (its peer, relay or next hop)."""
    found = next((getattr(send, f) for f in _ADDRESSEE if hasattr(send, f)), None)
    return found if isinstance(found, AuthorityId) else None


def receipt_subjects(sends: Sequence[object]) -> dict[AuthorityId, bytes]:
    """The subject of the receipt each addressee of ``sends`` gets: that of the
    first send to it still without a receipt (where :func:`attach_receipts` puts it)."""
    out: dict[AuthorityId, bytes] = {}
    for send in sends:
        to = _addressee(send)
        if to is not None and to not in out and getattr(send, "receipt", None) == b"":
            out[to] = send_subject(send)
    return out


def attach_receipts(sends: Sequence[S], receipts: Sequence[Receipt]) -> tuple[S, ...]:
    """Each send carries the receipt its outcome issued to its addressee (encoded),
    so the receipt travels with the message it pays for."""
    by_dst = {r.dst: r for r in receipts}
    out = []
    for send in sends:
        to = _addressee(send)
        receipt = by_dst.get(to) if to is not None else None
        if receipt is not None and getattr(send, "receipt", None) == b"":
            out.append(attrs.evolve(send, receipt=receipt.encode()))  # type: ignore[misc]
        else:
            out.append(send)
    return tuple(out)


class ReceiptIssuer:
    """``src``'s receipt state: last nonce and hash per ``(context, epoch, dst)`` stream."""

    def __init__(self, keys: AuthorityKeys) -> None:
        self._keys = keys
        self._last: dict[StreamKey, tuple[int, bytes]] = {}
        self.issued: list[Receipt] = []

    def issue(
        self,
        operation: str,
        context_id: ContextId,
        dst: AuthorityId,
        epoch: int,
        cost: int,
        *,
        subject: bytes = NO_SUBJECT,
    ) -> tuple[Receipt, ReceiptToken]:
        """The next receipt of ``dst``'s stream, paying for the message whose
        :func:`receipt_subject` is ``subject`` (none by default)."""
        key = self._stream_key(context_id, check_u64("epoch", epoch), dst)
        previous = self._last.get(key)
        last_nonce, prev_hash = previous if previous is not None else (0, GENESIS_HASH)
        if last_nonce == U64_MAX:
            raise ValueRangeError("receipt nonces of this epoch are exhausted")
        # The fields are checked before the body is encoded (the Receipt below
        # checks them again, but only after signing); the body is encoded once,
        # signed, and the chain hash is taken over the same bytes with the
        # signature appended (as Receipt.hash would).
        if not isinstance(context_id, ContextId) or not isinstance(dst, AuthorityId):
            raise LocalProtocolError("receipt needs a ContextId and an AuthorityId")
        if not isinstance(subject, bytes) or len(subject) != 32:
            raise LocalProtocolError("a receipt's subject is 32 bytes")
        src = self._keys.authority_id
        nonce = last_nonce + 1
        body = receipt_body(
            check_operation(operation),
            context_id=context_id,
            src=src,
            dst=dst,
            epoch=epoch,
            cost=check_u32("cost", cost),
            nonce=nonce,
            prev_hash=prev_hash,
            subject=subject,
        )
        signature = self._keys.sign(LABEL_RECEIPT_SIGNATURE + body)
        receipt = Receipt(
            operation,
            context_id,
            src,
            dst,
            epoch,
            cost,
            nonce,
            prev_hash,
            signature,
            subject=subject,
        )
        self._last[key] = (nonce, chain_hash(encode_signed(body, signature)))
        self.issued.append(receipt)
        return receipt, ReceiptToken(key, previous)

    def _stream_key(self, context_id: ContextId, epoch: int, dst: AuthorityId) -> StreamKey:
        """The stream a receipt is numbered and chained in: one per addressee, so a
        receiver sees a whole chain (``GCReceiptVerifiable``). A subclass that keys it
        otherwise keeps every other rule of :meth:`issue`."""
        return (context_id, epoch, dst)

    def undo(self, token: ReceiptToken) -> None:
        if token.previous is None:
            del self._last[token.key]
        else:
            self._last[token.key] = token.previous
        self.issued.pop()


class ReceiptVerifier:
    """The receiving side of one context: accepts each src's receipts in chain order,
    resynchronising after a gap of lost ones.

    ``receiver`` is the authority whose receipts these are; when given, a
    receipt addressed to anyone else is refused (its chain is not ours).
    """

    def __init__(
        self, context_id: ContextId, roster: Roster, *, receiver: AuthorityId | None = None
    ) -> None:
        self.context_id = context_id
        self.roster = roster
        self.receiver = receiver
        self._last: dict[tuple[AuthorityId, int], tuple[int, bytes]] = {}
        self.accepted: list[Receipt] = []

    def check(self, receipt: Receipt, current_epoch: int) -> None:
        """Raise the typed rejection, or return if ``receipt`` would be accepted."""
        if receipt.context_id != self.context_id:
            raise ReceiptWrongContext("receipt of another context")
        if self.receiver is not None and receipt.dst != self.receiver:
            raise ReceiptWrongDestination(f"receipt addressed to {receipt.dst}")
        try:
            entry = self.roster.entry(receipt.src)
        except NotAMember:
            raise ReceiptWrongSigner(f"{receipt.src} is not on the roster") from None
        if not verify_signature(entry.ed25519_public, receipt.signed_message(), receipt.signature):
            raise ReceiptWrongSigner(f"receipt is not signed by {receipt.src}")
        if receipt.epoch != current_epoch:
            raise ReceiptWrongEpoch(f"receipt of epoch {receipt.epoch}, now {current_epoch}")
        previous = self._last.get((receipt.src, receipt.epoch))
        last_nonce = previous[0] if previous is not None else None
        if not nonce_accepts(last_nonce, receipt.nonce):
            raise ReceiptReplayed(f"nonce {receipt.nonce} not above {last_nonce}")
        expected = previous[1] if previous is not None else GENESIS_HASH
        if link_required(last_nonce, receipt.nonce) and receipt.prev_hash != expected:
            raise ReceiptChainBroken("receipt does not link to the last accepted one")

    def accept(self, receipt: Receipt, current_epoch: int) -> ReceiptAcceptToken:
        """Check, then record ``receipt`` as the last of its ``(src, epoch)``."""
        self.check(receipt, current_epoch)
        key = (receipt.src, receipt.epoch)
        token = ReceiptAcceptToken(self.context_id, key, self._last.get(key))
        self._last[key] = (receipt.nonce, receipt.hash())
        self.accepted.append(receipt)
        return token

    def undo(self, token: ReceiptAcceptToken) -> None:
        """Forget the acceptance ``token`` names (the last one): its outcome rolled back."""
        if token.previous is None:
            del self._last[token.key]
        else:
            self._last[token.key] = token.previous
        self.accepted.pop()
