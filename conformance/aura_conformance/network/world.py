"""The relay world with its messages on real sockets.

:class:`NetworkRelayWorld` is the relay world (the same three services, the
same variants, the same message records) whose every send crosses a socket
of its :class:`~aura_conformance.network.carriers.Carrier` before the next
hop may consume it: the envelope and receipt a step consumes are the ones the
hop read off the wire, not the sender's objects. The junk the attacker hands
the relay, and an envelope it replays to the relay, travel the same way.
"""

from __future__ import annotations

from aura_net import Limits, WireFrame
from aura_rendezvous import SendEffect

from aura_conformance.network.carriers import Carrier
from aura_conformance.network.loop import LoopThread, setup_wait
from aura_conformance.relay.world import CTX, INI, RELAY, MessageKey, RelayVariant, RelayWorld

__all__ = ["NetworkRelayWorld"]


class NetworkRelayWorld(RelayWorld):
    """The relay world over ``transport`` on ``loop``; every wait bounded by ``timeout_s``."""

    def __init__(
        self, variant: RelayVariant, loop: LoopThread, transport: str, timeout_s: float
    ) -> None:
        super().__init__(variant)
        self.loop = loop
        self.timeout_s = timeout_s
        services = {name: node.service for name, node in self.nodes.items()}
        # The sockets' own deadlines also run while setting up (the relay clients'
        # connect and sign-in), so they get the set-up's net; each message's crossing
        # is bounded by timeout_s around it, whatever they say.
        limits = Limits(
            frame_timeout_s=setup_wait(timeout_s), connect_timeout_s=setup_wait(timeout_s)
        )
        self.carrier = loop.run(
            Carrier.start(transport, services, RELAY, limits),
            setup_wait(timeout_s),
            f"starting the {transport} listeners",
        )

    def _record(
        self, sender: str, effect: SendEffect, hs_id: int, cause: MessageKey | None = None
    ) -> MessageKey:
        key = super()._record(sender, effect, hs_id, cause)
        self._carry(sender, key)
        return key

    def _carry(self, sender: str, key: MessageKey) -> None:
        """Put the message ``key`` on the socket from ``sender`` to its hop, and keep
        what the hop read in its place."""
        hop = key[2]
        if hop not in self.carrier.nodes:
            # No authority of the world (eve, to whom a wrong relay forwards): nobody
            # listens and nothing consumes it; the record stands as sent.
            return
        frame = WireFrame(self.msgs[key], self.receipts.get(key, b""))
        arrived = self.loop.run(
            self.carrier.transmit(sender, hop, frame),
            self.timeout_s,
            f"{key[0]} from {sender} to {hop} over {self.carrier.transport}",
        )
        self.msgs[key] = arrived.envelope
        self.receipts[key] = arrived.receipt

    def inject_junk(self, ctx: str = CTX) -> str:
        super().inject_junk(ctx)
        assert self.junk_key is not None
        self._carry(INI, self.junk_key)
        return f"junk sent to the relay over {self.carrier.transport}"

    def replay_envelope(self, key: MessageKey) -> str:
        """The attacker sends the relay an envelope it already forwarded, byte for byte
        as its sender first sent it; the relay's service is handed what arrived."""
        self._carry(key[1], key)
        return self.relay_forward(key)

    def kill(self, name: str) -> None:
        """Take authority ``name`` off the network (its sockets close)."""
        self.loop.run(self.carrier.kill(name), setup_wait(self.timeout_s), f"stopping {name}")

    def close(self) -> None:
        self.loop.run(self.carrier.close(), setup_wait(self.timeout_s), "closing the listeners")
