"""The formulas of docs/vectors.md, written from the page with nothing but hashlib,
``cryptography`` and PyNaCl (no import of the reference), reproduce the committed
vectors: the page is enough for another implementation."""

from __future__ import annotations

import hashlib
import struct
from typing import Any

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import x25519
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from nacl.bindings import crypto_sign_open, crypto_sign_seed_keypair

L = "aura/rendezvous/v1/"


def _hkdf(ikm: bytes, label: str, info: bytes) -> bytes:
    full = len(label).to_bytes(2, "big") + label.encode() + info
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=full).derive(ikm)


def _vectors(raw: dict[str, Any], operation: str) -> list[dict[str, Any]]:
    return [v for v in raw["vectors"] if v["operation"] == operation and "output" in v]


def _h(value: str) -> bytes:
    return bytes.fromhex(value)


def test_key_schedule(raw: dict[str, Any]) -> None:
    for v in _vectors(raw, "authority_keys"):
        aid, seed = _h(v["input"]["authority_id"]), _h(v["input"]["seed"])
        ed_public, _ = crypto_sign_seed_keypair(_hkdf(seed, L + "authority/ed25519", aid))
        x_private = _hkdf(seed, L + "authority/x25519", aid)
        x_public = x25519.X25519PrivateKey.from_private_bytes(x_private).public_key()
        raw_fmt = (serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        assert v["output"] == {
            "ed25519_public": ed_public.hex(),
            "x25519_private": x_private.hex(),
            "x25519_public": x_public.public_bytes(*raw_fmt).hex(),
        }
    for v in _vectors(raw, "context_keys"):
        info = _h(v["input"]["context_id"]) + struct.pack(">Q", v["input"]["epoch"])
        key = _hkdf(_h(v["input"]["root_secret"]), L + "context-key", info)
        psk = _hkdf(key, L + "psk", info)
        assert v["output"] == {
            "context_key": key.hex(),
            "handshake_psk": psk.hex(),
            "psk_commitment": hashlib.blake2s((L + "psk-commitment").encode(), key=psk).hexdigest(),
            "descriptor_key": _hkdf(key, L + "descriptor-key", info).hex(),
            "sync_key": _hkdf(key, L + "sync-key", info).hex(),
        }
    for v in _vectors(raw, "channel_id"):
        label = (L + "channel-id").encode()
        data = bytes([len(label)]) + label + _h(v["input"]["context_id"])
        data += struct.pack(">Q", v["input"]["epoch"]) + _h(v["input"]["handshake_hash"])
        assert v["output"]["channel_id"] == hashlib.blake2s(data).hexdigest()
    for v in _vectors(raw, "handshake_prologue"):
        label = (L + "noise-prologue").encode()
        prologue = bytes([len(label)]) + label + _h(v["input"]["context_id"])
        assert v["output"]["prologue"] == (prologue + struct.pack(">Q", v["input"]["epoch"])).hex()


def test_content_addresses(raw: dict[str, Any]) -> None:
    for v in _vectors(raw, "journal_entry.encode"):
        fact_id = hashlib.blake2s((L + "fact-id").encode() + _h(v["input"]["fact"])).digest()
        stamp = struct.pack(">Q", v["input"]["lamport"]) + _h(v["input"]["origin"])
        entry_id = hashlib.blake2s((L + "journal-entry-id").encode() + fact_id + stamp)
        assert v["output"]["fact_id"] == fact_id.hex()
        assert v["output"]["entry_id"] == entry_id.hexdigest()
    for v in _vectors(raw, "receipt.decode"):
        data = _h(v["input"]["bytes"])
        assert (
            v["output"]["fields"]["hash"]
            == hashlib.blake2s((L + "receipt-hash").encode() + data).hexdigest()
        )
        # The signature covers the body: the same fields under tag 0x0A, without it.
        body = bytes([0x0A]) + data[1:-64]
        public = _h(raw["keys"]["authorities"]["alice"]["ed25519_public"])
        crypto_sign_open(data[-64:] + (L + "receipt-signature").encode() + body, public)


def test_sealed_descriptor_opens_with_the_documented_key_and_nonce(raw: dict[str, Any]) -> None:
    (v,) = [v for v in raw["vectors"] if v["id"] == "descriptor/sealed/seal"]
    ctx = raw["keys"]["contexts"][v["input"]["context"]]
    epoch = struct.pack(">Q", v["input"]["epoch"])
    info = _h(ctx["id"]) + epoch
    key = _hkdf(_hkdf(_h(ctx["root_secret"]), L + "context-key", info), L + "descriptor-key", info)
    sealed = _h(v["output"]["bytes"])
    assert sealed[:2] == b"\x03\x01"
    header, ciphertext = sealed[2:74], sealed[78:]
    assert int.from_bytes(sealed[74:78], "big") == len(ciphertext)
    signed = _h(v["input"]["signed"])
    nonce = hashlib.blake2s((L + "descriptor-seal-nonce").encode() + signed, key=key).digest()[:12]
    assert ciphertext[:12] == nonce
    assert ChaCha20Poly1305(key).decrypt(nonce, ciphertext[12:], header) == signed


def test_transport_messages_use_the_header_as_associated_data(raw: dict[str, Any]) -> None:
    (run,) = [v for v in raw["vectors"] if v["id"] == "handshake/run/ctx_a-epoch-1"]
    (sent,) = [v for v in raw["vectors"] if v["id"] == "transport/seal/initiator"]
    channel_id = run["output"]["channel_id"]
    for counter, message in enumerate(sent["output"]["messages"]):
        data = _h(message)
        assert data[:2] == b"\x01\x04" and data[2:34].hex() == channel_id
        assert struct.unpack(">QQ", data[34:50]) == (1, counter)
        assert len(data) == 50 + len(_h(sent["input"]["plaintexts"][counter])) + 16
