"""A directed schedule that needs what a wrong backend never produced is a verdict.

A schedule picks its next message or fact from the state the backend reported;
a backend that refused the step before leaves nothing to pick. That must be a
named failure (``ScheduleProgress``), never an exception of the harness.
"""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest
from aura_conformance.descriptor_validity import machine as dv_machine
from aura_conformance.descriptor_validity.backends import DescriptorBackend
from aura_conformance.epoch_rotation import backends as epoch_backends
from aura_conformance.epoch_rotation import machine as epoch_machine
from aura_conformance.epoch_rotation.backends import EpochBackend
from aura_conformance.guard_chain import machine as guard_machine
from aura_conformance.guard_chain.backends import ReferenceBackend
from aura_conformance.harness.driver import run_directed
from aura_conformance.harness.expect import SCHEDULE_PROGRESS
from aura_conformance.relay import machine as relay_machine
from aura_conformance.relay.backends import RelayBackend


def _deaf(world: Any, args: Any, now: int) -> str:
    del world, args, now
    return "Refused:Deaf"


def test_a_refused_message_1_fails_by_name_before_the_schedule_runs_dry(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A responder that answers no message 1 within the handshake deadline refuses a
    step the spec takes (HandleHandshake is enabled): that refusal is the verdict,
    named by the action, before the schedule would run out of a message 2 to deliver
    (which was ``ScheduleProgress`` before refusals were judged)."""
    monkeypatch.setitem(epoch_backends.ACTION_TABLE, "HandleHandshake", _deaf)
    [(_, found)] = run_directed(
        epoch_machine._make(EpochBackend("ref")), {"handshake": epoch_machine._handshake}
    )
    assert found is not None
    assert found.action == "HandleHandshake"
    assert "HandleHandshake failed" in str(found)


def test_effects_with_no_outcome_in_flight_is_a_verdict() -> None:
    """A schedule's ExecuteEffects after a deny names what is missing: the backend
    is never asked to run an outcome it does not have (that would be exit 3)."""
    machine = guard_machine.make_machine(ReferenceBackend("ref"))
    [(_, found)] = run_directed(machine, {"x": lambda m: m.ExecuteEffects(False)})
    assert found is not None and SCHEDULE_PROGRESS in str(found)
    assert "an outcome in flight" in str(found)


def _nothing_there(spec: str) -> tuple[type[Any], Any]:
    """A machine on the reference and a schedule asking at once for what no step made."""
    if spec == "guard":
        return guard_machine.make_machine(ReferenceBackend("ref")), lambda m: m.deliver(
            lambda r: True
        )
    if spec == "epoch":
        return epoch_machine._make(EpochBackend("ref")), lambda m: m.ForgeResponse(0)
    if spec == "descriptor":
        return dv_machine._make(DescriptorBackend("ref")), dv_machine._duplicate_delivery
    return relay_machine._make(RelayBackend("ref")), lambda m: m.KeyConfirm(0)


@pytest.mark.parametrize("spec", ["guard", "epoch", "descriptor", "relay"])
def test_every_machine_names_a_missing_pick(spec: str, monkeypatch: pytest.MonkeyPatch) -> None:
    machine, scenario = _nothing_there(spec)
    if spec == "descriptor":
        # a1 never publishes: the schedule has no fact to sync twice.
        monkeypatch.setattr(machine, "PreparePublishDescriptor", lambda self, c: None)
    [(_, found)] = run_directed(machine, {"x": scenario})
    assert found is not None and SCHEDULE_PROGRESS in str(found), found


_DEAF_RESPONDER = """
import sys
from aura_conformance.epoch_rotation import backends
backends.ACTION_TABLE["HandleHandshake"] = lambda world, args, now: "Refused:Deaf"
from aura_conformance.examples.guard_backend import main
sys.exit(main(["--spec", "epoch"]))
"""


def test_the_cli_gives_a_verdict_not_a_traceback() -> None:
    """Over stdio, the deaf responder is NOT conformant (exit 1), named by the step
    it refused."""
    command = f"{sys.executable} -c '{_DEAF_RESPONDER}'"
    done = subprocess.run(
        [sys.executable, "-m", "aura_verify", "conform", "--spec", "epoch", "--backend", command],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    out = done.stdout + done.stderr
    assert done.returncode == 1, out
    assert "NOT conformant" in out and "HandleHandshake failed" in out, out
    assert "Traceback" not in out, out
