"""The precomputed initial handshake state (``InitialStateCache``).

Byte identity with the uncached handshake is checked on all 16 cacophony suites
in ``test_vectors.py``; here: one entry per (prologue, pre-message keys) and
so none shared across prologues (contexts, epochs) or responders, the bound,
the refusal of a cache of another protocol, and the broken variant (a tampered
entry makes the peer reject message 1).
"""

from __future__ import annotations

import pytest
from aura_rendezvous.noise import (
    HandshakeState,
    InitialStateCache,
    Keypair,
    NoiseConfigError,
    NoiseDecryptError,
    NoiseProtocol,
)

PROTO = NoiseProtocol.parse("Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s")
PSK = bytes(range(32))


def _key(n: int) -> Keypair:
    return Keypair.from_private(bytes([n]) * 32)


S_I, S_R, S_R2 = _key(1), _key(2), _key(3)


def _pair(
    prologue: bytes,
    responder: Keypair = S_R,
    init_cache: InitialStateCache | None = None,
    resp_cache: InitialStateCache | None = None,
) -> bytes:
    """A whole handshake; its handshake hash."""
    init = HandshakeState.initiator(
        PROTO, prologue=prologue, s=S_I, rs=responder.public, psks=[PSK], e=_key(10),
        initial_state=init_cache,
    )  # fmt: skip
    resp = HandshakeState.responder(
        PROTO, prologue=prologue, s=responder, psks=[PSK], e=_key(11), initial_state=resp_cache
    )
    resp.read_message(init.write_message(b""))
    init.read_message(resp.write_message(b""))
    assert init.handshake_hash == resp.handshake_hash
    return init.handshake_hash


def test_one_entry_per_prologue_and_responder() -> None:
    ci, cr = InitialStateCache(PROTO), InitialStateCache(PROTO)
    hashes = {}
    for prologue in (b"ctx-a|epoch-1", b"ctx-a|epoch-2", b"ctx-b|epoch-1"):
        for _ in range(3):
            hashes[prologue] = _pair(prologue, S_R, ci, cr)
            assert hashes[prologue] == _pair(prologue)  # same as uncached
    assert len(set(hashes.values())) == 3
    assert ci.computed == cr.computed == 3 == len(ci)
    _pair(b"ctx-a|epoch-1", S_R2, ci, None)  # another responder: a new entry
    assert ci.computed == 4


def test_bounded_oldest_first() -> None:
    cache = InitialStateCache(PROTO, max_entries=2)
    for prologue in (b"1", b"2", b"3"):
        _pair(prologue, init_cache=cache)
    assert len(cache) == 2 and cache.computed == 3
    _pair(b"3", init_cache=cache)
    assert cache.computed == 3
    _pair(b"1", init_cache=cache)
    assert cache.computed == 4


def test_cache_of_another_protocol_is_refused() -> None:
    other = InitialStateCache(NoiseProtocol.parse("Noise_IKpsk2_25519_ChaChaPoly_SHA256"))
    with pytest.raises(NoiseConfigError):
        HandshakeState.responder(PROTO, prologue=b"p", s=S_R, psks=[PSK], e=_key(11),
                                 initial_state=other)  # fmt: skip
    with pytest.raises(NoiseConfigError):
        InitialStateCache(PROTO, max_entries=0)


def test_tampered_entry_makes_the_peer_reject_message_1() -> None:
    """Broken variant: a wrong cached hash on the initiator; the uncached responder
    cannot decrypt the static key message 1 carries."""
    cache = InitialStateCache(PROTO)
    _pair(b"p", init_cache=cache)
    [(key, (ck, h))] = cache._entries.items()
    cache._entries[key] = (ck, bytes(len(h)))  # the broken variant
    with pytest.raises(NoiseDecryptError):
        _pair(b"p", init_cache=cache)
