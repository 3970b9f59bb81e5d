"""The backend's flow budget, judged from the bytes it sends (and the effects it reports).

The harness knows the limit (it sends it in ``Reset``) and what each guarded
request costs, and it sees every message 1 a ``Connect`` or ``RelayConnect``
sends, so it knows what the backend has spent in each epoch: Rendezvous.tla's
``spent[c][Ini][epoch]``. Each such request is then one step of
``PrepareEstablishChannel``, whose guard is deterministic:

- with no room (``spent + cost > Limit``) nothing may be sent: a message 1 that
  leaves anyway is spent beyond the limit (``RVBudgetWithinLimit``), and one sent
  with a deny outcome is a packet on a deny (``RVNoMessageOnDeny``);
- with room and a descriptor it may use, message 1 must leave: a deny then
  contradicts the spec's guard (``RVBudgetOK``; ``AdvanceEpoch`` restarts every
  budget at 0, so a backend that keeps what it spent across epochs is named here);
- answering a relayed message 1 (``DeliverRelayed`` as Resp: Rendezvous.tla's
  ``HandleHandshake``, whose guard is budget too) is judged the same way, its
  message 2 in place of message 1;
- when the backend reports its effects, the charge comes before the send and a
  deny sends nothing (GuardChain.tla's ``GCChargeFirst``, ``GCNoEffectOnDeny``,
  ``GCAtomicRollback``, judged by :func:`judge_effects`).
"""

from __future__ import annotations

from collections.abc import Sequence

import attrs

from aura_conformance.guard_chain.effects import Effect, judge_effects

__all__ = ["BudgetBook"]


@attrs.define
class BudgetBook:
    """What the backend spent per epoch, as the harness saw it send."""

    limit: int
    spent: dict[int, int] = attrs.field(factory=dict)

    def room(self, epoch: int, cost: int) -> bool:
        return self.spent.get(epoch, 0) + cost <= self.limit

    def judge(
        self,
        what: str,
        *,
        epoch: int,
        cost: int,
        may: bool,
        sent: bool,
        outcome: str,
        effects: Sequence[Effect] | None,
        message: str = "a message 1",
    ) -> str | None:
        """Why this connect is no step of PrepareEstablishChannel (naming the invariant),
        or None; a connect that sent is charged to the book either way."""
        spent = self.spent.get(epoch, 0)
        if sent:
            self.spent[epoch] = spent + cost
        if effects is not None:
            why = judge_effects(effects, what=what, sends_allowed=sent, paid=cost if sent else None)
            if why is not None:
                return why
        where = f"in epoch {epoch} it had spent {spent} of Limit {self.limit}"
        if sent and not may:
            return (
                f"{what} started a handshake ({outcome}) with no valid descriptor of the peer "
                "it may use: it connects on an expired, revoked or unknown one "
                "(RVConnectWithValidDescriptor)"
            )
        if sent and spent + cost > self.limit:
            if outcome.startswith(("Denied", "Refused", "Rejected")):
                return (
                    f"{what} was denied ({outcome}) yet sent {message}: a deny sends "
                    f"nothing (RVNoMessageOnDeny); {where}, the charge was {cost}"
                )
            return (
                f"{what} sent {message} ({outcome}) that its budget cannot pay: {where}, "
                f"so the charge of {cost} takes it to {spent + cost} (RVBudgetWithinLimit)"
            )
        if not sent and may and spent + cost <= self.limit:
            return (
                f"{what} was denied ({outcome}) though the guard holds: it holds a "
                f"descriptor of the peer it may use and {where}, so a "
                f"charge of {cost} fits (RVBudgetOK; AdvanceEpoch restarts budgets at 0)"
            )
        return None
