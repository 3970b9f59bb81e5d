"""Coverage of the wire mode: each request, each attacker move, each channel transition.

The counts come from real runs of the reference through a :class:`CountedRun`; the
declared space (``aura_conformance.wire.coverage``) must hold every outcome the
reference answers with, and the default profile must reach every action and at
least 95% of the pairs.
"""

from __future__ import annotations

import pytest
from aura_conformance.harness.errors import ConformanceFailure
from aura_conformance.wire import WireBackend, run_wire_conformance
from aura_conformance.wire.coverage import WIRE_SPACE, WireCoverage
from aura_conformance.wire.keyring import INI, RESP
from aura_verify import main


def test_an_attackers_message_is_counted_as_its_move_and_the_genuine_one_is_not() -> None:
    counts = WireCoverage()
    run = counts.run(WireBackend(), RESP)
    run.handshake()
    run.junk(1)
    run.tamper_traffic(-1)
    report = counts.report()
    assert report.pairs[("Attack:Junk", "Rejected:DecodeError")] == 1
    # The tampered copy is the move; the genuine message delivered after it is not.
    assert report.actions["Attack:Tamper"] == 1
    assert report.pairs[("Attack:Tamper", "Rejected:TransportAuthError")] == 1
    # The backend as Resp: message 1 opens a handshake, the confirmation finishes it.
    assert report.pairs[("Deliver", "channel:None->Establishing")] == 1
    assert report.pairs[("Deliver", "channel:Establishing->Active")] == 1
    assert report.undeclared == ()


def test_an_attack_outside_a_move_and_a_timeout_are_counted() -> None:
    counts = WireCoverage()
    run = counts.run(WireBackend(), INI)
    run.late_handshake()
    report = counts.report()
    assert report.pairs[("Tick", "TimedOut")] == 1
    assert report.pairs[("Tick", "channel:Establishing->None")] == 1
    assert report.actions["Attack:Late"] == 1
    assert report.undeclared == ()


def test_an_outcome_the_space_does_not_declare_is_reported() -> None:
    """A pair outside the space (an impostor answered) is named, not dropped."""
    counts = WireCoverage()
    counts.coverage.count("Attack:Impostor", "Answered")
    assert ("Attack:Impostor", "Answered") not in WIRE_SPACE.pairs
    assert counts.report().undeclared == (("Attack:Impostor", "Answered"),)


def test_a_wrong_backends_foreign_outcome_is_counted_though_its_check_fails() -> None:
    """``open-roster`` answers a non-member's message 1: the run fails on it, and the
    answer is counted, outside the declared space."""
    counts = WireCoverage()
    run = counts.run(WireBackend("open-roster"), RESP)
    with pytest.raises(ConformanceFailure, match=r"RVMembersOnly|WireRejectsAttack"):
        run.outsider()
    assert ("Attack:NonMember", "Answered") in counts.report().undeclared


def test_conform_prints_the_wire_table(capsys: pytest.CaptureFixture[str]) -> None:
    """The directed scenarios and a few random runs of the reference: every action
    exercised, every outcome declared (a stray one would be listed as undeclared)."""
    assert main(["conform", "--spec", "wire", "--examples", "3", "--coverage"]) == 0
    out = capsys.readouterr().out
    [line] = [x for x in out.splitlines() if x.startswith("coverage wire:")]
    n = len(WIRE_SPACE.actions)
    assert f"actions {n}/{n}" in line and "undeclared" not in line, line
    assert "Attack:Tamper" in out and "channel:Establishing->Active" in out


@pytest.mark.slow
def test_the_default_profile_reaches_every_action_and_95_percent_of_pairs() -> None:
    """``aura-verify conform --spec wire`` (100 runs of 25 steps, seed 0)."""
    counts = WireCoverage()
    result = run_wire_conformance(WireBackend(), examples=100, seed=0, steps=25, coverage=counts)
    assert result.conformant, result.failure
    report = counts.report()
    assert report.missed_actions == (), report.summary()
    assert report.undeclared == (), report.summary()
    assert report.pair_ratio >= 0.95, report.summary()
