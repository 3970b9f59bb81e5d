"""The error family of ``aura_rendezvous``.

One base error per package. ``LocalProtocolError`` means our caller misused the
API; ``RemoteProtocolError`` subclasses mean a peer sent something we reject, and
carry a class-level ``reason`` equal to the spec's denial name. ``DecodeError``
is raised by strict decoders of untrusted bytes and says where the input came from.
Exceptions from ``cryptography`` are re-typed at the edge into one of these.
"""

from __future__ import annotations

__all__ = [
    "AuraError",
    "DecodeError",
    "LocalProtocolError",
    "RemoteProtocolError",
]


class AuraError(Exception):
    """Base of every error raised by ``aura_rendezvous``."""


class LocalProtocolError(AuraError):
    """Our caller misused the API (bad argument, illegal state transition)."""


class RemoteProtocolError(AuraError):
    """A peer's input was rejected. ``reason`` is the spec's name for the rejection."""

    reason: str = "RemoteProtocolError"


class DecodeError(RemoteProtocolError, ValueError):
    """Malformed, truncated, oversized or wrongly-versioned bytes.

    ``source`` names what was being decoded (e.g. ``"RendezvousDescriptor"``) and
    ``offset`` the byte position where decoding stopped, when known.
    """

    reason = "Malformed"

    def __init__(self, source: str, message: str, offset: int | None = None) -> None:
        where = f" at byte {offset}" if offset is not None else ""
        super().__init__(f"{source}: {message}{where}")
        self.source = source
        self.offset = offset
