"""Vectors of the secure-channel layer: the first message's payload, the handshake
headers, both IKpsk2 messages with fixed ephemerals, key confirmation and
transport messages."""

from __future__ import annotations

from typing import Any

from aura_rendezvous.channels import MessageType, encode_handshake, handshake_prologue
from aura_rendezvous.noise import PRODUCTION_PROTOCOL, HandshakeState, Keypair

from aura_conformance.vectors._build import Builder, flip, trailing, truncated
from aura_conformance.vectors._codec import ReferenceCodec
from aura_conformance.vectors._document import Vector
from aura_conformance.vectors._keys import ephemeral_private

__all__ = ["channel_vectors", "handshake_inputs"]

_EPOCH = 1
_NOW = 1_700_000_000_000


def handshake_inputs(**changes: Any) -> dict[str, Any]:
    """alice initiates towards bob in ctx_a, epoch 1, with fixed ephemerals."""
    data: dict[str, Any] = {
        "context": "ctx_a",
        "epoch": _EPOCH,
        "initiator": "alice",
        "responder": "bob",
        "initiator_ephemeral": ephemeral_private("alice-1").hex(),
        "responder_ephemeral": ephemeral_private("bob-1").hex(),
        "timestamp": _NOW,
        "now_ms": _NOW,
    }
    data.update(changes)
    return data


def _responder_view(data: dict[str, Any], message1: str, **changes: Any) -> dict[str, Any]:
    view = {k: data[k] for k in ("context", "epoch", "responder", "responder_ephemeral", "now_ms")}
    view["message1"] = message1
    view.update(changes)
    return view


def _initiator_view(data: dict[str, Any], message2: str) -> dict[str, Any]:
    view = {k: v for k, v in data.items() if k != "responder_ephemeral"}
    view["message2"] = message2
    return view


def channel_vectors(codec: ReferenceCodec) -> list[Vector]:
    b = Builder(codec, "handshake")
    _payload_vectors(b, codec)
    data = handshake_inputs()
    run = b.ok(
        "run/ctx_a-epoch-1",
        "handshake.run",
        data,
        "the whole IKpsk2 exchange; the initiator is Active after message 2, the responder "
        "Establishing until key confirmation",
    )
    m1, m2 = run["message1"], run["message2"]
    b.ok(
        "run/ctx_a-epoch-2",
        "handshake.run",
        handshake_inputs(
            epoch=2,
            initiator_ephemeral=ephemeral_private("alice-2").hex(),
            responder_ephemeral=ephemeral_private("bob-2").hex(),
        ),
        "the rotation handshake: the next epoch's PSK and prologue, a new channel id",
    )
    b.ok("read-init/ok", "handshake.read_init", _responder_view(data, m1))
    b.ok("read-response/ok", "handshake.read_response", _initiator_view(data, m2))
    for name, view, why in (
        ("message1", {"bytes": m1, "kind": "HandshakeInit"}, ""),
        ("message2", {"bytes": m2, "kind": "HandshakeResponse"}, ""),
    ):
        b.ok(f"wire/{name}", "handshake_wire.decode", view, why)
    _wire_errors(b, m1, m2)
    _read_init_errors(b, codec, data, m1)
    _read_response_errors(b, codec, data, m1, m2)
    return b.vectors + _transport_vectors(codec, data)


def _payload_vectors(b: Builder, codec: ReferenceCodec) -> None:
    alice = codec.keys.aid("alice").hex()
    enc = b.ok(
        "payload/encode", "handshake_payload.encode", {"initiator": alice, "timestamp": _NOW}
    )["bytes"]
    b.ok("payload/decode", "handshake_payload.decode", {"bytes": enc})
    for name, data, why in (
        ("payload/truncated", truncated(enc), "40 bytes: the payload is exactly 41"),
        ("payload/trailing-byte", trailing(enc), "42 bytes: the payload is exactly 41"),
        ("payload/wrong-version", "02" + enc[2:], "payload version 2 is unknown"),
    ):
        b.bad(name, "handshake_payload.decode", {"bytes": data}, "DecodeError", why)


def _wire_errors(b: Builder, m1: str, m2: str) -> None:
    cases = {
        "wire/short-header": (m1[:2], "HandshakeInit", "one byte: shorter than the 2-byte header"),
        "wire/wrong-version": ("02" + m1[2:], "HandshakeInit", "wire version 2 is unknown"),
        "wire/unknown-type": (
            m1[:2] + "03" + m1[4:],
            "HandshakeInit",
            "message type 3 does not exist",
        ),
        "wire/response-as-init": (m2, "HandshakeInit", "a message 2 where a message 1 is expected"),
        "wire/init-truncated": (
            m1[: 2 * (10 + 95)],
            "HandshakeInit",
            "a message 1 shorter than e, s and a tag",
        ),
        "wire/response-truncated": (
            truncated(m2, 11),
            "HandshakeResponse",
            "a message 2 shorter than e and a tag",
        ),
    }
    for name, (data, kind, why) in cases.items():
        b.bad(name, "handshake_wire.decode", {"bytes": data, "kind": kind}, "DecodeError", why)


def _m1(codec: ReferenceCodec, inputs: dict[str, Any]) -> str:
    return codec.first_message(inputs).hex()


def _payload_message1(codec: ReferenceCodec, data: dict[str, Any], payload: bytes) -> str:
    """A message 1 of a correct initiator whose encrypted payload is ``payload``."""
    keys = codec.keys
    membership = keys.membership(data["context"])
    noise = HandshakeState.initiator(
        PRODUCTION_PROTOCOL,
        prologue=handshake_prologue(membership.context_id.value, data["epoch"]),
        s=Keypair.from_private(keys.keys(data["initiator"]).static_private),
        rs=keys.keys(data["responder"]).x25519_public,
        psks=[membership.handshake_psk(data["epoch"])],
        e=Keypair.from_private(bytes.fromhex(data["initiator_ephemeral"])),
    )
    epoch: int = data["epoch"]
    return encode_handshake(MessageType.HandshakeInit, epoch, noise.write_message(payload)).hex()


def _read_init_errors(b: Builder, codec: ReferenceCodec, data: dict[str, Any], m1: str) -> None:
    epoch_at = 2 * 2
    rewritten = m1[:epoch_at] + (_EPOCH + 1).to_bytes(8, "big").hex() + m1[epoch_at + 16 :]
    alice = codec.keys.aid("alice").hex()
    cases: dict[str, tuple[dict[str, Any], str, str]] = {
        "flipped-static": (
            _responder_view(data, flip(m1, 10 + 32 + 5)),
            "HandshakeAuthError",
            "a byte of the encrypted static key flipped",
        ),
        "flipped-payload-tag": (
            _responder_view(data, flip(m1, -1)),
            "HandshakeAuthError",
            "the payload's tag flipped",
        ),
        "trailing-byte": (
            _responder_view(data, trailing(m1)),
            "HandshakeAuthError",
            "a byte after the payload: Noise reads it as part of the payload, whose tag then fails",
        ),
        "epoch-header-rewritten": (
            _responder_view(data, rewritten),
            "WrongEpoch",
            "the clear epoch says 2, the responder is at 1: refused before any decryption",
        ),
        "epoch-not-in-prologue": (
            _responder_view(data, rewritten, epoch=_EPOCH + 1),
            "HandshakeAuthError",
            "a message 1 of epoch 1 whose clear epoch is rewritten to 2, read by a responder at "
            "epoch 2: only the prologue's epoch (and the PSK) catch it",
        ),
        "other-context": (
            _responder_view(data, m1, context="ctx_b"),
            "HandshakeAuthError",
            "a ctx_a message 1 read by bob as a member of ctx_b: the prologue binds the context",
        ),
        "non-member": (
            _responder_view(
                data,
                _m1(codec, handshake_inputs(initiator="mallory")),
            ),
            "NonMember",
            "mallory, on no roster, initiates with her own static key",
        ),
        "impersonation": (
            _responder_view(data, _m1(codec, handshake_inputs(initiator_static="mallory"))),
            "StaticKeyMismatch",
            "claims to be alice but proves mallory's static key: the claimed member's "
            "roster key is checked",
        ),
        "member-claims-other-member": (
            _responder_view(data, _m1(codec, handshake_inputs(initiator_static="carol"))),
            "StaticKeyMismatch",
            "carol, a member, claims to be alice",
        ),
        "replayed-timestamp": (
            _responder_view(data, m1, confirmed=[{"initiator": "alice", "timestamp": _NOW}]),
            "ReplayedHandshake",
            "alice already confirmed a handshake with this timestamp in this context and epoch",
        ),
        "clock-skew": (
            _responder_view(data, _m1(codec, handshake_inputs(timestamp=_NOW + 120_001))),
            "HandshakeClockSkew",
            "a timestamp 120001 ms ahead of the responder's clock (the bound is 120000)",
        ),
        "payload-wrong-length": (
            _responder_view(data, _payload_message1(codec, data, bytes.fromhex("01" + alice))),
            "DecodeError",
            "an authenticated message 1 whose payload lacks the timestamp",
        ),
        "truncated": (
            _responder_view(data, m1[: 2 * (10 + 95)]),
            "DecodeError",
            "shorter than e, s and a tag",
        ),
    }
    for name, (view, error, why) in cases.items():
        b.bad(f"read-init/{name}", "handshake.read_init", view, error, why)


def _read_response_errors(
    b: Builder, codec: ReferenceCodec, data: dict[str, Any], m1: str, m2: str
) -> None:
    wrong_psk = codec.run("handshake.read_init", _responder_view(data, m1, psk_epoch=_EPOCH + 1))
    # Different PSK on the responder: message 1 still reads (psk2 mixes the PSK in at
    # the end of message 2), and only the initiator sees the failure.
    epoch_at = 2 * 2
    rewritten = m2[:epoch_at] + (_EPOCH + 1).to_bytes(8, "big").hex() + m2[epoch_at + 16 :]
    cases = {
        "wrong-psk": (
            wrong_psk["message2"],
            "HandshakeAuthError",
            "bob answered with the PSK of another epoch: in IKpsk2 only the initiator can tell",
        ),
        "flipped": (flip(m2, -1), "HandshakeAuthError", "the empty payload's tag flipped"),
        "flipped-ephemeral": (
            flip(m2, 10),
            "HandshakeAuthError",
            "a byte of the responder's ephemeral key flipped",
        ),
        "epoch-header-rewritten": (
            rewritten,
            "WrongEpoch",
            "the clear epoch says 2, the initiator is at 1",
        ),
        "trailing-byte": (
            trailing(m2),
            "HandshakeAuthError",
            "a byte after the tag changes the payload",
        ),
        "truncated": (truncated(m2), "DecodeError", "one byte short of e and a tag"),
        "init-as-response": (m1, "DecodeError", "a message 1 where a message 2 is expected"),
    }
    for name, (message2, error, why) in cases.items():
        b.bad(
            f"read-response/{name}",
            "handshake.read_response",
            _initiator_view(data, message2),
            error,
            why,
        )


def _transport_vectors(codec: ReferenceCodec, data: dict[str, Any]) -> list[Vector]:
    b = Builder(codec, "transport")
    hello = b"hello bob".hex()
    sent = b.ok(
        "seal/initiator",
        "transport.seal",
        {"handshake": data, "sender": "initiator", "plaintexts": [hello, "", b"second".hex()]},
        "the initiator's first transport message (counter 0) is the key confirmation",
    )["messages"]
    replies = b.ok(
        "seal/responder",
        "transport.seal",
        {"handshake": data, "sender": "responder", "plaintexts": [b"hello alice".hex()]},
        "the responder sends only once an (empty) key confirmation from the initiator opened",
    )["messages"]
    b.ok(
        "open/key-confirmation",
        "transport.open",
        {"handshake": data, "receiver": "responder", "messages": [sent[0]]},
        "the first message that decrypts moves the responder from Establishing to Active",
    )
    b.ok(
        "open/in-order",
        "transport.open",
        {"handshake": data, "receiver": "responder", "messages": sent},
    )
    b.ok(
        "open/gap",
        "transport.open",
        {"handshake": data, "receiver": "responder", "messages": [sent[0], sent[2]]},
        "counters must grow; a gap (a lost message) is accepted",
    )
    b.ok(
        "open/responder-to-initiator",
        "transport.open",
        {"handshake": data, "receiver": "initiator", "messages": replies},
    )
    b.ok("decode/key-confirmation", "transport.decode", {"bytes": sent[0]})
    first = sent[0]
    # Layout: version, type, channel_id (32), epoch u64, counter u64, ciphertext.
    epoch_at, counter_at = 2 * 34, 2 * 42

    def with_epoch(message: str, epoch: int) -> str:
        return message[:epoch_at] + epoch.to_bytes(8, "big").hex() + message[epoch_at + 16 :]

    epoch2 = handshake_inputs(epoch=2)
    epoch2_first = codec.run(
        "transport.seal", {"handshake": epoch2, "sender": "initiator", "plaintexts": [hello]}
    )["messages"][0]
    cases: dict[str, tuple[dict[str, Any], list[str], str, str]] = {
        "replayed": (data, [first, first], "ReplayedMessage", "the same counter twice"),
        "reordered": (data, [sent[1], first], "ReplayedMessage", "counter 0 after counter 1"),
        "flipped-ciphertext": (
            data,
            [flip(first, -1)],
            "TransportAuthError",
            "the AEAD tag flipped",
        ),
        "flipped-counter": (
            data,
            [first[:counter_at] + "00" * 7 + "05" + first[counter_at + 16 :]],
            "TransportAuthError",
            "the counter rewritten: it is the nonce and part of the associated data",
        ),
        "unknown-channel": (data, [flip(first, 2)], "UnknownChannel", "a channel id byte flipped"),
        "wrong-epoch": (
            data,
            [with_epoch(first, _EPOCH + 1)],
            "WrongEpoch",
            "the clear epoch rewritten to a later one",
        ),
        "retired-epoch": (
            epoch2,
            [with_epoch(epoch2_first, 1)],
            "RetiredEpoch",
            "a message naming epoch 1 on a channel of epoch 2",
        ),
        "wrong-type": (
            data,
            [first[:2] + "01" + first[4:]],
            "DecodeError",
            "a handshake type byte",
        ),
        "wrong-version": (data, ["00" + first[2:]], "DecodeError", "wire version 0 is unknown"),
        "truncated": (
            data,
            [first[: 2 * (50 + 15)]],
            "DecodeError",
            "a header and 15 bytes: shorter than a tag",
        ),
    }
    for name, (hs, messages, error, why) in cases.items():
        b.bad(
            f"open/{name}",
            "transport.open",
            {"handshake": hs, "receiver": "responder", "messages": messages},
            error,
            why,
        )
    return b.vectors
