"""A handshake message handled past its deadline, before the timer fired.

EpochRotation.tla has no clock: a key confirmation is ``KeyConfirm`` whenever it
arrives. DESIGN.md 5 says a passed ``timeout_ms`` ends the handshake in
``Failed``, so the epoch world judges a confirmation as the service does
(``prepare_confirm`` at the delivery's time), and the harness holds a channel
made Active past its deadline to ``ERHandshakeTerminates`` on any step, not on
``Tick`` only (the ``confirmation-past-deadline`` and ``response-past-deadline``
schedules).
"""

from __future__ import annotations

import pytest
from aura_conformance.epoch_rotation import EPOCH_SCENARIOS, EpochBackend, run_epoch_scenarios
from aura_conformance.epoch_rotation.world import (
    EPOCH_VARIANTS,
    RESP,
    TIMEOUT_MS,
    EpochVariant,
    EpochWorld,
)
from aura_conformance.variants._probe_variants_r3 import DeadlineBlindConfirmManager

from .epoch_steps import handshake_to_confirmation

LATE = {n: EPOCH_SCENARIOS[n] for n in ("confirmation-past-deadline", "response-past-deadline")}


@pytest.mark.parametrize(
    ("now", "outcome", "state"),
    [
        (TIMEOUT_MS - 1, "Confirmed", "Active"),
        (TIMEOUT_MS, "Rejected:HandshakeTimeout", "Establishing"),
        (TIMEOUT_MS + 500, "Rejected:HandshakeTimeout", "Establishing"),
    ],
)
def test_a_confirmation_at_or_past_its_deadline_is_refused(
    now: int, outcome: str, state: str
) -> None:
    w = EpochWorld()
    data = handshake_to_confirmation(w)
    assert w.receive_data(data, w.msgs[data][0], now) == outcome
    assert w.slot_state(RESP) == state
    if state == "Establishing":
        # The timer, once it runs, fails the channel: it never was Active.
        assert w.check_timeouts(now) == "TimedOut:1"
        assert w.slot_state(RESP) == "Error"
        assert w.confirmed == set()


def test_a_deadline_blind_manager_takes_the_late_confirmation() -> None:
    variant = EpochVariant("deadline-blind", "test", manager=DeadlineBlindConfirmManager)
    w = EpochWorld(variant)
    data = handshake_to_confirmation(w)
    assert w.receive_data(data, w.msgs[data][0], TIMEOUT_MS) == "Confirmed"
    assert w.slot_state(RESP) == "Active"


def test_the_reference_passes_the_late_schedules() -> None:
    assert run_epoch_scenarios(EpochBackend(), LATE) == [(n, None) for n in LATE]


def test_the_late_confirmation_is_named_after_er_handshake_terminates(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    variant = EpochVariant("deadline-blind-confirm", "test", manager=DeadlineBlindConfirmManager)
    monkeypatch.setitem(EPOCH_VARIANTS, variant.name, variant)
    found = dict(run_epoch_scenarios(EpochBackend(variant.name), LATE))
    failure = found["confirmation-past-deadline"]
    assert failure is not None
    assert "ERHandshakeTerminates" in str(failure)
    assert "a2's channel 1 (epoch 0) became Active at 1000 ms" in str(failure)
    # The initiator's side of the same manager checks its own deadline.
    assert found["response-past-deadline"] is None
