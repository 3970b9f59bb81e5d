"""Decoded values as JSON fields, and back: the ``fields`` objects of the vectors.

Byte strings are lowercase hex, integers JSON numbers, transport hints and facts
objects with a ``kind`` naming the seed's variant. Each ``*_fields`` function is
the inverse of the matching ``*_from_fields`` on every value the vectors hold.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from aura_rendezvous import (
    AuthorityId,
    ContextId,
    QuicDirect,
    QuicReflexive,
    Receipt,
    RelayEnvelope,
    RendezvousDescriptor,
    SealedDescriptor,
    TcpDirect,
    TransportHint,
    WebSocketRelay,
)
from aura_rendezvous.journal import (
    ChannelEstablished,
    DescriptorFact,
    DescriptorRevoked,
    IdRange,
    JournalEntry,
    RangeDigest,
    RendezvousFact,
    SyncDigest,
    SyncFacts,
    SyncMessage,
    decode_fact,
    encode_fact,
)

__all__ = [
    "Obj",
    "descriptor_fields",
    "descriptor_from_fields",
    "entry_fields",
    "entry_from_fields",
    "envelope_fields",
    "envelope_from_fields",
    "fact_fields",
    "fact_from_fields",
    "receipt_fields",
    "receipt_from_fields",
    "sync_fields",
    "sync_from_fields",
    "unhex",
    "unhexes",
]

Fields = dict[str, Any]
Obj = Fields
"""An operation's input or output object."""


def unhex(value: object) -> bytes:
    """Bytes from a vector's hex string (a ``ValueError`` for anything else)."""
    if not isinstance(value, str):
        raise ValueError(f"expected a hex string, got {type(value).__name__}")
    return bytes.fromhex(value)


def unhexes(values: Sequence[object]) -> list[bytes]:
    """Bytes from each hex string of a vector's list."""
    return [unhex(v) for v in values]


def _hint_fields(hint: TransportHint) -> Fields:
    if isinstance(hint, QuicReflexive):
        return {"kind": "QuicReflexive", "addr": hint.addr, "stun_server": hint.stun_server}
    if isinstance(hint, WebSocketRelay):
        return {"kind": "WebSocketRelay", "relay_authority": hint.relay_authority.hex()}
    return {"kind": type(hint).__name__, "addr": hint.addr}


def _hint_from_fields(f: Fields) -> TransportHint:
    kind = f["kind"]
    if kind == "QuicReflexive":
        return QuicReflexive(f["addr"], f["stun_server"])
    if kind == "WebSocketRelay":
        return WebSocketRelay(AuthorityId(unhex(f["relay_authority"])))
    if kind == "QuicDirect":
        return QuicDirect(f["addr"])
    if kind == "TcpDirect":
        return TcpDirect(f["addr"])
    raise ValueError(f"unknown transport hint kind {kind!r}")


def descriptor_fields(d: RendezvousDescriptor) -> Fields:
    return {
        "authority_id": d.authority_id.hex(),
        "context_id": d.context_id.hex(),
        "transport_hints": [_hint_fields(h) for h in d.transport_hints],
        "handshake_psk_commitment": d.handshake_psk_commitment.hex(),
        "valid_from": d.valid_from,
        "valid_until": d.valid_until,
        "nonce": d.nonce.hex(),
    }


def descriptor_from_fields(f: Fields) -> RendezvousDescriptor:
    return RendezvousDescriptor(
        AuthorityId(unhex(f["authority_id"])),
        ContextId(unhex(f["context_id"])),
        tuple(_hint_from_fields(h) for h in f["transport_hints"]),
        unhex(f["handshake_psk_commitment"]),
        f["valid_from"],
        f["valid_until"],
        unhex(f["nonce"]),
    )


def fact_fields(fact: RendezvousFact) -> Fields:
    if isinstance(fact, DescriptorFact):
        s = fact.sealed
        return {
            "kind": "Descriptor",
            "sealed": {
                "context_id": s.context_id.hex(),
                "authority_id": s.authority_id.hex(),
                "epoch": s.epoch,
                "ciphertext": s.ciphertext.hex(),
            },
        }
    if isinstance(fact, ChannelEstablished):
        return {
            "kind": "ChannelEstablished",
            "context_id": fact.context_id.hex(),
            "initiator": fact.initiator.hex(),
            "responder": fact.responder.hex(),
            "channel_id": fact.channel_id.hex(),
            "epoch": fact.epoch,
            "signature": fact.signature.hex(),
        }
    return {
        "kind": "DescriptorRevoked",
        "context_id": fact.context_id.hex(),
        "authority_id": fact.authority_id.hex(),
        "nonce": fact.nonce.hex(),
        "signature": fact.signature.hex(),
    }


def fact_from_fields(f: Fields) -> RendezvousFact:
    kind = f["kind"]
    if kind == "Descriptor":
        s = f["sealed"]
        return DescriptorFact(
            SealedDescriptor(
                ContextId(unhex(s["context_id"])),
                AuthorityId(unhex(s["authority_id"])),
                s["epoch"],
                unhex(s["ciphertext"]),
            )
        )
    if kind == "ChannelEstablished":
        return ChannelEstablished(
            ContextId(unhex(f["context_id"])),
            AuthorityId(unhex(f["initiator"])),
            AuthorityId(unhex(f["responder"])),
            unhex(f["channel_id"]),
            f["epoch"],
            unhex(f["signature"]),
        )
    if kind == "DescriptorRevoked":
        return DescriptorRevoked(
            ContextId(unhex(f["context_id"])),
            AuthorityId(unhex(f["authority_id"])),
            unhex(f["nonce"]),
            unhex(f["signature"]),
        )
    raise ValueError(f"unknown fact kind {kind!r}")


def entry_fields(e: JournalEntry) -> Fields:
    return {
        "lamport": e.lamport,
        "origin": e.origin.hex(),
        "fact": encode_fact(e.fact).hex(),
        "fact_id": e.fact_id.hex(),
        "entry_id": e.entry_id.hex(),
    }


def entry_from_fields(f: Fields) -> JournalEntry:
    return JournalEntry(
        decode_fact(unhex(f["fact"])), f["lamport"], AuthorityId(unhex(f["origin"]))
    )


def receipt_fields(r: Receipt) -> Fields:
    return {
        "operation": r.operation,
        "context_id": r.context_id.hex(),
        "src": r.src.hex(),
        "dst": r.dst.hex(),
        "epoch": r.epoch,
        "cost": r.cost,
        "nonce": r.nonce,
        "prev_hash": r.prev_hash.hex(),
        "subject": r.subject.hex(),
        "signature": r.signature.hex(),
        "hash": r.hash().hex(),
    }


def receipt_from_fields(f: Fields) -> Receipt:
    return Receipt(
        f["operation"],
        ContextId(unhex(f["context_id"])),
        AuthorityId(unhex(f["src"])),
        AuthorityId(unhex(f["dst"])),
        f["epoch"],
        f["cost"],
        f["nonce"],
        unhex(f["prev_hash"]),
        unhex(f["signature"]),
        subject=unhex(f["subject"]),
    )


def _range_fields(r: RangeDigest) -> Fields:
    out: Fields = {"depth": r.range.depth, "prefix": r.range.prefix.hex()}
    if r.ids is None:
        out.update(count=r.count, fingerprint=r.fingerprint.hex())
    else:
        out["ids"] = [i.hex() for i in r.ids]
    return out


def _range_from_fields(f: Fields) -> RangeDigest:
    rng = IdRange(f["depth"], unhex(f["prefix"]))
    if "ids" in f:
        return RangeDigest.of(rng, [unhex(i) for i in f["ids"]], listed=True)
    return RangeDigest(rng, f["count"], unhex(f["fingerprint"]))


def sync_fields(m: SyncMessage) -> Fields:
    out: Fields = {
        "type": type(m).__name__,
        "context_id": m.context_id.hex(),
        "sender": m.sender.hex(),
    }
    if isinstance(m, SyncFacts):
        out["entries"] = [e.encode().hex() for e in m.entries]
    out["ranges"] = [_range_fields(r) for r in m.ranges]
    return out


def sync_from_fields(f: Fields) -> SyncMessage:
    context, sender = ContextId(unhex(f["context_id"])), AuthorityId(unhex(f["sender"]))
    ranges = [_range_from_fields(r) for r in f["ranges"]]
    if f["type"] == "SyncDigest":
        return SyncDigest(context, sender, ranges)
    entries = [JournalEntry.decode(unhex(e)) for e in f["entries"]]
    return SyncFacts(context, sender, entries, ranges)


def envelope_fields(e: RelayEnvelope) -> Fields:
    return {
        "context_id": e.context_id.hex(),
        "src": e.src.hex(),
        "dst": e.dst.hex(),
        "payload": e.payload.hex(),
    }


def envelope_from_fields(f: Fields) -> RelayEnvelope:
    return RelayEnvelope(
        ContextId(unhex(f["context_id"])),
        AuthorityId(unhex(f["src"])),
        AuthorityId(unhex(f["dst"])),
        unhex(f["payload"]),
    )
