"""A small symbolic transition-system framework on Z3.

A :class:`TransitionSystem` mirrors one TLA+ module: the same variables, the
same ``Init``, the same actions (each with its parameters, i.e. the bound
variables of ``\\E p \\in S: A(p)`` in ``Next``) and the same invariant names.
Proofs are 1-induction per invariant and per action (so a counterexample to
induction names the action that breaks it), k-induction where 1-induction is
too weak, bounded model checking and a reachability witness per action.

Every query runs under a deterministic resource limit (``rlimit``, see
``query.py``); an ``unknown`` answer is reported as such (never as a proof).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import attrs
import z3

from aura_model.z3.framework.query import (
    DEFAULT_RLIMIT,
    Outcome,
    Verdict,
    limited_solver,
    run_query,
)
from aura_model.z3.framework.trace import ProofResult, Step, Trace, decode_scalar

__all__ = [
    "Action",
    "Params",
    "Relation",
    "State",
    "StatePred",
    "TransitionSystem",
    "Z3ModelError",
]

State = Mapping[str, Any]  # variable name -> z3 expression (Any: z3 ships no type hints)
Params = Mapping[str, Any]
StatePred = Callable[[State], Any]
Relation = Callable[[State, State, Params], Any]


class Z3ModelError(Exception):
    """A transition system was built or queried inconsistently (a bug in a model)."""


@attrs.frozen
class Action:
    """One disjunct of ``Next``.

    ``changes`` lists the primed variables the action constrains; every other
    variable is framed as ``UNCHANGED``, as the TLA+ action says explicitly.
    ``relation(s, t, params)`` is the action's formula over the current state
    ``s``, the next state ``t`` and the parameter constants.
    """

    relation: Relation
    changes: tuple[str, ...]
    params: Mapping[str, Any] = attrs.field(factory=dict)  # name -> z3 sort


class TransitionSystem:
    """A symbolic transition system in the vocabulary of one TLA+ module.

    ``decoders`` turn a model's value of a variable into a Python value in the
    spec's vocabulary (model values as their names, functions as dicts); by
    default integers, booleans, bit-vectors and enumeration constants decode
    themselves.
    """

    def __init__(
        self,
        name: str,
        variables: Mapping[str, Any],
        init: StatePred,
        actions: Mapping[str, Action],
        invariants: Mapping[str, StatePred],
        *,
        strengthening: Mapping[str, StatePred] | None = None,
        axioms: StatePred | None = None,
        decoders: Mapping[str, Callable[[Any, Any, State], object]] | None = None,
        constants: Mapping[str, Any] | None = None,
        bounded: Mapping[str, Callable[[State, int], Any]] | None = None,
        action_properties: Mapping[str, Callable[[State, State], Any]] | None = None,
        search_frame: Callable[[State, str], Any] | None = None,
        constant_decoders: Mapping[str, Callable[[Any, Any], object]] | None = None,
        rlimit: int = DEFAULT_RLIMIT,
        logic: str | None = None,
        opt_in: Sequence[str] = (),
    ) -> None:
        self.name = name
        # Lemmas with an existential: assumed only by the queries that name
        # them, since E-matching on them slows every other query down.
        self.opt_in = frozenset(opt_in)
        # A quantifier-free model names its logic: the specialised solver is
        # an order of magnitude faster on deep BMC unrollings.
        self.logic = logic
        self.variables = dict(variables)
        self.init = init
        self.actions = dict(actions)
        self.invariants = dict(invariants)
        self.strengthening = dict(strengthening or {})
        self.axioms = axioms
        self.decoders = dict(decoders or {})
        # The spec's CONSTANTS left free (Limit, Holders...): proofs hold for
        # every value the axioms allow; traces show the values they picked.
        self.constants = dict(constants or {})
        # Quantifier-free forms of invariants over sequences, exact for
        # states within ``bound`` steps of Init (a log grows by at most one
        # entry per step): BMC uses them instead of the quantified form.
        self.bounded = dict(bounded or {})
        # [][P]_vars properties: P over a step (s, t); stuttering satisfies P.
        self.action_properties = dict(action_properties or {})
        # For BMC and witnesses only: restricts states to a finite universe of
        # values (e.g. every set of facts is a subset of the facts the pinned
        # constants allow), which turns quantifiers over sets into finite
        # ones. A trace found under it is a real trace; "no violation" under
        # it is bounded by that universe too (the table says so).
        self.search_frame = search_frame
        self.constant_decoders = dict(constant_decoders or {})
        # Per query; calibrated per model in the registry (deterministic,
        # unlike a wall-clock timeout).
        self.rlimit = rlimit
        self._cache: dict[tuple[object, ...], Any] = {}
        overlap = set(self.invariants) & set(self.strengthening)
        if overlap:
            raise Z3ModelError(f"{name}: names both invariant and strengthening: {overlap}")
        for aname, action in self.actions.items():
            unknown = set(action.changes) - set(self.variables)
            if unknown:
                raise Z3ModelError(f"{name}.{aname} changes unknown variables {sorted(unknown)}")

    # -- building blocks -------------------------------------------------

    def state(self, tag: str) -> dict[str, Any]:
        """Fresh constants for every variable, suffixed by ``tag``."""
        return {v: z3.Const(f"{v}@{tag}", sort) for v, sort in self.variables.items()}

    def params(self, action: str, tag: str) -> dict[str, Any]:
        return {
            p: z3.Const(f"{action}.{p}@{tag}", sort)
            for p, sort in self.actions[action].params.items()
        }

    def action_formula(self, action: str, s: State, t: State, p: Params) -> Any:
        act = self.actions[action]
        frame = [t[v] == s[v] for v in self.variables if v not in act.changes]
        return z3.And(act.relation(s, t, p), *frame)

    def state_axioms(self, s: State) -> Any:
        return self.axioms(s) if self.axioms is not None else z3.BoolVal(True)

    def search_axioms(self, s: State, tag: str) -> Any:
        frame = self.search_frame(s, tag) if self.search_frame is not None else True
        return z3.And(self.state_axioms(s), frame)

    def next_formula(self, s: State, t: State, tag: str) -> tuple[Any, dict[str, Any]]:
        """``Next`` as a disjunction, with one Boolean selector per action."""
        selectors = {a: z3.Bool(f"fired:{a}@{tag}") for a in self.actions}
        params = {a: self.params(a, tag) for a in self.actions}
        disjuncts = [
            z3.And(selectors[a], self.action_formula(a, s, t, params[a])) for a in self.actions
        ]
        return z3.Or(*disjuncts), {"selectors": selectors, "params": params}

    def not_next_formula(self, s: State, t: State, tag: str) -> Any:
        """``~Next``: no action, with any parameter values, relates ``s`` and ``t``."""
        parts = []
        for a in self.actions:
            params = self.params(a, f"neg{tag}")
            body = self.action_formula(a, s, t, params)
            parts.append(z3.Not(z3.Exists(list(params.values()), body) if params else body))
        return z3.And(*parts)

    def all_lemmas(self) -> dict[str, StatePred]:
        return {**self.invariants, **self.strengthening}

    def default_hypotheses(self) -> list[str]:
        """The lemmas a consecution query assumes unless told otherwise: all
        but the opt-in ones (sound either way: each is proved in its row)."""
        return [n for n in self.all_lemmas() if n not in self.opt_in]

    def conj(self, names: Sequence[str], s: State) -> Any:
        return z3.And(*(self._lemma(n)(s) for n in names)) if names else z3.BoolVal(True)

    def _lemma(self, name: str) -> StatePred:
        lemmas = self.all_lemmas()
        if name in self.action_properties:
            raise Z3ModelError(f"{self.name}: {name} is an action property, not a state lemma")
        if name not in lemmas:
            raise Z3ModelError(f"{self.name}: no invariant or strengthening named {name!r}")
        pred = lemmas[name]

        # Building big formulas through the Python API costs more than
        # solving them: memoise per (lemma, state). States of one tag are the
        # same hash-consed constants, so the first variable's id names them.
        def cached(s: State) -> Any:
            key = (name, _state_key(s))
            hit = self._cache.get(key)
            if hit is None:
                hit = self._cache[key] = pred(s)
            return hit

        return cached

    def new_solver(self) -> Any:
        return limited_solver(self.rlimit, self.logic)

    def _solve(self, *formulas: Any) -> Outcome:
        solver = self.new_solver()
        solver.add(*formulas)
        return run_query(solver, self.rlimit)

    def _model_trace(
        self, model: Any, s: State, step: tuple[str, Params, State] | None = None
    ) -> Trace:
        """A counterexample read off ``model``: the state ``s``, and the
        ``(action, params, t)`` step out of it when there is one."""
        steps = [Step(None, {}, self.decode(model, s))]
        if step is not None:
            action, params, t = step
            steps.append(Step(action, self._decode_params(model, params), self.decode(model, t)))
        return Trace(self.name, tuple(steps), self.decode_constants(model))

    # -- decoding --------------------------------------------------------

    def decode_constants(self, model: Any) -> dict[str, object]:
        out: dict[str, object] = {}
        for k, c in self.constants.items():
            if k in self.constant_decoders:
                out[k] = self.constant_decoders[k](model, c)
            else:
                out[k] = decode_scalar(model.eval(c, model_completion=True))
        return out

    def decode(self, model: Any, s: State) -> dict[str, object]:
        return {v: self.decode_var(v, model, s) for v in self.variables}

    def decode_var(self, var: str, model: Any, s: State) -> object:
        expr = s[var]
        if var in self.decoders:
            return self.decoders[var](model, expr, s)
        return decode_scalar(model.eval(expr, model_completion=True))

    def _decode_params(self, model: Any, params: Params) -> dict[str, object]:
        return {k: decode_scalar(model.eval(v, model_completion=True)) for k, v in params.items()}

    def _fired(self, model: Any, info: Mapping[str, Any]) -> tuple[str, dict[str, object]]:
        for a, sel in info["selectors"].items():
            if z3.is_true(model.eval(sel, model_completion=True)):
                return a, self._decode_params(model, info["params"][a])
        raise Z3ModelError(f"{self.name}: a satisfying step fired no action")

    # -- proof obligations -----------------------------------------------

    def check_initiation(self, name: str) -> ProofResult:
        """``Init => name``; a violation is a real (reachable) counterexample."""
        s = self.state("0")
        out = self._solve(self.state_axioms(s), self.init(s), z3.Not(self._lemma(name)(s)))
        if out.status == z3.unsat:
            verdict, trace = Verdict.PROVED, None
        elif out.status == z3.sat:
            verdict = Verdict.VIOLATED
            trace = self._model_trace(out.model, s)
        else:
            verdict, trace = out.undecided_verdict, None
        return ProofResult(
            self.name,
            name,
            "initiation",
            verdict,
            out.seconds,
            1,
            out.seconds,
            out.undecided_detail,
            trace,
        )

    def check_consecution(self, name: str, assume: Sequence[str] | None = None) -> ProofResult:
        """``J /\\ A => name'`` for every action ``A``, one query per action.

        ``J`` is the conjunction of ``assume`` (default: every invariant and
        every strengthening lemma, which is sound because each of them is
        itself checked). A satisfying assignment is a counterexample to
        induction: a state satisfying ``J`` with an ``A``-step leaving ``name``.
        """
        hyp_names = self.default_hypotheses() if assume is None else list(assume)
        lemma = self._lemma(name)
        total, worst, queries = 0.0, 0.0, 0
        for action in self.actions:
            s, t = self.state("0"), self.state("1")
            p = self.params(action, "0")
            out = self._solve(
                self.state_axioms(s),
                self.state_axioms(t),
                self.conj(hyp_names, s),
                lemma(s),
                self.action_formula(action, s, t, p),
                z3.Not(lemma(t)),
            )
            total += out.seconds
            worst = max(worst, out.seconds)
            queries += 1
            if out.status == z3.sat:
                trace = self._model_trace(out.model, s, (action, p, t))
                return ProofResult(
                    self.name,
                    name,
                    "1-induction",
                    Verdict.CTI,
                    total,
                    queries,
                    worst,
                    f"counterexample to induction via {action}",
                    trace,
                )
            if out.status not in (z3.sat, z3.unsat):
                return ProofResult(
                    self.name,
                    name,
                    "1-induction",
                    out.undecided_verdict,
                    total,
                    queries,
                    worst,
                    f"{action}: {out.undecided_detail}",
                )
        return ProofResult(self.name, name, "1-induction", Verdict.PROVED, total, queries, worst)

    def prove(self, name: str, assume: Sequence[str] | None = None) -> ProofResult:
        """Initiation and consecution together, as one table row."""
        init = self.check_initiation(name)
        if init.verdict != Verdict.PROVED:
            return init
        cons = self.check_consecution(name, assume)
        return attrs.evolve(
            cons,
            method="initiation+1-induction",
            seconds=init.seconds + cons.seconds,
            queries=init.queries + cons.queries,
            max_query_seconds=max(init.max_query_seconds, cons.max_query_seconds),
        )

    def check_action_property(self, name: str, assume: Sequence[str] | None = None) -> ProofResult:
        """``[][P]_vars``: every action from a state satisfying ``assume``
        (default: every invariant and lemma) satisfies ``P``; one query per action."""
        prop = self.action_properties[name]
        hyp_names = self.default_hypotheses() if assume is None else list(assume)
        total, worst, queries = 0.0, 0.0, 0
        for action in self.actions:
            s, t = self.state("0"), self.state("1")
            p = self.params(action, "0")
            out = self._solve(
                self.state_axioms(s),
                self.state_axioms(t),
                self.conj(hyp_names, s),
                self.action_formula(action, s, t, p),
                z3.Not(prop(s, t)),
            )
            total, worst, queries = total + out.seconds, max(worst, out.seconds), queries + 1
            if out.status == z3.sat:
                trace = self._model_trace(out.model, s, (action, p, t))
                return ProofResult(
                    self.name,
                    name,
                    "action property",
                    Verdict.CTI,
                    total,
                    queries,
                    worst,
                    f"{action} step violates it",
                    trace,
                )
            if out.status != z3.unsat:
                return ProofResult(
                    self.name,
                    name,
                    "action property",
                    out.undecided_verdict,
                    total,
                    queries,
                    worst,
                    f"{action}: {out.undecided_detail}",
                )
        return ProofResult(
            self.name, name, "action property", Verdict.PROVED, total, queries, worst
        )

    def prove_implied(self, name: str, lemmas: Sequence[str]) -> ProofResult:
        r"""``name`` holds initially and follows from ``lemmas`` (each proved
        inductive in its own row): ``Init => name`` and ``/\ lemmas => name``."""
        init = self.check_initiation(name)
        if init.verdict != Verdict.PROVED:
            return init
        s = self.state("0")
        out = self._solve(self.state_axioms(s), self.conj(lemmas, s), z3.Not(self._lemma(name)(s)))
        method = "implied by " + ", ".join(lemmas) if lemmas else "valid in every state"
        total = init.seconds + out.seconds
        worst = max(init.max_query_seconds, out.seconds)
        if out.status == z3.unsat:
            return ProofResult(self.name, name, method, Verdict.PROVED, total, 2, worst)
        if out.status == z3.sat:
            trace = self._model_trace(out.model, s)
            return ProofResult(
                self.name, name, method, Verdict.CTI, total, 2, worst, "lemmas too weak", trace
            )
        return ProofResult(
            self.name, name, method, out.undecided_verdict, total, 2, worst, out.undecided_detail
        )

    def _path(
        self, depth: int, tag: str, schedule: Sequence[str] | None = None
    ) -> tuple[list[dict[str, Any]], list[Any], list[Any]]:
        """``depth`` symbolic steps from fresh states; with a ``schedule``,
        step ``i`` is the action ``schedule[i]`` (parameters still free)."""
        states = [self.state(f"{tag}{i}") for i in range(depth + 1)]
        steps, infos = [], []
        for i in range(depth):
            if schedule is None:
                f, info = self.next_formula(states[i], states[i + 1], f"{tag}{i}")
            else:
                a = schedule[i]
                params = self.params(a, f"{tag}{i}")
                sel = z3.Bool(f"fired:{a}@{tag}{i}")
                f = z3.And(sel, self.action_formula(a, states[i], states[i + 1], params))
                info = {"selectors": {a: sel}, "params": {a: params}}
            steps.append(f)
            infos.append(info)
        return states, steps, infos

    def _trace(self, model: Any, states: Sequence[State], infos: Sequence[Any]) -> Trace:
        out = [Step(None, {}, self.decode(model, states[0]))]
        for i, info in enumerate(infos):
            action, params = self._fired(model, info)
            out.append(Step(action, params, self.decode(model, states[i + 1])))
        return Trace(self.name, tuple(out), self.decode_constants(model))

    def k_induction(self, name: str, k: int) -> ProofResult:
        """k-induction: no violation within k-1 steps of Init (base), and k
        consecutive steps satisfying ``name`` (and the axioms) force it in the
        next one (step). No strengthening is assumed: that is its point."""
        lemma = self._lemma(name)
        total, worst, queries = 0.0, 0.0, 0
        method = f"k-induction(k={k})"
        # Base: BMC to depth k-1.
        states, steps, infos = self._path(k - 1, "b")
        for d in range(k):
            out = self._solve(
                *(self.state_axioms(x) for x in states[: d + 1]),
                self.init(states[0]),
                *steps[:d],
                z3.Not(lemma(states[d])),
            )
            total, worst, queries = total + out.seconds, max(worst, out.seconds), queries + 1
            if out.status == z3.sat:
                trace = self._trace(out.model, states[: d + 1], infos[:d])
                return ProofResult(
                    self.name, name, method, Verdict.VIOLATED, total, queries, worst, "", trace
                )
            if out.status != z3.unsat:
                return ProofResult(
                    self.name,
                    name,
                    method,
                    out.undecided_verdict,
                    total,
                    queries,
                    worst,
                    f"base: {out.undecided_detail}",
                )
        states, steps, infos = self._path(k, "k")
        out = self._solve(
            *(self.state_axioms(x) for x in states),
            *steps,
            *(lemma(x) for x in states[:k]),
            z3.Not(lemma(states[k])),
        )
        total, worst, queries = total + out.seconds, max(worst, out.seconds), queries + 1
        if out.status == z3.unsat:
            return ProofResult(self.name, name, method, Verdict.PROVED, total, queries, worst)
        if out.status == z3.sat:
            trace = self._trace(out.model, states, infos)
            return ProofResult(
                self.name,
                name,
                method,
                Verdict.CTI,
                total,
                queries,
                worst,
                "counterexample to k-induction",
                trace,
            )
        return ProofResult(
            self.name,
            name,
            method,
            out.undecided_verdict,
            total,
            queries,
            worst,
            f"step: {out.undecided_detail}",
        )

    def bmc(
        self,
        depth: int,
        names: Sequence[str] | None = None,
        schedule: Sequence[str] | None = None,
    ) -> ProofResult:
        """Search for a violation of any of ``names`` (default: every invariant)
        within ``depth`` steps of Init, one depth at a time so the first
        counterexample found is a shortest one. At depth ``d`` the targets are
        assumed at depths ``< d``: those were refuted by earlier queries, and
        the assumption prunes most interleavings. Each depth is a fresh,
        non-incremental query: incremental solving turns off the
        preprocessing that makes deep unrollings fast.

        ``schedule`` fixes which action each step takes (the parameters and
        all values stay free): a directed search for a counterexample that
        is too deep for an undirected query within the time limit. What it
        finds is still a behaviour of the system from Init."""
        if schedule is not None:
            unknown = [a for a in schedule if a not in self.actions]
            if unknown:
                raise Z3ModelError(f"{self.name}: schedule names unknown actions {unknown}")
            depth = len(schedule)
        targets = list(self.invariants) if names is None else list(names)
        label = ",".join(targets) if len(targets) < len(self.invariants) else "all invariants"
        method = f"bmc(depth={depth})" if schedule is None else f"bmc(schedule of {depth})"
        states, steps, infos = self._path(depth, "m", schedule)
        total, worst, queries = 0.0, 0.0, 0

        def holds(n: str, x: State) -> Any:
            if n in self.bounded:
                key = (n, depth, _state_key(x))
                hit = self._cache.get(key)
                if hit is None:
                    hit = self._cache[key] = self.bounded[n](x, depth)
                return hit
            return self._lemma(n)(x)

        state_targets = [n for n in targets if n not in self.action_properties]
        step_targets = [n for n in targets if n in self.action_properties]

        def bad_at(d: int) -> Any:
            bad = [z3.Not(holds(n, states[d])) for n in state_targets]
            if d > 0:
                bad += [
                    z3.Not(self.action_properties[n](states[d - 1], states[d]))
                    for n in step_targets
                ]
            return z3.Or(*bad) if bad else z3.BoolVal(False)

        def good_before(d: int) -> list[Any]:
            out = [holds(n, x) for n in state_targets for x in states[:d]]
            out += [
                self.action_properties[n](states[i - 1], states[i])
                for n in step_targets
                for i in range(1, d)
            ]
            return out

        for d in range(depth + 1):
            out = self._solve(
                *(self.search_axioms(x, str(i)) for i, x in enumerate(states[: d + 1])),
                self.init(states[0]),
                *steps[:d],
                *good_before(d),
                bad_at(d),
            )
            total, worst, queries = total + out.seconds, max(worst, out.seconds), queries + 1
            if out.status == z3.sat:
                model = out.model
                trace = self._trace(model, states[: d + 1], infos[:d])
                broken = [
                    n for n in state_targets if z3.is_false(model.eval(holds(n, states[d]), True))
                ] + [
                    n
                    for n in step_targets
                    if z3.is_false(
                        model.eval(self.action_properties[n](states[d - 1], states[d]), True)
                    )
                ]
                return ProofResult(
                    self.name,
                    ",".join(broken),
                    method,
                    Verdict.VIOLATED,
                    total,
                    queries,
                    worst,
                    f"violated at depth {d}",
                    trace,
                )
            if out.status != z3.unsat:
                return ProofResult(
                    self.name,
                    label,
                    method,
                    out.undecided_verdict,
                    total,
                    queries,
                    worst,
                    f"depth {d}: {out.undecided_detail}",
                )
        # No violation within the depth is a bounded result, never a proof.
        return ProofResult(self.name, label, method, Verdict.bounded(depth), total, queries, worst)

    def reachability_witness(
        self, action: str, max_depth: int = 6, prefix: Sequence[str] | None = None
    ) -> ProofResult:
        """A shortest trace from Init whose last step is ``action`` firing.

        With a ``prefix`` (the actions of the steps before), the search is
        directed: one query, for a path that takes exactly those actions."""
        if action not in self.actions:
            raise Z3ModelError(f"{self.name}: no action named {action!r}")
        if prefix is not None:
            max_depth = len(prefix) + 1
            states, steps, infos = self._path(len(prefix), "w", prefix)
            states.append(self.state(f"w{max_depth}"))
        else:
            states, steps, infos = self._path(max_depth, "w")
        total, worst, queries = 0.0, 0.0, 0
        for d in range(1 if prefix is None else max_depth, max_depth + 1):
            p = self.params(action, f"last{d}")
            out = self._solve(
                *(self.search_axioms(x, str(i)) for i, x in enumerate(states[: d + 1])),
                self.init(states[0]),
                *steps[: d - 1],
                self.action_formula(action, states[d - 1], states[d], p),
            )
            total, worst, queries = total + out.seconds, max(worst, out.seconds), queries + 1
            if out.status == z3.sat:
                model = out.model
                head = self._trace(model, states[:d], infos[: d - 1])
                last = Step(action, self._decode_params(model, p), self.decode(model, states[d]))
                trace = Trace(self.name, (*head.steps, last), head.constants)
                return ProofResult(
                    self.name,
                    action,
                    "witness",
                    Verdict.WITNESSED,
                    total,
                    queries,
                    worst,
                    f"fires at step {d}",
                    trace,
                )
            if out.status != z3.unsat:
                return ProofResult(
                    self.name,
                    action,
                    "witness",
                    out.undecided_verdict,
                    total,
                    queries,
                    worst,
                    out.undecided_detail,
                )
        return ProofResult(
            self.name,
            action,
            "witness",
            Verdict.UNREACHABLE,
            total,
            queries,
            worst,
            f"does not fire within {max_depth} steps",
        )

    # -- single steps (agreement with the TLA+ spec) ----------------------

    def is_next_step(self, s: State, t: State) -> bool | None:
        """Whether concrete states ``s`` -> ``t`` (z3 values) form a ``Next``
        step: one query per action (``Next`` is their disjunction; split, each
        query is trivial, where the disjunction can be slow on concrete arrays)."""
        undecided = False
        for action in self.actions:
            p = self.params(action, "chk")
            out = self._solve(
                self.state_axioms(s), self.state_axioms(t), self.action_formula(action, s, t, p)
            )
            if out.status == z3.sat:
                return True
            if out.status != z3.unsat:
                undecided = True
        return None if undecided else False

    def sample_steps(
        self, count: int, extra: Callable[[State, State], Any] | None = None, seed: int = 0
    ) -> list[tuple[dict[str, object], dict[str, object], str | None]]:
        """``count`` distinct steps: (state, next state, action or None for a
        non-step). Half are ``Next`` steps from a state satisfying every
        invariant, half pairs of such states that are *not* ``Next`` steps,
        so both answers of the agreement test are exercised. ``extra``
        restricts values (e.g. to the embedded checker's small constants)."""
        out: list[tuple[dict[str, object], dict[str, object], str | None]] = []
        for positive in (True, False):
            solver = self.new_solver()
            solver.set("random_seed", seed)
            s, t = self.state("s"), self.state("t")
            f, info = self.next_formula(s, t, "s")
            solver.add(self.state_axioms(s), self.state_axioms(t))
            solver.add(self.conj(self.default_hypotheses(), s))
            if extra is not None:
                solver.add(extra(s, t))
            solver.add(f if positive else self.not_next_formula(s, t, "s"))
            if not positive:
                solver.add(self.conj(self.default_hypotheses(), t))
            for _ in range(count // 2 if positive else count - count // 2):
                if solver.check() != z3.sat:
                    break
                model = solver.model()
                action = self._fired(model, info)[0] if positive else None
                pre, post = self.decode(model, s), self.decode(model, t)
                out.append((pre, post, action))
                # Block this (s, t) pair so the next sample differs.
                solver.add(
                    z3.Or(
                        *(s[v] != model.eval(s[v], True) for v in self.variables),
                        *(t[v] != model.eval(t[v], True) for v in self.variables),
                    )
                )
        return out


def _state_key(s: State) -> tuple[int, ...]:
    return tuple(e.get_id() for e in s.values())
