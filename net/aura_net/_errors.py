"""The error family of ``aura_net``: what a peer's bytes or silence did wrong, typed.

Every error from the network is a :class:`~aura_rendezvous.RemoteProtocolError`
(its ``reason`` names the rejection), so a caller handles a bad frame, a bad
STUN packet and a bad Noise message alike. Our own waits that ran out are
:class:`SafetyNetTimeout`: a timeout is a safety net, reported, never a verdict.
"""

from __future__ import annotations

from aura_rendezvous import AuraError, DecodeError, DenyReason, RemoteProtocolError

__all__ = [
    "MAX_KEPT_ERRORS",
    "ConnectionLost",
    "GuardDenied",
    "MalformedStun",
    "OversizedFrame",
    "PeerTimeout",
    "SafetyNetTimeout",
    "SyncWithoutEnd",
    "TruncatedFrame",
    "UnexpectedPeer",
    "UnreadableFrame",
    "keep_error",
]

MAX_KEPT_ERRORS = 1024
"""How many dropped inputs a listener remembers: a peer that sends junk forever
must not grow our memory with it."""


def keep_error(errors: list[AuraError], error: AuraError) -> None:
    """Append ``error``, forgetting the oldest beyond :data:`MAX_KEPT_ERRORS`."""
    errors.append(error)
    if len(errors) > MAX_KEPT_ERRORS:
        del errors[: len(errors) - MAX_KEPT_ERRORS]


class OversizedFrame(RemoteProtocolError):
    """A frame's length prefix is above the limit: refused before its body is read."""

    reason = "OversizedFrame"


class TruncatedFrame(RemoteProtocolError):
    """The peer closed the connection inside a frame."""

    reason = "TruncatedFrame"


class ConnectionLost(RemoteProtocolError):
    """The peer closed the connection where a frame was due."""

    reason = "ConnectionLost"


class PeerTimeout(RemoteProtocolError):
    """A whole frame did not arrive within its deadline (silence or a trickle)."""

    reason = "PeerTimeout"


class UnexpectedPeer(RemoteProtocolError):
    """A frame names a context, sender or receiver this connection is not for."""

    reason = "UnexpectedPeer"


class SyncWithoutEnd(RemoteProtocolError):
    """A sync partner kept the exchange going past the rounds an honest one needs
    (its summaries never settle): the exchange is ended, what merged stays."""

    reason = "SyncWithoutEnd"


class UnreadableFrame(DecodeError):
    """A sealed direct frame that opens under none of our keys: garbage, a
    non-member's, or of an epoch we are not near."""

    reason = "UnreadableFrame"

    def __init__(self, message: str) -> None:
        super().__init__("SealedFrame", message)


class MalformedStun(DecodeError):
    """A STUN packet that RFC 8489 does not allow, or not the answer we wait for."""

    reason = "MalformedStun"

    def __init__(self, message: str, offset: int | None = None) -> None:
        super().__init__("StunMessage", message, offset)


class GuardDenied(AuraError):
    """Our own guard chain denied the step: nothing was sent on any socket."""

    def __init__(self, reason: DenyReason) -> None:
        super().__init__(f"denied: {reason.value}")
        self.reason = reason


class SafetyNetTimeout(AuraError):
    """One of our waits ran past its safety net (reported as an error, never a verdict)."""
