"""Receipts (DESIGN.md 4): signed, chained, epoch-bound, replay-rejecting.

An issuer numbers its receipts per ``(src, context, epoch)`` with a strictly
increasing nonce and links each to the hash of the previous one (the genesis
link is 32 zero bytes). A :class:`ReceiptVerifier` (the receiver ``dst``)
accepts a receipt only if it is signed by ``src``'s roster key, belongs to
the current epoch and context, has a nonce greater than the last accepted one
and links to that one; each rejection is its own typed error whose ``reason``
is the GuardChain spec's invariant name.
"""

from __future__ import annotations

import hashlib
import struct

import attrs

from aura_rendezvous._encoding import FORMAT_VERSION, Reader, Tag
from aura_rendezvous._errors import DecodeError, LocalProtocolError, RemoteProtocolError
from aura_rendezvous._ids import (
    U64_MAX,
    AuthorityId,
    ContextId,
    ValueRangeError,
    check_u32,
    check_u64,
    is_authority,
    is_context,
)
from aura_rendezvous._keys import AuthorityKeys, NotAMember, Roster, verify_signature

__all__ = [
    "GENESIS_HASH",
    "LABEL_RECEIPT_HASH",
    "LABEL_RECEIPT_SIGNATURE",
    "MAX_OPERATION_LEN",
    "MAX_RECEIPT_LEN",
    "Receipt",
    "ReceiptChainBroken",
    "ReceiptError",
    "ReceiptIssuer",
    "ReceiptReplayed",
    "ReceiptToken",
    "ReceiptVerifier",
    "ReceiptWrongContext",
    "ReceiptWrongEpoch",
    "ReceiptWrongSigner",
    "nonce_accepts",
]

LABEL_RECEIPT_SIGNATURE = b"aura/rendezvous/v1/receipt-signature"
LABEL_RECEIPT_HASH = b"aura/rendezvous/v1/receipt-hash"
GENESIS_HASH = bytes(32)
MAX_OPERATION_LEN = 64
MAX_RECEIPT_LEN = 2 + 4 + MAX_OPERATION_LEN + 32 * 3 + 8 + 4 + 8 + 32 + 64


class ReceiptError(RemoteProtocolError):
    """A receipt was rejected."""


class ReceiptWrongSigner(ReceiptError):
    reason = "GCReceiptSigner"


class ReceiptWrongEpoch(ReceiptError):
    reason = "GCReceiptEpoch"


class ReceiptReplayed(ReceiptError):
    """Replayed or reordered: the nonce is not above the last accepted one."""

    reason = "GCReceiptNoReplay"


class ReceiptChainBroken(ReceiptError):
    reason = "GCReceiptChain"


class ReceiptWrongContext(ReceiptError):
    reason = "ContextMismatch"


def nonce_accepts(last: int | None, nonce: int) -> bool:
    """DESIGN.md 4: the first receipt, or a nonce strictly above the last accepted."""
    return last is None or nonce > last


def _u64(inst: object, attribute: attrs.Attribute[int], value: int) -> None:
    check_u64(attribute.name, value)


def _u32(inst: object, attribute: attrs.Attribute[int], value: int) -> None:
    check_u32(attribute.name, value)


def _operation(inst: object, attribute: attrs.Attribute[str], value: str) -> None:
    _check_operation(value)


def _b32(inst: object, attribute: attrs.Attribute[bytes], value: bytes) -> None:
    if not isinstance(value, bytes) or len(value) != 32:
        raise LocalProtocolError(f"{attribute.name} must be 32 bytes")


def _b64(inst: object, attribute: attrs.Attribute[bytes], value: bytes) -> None:
    if not isinstance(value, bytes) or len(value) != 64:
        raise LocalProtocolError(f"{attribute.name} must be 64 bytes")


@attrs.frozen
class Receipt:
    operation: str = attrs.field(validator=_operation)
    context_id: ContextId = attrs.field(validator=is_context)
    src: AuthorityId = attrs.field(validator=is_authority)
    dst: AuthorityId = attrs.field(validator=is_authority)
    epoch: int = attrs.field(validator=_u64)
    cost: int = attrs.field(validator=_u32)
    nonce: int = attrs.field(validator=_u64)
    prev_hash: bytes = attrs.field(validator=_b32)
    signature: bytes = attrs.field(validator=_b64)

    def body(self) -> bytes:
        """The signed part: everything but the signature, canonically encoded."""
        return _body(
            self.operation,
            context_id=self.context_id,
            src=self.src,
            dst=self.dst,
            epoch=self.epoch,
            cost=self.cost,
            nonce=self.nonce,
            prev_hash=self.prev_hash,
        )

    def encode(self) -> bytes:
        return _encode_signed(self.body(), self.signature)

    @classmethod
    def decode(cls, data: bytes) -> Receipt:
        r = Reader("Receipt", data, Tag.RECEIPT, MAX_RECEIPT_LEN)
        try:
            receipt = cls(
                r.text(MAX_OPERATION_LEN),
                r.context(),
                r.authority(),
                r.authority(),
                r.u64(),
                r.u32(),
                r.u64(),
                r.fixed(32),
                r.fixed(64),
            )
        except DecodeError:
            raise
        except LocalProtocolError as exc:
            raise r.fail(str(exc)) from None
        r.finish()
        return receipt

    def hash(self) -> bytes:
        """The chain link: BLAKE2s-256 of a label and the full encoding."""
        return _chain_hash(self.encode())

    def signed_message(self) -> bytes:
        return LABEL_RECEIPT_SIGNATURE + self.body()


_BODY_TAG = bytes((Tag.RECEIPT_BODY, FORMAT_VERSION))
_BODY_INTS = struct.Struct(">QIQ")


def _body(
    operation: str,
    *,
    context_id: ContextId,
    src: AuthorityId,
    dst: AuthorityId,
    epoch: int,
    cost: int,
    nonce: int,
    prev_hash: bytes,
) -> bytes:
    # The Writer layout of the body (tag, version, u32-prefixed operation, three
    # ids, epoch u64, cost u32, nonce u64, prev hash) in one join: a receipt is
    # signed on every charged message, and Reader-based Receipt.decode checks
    # this layout on every round trip, so the two cannot drift apart.
    op = operation.encode("utf-8")
    return b"".join(
        (
            _BODY_TAG,
            len(op).to_bytes(4, "big"),
            op,
            context_id.value,
            src.value,
            dst.value,
            _BODY_INTS.pack(epoch, cost, nonce),
            prev_hash,
        )
    )


def _check_operation(operation: object) -> str:
    if (
        not isinstance(operation, str)
        or not 0 < len(operation.encode("utf-8")) <= MAX_OPERATION_LEN
    ):
        raise LocalProtocolError(f"operation must be 1..{MAX_OPERATION_LEN} UTF-8 bytes")
    return operation


def _encode_signed(body: bytes, signature: bytes) -> bytes:
    # The full encoding is the body's fields under the RECEIPT tag, then the
    # signature: one field layout, so encode() and body() can never drift apart.
    if len(signature) != 64:
        raise LocalProtocolError(f"fixed field must be 64 bytes, got {len(signature)}")
    return bytes((Tag.RECEIPT,)) + body[1:] + signature


def _chain_hash(encoding: bytes) -> bytes:
    return hashlib.blake2s(LABEL_RECEIPT_HASH + encoding, digest_size=32).digest()


@attrs.frozen
class ReceiptToken:
    """Undo information of one issued receipt (the interpreter's rollback)."""

    key: tuple[ContextId, int]
    previous: tuple[int, bytes] | None


class ReceiptIssuer:
    """``src``'s receipt state: last nonce and hash per ``(context, epoch)``."""

    def __init__(self, keys: AuthorityKeys) -> None:
        self._keys = keys
        self._last: dict[tuple[ContextId, int], tuple[int, bytes]] = {}
        self.issued: list[Receipt] = []

    def issue(
        self, operation: str, context_id: ContextId, dst: AuthorityId, epoch: int, cost: int
    ) -> tuple[Receipt, ReceiptToken]:
        key = (context_id, check_u64("epoch", epoch))
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
        src = self._keys.authority_id
        nonce = last_nonce + 1
        body = _body(
            _check_operation(operation),
            context_id=context_id,
            src=src,
            dst=dst,
            epoch=epoch,
            cost=check_u32("cost", cost),
            nonce=nonce,
            prev_hash=prev_hash,
        )
        signature = self._keys.sign(LABEL_RECEIPT_SIGNATURE + body)
        receipt = Receipt(operation, context_id, src, dst, epoch, cost, nonce, prev_hash, signature)
        self._last[key] = (nonce, _chain_hash(_encode_signed(body, signature)))
        self.issued.append(receipt)
        return receipt, ReceiptToken(key, previous)

    def undo(self, token: ReceiptToken) -> None:
        if token.previous is None:
            del self._last[token.key]
        else:
            self._last[token.key] = token.previous
        self.issued.pop()


class ReceiptVerifier:
    """The receiving side of one context: accepts each src's receipts in chain order."""

    def __init__(self, context_id: ContextId, roster: Roster) -> None:
        self.context_id = context_id
        self.roster = roster
        self._last: dict[tuple[AuthorityId, int], tuple[int, bytes]] = {}
        self.accepted: list[Receipt] = []

    def check(self, receipt: Receipt, current_epoch: int) -> None:
        """Raise the typed rejection, or return if ``receipt`` would be accepted."""
        if receipt.context_id != self.context_id:
            raise ReceiptWrongContext("receipt of another context")
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
        if receipt.prev_hash != expected:
            raise ReceiptChainBroken("receipt does not link to the last accepted one")

    def accept(self, receipt: Receipt, current_epoch: int) -> None:
        """Check, then record ``receipt`` as the last of its ``(src, epoch)``."""
        self.check(receipt, current_epoch)
        self._last[(receipt.src, receipt.epoch)] = (receipt.nonce, receipt.hash())
        self.accepted.append(receipt)
