"""Step validation against a spec with the embedded checker.

Every implementation step (prev, next) must be explained by the spec: either a
stutter (nothing the spec sees changed), one action of its next-state relation,
or, for a request the implementation runs atomically (the guard chain's
``ExecuteEffects`` runs the interpreter's charge, append and send in one call),
a short path of the spec's own actions (``composite``). Each projected state
must satisfy the model's invariants. A failure is a :class:`ConformanceFailure`
with both states as a table.

Verdicts are remembered by identity: a state whose variables are the very
objects of a state already found to satisfy every invariant is not evaluated
again, nor a step between two such states already explained (a stutter of the
same objects needs no explaining). The values are immutable and kept alive by
the memo, so the same objects are the same values, types included (``TRUE`` and
``1`` compare equal in Python; two objects that merely compare equal are judged
afresh). Projections and the stdio decoder hand out one object per value they
see again (:class:`~aura_conformance.harness.state.Interner`), which is what
makes the memo hit.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import attrs
from aura_model.specs import config_path, module_path
from aura_model.tla import ActionMatch, Model, ModelValue, StepValidator, load_model
from aura_model.tla import values as V

from aura_conformance.harness.errors import ConformanceFailure
from aura_conformance.harness.state import State, StateSchema, format_state_table

__all__ = ["Composite", "SpecChecker", "StepReport", "load_checker"]

# Rules the implementation runs atomically -> (actions a path may use, longest path).
Composite = Mapping[str, tuple[frozenset[str], int]]

# A state as the ids of its variables' values: equal keys are the same objects.
_Key = tuple[int, ...]
# Entries each memo keeps before it starts again (each holds its states alive).
MEMO_LIMIT = 4096


@attrs.frozen
class StepReport:
    """How the spec explains one step: the actions, in order ("stutter" for none)."""

    rule: str
    actions: tuple[str, ...]

    def describe(self) -> str:
        return " ; ".join(self.actions)


def _same(a: Any, b: Any) -> bool:
    # Python's 0 == False: a parameter bound to FALSE is not the argument 0.
    return type(a) is type(b) and a == b


def _agrees(match: ActionMatch, args: Mapping[str, Any]) -> bool:
    """Each of ``match``'s parameters that ``args`` names takes the argument's value."""
    return all(_same(match.params[k], v) for k, v in args.items() if k in match.params)


def _args_key(args: Mapping[str, Any]) -> tuple[tuple[str, Any], ...]:
    """``args`` as a memo key: scalars by type and value, anything else by identity."""
    out = []
    for k, v in sorted(args.items()):
        t = type(v)
        if t is bool or t is int or t is str:
            out.append((k, (t, v)))
        elif isinstance(v, ModelValue):
            out.append((k, (ModelValue, v.name)))
        else:
            out.append((k, (t, id(v))))
    return tuple(out)


def _label(m: ActionMatch) -> str:
    if not m.params:
        return m.name
    args = ", ".join(f"{k}={V.format_value(v)}" for k, v in m.params.items())
    return f"{m.name}({args})"


class SpecChecker:
    """A loaded model with its step validator and invariants.

    ``schema`` is what the harness's projections of this spec hold; a model
    whose variables differ is refused, so a spec edit cannot silently leave the
    projection behind.
    """

    def __init__(
        self, model: Model, schema: StateSchema, composite: Composite | None = None
    ) -> None:
        self.model = model
        self.schema = schema
        self.composite = dict(composite or {})
        self.validator = StepValidator(model)
        self.variables = tuple(self.validator.vars)
        if self.variables != schema.variables:
            raise RuntimeError(f"the spec's variables changed: {self.variables}")
        self.invariants = tuple(model.cfg.invariants)
        # States that satisfy every invariant, and explained steps, by identity;
        # each entry keeps its values alive so an id cannot be reused.
        self._sound: dict[_Key, tuple[Any, ...]] = {}
        self._steps: dict[tuple[Any, ...], tuple[tuple[Any, ...], tuple[str, ...]]] = {}
        # The states of the run under way, from check_init on, while each step
        # started where the last one ended (None: not known). A failure carries
        # them, so that a known shortfall is named after the run, not one step.
        self._run: list[State] | None = None

    def forget(self) -> None:
        """Drop the remembered verdicts (a measurement starts from none)."""
        self._sound.clear()
        self._steps.clear()

    def _values(self, state: State) -> tuple[Any, ...]:
        return tuple([state[v] for v in self.variables])

    def violated(self, state: State) -> list[str]:
        """The model's invariants that ``state`` breaks."""
        if not self.invariants:
            return []
        # One conversion of the state serves every invariant.
        values = self.model.evaluate_many(self.invariants, state)
        return [n for n, v in zip(self.invariants, values, strict=True) if v is not True]

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
        self._run = None
        inits = self.validator.init_states()
        if not any(all(s[v] == state[v] for v in self.variables) for s in inits):
            raise self._failure(
                "init", "the initial state is not one of the spec's", "Reset", inits[0], state
            )
        self.check_invariants(state, "Reset")
        self._run = [state]

    def check_invariants(self, state: State, rule: str) -> None:
        values = self._values(state)
        self._check_invariants(state, values, tuple(map(id, values)), rule)

    def _check_invariants(
        self, state: State, values: tuple[Any, ...], key: _Key, rule: str
    ) -> None:
        if key in self._sound:
            return
        broken = self.violated(state)
        if broken:
            raise self._failure("invariant", f"{', '.join(broken)} violated", rule, state, state)
        if len(self._sound) >= MEMO_LIMIT:
            self._sound.clear()
        self._sound[key] = values

    def _path(
        self, prev: State, nxt: State, allowed: frozenset[str], depth: int
    ) -> list[ActionMatch] | None:
        frontier: list[tuple[State, list[ActionMatch]]] = [(prev, [])]
        seen: set[int] = set()
        for _ in range(depth):
            following: list[tuple[State, list[ActionMatch]]] = []
            for state, path in frontier:
                for match, succ in self.validator.successors(state, only=allowed):
                    if all(succ[v] == nxt[v] for v in self.variables):
                        return [*path, match]
                    key = V.fingerprint(tuple(succ[v] for v in self.variables))
                    if key not in seen:
                        seen.add(key)
                        following.append((succ, [*path, match]))
            frontier = following
        return None

    def check_step(
        self, prev: State, nxt: State, rule: str, args: Mapping[str, Any] | None = None
    ) -> StepReport:
        """Explain ``prev -> nxt`` (taken by harness ``rule``) or raise ConformanceFailure.

        With ``args`` (the request's arguments, by the spec action's parameter
        names) a step is explained only by an action whose parameters of those
        names take those values: a backend that served the request as if asked
        another thing (denied an operation of cost 1 as one of cost 2 would be)
        is not explained by what it was not asked. Arguments no parameter of the
        explaining action is named after are not compared. A stutter needs no
        explaining, whatever was asked.
        """
        run = self._run
        if run is not None and run[-1] is not prev:
            run = self._run = None
        try:
            report = self._check_step(prev, nxt, rule, args)
        except ConformanceFailure as exc:
            if run is not None:
                exc.run = tuple(run)
            self._run = None
            raise
        if run is not None:
            if len(run) < MEMO_LIMIT:
                run.append(nxt)
            else:
                self._run = None
        return report

    def _check_step(
        self, prev: State, nxt: State, rule: str, args: Mapping[str, Any] | None
    ) -> StepReport:
        before, after = self._values(prev), self._values(nxt)
        kp, kn = tuple(map(id, before)), tuple(map(id, after))
        bound = _args_key(args) if args else ()
        # A composite rule's explanation is a path of its own actions: keep it apart.
        memo = (kp, kn, rule if rule in self.composite else "", bound)
        known = self._steps.get(memo)
        if kp == kn:
            report = StepReport(rule, ("stutter",))
        elif known is not None:
            report = StepReport(rule, known[1])
        else:
            report = self._explain(prev, nxt, rule, args or {})
            if len(self._steps) >= MEMO_LIMIT:
                self._steps.clear()
            # The arguments are kept alive with the entry (their ids are in its key).
            self._steps[memo] = ((before, after, args), report.actions)
        self._check_invariants(nxt, after, kn, rule)
        return report

    def _explain(self, prev: State, nxt: State, rule: str, args: Mapping[str, Any]) -> StepReport:
        if all(prev[v] == nxt[v] for v in self.variables):
            return StepReport(rule, ("stutter",))
        if rule in self.composite:
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
            return StepReport(rule, tuple(_label(m) for m in path))
        matches = self.validator.explain(
            prev, nxt, first=True, accept=(lambda m: _agrees(m, args)) if args else None
        )
        if not matches:
            message = "no action of Next explains the step"
            others = self.validator.explain(prev, nxt, first=True) if args else []
            if others:
                asked = ", ".join(f"{k}={V.format_value(v)}" for k, v in args.items())
                message = (
                    f"no action of Next with the request's arguments ({asked}) explains "
                    f"the step ({_label(others[0])} would)"
                )
            raise self._failure("step", message, rule, prev, nxt)
        return StepReport(rule, tuple(_label(m) for m in matches[:1]))

    def same_state(self, a: State, b: State) -> Sequence[str]:
        """The variables on which ``a`` and ``b`` differ."""
        return [v for v in self.variables if a.get(v) != b.get(v)]


def load_checker(
    module: str, config: str, schema: StateSchema, composite: Composite | None = None
) -> SpecChecker:
    """The checker for ``spec/<module>.tla`` with the model ``config`` (by file name)."""
    return SpecChecker(load_model(module_path(module), config_path(config)), schema, composite)
