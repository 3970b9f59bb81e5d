"""The red team's ninth round of wrong backends, written from DESIGN.md's rules alone.

Each keeps one plausible implementation mistake the earlier rounds did not probe: a
context key derived without the context id, the PSK itself as its commitment, a
descriptor key derived under the PSK's label, a receipt whose epoch the signature
leaves out, a responder that seals before its key confirmation, a key confirmation
that must carry data, an old channel a rekey leaves ``Rotating``, a message 2 judged
without its deadline, a replayed message 1 answered again with the first answer, a
"busy" notice on a budget deny, a connect charge kept when nothing was sent, a
descriptor backdated for clock skew, a revoked descriptor used when nothing else is
left, a revocation that retires every descriptor of its publisher, a merge that
skips what an author's later fact already passed, a handshake stamped with the bare
clock, and a relay that wants a receipt for the free messages too.
test_probe_variants_r9.py runs each through the default profile; nothing in the
reference implementation uses them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import attrs
from aura_conformance.guard_chain.effects import SEND, Effect
from aura_conformance.variants._probe_variants import _MergeFilterService
from aura_conformance.variants._probe_variants_r3 import _HookVerifier
from aura_conformance.wire.authority import Delivery, WireAuthority
from aura_conformance.wire.descriptors import DescriptorDesk
from aura_conformance.wire.guarded import GuardPorts
from aura_rendezvous import RendezvousService
from aura_rendezvous.channels import (
    ChannelEndpoint,
    ChannelManager,
    ChannelState,
    HandshakeConfig,
    MessageType,
    SecureChannel,
    TransportMessage,
    message_type,
)
from aura_rendezvous.core import (
    LABEL_CONTEXT_KEY,
    LABEL_PSK,
    AuraError,
    AuthorityId,
    ContextId,
    ContextMembership,
    MissingReceipt,
    TransportAuthError,
    epoch_bytes,
    verify_signature,
)
from aura_rendezvous.descriptors import (
    RendezvousDescriptor,
    SealedDescriptor,
    choose_descriptor,
)
from aura_rendezvous.guard import Receipt, ReceiptIssuer, ReceiptToken
from aura_rendezvous.journal import DescriptorCache, DescriptorFact
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

# -- keys -----------------------------------------------------------------------------


def _hkdf(ikm: bytes, label: bytes, info: bytes) -> bytes:
    full = len(label).to_bytes(2, "big") + label + info
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=full).derive(ikm)


def context_free_psk(root_secret: bytes, context_id: ContextId, epoch: int) -> bytes:
    """The handshake PSK over a context key whose ``info`` is the epoch alone."""
    key = _hkdf(root_secret, LABEL_CONTEXT_KEY, epoch_bytes(epoch))
    return _hkdf(key, LABEL_PSK, context_id.value + epoch_bytes(epoch))


@attrs.frozen
class ContextFreeKeyMembership(ContextMembership):
    """The context key's ``info`` carries the epoch but not the context id ("the root
    secret is per context already"): two contexts that share a root secret, or a
    root secret reused when a context is re-created, share every key; and it is not
    DESIGN.md 1's derivation (``info`` = context id, epoch BE8), so a peer deriving
    as specified holds another PSK from epoch 0 on."""

    def context_key(self, epoch: int) -> bytes:
        return _hkdf(self.root_secret, LABEL_CONTEXT_KEY, epoch_bytes(epoch))

    def handshake_psk(self, epoch: int) -> bytes:
        return context_free_psk(self.root_secret, self.context_id, epoch)


@attrs.frozen
class PskAsCommitmentMembership(ContextMembership):
    """The descriptor's "commitment" is the PSK itself ("the peer compares it with its
    own PSK anyway"): a descriptor, sealed but kept in every member's journal and
    copied by every sync, carries the handshake secret, so whoever opens one
    descriptor holds the epoch's PSK (DESIGN.md 1: a keyed BLAKE2s of the PSK under
    its own label, which reveals nothing of it)."""

    def psk_commitment(self, epoch: int) -> bytes:
        return self.handshake_psk(epoch)


@attrs.frozen
class PskLabelDescriptorKeyMembership(ContextMembership):
    """The descriptor AEAD key is derived under the PSK's label (a copied derivation
    whose label was not changed): the descriptor key *is* the handshake PSK, so the
    two uses of one secret are not separated (DESIGN.md 1: every label distinct),
    and a peer deriving the descriptor key as specified cannot open the descriptor."""

    def descriptor_key(self, epoch: int) -> bytes:
        return self.handshake_psk(epoch)


# -- guard chain: receipts ------------------------------------------------------------


def _epochless_body(receipt: Receipt) -> bytes:
    return attrs.evolve(receipt, epoch=0).signed_message()


class EpochUnsignedIssuer(ReceiptIssuer):
    """Signs each receipt over its body with the epoch zeroed ("the epoch is implied
    by the stream"): a receipt's epoch is not covered by its signature, so a receipt
    of a retired epoch relabelled with the current one verifies (DESIGN.md 4: the
    receipt's fields, the epoch among them, under ``src``'s signature)."""

    # What the signature covers; a later round's probe swaps in another field left out.
    signed_body: Callable[[Receipt], bytes] = staticmethod(_epochless_body)

    def issue(self, *args: Any, **kw: Any) -> tuple[Receipt, ReceiptToken]:
        receipt, token = super().issue(*args, **kw)
        signature = self._keys.sign(self.signed_body(receipt))
        receipt = attrs.evolve(receipt, signature=signature)
        self.issued[-1] = receipt
        self._last[token.key] = (receipt.nonce, receipt.hash())
        return receipt, token


class EpochUnsignedVerifier(_HookVerifier):
    """The receiving side of :class:`EpochUnsignedIssuer`."""

    signed_body: Callable[[Receipt], bytes] = staticmethod(_epochless_body)

    def _signed(self, receipt: Receipt, public: bytes) -> bool:
        return verify_signature(public, self.signed_body(receipt), receipt.signature)


# -- channels -------------------------------------------------------------------------


class EarlySealingManager(ChannelManager):
    """A responder seals on its channel as soon as it answered message 1 ("the keys
    are derived, why wait for the peer"): data goes out under keys the initiator
    has not proven, so a message 1 under a wrong PSK, or a replayed one, draws
    application data (DESIGN.md 5: only the key confirmation makes the responder's
    channel ``Active``; DESIGN.md 7: a bad PSK or a replay gets nothing sent)."""

    def seal(self, context_id: bytes, peer: bytes, plaintext: bytes) -> bytes:
        channel = self.find_by_context_peer(context_id, peer)
        if (
            channel is not None
            and not channel.is_initiator
            and channel.state is ChannelState.Establishing
        ):
            channel._state = ChannelState.Active
            try:
                return channel.seal(plaintext)
            finally:
                channel._state = ChannelState.Establishing
        return super().seal(context_id, peer, plaintext)


class DataConfirmsManager(ChannelManager):
    """Only a transport message with a payload confirms a responder's channel: an empty
    one, the reference initiator's key confirmation, is taken for a keepalive and
    dropped, so a peer that confirms with an empty message never gets an ``Active``
    responder (DESIGN.md 5: the first transport message from the initiator that
    decrypts is the key confirmation, as in WireGuard, whose keepalive is empty)."""

    def prepare_confirm(
        self, channel: SecureChannel, message: TransportMessage, now_ms: int
    ) -> bytes:
        plaintext = super().prepare_confirm(channel, message, now_ms)
        if not plaintext:
            raise TransportAuthError("an empty message confirms nothing")
        return plaintext

    def receive_message(self, message: TransportMessage) -> Any:
        channel = self.get(message.channel_id)
        if (
            channel is not None
            and channel.state is ChannelState.Establishing
            and not channel.check_message(message)
        ):
            raise TransportAuthError("an empty message confirms nothing")
        return super().receive_message(message)


class ResponseDeadlineBlindManager(ChannelManager):
    """A message 2 is judged without its handshake's deadline ("the timer fails
    handshakes that time out"): one that arrives past the deadline but before the
    timer's sweep completes the handshake, and the initiator sends its key
    confirmation for a handshake that had timed out (DESIGN.md 5: a passed
    ``timeout_ms`` ends in ``Failed``, whoever notices first)."""

    def prepare_finish(
        self, context_id: bytes, peer: bytes, data: bytes, now_ms: int, epoch: int | None = None
    ) -> tuple[Any, SecureChannel, bytes]:
        pending = self.pending(context_id, peer)
        deadline = None if pending is None else pending.next_deadline()
        if deadline is not None and now_ms >= deadline:
            now_ms = deadline - 1
        return super().prepare_finish(context_id, peer, data, now_ms, epoch)


class UnsupersededRotatingManager(ChannelManager):
    """A rekey's new channel becoming ``Active`` leaves the old epoch's ``Rotating``
    channel as it is ("rotating channels send nothing anyway"): it is never closed,
    so each rotation leaks a channel with its keys in memory (DESIGN.md 5: the
    replacement supersedes it; only live channels are kept)."""

    def _supersede(self, channel: SecureChannel) -> None:
        pair = (channel.context_id, channel.remote)
        for other in self._by_pair.get(pair, ()):
            if other is not channel and other.state in (
                ChannelState.Active,
                ChannelState.Establishing,
            ):
                other.close()
        self._forget_terminal(pair)


# -- wire backends --------------------------------------------------------------------


class RetransmitAnswerAuthority(WireAuthority):
    """A message 1 it answered before, delivered again, gets the same message 2 again
    ("the answer was lost: retransmit it, the handshake is idempotent"): a replayed
    message 1 draws an answer, which tells a replaying attacker the member is there
    and still holds that handshake (DESIGN.md 5 and 7: a replay is dropped; the
    local side sends nothing)."""

    def __init__(self, **kw: Any) -> None:
        super().__init__(**kw)
        self._answered: dict[bytes, bytes] = {}

    def deliver(self, data: bytes, now: int) -> Delivery:
        again = self._answered.get(data)
        if again is not None:
            return Delivery("Answered", (again,))
        done = super().deliver(data, now)
        if done.outcome == "Answered" and done.sent:
            self._answered[data] = done.sent[0]
        return done


class ContextFreeKeyAuthority(WireAuthority):
    """:func:`context_free_psk` as a wire backend's handshake PSK."""

    def _config(self) -> HandshakeConfig:
        config = super()._config()
        return attrs.evolve(
            config, psk=context_free_psk(self.root_secret, self.context, self.epoch)
        )


class _OwnMembershipDesk(DescriptorDesk):
    """A desk whose descriptors are built and sealed with ``MEMBERSHIP`` and go into its
    own journal unopened (its code reads them as it wrote them)."""

    MEMBERSHIP: type[ContextMembership] = ContextMembership

    def __init__(self, **kw: Any) -> None:
        super().__init__(**kw)
        m = self.membership
        self.membership = self.MEMBERSHIP(m.context_id, m.roster, m.root_secret)

    def publish(self, now: int, epoch: int) -> Delivery:
        data = self.seal(self.build(now, epoch), epoch)
        self.service.journal(self.context).append(
            DescriptorFact(SealedDescriptor.decode(data)), self.id
        )
        return Delivery("Published", (data,))


class ContextFreeKeyDesk(_OwnMembershipDesk):
    """The same backend's descriptors, committing to that PSK."""

    MEMBERSHIP = ContextFreeKeyMembership


class PskAsCommitmentDesk(_OwnMembershipDesk):
    """Descriptors carrying the PSK as their commitment."""

    MEMBERSHIP = PskAsCommitmentMembership


class PskLabelDescriptorKeyDesk(_OwnMembershipDesk):
    """Descriptors sealed under the PSK as their AEAD key."""

    MEMBERSHIP = PskLabelDescriptorKeyMembership


# A "busy" frame: version 1, a type no protocol message has, the word in clear.
_BUSY_FRAME = b"\x01\xeebusy"


class KeepChargeOnRefusalPorts(GuardPorts):
    """The connect's charge is kept when no message 1 went out (the handshake refused
    locally): "the attempt was made, it is paid" (DESIGN.md 4: the interpreter is
    atomic up to the send; what did not send is rolled back, the charge with it)."""

    def connect(self, epoch: int, start: Callable[[], Delivery]) -> Delivery:
        if not self.room(epoch, self.connect_cost):
            return Delivery("Denied:InsufficientBudget")
        self.charge(epoch, self.connect_cost)
        done = start()
        if done.sent:
            self.log.add(Effect(SEND, detail="SendHandshake"))
        return done


class BusyNoticePorts(GuardPorts):
    """A connect denied for want of budget sends the peer a short "busy, retry later"
    frame instead of nothing (DESIGN.md 4 and 7: a deny has no effects at all, no
    packet; the reason stays local)."""

    def connect(self, epoch: int, start: Callable[[], Delivery]) -> Delivery:
        done = super().connect(epoch, start)
        if done.outcome == "Denied:InsufficientBudget":
            return Delivery(done.outcome, (_BUSY_FRAME,))
        return done


# -- descriptors ----------------------------------------------------------------------

# One second of clock-skew tolerance, the descriptor world's time unit.
_SKEW_MS = 1_000


class BackdatedFromService(RendezvousService):
    """A publication's window starts a second before ``now`` ("tolerate a peer whose
    clock is behind"), its end kept at ``now + validity``: the descriptor claims a
    second in which it did not exist, and a peer behind by that much chooses it over
    the one it replaces (DESIGN.md 2: built valid in ``[now, now + validity)``)."""

    def prepare_publish_descriptor(
        self, snapshot: Any, context_id: ContextId, transport_hints: Any, now_ms: int
    ) -> Any:
        back = min(now_ms, _SKEW_MS)
        config = self.config
        self.config = attrs.evolve(
            config, descriptor_validity_ms=config.descriptor_validity_ms + back
        )
        try:
            return super().prepare_publish_descriptor(
                snapshot, context_id, transport_hints, now_ms - back
            )
        finally:
            self.config = config


class _RevokedFallbackCache(DescriptorCache):
    def choose(self, authority: AuthorityId, now_ms: int) -> RendezvousDescriptor | None:
        found = super().choose(authority, now_ms)
        if found is not None:
            return found
        return choose_descriptor(self.descriptors, self.context_id, authority, now_ms, frozenset())


class RevokedFallbackService(RendezvousService):
    """A revoked descriptor is chosen when the peer has no other valid one ("better a
    revoked address than none"): revocation demoted to a preference (DESIGN.md 2:
    ``DescriptorRevoked`` is honoured everywhere; the choice is among the valid,
    non-revoked descriptors)."""

    def descriptor_cache(self, context_id: ContextId) -> DescriptorCache:
        cache = super().descriptor_cache(context_id)
        return _RevokedFallbackCache(
            cache.context_id, cache.descriptors, cache.revoked, cache.rejected
        )


class AuthorityWideRevocationService(RendezvousService):
    """A revocation retires every descriptor of its publisher, whatever the nonce it
    names ("a revocation means: do not use this member's addresses"): revoking an
    old descriptor also hides the fresh one that replaced it (DESIGN.md 2:
    ``DescriptorRevoked{authority, nonce}`` names one descriptor)."""

    def descriptor_cache(self, context_id: ContextId) -> DescriptorCache:
        cache = super().descriptor_cache(context_id)
        revoking = {a for a, _ in cache.revoked}
        widened = cache.revoked | {
            (d.authority_id, d.nonce) for d in cache.descriptors if d.authority_id in revoking
        }
        return attrs.evolve(cache, revoked=frozenset(widened))


class OriginWatermarkMergeService(_MergeFilterService):
    """A synced entry is skipped when its origin already gave this member an entry
    stamped as high ("each author's stamps grow, so anything at or below the last
    one seen from it is old news"): a fact that reaches this member after a later
    fact of the same author, through another member or a lost sync message, never
    merges (DESIGN.md 3: replicas converge whatever the order, duplication or loss
    of sync messages; the set is deduplicated by content hash, not by stamp)."""

    def __init__(self, *args: Any, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self._watermarks: dict[tuple[ContextId, AuthorityId], int] = {}

    def _kept(self, facts: Any, journal: Any, membership: Any) -> tuple[Any, ...]:
        kept = []
        for entry in facts.entries:
            key = (facts.context_id, entry.origin)
            if entry.lamport <= self._watermarks.get(key, 0):
                continue
            kept.append(entry)
        for entry in kept:
            key = (facts.context_id, entry.origin)
            self._watermarks[key] = max(self._watermarks.get(key, 0), entry.lamport)
        return tuple(kept)


# -- handshake timestamps and the relay -----------------------------------------------


class _ClockStampEndpoint(ChannelEndpoint):
    def _timestamp(self, now_ms: int) -> int:
        return now_ms


class ClockStampService(RendezvousService):
    """A handshake's message 1 is stamped with the bare clock (milliseconds), not a
    strictly increasing value: two handshakes begun in the same millisecond carry one
    timestamp, and the responder takes the second for a replay of the first (DESIGN.md
    5: the first message carries a monotonic timestamp)."""

    def __init__(self, authority_id: AuthorityId, config: Any) -> None:
        super().__init__(authority_id, config)
        self.channel_endpoint = _ClockStampEndpoint(
            authority_id, config.keys.static_private, config.nonce_source
        )


class PaidConfirmationRelayService(RendezvousService):
    """The relay wants a receipt with every envelope ("every relayed message is
    paid"): a key confirmation or transport message, which cost nothing and carry no
    receipt, is refused (``MissingReceipt``), so no relayed handshake completes (seed
    5.2's annotations: only ``RelayRequest`` and the response are paid)."""

    def prepare_relay_forward(
        self, snapshot: Any, envelope: Any, *, receipt: bytes | None = None
    ) -> Any:
        if not receipt:
            try:
                kind = message_type(envelope.payload)
            except AuraError:
                kind = None
            if kind is MessageType.Transport:
                raise MissingReceipt(f"a relayed message from {envelope.src} without a receipt")
        return super().prepare_relay_forward(snapshot, envelope, receipt=receipt)


__all__ = [
    "AuthorityWideRevocationService",
    "BackdatedFromService",
    "BusyNoticePorts",
    "ClockStampService",
    "ContextFreeKeyAuthority",
    "ContextFreeKeyDesk",
    "ContextFreeKeyMembership",
    "DataConfirmsManager",
    "EarlySealingManager",
    "EpochUnsignedIssuer",
    "EpochUnsignedVerifier",
    "KeepChargeOnRefusalPorts",
    "OriginWatermarkMergeService",
    "PaidConfirmationRelayService",
    "PskAsCommitmentDesk",
    "PskLabelDescriptorKeyDesk",
    "ResponseDeadlineBlindManager",
    "RetransmitAnswerAuthority",
    "RevokedFallbackService",
    "UnsupersededRotatingManager",
    "context_free_psk",
]
