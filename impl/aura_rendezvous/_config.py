"""``RendezvousConfig``: one authority's keys, contexts and injected randomness (seed 10)."""

from __future__ import annotations

from collections.abc import Callable, Iterable

import attrs

from aura_rendezvous.core import (
    MAX_FORWARDED_PER_EPOCH,
    AuthorityKeys,
    ContextMembership,
    LocalProtocolError,
    positive,
    u64,
)

__all__ = ["RendezvousConfig"]


def _memberships(value: Iterable[ContextMembership]) -> tuple[ContextMembership, ...]:
    try:
        return tuple(value)
    except TypeError:
        raise LocalProtocolError(
            f"RendezvousConfig.memberships must be iterable, got {type(value).__name__}"
        ) from None


def _keys(inst: object, attribute: attrs.Attribute[AuthorityKeys], value: object) -> None:
    if not isinstance(value, AuthorityKeys):
        raise LocalProtocolError(
            f"RendezvousConfig.keys must be AuthorityKeys, got {type(value).__name__}"
        )


def _membership_items(
    inst: object,
    attribute: attrs.Attribute[tuple[ContextMembership, ...]],
    value: tuple[object, ...],
) -> None:
    for item in value:
        if not isinstance(item, ContextMembership):
            raise LocalProtocolError(
                "RendezvousConfig.memberships must hold ContextMembership values, "
                f"got {type(item).__name__}"
            )


def _callable(
    inst: object, attribute: attrs.Attribute[Callable[[int], bytes]], value: object
) -> None:
    if not callable(value):
        raise LocalProtocolError(f"RendezvousConfig.{attribute.name} must be callable")


@attrs.frozen
class RendezvousConfig:
    """Keys, contexts and injected randomness of one authority's service.

    Every field is checked on construction (a typed :class:`LocalProtocolError`
    naming the field): the durations are u64 milliseconds, as on the wire, and
    the descriptor validity is positive.
    """

    keys: AuthorityKeys = attrs.field(validator=_keys)
    memberships: tuple[ContextMembership, ...] = attrs.field(
        converter=_memberships, validator=_membership_items
    )
    nonce_source: Callable[[int], bytes] = attrs.field(eq=False, repr=False, validator=_callable)
    # A zero validity would make every publication fail later (an empty window);
    # refusing it here names the config field instead of a publish call.
    descriptor_validity_ms: int = attrs.field(default=3_600_000, validator=[u64, positive])
    refresh_window_ms: int = attrs.field(default=300_000, validator=u64)
    # As a relay: how many envelopes it forwards per (context, epoch), each one's
    # digest held while the epoch is live (core.ForwardedEnvelopes); past it the
    # relay denies new forwards there until the epoch moves on.
    relay_forward_capacity: int = attrs.field(
        default=MAX_FORWARDED_PER_EPOCH, validator=[u64, positive]
    )
