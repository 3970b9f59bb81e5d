"""Step validation against GuardChain.tla with the embedded checker.

Every implementation step (prev, next) must be explained by the spec: either a
stutter (nothing the spec sees changed), one action of ``GCNext``, or, for a
request the implementation runs atomically (``ExecuteEffects`` runs the
interpreter's charge, append and send in one call), a short path of the
interpreter's own actions. Each projected state must satisfy the model's
invariants. A failure is a :class:`ConformanceFailure` with both states as a table.
"""

from __future__ import annotations

import tempfile
from collections.abc import Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import Any

import attrs
from aura_model.tla import ActionMatch, Model, StepValidator, load_model
from aura_model.tla import values as V

from aura_conformance._errors import ConformanceFailure
from aura_conformance._mapping import GUARD_CHAIN_VARS, State, format_state_table

__all__ = [
    "INTERPRETER_ACTIONS",
    "SpecChecker",
    "StepReport",
    "descriptor_validity_checker",
    "epoch_rotation_checker",
    "guard_chain_checker",
    "spec_dir",
]

# The actions ExecuteEffects may stand for, in the order the interpreter runs them.
INTERPRETER_ACTIONS = frozenset(
    {"ChargeFlowBudget", "JournalAppend", "JournalAppendFails", "SendPacket"}
)
# Rules the implementation runs atomically -> (actions a path may use, longest path).
_COMPOSITE = {"ExecuteEffects": (INTERPRETER_ACTIONS, 3)}


def spec_dir() -> Path:
    """``spec/`` of the checkout this package is installed from."""
    return Path(__file__).resolve().parents[2] / "spec"


@attrs.frozen
class StepReport:
    """How the spec explains one step: the actions, in order ("stutter" for none)."""

    rule: str
    actions: tuple[str, ...]

    def describe(self) -> str:
        return " ; ".join(self.actions)


def _label(m: ActionMatch) -> str:
    if not m.params:
        return m.name
    args = ", ".join(f"{k}={V.format_value(v)}" for k, v in m.params.items())
    return f"{m.name}({args})"


class SpecChecker:
    """A loaded model with its step validator and invariants."""

    def __init__(
        self,
        model: Model,
        composite: Mapping[str, tuple[frozenset[str], int]] | None = None,
    ) -> None:
        self.model = model
        self.composite = dict(_COMPOSITE if composite is None else composite)
        self.validator = StepValidator(model)
        self.variables = tuple(self.validator.vars)
        self.invariants = tuple(model.cfg.invariants)

    def violated(self, state: State) -> list[str]:
        """The model's invariants that ``state`` breaks."""
        return [n for n in self.invariants if self.model.evaluate(n, state) is not True]

    def _failure(
        self, kind: str, message: str, rule: str, before: Mapping[str, Any], after: State
    ) -> ConformanceFailure:
        table = format_state_table(before, after)
        broken = self.violated(after) if kind == "step" else []
        if broken:
            message += f"; the new state also violates {', '.join(broken)}"
        return ConformanceFailure(
            f"{kind}: {message} (harness action: {rule})", kind=kind, action=rule, table=table
        )

    def check_init(self, state: State) -> None:
        inits = self.validator.init_states()
        if not any(all(s[v] == state[v] for v in self.variables) for s in inits):
            raise self._failure(
                "init", "the initial state is not one of the spec's", "Reset", inits[0], state
            )
        self.check_invariants(state, "Reset")

    def check_invariants(self, state: State, rule: str) -> None:
        broken = self.violated(state)
        if broken:
            raise self._failure("invariant", f"{', '.join(broken)} violated", rule, state, state)

    def _path(
        self, prev: State, nxt: State, allowed: frozenset[str], depth: int
    ) -> list[ActionMatch] | None:
        frontier: list[tuple[State, list[ActionMatch]]] = [(prev, [])]
        seen: set[int] = set()
        for _ in range(depth):
            following: list[tuple[State, list[ActionMatch]]] = []
            for state, path in frontier:
                for match, succ in self.validator.successors(state):
                    if match.name not in allowed:
                        continue
                    if all(succ[v] == nxt[v] for v in self.variables):
                        return [*path, match]
                    key = V.fingerprint(tuple(succ[v] for v in self.variables))
                    if key not in seen:
                        seen.add(key)
                        following.append((succ, [*path, match]))
            frontier = following
        return None

    def check_step(self, prev: State, nxt: State, rule: str) -> StepReport:
        """Explain ``prev -> nxt`` (taken by harness ``rule``) or raise ConformanceFailure."""
        if all(prev[v] == nxt[v] for v in self.variables):
            report = StepReport(rule, ("stutter",))
        elif rule in self.composite:
            allowed, depth = self.composite[rule]
            path = self._path(prev, nxt, allowed, depth)
            if path is None:
                names = ", ".join(sorted(allowed))
                raise self._failure(
                    "step",
                    f"no sequence of at most {depth} of {names} explains the step",
                    rule,
                    prev,
                    nxt,
                )
            report = StepReport(rule, tuple(_label(m) for m in path))
        else:
            matches = self.validator.explain(prev, nxt)
            if not matches:
                raise self._failure("step", "no action of Next explains the step", rule, prev, nxt)
            report = StepReport(rule, tuple(_label(m) for m in matches[:1]))
        self.check_invariants(nxt, rule)
        return report

    def same_state(self, a: State, b: State) -> Sequence[str]:
        """The variables on which ``a`` and ``b`` differ."""
        return [v for v in self.variables if a.get(v) != b.get(v)]


@cache
def guard_chain_checker() -> SpecChecker:
    """The checker for spec/GuardChain.tla with MC_GuardChain.cfg (loaded once)."""
    spec = spec_dir()
    model = load_model(spec / "GuardChain.tla", spec / "MC_GuardChain.cfg")
    checker = SpecChecker(model)
    if checker.variables != GUARD_CHAIN_VARS:
        raise RuntimeError(f"GuardChain.tla's variables changed: {checker.variables}")
    return checker


# Several handshakes can pass their deadline within one Tick.
_ER_COMPOSITE = {"Tick": (frozenset({"HandshakeTimeout"}), 2)}


@cache
def epoch_rotation_checker() -> SpecChecker:
    """The checker for spec/EpochRotation.tla with MC_EpochRotation.cfg (loaded once)."""
    spec = spec_dir()
    model = load_model(spec / "EpochRotation.tla", spec / "MC_EpochRotation.cfg")
    return SpecChecker(model, _ER_COMPOSITE)


@cache
def descriptor_validity_checker() -> SpecChecker:
    """The checker for DescriptorValidity.tla through the wrapper ``tla/DVConformance.tla``.

    The wrapper EXTENDS the spec, and the embedded checker resolves EXTENDS next
    to the root module, so both are linked (not copied) into a temporary folder,
    removed once the model is loaded.
    """
    here = Path(__file__).resolve().parent / "tla"
    # load_model parses every module eagerly, so the folder can go right after.
    with tempfile.TemporaryDirectory(prefix="aura-conformance-") as name:
        folder = Path(name)
        (folder / "DescriptorValidity.tla").symlink_to(spec_dir() / "DescriptorValidity.tla")
        (folder / "DVConformance.tla").symlink_to(here / "DVConformance.tla")
        model = load_model(folder / "DVConformance.tla", here / "MC_DVConformance.cfg")
    return SpecChecker(model, {})
