"""The spec harnesses by name: how to open a backend, bind a machine, replay and measure.

``aura-verify conform``, ``replay`` and the coverage report reach every spec
through this table: ``guard`` (GuardChain.tla), ``epoch`` (EpochRotation.tla),
``descriptor`` (DescriptorValidity.tla) and ``relay`` (the relay path of
Rendezvous.tla).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import attrs

from aura_conformance.harness.backend import Backend
from aura_conformance.harness.coverage import CoverageSpace
from aura_conformance.harness.driver import CountingMachine
from aura_conformance.harness.replay import StepDriver, run_step
from aura_conformance.harness.state import StateSchema
from aura_conformance.outcomes import DESCRIPTOR_SPACE, EPOCH_SPACE, GUARD_SPACE, RELAY_SPACE

__all__ = ["SPEC_HARNESSES", "SpecHarness", "spec_of_variables"]


@attrs.frozen
class SpecHarness:
    """One spec's harness.

    ``open`` builds a backend from a ``--backend`` value and a reply timeout;
    ``machine`` binds the spec machine to a backend; ``drive`` sends one recorded
    request through that machine with the checks its rule would make;
    ``scenarios`` names the directed schedules in the order they run;
    ``records_itself``: the machine writes its own traces (with the spec actions
    that explained each step) when given a directory.
    """

    name: str
    module: str
    schema: StateSchema
    open: Callable[[str, float], Backend]
    machine: Callable[[Any], type[CountingMachine]]
    space: CoverageSpace
    scenarios: Callable[[], Sequence[str]]
    drive: StepDriver[Any] = run_step
    records_itself: bool = False


def _open_guard(name: str, timeout: float) -> Backend:
    from aura_conformance.guard_chain import open_backend

    return open_backend(name, timeout=timeout)


def _guard_machine(backend: Any) -> type[CountingMachine]:
    from aura_conformance.guard_chain import make_machine

    return make_machine(backend)


def _guard_drive(m: Any, action: str, args: dict[str, Any]) -> None:
    # A refused receipt may break GCReceiptResumesAfterLoss: the rule's own check.
    if action == "ReceiveReceipt" and "r" in args:
        m._receive(args["r"])
    else:
        m._step(action, args)


def _open_epoch(name: str, timeout: float) -> Backend:
    from aura_conformance.epoch_rotation import EpochBackend

    return EpochBackend(name)


def _epoch_machine(backend: Any) -> type[CountingMachine]:
    from aura_conformance.epoch_rotation.machine import _make

    return _make(backend)


def _open_descriptor(name: str, timeout: float) -> Backend:
    from aura_conformance.descriptor_validity import DescriptorBackend

    return DescriptorBackend(name)


def _descriptor_machine(backend: Any) -> type[CountingMachine]:
    from aura_conformance.descriptor_validity.machine import _make

    return _make(backend)


def _descriptor_drive(m: Any, action: str, args: dict[str, Any]) -> None:
    # A sync round must bring what the source holds (DVSyncAvailable), as its rule checks.
    if action == "SyncRound" and {"src", "dst"} <= set(args):
        m._sync_round(args["src"].name, args["dst"].name)
    else:
        m._step(action, args)


def _open_relay(name: str, timeout: float) -> Backend:
    from aura_conformance.relay import RelayBackend

    return RelayBackend(name)


def _relay_machine(backend: Any) -> type[CountingMachine]:
    from aura_conformance.relay.machine import _make

    return _make(backend)


def _guard_scenarios() -> Sequence[str]:
    from aura_conformance.guard_chain import SCENARIOS

    return list(SCENARIOS)


def _epoch_scenarios() -> Sequence[str]:
    from aura_conformance.epoch_rotation import EPOCH_SCENARIOS

    return list(EPOCH_SCENARIOS)


def _descriptor_scenarios() -> Sequence[str]:
    from aura_conformance.descriptor_validity import DV_SCENARIOS

    return list(DV_SCENARIOS)


def _relay_scenarios() -> Sequence[str]:
    from aura_conformance.relay.machine import RELAY_SCENARIOS

    return list(RELAY_SCENARIOS)


def _schemas() -> dict[str, StateSchema]:
    from aura_conformance.descriptor_validity import DESCRIPTOR_VALIDITY
    from aura_conformance.epoch_rotation import EPOCH_ROTATION
    from aura_conformance.guard_chain import GUARD_CHAIN
    from aura_conformance.relay.mapping import RELAY_PATH

    return {
        "guard": GUARD_CHAIN,
        "epoch": EPOCH_ROTATION,
        "descriptor": DESCRIPTOR_VALIDITY,
        "relay": RELAY_PATH,
    }


_S = _schemas()

SPEC_HARNESSES: dict[str, SpecHarness] = {
    "guard": SpecHarness(
        "guard",
        "GuardChain",
        _S["guard"],
        _open_guard,
        _guard_machine,
        GUARD_SPACE,
        _guard_scenarios,
        _guard_drive,
        records_itself=True,
    ),
    "epoch": SpecHarness(
        "epoch",
        "EpochRotation",
        _S["epoch"],
        _open_epoch,
        _epoch_machine,
        EPOCH_SPACE,
        _epoch_scenarios,
    ),
    "descriptor": SpecHarness(
        "descriptor",
        "DescriptorValidity",
        _S["descriptor"],
        _open_descriptor,
        _descriptor_machine,
        DESCRIPTOR_SPACE,
        _descriptor_scenarios,
        _descriptor_drive,
    ),
    "relay": SpecHarness(
        "relay",
        "Rendezvous (relay path)",
        _S["relay"],
        _open_relay,
        _relay_machine,
        RELAY_SPACE,
        _relay_scenarios,
    ),
}


def spec_of_variables(variables: tuple[str, ...]) -> SpecHarness | None:
    """The harness whose spec has exactly these variables, if one does."""
    for harness in SPEC_HARNESSES.values():
        if harness.schema.variables == variables:
            return harness
    return None
