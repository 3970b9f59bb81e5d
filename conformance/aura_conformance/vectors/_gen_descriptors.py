"""Vectors of descriptors: the plain encoding, the signed form and the sealed form."""

from __future__ import annotations

import hashlib

import attrs
from aura_rendezvous import (
    QuicDirect,
    QuicReflexive,
    RendezvousDescriptor,
    SealedDescriptor,
    SignedDescriptor,
    TcpDirect,
    TransportHint,
    WebSocketRelay,
)
from aura_rendezvous.descriptors import LABEL_DESCRIPTOR_SIGNATURE
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305

from aura_conformance.vectors._build import (
    Builder,
    flip,
    retag,
    reversion,
    trailing,
    truncated,
)
from aura_conformance.vectors._codec import ReferenceCodec
from aura_conformance.vectors._document import Vector
from aura_conformance.vectors._fields import descriptor_fields

__all__ = ["descriptor_vectors", "sealed_descriptor"]

_EPOCH = 1


def _descriptor(
    codec: ReferenceCodec, author: str, context: str, *, full: bool
) -> RendezvousDescriptor:
    keys = codec.keys
    hints: list[TransportHint] = (
        [
            QuicDirect("198.51.100.7:4433"),
            QuicReflexive("203.0.113.9:50000", "stun.example.net:3478"),
            WebSocketRelay(keys.aid("carol")),
            TcpDirect("[2001:db8::7]:4433"),
        ]
        if full
        else [QuicDirect("198.51.100.7:4433")]
    )
    return RendezvousDescriptor(
        keys.aid(author),
        keys.cid(context),
        hints,
        keys.membership(context).psk_commitment(_EPOCH),
        1_700_000_000_000,
        1_700_003_600_000,
        hashlib.sha256(f"descriptor nonce {author}".encode()).digest(),
    )


def descriptor_vectors(codec: ReferenceCodec) -> list[Vector]:
    b = Builder(codec, "descriptor")
    full = _descriptor(codec, "alice", "ctx_a", full=True)
    small = _descriptor(codec, "alice", "ctx_a", full=False)
    for name, desc in (("all-hint-kinds", full), ("one-hint", small)):
        fields = descriptor_fields(desc)
        enc = b.ok(f"{name}/encode", "descriptor.encode", {"fields": fields})["bytes"]
        b.ok(f"{name}/decode", "descriptor.decode", {"bytes": enc})
    no_hints = attrs.evolve(small, transport_hints=(), valid_until=2**64 - 1)
    enc = b.ok(
        "no-hints-max-until/encode", "descriptor.encode", {"fields": descriptor_fields(no_hints)}
    )["bytes"]
    b.ok("no-hints-max-until/decode", "descriptor.decode", {"bytes": enc})
    raw = small.encode().hex()
    n = len(raw) // 2
    decode_errors = {
        "truncated": (truncated(raw), "one byte short of the nonce"),
        "trailing-byte": (
            trailing(raw),
            "one byte after the nonce: exactly one encoding per value",
        ),
        "wrong-tag": (retag(raw, 0x02), "a SignedDescriptor tag where a descriptor is expected"),
        "wrong-version": (reversion(raw, 2), "format version 2 is unknown"),
        "oversized": (
            raw + "00" * (8_500 - n),
            "longer than the largest descriptor (16 hints of 255-byte addresses)",
        ),
        "unknown-hint-kind": (_set(raw, 70, "05"), "transport hint kinds are 1..4"),
        "too-many-hints": (_set(raw, 66, "00000011"), "17 hints, the limit is 16"),
        "address-too-long": (
            _set(raw, 71, "00000100"),
            "an address field of 256 bytes, the limit is 255",
        ),
        "address-not-utf8": (_set(raw, 75, "ff"), "addresses are UTF-8 text"),
        "empty-window": (
            _set(raw, n - 40, raw[2 * (n - 48) : 2 * (n - 40)]),
            "valid_until equal to valid_from: the half-open window is empty",
        ),
    }
    for name, (data, why) in decode_errors.items():
        b.bad(name, "descriptor.decode", {"bytes": data}, "DecodeError", why)
    _signed_vectors(codec, b, full)
    _sealed_vectors(codec, b, full)
    return b.vectors


def _set(data: str, offset: int, value: str) -> str:
    return data[: 2 * offset] + value + data[2 * offset + len(value) :]


def _signed_vectors(codec: ReferenceCodec, b: Builder, desc: RendezvousDescriptor) -> None:
    keys = codec.keys
    signed = b.ok(
        "signed/sign",
        "signed_descriptor.sign",
        {"descriptor": desc.encode().hex(), "signer": "alice"},
    )["bytes"]
    b.ok("signed/verify", "signed_descriptor.verify", {"bytes": signed, "context": "ctx_a"})
    b.bad(
        "signed/sign-as-other",
        "signed_descriptor.sign",
        {"descriptor": desc.encode().hex(), "signer": "bob"},
        "LocalProtocolError",
        "only the publisher signs its descriptor",
    )
    forged = SignedDescriptor(
        desc, keys.keys("bob").sign(LABEL_DESCRIPTOR_SIGNATURE + desc.encode())
    )
    mallory_desc = attrs.evolve(desc, authority_id=keys.aid("mallory"))
    mallory = b.codec.run(
        "signed_descriptor.sign", {"descriptor": mallory_desc.encode().hex(), "signer": "mallory"}
    )["bytes"]
    cases = {
        "signed/flipped-signature": (
            flip(signed, -1),
            "BadSignature",
            "the last signature byte flipped",
        ),
        "signed/flipped-descriptor": (
            flip(signed, 40),
            "BadSignature",
            "a byte of the signed descriptor (its context id) flipped",
        ),
        "signed/signed-by-other-member": (
            forged.encode().hex(),
            "BadSignature",
            "alice's descriptor signed with bob's key: signatures are checked against "
            "the roster key of the publisher",
        ),
        "signed/non-member": (
            mallory,
            "NotAMember",
            "a well-signed descriptor of an authority not on the roster",
        ),
        "signed/truncated": (truncated(signed), "DecodeError", "one byte short of the signature"),
        "signed/trailing-byte": (trailing(signed), "DecodeError", "one byte after the signature"),
        "signed/wrong-tag": (
            retag(signed, 0x01),
            "DecodeError",
            "a descriptor tag where a signed descriptor is expected",
        ),
        "signed/wrong-version": (
            reversion(signed, 0),
            "DecodeError",
            "format version 0 is unknown",
        ),
    }
    for name, (data, error, why) in cases.items():
        b.bad(name, "signed_descriptor.verify", {"bytes": data, "context": "ctx_a"}, error, why)


def _seal_as(codec: ReferenceCodec, signed: bytes, context: str, epoch: int, author: str) -> str:
    """An envelope naming ``author`` around ``signed``, sealed with the context's real key:
    what a member who rewrites the clear author of a descriptor would produce."""
    membership = codec.keys.membership(context)
    key = membership.descriptor_key(epoch)
    sealed = SealedDescriptor(membership.context_id, codec.keys.aid(author), epoch, b"")
    nonce = bytes(12)
    body = ChaCha20Poly1305(key).encrypt(nonce, signed, sealed.associated_data())
    return attrs.evolve(sealed, ciphertext=nonce + body).encode().hex()


def _sealed_vectors(codec: ReferenceCodec, b: Builder, desc: RendezvousDescriptor) -> None:
    signed = codec.run(
        "signed_descriptor.sign", {"descriptor": desc.encode().hex(), "signer": "alice"}
    )["bytes"]
    sealed = b.ok(
        "sealed/seal",
        "sealed_descriptor.seal",
        {"signed": signed, "context": "ctx_a", "epoch": _EPOCH},
    )["bytes"]
    b.ok("sealed/open", "sealed_descriptor.open", {"bytes": sealed, "context": "ctx_a"})
    b.bad(
        "sealed/seal-other-context",
        "sealed_descriptor.seal",
        {"signed": signed, "context": "ctx_b", "epoch": _EPOCH},
        "LocalProtocolError",
        "a descriptor of ctx_a is never sealed under ctx_b's key",
    )
    bad_sig = codec.run(
        "sealed_descriptor.seal", {"signed": flip(signed, -1), "context": "ctx_a", "epoch": _EPOCH}
    )["bytes"]
    mallory_desc = attrs.evolve(desc, authority_id=codec.keys.aid("mallory"))
    mallory_signed = codec.run(
        "signed_descriptor.sign", {"descriptor": mallory_desc.encode().hex(), "signer": "mallory"}
    )["bytes"]
    mallory = codec.run(
        "sealed_descriptor.seal", {"signed": mallory_signed, "context": "ctx_a", "epoch": _EPOCH}
    )["bytes"]
    # Header: tag, version, context (32), authority (32), epoch (8), length (4).
    cases = {
        "sealed/flipped-ciphertext": (
            "ctx_a",
            flip(sealed, -1),
            "DecryptFailed",
            "the last AEAD tag byte flipped",
        ),
        "sealed/rewritten-epoch": (
            "ctx_a",
            _set_epoch(sealed, _EPOCH + 1),
            "DecryptFailed",
            "the clear epoch rewritten: the key and the associated data both bind it",
        ),
        "sealed/rewritten-author": (
            "ctx_a",
            sealed[:68] + codec.keys.aid("bob").hex() + sealed[132:],
            "DecryptFailed",
            "the clear author rewritten to bob: the associated data binds it",
        ),
        "sealed/other-context": (
            "ctx_b",
            sealed,
            "ContextMismatchError",
            "a descriptor of ctx_a offered to ctx_b",
        ),
        "sealed/non-member-key": (
            "ctx_a_outsider",
            sealed,
            "DecryptFailed",
            "opened with ctx_a's public id but another root secret: only members hold the key",
        ),
        "sealed/bad-inner-signature": (
            "ctx_a",
            bad_sig,
            "BadSignature",
            "sealed correctly, but the signature inside is broken",
        ),
        "sealed/non-member-publisher": (
            "ctx_a",
            mallory,
            "NotAMember",
            "sealed under the context key, signed by an authority off the roster",
        ),
        "sealed/author-mismatch": (
            "ctx_a",
            _seal_as(codec, bytes.fromhex(signed), "ctx_a", _EPOCH, "bob"),
            "ContextMismatchError",
            "a member seals alice's signed descriptor under an envelope naming bob",
        ),
        "sealed/truncated": (
            "ctx_a",
            truncated(sealed),
            "DecodeError",
            "one byte short of the ciphertext",
        ),
        "sealed/trailing-byte": (
            "ctx_a",
            trailing(sealed),
            "DecodeError",
            "one byte after the ciphertext",
        ),
        "sealed/wrong-tag": (
            "ctx_a",
            retag(sealed, 0x02),
            "DecodeError",
            "a signed-descriptor tag",
        ),
        "sealed/short-ciphertext": (
            "ctx_a",
            sealed[:148] + "0000001b" + "00" * 27,
            "DecodeError",
            "27 bytes of ciphertext: shorter than a nonce and a tag",
        ),
    }
    for name, (context, data, error, why) in cases.items():
        b.bad(name, "sealed_descriptor.open", {"bytes": data, "context": context}, error, why)


def _set_epoch(sealed: str, epoch: int) -> str:
    offset = 2 * (2 + 32 + 32)
    return sealed[:offset] + epoch.to_bytes(8, "big").hex() + sealed[offset + 16 :]


def sealed_descriptor(codec: ReferenceCodec) -> SealedDescriptor:
    """alice's full descriptor, signed and sealed for ctx_a in epoch 1."""
    desc = _descriptor(codec, "alice", "ctx_a", full=True)
    signed = codec.run(
        "signed_descriptor.sign", {"descriptor": desc.encode().hex(), "signer": "alice"}
    )
    sealed = codec.run(
        "sealed_descriptor.seal", {"signed": signed["bytes"], "context": "ctx_a", "epoch": _EPOCH}
    )
    return SealedDescriptor.decode(bytes.fromhex(sealed["bytes"]))
