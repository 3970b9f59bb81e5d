"""The descriptor world's clock in milliseconds, and the spec's time in whole units.

The spec's ``now`` is ``clock_ms // UNIT_MS``; the clock's offset within a unit
only grows (``LastMillisecond`` moves it to the unit's last millisecond, ``Tick``
keeps it). These tests hold the reference's own window, refresh and prune rules
to the spec's at every such instant, show the order the mapping needs (an
instant earlier in its unit than a publication has no spec reading), and catch
the two mistakes of one millisecond that only the last millisecond shows.
"""

from __future__ import annotations

import itertools

import pytest
from aura_conformance import ConformanceFailure
from aura_conformance.descriptor_validity import (
    DV_VARIANTS,
    DescriptorBackend,
    DescriptorWorld,
    DVVariant,
    check_lookups,
    descriptor_validity_checker,
    project_descriptor_validity,
    run_dv_scenarios,
)
from aura_conformance.descriptor_validity.world import UNIT_MS, VALIDITY, WINDOW
from aura_conformance.variants import _probe_variants_r4 as P
from aura_rendezvous import RendezvousService, needs_refresh_at, window_contains

_OFFSETS = (0, 1, UNIT_MS // 2, UNIT_MS - 2, UNIT_MS - 1)


@pytest.mark.parametrize(
    ("published", "asked"), list(itertools.combinations_with_replacement(_OFFSETS, 2))
)
def test_the_references_rules_give_the_specs_answers_when_the_offset_does_not_go_back(
    published: int, asked: int
) -> None:
    """For a descriptor published at ``f`` units + ``published`` ms and an instant of
    ``t`` units + ``asked`` ms (``published <= asked``): the half-open window, the
    refresh rule and the prune (``valid_until <= horizon``) in milliseconds answer as
    DVValidAt, DVNeedsRefresh and DVBelowHorizon at ``t``."""
    for f, t in itertools.product(range(5), repeat=2):
        u = f + VALIDITY
        valid_from, valid_until = f * UNIT_MS + published, u * UNIT_MS + published
        now = t * UNIT_MS + asked
        assert window_contains(valid_from, valid_until, now) == (f <= t < u)
        assert needs_refresh_at(valid_until, now, WINDOW * UNIT_MS) == (t + WINDOW >= u)
        assert (valid_until <= now) == (u <= t)


def test_an_instant_earlier_in_its_unit_than_the_publication_has_no_spec_reading() -> None:
    """Why the offset never goes back: a descriptor published at 999 ms is [0, 2) in
    spec units, and at 2000 ms (unit 2) the reference still chooses it, where the
    spec's DVLookup at 2 is empty. The lookup check sees it."""
    backend = DescriptorBackend()
    backend.request("Reset", {}, 0)
    world = backend.world
    world.last_millisecond()
    assert world.publish("a1", "c1") == "Published"
    assert world.lookup("a1", "c1", "a1") == ("Descriptor", "a1", "c1", 0, 2, 1, "a1")
    world.clock_ms = 2 * UNIT_MS  # the clock moved back within its unit: not the world's
    assert world.now == 2
    with pytest.raises(ConformanceFailure, match="DVLookup is \\{\\}"):
        check_lookups(
            descriptor_validity_checker(), backend, project_descriptor_validity(world), "Tick"
        )


def test_the_clock_keeps_its_offset_and_the_spec_sees_whole_units() -> None:
    w = DescriptorWorld()
    assert w.publish("a1", "c1") == "Published"
    assert w.last_millisecond() == "AtLastMillisecond"
    assert (w.now, w.now_ms) == (0, UNIT_MS - 1)
    # At 999 ms now + window is 1999, below valid_until 2000: no refresh yet.
    assert w.publish("a1", "c1") == "NotNeeded"
    assert w.last_millisecond() == "AtLastMillisecond"  # already there: nothing moves
    assert w.tick() == "Ticked"
    assert (w.now, w.now_ms) == (1, 2 * UNIT_MS - 1)
    assert w.publish("a1", "c1") == "Published"  # published at 1999 ms: [1, 3) in units
    assert w.lookup("a1", "c1", "a1") == ("Descriptor", "a1", "c1", 1, 3, 2, "a1")
    assert w.lookup("a1", "c1", "a1", when=0) == ("Descriptor", "a1", "c1", 0, 2, 1, "a1")
    w.tick()
    # At 2999 ms the first descriptor (until 2000 ms) is dead, the refresh is not.
    assert w.prune("a1") == "Pruned:1" and w.prune_horizon("a1") == 2
    assert [k[3:5] for k, _, _ in w.entries("a1")] == [(1, 3)]
    assert w.tick() == "AtMaxTime"


def test_the_reference_passes_both_last_millisecond_schedules() -> None:
    found = dict(run_dv_scenarios(DescriptorBackend()))
    assert found["refresh-at-last-millisecond"] is None
    assert found["prune-at-last-millisecond"] is None


@pytest.mark.parametrize(
    ("service", "scenario", "named"),
    [
        (
            P.EarlyRefreshService,
            "refresh-at-last-millisecond",
            "DVNeedsRefresh failed: DVNeedsRefresh(a1, c1) is FALSE",
        ),
        (P.PruneOneEarlyService, "prune-at-last-millisecond", "no action of Next explains"),
    ],
)
def test_a_mistake_of_one_millisecond_fails_its_schedule(
    service: type[RendezvousService], scenario: str, named: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A refresh window one millisecond too wide (``now + window + 1 >= valid_until``)
    publishes at 999 ms, where DVNeedsRefresh is FALSE; a prune one millisecond early
    (``valid_until <= now + 1``) drops at 2999 ms a descriptor valid until 3000 ms. Every
    schedule that stays at a unit's first millisecond passes both."""
    monkeypatch.setitem(DV_VARIANTS, "probe", DVVariant("probe", "one ms", service=service))
    found = dict(run_dv_scenarios(DescriptorBackend("probe")))
    failure = found[scenario]
    assert isinstance(failure, ConformanceFailure)
    assert named in str(failure)
    assert "at the last millisecond of unit" in str(failure) or service is P.PruneOneEarlyService
    first_ms_only = {k: v for k, v in found.items() if not k.endswith("last-millisecond")}
    assert all(v is None for v in first_ms_only.values()), first_ms_only


def test_needs_refresh_is_asked_where_now_plus_window_passes_u64_max() -> None:
    """refresh-at-the-end-of-time: the reference answers as DVNeedsRefresh at the last
    millisecond of unit 1, 2,500 ms past an origin 2,500 ms before u64 max, where
    ``now + window`` exceeds u64 max; a wrapping sum answers Fresh there and the
    check names DVNeedsRefresh."""
    from aura_conformance.descriptor_validity import DescriptorBackend
    from aura_conformance.descriptor_validity.machine import DV_SCENARIOS, _make
    from aura_conformance.descriptor_validity.world import DV_VARIANTS, DVVariant
    from aura_conformance.harness.driver import run_directed
    from aura_conformance.variants._probe_variants_r5 import WrappingRefreshService
    from aura_rendezvous.core import U64_MAX

    backend = DescriptorBackend("ref")
    machine = _make(backend)()
    machine.Reset()
    DV_SCENARIOS["refresh-at-the-end-of-time"](machine)
    assert machine.state["now"] == 1
    assert backend.world.now_ms + 1000 > U64_MAX
    assert machine.last_outcome != "" and machine.stats["steps"] >= 5

    schedule = {"refresh-at-the-end-of-time": DV_SCENARIOS["refresh-at-the-end-of-time"]}
    DV_VARIANTS["wrapping-refresh"] = DVVariant(
        "wrapping-refresh", "a test's probe", service=WrappingRefreshService
    )
    try:
        failure = run_directed(_make(DescriptorBackend("wrapping-refresh")), schedule)[0][1]
    finally:
        del DV_VARIANTS["wrapping-refresh"]
    assert failure is not None
    assert "DVNeedsRefresh failed" in str(failure)
    assert "answered Fresh at unit 1" in str(failure)
