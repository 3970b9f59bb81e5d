"""Running a conformance state machine: directed schedules first, then Hypothesis.

Shared by the spec machines so their run settings cannot drift apart.
"""

from __future__ import annotations

import contextlib
import gc
import os
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any, TypeVar

import hypothesis
import hypothesis.stateful
from hypothesis import HealthCheck, Phase, settings
from hypothesis.database import DirectoryBasedExampleDatabase, ExampleDatabase
from hypothesis.errors import InvalidDefinition
from hypothesis.internal.conjecture import providers, utils
from hypothesis.internal.conjecture.data import ConjectureData
from hypothesis.internal.constants_ast import Constants
from hypothesis.stateful import (
    RULE_MARKER,
    Rule,
    RuleBasedStateMachine,
    RuleStrategy,
    get_state_machine_test,
    precondition,
)

from aura_conformance.harness.errors import ActionUnsupported, ConformanceFailure
from aura_conformance.harness.result import ConformanceResult

__all__ = ["CountingMachine", "run_directed", "run_machine", "run_random", "run_supported"]

_SWARM_LABEL = utils.calc_label_from_name("swarm flags of the rules")


# What must hold for a rule to run, asked of the machine.
_Check = Callable[[RuleBasedStateMachine], bool]
_CHECKS: dict[int, tuple[list[Rule], list[tuple[Rule, tuple[_Check, ...]]]]] = {}


def _checks(rules: list[Rule]) -> list[tuple[Rule, tuple[_Check, ...]]]:
    """Each rule with what must hold for it to run: its preconditions, and for a
    rule taking from a bundle, that the bundle is not empty. Kept per rule list
    (one per machine class, Hypothesis's own table)."""
    hit = _CHECKS.get(id(rules))
    if hit is not None and hit[0] is rules:
        return hit[1]

    def nonempty(name: str) -> _Check:
        return lambda machine: bool(machine.bundle(name))

    checks = [(r, (*(nonempty(b.name) for b in r.bundles), *r.preconditions)) for r in rules]
    _CHECKS[id(rules)] = (rules, checks)
    return checks


class _RuleChoice(RuleStrategy):
    """The next rule drawn directly among the rules enabled in the current state.

    Hypothesis's own choice draws an index into all the rules and retries while
    the one drawn is disabled (a precondition false, or the example's swarm flag
    off), drawing each rule's swarm flag the first time it is tried: about ten
    choices a step, half of a step's cost in its engine. Here each example
    draws its swarm flags once, at its first rule (a probability, then one flag
    per rule in Hypothesis's rule order), and each step draws one integer
    among the rules whose preconditions hold and whose flag is on (all the
    rules whose preconditions hold if the flags leave none), so every draw is
    used. Both shrink towards everything enabled and the first rule, as
    Hypothesis's do: a flag towards on, the probability of off towards 0.
    """

    def __init__(self, machine: RuleBasedStateMachine) -> None:
        super().__init__(machine)
        # The example's rules switched off by its swarm flags (drawn at its first rule).
        self._off: frozenset[str] | None = None

    def _swarm(self, data: ConjectureData) -> frozenset[str]:
        data.start_span(_SWARM_LABEL)
        p_off = data.draw_integer(0, 254) / 255
        off = frozenset(r.function.__name__ for r in self.rules if data.draw_boolean(p_off))
        data.stop_span()
        return off

    def do_draw(self, data: ConjectureData) -> tuple[Rule, dict[str, Any]]:
        off = self._off
        if off is None:
            off = self._off = self._swarm(data)
        machine = self.machine
        valid = []
        for rule, preconditions in _checks(self.rules):
            for holds in preconditions:
                if not holds(machine):
                    break
            else:
                valid.append(rule)
        if not valid:
            names = ", ".join(r.function.__name__ for r in self.rules)
            raise InvalidDefinition(
                f"No progress can be made from state {self.machine!r}, because no "
                f"available rule had a True precondition. rules: {names}"
            )
        enabled = [r for r in valid if r.function.__name__ not in off] or valid
        rule = enabled[data.draw_integer(0, len(enabled) - 1)] if len(enabled) > 1 else enabled[0]
        arguments = {k: data.draw(strategy) for k, strategy in rule.arguments_strategies.items()}
        return (rule, arguments)


class CountingMachine(RuleBasedStateMachine):
    """A spec machine that counts its runs and steps, class-wide across examples
    (``examples`` and ``steps``; each concrete machine class gets its own dict).

    Its rules are drawn by :class:`_RuleChoice`."""

    stats: dict[str, int]

    def __init__(self) -> None:
        super().__init__()
        self._rules_strategy = _RuleChoice(self)


M = TypeVar("M", bound=CountingMachine)


def run_directed(
    machine: type[M], scenarios: Mapping[str, Callable[[M], None]]
) -> list[tuple[str, ConformanceFailure | None]]:
    """Run every directed schedule once, each on a fresh machine from ``Reset``."""
    out: list[tuple[str, ConformanceFailure | None]] = []
    for name, scenario in scenarios.items():
        m = machine()
        try:
            m.Reset()  # type: ignore[attr-defined]
            scenario(m)
        except ConformanceFailure as exc:
            out.append((name, exc))
        except ActionUnsupported:
            # The backend recorded the skip; the schedule proves nothing either way.
            out.append((name, None))
        else:
            out.append((name, None))
    return out


def _without_rules(machine: type[M], actions: frozenset[str]) -> type[M]:
    """``machine`` with the rules named after ``actions`` never enabled."""
    if not actions:
        return machine
    disabled: dict[str, object] = {
        name: precondition(lambda self: False)(getattr(machine, name))
        for name in actions
        if getattr(getattr(machine, name, None), RULE_MARKER, None) is not None
    }
    return type(machine.__name__, (machine,), disabled)


@contextmanager
def _only_hypothesis_constants() -> Iterator[None]:
    """Keep Hypothesis from drawing literals of the project's imported modules.

    Besides its own constants, Hypothesis draws literals found in every local
    module in ``sys.modules``, a pool that only grows as the process imports
    more: the same seed then explores differently depending on which test files
    ran (or were collected) before, and a variant's verdict flips with the
    order. With the pool pinned empty a run is a function of its seed (and of
    the Hypothesis version, pinned in constraints.txt: this is its internal API).
    """
    saved = providers._get_local_constants
    empty = Constants()
    # The cache of permitted constants may hold the imported pool, and must not
    # keep ours either.
    providers.CONSTANTS_CACHE.cache.clear()
    providers._get_local_constants = lambda: empty
    try:
        yield
    finally:
        providers._get_local_constants = saved
        providers.CONSTANTS_CACHE.cache.clear()


# Where a run keeps the examples it found failing, to try them first next time
# (``aura-verify --profile deep`` sets it); unset, nothing is kept.
EXAMPLE_DATABASE_VARIABLE = "AURA_HYPOTHESIS_DATABASE"


def example_database() -> ExampleDatabase | None:
    """Hypothesis's example database at ``$AURA_HYPOTHESIS_DATABASE``, or none."""
    folder = os.environ.get(EXAMPLE_DATABASE_VARIABLE)
    return DirectoryBasedExampleDatabase(folder) if folder else None


@contextmanager
def _heap_frozen() -> Iterator[None]:
    """Keep the garbage collector's full passes off what lives through the run.

    The loaded specs' compiled code, the modules and Hypothesis's own tables are
    hundreds of thousands of objects that outlive any run; a full collection
    walked them all (a tenth of a second, every other run of a few hundred
    steps). Frozen for the run, they are not walked; unfrozen after, they are
    collectable again as before (unless something else froze them first).
    """
    if gc.get_freeze_count():
        yield
        return
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


@contextmanager
def _digest_skipped() -> Iterator[None]:
    """Hypothesis's digest of a machine class left out (an empty one instead).

    The digest only names the machine's examples in the database and seeds a
    derandomised run; a run with neither never reads it. Computing it reads and
    parses the source of the module defining the machine, every run.
    """
    stateful: Any = hypothesis.stateful
    saved = stateful.function_digest
    stateful.function_digest = lambda _: b""
    try:
        yield
    finally:
        stateful.function_digest = saved


def run_random(
    machine: type[RuleBasedStateMachine],
    *,
    examples: int,
    steps: int,
    seed: int | None,
    shrink: bool = False,
) -> str:
    """Random runs of ``machine``; the first conformance failure's text, or ``""``.

    ``seed=None`` derandomises (Hypothesis's fixed schedule) instead of seeding.
    """
    phases = [Phase.explicit, Phase.reuse, Phase.generate] + ([Phase.shrink] if shrink else [])
    database = example_database()
    run_settings = settings(
        max_examples=examples,
        stateful_step_count=steps,
        deadline=None,
        database=database,
        phases=phases,
        derandomize=seed is None,
        suppress_health_check=list(HealthCheck),
        report_multiple_bugs=False,
        print_blob=False,
    )
    # A seeded run without a database asks nothing of the machine's digest (it keys
    # the database and seeds derandomised runs): not computed, it costs no reading
    # of the module's source (a tenth of a second a run for the guard machine).
    keyless = seed is not None and database is None
    with _digest_skipped() if keyless else contextlib.nullcontext():
        test = get_state_machine_test(machine, settings=run_settings)
    if seed is not None:
        test = hypothesis.seed(seed)(test)
        if database is not None:
            # hypothesis.seed switches the database off; a kept database is asked for.
            seeded = test._hypothesis_internal_use_settings  # type: ignore[attr-defined]
            test._hypothesis_internal_use_settings = settings(seeded, database=database)  # type: ignore[attr-defined]
    if keyless:
        test._hypothesis_internal_database_key = None  # type: ignore[attr-defined]
    try:
        with _only_hypothesis_constants(), _heap_frozen():
            test()
    except ConformanceFailure as exc:
        return str(exc)
    return ""


def _unsupported(machine: type[RuleBasedStateMachine]) -> frozenset[str]:
    # Only a stdio backend declares what it does not implement.
    skipped = getattr(getattr(machine, "backend", None), "skipped", None)
    return frozenset(skipped) if isinstance(skipped, dict) else frozenset()


def run_supported(
    machine: type[M],
    *,
    examples: int,
    steps: int,
    seed: int | None,
    shrink: bool = False,
) -> str:
    """:func:`run_random` on the actions the backend implements.

    The rules of an action the backend did not declare are never enabled; one it
    answers ``unsupported`` mid-run stops the run, and the run starts again
    without it. Either way the backend keeps the skip to report: a run with a
    skipped action is no verdict of conformance.
    """
    while True:
        skipped = _unsupported(machine)
        try:
            return run_random(
                _without_rules(machine, skipped),
                examples=examples,
                steps=steps,
                seed=seed,
                shrink=shrink,
            )
        except ActionUnsupported:
            if _unsupported(machine) == skipped:
                raise


def run_machine(
    make: Callable[[], type[M]],
    name: str,
    scenarios: Mapping[str, Callable[[M], None]],
    *,
    examples: int,
    seed: int | None,
    steps: int,
    directed: bool = True,
    shrink: bool = False,
) -> ConformanceResult:
    """Directed ``scenarios`` (unless ``directed`` is off), then random runs, each on
    a machine class from ``make``; the first conformance failure is the verdict
    (with ``shrink``, the random run that found it shrunk first).

    The counts are what ran: each scenario run (up to the first failing one, which
    ends the run) counts as a run and its rules as steps, as the machine counts
    them, then the random runs'.
    """
    ran = stepped = 0
    if directed:
        machine = make()
        # Deltas: a class ``make`` hands out twice would otherwise count twice.
        start = machine.stats["steps"]
        for scenario, run in scenarios.items():
            [(_, found)] = run_directed(machine, {scenario: run})
            ran += 1
            if found is not None:
                steps_run = machine.stats["steps"] - start
                return ConformanceResult(
                    name, False, ran, steps_run, f"scenario {scenario}: {found}"
                )
        stepped = machine.stats["steps"] - start
    machine = make()
    runs, start = machine.stats["examples"], machine.stats["steps"]
    failure = run_supported(machine, examples=examples, steps=steps, seed=seed, shrink=shrink)
    return ConformanceResult(
        name,
        not failure,
        ran + machine.stats["examples"] - runs,
        stepped + machine.stats["steps"] - start,
        failure,
    )
