"""Today's epoch handling of the service, kept as broken variants.

- :class:`LazyEpochService`: no explicit epoch change. The channel layer
  notices a new epoch only when a handshake operation passes a newer
  snapshot (``ChannelEndpoint.sync_epoch`` in start/accept/finish/confirm),
  so after the context moved on a channel of the old epoch keeps sealing
  (EpochRotation.tla ``BUG_LazyEpochAdvance``, caught by ``ERNoStaleActive``).
- :class:`EpochBlindRefreshService`: ``needs_refresh`` looks at the validity
  window only, so an own descriptor of a past epoch, which every peer denies
  (``PskCommitmentMismatch``), is kept (Rendezvous.tla
  ``BUG_RefreshIgnoresEpoch``, caught by ``RVRefreshAfterRotation``).
- :class:`EpochJudgedUnknownChannelManager`: a transport message naming no
  live channel is judged by the manager-wide epoch, which does not move when
  contexts advance on their own, so a message for a closed channel of a newer
  context epoch is reported as ``WrongEpoch`` instead of ``UnknownChannel``.
"""

from __future__ import annotations

from aura_rendezvous import (
    AuthorityId,
    ChannelManager,
    ContextId,
    RendezvousService,
    RetiredEpoch,
    WrongEpoch,
)
from aura_rendezvous.channels import ReceivedMessage, TransportMessage
from aura_rendezvous.core import check_u64
from aura_rendezvous.descriptors import needs_refresh_at

__all__ = ["EpochBlindRefreshService", "EpochJudgedUnknownChannelManager", "LazyEpochService"]


class LazyEpochService(RendezvousService):
    """The epoch change reaches no channel: only a later handshake operation would
    move the channel layer, and sealing never does."""

    def advance_epoch(self, context_id: ContextId, epoch: int) -> tuple[AuthorityId, ...]:
        return ()


class EpochBlindRefreshService(RendezvousService):
    """``needs_refresh`` as it was: no own valid descriptor, or the window reached."""

    def needs_refresh(self, context_id: ContextId, now_ms: int, refresh_window_ms: int) -> bool:
        own = self.get_cached_descriptor(context_id, self.authority_id, now_ms)
        if own is None:
            return True
        return needs_refresh_at(own.valid_until, now_ms, check_u64("window", refresh_window_ms))


class EpochJudgedUnknownChannelManager(ChannelManager):
    """An unknown channel id judged by the manager-wide epoch, as it was."""

    def receive_message(self, message: TransportMessage) -> ReceivedMessage:
        if self.get(message.channel_id) is None:
            current = self.current_epoch
            if message.epoch < current:
                raise RetiredEpoch(f"message of epoch {message.epoch}, current {current}")
            if message.epoch > current:
                raise WrongEpoch(f"message of epoch {message.epoch}, current {current}")
        return super().receive_message(message)
