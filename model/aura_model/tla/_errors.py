"""Typed errors of the embedded checker; each carries where it came from."""

from __future__ import annotations

__all__ = [
    "ConfigError",
    "ConfigSyntaxError",
    "EvalError",
    "IncompleteSuccessor",
    "TautologyError",
    "TemporalFormError",
    "TlaError",
    "TlaParseError",
    "TlcAssertionError",
    "TlcLimitError",
    "Unsupported",
]


class TlaError(Exception):
    """Base of every error the checker reports (never a raw traceback)."""

    exit_code = 75


class TlaParseError(TlaError):
    """The TLA+ text could not be parsed (TLC exit code 150)."""

    exit_code = 150


class ConfigError(TlaError):
    """The TLC configuration is malformed or refers to unknown names (exit 151)."""

    exit_code = 151


class TemporalFormError(TlaError):
    """A temporal property TLC's liveness checker refuses before it searches
    ("Temporal formulas containing actions must be of forms <>[]A or []<>A."):
    TLC's general error, exit 255."""

    exit_code = 255


class TlcLimitError(TlaError):
    """A module TLC cannot run at all: a numeral beyond its 32-bit integers
    ("TLC can't handle a number this big.", found before any state), TLC's
    general error, exit 255."""

    exit_code = 255


class TautologyError(TlaError):
    """A temporal property with a clause that is constantly TRUE (TLC: "Temporal
    formula is a tautology (its negation is unsatisfiable).", exit 77)."""

    exit_code = 77


class ConfigSyntaxError(ConfigError):
    """A configuration TLC cannot read (its parser's exception: "TLC threw an
    unexpected exception", exit 255); a name it reads but cannot resolve
    stays a :class:`ConfigError` (151)."""

    exit_code = 255


class Unsupported(TlaError):
    """A construct outside the checker's scope: ``[file:line:col: ]unsupported: what``.

    Raised deep in the compiler without a location; the first enclosing
    compile step that knows the syntax tree node calls :meth:`locate`.
    """

    exit_code = 150

    def __init__(
        self, what: str, file: str | None = None, line: int | None = None, col: int | None = None
    ) -> None:
        self.what = what
        self.file = file
        self.line = line
        self.col = col
        super().__init__(self._text())

    def _text(self) -> str:
        where = f"{self.file}:{self.line}:{self.col}: " if self.file is not None else ""
        return f"{where}unsupported: {self.what}"

    def located(self) -> bool:
        return self.file is not None

    def locate(self, file: str, line: int | None, col: int | None) -> None:
        """Attach the place the construct was found (kept if already set)."""
        if self.file is None:
            self.file, self.line, self.col = file, line, col
            self.args = (self._text(),)


class TlcAssertionError(ValueError):
    """``Assert(FALSE, msg)``: an evaluation error, which TLC reports with exit code 14
    (``assertion`` on the :class:`EvalError` that locates it) outside the initial states
    and the invariants."""


class EvalError(TlaError):
    """Evaluation failed (CHOOSE from {}, f[x] outside DOMAIN f, 1 + "a", ...)."""

    exit_code = 75
    # An Assert whose first argument was FALSE (TLC's exit code depends on it).
    assertion = False
    # Raised where TLC's standard modules check their arguments themselves
    # (\div by 0, an overflow, Head(<< >>), "a" < 1, ...): TLC reports those
    # with their own message, and while computing successors it stops with its
    # general error, exit 255, where an error it did not foresee ("TLC threw an
    # unexpected exception": 1 + "a", f[x] outside DOMAIN f) is 75.
    tlc_module = False

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


class IncompleteSuccessor(EvalError):
    """An action left some primed variables unassigned.

    TLC shows the half-built successor as the trace's last state (its unset
    variables print as ``null``), so the error keeps it.
    """

    def __init__(self, message: str, partial: tuple[object, ...]) -> None:
        self.partial = partial
        super().__init__(message)
