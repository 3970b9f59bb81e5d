"""Typed errors of the embedded checker; each carries where it came from."""

from __future__ import annotations

__all__ = ["ConfigError", "EvalError", "TlaError", "TlaParseError", "Unsupported"]


class TlaError(Exception):
    """Base of every error the checker reports (never a raw traceback)."""

    exit_code = 75


class TlaParseError(TlaError):
    """The TLA+ text could not be parsed (TLC exit code 150)."""

    exit_code = 150


class ConfigError(TlaError):
    """The TLC configuration is malformed or refers to unknown names (exit 151)."""

    exit_code = 151


class Unsupported(TlaError):
    """A construct outside the checker's scope; the message starts "unsupported:"."""

    exit_code = 150

    def __init__(self, what: str) -> None:
        super().__init__(f"unsupported: {what}")


class EvalError(TlaError):
    """Evaluation failed (CHOOSE from {}, f[x] outside DOMAIN f, 1 + "a", ...)."""

    exit_code = 75

    def __init__(
        self, message: str, file: str | None = None, line: int | None = None, col: int | None = None
    ) -> None:
        self.message = message
        self.file = file
        self.line = line
        self.col = col
        where = f"{file}:{line}:{col}: " if file is not None else ""
        super().__init__(f"{where}{message}")

    def located(self) -> bool:
        return self.file is not None
