"""What the ``conformance`` stage found, invariant by invariant.

Each reference run in process is watched (:class:`Observation`): it gives one
``conformance`` :class:`~aura_model.stages.Check` per invariant its spec's step
validator checked on every step, and the harness's coverage. Each wrong backend
gives a ``violated-by-broken-variant`` check of the invariant it breaks (PASS
when the run was rejected naming it) with its failing program as a
:class:`~aura_model.stages.Counterexample`.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import attrs
from aura_model.stages import (
    Check,
    Counterexample,
    CoverageRecord,
    OutcomeCount,
    StageResult,
    Status,
    Step,
    slug,
)

if TYPE_CHECKING:
    from aura_conformance import Backend, ConformanceResult
    from aura_conformance.harness.checker import SpecChecker
    from aura_conformance.harness.coverage import CoverageReport
    from aura_conformance.harness.report import Observation

__all__ = ["ConformanceEvidence"]


def _checkers() -> dict[str, Callable[[], SpecChecker]]:
    from aura_conformance.descriptor_validity.checker import descriptor_validity_checker
    from aura_conformance.epoch_rotation.checker import epoch_rotation_checker
    from aura_conformance.guard_chain.checker import guard_chain_checker
    from aura_conformance.relay import relay_checker

    return {
        "guard": guard_chain_checker,
        "epoch": epoch_rotation_checker,
        "descriptor": descriptor_validity_checker,
        "relay": relay_checker,
    }


# Spec properties carry their module's prefix; a harness may check another
# module's invariants (the relay harness: Rendezvous.tla's, and GuardChain.tla's
# on the relay's own guard chain).
_PREFIXES = {
    "GC": "GuardChain",
    "ER": "EpochRotation",
    "DV": "DescriptorValidity",
    "RV": "Rendezvous",
}


def _module(checker: SpecChecker, invariant: str) -> str:
    name: str = checker.model.name
    return _PREFIXES.get(invariant[:2], name)


def _steps(doc: dict[str, Any]) -> tuple[Step, ...]:
    out = []
    for i, state in enumerate(doc.get("states", [])):
        meta = state.get("#meta", {})
        action = meta.get("action") if i > 0 else None
        out.append(Step(action, {k: v for k, v in state.items() if k != "#meta"}))
    return tuple(out)


def _coverage_record(harness: str, report: CoverageReport) -> CoverageRecord:
    return CoverageRecord(
        harness=harness,
        actions={a: report.actions.get(a, 0) for a in report.space.actions},
        pairs=tuple(
            OutcomeCount(a, o, report.pairs.get((a, o), 0)) for a, o in sorted(report.space.pairs)
        ),
        missed=tuple(OutcomeCount(a, o) for a, o in report.missed_pairs),
        percent=round(100 * report.pair_ratio, 1),
    )


def _conform_command(key: str, backend: str, seed: int, examples: int) -> str:
    words = ["aura-verify", "conform", "--spec", key, "--backend", backend, "--seed", str(seed)]
    return shlex.join([*words, "--examples", str(examples)])


class ConformanceEvidence:
    """Collects the checks, counterexamples and coverage of one stage run."""

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self.checks: list[Check] = []
        self.counterexamples: list[Counterexample] = []
        self.coverage: list[CoverageRecord] = []

    def watch(self, key: str, backend: Backend) -> Observation:
        """Start watching an in-process ``backend`` of spec ``key``."""
        from aura_conformance.harness.report import Observation
        from aura_conformance.spec_harnesses import SPEC_HARNESSES

        harness = SPEC_HARNESSES[key]
        return Observation(backend, harness.space, record_dir=None, scenarios=harness.scenarios())

    def reference(
        self, key: str, watch: Observation, outcome: ConformanceResult, examples: int
    ) -> None:
        """The reference of ``key`` ran under ``watch``: its checks and coverage."""
        from aura_conformance.spec_harnesses import SPEC_HARNESSES

        checker = _checkers()[key]()
        rerun = _conform_command(key, "ref", self.seed, examples)
        status = Status.PASS if outcome.conformant else Status.FAIL
        detail = (
            f"step validator on every step of {outcome.examples} runs, {outcome.steps} steps "
            f"(reference, {key})"
        )
        for invariant in checker.invariants:
            module = _module(checker, invariant)
            self.checks.append(Check(invariant, module, "conformance", status, detail, rerun))
        self.coverage.append(_coverage_record(SPEC_HARNESSES[key].module, watch.coverage_report()))

    def wrong(
        self,
        *,
        key: str,
        name: str,
        invariant: str,
        watch: Observation,
        outcome: ConformanceResult,
        examples: int,
    ) -> None:
        """Wrong backend ``name`` of ``key`` ran under ``watch``, meant to break ``invariant``."""
        from aura_conformance.harness.report import failing_run

        checker = _checkers()[key]()
        module = _module(checker, invariant)
        rerun = _conform_command(key, name, 0, examples)
        rejected = not outcome.conformant and invariant in (outcome.failure or "")
        cex_id: str | None = None
        run = failing_run(watch.tap, outcome.failure, watch.scenarios) if rejected else None
        if run is not None:
            cex_id = slug("conformance", key, name, invariant)
            self.counterexamples.append(
                Counterexample(
                    id=cex_id,
                    engine="conformance",
                    module=module,
                    config=f"{key}/{name}",
                    invariant=invariant,
                    expected=True,
                    rerun=rerun,
                    steps=_steps(run.to_json()),
                )
            )
        first = (outcome.failure or "conformant").strip().splitlines()[0]
        self.checks.append(
            Check(
                invariant,
                module,
                "conformance",
                Status.PASS if rejected else Status.FAIL,
                f"wrong backend {key}/{name}: {first}",
                rerun,
                kind="violated-by-broken-variant",
                counterexample=cex_id,
            )
        )

    def wire(
        self,
        reference: ConformanceResult,
        missed: list[str],
        seed: int,
        coverage: CoverageReport | None = None,
    ) -> None:
        """The wire mode's run: the reference over stdio, whose composed state is
        step-validated against EpochRotation.tla, and every wrong wire backend
        (``missed`` lists those not rejected as named, as ``wire/NAME (...)``);
        with the reference's ``coverage``, the wire harness's coverage record."""
        from aura_conformance.wire import WIRE_WRONG_BACKENDS, wire_epoch_checker

        if coverage is not None:
            self.coverage.append(_coverage_record("Wire", coverage))

        checker = wire_epoch_checker()
        status = Status.PASS if reference.conformant else Status.FAIL
        detail = (
            f"wire harness: composed state of both members validated after every request "
            f"({reference.examples} runs, {reference.steps} steps)"
        )
        rerun = f"aura-verify conform --spec wire --backend ref --seed {seed}"
        for invariant in checker.invariants:
            module = _module(checker, invariant)
            self.checks.append(Check(invariant, module, "conformance", status, detail, rerun))
        not_rejected = {m.split(" ", 1)[0] for m in missed}
        for name, named in WIRE_WRONG_BACKENDS.items():
            caught = f"wire/{name}" not in not_rejected
            self.checks.append(
                Check(
                    named,
                    _PREFIXES.get(named[:2], "Wire"),
                    "conformance",
                    Status.PASS if caught else Status.FAIL,
                    f"wrong wire backend {name}: "
                    + (f"rejected naming {named}" if caught else f"NOT rejected as {named}"),
                    f"aura-verify conform --spec wire --backend {name} --seed 0",
                    kind="violated-by-broken-variant",
                )
            )

    def attach(self, result: StageResult, figures: Mapping[str, int | float]) -> StageResult:
        return attrs.evolve(
            result,
            figures=figures,
            checks=tuple(self.checks),
            counterexamples=tuple(self.counterexamples),
            coverage=tuple(self.coverage),
        )
