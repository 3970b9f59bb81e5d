"""The abstraction function: descriptor world -> DescriptorValidity.tla's variables."""

from __future__ import annotations

from typing import Any

from aura_model.tla import ModelValue
from aura_model.tla import values as V

from aura_conformance.descriptor_validity.world import CONTEXTS, MEMBERS, DescriptorWorld
from aura_conformance.harness.errors import BackendError
from aura_conformance.harness.state import State, StateSchema

__all__ = ["DESCRIPTOR_VALIDITY", "dv_key", "dv_record", "project_descriptor_validity"]

# The Outsider of the model: a name in states, never a member.
OUTSIDER = "eve"
DESCRIPTOR_VALIDITY = StateSchema(
    ("now", "journal", "nextNonce", "lastSeen", "exhausted", "horizon"),
    frozenset({*MEMBERS, *CONTEXTS, OUTSIDER}),
)


def _mv(name: str) -> ModelValue:
    return ModelValue(name)


# The fields of a fact record, in the order of the world's fact keys.
_FIELDS = ("kind", "auth", "ctx", "from", "until", "nonce", "by")


def dv_record(key: tuple[Any, ...]) -> Any:
    """The spec record of a descriptor world fact key (kind, auth, ctx, from, until, nonce, by)."""
    kind, auth, ctx, frm, until, nonce, by = key
    return V.record(
        kind=kind,
        auth=_mv(auth),
        ctx=_mv(ctx),
        until=until,
        nonce=nonce,
        by=_mv(by),
        **{"from": frm},
    )


def dv_key(record: Any) -> tuple[Any, ...]:
    """The world's fact key of a spec fact record (the inverse of :func:`dv_record`)."""
    try:
        d = record.d
        return tuple(d[f].name if isinstance(d[f], ModelValue) else d[f] for f in _FIELDS)
    except (AttributeError, KeyError):
        raise BackendError(f"not a fact record: {V.format_value(record)}") from None


def project_descriptor_validity(world: DescriptorWorld) -> State:
    """The values of DescriptorValidity.tla's variables that ``world`` stands for.

    ``journal[m]`` is the union over contexts of ``m``'s replicas, each fact
    opened (a descriptor decrypted and verified) and written as the spec's
    record; times are in spec units; nonces are ranks. The outsider ``eve``
    holds no replica: its journal is what it could read of the answers to its
    digests (nothing, unless a member answers it in the clear).
    ``exhausted[m]``: one of ``m``'s replicas has its Lamport clock at its end
    (every append would fail). ``horizon[m]``: ``m``'s prune horizon, in spec units.
    """
    journal = {_mv(m): frozenset(dv_record(key) for key, _, _ in world.entries(m)) for m in MEMBERS}
    journal[_mv(OUTSIDER)] = frozenset(dv_record(key) for key in world.eve_facts())

    def last_seen(m: str, c: str, p: str) -> Any:
        key = world.last_seen.get((m, c, p))
        return frozenset() if key is None else frozenset({dv_record(key)})

    return {
        "now": world.now,
        "journal": V.fn(journal),
        "nextNonce": V.fn({_mv(a): world.next_rank[a] for a in MEMBERS}),
        "exhausted": V.fn({_mv(m): world.clock_exhausted(m) for m in MEMBERS}),
        "horizon": V.fn({_mv(m): world.prune_horizon(m) for m in MEMBERS}),
        "lastSeen": V.fn(
            {
                _mv(m): V.fn(
                    {_mv(c): V.fn({_mv(p): last_seen(m, c, p) for p in MEMBERS}) for c in CONTEXTS}
                )
                for m in MEMBERS
            }
        ),
    }
