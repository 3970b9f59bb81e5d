"""The opaque envelope of the relayed protocol (seed 5.2).

The relay sees who talks to whom inside one context (``leak = "neighbor:1"``)
and nothing else: ``payload`` is the end-to-end Noise message. It is a core
value, below the guard chain, because the relay send effects carry it.
"""

from __future__ import annotations

import hashlib

import attrs

from aura_rendezvous.core._encoding import Reader, Tag, Writer
from aura_rendezvous.core._errors import (
    DecodeError,
    InsufficientBudgetError,
    LocalProtocolError,
    ReplayedEnvelope,
)
from aura_rendezvous.core._ids import AuthorityId, ContextId, is_authority, is_context

__all__ = [
    "MAX_FORWARDED_PER_EPOCH",
    "MAX_RELAY_PAYLOAD",
    "ForwardToken",
    "ForwardedEnvelopes",
    "RelayEnvelope",
]

MAX_RELAY_PAYLOAD = 65535
"""A Noise message is at most 65535 bytes."""


def _payload(inst: object, attribute: attrs.Attribute[bytes], value: bytes) -> None:
    if not isinstance(value, bytes) or len(value) > MAX_RELAY_PAYLOAD:
        raise LocalProtocolError(f"payload must be bytes of at most {MAX_RELAY_PAYLOAD}")


@attrs.frozen
class RelayEnvelope:
    context_id: ContextId = attrs.field(validator=is_context)
    src: AuthorityId = attrs.field(validator=is_authority)
    dst: AuthorityId = attrs.field(validator=is_authority)
    payload: bytes = attrs.field(validator=_payload)

    def encode(self) -> bytes:
        return (
            Writer(Tag.RELAY_ENVELOPE)
            .context(self.context_id)
            .authority(self.src)
            .authority(self.dst)
            .var(self.payload, MAX_RELAY_PAYLOAD)
            .getvalue()
        )

    @classmethod
    def decode(cls, data: bytes) -> RelayEnvelope:
        r = Reader("RelayEnvelope", data, Tag.RELAY_ENVELOPE, 2 + 96 + 4 + MAX_RELAY_PAYLOAD)
        try:
            env = cls(r.context(), r.authority(), r.authority(), r.var(MAX_RELAY_PAYLOAD))
        except DecodeError:
            raise
        except LocalProtocolError as exc:  # pragma: no cover - the reader bounds the payload
            raise r.fail(str(exc)) from None
        r.finish()
        return env


MAX_FORWARDED_PER_EPOCH = 65536
"""How many envelopes a relay forwards per (context, epoch): it remembers each
one's 32-byte digest for as long as the epoch is live, 2 MiB at most per context."""


@attrs.frozen
class ForwardToken:
    """Undoes one :meth:`ForwardedEnvelopes.record`: the digest it added, or the
    older epoch's memory it replaced."""

    context_id: ContextId
    digest: bytes | None
    replaced: tuple[int, set[bytes]] | None = attrs.field(default=None, eq=False)
    fresh: bool = False


class ForwardedEnvelopes:
    """What a relay forwarded, so that a replayed envelope is refused before the
    relay pays for it again (``RVRelayForwardsOnce``).

    ``check`` and ``full`` only read; ``record`` is the relay-memory port of the
    effect interpreter, which commits a ``RecordForward`` with the forward's
    charge and undoes it (``undo``) if the forward rolls back.

    The memory is per (context, epoch), and only the context's live epoch is
    kept: a digest is never forgotten while its epoch is live, so the relay
    forwards an envelope at most once per epoch whatever the traffic. It is
    bounded by refusing, not by forgetting: once ``capacity`` digests are held
    for a (context, epoch), the relay forwards no new envelope there (``full``
    is true and ``record`` raises :class:`InsufficientBudgetError`) until the
    context's epoch moves on. Forgetting the oldest digest instead would let a
    replay of it be forwarded, and paid for, again. The older epoch's memory is
    released when the epoch retires (:meth:`retire`, or the first record of a
    newer epoch): an envelope of a retired epoch is refused before the memory
    is asked (``StaleEnvelope``), and its receiver's channel layer refuses it
    too. So a context costs at most ``capacity`` digests, 32 bytes each.
    """

    def __init__(self, capacity: int = MAX_FORWARDED_PER_EPOCH) -> None:
        if capacity < 1:
            raise LocalProtocolError("the relay must remember at least one envelope")
        self.capacity = capacity
        self._seen: dict[ContextId, tuple[int, set[bytes]]] = {}

    @staticmethod
    def digest(envelope: RelayEnvelope) -> bytes:
        return hashlib.sha256(envelope.encode()).digest()

    def check(self, envelope: RelayEnvelope, epoch: int) -> None:
        """Raise :class:`ReplayedEnvelope` if ``envelope`` was forwarded in ``epoch``."""
        if self.holds(envelope.context_id, epoch, self.digest(envelope)):
            raise ReplayedEnvelope(
                f"envelope {envelope.src} -> {envelope.dst} already forwarded in epoch {epoch}"
            )

    def holds(self, context_id: ContextId, epoch: int, digest: bytes) -> bool:
        held = self._seen.get(context_id)
        return held is not None and held[0] == epoch and digest in held[1]

    def full(self, context_id: ContextId, epoch: int) -> bool:
        """Whether no new envelope can be forwarded in ``context_id`` at ``epoch``:
        its memory holds ``capacity`` digests (a newer epoch starts empty)."""
        held = self._seen.get(context_id)
        return held is not None and held[0] == epoch and len(held[1]) >= self.capacity

    def record(self, context_id: ContextId, epoch: int, digest: bytes) -> ForwardToken:
        """Record ``digest`` as forwarded in ``epoch`` (see the class for the bound).

        A digest already held raises :class:`ReplayedEnvelope`, and a full
        memory :class:`InsufficientBudgetError`, each changing nothing: two
        forwards of one envelope prepared before either committed are one
        forward and one replay, and of two new envelopes prepared while one
        slot was left, the second to commit rolls back.
        """
        if self.holds(context_id, epoch, digest):
            raise ReplayedEnvelope(f"envelope already forwarded in {context_id} epoch {epoch}")
        if self.full(context_id, epoch):
            raise InsufficientBudgetError(
                f"the relay forwarded {self.capacity} envelopes in {context_id} epoch {epoch}"
            )
        held = self._seen.get(context_id)
        replaced = None
        fresh = held is None
        if held is None or held[0] < epoch:
            replaced = held
            held = (epoch, set())
            self._seen[context_id] = held
        elif held[0] > epoch:
            # An envelope of a retired epoch, prepared before the epoch moved:
            # the check never asks for that epoch again.
            return ForwardToken(context_id, None)
        held[1].add(digest)
        return ForwardToken(context_id, digest, replaced, fresh)

    def undo(self, token: ForwardToken) -> None:
        """Forget what ``token``'s record did (the latest record not yet undone)."""
        if token.digest is None:
            return
        if token.fresh:
            del self._seen[token.context_id]
            return
        if token.replaced is not None:
            self._seen[token.context_id] = token.replaced
            return
        self._seen[token.context_id][1].discard(token.digest)

    def retire(self, context_id: ContextId, epoch: int) -> None:
        """The context moved to ``epoch``: release the memory of the older epochs.

        The new epoch's memory starts empty here, so that a forward of an older
        epoch committing late is not recorded over it.
        """
        held = self._seen.get(context_id)
        if held is None or held[0] < epoch:
            self._seen[context_id] = (epoch, set())

    def remember(self, envelope: RelayEnvelope, epoch: int) -> None:
        """Record ``envelope`` as forwarded in ``epoch`` at once, outside any outcome."""
        self.record(envelope.context_id, epoch, self.digest(envelope))

    def __len__(self) -> int:
        return sum(len(d) for _, d in self._seen.values())
