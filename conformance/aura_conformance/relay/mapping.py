"""The abstraction function: relay world -> RelayConformance.tla's variables."""

from __future__ import annotations

from typing import Any

from aura_model.tla import ModelValue
from aura_model.tla import values as V

from aura_conformance.harness.errors import BackendError
from aura_conformance.harness.state import State, StateSchema
from aura_conformance.relay.world import (
    CONTEXTS,
    CTX,
    CTX2,
    INI,
    RELAY,
    RESP,
    FactRecord,
    MessageKey,
    RelayWorld,
)

__all__ = ["RELAY_PATH", "fact_record", "message_key", "message_record", "project_relay"]

RELAY_PATH = StateSchema(
    ("net", "spent", "paid", "nextId", "now", "epoch", "desc", "held"),
    frozenset({INI, RESP, RELAY, CTX, CTX2, "eve"}),
)


def _mv(name: str) -> ModelValue:
    return ModelValue(name)


def message_record(key: MessageKey) -> Any:
    """Rendezvous.tla's record of a message (of the relay or the direct path).
    ``dok`` is what the world saw when Ini sent a message 1: whether it held a
    descriptor of Resp it may connect on (valid, chosen, not revoked, committing to
    the context's current epoch)."""
    kind, src, dst, to, hs_id, ctx, ep, dok, path = key
    return V.record(
        type=kind,
        ctx=_mv(ctx),
        src=_mv(src),
        dst=_mv(dst),
        to=_mv(to),
        path=path,
        ep=ep,
        id=hs_id,
        dok=dok,
    )


def message_key(record: Any) -> MessageKey:
    """The world's key of a message record (the inverse of :func:`message_record`)."""
    try:
        d = record.d
        return (
            d["type"],
            d["src"].name,
            d["dst"].name,
            d["to"].name,
            d["id"],
            d["ctx"].name,
            d["ep"],
            d["dok"],
            d["path"],
        )
    except (AttributeError, KeyError):
        raise BackendError(f"not a message record: {V.format_value(record)}") from None


def fact_record(record: FactRecord) -> Any:
    """Rendezvous.tla's fact of one of Resp's descriptors or of its revocation (an
    ``RVFact``: a revocation is the revoked descriptor's fact of kind ``Revoked``)."""
    kind, start, until, nonce, ep = record
    return V.record(
        kind=kind, auth=_mv(RESP), **{"from": start}, until=until, nonce=nonce, id=0, ep=ep
    )


def project_relay(world: RelayWorld) -> State:
    """The envelopes on the wire, the relay's spending in each context's epoch and
    over all its epochs, the next id, the clock, the epochs, and Resp's descriptors
    and revocations in Resp's journal and in Ini's replica."""
    return {
        "net": frozenset(message_record(k) for k in world.msgs),
        "spent": V.fn({_mv(c): world.relay_spent(c) for c in CONTEXTS}),
        "paid": V.fn({_mv(c): world.relay_paid(c) for c in CONTEXTS}),
        "nextId": world.next_id,
        "now": world.now,
        "epoch": V.fn({_mv(c): world.epoch[c] for c in CONTEXTS}),
        "desc": V.fn(
            {
                _mv(c): frozenset(fact_record(r) for r in world.fact_records(RESP, c))
                for c in CONTEXTS
            }
        ),
        "held": V.fn(
            {
                _mv(c): frozenset(fact_record(r) for r in world.fact_records(INI, c))
                for c in CONTEXTS
            }
        ),
    }
