"""The Z3 twins and the TLA+ specs agree on what a ``Next`` step is.

Both directions, on the TLC model's constants (read from ``MC_<Module>.cfg``):
steps enumerated by the embedded checker (and pairs of its states that are
not steps) are encoded into the twin, which must give the same verdict; and
steps sampled from the twin (from reachable states, each action at least
once) are decoded to TLA+ values, which the checker's step validator must
explain by the same action. A change to either model that the other does not
follow fails here.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from aura_model.specs import config_path
from aura_model.tla import StepValidator, load_model
from aura_model.z3 import MODELS
from aura_model.z3._bridge import Bridge, DVBridge, ERBridge, GCBridge, sample_reachable_steps
from aura_model.z3.framework import TransitionSystem
from aura_model.z3.models.descriptor_validity import descriptor_validity
from aura_model.z3.models.epoch_rotation import epoch_rotation
from aura_model.z3.models.guard_chain import guard_chain

SPEC = Path(__file__).resolve().parents[2] / "spec"


def _gc(c: dict[str, Any]) -> tuple[TransitionSystem, Bridge]:
    ts = guard_chain(
        limit=c["Limit"],
        holders=tuple(sorted(h.name for h in c["Holders"])),
        costs=tuple(sorted(c["Costs"])),
        max_epoch=c["MaxEpoch"],
    )
    return ts, GCBridge(c["MaxEpoch"])


def _dv(c: dict[str, Any]) -> tuple[TransitionSystem, Bridge]:
    ts = descriptor_validity(
        max_time=c["MaxTime"],
        validity=c["Validity"],
        window=c["Window"],
        max_nonce=c["MaxNonce"],
        publishers=tuple(sorted(p.name for p in c["Publishers"])),
    )
    return ts, DVBridge()


def _er(c: dict[str, Any]) -> tuple[TransitionSystem, Bridge]:
    assert (c["Ini"].name, c["Resp"].name) == ("a1", "a2")
    return epoch_rotation(max_epoch=c["MaxEpoch"], max_hs=c["MaxHs"]), ERBridge()


MODULES: dict[str, Callable[[dict[str, Any]], tuple[TransitionSystem, Bridge]]] = {
    "GuardChain": _gc,
    "DescriptorValidity": _dv,
    "EpochRotation": _er,
}


def _setup(module: str) -> tuple[StepValidator, TransitionSystem, Bridge]:
    model = load_model(str(SPEC / f"{module}.tla"), str(config_path(f"MC_{module}.cfg", SPEC)))
    ts, bridge = MODULES[module](dict(model.cfg.constants))
    return StepValidator(model), ts, bridge


Step = tuple[dict[str, Any], dict[str, Any], str]


def _explore(
    v: StepValidator, limit: int, seed: int
) -> list[tuple[dict[str, Any], dict[str, Any], str]]:
    """Up to ``limit`` steps of the spec, breadth-first with a random pick per level."""
    rng = random.Random(seed)
    frontier = v.init_states()
    steps: list[Step] = []
    seen_actions: set[str] = set()
    while frontier and len(steps) < limit:
        nxt = []
        for s in frontier:
            for match, t in v.successors(s):
                steps.append((s, t, match.name))
                seen_actions.add(match.name)
                nxt.append(t)
        rng.shuffle(nxt)
        frontier = nxt[:6]
    return steps


def _disagreements_from_checker(
    v: StepValidator, ts: TransitionSystem, bridge: Bridge, *, first: bool = False
) -> tuple[list[str], int]:
    """Checker steps the twin rejects, crossed pairs judged differently, and
    how many crossed pairs were non-steps (with ``first``, up to the first
    disagreement only: all a drift test needs, each check being a Z3 query)."""
    steps = _explore(v, 60, seed=1)
    assert len({a for _, _, a in steps}) >= 3
    bad = []
    for s, t, action in steps:
        if ts.is_next_step(bridge.encode(s), bridge.encode(t)) is not True:
            bad.append(f"spec step {action} rejected by the twin")
            if first:
                return bad, 0
    states = [t for _, t, _ in steps]
    negatives = 0
    for s, t in itertools.islice(itertools.product(states[:12], states[-12:]), 60):
        spec_says = bool(v.explain(s, t))
        if ts.is_next_step(bridge.encode(s), bridge.encode(t)) is not spec_says:
            bad.append(f"crossed pair: spec says {spec_says}")
            if first:
                return bad, negatives
        negatives += not spec_says
    return bad, negatives


def _disagreements_from_twin(
    v: StepValidator, ts: TransitionSystem, bridge: Bridge, *, first: bool = False
) -> tuple[list[str], int]:
    entry = next(e for e in MODELS if e.module == ts.name)
    dead = set(entry.witness_flags)  # enabled only by a BUG flag
    samples = sample_reachable_steps(
        ts, bridge, max_depth=6, per_action=2, prefixes=entry.witness_prefixes, skip=tuple(dead)
    )
    # An action the twin cannot reach (a drifted twin, along its witness
    # prefix) is a disagreement too.
    bad = [
        f"twin action {a} never sampled" for a in set(ts.actions) - dead - {a for *_, a in samples}
    ]
    for pre, post, action in samples:
        if first and bad:
            return bad, 0
        names = {m.name for m in v.explain(pre, post)}
        if action not in names:
            bad.append(f"twin step {action} explained by the spec as {sorted(names)}")
    negatives = 0
    for (pre, _, _), (_, post, _) in itertools.islice(itertools.permutations(samples, 2), 40):
        if first and bad:
            return bad, negatives
        spec_says = bool(v.explain(pre, post))
        if ts.is_next_step(bridge.encode(pre), bridge.encode(post)) is not spec_says:
            bad.append(f"crossed pair: spec says {spec_says}")
        negatives += not spec_says
    return bad, negatives


# GuardChain's in ``make test``; the other twins' queries are the slowest, so
# their agreement runs with ``make test-slow``.
_MODULE_PARAMS = [
    m if m == "GuardChain" else pytest.param(m, marks=pytest.mark.slow) for m in MODULES
]


@pytest.mark.parametrize("module", _MODULE_PARAMS)
def test_checker_steps_are_twin_steps(module: str) -> None:
    """Every step the checker enumerates is a ``Next`` step of the twin, and
    pairs of checker states the validator rejects are rejected by the twin."""
    v, ts, bridge = _setup(module)
    bad, negatives = _disagreements_from_checker(v, ts, bridge)
    assert bad == []
    assert negatives > 0


@pytest.mark.parametrize("module", _MODULE_PARAMS)
def test_twin_steps_are_spec_steps(module: str) -> None:
    """Steps sampled from the twin (every action, from reachable states) are
    explained by the spec's validator with the same action; crossed pairs get
    the same verdict from both."""
    v, ts, bridge = _setup(module)
    bad, negatives = _disagreements_from_twin(v, ts, bridge)
    assert bad == []
    assert negatives > 0


def _drifted(ts: TransitionSystem, action: str, var: str, delta: int) -> TransitionSystem:
    """The twin with one action changed: ``var' = var + delta`` instead of +1."""
    import attrs
    import z3
    from aura_model.z3 import Action

    old = ts.actions[action]

    def rel(s, t, p):
        return z3.And(old.relation(s, {**t, var: t[var] - delta + 1}, p))

    ts.actions[action] = attrs.evolve(old, relation=rel)
    assert isinstance(ts.actions[action], Action)
    return ts


@pytest.mark.parametrize(
    "module,action,var",
    [
        ("GuardChain", "AdvanceEpoch", "epoch"),
        # The same teeth on a second module; its twin's queries are the slowest.
        pytest.param("DescriptorValidity", "Tick", "now", marks=pytest.mark.slow),
    ],
)
def test_drift_is_detected(module: str, action: str, var: str) -> None:
    """A twin whose action drifted from the spec (a step of 2 instead of 1)
    disagrees with the checker in both directions: the test has teeth."""
    v, ts, bridge = _setup(module)
    ts = _drifted(ts, action, var, 2)
    assert _disagreements_from_checker(v, ts, bridge, first=True)[0]
    assert _disagreements_from_twin(v, ts, bridge, first=True)[0]
