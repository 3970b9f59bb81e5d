"""The abstraction function: descriptor world -> DescriptorValidity.tla's variables."""

from __future__ import annotations

from typing import Any

from aura_model.tla import ModelValue
from aura_model.tla import values as V

from aura_conformance.descriptor_validity.world import CONTEXTS, MEMBERS, DescriptorWorld
from aura_conformance.harness.errors import BackendError
from aura_conformance.harness.state import Interner, State, StateSchema

__all__ = ["DESCRIPTOR_VALIDITY", "dv_key", "dv_record", "project_descriptor_validity"]

# The Outsider of the model: a name in states, never a member.
OUTSIDER = "eve"
DESCRIPTOR_VALIDITY = StateSchema(
    ("now", "journal", "nextNonce", "lastSeen", "exhausted", "horizon"),
    frozenset({*MEMBERS, *CONTEXTS, OUTSIDER}),
)


# Values by (variable, raw data), fact records by their key: an unchanged variable is
# the same object step after step, so the checker's memo knows it (Interner).
_VALUES = Interner()
_RECORDS = Interner()
# Every (member, context, peer) of lastSeen, in one fixed order.
_TRIPLES = tuple((m, c, p) for m in MEMBERS for c in CONTEXTS for p in MEMBERS)


def _mv(name: str) -> ModelValue:
    return ModelValue(name)


# The fields of a fact record, in the order of the world's fact keys.
_FIELDS = ("kind", "auth", "ctx", "from", "until", "nonce", "by")


def dv_record(key: tuple[Any, ...]) -> Any:
    """The spec record of a descriptor world fact key (kind, auth, ctx, from, until, nonce, by)."""
    # The types are part of the key: a record of 1 is not one of TRUE.
    return _RECORDS.get((key, tuple(map(type, key))), lambda: _record(key))


def _record(key: tuple[Any, ...]) -> Any:
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
    values = _VALUES.get

    def interned(name: str, raw: Any, make: Any) -> Any:
        return values((name, raw), lambda: make(raw))

    def facts(keys: frozenset[tuple[Any, ...]]) -> frozenset[Any]:
        return frozenset(map(dv_record, keys))

    def per_member(raw: tuple[Any, ...]) -> Any:
        return V.fn({_mv(m): x for m, x in zip(MEMBERS, raw, strict=True)})

    def journals(raw: tuple[frozenset[tuple[Any, ...]], ...]) -> Any:
        return V.fn(
            {_mv(m): facts(keys) for m, keys in zip((*MEMBERS, OUTSIDER), raw, strict=True)}
        )

    def last_seen(raw: tuple[Any, ...]) -> Any:
        seen = dict(zip(_TRIPLES, raw, strict=True))

        def one(m: str, c: str, p: str) -> frozenset[Any]:
            key = seen[(m, c, p)]
            return frozenset() if key is None else frozenset({dv_record(key)})

        return V.fn(
            {
                _mv(m): V.fn(
                    {_mv(c): V.fn({_mv(p): one(m, c, p) for p in MEMBERS}) for c in CONTEXTS}
                )
                for m in MEMBERS
            }
        )

    # The world keeps its facts as keys of strings and ints: raw data that compares
    # equal is the same data.
    held = tuple(frozenset(key for key, _, _ in world.entries(m)) for m in MEMBERS)
    return {
        "now": world.now,
        "journal": interned("journal", (*held, frozenset(world.eve_facts())), journals),
        "nextNonce": interned("nextNonce", tuple(world.next_rank[a] for a in MEMBERS), per_member),
        "exhausted": interned(
            "exhausted", tuple(world.clock_exhausted(m) for m in MEMBERS), per_member
        ),
        "horizon": interned("horizon", tuple(world.prune_horizon(m) for m in MEMBERS), per_member),
        "lastSeen": interned(
            "lastSeen",
            tuple(world.last_seen.get(t) for t in _TRIPLES),
            last_seen,
        ),
    }
