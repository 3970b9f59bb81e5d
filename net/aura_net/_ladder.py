"""The priority ladder (seed 3): QUIC direct, QUIC reflexive, TCP direct, WebSocket relay.

Each hint of the peer's chosen descriptor is an attempt of its rung, in the
ladder's order, with its own timeout; the first attempt that completes the
Noise handshake (key confirmation included) wins. The direct attempts race
with a stagger, happy-eyeballs style (:class:`_DirectRace`): a blocked QUIC
path costs the head start, not its whole timeout, and among transports that
are up the ladder's order decides. Every attempt is reported in the ladder's
order: the rung, its target, the outcome (``connected``, ``Superseded`` or the
typed error's name), why, and how long it took. A failed attempt is over for
good (its handshake is abandoned; the core times it out); the next starts a
fresh handshake. The relay rungs come last, one after the other, and are
always tried when the descriptor names a relay, so a failed STUN or a blocked
direct path never prevents rendezvous.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Mapping

import attrs
from aura_rendezvous import (
    AuraError,
    AuthorityId,
    ContextId,
    QuicDirect,
    QuicReflexive,
    TcpDirect,
    TransportHint,
)

from aura_net._direct import (
    DirectChannel,
    DirectHint,
    FramedConnection,
    Limits,
    PreparedDirect,
    initiate,
    prepare_direct,
)
from aura_net._errors import GuardDenied
from aura_net._node import NetNode
from aura_net._quic import open_quic
from aura_net._relay import RelayChannel, RelayClient
from aura_net._tcp import open_tcp
from aura_net._wait import within

__all__ = [
    "DEFAULT_RUNG_TIMEOUTS",
    "DEFAULT_STAGGER_S",
    "RUNGS",
    "Attempt",
    "LadderFailed",
    "LadderResult",
    "connect_ladder",
]

RUNGS = ("QuicDirect", "QuicReflexive", "TcpDirect", "WebSocketRelay")

DEFAULT_RUNG_TIMEOUTS: Mapping[str, float] = {
    "QuicDirect": 3.0,
    "QuicReflexive": 3.0,
    "TcpDirect": 5.0,
    "WebSocketRelay": 10.0,
}
"""Seconds each attempt of a rung may take: its connect, and its handshake again."""

DEFAULT_STAGGER_S = 0.25
"""A direct attempt's head start over the next (RFC 8305's connection attempt delay)."""


@attrs.frozen
class Attempt:
    rung: str
    target: str
    outcome: str
    detail: str
    elapsed_ms: float

    @property
    def connected(self) -> bool:
        return self.outcome == "connected"


@attrs.frozen
class LadderResult:
    channel: DirectChannel | RelayChannel
    attempts: tuple[Attempt, ...]

    @property
    def rung(self) -> str:
        """The rung that connected."""
        return next(a.rung for a in self.attempts if a.connected)


class LadderFailed(AuraError):
    """No rung completed a handshake; ``attempts`` says what each one did."""

    def __init__(self, attempts: tuple[Attempt, ...]) -> None:
        summary = "; ".join(f"{a.rung} {a.target}: {a.outcome}" for a in attempts) or "no rung"
        super().__init__(f"no transport connected ({summary})")
        self.attempts = attempts


def _outcome(exc: BaseException) -> str:
    if isinstance(exc, GuardDenied):
        return f"GuardDenied({exc.reason.value})"
    return type(exc).__name__


async def connect_ladder(
    node: NetNode,
    context_id: ContextId,
    peer: AuthorityId,
    *,
    relays: Mapping[AuthorityId, RelayClient] | None = None,
    timeouts: Mapping[str, float] | None = None,
    limits: Limits | None = None,
    stagger_s: float = DEFAULT_STAGGER_S,
) -> LadderResult:
    """Connect to ``peer`` by the first rung that completes the handshake.

    ``relays`` are this node's open relay connections, by relay authority.
    ``stagger_s`` is each direct attempt's head start over the next (``0``:
    all at once; a rung's timeout or more: one after the other).
    Raises :class:`LadderFailed` with every attempt if none connected.
    """
    timeouts = {**DEFAULT_RUNG_TIMEOUTS, **(timeouts or {})}
    relays = relays or {}
    attempts: list[Attempt] = []
    desc = node.service.get_cached_descriptor(context_id, peer, node.now_ms())
    hints: tuple[TransportHint, ...] = () if desc is None else desc.transport_hints
    direct: list[tuple[str, DirectHint]] = [
        (rung, hint)
        for rung in RUNGS[:3]
        for hint in hints
        if type(hint).__name__ == rung and isinstance(hint, QuicDirect | QuicReflexive | TcpDirect)
    ]
    race = _DirectRace(
        node,
        context_id,
        peer,
        direct,
        timeouts=timeouts,
        limits=limits or Limits(),
        stagger_s=stagger_s,
    )
    channel = await race.run()
    attempts.extend(race.report())
    if channel is not None:
        return LadderResult(channel, tuple(attempts))
    tried: list[AuthorityId] = []
    for relay in node.service.relays_for(context_id, peer, node.now_ms()):
        started = time.monotonic()
        client = relays.get(relay)
        target = relay.value.hex()[:16]
        if client is None:
            attempts.append(Attempt("WebSocketRelay", target, "NotConnected", "", 0.0))
            tried.append(relay)
            continue
        timeout = timeouts["WebSocketRelay"]
        try:
            relayed = await client.connect_peer(context_id, peer, timeout, exclude=tried)
        except (AuraError, OSError) as exc:
            attempts.append(
                Attempt("WebSocketRelay", target, _outcome(exc), str(exc), _ms(started))
            )
            tried.append(relay)
            continue
        attempts.append(Attempt("WebSocketRelay", target, "connected", "", _ms(started)))
        return LadderResult(relayed, tuple(attempts))
    raise LadderFailed(tuple(attempts))


class _DirectRace:
    """The direct rungs, raced with a stagger (RFC 8305's connection attempt delay).

    The guard chain runs once before any socket opens: a deny reports every
    direct attempt as denied and opens none. Then attempt ``i`` starts
    ``stagger_s`` after attempt ``i - 1``, or at once when every earlier one has
    failed. As connections come up, the handshake runs on the one of highest
    priority among those up (a tie goes to the ladder's order); if it fails, on
    the next. The core keeps one pending handshake per peer, so only the
    transports race, never two handshakes. Attempts still in flight when one
    wins are cancelled and reported ``Superseded``.
    """

    def __init__(
        self,
        node: NetNode,
        context_id: ContextId,
        peer: AuthorityId,
        candidates: list[tuple[str, DirectHint]],
        *,
        timeouts: Mapping[str, float],
        limits: Limits,
        stagger_s: float,
    ) -> None:
        self.node, self.context_id, self.peer = node, context_id, peer
        self.candidates = candidates
        self.timeouts = timeouts
        self.limits = limits
        self.stagger_s = stagger_s
        self.results: dict[int, Attempt] = {}
        self.started: dict[int, float] = {}
        self.tasks: dict[asyncio.Task[FramedConnection], int] = {}
        self.connected: dict[int, FramedConnection] = {}
        self.next = 0
        self.last_start = 0.0
        self.start: PreparedDirect | None = None

    def report(self) -> list[Attempt]:
        return [self.results[i] for i in sorted(self.results)]

    def _record(self, i: int, outcome: str, detail: str = "") -> None:
        rung, hint = self.candidates[i]
        self.results[i] = Attempt(rung, hint.addr, outcome, detail, _ms(self.started[i]))

    def _limits(self, rung: str) -> Limits:
        t = self.timeouts[rung]
        return attrs.evolve(self.limits, connect_timeout_s=t, frame_timeout_s=t)

    def _launch(self) -> None:
        i = self.next
        self.next += 1
        rung, hint = self.candidates[i]
        limits = self._limits(rung)
        opener = open_tcp(hint, limits) if isinstance(hint, TcpDirect) else open_quic(hint, limits)
        task = asyncio.ensure_future(within(opener, self.timeouts[rung], f"{rung} to {hint.addr}"))
        self.tasks[task] = i
        self.started[i] = time.monotonic()
        self.last_start = asyncio.get_running_loop().time()

    async def run(self) -> DirectChannel | None:
        if not self.candidates:
            return None
        try:
            self.start = prepare_direct(
                self.node, self.context_id, self.peer, self.candidates[0][1]
            )
        except AuraError as exc:
            for i in range(len(self.candidates)):
                self.started[i] = time.monotonic()
                self._record(i, _outcome(exc), str(exc))
            return None
        try:
            return await self._race()
        finally:
            self._stop_the_rest()

    async def _race(self) -> DirectChannel | None:
        loop = asyncio.get_running_loop()
        self._launch()
        while self.tasks or self.connected or self.next < len(self.candidates):
            if self.connected:
                channel = await self._handshake(min(self.connected))
                if channel is not None:
                    return channel
                continue
            if not self.tasks:
                self._launch()  # every earlier attempt failed: no reason to wait
                continue
            wait = None
            if self.next < len(self.candidates):
                wait = max(0.0, self.last_start + self.stagger_s - loop.time())
            done, _ = await asyncio.wait(
                self.tasks, timeout=wait, return_when=asyncio.FIRST_COMPLETED
            )
            if not done:
                self._launch()  # the head start is over
                continue
            for task in done:
                i = self.tasks.pop(task)
                exc = task.exception()
                if exc is None:
                    self.connected[i] = task.result()
                elif isinstance(exc, AuraError | OSError):
                    self._record(i, _outcome(exc), str(exc))
                else:
                    raise exc
        return None

    async def _handshake(self, i: int) -> DirectChannel | None:
        conn = self.connected.pop(i)
        rung, hint = self.candidates[i]
        try:
            start = self.start
            self.start = None
            if start is None or i != 0:
                # A fresh handshake for this rung (it replaces the unsent one).
                start = prepare_direct(self.node, self.context_id, self.peer, hint)
        except AuraError as exc:
            await conn.close()
            self._record(i, _outcome(exc), str(exc))
            return None
        try:
            channel = await within(
                initiate(self.node, start, conn, rung),
                self.timeouts[rung],
                f"handshake over {rung} to {hint.addr}",
            )
        except (AuraError, OSError) as exc:
            self._record(i, _outcome(exc), str(exc))
            return None
        self._record(i, "connected")
        return channel

    def _stop_the_rest(self) -> None:
        """Report what did not win and release it. A cancelled QUIC connect takes a
        while to close (it drains): that happens in the background, so the winner
        is not kept waiting for the losers."""
        for task, i in self.tasks.items():
            # What ended on its own while the winner's handshake ran keeps its outcome.
            exc = task.exception() if task.done() and not task.cancelled() else None
            if exc is not None:
                self._record(i, _outcome(exc), str(exc))
            else:
                self._record(i, "Superseded", "another rung connected first")
                task.cancel()
        for i in self.connected:
            self._record(i, "Superseded", "another rung connected first")
        cleanup = asyncio.ensure_future(_release(list(self.tasks), list(self.connected.values())))
        _RELEASING.add(cleanup)
        cleanup.add_done_callback(_RELEASING.discard)
        self.tasks.clear()
        self.connected.clear()


_RELEASING: set[asyncio.Future[None]] = set()
"""Losers being released in the background (kept so none is collected mid-way)."""


async def _release(
    tasks: list[asyncio.Task[FramedConnection]], conns: list[FramedConnection]
) -> None:
    outcomes = await asyncio.gather(*tasks, return_exceptions=True)
    conns += [o for o in outcomes if isinstance(o, FramedConnection)]
    for conn in conns:
        with contextlib.suppress(AuraError, OSError):
            await conn.close()


def _ms(started: float) -> float:
    return round((time.monotonic() - started) * 1000, 1)
