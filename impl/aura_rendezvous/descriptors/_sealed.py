"""Signing and sealing descriptors: how a descriptor travels (DESIGN.md 2).

Ed25519 by its publisher over a labelled canonical encoding, then
ChaCha20-Poly1305 under the context-derived descriptor key with associated data
(context id, authority id, epoch). The AEAD nonce is derived from the signed
plaintext (SIV-style): the same descriptor always seals to the same bytes,
which makes journal facts content-addressed, and two different plaintexts get
different nonces, so the core needs no randomness to seal.
"""

from __future__ import annotations

import hashlib

import attrs
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305

from aura_rendezvous.core import (
    AuthorityId,
    AuthorityKeys,
    BadSignature,
    ContextId,
    ContextMembership,
    ContextMismatchError,
    DecryptFailed,
    LocalProtocolError,
    Reader,
    Roster,
    Tag,
    Writer,
    epoch_bytes,
    is_authority,
    is_context,
    u64,
    verify_signature,
)
from aura_rendezvous.descriptors._descriptor import MAX_DESCRIPTOR_LEN, RendezvousDescriptor

__all__ = [
    "LABEL_DESCRIPTOR_SEAL_NONCE",
    "LABEL_DESCRIPTOR_SIGNATURE",
    "MAX_SEALED_LEN",
    "SealedDescriptor",
    "SignedDescriptor",
    "open_descriptor",
    "seal_descriptor",
    "sign_descriptor",
    "verify_descriptor",
]

LABEL_DESCRIPTOR_SIGNATURE = b"aura/rendezvous/v1/descriptor-signature"
LABEL_DESCRIPTOR_SEAL_NONCE = b"aura/rendezvous/v1/descriptor-seal-nonce"
MAX_SEALED_LEN = 2 + 32 + 32 + 8 + 4 + (2 + 4 + MAX_DESCRIPTOR_LEN + 64) + 16


@attrs.frozen
class SignedDescriptor:
    """A descriptor with its publisher's Ed25519 signature."""

    descriptor: RendezvousDescriptor
    signature: bytes

    def encode(self) -> bytes:
        return (
            Writer(Tag.SIGNED_DESCRIPTOR)
            .var(self.descriptor.encode(), MAX_DESCRIPTOR_LEN)
            .fixed(self.signature, 64)
            .getvalue()
        )

    @classmethod
    def decode(cls, data: bytes) -> SignedDescriptor:
        r = Reader("SignedDescriptor", data, Tag.SIGNED_DESCRIPTOR, MAX_SEALED_LEN)
        inner = r.var(MAX_DESCRIPTOR_LEN)
        signature = r.fixed(64)
        r.finish()
        return cls(RendezvousDescriptor.decode(inner), signature)


def _signed_message(descriptor: RendezvousDescriptor) -> bytes:
    return LABEL_DESCRIPTOR_SIGNATURE + descriptor.encode()


def sign_descriptor(descriptor: RendezvousDescriptor, keys: AuthorityKeys) -> SignedDescriptor:
    """Sign as the publisher; signing someone else's descriptor is a misuse."""
    if keys.authority_id != descriptor.authority_id:
        raise LocalProtocolError("only the publisher signs its descriptor")
    return SignedDescriptor(descriptor, keys.sign(_signed_message(descriptor)))


def verify_descriptor(signed: SignedDescriptor, roster: Roster) -> RendezvousDescriptor:
    """The descriptor if its publisher is a member and the signature verifies under its
    roster key; else :class:`~aura_rendezvous.NotAMember` or :class:`BadSignature`."""
    entry = roster.entry(signed.descriptor.authority_id)
    if not verify_signature(
        entry.ed25519_public, _signed_message(signed.descriptor), signed.signature
    ):
        raise BadSignature(f"descriptor of {signed.descriptor.authority_id} is not signed by it")
    return signed.descriptor


@attrs.frozen
class SealedDescriptor:
    """What the journal holds: the signed descriptor encrypted under the context key.

    Only ``context_id``, ``authority_id``, ``epoch`` and the size are visible.
    """

    context_id: ContextId = attrs.field(validator=is_context)
    authority_id: AuthorityId = attrs.field(validator=is_authority)
    epoch: int = attrs.field(validator=u64)
    ciphertext: bytes

    def associated_data(self) -> bytes:
        return self.context_id.value + self.authority_id.value + epoch_bytes(self.epoch)

    def encode(self) -> bytes:
        return (
            Writer(Tag.SEALED_DESCRIPTOR)
            .context(self.context_id)
            .authority(self.authority_id)
            .u64(self.epoch)
            .var(self.ciphertext, MAX_SEALED_LEN)
            .getvalue()
        )

    @classmethod
    def decode(cls, data: bytes) -> SealedDescriptor:
        r = Reader("SealedDescriptor", data, Tag.SEALED_DESCRIPTOR, MAX_SEALED_LEN)
        context, authority, epoch = r.context(), r.authority(), r.u64()
        ciphertext = r.var(MAX_SEALED_LEN)
        if len(ciphertext) < 12 + 16:
            raise r.fail("ciphertext shorter than nonce and tag")
        r.finish()
        return cls(context, authority, epoch, ciphertext)


def seal_descriptor(
    signed: SignedDescriptor, membership: ContextMembership, epoch: int
) -> SealedDescriptor:
    """Encrypt for the members of the descriptor's context (AD binds context, author, epoch)."""
    desc = signed.descriptor
    if desc.context_id != membership.context_id:
        raise LocalProtocolError("descriptor sealed under another context's key")
    plaintext = signed.encode()
    nonce = hashlib.blake2s(
        LABEL_DESCRIPTOR_SEAL_NONCE + plaintext, key=membership.descriptor_key(epoch)
    ).digest()[:12]
    sealed = SealedDescriptor(desc.context_id, desc.authority_id, epoch, b"")
    body = ChaCha20Poly1305(membership.descriptor_key(epoch)).encrypt(
        nonce, plaintext, sealed.associated_data()
    )
    return attrs.evolve(sealed, ciphertext=nonce + body)


def open_descriptor(
    sealed: SealedDescriptor, membership: ContextMembership
) -> RendezvousDescriptor:
    """Decrypt and verify a sealed descriptor as a member of ``membership``'s context.

    Raises :class:`ContextMismatchError` for another context's descriptor,
    :class:`DecryptFailed` for a wrong key or tampering, :class:`DecodeError` for
    a malformed plaintext, :class:`BadSignature` / ``NotAMember`` for a bad signer,
    and :class:`ContextMismatchError` if the inner descriptor names another
    context or author than its envelope.
    """
    if sealed.context_id != membership.context_id:
        raise ContextMismatchError(f"descriptor of {sealed.context_id} offered to another context")
    nonce, body = sealed.ciphertext[:12], sealed.ciphertext[12:]
    try:
        plaintext = ChaCha20Poly1305(membership.descriptor_key(sealed.epoch)).decrypt(
            nonce, body, sealed.associated_data()
        )
    except (InvalidTag, ValueError):
        raise DecryptFailed("descriptor does not decrypt under this context's key") from None
    signed = SignedDescriptor.decode(plaintext)
    desc = signed.descriptor
    if desc.context_id != sealed.context_id or desc.authority_id != sealed.authority_id:
        raise ContextMismatchError("sealed envelope and descriptor disagree on context or author")
    return verify_descriptor(signed, membership.roster)
