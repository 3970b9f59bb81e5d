"""A stdio backend: the guard-chain world of the reference implementation, or a broken variant.

``python -m aura_conformance.examples.guard_backend [--variant NAME]`` reads one
JSON request per line on stdin and writes one reply per line on stdout
(``docs/conformance.md``). ``--variant`` picks a buggy backend, so the harness
can be shown to catch it across a process boundary.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from aura_conformance.guard_chain import VARIANTS, ReferenceBackend
from aura_conformance.harness.stdio import serve_stdio


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="guard_backend")
    parser.add_argument("--variant", default="ref", choices=sorted(VARIANTS))
    args = parser.parse_args(argv)
    return serve_stdio(ReferenceBackend(args.variant))


if __name__ == "__main__":
    sys.exit(main())
