"""The red-team probe tests' one runner: a probe through the default profile.

Used by test_probe_rounds.py over every round's tables (test_probe_variants.py,
_r3, _r4, _r5, _r6: the probes and what their rejection must name).
"""

from __future__ import annotations

from typing import Any

import attrs
import pytest
from aura_conformance.descriptor_validity.world import DV_VARIANTS, DVVariant
from aura_conformance.epoch_rotation.world import EPOCH_VARIANTS, EpochVariant
from aura_conformance.guard_chain.backends import ReferenceBackend
from aura_conformance.guard_chain.machine import run_scenarios
from aura_conformance.guard_chain.world import VARIANTS, Variant
from aura_conformance.protocol_specs import reference_backend
from aura_conformance.relay.world import RELAY_VARIANTS
from aura_conformance.wire import WIRE_VARIANTS, WireBackend
from aura_conformance.wire.backends import WireVariant
from aura_conformance.wire.machine import run_wire_conformance
from aura_verify.commands.conform import _runners


@attrs.frozen
class ProbeAuthor:
    """A round's constructors of wrong backends, each signed with the round's name."""

    who: str

    def epoch(self, name: str, **parts: Any) -> EpochVariant:
        return EpochVariant(name, self.who, **parts)

    def wire(self, name: str, **parts: Any) -> WireVariant:
        return WireVariant(name, self.who, **parts)

    def descriptor(self, name: str, service: Any) -> DVVariant:
        return DVVariant(name, self.who, service=service)


# Each world's registry of variants by name, where a probe is registered for its run.
TABLES: dict[str, dict[str, Any]] = {
    "guard": VARIANTS,
    "epoch": EPOCH_VARIANTS,
    "descriptor": DV_VARIANTS,
    "relay": RELAY_VARIANTS,
    "wire": WIRE_VARIANTS,
}


def reject_report(
    tables: dict[str, dict[str, Any]],
    spec: str,
    name: str,
    variant: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> tuple[bool, str]:
    """The default profile (100 runs of 25 steps, seed 0, directed schedules first)
    on ``variant`` registered as ``name`` in ``tables[spec]``."""
    monkeypatch.setitem(tables[spec], name, variant)
    if spec == "wire":
        outcome = run_wire_conformance(WireBackend(name), examples=100, seed=0, steps=25)
        return outcome.conformant, outcome.failure or ""
    backend = reference_backend(spec, name)
    try:
        outcome = _runners()[spec](backend, examples=100, seed=0, steps=25)
    finally:
        backend.close()
    return outcome.conformant, outcome.failure or ""


def assert_caught(
    tables: dict[str, dict[str, Any]],
    key: tuple[str, str],
    caught: dict[tuple[str, str], tuple[Any, str]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A CAUGHT entry: the default profile rejects the probe naming its invariant."""
    variant, named = caught[key]
    conformant, failure = reject_report(tables, *key, variant, monkeypatch)
    assert not conformant
    assert named in failure, failure[:2000]


def expect_missed(
    tables: dict[str, dict[str, Any]],
    key: tuple[str, str],
    missed: dict[tuple[str, str], tuple[Any, str, str]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A MISSED entry: an expected failure with its reason while the default profile
    misses it; a failure telling to move it once the profile catches it."""
    variant, invariant, why = missed[key]
    try:
        conformant, failure = reject_report(tables, *key, variant, monkeypatch)
    except Exception as exc:  # a crash of a directed scenario is no verdict either
        pytest.xfail(f"{why} ({type(exc).__name__})")
    if conformant or invariant not in failure:
        pytest.xfail(why)
    raise AssertionError(f"{key} is caught now, naming {invariant}: move it to CAUGHT")


def guard_schedule_failure(variant: Variant, schedule: str) -> str:
    """The failure the guard world's directed schedule ``schedule`` reports for
    ``variant`` (empty when it passes), after running every schedule in order."""
    backend = ReferenceBackend(variant)
    try:
        results = {r.name: r for r in run_scenarios(backend)}
    finally:
        backend.close()
    failure = results[schedule].failure
    return "" if failure is None else str(failure)
