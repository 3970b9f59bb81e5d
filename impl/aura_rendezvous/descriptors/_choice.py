"""The descriptor choice of DESIGN.md 2, independent of arrival order.

:func:`choose_descriptor` is one of the pure functions the Z3 models prove
properties of (with the window rules of ``_window``).
"""

from __future__ import annotations

from collections.abc import Iterable
from collections.abc import Set as AbstractSet

from aura_rendezvous.core import AuthorityId, ContextId
from aura_rendezvous.descriptors._descriptor import RendezvousDescriptor, is_valid_at

__all__ = ["choose_descriptor"]


def choose_descriptor(
    candidates: Iterable[RendezvousDescriptor],
    context_id: ContextId,
    authority_id: AuthorityId,
    now: int,
    revoked: AbstractSet[tuple[AuthorityId, bytes]] = frozenset(),
) -> RendezvousDescriptor | None:
    """DESIGN.md 2: of ``authority_id``'s descriptors *of ``context_id``*, the valid,
    non-revoked one with the greatest ``(valid_from, nonce)``; ``None`` if none.

    The result does not depend on the order of ``candidates`` (never "last arrived").
    """
    best: RendezvousDescriptor | None = None
    for d in candidates:
        if d.context_id != context_id or d.authority_id != authority_id:
            continue
        if not is_valid_at(d, now) or (d.authority_id, d.nonce) in revoked:
            continue
        if best is None or d.order_key > best.order_key:
            best = d
        elif d.order_key == best.order_key and d != best and d.encode() > best.encode():
            # Equal (valid_from, nonce) only arises from a forged or buggy publisher;
            # the encoding breaks the tie so the choice stays order-independent.
            best = d
    return best
