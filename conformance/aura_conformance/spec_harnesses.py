"""The spec harnesses by name: how to open a backend, bind a machine, replay and measure.

``aura-verify conform``, ``replay`` and the coverage report reach every spec
through this table: ``guard`` (GuardChain.tla), ``epoch`` (EpochRotation.tla),
``descriptor`` (DescriptorValidity.tla) and ``relay`` (the relay path of
Rendezvous.tla).
"""

from __future__ import annotations

import os
import shlex
import shutil
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import attrs

from aura_conformance.harness.backend import Backend
from aura_conformance.harness.coverage import CoverageSpace
from aura_conformance.harness.driver import CountingMachine
from aura_conformance.harness.errors import BackendError
from aura_conformance.harness.replay import StepDriver, run_step
from aura_conformance.harness.state import StateSchema
from aura_conformance.outcomes import DESCRIPTOR_SPACE, EPOCH_SPACE, GUARD_SPACE, RELAY_SPACE

__all__ = ["SPEC_HARNESSES", "SpecHarness", "open_backend", "spec_of_variables"]


@attrs.frozen
class SpecHarness:
    """One spec's harness.

    ``machine`` binds the spec machine to a backend; ``drive`` sends one recorded
    request through that machine with the checks its rule would make;
    ``scenarios`` names the directed schedules in the order they run;
    ``records_itself``: the machine writes its own traces (with the spec actions
    that explained each step) when given a directory.
    """

    name: str
    module: str
    schema: StateSchema
    machine: Callable[[Any], type[CountingMachine]]
    declared: CoverageSpace
    scenarios: Callable[[], Sequence[str]]
    table: Callable[[], Iterable[str]]
    drive: StepDriver[Any] = run_step
    records_itself: bool = False

    def open(self, backend: str, timeout: float) -> Backend:
        """The backend ``--backend`` names (:func:`open_backend`)."""
        return open_backend(self.name, backend, timeout)

    @property
    def space(self) -> CoverageSpace:
        """The declared space, with every action the backends serve: one added to the
        table but not to the declaration is reported missed, its outcomes undeclared."""
        extra = tuple(a for a in self.table() if a not in self.declared.actions)
        return attrs.evolve(self.declared, actions=self.declared.actions + extra)


def _variants(key: str) -> Iterable[str]:
    from aura_conformance.descriptor_validity import DV_VARIANTS
    from aura_conformance.epoch_rotation import EPOCH_VARIANTS
    from aura_conformance.guard_chain import VARIANTS
    from aura_conformance.relay import RELAY_VARIANTS

    tables: dict[str, Iterable[str]] = {
        "guard": VARIANTS,
        "epoch": EPOCH_VARIANTS,
        "descriptor": DV_VARIANTS,
        "relay": RELAY_VARIANTS,
    }
    return tables[key]


def open_backend(key: str, name: str, timeout: float) -> Backend:
    """``name`` as ``conform`` reads ``--backend``: an in-process backend of spec
    ``key`` (the reference or a wrong one), else a stdio program's command line
    where the spec is driven over stdio. A plain :class:`BackendError` names
    no backend at all."""
    from aura_conformance.protocol_specs import PROTOCOL_SPECS, open_stdio, reference_backend

    known = list(_variants(key))
    if name in known:
        return reference_backend(key, name)
    spec = PROTOCOL_SPECS[key]
    try:
        argv = shlex.split(name)
    except ValueError as exc:
        raise BackendError(f"--backend {name!r}: {exc}") from None
    if not spec.over_stdio or not argv:
        raise BackendError(
            f"no {key} backend {name!r}; known: {', '.join(known)}"
            + ("" if spec.over_stdio else f" ({spec.module} is driven in process only)")
        )
    program = argv[0]
    found = shutil.which(program) if os.sep not in program else program
    if found is None or not os.path.isfile(found):
        raise BackendError(
            f"no {key} backend {name!r}: no variant of that name ({', '.join(known)}) "
            f"and no program {program!r}"
        )
    return open_stdio(key, argv, timeout=timeout)


def _guard_machine(backend: Any) -> type[CountingMachine]:
    from aura_conformance.guard_chain import make_machine

    return make_machine(backend)


def _guard_drive(m: Any, action: str, args: dict[str, Any]) -> None:
    # A refused receipt may break GCReceiptResumesAfterLoss: the rule's own check.
    if action == "ReceiveReceipt" and "r" in args:
        m._receive(args["r"])
    else:
        m._step(action, args)


def _epoch_machine(backend: Any) -> type[CountingMachine]:
    from aura_conformance.epoch_rotation.machine import _make

    return _make(backend)


def _descriptor_machine(backend: Any) -> type[CountingMachine]:
    from aura_conformance.descriptor_validity.machine import _make

    return _make(backend)


def _descriptor_drive(m: Any, action: str, args: dict[str, Any]) -> None:
    # A sync round must bring what the source holds (DVSyncAvailable), as its rule checks.
    if action == "SyncRound" and {"src", "dst"} <= set(args):
        m._sync_round(args["src"].name, args["dst"].name)
    else:
        m._step(action, args)


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


def _guard_table() -> Iterable[str]:
    from aura_conformance.guard_chain.backends import ACTION_TABLE

    return ACTION_TABLE


def _epoch_table() -> Iterable[str]:
    from aura_conformance.epoch_rotation.backends import ACTION_TABLE

    return ACTION_TABLE


def _descriptor_table() -> Iterable[str]:
    from aura_conformance.descriptor_validity.backends import ACTION_TABLE

    return ACTION_TABLE


def _relay_table() -> Iterable[str]:
    from aura_conformance.relay.backends import ACTION_TABLE

    return ACTION_TABLE


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
        _guard_machine,
        GUARD_SPACE,
        _guard_scenarios,
        _guard_table,
        _guard_drive,
        records_itself=True,
    ),
    "epoch": SpecHarness(
        "epoch",
        "EpochRotation",
        _S["epoch"],
        _epoch_machine,
        EPOCH_SPACE,
        _epoch_scenarios,
        _epoch_table,
    ),
    "descriptor": SpecHarness(
        "descriptor",
        "DescriptorValidity",
        _S["descriptor"],
        _descriptor_machine,
        DESCRIPTOR_SPACE,
        _descriptor_scenarios,
        _descriptor_table,
        _descriptor_drive,
    ),
    "relay": SpecHarness(
        "relay",
        "Rendezvous (relay path)",
        _S["relay"],
        _relay_machine,
        RELAY_SPACE,
        _relay_scenarios,
        _relay_table,
    ),
}


def spec_of_variables(variables: tuple[str, ...]) -> SpecHarness | None:
    """The harness whose spec has exactly these variables, if one does."""
    for harness in SPEC_HARNESSES.values():
        if harness.schema.variables == variables:
            return harness
    return None
