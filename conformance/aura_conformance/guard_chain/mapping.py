"""The abstraction function: guard-chain world -> GuardChain.tla's variables.

Ids become model values (``a1``, ``a2``; ``NoAuth`` for "none"), receipts and
journal facts become the spec's records, hashes become the nonce they link to
(the spec's chain link is the previous nonce) and signatures become the name of
the roster member whose key verifies them. ``chan`` is read from the channel
endpoints: the operations whose handshake an endpoint has started (its
handshake clock counts the committed starts), plus the journaled operations
without a peer, which touch no channel. ``docs/conformance.md`` has the
table.
"""

from __future__ import annotations

from typing import Any

from aura_model.tla import ModelValue
from aura_model.tla import values as V

from aura_conformance.guard_chain.world import (
    AUTHS,
    MAX_EPOCH,
    GuardChainWorld,
    decode_operation_fact,
)
from aura_conformance.harness.state import State, StateSchema

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


def _mv(name: str) -> ModelValue:
    return ModelValue(name)


def _per_auth_epoch(f: Any) -> Any:
    return V.fn({_mv(a): V.fn({e: f(a, e) for e in _EPOCHS}) for a in AUTHS})


def _op(src: str, dst: str, epoch: int, nonce: int, cost: int) -> Any:
    return V.record(src=_mv(src), dst=_mv(dst), epoch=epoch, nonce=nonce, cost=cost)


def _per_auth_auth(f: Any) -> Any:
    return V.fn({_mv(a): V.fn({_mv(d): f(a, d) for d in AUTHS}) for a in AUTHS})


def wire_record(world: GuardChainWorld, r: Any) -> Any:
    """The spec's record of receipt ``r`` on the wire (an element of ``wire``)."""
    return V.record(
        src=_mv(world.names[r.src]),
        dst=_mv(world.names[r.dst]),
        epoch=r.epoch,
        nonce=r.nonce,
        prev=world.prev_nonce(r),
        cost=r.cost,
        signer=_mv(world.signer_of(r) or NO_AUTH),
    )


def project_guard_chain(world: GuardChainWorld) -> State:
    """The values of GuardChain.tla's variables that ``world`` stands for."""
    ctx = world.context
    journal = set()
    for fact in world.journal.facts():
        decoded = decode_operation_fact(fact)
        if decoded is not None:
            src, dst, epoch, nonce, cost = decoded
            journal.add(_op(world.names[src], world.names[dst], epoch, nonce, cost))
    chan = {op for op in journal if op.d["src"] == op.d["dst"]}
    for a in AUTHS:
        chan.update(_op(a, *started) for started in world.handshakes_started(a))

    # Sent outcomes are the genuine receipts on the wire (forgeries are the attacker's),
    # once each: a receipt its signer re-issued (EquivocateReceipt) pays for nothing new.
    genuine = list(
        {
            (r.src, r.dst, r.epoch, r.nonce): r
            for r in world.wire
            if world.signer_of(r) == world.names[r.src]
        }.values()
    )

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
        "nextNonce": _per_auth_auth(world.next_nonce),
        "wire": frozenset(wire_record(world, r) for r in world.wire),
        "accepted": V.fn({_mv(d): V.fn({_mv(s): accepted(d, s) for s in AUTHS}) for d in AUTHS}),
        "rlog": V.fn({_mv(d): rlog(d) for d in AUTHS}),
        "denials": frozenset(world.denials),
        "chan": frozenset(chan),
        "issued": _per_auth_auth(lambda a, d: frozenset(world.issued(a, d))),
    }
