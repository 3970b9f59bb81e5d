"""The Hypothesis state machine: rules named after GuardChain.tla's actions.

Each rule sends one request to the backend, projects nothing itself (the
backend replies with the projected state) and asks :class:`SpecChecker` whether
the step is a ``GCNext`` step and which action explains it; every state is
also checked against the model's invariants. Arguments come from the spec's
view of the state (a receipt to deliver is an element of ``wire``), so the same
machine drives any backend. ``now`` is machine state, advanced by ``Tick``.
"""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import attrs
import hypothesis
from aura_model.tla import ModelValue
from aura_model.tla import values as V
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    get_state_machine_test,
    initialize,
    invariant,
    precondition,
    rule,
)

from aura_conformance._backend import Backend
from aura_conformance._checker import SpecChecker, guard_chain_checker
from aura_conformance._errors import ConformanceFailure
from aura_conformance._mapping import State
from aura_conformance._trace import Recorder
from aura_conformance._world import AUTHS, COSTS, MAX_EPOCH

__all__ = ["ConformanceResult", "GuardChainMachine", "make_machine", "run_conformance"]

_PAIRS = [(a, d) for a in AUTHS for d in AUTHS if a != d]


class GuardChainMachine(RuleBasedStateMachine):
    """Drives ``backend`` (a class attribute set by :func:`make_machine`)."""

    backend: Backend
    checker: SpecChecker
    record_dir: Path | None = None
    stats: dict[str, int]
    recorders: list[Recorder]

    def __init__(self) -> None:
        super().__init__()
        self.now = 0
        self.state: State = {}
        self.recorder = Recorder(self.checker.variables, self.backend.name)
        type(self).recorders.append(self.recorder)

    # ------------------------------------------------------------ plumbing

    def _step(self, action: str, args: dict[str, Any]) -> None:
        reply = self.backend.request(action, args, self.now)
        self.stats["steps"] += 1
        try:
            report = self.checker.check_step(self.state, reply.state, action)
        except ConformanceFailure:
            self.recorder.add(
                reply.state,
                action,
                args=args,
                now=self.now,
                outcome=reply.outcome,
                explained_by=("UNEXPLAINED",),
            )
            raise
        self.recorder.add(
            reply.state,
            action,
            args=args,
            now=self.now,
            outcome=reply.outcome,
            explained_by=report.actions,
        )
        self.state = reply.state

    def _wire(self) -> list[Any]:
        return sorted(self.state["wire"], key=V.sort_key)

    def _idle(self) -> bool:
        return bool(self.state.get("phase") == "Idle")

    # ------------------------------------------------------------ rules

    @initialize()
    def Reset(self) -> None:
        reply = self.backend.request("Reset", {}, self.now)
        self.recorder.add(
            reply.state,
            "Reset",
            args={},
            now=self.now,
            outcome=reply.outcome,
            explained_by=("Init",),
        )
        self.checker.check_init(reply.state)
        self.state = reply.state
        self.stats["examples"] += 1

    @precondition(lambda self: self._idle())
    @rule(pair=st.sampled_from(_PAIRS), c=st.sampled_from(COSTS))
    def PrepareOperation(self, pair: tuple[str, str], c: int) -> None:
        a, d = pair
        self._step("PrepareOperation", {"a": ModelValue(a), "d": ModelValue(d), "c": c})

    @precondition(lambda self: self.state.get("phase") == "Allowed")
    @rule(fail_append=st.booleans())
    def ExecuteEffects(self, fail_append: bool) -> None:
        self._step("ExecuteEffects", {"fail_append": fail_append})

    @precondition(lambda self: self._idle() and self.state["epoch"] < MAX_EPOCH)
    @rule()
    def AdvanceEpoch(self) -> None:
        self._step("AdvanceEpoch", {})

    @precondition(lambda self: bool(self.state.get("wire")))
    @rule(i=st.integers(0, 63))
    def ReceiveReceipt(self, i: int) -> None:
        wire = self._wire()
        self._step("ReceiveReceipt", {"r": wire[i % len(wire)]})

    @precondition(
        lambda self: (
            bool(self.state.get("wire"))
            and all(r.d["signer"] == r.d["src"] for r in self.state["wire"])
        )
    )
    @rule(i=st.integers(0, 63))
    def ForgeReceipt(self, i: int) -> None:
        wire = self._wire()
        r = wire[i % len(wire)]
        s = next(ModelValue(a) for a in AUTHS if ModelValue(a) != r.d["src"])
        self._step("ForgeReceipt", {"r": r, "s": s})

    @rule(dt=st.integers(1, 1000))
    def Tick(self, dt: int) -> None:
        self.now += dt
        self._step("Tick", {"dt": dt})

    @invariant()
    def projected_state_present(self) -> None:
        # Invariants of the spec are checked on each step; this guards the plumbing.
        assert self.state, "no state: Reset did not run"

    def teardown(self) -> None:
        if self.record_dir is not None and self.recorder.states:
            n = next(type(self)._counter)
            self.recorder.write(self.record_dir / f"run-{n:04d}.itf.json")

    _counter: itertools.count[int]


def make_machine(
    backend: Backend, checker: SpecChecker | None = None, record_dir: Path | None = None
) -> type[GuardChainMachine]:
    """A machine class bound to ``backend`` (shared by all examples, reset each time)."""
    return type(
        "GuardChainConformance",
        (GuardChainMachine,),
        {
            "backend": backend,
            "checker": checker or guard_chain_checker(),
            "record_dir": record_dir,
            "stats": {"examples": 0, "steps": 0},
            "recorders": [],
            "_counter": itertools.count(),
        },
    )


@attrs.frozen
class ConformanceResult:
    backend: str
    conformant: bool
    examples: int
    steps: int
    failure: str = ""
    failing_trace: Path | None = None

    def summary(self) -> str:
        verdict = "conformant" if self.conformant else "NOT conformant"
        text = f"{self.backend}: {verdict} ({self.examples} runs, {self.steps} steps)"
        return text if self.conformant else f"{text}\n{self.failure}"


def run_conformance(
    backend: Backend,
    *,
    examples: int = 50,
    seed: int | None = 0,
    steps: int = 25,
    record_dir: Path | None = None,
    shrink: bool = True,
) -> ConformanceResult:
    """Run the machine against ``backend``; a conformance failure is a result, not a raise.

    Backend errors (a crash, a timeout, a malformed reply) are raised as
    :class:`BackendError`: a backend that cannot be driven is not judged.
    """
    machine = make_machine(backend, record_dir=record_dir)
    phases = [Phase.explicit, Phase.reuse, Phase.generate] + ([Phase.shrink] if shrink else [])
    test = get_state_machine_test(
        machine,
        settings=settings(
            max_examples=examples,
            stateful_step_count=steps,
            deadline=None,
            database=None,
            phases=phases,
            derandomize=seed is None,
            suppress_health_check=list(HealthCheck),
            report_multiple_bugs=False,
            print_blob=False,
        ),
    )
    if seed is not None:
        test = hypothesis.seed(seed)(test)
    failure = ""
    failing: Path | None = None
    try:
        test()
    except ConformanceFailure as exc:
        failure = str(exc)
        last = machine.recorders[-1] if machine.recorders else None
        if record_dir is not None and last is not None:
            failing = last.write(record_dir / "failing.itf.json")
    return ConformanceResult(
        backend.name,
        not failure,
        machine.stats["examples"],
        machine.stats["steps"],
        failure,
        failing,
    )
