"""Typed errors of the handshake, secure-channel and choreography layers.

Every rejection of peer input is a :class:`RemoteProtocolError` subclass whose
class-level ``reason`` is the spec's denial name, so a test or a conformance
check can match on the reason without parsing messages. Misuse by our own
caller (an illegal state transition, a send on a channel that may not send) is
a :class:`LocalProtocolError`.
"""

from __future__ import annotations

from aura_rendezvous._errors import LocalProtocolError, RemoteProtocolError
from aura_rendezvous._keys import NotAMember

__all__ = [
    "ChannelClosedError",
    "ChoreographyViolation",
    "HandshakeAuthError",
    "HandshakeTimeout",
    "IllegalTransition",
    "NonMember",
    "ReplayedHandshake",
    "ReplayedMessage",
    "RetiredEpoch",
    "StaticKeyMismatch",
    "TransportAuthError",
    "UnknownChannel",
    "WrongEpoch",
]


class IllegalTransition(LocalProtocolError):
    """A state machine got an input its transition table has no entry for."""

    def __init__(self, machine: str, state: str, event: str) -> None:
        super().__init__(f"{machine}: no transition from {state} on {event}")
        self.machine = machine
        self.state = state
        self.event = event


class ChannelClosedError(LocalProtocolError):
    """Our caller tried to use a channel whose state forbids it (not Active)."""


class HandshakeAuthError(RemoteProtocolError):
    """A handshake message did not decrypt: tampered, wrong PSK, other context or epoch."""

    reason = "HandshakeDecryptFailed"


class WrongEpoch(RemoteProtocolError):
    """A handshake message names an epoch other than the responder's current one."""

    reason = "EpochMismatch"


class NonMember(NotAMember):
    """The claimed initiator of a handshake is not in the context's roster."""


class StaticKeyMismatch(RemoteProtocolError):
    """The initiator's Noise static key is not the roster key of the authority it claims."""

    reason = "StaticKeyMismatch"


class ReplayedHandshake(RemoteProtocolError):
    """A first handshake message whose timestamp is not above the greatest seen."""

    reason = "HandshakeReplay"


class HandshakeTimeout(RemoteProtocolError):
    """The handshake did not complete before ``timeout_ms``."""

    reason = "HandshakeTimeout"


class ReplayedMessage(RemoteProtocolError):
    """A transport message whose counter is not above the greatest accepted."""

    reason = "TransportReplay"


class RetiredEpoch(RemoteProtocolError):
    """A transport message sealed under an epoch that has been retired."""

    reason = "RetiredEpoch"


class TransportAuthError(RemoteProtocolError):
    """A transport message did not decrypt under the channel's keys."""

    reason = "TransportDecryptFailed"


class UnknownChannel(RemoteProtocolError):
    """A transport message names a channel id that is not registered."""

    reason = "UnknownChannel"


class ChoreographyViolation(RemoteProtocolError):
    """A message out of the choreography's order, or sent/received by the wrong role."""

    reason = "ChoreographyViolation"

    def __init__(self, kind: str, detail: str) -> None:
        super().__init__(f"{kind}: {detail}")
        # kind: OutOfOrder, WrongSender, WrongPeer, WrongDirection, WrongAnnotation,
        # UnknownMessage, AfterEnd, AfterViolation.
        self.kind = kind
