"""The precomputed static-static DH (``StaticDhCache``), as WireGuard precomputes it.

A handshake with the cache on either or both sides is byte for byte the
handshake without it; the cache computes DH(s, rs) once per remote key; it is
bounded; bad keys raise the typed error and are not kept; a cache of another
static key is refused; and a tampered entry breaks the handshake, which shows
the ``ss`` token really comes from the cache. Interop with ``noiseprotocol``
with the cache on our side, in both roles, is in ``test_interop.py``.
"""

from __future__ import annotations

import pytest
from aura_rendezvous.noise import (
    HandshakeState,
    Keypair,
    NoiseConfigError,
    NoiseDecryptError,
    NoiseError,
    NoiseMalformedError,
    StaticDhCache,
)
from hypothesis import given, settings
from hypothesis import strategies as st

PROTOCOL = "Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s"
PROLOGUE = b"aura/static-dh/v1"
PSK = bytes(range(32))


def _key(n: int) -> Keypair:
    return Keypair.from_private(bytes([n]) * 32)


S_I, S_R = _key(1), _key(2)


def _handshake(
    init_cache: StaticDhCache | None, resp_cache: StaticDhCache | None, seed: int = 10
) -> tuple[bytes, bytes, bytes, bytes, bytes]:
    """Messages 1 and 2, the handshake hash and one transport message each way."""
    init = HandshakeState.initiator(
        PROTOCOL, prologue=PROLOGUE, s=S_I, rs=S_R.public, psks=[PSK],
        e=_key(seed), static_dh=init_cache,
    )  # fmt: skip
    resp = HandshakeState.responder(
        PROTOCOL, prologue=PROLOGUE, s=S_R, psks=[PSK], e=_key(seed + 1), static_dh=resp_cache
    )
    msg1 = init.write_message(b"hello")
    assert resp.read_message(msg1) == b"hello"
    msg2 = resp.write_message(b"")
    init.read_message(msg2)
    a, b = init.split(), resp.split()
    assert a.handshake_hash == b.handshake_hash
    return (
        msg1,
        msg2,
        a.handshake_hash,
        a.send.encrypt_with_ad(b"", b"ping"),
        b.send.encrypt_with_ad(b"", b"pong"),
    )


def test_cached_handshake_is_byte_identical() -> None:
    """Same ephemerals, with and without caches: same messages, hash and transport bytes."""
    plain = _handshake(None, None)
    both = _handshake(StaticDhCache(S_I), StaticDhCache(S_R))
    only_init = _handshake(StaticDhCache(S_I), None)
    only_resp = _handshake(None, StaticDhCache(S_R))
    assert plain == both == only_init == only_resp


def test_each_remote_key_is_computed_once() -> None:
    """Ten handshakes with one peer: one DH per side; a second peer adds one more."""
    ci, cr = StaticDhCache(S_I), StaticDhCache(S_R)
    for seed in range(10, 30, 2):
        _handshake(ci, cr, seed)
    assert (ci.computed, cr.computed) == (1, 1)
    assert len(ci) == len(cr) == 1
    other = _key(3)
    HandshakeState.initiator(
        PROTOCOL, prologue=PROLOGUE, s=S_I, rs=other.public, psks=[PSK],
        e=_key(40), static_dh=ci,
    ).write_message(b"")  # fmt: skip
    assert ci.computed == 2 and len(ci) == 2


def test_cache_is_bounded_oldest_first() -> None:
    cache = StaticDhCache(S_I, max_entries=2)
    keys = [_key(n).public for n in (5, 6, 7)]
    for k in keys:
        cache(k)
    assert len(cache) == 2 and cache.computed == 3
    cache(keys[2])
    assert cache.computed == 3  # the newest is still there
    cache(keys[0])
    assert cache.computed == 4  # the oldest was evicted


def test_bad_remote_keys_raise_typed_and_are_not_kept() -> None:
    cache = StaticDhCache(S_I)
    with pytest.raises(NoiseMalformedError):
        cache(bytes(32))  # small order: all-zero shared secret
    with pytest.raises(NoiseMalformedError):
        cache(b"\x09" * 31)
    assert len(cache) == 0 and cache.computed == 0


def test_cache_of_another_static_key_is_refused() -> None:
    with pytest.raises(NoiseConfigError):
        HandshakeState.initiator(
            PROTOCOL, prologue=PROLOGUE, s=S_I, rs=S_R.public, psks=[PSK],
            e=_key(10), static_dh=StaticDhCache(S_R),
        )  # fmt: skip
    with pytest.raises(NoiseConfigError):
        HandshakeState.responder(
            PROTOCOL, prologue=PROLOGUE, s=S_R, psks=[PSK], e=_key(11),
            static_dh=StaticDhCache(S_I),
        )  # fmt: skip
    with pytest.raises(NoiseConfigError):
        StaticDhCache(S_I, max_entries=0)


def test_tampered_entry_breaks_the_handshake() -> None:
    """Broken variant: a wrong cached ss on the responder fails message 1's payload tag."""
    cache = StaticDhCache(S_R)
    cache._entries[S_I.public] = bytes(32)  # the broken variant
    with pytest.raises(NoiseDecryptError):
        _handshake(None, cache)


@settings(max_examples=100, deadline=None)
@given(initiator_private=st.binary(min_size=32, max_size=32), noise=st.binary(max_size=200))
def test_responder_cache_under_arbitrary_first_messages(
    initiator_private: bytes, noise: bytes
) -> None:
    """Any initiator key (a genuine message 1) is served correctly; random bytes are rejected
    with a typed error and leave the cache as it was."""
    cache = StaticDhCache(S_R)
    stranger = Keypair.from_private(initiator_private)
    init = HandshakeState.initiator(
        PROTOCOL, prologue=PROLOGUE, s=stranger, rs=S_R.public, psks=[PSK], e=_key(50)
    )
    resp = HandshakeState.responder(
        PROTOCOL, prologue=PROLOGUE, s=S_R, psks=[PSK], e=_key(51), static_dh=cache
    )
    assert resp.read_message(init.write_message(b"x")) == b"x"
    assert resp.remote_static == stranger.public and cache.computed == 1
    before = len(cache)
    fresh = HandshakeState.responder(
        PROTOCOL, prologue=PROLOGUE, s=S_R, psks=[PSK], e=_key(52), static_dh=cache
    )
    with pytest.raises(NoiseError):
        fresh.read_message(noise)
    assert len(cache) == before
