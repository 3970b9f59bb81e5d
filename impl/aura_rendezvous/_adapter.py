"""``RendezvousAdapter`` (seed 6.1): peer discovery for sync, from the derived cache."""

from __future__ import annotations

import attrs

from aura_rendezvous._service import RendezvousService
from aura_rendezvous.core import AuthorityId, ContextId, is_authority, is_context
from aura_rendezvous.descriptors import RendezvousDescriptor, needs_refresh_at

__all__ = ["PeerInfo", "RendezvousAdapter"]


@attrs.frozen
class PeerInfo:
    """What a member knows of a peer at one instant: its chosen descriptor."""

    context_id: ContextId = attrs.field(validator=is_context)
    authority_id: AuthorityId = attrs.field(validator=is_authority)
    descriptor: RendezvousDescriptor

    def has_direct_transport(self) -> bool:
        return self.descriptor.has_direct_transport()


class RendezvousAdapter:
    def __init__(self, service: RendezvousService) -> None:
        self._service = service

    @classmethod
    def new(cls, service: RendezvousService) -> RendezvousAdapter:
        return cls(service)

    def get_peer_info(
        self, context_id: ContextId, peer: AuthorityId, now_ms: int
    ) -> PeerInfo | None:
        desc = self._service.get_cached_descriptor(context_id, peer, now_ms)
        return None if desc is None else PeerInfo(context_id, peer, desc)

    def peers_needing_refresh(
        self, context_id: ContextId, now_ms: int, refresh_window_ms: int | None = None
    ) -> list[AuthorityId]:
        """Roster peers (not us) with no valid descriptor or one about to expire, sorted."""
        membership = self._service.membership(context_id)
        if membership is None:
            return []
        window = (
            self._service.config.refresh_window_ms
            if refresh_window_ms is None
            else refresh_window_ms
        )
        stale: list[AuthorityId] = []
        for peer in membership.roster:
            if peer == self._service.authority_id:
                continue
            desc = self._service.get_cached_descriptor(context_id, peer, now_ms)
            if desc is None or needs_refresh_at(desc.valid_until, now_ms, window):
                stale.append(peer)
        return stale
