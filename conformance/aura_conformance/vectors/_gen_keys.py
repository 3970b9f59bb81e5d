"""Vectors of the key schedule: authority keys, context keys and PSK, prologue, channel id."""

from __future__ import annotations

from aura_conformance.vectors._build import Builder
from aura_conformance.vectors._document import Vector

__all__ = ["key_schedule_vectors"]


def key_schedule_vectors(b: Builder) -> list[Vector]:
    keys = b.codec.keys
    for name in ("alice", "bob", "carol", "mallory"):
        k = keys.keys(name)
        seed = keys.seed(name)
        b.ok(
            f"authority/{name}",
            "authority_keys",
            {"authority_id": k.authority_id.hex(), "seed": seed},
        )
    alice = keys.keys("alice")
    b.bad(
        "authority/short-seed",
        "authority_keys",
        {"authority_id": alice.authority_id.hex(), "seed": "11" * 31},
        "LocalProtocolError",
        "seeds shorter than 32 bytes are refused: no weak key material",
    )
    for ctx in ("ctx_a", "ctx_b"):
        m = keys.membership(ctx)
        for epoch in (0, 1, 2**64 - 1):
            b.ok(
                f"context/{ctx}/epoch-{epoch}",
                "context_keys",
                {
                    "context_id": m.context_id.hex(),
                    "root_secret": m.root_secret.hex(),
                    "epoch": epoch,
                },
            )
    a = keys.membership("ctx_a")
    b.bad(
        "context/short-root-secret",
        "context_keys",
        {"context_id": a.context_id.hex(), "root_secret": "22" * 31, "epoch": 0},
        "LocalProtocolError",
        "a root secret shorter than 32 bytes is refused",
    )
    b.bad(
        "context/epoch-out-of-range",
        "context_keys",
        {"context_id": a.context_id.hex(), "root_secret": a.root_secret.hex(), "epoch": 2**64},
        "ValueRangeError",
        "an epoch is a u64: 2^64 has no 8-byte encoding",
    )
    for epoch in (0, 1):
        b.ok(
            f"prologue/ctx_a/epoch-{epoch}",
            "handshake_prologue",
            {"context_id": a.context_id.hex(), "epoch": epoch},
        )
    hh = "ab" * 32
    b.ok(
        "channel-id/ctx_a/epoch-1",
        "channel_id",
        {"context_id": a.context_id.hex(), "epoch": 1, "handshake_hash": hh},
    )
    b.ok(
        "channel-id/ctx_b/epoch-1",
        "channel_id",
        {"context_id": keys.cid("ctx_b").hex(), "epoch": 1, "handshake_hash": hh},
        "same handshake hash, another context: another channel id",
    )
    b.ok(
        "channel-id/ctx_a/epoch-2",
        "channel_id",
        {"context_id": a.context_id.hex(), "epoch": 2, "handshake_hash": hh},
        "same handshake hash, another epoch: another channel id",
    )
    return b.vectors
