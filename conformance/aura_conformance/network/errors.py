"""The network profile's one error: a transport that failed to carry a message."""

from __future__ import annotations

from aura_conformance.harness.errors import BackendError

__all__ = ["TransportFault"]


class TransportFault(BackendError):
    """A message did not cross its socket: a listener gone, a connection lost, a frame
    that did not arrive within the safety net. The backend could not be driven, so
    it is an error of the run, never a conformance verdict."""
