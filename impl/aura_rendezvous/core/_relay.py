"""The opaque envelope of the relayed protocol (seed 5.2).

The relay sees who talks to whom inside one context (``leak = "neighbor:1"``)
and nothing else: ``payload`` is the end-to-end Noise message. It is a core
value, below the guard chain, because the relay send effects carry it.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict

import attrs

from aura_rendezvous.core._encoding import Reader, Tag, Writer
from aura_rendezvous.core._errors import DecodeError, LocalProtocolError, ReplayedEnvelope
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
"""How many envelopes a relay remembers per (context, epoch): 32-byte digests,
2 MiB at most per context."""


@attrs.frozen
class ForwardToken:
    """Undoes one :meth:`ForwardedEnvelopes.record`: the digest it added, the digests
    the bound evicted for it, or the older epoch's memory it replaced."""

    context_id: ContextId
    digest: bytes | None
    evicted: tuple[bytes, ...] = ()
    replaced: tuple[int, OrderedDict[bytes, None]] | None = attrs.field(default=None, eq=False)
    fresh: bool = False


class ForwardedEnvelopes:
    """What a relay forwarded, so that a replayed envelope is refused before the
    relay pays for it again (``RVRelayForwardsOnce``).

    ``check`` only reads; ``record`` is the relay-memory port of the effect
    interpreter, which commits a ``RecordForward`` with the forward's charge and
    undoes it (``undo``) if the forward rolls back.

    The memory is per (context, epoch) and bounded: at most ``capacity`` digests of
    the encoded envelope per (context, epoch), the oldest dropped first once the
    bound is reached, and a context's older epochs dropped when a forward in a
    newer epoch is recorded (an envelope of a retired epoch is of no use to its
    receiver, whose channel layer refuses it). So a replay of an envelope older
    than the last ``capacity`` forwards of its epoch is forwarded, and paid for,
    once more; the receiver's own replay guard and nonce window still refuse it.
    """

    def __init__(self, capacity: int = MAX_FORWARDED_PER_EPOCH) -> None:
        if capacity < 1:
            raise LocalProtocolError("the relay must remember at least one envelope")
        self.capacity = capacity
        self._seen: dict[ContextId, tuple[int, OrderedDict[bytes, None]]] = {}

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

    def record(self, context_id: ContextId, epoch: int, digest: bytes) -> ForwardToken:
        """Record ``digest`` as forwarded in ``epoch`` (see the class for the bound).

        A digest already held raises :class:`ReplayedEnvelope` and changes nothing:
        two forwards of one envelope prepared before either committed are one
        forward and one replay.
        """
        if self.holds(context_id, epoch, digest):
            raise ReplayedEnvelope(f"envelope already forwarded in {context_id} epoch {epoch}")
        held = self._seen.get(context_id)
        replaced = None
        fresh = held is None
        if held is None or held[0] < epoch:
            replaced = held
            held = (epoch, OrderedDict())
            self._seen[context_id] = held
        elif held[0] > epoch:
            # An older epoch's envelope: the check never asks for it again.
            return ForwardToken(context_id, None)
        digests = held[1]
        digests[digest] = None
        evicted = []
        while len(digests) > self.capacity:
            evicted.append(digests.popitem(last=False)[0])
        return ForwardToken(context_id, digest, tuple(evicted), replaced, fresh)

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
        digests = self._seen[token.context_id][1]
        digests.pop(token.digest, None)
        for digest in reversed(token.evicted):
            digests[digest] = None
            digests.move_to_end(digest, last=False)

    def remember(self, envelope: RelayEnvelope, epoch: int) -> None:
        """Record ``envelope`` as forwarded in ``epoch`` at once, outside any outcome."""
        self.record(envelope.context_id, epoch, self.digest(envelope))

    def __len__(self) -> int:
        return sum(len(d) for _, d in self._seen.values())
