"""The embedded checker for EpochRotation.tla, loaded once."""

from __future__ import annotations

from functools import cache

from aura_conformance.epoch_rotation.mapping import EPOCH_ROTATION
from aura_conformance.harness.checker import SpecChecker, load_checker

__all__ = ["epoch_rotation_checker"]


@cache
def epoch_rotation_checker() -> SpecChecker:
    """The checker for spec/EpochRotation.tla with MC_EpochRotation.cfg (loaded once).

    Several handshakes can pass their deadline within one Tick, so a Tick may be
    up to two ``HandshakeTimeout`` steps.
    """
    return load_checker(
        "EpochRotation",
        "MC_EpochRotation.cfg",
        EPOCH_ROTATION,
        {"Tick": (frozenset({"HandshakeTimeout"}), 2)},
    )
