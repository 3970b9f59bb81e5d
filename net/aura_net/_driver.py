"""The driver: the shell's loop that acts on what the core's one timer reports.

The core decides when something is due; the driver does it, through the guard
chain like any call:

- :class:`~aura_rendezvous.DescriptorRefreshDue` (our descriptor nears its
  ``valid_until``, or commits to an older epoch's PSK): publish a successor
  with the same hints, then sync it to the other members.
- An epoch advance (:meth:`Driver.advance_epoch`): every channel we initiated
  that the advance left ``Rotating`` is rekeyed, a new IKpsk2 handshake under
  the new epoch's PSK (DESIGN.md 5; seed 9.4). Only the initiator of a channel
  rekeys it, so the two ends never race two handshakes for one channel. The
  peer's descriptor must commit to the new epoch first (the guard chain denies
  ``PskCommitmentMismatch`` until then), so a rekey that cannot start yet stays
  pending and is tried again after the next sync.
- :class:`~aura_rendezvous.HandshakeTimedOut`: reported (the connect that
  started it has already given up on it).

:meth:`Driver.tick` does one round at an instant the caller gives (tests pass
``now_ms`` and never sleep for a verdict); :meth:`Driver.run` is the same
round driven by :meth:`NetNode.run_timer` in production. Every round returns,
and puts on ``actions``, what it did.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence

import attrs
from aura_rendezvous import (
    AuraError,
    AuthorityId,
    ContextId,
    DescriptorRefreshDue,
    HandshakeTimedOut,
    TimerEvent,
    TransportHint,
)

from aura_net._direct import DirectChannel
from aura_net._node import NetNode
from aura_net._relay import RelayChannel

__all__ = ["Channel", "Driver", "DriverAction"]

Channel = DirectChannel | RelayChannel
Connect = Callable[[ContextId, AuthorityId], Awaitable[Channel]]
Sync = Callable[[ContextId], Awaitable[object]]

_RETRY_S = 1.0
"""How often :meth:`Driver.run` tries a pending rekey again when no timer fires
(a peer's new descriptor arrives by sync, which no timer of ours announces)."""


@attrs.frozen
class DriverAction:
    """One thing the driver did: ``kind`` is ``republished``, ``synced``, ``rekeyed``,
    ``rekey-pending`` (not possible yet; ``detail`` says why), ``sync-failed``
    or ``timed-out``."""

    kind: str
    context_id: ContextId
    peer: AuthorityId | None = None
    detail: str = ""


class Driver:
    """One authority's driver. ``hints`` are what it publishes per context,
    ``connect`` opens a channel (the ladder, usually), ``sync`` carries its journal
    to the other members (``sync_with`` a member's listener, usually)."""

    def __init__(
        self,
        node: NetNode,
        *,
        hints: Mapping[ContextId, Sequence[TransportHint]],
        connect: Connect,
        sync: Sync | None = None,
        retry_s: float = _RETRY_S,
    ) -> None:
        self.node = node
        self.hints = {c: tuple(h) for c, h in hints.items()}
        self._connect = connect
        self._sync = sync
        self.retry_s = retry_s
        self.channels: dict[tuple[ContextId, AuthorityId], Channel] = {}
        self.pending_rekeys: set[tuple[ContextId, AuthorityId]] = set()
        self.actions: asyncio.Queue[DriverAction] = asyncio.Queue()

    async def connect(self, context_id: ContextId, peer: AuthorityId) -> Channel:
        """Open a channel with ``peer``; the driver rekeys it on each epoch advance."""
        channel = await self._connect(context_id, peer)
        self.channels[(context_id, peer)] = channel
        return channel

    def advance_epoch(self, context_id: ContextId, epoch: int) -> tuple[AuthorityId, ...]:
        """Move ``context_id`` to ``epoch`` (the core's explicit epoch change); the
        peers whose channel we initiated now wait for a rekey. The refresh the core
        now reports (our descriptor commits to the old PSK) is due at once."""
        rotating = self.node.service.advance_epoch(context_id, epoch)
        ours = [p for p in rotating if (context_id, p) in self.channels]
        self.pending_rekeys.update((context_id, p) for p in ours)
        self.node.wake()
        return tuple(ours)

    async def tick(self, now_ms: int | None = None) -> list[DriverAction]:
        """One round at ``now_ms`` (the node's clock if None): the core's due events,
        then every pending rekey."""
        now = self.node.now_ms() if now_ms is None else now_ms
        return await self.handle(self.node.service.handle_timer(now))

    async def handle(self, events: Iterable[TimerEvent]) -> list[DriverAction]:
        """Act on ``events``, then try the pending rekeys; what was done."""
        done: list[DriverAction] = []
        refreshed: set[ContextId] = set()
        for event in events:
            if isinstance(event, DescriptorRefreshDue):
                done.append(self._republish(event.context_id))
                refreshed.add(event.context_id)
            elif isinstance(event, HandshakeTimedOut):
                detail = f"{event.role.value} handshake"
                done.append(DriverAction("timed-out", event.context_id, event.peer, detail))
        to_sync = refreshed | {c for c, _ in self.pending_rekeys}
        for context_id in sorted(to_sync, key=lambda c: c.value):
            done.extend(await self._synced(context_id))
        for context_id, peer in sorted(self.pending_rekeys, key=lambda k: (k[0].value, k[1].value)):
            done.append(await self._rekey(context_id, peer))
        for action in done:
            self.actions.put_nowait(action)
        return done

    async def run(self) -> None:
        """Act on the core's timer until cancelled (it runs ``node.run_timer`` itself)."""
        timer = asyncio.create_task(self.node.run_timer())
        try:
            while True:
                try:
                    first = await asyncio.wait_for(self.node.timer_events.get(), self.retry_s)
                except TimeoutError:
                    if self.pending_rekeys:
                        await self.handle(())
                    continue
                events = [first]
                while not self.node.timer_events.empty():
                    events.append(self.node.timer_events.get_nowait())
                await self.handle(events)
        finally:
            timer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await timer

    def _republish(self, context_id: ContextId) -> DriverAction:
        hints = self.hints.get(context_id, ())
        self.node.publish(context_id, hints)
        names = ", ".join(type(h).__name__ for h in hints)
        return DriverAction(
            "republished", context_id, detail=f"epoch {self.node.epoch(context_id)}: {names}"
        )

    async def _synced(self, context_id: ContextId) -> list[DriverAction]:
        if self._sync is None:
            return []
        try:
            await self._sync(context_id)
        except (AuraError, OSError) as exc:
            return [DriverAction("sync-failed", context_id, detail=f"{type(exc).__name__}: {exc}")]
        return [DriverAction("synced", context_id)]

    async def _rekey(self, context_id: ContextId, peer: AuthorityId) -> DriverAction:
        try:
            channel = await self._connect(context_id, peer)
        except (AuraError, OSError) as exc:
            return DriverAction("rekey-pending", context_id, peer, f"{type(exc).__name__}: {exc}")
        old = self.channels.get((context_id, peer))
        self.channels[(context_id, peer)] = channel
        self.pending_rekeys.discard((context_id, peer))
        if isinstance(old, DirectChannel):
            # The Rotating channel seals nothing more: its stream is of no further use.
            with contextlib.suppress(AuraError, OSError):
                await old.close()
        return DriverAction("rekeyed", context_id, peer, f"epoch {self.node.epoch(context_id)}")
