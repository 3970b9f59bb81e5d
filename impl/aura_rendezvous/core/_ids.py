"""Identifiers and epochs of the rendezvous core.

``AuthorityId`` and ``ContextId`` are 32 opaque bytes (DESIGN.md 1); an epoch
is a u64 that never wraps (its ranges are checked in ``_validators``).
"""

from __future__ import annotations

from typing import Any

import attrs

from aura_rendezvous.core._errors import LocalProtocolError, ValueRangeError
from aura_rendezvous.core._validators import U64_MAX, check_u64

__all__ = [
    "ID_LEN",
    "AuthorityId",
    "ContextId",
    "epoch_bytes",
    "is_authority",
    "is_context",
    "next_epoch",
]

ID_LEN = 32


def epoch_bytes(epoch: int) -> bytes:
    """The epoch as 8 bytes big-endian (the form DESIGN.md 1 puts in HKDF ``info``)."""
    return check_u64("epoch", epoch).to_bytes(8, "big")


def next_epoch(epoch: int) -> int:
    """``epoch + 1``; the last u64 epoch has no successor (an error, not a wrap)."""
    if check_u64("epoch", epoch) == U64_MAX:
        raise ValueRangeError("epoch 2**64-1 has no successor")
    return epoch + 1


def _id_bytes(inst: Any, attribute: attrs.Attribute[bytes], value: bytes) -> None:
    if not isinstance(value, bytes):
        raise LocalProtocolError(
            f"{type(inst).__name__}.{attribute.name} must be bytes, got {type(value).__name__}"
        )
    if len(value) != ID_LEN:
        raise LocalProtocolError(f"{type(inst).__name__} must be {ID_LEN} bytes, got {len(value)}")


# Ids key every dict on the handshake path (budgets, journals, rosters); caching
# the hash keeps a lookup from re-hashing a fresh tuple each time.
@attrs.frozen(order=True, cache_hash=True)
class AuthorityId:
    """An authority: 32 opaque bytes. Ordered by bytes, so choices are deterministic."""

    value: bytes = attrs.field(validator=_id_bytes)

    def hex(self) -> str:
        return self.value.hex()

    def __str__(self) -> str:
        return f"authority:{self.value[:4].hex()}"


@attrs.frozen(order=True, cache_hash=True)
class ContextId:
    """A relational context: 32 opaque bytes."""

    value: bytes = attrs.field(validator=_id_bytes)

    def hex(self) -> str:
        return self.value.hex()

    def __str__(self) -> str:
        return f"context:{self.value[:4].hex()}"


def is_authority(inst: object, attribute: attrs.Attribute[AuthorityId], value: object) -> None:
    """attrs validator: the field holds an :class:`AuthorityId` (not raw bytes)."""
    if not isinstance(value, AuthorityId):
        raise LocalProtocolError(
            f"{type(inst).__name__}.{attribute.name} must be an AuthorityId, "
            f"got {type(value).__name__}"
        )


def is_context(inst: object, attribute: attrs.Attribute[ContextId], value: object) -> None:
    """attrs validator: the field holds a :class:`ContextId` (not raw bytes)."""
    if not isinstance(value, ContextId):
        raise LocalProtocolError(
            f"{type(inst).__name__}.{attribute.name} must be a ContextId, "
            f"got {type(value).__name__}"
        )
