"""``aura-verify conform --profile network``: conformance machines on real sockets.

``--spec relay``: the relay path of Rendezvous.tla, once per transport (TCP
direct, QUIC, the WebSocket relay). ``--spec epoch``: EpochRotation.tla's
direct handshakes, once over TCP direct and once over QUIC. Every message
crosses a loopback socket and every step is validated by the checker as in
process. A message that does not cross within ``--timeout`` is an error of the
run (exit 3), never a verdict.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from aura_conformance.harness.result import ConformanceResult

__all__ = ["NETWORK_SPECS", "run_network_profile"]

# The specs whose machines have a networked world.
NETWORK_SPECS = ("relay", "epoch")


def _variants(spec: str) -> dict[str, Any]:
    if spec == "epoch":
        from aura_conformance.epoch_rotation import EPOCH_VARIANTS

        return dict(EPOCH_VARIANTS)
    from aura_conformance.relay import RELAY_VARIANTS

    return dict(RELAY_VARIANTS)


def _usage(args: argparse.Namespace) -> str:
    """Why ``args`` cannot run over the network, or ``""``."""
    if args.spec not in NETWORK_SPECS:
        return (
            f"--profile network runs --spec {' or '.join(NETWORK_SPECS)} "
            f"(the relay path, the epoch rotation's direct handshakes), not --spec {args.spec}"
        )
    variants = _variants(args.spec)
    if args.backend not in variants:
        return (
            f"--profile network drives the in-process {args.spec} world: --backend is one of "
            f"{', '.join(variants)}, not {args.backend!r}"
        )
    if args.replay is not None or args.record is not None:
        return "--profile network neither replays nor records traces"
    return ""


def _transports(spec: str) -> tuple[str, ...]:
    if spec == "epoch":
        from aura_conformance.network import EPOCH_TRANSPORTS

        return EPOCH_TRANSPORTS
    from aura_conformance.network import TRANSPORTS

    return TRANSPORTS


def _run_one(args: argparse.Namespace, transport: str) -> ConformanceResult:
    """One transport's result; ``BackendError`` if it cannot run."""
    runs = {"examples": args.examples, "seed": args.seed, "steps": args.steps}
    if args.spec == "epoch":
        from aura_conformance.epoch_rotation import run_epoch_conformance
        from aura_conformance.network import NetworkEpochBackend

        epoch = NetworkEpochBackend(args.backend, transport, timeout_s=args.timeout)
        try:
            return run_epoch_conformance(epoch, **runs)
        finally:
            epoch.close()
    from aura_conformance.network import NetworkRelayBackend
    from aura_conformance.relay import run_relay_conformance

    relay = NetworkRelayBackend(args.backend, transport, timeout_s=args.timeout)
    try:
        return run_relay_conformance(relay, **runs)
    finally:
        relay.close()


def run_network_profile(args: argparse.Namespace, codes: dict[str, int]) -> int:
    """One verdict line per transport; ``codes`` are ``conform``'s exit codes by name."""
    from aura_conformance.harness import BackendError

    problem = _usage(args)
    if problem:
        print(f"aura-verify conform: {problem}", file=sys.stderr)
        return codes["usage"]
    code = codes["conformant"]
    for transport in _transports(args.spec):
        try:
            outcome = _run_one(args, transport)
        except BackendError as exc:
            print(f"aura-verify conform: over {transport}: {exc}", file=sys.stderr)
            return codes["backend"]
        print(outcome.summary())
        if not outcome.conformant:
            code = codes["not conformant"]
    return code
