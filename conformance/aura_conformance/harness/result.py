"""The verdict of one conformance run against one backend."""

from __future__ import annotations

from pathlib import Path

import attrs

__all__ = ["ConformanceResult"]


@attrs.frozen
class ConformanceResult:
    """Whether ``backend`` conformed over ``examples`` runs of ``steps`` rules in all.

    ``failure`` is the first conformance failure's text (with its state table);
    ``failing_trace`` the ITF file of that run, when runs are recorded.
    """

    backend: str
    conformant: bool
    examples: int
    steps: int
    failure: str = ""
    failing_trace: Path | None = None

    def summary(self) -> str:
        verdict = "conformant" if self.conformant else "NOT conformant"
        text = f"{self.backend}: {verdict} ({self.examples} runs, {self.steps} steps)"
        return text if self.conformant else f"{text}\n{self.failure}"
