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

__all__ = ["MAX_FORWARDED_PER_EPOCH", "MAX_RELAY_PAYLOAD", "ForwardedEnvelopes", "RelayEnvelope"]

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


class ForwardedEnvelopes:
    """What a relay forwarded, so that a replayed envelope is refused before the
    relay pays for it again (``RVRelayForwardsOnce``).

    The memory is per (context, epoch) and bounded: at most ``capacity`` digests of
    the encoded envelope per (context, epoch), the oldest dropped first once the
    bound is reached, and a context's older epochs dropped when a forward in a
    newer epoch is remembered (an envelope of a retired epoch is of no use to its
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
        held = self._seen.get(envelope.context_id)
        if held is not None and held[0] == epoch and self.digest(envelope) in held[1]:
            raise ReplayedEnvelope(
                f"envelope {envelope.src} -> {envelope.dst} already forwarded in epoch {epoch}"
            )

    def remember(self, envelope: RelayEnvelope, epoch: int) -> None:
        """Record ``envelope`` as forwarded in ``epoch`` (see the class for the bound)."""
        held = self._seen.get(envelope.context_id)
        if held is None or held[0] < epoch:
            held = (epoch, OrderedDict())
            self._seen[envelope.context_id] = held
        elif held[0] > epoch:
            return  # an older epoch's envelope: the check above never asks for it
        digests = held[1]
        digests[self.digest(envelope)] = None
        while len(digests) > self.capacity:
            digests.popitem(last=False)

    def __len__(self) -> int:
        return sum(len(d) for _, d in self._seen.values())
