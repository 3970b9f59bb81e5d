"""The descriptor backend: DescriptorValidity.tla's actions as a table over the world.

A request the world cannot serve (a fact the member does not hold: a
``LookupError``) is a :class:`BackendError`. Time is the world's own clock:
``Tick`` moves it one spec unit, ``LastMillisecond`` to the last millisecond of
its unit (a stutter of the spec; ``world``'s "Time" says why that mapping is
exact), so every handler ignores the harness's clock.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aura_model.tla import ModelValue

from aura_conformance.descriptor_validity.mapping import (
    DESCRIPTOR_VALIDITY,
    dv_key,
    dv_record,
    project_descriptor_validity,
)
from aura_conformance.descriptor_validity.world import (
    CONTEXTS,
    DV_VARIANTS,
    MEMBERS,
    DescriptorWorld,
    DVVariant,
)
from aura_conformance.harness.backend import Handler, WorldBackend
from aura_conformance.harness.errors import BackendError

__all__ = ["ACTION_TABLE", "DescriptorBackend"]


def _name(v: Any) -> str:
    if isinstance(v, ModelValue):
        return v.name
    raise BackendError(f"expected a model value, got {v!r}")


def prepare_publish_descriptor(w: DescriptorWorld, args: Mapping[str, Any], now: int) -> str:
    return w.publish(_name(args.get("a")), _name(args.get("c")))


def revoke_descriptor(w: DescriptorWorld, args: Mapping[str, Any], now: int) -> str:
    return w.revoke(_name(args.get("a")), dv_key(args.get("d")))


def forge_revocation(w: DescriptorWorld, args: Mapping[str, Any], now: int) -> str:
    return w.forge_revocation(_name(args.get("b")), dv_key(args.get("d")))


def sync_journal(w: DescriptorWorld, args: Mapping[str, Any], now: int) -> str:
    return w.sync(_name(args.get("src")), _name(args.get("dst")), dv_key(args.get("f")))


def outsider_digest(w: DescriptorWorld, args: Mapping[str, Any], now: int) -> str:
    return w.outsider_digest(_name(args.get("src")))


def inject_unsigned_fact(w: DescriptorWorld, args: Mapping[str, Any], now: int) -> str:
    return w.inject_unsigned_fact(
        _name(args.get("snd")), _name(args.get("dst")), dv_key(args.get("f"))
    )


def huge_stamp(w: DescriptorWorld, args: Mapping[str, Any], now: int) -> str:
    return w.huge_stamp(_name(args.get("snd")), _name(args.get("dst")), dv_key(args.get("f")))


def sync_round(w: DescriptorWorld, args: Mapping[str, Any], now: int) -> str:
    """A whole pull through the sync messages: a sequence of ``SyncJournal`` steps."""
    return w.sync_round(_name(args.get("src")), _name(args.get("dst")))


def dv_prune(w: DescriptorWorld, args: Mapping[str, Any], now: int) -> str:
    return w.prune(_name(args.get("m")))


def tick(w: DescriptorWorld, args: Mapping[str, Any], now: int) -> str:
    return w.tick()


def last_millisecond(w: DescriptorWorld, args: Mapping[str, Any], now: int) -> str:
    return w.last_millisecond()


def ask_refresh(w: DescriptorWorld, args: Mapping[str, Any], now: int) -> str:
    return w.ask_refresh(_name(args.get("a")), _name(args.get("c")))


ACTION_TABLE: dict[str, Handler[DescriptorWorld]] = {
    "PreparePublishDescriptor": prepare_publish_descriptor,
    "RevokeDescriptor": revoke_descriptor,
    "ForgeRevocation": forge_revocation,
    "SyncJournal": sync_journal,
    "OutsiderDigest": outsider_digest,
    "InjectUnsignedFact": inject_unsigned_fact,
    "HugeStamp": huge_stamp,
    "SyncRound": sync_round,
    "DVPrune": dv_prune,
    "Tick": tick,
    # A harness stutter: the spec's time is whole units, the last millisecond of one
    # is still that unit.
    "LastMillisecond": last_millisecond,
    # A question, not a step: needs_refresh's answer, judged by DVNeedsRefresh.
    "AskRefresh": ask_refresh,
}


class DescriptorBackend(WorldBackend[DescriptorWorld]):
    """The descriptor world of the reference implementation (or a variant), in process."""

    def __init__(self, variant: str = "ref") -> None:
        if variant not in DV_VARIANTS:
            raise BackendError(f"unknown variant {variant!r}; known: {', '.join(DV_VARIANTS)}")
        chosen: DVVariant = DV_VARIANTS[variant]
        self.variant = chosen
        super().__init__(
            f"descriptor:{variant}",
            DESCRIPTOR_VALIDITY,
            new_world=lambda: DescriptorWorld(chosen),
            project=project_descriptor_validity,
            actions=ACTION_TABLE,
            refusals=(LookupError,),
        )

    def clocks_behind(self) -> list[str]:
        """Each replica whose Lamport clock is below a stamp it holds (DESIGN.md 3:
        a fact appended next must be stamped above every fact it may follow)."""
        out = []
        for m in MEMBERS:
            for c in CONTEXTS:
                journal = self.world.services[m].journal(self.world.ctx[c])
                top = max((e.lamport for e in journal.entries()), default=0)
                if journal.clock < top:
                    out.append(f"{m} in {c}: clock {journal.clock} below the stamp {top} it holds")
        return out

    def descending_nonces(self) -> None:
        """The world's next publications carry descending nonces (before any publication)."""
        self.world.descending_nonces()

    def nonces_across_a_byte(self) -> None:
        """The world's next two nonces are 255 and 256 (before any publication)."""
        self.world.nonces_across_a_byte()

    def start_near_the_end_of_time(self) -> None:
        """The world's clock and spec origin 2,500 ms before u64 max (before any publication)."""
        self.world.start_near_the_end_of_time()

    def publish_past_the_end(self, a: str, c: str) -> tuple[str, bool]:
        """``a`` publishes in ``c`` now (its clock near u64 max, see
        :meth:`start_near_the_end_of_time`): the outcome, and whether its journal
        changed."""
        return self.world.publish_past_the_end(a, c)

    def lookups(self) -> dict[tuple[str, str, str], Any]:
        """Every member's answer for every (context, peer), as spec values."""
        return self.lookups_at(None)

    def lookups_at(self, when: int | None) -> dict[tuple[str, str, str], Any]:
        """:meth:`lookups` with the members' clocks at ``when`` (spec units; None: now)."""
        out = {}
        for m in MEMBERS:
            for c in CONTEXTS:
                for p in MEMBERS:
                    key = self.world.lookup(m, c, p, when)
                    out[(m, c, p)] = frozenset() if key is None else frozenset({dv_record(key)})
        return out
