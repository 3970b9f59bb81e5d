"""The specs the harness drives, as the stdio protocol names them.

One row per spec: the name on the command line (``--spec``), the TLA+ module the
hello names, the projected state's schema, the requests a backend may receive
(``Reset`` first) and whether the harness drives it over stdio. EpochRotation,
DescriptorValidity and the relay path are judged with checks on the world
itself (context binding, refresh after rotation, every member's descriptor
lookup, the effects each service sent) that the protocol does not carry, so
the harness drives them in process only; a program can still serve their
requests (the example backend does).
"""

from __future__ import annotations

from collections.abc import Sequence

import attrs

from aura_conformance.descriptor_validity import backends as dv_backends
from aura_conformance.descriptor_validity.mapping import DESCRIPTOR_VALIDITY
from aura_conformance.epoch_rotation import backends as epoch_backends
from aura_conformance.epoch_rotation.mapping import EPOCH_ROTATION
from aura_conformance.guard_chain import backends as guard_backends
from aura_conformance.guard_chain.mapping import GUARD_CHAIN
from aura_conformance.harness.backend import Backend
from aura_conformance.harness.errors import BackendError
from aura_conformance.harness.state import StateSchema
from aura_conformance.harness.stdio import StdioBackend
from aura_conformance.relay import backends as relay_backends
from aura_conformance.relay.mapping import RELAY_PATH

__all__ = ["PROTOCOL_SPECS", "ProtocolSpec", "open_stdio", "reference_backend"]


@attrs.frozen
class ProtocolSpec:
    """One spec as the harness and the stdio protocol see it."""

    key: str
    module: str
    schema: StateSchema
    actions: tuple[str, ...]
    over_stdio: bool


PROTOCOL_SPECS: dict[str, ProtocolSpec] = {
    s.key: s
    for s in (
        ProtocolSpec("guard", "GuardChain", GUARD_CHAIN, guard_backends.ACTIONS, True),
        ProtocolSpec(
            "epoch",
            "EpochRotation",
            EPOCH_ROTATION,
            ("Reset", *epoch_backends.ACTION_TABLE),
            False,
        ),
        ProtocolSpec(
            "descriptor",
            "DescriptorValidity",
            DESCRIPTOR_VALIDITY,
            ("Reset", *dv_backends.ACTION_TABLE),
            False,
        ),
        ProtocolSpec(
            "relay", "RelayConformance", RELAY_PATH, ("Reset", *relay_backends.ACTION_TABLE), False
        ),
    )
}


def open_stdio(
    key: str,
    command: Sequence[str],
    *,
    timeout: float = 10.0,
    transcript: list[tuple[str, bytes]] | None = None,
) -> StdioBackend:
    """Start ``command`` as a stdio backend of the spec ``key`` (the hello included)."""
    spec = PROTOCOL_SPECS[key]
    return StdioBackend(
        command,
        schema=spec.schema,
        spec=spec.module,
        actions=spec.actions,
        timeout=timeout,
        transcript=transcript,
    )


def reference_backend(key: str, variant: str = "ref") -> Backend:
    """The in-process backend of spec ``key``: the reference or one of its variants."""
    if key == "guard":
        return guard_backends.ReferenceBackend(variant)
    if key == "epoch":
        return epoch_backends.EpochBackend(variant)
    if key == "descriptor":
        return dv_backends.DescriptorBackend(variant)
    if key == "relay":
        return relay_backends.RelayBackend(variant)
    raise BackendError(f"unknown spec {key!r}; known: {', '.join(PROTOCOL_SPECS)}")
