"""The network profile's backend: the relay world on sockets, served like any backend.

The state machine, the abstraction function and the checker are the relay
path's (:mod:`aura_conformance.relay`): the same rules, each step validated
against Rendezvous.tla's relay path. Only the delivery differs: every message
crosses a loopback socket of the chosen transport (:data:`TRANSPORTS`). A
message that does not arrive is a :class:`TransportFault`: an error of the
run, never a verdict.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aura_conformance.harness.backend import Handler, Reply, WorldBackend
from aura_conformance.harness.errors import BackendError
from aura_conformance.harness.result import ConformanceResult
from aura_conformance.network.carriers import TRANSPORTS
from aura_conformance.network.lifecycle import close_on_loop, init_on_loop, run_over_transports
from aura_conformance.network.loop import LoopThread
from aura_conformance.network.world import NetworkRelayWorld
from aura_conformance.relay import (
    ACTION_TABLE,
    RELAY_PATH,
    RELAY_VARIANTS,
    RelayBackend,
    RelayWorld,
    message_key,
    project_relay,
    run_relay_conformance,
)

__all__ = [
    "DEFAULT_TIMEOUT_S",
    "NETWORK_ACTIONS",
    "NetworkRelayBackend",
    "run_network_conformance",
]

DEFAULT_TIMEOUT_S = 30.0
"""The safety net of each wait on the network (a connect, one message's crossing).
Generous: a QUIC connect is a TLS handshake in Python, seconds of wall time on a
loaded machine, and a timeout is an error, never a verdict; the CLI's
``--timeout`` (default 10) sets it per run."""


def _replay_envelope(w: RelayWorld, args: Mapping[str, Any], now: int) -> str:
    if not isinstance(w, NetworkRelayWorld):
        raise BackendError("ReplayEnvelope over the network needs a networked world")
    key = message_key(args.get("m"))
    if key not in w.msgs:
        raise BackendError(f"no message {key} was sent")
    return w.replay_envelope(key)


# The relay path's table; only the attacker's replay differs: it goes over the wire.
NETWORK_ACTIONS: dict[str, Handler[RelayWorld]] = {
    **ACTION_TABLE,
    "ReplayEnvelope": _replay_envelope,
}


class NetworkRelayBackend(RelayBackend):
    """The relay world of the reference (or a variant) with its messages over
    ``transport`` on loopback; :meth:`close` stops its sockets and its loop."""

    world: NetworkRelayWorld

    def __init__(
        self,
        variant: str = "ref",
        transport: str = "TcpDirect",
        *,
        timeout_s: float = DEFAULT_TIMEOUT_S,
    ) -> None:
        if variant not in RELAY_VARIANTS:
            known = ", ".join(RELAY_VARIANTS)
            raise BackendError(f"unknown variant {variant!r}; known: {known}")
        if transport not in TRANSPORTS:
            raise BackendError(f"unknown transport {transport!r}; known: {', '.join(TRANSPORTS)}")
        self.variant = RELAY_VARIANTS[variant]
        self.transport = transport
        self.timeout_s = timeout_s
        self.loop = LoopThread()
        # RelayBackend's own constructor builds an in-memory world: skip to its base.
        init_on_loop(
            self.loop,
            lambda: WorldBackend.__init__(
                self,
                f"relay:{variant} over {transport}",
                RELAY_PATH,
                new_world=self._new_network_world,
                project=project_relay,
                actions=NETWORK_ACTIONS,
            ),
        )

    def _new_network_world(self) -> NetworkRelayWorld:
        return NetworkRelayWorld(self.variant, self.loop, self.transport, self.timeout_s)

    def request(self, action: str, args: Mapping[str, Any], now: int) -> Reply:
        if action == "Reset":
            self.world.close()  # the previous world's sockets, before the next one's
        return super().request(action, args, now)

    def close(self) -> None:
        close_on_loop(self.world, self.loop)


def run_network_conformance(
    variant: str = "ref",
    transports: tuple[str, ...] = TRANSPORTS,
    *,
    examples: int = 10,
    seed: int | None = 0,
    steps: int = 15,
    timeout_s: float = DEFAULT_TIMEOUT_S,
) -> list[tuple[str, ConformanceResult]]:
    """The relay path's directed scenarios and random runs, once over each transport."""
    return run_over_transports(
        transports,
        lambda transport: NetworkRelayBackend(variant, transport, timeout_s=timeout_s),
        lambda backend: run_relay_conformance(backend, examples=examples, seed=seed, steps=steps),
    )
