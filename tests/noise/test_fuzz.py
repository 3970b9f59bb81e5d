"""Hypothesis fuzzing of every entry point that takes untrusted bytes.

Property: whatever the bytes, only ``NoiseError`` subclasses come out, and a
handshake that rejected input is ``Failed`` and stays so.
"""

from __future__ import annotations

import os

import pytest
from aura_rendezvous.noise import (
    CipherState,
    HandshakeStage,
    HandshakeState,
    Keypair,
    NoiseConfigError,
    NoiseDecryptError,
    NoiseError,
    NoiseMalformedError,
    NoiseProtocol,
    NoiseStateError,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

PROTOCOL = NoiseProtocol.parse("Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s")
S_INIT = Keypair.from_private(bytes(range(1, 33)))
S_RESP = Keypair.from_private(bytes(range(33, 65)))
PSK = bytes(range(100, 132))
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _gen() -> Keypair:
    return Keypair.generate(os.urandom)


def _initiator() -> HandshakeState:
    return HandshakeState.initiator(
        PROTOCOL, prologue=b"p", s=S_INIT, rs=S_RESP.public, psks=[PSK], generate_keypair=_gen
    )


def _responder() -> HandshakeState:
    return HandshakeState.responder(
        PROTOCOL, prologue=b"p", s=S_RESP, psks=[PSK], generate_keypair=_gen
    )


def _assert_rejected_and_sticky(hs: HandshakeState, message: bytes) -> None:
    with pytest.raises(NoiseError) as info:
        hs.read_message(message)
    assert isinstance(info.value, NoiseDecryptError | NoiseMalformedError)
    assert hs.stage is HandshakeStage.Failed
    for call in (lambda: hs.write_message(b""), lambda: hs.read_message(message), hs.split):
        with pytest.raises(NoiseStateError):
            call()


@FUZZ
@given(st.binary(max_size=300))
def test_responder_read_arbitrary_bytes(message: bytes) -> None:
    """Random message 1: typed rejection, Failed, and no remote static is reported."""
    resp = _responder()
    _assert_rejected_and_sticky(resp, message)
    assert resp.remote_static is None


@FUZZ
@given(st.binary(max_size=200))
def test_initiator_read_arbitrary_bytes(message: bytes) -> None:
    """Random message 2 after a genuine message 1: typed rejection and Failed."""
    init = _initiator()
    init.write_message(b"")
    _assert_rejected_and_sticky(init, message)


@FUZZ
@given(st.data())
def test_mutated_genuine_messages(data: st.DataObject) -> None:
    """Bit flips, cuts and extensions of real messages 1 and 2 are all rejected with types."""
    init, resp = _initiator(), _responder()
    m1 = init.write_message(data.draw(st.binary(max_size=40), label="payload1"))
    which = data.draw(st.sampled_from(["m1", "m2"]), label="which")
    if which == "m2":
        resp.read_message(m1)
        target, genuine = init, resp.write_message(data.draw(st.binary(max_size=40)))
    else:
        target, genuine = resp, m1
    kind = data.draw(st.sampled_from(["flip", "cut", "extend"]), label="kind")
    if kind == "flip":
        i = data.draw(st.integers(0, len(genuine) - 1), label="index")
        bit = data.draw(st.integers(0, 7), label="bit")
        bad = bytearray(genuine)
        bad[i] ^= 1 << bit
        message = bytes(bad)
    elif kind == "cut":
        message = genuine[: data.draw(st.integers(0, len(genuine) - 1), label="cut")]
    else:
        message = genuine + data.draw(st.binary(min_size=1, max_size=20), label="tail")
    _assert_rejected_and_sticky(target, message)


@FUZZ
@given(st.binary(max_size=300), st.binary(max_size=20), st.integers(0, 2**64 - 2))
def test_transport_decrypt_arbitrary_bytes(ct: bytes, ad: bytes, n: int) -> None:
    """Random transport ciphertext: NoiseDecryptError, nonce untouched."""
    cs = CipherState.from_key(bytes(32), n=n)
    with pytest.raises(NoiseDecryptError):
        cs.decrypt_with_ad(ad, ct)
    assert cs.n == n


_NAME_PARTS = st.tuples(
    st.sampled_from(["Noise", "noise", "Nois", ""]),
    st.sampled_from(
        ["IK", "XX", "IKpsk2", "IKpsk0", "IKpsk1", "IKpsk3", "IKpsk0+psk2", "IKpsk2+psk2", "IKpsk"]
    ),
    st.sampled_from(["25519", "448", "P256", ""]),
    st.sampled_from(["ChaChaPoly", "AESGCM", "XChaChaPoly"]),
    st.sampled_from(["BLAKE2s", "BLAKE2b", "SHA256", "SHA512", "SHA3"]),
).map("_".join)


@FUZZ
@given(st.one_of(st.text(max_size=60), _NAME_PARTS))
def test_parse_arbitrary_names(name: str) -> None:
    """Any text either parses to a protocol of that exact name or is a NoiseConfigError."""
    try:
        proto = NoiseProtocol.parse(name)
    except NoiseConfigError:
        return
    assert proto.name == name


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=500), st.binary(max_size=500), st.lists(st.binary(max_size=300)))
def test_honest_roundtrip_any_payloads(p1: bytes, p2: bytes, transport: list[bytes]) -> None:
    """The positive side of the fuzz: honest peers always agree, whatever the payloads."""
    init, resp = _initiator(), _responder()
    assert resp.read_message(init.write_message(p1)) == p1
    assert init.read_message(resp.write_message(p2)) == p2
    a, b = init.split(), resp.split()
    for i, pt in enumerate(transport):
        tx, rx = (a.send, b.recv) if i % 2 == 0 else (b.send, a.recv)
        assert rx.decrypt_with_ad(b"", tx.encrypt_with_ad(b"", pt)) == pt
