"""The channel layer as ``RendezvousService`` uses it (seed 10, DESIGN.md 5).

One :class:`ChannelEndpoint` per service holds that authority's
:class:`ChannelManager` (pending handshakes, channels, the first-message
replay guard), its Noise static key pair, and draws ephemerals from the
service's injected ``nonce_source``. ``prepare_establish_channel`` and
``prepare_handle_handshake`` call its ``prepare_*`` methods only once the
guard chain has passed; those compute a step (a new handshake, a channel, the
message to send) and change nothing. The step is carried by an effect that
the effect interpreter commits through this endpoint, its channel port
(``commit_*``), together with the charge and the journal append; each commit
returns a :class:`ChannelToken` that :meth:`ChannelEndpoint.undo` uses when
the outcome is rolled back. So a denied, rejected or rolled-back operation
leaves the channels, the pending handshakes and the replay guard as they were.

Message flow through the service (all bytes are real Noise messages):

1. initiator ``prepare_establish_channel`` → ``SendHandshake`` (message 1);
2. responder ``prepare_handle_handshake(message 1)`` → ``SendHandshakeResponse``
   (message 2); its channel is ``Establishing``;
3. initiator ``prepare_handle_handshake(message 2)`` → ``SendHandshakeResponse``
   carrying the key confirmation (the first transport message); its channel is
   ``Active``;
4. responder ``prepare_handle_handshake(confirmation)`` → ``JournalAppend
   (ChannelEstablished)``; its channel is ``Active``.

A rejected message raises its typed :class:`RemoteProtocolError` and returns
no outcome: nothing is charged, journaled, sent or changed.
"""

from __future__ import annotations

from collections.abc import Callable

import attrs

from aura_rendezvous.channels._channel import SecureChannel
from aura_rendezvous.channels._handshaker import HandshakeConfig, Handshaker, RosterLookup
from aura_rendezvous.channels._manager import ChannelManager, ManagerMark
from aura_rendezvous.channels._states import ChannelState
from aura_rendezvous.channels._transport_message import TransportMessage
from aura_rendezvous.core import (
    AuthorityId,
    ContextId,
    ContextMembership,
    LocalProtocolError,
    ReplayedMessage,
    RetiredEpoch,
    UnknownChannel,
)
from aura_rendezvous.noise import (
    PRODUCTION_PROTOCOL,
    InitialStateCache,
    Keypair,
    NoiseProtocol,
    StaticDhCache,
)

__all__ = [
    "DEFAULT_HANDSHAKE_TIMEOUT_MS",
    "ChannelEndpoint",
    "ChannelToken",
    "PreparedStart",
    "roster_lookup",
]

DEFAULT_HANDSHAKE_TIMEOUT_MS = 5_000

_MAX_CACHED_CONFIGS = 1024
# Parsed once: every endpoint's initial-state cache is for the production protocol.
_PROTOCOL = NoiseProtocol.parse(PRODUCTION_PROTOCOL)


def roster_lookup(membership: ContextMembership) -> RosterLookup:
    """Authority id bytes -> that member's roster X25519 key (``None`` for non-members)."""

    # The roster of a membership never changes, so a member's key, once found,
    # is remembered (bounded by the roster). Misses are not: claimed ids come
    # from the network and must not grow this.
    members: dict[bytes, bytes] = {}

    def lookup(raw: bytes) -> bytes | None:
        plain = type(raw) is bytes  # a memo key; anything else goes the long way
        key = members.get(raw) if plain else None
        if key is not None:
            return key
        entry = membership.roster.get(AuthorityId(raw))
        if entry is None:
            return None
        if plain:
            members[raw] = entry.x25519_public
        return entry.x25519_public

    return lookup


@attrs.frozen(eq=False)
class ChannelToken:
    """Undo token of one committed channel change (see :meth:`ChannelEndpoint.undo`)."""

    mark: ManagerMark
    last_timestamp: int


@attrs.frozen(eq=False)
class PreparedStart:
    """A handshake not started yet: the initiator, its message 1 and timestamp."""

    handshaker: Handshaker
    message: bytes
    timestamp: int


class ChannelEndpoint:
    """The channel state of one service's authority."""

    def __init__(
        self,
        authority_id: AuthorityId,
        static_private: bytes,
        nonce_source: Callable[[int], bytes],
        timeout_ms: int = DEFAULT_HANDSHAKE_TIMEOUT_MS,
    ) -> None:
        self.authority_id = authority_id
        self.manager = ChannelManager(authority_id.value, epoch=0)
        self.static = Keypair.from_private(static_private)
        # DH(static, peer static) per peer, computed once (WireGuard's precomputed
        # static-static): one X25519 less per side and handshake, same bytes.
        self.static_dh = StaticDhCache(self.static)
        # Likewise the state after the prologue and pre-messages, per
        # (context, epoch, responder): public inputs only, three hashes a side.
        self.initial_state = InitialStateCache(_PROTOCOL)
        self._nonce_source = nonce_source
        self.timeout_ms = timeout_ms
        self._last_timestamp = 0
        # Every handshake with a peer in one (context, epoch) has the same config;
        # the values are validated once when first built. Bounded by clearing.
        self._configs: dict[tuple[bytes, bytes | None, bytes, int, int], HandshakeConfig] = {}
        # The service asks for the confirmation's channel before it confirms (the
        # guard needs the channel id): the same bytes object, decoded once.
        self._decoded: tuple[bytes, TransportMessage] | None = None
        self._lookup_of: tuple[ContextMembership, RosterLookup] | None = None

    def _ephemeral(self) -> Keypair:
        return Keypair.generate(self._nonce_source)

    def _timestamp(self, now_ms: int) -> int:
        # Strictly increasing even when two handshakes start in the same millisecond
        # (kept by commit_start: an uncommitted start consumes nothing).
        return max(now_ms, self._last_timestamp + 1)

    def _check_epoch(self, context_id: ContextId, epoch: int) -> None:
        """A snapshot may be newer than the context (its commit advances it), never older."""
        current = self.manager.epoch_of(context_id.value)
        if epoch < current:
            raise LocalProtocolError(f"snapshot epoch {epoch} is older than {current}")

    def sync_epoch(self, context_id: ContextId, epoch: int) -> None:
        """Follow the snapshot's epoch: a newer one rotates the context's channels."""
        current = self.manager.epoch_of(context_id.value)
        if epoch > current:
            self.manager.advance_epoch(epoch, context_id.value)
            # Configs of the retired epoch are refused from now on; drop them so
            # their PSKs are not kept alive by the cache.
            self._configs.clear()
        elif epoch < current:
            raise LocalProtocolError(f"snapshot epoch {epoch} is older than {current}")

    def _config(
        self, context_id: ContextId, remote: AuthorityId | None, psk: bytes, epoch: int
    ) -> HandshakeConfig:
        remote_raw = None if remote is None else remote.value
        if type(psk) is not bytes:
            # Not a cache key (maybe unhashable): let the validators say what is wrong.
            return HandshakeConfig(
                self.authority_id.value, remote_raw, context_id.value, psk, self.timeout_ms, epoch
            )
        key = (context_id.value, remote_raw, psk, epoch, self.timeout_ms)
        config = self._configs.get(key)
        if config is None:
            config = HandshakeConfig(
                local=self.authority_id.value,
                remote=remote_raw,
                context_id=context_id.value,
                psk=psk,
                timeout_ms=self.timeout_ms,
                epoch=epoch,
            )
            if len(self._configs) >= _MAX_CACHED_CONFIGS:
                self._configs.clear()
            self._configs[key] = config
        return config

    def _roster_lookup(self, membership: ContextMembership) -> RosterLookup:
        # One lookup per membership object (held here, so identity is stable).
        cached = self._lookup_of
        if cached is not None and cached[0] is membership:
            return cached[1]
        lookup = roster_lookup(membership)
        self._lookup_of = (membership, lookup)
        return lookup

    # --- prepare: compute a step, change nothing -----------------------------

    def prepare_start(
        self, membership: ContextMembership, epoch: int, peer: AuthorityId, psk: bytes, now_ms: int
    ) -> PreparedStart:
        """A new handshake to ``peer`` (initiator) and its message 1."""
        self._check_epoch(membership.context_id, epoch)
        timestamp = self._timestamp(now_ms)
        handshaker, message = self.manager.prepare_start(
            self._config(membership.context_id, peer, psk, epoch),
            static=self.static,
            remote_static=membership.roster.entry(peer).x25519_public,
            ephemeral=self._ephemeral(),
            timestamp=timestamp,
            now_ms=now_ms,
            static_dh=self.static_dh,
            initial_state=self.initial_state,
        )
        return PreparedStart(handshaker, message, timestamp)

    def prepare_accept(
        self,
        membership: ContextMembership,
        epoch: int,
        initiator: AuthorityId,
        message: bytes,
        *,
        psk: bytes,
        now_ms: int,
    ) -> tuple[SecureChannel, bytes]:
        """The Establishing channel and message 2 answering ``message`` from
        ``initiator`` (responder); raises on reject."""
        self._check_epoch(membership.context_id, epoch)
        return self.manager.prepare_accept(
            self._config(membership.context_id, initiator, psk, epoch),
            message,
            static=self.static,
            roster=self._roster_lookup(membership),
            ephemeral=self._ephemeral(),
            now_ms=now_ms,
            static_dh=self.static_dh,
            initial_state=self.initial_state,
        )

    def prepare_finish(
        self, context_id: ContextId, epoch: int, responder: AuthorityId, message: bytes, now_ms: int
    ) -> tuple[Handshaker, SecureChannel, bytes]:
        """Read message 2 (initiator) on a copy of the pending handshake: the pending
        handshake, the Active channel and the key confirmation to send."""
        self._check_epoch(context_id, epoch)
        return self.manager.prepare_finish(
            context_id.value, responder.value, message, now_ms, epoch
        )

    def pending_confirmation(
        self, context_id: ContextId, initiator: AuthorityId, message: bytes
    ) -> SecureChannel:
        """The Establishing channel a confirmation names (no state change)."""
        return self._pending_confirmation(context_id, initiator, message)[0]

    def _pending_confirmation(
        self, context_id: ContextId, initiator: AuthorityId, message: bytes
    ) -> tuple[SecureChannel, TransportMessage]:
        decoded = self._decoded
        if decoded is not None and decoded[0] is message:
            # The very bytes object decoded before (kept alive by the tuple, and
            # bytes are immutable): the same decode result.
            header = decoded[1]
        else:
            header = TransportMessage.decode(message)
            self._decoded = (message, header) if type(message) is bytes else None
        channel = self.manager.get(header.channel_id)
        if (
            channel is None
            or channel.context_id != context_id.value
            or channel.remote != initiator.value
        ):
            raise UnknownChannel("no channel with this initiator in this context")
        if channel.state is ChannelState.Active:
            # A second "confirmation" is a replay of the first or ordinary data.
            raise ReplayedMessage("channel is already confirmed")
        if channel.state is not ChannelState.Establishing:
            raise RetiredEpoch(f"channel is {channel.state.value}")
        return channel, header

    def prepare_confirm(
        self,
        context_id: ContextId,
        epoch: int,
        initiator: AuthorityId,
        message: bytes,
        now_ms: int,
    ) -> tuple[SecureChannel, int]:
        """Check the key confirmation (responder) without changing anything: the
        Establishing channel it confirms and its counter; raises on reject."""
        self._check_epoch(context_id, epoch)
        channel, header = self._pending_confirmation(context_id, initiator, message)
        if channel.epoch < epoch:
            # The commit advances the context: this channel will be Rotating.
            raise RetiredEpoch(f"channel of epoch {channel.epoch}, snapshot at {epoch}")
        self.manager.prepare_confirm(channel, header, now_ms)
        return channel, header.counter

    # --- commit: the channel port of the effect interpreter --------------------

    def _commit(
        self, context_id: ContextId, epoch: int, peer: bytes, change: Callable[[], None]
    ) -> ChannelToken:
        # Advancing the epoch touches every channel of the context: mark it whole.
        advancing = epoch > self.manager.epoch_of(context_id.value)
        token = ChannelToken(
            self.manager.mark(context_id.value, None if advancing else peer), self._last_timestamp
        )
        try:
            self.sync_epoch(context_id, epoch)
            change()
        except BaseException:
            self.undo(token)
            raise
        return token

    def commit_start(
        self, context_id: ContextId, epoch: int, handshaker: Handshaker, timestamp: int
    ) -> ChannelToken:
        """Keep the prepared handshake pending (message 1 is about to be sent)."""
        assert handshaker.config.remote is not None

        def change() -> None:
            self.manager.commit_start(handshaker)
            self._last_timestamp = max(self._last_timestamp, timestamp)

        return self._commit(context_id, epoch, handshaker.config.remote, change)

    def commit_accept(
        self, context_id: ContextId, epoch: int, channel: SecureChannel
    ) -> ChannelToken:
        """Register the responder's prepared Establishing channel."""
        return self._commit(
            context_id, epoch, channel.remote, lambda: self.manager.commit_accept(channel)
        )

    def commit_finish(
        self, context_id: ContextId, epoch: int, pending: Handshaker, channel: SecureChannel
    ) -> ChannelToken:
        """Complete the pending handshake: its Active channel is registered."""
        return self._commit(
            context_id, epoch, channel.remote, lambda: self.manager.commit_finish(pending, channel)
        )

    def commit_confirm(
        self, context_id: ContextId, epoch: int, channel: SecureChannel, counter: int
    ) -> ChannelToken:
        """Key confirmation (responder): the channel becomes Active and its first
        message's timestamp enters the replay guard."""
        return self._commit(
            context_id, epoch, channel.remote, lambda: self.manager.commit_confirm(channel, counter)
        )

    def undo(self, token: ChannelToken) -> None:
        """Put the channels back as they were before the commit that gave ``token``."""
        self.manager.restore(token.mark)
        self._last_timestamp = token.last_timestamp

    # --- both halves at once (tests, tools, the relayed path) -------------------

    def start(
        self, membership: ContextMembership, epoch: int, peer: AuthorityId, psk: bytes, now_ms: int
    ) -> bytes:
        """Message 1 to ``peer`` (initiator), its handshake kept pending."""
        prepared = self.prepare_start(membership, epoch, peer, psk, now_ms)
        self.commit_start(membership.context_id, epoch, prepared.handshaker, prepared.timestamp)
        return prepared.message

    def accept(
        self,
        membership: ContextMembership,
        epoch: int,
        initiator: AuthorityId,
        message: bytes,
        *,
        psk: bytes,
        now_ms: int,
    ) -> bytes:
        """Message 2 in answer to ``message`` from ``initiator`` (responder); raises on reject."""
        channel, reply = self.prepare_accept(
            membership, epoch, initiator, message, psk=psk, now_ms=now_ms
        )
        self.commit_accept(membership.context_id, epoch, channel)
        return reply

    def finish(
        self, context_id: ContextId, epoch: int, responder: AuthorityId, message: bytes, now_ms: int
    ) -> tuple[SecureChannel, bytes]:
        """Read message 2 (initiator): the Active channel and the confirmation to send."""
        pending, channel, confirmation = self.prepare_finish(
            context_id, epoch, responder, message, now_ms
        )
        self.commit_finish(context_id, epoch, pending, channel)
        return channel, confirmation

    def confirm(
        self,
        context_id: ContextId,
        epoch: int,
        initiator: AuthorityId,
        message: bytes,
        now_ms: int,
    ) -> SecureChannel:
        """Key confirmation (responder): the channel becomes Active, or this raises."""
        channel, counter = self.prepare_confirm(context_id, epoch, initiator, message, now_ms)
        self._decoded = None
        self.commit_confirm(context_id, epoch, channel, counter)
        return channel
