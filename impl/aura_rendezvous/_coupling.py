"""The journal-coupling step of the guard chain for one authority (DESIGN.md 4).

Capability and budget are checked by ``evaluate_guards``; what is left is
whether the operation fits the authority's contexts: the snapshot is ours and
of the operation's context, not of an epoch the context has left, we and every
peer are on its roster, and for a handshake the caller's PSK is the epoch's
own. Each failure is a typed ``DenyReason`` (a value, not an exception), so the
outcome carries no effects.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable, Mapping

from aura_rendezvous.core import (
    AuthorityId,
    ContextId,
    ContextMembership,
    LocalProtocolError,
    psk_commitment,
)
from aura_rendezvous.guard import DenyReason, GuardSnapshot

__all__ = ["PSK_CACHE_SIZE", "Coupling"]

PSK_CACHE_SIZE = 16
"""Memoised ``(context, epoch)`` PSK derivations per authority (oldest dropped first)."""


class Coupling:
    """The coupling checks of ``authority_id`` over its memberships, with the PSK memo."""

    def __init__(
        self,
        authority_id: AuthorityId,
        memberships: Mapping[ContextId, ContextMembership],
        current_epoch: Callable[[ContextId], int] = lambda _: 0,
    ) -> None:
        self.authority_id = authority_id
        self._memberships = memberships
        self._current_epoch = current_epoch
        self._psks: dict[tuple[ContextId, int], tuple[bytes, bytes]] = {}

    def check(
        self, snapshot: GuardSnapshot, context_id: ContextId, *peers: AuthorityId
    ) -> ContextMembership | DenyReason:
        """Checks shared by every operation's coupling step."""
        if snapshot.authority_id != self.authority_id:
            raise LocalProtocolError("snapshot of another authority")
        if snapshot.context_id != context_id:
            return DenyReason.ContextMismatch
        membership = self._memberships.get(context_id)
        if membership is None:
            return DenyReason.NotAMember
        roster = membership.roster
        if self.authority_id not in roster:
            return DenyReason.NotAMember
        for peer in peers:
            if peer not in roster:
                return DenyReason.NotAMember
        if snapshot.epoch < self._current_epoch(context_id):
            # The context has moved on (advance_epoch): acting on the old
            # epoch's keys or budget would undo the rotation.
            return DenyReason.StaleEpoch
        return membership

    def check_with_psk(
        self, snapshot: GuardSnapshot, context_id: ContextId, psk: bytes, *peers: AuthorityId
    ) -> ContextMembership | DenyReason:
        """The shared coupling checks, then the caller's PSK against the epoch's own."""
        membership = self.check(snapshot, context_id, *peers)
        if isinstance(membership, DenyReason):
            return membership
        reason = self._psk_reason(membership, snapshot.epoch, psk)
        return membership if reason is None else reason

    def epoch_psk(self, membership: ContextMembership, epoch: int) -> tuple[bytes, bytes]:
        """``(handshake PSK, its commitment)`` of ``(context, epoch)``, memoised.

        Both are pure functions of the root secret, context and epoch, so a
        cached pair is exactly what a fresh derivation would give; the bound
        keeps a long-lived service from holding every epoch it ever saw.
        """
        key = (membership.context_id, epoch)
        found = self._psks.get(key)
        if found is None:
            psk = membership.handshake_psk(epoch)
            found = (psk, psk_commitment(psk))
            if len(self._psks) >= PSK_CACHE_SIZE:
                del self._psks[next(iter(self._psks))]
            self._psks[key] = found
        return found

    def psk_commitment(self, context_id: ContextId, epoch: int, psk: bytes) -> bytes:
        """The commitment to ``psk``, as a descriptor of ``(context, epoch)`` carries it."""
        # Callers check the PSK first, so it is normally the epoch's own and its
        # commitment is cached; any other PSK is committed to afresh.
        membership = self._memberships.get(context_id)
        if membership is not None:
            own, commitment = self.epoch_psk(membership, epoch)
            if hmac.compare_digest(psk, own):
                return commitment
        return psk_commitment(psk)

    def _psk_reason(
        self, membership: ContextMembership, epoch: int, psk: bytes
    ) -> DenyReason | None:
        if not isinstance(psk, bytes) or len(psk) != 32:
            raise LocalProtocolError("psk must be 32 bytes")
        if not hmac.compare_digest(psk, self.epoch_psk(membership, epoch)[0]):
            return DenyReason.EpochMismatch
        return None
