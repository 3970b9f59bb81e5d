"""The handshake and transport vectors are plain Noise: ``noiseprotocol``, given only
what the vectors and docs/vectors.md state (static keys, fixed ephemerals,
prologue, PSK, the payload layout, header as associated data and counter as
nonce), writes the same messages 1 and 2 and opens the same transport messages."""

from __future__ import annotations

import struct
from typing import Any

import pytest
from noise.connection import Keypair as NPKeypair
from noise.connection import NoiseConnection

PROTOCOL = b"Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s"


# noiseprotocol warns that a fixed ephemeral is for tests only: these are tests.
pytestmark = pytest.mark.filterwarnings("ignore:One of ephemeral keypairs is already set")


def _vector(raw: dict[str, Any], vector_id: str) -> dict[str, Any]:
    (found,) = [v for v in raw["vectors"] if v["id"] == vector_id]
    assert isinstance(found, dict)
    return found


def _connection(raw: dict[str, Any], run: dict[str, Any], *, initiator: bool) -> NoiseConnection:
    authorities = raw["keys"]["authorities"]
    me = run["input"]["initiator" if initiator else "responder"]
    conn = NoiseConnection.from_name(PROTOCOL)
    if initiator:
        conn.set_as_initiator()
        bob = authorities[run["input"]["responder"]]
        conn.set_keypair_from_public_bytes(
            NPKeypair.REMOTE_STATIC, bytes.fromhex(bob["x25519_public"])
        )
    else:
        conn.set_as_responder()
    conn.set_keypair_from_private_bytes(
        NPKeypair.STATIC, bytes.fromhex(authorities[me]["x25519_private"])
    )
    ephemeral = run["input"]["initiator_ephemeral" if initiator else "responder_ephemeral"]
    conn.set_keypair_from_private_bytes(NPKeypair.EPHEMERAL, bytes.fromhex(ephemeral))
    conn.set_psks(psk=bytes.fromhex(run["output"]["psk"]))
    conn.set_prologue(bytes.fromhex(run["output"]["prologue"]))
    conn.start_handshake()
    return conn


def _payload(raw: dict[str, Any], run: dict[str, Any]) -> bytes:
    """Message 1's payload: version, the initiator's id, the timestamp."""
    initiator = raw["keys"]["authorities"][run["input"]["initiator"]]["id"]
    return bytes([1]) + bytes.fromhex(initiator) + struct.pack(">Q", run["input"]["timestamp"])


def test_noiseprotocol_writes_the_same_handshake(raw: dict[str, Any]) -> None:
    for run_id in ("handshake/run/ctx_a-epoch-1", "handshake/run/ctx_a-epoch-2"):
        run = _vector(raw, run_id)
        inputs, out = run["input"], run["output"]
        initiator = _connection(raw, run, initiator=True)
        responder = _connection(raw, run, initiator=False)
        payload = _payload(raw, run)
        header1 = bytes([1, 1]) + struct.pack(">Q", inputs["epoch"])
        header2 = bytes([1, 2]) + struct.pack(">Q", inputs["epoch"])
        message1 = header1 + bytes(initiator.write_message(payload))
        assert message1.hex() == out["message1"]
        assert bytes(responder.read_message(message1[10:])) == payload
        message2 = header2 + bytes(responder.write_message(b""))
        assert message2.hex() == out["message2"]
        initiator.read_message(message2[10:])
        assert bytes(initiator.get_handshake_hash()).hex() == out["handshake_hash"]


def test_noiseprotocol_opens_the_key_confirmation_and_transport(raw: dict[str, Any]) -> None:
    run = _vector(raw, "handshake/run/ctx_a-epoch-1")
    initiator = _connection(raw, run, initiator=True)
    responder = _connection(raw, run, initiator=False)
    message1 = bytes(initiator.write_message(_payload(raw, run)))
    assert message1.hex() == run["output"]["message1"][20:]
    responder.read_message(message1)
    initiator.read_message(bytes(responder.write_message(b"")))
    sent = _vector(raw, "transport/seal/initiator")
    receive = responder.noise_protocol.cipher_state_decrypt
    for message, plaintext in zip(
        sent["output"]["messages"], sent["input"]["plaintexts"], strict=True
    ):
        data = bytes.fromhex(message)
        header, ciphertext = data[:50], data[50:]
        receive.n = struct.unpack(">Q", header[42:50])[0]
        assert bytes(receive.decrypt_with_ad(header, ciphertext)).hex() == plaintext
