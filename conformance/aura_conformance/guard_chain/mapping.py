"""The abstraction function: implementation state -> GuardChain.tla's variables.

Ids become model values (``a1``, ``a2``; ``NoAuth`` for "none"), receipts and
journal facts become the spec's records, hashes become the nonce they link to
(the spec's chain link is the previous nonce) and signatures become the name of
the roster member whose key verifies them. ``docs/conformance.md`` has the
table. The projected state is a ``dict`` of embedded-checker values
(:mod:`aura_model.tla.values`), ready for :class:`StepValidator`; to cross a
pipe or a file it is converted to ITF JSON and back with :func:`state_to_itf`
and :func:`state_from_itf`, the latter strict (untrusted input).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aura_model import itf
from aura_model.tla import ModelValue
from aura_model.tla import values as V

from aura_conformance._dv_world import CONTEXTS, MEMBERS, DescriptorWorld
from aura_conformance._epoch_world import INI, RESP, EpochWorld
from aura_conformance._errors import BackendProtocolError
from aura_conformance._world import AUTHS, MAX_EPOCH, GuardChainWorld, decode_operation_fact

__all__ = [
    "GUARD_CHAIN_VARS",
    "MODEL_VALUES",
    "NO_AUTH",
    "State",
    "dv_record",
    "format_state_table",
    "project_descriptor_validity",
    "project_epoch_rotation",
    "project_guard_chain",
    "state_from_itf",
    "state_to_itf",
    "value_from_itf",
    "value_to_itf",
]

State = dict[str, Any]

GUARD_CHAIN_VARS = (
    "epoch",
    "spent",
    "committed",
    "phase",
    "pAuth",
    "pDst",
    "pCost",
    "pEpoch",
    "charged",
    "journal",
    "nextNonce",
    "wire",
    "accepted",
    "rlog",
    "denials",
)
NO_AUTH = "NoAuth"
MODEL_VALUES = frozenset({*AUTHS, NO_AUTH, *CONTEXTS, "eve"})
_EPOCHS = range(MAX_EPOCH + 1)


def _mv(name: str) -> ModelValue:
    return ModelValue(name)


def _per_auth_epoch(f: Any) -> Any:
    return V.fn({_mv(a): V.fn({e: f(a, e) for e in _EPOCHS}) for a in AUTHS})


def project_guard_chain(world: GuardChainWorld) -> State:
    """The values of GuardChain.tla's variables that ``world`` stands for."""
    ctx = world.context
    journal = set()
    for fact in world.journal.facts():
        decoded = decode_operation_fact(fact)
        if decoded is not None:
            src, epoch, nonce, cost = decoded
            journal.add(V.record(src=_mv(world.names[src]), epoch=epoch, nonce=nonce, cost=cost))

    def wire_record(r: Any) -> Any:
        signer = world.signer_of(r)
        return V.record(
            src=_mv(world.names[r.src]),
            dst=_mv(world.names[r.dst]),
            epoch=r.epoch,
            nonce=r.nonce,
            prev=world.prev_nonce(r),
            cost=r.cost,
            signer=_mv(signer or NO_AUTH),
        )

    # Sent outcomes are the genuine receipts on the wire (forgeries are the attacker's).
    genuine = [r for r in world.wire if world.signer_of(r) == world.names[r.src]]

    def committed(a: str, e: int) -> int:
        return sum(r.cost for r in genuine if world.names[r.src] == a and r.epoch == e)

    def accepted(d: str, s: str) -> int:
        last = [r.nonce for r, at in world.rlog[d] if world.names[r.src] == s and at == world.epoch]
        return last[-1] if last else 0

    def rlog(d: str) -> Any:
        return V.seq(
            V.record(
                src=_mv(world.names[r.src]),
                epoch=r.epoch,
                nonce=r.nonce,
                prev=world.prev_nonce(r),
                signer=_mv(world.signer_of(r) or NO_AUTH),
                at=at,
            )
            for r, at in world.rlog[d]
        )

    op = world.pending
    return {
        "epoch": world.epoch,
        "spent": _per_auth_epoch(lambda a, e: world.budget.spent(ctx, world.ids[a], e)),
        "committed": _per_auth_epoch(committed),
        "phase": "Idle" if op is None else "Allowed",
        "pAuth": _mv(NO_AUTH if op is None else op.src),
        "pDst": _mv(NO_AUTH if op is None else op.dst),
        "pCost": 0 if op is None else op.cost,
        "pEpoch": 0 if op is None else op.epoch,
        "charged": False,
        "journal": frozenset(journal),
        "nextNonce": V.fn({_mv(a): world.next_nonce(a) for a in AUTHS}),
        "wire": frozenset(wire_record(r) for r in world.wire),
        "accepted": V.fn({_mv(d): V.fn({_mv(s): accepted(d, s) for s in AUTHS}) for d in AUTHS}),
        "rlog": V.fn({_mv(d): rlog(d) for d in AUTHS}),
        "denials": frozenset(world.denials),
    }


def project_epoch_rotation(world: EpochWorld) -> State:
    """The values of EpochRotation.tla's variables that ``world`` stands for.

    ``chan[a][b]`` is what ``a`` uses for ``b``: its newest handshake or the
    channel that handshake built, with the spec's id (the initiator's
    timestamp) and the PSK as a token (``e + 1`` for the secret PSK of epoch
    ``e``, ``0`` for anything else: derivable from public ids). ``closed[a]``
    holds the ids of every channel or handshake of ``a`` that is terminal or was
    replaced by a newer one (retired).
    """
    auths = (INI, RESP)
    no_chan = V.record(st="None", ep=0, id=0, psk=0)

    def chan(a: str, b: str) -> Any:
        slot = world.slots[a]
        if b == a or slot is None:
            return no_chan
        ep = slot.channel.epoch if slot.channel is not None else slot.epoch
        return V.record(st=world.slot_state(a), ep=ep, id=slot.hs_id, psk=world.psk_token(slot.psk))

    def closed(a: str) -> Any:
        ids = {s.hs_id for s in world.history[a]}
        slot = world.slots[a]
        if slot is not None:
            if world.live(a):
                ids.discard(slot.hs_id)
            else:
                ids.add(slot.hs_id)
        return frozenset(ids)

    def last_ts(r: str, i: str) -> int:
        guard = world.managers[r].replay_guard
        return guard.greatest(world.context.value, world.ids[i].value) or 0

    fields = ("type", "src", "dst", "ep", "id", "psk")

    def _message(m: tuple[Any, ...]) -> tuple[Any, ...]:
        kind, src, dst, ep, hs_id, psk = m
        return (kind, _mv(src), _mv(dst), ep, hs_id, psk)

    return {
        "epoch": V.fn({_mv(a): world.epoch(a) for a in auths}),
        "chan": V.fn({_mv(a): V.fn({_mv(b): chan(a, b) for b in auths}) for a in auths}),
        "nextId": world.next_id,
        "lastTs": V.fn({_mv(r): V.fn({_mv(i): last_ts(r, i) for i in auths}) for r in auths}),
        "msgs": frozenset(
            V.record(
                **{
                    f: (_mv(x) if f in ("src", "dst") else x)
                    for f, x in zip(fields, m, strict=True)
                }
            )
            for m in world.msgs
        ),
        "respLog": V.seq(world.resp_log),
        "confirmed": frozenset(world.confirmed),
        "established": frozenset(
            V.record(ini=_mv(i), resp=_mv(r), id=n, ep=e) for i, r, n, e in world.established
        ),
        "closed": V.fn({_mv(a): closed(a) for a in auths}),
        "received": frozenset(V.record(id=n, ep=e, at=t) for n, e, t in world.received),
    }


_DV_FIELDS = ("kind", "auth", "ctx", "from", "until", "nonce", "by")


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


def project_descriptor_validity(world: DescriptorWorld) -> State:
    """The values of DescriptorValidity.tla's variables that ``world`` stands for.

    ``journal[m]`` is the union over contexts of ``m``'s replicas, each fact
    opened (a descriptor decrypted and verified) and written as the spec's
    record; times are in spec units; nonces are ranks. The outsider ``eve``
    holds no replica, so its journal is empty by construction.
    """
    journal = {_mv(m): frozenset(dv_record(key) for key, _, _ in world.entries(m)) for m in MEMBERS}
    journal[_mv("eve")] = frozenset()

    def last_seen(m: str, c: str, p: str) -> Any:
        key = world.last_seen.get((m, c, p))
        return frozenset() if key is None else frozenset({dv_record(key)})

    return {
        "now": world.now,
        "journal": V.fn(journal),
        "nextNonce": V.fn({_mv(a): world.next_rank[a] for a in MEMBERS}),
        "lastSeen": V.fn(
            {
                _mv(m): V.fn(
                    {_mv(c): V.fn({_mv(p): last_seen(m, c, p) for p in MEMBERS}) for c in CONTEXTS}
                )
                for m in MEMBERS
            }
        ),
    }


# ---------------------------------------------------------------- ITF crossing


def value_to_itf(value: Any) -> Any:
    """A checker value as a value :func:`aura_model.itf.encode_value` accepts.

    Model values become their names (ITF has none; Apalache writes them as
    strings too), records dicts, other functions ``#map``, sequences lists.
    """
    if isinstance(value, ModelValue):
        return value.name
    if isinstance(value, bool | int | str):
        return value
    if isinstance(value, tuple):
        return [value_to_itf(x) for x in value]
    if isinstance(value, frozenset):
        return frozenset(value_to_itf(x) for x in value)
    if isinstance(value, V.Fn):
        if value.d and all(isinstance(k, str) for k in value.d):
            return itf.Record({k: value_to_itf(x) for k, x in value.d.items()})
        return itf.ItfMap([(value_to_itf(k), value_to_itf(x)) for k, x in value.d.items()])
    raise TypeError(f"no ITF form for {type(value).__name__}")


def value_from_itf(value: Any, where: str = "$") -> Any:
    """The checker value of a decoded ITF value; names in :data:`MODEL_VALUES` become
    model values. Raises :class:`BackendProtocolError` for shapes a state cannot hold."""
    if isinstance(value, str):
        return ModelValue(value) if value in MODEL_VALUES else value
    if isinstance(value, bool | int):
        return value
    if isinstance(value, itf.Seq | tuple):
        return tuple(value_from_itf(x, f"{where}[{i}]") for i, x in enumerate(value))
    if isinstance(value, frozenset):
        return frozenset(value_from_itf(x, f"{where}[*]") for x in value)
    if isinstance(value, itf.ItfMap):
        return V.fn({value_from_itf(k, where): value_from_itf(x, where) for k, x in value.pairs})
    if isinstance(value, Mapping) and not isinstance(value, itf.Variant):
        return V.fn({str(k): value_from_itf(x, f"{where}.{k}") for k, x in value.items()})
    raise BackendProtocolError(f"{where}: a {type(value).__name__} cannot be a spec value")


def state_to_itf(state: Mapping[str, Any]) -> dict[str, Any]:
    """JSON-ready ITF objects for each variable of ``state``."""
    return {k: itf.encode_value(value_to_itf(v), where=f"$.{k}") for k, v in state.items()}


def state_from_itf(obj: object, variables: tuple[str, ...], *, source: str = "backend") -> State:
    """Strictly decode a JSON object holding exactly ``variables`` as ITF values."""
    if not isinstance(obj, dict):
        raise BackendProtocolError("a state must be a JSON object", source=source)
    names = set(obj)
    if names != set(variables):
        missing = sorted(set(variables) - names)
        extra = sorted(names - set(variables))
        raise BackendProtocolError(
            f"state variables differ from the spec's (missing {missing}, unknown {extra})",
            source=source,
        )
    out: State = {}
    for name in variables:
        try:
            decoded = itf.decode_value(obj[name], where=f"$.{name}")
        except itf.ItfError as exc:
            raise BackendProtocolError(str(exc), source=source) from None
        except RecursionError:
            raise BackendProtocolError(f"$.{name}: nested too deeply", source=source) from None
        out[name] = value_from_itf(decoded, f"$.{name}")
    return out


def format_state_table(
    before: Mapping[str, Any],
    after: Mapping[str, Any],
    labels: tuple[str, str] = ("before", "after"),
) -> str:
    """A two-column table of a step, changed variables marked with ``*``."""
    rows = [("", "variable", *labels)]
    for name in before:
        b = V.format_value(before[name])
        a = V.format_value(after.get(name)) if name in after else "?"
        rows.append(("*" if b != a else "", name, b, a))
    w1 = max(len(r[1]) for r in rows)
    w2 = max(len(r[2]) for r in rows)
    return "\n".join(f"{m:1} {n:<{w1}} | {b:<{w2}} | {a}" for m, n, b, a in rows)
