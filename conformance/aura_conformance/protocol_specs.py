"""The specs the harness drives, as the stdio protocol names them.

One row per spec: the name on the command line (``--spec``), the TLA+ module the
hello names, the projected state's schema, the requests a backend may receive
(``Reset`` first), the queries the harness may ask (observations of the world
beyond the spec's state) and whether the harness drives it over stdio.

DescriptorValidity's lookup check needs every member's descriptor lookup: the
``Lookups`` query carries it. EpochRotation's checks on the services (the
channel a lookup by context returns, ``needs_refresh`` after a rotation, the
channels of the other context) are the ``ChannelLookups``, ``NeedsRefresh``
and ``OtherContext`` queries; what EpochRotation and
the relay path sent (each message's record and bytes, each charge) comes with
every reply as its reported effects.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import attrs
from aura_model.tla import ModelValue
from aura_model.tla import values as V

from aura_conformance.descriptor_validity import backends as dv_backends
from aura_conformance.descriptor_validity.mapping import DESCRIPTOR_VALIDITY
from aura_conformance.descriptor_validity.world import CONTEXTS, MEMBERS
from aura_conformance.epoch_rotation import backends as epoch_backends
from aura_conformance.epoch_rotation import world as epoch_world
from aura_conformance.epoch_rotation.mapping import EPOCH_ROTATION
from aura_conformance.guard_chain import backends as guard_backends
from aura_conformance.guard_chain.mapping import GUARD_CHAIN
from aura_conformance.harness.backend import Backend
from aura_conformance.harness.errors import ActionUnsupported, BackendError, BackendProtocolError
from aura_conformance.harness.state import StateSchema
from aura_conformance.harness.stdio import StdioBackend
from aura_conformance.relay import backends as relay_backends
from aura_conformance.relay.mapping import RELAY_PATH

__all__ = [
    "CHANNEL_LOOKUPS",
    "LOOKUPS",
    "NEEDS_REFRESH",
    "OTHER_CONTEXT",
    "PROTOCOL_SPECS",
    "DescriptorStdioBackend",
    "EpochStdioBackend",
    "ProtocolSpec",
    "open_stdio",
    "reference_backend",
    "reference_queries",
]

# Every member's get_cached_descriptor(c, p) for every context and peer.
LOOKUPS = "Lookups"
# Each side's channel lookup by (context, peer), and needs_refresh of its descriptor.
CHANNEL_LOOKUPS = "ChannelLookups"
NEEDS_REFRESH = "NeedsRefresh"
# Each side's channel in EpochRotation's other context: state, epoch, traffic.
OTHER_CONTEXT = "OtherContext"


@attrs.frozen
class ProtocolSpec:
    """One spec as the harness and the stdio protocol see it."""

    key: str
    module: str
    schema: StateSchema
    actions: tuple[str, ...]
    over_stdio: bool
    queries: tuple[str, ...] = ()


PROTOCOL_SPECS: dict[str, ProtocolSpec] = {
    s.key: s
    for s in (
        ProtocolSpec("guard", "GuardChain", GUARD_CHAIN, guard_backends.ACTIONS, True),
        ProtocolSpec(
            "epoch",
            "EpochRotation",
            EPOCH_ROTATION,
            ("Reset", *epoch_backends.ACTION_TABLE),
            True,
            (CHANNEL_LOOKUPS, NEEDS_REFRESH, OTHER_CONTEXT),
        ),
        ProtocolSpec(
            "descriptor",
            "DescriptorValidity",
            DESCRIPTOR_VALIDITY,
            ("Reset", *dv_backends.ACTION_TABLE),
            True,
            (LOOKUPS,),
        ),
        ProtocolSpec(
            "relay", "RelayConformance", RELAY_PATH, ("Reset", *relay_backends.ACTION_TABLE), True
        ),
    )
}

_LOOKUP_KEYS = frozenset((m, c, p) for m in MEMBERS for c in CONTEXTS for p in MEMBERS)


class DescriptorStdioBackend(StdioBackend):
    """A DescriptorValidity program: its lookups come from the ``Lookups`` query.

    The answer must cover every (member, context, peer) exactly, each with a set
    of at most one descriptor record: a backend cannot pass the lookup check by
    answering less. A backend that does not answer the query is checked on its
    states alone, and the skip is reported (no verdict of conformance).
    """

    def lookups(self) -> dict[tuple[str, str, str], Any]:
        try:
            table = self.query(LOOKUPS)
        except ActionUnsupported:
            return {}
        # An empty function is also the empty sequence: no entry at all.
        entries = {} if table == () else table.d if isinstance(table, V.Fn) else None
        if entries is None:
            raise BackendProtocolError(f"{LOOKUPS} must be a #map", source=self.name)
        out: dict[tuple[str, str, str], Any] = {}
        for key, value in entries.items():
            parts = key if isinstance(key, tuple) else ()
            names = tuple(k.name for k in parts if isinstance(k, ModelValue))
            if len(names) != 3 or len(parts) != 3:
                raise BackendProtocolError(
                    f"{LOOKUPS} keys are #tup [member, context, peer], got {key!r:.80}",
                    source=self.name,
                )
            if not isinstance(value, frozenset) or len(value) > 1:
                raise BackendProtocolError(
                    f"{LOOKUPS} of {names} must be a #set of at most one descriptor",
                    source=self.name,
                )
            out[(names[0], names[1], names[2])] = value
        if set(out) != _LOOKUP_KEYS:
            missing = sorted(_LOOKUP_KEYS - set(out))
            raise BackendProtocolError(
                f"{LOOKUPS} must answer every (member, context, peer); missing {missing!r:.200}",
                source=self.name,
            )
        return out


_SIDES = tuple(ModelValue(a) for a in (epoch_world.INI, epoch_world.RESP))
_CONTEXT_LABELS = ("spec", "other")


class EpochStdioBackend(StdioBackend):
    """An EpochRotation program: its services are observed through the
    ``ChannelLookups`` and ``NeedsRefresh`` queries, each answer covering every
    side (and context) exactly. A backend that does not answer one is checked
    without it, and the skip is reported (no verdict of conformance)."""

    def _table(self, name: str) -> dict[Any, Any] | None:
        try:
            table = self.query(name)
        except ActionUnsupported:
            return None
        entries = {} if table == () else table.d if isinstance(table, V.Fn) else None
        if entries is None:
            raise BackendProtocolError(f"{name} must be a #map", source=self.name)
        return entries

    def channel_lookups(self) -> dict[tuple[str, str], str | None] | None:
        entries = self._table(CHANNEL_LOOKUPS)
        if entries is None:
            return None
        out: dict[tuple[str, str], str | None] = {}
        for key, value in entries.items():
            ok = (
                isinstance(key, tuple)
                and len(key) == 2
                and key[0] in _SIDES
                and key[1] in _CONTEXT_LABELS
                and isinstance(value, frozenset)
                and len(value) <= 1
                and all(isinstance(x, str) for x in value)
            )
            if not ok:
                raise BackendProtocolError(
                    f'{CHANNEL_LOOKUPS} maps [member, "spec"|"other"] to a #set of at most '
                    f"one context label, got {V.format_value(key)!r:.80}",
                    source=self.name,
                )
            out[(key[0].name, key[1])] = next(iter(value), None)
        if len(out) != len(_SIDES) * len(_CONTEXT_LABELS):
            raise BackendProtocolError(
                f"{CHANNEL_LOOKUPS} must answer every member in both contexts", source=self.name
            )
        return out

    def needs_refresh(self) -> dict[str, bool] | None:
        entries = self._table(NEEDS_REFRESH)
        if entries is None:
            return None
        if set(entries) != set(_SIDES) or not all(isinstance(v, bool) for v in entries.values()):
            raise BackendProtocolError(
                f"{NEEDS_REFRESH} must map every member to a boolean", source=self.name
            )
        return {k.name: v for k, v in entries.items()}

    def other_context(self) -> dict[str, tuple[str, int, bool]] | None:
        entries = self._table(OTHER_CONTEXT)
        if entries is None:
            return None
        out: dict[str, tuple[str, int, bool]] = {}
        for key, value in entries.items():
            d = getattr(value, "d", None)
            ok = (
                key in _SIDES
                and isinstance(d, dict)
                and set(d) == {"st", "ep", "carries"}
                and isinstance(d["st"], str)
                and type(d["ep"]) is int
                and isinstance(d["carries"], bool)
            )
            if not ok or d is None:
                raise BackendProtocolError(
                    f"{OTHER_CONTEXT} maps each member to a record [st, ep, carries], got "
                    f"{V.format_value(key)!r:.80}",
                    source=self.name,
                )
            out[key.name] = (d["st"], d["ep"], d["carries"])
        if set(out) != {a.name for a in _SIDES}:
            raise BackendProtocolError(
                f"{OTHER_CONTEXT} must answer every member", source=self.name
            )
        return out


def open_stdio(
    key: str,
    command: Sequence[str],
    *,
    timeout: float = 10.0,
    startup_timeout: float | None = None,
    transcript: list[tuple[str, bytes]] | None = None,
) -> StdioBackend:
    """Start ``command`` as a stdio backend of the spec ``key`` (the hello included)."""
    spec = PROTOCOL_SPECS[key]
    kinds: dict[str, type[StdioBackend]] = {
        "descriptor": DescriptorStdioBackend,
        "epoch": EpochStdioBackend,
    }
    kind = kinds.get(key, StdioBackend)
    return kind(
        command,
        schema=spec.schema,
        spec=spec.module,
        actions=spec.actions,
        queries=spec.queries,
        timeout=timeout,
        startup_timeout=startup_timeout,
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
    if key == "wire":
        # Not a spec machine (no PROTOCOL_SPECS row): the wire mode's own backends.
        from aura_conformance.wire import WireBackend

        return WireBackend(variant)
    raise BackendError(f"unknown spec {key!r}; known: {', '.join(PROTOCOL_SPECS)}")


def reference_queries(backend: Backend) -> dict[str, Callable[[], Any]]:
    """The queries an in-process ``backend`` answers, for serving it over stdio."""
    if isinstance(backend, dv_backends.DescriptorBackend):

        def lookups() -> Any:
            return V.fn(
                {
                    tuple(ModelValue(x) for x in key): value
                    for key, value in backend.lookups().items()
                }
            )

        return {LOOKUPS: lookups}
    if isinstance(backend, epoch_backends.EpochBackend):
        epoch = backend

        def channel_lookups() -> Any:
            table = epoch.channel_lookups() or {}
            return V.fn(
                {
                    (ModelValue(a), ctx): frozenset(() if found is None else (found,))
                    for (a, ctx), found in table.items()
                }
            )

        def needs_refresh() -> Any:
            return V.fn({ModelValue(a): v for a, v in (epoch.needs_refresh() or {}).items()})

        def other_context() -> Any:
            return V.fn(
                {
                    ModelValue(a): V.record(st=st, ep=ep, carries=carries)
                    for a, (st, ep, carries) in (epoch.other_context() or {}).items()
                }
            )

        return {
            CHANNEL_LOOKUPS: channel_lookups,
            NEEDS_REFRESH: needs_refresh,
            OTHER_CONTEXT: other_context,
        }
    return {}
