"""The abstraction function: epoch-rotation world -> EpochRotation.tla's variables."""

from __future__ import annotations

from typing import Any

from aura_model.tla import ModelValue
from aura_model.tla import values as V

from aura_conformance.epoch_rotation.world import INI, RESP, EpochWorld
from aura_conformance.harness.errors import BackendError
from aura_conformance.harness.state import State, StateSchema

__all__ = ["EPOCH_ROTATION", "message_key", "message_record", "project_epoch_rotation"]

EPOCH_ROTATION = StateSchema(
    (
        "epoch",
        "chan",
        "nextId",
        "lastTs",
        "msgs",
        "respLog",
        "confirmed",
        "established",
        "closed",
        "received",
        "iniLog",
        "mistyped",
    ),
    frozenset({INI, RESP}),
)


_AUTHS = (INI, RESP)
_NO_CHAN = V.record(st="None", ep=0, id=0, psk=0)
# The fields of a message record, in the order of the world's message keys.
_MESSAGE_FIELDS = ("type", "src", "dst", "ep", "id", "psk")


def _mv(name: str) -> ModelValue:
    return ModelValue(name)


def message_record(key: tuple[Any, ...]) -> Any:
    """The spec record of a world message key (type, src, dst, ep, id, psk)."""
    return V.record(
        **{
            f: (_mv(x) if f in ("src", "dst") else x)
            for f, x in zip(_MESSAGE_FIELDS, key, strict=True)
        }
    )


def message_key(record: Any) -> tuple[Any, ...]:
    """The world's message key of a spec message record (the inverse of
    :func:`message_record`)."""
    try:
        d = record.d
        return tuple(d[f].name if f in ("src", "dst") else d[f] for f in _MESSAGE_FIELDS)
    except (AttributeError, KeyError):
        raise BackendError(f"not a message record: {V.format_value(record)}") from None


def _chan(world: EpochWorld, a: str, b: str) -> Any:
    slot = world.slots[a]
    if b == a or slot is None:
        return _NO_CHAN
    ep = slot.channel.epoch if slot.channel is not None else slot.epoch
    if slot.answered_epoch is not None:
        # A responder's channel is of the epoch of the message 1 it answered: the
        # epoch its prologue bound (only an attack's rewritten header differs).
        ep = slot.answered_epoch
    return V.record(st=world.slot_state(a), ep=ep, id=slot.hs_id, psk=world.psk_token(slot.psk))


def _closed(world: EpochWorld, a: str) -> Any:
    ids = {s.hs_id for s in world.history[a]}
    slot = world.slots[a]
    if slot is not None:
        if world.live(a):
            ids.discard(slot.hs_id)
        else:
            ids.add(slot.hs_id)
    # An id closed (CloseChannel) or retired stays closed, whatever its channel does next.
    return frozenset(ids | world.closed_ids[a])


def _last_ts(world: EpochWorld, r: str, i: str) -> int:
    guard = world.managers[r].replay_guard
    e = world.epoch(r)
    return world.timestamp_id(guard.greatest(world.context.value, e, world.ids[i].value), e)


def project_epoch_rotation(world: EpochWorld) -> State:
    """The values of EpochRotation.tla's variables that ``world`` stands for.

    ``chan[a][b]`` is what ``a`` uses for ``b``: its newest handshake or the
    channel that handshake built, with the spec's id (the initiator's
    timestamp) and the PSK as a token (``e + 1`` for the secret PSK of epoch
    ``e``, ``0`` for anything else: derivable from public ids). ``closed[a]``
    holds the ids of every channel or handshake of ``a`` that is terminal or was
    replaced by a newer one (retired), and every id it closed.
    """
    return {
        "epoch": V.fn({_mv(a): world.epoch(a) for a in _AUTHS}),
        "chan": V.fn({_mv(a): V.fn({_mv(b): _chan(world, a, b) for b in _AUTHS}) for a in _AUTHS}),
        "nextId": world.next_id,
        "lastTs": V.fn(
            {_mv(r): V.fn({_mv(i): _last_ts(world, r, i) for i in _AUTHS}) for r in _AUTHS}
        ),
        "msgs": frozenset(message_record(m) for m in world.msgs),
        "respLog": V.seq(world.resp_log),
        "confirmed": frozenset(world.confirmed),
        "established": frozenset(
            V.record(ini=_mv(i), resp=_mv(r), id=n, ep=e) for i, r, n, e in world.established
        ),
        "closed": V.fn({_mv(a): _closed(world, a) for a in _AUTHS}),
        "received": frozenset(V.record(id=n, ep=e, at=t) for n, e, t in world.received),
        "iniLog": frozenset(message_record(m) for m in world.ini_log),
        "mistyped": world.mistyped,
    }
