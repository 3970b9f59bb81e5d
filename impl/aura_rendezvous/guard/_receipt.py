"""The receipt value (DESIGN.md 4): its fields, signed body and chain hash.

The issuer and verifier that number, chain and check receipts are in
``_receipt_chain``; this module only fixes what a receipt is and its bytes.

Beyond DESIGN.md 4's fields a receipt carries ``subject``, signed with the
rest: the digest of the message it pays for (:func:`receipt_subject`), or 32
zero bytes (:data:`NO_SUBJECT`) for a receipt that pays for no message. A
relay, which cannot read the Noise message it forwards, checks it: without
it, a receipt seen on the wire could pay for someone else's envelope, and the
genuine one would then be refused as a replay (docs/implementation.md).
"""

from __future__ import annotations

import hashlib
import struct

import attrs

from aura_rendezvous.core import (
    FORMAT_VERSION,
    AuthorityId,
    ContextId,
    DecodeError,
    LocalProtocolError,
    Reader,
    Tag,
    fixed_bytes,
    is_authority,
    is_context,
    u32,
    u64,
)

__all__ = [
    "LABEL_RECEIPT_HASH",
    "LABEL_RECEIPT_SIGNATURE",
    "LABEL_RECEIPT_SUBJECT",
    "MAX_OPERATION_LEN",
    "MAX_RECEIPT_LEN",
    "NO_SUBJECT",
    "Receipt",
    "receipt_subject",
]

LABEL_RECEIPT_SIGNATURE = b"aura/rendezvous/v1/receipt-signature"
LABEL_RECEIPT_HASH = b"aura/rendezvous/v1/receipt-hash"
LABEL_RECEIPT_SUBJECT = b"aura/rendezvous/v1/receipt-subject"
MAX_OPERATION_LEN = 64
MAX_RECEIPT_LEN = 2 + 4 + MAX_OPERATION_LEN + 32 * 3 + 8 + 4 + 8 + 32 + 32 + 64
NO_SUBJECT = bytes(32)
"""The subject of a receipt that pays for no message."""


def receipt_subject(message: bytes) -> bytes:
    """The subject of a receipt paying for ``message`` (the bytes it travels with:
    an encoded ``RelayEnvelope``, or a Noise message sent directly)."""
    return hashlib.blake2s(LABEL_RECEIPT_SUBJECT + message, digest_size=32).digest()


def _operation(inst: object, attribute: attrs.Attribute[str], value: str) -> None:
    check_operation(value)


@attrs.frozen
class Receipt:
    operation: str = attrs.field(validator=_operation)
    context_id: ContextId = attrs.field(validator=is_context)
    src: AuthorityId = attrs.field(validator=is_authority)
    dst: AuthorityId = attrs.field(validator=is_authority)
    epoch: int = attrs.field(validator=u64)
    cost: int = attrs.field(validator=u32)
    nonce: int = attrs.field(validator=u64)
    prev_hash: bytes = attrs.field(validator=fixed_bytes(32))
    signature: bytes = attrs.field(validator=fixed_bytes(64))
    # Last and defaulted so that a receipt built field by field before the subject
    # existed is one that pays for no message; on the wire it precedes the signature.
    subject: bytes = attrs.field(default=NO_SUBJECT, validator=fixed_bytes(32), kw_only=True)

    def body(self) -> bytes:
        """The signed part: everything but the signature, canonically encoded."""
        return receipt_body(
            self.operation,
            context_id=self.context_id,
            src=self.src,
            dst=self.dst,
            epoch=self.epoch,
            cost=self.cost,
            nonce=self.nonce,
            prev_hash=self.prev_hash,
            subject=self.subject,
        )

    def encode(self) -> bytes:
        return encode_signed(self.body(), self.signature)

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
                subject=r.fixed(32),
                signature=r.fixed(64),
            )
        except DecodeError:
            raise
        except LocalProtocolError as exc:
            raise r.fail(str(exc)) from None
        r.finish()
        return receipt

    def hash(self) -> bytes:
        """The chain link: BLAKE2s-256 of a label and the full encoding."""
        return chain_hash(self.encode())

    def signed_message(self) -> bytes:
        return LABEL_RECEIPT_SIGNATURE + self.body()


_BODY_TAG = bytes((Tag.RECEIPT_BODY, FORMAT_VERSION))
_BODY_INTS = struct.Struct(">QIQ")


def receipt_body(
    operation: str,
    *,
    context_id: ContextId,
    src: AuthorityId,
    dst: AuthorityId,
    epoch: int,
    cost: int,
    nonce: int,
    prev_hash: bytes,
    subject: bytes = NO_SUBJECT,
) -> bytes:
    # The Writer layout of the body (tag, version, u32-prefixed operation, three
    # ids, epoch u64, cost u32, nonce u64, prev hash, subject) in one join: a receipt is
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
            subject,
        )
    )


def check_operation(operation: object) -> str:
    if (
        not isinstance(operation, str)
        or not 0 < len(operation.encode("utf-8")) <= MAX_OPERATION_LEN
    ):
        raise LocalProtocolError(f"operation must be 1..{MAX_OPERATION_LEN} UTF-8 bytes")
    return operation


def encode_signed(body: bytes, signature: bytes) -> bytes:
    # The full encoding is the body's fields under the RECEIPT tag, then the
    # signature: one field layout, so encode() and body() can never drift apart.
    if len(signature) != 64:
        raise LocalProtocolError(f"fixed field must be 64 bytes, got {len(signature)}")
    return bytes((Tag.RECEIPT,)) + body[1:] + signature


def chain_hash(encoding: bytes) -> bytes:
    return hashlib.blake2s(LABEL_RECEIPT_HASH + encoding, digest_size=32).digest()
