"""The relayed choreography's two local rules (seed 5.2): which relay to try, and what a
relay agrees to forward.

A relay sees an envelope's context id, source and destination (the choreography's
``leak = "neighbor:1"``) and the clear header of the protocol message inside: its
version and type byte, and its epoch (handshake) or channel id, epoch and counter
(transport). The rest is Noise ciphertext: message 1's static key and payload
(the initiator's id and timestamp) are encrypted, message 2 is an ephemeral key
and a tag, and a transport message is AEAD ciphertext.

So the relay can check the shape of what it forwards, and must before it pays
the forward: a type this protocol has, the exact size of an IKpsk2 message 1 or
2 (a transport message: at least a header and a tag), two distinct endpoints,
neither of them the relay. Anything else is :class:`MalformedEnvelope`. And it
can read the epoch of the header (:func:`message_epoch`): it forwards only
messages of its current epoch for the context, so that what it remembers of
the epoch's forwards is all it needs to refuse a replay.
"""

from __future__ import annotations

import struct
from collections.abc import Collection

from aura_rendezvous.channels import (
    MAX_WIRE_LEN,
    HandshakeInitPayload,
    MessageType,
    encode_handshake,
    message_type,
    transport_header,
)
from aura_rendezvous.core import (
    AuthorityId,
    ContextMembership,
    DecodeError,
    MalformedEnvelope,
    RelayEnvelope,
)
from aura_rendezvous.descriptors import RendezvousDescriptor, WebSocketRelay

__all__ = [
    "HANDSHAKE_INIT_LEN",
    "HANDSHAKE_RESPONSE_LEN",
    "TRANSPORT_MIN_LEN",
    "check_relayable",
    "message_epoch",
    "relay_candidates",
]

_DH_LEN = 32  # an X25519 public key
_TAG_LEN = 16  # a ChaCha20-Poly1305 tag
_HEADER_LEN = len(encode_handshake(MessageType.HandshakeInit, 0, b""))
_INIT_PAYLOAD_LEN = len(HandshakeInitPayload(bytes(32), 0).encode())

HANDSHAKE_INIT_LEN = _HEADER_LEN + _DH_LEN + (_DH_LEN + _TAG_LEN) + (_INIT_PAYLOAD_LEN + _TAG_LEN)
"""IKpsk2 message 1 on the wire: header, e, encrypted s, encrypted payload."""
HANDSHAKE_RESPONSE_LEN = _HEADER_LEN + _DH_LEN + _TAG_LEN
"""IKpsk2 message 2 on the wire: header, e, the empty payload's tag."""
TRANSPORT_MIN_LEN = len(transport_header(bytes(32), 0, 0)) + _TAG_LEN
"""A transport message: its header and at least a tag."""

_U64 = struct.Struct(">Q")
# Where the epoch sits in each header: after version and type (a handshake
# message), after version, type and the 32-byte channel id (a transport message).
_EPOCH_AT = {
    MessageType.HandshakeInit: 2,
    MessageType.HandshakeResponse: 2,
    MessageType.Transport: 2 + 32,
}


def message_epoch(payload: bytes, kind: MessageType) -> int:
    """The epoch in the clear header of ``payload``, a protocol message of ``kind``
    whose size :func:`check_relayable` checked (so the header is all there)."""
    return int(_U64.unpack_from(payload, _EPOCH_AT[kind])[0])


def check_relayable(envelope: RelayEnvelope, relay: AuthorityId | None = None) -> MessageType:
    """The protocol message ``envelope`` carries, if ``relay`` may forward it (or,
    without ``relay``, if its receiver may read it).

    Raises :class:`MalformedEnvelope` (nothing charged, nothing sent) for an
    envelope between one authority and itself, to or from the relay, or whose
    payload is not a handshake or transport message of the protocol's size.
    """
    src, dst = envelope.src, envelope.dst
    if src == dst:
        raise MalformedEnvelope("envelope from an authority to itself")
    if relay is not None and relay in (src, dst):
        raise MalformedEnvelope("a relay forwards between two other authorities")
    payload = envelope.payload
    try:
        kind = message_type(payload, "RelayEnvelope.payload")
    except DecodeError as exc:
        raise MalformedEnvelope(f"not a protocol message: {exc}") from None
    size = len(payload)
    if kind is MessageType.HandshakeInit:
        ok = size == HANDSHAKE_INIT_LEN
    elif kind is MessageType.HandshakeResponse:
        ok = size == HANDSHAKE_RESPONSE_LEN
    else:
        ok = TRANSPORT_MIN_LEN <= size <= MAX_WIRE_LEN
    if not ok:
        raise MalformedEnvelope(f"{kind.name} of {size} bytes")
    return kind


def relay_candidates(
    desc: RendezvousDescriptor,
    membership: ContextMembership,
    local: AuthorityId,
    exclude: Collection[AuthorityId] = (),
) -> tuple[AuthorityId, ...]:
    """The relays of ``desc`` that ``local`` may try, in the descriptor's order.

    A relay is usable if it is on the context's roster (it needs ``relay:forward``
    there), is neither endpoint, and is not in ``exclude`` (the caller's relays
    that failed or dropped an earlier attempt). Each relay appears once.
    """
    out: list[AuthorityId] = []
    for hint in desc.transport_hints:
        if not isinstance(hint, WebSocketRelay):
            continue
        relay = hint.relay_authority
        if relay in out or relay in exclude or relay in (desc.authority_id, local):
            continue
        if relay in membership.roster:
            out.append(relay)
    return tuple(out)
