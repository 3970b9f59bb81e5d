"""The guard chain (seed 8, DESIGN.md 4): capability, then budget, then journal coupling.

A guard outcome is a value: :class:`Allowed` with effects (``ChargeFlowBudget``
first) or :class:`Denied` with a typed :class:`DenyReason` and, by
construction, no effects at all. The constructor of :class:`GuardOutcome`
enforces both shapes, so a broken evaluator cannot even build a deny with a
charge in it.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable, Sequence

import attrs

from aura_rendezvous.core import (
    AuthorityId,
    ContextId,
    LocalProtocolError,
    check_u32,
    is_authority,
    is_context,
    u64,
)
from aura_rendezvous.guard._effects import ChargeFlowBudget, EffectCommand

__all__ = [
    "CAP_RELAY_FORWARD",
    "CAP_RENDEZVOUS_CONNECT",
    "CAP_RENDEZVOUS_PUBLISH",
    "CAP_RENDEZVOUS_RELAY",
    "Allowed",
    "Denied",
    "DenyReason",
    "GuardDecision",
    "GuardOutcome",
    "GuardSnapshot",
    "evaluate_guards",
]

CAP_RENDEZVOUS_PUBLISH = "rendezvous:publish"
CAP_RENDEZVOUS_CONNECT = "rendezvous:connect"
CAP_RENDEZVOUS_RELAY = "rendezvous:relay"
CAP_RELAY_FORWARD = "relay:forward"


class DenyReason(enum.Enum):
    """Why a guard denied; stays local (no packet ever reveals it)."""

    MissingCapability = "MissingCapability"
    InsufficientBudget = "InsufficientBudget"
    NoValidDescriptor = "NoValidDescriptor"
    NoDirectTransport = "NoDirectTransport"
    NoRelayTransport = "NoRelayTransport"
    ContextMismatch = "ContextMismatch"
    EpochMismatch = "EpochMismatch"
    NotAMember = "NotAMember"
    PskCommitmentMismatch = "PskCommitmentMismatch"
    NotOwnDescriptor = "NotOwnDescriptor"
    StaleEpoch = "StaleEpoch"


def _caps(value: Iterable[str]) -> frozenset[str]:
    return frozenset(value)


@attrs.frozen
class GuardSnapshot:
    """The caller's view of its own authority at evaluation time (seed 8.3)."""

    authority_id: AuthorityId = attrs.field(validator=is_authority)
    context_id: ContextId = attrs.field(validator=is_context)
    flow_budget_remaining: int = attrs.field(validator=u64)
    capabilities: frozenset[str] = attrs.field(converter=_caps)
    epoch: int = attrs.field(validator=u64)


@attrs.frozen
class Allowed:
    def is_allowed(self) -> bool:
        return True


@attrs.frozen
class Denied:
    reason: DenyReason

    def is_allowed(self) -> bool:
        return False


GuardDecision = Allowed | Denied


def _effects(value: Iterable[EffectCommand]) -> tuple[EffectCommand, ...]:
    return tuple(value)


@attrs.frozen
class GuardOutcome:
    """A decision and the effects to run; a deny has none, an allow starts with the charge."""

    decision: GuardDecision
    effects: tuple[EffectCommand, ...] = attrs.field(converter=_effects, default=())

    def __attrs_post_init__(self) -> None:
        if isinstance(self.decision, Denied):
            if self.effects:
                raise LocalProtocolError("a denied outcome carries no effects")
        elif not self.effects or not isinstance(self.effects[0], ChargeFlowBudget):
            raise LocalProtocolError("an allowed outcome starts with ChargeFlowBudget")

    @classmethod
    def deny(cls, reason: DenyReason) -> GuardOutcome:
        return cls(Denied(reason))

    @classmethod
    def allow(cls, effects: Sequence[EffectCommand]) -> GuardOutcome:
        return cls(Allowed(), effects)

    def is_allowed(self) -> bool:
        return self.decision.is_allowed()


def evaluate_guards(
    snapshot: GuardSnapshot,
    capability: str,
    cost: int,
    couple: Callable[[ChargeFlowBudget], GuardOutcome],
) -> GuardOutcome:
    """Run the chain in DESIGN.md 4's order and hand the charge to the coupling step.

    ``couple`` is only called once capability and budget passed; it returns the
    full outcome (a deny of its own, or an allow whose first effect is the charge).
    """
    if capability not in snapshot.capabilities:
        return GuardOutcome.deny(DenyReason.MissingCapability)
    if snapshot.flow_budget_remaining < check_u32("cost", cost):
        return GuardOutcome.deny(DenyReason.InsufficientBudget)
    charge = ChargeFlowBudget(snapshot.context_id, snapshot.authority_id, snapshot.epoch, cost)
    return couple(charge)
