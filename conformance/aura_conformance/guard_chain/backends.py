"""Guard-chain backends: the reference world in process, its broken variants, or a program.

Each request is one of GuardChain.tla's actions, served through a table from
action name to handler. Arguments are spec values: ``ReceiveReceipt`` names the
receipt by its spec record (an element of ``wire``), not by bytes, so a program
in another language can serve the same requests (:func:`open_backend`).
"""

from __future__ import annotations

import shlex
from collections.abc import Mapping
from typing import Any

from aura_model.tla import ModelValue
from aura_model.tla import values as V

from aura_conformance.guard_chain.mapping import GUARD_CHAIN, project_guard_chain, wire_record
from aura_conformance.guard_chain.world import AUTHS, COSTS, VARIANTS, GuardChainWorld, Variant
from aura_conformance.harness.backend import Backend, Handler, WorldBackend
from aura_conformance.harness.errors import BackendError
from aura_conformance.harness.stdio import StdioBackend

__all__ = ["ACTIONS", "ACTION_TABLE", "ReferenceBackend", "open_backend"]


def _name(v: Any, what: str) -> str:
    if isinstance(v, ModelValue) and v.name in AUTHS:
        return v.name
    raise BackendError(f"{what} must be one of {AUTHS}, got {v!r}")


def _int(args: Mapping[str, Any], key: str) -> int:
    v = args.get(key)
    if isinstance(v, bool) or not isinstance(v, int):
        raise BackendError(f"argument {key} must be an integer, got {v!r}")
    return v


def _find(w: GuardChainWorld, record: Any) -> Any:
    for r in w.wire:
        if wire_record(w, r) == record:
            return r
    raise BackendError(f"no receipt {V.format_value(record)} on the wire")


# The guard chain's rules do not depend on time: every handler ignores ``now``.


def prepare_operation(w: GuardChainWorld, args: Mapping[str, Any], now: int) -> str:
    cost = _int(args, "c")
    if cost not in COSTS:
        raise BackendError(f"cost {cost} is not one of {COSTS}")
    return w.prepare_operation(_name(args.get("a"), "a"), _name(args.get("d"), "d"), cost)


def execute_effects(w: GuardChainWorld, args: Mapping[str, Any], now: int) -> str:
    fail = args.get("fail_append", False)
    if not isinstance(fail, bool):
        raise BackendError("fail_append must be a boolean")
    return w.execute_effects(fail)


def advance_epoch(w: GuardChainWorld, args: Mapping[str, Any], now: int) -> str:
    return w.advance_epoch()


def receive_receipt(w: GuardChainWorld, args: Mapping[str, Any], now: int) -> str:
    return w.receive_receipt(_find(w, args.get("r")))


def receive_receipt_fails(w: GuardChainWorld, args: Mapping[str, Any], now: int) -> str:
    return w.receive_receipt(_find(w, args.get("r")), fail_append=True)


def other_context_receipt(w: GuardChainWorld, args: Mapping[str, Any], now: int) -> str:
    return w.other_context_receipt(_find(w, args.get("r")))


def forge_receipt(w: GuardChainWorld, args: Mapping[str, Any], now: int) -> str:
    return w.forge_receipt(_find(w, args.get("r")), _name(args.get("s"), "s"))


def equivocate_receipt(w: GuardChainWorld, args: Mapping[str, Any], now: int) -> str:
    return w.equivocate_receipt(_find(w, args.get("r")))


def relink_first_receipt(w: GuardChainWorld, args: Mapping[str, Any], now: int) -> str:
    return w.relink_first_receipt(_find(w, args.get("r")))


def sign_future_receipt(w: GuardChainWorld, args: Mapping[str, Any], now: int) -> str:
    return w.sign_future_receipt(_find(w, args.get("r")))


def tick(w: GuardChainWorld, args: Mapping[str, Any], now: int) -> str:
    return "Ticked"


ACTION_TABLE: dict[str, Handler[GuardChainWorld]] = {
    "PrepareOperation": prepare_operation,
    "ExecuteEffects": execute_effects,
    "AdvanceEpoch": advance_epoch,
    "ReceiveReceipt": receive_receipt,
    # The receiver's outcome taking r fails at its journal append: rolled back, the
    # acceptance with it. No action of GuardChain.tla: to the spec, a stutter.
    "ReceiveReceiptFails": receive_receipt_fails,
    # r.src pays r.dst for a message in another context they share, and the attacker
    # hands r.dst that receipt with a message of this one: refused, a stutter (no
    # action of GuardChain.tla, whose receipts are the one context's).
    "OtherContextReceipt": other_context_receipt,
    "ForgeReceipt": forge_receipt,
    "EquivocateReceipt": equivocate_receipt,
    "RelinkFirstReceipt": relink_first_receipt,
    "SignFutureReceipt": sign_future_receipt,
    "Tick": tick,
}
# The requests a backend serves; Reset is also the first request of every run.
ACTIONS = ("Reset", *ACTION_TABLE)


class ReferenceBackend(WorldBackend[GuardChainWorld]):
    """The guard-chain world of the reference implementation, in process.

    ``variant`` swaps one part for a deliberately broken one (a "buggy backend").
    A request the world refuses (``ValueError``: no outcome in flight) is a
    :class:`BackendError`.
    """

    def __init__(self, variant: str | Variant = "ref") -> None:
        if isinstance(variant, str):
            if variant not in VARIANTS:
                raise BackendError(f"unknown variant {variant!r}; known: {', '.join(VARIANTS)}")
            variant = VARIANTS[variant]
        chosen: Variant = variant
        self.variant = chosen
        super().__init__(
            chosen.name,
            GUARD_CHAIN,
            new_world=lambda: GuardChainWorld(chosen),
            project=project_guard_chain,
            actions=ACTION_TABLE,
            refusals=(ValueError,),
        )


def open_backend(spec: str, *, timeout: float = 10.0) -> Backend:
    """``ref`` or a variant name (in process), else a command line run as a stdio backend."""
    if spec in VARIANTS:
        return ReferenceBackend(spec)
    argv = shlex.split(spec)
    if not argv:
        raise BackendError("empty backend command")
    return StdioBackend(
        argv, schema=GUARD_CHAIN, spec="GuardChain", actions=ACTIONS, timeout=timeout
    )
