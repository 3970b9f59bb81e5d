"""Handshakes per second through the full path, side by side with bare Noise handshakes.

Measured in one run, same process, rounds alternating, best of 5:

- ``bare (ours)``: both sides of one IKpsk2 handshake with ``aura_rendezvous.noise``
  plus one transport message each way (``bench_noise.run_bare_handshakes``);
- ``bare (noiseprotocol)``: the same with ``noiseprotocol`` on both sides;
- ``channel layer``: ``ChannelManager.start_handshake`` / ``accept_handshake`` /
  ``finish_handshake`` / ``receive`` (prologue, roster and static-key check, replay
  guard, channel ids, key confirmation), plus one data message back, with the
  per-peer precomputations a ``ChannelEndpoint`` keeps (``StaticDhCache``,
  ``InitialStateCache``: the same bytes, one X25519 and three hashes less per
  side, as WireGuard precomputes them);
- ``full path``: ``RendezvousService.prepare_establish_channel`` → effect
  interpreter → ``prepare_handle_handshake`` → interpreter → initiator completion
  → responder key confirmation journaling ``ChannelEstablished``, plus one data
  message back (guards, budgets, signed receipts, journal included; the
  endpoint's precomputations as above).

- ``bare, precomputed (ours)``: the bare handshake between the same two parties
  with those precomputations, so that full path / this row is the cost of the
  machinery alone over identical cryptographic work.

The two plain bare rows build fresh handshake states with nothing remembered.

The overhead ratio printed is full path / bare (ours) in time per handshake;
the target is at most 1.3x.

Run: ``make bench`` or ``.venv/bin/python bench/bench_handshake.py [n]``.
``--profile [n]`` instead prints where the full path spends its time (cProfile,
sorted by own time), which is what the optimisations in docs/implementation.md
were chosen from.
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
from typing import Any

import attrs
from aura_rendezvous import (
    CAP_RENDEZVOUS_CONNECT,
    CAP_RENDEZVOUS_PUBLISH,
    AuthorityId,
    AuthorityKeys,
    ChannelManager,
    ContextId,
    ContextMembership,
    DescriptorFact,
    EffectInterpreter,
    FlowBudgetStore,
    GuardSnapshot,
    HandshakeConfig,
    QuicDirect,
    ReceiptIssuer,
    RendezvousConfig,
    RendezvousService,
    Roster,
)
from aura_rendezvous.noise import (
    PRODUCTION_PROTOCOL,
    InitialStateCache,
    Keypair,
    NoiseProtocol,
    StaticDhCache,
)

TARGET_RATIO = 1.3
ROUNDS = 5
CTX = hashlib.sha256(b"bench-context").digest()
ALICE = hashlib.sha256(b"bench-alice").digest()
BOB = hashlib.sha256(b"bench-bob").digest()
S_ALICE = Keypair.generate(os.urandom)
S_BOB = Keypair.generate(os.urandom)
ROSTER = {ALICE: S_ALICE.public, BOB: S_BOB.public}
PSK = os.urandom(32)
PROTOCOL = NoiseProtocol.parse(PRODUCTION_PROTOCOL)


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
    # The precomputations a ChannelEndpoint keeps (static-static DH, initial state).
    a_dh, b_dh = StaticDhCache(S_ALICE), StaticDhCache(S_BOB)
    a_init, b_init = InitialStateCache(PROTOCOL), InitialStateCache(PROTOCOL)
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
            static_dh=a_dh,
            initial_state=a_init,
        )
        _, msg2 = bob.accept_handshake(
            resp_cfg,
            msg1,
            static=S_BOB,
            roster=ROSTER.get,
            ephemeral=Keypair.generate(os.urandom),
            now_ms=0,
            static_dh=b_dh,
            initial_state=b_init,
        )
        _, confirm = alice.finish_handshake(CTX, BOB, msg2, 0)
        if not bob.receive(confirm).confirmed:
            raise AssertionError("responder did not confirm")
        if alice.receive(bob.seal(CTX, ALICE, b"pong")).plaintext != b"pong":
            raise AssertionError("transport pong failed")
    return time.perf_counter() - start


@attrs.frozen
class _Party:
    service: RendezvousService
    budget: FlowBudgetStore
    interpreter: EffectInterpreter
    outbox: list[Any]


@attrs.frozen
class _FullPath:
    alice: _Party
    bob: _Party
    ctx: ContextId
    caps: frozenset[str]
    membership: ContextMembership
    alice_id: AuthorityId
    bob_id: AuthorityId


def _full_path_pair() -> _FullPath:
    """Two services with keys, one context, budgets, interpreters and outboxes."""
    ctx = ContextId(CTX)
    ids = (AuthorityId(ALICE), AuthorityId(BOB))
    keys = [AuthorityKeys.from_seed(a, os.urandom(32)) for a in ids]
    membership = ContextMembership(ctx, Roster.of(*keys), os.urandom(32))
    parties = []
    for k in keys:
        service = RendezvousService.new(
            k.authority_id, RendezvousConfig(k, [membership], os.urandom)
        )
        budget = FlowBudgetStore({}, default_limit=10**15)
        outbox: list[Any] = []
        interpreter = EffectInterpreter(
            k.authority_id,
            budget,
            service.journals,
            ReceiptIssuer(k),
            outbox.append,
            channels=service.channel_endpoint,
            verifiers=service.receipt_verifiers,
        )
        parties.append(_Party(service, budget, interpreter, outbox))
    caps = frozenset({CAP_RENDEZVOUS_PUBLISH, CAP_RENDEZVOUS_CONNECT})
    for party, other in zip(parties, parties[::-1], strict=True):
        party.interpreter.execute(
            party.service.prepare_publish_descriptor(
                _snapshot(party, ctx, caps), ctx, [QuicDirect("127.0.0.1:1")], 0
            )
        )
        for fact in party.service.journal(ctx).facts():
            if isinstance(fact, DescriptorFact):
                other.service.cache_descriptor(fact.sealed)
    return _FullPath(parties[0], parties[1], ctx, caps, membership, *ids)


def _snapshot(party: _Party, ctx: ContextId, caps: frozenset[str]) -> GuardSnapshot:
    me = party.service.authority_id
    return GuardSnapshot(me, ctx, party.budget.remaining(ctx, me, 1), caps, 1)


def run_full_path(n: int) -> float:
    """Seconds for ``n`` handshakes through prepare → interpreter → outbox on both
    services, ending with ChannelEstablished journaled and one data message back."""
    path = _full_path_pair()
    alice, bob, ctx, caps = path.alice, path.bob, path.ctx, path.caps
    alice_id, bob_id = path.alice_id, path.bob_id
    psk = path.membership.handshake_psk(1)
    start = time.perf_counter()
    for _ in range(n):
        alice.interpreter.execute(
            alice.service.prepare_establish_channel(
                _snapshot(alice, ctx, caps), ctx, bob_id, psk, now_ms=0
            )
        )
        # Message 1 and message 2 are paid for: each travels with its receipt.
        send1 = alice.outbox.pop()
        bob.interpreter.execute(
            bob.service.prepare_handle_handshake(
                _snapshot(bob, ctx, caps),
                ctx,
                alice_id,
                send1.message,
                psk,
                now_ms=0,
                receipt=send1.receipt,
            )
        )
        send2 = bob.outbox.pop()
        alice.interpreter.execute(
            alice.service.prepare_handle_handshake(
                _snapshot(alice, ctx, caps),
                ctx,
                bob_id,
                send2.message,
                psk,
                now_ms=0,
                receipt=send2.receipt,
            )
        )
        confirmation = alice.outbox.pop().message
        result = bob.interpreter.execute(
            bob.service.prepare_handle_handshake(
                _snapshot(bob, ctx, caps),
                ctx,
                alice_id,
                confirmation,
                psk,
                now_ms=0,
            )
        )
        if result.status.value != "Committed":
            raise AssertionError(f"confirmation not journaled: {result}")
        a_manager = alice.service.channel_endpoint.manager
        b_manager = bob.service.channel_endpoint.manager
        pong = b_manager.seal(ctx.value, alice_id.value, b"pong")
        if a_manager.receive(pong).plaintext != b"pong":
            raise AssertionError("transport pong failed")
    return time.perf_counter() - start


def profile_full_path(n: int) -> None:
    """cProfile of ``n`` full-path handshakes: the top functions by own time."""
    import cProfile
    import pstats

    run_full_path(max(n // 20, 10))  # warm-up
    profiler = cProfile.Profile()
    profiler.enable()
    run_full_path(n)
    profiler.disable()
    pstats.Stats(profiler).sort_stats("tottime").print_stats(30)


def main(argv: list[str]) -> int:
    if len(argv) > 1 and argv[1] == "--profile":
        profile_full_path(int(argv[2]) if len(argv) > 2 else 300)
        return 0
    n = int(argv[1]) if len(argv) > 1 else 1000
    bench_noise = _load_bench_noise()

    runners: list[tuple[str, Callable[[int], float]]] = [
        ("bare (aura_rendezvous.noise)", bench_noise.run_bare_handshakes),
        ("bare (noiseprotocol 0.3.1)", bench_noise.run_noiseprotocol_handshakes),
        ("bare, precomputed (ours)", bench_noise.run_precomputed_handshakes),
        ("channel layer", run_channel_layer),
        ("full prepare/execute path", run_full_path),
    ]
    results: dict[str, float] = {}
    for name, run in list(runners):
        try:
            run(max(n // 20, 10))  # warm-up
        except ImportError as exc:
            print(f"  {name:30s}: SKIPPED ({exc})")
            runners.remove((name, run))
    # Rounds alternate the implementations so a load spike on a shared machine
    # hits all of them alike; each keeps its best round.
    for _ in range(ROUNDS):
        for name, run in runners:
            seconds = run(n)
            results[name] = min(results.get(name, seconds), seconds)
    print(f"Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s, {n} handshakes per run, best of {ROUNDS}")
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
    # The target is the agreed measure: full path over a plain handshake of our
    # own Noise layer. The full path also keeps per-peer precomputations that a
    # plain handshake cannot have, so the like-for-like ratio (over a handshake
    # with the same precomputations: the machinery alone) is printed beside it,
    # and the ratio over noiseprotocol for context.
    full = results.get("full prepare/execute path")
    precomputed = results.get("bare, precomputed (ours)")
    if precomputed is not None:
        for name in ("channel layer", "full prepare/execute path"):
            if name in results:
                print(
                    f"  (like for like, machinery alone) {name} / bare, precomputed (ours): "
                    f"{results[name] / precomputed:.2f}x"
                )
    other = results.get("bare (noiseprotocol 0.3.1)")
    if full is not None and other is not None:
        print(f"  (for context) full prepare/execute path / noiseprotocol: {full / other:.2f}x")
    if full is not None:
        print(f"  full path - bare (ours): {(full - bare) / n * 1e6:.0f} us per handshake")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
