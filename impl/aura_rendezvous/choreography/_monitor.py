"""Runtime monitors: reject a message that the choreography does not allow next.

:class:`RoleMonitor` watches one role's local protocol (its projection) and
is what an implementation runs beside its own sends and receives.
:class:`TraceMonitor` watches the global message order, e.g. of two paired
services in a test. Both are sticky: after the first violation every further
event raises again, like h11's ``ERROR`` state, so a caller cannot carry on
from a half-checked position.
"""

from __future__ import annotations

import attrs

from aura_rendezvous.choreography._model import Choreography, MessageSpec
from aura_rendezvous.choreography._projection import Direction, LocalAction, project
from aura_rendezvous.core import ChoreographyViolation

__all__ = ["MessageEvent", "RoleMonitor", "TraceMonitor"]


@attrs.frozen
class MessageEvent:
    """A message seen on the wire: who sent what to whom, and with which guard annotations."""

    sender: str
    receiver: str
    label: str
    capability: str | None = None
    flow_cost: int | None = None


class _Sticky:
    def __init__(self) -> None:
        self._failed: ChoreographyViolation | None = None

    @property
    def failed(self) -> ChoreographyViolation | None:
        """The first violation seen, or ``None``."""
        return self._failed

    def _fail(self, kind: str, detail: str) -> ChoreographyViolation:
        self._failed = ChoreographyViolation(kind, detail)
        return self._failed

    def _check_alive(self) -> None:
        if self._failed is not None:
            raise ChoreographyViolation(
                "AfterViolation", f"monitor already failed ({self._failed})"
            )


def _check_annotations(
    expected_capability: str | None,
    expected_cost: int,
    event_capability: str | None,
    event_cost: int | None,
) -> str | None:
    if event_capability is not None and event_capability != expected_capability:
        return f"capability {event_capability!r}, annotation says {expected_capability!r}"
    if event_cost is not None and event_cost != expected_cost:
        return f"flow cost {event_cost}, annotation says {expected_cost}"
    return None


class RoleMonitor(_Sticky):
    """Checks one role's sends and receives against its projection."""

    def __init__(self, choreography: Choreography, role: str) -> None:
        super().__init__()
        self.choreography = choreography
        self.role = role
        self.protocol = project(choreography, role)
        self._position = 0

    @property
    def done(self) -> bool:
        """True once every action of the projection has happened."""
        return self._failed is None and self._position == len(self.protocol.actions)

    @property
    def expected(self) -> LocalAction | None:
        """The next action the role may take, or ``None`` at the end."""
        if self._position < len(self.protocol.actions):
            return self.protocol.actions[self._position]
        return None

    def sent(
        self,
        to: str,
        label: str,
        capability: str | None = None,
        flow_cost: int | None = None,
    ) -> LocalAction:
        """Record that this role sent ``label`` to ``to``; raise if that is not next."""
        return self._step(Direction.Send, to, label, capability, flow_cost)

    def received(self, sender: str, label: str) -> LocalAction:
        """Record that this role received ``label`` from ``sender``; raise if not next."""
        return self._step(Direction.Recv, sender, label, None, None)

    def _step(
        self,
        direction: Direction,
        peer: str,
        label: str,
        capability: str | None,
        flow_cost: int | None,
    ) -> LocalAction:
        self._check_alive()
        here = f"{self.protocol.choreography}@{self.role}"
        known = {m.label for m in self.choreography.messages}
        if label not in known:
            raise self._fail("UnknownMessage", f"{here}: {label} is not in the protocol")
        expected = self.expected
        if expected is None:
            raise self._fail("AfterEnd", f"{here}: {label} after the protocol ended")
        if expected.label != label:
            raise self._fail("OutOfOrder", f"{here}: got {label}, expected {expected}")
        if expected.direction is not direction:
            raise self._fail(
                "WrongDirection",
                f"{here}: {label} must be {expected.direction.value}, not {direction.value}",
            )
        if expected.peer != peer:
            raise self._fail("WrongPeer", f"{here}: {label} peer is {expected.peer}, not {peer}")
        mismatch = _check_annotations(
            expected.capability, expected.flow_cost, capability, flow_cost
        )
        if mismatch is not None:
            raise self._fail("WrongAnnotation", f"{here}: {label}: {mismatch}")
        self._position += 1
        return expected


class TraceMonitor(_Sticky):
    """Checks a global sequence of messages against the choreography's order."""

    def __init__(self, choreography: Choreography) -> None:
        super().__init__()
        self.choreography = choreography
        self._position = 0

    @property
    def done(self) -> bool:
        return self._failed is None and self._position == len(self.choreography.messages)

    def observe(self, event: MessageEvent) -> MessageSpec:
        """Accept ``event`` if it is the next message of the choreography, else raise."""
        self._check_alive()
        name = self.choreography.name
        labels = {m.label for m in self.choreography.messages}
        if event.label not in labels:
            raise self._fail("UnknownMessage", f"{name}: {event.label} is not in the protocol")
        if self._position >= len(self.choreography.messages):
            raise self._fail("AfterEnd", f"{name}: {event.label} after the protocol ended")
        expected = self.choreography.messages[self._position]
        if expected.label != event.label:
            raise self._fail("OutOfOrder", f"{name}: got {event.label}, expected {expected.label}")
        if (event.sender, event.receiver) != (expected.sender, expected.receiver):
            raise self._fail(
                "WrongSender",
                f"{name}: {event.label} goes {expected.sender}->{expected.receiver}, "
                f"not {event.sender}->{event.receiver}",
            )
        mismatch = _check_annotations(
            expected.capability, expected.flow_cost, event.capability, event.flow_cost
        )
        if mismatch is not None:
            raise self._fail("WrongAnnotation", f"{name}: {event.label}: {mismatch}")
        self._position += 1
        return expected
