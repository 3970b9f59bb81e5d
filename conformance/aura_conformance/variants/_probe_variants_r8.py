"""The red team's eighth round of wrong backends, written from DESIGN.md's rules alone.

Each keeps one plausible implementation mistake in the guard chain's receipts and
budgets or in the channel layer's epochs, timers and replay memory: a signature
checked only where a link is, a replay read as "the same nonce as the last", a
chain head left behind on a resynchronisation, a chain continued across epochs at
the receiver, receipt streams numbered across contexts, a receiver that pays for
what it receives, a handshake in flight that an epoch advance does not retire, a
timer sweep that forgets pending handshakes, a channel id derived without the
epoch, a reordered message 1 that replaces a newer one, a clock-skew bound counted
from the last confirmed timestamp, a timeout that closes instead of failing, and a
responder that follows a peer's newer epoch. The tests run each through the
default profile and record whether it is rejected and under which invariant
(tests/conformance/test_probe_variants_r8.py); nothing in the reference
implementation uses them. The wire mode's own probes live with that test: the
variants package must not import the wire mode.
"""

from __future__ import annotations

import hashlib
from typing import Any

from aura_rendezvous.channels import (
    CHANNEL_ID_LABEL,
    ChannelEvent,
    ChannelManager,
    ChannelState,
    HandshakeConfig,
    Handshaker,
    HandshakeReplayGuard,
    MessageType,
    SecureChannel,
    decode_handshake,
)
from aura_rendezvous.core import (
    AuraError,
    AuthorityId,
    ContextId,
    HandshakeClockSkew,
    ReceiptChainBroken,
    ReceiptReplayed,
    ReceiptWrongContext,
    ReceiptWrongEpoch,
    ReceiptWrongSigner,
)
from aura_rendezvous.guard import (
    GENESIS_HASH,
    AcceptReceipt,
    EffectInterpreter,
    Receipt,
    ReceiptAcceptToken,
    ReceiptIssuer,
)

from aura_conformance.variants._probe_variants_r3 import _HookVerifier
from aura_conformance.variants._probe_variants_r7 import ChannelRewritingManager

__all__ = [
    "ConfirmationCounterReuseManager",
    "ContextBlindStreamIssuer",
    "EpochCarryVerifier",
    "EpochlessChannelIdManager",
    "EqualOnlyReplayVerifier",
    "EstablishingSurvivesAdvanceManager",
    "FollowPeerEpochManager",
    "GapUnsignedVerifier",
    "JumpBoundReplayGuard",
    "OnePendingPerPeerManager",
    "ReceiverPaysInterpreter",
    "StaleHeadOnResyncVerifier",
    "TimeoutClosesManager",
    "TrustedRekeyManager",
    "UnorderedPendingManager",
    "UnsweptPendingManager",
    "epochless_channel_id",
]


# -- guard chain: receipts ------------------------------------------------------------


class _R8Verifier(_HookVerifier):
    """The reference's receipt checks with the places this round gets wrong: what
    counts as a replay, which link a receipt must carry, and what becomes the head."""

    def _replayed(self, last_nonce: int | None, nonce: int) -> bool:
        return last_nonce is not None and nonce <= last_nonce

    def _expected_link(self, receipt: Receipt, previous: tuple[int, bytes] | None) -> bytes:
        return previous[1] if previous is not None else GENESIS_HASH

    def _head(self, receipt: Receipt, previous: tuple[int, bytes] | None) -> tuple[int, bytes]:
        return (receipt.nonce, receipt.hash())

    def check(self, receipt: Receipt, current_epoch: int) -> None:
        if receipt.context_id != self.context_id:
            raise ReceiptWrongContext("receipt of another context")
        entry = self.roster.get(receipt.src)
        if entry is None:
            raise ReceiptWrongSigner(f"{receipt.src} is not on the roster")
        previous = self._last.get(self._stream(receipt))
        last_nonce = previous[0] if previous is not None else None
        if self._signature_checked(last_nonce, receipt.nonce) and not self._signed(
            receipt, entry.ed25519_public
        ):
            raise ReceiptWrongSigner(f"receipt is not signed by {receipt.src}")
        if receipt.epoch != current_epoch:
            raise ReceiptWrongEpoch(f"receipt of epoch {receipt.epoch}, now {current_epoch}")
        if self._replayed(last_nonce, receipt.nonce):
            raise ReceiptReplayed(f"nonce {receipt.nonce} refused after {last_nonce}")
        follows = receipt.nonce == (0 if last_nonce is None else last_nonce) + 1
        if follows and receipt.prev_hash != self._expected_link(receipt, previous):
            raise ReceiptChainBroken("receipt does not link to the last accepted one")

    def accept(self, receipt: Receipt, current_epoch: int) -> ReceiptAcceptToken:
        self.check(receipt, current_epoch)
        key = self._stream(receipt)
        previous = self._last.get(key)
        token = ReceiptAcceptToken(self.context_id, key, previous)
        self._last[key] = self._head(receipt, previous)
        self.accepted.append(receipt)
        return token


class GapUnsignedVerifier(_R8Verifier):
    """The signature is checked only where the link is (a receipt that directly follows
    the last accepted one, or a stream's first): a receipt after a gap, taken as a
    resynchronisation, is taken unsigned ("the resync is the lenient path"), so a
    forgery numbered past the head is accepted (DESIGN.md 4: src's signature, always)."""

    def _signature_checked(self, last_nonce: int | None, nonce: int) -> bool:
        return nonce == (0 if last_nonce is None else last_nonce) + 1


class EqualOnlyReplayVerifier(_R8Verifier):
    """A replay is read as "the same nonce as the last accepted" (``==`` for ``<=``): a
    receipt older than the head, delivered late or again, is taken, and as it does not
    follow the head no link is asked of it (DESIGN.md 4: a replayed *or reordered*
    nonce is rejected)."""

    def _replayed(self, last_nonce: int | None, nonce: int) -> bool:
        return last_nonce is not None and nonce == last_nonce


class StaleHeadOnResyncVerifier(_R8Verifier):
    """A receipt taken after a gap moves the stream's nonce but not its chain head
    ("the hash moves only with a checked link"): the head keeps the hash of the receipt
    before the gap, so the genuine receipt after the resynchronising one, which links
    to it, is refused as a broken chain (the spec's ``GCReceiptResumesAfterLoss``)."""

    def _head(self, receipt: Receipt, previous: tuple[int, bytes] | None) -> tuple[int, bytes]:
        last = 0 if previous is None else previous[0]
        if receipt.nonce == last + 1:
            return (receipt.nonce, receipt.hash())
        return (receipt.nonce, GENESIS_HASH if previous is None else previous[1])


class EpochCarryVerifier(_R8Verifier):
    """The receiver continues a source's chain across epochs: nonces restart at 1 in a
    new epoch, but the first receipt of an epoch must link to the last one accepted in
    the epoch before (the receiving half of a chain "per source"): the sender's genuine
    genesis-linked receipt 1 of the new epoch is refused (DESIGN.md 4: per ``(src,
    context, epoch)``)."""

    def _expected_link(self, receipt: Receipt, previous: tuple[int, bytes] | None) -> bytes:
        if previous is None and receipt.epoch > 0:
            before = self._last.get((receipt.src, receipt.epoch - 1))
            if before is not None:
                return before[1]
        return super()._expected_link(receipt, previous)


class ContextBlindStreamIssuer(ReceiptIssuer):
    """Receipt streams are numbered and chained per ``(epoch, dst)``, the context left out
    (an issuer written when a member had one context): a payment in another context
    the two members share takes the next nonce of this context's stream and becomes
    the head its next receipt here links to (DESIGN.md 4: per ``(src, context,
    epoch)``)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._first_context: ContextId | None = None

    def _stream_key(
        self, context_id: ContextId, epoch: int, dst: AuthorityId
    ) -> tuple[ContextId, int, AuthorityId]:
        if self._first_context is None:
            self._first_context = context_id
        return (self._first_context, epoch, dst)


# -- guard chain: budgets -------------------------------------------------------------


class ReceiverPaysInterpreter(EffectInterpreter):
    """Taking a peer's receipt also charges its cost to the receiver's own budget ("both
    ends pay for a message", the public code base's double charge in another shape):
    the receiver's spent moves on every receipt it accepts, and once its budget is
    used up it refuses genuine receipts (DESIGN.md 4: a receipt proves what ``src``
    paid; the receiver's budget is its own sends')."""

    def _do(self, effect, undo, receipts):  # type: ignore[no-untyped-def]
        if isinstance(effect, AcceptReceipt):
            undo.append(
                self.budget.charge(
                    effect.context_id, self.authority_id, effect.epoch, effect.receipt.cost
                )
            )
        super()._do(effect, undo, receipts)


# -- channels: epochs -----------------------------------------------------------------


class EstablishingSurvivesAdvanceManager(ChannelManager):
    """An epoch advance marks ``Rotating`` the channels that carry traffic (``Active``)
    only: a responder channel still waiting for its key confirmation stays
    ``Establishing`` under the retired epoch ("a handshake in flight finishes or times
    out") (DESIGN.md 5: ``advance_epoch(e)`` marks *every* older channel ``Rotating``)."""

    def advance_epoch(
        self, epoch: int, context_id: bytes | None = None
    ) -> tuple[SecureChannel, ...]:
        waiting = [c for c in self.channels() if c.state is ChannelState.Establishing]
        marked = super().advance_epoch(epoch, context_id)
        kept = []
        for channel in waiting:
            if channel.state is ChannelState.Rotating:
                channel._state = ChannelState.Establishing
                kept.append(channel)
        return tuple(c for c in marked if c not in kept)


class FollowPeerEpochManager(ChannelManager):
    """A message 1 whose header names a newer epoch than the context's moves the context
    to it before the message is judged ("the peer has rotated: follow it"): the
    cleartext header, which anyone may write, retires the responder's channels (and an
    advance to an epoch already reached is a no-op) (DESIGN.md 1 and 5: a context's
    epoch is its own; an epoch mismatch is refused, never adopted)."""

    def advance_epoch(
        self, epoch: int, context_id: bytes | None = None
    ) -> tuple[SecureChannel, ...]:
        current = self._epoch if context_id is None else self.epoch_of(context_id)
        if epoch <= current:
            return ()
        return super().advance_epoch(epoch, context_id)

    def prepare_accept(
        self, config: HandshakeConfig, data: bytes, **kw: Any
    ) -> tuple[SecureChannel, bytes]:
        try:
            named = decode_handshake(data, MessageType.HandshakeInit).epoch
        except AuraError:
            named = None  # the reference refuses it below, with its own reason
        if named is not None and named > self.epoch_of(config.context_id):
            self.advance_epoch(named, config.context_id)
        return super().prepare_accept(config, data, **kw)


# -- channels: timers -----------------------------------------------------------------


class UnsweptPendingManager(ChannelManager):
    """The timer sweep walks the channel table only: a pending initiator handshake (no
    channel yet) is failed only when its message 2 arrives late, never by the timer, so
    an initiator whose peer never answers waits for ever (DESIGN.md 5: a passed
    ``timeout_ms`` ends in ``Failed``)."""

    def check_timeouts(self, now_ms: int) -> tuple[SecureChannel | Handshaker, ...]:
        pending, self._pending = self._pending, {}
        try:
            return super().check_timeouts(now_ms)
        finally:
            self._pending = pending


class TimeoutClosesManager(ChannelManager):
    """A responder channel whose key confirmation did not come in time is closed ("clean
    up what never got going"), not failed: it ends ``Closed`` like a channel its owner
    closed (DESIGN.md 5: a passed ``timeout_ms`` ends in ``Failed``, the error state)."""

    def check_timeouts(self, now_ms: int) -> tuple[SecureChannel | Handshaker, ...]:
        due = [
            c
            for c in self.channels()
            if c.state is ChannelState.Establishing
            and c.confirm_deadline_ms is not None
            and now_ms >= c.confirm_deadline_ms
        ]
        for channel in due:
            channel.close()
            self._forget_terminal((channel.context_id, channel.remote))
        return (*super().check_timeouts(now_ms), *due)


# -- channels: handshakes -------------------------------------------------------------


class UnorderedPendingManager(ChannelManager):
    """A message 1 is checked against the replay guard only, not against the answered
    handshake still waiting for its confirmation: an older message 1 of the same
    initiator, reordered on the way, replaces the newer answered one (DESIGN.md 5: the
    responder keeps the greatest timestamp; a message 1 not newer than the pending
    one is a replay or a reorder)."""

    def _check_newer_than_pending(self, channel: SecureChannel) -> None:
        return None


class JumpBoundReplayGuard(HandshakeReplayGuard):
    """The clock-skew bound is counted from the greatest confirmed timestamp ("a
    timestamp may jump at most ``max_skew_ms`` past the last one seen"), not from the
    responder's clock: with nothing confirmed yet in an epoch, any timestamp is
    answered, 2^64 - 1 included (docs/channels.md: at most
    ``MAX_HANDSHAKE_CLOCK_SKEW_MS`` ahead of now)."""

    def check(
        self, context_id: bytes, epoch: int, initiator: bytes, timestamp: int, now_ms: int
    ) -> None:
        del now_ms
        seen = self.greatest(context_id, epoch, initiator)
        if seen is not None and timestamp > seen + self.max_skew_ms:
            raise HandshakeClockSkew(f"timestamp {timestamp} jumps past {seen}")
        self.check_replay(context_id, epoch, initiator, timestamp)


# -- channels: keys and counters -----------------------------------------------------


class ConfirmationCounterReuseManager(ChannelManager):
    """The key confirmation is sealed as a handshake message, outside the data stream:
    the initiator's data counter starts at 0 again after it, so its first data message
    is sealed under the confirmation's key *and nonce* (a (key, nonce) pair used twice,
    which the responder also refuses as a replay of counter 0) (DESIGN.md 5, docs/
    channels.md: the confirmation is transport message 0; counters strictly grow)."""

    def prepare_finish(
        self, context_id: bytes, peer: bytes, data: bytes, now_ms: int, epoch: int | None = None
    ) -> tuple[Handshaker, SecureChannel, bytes]:
        pending, channel, confirmation = super().prepare_finish(
            context_id, peer, data, now_ms, epoch
        )
        channel._next_send = 0
        return pending, channel, confirmation


class TrustedRekeyManager(ChannelManager):
    """A rekey's key confirmation is skipped: a responder whose channel with the
    initiator is ``Rotating`` (proven in the epoch before) makes the new epoch's channel
    ``Active`` as soon as it answers message 1 ("the peer proved itself already"), so a
    message 1 under a PSK nobody proved yields an ``Active`` channel (DESIGN.md 5: only
    the key confirmation makes a responder's channel ``Active``; a wrong PSK never does)."""

    def commit_accept(self, channel: SecureChannel) -> None:
        pair = (channel.context_id, channel.remote)
        proven = any(c.state is ChannelState.Rotating for c in self._by_pair.get(pair, ()))
        super().commit_accept(channel)
        if proven:
            channel.apply(ChannelEvent.KeyConfirmed)


# -- channels: contexts ---------------------------------------------------------------


class OnePendingPerPeerManager(ChannelManager):
    """Starting a handshake with a peer abandons any other handshake pending with that
    peer, whatever its context ("one handshake per peer at a time"): a handshake in
    another context the two share drops this context's pending one, whose genuine
    message 2 then finds nothing (DESIGN.md 5: the channel layer is per ``(context,
    peer)``; state of one context never touches another)."""

    def commit_start(self, handshaker: Handshaker) -> None:
        config = handshaker.config
        for key in [k for k in self._pending if k[1] == config.remote]:
            if key[0] != config.context_id:
                del self._pending[key]
        super().commit_start(handshaker)


# -- channels: ids --------------------------------------------------------------------

_CHANNEL_ID_PREFIX = bytes([len(CHANNEL_ID_LABEL)]) + CHANNEL_ID_LABEL


def epochless_channel_id(context_id: bytes, handshake_hash: bytes) -> bytes:
    """``BLAKE2s(len(label) || label || context id || handshake hash)``: the epoch left out."""
    return hashlib.blake2s(_CHANNEL_ID_PREFIX + context_id + handshake_hash).digest()


class EpochlessChannelIdManager(ChannelRewritingManager):
    """The channel id hashes the label, the context and the handshake hash, the epoch
    left out ("the prologue already binds the epoch into the handshake hash"): unique
    still, but not DESIGN.md 5's derivation (label, context id, epoch, handshake hash),
    so a peer deriving it as specified knows no channel by the id this one sends."""

    def _rewrite(self, channel: SecureChannel) -> SecureChannel:
        channel.channel_id = epochless_channel_id(channel.context_id, channel.handshake_hash)
        return channel
