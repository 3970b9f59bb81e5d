"""The opaque envelope of the relayed protocol (seed 5.2).

The relay sees who talks to whom inside one context (``leak = "neighbor:1"``)
and nothing else: ``payload`` is the end-to-end Noise message. It is a core
value, below the guard chain, because the relay send effects carry it.
"""

from __future__ import annotations

import attrs

from aura_rendezvous.core._encoding import Reader, Tag, Writer
from aura_rendezvous.core._errors import DecodeError, LocalProtocolError
from aura_rendezvous.core._ids import AuthorityId, ContextId, is_authority, is_context

__all__ = ["MAX_RELAY_PAYLOAD", "RelayEnvelope"]

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
