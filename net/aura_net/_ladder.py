"""The priority ladder (seed 3): QUIC direct, QUIC reflexive, TCP direct, WebSocket relay.

Each rung is tried in order, for each hint of that kind in the peer's chosen
descriptor, with its own timeout; the first attempt that completes the Noise
handshake (key confirmation included) wins. Every attempt is reported: the
rung, its target, the outcome (``connected`` or the typed error's name), why,
and how long it took. A failed attempt is over for good (its handshake is
abandoned; the core times it out); the next rung starts a fresh handshake. The
relay rungs come last and are always tried when the descriptor names a relay,
so a failed STUN or a blocked direct path never prevents rendezvous.
"""

from __future__ import annotations

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

from aura_net._direct import DirectChannel, Limits
from aura_net._errors import GuardDenied
from aura_net._node import NetNode
from aura_net._quic import connect_quic
from aura_net._relay import RelayChannel, RelayClient
from aura_net._tcp import connect_tcp
from aura_net._wait import within

__all__ = [
    "DEFAULT_RUNG_TIMEOUTS",
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
"""Seconds each attempt of a rung may take, handshake included."""


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
        return self.attempts[-1].rung


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
) -> LadderResult:
    """Connect to ``peer`` by the first rung that completes the handshake.

    ``relays`` are this node's open relay connections, by relay authority.
    Raises :class:`LadderFailed` with every attempt if none connected.
    """
    timeouts = {**DEFAULT_RUNG_TIMEOUTS, **(timeouts or {})}
    relays = relays or {}
    attempts: list[Attempt] = []
    desc = node.service.get_cached_descriptor(context_id, peer, node.now_ms())
    hints: tuple[TransportHint, ...] = () if desc is None else desc.transport_hints
    for rung in RUNGS[:3]:
        for hint in hints:
            if type(hint).__name__ != rung:
                continue
            assert isinstance(hint, QuicDirect | QuicReflexive | TcpDirect)
            timeout = timeouts[rung]
            rung_limits = attrs.evolve(
                limits or Limits(), connect_timeout_s=timeout, frame_timeout_s=timeout
            )
            if isinstance(hint, TcpDirect):
                attempt = connect_tcp(node, context_id, peer, hint, rung_limits)
            else:
                attempt = connect_quic(node, context_id, peer, hint, rung_limits)
            started = time.monotonic()
            try:
                channel = await within(attempt, timeout, f"{rung} to {hint.addr}")
            except (AuraError, OSError) as exc:
                attempts.append(Attempt(rung, hint.addr, _outcome(exc), str(exc), _ms(started)))
                continue
            attempts.append(Attempt(rung, hint.addr, "connected", "", _ms(started)))
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


def _ms(started: float) -> float:
    return round((time.monotonic() - started) * 1000, 1)
