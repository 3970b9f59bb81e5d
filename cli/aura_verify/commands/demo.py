"""``aura-verify demo``: the rendezvous on loopback, every step on real sockets.

Two authorities, a relay and a STUN server on 127.0.0.1 (ports chosen by the
OS): publish, journal sync over TCP, connect by the ladder (which rung won, and
what every attempt did), send, an epoch rotation after which the drivers
republish and rekey, a send on the new channel.
Each step is printed as it ends. Exit 0 only if every step worked, 1 otherwise.
``--block quic`` or ``--block direct`` publishes those paths at an address
nobody answers on, to show the ladder falling back.
"""

from __future__ import annotations

import argparse

__all__ = ["configure_demo"]


def configure_demo(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--block",
        choices=("none", "quic", "direct"),
        default="none",
        help="paths to make unreachable (default: none)",
    )
    parser.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    import asyncio

    from aura_net import run_demo

    ok = asyncio.run(run_demo(lambda line: print(line, flush=True), args.block))
    return 0 if ok else 1
