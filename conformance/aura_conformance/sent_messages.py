"""The bytes a backend says it sent, checked: is each message what its record claims?

A spec machine that reads a backend's state alone could be passed by a program
that reports the right records and sends nothing real. So a backend reports,
with each send, the message's spec record and its bytes (the ``message`` and
``bytes`` of a reported ``Send`` effect), and the harness holds the bytes to
the record:

- the header: the version and type byte say the record's type (message 1,
  message 2, transport), a handshake message's clear epoch is the record's;
- a message 1 is handed to a reference responder of the wire mode
  (:class:`~aura_conformance.wire.authority.WireAuthority`) that holds the
  responder's static key and the roster: it must answer it, which takes a real
  ``Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s`` message 1 from the claimed
  initiator's static key, to the responder's, with the prologue of the
  context and epoch (IKpsk2 mixes the PSK in at message 2, so message 1 does
  not show which PSK the initiator holds);
- a relay envelope decodes, names the record's context, source and final
  destination, and carries a payload of the record's type.

A message 2 or a transport message is sealed to keys only its two parties
hold, so its header is what the harness can check.
"""

from __future__ import annotations

import functools

from aura_rendezvous import DecodeError, RelayEnvelope
from aura_rendezvous.channels import (
    MessageType,
    TransportMessage,
    decode_handshake,
    message_type,
)
from aura_rendezvous.noise import Keypair

from aura_conformance.wire.authority import WireAuthority
from aura_conformance.wire.keyring import INI, RESP, Keyring

__all__ = ["KINDS", "check_envelope", "check_message", "opens_as_message_1"]

# A spec record's type -> the message type its bytes must have (None: anything else).
KINDS: dict[str, MessageType | None] = {
    "Init": MessageType.HandshakeInit,
    "Resp": MessageType.HandshakeResponse,
    "Data": MessageType.Transport,
    "Confirm": MessageType.Transport,
    "Junk": None,
}


def opens_as_message_1(data: bytes, keys: Keyring, epoch: int) -> bool:
    """A fresh reference responder at ``epoch`` answers ``data``: a genuine message 1
    from the initiator's static key, to the responder's, with the prologue of the
    context and epoch."""
    ini, resp = keys.members[INI], keys.members[RESP]
    return _answers(
        data,
        epoch,
        (keys.context_id, keys.root_secret),
        (resp.authority_id, resp.static.private),
        (ini.authority_id, ini.static.public),
    )


# A pure function of its arguments; runs replay the same worlds, so the same
# message 1s come back run after run.
@functools.lru_cache(maxsize=4096)
def _answers(
    data: bytes,
    epoch: int,
    context: tuple[bytes, bytes],
    responder: tuple[bytes, bytes],
    initiator: tuple[bytes, bytes],
) -> bool:
    """``context`` is (id, root secret); ``responder`` (id, static private key);
    ``initiator`` (id, static public key)."""
    reference = WireAuthority(
        context_id=context[0],
        root_secret=context[1],
        authority_id=responder[0],
        static=Keypair.from_private(responder[1]),
        peer_id=initiator[0],
        peer_static=initiator[1],
    )
    for _ in range(epoch):
        reference.advance_epoch()
    # At time 0 every honest timestamp (a handshake id, a small clock) is in bounds.
    return reference.deliver(data, 0).outcome == "Answered"


def _header(data: bytes, kind: str, epoch: int | None) -> str | None:
    expected = KINDS.get(kind)
    try:
        got = message_type(data)
    except DecodeError as exc:
        return None if expected is None else f"its bytes are no wire message ({exc})"
    if expected is None:
        return f"its bytes are a {got.name} message, not junk"
    if got is not expected:
        return f"its bytes are a {got.name} message, not {expected.name}"
    try:
        if got is MessageType.Transport:
            clear = TransportMessage.decode(data).epoch
        else:
            clear = decode_handshake(data, got).epoch
    except DecodeError as exc:
        return f"its bytes do not decode ({exc})"
    if epoch is not None and clear != epoch:
        return f"its clear epoch is {clear}, the record's {epoch}"
    return None


def check_message(data: bytes, kind: str, epoch: int, keys: Keyring) -> str | None:
    """What is wrong with ``data`` sent as a message of type ``kind`` and ``epoch``
    (None: the bytes are that message)."""
    wrong = _header(data, kind, epoch)
    if wrong is None and kind == "Init" and not opens_as_message_1(data, keys, epoch):
        wrong = "a reference responder does not answer it"
    return wrong


def check_envelope(
    data: bytes, *, context: bytes, src: bytes, to: bytes, kind: str, keys: Keyring, epoch: int
) -> str | None:
    """What is wrong with the relay envelope ``data`` sent as the record
    (``kind`` from ``src`` for ``to`` in ``context``); None when nothing is."""
    try:
        envelope = RelayEnvelope.decode(data)
    except DecodeError as exc:
        return f"its bytes are no relay envelope ({exc})"
    named = (envelope.context_id.value, envelope.src.value, envelope.dst.value)
    if named != (context, src, to):
        return "its envelope names another context, source or destination than the record"
    # The relayed handshake's epoch is the implementation's, not the record's.
    wrong = _header(envelope.payload, kind, None)
    if wrong is None and kind == "Init" and not opens_as_message_1(envelope.payload, keys, epoch):
        wrong = "a reference responder does not answer its message 1"
    return None if wrong is None else f"its payload: {wrong}"
