"""A publisher's service asked to revoke another member's descriptor (DESIGN.md 2).

The descriptor world has two publishers, so ``a2`` can hold ``a1``'s descriptor and
ask its own service to revoke it. The reference denies (``NotOwnDescriptor``: a
stutter); a service that writes the revocation is no step of DescriptorValidity.tla
(a publisher forges nothing) and its state breaks ``DVRevokesOwnOnly``.
"""

from __future__ import annotations

import pytest
from aura_conformance.descriptor_validity import (
    DV_VARIANTS,
    DescriptorBackend,
    DescriptorWorld,
    DVVariant,
    descriptor_validity_checker,
    project_descriptor_validity,
    run_dv_scenarios,
)
from aura_conformance.harness.errors import ConformanceFailure
from aura_conformance.variants._probe_variants_r7 import RevokeAnyService


def _a1_descriptor_at_a2(w: DescriptorWorld) -> tuple[object, ...]:
    w.publish("a1", "c1")
    w.sync_round("a1", "a2")
    return next(k for k, _, _ in w.entries("a2") if k[0] == "Descriptor")


def test_the_reference_denies_a_revoke_of_another_members_descriptor() -> None:
    w = DescriptorWorld()
    d = _a1_descriptor_at_a2(w)
    before = project_descriptor_validity(w)
    assert w.revoke("a2", d) == "Denied:NotOwnDescriptor"
    assert descriptor_validity_checker().same_state(before, project_descriptor_validity(w)) == []
    # a1 may revoke it: the same request of the publisher commits.
    assert w.revoke("a1", d) == "Committed"


def test_a_revocation_a_publisher_signs_of_anothers_is_no_step() -> None:
    """The wrong service's step: its revocation is a1's descriptor's, signed by a2,
    which ForgeRevocation no longer explains (a2 publishes) and DVRevokesOwnOnly
    forbids; the invariant is false on the state the step reaches."""
    w = DescriptorWorld(DVVariant("revoke-any", "test", service=RevokeAnyService))
    d = _a1_descriptor_at_a2(w)
    before = project_descriptor_validity(w)
    assert w.revoke("a2", d) == "Committed"
    after = project_descriptor_validity(w)
    checker = descriptor_validity_checker()
    assert "DVRevokesOwnOnly" in checker.violated(after)
    with pytest.raises(ConformanceFailure, match="no action of Next explains the step"):
        checker.check_step(before, after, "RevokeDescriptor")


def test_the_schedule_passes_the_reference_and_rejects_revoke_any(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert dict(run_dv_scenarios(DescriptorBackend()))["revoke-another-members"] is None
    monkeypatch.setitem(
        DV_VARIANTS, "revoke-any", DVVariant("revoke-any", "test", service=RevokeAnyService)
    )
    failure = dict(run_dv_scenarios(DescriptorBackend("revoke-any")))["revoke-another-members"]
    assert isinstance(failure, ConformanceFailure)
    assert "violates DVRevokesOwnOnly" in str(failure)
    assert "(harness action: RevokeDescriptor)" in str(failure)
