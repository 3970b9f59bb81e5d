"""Every ``Lookup`` judged by DescriptorValidity.tla's choice over what the backend holds.

The harness sees every genuine descriptor reach the backend (its own
``Publish``, a member's descriptor it was ``Offer``\\ ed, and, after a complete
pull, every fact of the reference peer's journal, revocations included), so
it knows the backend's replica: the spec's ``journal[m]``. A lookup must then
answer ``DVBest(m, c, p)`` (Rendezvous.tla's ``RVMustLookup``, the descriptor a
connection must use): of the peer's descriptors of this context, valid now on
the half-open window ``[valid_from, valid_until)``, not revoked by their
publisher, the greatest ``(valid_from, nonce)``. :func:`judge_lookup` names
the DescriptorValidity.tla invariant a wrong answer breaks.
"""

from __future__ import annotations

from collections.abc import Iterable

from aura_rendezvous import AuraError
from aura_rendezvous.core import AuthorityId, ContextId
from aura_rendezvous.descriptors import RendezvousDescriptor

__all__ = ["HeldFacts", "dv_best"]


def _valid_at(d: RendezvousDescriptor, now: int) -> bool:
    """DVValidAt: ``from <= now < until``."""
    return d.valid_from <= now < d.valid_until


def dv_best(
    held: Iterable[RendezvousDescriptor],
    revoked: set[tuple[bytes, bytes]],
    context: ContextId,
    peer: bytes,
    now: int,
) -> RendezvousDescriptor | None:
    """DVBest: of ``peer``'s descriptors of ``context`` in ``held``, valid at ``now``
    and not revoked, the one of greatest ``(valid_from, nonce)``."""
    candidates = [
        d
        for d in held
        if d.authority_id.value == peer
        and d.context_id == context
        and _valid_at(d, now)
        and (peer, d.nonce) not in revoked
    ]
    return max(candidates, key=lambda d: (d.valid_from, d.nonce), default=None)


class HeldFacts:
    """The descriptor facts a correct backend holds, as the harness saw them reach it."""

    def __init__(self, context: ContextId) -> None:
        self.context = context
        self.descriptors: dict[tuple[bytes, bytes], RendezvousDescriptor] = {}
        # (publisher, nonce) of each descriptor its publisher revoked.
        self.revoked: set[tuple[bytes, bytes]] = set()

    def add(self, descriptor: RendezvousDescriptor) -> None:
        self.descriptors[(descriptor.authority_id.value, descriptor.nonce)] = descriptor

    def merge(
        self,
        descriptors: Iterable[RendezvousDescriptor],
        revoked: Iterable[tuple[AuthorityId, bytes]],
    ) -> None:
        """A complete pull: every fact of the other replica is held too."""
        for d in descriptors:
            self.add(d)
        self.revoked |= {(a.value, n) for a, n in revoked}

    def best(self, peer: bytes, now: int) -> RendezvousDescriptor | None:
        return dv_best(self.descriptors.values(), self.revoked, self.context, peer, now)

    def judge(self, peer: bytes, answer: bytes | None, now: int) -> str | None:
        """Why ``answer`` (a descriptor's encoding, or none) is not the lookup the spec
        allows, naming the invariant it breaks; None when it is."""
        best = self.best(peer, now)
        if answer is None:
            if best is None:
                return None
            return (
                f"answers nothing, but it holds a valid, non-revoked descriptor (valid "
                f"[{best.valid_from}, {best.valid_until}) at now={now}) that DVBest chooses "
                "(DVOnlyPublisherRevokes: nothing hides the descriptor that must be chosen)"
            )
        try:
            d = RendezvousDescriptor.decode(answer)
        except AuraError as exc:
            return f"answers bytes that are no descriptor ({type(exc).__name__}) (DVChosenValid)"
        if d.context_id != self.context:
            return "answers a descriptor of another context (DVNoCrossContext)"
        if d.authority_id.value != peer:
            return "answers a descriptor of another authority (DVChoiceDeterministic)"
        if not _valid_at(d, now):
            return (
                f"answers a descriptor valid [{d.valid_from}, {d.valid_until}) at now={now}: "
                "outside its half-open window (DVChosenValid)"
            )
        if self.descriptors.get((peer, d.nonce)) != d:
            return "answers a descriptor no member published to it (DVFactsAttributable)"
        if (peer, d.nonce) in self.revoked:
            return (
                "answers a descriptor its publisher revoked, the revocation held since a "
                "complete pull (DVRevokedNeverChosen)"
            )
        if d != best:
            return (
                f"answers the descriptor of (valid_from {d.valid_from}), not the greatest "
                "valid, non-revoked one (DVChoiceDeterministic)"
            )
        return None
