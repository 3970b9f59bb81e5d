"""Rendezvous descriptors (seed 4.2, DESIGN.md 2): the value, its encoding and builder.

A descriptor travels only signed and then sealed (``_sealed``); its pure rules
(validity window, choice) live in ``_window`` and ``_choice``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import attrs

from aura_rendezvous.core import (
    AuthorityId,
    ContextId,
    DecodeError,
    InvalidDescriptor,
    LocalProtocolError,
    Reader,
    Tag,
    Writer,
    fixed_bytes,
    is_authority,
    is_context,
    u64,
)
from aura_rendezvous.descriptors._hints import (
    HINT_TYPES,
    MAX_ADDR_LEN,
    TransportHint,
    decode_hint,
    write_hint,
)
from aura_rendezvous.descriptors._window import build_window, window_contains

__all__ = [
    "MAX_DESCRIPTOR_LEN",
    "MAX_HINTS",
    "RendezvousDescriptor",
    "build_descriptor",
    "is_valid_at",
]

MAX_HINTS = 16
MAX_DESCRIPTOR_LEN = 2 + 32 + 32 + 4 + MAX_HINTS * (1 + 2 * (4 + MAX_ADDR_LEN)) + 32 + 8 + 8 + 32


def _hints(value: Iterable[TransportHint]) -> tuple[TransportHint, ...]:
    return tuple(value)


def _check_hints(
    inst: object, attribute: attrs.Attribute[tuple[TransportHint, ...]], value: tuple[object, ...]
) -> None:
    if len(value) > MAX_HINTS:
        raise InvalidDescriptor(f"at most {MAX_HINTS} transport hints, got {len(value)}")
    for hint in value:
        if not isinstance(hint, HINT_TYPES):
            raise InvalidDescriptor(f"not a transport hint: {type(hint).__name__}")


_b32 = fixed_bytes(32, InvalidDescriptor)


@attrs.frozen
class RendezvousDescriptor:
    """A publisher's transport endpoints for one context, valid in ``[valid_from, valid_until)``.

    The constructor refuses an empty window; :func:`build_descriptor` builds one
    from ``now`` and a validity with overflow checks.
    """

    authority_id: AuthorityId = attrs.field(validator=is_authority)
    context_id: ContextId = attrs.field(validator=is_context)
    transport_hints: tuple[TransportHint, ...] = attrs.field(
        converter=_hints, validator=_check_hints
    )
    handshake_psk_commitment: bytes = attrs.field(validator=_b32)
    valid_from: int = attrs.field(validator=u64)
    valid_until: int = attrs.field(validator=u64)
    nonce: bytes = attrs.field(validator=_b32)

    def __attrs_post_init__(self) -> None:
        if self.valid_until <= self.valid_from:
            raise InvalidDescriptor(
                f"valid_until ({self.valid_until}) must exceed valid_from ({self.valid_from})"
            )

    @property
    def order_key(self) -> tuple[int, bytes]:
        """The choice order of DESIGN.md 2: ``(valid_from, nonce)``."""
        return (self.valid_from, self.nonce)

    def has_direct_transport(self) -> bool:
        return any(h.is_direct for h in self.transport_hints)

    def encode(self) -> bytes:
        w = Writer(Tag.DESCRIPTOR).authority(self.authority_id).context(self.context_id)
        w.u32(len(self.transport_hints))
        for hint in self.transport_hints:
            write_hint(w, hint)
        w.fixed(self.handshake_psk_commitment, 32).u64(self.valid_from).u64(self.valid_until)
        return w.fixed(self.nonce, 32).getvalue()

    @classmethod
    def decode(cls, data: bytes) -> RendezvousDescriptor:
        """Strictly decode; any malformation is a :class:`DecodeError`."""
        r = Reader("RendezvousDescriptor", data, Tag.DESCRIPTOR, MAX_DESCRIPTOR_LEN)
        try:
            authority, context = r.authority(), r.context()
            hints = [decode_hint(r) for _ in range(r.count(MAX_HINTS))]
            desc = cls(authority, context, hints, r.fixed(32), r.u64(), r.u64(), r.fixed(32))
        except DecodeError:
            raise
        except LocalProtocolError as exc:
            raise r.fail(str(exc)) from None
        r.finish()
        return desc


def is_valid_at(descriptor: RendezvousDescriptor, now: int) -> bool:
    """The descriptor is valid at ``now`` (half-open window, ``valid_until`` exclusive)."""
    return window_contains(descriptor.valid_from, descriptor.valid_until, now)


def build_descriptor(
    authority_id: AuthorityId,
    context_id: ContextId,
    *,
    transport_hints: Sequence[TransportHint],
    handshake_psk_commitment: bytes,
    now_ms: int,
    validity_ms: int,
    nonce: bytes,
) -> RendezvousDescriptor:
    """A descriptor valid in ``[now_ms, now_ms + validity_ms)``; overflow is an error."""
    valid_from, valid_until = build_window(now_ms, validity_ms)
    return RendezvousDescriptor(
        authority_id,
        context_id,
        tuple(transport_hints),
        handshake_psk_commitment,
        valid_from,
        valid_until,
        nonce,
    )
