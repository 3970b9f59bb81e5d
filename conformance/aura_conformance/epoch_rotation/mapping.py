"""The abstraction function: epoch-rotation world -> EpochRotation.tla's variables.

Each variable's value is built from the world's raw data (ids, epochs, message
keys) and interned on it (:class:`~aura_conformance.harness.state.Interner`, one
table per variant of the world): a value that did not change is the same object
as before, which lets the spec checker reuse its verdicts.
"""

from __future__ import annotations

from typing import Any

from aura_model.tla import ModelValue
from aura_model.tla import values as V

from aura_conformance.epoch_rotation.world import INI, RESP, EpochWorld
from aura_conformance.harness.errors import BackendError
from aura_conformance.harness.state import Interner, State, StateSchema

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


_MVS = {a: ModelValue(a) for a in _AUTHS}
# Values by (variant, variable, raw data); message records by their key.
_VALUES = Interner()
_RECORDS = Interner()
# PSK -> its token, by (root secret, context, PSK): two HKDFs saved per lookup.
_TOKENS: dict[tuple[bytes, bytes, bytes], int] = {}


def _mv(name: str) -> ModelValue:
    return _MVS.get(name) or ModelValue(name)


def _record(key: tuple[Any, ...]) -> Any:
    return V.record(
        **{
            f: (_mv(x) if f in ("src", "dst") else x)
            for f, x in zip(_MESSAGE_FIELDS, key, strict=True)
        }
    )


def message_record(key: tuple[Any, ...]) -> Any:
    """The spec record of a world message key (type, src, dst, ep, id, psk)."""
    # The types are part of the key: a record of 1 is not one of TRUE.
    return _RECORDS.get((key, tuple(map(type, key))), lambda: _record(key))


def message_key(record: Any) -> tuple[Any, ...]:
    """The world's message key of a spec message record (the inverse of
    :func:`message_record`)."""
    try:
        d = record.d
        return tuple(d[f].name if f in ("src", "dst") else d[f] for f in _MESSAGE_FIELDS)
    except (AttributeError, KeyError):
        raise BackendError(f"not a message record: {V.format_value(record)}") from None


def _psk_token(world: EpochWorld, psk: bytes) -> int:
    key = (world.root_secret, world.context.value, psk)
    token = _TOKENS.get(key)
    if token is None:
        if len(_TOKENS) > 1024:
            _TOKENS.clear()
        token = _TOKENS[key] = world.psk_token(psk)
    return token


_LIVE = frozenset({"Establishing", "Active", "Rotating"})


def _chan_raw(world: EpochWorld, a: str, state: str) -> tuple[Any, ...] | None:
    """``chan[a][peer]``'s raw data, ``state`` being ``world.slot_state(a)``."""
    slot = world.slots[a]
    if slot is None:
        return None
    ep = slot.channel.epoch if slot.channel is not None else slot.epoch
    if slot.answered_epoch is not None:
        # A responder's channel is of the epoch of the message 1 it answered: the
        # epoch its prologue bound (only an attack's rewritten header differs).
        ep = slot.answered_epoch
    return (state, ep, slot.hs_id, _psk_token(world, slot.psk))


def _chan_record(raw: tuple[Any, ...] | None) -> Any:
    if raw is None:
        return _NO_CHAN
    st, ep, hs_id, psk = raw
    return V.record(st=st, ep=ep, id=hs_id, psk=psk)


def _closed(world: EpochWorld, a: str, state: str) -> frozenset[int]:
    ids = {s.hs_id for s in world.history[a]}
    slot = world.slots[a]
    if slot is not None:
        if state in _LIVE:
            ids.discard(slot.hs_id)
        else:
            ids.add(slot.hs_id)
    # An id closed (CloseChannel) or retired stays closed, whatever its channel does next.
    return frozenset(ids | world.closed_ids[a])


def _last_ts(world: EpochWorld) -> tuple[int, ...]:
    """``lastTs[r][i]`` for (r, i) in (Ini, Ini), (Ini, Resp), (Resp, Ini), (Resp, Resp)."""
    ctx = world.context.value
    out = []
    for r in _AUTHS:
        guard = world.managers[r].replay_guard
        e = world.epoch(r)
        for i in _AUTHS:
            out.append(world.timestamp_id(guard.greatest(ctx, e, world.ids[i].value), e))
    return tuple(out)


def _established(raw: frozenset[tuple[str, str, int, int]]) -> frozenset[Any]:
    return frozenset(V.record(ini=_mv(i), resp=_mv(r), id=n, ep=e) for i, r, n, e in raw)


def _received(raw: frozenset[tuple[int, int, int]]) -> frozenset[Any]:
    return frozenset(V.record(id=n, ep=e, at=t) for n, e, t in raw)


def _records(raw: frozenset[tuple[Any, ...]]) -> frozenset[Any]:
    return frozenset(map(message_record, raw))


def _chans(raw: tuple[Any, ...]) -> Any:
    return _per_pair(raw, _chan_record)


def _per_auth(raw: tuple[Any, ...]) -> Any:
    return V.fn({_mv(a): x for a, x in zip(_AUTHS, raw, strict=True)})


def _per_pair(raw: tuple[Any, ...], value: Any = lambda x: x) -> Any:
    # raw holds (a, b) for a in _AUTHS for b in _AUTHS, in that order.
    it = iter(raw)
    return V.fn({_mv(a): V.fn({_mv(b): value(next(it)) for b in _AUTHS}) for a in _AUTHS})


def project_epoch_rotation(world: EpochWorld) -> State:
    """The values of EpochRotation.tla's variables that ``world`` stands for.

    ``chan[a][b]`` is what ``a`` uses for ``b``: its newest handshake or the
    channel that handshake built, with the spec's id (the initiator's
    timestamp) and the PSK as a token (``e + 1`` for the secret PSK of epoch
    ``e``, ``0`` for anything else: derivable from public ids). ``closed[a]``
    holds the ids of every channel or handshake of ``a`` that is terminal or was
    replaced by a newer one (retired), and every id it closed.
    """
    variant = world.variant.name
    of = _VALUES.of
    ini_state, resp_state = world.slot_state(INI), world.slot_state(RESP)
    # The world keeps its message keys, ids and epochs as ints and strings, and
    # sets of them: raw data that compares equal is the same data. chan[a][a] is
    # no channel.
    epochs = (world.epoch(INI), world.epoch(RESP))
    chans = (None, _chan_raw(world, INI, ini_state), _chan_raw(world, RESP, resp_state), None)
    last_ts = _last_ts(world)
    msgs = frozenset(world.msgs)
    resp_log = tuple(world.resp_log)
    confirmed = frozenset(world.confirmed)
    established = frozenset(world.established)
    closed = (_closed(world, INI, ini_state), _closed(world, RESP, resp_state))
    received = frozenset(world.received)
    ini_log = frozenset(world.ini_log)
    return {
        "epoch": of((variant, "epoch", epochs), _per_auth, epochs),
        "chan": of((variant, "chan", chans), _chans, chans),
        "nextId": world.next_id,
        "lastTs": of((variant, "lastTs", last_ts), _per_pair, last_ts),
        "msgs": of((variant, "msgs", msgs), _records, msgs),
        "respLog": of((variant, "respLog", resp_log), V.seq, resp_log),
        "confirmed": of((variant, "confirmed", confirmed), frozenset, confirmed),
        "established": of((variant, "established", established), _established, established),
        "closed": of((variant, "closed", closed), _per_auth, closed),
        "received": of((variant, "received", received), _received, received),
        "iniLog": of((variant, "iniLog", ini_log), _records, ini_log),
        "mistyped": world.mistyped,
    }
