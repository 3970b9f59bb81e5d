"""Sync messages authenticated to their context (DESIGN.md 3 and 7).

Only members can read or write a context's journal, so a sync message travels
sealed: its sender signs it with its Ed25519 key (checked against the roster,
so no member can speak as another), and the signed message is encrypted with
ChaCha20-Poly1305 under a key derived from the epoch's context key with its
own label (so a non-member can neither read it nor forge one). Only the
context id, the epoch and the size are visible. As for descriptors, the AEAD
nonce comes from the plaintext (SIV-style): sealing needs no randomness, and
two equal messages seal to equal bytes, which reveals nothing a replay would
not; a replayed message is harmless, since merging is idempotent.

The receiver accepts any epoch: every epoch's key comes from the root secret,
which only members hold, and members at different epochs must still converge.

Before any entry of an opened :class:`SyncFacts` touches the journal, every
entry is checked (:func:`check_sync_entries`): the whole message is refused if
one entry is stamped beyond the clock's bound or carries no member's
signature. A message is signed by one member as a whole, so one hostile entry
makes the message hostile; honest senders only forward entries they checked.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

import attrs
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305

from aura_rendezvous.core import (
    AuthorityKeys,
    BadSignature,
    ContextId,
    ContextMembership,
    ContextMismatchError,
    DecryptFailed,
    LocalProtocolError,
    Reader,
    Tag,
    Writer,
    epoch_bytes,
    is_context,
    u64,
    verify_signature,
)
from aura_rendezvous.journal._facts import verify_fact
from aura_rendezvous.journal._journal import ContextJournal, JournalEntry
from aura_rendezvous.journal._sync import (
    _MAX_DIGEST_LEN,
    _MAX_FACTS_LEN,
    SyncMessage,
    decode_sync_message,
)

__all__ = [
    "LABEL_SYNC_SEAL_NONCE",
    "LABEL_SYNC_SIGNATURE",
    "MAX_SEALED_SYNC_LEN",
    "SealedSyncMessage",
    "check_sync_entries",
    "open_sync_message",
    "seal_sync_message",
]

LABEL_SYNC_SIGNATURE = b"aura/rendezvous/v1/sync-signature"
LABEL_SYNC_SEAL_NONCE = b"aura/rendezvous/v1/sync-seal-nonce"
_NONCE_LEN, _TAG_LEN, _SIG_LEN = 12, 16, 64
MAX_SEALED_SYNC_LEN = (
    2 + 32 + 8 + 4 + _NONCE_LEN + _SIG_LEN + max(_MAX_DIGEST_LEN, _MAX_FACTS_LEN) + _TAG_LEN
)


@attrs.frozen
class SealedSyncMessage:
    """A sync message as it travels: signed by its sender, sealed under the sync key."""

    context_id: ContextId = attrs.field(validator=is_context)
    epoch: int = attrs.field(validator=u64)
    ciphertext: bytes

    def associated_data(self) -> bytes:
        return Tag.SEALED_SYNC.to_bytes(1, "big") + self.context_id.value + epoch_bytes(self.epoch)

    def encode(self) -> bytes:
        return (
            Writer(Tag.SEALED_SYNC)
            .context(self.context_id)
            .u64(self.epoch)
            .var(self.ciphertext, MAX_SEALED_SYNC_LEN)
            .getvalue()
        )

    @classmethod
    def decode(cls, data: bytes) -> SealedSyncMessage:
        r = Reader("SealedSyncMessage", data, Tag.SEALED_SYNC, MAX_SEALED_SYNC_LEN)
        context, epoch = r.context(), r.u64()
        ciphertext = r.var(MAX_SEALED_SYNC_LEN)
        if len(ciphertext) < _NONCE_LEN + _TAG_LEN + _SIG_LEN:
            raise r.fail("ciphertext shorter than nonce, signature and tag")
        r.finish()
        return cls(context, epoch, ciphertext)


def _signed_message(context_id: ContextId, epoch: int, inner: bytes) -> bytes:
    return LABEL_SYNC_SIGNATURE + context_id.value + epoch_bytes(epoch) + inner


def seal_sync_message(
    message: SyncMessage, keys: AuthorityKeys, membership: ContextMembership, epoch: int
) -> SealedSyncMessage:
    """Sign ``message`` as its sender and seal it for the members of its context."""
    if message.sender != keys.authority_id:
        raise LocalProtocolError("a sync message is sealed by its own sender")
    if message.context_id != membership.context_id:
        raise LocalProtocolError("sync message sealed under another context's key")
    inner = message.encode()
    signature = keys.sign(_signed_message(message.context_id, epoch, inner))
    plaintext = signature + inner
    key = membership.sync_key(epoch)
    nonce = hashlib.blake2s(LABEL_SYNC_SEAL_NONCE + plaintext, key=key).digest()[:_NONCE_LEN]
    sealed = SealedSyncMessage(message.context_id, epoch, b"")
    body = ChaCha20Poly1305(key).encrypt(nonce, plaintext, sealed.associated_data())
    return attrs.evolve(sealed, ciphertext=nonce + body)


def open_sync_message(sealed: SealedSyncMessage, membership: ContextMembership) -> SyncMessage:
    """Decrypt and authenticate a sync message as a member of ``membership``'s context.

    Raises :class:`ContextMismatchError` for another context's message,
    :class:`DecryptFailed` if it was not sealed by a member (or was tampered
    with), :class:`DecodeError` for a malformed message, ``NotAMember`` if the
    sender it names is off the roster and :class:`BadSignature` unless that
    sender signed it.
    """
    if sealed.context_id != membership.context_id:
        raise ContextMismatchError(
            f"sync message of {sealed.context_id} offered to {membership.context_id}"
        )
    nonce, body = sealed.ciphertext[:_NONCE_LEN], sealed.ciphertext[_NONCE_LEN:]
    try:
        plaintext = ChaCha20Poly1305(membership.sync_key(sealed.epoch)).decrypt(
            nonce, body, sealed.associated_data()
        )
    except (InvalidTag, ValueError):
        raise DecryptFailed(
            f"sync message for {sealed.context_id} epoch {sealed.epoch} does not decrypt: "
            "not sealed by a member, or tampered with"
        ) from None
    signature, inner = plaintext[:_SIG_LEN], plaintext[_SIG_LEN:]
    message = decode_sync_message(inner)
    if message.context_id != sealed.context_id:
        raise ContextMismatchError("sealed envelope and sync message disagree on the context")
    sender = membership.roster.entry(message.sender)
    if not verify_signature(
        sender.ed25519_public, _signed_message(sealed.context_id, sealed.epoch, inner), signature
    ):
        raise BadSignature(f"sync message not signed by its sender {message.sender}")
    return message


def check_sync_entries(
    journal: ContextJournal, entries: Iterable[JournalEntry], membership: ContextMembership
) -> None:
    """Refuse a message's entries unless every one is of this context, stamped within
    the clock's bound and signed by a member (``LamportStampOutOfBounds``,
    ``UnattributableFact``); raises before anything is merged."""
    listed = tuple(entries)
    journal.check_stamps(listed)
    for entry in listed:
        verify_fact(entry.fact, membership)
