"""A stdio backend: a world of the reference implementation, or a broken variant.

``python -m aura_conformance.examples.guard_backend [--spec guard] [--variant NAME]``
answers the hello of ``docs/backend-protocol.md``, then reads one JSON request
per line on stdin and writes one reply per line on stdout. ``--variant`` picks
a buggy backend, so the harness can be shown to catch it across a process
boundary. ``--without ACTION`` leaves an action out of the hello and
``--refuse ACTION`` declares it but answers each request for it ``unsupported``:
the two ways a partial implementation says what it does not do (``--without``
also leaves out a query, such as DescriptorValidity's ``Lookups``, and
``--without effects`` the reported effects).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Collection, Mapping, Sequence
from typing import Any

from aura_conformance.harness.backend import Backend, Reply
from aura_conformance.harness.errors import ActionUnsupported, BackendError
from aura_conformance.harness.state import StateSchema
from aura_conformance.harness.stdio import serve_stdio
from aura_conformance.protocol_specs import PROTOCOL_SPECS, reference_backend, reference_queries


class _Refusing:
    """``backend``, but each action in ``refused`` is answered ``unsupported``."""

    def __init__(self, backend: Backend, refused: Collection[str], *, effects: bool) -> None:
        self._backend = backend
        self._refused = frozenset(refused)
        self.name: str = backend.name
        self.schema: StateSchema = backend.schema
        # A world that logs its effects reports them in every reply (unless told not to).
        self.reports_effects: bool = effects and bool(getattr(backend, "reports_effects", False))

    def request(self, action: str, args: Mapping[str, Any], now: int) -> Reply:
        if action in self._refused:
            raise ActionUnsupported(action, f"{action} is not implemented by this backend")
        return self._backend.request(action, args, now)

    def close(self) -> None:
        self._backend.close()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="guard_backend")
    parser.add_argument("--spec", default="guard", choices=sorted(PROTOCOL_SPECS))
    parser.add_argument("--variant", default="ref", help="ref or a buggy variant of the spec")
    parser.add_argument("--without", action="append", default=[], metavar="ACTION")
    parser.add_argument("--refuse", action="append", default=[], metavar="ACTION")
    args = parser.parse_args(argv)
    spec = PROTOCOL_SPECS[args.spec]
    try:
        backend = reference_backend(args.spec, args.variant)
    except BackendError as exc:
        parser.error(str(exc))
    actions = [a for a in spec.actions if a not in args.without]
    queries = {
        name: answer
        for name, answer in reference_queries(backend).items()
        if name not in args.without
    }
    served = _Refusing(backend, args.refuse, effects="effects" not in args.without)
    return serve_stdio(served, spec=spec.module, actions=actions, queries=queries)


if __name__ == "__main__":
    sys.exit(main())
