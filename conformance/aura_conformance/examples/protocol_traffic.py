"""Real stdio traffic for every spec: what ``docs/backend-protocol.md`` shows.

The requests are those the spec's directed scenarios send to the reference in
process; they are then sent again, over the stdio protocol, to the example
backend program serving the same spec, and every line both ways is kept. So
each example in the document is a real exchange, and the tests check the same
traffic against the protocol's JSON Schema.

``python -m aura_conformance.examples.protocol_traffic`` prints the examples
section of the document; ``--write docs/backend-protocol.md`` puts it there.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, cast

from aura_conformance.harness.backend import Backend, Reply
from aura_conformance.harness.state import StateSchema
from aura_conformance.protocol_specs import PROTOCOL_SPECS, open_stdio, reference_backend

__all__ = [
    "EXAMPLE_BACKEND",
    "generated_section",
    "main",
    "recorded_requests",
    "render_examples",
    "spec_traffic",
]

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
    sent ``requests`` (by default :func:`recorded_requests`), hello first. As in a
    run of the harness, each of the spec's queries follows every request."""
    lines: list[tuple[str, bytes]] = []
    backend = open_stdio(key, [*EXAMPLE_BACKEND, "--spec", key], transcript=lines)
    try:
        for action, args, now in requests if requests is not None else recorded_requests(key):
            backend.request(action, args, now)
            for query in PROTOCOL_SPECS[key].queries:
                backend.query(query)
    finally:
        backend.close()
    return lines


def _constants(key: str) -> str:
    """The model's constants the harness assumes for spec ``key`` (its checker's cfg)."""
    from aura_model.tla import values as V

    if key == "guard":
        from aura_conformance.guard_chain.checker import guard_chain_checker as load
    elif key == "epoch":
        from aura_conformance.epoch_rotation.checker import epoch_rotation_checker as load
    elif key == "descriptor":
        from aura_conformance.descriptor_validity.checker import (
            descriptor_validity_checker as load,
        )
    else:
        from aura_conformance.relay.checker import relay_checker as load
    cfg = load().model.cfg
    shown = [
        f"{name} = {V.format_value(value)}"
        for name, value in cfg.constants.items()
        if not name.startswith("BUG_")
    ]
    return (
        f"`{Path(cfg.path).name}`: "
        + ", ".join(f"`{c}`" for c in shown)
        + " (every `BUG_` flag FALSE)"
    )


def _keys(key: str) -> list[str]:
    """The keys the harness checks a spec's messages with (none for most specs)."""
    if key == "epoch":
        from aura_conformance.epoch_rotation.world import INI, RESP, epoch_keyring

        keys, names, extra = epoch_keyring(), {"Ini": INI, "Resp": RESP}, {}
    elif key == "relay":
        from aura_conformance.relay.world import INI, RELAY, RESP, relay_ids, relay_keyring

        keys, names = relay_keyring(), {"Ini": INI, "Resp": RESP}
        extra = {f"`{RELAY}` id": relay_ids()[RELAY].hex()}
    else:
        return []
    rows = [f"context id `{keys.context_id.hex()}`", f"root secret `{keys.root_secret.hex()}`"]
    for role, name in names.items():
        member = keys.members[role]
        rows.append(f"`{name}` id `{member.authority_id.hex()}`")
        rows.append(f"`{name}` X25519 static private key `{member.static.private.hex()}`")
    rows += [f"{label} `{value}`" for label, value in extra.items()]
    return [
        "Keys (the harness opens each message 1 a backend sends with them; a backend "
        "must use them):\n",
        *(f"- {row}" for row in rows),
        "",
    ]


def _shape(values: list[Any]) -> str:
    """The ITF shape of JSON ``values`` (all the values one variable took in a run)."""
    kinds = {_kind(v) for v in values}
    if len(kinds) != 1:
        return " or ".join(sorted(kinds))
    kind = kinds.pop()
    if kind == "set":
        inner = [x for v in values for x in v["#set"]]
        return f"`#set` of {_shape(inner)}" if inner else "`#set` (empty in this run)"
    if kind == "map":
        pairs = [p for v in values for p in v["#map"]]
        if not pairs:
            return "`#map` (empty in this run)"
        keys, vals = _shape([k for k, _ in pairs]), _shape([x for _, x in pairs])
        return f"`#map` from {keys} to {vals}"
    if kind == "sequence":
        inner = [x for v in values for x in v]
        return f"sequence of {_shape(inner)}" if inner else "sequence (empty in this run)"
    if kind == "record":
        fields = {k: [v[k] for v in values if k in v] for v in values for k in v}
        return "record {" + ", ".join(f"{k}: {_shape(x)}" for k, x in fields.items()) + "}"
    return kind


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "sequence"
    for tag, kind in (("#bigint", "`#bigint`"), ("#set", "set"), ("#map", "map")):
        if isinstance(value, dict) and tag in value:
            return kind
    return "record"


def _pairs(lines: list[tuple[str, bytes]]) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    it = iter(lines)
    return [(json.loads(q), json.loads(r)) for (_, q), (_, r) in zip(it, it, strict=True)]


def _compact(obj: Any) -> str:
    return json.dumps(obj, separators=(", ", ": "))


def render_examples() -> str:
    """The examples section of ``docs/backend-protocol.md``, from real traffic."""
    out: list[str] = []
    for key, spec in PROTOCOL_SPECS.items():
        everything = _pairs(spec_traffic(key))
        pairs = [(q, r) for q, r in everything if "query" not in q]
        answers = [(q, r) for q, r in everything if "query" in q]
        out.append(f"### {spec.module} (`--spec {key}`)\n")
        out.append(f"Constants: {_constants(key)}.\n")
        out.extend(_keys(key))
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
        arguments: dict[str, list[str]] = {}
        for request, _ in pairs[1:]:
            arguments.setdefault(request["action"], sorted(request["args"]))
        out.append("Arguments of each action:\n")
        for action in spec.actions:
            names = ", ".join(f"`{a}`" for a in arguments.get(action, [])) or "none"
            out.append(f"- `{action}`: {names}")
        out.append("")
        missing = [a for a in spec.actions if a not in seen]
        if missing:
            out.append(f"Not sent by the directed scenarios: {', '.join(missing)}.\n")
        states = [r["state"] for _, r in pairs[1:] if "state" in r]
        out.append("The ITF shape of each variable, from every value it took in the run:\n")
        for name in spec.schema.variables:
            out.append(f"- `{name}`: {_shape([state[name] for state in states])}")
        out.append("")
        # The fullest state of the run: the one with the most to show.
        fullest = max(states, key=lambda s: len(json.dumps(s)))
        out.append(
            f"A full state ({len(spec.schema.variables)} variables), the fullest of the run:\n"
        )
        rows = ",\n".join(f"  {json.dumps(k)}: {_compact(v)}" for k, v in fullest.items())
        out.append(f"```json\n{{\n{rows}\n}}\n```\n")
        for query in spec.queries:
            asked = [(q, r) for q, r in answers if q["query"] == query]
            request, reply = max(asked, key=lambda qr: len(json.dumps(qr[1])))
            out.append(f"The query `{query}` follows every request; its fullest answer:\n")
            out.append(f"```json\n{_compact(request)}\n{_compact(reply)}\n```\n")
    return "\n".join(out)


BEGIN = "<!-- BEGIN GENERATED: python -m aura_conformance.examples.protocol_traffic -->"
END = "<!-- END GENERATED -->"


def generated_section(doc: str) -> str:
    """The generated part of ``doc`` (the text between the markers)."""
    start, end = doc.index(BEGIN) + len(BEGIN), doc.index(END)
    return doc[start:end].strip("\n")


def main(argv: list[str] | None = None) -> int:
    """Print the examples, or with ``--write DOC`` put them between DOC's markers."""
    args = sys.argv[1:] if argv is None else argv
    text = render_examples()
    if args[:1] == ["--write"] and len(args) == 2:
        path = Path(args[1])
        doc = path.read_text("utf-8")
        head, tail = doc[: doc.index(BEGIN) + len(BEGIN)], doc[doc.index(END) :]
        path.write_text(f"{head}\n{text}\n{tail}", "utf-8")
        return 0
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
