"""Vectors of sync messages: digest and facts encodings, paging and descent of an
answer, and the sealed form every sync message travels in."""

from __future__ import annotations

import hashlib

import attrs
from aura_rendezvous.journal import (
    LABEL_SYNC_SEAL_NONCE,
    LABEL_SYNC_SIGNATURE,
    ContextJournal,
    JournalEntry,
    SealedSyncMessage,
    make_digest,
)
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305

from aura_conformance.vectors._build import Builder, flip, retag, reversion, trailing, truncated
from aura_conformance.vectors._codec import ReferenceCodec
from aura_conformance.vectors._document import Vector
from aura_conformance.vectors._gen_journal import channel_fact, sample_entries

__all__ = ["sync_vectors"]

_EPOCH = 1
_MANY = 65
"""One more entry than an answer message holds: the answer takes two pages."""


def _many_entries(codec: ReferenceCodec) -> list[str]:
    alice = codec.keys.aid("alice")
    return [JournalEntry(channel_fact(codec, n), n + 1, alice).encode().hex() for n in range(_MANY)]


def _digest_of(
    codec: ReferenceCodec, sender: str, entries: list[str], context: str = "ctx_a"
) -> str:
    journal = ContextJournal(codec.keys.cid(context))
    journal.merge_all([JournalEntry.decode(bytes.fromhex(e)) for e in entries])
    return make_digest(journal, codec.keys.aid(sender)).encode().hex()


def sync_vectors(codec: ReferenceCodec) -> list[Vector]:
    b = Builder(codec, "sync")
    small = [e.encode().hex() for e in sample_entries(codec)]
    many = _many_entries(codec)
    root = [{"depth": 0, "prefix": ""}]
    listed = b.ok(
        "digests/listed-ids",
        "sync.digests",
        {"context": "ctx_a", "sender": "alice", "entries": small, "ranges": root},
    )["pages"][0]
    summary = b.ok(
        "digests/summary",
        "sync.digests",
        {"context": "ctx_a", "sender": "alice", "entries": many, "ranges": root},
        f"{_MANY} ids in one range: more than 32, so the range is summarised (count, fingerprint)",
    )["pages"][0]
    children = [{"depth": 1, "prefix": f"{n:x}0"} for n in range(16)]
    b.ok(
        "digests/children",
        "sync.digests",
        {"context": "ctx_a", "sender": "alice", "entries": many, "ranges": children},
        "the sixteen one-nibble ranges, each small enough to list its ids",
    )
    pages = b.ok(
        "digests/paging",
        "sync.digests",
        {
            "context": "ctx_a",
            "sender": "alice",
            "entries": small,
            "ranges": [{"depth": 2, "prefix": f"{n:02x}"} for n in range(256)]
            + [{"depth": 3, "prefix": "0000"}],
        },
        "257 ranges: a digest page holds at most 256, so the last starts a second page",
    )["pages"]
    assert len(pages) == 2
    empty = _digest_of(codec, "bob", [])
    paged = b.ok(
        "answer/paging",
        "sync.answer",
        {"context": "ctx_a", "responder": "alice", "entries": many, "digest": empty},
        f"the puller holds nothing: {_MANY} entries in pages of at most 64",
    )["messages"]
    descend = b.ok(
        "answer/descend",
        "sync.answer",
        {
            "context": "ctx_a",
            "responder": "alice",
            "entries": many,
            "digest": _digest_of(codec, "bob", many[:40]),
        },
        "the puller's summary differs and it listed no ids: the answer summarises the sub-ranges",
    )["messages"]
    b.ok(
        "answer/in-sync",
        "sync.answer",
        {"context": "ctx_a", "responder": "alice", "entries": many, "digest": summary},
        "equal summaries: nothing to send",
    )
    for name, message in (
        ("listed-ids", listed),
        ("summary", summary),
        ("facts-entries", paged[1]),
        ("facts-ranges", descend[0]),
        ("second-page", pages[1]),
    ):
        fields = b.ok(f"{name}/decode", "sync.decode", {"bytes": message})["fields"]
        b.ok(f"{name}/encode", "sync.encode", {"fields": fields})
    b.bad(
        "answer/non-member",
        "sync.answer",
        {
            "context": "ctx_a",
            "responder": "alice",
            "entries": small,
            "digest": _digest_of(codec, "mallory", []),
        },
        "NotAMember",
        "a digest from an authority off the roster gets no answer",
    )
    b.bad(
        "answer/other-context",
        "sync.answer",
        {
            "context": "ctx_a",
            "responder": "alice",
            "entries": small,
            "digest": _digest_of(codec, "bob", [], "ctx_b"),
        },
        "ContextMismatchError",
        "a digest of ctx_b offered to ctx_a's journal",
    )
    _decode_errors(b, listed, paged[1], descend[0])
    _sealed_vectors(codec, b, listed)
    return b.vectors


def _decode_errors(b: Builder, listed: str, facts: str, ranges: str) -> None:
    # Digest layout: tag, version, context (32), sender (32), range count (4), then per
    # range: depth (1), prefix, mode (1), and ids (count u32, 32 bytes each) or
    # count (u32) and fingerprint (16).
    first = 2 * (2 + 64 + 4)
    ids_at = first + 2 * (1 + 1 + 4)
    swapped = (
        listed[:ids_at]
        + listed[ids_at + 64 : ids_at + 128]
        + listed[ids_at : ids_at + 64]
        + listed[ids_at + 128 :]
    )
    cases = {
        "empty": ("", "no bytes at all"),
        "unknown-tag": (
            retag(listed, 0x08),
            "a journal-entry tag: neither SyncDigest (0x06) nor SyncFacts (0x07)",
        ),
        "wrong-version": (reversion(listed, 2), "format version 2 is unknown"),
        "truncated": (truncated(listed), "one byte short of the last id"),
        "trailing-byte": (trailing(listed), "one byte after the last range"),
        "ids-not-sorted": (swapped, "listed ids must be strictly increasing: one encoding per set"),
        "depth-too-large": (
            listed[:first] + "41" + listed[first + 2 :],
            "a range depth of 65 nibbles (ids have 64)",
        ),
        "unknown-range-mode": (
            listed[:first] + "00" + "02" + listed[first + 4 :],
            "range modes are 0 (summary) and 1 (ids)",
        ),
        "facts-with-listed-ids": (
            facts[: 2 * (2 + 64)] + "00000000" + "00000001" + "00" + "01" + "00000000",
            "an answer summarises ranges; it never lists ids",
        ),
        "facts-too-many-entries": (
            facts[: 2 * (2 + 64)] + "00000041",
            "65 entries in one answer message, the limit is 64",
        ),
        "ranges-not-sorted": (_swap_ranges(ranges), "ranges must be strictly increasing"),
        "unused-nibble-set": (
            listed[:first]
            + "01"
            + "0f"
            + "01"
            + "00000000"
            + listed[first + 2 * 7 + 2 * 32 * _count(listed, first) :],
            "a depth-1 prefix whose unused low nibble is not zero",
        ),
    }
    for name, (data, why) in cases.items():
        b.bad(f"{name}/decode", "sync.decode", {"bytes": data}, "DecodeError", why)


def _count(listed: str, first: int) -> int:
    return int(listed[first + 6 : first + 14], 16)


def _swap_ranges(message: str) -> str:
    """A SyncFacts of summaries (21 bytes each at depth 1) with its first two swapped."""
    start = 2 * (2 + 64 + 4 + 4)
    size = 2 * (1 + 1 + 1 + 4 + 16)
    one, two = message[start : start + size], message[start + size : start + 2 * size]
    return message[:start] + two + one + message[start + 2 * size :]


def _seal_raw(codec: ReferenceCodec, inner: bytes, signer: str, context: str, epoch: int) -> str:
    """A sealed sync message built by hand with ``context``'s real key: what a member
    who bends the rules of sealing would send."""
    membership = codec.keys.membership(context)
    key = membership.sync_key(epoch)
    signed = LABEL_SYNC_SIGNATURE + membership.context_id.value + epoch.to_bytes(8, "big") + inner
    plaintext = codec.keys.keys(signer).sign(signed) + inner
    nonce = hashlib.blake2s(LABEL_SYNC_SEAL_NONCE + plaintext, key=key).digest()[:12]
    sealed = SealedSyncMessage(membership.context_id, epoch, b"")
    body = ChaCha20Poly1305(key).encrypt(nonce, plaintext, sealed.associated_data())
    return attrs.evolve(sealed, ciphertext=nonce + body).encode().hex()


def _sealed_vectors(codec: ReferenceCodec, b: Builder, digest_by_alice: str) -> None:
    sealed = b.ok(
        "sealed/seal",
        "sealed_sync.seal",
        {"message": digest_by_alice, "sender": "alice", "context": "ctx_a", "epoch": _EPOCH},
    )["bytes"]
    b.ok("sealed/open", "sealed_sync.open", {"bytes": sealed, "context": "ctx_a"})
    b.bad(
        "sealed/seal-as-other",
        "sealed_sync.seal",
        {"message": digest_by_alice, "sender": "bob", "context": "ctx_a", "epoch": _EPOCH},
        "LocalProtocolError",
        "a sync message is sealed by its own sender",
    )
    mallory_digest = _digest_of(codec, "mallory", [])
    mallory = codec.run(
        "sealed_sync.seal",
        {"message": mallory_digest, "sender": "mallory", "context": "ctx_a", "epoch": _EPOCH},
    )["bytes"]
    inner = bytes.fromhex(digest_by_alice)
    ctx_b_digest = bytes.fromhex(_digest_of(codec, "alice", [], "ctx_b"))
    epoch_at = 2 * (2 + 32)
    cases = {
        "flipped-ciphertext": (
            "ctx_a",
            flip(sealed, -1),
            "DecryptFailed",
            "the last AEAD tag byte flipped",
        ),
        "rewritten-epoch": (
            "ctx_a",
            sealed[:epoch_at] + (_EPOCH + 1).to_bytes(8, "big").hex() + sealed[epoch_at + 16 :],
            "DecryptFailed",
            "the clear epoch rewritten: key and associated data bind it",
        ),
        "other-context": (
            "ctx_b",
            sealed,
            "ContextMismatchError",
            "a message of ctx_a offered to ctx_b",
        ),
        "non-member-key": (
            "ctx_a_outsider",
            sealed,
            "DecryptFailed",
            "ctx_a's public id with another root secret",
        ),
        "non-member-sender": (
            "ctx_a",
            mallory,
            "NotAMember",
            "sealed under the context key by an authority off the roster",
        ),
        "signed-by-other-member": (
            "ctx_a",
            _seal_raw(codec, inner, "bob", "ctx_a", _EPOCH),
            "BadSignature",
            "alice's digest signed with bob's key: the named sender must sign",
        ),
        "inner-other-context": (
            "ctx_a",
            _seal_raw(codec, ctx_b_digest, "alice", "ctx_a", _EPOCH),
            "ContextMismatchError",
            "a ctx_b digest inside a ctx_a envelope",
        ),
        "truncated": (
            "ctx_a",
            truncated(sealed),
            "DecodeError",
            "one byte short of the ciphertext",
        ),
        "trailing-byte": (
            "ctx_a",
            trailing(sealed),
            "DecodeError",
            "one byte after the ciphertext",
        ),
        "wrong-tag": ("ctx_a", retag(sealed, 0x03), "DecodeError", "a sealed-descriptor tag"),
        "short-ciphertext": (
            "ctx_a",
            sealed[: 2 * (2 + 32 + 8)] + "0000005b" + "00" * 91,
            "DecodeError",
            "91 bytes: shorter than nonce, signature and tag (92)",
        ),
    }
    for name, (context, data, error, why) in cases.items():
        b.bad(f"sealed/{name}", "sealed_sync.open", {"bytes": data, "context": context}, error, why)
