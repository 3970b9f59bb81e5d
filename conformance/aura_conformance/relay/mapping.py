"""The abstraction function: relay world -> RelayConformance.tla's variables."""

from __future__ import annotations

from typing import Any

from aura_model.tla import ModelValue
from aura_model.tla import values as V

from aura_conformance.harness.errors import BackendError
from aura_conformance.harness.state import State, StateSchema
from aura_conformance.relay.world import CTX, INI, RELAY, RESP, MessageKey, RelayWorld

__all__ = ["RELAY_PATH", "message_key", "message_record", "project_relay"]

RELAY_PATH = StateSchema(("net", "spent", "nextId"), frozenset({INI, RESP, RELAY, CTX, "eve"}))


def _mv(name: str) -> ModelValue:
    return ModelValue(name)


def message_record(key: MessageKey) -> Any:
    """Rendezvous.tla's record of a message of the relay path (one epoch: ``ep`` 0)."""
    kind, src, dst, to, hs_id = key
    return V.record(
        type=kind,
        ctx=_mv(CTX),
        src=_mv(src),
        dst=_mv(dst),
        to=_mv(to),
        path="relay",
        ep=0,
        id=hs_id,
        dok=True,
    )


def message_key(record: Any) -> MessageKey:
    """The world's key of a message record (the inverse of :func:`message_record`)."""
    try:
        d = record.d
        return (d["type"], d["src"].name, d["dst"].name, d["to"].name, d["id"])
    except (AttributeError, KeyError):
        raise BackendError(f"not a message record: {V.format_value(record)}") from None


def project_relay(world: RelayWorld) -> State:
    """The envelopes on the wire, the relay's spending in the context, the next id."""
    return {
        "net": frozenset(message_record(k) for k in world.msgs),
        "spent": V.fn({_mv(CTX): world.relay_spent()}),
        "nextId": world.next_id,
    }
