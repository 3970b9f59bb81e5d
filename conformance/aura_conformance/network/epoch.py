"""EpochRotation.tla's direct handshakes with every delivery on a real socket.

:class:`NetworkEpochWorld` is the epoch-rotation world (the same two channel
managers, the same variants, the same message records) whose every delivery
crosses a loopback socket of its :class:`~aura_conformance.network.carriers.Carrier`
before the receiver consumes it: message 1, message 2, the key confirmation
and each data message travel as a :class:`~aura_net.WireFrame`, sealed under
the context as aura_net's direct path seals it, over TCP direct or a QUIC
stream, and the manager is handed the Noise bytes its listener read
off the wire, not the sender's object. A replay is a second crossing of the
same bytes; the attacker's messages (a message 1 under a retired PSK or an
impostor's key, a rewritten header, a forged message 2) go out on the link of
the authority they claim to come from, as an on-path attacker's would.
Every step is validated against EpochRotation.tla as in process.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aura_net import Limits, WireFrame
from aura_rendezvous import RelayEnvelope

from aura_conformance.epoch_rotation import (
    ACTION_TABLE,
    EPOCH_ROTATION,
    EPOCH_VARIANTS,
    EpochBackend,
    EpochVariant,
    EpochWorld,
    project_epoch_rotation,
    run_epoch_conformance,
)
from aura_conformance.epoch_rotation.world import RESP
from aura_conformance.harness.backend import Reply, WorldBackend
from aura_conformance.harness.errors import BackendError
from aura_conformance.harness.result import ConformanceResult
from aura_conformance.network.backend import DEFAULT_TIMEOUT_S
from aura_conformance.network.carriers import Carrier
from aura_conformance.network.lifecycle import close_on_loop, init_on_loop, run_over_transports
from aura_conformance.network.loop import LoopThread, setup_wait

__all__ = [
    "EPOCH_TRANSPORTS",
    "NetworkEpochBackend",
    "NetworkEpochWorld",
    "run_network_epoch_conformance",
]

EPOCH_TRANSPORTS = ("TcpDirect", "QuicDirect")
"""EpochRotation.tla's handshakes are direct: they run over the direct rungs."""

_DEFAULT_TIMEOUT_S = DEFAULT_TIMEOUT_S


class NetworkEpochWorld(EpochWorld):
    """The epoch world over ``transport`` on ``loop``; every wait bounded by ``timeout_s``."""

    def __init__(
        self, variant: EpochVariant, loop: LoopThread, transport: str, timeout_s: float
    ) -> None:
        super().__init__(variant)
        self.loop = loop
        self.timeout_s = timeout_s
        # The sockets' own deadlines also run while setting up (the relay clients'
        # connect and sign-in), so they get the set-up's net; each message's crossing
        # is bounded by timeout_s around it, whatever they say.
        limits = Limits(
            frame_timeout_s=setup_wait(timeout_s), connect_timeout_s=setup_wait(timeout_s)
        )
        # The relay argument names no relay here: direct carriers never use it.
        # Frames are sealed under the context, as on aura_net's direct path.
        self.carrier = loop.run(
            Carrier.start(transport, self.services, RESP, limits, seal=self.context),
            setup_wait(timeout_s),
            f"starting the {transport} listeners",
        )

    def carry(self, record: Any, data: bytes) -> bytes:
        """Put ``data`` (sent under ``record``) on the socket from its sender to its
        receiver; the Noise bytes the receiver's listener read."""
        src, dst = record[1], record[2]
        if src not in self.ids or dst not in self.ids:
            raise BackendError(f"no authority listens for a message from {src} to {dst}")
        envelope = RelayEnvelope(self.context, self.ids[src], self.ids[dst], data)
        arrived = self.loop.run(
            self.carrier.transmit(src, dst, WireFrame(envelope)),
            self.timeout_s,
            f"{record[0]} from {src} to {dst} over {self.carrier.transport}",
        )
        got = arrived.envelope
        if (got.context_id, got.src, got.dst) != (envelope.context_id, envelope.src, envelope.dst):
            raise BackendError(f"{record[0]} arrived with other routing ids")
        return got.payload

    def handle_handshake(self, record: Any, data: bytes, now: int) -> str:
        return super().handle_handshake(record, self.carry(record, data), now)

    def process_response(self, record: Any, data: bytes, now: int) -> str:
        return super().process_response(record, self.carry(record, data), now)

    def receive_data(self, record: Any, data: bytes, now: int = 0) -> str:
        return super().receive_data(record, self.carry(record, data), now)

    def close(self) -> None:
        self.loop.run(self.carrier.close(), setup_wait(self.timeout_s), "closing the listeners")


class NetworkEpochBackend(EpochBackend):
    """The epoch world of the reference (or a variant) with every delivery over
    ``transport`` on loopback; :meth:`close` stops its sockets and its loop."""

    world: NetworkEpochWorld

    def __init__(
        self,
        variant: str = "ref",
        transport: str = "TcpDirect",
        *,
        timeout_s: float = _DEFAULT_TIMEOUT_S,
    ) -> None:
        if variant not in EPOCH_VARIANTS:
            raise BackendError(f"unknown variant {variant!r}; known: {', '.join(EPOCH_VARIANTS)}")
        if transport not in EPOCH_TRANSPORTS:
            known = ", ".join(EPOCH_TRANSPORTS)
            raise BackendError(
                f"unknown transport {transport!r} for the epoch spec; known: {known}"
            )
        self.variant = EPOCH_VARIANTS[variant]
        self.transport = transport
        self.timeout_s = timeout_s
        self.loop = LoopThread()
        # EpochBackend's own constructor builds an in-memory world: skip to its base.
        init_on_loop(
            self.loop,
            lambda: WorldBackend.__init__(
                self,
                f"epoch:{variant} over {transport}",
                EPOCH_ROTATION,
                new_world=self._new_network_world,
                project=project_epoch_rotation,
                actions=ACTION_TABLE,
            ),
        )

    def _new_network_world(self) -> NetworkEpochWorld:
        return NetworkEpochWorld(self.variant, self.loop, self.transport, self.timeout_s)

    def request(self, action: str, args: Mapping[str, Any], now: int) -> Reply:
        if action == "Reset":
            self.world.close()  # the previous world's sockets, before the next one's
        return super().request(action, args, now)

    def close(self) -> None:
        close_on_loop(self.world, self.loop)


def run_network_epoch_conformance(
    variant: str = "ref",
    transports: tuple[str, ...] = EPOCH_TRANSPORTS,
    *,
    examples: int = 10,
    seed: int | None = 0,
    steps: int = 20,
    timeout_s: float = _DEFAULT_TIMEOUT_S,
) -> list[tuple[str, ConformanceResult]]:
    """EpochRotation.tla's directed scenarios and random runs, once over each transport."""
    return run_over_transports(
        transports,
        lambda transport: NetworkEpochBackend(variant, transport, timeout_s=timeout_s),
        lambda backend: run_epoch_conformance(backend, examples=examples, seed=seed, steps=steps),
    )
