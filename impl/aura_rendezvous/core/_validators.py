"""Integer ranges and the attrs validators every value of the package uses.

Epochs, times (ms), budgets, nonces and counters are u64, costs u32: every
value that crosses an API or a wire format is range-checked with these, so an
overflow is a typed error and never a silently wrapped number. The attrs
validators take ``(instance, attribute, value)`` and name the field they refuse
as ``Class.field``.
"""

from __future__ import annotations

from collections.abc import Callable

import attrs

from aura_rendezvous.core._errors import LocalProtocolError, ValueRangeError

__all__ = [
    "U32_MAX",
    "U64_MAX",
    "check_u32",
    "check_u64",
    "fixed_bytes",
    "optional_fixed_bytes",
    "positive",
    "u32",
    "u64",
]

U64_MAX = 2**64 - 1
U32_MAX = 2**32 - 1


def check_u64(name: str, value: int) -> int:
    """``value`` if it is an ``int`` in ``[0, 2**64)``; else :class:`ValueRangeError`."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueRangeError(f"{name} must be an int, got {type(value).__name__}")
    if not 0 <= value <= U64_MAX:
        raise ValueRangeError(f"{name}={value} is outside u64")
    return value


def check_u32(name: str, value: int) -> int:
    """``value`` if it is an ``int`` in ``[0, 2**32)``; else :class:`ValueRangeError`."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueRangeError(f"{name} must be an int, got {type(value).__name__}")
    if not 0 <= value <= U32_MAX:
        raise ValueRangeError(f"{name}={value} is outside u32")
    return value


def u64(inst: object, attribute: attrs.Attribute[int], value: int) -> None:
    """attrs validator: the field is a u64."""
    # Accepted inline, one Python frame per field and message (the transport
    # path builds several per message); a rejection takes check_u64's messages.
    if type(value) is not int or not 0 <= value <= U64_MAX:
        check_u64(f"{type(inst).__name__}.{attribute.name}", value)


def u32(inst: object, attribute: attrs.Attribute[int], value: int) -> None:
    """attrs validator: the field is a u32."""
    if type(value) is not int or not 0 <= value <= U32_MAX:
        check_u32(f"{type(inst).__name__}.{attribute.name}", value)


def positive(inst: object, attribute: attrs.Attribute[int], value: int) -> None:
    """attrs validator: the field is an int above zero (a duration, a timeout)."""
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ValueRangeError(
            f"{type(inst).__name__}.{attribute.name} must be positive, got {value!r}"
        )


def fixed_bytes(
    length: int, error: type[LocalProtocolError] = ValueRangeError
) -> Callable[[object, attrs.Attribute[bytes], object], None]:
    """attrs validator: the field is ``bytes`` of exactly ``length`` (else ``error``).

    The default error is both a ``LocalProtocolError`` and a ``ValueError``; a
    layer with its own invariant error (descriptors) passes that instead.
    """

    def check(inst: object, attribute: attrs.Attribute[bytes], value: object) -> None:
        if not isinstance(value, bytes) or len(value) != length:
            raise error(f"{attribute.name} must be {length} bytes")

    return check


def optional_fixed_bytes(
    length: int,
) -> Callable[[object, attrs.Attribute[bytes | None], object], None]:
    """attrs validator: ``None`` or ``bytes`` of exactly ``length``."""

    def check(inst: object, attribute: attrs.Attribute[bytes | None], value: object) -> None:
        if value is not None and (not isinstance(value, bytes) or len(value) != length):
            raise ValueRangeError(f"{attribute.name} must be {length} bytes or None")

    return check
