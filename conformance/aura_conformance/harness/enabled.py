"""Whether the spec's action, with the request's arguments, is enabled in a state.

The step validator accepts a stutter for any request, and a refusal of a
request whose action the spec leaves to the implementation's choice is right.
Where the world makes the action deterministic (publish when a refresh is
needed, seal only on an Active channel), the machine asks the spec itself
whether the action was enabled in the state before the request.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aura_conformance.harness.checker import SpecChecker
from aura_conformance.harness.state import State

__all__ = ["enabled"]


def enabled(checker: SpecChecker, state: State, action: str, args: Mapping[str, Any]) -> bool:
    """Some instance of Next's ``action`` whose parameters named in ``args`` take
    those values has a successor of ``state`` (a stutter counts: it is a step)."""
    # ``where`` leaves the other instances unevaluated.
    return bool(checker.validator.successors(state, only=frozenset({action}), where=args))
