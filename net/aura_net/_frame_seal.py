"""Direct frames sealed under the context: no routing id in clear on TCP or QUIC.

On the direct path nobody needs the routing ids but the two ends: the
responder can find the context and the sender itself. So each direct frame is
sealed: ``nonce (12) | ChaCha20-Poly1305(frame)`` under a key only the
context's members derive (HKDF of the epoch's context key, its own label, the
context id and the epoch in ``info``). The initiator seals under its context
and epoch; the responder opens message 1 by trying each context it belongs to,
at its epoch and the two next to it (a few AEAD opens), and keeps the key that
opened it for the rest of the connection. Inside is the :class:`WireFrame`
(envelope and receipt) as before. A passive observer of a direct connection
sees the addresses, the sizes and the timing, never a context id, an authority
id or a receipt. A frame that opens under no key (garbage, a non-member's,
another epoch's) is :class:`UnreadableFrame`.
"""

from __future__ import annotations

import os

from aura_rendezvous import ContextId
from aura_rendezvous.core import epoch_bytes
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from aura_net._errors import UnreadableFrame
from aura_net._node import NetNode

__all__ = ["LABEL_DIRECT_FRAME_KEY", "SEAL_OVERHEAD", "FrameSeal", "direct_frame_key"]

LABEL_DIRECT_FRAME_KEY = b"aura/rendezvous/v1/direct-frame-key"
_NONCE_LEN, _TAG_LEN = 12, 16
SEAL_OVERHEAD = _NONCE_LEN + _TAG_LEN
_AD = b"aura/rendezvous/v1/direct-frame"


def direct_frame_key(context_key: bytes, context_id: ContextId, epoch: int) -> bytes:
    """The direct-frame key of ``context_id`` at ``epoch`` (from that epoch's context key)."""
    return HKDF(
        algorithm=hashes.SHA256(),
        length=32,
        salt=LABEL_DIRECT_FRAME_KEY,
        info=context_id.value + epoch_bytes(epoch),
    ).derive(context_key)


class FrameSeal:
    """One connection's sealing: fixed by the initiator, found by the responder."""

    def __init__(self, node: NetNode, context_id: ContextId | None = None) -> None:
        self.node = node
        self._aead: ChaCha20Poly1305 | None = None
        if context_id is not None:
            self._aead = ChaCha20Poly1305(self._key(context_id, node.epoch(context_id)))

    def _key(self, context_id: ContextId, epoch: int) -> bytes:
        membership = self.node.service.membership(context_id)
        if membership is None:
            raise UnreadableFrame(f"{self.node.id} is not in {context_id}")
        return direct_frame_key(membership.context_key(epoch), context_id, epoch)

    def seal(self, frame: bytes) -> bytes:
        if self._aead is None:
            raise UnreadableFrame("the responder seals only once a frame told it the context")
        nonce = os.urandom(_NONCE_LEN)
        return nonce + self._aead.encrypt(nonce, frame, _AD)

    def open(self, data: bytes) -> bytes:
        """The frame inside ``data``; on a connection's first frame, the responder
        finds the key that opens it among its contexts."""
        if len(data) < SEAL_OVERHEAD:
            raise UnreadableFrame("shorter than a sealed frame")
        nonce, body = data[:_NONCE_LEN], data[_NONCE_LEN:]
        if self._aead is not None:
            try:
                return self._aead.decrypt(nonce, body, _AD)
            except InvalidTag:
                raise UnreadableFrame(
                    "a frame that does not open under the connection's key"
                ) from None
        for aead in self._candidates():
            try:
                frame = aead.decrypt(nonce, body, _AD)
            except InvalidTag:
                continue
            self._aead = aead
            return frame
        raise UnreadableFrame("a first frame that opens under none of our contexts' keys")

    def _candidates(self) -> list[ChaCha20Poly1305]:
        out = []
        for context_id in self.node.service.journals:
            if self.node.service.membership(context_id) is None:
                continue
            current = self.node.epoch(context_id)
            for epoch in (current, current + 1, current - 1):
                if epoch >= 0:
                    out.append(ChaCha20Poly1305(self._key(context_id, epoch)))
        return out
