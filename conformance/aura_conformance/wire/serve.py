"""``python -m aura_conformance.wire.serve [--variant NAME]``: a wire backend over stdio.

Serves the ``Wire`` spec of ``docs/backend-protocol.md`` with the reference
authority (or one of the wrong wire backends, ``--variant``), for
``aura-verify conform --spec wire --backend "..."``.
"""

from __future__ import annotations

import argparse
import sys

from aura_conformance.harness.stdio import serve_stdio
from aura_conformance.wire.backends import ACTIONS, WIRE_MODULE, WIRE_VARIANTS, WireBackend


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m aura_conformance.wire.serve")
    p.add_argument("--variant", choices=list(WIRE_VARIANTS), default="ref")
    args = p.parse_args(argv)
    return serve_stdio(WireBackend(args.variant), spec=WIRE_MODULE, actions=ACTIONS)


if __name__ == "__main__":
    sys.exit(main())
