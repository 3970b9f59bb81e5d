"""Handshakes per second through the full path, side by side with bare Noise handshakes.

Measured in one run, same process, best of 3:

- ``bare (ours)``: both sides of one IKpsk2 handshake with ``aura_rendezvous.noise``
  plus one transport message each way (``bench_noise.run_bare_handshakes``);
- ``bare (noiseprotocol)``: the same with ``noiseprotocol`` on both sides;
- ``channel layer``: ``ChannelManager.start_handshake`` / ``accept_handshake`` /
  ``finish_handshake`` / ``receive`` (prologue, roster and static-key check, replay
  guard, channel ids, key confirmation), plus one data message back;
- ``full path``: ``RendezvousService.prepare_establish_channel`` → effect
  interpreter → ``prepare_handle_handshake`` → interpreter → initiator completion
  → responder key confirmation journaling ``ChannelEstablished``, plus one data
  message back (guards, budgets, receipts, journal included).

The overhead ratio printed is full path / bare (ours) in time per handshake;
the target is at most 1.3x.

Run: ``make bench`` or ``.venv/bin/python bench/bench_handshake.py [n]``.
"""

from __future__ import annotations

import hashlib
import importlib.util
import itertools
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

from aura_rendezvous._channel_manager import ChannelManager
from aura_rendezvous._handshaker import HandshakeConfig
from aura_rendezvous.noise import Keypair

TARGET_RATIO = 1.3
CTX = hashlib.sha256(b"bench-context").digest()
ALICE = hashlib.sha256(b"bench-alice").digest()
BOB = hashlib.sha256(b"bench-bob").digest()
S_ALICE = Keypair.generate(os.urandom)
S_BOB = Keypair.generate(os.urandom)
ROSTER = {ALICE: S_ALICE.public, BOB: S_BOB.public}
PSK = os.urandom(32)


def _load_bench_noise() -> ModuleType:
    path = Path(__file__).with_name("bench_noise.py")
    spec = importlib.util.spec_from_file_location("bench_noise", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run_channel_layer(n: int) -> float:
    """Seconds for ``n`` handshakes through the channel layer (both managers)."""
    alice, bob = ChannelManager(ALICE, 1), ChannelManager(BOB, 1)
    init_cfg = HandshakeConfig(ALICE, BOB, CTX, PSK, 5_000, 1)
    resp_cfg = HandshakeConfig(BOB, None, CTX, PSK, 5_000, 1)
    timestamps = itertools.count(1)
    start = time.perf_counter()
    for _ in range(n):
        msg1 = alice.start_handshake(
            init_cfg,
            static=S_ALICE,
            remote_static=S_BOB.public,
            ephemeral=Keypair.generate(os.urandom),
            timestamp=next(timestamps),
            now_ms=0,
        )
        _, msg2 = bob.accept_handshake(
            resp_cfg,
            msg1,
            static=S_BOB,
            roster=ROSTER.get,
            ephemeral=Keypair.generate(os.urandom),
            now_ms=0,
        )
        _, confirm = alice.finish_handshake(CTX, BOB, msg2, 0)
        if not bob.receive(confirm).confirmed:
            raise AssertionError("responder did not confirm")
        if alice.receive(bob.seal(CTX, ALICE, b"pong")).plaintext != b"pong":
            raise AssertionError("transport pong failed")
    return time.perf_counter() - start


def _full_path_runner() -> tuple[Callable[[int], float] | None, str]:
    """The full service path, or ``None`` and the reason it cannot run."""
    try:
        from service_path import run_full_path  # type: ignore[import-not-found]
    except ImportError as exc:
        return None, f"full service path unavailable: {exc}"
    return run_full_path, ""


def main(argv: list[str]) -> int:
    n = int(argv[1]) if len(argv) > 1 else 1000
    bench_noise = _load_bench_noise()
    sys.path.insert(0, str(Path(__file__).parent))
    full, why = _full_path_runner()

    runners: list[tuple[str, Callable[[int], float]]] = [
        ("bare (aura_rendezvous.noise)", bench_noise.run_bare_handshakes),
        ("bare (noiseprotocol 0.3.1)", bench_noise.run_noiseprotocol_handshakes),
        ("channel layer", run_channel_layer),
    ]
    if full is not None:
        runners.append(("full prepare/execute path", full))
    results: dict[str, float] = {}
    for name, run in runners:
        try:
            run(max(n // 20, 10))  # warm-up
        except ImportError as exc:
            print(f"  {name:30s}: SKIPPED ({exc})")
            continue
        results[name] = min(run(n) for _ in range(3))
    print(f"Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s, {n} handshakes per run, best of 3")
    for name, seconds in results.items():
        print(f"  {name:30s}: {n / seconds:9.1f} handshakes/s  ({seconds / n * 1e6:7.1f} us each)")
    bare = results["bare (aura_rendezvous.noise)"]
    for name in ("channel layer", "full prepare/execute path"):
        if name in results:
            ratio = results[name] / bare
            verdict = "within" if ratio <= TARGET_RATIO else "ABOVE"
            print(
                f"  overhead {name} / bare (ours): {ratio:.2f}x ({verdict} target {TARGET_RATIO}x)"
            )
    if full is None:
        print(f"  full prepare/execute path: SKIPPED ({why})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
