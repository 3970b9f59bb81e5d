"""Vectors of the relay envelope: its encoding, and the shape a relay checks before
it pays to forward one."""

from __future__ import annotations

from typing import Any

from aura_rendezvous import RelayEnvelope
from aura_rendezvous.guard import receipt_subject

from aura_conformance.vectors._build import Builder, retag, reversion, trailing, truncated
from aura_conformance.vectors._codec import ReferenceCodec
from aura_conformance.vectors._document import Vector
from aura_conformance.vectors._fields import envelope_fields
from aura_conformance.vectors._gen_channels import handshake_inputs
from aura_conformance.vectors._keys import ephemeral_private

__all__ = ["relay_vectors"]


def relay_vectors(codec: ReferenceCodec) -> list[Vector]:
    b = Builder(codec, "relay_envelope")
    keys = codec.keys
    data = handshake_inputs()
    run = codec.run("handshake.run", data)
    transport = codec.run(
        "transport.seal", {"handshake": data, "sender": "initiator", "plaintexts": ["00"]}
    )["messages"][0]
    ctx, alice, bob, carol = (
        keys.cid("ctx_a"),
        keys.aid("alice"),
        keys.aid("bob"),
        keys.aid("carol"),
    )

    def envelope(payload: str, src: Any = alice, dst: Any = bob) -> str:
        return RelayEnvelope(ctx, src, dst, bytes.fromhex(payload)).encode().hex()

    encoded = {}
    for name, payload in (
        ("message1", run["message1"]),
        ("message2", run["message2"]),
        ("transport", transport),
    ):
        src, dst = (bob, alice) if name == "message2" else (alice, bob)
        fields = envelope_fields(RelayEnvelope(ctx, src, dst, bytes.fromhex(payload)))
        encoded[name] = b.ok(f"{name}/encode", "relay_envelope.encode", {"fields": fields})["bytes"]
        b.ok(f"{name}/decode", "relay_envelope.decode", {"bytes": encoded[name]})
    raw = encoded["transport"]
    decode_errors = {
        "truncated": (truncated(raw), "one byte short of the payload"),
        "trailing-byte": (trailing(raw), "one byte after the payload"),
        "wrong-tag": (retag(raw, 0x0B), "a sealed-sync tag"),
        "wrong-version": (reversion(raw, 2), "format version 2 is unknown"),
        "payload-length-too-large": (
            raw[: 2 * (2 + 96)] + "00010000",
            "a payload length of 65536: a Noise message is at most 65535 bytes",
        ),
    }
    for name, (data_hex, why) in decode_errors.items():
        b.bad(f"{name}/decode", "relay_envelope.decode", {"bytes": data_hex}, "DecodeError", why)
    check = {"relay": "carol", "context": "ctx_a", "epoch": 1}
    b.ok(
        "forward/transport",
        "relay_envelope.forward_check",
        {**check, "bytes": raw},
        "a transport message between two members: the relay forwards it (it carries no receipt)",
    )
    m1 = run["message1"]
    shape_errors = {
        "to-self": (envelope(transport, alice, alice), "an envelope from alice to alice"),
        "from-relay": (envelope(transport, carol, bob), "the relay is one of the endpoints"),
        "not-a-protocol-message": (envelope("0203" + "00" * 64), "the payload's version byte is 2"),
        "init-too-long": (
            envelope(m1 + "00"),
            "a message 1 of 148 bytes: IKpsk2 message 1 is exactly 147",
        ),
        "init-too-short": (envelope(m1[:-2]), "a message 1 of 146 bytes"),
        "response-wrong-size": (
            envelope(run["message2"] + "00", bob, alice),
            "a message 2 of 59 bytes (exactly 58)",
        ),
        "transport-too-short": (
            envelope(transport[: 2 * 65]),
            "a transport message of 65 bytes: a header and no whole tag",
        ),
    }
    for name, (data_hex, why) in shape_errors.items():
        b.bad(
            f"forward/{name}",
            "relay_envelope.forward_check",
            {**check, "bytes": data_hex},
            "MalformedEnvelope",
            why,
        )
    _paid_forwards(b, codec, check, envelope(m1))
    # A channel of epoch 2: its transport message's clear header says 2 (unpaid, so
    # nothing but the epoch stops it).
    later = codec.run(
        "transport.seal",
        {"handshake": handshake_inputs(epoch=2), "sender": "initiator", "plaintexts": ["00"]},
    )["messages"][0]
    b.bad(
        "forward/other-epoch",
        "relay_envelope.forward_check",
        {**check, "bytes": envelope(later)},
        "StaleEnvelope",
        "a transport message of epoch 2 at a relay at epoch 1: a relay forwards a message only "
        "in the epoch it names, so its memory of that epoch's forwards refuses any replay",
    )
    return b.vectors


def _paid_forwards(
    b: Builder, codec: ReferenceCodec, check: dict[str, Any], envelope_hex: str
) -> None:
    """Message 1 with alice's receipt to the relay: forwarded when the receipt's
    subject is that envelope's digest, refused with any other envelope."""
    paid = {
        "operation": "relay_request",
        "context": "ctx_a",
        "dst": check["relay"],
        "epoch": check["epoch"],
        "cost": 2,
        "subject": receipt_subject(bytes.fromhex(envelope_hex)).hex(),
    }
    [receipt] = codec.run("receipt.issue", {"issuer": "alice", "receipts": [paid]})["receipts"]
    b.ok(
        "forward/message1-paid",
        "relay_envelope.forward_check",
        {**check, "bytes": envelope_hex, "receipt": receipt},
        "a message 1 with the receipt that pays for it: its subject is "
        "BLAKE2s-256(label || the encoded envelope)",
    )
    # Another message 1 from alice (another ephemeral key): another envelope.
    other = codec.run(
        "handshake.run",
        handshake_inputs(initiator_ephemeral=ephemeral_private("alice-2").hex()),
    )["message1"]
    ctx, alice, bob = (codec.keys.cid("ctx_a"), codec.keys.aid("alice"), codec.keys.aid("bob"))
    stolen = RelayEnvelope(ctx, alice, bob, bytes.fromhex(other)).encode().hex()
    b.bad(
        "forward/receipt-of-another-envelope",
        "relay_envelope.forward_check",
        {**check, "bytes": stolen, "receipt": receipt},
        "ReceiptWrongSubject",
        "alice's genuine receipt, taken off the wire and attached to another message 1: it pays "
        "only for the envelope whose digest it signs",
    )
