"""Bare Noise handshakes per second: our layer vs ``noiseprotocol``, in the same run.

A "bare handshake" is both sides of one ``Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s``
handshake in memory: build the two states (static keys loaded once, fresh
ephemerals each time), write/read message 1 and 2, split, and one transport
message each way so the split keys are used. No guard chain, no journal, no I/O.

``run_bare_handshakes(n)`` is reusable: ``bench/bench_handshake.py`` compares the
full prepare/execute path against it.

Run: ``make bench`` or ``.venv/bin/python bench/bench_noise.py [n]``.
"""

from __future__ import annotations

import os
import sys
import time

from aura_rendezvous.noise import (
    HandshakeState,
    InitialStateCache,
    Keypair,
    NoiseProtocol,
    StaticDhCache,
)

PROTOCOL_NAME = "Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s"
PROLOGUE = b"aura/bench/v1"
_PROTOCOL = NoiseProtocol.parse(PROTOCOL_NAME)
_S_INIT = Keypair.generate(os.urandom)
_S_RESP = Keypair.generate(os.urandom)
_PSK = os.urandom(32)


def _gen() -> Keypair:
    return Keypair.generate(os.urandom)


Precomputed = tuple[StaticDhCache, InitialStateCache, StaticDhCache, InitialStateCache]
_NONE: Precomputed | tuple[None, None, None, None] = (None, None, None, None)


def one_bare_handshake(precomputed: Precomputed | None = None) -> bytes:
    """One complete handshake with our layer; returns the handshake hash.

    ``precomputed``: the initiator's and the responder's ``StaticDhCache`` and
    ``InitialStateCache``, as a ``ChannelEndpoint`` keeps them; none by default.
    """
    i_dh, i_init, r_dh, r_init = precomputed or _NONE
    init = HandshakeState.initiator(
        _PROTOCOL,
        prologue=PROLOGUE,
        s=_S_INIT,
        rs=_S_RESP.public,
        psks=[_PSK],
        generate_keypair=_gen,
        static_dh=i_dh,
        initial_state=i_init,
    )
    resp = HandshakeState.responder(
        _PROTOCOL,
        prologue=PROLOGUE,
        s=_S_RESP,
        psks=[_PSK],
        generate_keypair=_gen,
        static_dh=r_dh,
        initial_state=r_init,
    )
    resp.read_message(init.write_message(b""))
    if resp.remote_static != _S_INIT.public:
        raise AssertionError("responder learned the wrong static key")
    init.read_message(resp.write_message(b""))
    a, b = init.split(), resp.split()
    if b.recv.decrypt_with_ad(b"", a.send.encrypt_with_ad(b"", b"ping")) != b"ping":
        raise AssertionError("transport ping failed")
    if a.recv.decrypt_with_ad(b"", b.send.encrypt_with_ad(b"", b"pong")) != b"pong":
        raise AssertionError("transport pong failed")
    return a.handshake_hash


def run_precomputed_handshakes(n: int) -> float:
    """Seconds taken by ``n`` handshakes between the same two parties, each side keeping
    ``StaticDhCache`` and ``InitialStateCache`` (what a ``ChannelEndpoint`` keeps)."""
    caches = (
        StaticDhCache(_S_INIT),
        InitialStateCache(_PROTOCOL),
        StaticDhCache(_S_RESP),
        InitialStateCache(_PROTOCOL),
    )
    start = time.perf_counter()
    for _ in range(n):
        one_bare_handshake(caches)
    return time.perf_counter() - start


def run_bare_handshakes(n: int) -> float:
    """Seconds taken by ``n`` complete handshakes with our Noise layer."""
    start = time.perf_counter()
    for _ in range(n):
        one_bare_handshake()
    return time.perf_counter() - start


def run_noiseprotocol_handshakes(n: int) -> float:
    """Seconds taken by ``n`` complete handshakes with ``noiseprotocol`` on both sides."""
    from noise.connection import Keypair as NPKeypair
    from noise.connection import NoiseConnection

    name = PROTOCOL_NAME.encode()
    start = time.perf_counter()
    for _ in range(n):
        init = NoiseConnection.from_name(name)
        init.set_as_initiator()
        init.set_keypair_from_private_bytes(NPKeypair.STATIC, _S_INIT.private)
        init.set_keypair_from_public_bytes(NPKeypair.REMOTE_STATIC, _S_RESP.public)
        init.set_psks(psk=_PSK)
        init.set_prologue(PROLOGUE)
        init.start_handshake()
        resp = NoiseConnection.from_name(name)
        resp.set_as_responder()
        resp.set_keypair_from_private_bytes(NPKeypair.STATIC, _S_RESP.private)
        resp.set_psks(psk=_PSK)
        resp.set_prologue(PROLOGUE)
        resp.start_handshake()
        resp.read_message(init.write_message(b""))
        init.read_message(resp.write_message(b""))
        if resp.decrypt(init.encrypt(b"ping")) != b"ping":
            raise AssertionError("noiseprotocol transport ping failed")
        if init.decrypt(resp.encrypt(b"pong")) != b"pong":
            raise AssertionError("noiseprotocol transport pong failed")
    return time.perf_counter() - start


def main(argv: list[str]) -> int:
    n = int(argv[1]) if len(argv) > 1 else 1000
    rounds = 5
    # Warm both paths (imports, OpenSSL tables) so the timed runs compare steady states.
    run_bare_handshakes(50)
    try:
        run_noiseprotocol_handshakes(50)
    except ImportError as exc:
        have_theirs = False
        print(f"noiseprotocol: SKIPPED ({exc})")
    else:
        have_theirs = True
    # Rounds alternate the two implementations and each side keeps its best round, so a
    # load spike on a shared machine cannot fall on one side only and fake a ratio.
    ours_runs: list[float] = []
    theirs_runs: list[float] = []
    for _ in range(rounds):
        ours_runs.append(run_bare_handshakes(n))
        if have_theirs:
            theirs_runs.append(run_noiseprotocol_handshakes(n))
    ours = min(ours_runs)
    print(
        f"{PROTOCOL_NAME}, {n} handshakes (both sides + split + 1 message each way), "
        f"best of {rounds} alternating rounds"
    )
    print(
        f"  aura_rendezvous.noise : {n / ours:10.1f} handshakes/s  ({ours / n * 1e6:8.1f} us each)"
    )
    if have_theirs:
        theirs = min(theirs_runs)
        print(
            f"  noiseprotocol 0.3.1   : {n / theirs:10.1f} handshakes/s  "
            f"({theirs / n * 1e6:8.1f} us each)"
        )
        print(f"  ratio ours/noiseprotocol (throughput): {theirs / ours:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
