"""Wire-level wrong backends: authorities that get the bytes wrong in one way each.

They are the broken counterparts of the wire checks (each one must fail them);
:mod:`aura_conformance.variants` holds the channel-manager variants they reuse.
:class:`NoCryptoAuthority` is the backend of the opening complaint: right
headers, right state names, no cryptography at all.
"""

from __future__ import annotations

import contextlib
import hashlib
import struct
from collections.abc import Sequence
from typing import Any

import attrs
from aura_rendezvous import (
    AuraError,
    ChannelManager,
    GuardOutcome,
    RelayEnvelope,
    SecureChannel,
    SendEffect,
)
from aura_rendezvous.channels import (
    HandshakeConfig,
    MessageType,
    TransportMessage,
    decode_handshake,
    message_type,
)
from aura_rendezvous.core import (
    AuthorityId,
    ContextId,
    ContextMismatchError,
    DecryptFailed,
    Roster,
    RosterEntry,
    derive_handshake_psk,
)
from aura_rendezvous.descriptors import (
    RendezvousDescriptor,
    SealedDescriptor,
    SignedDescriptor,
    choose_descriptor,
    is_valid_at,
    open_descriptor,
    seal_descriptor,
    verify_descriptor,
)
from aura_rendezvous.guard import ChargeToken, Receipt, is_send
from aura_rendezvous.journal import (
    SealedSyncMessage,
    SyncDigest,
    answer_digest,
    decode_sync_message,
    seal_sync_message,
)
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305

from aura_conformance.guard_chain.effects import ObservedBudget
from aura_conformance.variants import UncheckedStaticKeyManager
from aura_conformance.wire.authority import Delivery, WireAuthority
from aura_conformance.wire.descriptors import DescriptorDesk
from aura_conformance.wire.guarded import GuardPorts

__all__ = [
    "AnyContextDesk",
    "ArrivalExpiryDesk",
    "DeafActiveAuthority",
    "DirectConfirmationPorts",
    "EarlyActiveAuthority",
    "EpochHeaderAuthority",
    "ExpiryBlindDesk",
    "FixedPayloadAuthority",
    "NoCryptoAuthority",
    "NoTimeoutAuthority",
    "NonMemberAnsweringDesk",
    "OpenRosterAuthority",
    "ReflectingAuthority",
    "ReplayWindowAuthority",
    "RevocationBlindDesk",
    "RevocationKeptLocalDesk",
    "SendsOnRejectAuthority",
    "StaleActiveAuthority",
    "UnchargedRelayedAnswerPorts",
    "UnsignedPublishDesk",
    "UnverifiedSignatureDesk",
]

_HS = struct.Struct(">BBQ")
_TR = struct.Struct(">BB32sQQ")
_VERSION = 1


class NoCryptoAuthority:
    """Speaks the framing only: handshake messages are filler bytes behind a correct
    header, a transport message carries its plaintext in clear behind a zero tag,
    and every state it reports is the one a real backend would report."""

    def __init__(self, **keys: object) -> None:
        self.epoch = 0
        self.state = "None"
        self.counter = 0
        self._filler = 0

    def _noise(self, n: int) -> bytes:
        self._filler += 1
        return hashlib.sha256(self._filler.to_bytes(8, "big")).digest()[:n].ljust(n, b"\x00")

    def channel_state(self) -> str:
        return self.state

    def _transport(self, body: bytes) -> bytes:
        self.counter += 1
        return _TR.pack(_VERSION, MessageType.Transport, b"\x00" * 32, self.epoch, self.counter) + (
            body + b"\x00" * 16
        )

    def establish(self, timestamp: int, now: int) -> Delivery:
        self.state = "Establishing"
        msg = _HS.pack(_VERSION, MessageType.HandshakeInit, self.epoch) + self._noise(32) * 4
        return Delivery("Started", (msg,))

    def deliver(self, data: bytes, now: int) -> Delivery:
        if len(data) < 2:
            return Delivery("Rejected:DecodeError")
        if data[1] == MessageType.HandshakeInit:
            self.state = "Establishing"
            reply = _HS.pack(_VERSION, MessageType.HandshakeResponse, self.epoch) + self._noise(48)
            return Delivery("Answered", (reply,))
        if data[1] == MessageType.HandshakeResponse:
            self.state = "Active"
            return Delivery("Active", (self._transport(b""),))
        body = data[_TR.size : len(data) - 16]
        if self.state == "Establishing":
            self.state = "Active"
            return Delivery("Confirmed")
        return Delivery("Received", received=(body,))

    def send(self, plaintext: bytes) -> Delivery:
        if self.state != "Active":
            return Delivery("Refused:NoChannel")
        return Delivery("Sent", (self._transport(plaintext),))

    def advance_epoch(self) -> Delivery:
        self.epoch += 1
        if self.state == "Active":
            self.state = "Rotating"
        return Delivery("Advanced")

    def close(self) -> Delivery:
        self.state = "Closed" if self.state != "None" else "None"
        return Delivery("Closed")

    def tick(self, now: int) -> Delivery:
        return Delivery("Ticked")


class SendsOnRejectAuthority(WireAuthority):
    """The reference, except that a message it rejects still gets an answer on the
    wire: an error notice naming the rejection (a deny that sends a packet)."""

    def deliver(self, data: bytes, now: int) -> Delivery:
        done = super().deliver(data, now)
        if done.outcome.startswith("Rejected"):
            notice = bytes([_VERSION, 0x7F]) + done.outcome.encode()
            return Delivery(done.outcome, (notice,), done.received)
        return done


class StaleActiveAuthority(WireAuthority):
    """The reference, except that it reports a Rotating channel as Active: what it says
    of itself no longer matches what it does (its old channel seals nothing)."""

    def channel_state(self) -> str:
        state = super().channel_state()
        return "Active" if state == "Rotating" else state


class EarlyActiveAuthority(WireAuthority):
    """The reference, except that it reports a handshake it answered as Active before
    the key confirmation: its bytes are right, what it says of itself is the
    spec's ``BUG_ActiveBeforeConfirm``."""

    _answered = False

    def channel_state(self) -> str:
        state = super().channel_state()
        return "Active" if state == "Establishing" and self._answered else state

    def deliver(self, data: bytes, now: int) -> Delivery:
        done = super().deliver(data, now)
        if done.outcome == "Answered":
            self._answered = True
        return done


class DeafActiveAuthority(WireAuthority):
    """The reference, except that after its first plaintext it opens nothing more
    while still reporting its channel Active (its receiving keys are lost)."""

    _opened = 0

    def deliver(self, data: bytes, now: int) -> Delivery:
        if self._opened and len(data) > 1 and data[1] == MessageType.Transport:
            return Delivery("Rejected:TransportAuthError")
        done = super().deliver(data, now)
        self._opened += len(done.received)
        return done


class _AnyEpochManager(ChannelManager):
    """A channel manager that takes a handshake config of any epoch, the context's
    own or not."""

    def _check_config(self, config: HandshakeConfig, *, newer: bool = False) -> None:
        super()._check_config(attrs.evolve(config, epoch=self.epoch_of(config.context_id)))

    def _check_new(self, channel: SecureChannel) -> None:
        current = self._epochs.get(channel.context_id)
        self._epochs[channel.context_id] = channel.epoch
        try:
            super()._check_new(channel)
        finally:
            if current is None:
                del self._epochs[channel.context_id]
            else:
                self._epochs[channel.context_id] = current


class EpochHeaderAuthority(WireAuthority):
    """The reference, except that a message 1 is judged under the epoch its cleartext
    header claims: a genuine message 1 of a retired epoch is answered under that
    epoch's PSK and prologue (Rendezvous.tla's ``BUG_NoEpochCheck``)."""

    _claimed: int | None = None

    def __init__(self, **keys: Any) -> None:
        super().__init__(**{**keys, "manager": _AnyEpochManager})

    def _config(self) -> HandshakeConfig:
        config = super()._config()
        if self._claimed is None:
            return config
        psk = derive_handshake_psk(self.root_secret, self.context, self._claimed)
        return attrs.evolve(config, epoch=self._claimed, psk=psk)

    def deliver(self, data: bytes, now: int) -> Delivery:
        try:
            self._claimed = decode_handshake(data, MessageType.HandshakeInit).epoch
        except AuraError:
            self._claimed = None
        try:
            return super().deliver(data, now)
        finally:
            self._claimed = None


class OpenRosterAuthority(WireAuthority):
    """The reference, except that any claimed id is a member and its static key is
    not compared: a non-member's message 1 is answered."""

    def __init__(self, **keys: Any) -> None:
        super().__init__(**{**keys, "manager": UncheckedStaticKeyManager})

    _accepting = False

    def _roster(self, aid: bytes) -> bytes | None:
        return self.peer_static

    def _config(self) -> HandshakeConfig:
        # A responder that does not expect a given initiator: whoever claims.
        config = super()._config()
        return attrs.evolve(config, remote=None) if self._accepting else config

    def deliver(self, data: bytes, now: int) -> Delivery:
        self._accepting = True
        try:
            return super().deliver(data, now)
        finally:
            self._accepting = False


class FixedPayloadAuthority(WireAuthority):
    """The reference, except that a send seals the payload of its first send again:
    the bytes are genuine, the traffic is not what it was asked to carry."""

    _first: bytes | None = None

    def send(self, plaintext: bytes) -> Delivery:
        if self._first is None:
            self._first = plaintext
        return super().send(self._first)


class NoTimeoutAuthority(WireAuthority):
    """The reference, except that a Tick never times a handshake out: a responder's
    answered handshake waits for its key confirmation forever."""

    def tick(self, now: int) -> Delivery:
        return Delivery("Ticked")


class ReflectingAuthority(WireAuthority):
    """The reference, except that a transport message it sealed itself, delivered back
    to it, opens: what an implementation with one key for both directions does."""

    def __init__(self, **keys: Any) -> None:
        super().__init__(**keys)
        self._sealed: dict[bytes, bytes] = {}

    def send(self, plaintext: bytes) -> Delivery:
        done = super().send(plaintext)
        for data in done.sent:
            self._sealed[data] = plaintext
        return done

    def deliver(self, data: bytes, now: int) -> Delivery:
        if data in self._sealed:
            return Delivery("Received", received=(self._sealed[data],))
        return super().deliver(data, now)


class ReplayWindowAuthority(WireAuthority):
    """The reference, except that a transport message below the greatest counter is
    still opened if that very message was never accepted (a replay window, as
    datagram protocols keep): reordered traffic gets through."""

    def __init__(self, **keys: Any) -> None:
        super().__init__(**keys)
        self._accepted: set[bytes] = set()

    def deliver(self, data: bytes, now: int) -> Delivery:
        done = super().deliver(data, now)
        if done.outcome == "Rejected:ReplayedMessage" and data not in self._accepted:
            message = TransportMessage.decode(data)
            channel = self.manager.get(message.channel_id)
            if channel is not None:
                greatest = channel._highest_recv
                channel._highest_recv = message.counter - 1 if message.counter else None
                try:
                    done = super().deliver(data, now)
                finally:
                    channel._highest_recv = greatest
        if not done.outcome.startswith("Rejected"):
            self._accepted.add(data)
        return done


# ---------------------------------------------------------------- descriptors


class _LaxDesk(DescriptorDesk):
    """A desk that keeps the descriptors it opened in a list and chooses from it,
    so each subclass can get one step of opening or choosing wrong."""

    def __init__(self, **keys: Any) -> None:
        super().__init__(**keys)
        self.seen: list[RendezvousDescriptor] = []

    def _decrypt(self, sealed: SealedDescriptor) -> SignedDescriptor:
        key = self.membership.descriptor_key(sealed.epoch)
        nonce, body = sealed.ciphertext[:12], sealed.ciphertext[12:]
        try:
            plaintext = ChaCha20Poly1305(key).decrypt(nonce, body, sealed.associated_data())
        except (InvalidTag, ValueError):
            raise DecryptFailed("does not decrypt") from None
        return SignedDescriptor.decode(plaintext)

    def _open(self, sealed: SealedDescriptor) -> RendezvousDescriptor:
        return open_descriptor(sealed, self.membership)

    def _choose(self, peer: AuthorityId, now: int) -> RendezvousDescriptor | None:
        return choose_descriptor(self.seen, self.context, peer, now)

    def publish(self, now: int, epoch: int) -> Delivery:
        done = super().publish(now, epoch)
        self.seen.append(self._open(SealedDescriptor.decode(done.sent[0])))
        return done

    def offer(self, data: bytes, now: int) -> Delivery:
        try:
            sealed = SealedDescriptor.decode(data)
            self.seen.append(self._open(sealed))
        except AuraError as exc:
            return Delivery(f"Rejected:{type(exc).__name__}")
        # The service's guard chain (the relayed connect) reads its own cache: the
        # genuine descriptors reach it, the lax step is the list's alone.
        with contextlib.suppress(AuraError):
            self.service.cache_descriptor(sealed)
        return Delivery("Cached")

    def lookup(self, peer: bytes, now: int) -> Delivery:
        found = self._choose(AuthorityId(peer), now)
        return Delivery("NotFound") if found is None else Delivery("Found", (), (found.encode(),))


class UnverifiedSignatureDesk(_LaxDesk):
    """Opens a sealed descriptor without checking its publisher's signature: any
    member holding the context key can publish in another's name."""

    def _open(self, sealed: SealedDescriptor) -> RendezvousDescriptor:
        desc = self._decrypt(sealed).descriptor
        if desc.context_id != sealed.context_id or desc.authority_id != sealed.authority_id:
            raise ContextMismatchError("envelope and descriptor disagree")
        return desc


class AnyContextDesk(_LaxDesk):
    """Trusts the envelope's context: the descriptor inside may name another one, and
    a lookup then hands it out for this context."""

    def _open(self, sealed: SealedDescriptor) -> RendezvousDescriptor:
        if sealed.context_id != self.context:
            raise ContextMismatchError("another context's envelope")
        return verify_descriptor(self._decrypt(sealed), self.membership.roster)

    def _choose(self, peer: AuthorityId, now: int) -> RendezvousDescriptor | None:
        mine = [d for d in self.seen if d.authority_id == peer and is_valid_at(d, now)]
        return max(mine, key=lambda d: d.order_key, default=None)


class ExpiryBlindDesk(_LaxDesk):
    """Chooses the newest descriptor of the peer, valid or not."""

    def _choose(self, peer: AuthorityId, now: int) -> RendezvousDescriptor | None:
        mine = [d for d in self.seen if d.authority_id == peer and d.context_id == self.context]
        return max(mine, key=lambda d: d.order_key, default=None)


class UnsignedPublishDesk(DescriptorDesk):
    """Publishes its descriptor with an all-zero signature (sealed correctly)."""

    def seal(self, descriptor: RendezvousDescriptor, epoch: int) -> bytes:
        unsigned = SignedDescriptor(descriptor, bytes(64))
        return seal_descriptor(unsigned, self.membership, epoch).encode()

    def publish(self, now: int, epoch: int) -> Delivery:
        # Its own journal would refuse the bytes: it sends them all the same.
        return Delivery("Published", (self.seal(self.build(now, epoch), epoch),))


class NonMemberAnsweringDesk(DescriptorDesk):
    """Answers any digest page that decrypts under the context's sync key, whoever
    signed it: a sender off the roster is treated as a member."""

    def sync(self, data: bytes) -> Delivery:
        done = super().sync(data)
        if done.outcome != "Rejected:NotAMember":
            return done
        sealed = SealedSyncMessage.decode(data)
        key = self.membership.sync_key(sealed.epoch)
        nonce, body = sealed.ciphertext[:12], sealed.ciphertext[12:]
        # The signature (64 bytes) goes unchecked: its signer is on no roster.
        message = decode_sync_message(
            ChaCha20Poly1305(key).decrypt(nonce, body, sealed.associated_data())[64:]
        )
        if not isinstance(message, SyncDigest):
            return done
        anyone = Roster(
            {
                **dict(self.membership.roster.entries),
                message.sender: RosterEntry(bytes(32), bytes(32)),
            }
        )
        journal = self.service.journal(self.context)
        answers = answer_digest(journal, message, self.id, anyone)
        return Delivery(
            "Answered",
            tuple(
                seal_sync_message(a, self.keys, self.membership, sealed.epoch).encode()
                for a in answers
            ),
        )


class _ChoosingDesk(DescriptorDesk):
    """The reference's journal and cache, with its own choice over them."""

    def _admits(self, d: RendezvousDescriptor, now: int, revoked: frozenset[Any]) -> bool:
        raise NotImplementedError

    def lookup(self, peer: bytes, now: int) -> Delivery:
        cache = self.service.descriptor_cache(self.context)
        mine = [
            d
            for d in cache.descriptors
            if d.authority_id.value == peer
            and d.context_id == self.context
            and self._admits(d, now, cache.revoked)
        ]
        found = max(mine, key=lambda d: d.order_key, default=None)
        return Delivery("NotFound") if found is None else Delivery("Found", (), (found.encode(),))


class RevocationBlindDesk(_ChoosingDesk):
    """Takes revocations into its journal by sync but ignores them when choosing:
    Rendezvous.tla's ``BUG_IgnoreRevocation``."""

    def _admits(self, d: RendezvousDescriptor, now: int, revoked: frozenset[Any]) -> bool:
        return is_valid_at(d, now)


class ArrivalExpiryDesk(_ChoosingDesk):
    """Judges a descriptor's validity once, when it first sees it, and never again: an
    expired descriptor is still handed out as long as it was valid on arrival (a
    forgery that is already expired is refused, so only time passing shows it)."""

    def __init__(self, **keys: Any) -> None:
        super().__init__(**keys)
        self._arrived: dict[tuple[AuthorityId, bytes], int] = {}

    def _admits(self, d: RendezvousDescriptor, now: int, revoked: frozenset[Any]) -> bool:
        first = self._arrived.setdefault((d.authority_id, d.nonce), now)
        return is_valid_at(d, first) and (d.authority_id, d.nonce) not in revoked


class RevocationKeptLocalDesk(DescriptorDesk):
    """Revokes in its own cache only: its lookups honour the revocation, but no fact
    enters its journal, so its peers never learn of it by sync."""

    def __init__(self, **keys: Any) -> None:
        super().__init__(**keys)
        self._hidden: set[tuple[AuthorityId, bytes]] = set()

    def revoke_own(self, nonce: bytes) -> Delivery:
        self._hidden.add((self.id, nonce))
        return Delivery("Revoked")

    def lookup(self, peer: bytes, now: int) -> Delivery:
        cache = self.service.descriptor_cache(self.context)
        found = choose_descriptor(
            cache.descriptors, self.context, AuthorityId(peer), now, cache.revoked | self._hidden
        )
        return Delivery("NotFound") if found is None else Delivery("Found", (), (found.encode(),))


# ---------------------------------------------------------------- the guard chain


class NoBudgetCheckPorts(GuardPorts):
    """Never runs out of budget: every connect is charged, none is ever denied for it
    (the limit it was given is not the one it holds to)."""

    def __init__(self, desk: DescriptorDesk, **ports: Any) -> None:
        super().__init__(desk, **{**ports, "limit": 1 << 62})


class _EpochBlindBudget(ObservedBudget):
    """One spent counter per (context, member), whatever the epoch."""

    def charge(
        self, context_id: ContextId, authority_id: AuthorityId, epoch: int, cost: int
    ) -> ChargeToken:
        return super().charge(context_id, authority_id, 0, cost)

    def spent(self, context_id: ContextId, authority_id: AuthorityId, epoch: int) -> int:
        return super().spent(context_id, authority_id, 0)


class EpochBlindBudgetPorts(GuardPorts):
    """Keeps what it spent across epochs: an epoch advance does not restart its budget."""

    def _store(self, limit: int) -> ObservedBudget:
        return _EpochBlindBudget(self.log, default_limit=limit)


class ReceiptlessRelayPorts(GuardPorts):
    """Sends its relay envelopes without the receipts that pay for them."""

    def items(self, sends: Sequence[SendEffect]) -> tuple[bytes, ...]:
        return tuple(i for i in super().items(sends) if _is_envelope(i))


class UnsignedReceiptPorts(GuardPorts):
    """Sends each relay envelope with its receipt, the signature left all zero."""

    def items(self, sends: Sequence[SendEffect]) -> tuple[bytes, ...]:
        return tuple(
            i if _is_envelope(i) else attrs.evolve(Receipt.decode(i), signature=bytes(64)).encode()
            for i in super().items(sends)
        )


class SendBeforeChargePorts(GuardPorts):
    """Puts a relayed message on the wire as soon as it is prepared, then runs the
    charge (and issues the receipt too late for the message to carry it)."""

    def run(self, outcome: GuardOutcome) -> tuple[SendEffect, ...]:
        if not outcome.is_allowed():
            return super().run(outcome)
        for effect in outcome.effects:
            if is_send(effect):
                self._send(effect)
        self.interpreter.execute(GuardOutcome.allow([e for e in outcome.effects if not is_send(e)]))
        sent, self.outbox = tuple(self.outbox), []
        return sent


class DirectConfirmationPorts(GuardPorts):
    """Sends the key confirmation of a relayed handshake it started straight to the peer,
    out of its envelope: the relayed exchange falls back to a direct send (Rendezvous.tla's
    ``BUG_ConfirmNotRelayed``)."""

    def deliver_relayed(
        self, relay: AuthorityId, data: bytes, receipt: bytes, epoch: int, now: int
    ) -> Delivery:
        done = super().deliver_relayed(relay, data, receipt, epoch, now)
        sent = []
        for item in done.sent:
            try:
                payload = RelayEnvelope.decode(item).payload
                handshake = message_type(payload) in (
                    MessageType.HandshakeInit,
                    MessageType.HandshakeResponse,
                )
            except AuraError:
                handshake = True
            sent.append(item if handshake else payload)
        return attrs.evolve(done, sent=tuple(sent))


class UnchargedRelayedAnswerPorts(GuardPorts):
    """Answers a relayed message 1 and gives the charge back: its relayed answers
    cost it nothing, so its budget never runs out (Rendezvous.tla's ``HandleHandshake``
    charges ``CompleteCost``)."""

    def deliver_relayed(
        self, relay: AuthorityId, data: bytes, receipt: bytes, epoch: int, now: int
    ) -> Delivery:
        before = self.spent(epoch)
        done = super().deliver_relayed(relay, data, receipt, epoch, now)
        paid = self.spent(epoch) - before
        if paid and done.sent:
            self.budget.undo(attrs.evolve(self.charge(epoch, 0), cost=paid))
        return done


def _is_envelope(data: bytes) -> bool:
    try:
        RelayEnvelope.decode(data)
    except AuraError:
        return False
    return True
