"""Building vectors: run the reference on each input and record what it does.

A negative case names the error class it is meant to raise; generation stops
(:class:`GenerationError`) if the reference raises another or accepts it, so
the file can never record a case that does not test what its ``why`` says.
"""

from __future__ import annotations

from typing import Any

from aura_rendezvous import AuraError

from aura_conformance.vectors._codec import ReferenceCodec
from aura_conformance.vectors._document import Vector

__all__ = ["Builder", "GenerationError", "flip", "retag", "reversion", "trailing", "truncated"]


class GenerationError(AssertionError):
    """The reference did not do what a vector under construction says it does."""


class Builder:
    """Collects the vectors of one family, each checked against the reference."""

    def __init__(self, codec: ReferenceCodec, family: str) -> None:
        self.codec = codec
        self.family = family
        self.vectors: list[Vector] = []

    def ok(self, name: str, operation: str, data: dict[str, Any], why: str = "") -> dict[str, Any]:
        """Record a positive vector; returns its output for the next ones to build on."""
        try:
            output = self.codec.run(operation, data)
        except AuraError as exc:
            raise GenerationError(f"{self.family}/{name}: reference refused: {exc!r}") from exc
        self.vectors.append(
            Vector(f"{self.family}/{name}", self.family, operation, data, output, why=why)
        )
        return output

    def bad(self, name: str, operation: str, data: dict[str, Any], error: str, why: str) -> None:
        """Record a negative vector that must raise ``error`` (checked here)."""
        try:
            self.codec.run(operation, data)
        except AuraError as exc:
            if type(exc).__name__ != error:
                raise GenerationError(
                    f"{self.family}/{name}: expected {error}, reference raised {exc!r}"
                ) from exc
            reason = getattr(exc, "reason", None)
            self.vectors.append(
                Vector(
                    f"{self.family}/{name}",
                    self.family,
                    operation,
                    data,
                    error=error,
                    reason=reason,
                    why=why,
                )
            )
            return
        raise GenerationError(f"{self.family}/{name}: reference accepted it, expected {error}")


# -- byte mutations (on hex strings, as vectors hold bytes) ------------------------------


def truncated(data: str, drop: int = 1) -> str:
    return data[: len(data) - 2 * drop]


def trailing(data: str, extra: str = "00") -> str:
    return data + extra


def flip(data: str, index: int, mask: int = 0x01) -> str:
    """``data`` with byte ``index`` (negative counts from the end) xored with ``mask``."""
    raw = bytearray(bytes.fromhex(data))
    raw[index] ^= mask
    return raw.hex()


def retag(data: str, tag: int) -> str:
    return f"{tag:02x}" + data[2:]


def reversion(data: str, version: int) -> str:
    return data[:2] + f"{version:02x}" + data[4:]
