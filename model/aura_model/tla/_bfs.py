"""Breadth-first model checking with state fingerprints, as TLC does it.

Only fingerprints (64-bit hashes) and parent links of explored states are
kept, plus the full states of the current BFS frontier; a counterexample is
rebuilt by re-running successors from an initial state along the chain of
parent fingerprints.
"""

from __future__ import annotations

import random
import sys
import time
from collections.abc import Callable
from typing import Any

from aura_model.tla._errors import EvalError, IncompleteSuccessor, TlaError, Unsupported
from aura_model.tla._model import Model
from aura_model.tla._runtime import Ctx
from aura_model.tla._stdlib import LEVEL, POST_STATS, RUN_CONFIG
from aura_model.tla._trace import CheckResult
from aura_model.tla._values import permute, search_fingerprint, sort_key
from aura_model.tla._varorder import tlc_variable_order
from aura_model.tla._verdicts import state_functions
from aura_model.tla.liveness._formulas import FALSE

__all__ = ["check", "simulate"]

State = tuple[Any, ...]
Progress = Callable[[dict[str, Any]], None]


class _Stop(Exception):
    def __init__(
        self,
        result: str,
        violated: str | None,
        state: State | None,
        parent: int | None,
        message: str | None = None,
        *,
        exit: int | None = None,
    ) -> None:
        self.result = result
        self.violated = violated
        self.state = state
        self.parent = parent
        self.message = message
        self.exit = exit


def _assert_exit(exc: TlaError) -> int | None:
    """TLC's exit code for an evaluation error past the initial states: 14 for a
    failed Assert, else its default (75)."""
    return 14 if getattr(exc, "assertion", False) else None


def _successor_exit(exc: TlaError) -> int | None:
    """TLC's exit code for an error while computing successors: as
    :func:`_assert_exit`, but a standard module's own error is TLC's general
    error there, 255 (``EvalError.tlc_module``)."""
    exit = _assert_exit(exc)
    if exit is not None:
        return exit
    return 255 if getattr(exc, "tlc_module", False) else None


def _bool(v: Any, what: str) -> bool:
    if v is True or v is False:
        return v
    raise EvalError(f"{what} is not a Boolean")


class _Checker:
    def __init__(self, model: Model) -> None:
        self.m = model
        self.invs = model.invariants
        self.cons = model.constraints
        self.acons = model.action_constraints
        self.aprops = model.action_properties
        self.view = model.view
        self.perms = model.symmetry or []
        # TLC's order of the variables: the smallest state of an orbit, whose
        # view is fingerprinted, is the smallest in it.
        self.tlc_order = (
            tlc_variable_order(model.root.defs, model.vars) if self.view and self.perms else []
        )

    def fp(self, s: State) -> int:
        if self.view is not None:
            if self.perms:
                # As TLC: the view of the orbit's smallest state (in TLC's value
                # order, the variables compared in TLC's order), so states equal
                # up to symmetry have one view.
                order = self.tlc_order
                s = min(
                    (permute(s, p) for p in self.perms),
                    key=lambda t: [sort_key(t[i]) for i in order],
                )
            return search_fingerprint(self.view(Ctx(s, None), {}))
        if self.perms:
            # Symmetry: a state stands for its whole orbit, named by the
            # smallest fingerprint among its permuted images (as TLC does).
            return min(search_fingerprint(permute(s, p)) for p in self.perms)
        return search_fingerprint(s)

    def bad_invariant(self, s: State) -> str | None:
        ctx = Ctx(s, None)
        for name, inv in self.invs:
            if not _bool(inv(ctx, {}), f"invariant {name}"):
                return name
        return None

    def kept(self, s: State, t: State | None) -> bool:
        """False when a CONSTRAINT or ACTION_CONSTRAINT discards ``t`` (or init ``s``)."""
        # Plain loops rather than all(<generator>): this runs for every new state.
        ctx = Ctx(s if t is None else t, None)
        for con in self.cons:
            v = con(ctx, {})
            if v is not True and not _bool(v, "CONSTRAINT"):
                return False
        if t is not None and self.acons:
            actx = Ctx(s, list(t))
            for con in self.acons:
                v = con(actx, {})
                if v is not True and not _bool(v, "ACTION_CONSTRAINT"):
                    return False
        return True

    def failed_check(self, s: State, t: State, hs: int, exc: TlaError, *, fresh: bool) -> _Stop:
        """The stop for an evaluation error while successor ``t`` of ``s`` was judged,
        worded and coded as TLC: an invariant (or a state-level property) that fails
        to evaluate is exit 76, "Evaluating invariant I failed."; an action property,
        "Evaluating action property P failed."; a constraint, the error alone. A
        failed Assert outside an invariant is 14, anything else 75.

        Which check failed is found again in the search's order (constraints, the
        invariants of a new state, the action properties): evaluation is
        deterministic, so the first to fail again is the one that failed."""
        try:
            self.kept(s, t)
        except TlaError as again:
            return _Stop("error", None, t, hs, str(again), exit=_successor_exit(again))
        if fresh:
            ctx = Ctx(t, None)
            for name, inv in self.invs:
                try:
                    inv(ctx, {})
                except TlaError as again:
                    text = f"Evaluating invariant {name} failed.\n{again}"
                    return _Stop("error", None, t, hs, text, exit=76)
        actx = Ctx(s, list(t))
        for p in self.aprops:
            try:
                p.sub(Ctx(t, None), {})
                p.sub(Ctx(s, None), {})
                p.action(actx, {})
            except TlaError as again:
                text = f"Evaluating action property {p.label} failed.\n{again}"
                return _Stop("error", None, t, hs, text, exit=_assert_exit(again))
        return _Stop("error", None, t, hs, str(exc), exit=_assert_exit(exc))

    def bad_step(self, s: State, t: State) -> str | None:
        actx = Ctx(s, list(t))
        for p in self.aprops:
            if p.sub(Ctx(t, None), {}) == p.sub(Ctx(s, None), {}):
                continue
            if not _bool(p.action(actx, {}), f"property {p.label}"):
                return p.label
        return None


def check(
    model: Model,
    deadlock: bool | None = None,
    max_states: int | None = None,
    progress: Progress | None = None,
) -> CheckResult:
    """Explore the model breadth-first; see :class:`CheckResult` for the outcome."""
    started = time.perf_counter()
    # Deeply recursive operators nest Python calls; TLC's own limit is far higher.
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10000))
    _run_config(mode="bfs", deadlock=model.deadlock_default if deadlock is None else deadlock)
    try:
        return _check(model, deadlock, max_states, progress, started)
    except _ESCAPED as exc:
        return _escaped(model, exc, started)
    finally:
        LEVEL[0] = 0
        RUN_CONFIG.clear()


def _run_config(**fields: Any) -> None:
    """What TLCGet("config") answers during this run (TLC runs one worker here)."""
    RUN_CONFIG.clear()
    RUN_CONFIG.update(fields, worker=1)


# Last line of defence: an evaluation path that escaped its own error handling
# ends the run as an error result, never a traceback.
_ESCAPED = (
    RecursionError,
    TypeError,
    AttributeError,
    IndexError,
    KeyError,
    ValueError,
    OverflowError,
)


def _escaped(model: Model, exc: BaseException, started: float) -> CheckResult:
    return CheckResult(
        "error",
        None,
        seconds=time.perf_counter() - started,
        message=f"evaluation failed ({type(exc).__name__}: {exc})",
        variables=list(model.vars),
    )


def _check(
    model: Model,
    deadlock: bool | None,
    max_states: int | None,
    progress: Progress | None,
    started: float,
) -> CheckResult:
    if model.live_checks and all(chk.neg == FALSE for chk, _ in model.live_checks):
        # TLC refuses, before anything else, temporal properties none of
        # whose negations can hold.
        return CheckResult(
            "error",
            None,
            seconds=time.perf_counter() - started,
            message="Temporal formula is a tautology (its negation is unsatisfiable).",
            variables=list(model.vars),
            exit=77,
        )
    before = _before_search(model, started)
    if before is not None:
        return before
    if deadlock is None:
        deadlock = model.deadlock_default
    c = _Checker(model)
    successors = model.successor_fn()
    # Hoisted out of the per-successor loop: attribute look-ups there cost
    # as much as the cheap invariants themselves.
    fp = search_fingerprint if c.view is None and not c.perms else c.fp
    invs = c.invs
    aprops = c.aprops
    filtered = bool(c.cons or c.acons)
    # Only worth it with constraints: states outside them are generated again
    # and again, each time judged as new.
    settled = bool(c.cons) and state_functions(model)
    outside: set[int] = set()
    parents: dict[int, int] = {}
    generated = 0
    depth = 0
    level_base = 0
    frontier: list[tuple[State, int]] = []
    # Where the search is: the state of ``frontier`` being explored (-1: the
    # initial states are being computed) and the next level found so far; a stop
    # reports what is left of both as TLC's "states left on queue".
    n_done = -1
    nxt_frontier: list[tuple[State, int]] = []
    initial = 0
    last_report = started
    # With temporal properties to check, the search keeps the graph it walks
    # (states, successor lists, initial states) instead of walking it twice.
    graph: _Graph | None = _Graph() if model.live_checks else None
    try:
        # TLCGet("level"): 1 for the initial states, then the level of the state
        # whose successors are computed, and one more while judging those.
        LEVEL[0] = 1
        try:
            inits = model.init_states()
        except IncompleteSuccessor as exc:
            # TLC shows the half-built initial state it was working on.
            raise _Stop("error", None, exc.partial, None, str(exc)) from None
        except TlaError as exc:
            raise _Stop("error", None, None, None, str(exc)) from None
        for s in inits:
            generated += 1
            try:
                h = c.fp(s)
            except TlaError as exc:
                # A value that cannot be fingerprinted (7 \cup 1): TLC has counted
                # the state generated, not found.
                raise _Stop("error", None, None, None, str(exc)) from None
            if h in parents:
                continue
            try:
                name = c.bad_invariant(s)
                if name is None:
                    for label, p in model.init_properties:
                        if not _bool(p(Ctx(s, None), {}), f"property {label}"):
                            raise _Stop("property", label, s, None)
                if name is not None:
                    raise _Stop("invariant", name, s, None)
            except TlaError as exc:
                # TLC has counted the initial state as found before it failed on it.
                parents[h] = h
                raise _Stop("error", None, s, None, str(exc)) from None
            try:
                if not c.kept(s, None):
                    continue
            except TlaError as exc:
                # A CONSTRAINT that fails to evaluate: TLC has not counted the state.
                raise _Stop("error", None, s, None, str(exc)) from None
            parents[h] = h
            frontier.append((s, h))
            if graph is not None:
                graph.inits.append(graph.node(h, s))
        initial = len(parents)
        if frontier:
            depth = 1
        while frontier:
            # States found before this level's successors: a stop part-way through
            # reports the level of the deepest state found, as TLC's "depth" does.
            level_base = len(parents)
            nxt_frontier = []
            for n_done, (s, hs) in enumerate(frontier):
                if progress is not None and n_done % 5000 == 4999:
                    now = time.perf_counter()
                    if now - last_report >= 5.0:
                        last_report = now
                        progress(
                            {
                                "depth": depth,
                                "distinct_states": len(parents),
                                "states_generated": generated,
                                "queue": len(frontier) - n_done + len(nxt_frontier),
                                "seconds": now - started,
                            }
                        )
                LEVEL[0] = depth
                failed: _Stop | None = None
                try:
                    succ = successors(s)
                except IncompleteSuccessor as exc:
                    succ = getattr(exc, "found", [])
                    failed = _Stop("error", None, exc.partial, hs, str(exc))
                except TlaError as exc:
                    succ = getattr(exc, "found", [])
                    failed = _Stop("error", None, None, hs, str(exc), exit=_successor_exit(exc))
                except RecursionError:
                    raise _Stop(
                        "error", None, None, hs, "recursion too deep while computing successors"
                    ) from None
                gen_before = generated
                generated += len(succ)
                if not succ and deadlock and failed is None:
                    raise _Stop("deadlock", None, None, hs)
                LEVEL[0] = depth + 1
                edges: list[int] = []
                if graph is not None:
                    graph.succ.append(edges)
                for i, t in enumerate(succ):
                    # TLC judges each successor as it generates it: on a stop, the
                    # ones after it were never generated.
                    generated = gen_before + i + 1
                    ht = None
                    try:
                        # TLC's order: the constraints, then (for a new state) the
                        # invariants, then the action properties (for every step).
                        # A new state within the constraints counts as found even
                        # when a check then stops the search.
                        if settled:
                            # Verdicts that are functions of the state: a state
                            # seen before was within the constraints, and one
                            # in ``outside`` is outside them, its invariants
                            # already checked (TLC checks them again: same answer).
                            hk = fp(t)
                            new = hk not in parents
                            if not new:
                                kept = True
                            elif hk in outside:
                                kept = False
                                if aprops:
                                    step_label = c.bad_step(s, t)
                                    if step_label is not None:
                                        raise _Stop("property", step_label, t, hs)
                                continue
                            else:
                                kept = c.kept(s, t)
                        else:
                            kept = not filtered or c.kept(s, t)
                            hk = fp(t)
                            new = hk not in parents
                        if new and kept:
                            ht = hk
                        if new and invs:
                            ctx = Ctx(t, None)
                            for _, inv in invs:
                                if inv(ctx, {}) is not True:
                                    # Not TRUE: the slow path names it (or the non-Boolean).
                                    bad_inv = c.bad_invariant(t)
                                    if bad_inv is not None:
                                        raise _Stop("invariant", bad_inv, t, hs)
                                    break
                        if aprops:
                            step_label = c.bad_step(s, t)
                            if step_label is not None:
                                raise _Stop("property", step_label, t, hs)
                    except _Stop:
                        if ht is not None:
                            parents[ht] = hs
                        raise
                    except TlaError as exc:
                        try:
                            fresh = fp(t) not in parents
                        except TlaError:
                            # TLC "was unable to fingerprint" the successor (it holds
                            # 7 \ 1): the trace ends at the state it left.
                            raise _Stop("error", None, None, hs, str(exc)) from None
                        if ht is not None:
                            parents[ht] = hs
                        raise c.failed_check(s, t, hs, exc, fresh=fresh) from None
                    if graph is not None and kept:
                        edges.append(graph.node(hk, t))
                    if settled and not kept:
                        outside.add(hk)
                    if ht is None:
                        # Seen before, or outside the constraints: not explored
                        # (nor remembered: TLC keeps no record of those either).
                        continue
                    parents[ht] = hs
                    nxt_frontier.append((t, ht))
                generated = gen_before + len(succ)
                if failed is not None:
                    if failed.state is not None:
                        # The half-built successor counts as generated (TLC's figure).
                        generated += 1
                    raise failed
                if max_states is not None and len(parents) >= max_states:
                    raise _Stop(
                        "ok", None, None, None, f"stopped after {max_states} distinct states"
                    )
            frontier = nxt_frontier
            if frontier:
                depth += 1
            if progress is not None:
                now = time.perf_counter()
                if now - last_report >= 1.0 or not frontier:
                    last_report = now
                    progress(
                        {
                            "depth": depth,
                            "distinct_states": len(parents),
                            "states_generated": generated,
                            "queue": len(frontier),
                            "seconds": now - started,
                        }
                    )
    except _Stop as stop:
        if depth and len(parents) > level_base:
            depth += 1
        # While the initial states are computed (n_done -1) every one TLC counted is
        # on its queue, one that failed an invariant's evaluation too.
        queue = len(frontier) - n_done - 1 + len(nxt_frontier) if n_done >= 0 else len(parents)
        return _stopped(
            model,
            c,
            stop,
            parents=parents,
            generated=generated,
            depth=depth,
            started=started,
            queue=queue,
        )
    return _explored(
        model,
        c,
        distinct=len(parents),
        generated=generated,
        depth=depth,
        started=started,
        graph=graph,
        initial=initial,
    )


def _before_search(model: Model, started: float) -> CheckResult | None:
    """The result when the assumptions decide the run (false, failing, or all there is)."""
    variables = list(model.vars)
    try:
        bad = model.check_assumptions()
    except Unsupported:
        raise  # outside the checker's scope (exit 150), not a failing assumption
    except TlaError as exc:
        # TLC: "Evaluating assumption ... failed", exit 10.
        return CheckResult(
            "error",
            None,
            trace=None,
            seconds=time.perf_counter() - started,
            message=str(exc),
            variables=variables,
            exit=10,
        )
    if model.startup_error is not None and bad is None:
        return CheckResult(
            "error",
            None,
            seconds=time.perf_counter() - started,
            message=model.startup_error,
            variables=variables,
            # An invariant that is not a state predicate: TLC's exit code for an
            # invariant it cannot evaluate.
            exit=76,
        )
    if bad is not None:
        return CheckResult(
            "assume",
            bad[0],
            seconds=time.perf_counter() - started,
            message=bad[1],
            variables=variables,
        )
    if model.no_behaviour:
        # Only assumptions to check (TLC: "0 states generated").
        return CheckResult(
            "ok",
            None,
            distinct_states=0,
            states_generated=0,
            depth=0,
            seconds=time.perf_counter() - started,
            variables=variables,
        )
    return None


def _stopped(
    model: Model,
    c: _Checker,
    stop: _Stop,
    *,
    parents: dict[int, int],
    generated: int,
    depth: int,
    started: float,
    queue: int = 0,
) -> CheckResult:
    """The result of a search that stopped early, with the trace to where it stopped."""
    variables = list(model.vars)
    trace = None
    if stop.result != "ok":
        try:
            trace = _rebuild(model, c, parents, stop.parent, stop.state)
        except TlaError:
            trace = [] if stop.state is None else [dict(zip(variables, stop.state, strict=True))]
        # An error while computing the initial states has no trace (TLC prints none).
        trace = trace or None
    at_init = stop.parent is None and stop.state is not None and depth == 0
    if at_init and stop.result == "error":
        # TLC has put the initial state on its queue: its depth is 1.
        depth = 1
    return CheckResult(
        stop.result,
        stop.violated,
        initial=at_init and stop.result in ("invariant", "property"),
        distinct_states=len(parents),
        states_generated=generated,
        depth=depth,
        trace=trace,
        seconds=time.perf_counter() - started,
        message=stop.message,
        variables=variables,
        skipped=list(model.skipped),
        exit=stop.exit,
        queue=queue,
    )


def _explored(
    model: Model,
    c: _Checker,
    *,
    distinct: int,
    generated: int,
    depth: int,
    started: float,
    graph: _Graph | None = None,
    initial: int = 0,
) -> CheckResult:
    """The result of a search that explored every reachable state: the liveness
    checks, if any, decide it, then the POSTCONDITION."""
    variables = list(model.vars)
    if model.live_checks:
        try:
            live = _check_liveness(model, c, graph)
        except TlaError as exc:
            live = ("error", (), None, str(exc), None)
        if live is not None:
            result_word, labels, trace, message, loop_at = live
            return CheckResult(
                result_word,
                labels[0] if labels else None,
                violated_all=labels,
                distinct_states=distinct,
                states_generated=generated,
                depth=depth,
                trace=trace,
                seconds=time.perf_counter() - started,
                message=message,
                variables=variables,
                skipped=list(model.skipped),
                loop=loop_at,
            )
    if model.postcondition is not None:
        failed = _postcondition(
            model,
            distinct=distinct,
            generated=generated,
            depth=depth,
            initial=initial,
            started=started,
        )
        if failed is not None:
            return CheckResult(
                "error",
                None,
                distinct_states=distinct,
                states_generated=generated,
                depth=depth,
                seconds=time.perf_counter() - started,
                message=failed,
                variables=variables,
                exit=10,
            )
    result = "skipped" if model.skipped else "ok"
    return CheckResult(
        result,
        None,
        distinct_states=distinct,
        states_generated=generated,
        depth=depth,
        trace=None,
        seconds=time.perf_counter() - started,
        message="; ".join(model.skipped) if model.skipped else None,
        variables=variables,
        skipped=list(model.skipped),
    )


def _postcondition(
    model: Model, *, distinct: int, generated: int, depth: int, initial: int, started: float
) -> str | None:
    """Why the POSTCONDITION fails after a complete search (TLC: exit 10), or None.

    TLC evaluates it once, with no state, TLCGet answering its final figures.
    """
    assert model.postcondition is not None
    name = model.cfg.postcondition
    POST_STATS.update(
        distinct=distinct,
        generated=generated,
        diameter=depth,
        queue=0,
        worker=0,
        duration=int(time.perf_counter() - started),
        initial=initial,
    )
    try:
        value = model.postcondition(Ctx([], None), {})
    except TlaError as exc:
        return f"evaluating postcondition {name} failed: {exc}"
    finally:
        POST_STATS.clear()
    if value is not True and value is not False:
        return f"evaluating postcondition {name} failed: not a Boolean"
    return None if value else f"postcondition {name} is false"


class _Graph:
    """The reachable graph as the search walked it: state ``i`` is ``states[i]``,
    its successors' numbers ``succ[i]`` (kept steps only, repeats included)."""

    def __init__(self) -> None:
        self.index: dict[int, int] = {}
        self.states: list[State] = []
        self.succ: list[list[int]] = []
        self.inits: list[int] = []

    def node(self, h: int, s: State) -> int:
        j = self.index.get(h)
        if j is None:
            j = self.index[h] = len(self.states)
            self.states.append(s)
        return j


def _check_liveness(
    model: Model, c: _Checker, graph: _Graph | None = None
) -> tuple[str, tuple[str, ...], list[dict[str, Any]] | None, str | None, int | None] | None:
    """Look for a fair violating cycle in the reachable graph (the search's, or
    rebuilt with full states)."""
    from aura_model.tla.liveness import find_violation

    if graph is not None and len(graph.succ) == len(graph.states):
        return _find(
            model,
            find_violation(
                graph.states, graph.succ, graph.inits, model.live_checks, model.fairness
            ),
            graph.states,
        )
    successors = model.successor_fn()
    index: dict[int, int] = {}
    states: list[State] = []
    inits: list[int] = []
    for s in model.init_states():
        h = c.fp(s)
        if h not in index and c.kept(s, None):
            index[h] = len(states)
            inits.append(len(states))
            states.append(s)
    succ: list[list[int]] = []
    i = 0
    while i < len(states):
        s = states[i]
        out: list[int] = []
        for t in successors(s):
            if not c.kept(s, t):
                continue
            h = c.fp(t)
            j = index.get(h)
            if j is None:
                j = index[h] = len(states)
                states.append(t)
            out.append(j)
        succ.append(out)
        i += 1
    return _find(
        model, find_violation(states, succ, inits, model.live_checks, model.fairness), states
    )


def _find(
    model: Model, hit: Any, states: list[State]
) -> tuple[str, tuple[str, ...], list[dict[str, Any]] | None, str | None, int | None] | None:
    if hit is None:
        return None
    labels, lasso, loop = hit
    # The behaviour returns to state ``loop`` (1-based loop + 1) forever; when
    # the lasso ends there, it stutters in that state.
    how = "stuttering" if loop == len(lasso) - 1 else f"back to state {loop + 1}"
    message = f"temporal property violated by a fair behaviour (loops {how})"
    trace = [dict(zip(model.vars, states[i], strict=True)) for i in lasso]
    return "property", labels, trace, message, loop


def _rebuild(
    model: Model, c: _Checker, parents: dict[int, int], last: int | None, final: State | None
) -> list[dict[str, Any]]:
    chain: list[int] = []
    h = last
    while h is not None:
        chain.append(h)
        p = parents[h]
        h = None if p == h else p
    chain.reverse()
    states: list[State] = []
    if chain:
        # The states are derived again as the search derived them, with
        # TLCGet("level") answering what it answered then (a spec may branch
        # on it), and put back afterwards.
        level = LEVEL[0]
        try:
            LEVEL[0] = 1
            options = model.init_states()
            successors = model.successor_fn()
            for i, want in enumerate(chain):
                found = next((s for s in options if c.fp(s) == want), None)
                if found is None:
                    raise EvalError("could not rebuild the trace")
                states.append(found)
                if i + 1 < len(chain):
                    LEVEL[0] = i + 1
                    options = successors(found)
        finally:
            LEVEL[0] = level
    if final is not None:
        states.append(final)
    return [dict(zip(model.vars, s, strict=True)) for s in states]


def simulate(
    model: Model, depth: int = 100, traces: int = 10, seed: int = 0, deadlock: bool | None = None
) -> CheckResult:
    """Random walks (TLC's -simulate): stop at the first violation found."""
    started = time.perf_counter()
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10000))
    _run_config(
        mode="simulate",
        deadlock=model.deadlock_default if deadlock is None else deadlock,
        traces=traces,
        depth=depth,
    )
    try:
        return _simulate(model, (depth, traces, seed), deadlock, started)
    except _ESCAPED as exc:
        return _escaped(model, exc, started)
    finally:
        RUN_CONFIG.clear()


def _simulate(
    model: Model, shape: tuple[int, int, int], deadlock: bool | None, started: float
) -> CheckResult:
    depth, traces, seed = shape
    rng = random.Random(seed)
    variables = list(model.vars)
    if deadlock is None:
        deadlock = model.deadlock_default
    c = _Checker(model)
    successors = model.successor_fn()
    generated = 0
    all_traces: list[list[dict[str, Any]]] = []
    max_depth = 0

    def as_dicts(path: list[State]) -> list[dict[str, Any]]:
        return [dict(zip(variables, s, strict=True)) for s in path]

    def stop(
        result: str, violated: str | None, path: list[State], message: str | None = None
    ) -> CheckResult:
        return CheckResult(
            result,
            violated,
            distinct_states=None,
            states_generated=generated,
            depth=len(path),
            trace=as_dicts(path),
            seconds=time.perf_counter() - started,
            message=message,
            variables=variables,
            traces=[*all_traces, as_dicts(path)],
        )

    try:
        inits = sorted(model.init_states(), key=sort_key)
    except TlaError as exc:
        return stop("error", None, [], str(exc))
    if not inits:
        return stop("ok", None, [])
    for _ in range(traces):
        s = inits[rng.randrange(len(inits))]
        path = [s]
        generated += 1
        try:
            name = c.bad_invariant(s)
            if name is not None:
                return stop("invariant", name, path)
            for _step in range(depth - 1):
                succ = successors(s)
                generated += len(succ)
                if not succ:
                    if deadlock:
                        return stop("deadlock", None, path)
                    break
                succ.sort(key=sort_key)
                t = succ[rng.randrange(len(succ))]
                label = c.bad_step(s, t) if c.aprops else None
                path.append(t)
                if label is not None:
                    return stop("property", label, path)
                name = c.bad_invariant(t)
                if name is not None:
                    return stop("invariant", name, path)
                if not c.kept(s, t):
                    break
                s = t
        except TlaError as exc:
            return stop("error", None, path, str(exc))
        max_depth = max(max_depth, len(path))
        all_traces.append(as_dicts(path))
    return CheckResult(
        "ok",
        None,
        distinct_states=None,
        states_generated=generated,
        depth=max_depth,
        trace=all_traces[-1] if all_traces else None,
        seconds=time.perf_counter() - started,
        variables=variables,
        traces=all_traces,
        skipped=list(model.skipped),
    )
