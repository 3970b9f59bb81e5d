"""What a verification stage reports: the values every stage returns.

The stages themselves live with their engines (``aura_model.spec_check``,
``aura_model.z3``, ``aura_model.runners``) and the table that runs them in
order is the command line's (``aura_verify.stages``). A stage whose tool is
missing reports ``SKIPPED`` with the reason; it never reports a pass.
"""

from __future__ import annotations

import enum
from collections.abc import Callable

import attrs

__all__ = ["StageFn", "StageResult", "Status"]


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
