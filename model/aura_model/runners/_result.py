"""The result shape every engine reports, and the exit codes ``aura-verify check`` uses."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import attrs

from aura_model.tla import summary_of

__all__ = [
    "EXIT_ASSUME",
    "EXIT_DEADLOCK",
    "EXIT_ERROR",
    "EXIT_INVARIANT",
    "EXIT_OK",
    "EXIT_PROPERTY",
    "EXIT_SKIPPED",
    "RESULTS",
    "EngineResult",
    "RunnerError",
]

# TLC's exit codes (DESIGN.md section 9: ``aura-verify check`` follows TLC so CI scripts work).
EXIT_OK = 0
EXIT_ASSUME = 10
EXIT_DEADLOCK = 11
EXIT_INVARIANT = 12
EXIT_PROPERTY = 13
EXIT_ERROR = 255
# Not a TLC code (TLC uses 0, 10-14, 75-77, 150-153, 255) nor argparse's 2: the tool is absent.
EXIT_SKIPPED = 4

# The ``result`` vocabulary of the TLA+ corpus manifest, plus ``skipped``.
RESULTS = ("ok", "invariant", "deadlock", "property", "assume", "error", "skipped")

_EXIT_BY_RESULT = {
    "ok": EXIT_OK,
    "assume": EXIT_ASSUME,
    "deadlock": EXIT_DEADLOCK,
    "invariant": EXIT_INVARIANT,
    "property": EXIT_PROPERTY,
    "error": EXIT_ERROR,
    "skipped": EXIT_SKIPPED,
}


class RunnerError(ValueError):
    """A tool could not be run, or printed output the parser cannot make sense of.

    ``source`` says where the bad input came from (a file, or ``"apalache stdout"``).
    """

    def __init__(self, message: str, *, source: str = "") -> None:
        self.reason = message
        self.source = source
        super().__init__(f"{source}: {message}" if source else message)


@attrs.frozen
class EngineResult:
    """What one model-checking run found, in the embedded checker's vocabulary.

    ``result`` is one of :data:`RESULTS`. Counts are ``None`` when the tool does not
    print them (Apalache is symbolic: it reports no state counts, only ``bound``, the
    computation length it explored). ``exit_code`` is the tool's own process status;
    :meth:`exit_status` is the TLC-convention code ``aura-verify check`` returns.
    """

    engine: str
    result: str = attrs.field(validator=attrs.validators.in_(RESULTS))
    violated: str | None = None
    distinct_states: int | None = None
    states_generated: int | None = None
    depth: int | None = None
    trace_length: int | None = None
    seconds: float = 0.0
    exit_code: int | None = None
    bound: int | None = None
    trace_loop: str | None = None
    trace_file: Path | None = None
    message: str = ""

    @property
    def passed(self) -> bool:
        return self.result == "ok"

    def exit_status(self) -> int:
        """The TLC-convention exit code for this result (0 ok, 11 deadlock, 12 invariant...).

        A TLC error keeps TLC's own code (75, 76, 150...): it already follows the convention.
        """
        if self.engine == "tlc" and self.result == "error" and self.exit_code:
            return self.exit_code
        return _EXIT_BY_RESULT[self.result]

    def summary(self) -> dict[str, Any]:
        """The keys of the embedded checker's ``CheckResult.summary()``, for side-by-side use."""
        return summary_of(self)

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict with the same keys as the corpus manifest where they overlap."""
        out = attrs.asdict(self, recurse=False)
        out["trace_file"] = str(self.trace_file) if self.trace_file else None
        return out
