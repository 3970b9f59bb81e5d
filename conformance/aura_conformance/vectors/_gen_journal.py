"""Vectors of journal facts (the three kinds) and journal entries."""

from __future__ import annotations

import hashlib

import attrs
from aura_rendezvous.journal import (
    ChannelEstablished,
    DescriptorFact,
    DescriptorRevoked,
    JournalEntry,
    RendezvousFact,
    encode_fact,
    record_channel,
    revoke_descriptor,
)

from aura_conformance.vectors._build import Builder, flip, retag, reversion, trailing, truncated
from aura_conformance.vectors._codec import ReferenceCodec
from aura_conformance.vectors._document import Vector
from aura_conformance.vectors._fields import fact_fields
from aura_conformance.vectors._gen_descriptors import sealed_descriptor

__all__ = ["channel_fact", "journal_vectors", "sample_entries"]


def channel_fact(codec: ReferenceCodec, n: int, signer: str = "alice") -> ChannelEstablished:
    """The ``n``-th ChannelEstablished of alice and bob in ctx_a, epoch 1."""
    keys = codec.keys
    return record_channel(
        keys.keys(signer),
        keys.cid("ctx_a"),
        initiator=keys.aid("alice"),
        responder=keys.aid("bob"),
        channel_id=hashlib.sha256(f"channel {n}".encode()).digest(),
        epoch=1,
    )


def _facts(codec: ReferenceCodec) -> dict[str, RendezvousFact]:
    keys = codec.keys
    nonce = hashlib.sha256(b"descriptor nonce alice").digest()
    return {
        "descriptor": DescriptorFact(sealed_descriptor(codec)),
        "channel-established": channel_fact(codec, 0),
        "revocation": revoke_descriptor(keys.keys("alice"), keys.cid("ctx_a"), nonce),
    }


def sample_entries(codec: ReferenceCodec) -> list[JournalEntry]:
    """One entry of each fact kind, stamped 1, 2, 3."""
    keys = codec.keys
    facts = list(_facts(codec).values())
    origins = ("alice", "alice", "bob")
    return [
        JournalEntry(f, i + 1, keys.aid(o))
        for i, (f, o) in enumerate(zip(facts, origins, strict=True))
    ]


def journal_vectors(codec: ReferenceCodec) -> list[Vector]:
    b = Builder(codec, "fact")
    keys = codec.keys
    facts = _facts(codec)
    encoded: dict[str, str] = {}
    for name, fact in facts.items():
        encoded[name] = b.ok(f"{name}/encode", "fact.encode", {"fields": fact_fields(fact)})[
            "bytes"
        ]
        b.ok(f"{name}/decode", "fact.decode", {"bytes": encoded[name]})
        b.ok(f"{name}/verify", "fact.verify", {"bytes": encoded[name], "context": "ctx_a"})
    revocation = facts["revocation"]
    assert isinstance(revocation, DescriptorRevoked)
    by_bob = revoke_descriptor(keys.keys("bob"), keys.cid("ctx_a"), revocation.nonce)
    by_bob = attrs.evolve(by_bob, authority_id=keys.aid("alice"))
    by_bob = attrs.evolve(by_bob, signature=keys.keys("bob").sign(by_bob.signed_message()))
    b.ok(
        "revocation-by-other-member/verify",
        "fact.verify",
        {"bytes": encode_fact(by_bob).hex(), "context": "ctx_a"},
        "a revocation of alice's descriptor signed by bob is attributable (it syncs), "
        "though the descriptor cache honours only the publisher's",
    )
    channel = facts["channel-established"]
    assert isinstance(channel, ChannelEstablished)
    by_mallory = attrs.evolve(
        revocation, signature=keys.keys("mallory").sign(revocation.signed_message())
    )
    unattributable = {
        "revocation-flipped-signature": (
            flip(encoded["revocation"], -1),
            "a signature byte flipped",
        ),
        "revocation-by-non-member": (
            encode_fact(by_mallory).hex(),
            "signed by mallory, who is on no roster",
        ),
        "channel-unsigned": (
            encode_fact(attrs.evolve(channel, signature=b"")).hex(),
            "an unsigned ChannelEstablished is never taken from a peer",
        ),
        "channel-signed-by-non-party": (
            encode_fact(_resigned(codec, channel, "carol")).hex(),
            "signed by carol, a member but not a party of the channel",
        ),
        "channel-flipped-epoch": (
            flip(encoded["channel-established"], 2 + 1 + 4 * 32 + 7),
            "the epoch changed after signing",
        ),
        "descriptor-flipped-ciphertext": (
            flip(encoded["descriptor"], -1),
            "a sealed descriptor that does not open: no member's signature can be checked",
        ),
    }
    for name, (data, why) in unattributable.items():
        b.bad(
            f"{name}/verify",
            "fact.verify",
            {"bytes": data, "context": "ctx_a"},
            "UnattributableFact",
            why,
        )
    raw = encoded["revocation"]
    ch = encoded["channel-established"]
    decode_errors = {
        "unknown-kind": (raw[:4] + "04" + raw[6:], "fact kinds are 1..3"),
        "truncated": (truncated(raw), "one byte short of the signature"),
        "trailing-byte": (trailing(raw), "one byte after the signature"),
        "wrong-tag": (retag(raw, 0x08), "a journal-entry tag where a fact is expected"),
        "wrong-version": (reversion(raw, 2), "format version 2 is unknown"),
        "channel-short-signature": (
            ch[: 2 * (3 + 4 * 32 + 8)] + "0000000a" + "00" * 10,
            "a ChannelEstablished signature is 64 bytes (or empty), not 10",
        ),
        "channel-signature-too-long": (
            ch[: 2 * (3 + 4 * 32 + 8)] + "00000041" + "00" * 65,
            "a length prefix of 65 for a field of at most 64",
        ),
    }
    for name, (data, why) in decode_errors.items():
        b.bad(f"{name}/decode", "fact.decode", {"bytes": data}, "DecodeError", why)
    return b.vectors + _entry_vectors(codec)


def _resigned(codec: ReferenceCodec, fact: ChannelEstablished, signer: str) -> ChannelEstablished:
    return attrs.evolve(fact, signature=codec.keys.keys(signer).sign(fact.signed_message()))


def _entry_vectors(codec: ReferenceCodec) -> list[Vector]:
    b = Builder(codec, "journal_entry")
    entries = sample_entries(codec)
    names = ("descriptor", "channel-established", "revocation")
    encoded = {}
    for name, entry in zip(names, entries, strict=True):
        data = {
            "lamport": entry.lamport,
            "origin": entry.origin.hex(),
            "fact": encode_fact(entry.fact).hex(),
        }
        encoded[name] = b.ok(f"{name}/encode", "journal_entry.encode", data)["bytes"]
        b.ok(f"{name}/decode", "journal_entry.decode", {"bytes": encoded[name]})
    top = entries[2]
    data = {"lamport": 2**64 - 1, "origin": top.origin.hex(), "fact": encode_fact(top.fact).hex()}
    b.ok(
        "max-lamport/encode",
        "journal_entry.encode",
        data,
        "the stamp is part of the entry id: the same fact under another stamp is another entry",
    )
    raw = encoded["revocation"]
    # Layout: tag, version, lamport (8), origin (32), fact length (4), fact.
    fact_at = 2 * (2 + 8 + 32 + 4)
    cases = {
        "truncated": (truncated(raw), "one byte short of the fact"),
        "trailing-byte": (trailing(raw), "one byte after the fact"),
        "wrong-tag": (retag(raw, 0x04), "a fact tag where an entry is expected"),
        "wrong-version": (reversion(raw, 7), "format version 7 is unknown"),
        "inner-fact-wrong-tag": (
            raw[:fact_at] + "05" + raw[fact_at + 2 :],
            "the inner fact carries a receipt tag",
        ),
        "fact-length-past-end": (
            raw[: fact_at - 8] + f"{len(raw) // 2 - fact_at // 2 + 1:08x}" + raw[fact_at:],
            "the fact's length prefix claims one byte more than there is",
        ),
    }
    for name, (data_hex, why) in cases.items():
        b.bad(f"{name}/decode", "journal_entry.decode", {"bytes": data_hex}, "DecodeError", why)
    return b.vectors
