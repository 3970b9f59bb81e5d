"""Coverage of conformance runs: each action and (action, outcome) pair exercised.

The counts come from real runs through a tap on the backend; the declared
spaces (``aura_conformance.outcomes``) must hold every outcome the reference
answers with, and a wrong backend's foreign outcome shows as undeclared.
"""

from __future__ import annotations

import sys
from typing import Any

import pytest
from aura_conformance import run_dv_conformance, run_epoch_conformance
from aura_conformance.guard_chain import run_conformance
from aura_conformance.harness.coverage import Coverage, CoverageReport, CoverageSpace
from aura_conformance.harness.report import Observation
from aura_conformance.relay import run_relay_conformance
from aura_conformance.spec_harnesses import SPEC_HARNESSES
from aura_verify import main

_RUNNERS: dict[str, Any] = {
    "guard": run_conformance,
    "epoch": run_epoch_conformance,
    "descriptor": run_dv_conformance,
    "relay": run_relay_conformance,
}


def measure(spec: str, backend: str = "ref", **runs: Any) -> CoverageReport:
    harness = SPEC_HARNESSES[spec]
    b = harness.open(backend, 10.0)
    watch = Observation(b, harness.space, record_dir=None, scenarios=harness.scenarios())
    try:
        _RUNNERS[spec](b, **runs)
    finally:
        watch.close()
    return watch.coverage_report()


def test_counts_missed_and_undeclared() -> None:
    space = CoverageSpace(
        "toy",
        ("Send", "Tick"),
        frozenset({("Send", "Sent"), ("Send", "Denied:X"), ("Tick", "Ticked")}),
    )
    cov = Coverage(space)
    for action, outcome in [
        ("Reset", "Reset"),
        ("Send", "Sent"),
        ("Send", "Sent"),
        ("Send", "Odd"),
    ]:
        cov.count(action, outcome)
    report = cov.report()
    assert report.actions == {"Send": 3}
    assert report.missed_actions == ("Tick",)
    assert report.missed_pairs == (("Send", "Denied:X"), ("Tick", "Ticked"))
    assert report.undeclared == (("Send", "Odd"),)
    line = report.summary()
    assert "actions 1/2" in line and "pairs 1/3 (33.3%)" in line
    assert "missed: Send/Denied:X, Tick/Ticked" in line and "undeclared: Send/Odd" in line
    table = report.table()
    assert "0  missed" in table and "1  undeclared" in table and "Sent" in table


def test_numeric_details_and_lists_are_classified() -> None:
    cov = Coverage(CoverageSpace("toy", ("Tick",), frozenset({("Tick", "TimedOut")})))
    cov.count("Tick", "TimedOut:2")
    cov.count("Tick", "Ticked,Refused:NotAMember")
    assert cov.report().pairs == {
        ("Tick", "TimedOut"): 1,
        ("Tick", "Ticked"): 1,
        ("Tick", "Refused:NotAMember"): 1,
    }


def test_a_pair_of_an_undeclared_action_is_refused() -> None:
    with pytest.raises(ValueError, match="undeclared actions"):
        CoverageSpace("toy", ("Send",), frozenset({("Tick", "Ticked")}))


@pytest.mark.parametrize("spec", list(SPEC_HARNESSES))
def test_the_reference_answers_only_declared_outcomes(spec: str) -> None:
    """The directed scenarios and a few random runs of the reference: every outcome
    is in the declared space, and every action is exercised."""
    report = measure(spec, examples=10, seed=1)
    assert report.undeclared == (), report.summary()
    assert report.missed_actions == (), report.summary()


def test_a_wrong_backends_foreign_outcome_is_undeclared() -> None:
    """The relay that forwards junk answers with a send the space does not know."""
    report = measure("relay", "junk-forwarding-relay", examples=1, seed=0)
    assert ("RelayForward", "Sent:Junk") in report.undeclared


@pytest.mark.slow
@pytest.mark.parametrize("spec", list(SPEC_HARNESSES))
def test_the_default_profile_reaches_every_action_and_95_percent_of_pairs(spec: str) -> None:
    """``aura-verify conform --spec S`` (100 runs of 25 steps, seed 0): every action
    and at least 95% of the declared pairs (today every pair, with the directed
    scenarios that reach the rare refusals)."""
    report = measure(spec, examples=100, seed=0, steps=25)
    assert report.missed_actions == (), report.summary()
    assert report.pair_ratio >= 0.95, report.summary()


@pytest.mark.parametrize(
    ("spec", "scenario", "pair"),
    [
        ("epoch", "replayed-data", ("ReceiveData", "Rejected:ReplayedMessage")),
        ("epoch", "retired-epoch-data", ("ReceiveData", "Rejected:RetiredEpoch")),
        ("epoch", "stale-epoch-response", ("ProcessResponse", "Rejected:WrongEpoch")),
        ("epoch", "timed-out-response", ("ProcessResponse", "Rejected:HandshakeAuthError")),
        ("epoch", "forged-response-header", ("ForgeResponse", "Rejected:DecodeError")),
        ("epoch", "forged-response-header", ("ForgeResponse", "Rejected:WrongEpoch")),
        ("descriptor", "duplicate-delivery", ("SyncJournal", "Duplicate")),
        ("relay", "redelivered-confirmation", ("KeyConfirm", "Rejected:ReceiptReplayed")),
        ("relay", "redelivered-confirmation", ("ProcessResponse", "Rejected:ReceiptReplayed")),
        ("relay", "reordered-at-the-relay", ("RelayForward", "Refused:ReceiptReplayed")),
    ],
)
def test_directed_scenarios_reach_the_rare_refusals(
    spec: str, scenario: str, pair: tuple[str, str]
) -> None:
    """Each coverage scenario, alone on the reference, conforms and reaches its pair."""
    harness = SPEC_HARNESSES[spec]
    backend = harness.open("ref", 10.0)
    watch = Observation(backend, harness.space, record_dir=None, scenarios=())
    try:
        m = harness.machine(backend)()
        m.Reset()  # type: ignore[attr-defined]
        scenarios = _SCENARIOS[spec]()
        scenarios[scenario](m)
    finally:
        watch.close()
    assert watch.coverage_report().pairs.get(pair), watch.coverage_report().summary()


def _epoch_scenarios() -> dict[str, Any]:
    from aura_conformance.epoch_rotation import EPOCH_SCENARIOS

    return dict(EPOCH_SCENARIOS)


def _dv_scenarios() -> dict[str, Any]:
    from aura_conformance.descriptor_validity import DV_SCENARIOS

    return dict(DV_SCENARIOS)


def _relay_scenarios() -> dict[str, Any]:
    from aura_conformance.relay.machine import RELAY_SCENARIOS

    return dict(RELAY_SCENARIOS)


_SCENARIOS = {"epoch": _epoch_scenarios, "descriptor": _dv_scenarios, "relay": _relay_scenarios}


def test_conform_prints_a_coverage_line_or_the_table(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["conform", "--examples", "3"]) == 0
    lines = [x for x in capsys.readouterr().out.splitlines() if x.startswith("coverage guard:")]
    assert len(lines) == 1 and "actions 11/11" in lines[0]
    assert main(["conform", "--examples", "3", "--coverage"]) == 0
    table = capsys.readouterr().out
    assert "PrepareOperation" in table and "Denied:MissingCapability" in table


@pytest.mark.parametrize(
    ("scenario", "window"),
    [
        ("lost-receipt", "window:gap"),
        ("replay", "window:replayed"),
        ("send-receive", "window:next"),
    ],
)
def test_a_receipts_window_position_is_counted(scenario: str, window: str) -> None:
    """The reply does not say where a receipt fell in its receiver's window; the
    state before the request does: the lost receipt's successor lands past a gap,
    a replay at or below the last accepted, an in-order receipt just above it."""
    from aura_conformance.guard_chain import SCENARIOS

    harness = SPEC_HARNESSES["guard"]
    backend = harness.open("ref", 10.0)
    watch = Observation(backend, harness.space, record_dir=None, scenarios=())
    try:
        m = harness.machine(backend)()
        m.Reset()  # type: ignore[attr-defined]
        SCENARIOS[scenario](m)  # type: ignore[arg-type]
    finally:
        watch.close()
    pairs = watch.coverage_report().pairs
    assert pairs.get(("ReceiveReceipt", window)), pairs
    others = {w for a, w in pairs if a == "ReceiveReceipt" and w.startswith("window:")}
    assert others <= {window, "window:next"}


def test_no_window_position_for_a_state_of_another_shape() -> None:
    from aura_conformance.outcomes import GUARD_SPACE
    from aura_model.tla import values as V

    cov = Coverage(GUARD_SPACE)
    r = V.record(src="a1", dst="a2", nonce=1)
    cov.count("ReceiveReceipt", "Accepted", {"r": r}, {"accepted": 0})
    assert cov.report().pairs == {("ReceiveReceipt", "Accepted"): 1}


@pytest.mark.slow
@pytest.mark.parametrize("spec", list(SPEC_HARNESSES))
def test_the_default_profile_over_stdio_reaches_every_action_and_95_percent(spec: str) -> None:
    """The same over stdio: the reference served by the example program, its
    effects and queries through the protocol; what was missed is in the summary."""
    program = f"{sys.executable} -m aura_conformance.examples.guard_backend --spec {spec}"
    report = measure(spec, program, examples=100, seed=0, steps=25)
    assert report.missed_actions == (), report.summary()
    assert report.pair_ratio >= 0.95, report.summary()
