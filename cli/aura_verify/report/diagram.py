"""A counterexample as a sequence of roles and messages, derived from its states.

A trace only holds states (ITF values) and the action of each step, so the
messages are what appeared between two states in the variable that carries
them: GuardChain's ``wire`` (receipts), EpochRotation's ``msgs``, Rendezvous'
``net`` (handshake messages and relay envelopes, sent direct or through the
relay). DescriptorValidity has no network: a fact that appears in a member's
journal came from a member that already held it (a sync) or from no one (its
author wrote it). Any other module falls back to every set of records with
``src`` and ``dst`` fields, and otherwise to one lifeline per role-like model
value with the action as a note.

Values come from traces, which may come from anywhere: nothing here trusts
their shape, and :mod:`.html` escapes every text drawn from them.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import attrs

__all__ = [
    "ADAPTERS",
    "Diagram",
    "Event",
    "changed_variables",
    "diagram_of",
    "format_itf",
]

_MAX_DEPTH = 40
# A message (src, dst, label), or a note on src when dst is None.
_Sent = tuple[str, str | None, str]
_ROLE = re.compile(r"^[a-z][a-z]*[0-9]*$")


def format_itf(value: Any, depth: int = 0) -> str:
    """An ITF JSON value in TLA+ notation (``{..}`` sets, ``<<..>>`` tuples and
    sequences, ``[f |-> v]`` records, ``(k :> v @@ ..)`` functions)."""
    if depth > _MAX_DEPTH:
        return "…"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, str):
        return value if _ROLE.match(value) or value[:1].isupper() else repr(value)
    if isinstance(value, list):
        return "<<" + ", ".join(format_itf(v, depth + 1) for v in value) + ">>"
    if isinstance(value, dict):
        if len(value) == 1:
            ((key, body),) = value.items()
            if key == "#bigint" and isinstance(body, str):
                return body
            if key in ("#set", "#tup") and isinstance(body, list):
                inner = ", ".join(format_itf(v, depth + 1) for v in body)
                return "{" + inner + "}" if key == "#set" else "<<" + inner + ">>"
            if key == "#map" and isinstance(body, list):
                pairs = [
                    f"{format_itf(p[0], depth + 1)} :> {format_itf(p[1], depth + 1)}"
                    for p in body
                    if isinstance(p, list) and len(p) == 2
                ]
                return "(" + " @@ ".join(pairs) + ")" if pairs else "<<>>"
            if key == "#unserializable":
                return str(body)
        fields = ", ".join(f"{k} |-> {format_itf(v, depth + 1)}" for k, v in value.items())
        return "[" + fields + "]"
    return repr(value)


def _set_items(value: Any) -> list[Any]:
    if isinstance(value, dict) and isinstance(value.get("#set"), list):
        return list(value["#set"])
    return []


def _map_items(value: Any) -> list[tuple[Any, Any]]:
    if isinstance(value, dict) and isinstance(value.get("#map"), list):
        return [(p[0], p[1]) for p in value["#map"] if isinstance(p, list) and len(p) == 2]
    return []


def _key(value: Any) -> str:
    return format_itf(value)


def changed_variables(before: Mapping[str, Any], after: Mapping[str, Any]) -> tuple[str, ...]:
    """The variables whose value differs between two states (in ``after``'s order)."""
    return tuple(v for v in after if v not in before or before[v] != after[v])


@attrs.frozen
class Event:
    """One line of the diagram: a message ``src -> dst``, or a note on ``src``
    (``dst`` None; ``src`` None: across every lifeline)."""

    step: int
    src: str | None
    dst: str | None
    label: str


@attrs.frozen
class Diagram:
    roles: tuple[str, ...]
    events: tuple[Event, ...]


def _field(record: Any, name: str) -> str | None:
    if isinstance(record, dict) and name in record:
        return format_itf(record[name])
    return None


def _new_records(var: str, before: Mapping[str, Any], after: Mapping[str, Any]) -> list[Any]:
    seen = {_key(v) for v in _set_items(before.get(var))}
    return [v for v in _set_items(after.get(var)) if _key(v) not in seen]


def _sent(
    var: str, label: Callable[[Any], str]
) -> Callable[[Mapping[str, Any], Mapping[str, Any]], list[_Sent]]:
    def messages(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[_Sent]:
        out: list[_Sent] = []
        for m in _new_records(var, before, after):
            src, dst = _field(m, "src"), _field(m, "dst")
            if src is not None and dst is not None:
                out.append((src, dst, label(m)))
        return out

    return messages


def _receipt(m: Any) -> str:
    parts = [f"receipt n={_field(m, 'nonce')}", f"e={_field(m, 'epoch')}"]
    if _field(m, "signer") != _field(m, "src"):
        parts.append(f"signed by {_field(m, 'signer')}")
    return " ".join(parts)


def _handshake(m: Any) -> str:
    text = f"{_field(m, 'type')} id={_field(m, 'id')} ep={_field(m, 'ep')}"
    psk = _field(m, "psk")
    return text + (f" psk={psk}" if psk is not None else "")


def _envelope(m: Any) -> str:
    text = f"{_field(m, 'type')} id={_field(m, 'id')} ep={_field(m, 'ep')}"
    ctx, to = _field(m, "ctx"), _field(m, "to")
    if ctx is not None:
        text += f" in {ctx}"
    if _field(m, "path") == "relay" and to is not None and to != _field(m, "dst"):
        text += f" for {to}"
    return text


def _gc_actor(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[str]:
    """The authority of the outcome in flight, else the roles whose entries changed."""
    for state in (after, before):
        auth = state.get("pAuth")
        if isinstance(auth, str) and auth != "NoAuth":
            return [auth]
    return _changed_roles(before, after)


def _changed_roles(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[str]:
    """The keys whose entries changed in the maps of the changed variables
    (``chan[a]``, ``rlog[d]``), then one level down (``journal[c][m]``): the
    candidates for who acted, the outer keys first."""
    outer: list[str] = []
    inner: list[str] = []
    for var in changed_variables(before, after):
        old = {_key(k): v for k, v in _map_items(before.get(var))}
        for k, v in _map_items(after.get(var)):
            if old.get(_key(k)) == v:
                continue
            outer.append(_key(k))
            was = {_key(k2): v2 for k2, v2 in _map_items(old.get(_key(k)))}
            inner += [_key(k2) for k2, v2 in _map_items(v) if was.get(_key(k2)) != v2]
    return list(dict.fromkeys(outer + inner))


def _rv_messages(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[_Sent]:
    """Rendezvous' ``net``: a relayed message goes to the relay first (``dst`` the
    relay, ``to`` the peer); its delivered copy (``dst`` = ``to``) comes from the
    relay it was sent to."""
    out: list[_Sent] = []
    net = _set_items(after.get("net"))
    for m in _new_records("net", before, after):
        src, dst, to = _field(m, "src"), _field(m, "dst"), _field(m, "to")
        if src is None or dst is None:
            continue
        if _field(m, "path") == "relay" and dst == to:
            same = ("type", "id", "src", "to", "ctx")
            hop = next(
                (
                    _field(h, "dst")
                    for h in net
                    if all(_field(h, f) == _field(m, f) for f in same) and _field(h, "dst") != to
                ),
                None,
            )
            if hop is not None:
                out.append((hop, dst, f"{_envelope(m)} forwarded from {src}"))
                continue
        out.append((src, dst, _envelope(m)))
    # journal[c][m]: each context's replicas, synced as DescriptorValidity's are.
    was = {_key(c): j for c, j in _map_items(before.get("journal"))}
    for c, j in _map_items(after.get("journal")):
        if was.get(_key(c)) != j:
            out += _dv_messages({"journal": was.get(_key(c))}, {"journal": j})
    return out


def _dv_messages(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[_Sent]:
    """A fact new in a replica: from the first other replica that held it, or a
    note of its author (no sender) when none did."""
    held = {
        _key(m): {_key(f) for f in _set_items(facts)}
        for m, facts in _map_items(before.get("journal"))
    }
    out: list[_Sent] = []
    for member, facts in _map_items(after.get("journal")):
        name = format_itf(member)
        mine = held.get(name, set())
        for fact in _set_items(facts):
            fk = _key(fact)
            if fk in mine:
                continue
            label = f"{_field(fact, 'kind')} of {_field(fact, 'auth')} n={_field(fact, 'nonce')}"
            source = next((m for m, fs in held.items() if m != name and fk in fs), None)
            if source is None:
                out.append((name, None, f"writes {label}"))
            else:
                out.append((source, name, label))
    return out


@attrs.frozen
class Adapter:
    """How one module's states show messages: the variables that carry them, how
    a message is labelled, and who acts in a state (for the action's note)."""

    messages: Callable[[Mapping[str, Any], Mapping[str, Any]], list[_Sent]]
    actor: Callable[[Mapping[str, Any], Mapping[str, Any]], list[str]] = _changed_roles


ADAPTERS: dict[str, Adapter] = {
    "GuardChain": Adapter(_sent("wire", _receipt), _gc_actor),
    "EpochRotation": Adapter(_sent("msgs", _handshake)),
    "Rendezvous": Adapter(_rv_messages),
    # The relay harness's sub-spec instantiates Rendezvous.tla: the same `net`.
    "RelayConformance": Adapter(_rv_messages),
    "DescriptorValidity": Adapter(_dv_messages),
}


def _labelled(var: str, message: Any) -> str:
    return f"{var}: {format_itf(message)}"


def _generic(states: Sequence[Mapping[str, Any]]) -> Adapter:
    """Every set of records with ``src`` and ``dst`` carries messages."""
    carriers = sorted(
        {
            var
            for state in states
            for var, value in state.items()
            if any(isinstance(r, dict) and "src" in r and "dst" in r for r in _set_items(value))
        }
    )

    def messages(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[_Sent]:
        out: list[_Sent] = []
        for var in carriers:
            out += _sent(var, functools.partial(_labelled, var))(before, after)
        return out

    return Adapter(messages)


def _roles_in(value: Any, fields: dict[str, None], keys: dict[str, None], depth: int = 0) -> None:
    """Role-like model values: those of ``src``/``dst``-like fields, and map keys."""
    if depth > _MAX_DEPTH:
        return
    for k, v in _map_items(value):
        if isinstance(k, str) and _ROLE.match(k):
            keys.setdefault(k, None)
        _roles_in(v, fields, keys, depth + 1)
    for item in _set_items(value):
        _roles_in(item, fields, keys, depth + 1)
    if isinstance(value, dict) and not any(k.startswith("#") for k in value):
        for k, v in value.items():
            if k in _ROLE_FIELDS and isinstance(v, str) and _ROLE.match(v):
                fields.setdefault(v, None)
            else:
                _roles_in(v, fields, keys, depth + 1)


_ROLE_FIELDS = frozenset({"src", "dst", "auth", "by", "signer", "to"})


def diagram_of(
    module: str, steps: Sequence[tuple[str | None, Mapping[str, Any]]], invariant: str = ""
) -> Diagram:
    """The sequence diagram of a trace: ``steps`` are (action, state) pairs, the
    first one the initial state (its action is the initial predicate or None)."""
    states = [state for _, state in steps]
    adapter = ADAPTERS.get(module) or _generic(states)
    fields: dict[str, None] = {}
    keys: dict[str, None] = {}
    for state in states:
        for value in state.values():
            _roles_in(value, fields, keys)
    # Map keys are only a guess at roles (contexts are keys too): kept for a
    # module no adapter knows.
    known = fields or (keys if module not in ADAPTERS else {})
    roles: dict[str, None] = {}
    events: list[Event] = []
    for i in range(1, len(steps)):
        action, after = steps[i]
        before = states[i - 1]
        sent = adapter.messages(before, after)
        actor = next((r for r in adapter.actor(before, after) if r in known), None)
        name = action or "(no action named)"
        if not sent:
            events.append(Event(i, actor, None, name))
        for src, dst, label in sent:
            roles.setdefault(src, None)
            if dst is not None:
                roles.setdefault(dst, None)
            text = f"{name}: {label}"
            events.append(Event(i, src, dst, text))
        if actor is not None:
            roles.setdefault(actor, None)
    if invariant and steps:
        events.append(Event(len(steps) - 1, None, None, f"violates {invariant}"))
    if not roles:
        # Nothing was sent: one lifeline per role-like model value of the states.
        roles = dict(known)
    ordered = sorted(roles, key=lambda r: (r == "eve", r.startswith("r"), r))
    return Diagram(tuple(ordered), tuple(events))
