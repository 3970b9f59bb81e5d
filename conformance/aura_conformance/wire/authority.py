"""One authority of the reference implementation, driven message by message.

:class:`WireAuthority` is the reference's :class:`ChannelManager` of one member
(real ``Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s`` handshakes under the PSK of the
context and epoch, real sealed transport messages). The harness uses it as the
peer of the backend under test, and the in-process reference backend wraps the
same class, so both ends of a run are the reference unless a program is tested.

A message is delivered as bytes: its type byte says whether it is a message 1,
a message 2 or a transport message. What the authority sends in answer and what
plaintext it accepted are returned, never pushed anywhere: the harness is the
network.
"""

from __future__ import annotations

import hashlib

import attrs
from aura_rendezvous import AuraError, ChannelManager, ContextId
from aura_rendezvous.channels import (
    HandshakeConfig,
    HandshakeReplayGuard,
    MessageType,
    message_type,
)
from aura_rendezvous.core import derive_handshake_psk
from aura_rendezvous.noise import InitialStateCache, Keypair

__all__ = ["Delivery", "WireAuthority"]

# A pending handshake times out after this long (the harness's clock is in ms).
TIMEOUT_MS = 1_000


@attrs.frozen
class Delivery:
    """What one request did: the outcome, the bytes sent, the plaintext accepted."""

    outcome: str
    sent: tuple[bytes, ...] = ()
    received: tuple[bytes, ...] = ()


class WireAuthority:
    """A member of one context: its keys, its peer's id and static key, its channels."""

    def __init__(
        self,
        *,
        context_id: bytes,
        root_secret: bytes,
        authority_id: bytes,
        static: Keypair,
        peer_id: bytes,
        peer_static: bytes,
        manager: type[ChannelManager] = ChannelManager,
        initial_state: InitialStateCache | None = None,
        replay_guard: type[HandshakeReplayGuard] | None = None,
    ) -> None:
        self.context = ContextId(context_id)
        self.root_secret = root_secret
        self.id = authority_id
        self.static = static
        self.peer_id = peer_id
        self.peer_static = peer_static
        self.manager = manager(authority_id)
        if replay_guard is not None:
            self.manager.replay_guard = replay_guard()
        self.initial_state = initial_state
        self.epoch = 0
        self._ephemerals = 0

    # ------------------------------------------------------------- helpers

    def _ephemeral(self) -> Keypair:
        self._ephemerals += 1
        label = self.id + self._ephemerals.to_bytes(8, "big")
        return Keypair.from_private(hashlib.sha256(b"wire ephemeral\x00" + label).digest())

    def _config(self) -> HandshakeConfig:
        return HandshakeConfig(
            local=self.id,
            remote=self.peer_id,
            context_id=self.context.value,
            psk=derive_handshake_psk(self.root_secret, self.context, self.epoch),
            timeout_ms=TIMEOUT_MS,
            epoch=self.epoch,
        )

    def _roster(self, aid: bytes) -> bytes | None:
        if aid == self.peer_id:
            return self.peer_static
        return self.static.public if aid == self.id else None

    def channel_state(self) -> str:
        """The state of the channel with the peer: ``None``, ``Establishing`` (a handshake
        pending or answered), ``Active``, ``Rotating``, ``Closed`` or ``Error``."""
        ctx = self.context.value
        channel = self.manager.find_by_context_peer(ctx, self.peer_id)
        pending = self.manager.pending(ctx, self.peer_id) is not None
        if pending and (channel is None or channel.state.value != "Active"):
            return "Establishing"
        return "None" if channel is None else channel.state.value

    # ------------------------------------------------------------- actions

    def establish(self, timestamp: int, now: int) -> Delivery:
        """Start a handshake with the peer: message 1."""
        try:
            data = self.manager.start_handshake(
                self._config(),
                static=self.static,
                remote_static=self.peer_static,
                ephemeral=self._ephemeral(),
                timestamp=timestamp,
                now_ms=now,
                initial_state=self.initial_state,
            )
        except AuraError as exc:
            return Delivery(f"Refused:{type(exc).__name__}")
        return Delivery("Started", (data,))

    def deliver(self, data: bytes, now: int) -> Delivery:
        """Take one message off the network, whatever its type."""
        try:
            kind = message_type(data)
            if kind is MessageType.HandshakeInit:
                _, reply = self.manager.accept_handshake(
                    self._config(),
                    data,
                    static=self.static,
                    roster=self._roster,
                    ephemeral=self._ephemeral(),
                    now_ms=now,
                    initial_state=self.initial_state,
                )
                return Delivery("Answered", (reply,))
            if kind is MessageType.HandshakeResponse:
                _, confirmation = self.manager.finish_handshake(
                    self.context.value, self.peer_id, data, now
                )
                return Delivery("Active", (confirmation,))
            got = self.manager.receive(data)
        except AuraError as exc:
            return Delivery(f"Rejected:{type(exc).__name__}")
        if got.confirmed:
            return Delivery("Confirmed")
        return Delivery("Received", received=(got.plaintext,))

    def send(self, plaintext: bytes) -> Delivery:
        """Seal ``plaintext`` on the channel with the peer."""
        try:
            data = self.manager.seal(self.context.value, self.peer_id, plaintext)
        except AuraError as exc:
            return Delivery(f"Refused:{type(exc).__name__}")
        return Delivery("Sent", (data,))

    def advance_epoch(self) -> Delivery:
        self.epoch += 1
        self.manager.advance_epoch(self.epoch, self.context.value)
        return Delivery("Advanced")

    def close(self) -> Delivery:
        channel = self.manager.find_by_context_peer(self.context.value, self.peer_id)
        if channel is None:
            return Delivery("Refused:NoChannel")
        self.manager.close(channel.channel_id)
        return Delivery("Closed")

    def tick(self, now: int) -> Delivery:
        failed = self.manager.check_timeouts(now)
        return Delivery(f"TimedOut:{len(failed)}" if failed else "Ticked")
