"""What the service's one pulled timer reports (the I/O shell's side of the core).

The shell asks :meth:`RendezvousService.next_deadline` when to wake up, arms one
timer for it, and at that instant calls :meth:`RendezvousService.handle_timer`
with the time it read: the core never reads a clock. ``handle_timer`` returns
the typed events below, each reported once, for the shell to act on (retry a
handshake on the next rung of the ladder, republish a descriptor). It sends
nothing itself.
"""

from __future__ import annotations

import enum

import attrs

from aura_rendezvous.channels import Handshaker, SecureChannel
from aura_rendezvous.core import (
    AuthorityId,
    ContextId,
    is_authority,
    is_context,
    u64,
)
from aura_rendezvous.descriptors import RendezvousDescriptor

__all__ = [
    "DescriptorRefreshDue",
    "HandshakeRole",
    "HandshakeTimedOut",
    "TimerEvent",
    "refresh_deadline",
    "timed_out_event",
]


class HandshakeRole(enum.Enum):
    Initiator = "Initiator"
    Responder = "Responder"


@attrs.frozen
class HandshakeTimedOut:
    """A handshake with ``peer`` did not complete in time: as initiator no message 2
    came, as responder no key confirmation. The attempt is over (``Failed`` /
    ``Error``); a new one is a new handshake."""

    context_id: ContextId = attrs.field(validator=is_context)
    peer: AuthorityId = attrs.field(validator=is_authority)
    role: HandshakeRole


@attrs.frozen
class DescriptorRefreshDue:
    """Our descriptor in ``context_id`` needs a successor: it is about to expire
    (``valid_until`` within the refresh window) or commits to an older epoch's PSK."""

    context_id: ContextId = attrs.field(validator=is_context)
    valid_until: int = attrs.field(validator=u64)


TimerEvent = HandshakeTimedOut | DescriptorRefreshDue


def timed_out_event(failed: SecureChannel | Handshaker) -> HandshakeTimedOut:
    """The event for one handshake or unconfirmed channel the manager failed."""
    if isinstance(failed, SecureChannel):
        return HandshakeTimedOut(
            ContextId(failed.context_id), AuthorityId(failed.remote), HandshakeRole.Responder
        )
    remote = failed.config.remote
    # Only initiators wait in the manager's pending table, and they name their peer.
    assert remote is not None
    return HandshakeTimedOut(
        ContextId(failed.config.context_id), AuthorityId(remote), HandshakeRole.Initiator
    )


def refresh_deadline(own: RendezvousDescriptor, window_ms: int, *, stale_epoch: bool) -> int:
    """When ``own`` needs a successor: at once if it commits to an older epoch,
    else when ``now + window >= valid_until`` first holds (``needs_refresh_at``)."""
    if stale_epoch:
        return 0
    return max(0, own.valid_until - window_ms)
