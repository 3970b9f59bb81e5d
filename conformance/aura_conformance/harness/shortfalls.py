"""Naming a divergence after the spec's own known shortfalls.

Each spec keeps the known shortfalls of the design as ``BUG_*`` constants, and
``spec/<M>/MC_<M>_bad_<Invariant>.cfg`` switches some on and says (its
``expect: invariant`` header) which invariant the model then breaks. When a
backend takes a step the spec does not explain, and the new state breaks no
invariant yet, the bad models can still say what the step is: a step of a
known shortfall's model, whose behaviours break that invariant. When the run
that led to the step is known, the model must take the whole run, not only the
step (:func:`explaining_run`). The models are loaded on the first failure only
(a conformant run never pays for them).
"""

from __future__ import annotations

import functools
import itertools
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import attrs
from aura_model.specs import module_configs, module_path
from aura_model.tla import Model, StepValidator, load_model

from aura_conformance.harness.state import State

__all__ = [
    "Shortfall",
    "bad_models",
    "describe",
    "explaining_run",
    "explaining_step",
    "explaining_value",
]

_EXPECT = re.compile(r"^\\\*\s*expect:\s*invariant\s+(\w+)", re.MULTILINE)
_BUG_ON = re.compile(r"^\s*(BUG_\w+)\s*=\s*TRUE\s*$", re.MULTILINE)


@attrs.frozen
class Shortfall:
    """A bad model: its config file, the BUG_* constants it switches on, the
    invariant it breaks."""

    config: str
    bugs: tuple[str, ...]
    invariant: str
    model: Model = attrs.field(eq=False, repr=False)
    validator: StepValidator = attrs.field(eq=False, repr=False)

    def describe(self) -> str:
        return f"{', '.join(self.bugs)} ({self.config}, which violates {self.invariant})"


Loader = Callable[[Path], Model]


def _load_spec(module: str) -> Loader:
    return lambda cfg: load_model(module_path(module), cfg)


@functools.cache
def bad_models(module: str, loader: Loader | None = None) -> tuple[Shortfall, ...]:
    """The bad models of ``spec/<module>.tla`` that name an invariant they break,
    each loaded by ``loader`` (default: the spec itself; a harness's wrapper
    module that EXTENDS it can stand in, to evaluate its own definitions)."""
    load = loader or _load_spec(module)
    out = []
    for cfg in module_configs(module):
        text = cfg.read_text(encoding="utf-8")
        expect = _EXPECT.search(text)
        bugs = tuple(_BUG_ON.findall(text))
        if "_bad_" not in cfg.name or expect is None or not bugs:
            continue
        model = load(cfg)
        out.append(Shortfall(cfg.name, bugs, expect.group(1), model, StepValidator(model)))
    return tuple(out)


def explaining_step(module: str, prev: State, nxt: State) -> list[Shortfall]:
    """The known shortfalls of ``module`` under whose model ``prev -> nxt`` is a step."""
    return [s for s in bad_models(module) if s.validator.explain(prev, nxt)]


def explaining_run(module: str, run: Sequence[State]) -> list[Shortfall]:
    """The known shortfalls of ``module`` whose model takes the last step of ``run``
    and is not contradicted by an earlier one.

    A model that takes only the last step is no diagnosis: the state is an
    abstraction, and a backend wrong in some other way can land where the bad
    model also goes (a PSK that is no epoch's secret is projected as the public
    one). A backend with the shortfall takes its model's steps from the start, so
    an earlier step contradicts the model when the same model with its ``BUG_*``
    constants off takes it and the model itself does not: the step shows the
    backend without that shortfall. A step neither takes says nothing (the bad
    model's constants may not fit the harness's world, a third member say). The
    last step is tried on every model, the rest only on the models that take it.
    """
    if len(run) < 2:
        return []
    found = explaining_step(module, run[-2], run[-1])
    return [s for s in found if not _contradicted(module, s, run[:-1])]


def _contradicted(module: str, shortfall: Shortfall, run: Sequence[State]) -> bool:
    names = shortfall.validator.vars
    for prev, nxt in itertools.pairwise(run):
        if all(prev[v] == nxt[v] for v in names):
            continue
        if shortfall.validator.explain(prev, nxt, first=True):
            continue
        if _without_bugs(module, shortfall).explain(prev, nxt, first=True):
            return True
    return False


@functools.cache
def _without_bugs(module: str, shortfall: Shortfall) -> StepValidator:
    """``shortfall``'s model with its ``BUG_*`` constants off (the spec at its size)."""
    [cfg] = [c for c in module_configs(module) if c.name == shortfall.config]
    model = load_model(module_path(module), cfg, constants=dict.fromkeys(shortfall.bugs, False))
    return StepValidator(model)


def explaining_value(
    module: str,
    name: str,
    state: State,
    matches: Callable[[Any], bool],
    loader: Loader | None = None,
) -> list[Shortfall]:
    """The known shortfalls of ``module`` whose ``name`` on ``state`` ``matches``."""
    return [s for s in bad_models(module, loader) if matches(s.model.evaluate(name, state))]


def describe(found: list[Shortfall], what: str = "a step") -> str:
    """The clause a failure message gains (empty when no shortfall explains it):
    the backend's step (or ``what`` else it did) is one of the known shortfall's."""
    if not found:
        return ""
    return f"; it is {what} of the known shortfall " + " or ".join(s.describe() for s in found)
