"""``RendezvousService``: the seed's API (section 10), pure and sans-IO.

Every ``prepare_*`` method evaluates the guard chain (capability, budget,
then the journal coupling) and returns a :class:`GuardOutcome`; it performs no
I/O, reads no clock (``now_ms`` is an argument) and draws randomness only from
the injected ``nonce_source``, and only once the guards passed. Run the
outcome with :class:`~aura_rendezvous.EffectInterpreter`.

``prepare_establish_channel`` / ``prepare_handle_handshake`` carry real
Noise IKpsk2 messages produced and checked by the channel layer
(``channels.ChannelEndpoint``).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import TypeVar

from aura_rendezvous._config import RendezvousConfig
from aura_rendezvous._coupling import Coupling
from aura_rendezvous._relay_path import check_relayable, message_epoch, relay_candidates
from aura_rendezvous._timer import (
    DescriptorRefreshDue,
    TimerEvent,
    refresh_deadline,
    timed_out_event,
)
from aura_rendezvous.channels import (
    ChannelEndpoint,
    ChannelState,
    MessageType,
    TransportMessage,
    message_type,
)
from aura_rendezvous.core import (
    CHANNEL_ESTABLISHED_COST,
    CONNECT_DIRECT_COST,
    CONNECT_RELAY_COST,
    DESCRIPTOR_PUBLISH_COST,
    KEY_CONFIRMATION_COST,
    RELAY_FORWARD_COST,
    REVOKE_DESCRIPTOR_COST,
    TRANSPORT_MESSAGE_COST,
    AuthorityId,
    ContextId,
    ContextMembership,
    ContextMismatchError,
    DecodeError,
    ForwardedEnvelopes,
    LocalProtocolError,
    MalformedEnvelope,
    MissingReceipt,
    ReceiptWrongSigner,
    ReceiptWrongSubject,
    RelayEnvelope,
    StaleEnvelope,
    check_u64,
)
from aura_rendezvous.descriptors import (
    RendezvousDescriptor,
    SealedDescriptor,
    TransportHint,
    build_descriptor,
    needs_refresh_at,
    open_descriptor,
    seal_descriptor,
    sign_descriptor,
)
from aura_rendezvous.guard import (
    CAP_RELAY_FORWARD,
    CAP_RENDEZVOUS_CONNECT,
    CAP_RENDEZVOUS_PUBLISH,
    CAP_RENDEZVOUS_RELAY,
    AcceptHandshake,
    AcceptReceipt,
    ChargeFlowBudget,
    CompleteHandshake,
    ConfirmChannel,
    DenyReason,
    EffectCommand,
    ForwardRelayEnvelope,
    GuardOutcome,
    GuardSnapshot,
    JournalAppend,
    Receipt,
    ReceiptVerifier,
    RecordForward,
    RecordReceipt,
    SendHandshake,
    SendHandshakeResponse,
    SendRelayData,
    SendRelayRequest,
    SendRelayResponse,
    StartHandshake,
    evaluate_guards,
    receipt_subject,
)
from aura_rendezvous.journal import (
    ContextJournal,
    DescriptorCache,
    DescriptorFact,
    RendezvousFact,
    SealedSyncMessage,
    SyncDigest,
    SyncFacts,
    SyncMessage,
    answer_digest,
    apply_sync_facts,
    below_horizon,
    check_sync_entries,
    derive_descriptor_cache,
    fact_context,
    fact_id,
    follow_up_ranges,
    make_digest,
    make_digests,
    open_sync_message,
    prune_journal,
    record_channel,
    revoke_descriptor,
    seal_sync_message,
)

__all__ = ["DIRECT_LADDER", "RendezvousService"]

DIRECT_LADDER = ("QuicDirect", "QuicReflexive", "TcpDirect")
"""Seed 3: direct transports in the order they are tried (relay comes last)."""


class RendezvousService:
    """One authority's rendezvous coordinator over its context journals."""

    def __init__(self, authority_id: AuthorityId, config: RendezvousConfig) -> None:
        if config.keys.authority_id != authority_id:
            raise LocalProtocolError("config keys belong to another authority")
        self.authority_id = authority_id
        self.config = config
        self._memberships = {m.context_id: m for m in config.memberships}
        if len(self._memberships) != len(config.memberships):
            raise LocalProtocolError("one membership per context")
        self.journals = {c: ContextJournal(c) for c in self._memberships}
        self._caches: dict[ContextId, tuple[int, DescriptorCache]] = {}
        self._horizons: dict[ContextId, int] = {}
        self._coupling = Coupling(authority_id, self._memberships, self.current_epoch)
        self.channel_endpoint = ChannelEndpoint(
            authority_id, config.keys.static_private, config.nonce_source
        )
        # The receiving side of each context's receipt chains (DESIGN.md 4): the
        # interpreter records an accepted receipt with the outcome it came with.
        self.receipt_verifiers = {
            c: ReceiptVerifier(c, m.roster, receiver=authority_id)
            for c, m in self._memberships.items()
        }
        # As a relay: what it forwarded, so a replay is refused before the charge.
        self.forwarded = ForwardedEnvelopes(config.relay_forward_capacity)
        # The own descriptor (nonce) and epoch each refresh was reported for:
        # the timer reports a due refresh once, not at every wake-up after it.
        self._refresh_reported: dict[ContextId, tuple[bytes, int]] = {}

    @classmethod
    def new(cls, authority_id: AuthorityId, config: RendezvousConfig) -> RendezvousService:
        """Create a service (seed 10)."""
        return cls(authority_id, config)

    # -- journal views ----------------------------------------------------------

    def membership(self, context_id: ContextId) -> ContextMembership | None:
        return self._memberships.get(context_id)

    def journal(self, context_id: ContextId) -> ContextJournal:
        journal = self.journals.get(context_id)
        if journal is None:
            raise LocalProtocolError(f"{self.authority_id} is not in {context_id}")
        return journal

    def descriptor_cache(self, context_id: ContextId) -> DescriptorCache:
        """The cache derived from the journal (recomputed whenever the journal changed)."""
        journal = self.journal(context_id)
        version = journal.version
        cached = self._caches.get(context_id)
        if cached is not None and cached[0] == version:
            return cached[1]
        cache = derive_descriptor_cache(journal, self._memberships[context_id])
        self._caches[context_id] = (version, cache)
        return cache

    def cache_descriptor(self, descriptor: SealedDescriptor) -> bytes:
        """Take a peer's sealed descriptor (from sync) into the journal; its fact id.

        It is opened and verified first, so a descriptor of another context, of
        a non-member or with a bad signature raises its typed error and the
        journal is unchanged. The cache itself is derived from the journal.
        """
        membership = self._memberships.get(descriptor.context_id)
        if membership is None:
            raise ContextMismatchError(f"{self.authority_id} is not in {descriptor.context_id}")
        open_descriptor(descriptor, membership)
        fact = DescriptorFact(descriptor)
        if not self._below_horizon(fact):
            self.journal(descriptor.context_id).append(fact, self.authority_id)
        return fact_id(fact)

    def get_cached_descriptor(
        self, context_id: ContextId, peer: AuthorityId, now_ms: int
    ) -> RendezvousDescriptor | None:
        """The peer's chosen descriptor at ``now_ms`` (valid, non-revoked, greatest
        ``(valid_from, nonce)``), or ``None``. ``now_ms`` is needed because an
        expired descriptor must never be handed out."""
        if context_id not in self._memberships:
            return None
        return self.descriptor_cache(context_id).choose(peer, check_u64("now_ms", now_ms))

    def needs_refresh(self, context_id: ContextId, now_ms: int, refresh_window_ms: int) -> bool:
        """DESIGN.md 2: no own valid descriptor, ``now + window >= valid_until``, or
        the own descriptor is of an epoch older than the context's current one
        (its PSK commitment is one peers deny: ``PskCommitmentMismatch``)."""
        own = self.get_cached_descriptor(context_id, self.authority_id, now_ms)
        if own is None:
            return True
        window = check_u64("window", refresh_window_ms)
        if self._own_descriptor_epoch(context_id, own) < self.current_epoch(context_id):
            return True
        return needs_refresh_at(own.valid_until, now_ms, window)

    def _own_descriptor_epoch(self, context_id: ContextId, own: RendezvousDescriptor) -> int:
        """The epoch whose PSK ``own`` commits to (-1 if none of ours).

        The current epoch's commitment is memoised, so a fresh descriptor costs
        one comparison; otherwise the epochs our descriptor facts were sealed
        under (a handful) are tried, newest first.
        """
        membership = self._memberships[context_id]
        current = self.current_epoch(context_id)
        if own.handshake_psk_commitment == self._coupling.epoch_psk(membership, current)[1]:
            return current
        sealed_under = {
            fact.sealed.epoch
            for fact in self.journal(context_id).facts()
            if isinstance(fact, DescriptorFact) and fact.sealed.authority_id == self.authority_id
        }
        for epoch in sorted(sealed_under, reverse=True):
            if own.handshake_psk_commitment == self._coupling.epoch_psk(membership, epoch)[1]:
                return epoch
        return -1

    # -- epochs -----------------------------------------------------------------

    def current_epoch(self, context_id: ContextId) -> int:
        """The epoch this service is at in ``context_id`` (0 until advanced)."""
        return self.channel_endpoint.manager.epoch_of(context_id.value)

    def advance_epoch(self, context_id: ContextId, epoch: int) -> tuple[AuthorityId, ...]:
        """Move ``context_id`` to ``epoch`` now: the explicit epoch change (DESIGN.md 1, 5).

        Every Establishing or Active channel of an older epoch becomes Rotating
        at once, so it seals and opens nothing more, and a pending handshake of
        the old epoch is dropped; an own descriptor of the old epoch needs
        refresh from now on, and a snapshot of an older epoch is denied
        (``StaleEpoch``). Returns the peers whose channel needs a rekey (a new
        handshake under the new epoch's PSK). Pure bookkeeping: no clock, nothing
        sent. Raises ``LocalProtocolError`` unless ``epoch`` is above the current one.
        """
        if context_id not in self._memberships:
            raise LocalProtocolError(f"{self.authority_id} is not in {context_id}")
        current = self.current_epoch(context_id)
        if check_u64("epoch", epoch) <= current:
            raise LocalProtocolError(f"epoch must grow: {epoch} <= {current}")
        self.channel_endpoint.sync_epoch(context_id, epoch)
        self.forwarded.retire(context_id, epoch)
        return tuple(
            AuthorityId(peer)
            for ctx, peer in self.channel_endpoint.manager.needs_rotation()
            if ctx == context_id.value
        )

    # -- the I/O shell's entry points (one pulled timer, channel traffic) ----------
    # The shell drives the core through these and the prepare_* methods only: it
    # arms one timer at next_deadline(), passes the time it read to handle_timer,
    # and moves channel traffic with seal / receive_data.

    def next_deadline(self) -> int | None:
        """The earliest instant (ms) at which :meth:`handle_timer` has work, or ``None``.

        The earliest of: a pending handshake's deadline, an unconfirmed channel's
        key-confirmation deadline, and for each context where we published, when
        our newest descriptor needs a successor (``valid_until`` minus the
        refresh window; at once if it commits to an older epoch). A refresh
        already reported is not due again until we publish or the epoch moves.
        """
        deadlines = [d for c in self._memberships if (d := self._refresh_due(c)) is not None]
        handshake = self.channel_endpoint.manager.next_deadline()
        if handshake is not None:
            deadlines.append(handshake)
        return min(deadlines, default=None)

    def handle_timer(self, now_ms: int) -> tuple[TimerEvent, ...]:
        """Act on every deadline reached at ``now_ms``; the events, each reported once.

        Handshakes and unconfirmed channels past their deadline fail
        (:class:`HandshakeTimedOut`: their state is final, a retry is a new
        handshake); a due refresh is :class:`DescriptorRefreshDue`. Nothing is
        sent: acting on an event goes through the guard chain like any call.
        Calling it early, or twice, is harmless.
        """
        now = check_u64("now_ms", now_ms)
        failed = self.channel_endpoint.manager.check_timeouts(now)
        events: list[TimerEvent] = [timed_out_event(f) for f in failed]
        for context_id in self._memberships:
            due = self._refresh_due(context_id)
            own = self._newest_own(context_id)
            if due is not None and due <= now and own is not None:
                self._refresh_reported[context_id] = (own.nonce, self.current_epoch(context_id))
                events.append(DescriptorRefreshDue(context_id, own.valid_until))
        return tuple(events)

    def _newest_own(self, context_id: ContextId) -> RendezvousDescriptor | None:
        cache = self.descriptor_cache(context_id)
        own = [
            d
            for d in cache.descriptors
            if d.authority_id == self.authority_id
            and (d.authority_id, d.nonce) not in cache.revoked
        ]
        return max(own, key=lambda d: (d.valid_from, d.nonce), default=None)

    def _refresh_due(self, context_id: ContextId) -> int | None:
        own = self._newest_own(context_id)
        if own is None:
            return None  # nothing published yet: publishing is the caller's first step
        epoch = self.current_epoch(context_id)
        if self._refresh_reported.get(context_id) == (own.nonce, epoch):
            return None
        stale = self._own_descriptor_epoch(context_id, own) < epoch
        return refresh_deadline(own, self.config.refresh_window_ms, stale_epoch=stale)

    def channel_state(self, context_id: ContextId, peer: AuthorityId) -> ChannelState | None:
        """The state of our best live channel with ``peer`` in ``context_id``, if any."""
        channel = self.channel_endpoint.manager.find_by_context_peer(context_id.value, peer.value)
        return None if channel is None else channel.state

    def seal(self, context_id: ContextId, peer: AuthorityId, plaintext: bytes) -> bytes:
        """A transport message carrying ``plaintext`` on our Active channel with ``peer``
        (``ChannelClosedError`` without one). Send it directly or with
        :meth:`prepare_relay_data`."""
        return self.channel_endpoint.manager.seal(context_id.value, peer.value, plaintext)

    def is_handshake_phase(self, message: bytes) -> bool:
        """Whether ``message`` (from a peer) goes to :meth:`prepare_handle_handshake`:
        message 1 or 2, or the key confirmation of a channel still Establishing.
        Anything else goes to :meth:`receive_data`. Raises ``DecodeError`` for bytes
        that are no protocol message."""
        if message_type(message, "is_handshake_phase") is not MessageType.Transport:
            return True
        channel = self.channel_endpoint.manager.get(TransportMessage.decode(message).channel_id)
        return channel is not None and channel.state is ChannelState.Establishing

    def receive_data(self, context_id: ContextId, peer: AuthorityId, message: bytes) -> bytes:
        """Open a transport message that ``peer`` sent in ``context_id``; its plaintext.

        The channel's own checks apply (``UnknownChannel``, ``RetiredEpoch``,
        ``ReplayedMessage``, ``TransportAuthError``, ...); a channel of another
        context or peer than the transport said is ``ContextMismatchError``, with
        nothing changed. A key confirmation is refused (``LocalProtocolError``):
        it is journaled through :meth:`prepare_handle_handshake`.
        """
        manager = self.channel_endpoint.manager
        header = TransportMessage.decode(message)
        channel = manager.get(header.channel_id)
        if channel is not None:
            if channel.state is ChannelState.Establishing:
                raise LocalProtocolError("a key confirmation goes through prepare_handle_handshake")
            if channel.context_id != context_id.value or channel.remote != peer.value:
                raise ContextMismatchError("the message's channel is of another context or peer")
        return bytes(manager.receive_message(header).plaintext)

    # -- sync -------------------------------------------------------------------
    # Every sync message travels sealed under the context's sync key and signed
    # by its sender (journal._sync_auth): only a member can read or write one,
    # and no member can speak as another. Peer input is opened before anything
    # is read from it; a refused message raises its typed error and changes nothing.

    def sync_digest(self, context_id: ContextId, *, epoch: int) -> SealedSyncMessage:
        """The opening page of a pull, sealed under ``epoch``'s sync key."""
        return self._seal_sync(make_digest(self.journal(context_id), self.authority_id), epoch)

    def answer_sync(self, message: SealedSyncMessage) -> tuple[SealedSyncMessage, ...]:
        """Answer a member's digest page, sealed under the digest's epoch.

        Raises ``DecryptFailed`` (not sealed by a member), ``NotAMember`` /
        ``BadSignature`` (a sender it does not prove) or ``ContextMismatchError``
        before revealing anything.
        """
        membership = self._require_membership(message.context_id)
        digest = _expect(open_sync_message(message, membership), SyncDigest)
        answers = answer_digest(
            self.journal(digest.context_id), digest, self.authority_id, membership.roster
        )
        return tuple(self._seal_sync(a, message.epoch) for a in answers)

    def apply_sync(self, message: SealedSyncMessage) -> int:
        """Merge a member's answer; the number of entries that changed the replica.

        The whole message is refused, the journal unchanged, if one entry is
        stamped beyond the clock's bound (``LamportStampOutOfBounds``) or not
        signed by a member (``UnattributableFact``), besides the errors of
        :meth:`answer_sync`.
        """
        membership = self._require_membership(message.context_id)
        facts = _expect(open_sync_message(message, membership), SyncFacts)
        journal = self.journal(facts.context_id)
        check_sync_entries(journal, facts.entries, membership)
        return apply_sync_facts(journal, facts, membership.roster, self._below_horizon)

    def sync_follow_up(
        self, context_id: ContextId, answers: Sequence[SealedSyncMessage], *, epoch: int
    ) -> tuple[SealedSyncMessage, ...]:
        """The next round's digest pages after ``answers`` were applied; empty when done."""
        membership = self._require_membership(context_id)
        opened = [_expect(open_sync_message(a, membership), SyncFacts) for a in answers]
        journal = self.journal(context_id)
        ranges = follow_up_ranges(journal, opened)
        if not ranges:
            return ()
        pages = make_digests(journal, self.authority_id, ranges)
        return tuple(self._seal_sync(p, epoch) for p in pages)

    def _seal_sync(self, message: SyncMessage, epoch: int) -> SealedSyncMessage:
        membership = self._require_membership(message.context_id)
        return seal_sync_message(message, self.config.keys, membership, epoch)

    # -- pruning ------------------------------------------------------------------

    def prune_journal(self, context_id: ContextId, now_ms: int) -> int:
        """Move the prune horizon to ``now_ms`` and drop the facts dead there; how many.

        From then on sync and ``cache_descriptor`` refuse those facts, so a peer
        that has not pruned yet cannot bring them back (``journal._prune``).
        """
        membership = self._require_membership(context_id)
        horizon = max(self._horizons.get(context_id, 0), check_u64("now_ms", now_ms))
        self._horizons[context_id] = horizon
        return prune_journal(self.journal(context_id), membership, horizon)

    def prune_horizon(self, context_id: ContextId) -> int:
        return self._horizons.get(context_id, 0)

    def _below_horizon(self, fact: RendezvousFact) -> bool:
        context = fact_context(fact)
        membership = self._memberships.get(context)
        horizon = self._horizons.get(context, 0)
        return membership is not None and below_horizon(fact, membership, horizon)

    def _require_membership(self, context_id: ContextId) -> ContextMembership:
        membership = self._memberships.get(context_id)
        if membership is None:
            raise ContextMismatchError(f"{self.authority_id} is not in {context_id}")
        return membership

    # -- guard coupling helpers ---------------------------------------------------

    def _peer_descriptor(
        self, context_id: ContextId, peer: AuthorityId, psk: bytes, now_ms: int, epoch: int
    ) -> RendezvousDescriptor | DenyReason:
        desc = self.get_cached_descriptor(context_id, peer, now_ms)
        if desc is None:
            return DenyReason.NoValidDescriptor
        if desc.handshake_psk_commitment != self._coupling.psk_commitment(context_id, epoch, psk):
            # DESIGN.md 1: a different epoch on one side; refresh, do not send.
            return DenyReason.PskCommitmentMismatch
        return desc

    # -- the seed's operations ------------------------------------------------------

    def prepare_publish_descriptor(
        self,
        snapshot: GuardSnapshot,
        context_id: ContextId,
        transport_hints: Sequence[TransportHint],
        now_ms: int,
    ) -> GuardOutcome:
        """Publish a fresh descriptor as a sealed journal fact.

        Effects: charge, journal append, receipt. Drain them with the interpreter.
        """

        def couple(charge: ChargeFlowBudget) -> GuardOutcome:
            membership = self._coupling.check(snapshot, context_id)
            if isinstance(membership, DenyReason):
                return GuardOutcome.deny(membership)
            desc = build_descriptor(
                self.authority_id,
                context_id,
                transport_hints=transport_hints,
                handshake_psk_commitment=self._coupling.epoch_psk(membership, snapshot.epoch)[1],
                now_ms=now_ms,
                validity_ms=self.config.descriptor_validity_ms,
                nonce=self._nonce(),
            )
            sealed = seal_descriptor(
                sign_descriptor(desc, self.config.keys), membership, snapshot.epoch
            )
            return GuardOutcome.allow(
                [
                    charge,
                    JournalAppend(context_id, DescriptorFact(sealed)),
                    self._receipt("publish_descriptor", charge, self.authority_id),
                ]
            )

        return evaluate_guards(snapshot, CAP_RENDEZVOUS_PUBLISH, DESCRIPTOR_PUBLISH_COST, couple)

    def prepare_revoke_descriptor(
        self, snapshot: GuardSnapshot, context_id: ContextId, nonce: bytes
    ) -> GuardOutcome:
        """Revoke one of our own descriptors (only the publisher may, DESIGN.md 2)."""

        def couple(charge: ChargeFlowBudget) -> GuardOutcome:
            membership = self._coupling.check(snapshot, context_id)
            if isinstance(membership, DenyReason):
                return GuardOutcome.deny(membership)
            own = [
                d
                for d in self.descriptor_cache(context_id).descriptors
                if d.authority_id == self.authority_id and d.nonce == nonce
            ]
            if not own:
                return GuardOutcome.deny(DenyReason.NotOwnDescriptor)
            fact = revoke_descriptor(self.config.keys, context_id, nonce)
            return GuardOutcome.allow(
                [
                    charge,
                    JournalAppend(context_id, fact),
                    self._receipt("revoke_descriptor", charge, self.authority_id),
                ]
            )

        return evaluate_guards(snapshot, CAP_RENDEZVOUS_PUBLISH, REVOKE_DESCRIPTOR_COST, couple)

    def prepare_establish_channel(
        self,
        snapshot: GuardSnapshot,
        context_id: ContextId,
        peer: AuthorityId,
        psk: bytes,
        *,
        now_ms: int,
        transport: TransportHint | None = None,
    ) -> GuardOutcome:
        """Start an IKpsk2 handshake with ``peer`` over its best direct transport, or
        over ``transport`` (the rung of the ladder the caller is trying).

        Denied (no effects, nothing sent, no handshake started) unless the PSK
        is this epoch's, the peer has a valid descriptor whose PSK commitment
        matches, and it offers a direct transport (``transport``, if given, must
        be one of its direct hints: ``NoDirectTransport`` otherwise). Effects: charge, receipt,
        ``StartHandshake`` (the handshake is pending only once the interpreter
        commits it) and ``SendHandshake`` carrying Noise message 1 (see
        ``channels.ChannelEndpoint``).
        """

        def couple(charge: ChargeFlowBudget) -> GuardOutcome:
            membership = self._coupling.check_with_psk(snapshot, context_id, psk, peer)
            if isinstance(membership, DenyReason):
                return GuardOutcome.deny(membership)
            desc = self._peer_descriptor(context_id, peer, psk, now_ms, snapshot.epoch)
            if isinstance(desc, DenyReason):
                return GuardOutcome.deny(desc)
            hint = _best_direct(desc) if transport is None else _offered(desc, transport)
            if hint is None:
                return GuardOutcome.deny(DenyReason.NoDirectTransport)
            start = self.channel_endpoint.prepare_start(
                membership, snapshot.epoch, peer, psk, now_ms
            )
            return GuardOutcome.allow(
                [
                    charge,
                    self._receipt("connect_direct", charge, peer),
                    StartHandshake(
                        context_id, peer, snapshot.epoch, start.timestamp, start.handshaker
                    ),
                    SendHandshake(peer, hint, start.message),
                ]
            )

        return evaluate_guards(snapshot, CAP_RENDEZVOUS_CONNECT, CONNECT_DIRECT_COST, couple)

    def prepare_handle_handshake(
        self,
        snapshot: GuardSnapshot,
        context_id: ContextId,
        initiator: AuthorityId,
        handshake: bytes,
        psk: bytes,
        *,
        now_ms: int,
        receipt: bytes | None = None,
    ) -> GuardOutcome:
        """Handle a received handshake-phase message from the peer ``initiator``.

        ``receipt`` is the peer's encoded receipt that travelled with message 1
        or 2 (the ``receipt`` of its send effect): both are paid for, so it is
        required (``MissingReceipt`` without it) and must be signed by the peer,
        addressed to us, of this context and epoch and the next of the peer's
        chain to us, or this raises its typed ``ReceiptError``; it is checked
        once the channel layer accepted the message, and recorded
        (``AcceptReceipt``) only when the outcome commits. The key confirmation
        is not paid for and carries none.

        - Noise message 1 (we respond): effects charge, receipt,
          ``AcceptHandshake`` (our channel, Establishing) and
          ``SendHandshakeResponse`` with message 2.
        - Noise message 2 (we initiated; ``initiator`` names the peer that
          answered): effects a zero charge, ``CompleteHandshake`` (our channel,
          Active) and ``SendHandshakeResponse`` with the key confirmation.
        - The key confirmation (we responded): effects a zero charge,
          ``ConfirmChannel`` (our channel becomes Active, message 1's timestamp
          enters the replay guard) and ``JournalAppend(ChannelEstablished)``.
          Only here is the fact journaled (DESIGN.md 5).

        Nothing changes here: the channel effects are committed by the
        interpreter with the charge and the journal append, or not at all. A
        guard deny is an outcome without effects. A message the channel layer
        rejects (tampered, wrong PSK or epoch, non-member, static key not on
        the roster, replay, unsolicited, timeout) raises its typed
        ``RemoteProtocolError``: nothing is sent and nothing changes.
        """
        kind = message_type(handshake, "prepare_handle_handshake")
        if kind is MessageType.Transport:
            return self._handle_confirmation(snapshot, context_id, initiator, handshake, now_ms)
        if kind is MessageType.HandshakeResponse:
            return self._handle_response(
                snapshot, context_id, initiator, handshake, now_ms, receipt=receipt
            )
        return self._handle_init(
            snapshot, context_id, initiator, handshake, psk=psk, now_ms=now_ms, receipt=receipt
        )

    def _handle_init(
        self,
        snapshot: GuardSnapshot,
        context_id: ContextId,
        initiator: AuthorityId,
        handshake: bytes,
        *,
        psk: bytes,
        now_ms: int,
        receipt: bytes | None = None,
    ) -> GuardOutcome:
        """Noise message 1: answer with message 2 (we respond)."""

        def couple(charge: ChargeFlowBudget) -> GuardOutcome:
            membership = self._coupling.check_with_psk(snapshot, context_id, psk, initiator)
            if isinstance(membership, DenyReason):
                return GuardOutcome.deny(membership)
            channel, reply = self.channel_endpoint.prepare_accept(
                membership, snapshot.epoch, initiator, handshake, psk=psk, now_ms=now_ms
            )
            paid = self._accept_receipt(snapshot, context_id, initiator, receipt, required=True)
            return GuardOutcome.allow(
                [
                    charge,
                    *paid,
                    self._receipt("handshake_complete", charge, initiator),
                    AcceptHandshake(context_id, initiator, snapshot.epoch, channel),
                    SendHandshakeResponse(initiator, reply),
                ]
            )

        return evaluate_guards(snapshot, CAP_RENDEZVOUS_CONNECT, CONNECT_DIRECT_COST, couple)

    def _handle_response(
        self,
        snapshot: GuardSnapshot,
        context_id: ContextId,
        responder: AuthorityId,
        handshake: bytes,
        now_ms: int,
        *,
        receipt: bytes | None = None,
    ) -> GuardOutcome:
        """Noise message 2: send the key confirmation (we initiated)."""

        def complete(charge: ChargeFlowBudget) -> GuardOutcome:
            membership = self._coupling.check(snapshot, context_id, responder)
            if isinstance(membership, DenyReason):
                return GuardOutcome.deny(membership)
            pending, channel, confirmation = self.channel_endpoint.prepare_finish(
                context_id, snapshot.epoch, responder, handshake, now_ms
            )
            paid = self._accept_receipt(snapshot, context_id, responder, receipt, required=True)
            return GuardOutcome.allow(
                [
                    charge,
                    *paid,
                    CompleteHandshake(context_id, responder, snapshot.epoch, pending, channel),
                    SendHandshakeResponse(responder, confirmation),
                ]
            )

        return evaluate_guards(snapshot, CAP_RENDEZVOUS_CONNECT, KEY_CONFIRMATION_COST, complete)

    def _handle_confirmation(
        self,
        snapshot: GuardSnapshot,
        context_id: ContextId,
        initiator: AuthorityId,
        handshake: bytes,
        now_ms: int,
    ) -> GuardOutcome:
        """The key confirmation: journal the channel, which becomes Active (we responded).

        The channel turns Active only when the interpreter commits
        ``ConfirmChannel`` together with ``JournalAppend(ChannelEstablished)``:
        never Active without the fact, and a failed append leaves it
        Establishing, so the retried confirmation still completes it.
        """
        endpoint = self.channel_endpoint
        outcome = self.prepare_channel_established(
            snapshot,
            context_id,
            initiator,
            self.authority_id,
            endpoint.pending_confirmation(context_id, initiator, handshake).channel_id,
        )
        if not outcome.is_allowed():
            return outcome
        channel, counter = endpoint.prepare_confirm(
            context_id, snapshot.epoch, initiator, handshake, now_ms
        )
        charge, *rest = outcome.effects
        confirm = ConfirmChannel(context_id, initiator, snapshot.epoch, channel, counter)
        return GuardOutcome.allow([charge, confirm, *rest])

    def prepare_channel_established(
        self,
        snapshot: GuardSnapshot,
        context_id: ContextId,
        initiator: AuthorityId,
        responder: AuthorityId,
        channel_id: bytes,
    ) -> GuardOutcome:
        """Journal a key-confirmed channel we are part of (cost 0: nothing is sent)."""

        def couple(charge: ChargeFlowBudget) -> GuardOutcome:
            membership = self._coupling.check(snapshot, context_id, initiator, responder)
            if isinstance(membership, DenyReason):
                return GuardOutcome.deny(membership)
            if self.authority_id not in (initiator, responder):
                raise LocalProtocolError("only a party records its channel")
            fact = record_channel(
                self.config.keys,
                context_id,
                initiator=initiator,
                responder=responder,
                channel_id=channel_id,
                epoch=snapshot.epoch,
            )
            return GuardOutcome.allow([charge, JournalAppend(context_id, fact)])

        return evaluate_guards(snapshot, CAP_RENDEZVOUS_CONNECT, CHANNEL_ESTABLISHED_COST, couple)

    # -- the relayed protocol (seed 5.2) ----------------------------------------------
    #
    # The same IKpsk2 handshake and channel layer as the direct path, with every
    # message in a RelayEnvelope: RelayRequest (message 1), RelayForward,
    # RelayResponse (message 2), RelayComplete, then the key confirmation and
    # transport messages as SendRelayData, each forwarded by the relay. The
    # choreography's messages need its capabilities (rendezvous:relay, then
    # relay:forward at the relay); the steps outside it (the confirmation, the
    # journal fact, transport messages) are guarded as on the direct path:
    # rendezvous:connect at cost 0.

    def relays_for(
        self,
        context_id: ContextId,
        peer: AuthorityId,
        now_ms: int,
        exclude: Collection[AuthorityId] = (),
    ) -> tuple[AuthorityId, ...]:
        """The relays of ``peer``'s chosen descriptor that a relayed connect may use,
        in the order :meth:`prepare_relay_request` tries them."""
        membership = self._memberships.get(context_id)
        desc = self.get_cached_descriptor(context_id, peer, now_ms)
        if membership is None or desc is None:
            return ()
        return relay_candidates(desc, membership, self.authority_id, exclude)

    def prepare_relay_request(
        self,
        snapshot: GuardSnapshot,
        context_id: ContextId,
        peer: AuthorityId,
        psk: bytes,
        *,
        now_ms: int,
        exclude: Collection[AuthorityId] = (),
    ) -> GuardOutcome:
        """``RelayRequest``: start an IKpsk2 handshake with ``peer`` through its relay.

        The relay is the first of :meth:`relays_for` not in ``exclude``. A caller
        whose attempt failed (the send failed, or no answer came before the
        handshake timeout: a relay that drops says nothing) asks again with that
        relay in ``exclude``, which starts a fresh handshake through the next one;
        ``NoRelayTransport`` once none is left. Denied like
        :meth:`prepare_establish_channel` otherwise. Effects: charge
        ``CONNECT_RELAY_COST``, receipt, ``StartHandshake``, ``SendRelayRequest``
        carrying message 1 (the relay pays its forward).
        """

        def couple(charge: ChargeFlowBudget) -> GuardOutcome:
            membership = self._coupling.check_with_psk(snapshot, context_id, psk, peer)
            if isinstance(membership, DenyReason):
                return GuardOutcome.deny(membership)
            desc = self._peer_descriptor(context_id, peer, psk, now_ms, snapshot.epoch)
            if isinstance(desc, DenyReason):
                return GuardOutcome.deny(desc)
            relays = relay_candidates(desc, membership, self.authority_id, exclude)
            if not relays:
                return GuardOutcome.deny(DenyReason.NoRelayTransport)
            relay = relays[0]
            start = self.channel_endpoint.prepare_start(
                membership, snapshot.epoch, peer, psk, now_ms
            )
            envelope = RelayEnvelope(context_id, self.authority_id, peer, start.message)
            return GuardOutcome.allow(
                [
                    charge,
                    self._receipt("relay_request", charge, relay),
                    StartHandshake(
                        context_id, peer, snapshot.epoch, start.timestamp, start.handshaker
                    ),
                    SendRelayRequest(relay, envelope),
                ]
            )

        return evaluate_guards(snapshot, CAP_RENDEZVOUS_RELAY, CONNECT_RELAY_COST, couple)

    def prepare_relay_forward(
        self, snapshot: GuardSnapshot, envelope: RelayEnvelope, *, receipt: bytes | None = None
    ) -> GuardOutcome:
        """``RelayForward`` / ``RelayComplete`` (and relayed data): pass an envelope on,
        as the relay.

        An envelope that is no protocol message between two other authorities
        raises :class:`MalformedEnvelope` before anything is evaluated or charged
        (``_relay_path.check_relayable``); a relay without ``relay:forward`` for
        the context, or endpoints off its roster, drops it (a deny). ``receipt``
        is the sender's receipt that came with the envelope (checked as on the
        direct path, recorded only if the forward commits); message 1 and message
        2 are paid for, so without it they raise :class:`MissingReceipt`.

        An envelope this relay already forwarded in the snapshot's epoch raises
        :class:`ReplayedEnvelope`, also before anything is charged
        (``RVRelayForwardsOnce``). Preparing only reads the relay's memory
        (``forwarded``): an allowed forward carries a :class:`RecordForward`
        that the interpreter records there with the charge, so a denied or
        rolled-back forward leaves the envelope unrecorded and forwardable.
        The memory holds every digest of the live epoch and is bounded by
        refusing: once ``config.relay_forward_capacity`` envelopes were
        forwarded in the context's epoch, a new one is denied
        (``InsufficientBudget``, nothing charged or sent) until the epoch moves.
        That memory is the snapshot's epoch's only, so an envelope whose
        message header names another epoch raises :class:`StaleEnvelope`
        first: a replay after the context's epoch moved is refused too (and
        its receiver would refuse a message of a retired epoch anyway).

        A receipt paying for another envelope than this one (its ``subject``
        is not this envelope's digest) raises :class:`ReceiptWrongSubject`,
        nothing charged or recorded: a receipt taken off the wire cannot pay
        for an attacker's envelope and so use up the sender's nonce.
        """
        kind = check_relayable(envelope, self.authority_id)
        self._check_forward_epoch(snapshot, envelope, kind)
        self.forwarded.check(envelope, snapshot.epoch)
        # Message 1 and message 2 are paid by their sender; the key confirmation
        # and transport messages cost nothing and carry no receipt.
        paid_by_src = kind in (MessageType.HandshakeInit, MessageType.HandshakeResponse)

        def couple(charge: ChargeFlowBudget) -> GuardOutcome:
            membership = self._coupling.check(
                snapshot, envelope.context_id, envelope.src, envelope.dst
            )
            if isinstance(membership, DenyReason):
                return GuardOutcome.deny(membership)
            if self.forwarded.full(envelope.context_id, snapshot.epoch):
                # Fail closed: forgetting a digest of the live epoch would forward
                # and pay for its replay again. The forwards of a (context, epoch)
                # are a resource the next epoch renews, as the flow budget is, and
                # Rendezvous.tla's RelayForward drops for want of it with this
                # reason, sending nothing.
                return GuardOutcome.deny(DenyReason.InsufficientBudget)
            paid = self._accept_receipt(
                snapshot,
                envelope.context_id,
                envelope.src,
                receipt,
                required=paid_by_src,
                subject=receipt_subject(envelope.encode()),
            )
            return GuardOutcome.allow(
                [
                    charge,
                    RecordForward(
                        envelope.context_id, snapshot.epoch, ForwardedEnvelopes.digest(envelope)
                    ),
                    *paid,
                    self._receipt("relay_forward", charge, envelope.dst),
                    ForwardRelayEnvelope(envelope.dst, envelope),
                ]
            )

        return evaluate_guards(snapshot, CAP_RELAY_FORWARD, RELAY_FORWARD_COST, couple)

    def _check_forward_epoch(
        self, snapshot: GuardSnapshot, envelope: RelayEnvelope, kind: MessageType
    ) -> None:
        """:class:`StaleEnvelope` unless ``envelope``'s message is of the snapshot's epoch."""
        stamped = message_epoch(envelope.payload, kind)
        if stamped != snapshot.epoch:
            raise StaleEnvelope(
                f"{kind.name} of epoch {stamped}, the relay is at epoch {snapshot.epoch}"
            )

    def prepare_handle_relayed(
        self,
        snapshot: GuardSnapshot,
        relay: AuthorityId,
        envelope: RelayEnvelope,
        psk: bytes,
        *,
        now_ms: int,
        receipt: bytes | None = None,
    ) -> GuardOutcome:
        """Handle an envelope that ``relay`` forwarded to us, by its message type:

        - message 1: :meth:`prepare_relay_response` (we respond);
        - message 2: :meth:`prepare_relay_complete` (we initiated);
        - the key confirmation: journaled as on the direct path
          (:meth:`prepare_handle_handshake`);
        - a later transport message: only the relay's receipt is recorded; the
          channel layer opens it (``channel_endpoint.manager.receive(envelope.payload)``),
          as a direct one.

        ``receipt`` is the relay's receipt for the forward that brought the
        envelope: every forward is paid, so every one is checked and recorded
        here (:class:`MissingReceipt` without it, :class:`ReceiptWrongSubject`
        for a receipt of another envelope's forward, nothing changed). A
        transport message is opened apart from this outcome, so without that
        check a receipt of the relay's attached to garbage would use up its nonce.
        """
        kind = self._relayed_kind(envelope)
        if kind is MessageType.HandshakeInit:
            return self.prepare_relay_response(
                snapshot, relay, envelope, psk, now_ms=now_ms, receipt=receipt
            )
        if kind is MessageType.HandshakeResponse:
            return self.prepare_relay_complete(
                snapshot, relay, envelope, now_ms=now_ms, receipt=receipt
            )
        paid = self._accept_receipt(
            snapshot,
            envelope.context_id,
            relay,
            receipt,
            required=True,
            subject=receipt_subject(envelope.encode()),
        )
        if not self._is_data(envelope):
            outcome = self.prepare_handle_handshake(
                snapshot, envelope.context_id, envelope.src, envelope.payload, psk, now_ms=now_ms
            )
            if not outcome.is_allowed():
                return outcome
            charge, *rest = outcome.effects
            return GuardOutcome.allow([charge, *paid, *rest])

        def data(charge: ChargeFlowBudget) -> GuardOutcome:
            membership = self._coupling.check(snapshot, envelope.context_id, envelope.src, relay)
            if isinstance(membership, DenyReason):
                return GuardOutcome.deny(membership)
            return GuardOutcome.allow([charge, *paid])

        return evaluate_guards(snapshot, CAP_RENDEZVOUS_CONNECT, TRANSPORT_MESSAGE_COST, data)

    def _is_data(self, envelope: RelayEnvelope) -> bool:
        """A transport message of an Active channel with its sender in its context
        (anything else goes the confirmation's way, which names what is wrong)."""
        header = TransportMessage.decode(envelope.payload)
        channel = self.channel_endpoint.manager.get(header.channel_id)
        return (
            channel is not None
            and channel.state is ChannelState.Active
            and channel.context_id == envelope.context_id.value
            and channel.remote == envelope.src.value
        )

    def prepare_relay_response(
        self,
        snapshot: GuardSnapshot,
        relay: AuthorityId,
        envelope: RelayEnvelope,
        psk: bytes,
        *,
        now_ms: int,
        receipt: bytes | None = None,
    ) -> GuardOutcome:
        """``RelayResponse``: answer the message 1 in ``envelope`` through ``relay``.

        The channel layer checks message 1 as on the direct path (roster, static
        key, epoch, replay); a rejected message raises its typed error. Effects:
        charge ``CONNECT_RELAY_COST``, receipt, ``AcceptHandshake``,
        ``SendRelayResponse`` carrying message 2.
        """
        if self._relayed_kind(envelope) is not MessageType.HandshakeInit:
            raise MalformedEnvelope("a relay response answers a message 1")
        context_id, initiator = envelope.context_id, envelope.src

        def couple(charge: ChargeFlowBudget) -> GuardOutcome:
            membership = self._coupling.check_with_psk(snapshot, context_id, psk, initiator, relay)
            if isinstance(membership, DenyReason):
                return GuardOutcome.deny(membership)
            paid = self._accept_receipt(
                snapshot,
                context_id,
                relay,
                receipt,
                required=True,
                subject=receipt_subject(envelope.encode()),
            )
            channel, reply = self.channel_endpoint.prepare_accept(
                membership, snapshot.epoch, initiator, envelope.payload, psk=psk, now_ms=now_ms
            )
            answer = RelayEnvelope(context_id, self.authority_id, initiator, reply)
            return GuardOutcome.allow(
                [
                    charge,
                    *paid,
                    self._receipt("relay_response", charge, relay),
                    AcceptHandshake(context_id, initiator, snapshot.epoch, channel),
                    SendRelayResponse(relay, answer),
                ]
            )

        return evaluate_guards(snapshot, CAP_RENDEZVOUS_RELAY, CONNECT_RELAY_COST, couple)

    def prepare_relay_complete(
        self,
        snapshot: GuardSnapshot,
        relay: AuthorityId,
        envelope: RelayEnvelope,
        *,
        now_ms: int,
        receipt: bytes | None = None,
    ) -> GuardOutcome:
        """The message 2 of our relayed handshake arrived (``RelayComplete``): send
        the key confirmation back through ``relay``, never directly.

        Effects: a zero charge (``KEY_CONFIRMATION_COST``), ``CompleteHandshake``,
        ``SendRelayData`` carrying the confirmation.
        """
        if self._relayed_kind(envelope) is not MessageType.HandshakeResponse:
            raise MalformedEnvelope("a relay complete carries a message 2")
        context_id, responder = envelope.context_id, envelope.src

        def complete(charge: ChargeFlowBudget) -> GuardOutcome:
            membership = self._coupling.check(snapshot, context_id, responder, relay)
            if isinstance(membership, DenyReason):
                return GuardOutcome.deny(membership)
            paid = self._accept_receipt(
                snapshot,
                context_id,
                relay,
                receipt,
                required=True,
                subject=receipt_subject(envelope.encode()),
            )
            pending, channel, confirmation = self.channel_endpoint.prepare_finish(
                context_id, snapshot.epoch, responder, envelope.payload, now_ms
            )
            sealed = RelayEnvelope(context_id, self.authority_id, responder, confirmation)
            return GuardOutcome.allow(
                [
                    charge,
                    *paid,
                    CompleteHandshake(context_id, responder, snapshot.epoch, pending, channel),
                    SendRelayData(relay, sealed),
                ]
            )

        return evaluate_guards(snapshot, CAP_RENDEZVOUS_CONNECT, KEY_CONFIRMATION_COST, complete)

    def prepare_relay_data(
        self,
        snapshot: GuardSnapshot,
        context_id: ContextId,
        peer: AuthorityId,
        relay: AuthorityId,
        message: bytes,
    ) -> GuardOutcome:
        """Send a transport message of our Active channel with ``peer`` through ``relay``.

        ``message`` is what the channel layer sealed
        (``channel_endpoint.manager.seal``); the relay sees its header and
        ciphertext only. Effects: a zero charge (``TRANSPORT_MESSAGE_COST``),
        ``SendRelayData``.
        """
        channel = self.channel_endpoint.manager.find_by_context_peer(context_id.value, peer.value)
        if channel is None or not channel.is_active():
            raise LocalProtocolError("no Active channel with this peer in this context")
        try:
            header = TransportMessage.decode(message)
        except DecodeError as exc:
            raise LocalProtocolError(f"not a sealed transport message: {exc}") from None
        if header.channel_id != channel.channel_id:
            raise LocalProtocolError("the message was sealed on another channel")

        def couple(charge: ChargeFlowBudget) -> GuardOutcome:
            membership = self._coupling.check(snapshot, context_id, peer, relay)
            if isinstance(membership, DenyReason):
                return GuardOutcome.deny(membership)
            envelope = RelayEnvelope(context_id, self.authority_id, peer, message)
            return GuardOutcome.allow([charge, SendRelayData(relay, envelope)])

        return evaluate_guards(snapshot, CAP_RENDEZVOUS_CONNECT, TRANSPORT_MESSAGE_COST, couple)

    def _relayed_kind(self, envelope: RelayEnvelope) -> MessageType:
        """The message type of an envelope delivered to us (its shape checked as the
        relay checks it: a relay that forwards junk does not make us read it)."""
        if envelope.dst != self.authority_id:
            raise MalformedEnvelope("envelope addressed to another authority")
        return check_relayable(envelope)

    # -- small helpers ---------------------------------------------------------------

    def _nonce(self) -> bytes:
        nonce = self.config.nonce_source(32)
        if not isinstance(nonce, bytes) or len(nonce) != 32:
            raise LocalProtocolError("nonce_source must return 32 bytes")
        return nonce

    def _accept_receipt(
        self,
        snapshot: GuardSnapshot,
        context_id: ContextId,
        sender: AuthorityId,
        receipt: bytes | None,
        *,
        required: bool = False,
        subject: bytes | None = None,
    ) -> list[EffectCommand]:
        """The effect recording ``sender``'s receipt for the message it sent, once
        checked here (pure); a refused receipt raises its typed ``ReceiptError``,
        and so does a missing one where the message is paid for (``required``),
        or, where ``subject`` is given, one that pays for another message
        (:class:`ReceiptWrongSubject`)."""
        if not receipt:
            if required:
                raise MissingReceipt(f"a paid message from {sender} came without its receipt")
            return []
        verifier = self.receipt_verifiers.get(context_id)
        if verifier is None:
            raise ContextMismatchError(f"{self.authority_id} is not in {context_id}")
        decoded = Receipt.decode(receipt)
        if decoded.src != sender:
            raise ReceiptWrongSigner(f"receipt of {decoded.src}, message from {sender}")
        if subject is not None and decoded.subject != subject:
            raise ReceiptWrongSubject(f"receipt of {sender} pays for another message")
        verifier.check(decoded, snapshot.epoch)
        return [AcceptReceipt(context_id, decoded, snapshot.epoch)]

    @staticmethod
    def _receipt(operation: str, charge: ChargeFlowBudget, peer: AuthorityId) -> RecordReceipt:
        return RecordReceipt(operation, charge.context_id, peer, charge.epoch, charge.cost)


_Sync = TypeVar("_Sync", SyncDigest, SyncFacts)


def _expect(message: SyncMessage, kind: type[_Sync]) -> _Sync:
    """``message`` as a ``kind`` (a digest where an answer is due is peer misbehaviour)."""
    if not isinstance(message, kind):
        raise DecodeError("SealedSyncMessage", f"{type(message).__name__}, not a {kind.__name__}")
    return message


def _best_direct(desc: RendezvousDescriptor) -> TransportHint | None:
    """The first direct hint in the seed's ladder order."""
    for kind in DIRECT_LADDER:
        for hint in desc.transport_hints:
            if type(hint).__name__ == kind:
                return hint
    return None


def _offered(desc: RendezvousDescriptor, transport: TransportHint) -> TransportHint | None:
    """``transport`` if ``desc`` offers it as a direct hint."""
    return transport if transport.is_direct and transport in desc.transport_hints else None
