"""``NetNode``: one authority's sans-IO core with its ports, as the asyncio layer drives it.

The node owns what the core leaves to its caller: the budget store, the receipt
issuer, the interpreter (whose outbox collects the sends of one outcome), the
capabilities its snapshots hold, and the clock. Transports call :meth:`run`
with an outcome and write the sends it returns; a deny raises
:class:`GuardDenied` before anything is written, so no transport sends a byte
for it. :meth:`run_timer` is the one timer: it sleeps until the core's
``next_deadline()`` and hands the events of ``handle_timer`` to ``timer_events``.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence

from aura_rendezvous import (
    AuthorityId,
    ContextId,
    Denied,
    EffectInterpreter,
    ExecutionStatus,
    FlowBudgetStore,
    GuardOutcome,
    GuardSnapshot,
    LocalProtocolError,
    ReceiptIssuer,
    RendezvousService,
    SendEffect,
    TimerEvent,
    TransportHint,
)

from aura_net._errors import GuardDenied

__all__ = ["NetNode", "wall_clock_ms"]


def wall_clock_ms() -> int:
    """Descriptors' validity windows and message 1's stamps are compared across
    authorities: the shell's clock is the wall clock."""
    return time.time_ns() // 1_000_000


class NetNode:
    """One authority on the network: its service, ports, capabilities and clock."""

    def __init__(
        self,
        service: RendezvousService,
        *,
        capabilities: frozenset[str],
        budget_limit: int,
        relay_urls: dict[AuthorityId, str] | None = None,
        clock: Callable[[], int] = wall_clock_ms,
    ) -> None:
        self.service = service
        self.id = service.authority_id
        self.capabilities = frozenset(capabilities)
        self.budget = FlowBudgetStore({}, default_limit=budget_limit)
        self.issuer = ReceiptIssuer(service.config.keys)
        # Where each relay authority listens: a WebSocketRelay hint names only the relay.
        self.relay_urls = dict(relay_urls or {})
        self.clock = clock
        self._outbox: list[SendEffect] = []
        self.interpreter = EffectInterpreter(
            self.id,
            self.budget,
            service.journals,
            self.issuer,
            self._outbox.append,
            channels=service.channel_endpoint,
            verifiers=service.receipt_verifiers,
            forwards=service.forwarded,
        )
        self.timer_events: asyncio.Queue[TimerEvent] = asyncio.Queue()
        self._rearm = asyncio.Event()

    def now_ms(self) -> int:
        return self.clock()

    def epoch(self, context_id: ContextId) -> int:
        return self.service.current_epoch(context_id)

    def snapshot(self, context_id: ContextId) -> GuardSnapshot:
        """Our own view now: remaining budget and capabilities at the context's epoch."""
        epoch = self.epoch(context_id)
        remaining = self.budget.remaining(context_id, self.id, epoch)
        return GuardSnapshot(self.id, context_id, remaining, self.capabilities, epoch)

    def psk(self, context_id: ContextId) -> bytes:
        membership = self.service.membership(context_id)
        if membership is None:
            raise LocalProtocolError(f"{self.id} is not in {context_id}")
        return membership.handshake_psk(self.epoch(context_id))

    def run(self, outcome: GuardOutcome) -> list[SendEffect]:
        """Commit ``outcome``; the sends to write. A deny raises :class:`GuardDenied`
        and a rolled-back outcome ``LocalProtocolError``: no send for either."""
        if isinstance(outcome.decision, Denied):
            raise GuardDenied(outcome.decision.reason)
        self._outbox.clear()
        result = self.interpreter.execute(outcome)
        sends, self._outbox[:] = list(self._outbox), []
        self._rearm.set()  # the step may have moved the core's next deadline
        if result.status is not ExecutionStatus.Committed:
            raise LocalProtocolError(f"outcome {result.status.value}: {result.error}")
        return sends

    def publish(self, context_id: ContextId, hints: Sequence[TransportHint]) -> None:
        """Publish a descriptor with ``hints`` (a journal fact; sync carries it)."""
        self.run(
            self.service.prepare_publish_descriptor(
                self.snapshot(context_id), context_id, hints, self.now_ms()
            )
        )

    def wake(self) -> None:
        """Re-read the core's deadline now (after a change the timer cannot see,
        such as an epoch advance or a clock that jumped)."""
        self._rearm.set()

    async def run_timer(self) -> None:
        """The shell's one timer (cancel the task to stop it)."""
        while True:
            self._rearm.clear()
            deadline = self.service.next_deadline()
            delay = None if deadline is None else max(0.0, (deadline - self.now_ms()) / 1000)
            try:
                await asyncio.wait_for(self._rearm.wait(), delay)
                continue
            except TimeoutError:
                pass
            for event in self.service.handle_timer(self.now_ms()):
                self.timer_events.put_nowait(event)
