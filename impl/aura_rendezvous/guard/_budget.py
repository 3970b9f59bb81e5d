"""Flow budgets per ``(context, authority, epoch)`` (DESIGN.md 4).

A charge ``c`` is allowed iff ``spent + c <= limit``; the sum is computed on
unbounded integers, so a charge that would overflow u64 is simply not allowed
(never wrapped into a small number). A new epoch starts at ``spent = 0``.
"""

from __future__ import annotations

from collections.abc import Mapping

import attrs

from aura_rendezvous.core import (
    U64_MAX,
    AuthorityId,
    ContextId,
    InsufficientBudgetError,
    check_u32,
    check_u64,
)

__all__ = [
    "BudgetKey",
    "ChargeToken",
    "FlowBudgetStore",
    "budget_allows",
]


def budget_allows(spent: int, cost: int, limit: int) -> bool:
    """DESIGN.md 4: ``spent + cost <= limit``, with no wrap-around (u64 inputs)."""
    total = check_u64("spent", spent) + check_u32("cost", cost)
    return total <= U64_MAX and total <= check_u64("limit", limit)


@attrs.frozen(order=True, cache_hash=True)
class BudgetKey:
    context_id: ContextId
    authority_id: AuthorityId
    epoch: int


@attrs.frozen
class ChargeToken:
    """Undo information of one charge (the interpreter's rollback)."""

    key: BudgetKey
    cost: int


class FlowBudgetStore:
    """The authoritative spent counters; limits per ``(context, authority)``."""

    def __init__(
        self, limits: Mapping[tuple[ContextId, AuthorityId], int], default_limit: int = 0
    ) -> None:
        self._limits = {k: check_u64("limit", v) for k, v in limits.items()}
        self._default = check_u64("default_limit", default_limit)
        # Keyed by plain tuples: a lookup then hashes cached ids and compares them
        # by identity first, instead of building and comparing a BudgetKey value.
        self._spent: dict[tuple[ContextId, AuthorityId, int], int] = {}

    def limit(self, context_id: ContextId, authority_id: AuthorityId) -> int:
        return self._limits.get((context_id, authority_id), self._default)

    def spent(self, context_id: ContextId, authority_id: AuthorityId, epoch: int) -> int:
        return self._spent.get((context_id, authority_id, check_u64("epoch", epoch)), 0)

    def remaining(self, context_id: ContextId, authority_id: AuthorityId, epoch: int) -> int:
        return self.limit(context_id, authority_id) - self.spent(context_id, authority_id, epoch)

    def charge(
        self, context_id: ContextId, authority_id: AuthorityId, epoch: int, cost: int
    ) -> ChargeToken:
        """Spend ``cost`` or raise :class:`InsufficientBudgetError` leaving the store unchanged."""
        key = (context_id, authority_id, check_u64("epoch", epoch))
        spent = self._spent.get(key, 0)
        if not budget_allows(spent, cost, self.limit(context_id, authority_id)):
            raise InsufficientBudgetError(
                f"charge {cost} on {spent} spent exceeds the limit of {authority_id} "
                f"in {context_id} epoch {epoch}"
            )
        self._spent[key] = spent + cost
        return ChargeToken(BudgetKey(*key), cost)

    def undo(self, token: ChargeToken) -> None:
        """Give back a charge whose outcome was rolled back."""
        key = (token.key.context_id, token.key.authority_id, token.key.epoch)
        spent = self._spent.get(key, 0)
        assert spent >= token.cost, "undo of a charge that was never made"
        self._spent[key] = spent - token.cost
