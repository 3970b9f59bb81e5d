"""The Z3 transition systems that ``aura-verify prove`` discharges.

One entry per TLA+ module: how to build it (``build(**bug_flags)``), which
``BUG_*`` flags exist and which invariant each one breaks (the broken variants
of ``spec/MC_<Module>_bad_<Invariant>.cfg``), and which invariants are proved by
k-induction rather than 1-induction.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import attrs

from aura_model.z3.framework import DEFAULT_RLIMIT, TransitionSystem

__all__ = ["MODELS", "ModelEntry"]


@attrs.frozen
class ModelEntry:
    module: str
    build: Callable[..., TransitionSystem]
    bugs: Sequence[tuple[str, str]] = ()  # (BUG flag, invariant it breaks)
    k_induction: Mapping[str, int] = attrs.field(factory=dict)  # invariant -> k
    implied: Mapping[str, Sequence[str]] = attrs.field(factory=dict)  # invariant -> lemmas
    bounded: Mapping[str, str] = attrs.field(factory=dict)  # invariant -> why only bounded
    schedules: Mapping[tuple[str, str], Sequence[str]] = attrs.field(factory=dict)
    assume: Mapping[str, Sequence[str]] = attrs.field(factory=dict)  # consecution hypotheses
    bug_constants: Mapping[str, object] = attrs.field(factory=dict)  # pinned for bug twins
    witness_depth: int = 6  # longest shortest path needed to fire an action
    # Actions witnessed along a fixed prefix of actions (too deep to search).
    witness_prefixes: Mapping[str, Sequence[str]] = attrs.field(factory=dict)
    # Actions enabled only by a BUG flag (dead in the correct spec by design).
    witness_flags: Mapping[str, str] = attrs.field(factory=dict)
    max_bmc_depth: int | None = None  # cap of the all-invariant BMC (query time)
    bug_depth: int = 6
    # Per-flag overrides of bug_constants (a twin whose bad cfg pins other values).
    bug_overrides: Mapping[str, Mapping[str, object]] = attrs.field(factory=dict)
    # rlimit of every query of this model: calibrated to >= 10x the largest
    # query's consumption (docs/proofs.md), deterministic unlike a timeout.
    rlimit: int = DEFAULT_RLIMIT


def _entries() -> list[ModelEntry]:
    from aura_model.z3.models.descriptor_validity import (
        DV_ASSUME,
        DV_BUG_CONSTANTS,
        DV_BUGS,
        DV_MC_CONSTANTS,
        DV_SCHEDULES,
        DV_STATE_VALID,
        DV_WITNESS_FLAGS,
        DV_WITNESS_PREFIXES,
        descriptor_validity,
    )
    from aura_model.z3.models.epoch_rotation import (
        ER_BUGS,
        ER_IMPLIED,
        ER_MC_CONSTANTS,
        ER_SCHEDULES,
        ER_WITNESS_FLAGS,
        ER_WITNESS_PREFIXES,
        epoch_rotation,
    )
    from aura_model.z3.models.guard_chain import (
        GC_ASSUME,
        GC_BOUNDED,
        GC_BUGS,
        GC_IMPLIED,
        GC_MC_CONSTANTS,
        GC_SCHEDULES,
        GC_WITNESS_PREFIXES,
        guard_chain,
    )
    from aura_model.z3.models.rendezvous import (
        RV_BUG_CONSTANTS,
        RV_BUGS,
        RV_MC_CONSTANTS,
        RV_SCHEDULES,
        RV_WITNESS_PREFIXES,
        rendezvous,
    )

    return [
        ModelEntry(
            "GuardChain",
            guard_chain,
            GC_BUGS,
            implied=GC_IMPLIED,
            bounded=GC_BOUNDED,
            assume=GC_ASSUME,
            schedules=GC_SCHEDULES,
            bug_constants=GC_MC_CONSTANTS,
            witness_prefixes=GC_WITNESS_PREFIXES,
            max_bmc_depth=5,
            rlimit=40_000_000,  # largest query: 2.0e6 units (docs/proofs.md)
        ),
        ModelEntry(
            "DescriptorValidity",
            descriptor_validity,
            DV_BUGS,
            implied=dict.fromkeys(DV_STATE_VALID, ()),
            assume=DV_ASSUME,
            schedules=DV_SCHEDULES,
            bug_constants=DV_MC_CONSTANTS,
            bug_overrides=DV_BUG_CONSTANTS,
            witness_flags=DV_WITNESS_FLAGS,
            witness_prefixes=DV_WITNESS_PREFIXES,
            rlimit=100_000_000,  # largest query: 6.9e6 units (docs/proofs.md)
        ),
        ModelEntry(
            "EpochRotation",
            epoch_rotation,
            ER_BUGS,
            implied=ER_IMPLIED,
            schedules=ER_SCHEDULES,
            bug_constants=ER_MC_CONSTANTS,
            witness_prefixes=ER_WITNESS_PREFIXES,
            witness_flags=ER_WITNESS_FLAGS,
            max_bmc_depth=3,
            rlimit=50_000_000,  # largest query: 4.2e6 units (docs/proofs.md)
        ),
        ModelEntry(
            "Rendezvous",
            rendezvous,
            RV_BUGS,
            schedules=RV_SCHEDULES,
            bug_constants=RV_MC_CONSTANTS,
            witness_prefixes=RV_WITNESS_PREFIXES,
            max_bmc_depth=2,
            bug_overrides=RV_BUG_CONSTANTS,
            rlimit=40_000_000,  # largest query: 3.3e6 units (docs/proofs.md)
        ),
    ]


MODELS: list[ModelEntry] = _entries()
