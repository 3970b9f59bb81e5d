"""What a backend does, judged: the charges, journal appends and sends it made, in order.

The projected state says what a step left behind, not the order the effects
ran in, nor whether a packet left on a deny (a packet carries no state the
spec's ``wire`` of receipts shows). So an in-process world taps its ports (the
flow budget store, the journal, the outbox) and logs each effect as it runs;
:func:`judge_effects` holds the log to GuardChain.tla's rules for one request:

- a deny, or an outcome rolled back, sends nothing (``GCNoEffectOnDeny``: every
  packet belongs to an allowed, journaled outcome; DESIGN.md 4, 7);
- the charge comes first: no journal append and no send before it
  (``GCChargeFirst``; ``SendPacket`` is enabled only once charged);
- a send is paid: the charges made before it (less those given back) are at
  least ``paid`` when the caller names the operation's cost (``GCAtomicRollback``:
  when idle, ``spent`` is exactly the cost of what was sent).
"""

from __future__ import annotations

from collections.abc import Sequence

from aura_rendezvous import AuthorityId, ContextId, FlowBudgetStore
from aura_rendezvous.guard import ChargeToken

from aura_conformance.harness.backend import ReportedEffect

__all__ = [
    "APPEND",
    "CHARGE",
    "SEND",
    "UNDO",
    "Effect",
    "EffectLog",
    "ObservedBudget",
    "judge_effects",
]

CHARGE = "ChargeFlowBudget"
UNDO = "UndoCharge"
APPEND = "JournalAppend"
SEND = "Send"


# One effect a port saw (its kind, the cost of a charge, what was sent): the
# same value a stdio backend reports, so one judge serves both.
Effect = ReportedEffect


class EffectLog:
    """The effects seen since the last :meth:`take`, in the order they ran."""

    def __init__(self) -> None:
        self._effects: list[Effect] = []

    def add(self, effect: Effect) -> None:
        self._effects.append(effect)

    def take(self) -> tuple[Effect, ...]:
        taken, self._effects = tuple(self._effects), []
        return taken


class ObservedBudget(FlowBudgetStore):
    """The real budget store, logging each charge and each charge given back."""

    def __init__(self, log: EffectLog, *, default_limit: int) -> None:
        super().__init__({}, default_limit=default_limit)
        self._log = log

    def charge(
        self, context_id: ContextId, authority_id: AuthorityId, epoch: int, cost: int
    ) -> ChargeToken:
        token = super().charge(context_id, authority_id, epoch, cost)
        self._log.add(Effect(CHARGE, cost))
        return token

    def undo(self, token: ChargeToken) -> None:
        super().undo(token)
        self._log.add(Effect(UNDO, token.cost))


def _listing(effects: Sequence[Effect]) -> str:
    return "[" + ", ".join(e.describe() for e in effects) + "]" if effects else "[]"


def judge_effects(
    effects: Sequence[Effect],
    *,
    what: str,
    sends_allowed: bool,
    paid: int | None = None,
    stutter: bool = False,
) -> str | None:
    """The first rule ``effects`` break, as ``"<invariant> (GuardChain.tla) violated: ..."``.

    ``what`` names the request (for the message); ``sends_allowed`` is False for
    a deny or a rolled-back outcome; ``paid`` is the cost a send must have been
    charged first, exactly (None: any charge will do); ``stutter``: the step put
    no message on the spec's network, so (with ``paid``) it must have cost nothing.
    """
    sends = [e for e in effects if e.kind == SEND]
    first_charge = next((i for i, e in enumerate(effects) if e.kind == CHARGE), None)
    early = [e for e in effects[:first_charge] if e.kind != UNDO] if first_charge else []
    if early:
        # An effect ran before a charge that did come: the first wrong effect in
        # the order they ran, whatever became of the outcome after (a rollback
        # that then gives the charge back sent before paying all the same).
        return (
            f"GCChargeFirst (GuardChain.tla) violated: {what} ran {early[0].describe()} "
            f"before ChargeFlowBudget; observed effects {_listing(effects)}"
        )
    if not sends_allowed and sends:
        return (
            f"GCNoEffectOnDeny (GuardChain.tla) violated: {what} sent "
            f"{_listing(sends)} although nothing was allowed and journaled; observed "
            f"effects {_listing(effects)}"
        )
    charged = 0
    seen_charge = False
    for effect in effects:
        if effect.kind == CHARGE:
            seen_charge = True
            charged += effect.cost
        elif effect.kind == UNDO:
            charged -= effect.cost
        elif not seen_charge:
            return (
                f"GCChargeFirst (GuardChain.tla) violated: {what} ran {effect.describe()} "
                f"before ChargeFlowBudget; observed effects {_listing(effects)}"
            )
        elif effect.kind == SEND and paid is not None and charged != paid:
            # An over-charge breaks it as an under-charge does: what was sent is
            # what was paid, no more (a cost from the wrong table drains the budget).
            return (
                f"GCAtomicRollback (GuardChain.tla) violated: {what} sent "
                f"{effect.describe()} having been charged {charged}, its cost is {paid}; "
                f"observed effects {_listing(effects)}"
            )
    if stutter and paid is not None and charged and not sends:
        # A paid request that sent nothing must have cost nothing: a charge kept for
        # it is budget spent on no outcome (a deny, or a guard checked after the charge).
        return (
            f"GCAtomicRollback (GuardChain.tla) violated: {what} was charged {charged} and "
            f"sent nothing; observed effects {_listing(effects)}"
        )
    return None
