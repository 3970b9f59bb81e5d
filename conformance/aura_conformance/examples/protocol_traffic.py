"""Real stdio traffic for every spec: what ``docs/backend-protocol.md`` shows.

The requests are those the spec's directed scenarios send to the reference in
process; they are then sent again, over the stdio protocol, to the example
backend program serving the same spec, and every line both ways is kept. So
each example in the document is a real exchange, and the tests check the same
traffic against the protocol's JSON Schema.

``python -m aura_conformance.examples.protocol_traffic`` prints the examples
section of the document.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Mapping
from typing import Any, cast

from aura_conformance.harness.backend import Backend, Reply
from aura_conformance.harness.state import StateSchema
from aura_conformance.protocol_specs import PROTOCOL_SPECS, open_stdio, reference_backend

__all__ = ["EXAMPLE_BACKEND", "recorded_requests", "render_examples", "spec_traffic"]

EXAMPLE_BACKEND = [sys.executable, "-m", "aura_conformance.examples.guard_backend"]

Request = tuple[str, dict[str, Any], int]


class _Tape:
    """A backend that keeps every request it serves (and lends the rest of its
    interface, the world included, to the machines that look at it)."""

    def __init__(self, inner: Backend) -> None:
        self.inner = inner
        self.name: str = inner.name
        self.schema: StateSchema = inner.schema
        self.requests: list[Request] = []

    def request(self, action: str, args: Mapping[str, Any], now: int) -> Reply:
        self.requests.append((action, dict(args), now))
        return self.inner.request(action, args, now)

    def close(self) -> None:
        self.inner.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


def _scenarios(key: str) -> Callable[[Any], object]:
    if key == "guard":
        from aura_conformance.guard_chain.machine import run_scenarios

        return run_scenarios
    if key == "epoch":
        from aura_conformance.epoch_rotation.machine import run_epoch_scenarios

        return run_epoch_scenarios
    if key == "descriptor":
        from aura_conformance.descriptor_validity.machine import run_dv_scenarios

        return run_dv_scenarios
    from aura_conformance.relay.machine import run_relay_scenarios

    return run_relay_scenarios


def recorded_requests(key: str) -> list[Request]:
    """The requests the directed scenarios of spec ``key`` send to the reference."""
    tape = _Tape(reference_backend(key))
    _scenarios(key)(cast(Any, tape))
    return tape.requests


def spec_traffic(key: str, requests: list[Request] | None = None) -> list[tuple[str, bytes]]:
    """The lines exchanged with the example program serving spec ``key`` while it is
    sent ``requests`` (by default :func:`recorded_requests`), hello first."""
    lines: list[tuple[str, bytes]] = []
    backend = open_stdio(key, [*EXAMPLE_BACKEND, "--spec", key], transcript=lines)
    try:
        for action, args, now in requests if requests is not None else recorded_requests(key):
            backend.request(action, args, now)
    finally:
        backend.close()
    return lines


def _pairs(lines: list[tuple[str, bytes]]) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    it = iter(lines)
    return [(json.loads(q), json.loads(r)) for (_, q), (_, r) in zip(it, it, strict=True)]


def _compact(obj: Any) -> str:
    return json.dumps(obj, separators=(", ", ": "))


def render_examples() -> str:
    """The examples section of ``docs/backend-protocol.md``, from real traffic."""
    out: list[str] = []
    for key, spec in PROTOCOL_SPECS.items():
        pairs = _pairs(spec_traffic(key))
        out.append(f"### {spec.module} (`--spec {key}`)\n")
        hello, answer = pairs[0]
        out.append("Hello and its answer:\n")
        out.append(f"```json\n{_compact(hello)}\n{_compact(answer)}\n```\n")
        out.append("The first request of each action in the directed scenarios, and its")
        out.append("reply (`state` elided: it is always the whole state, as below):\n")
        out.append("```json")
        seen: set[str] = set()
        for request, reply in pairs[1:]:
            action = request["action"]
            if action in seen:
                continue
            seen.add(action)
            shown = {k: ("..." if k == "state" else v) for k, v in reply.items()}
            out.append(_compact(request))
            out.append(_compact(shown))
        out.append("```\n")
        missing = [a for a in spec.actions if a not in seen]
        if missing:
            out.append(f"Not sent by the directed scenarios: {', '.join(missing)}.\n")
        # The fullest state of the run: the one with the most to show.
        states = [r["state"] for _, r in pairs[1:] if "state" in r]
        fullest = max(states, key=lambda s: len(json.dumps(s)))
        out.append(
            f"A full state ({len(spec.schema.variables)} variables), the fullest of the run:\n"
        )
        rows = ",\n".join(f"  {json.dumps(k)}: {_compact(v)}" for k, v in fullest.items())
        out.append(f"```json\n{{\n{rows}\n}}\n```\n")
    return "\n".join(out)


if __name__ == "__main__":
    print(render_examples())
