"""Check that the flow-cost constants agree with the choreography annotations.

The rule (DESIGN.md section 4, documented in ``docs/channels.md``): **a cost
constant is the flow cost charged to the sender of one message, and equals
that message's ``flow_cost`` annotation.** Nothing is charged per path: each
hop pays for its own send under its own budget, so no budget is charged twice.
Under this rule the seed's ``CONNECT_RELAY_COST = 3`` is wrong (it is the sum
of ``RelayRequest`` 2 and ``RelayForward`` 1, which two different authorities
pay); the constant is the annotated 2.

Every annotated message must be bound to exactly one constant, so a new
message without a constant is caught as well as a mutated constant.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import attrs

from aura_rendezvous.choreography._model import Choreography
from aura_rendezvous.choreography._protocols import (
    CHOREOGRAPHIES,
    RELAYED_RENDEZVOUS,
    RENDEZVOUS_EXCHANGE,
)
from aura_rendezvous.core import CostAnnotationMismatch

__all__ = [
    "COST_BINDINGS",
    "CostAnnotationMismatch",
    "CostBinding",
    "CostMismatch",
    "check_cost_constants",
    "require_costs_agree",
]


@attrs.frozen
class CostBinding:
    """Constant ``constant`` is the annotated cost of ``label`` in ``choreography``."""

    constant: str
    choreography: str
    label: str


def _bind(constant: str, choreography: Choreography, *labels: str) -> list[CostBinding]:
    return [CostBinding(constant, choreography.name, label) for label in labels]


COST_BINDINGS: tuple[CostBinding, ...] = (
    *_bind("DESCRIPTOR_PUBLISH_COST", RENDEZVOUS_EXCHANGE, "DescriptorOffer", "DescriptorAnswer"),
    *_bind("CONNECT_DIRECT_COST", RENDEZVOUS_EXCHANGE, "HandshakeInit", "HandshakeComplete"),
    *_bind("CONNECT_RELAY_COST", RELAYED_RENDEZVOUS, "RelayRequest", "RelayResponse"),
    *_bind("RELAY_FORWARD_COST", RELAYED_RENDEZVOUS, "RelayForward", "RelayComplete"),
)


@attrs.frozen
class CostMismatch:
    """One disagreement between a constant and an annotation (or a missing binding)."""

    constant: str | None
    choreography: str
    label: str
    constant_value: int | None
    annotated: int

    def __str__(self) -> str:
        where = f"{self.choreography}.{self.label} (annotated flow_cost={self.annotated})"
        if self.constant is None:
            return f"{where}: no cost constant is bound to this message"
        if self.constant_value is None:
            return f"{where}: constant {self.constant} is not defined"
        return f"{where}: {self.constant} = {self.constant_value}"


def check_cost_constants(
    constants: Mapping[str, int],
    choreographies: Sequence[Choreography] = CHOREOGRAPHIES,
    bindings: Sequence[CostBinding] = COST_BINDINGS,
) -> tuple[CostMismatch, ...]:
    """Every disagreement between ``constants`` and the annotations; empty when they agree."""
    mismatches: list[CostMismatch] = []
    by_message = {(b.choreography, b.label): b for b in bindings}
    for choreography in choreographies:
        for message in choreography.messages:
            binding = by_message.get((choreography.name, message.label))
            if binding is None:
                mismatches.append(
                    CostMismatch(None, choreography.name, message.label, None, message.flow_cost)
                )
                continue
            value = constants.get(binding.constant)
            if value != message.flow_cost:
                mismatches.append(
                    CostMismatch(
                        binding.constant,
                        choreography.name,
                        message.label,
                        value,
                        message.flow_cost,
                    )
                )
    return tuple(mismatches)


def require_costs_agree(
    constants: Mapping[str, int],
    choreographies: Sequence[Choreography] = CHOREOGRAPHIES,
    bindings: Sequence[CostBinding] = COST_BINDINGS,
) -> None:
    """Raise :class:`CostAnnotationMismatch` unless the constants agree with the annotations."""
    mismatches = check_cost_constants(constants, choreographies, bindings)
    if mismatches:
        raise CostAnnotationMismatch(mismatches)
