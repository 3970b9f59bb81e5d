"""Every published vector in ``../shared/vectors/noise/`` replays byte for byte.

Each vector drives both sides with its fixed ephemerals: the initiator's
output must equal the vector's ciphertext, the responder must read it back to
the payload, the handshake hashes must match, and the transport messages run
on the split states with nonces from 0. Test ids are the protocol names.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import attrs
from aura_rendezvous.noise import (
    CipherState,
    HandshakeState,
    InitialStateCache,
    Keypair,
    NoiseProtocol,
    StaticDhCache,
)

Vectors = Callable[[str], list[dict[str, Any]]]


def _h(value: str) -> bytes:
    return bytes.fromhex(value)


def _replay(
    v: dict[str, Any],
    protocol: NoiseProtocol | None = None,
    caches: tuple[dict[str, Any], dict[str, Any]] = ({}, {}),
) -> tuple[list[bytes], HandshakeState, HandshakeState, list[bytes]]:
    """Run a vector; return handshake ciphertexts, both states (split), transport ciphertexts.

    ``caches`` are extra keyword arguments (precomputation caches) for the
    initiator and the responder.
    """
    proto = protocol or NoiseProtocol.parse(v["protocol_name"])
    dh = proto.dh.name
    init = HandshakeState.initiator(
        proto,
        prologue=_h(v["init_prologue"]),
        s=Keypair.from_private(_h(v["init_static"]), dh),
        rs=_h(v["init_remote_static"]),
        psks=[_h(p) for p in v["init_psks"]],
        e=Keypair.from_private(_h(v["init_ephemeral"]), dh),
        **caches[0],
    )
    resp = HandshakeState.responder(
        proto,
        prologue=_h(v["resp_prologue"]),
        s=Keypair.from_private(_h(v["resp_static"]), dh),
        psks=[_h(p) for p in v["resp_psks"]],
        e=Keypair.from_private(_h(v["resp_ephemeral"]), dh),
        **caches[1],
    )
    msgs = v["messages"]
    hs_out = [init.write_message(_h(msgs[0]["payload"]))]
    assert resp.read_message(hs_out[0]) == _h(msgs[0]["payload"])
    hs_out.append(resp.write_message(_h(msgs[1]["payload"])))
    assert init.read_message(hs_out[1]) == _h(msgs[1]["payload"])
    assert init.is_complete and resp.is_complete
    return hs_out, init, resp, []


def _check_vector(
    v: dict[str, Any], caches: tuple[dict[str, Any], dict[str, Any]] = ({}, {})
) -> tuple[HandshakeState, HandshakeState]:
    hs_out, init, resp, _ = _replay(v, caches=caches)
    msgs = v["messages"]
    assert hs_out[0].hex() == msgs[0]["ciphertext"]
    assert hs_out[1].hex() == msgs[1]["ciphertext"]
    assert init.handshake_hash == resp.handshake_hash
    if "handshake_hash" in v:
        assert init.handshake_hash.hex() == v["handshake_hash"]
    a, b = init.split(), resp.split()
    assert a.handshake_hash == b.handshake_hash == init.handshake_hash
    for i, m in enumerate(msgs[2:]):
        send, recv = (a.send, b.recv) if i % 2 == 0 else (b.send, a.recv)
        ct = send.encrypt_with_ad(b"", _h(m["payload"]))
        assert ct.hex() == m["ciphertext"]
        assert recv.decrypt_with_ad(b"", ct) == _h(m["payload"])
    return init, resp


def test_cacophony_ikpsk2(shared: Path, cacophony_vector: dict[str, Any]) -> None:
    """The 16 cacophony IKpsk2 suites (25519/448 x ChaChaPoly/AESGCM x 4 hashes)."""
    assert len(cacophony_vector["messages"]) == 6
    _check_vector(cacophony_vector)


def test_cacophony_ikpsk2_with_precomputation(cacophony_vector: dict[str, Any]) -> None:
    """The 16 suites again with both sides' precomputation caches (static-static DH and
    initial state), twice: filled by the first run, served from them in the second,
    the bytes equal the vector's both times (the 64-byte hashes and X448 included)."""
    proto = NoiseProtocol.parse(cacophony_vector["protocol_name"])
    dh = proto.dh.name
    static = [
        StaticDhCache(Keypair.from_private(_h(cacophony_vector[f"{r}_static"]), dh))
        for r in ("init", "resp")
    ]
    initial = [InitialStateCache(proto), InitialStateCache(proto)]
    caches = tuple(
        {"static_dh": s, "initial_state": i} for s, i in zip(static, initial, strict=True)
    )
    for _ in range(2):
        _check_vector(cacophony_vector, (caches[0], caches[1]))
    assert [c.computed for c in static] == [c.computed for c in initial] == [1, 1]


def test_vector_files_are_complete(noise_vectors: Vectors) -> None:
    """The parametrisation covers the counts the vectors README gives (16 + 1 + 8)."""
    names = {v["protocol_name"] for v in noise_vectors("cacophony_IKpsk2.json")}
    assert len(names) == 16
    for name in names:
        NoiseProtocol.parse(name)
    assert len(noise_vectors("noise-star_IKpsk2_wireguard.json")) == 1
    assert len(noise_vectors("snow_IKpsk0+psk2.json")) == 8


def test_snow_ikpsk0_psk2(shared: Path, snow_vector: dict[str, Any]) -> None:
    """The 8 snow IKpsk0+psk2 vectors (two PSKs: one opening message 1, one closing 2)."""
    assert len(snow_vector["init_psks"]) == 2
    _check_vector(snow_vector)


def test_noise_star_wireguard(shared: Path, wireguard_vector: dict[str, Any]) -> None:
    """The WireGuard-shaped vector, including its Split() keys.

    The split keys are checked by behaviour (our send state seals exactly as a
    state holding ``init_sending_key``), and ``final_chaining_key`` by the
    Split() relation HKDF(ck, "") = (init_sending_key, init_receiving_key); the
    responder's pair is the same two keys swapped.
    """
    vector = wireguard_vector
    proto = NoiseProtocol.parse(vector["protocol_name"])
    send_key, recv_key = _h(vector["init_sending_key"]), _h(vector["init_receiving_key"])
    assert proto.hash.hkdf(_h(vector["final_chaining_key"]), b"", 2) == (send_key, recv_key)

    _, init, resp, _ = _replay(vector)
    msgs = vector["messages"]
    assert len(msgs) == 2
    assert init.handshake_hash.hex() == vector["handshake_hash"]
    a, b = init.split(), resp.split()
    for ours, key in (
        (a.send, send_key),
        (a.recv, recv_key),
        (b.send, recv_key),
        (b.recv, send_key),
    ):
        reference = CipherState.from_key(key)
        pt = b"wireguard transport check"
        assert ours.encrypt_with_ad(b"ad", pt) == reference.encrypt_with_ad(b"ad", pt)


def test_vector_check_detects_skipped_psk_mixkey(noise_vectors: Vectors) -> None:
    """Failing counterpart: the bug ``noiseframework`` has (no MixKey(e) in psk mode).

    The same pattern with ``has_psk`` switched off (modifiers dropped, psk token
    kept) must diverge from the vector at message 1.
    """
    vector = noise_vectors("cacophony_IKpsk2.json")[0]
    good = NoiseProtocol.parse(vector["protocol_name"])
    broken = attrs.evolve(good, modifiers=())
    assert broken.psk_count == good.psk_count and not broken.has_psk
    hs_out, *_ = _replay_initiator_only(vector, broken)
    assert hs_out.hex() != vector["messages"][0]["ciphertext"]


def test_vector_check_detects_wrong_ephemeral(noise_vectors: Vectors) -> None:
    """Failing counterpart: one bit of the initiator ephemeral changes message 1."""
    vector = dict(noise_vectors("noise-star_IKpsk2_wireguard.json")[0])
    eph = bytearray(_h(vector["init_ephemeral"]))
    eph[5] ^= 1
    vector["init_ephemeral"] = eph.hex()
    proto = NoiseProtocol.parse(vector["protocol_name"])
    hs_out, *_ = _replay_initiator_only(vector, proto)
    assert hs_out.hex() != vector["messages"][0]["ciphertext"]


def _replay_initiator_only(v: dict[str, Any], proto: NoiseProtocol) -> tuple[bytes]:
    init = HandshakeState.initiator(
        proto,
        prologue=_h(v["init_prologue"]),
        s=Keypair.from_private(_h(v["init_static"]), proto.dh.name),
        rs=_h(v["init_remote_static"]),
        psks=[_h(p) for p in v["init_psks"]],
        e=Keypair.from_private(_h(v["init_ephemeral"]), proto.dh.name),
    )
    return (init.write_message(_h(v["messages"][0]["payload"])),)
