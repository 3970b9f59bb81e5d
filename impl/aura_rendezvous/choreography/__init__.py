"""The rendezvous choreographies (seed section 5) as data, their projections and monitors."""

from aura_rendezvous.choreography._costs_check import (
    COST_BINDINGS,
    CostAnnotationMismatch,
    CostBinding,
    CostMismatch,
    check_cost_constants,
    require_costs_agree,
)
from aura_rendezvous.choreography._model import Choreography, Leak, MessageSpec
from aura_rendezvous.choreography._monitor import MessageEvent, RoleMonitor, TraceMonitor
from aura_rendezvous.choreography._projection import (
    Direction,
    LocalAction,
    LocalProtocol,
    project,
    project_all,
)
from aura_rendezvous.choreography._protocols import (
    CHOREOGRAPHIES,
    RELAYED_RENDEZVOUS,
    RENDEZVOUS_EXCHANGE,
)

__all__ = [
    "CHOREOGRAPHIES",
    "COST_BINDINGS",
    "RELAYED_RENDEZVOUS",
    "RENDEZVOUS_EXCHANGE",
    "Choreography",
    "CostAnnotationMismatch",
    "CostBinding",
    "CostMismatch",
    "Direction",
    "Leak",
    "LocalAction",
    "LocalProtocol",
    "MessageEvent",
    "MessageSpec",
    "RoleMonitor",
    "TraceMonitor",
    "check_cost_constants",
    "project",
    "project_all",
    "require_costs_agree",
]
