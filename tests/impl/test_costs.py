"""Cost constants agree with the choreography annotations (the documented rule)."""

from __future__ import annotations

import pytest
from aura_rendezvous import (
    CONNECT_DIRECT_COST,
    CONNECT_RELAY_COST,
    DESCRIPTOR_PUBLISH_COST,
    RELAY_FORWARD_COST,
)
from aura_rendezvous.choreography import CostAnnotationMismatch, require_costs_agree
from aura_rendezvous.core import COST_CONSTANTS


def test_constants_agree_with_annotations() -> None:
    """Each constant is its message's annotated flow_cost (charged to that sender)."""
    require_costs_agree(COST_CONSTANTS)
    assert (DESCRIPTOR_PUBLISH_COST, CONNECT_DIRECT_COST) == (1, 2)
    assert (CONNECT_RELAY_COST, RELAY_FORWARD_COST) == (2, 1)


def test_seed_relay_constant_is_caught() -> None:
    """Counterpart: the seed's CONNECT_RELAY_COST = 3 (the path total) disagrees."""
    seed = dict(COST_CONSTANTS, CONNECT_RELAY_COST=3)
    with pytest.raises(CostAnnotationMismatch, match="CONNECT_RELAY_COST = 3"):
        require_costs_agree(seed)
