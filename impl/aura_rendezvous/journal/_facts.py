"""Rendezvous domain facts (seed 4.1) and their content addresses.

Three kinds: a sealed ``Descriptor``, ``ChannelEstablished`` and
``DescriptorRevoked``. A revocation also carries the context id and the
publisher's signature (an extension of the seed's two fields): DESIGN.md 2
says only the publisher may revoke its own descriptor, and only a signature
lets every replica check that. For the same reason a ``ChannelEstablished``
carries the signature of the party that records it: every fact is then
attributable to a member (a descriptor is signed inside its sealed form), and
:func:`verify_fact` is what a replica checks before it merges a synced fact.

Attributable is not the same as honoured. A revocation signed by a member
other than its publisher is attributable (its signer is known), so it syncs
and merges like any fact, and every replica converges on it; only the
descriptor cache ignores it (:func:`verify_revocation`). Refusing it at sync
instead would refuse every message that carries it, and a replica that holds
one could never converge with the others.
"""

from __future__ import annotations

import hashlib

import attrs

from aura_rendezvous.core import (
    AuthorityId,
    AuthorityKeys,
    ContextId,
    ContextMembership,
    DecodeError,
    LocalProtocolError,
    Reader,
    RemoteProtocolError,
    Roster,
    Tag,
    UnattributableFact,
    Writer,
    epoch_bytes,
    fixed_bytes,
    is_authority,
    is_context,
    u64,
    verify_signature,
)
from aura_rendezvous.descriptors import MAX_SEALED_LEN, SealedDescriptor, open_descriptor

__all__ = [
    "LABEL_CHANNEL_SIGNATURE",
    "LABEL_FACT_ID",
    "LABEL_REVOCATION_SIGNATURE",
    "MAX_FACT_LEN",
    "ChannelEstablished",
    "DescriptorFact",
    "DescriptorRevoked",
    "RendezvousFact",
    "decode_fact",
    "encode_fact",
    "fact_context",
    "fact_id",
    "record_channel",
    "revocation_signer",
    "revoke_descriptor",
    "verify_channel",
    "verify_fact",
    "verify_revocation",
]

LABEL_FACT_ID = b"aura/rendezvous/v1/fact-id"
LABEL_REVOCATION_SIGNATURE = b"aura/rendezvous/v1/revocation-signature"
LABEL_CHANNEL_SIGNATURE = b"aura/rendezvous/v1/channel-established-signature"
MAX_FACT_LEN = 2 + 1 + 4 + MAX_SEALED_LEN + 64


def _signature_field(inst: object, attribute: attrs.Attribute[bytes], value: object) -> None:
    if not isinstance(value, bytes) or len(value) not in (0, 64):
        raise LocalProtocolError("a fact signature is 64 bytes (or empty before signing)")


@attrs.frozen
class DescriptorFact:
    """A descriptor advertisement, sealed under the context key."""

    sealed: SealedDescriptor
    kind = 1


@attrs.frozen
class ChannelEstablished:
    """A key-confirmed channel between two members in ``epoch``, signed by the
    party that records it (:func:`record_channel`); empty until signed, and an
    unsigned fact is never taken from a peer."""

    context_id: ContextId = attrs.field(validator=is_context)
    initiator: AuthorityId = attrs.field(validator=is_authority)
    responder: AuthorityId = attrs.field(validator=is_authority)
    channel_id: bytes = attrs.field(validator=fixed_bytes(32))
    epoch: int = attrs.field(validator=u64)
    signature: bytes = attrs.field(default=b"", validator=_signature_field)

    def signed_message(self) -> bytes:
        return (
            LABEL_CHANNEL_SIGNATURE
            + self.context_id.value
            + self.initiator.value
            + self.responder.value
            + self.channel_id
            + epoch_bytes(self.epoch)
        )

    kind = 2


@attrs.frozen
class DescriptorRevoked:
    """``authority_id`` withdraws its descriptor ``nonce`` in ``context_id`` (signed by it)."""

    context_id: ContextId = attrs.field(validator=is_context)
    authority_id: AuthorityId = attrs.field(validator=is_authority)
    nonce: bytes = attrs.field(validator=fixed_bytes(32))
    signature: bytes

    def signed_message(self) -> bytes:
        return (
            LABEL_REVOCATION_SIGNATURE
            + self.context_id.value
            + self.authority_id.value
            + self.nonce
        )

    kind = 3


RendezvousFact = DescriptorFact | ChannelEstablished | DescriptorRevoked


def revoke_descriptor(
    keys: AuthorityKeys, context_id: ContextId, nonce: bytes
) -> DescriptorRevoked:
    """A revocation of the caller's own descriptor ``nonce``, signed by the caller."""
    unsigned = DescriptorRevoked(context_id, keys.authority_id, nonce, b"")
    return attrs.evolve(unsigned, signature=keys.sign(unsigned.signed_message()))


def verify_revocation(fact: DescriptorRevoked, roster: Roster) -> bool:
    """True iff the revocation is signed by the publisher it names (a roster member)."""
    entry = roster.get(fact.authority_id)
    if entry is None:
        return False
    return verify_signature(entry.ed25519_public, fact.signed_message(), fact.signature)


def revocation_signer(fact: DescriptorRevoked, roster: Roster) -> AuthorityId | None:
    """The member whose key verifies the revocation's signature, or None.

    The publisher is tried first (the honest case costs one verification);
    the other members only for a revocation that is not the publisher's.
    """
    if len(fact.signature) != 64:
        return None
    message = fact.signed_message()
    candidates = [fact.authority_id, *(a for a in roster if a != fact.authority_id)]
    for authority in candidates:
        entry = roster.get(authority)
        if entry is not None and verify_signature(entry.ed25519_public, message, fact.signature):
            return authority
    return None


def record_channel(
    keys: AuthorityKeys,
    context_id: ContextId,
    *,
    initiator: AuthorityId,
    responder: AuthorityId,
    channel_id: bytes,
    epoch: int,
) -> ChannelEstablished:
    """The ``ChannelEstablished`` fact of a channel the caller is a party of, signed by it."""
    if keys.authority_id not in (initiator, responder):
        raise LocalProtocolError("only a party records its channel")
    unsigned = ChannelEstablished(context_id, initiator, responder, channel_id, epoch)
    return attrs.evolve(unsigned, signature=keys.sign(unsigned.signed_message()))


def verify_channel(fact: ChannelEstablished, roster: Roster) -> bool:
    """True iff both parties are members and one of them signed the fact."""
    parties = [roster.get(fact.initiator), roster.get(fact.responder)]
    if None in parties or len(fact.signature) != 64:
        return False
    message = fact.signed_message()
    return any(
        verify_signature(p.ed25519_public, message, fact.signature)
        for p in parties
        if p is not None
    )


def verify_fact(fact: RendezvousFact, membership: ContextMembership) -> None:
    """Raise :class:`UnattributableFact` unless a member of ``membership`` signed ``fact``:
    the publisher of a descriptor (inside its sealed form), any member for a
    revocation (the cache honours only the publisher's), a party of a channel."""
    if isinstance(fact, DescriptorFact):
        try:
            open_descriptor(fact.sealed, membership)
        except (RemoteProtocolError, LocalProtocolError) as exc:
            raise UnattributableFact(f"descriptor fact does not open or verify: {exc}") from None
        return
    if isinstance(fact, DescriptorRevoked):
        if revocation_signer(fact, membership.roster) is None:
            raise UnattributableFact(
                f"revocation of {fact.authority_id}'s descriptor not signed by a member"
            )
        return
    if not verify_channel(fact, membership.roster):
        raise UnattributableFact(
            f"ChannelEstablished {fact.channel_id.hex()[:16]} not signed by a party"
        )


def fact_context(fact: RendezvousFact) -> ContextId:
    """The context a fact belongs to (it is never accepted by another context's journal)."""
    if isinstance(fact, DescriptorFact):
        return fact.sealed.context_id
    return fact.context_id


def encode_fact(fact: RendezvousFact) -> bytes:
    """The canonical encoding (also what :func:`fact_id` hashes)."""
    w = Writer(Tag.FACT).u8(fact.kind)
    if isinstance(fact, DescriptorFact):
        w.var(fact.sealed.encode(), MAX_SEALED_LEN)
    elif isinstance(fact, ChannelEstablished):
        w.context(fact.context_id).authority(fact.initiator).authority(fact.responder)
        w.fixed(fact.channel_id, 32).u64(fact.epoch).var(fact.signature, 64)
    else:
        w.context(fact.context_id).authority(fact.authority_id).fixed(fact.nonce, 32)
        w.fixed(fact.signature, 64)
    return w.getvalue()


def decode_fact(data: bytes) -> RendezvousFact:
    """Strict decoder; only :class:`DecodeError` escapes."""
    r = Reader("RendezvousFact", data, Tag.FACT, MAX_FACT_LEN)
    kind = r.u8()
    fact: RendezvousFact
    try:
        if kind == DescriptorFact.kind:
            fact = DescriptorFact(SealedDescriptor.decode(r.var(MAX_SEALED_LEN)))
        elif kind == ChannelEstablished.kind:
            fact = ChannelEstablished(
                r.context(), r.authority(), r.authority(), r.fixed(32), r.u64(), r.var(64)
            )
        elif kind == DescriptorRevoked.kind:
            fact = DescriptorRevoked(r.context(), r.authority(), r.fixed(32), r.fixed(64))
        else:
            raise r.fail(f"unknown fact kind {kind}")
    except DecodeError:
        raise
    except LocalProtocolError as exc:
        raise r.fail(str(exc)) from None
    r.finish()
    return fact


def fact_id(fact: RendezvousFact) -> bytes:
    """Content address: BLAKE2s-256 of a label and the canonical encoding."""
    return hashlib.blake2s(LABEL_FACT_ID + encode_fact(fact), digest_size=32).digest()
