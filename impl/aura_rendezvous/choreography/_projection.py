"""Projection of a global choreography onto one role's local protocol.

The choreographies of the seed are linear (no choice, no recursion), so the
projection of role ``r`` is the ordered list of the steps ``r`` takes part in:
a ``Send`` where ``r`` is the sender, a ``Recv`` where it is the receiver. The
annotations stay on the sender's side, because the guard chain and the budget
run where the message leaves.
"""

from __future__ import annotations

import enum

import attrs

from aura_rendezvous.choreography._model import Choreography, Leak

__all__ = ["Direction", "LocalAction", "LocalProtocol", "project", "project_all"]


class Direction(enum.Enum):
    Send = "Send"
    Recv = "Recv"


@attrs.frozen
class LocalAction:
    """One step of a role: send to / receive from ``peer`` the message ``label``."""

    direction: Direction
    peer: str
    label: str
    capability: str | None
    flow_cost: int
    journal_facts: tuple[str, ...]
    leaks: tuple[Leak, ...]

    def __str__(self) -> str:
        arrow = "!" if self.direction is Direction.Send else "?"
        return f"{self.peer}{arrow}{self.label}"


@attrs.frozen
class LocalProtocol:
    """The projection of a choreography on ``role``."""

    choreography: str
    role: str
    actions: tuple[LocalAction, ...]

    def total_send_cost(self) -> int:
        """The flow budget this role spends when the protocol runs to its end."""
        return sum(a.flow_cost for a in self.actions if a.direction is Direction.Send)


def project(choreography: Choreography, role: str) -> LocalProtocol:
    """Project ``choreography`` on ``role``; :class:`ValueError` for an unknown role."""
    if role not in choreography.roles:
        raise ValueError(f"{choreography.name} has no role {role!r}")
    actions: list[LocalAction] = []
    for m in choreography.messages:
        if m.sender == role:
            actions.append(
                LocalAction(
                    Direction.Send,
                    m.receiver,
                    m.label,
                    m.capability,
                    m.flow_cost,
                    m.journal_facts,
                    m.leaks,
                )
            )
        elif m.receiver == role:
            actions.append(LocalAction(Direction.Recv, m.sender, m.label, None, 0, (), ()))
    return LocalProtocol(choreography.name, role, tuple(actions))


def project_all(choreography: Choreography) -> dict[str, LocalProtocol]:
    """Every role's projection, keyed by role."""
    return {role: project(choreography, role) for role in choreography.roles}
