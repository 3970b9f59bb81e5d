"""Opening a guard-chain backend from its command-line name."""

from __future__ import annotations

import shlex

from aura_conformance._backend import Backend, ReferenceBackend, StdioBackend
from aura_conformance._errors import BackendError
from aura_conformance._world import VARIANTS

__all__ = ["open_backend"]


def open_backend(spec: str, *, timeout: float = 10.0) -> Backend:
    """``ref`` or a variant name (in process), else a command line run as a stdio backend."""
    if spec in VARIANTS:
        return ReferenceBackend(spec)
    argv = shlex.split(spec)
    if not argv:
        raise BackendError("empty backend command")
    return StdioBackend(argv, timeout=timeout)
