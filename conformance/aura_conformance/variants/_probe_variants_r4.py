"""The red team's fourth round of wrong backends, written from DESIGN.md's rules alone.

Each keeps one subtle implementation mistake (an off-by-one at a window's edge,
state kept or dropped across an epoch, a derivation's bytes in the wrong order,
a rollback that forgets one piece, a memory keyed by the wrong party) as a real
implementation could make it. The
tests run each through the default profile and record whether it is rejected
and under which invariant (tests/conformance/test_probe_variants_r4.py);
nothing in the reference implementation uses them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import attrs
from aura_rendezvous import (
    AuthorityId,
    ChannelManager,
    ContextId,
    RendezvousConfig,
    RendezvousService,
)
from aura_rendezvous.channels import (
    HandshakeReplayGuard,
    ReceivedMessage,
    SecureChannel,
    TransportMessage,
)
from aura_rendezvous.core import ContextMembership, check_u64
from aura_rendezvous.descriptors import RendezvousDescriptor, choose_descriptor, needs_refresh_at
from aura_rendezvous.guard import (
    GENESIS_HASH,
    EffectInterpreter,
    Receipt,
    ReceiptAcceptToken,
    ReceiptIssuer,
    ReceiptToken,
    ReceiptVerifier,
)
from aura_rendezvous.journal import DescriptorCache, prune_journal

__all__ = [
    "EarlyRefreshService",
    "EpochCarryIssuer",
    "EqualCounterManager",
    "HalfUndoIssuer",
    "HeadKeepingUndoService",
    "HeadKeepingUndoVerifier",
    "InitiatorBlindReplayGuard",
    "KeptAcceptanceInterpreter",
    "LaggingAdvanceManager",
    "LittleEndianEpochMembership",
    "NoFallbackChoiceService",
    "NonceFirstChoiceService",
    "OverForgettingReplayGuard",
    "PruneOneEarlyService",
    "RestartingUndoService",
    "RestartingUndoVerifier",
    "ZeroBasedNonceIssuer",
]


# -- guard chain: receipts and rollback -----------------------------------------------


class HalfUndoIssuer(ReceiptIssuer):
    """A rolled-back receipt gives its nonce back but not its link: the undo restores
    the stream's last nonce and keeps the undone receipt's hash as the chain head, so
    the next receipt reuses the nonce and links to one that was never sent."""

    def undo(self, token: ReceiptToken) -> None:
        undone = self._last[token.key][1]
        nonce = token.previous[0] if token.previous is not None else 0
        self._last[token.key] = (nonce, undone)
        self.issued.pop()


class ZeroBasedNonceIssuer(ReceiptIssuer):
    """A stream's first receipt carries nonce 0 (the counter read before it is
    incremented): DESIGN.md 4's receiver takes the first receipt's link as checked
    only at nonce 1, so the genesis link of every stream goes unchecked."""

    def issue(
        self,
        operation: str,
        context_id: ContextId,
        dst: AuthorityId,
        epoch: int,
        cost: int,
        **kw: Any,
    ) -> tuple[Receipt, ReceiptToken]:
        key = self._stream_key(context_id, epoch, dst)
        fresh = key not in self._last
        if fresh:
            self._last[key] = (-1, GENESIS_HASH)
        try:
            receipt, token = super().issue(operation, context_id, dst, epoch, cost, **kw)
        except BaseException:
            if fresh:
                del self._last[key]
            raise
        return receipt, ReceiptToken(key, None) if fresh else token


class EpochCarryIssuer(ReceiptIssuer):
    """Receipt streams are numbered and chained per ``(context, dst)`` only: a new
    epoch continues the old epoch's nonces and links its first receipt to the last
    receipt of the retired epoch (DESIGN.md 4: per ``(src, context, epoch)``)."""

    def _stream_key(
        self, context_id: ContextId, epoch: int, dst: AuthorityId
    ) -> tuple[ContextId, int, AuthorityId]:
        del epoch
        return (context_id, 0, dst)


class RestartingUndoVerifier(ReceiptVerifier):
    """The receiver's rollback forgets the whole stream instead of restoring the
    previous head: after a rolled-back acceptance the next receipt of that source is
    taken as the first of its epoch (any nonce, the genesis link unchecked after a gap),
    so an old receipt of the same source and epoch is accepted again."""

    def undo(self, token: ReceiptAcceptToken) -> None:
        self._last.pop(token.key, None)
        self.accepted.pop()


class KeptAcceptanceInterpreter(EffectInterpreter):
    """The rollback unwinds the charge, the journal and the channel but not the
    receiver's acceptance of the sender's receipt: a refused message's receipt stays
    the last accepted of its stream (the one undo the unwinding loop forgets)."""

    def _undo(self, token: Any) -> None:
        if isinstance(token, ReceiptAcceptToken):
            return
        super()._undo(token)


class HeadKeepingUndoVerifier(ReceiptVerifier):
    """The receiver's rollback takes the receipt off the accepted list but leaves it
    the head of its stream (the same forgotten undo as
    :class:`KeptAcceptanceInterpreter`, made in the verifier)."""

    def undo(self, token: ReceiptAcceptToken) -> None:
        del token
        self.accepted.pop()


class _VerifierService(RendezvousService):
    """The reference service with its receivers' verifiers of class ``_verifier``."""

    _verifier: type[ReceiptVerifier] = ReceiptVerifier

    def __init__(self, authority_id: AuthorityId, config: RendezvousConfig) -> None:
        super().__init__(authority_id, config)
        self.receipt_verifiers = {
            c: self._verifier(c, m.roster, receiver=authority_id)
            for c, m in self._memberships.items()
        }


class RestartingUndoService(_VerifierService):
    """:class:`RestartingUndoVerifier` as a service's (relay's or peer's) receiver."""

    _verifier = RestartingUndoVerifier


class HeadKeepingUndoService(_VerifierService):
    """:class:`HeadKeepingUndoVerifier` as a service's (relay's or peer's) receiver."""

    _verifier = HeadKeepingUndoVerifier


# -- channels and epochs --------------------------------------------------------------


class InitiatorBlindReplayGuard(HandshakeReplayGuard):
    """First-message timestamps are kept under the responder's own key, not the
    initiator's (the check done on the wrong party's id): every initiator of a context
    and epoch shares one greatest timestamp at a responder."""

    _WHO = b"\x00" * 32

    def greatest(self, context_id: bytes, epoch: int, initiator: bytes) -> int | None:
        return super().greatest(context_id, epoch, self._WHO)

    def check_replay(self, context_id: bytes, epoch: int, initiator: bytes, timestamp: int) -> None:
        super().check_replay(context_id, epoch, self._WHO, timestamp)

    def check_confirmable(
        self, context_id: bytes, epoch: int, initiator: bytes, timestamp: int
    ) -> None:
        super().check_confirmable(context_id, epoch, self._WHO, timestamp)

    def note_answered(
        self, context_id: bytes, epoch: int, initiator: bytes, timestamp: int
    ) -> None:
        super().note_answered(context_id, epoch, self._WHO, timestamp)

    def record(self, context_id: bytes, epoch: int, initiator: bytes, timestamp: int) -> None:
        super().record(context_id, epoch, self._WHO, timestamp)


class OverForgettingReplayGuard(HandshakeReplayGuard):
    """At an epoch advance the timestamps of every epoch up to and including the
    current one are dropped (``<=`` for ``<``): the memory of the epoch still in use,
    in every context, is wiped by any context's rotation."""

    def forget_retired(self, epoch_of: Callable[[bytes], int]) -> None:
        super().forget_retired(lambda context: epoch_of(context) + 1)


class EqualCounterManager(ChannelManager):
    """The receive window refuses a counter below the greatest received, not one equal
    to it (``<`` for ``<=``): the last transport message delivered again opens twice."""

    def receive_message(self, message: TransportMessage) -> ReceivedMessage:
        channel = self._by_id.get(message.channel_id)
        if channel is None or channel._highest_recv != message.counter:
            return super().receive_message(message)
        saved = channel._highest_recv
        channel._highest_recv = None if saved == 0 else saved - 1
        try:
            return super().receive_message(message)
        except BaseException:
            channel._highest_recv = saved
            raise


class LaggingAdvanceManager(ChannelManager):
    """``advance_epoch(e)`` marks ``Rotating`` the channels of epochs below ``e - 1``
    (an off-by-one in "older than the previous epoch"): the channels of the epoch just
    retired stay live and keep sending under its keys."""

    def advance_epoch(
        self, epoch: int, context_id: bytes | None = None
    ) -> tuple[SecureChannel, ...]:
        before = {id(c): c.save() for c in self._by_id.values()}
        marked = super().advance_epoch(epoch, context_id)
        kept = []
        for channel in marked:
            if channel.epoch == self.epoch_of(channel.context_id) - 1:
                channel.restore(before[id(channel)])
            else:
                kept.append(channel)
        return tuple(kept)


def _byte_swapped(epoch: int) -> int:
    return int.from_bytes(check_u64("epoch", epoch).to_bytes(8, "little"), "big")


@attrs.frozen
class LittleEndianEpochMembership(ContextMembership):
    """The handshake PSK's HKDF ``info`` carries the epoch little-endian (DESIGN.md 1:
    8 bytes big-endian): equal at epoch 0, another key from epoch 1 on."""

    def handshake_psk(self, epoch: int) -> bytes:
        return super().handshake_psk(_byte_swapped(epoch))


# -- descriptors ----------------------------------------------------------------------


class EarlyRefreshService(RendezvousService):
    """``needs_refresh`` with ``now + window + 1 >= valid_until`` (a window counted
    inclusively at both ends): the refresh comes one instant early."""

    def needs_refresh(self, context_id: ContextId, now_ms: int, refresh_window_ms: int) -> bool:
        if super().needs_refresh(context_id, now_ms, refresh_window_ms):
            return True
        own = self.get_cached_descriptor(context_id, self.authority_id, now_ms)
        window = check_u64("window", refresh_window_ms)
        return own is not None and needs_refresh_at(own.valid_until, now_ms, window + 1)


@attrs.frozen
class _NonceFirstCache(DescriptorCache):
    """Chooses the greatest ``(nonce, valid_from)``: the order key's fields swapped."""

    def choose(self, authority: AuthorityId, now_ms: int) -> RendezvousDescriptor | None:
        live = [
            d
            for d in self.descriptors
            if choose_descriptor((d,), self.context_id, authority, now_ms, self.revoked) is not None
        ]
        return max(live, key=lambda d: (d.nonce, d.valid_from), default=None)


class NonceFirstChoiceService(RendezvousService):
    """The peer's descriptor is the valid, non-revoked one with the greatest
    ``(nonce, valid_from)`` (DESIGN.md 2: ``(valid_from, nonce)``): deterministic, but
    a random nonce outranks a later publication."""

    def descriptor_cache(self, context_id: ContextId) -> DescriptorCache:
        cache = super().descriptor_cache(context_id)
        return _NonceFirstCache(cache.context_id, cache.descriptors, cache.revoked, cache.rejected)


@attrs.frozen
class _NoFallbackCache(DescriptorCache):
    """Takes the newest valid descriptor first and only then asks the revocations: a
    revoked newest one yields no descriptor, not the next valid one."""

    def choose(self, authority: AuthorityId, now_ms: int) -> RendezvousDescriptor | None:
        best = choose_descriptor(self.descriptors, self.context_id, authority, now_ms)
        if best is None or (best.authority_id, best.nonce) in self.revoked:
            return None
        return best


class NoFallbackChoiceService(RendezvousService):
    """Revocation is applied after the choice instead of before it: when a peer's
    newest descriptor is revoked, an older one still valid is not used."""

    def descriptor_cache(self, context_id: ContextId) -> DescriptorCache:
        cache = super().descriptor_cache(context_id)
        return _NoFallbackCache(cache.context_id, cache.descriptors, cache.revoked, cache.rejected)


class PruneOneEarlyService(RendezvousService):
    """Pruning drops the facts dead one instant after the horizon (``valid_until <=
    horizon + 1``): a descriptor in its last valid instant is pruned."""

    def prune_journal(self, context_id: ContextId, now_ms: int) -> int:
        membership = self._require_membership(context_id)
        horizon = max(self._horizons.get(context_id, 0), check_u64("now_ms", now_ms))
        self._horizons[context_id] = horizon
        return prune_journal(self.journal(context_id), membership, horizon + 1)
