"""What a TLA+ module declares, read through the embedded checker: the
actions of its ``Next`` (the disjuncts, ``\\E`` binders looked through), the
invariants and properties its TLC model checks, and its ``BUG_*`` flags."""

from __future__ import annotations

from pathlib import Path

import attrs
from aura_model.specs import config_path
from aura_model.tla import load_model


@attrs.frozen
class SpecNames:
    invariants: frozenset[str]
    properties: frozenset[str]
    actions: dict[str, tuple[str, ...]]
    bug_flags: frozenset[str]


def spec_names(spec_dir: Path, module: str) -> SpecNames:
    model = load_model(
        str(spec_dir / f"{module}.tla"), str(config_path(f"MC_{module}.cfg", spec_dir))
    )
    cfg = model.cfg
    return SpecNames(
        frozenset(cfg.invariants),
        frozenset(cfg.properties),
        {d.name: tuple(d.param_names) for d in model.disjuncts()},
        frozenset(k for k in cfg.constants if k.startswith("BUG_")),
    )
