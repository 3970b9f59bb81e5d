"""The abstraction function: guard-chain world -> GuardChain.tla's variables.

Ids become model values (``a1``, ``a2``; ``NoAuth`` for "none"), receipts and
journal facts become the spec's records, hashes become the nonce they link to
(the spec's chain link is the previous nonce) and signatures become the name of
the roster member whose key verifies them. ``chan`` is read from the channel
endpoints: the operations whose handshake an endpoint has started (its
handshake clock counts the committed starts), plus the journaled operations
without a peer, which touch no channel. ``docs/conformance.md`` has the
table.

Each variable's value is built from the world's raw data (names, epochs,
nonces, costs) and interned on it (:class:`~aura_conformance.harness.state.Interner`,
one table per variant of the world): a value that did not change is the same
object as before, which lets the spec checker reuse its verdicts. What a
receipt stands for is worked out once per receipt object of a world (its signer
is an Ed25519 verification, its link a search of its issuer's chain).
"""

from __future__ import annotations

import weakref
from typing import Any

from aura_model.tla import ModelValue
from aura_model.tla import values as V

from aura_conformance.guard_chain.world import (
    AUTHS,
    MAX_EPOCH,
    GuardChainWorld,
    decode_operation_fact,
)
from aura_conformance.harness.state import Interner, State, StateSchema

__all__ = ["GUARD_CHAIN", "GUARD_CHAIN_VARS", "NO_AUTH", "project_guard_chain", "wire_record"]

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
    "chan",
    "issued",
)
NO_AUTH = "NoAuth"
GUARD_CHAIN = StateSchema(GUARD_CHAIN_VARS, frozenset({*AUTHS, NO_AUTH}))
_EPOCHS = range(MAX_EPOCH + 1)


_MVS = {a: ModelValue(a) for a in (*AUTHS, NO_AUTH)}
_PAIRS = tuple((a, d) for a in AUTHS for d in AUTHS)
_AUTH_EPOCHS = tuple((a, e) for a in AUTHS for e in _EPOCHS)
# Values by (variant, variable, raw data); records by their raw fields.
_VALUES = Interner()
_RECORDS = Interner()
# Journal fact id -> the operation it records (or None): fact ids hash the fact.
_FACTS: dict[bytes, tuple[str, str, int, int, int] | None] = {}
# Per world: id(receipt) -> (receipt, its raw wire fields); the receipt is kept
# alive with its entry, so its id is not reused while the entry lives.
_RECEIPTS: weakref.WeakKeyDictionary[GuardChainWorld, dict[int, tuple[Any, tuple[Any, ...]]]] = (
    weakref.WeakKeyDictionary()
)


def _mv(name: str) -> ModelValue:
    return _MVS.get(name) or ModelValue(name)


def _interned_record(kind: str, raw: tuple[Any, ...], make: Any) -> Any:
    # The types are part of the key: a record of 1 is not one of TRUE.
    return _RECORDS.get((kind, raw, tuple(map(type, raw))), make)


def _op_raw(src: str, dst: str, epoch: int, nonce: int, cost: int) -> tuple[Any, ...]:
    return (src, dst, epoch, nonce, cost)


def _op(raw: tuple[Any, ...]) -> Any:
    src, dst, epoch, nonce, cost = raw
    return _interned_record(
        "op",
        raw,
        lambda: V.record(src=_mv(src), dst=_mv(dst), epoch=epoch, nonce=nonce, cost=cost),
    )


def _receipts(world: GuardChainWorld) -> dict[int, tuple[Any, tuple[Any, ...]]]:
    cache = _RECEIPTS.get(world)
    if cache is None:
        cache = _RECEIPTS[world] = {}
    return cache


def _receipt_raw(
    world: GuardChainWorld, r: Any, cache: dict[int, tuple[Any, tuple[Any, ...]]] | None = None
) -> tuple[Any, ...]:
    """``(src, dst, epoch, nonce, prev, cost, signer)`` of receipt ``r`` in ``world``."""
    if cache is None:
        cache = _receipts(world)
    hit = cache.get(id(r))
    if hit is not None and hit[0] is r:
        return hit[1]
    prev = world.prev_nonce(r)
    raw = (
        world.names[r.src],
        world.names[r.dst],
        r.epoch,
        r.nonce,
        prev,
        r.cost,
        world.signer_of(r) or NO_AUTH,
    )
    # A link not found (-1) may be issued later: only a found one is final.
    if prev != -1:
        cache[id(r)] = (r, raw)
    return raw


def _wire(raw: tuple[Any, ...]) -> Any:
    src, dst, epoch, nonce, prev, cost, signer = raw
    return _interned_record(
        "wire",
        raw,
        lambda: V.record(
            src=_mv(src),
            dst=_mv(dst),
            epoch=epoch,
            nonce=nonce,
            prev=prev,
            cost=cost,
            signer=_mv(signer),
        ),
    )


def _rlog_entry(raw: tuple[Any, ...]) -> Any:
    src, epoch, nonce, prev, signer, at = raw
    return _interned_record(
        "rlog",
        raw,
        lambda: V.record(
            src=_mv(src), epoch=epoch, nonce=nonce, prev=prev, signer=_mv(signer), at=at
        ),
    )


def wire_record(world: GuardChainWorld, r: Any) -> Any:
    """The spec's record of receipt ``r`` on the wire (an element of ``wire``)."""
    return _wire(_receipt_raw(world, r))


def _fact_op(world: GuardChainWorld, fid: bytes) -> tuple[str, str, int, int, int] | None:
    if fid in _FACTS:
        return _FACTS[fid]
    entry = world.journal.get(fid)
    decoded = decode_operation_fact(entry.fact) if entry is not None else None
    op = None
    if decoded is not None:
        src, dst, epoch, nonce, cost = decoded
        op = _op_raw(world.names[src], world.names[dst], epoch, nonce, cost)
    if len(_FACTS) > 65_536:
        _FACTS.clear()
    _FACTS[fid] = op
    return op


def _per_auth_epoch(raw: tuple[Any, ...]) -> Any:
    it = iter(raw)
    return V.fn({_mv(a): V.fn({e: next(it) for e in _EPOCHS}) for a in AUTHS})


def _per_auth_auth(raw: tuple[Any, ...], value: Any = lambda x: x) -> Any:
    it = iter(raw)
    return V.fn({_mv(a): V.fn({_mv(d): value(next(it)) for d in AUTHS}) for a in AUTHS})


def _ops(raw: frozenset[tuple[Any, ...]]) -> frozenset[Any]:
    return frozenset(map(_op, raw))


def _wires(raw: frozenset[tuple[Any, ...]]) -> frozenset[Any]:
    return frozenset(map(_wire, raw))


def _rlogs(raw: tuple[tuple[tuple[Any, ...], ...], ...]) -> Any:
    return V.fn({_mv(d): V.seq(map(_rlog_entry, log)) for d, log in zip(AUTHS, raw, strict=True)})


def project_guard_chain(world: GuardChainWorld) -> State:
    """The values of GuardChain.tla's variables that ``world`` stands for."""
    ctx = world.context
    variant = world.variant.name
    of = _VALUES.of

    journal = frozenset(
        op for op in (_fact_op(world, fid) for fid in world.journal.ids()) if op is not None
    )
    chan = {op for op in journal if op[0] == op[1]}
    for a in AUTHS:
        chan.update(_op_raw(a, *started) for started in world.handshakes_started(a))

    receipts = _receipts(world)
    wire = [_receipt_raw(world, r, receipts) for r in world.wire]
    # Sent outcomes are the genuine receipts on the wire (forgeries are the attacker's),
    # once each: a receipt its signer re-issued (EquivocateReceipt) pays for nothing new.
    genuine = {(w[0], w[1], w[2], w[3]): w for w in wire if w[6] == w[0]}.values()
    totals = dict.fromkeys(_AUTH_EPOCHS, 0)
    for w in genuine:
        if (w[0], w[2]) in totals:
            totals[w[0], w[2]] += w[5]
    committed = tuple(totals.values())

    rlogs = tuple(
        tuple(
            (raw[0], raw[2], raw[3], raw[4], raw[6], at)
            for raw, at in ((_receipt_raw(world, r, receipts), at) for r, at in world.rlog[d])
        )
        for d in AUTHS
    )
    # accepted[d][s]: the nonce of the last receipt d accepted from s in the epoch.
    last = dict.fromkeys(_PAIRS, 0)
    for d, log in zip(AUTHS, rlogs, strict=True):
        for e in log:
            if e[5] == world.epoch and (d, e[0]) in last:
                last[d, e[0]] = e[2]
    accepted = tuple(last.values())
    # The nonces each issued to each in the epoch; the next is one above the
    # greatest (world.next_nonce), asked of the world once per pair.
    issued_lists = [world.issued(a, d) for a, d in _PAIRS]
    issued = tuple(map(frozenset, issued_lists))
    next_nonce = tuple(max(n, default=0) + 1 for n in issued_lists)
    spent = tuple(world.budget.spent(ctx, world.ids[a], e) for a, e in _AUTH_EPOCHS)
    wires = frozenset(wire)
    denials = frozenset(world.denials)
    chans = frozenset(chan)

    op = world.pending
    return {
        "epoch": world.epoch,
        "spent": of((variant, "spent", spent), _per_auth_epoch, spent),
        "committed": of((variant, "committed", committed), _per_auth_epoch, committed),
        "phase": "Idle" if op is None else "Allowed",
        "pAuth": _mv(NO_AUTH if op is None else op.src),
        "pDst": _mv(NO_AUTH if op is None else op.dst),
        "pCost": 0 if op is None else op.cost,
        "pEpoch": 0 if op is None else op.epoch,
        "charged": False,
        "journal": of((variant, "journal", journal), _ops, journal),
        "nextNonce": of((variant, "nextNonce", next_nonce), _per_auth_auth, next_nonce),
        "wire": of((variant, "wire", wires), _wires, wires),
        "accepted": of((variant, "accepted", accepted), _per_auth_auth, accepted),
        "rlog": of((variant, "rlog", rlogs), _rlogs, rlogs),
        "denials": of((variant, "denials", denials), frozenset, denials),
        "chan": of((variant, "chan", chans), _ops, chans),
        "issued": of((variant, "issued", issued), _per_auth_auth, issued),
    }
