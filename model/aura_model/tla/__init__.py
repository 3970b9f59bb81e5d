"""The embedded TLA+ model checker, built on the PyPI ``tla`` parser."""

from aura_model.tla import _values as values
from aura_model.tla._bfs import check, simulate
from aura_model.tla._errors import ConfigError, EvalError, TlaError, TlaParseError, Unsupported
from aura_model.tla._model import Model, load_model
from aura_model.tla._trace import CheckResult, steps_json, summary_of
from aura_model.tla._validator import ActionMatch, StepValidator
from aura_model.tla._values import ModelValue

__all__ = [
    "ActionMatch",
    "CheckResult",
    "ConfigError",
    "EvalError",
    "Model",
    "ModelValue",
    "StepValidator",
    "TlaError",
    "TlaParseError",
    "Unsupported",
    "check",
    "load_model",
    "simulate",
    "steps_json",
    "summary_of",
    "values",
]
