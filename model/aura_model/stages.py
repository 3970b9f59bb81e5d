"""The stages that ``aura-verify`` (``make verify``) runs, in order.

Each stage is a callable returning a :class:`StageResult`. A stage whose tool is
missing reports ``SKIPPED`` with the reason; it never reports a pass.
"""

from __future__ import annotations

import enum
from collections.abc import Callable

import attrs


class Status(enum.Enum):
    PASS = "PASS"
    FAIL = "FAIL"
    SKIPPED = "SKIPPED"


@attrs.frozen
class StageResult:
    name: str
    status: Status
    detail: str
    seconds: float = 0.0


StageFn = Callable[[], StageResult]

# (stage name, "module:function"). Imported lazily so one slow or optional stage
# does not tax the others' start-up. Later issues append their stages here.
STAGES: list[tuple[str, str]] = [
    ("spec-check", "aura_model.spec_check:stage_spec_check"),
    ("z3-prove", "aura_model.z3:stage_z3_prove"),
    ("conformance", "aura_conformance:stage_conformance"),
    ("apalache", "aura_model.runners:stage_apalache"),
    ("tlc", "aura_model.runners:stage_tlc"),
]
