"""Vectors of receipts: the encoding, a signed chain as issued, and the receiver's checks."""

from __future__ import annotations

from aura_rendezvous import Receipt
from aura_rendezvous.guard import receipt_subject

from aura_conformance.vectors._build import Builder, flip, retag, reversion, trailing, truncated
from aura_conformance.vectors._codec import ReferenceCodec
from aura_conformance.vectors._document import Vector

__all__ = ["receipt_vectors"]

_EPOCH = 1


def _issue(
    operation: str,
    dst: str,
    context: str = "ctx_a",
    *,
    epoch: int = _EPOCH,
    cost: int = 2,
    subject: bytes | None = None,
) -> dict[str, object]:
    out: dict[str, object] = {
        "operation": operation,
        "context": context,
        "dst": dst,
        "epoch": epoch,
        "cost": cost,
    }
    if subject is not None:
        out["subject"] = subject.hex()
    return out


# What the chain's relay_request pays for: the subject of a receipt is the BLAKE2s
# digest of the message it travels with (any bytes: the receipt does not parse them).
_PAID = b"the relay envelope this receipt pays for"


def receipt_vectors(codec: ReferenceCodec) -> list[Vector]:
    b = Builder(codec, "receipt")
    chain = b.ok(
        "issue/chain",
        "receipt.issue",
        {
            "issuer": "alice",
            "receipts": [
                _issue("connect_direct", "bob"),
                _issue("handshake_complete", "bob", cost=1),
                _issue("relay_request", "carol", subject=receipt_subject(_PAID)),
                _issue("connect_direct", "bob", epoch=_EPOCH + 1),
            ],
        },
        "nonces count per (context, epoch, dst) stream from 1; the first links to 32 zero bytes, "
        "each next one to the hash of the previous of its stream; the relay_request names the "
        "message it pays for (subject), the others none (32 zero bytes)",
    )["receipts"]
    first, second, to_carol, next_epoch = chain
    for name, raw in (("first", first), ("second", second), ("with-subject", to_carol)):
        decoded = b.ok(f"{name}/decode", "receipt.decode", {"bytes": raw})["fields"]
        fields = {k: v for k, v in decoded.items() if k != "hash"}
        b.ok(f"{name}/encode", "receipt.encode", {"fields": fields})
    other_ctx = codec.run(
        "receipt.issue", {"issuer": "alice", "receipts": [_issue("connect_direct", "bob", "ctx_b")]}
    )["receipts"][0]
    mallory = codec.run(
        "receipt.issue", {"issuer": "mallory", "receipts": [_issue("connect_direct", "bob")]}
    )["receipts"][0]
    verify = {"receiver": "bob", "context": "ctx_a", "current_epoch": _EPOCH}
    b.ok("verify/chain", "receipt.verify", {**verify, "receipts": [first, second]})
    b.ok(
        "verify/resume-after-loss",
        "receipt.verify",
        {**verify, "receipts": [second]},
        "nonce 2 first: receipt 1 was lost with its message; after a gap the link is not checked",
    )

    # Receipt layout: tag, version, operation (u32 length + text), context, src, dst (32
    # each), epoch u64, cost u32, nonce u64, prev_hash (32), subject (32), signature (64).
    # Offsets from the end, so per receipt: the operations differ in length.
    def subject_at(raw: str) -> int:
        return len(raw) // 2 - 64 - 32

    def prev_at(raw: str) -> int:
        return subject_at(raw) - 32

    broken_link = flip(second, prev_at(second))
    resigned = _resign(codec, broken_link, "alice")
    cases = {
        "replayed": (
            [first, first],
            "ReceiptReplayed",
            "the same receipt twice: nonce 1 is not above 1",
        ),
        "reordered": ([second, first], "ReceiptReplayed", "nonce 1 after nonce 2"),
        "broken-chain": (
            [first, resigned],
            "ReceiptChainBroken",
            "nonce 2 right after nonce 1, correctly signed, but linking to another hash",
        ),
        "flipped-signature": ([flip(first, -1)], "ReceiptWrongSigner", "a signature byte flipped"),
        "flipped-subject": (
            [flip(first, subject_at(first))],
            "ReceiptWrongSigner",
            "the subject changed after signing: a receipt cannot be moved to another message",
        ),
        "flipped-cost": (
            [flip(first, prev_at(first) - 8 - 1)],
            "ReceiptWrongSigner",
            "the cost changed after signing",
        ),
        "non-member-signer": (
            [mallory],
            "ReceiptWrongSigner",
            "issued by mallory, who is on no roster",
        ),
        "wrong-epoch": ([next_epoch], "ReceiptWrongEpoch", "a receipt of epoch 2 at epoch 1"),
        "wrong-context": (
            [other_ctx],
            "ReceiptWrongContext",
            "a receipt of ctx_b offered to ctx_a's verifier",
        ),
        "wrong-destination": (
            [to_carol],
            "ReceiptWrongDestination",
            "addressed to carol, checked by bob",
        ),
        "truncated": ([truncated(first)], "DecodeError", "one byte short of the signature"),
        "trailing-byte": ([trailing(first)], "DecodeError", "one byte after the signature"),
        "wrong-tag": (
            [retag(first, 0x0A)],
            "DecodeError",
            "the receipt-body tag: a body is never sent alone",
        ),
        "wrong-version": ([reversion(first, 2)], "DecodeError", "format version 2 is unknown"),
        "empty-operation": (
            ["0501" + "00000000" + first[2 * (2 + 4 + 14) :]],
            "DecodeError",
            "an operation of 0 bytes (1..64 allowed)",
        ),
        "operation-too-long": (
            ["0501" + "00000041" + first[12:]],
            "DecodeError",
            "an operation length of 65, the limit is 64",
        ),
    }
    for name, (receipts, error, why) in cases.items():
        b.bad(f"verify/{name}", "receipt.verify", {**verify, "receipts": receipts}, error, why)
    return b.vectors


def _resign(codec: ReferenceCodec, receipt_hex: str, signer: str) -> str:
    """``receipt_hex`` with its signature redone by ``signer`` over its (changed) body."""
    raw = bytes.fromhex(receipt_hex)
    unsigned = Receipt.decode(raw)
    signature = codec.keys.keys(signer).sign(unsigned.signed_message())
    return (raw[:-64] + signature).hex()
