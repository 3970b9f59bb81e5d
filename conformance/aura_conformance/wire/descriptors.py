"""One member's descriptors on the wire: publish sealed bytes, take a peer's, look one up.

:class:`DescriptorDesk` is the reference: a :class:`RendezvousService` of the
member whose journal holds every sealed descriptor it published or accepted, so
accepting is the service's ``cache_descriptor`` (open, verify the publisher's
signature, check the context) and a lookup is its ``get_cached_descriptor``
(the valid, non-revoked descriptor of greatest ``(valid_from, nonce)``). The
backend's desk and the harness's reference peer's desk are the same class
unless a wrong backend is tested.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

from aura_rendezvous import AuraError, RendezvousConfig, RendezvousService
from aura_rendezvous.core import (
    AuthorityId,
    AuthorityKeys,
    ContextId,
    ContextMembership,
    Roster,
    RosterEntry,
)
from aura_rendezvous.descriptors import (
    QuicDirect,
    RendezvousDescriptor,
    SealedDescriptor,
    TransportHint,
    build_descriptor,
    seal_descriptor,
    sign_descriptor,
)
from aura_rendezvous.journal import (
    SealedSyncMessage,
    SyncDigest,
    open_sync_message,
    revoke_descriptor,
)

from aura_conformance.wire.authority import Delivery

__all__ = [
    "CONNECT_ACTIONS",
    "DESCRIPTOR_ACTIONS",
    "REVOKE_ACTIONS",
    "SYNC_ACTIONS",
    "VALIDITY_MS",
    "DescriptorDesk",
]

DESCRIPTOR_ACTIONS = ("Publish", "Offer", "Lookup")
# Establish gated by the descriptor lookup (Rendezvous.tla's PrepareEstablishChannel).
CONNECT_ACTIONS = ("Connect",)
# The backend revokes its own descriptor (Rendezvous.tla's RevokeDescriptor).
REVOKE_ACTIONS = ("Revoke",)
SYNC_ACTIONS = ("SyncStart", "Sync", "SyncFollowUp")

# Long enough that a run's clock (at most a few seconds) never expires a
# published descriptor: an expired one is the attacker's, made on purpose.
VALIDITY_MS = 3_600_000


class DescriptorDesk:
    """A member's descriptors in one context, through the reference service."""

    def __init__(
        self,
        *,
        context_id: bytes,
        root_secret: bytes,
        authority_id: bytes,
        signing_seed: bytes,
        static_public: bytes,
        peer_id: bytes,
        peer_signing_public: bytes,
        peer_static: bytes,
        relay: tuple[bytes, bytes, bytes] | None = None,
    ) -> None:
        self.id = AuthorityId(authority_id)
        self.peer = AuthorityId(peer_id)
        self.context = ContextId(context_id)
        self.keys = AuthorityKeys.from_seed(self.id, signing_seed)
        entries = {
            self.id: RosterEntry(self.keys.ed25519_public, static_public),
            AuthorityId(peer_id): RosterEntry(peer_signing_public, peer_static),
        }
        # The relay (id, Ed25519 public, X25519 public) is a member too: it must be on
        # the roster to be a relay candidate and to sign the receipts of its forwards.
        self.relay = None if relay is None else AuthorityId(relay[0])
        if relay is not None:
            entries[AuthorityId(relay[0])] = RosterEntry(relay[1], relay[2])
        roster = Roster(entries)
        self.membership = ContextMembership(self.context, roster, root_secret)
        # The answers of the pull in progress, for its follow-up pages.
        self.answers: list[SealedSyncMessage] = []
        nonces = itertools.count(1)
        self.service = RendezvousService(
            self.id,
            RendezvousConfig(
                keys=self.keys,
                memberships=(self.membership,),
                # A counter: a run's bytes are reproducible, and each publication
                # of this member orders after the one before at the same time.
                nonce_source=lambda k: next(nonces).to_bytes(k, "big"),
                descriptor_validity_ms=VALIDITY_MS,
            ),
        )

    def build(
        self, now: int, epoch: int, hints: Sequence[TransportHint] | None = None
    ) -> RendezvousDescriptor:
        """A fresh descriptor of this member, committing to ``epoch``'s PSK; reachable
        directly unless ``hints`` says otherwise."""
        return build_descriptor(
            self.id,
            self.context,
            transport_hints=hints or [QuicDirect(f"10.0.0.{self.id.value[0]}:4433")],
            handshake_psk_commitment=self.membership.psk_commitment(epoch),
            now_ms=now,
            validity_ms=VALIDITY_MS,
            nonce=self.service.config.nonce_source(32),
        )

    def seal(self, descriptor: RendezvousDescriptor, epoch: int) -> bytes:
        return seal_descriptor(
            sign_descriptor(descriptor, self.keys), self.membership, epoch
        ).encode()

    def publish(self, now: int, epoch: int) -> Delivery:
        """Publish: the sealed descriptor goes into the own journal and onto the wire."""
        data = self.seal(self.build(now, epoch), epoch)
        self.service.cache_descriptor(SealedDescriptor.decode(data))
        return Delivery("Published", (data,))

    def revoke(self, nonce: bytes) -> None:
        """Revoke this member's descriptor ``nonce``: a revocation it signs goes into its
        journal, and travels from there by sync."""
        self.service.journal(self.context).append(
            revoke_descriptor(self.keys, self.context, nonce), self.id
        )

    def revoke_own(self, nonce: bytes) -> Delivery:
        """``Revoke``: only a descriptor this member published may be revoked (the
        service's NotOwnDescriptor deny otherwise); nothing is sent."""
        cache = self.service.descriptor_cache(self.context)
        if not any(d.authority_id == self.id and d.nonce == nonce for d in cache.descriptors):
            return Delivery("Denied:NotOwnDescriptor")
        self.revoke(nonce)
        return Delivery("Revoked")

    def offer(self, data: bytes, now: int) -> Delivery:
        """Take a sealed descriptor off the wire (opened and verified first)."""
        try:
            self.service.cache_descriptor(SealedDescriptor.decode(data))
        except AuraError as exc:
            return Delivery(f"Rejected:{type(exc).__name__}")
        return Delivery("Cached")

    def lookup(self, peer: bytes, now: int) -> Delivery:
        """The descriptor a connection to ``peer`` would use now (its encoding), if any."""
        found = self.service.get_cached_descriptor(self.context, AuthorityId(peer), now)
        if found is None:
            return Delivery("NotFound")
        return Delivery("Found", received=(found.encode(),))

    # -- sync: the same sealed messages the network sync carries -----------------

    def sync_start(self, epoch: int) -> Delivery:
        """Start a pull: the opening digest page, sealed under ``epoch``'s sync key."""
        self.answers = []
        page = self.service.sync_digest(self.context, epoch=epoch)
        return Delivery("Digest", (page.encode(),))

    def sync(self, data: bytes) -> Delivery:
        """A sealed sync message off the wire: a digest page is answered (``sent``), an
        answer is merged; anything a member did not seal and sign is rejected."""
        try:
            sealed = SealedSyncMessage.decode(data)
            if isinstance(open_sync_message(sealed, self.membership), SyncDigest):
                answers = self.service.answer_sync(sealed)
                return Delivery("Answered", tuple(a.encode() for a in answers))
            changed = self.service.apply_sync(sealed)
        except AuraError as exc:
            return Delivery(f"Rejected:{type(exc).__name__}")
        self.answers.append(sealed)
        return Delivery(f"Applied:{changed}")

    def sync_follow_up(self, epoch: int) -> Delivery:
        """The next round's digest pages after the answers taken since the last round;
        none when the pull is done."""
        pages = self.service.sync_follow_up(self.context, self.answers, epoch=epoch)
        self.answers = []
        return Delivery("Digest" if pages else "Done", tuple(p.encode() for p in pages))
