"""``aura-verify conform --profile network``: the relay path's state machine on sockets.

The relay path of Rendezvous.tla is run once per transport (TCP direct, QUIC,
the WebSocket relay), its messages crossing loopback sockets, every step
validated by the checker as in process. A message that does not cross within
``--timeout`` is an error of the run (exit 3), never a verdict.
"""

from __future__ import annotations

import argparse
import sys

__all__ = ["NETWORK_SPECS", "run_network_profile"]

# The specs whose machines have a networked world.
NETWORK_SPECS = ("relay",)


def _usage(args: argparse.Namespace) -> str:
    """Why ``args`` cannot run over the network, or ``""``."""
    from aura_conformance.relay import RELAY_VARIANTS

    if args.spec not in NETWORK_SPECS:
        return (
            f"--profile network runs --spec {' or '.join(NETWORK_SPECS)} (the relay path), "
            f"not --spec {args.spec}"
        )
    if args.backend not in RELAY_VARIANTS:
        return (
            f"--profile network drives the in-process relay world: --backend is one of "
            f"{', '.join(RELAY_VARIANTS)}, not {args.backend!r}"
        )
    if args.replay is not None or args.record is not None:
        return "--profile network neither replays nor records traces"
    return ""


def run_network_profile(args: argparse.Namespace, codes: dict[str, int]) -> int:
    """One verdict line per transport; ``codes`` are ``conform``'s exit codes by name."""
    from aura_conformance.harness import BackendError
    from aura_conformance.network import TRANSPORTS, NetworkRelayBackend
    from aura_conformance.relay import run_relay_conformance

    problem = _usage(args)
    if problem:
        print(f"aura-verify conform: {problem}", file=sys.stderr)
        return codes["usage"]
    code = codes["conformant"]
    for transport in TRANSPORTS:
        try:
            backend = NetworkRelayBackend(args.backend, transport, timeout_s=args.timeout)
            try:
                outcome = run_relay_conformance(
                    backend, examples=args.examples, seed=args.seed, steps=args.steps
                )
            finally:
                backend.close()
        except BackendError as exc:
            print(f"aura-verify conform: over {transport}: {exc}", file=sys.stderr)
            return codes["backend"]
        print(outcome.summary())
        if not outcome.conformant:
            code = codes["not conformant"]
    return code
