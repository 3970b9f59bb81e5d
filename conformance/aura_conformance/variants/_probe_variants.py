"""Wrong backends built to probe what the conformance harness misses.

Each keeps one plausible implementation mistake against a rule of DESIGN.md
(a comparison off by one, a check on one path only, state changed before the
check, a close that does not retire, ...), as a real implementation could make
it. They are the red team's: the tests run each through the default profile
and record whether it is rejected and under which invariant
(tests/conformance/test_probe_variants.py); nothing in the reference
implementation uses them.
"""

from __future__ import annotations

from collections.abc import Callable

import attrs
from aura_rendezvous import (
    CAP_RELAY_FORWARD,
    AuthorityId,
    ChannelManager,
    ChargeFlowBudget,
    ContextId,
    DenyReason,
    DescriptorRevoked,
    EffectInterpreter,
    GuardOutcome,
    GuardSnapshot,
    Receipt,
    RecordReceipt,
    RelayEnvelope,
    RendezvousConfig,
    RendezvousDescriptor,
    RendezvousService,
    evaluate_guards,
)
from aura_rendezvous.channels import (
    ChannelState,
    HandshakeConfig,
    HandshakeReplayGuard,
    ReceivedMessage,
    RosterLookup,
    SecureChannel,
    TransportMessage,
)
from aura_rendezvous.core import (
    ContextMembership,
    NotAMember,
    ReceiptChainBroken,
    ReceiptError,
    ReceiptReplayed,
    ReceiptWrongContext,
    ReceiptWrongEpoch,
    ReceiptWrongSigner,
    ReplayedHandshake,
    UnattributableFact,
    check_u64,
    verify_signature,
)
from aura_rendezvous.descriptors import needs_refresh_at, open_descriptor
from aura_rendezvous.guard import (
    GENESIS_HASH,
    ReceiptAcceptToken,
    ReceiptIssuer,
    ReceiptToken,
    ReceiptVerifier,
)
from aura_rendezvous.journal import (
    ContextJournal,
    DescriptorCache,
    DescriptorFact,
    JournalEntry,
    SealedSyncMessage,
    SyncFacts,
    apply_sync_facts,
    check_sync_entries,
    open_sync_message,
    revocation_signer,
)
from aura_rendezvous.noise import InitialStateCache, Keypair, StaticDhCache

from aura_conformance.variants._channel_variants import (
    EagerResponder,
    UncheckedStaticKeyManager,
)
from aura_conformance.variants._core_variants import choose_any_context

__all__ = [
    "AllContextsAdvanceManager",
    "AnyContextChoiceService",
    "AnyMemberRevocationService",
    "ClocklessMergeJournal",
    "ClocklessMergeService",
    "ClosedStillOpensManager",
    "CommitmentBlindService",
    "EagerRefreshService",
    "EagerResponderManager",
    "EpochBlindBudgetInterpreter",
    "EpochBlindChainVerifier",
    "ExclusiveFromService",
    "ExpiredDescriptorService",
    "FirstEpochReplayGuard",
    "FirstLinkUncheckedVerifier",
    "FrozenCacheService",
    "FutureEpochVerifier",
    "HorizonBlindSyncService",
    "InclusiveUntilService",
    "LateRefreshService",
    "NonStrictNonceVerifier",
    "NonStrictReplayGuard",
    "NonceKeyedMergeService",
    "OriginOnlyMergeService",
    "OwnFactsOnlySyncService",
    "OwnRevocationsOnlySyncService",
    "PendingSurvivesAdvanceManager",
    "PruneKeepsFactsService",
    "PublishClockRefreshService",
    "ReconfirmingManager",
    "RecordBeforeCheckVerifier",
    "RelayChargesSourceService",
    "RelayedUncheckedStaticKeyService",
    "RotatingOpensManager",
    "RotatingSealsManager",
    "SenderSignedRevocationSyncService",
    "SharedJournalAnswerService",
    "TimeoutIgnoringManager",
    "UncappedRelayService",
    "UndoLessIssuer",
    "budget_first_guards",
    "capability_blind_guards",
    "off_by_one_guards",
    "wrong_payer_guards",
]


# -- guard chain: budgets -----------------------------------------------------------


class EpochBlindBudgetInterpreter(EffectInterpreter):
    """Budgets charged on epoch 0 whatever the outcome's epoch: a new epoch does not
    start with ``spent = 0`` (DESIGN.md 4, "charged on the wrong epoch")."""

    def _do(self, effect, undo, receipts):  # type: ignore[no-untyped-def]
        if isinstance(effect, ChargeFlowBudget):
            effect = attrs.evolve(effect, epoch=0)
        super()._do(effect, undo, receipts)


GuardEvaluator = Callable[..., GuardOutcome]


def off_by_one_guards(send: object) -> GuardEvaluator:
    """The budget guard with ``spent + c < limit``: a charge that exactly reaches the
    limit is denied (DESIGN.md 4 says ``<=``)."""
    del send

    def evaluate(
        snapshot: GuardSnapshot,
        capability: str,
        cost: int,
        couple: Callable[[ChargeFlowBudget], GuardOutcome],
    ) -> GuardOutcome:
        if capability in snapshot.capabilities and snapshot.flow_budget_remaining <= cost:
            return GuardOutcome.deny(DenyReason.InsufficientBudget)
        return evaluate_guards(snapshot, capability, cost, couple)

    return evaluate


def capability_blind_guards(send: object) -> GuardEvaluator:
    """The capability guard is skipped: any member may run any operation."""
    del send

    def evaluate(
        snapshot: GuardSnapshot,
        capability: str,
        cost: int,
        couple: Callable[[ChargeFlowBudget], GuardOutcome],
    ) -> GuardOutcome:
        caps = frozenset({*snapshot.capabilities, capability})
        return evaluate_guards(attrs.evolve(snapshot, capabilities=caps), capability, cost, couple)

    return evaluate


def budget_first_guards(send: object) -> GuardEvaluator:
    """The budget guard runs before the capability guard (DESIGN.md 4: capability,
    then flow budget): a request failing both is denied for its budget."""
    del send

    def evaluate(
        snapshot: GuardSnapshot,
        capability: str,
        cost: int,
        couple: Callable[[ChargeFlowBudget], GuardOutcome],
    ) -> GuardOutcome:
        if snapshot.flow_budget_remaining < cost:
            return GuardOutcome.deny(DenyReason.InsufficientBudget)
        return evaluate_guards(snapshot, capability, cost, couple)

    return evaluate


def wrong_payer_guards(send: object) -> GuardEvaluator:
    """The charge of an operation is put on the budget of its destination, not of
    the authority that sends it (DESIGN.md 4: per (context, authority, epoch))."""
    del send

    def evaluate(
        snapshot: GuardSnapshot,
        capability: str,
        cost: int,
        couple: Callable[[ChargeFlowBudget], GuardOutcome],
    ) -> GuardOutcome:
        outcome = evaluate_guards(snapshot, capability, cost, couple)
        if not outcome.is_allowed():
            return outcome
        payee = next(
            (e.peer for e in outcome.effects if isinstance(e, RecordReceipt)),
            snapshot.authority_id,
        )
        return GuardOutcome.allow(
            [
                attrs.evolve(e, authority_id=payee) if isinstance(e, ChargeFlowBudget) else e
                for e in outcome.effects
            ]
        )

    return evaluate


# -- guard chain: receipts ----------------------------------------------------------


class _RuleVerifier(ReceiptVerifier):
    """The reference's checks with its three comparisons open to a variant."""

    def nonce_ok(self, last: int | None, nonce: int) -> bool:
        return last is None or nonce > last

    def link_needed(self, last: int | None, nonce: int) -> bool:
        return nonce == (0 if last is None else last) + 1

    def epoch_ok(self, epoch: int, current: int) -> bool:
        return epoch == current

    def stream(self, receipt: Receipt) -> tuple[AuthorityId, int]:
        return receipt.src, receipt.epoch

    def check(self, receipt: Receipt, current_epoch: int) -> None:
        if receipt.context_id != self.context_id:
            raise ReceiptWrongContext("receipt of another context")
        try:
            entry = self.roster.entry(receipt.src)
        except NotAMember:
            raise ReceiptWrongSigner(f"{receipt.src} is not on the roster") from None
        if not verify_signature(entry.ed25519_public, receipt.signed_message(), receipt.signature):
            raise ReceiptWrongSigner(f"receipt is not signed by {receipt.src}")
        if not self.epoch_ok(receipt.epoch, current_epoch):
            raise ReceiptWrongEpoch(f"receipt of epoch {receipt.epoch}, now {current_epoch}")
        previous = self._last.get(self.stream(receipt))
        last = previous[0] if previous is not None else None
        if not self.nonce_ok(last, receipt.nonce):
            raise ReceiptReplayed(f"nonce {receipt.nonce} not above {last}")
        expected = previous[1] if previous is not None else GENESIS_HASH
        if self.link_needed(last, receipt.nonce) and receipt.prev_hash != expected:
            raise ReceiptChainBroken("receipt does not link to the last accepted one")


class NonStrictNonceVerifier(_RuleVerifier):
    """A receipt nonce equal to the last accepted passes (``>=`` for ``>``); it does not
    follow the last, so no link is asked of it: a replay is accepted."""

    def nonce_ok(self, last: int | None, nonce: int) -> bool:
        return last is None or nonce >= last


class FirstLinkUncheckedVerifier(_RuleVerifier):
    """The chain link is checked only once something was accepted: the first receipt
    of a ``(src, epoch)`` need not link to the genesis hash."""

    def link_needed(self, last: int | None, nonce: int) -> bool:
        return last is not None and nonce == last + 1


class FutureEpochVerifier(_RuleVerifier):
    """The epoch check refuses only retired epochs (``receipt.epoch < current``): a
    receipt of an epoch the receiver has not reached is accepted."""

    def epoch_ok(self, epoch: int, current: int) -> bool:
        return epoch >= current


class EpochBlindChainVerifier(_RuleVerifier):
    """One receipt chain per source across epochs: the chain is keyed by ``src`` only,
    so the first receipt of a new epoch (nonce 1) is judged against the old epoch's."""

    def stream(self, receipt: Receipt) -> tuple[AuthorityId, int]:
        return receipt.src, 0

    def accept(self, receipt: Receipt, current_epoch: int) -> ReceiptAcceptToken:
        self.check(receipt, current_epoch)
        key = self.stream(receipt)
        token = ReceiptAcceptToken(self.context_id, key, self._last.get(key))
        self._last[key] = (receipt.nonce, receipt.hash())
        self.accepted.append(receipt)
        return token


class RecordBeforeCheckVerifier(ReceiptVerifier):
    """The receipt is recorded as the last of its stream whether or not its checks
    pass: a rejected receipt (a forged signature, a wrong epoch) still moves the chain."""

    def accept(self, receipt: Receipt, current_epoch: int) -> ReceiptAcceptToken:
        key = (receipt.src, receipt.epoch)
        try:
            return super().accept(receipt, current_epoch)
        except ReceiptError:
            self._last[key] = (receipt.nonce, receipt.hash())
            raise


class UndoLessIssuer(ReceiptIssuer):
    """A rolled-back outcome's receipt stays the last of its stream: the next receipt
    links to one that was never sent and skips its nonce."""

    def undo(self, token: ReceiptToken) -> None:
        del token


# -- epoch rotation -----------------------------------------------------------------


class TimeoutIgnoringManager(ChannelManager):
    """Pending handshakes and unconfirmed channels never time out (DESIGN.md 5:
    a passed ``timeout_ms`` ends in ``Failed``)."""

    def check_timeouts(self, now_ms: int) -> tuple[object, ...]:  # type: ignore[override]
        del now_ms
        return ()


class EagerResponderManager(ChannelManager):
    """The responder's channel is Active on writing message 2 (no key confirmation)."""

    def prepare_accept(
        self,
        config: HandshakeConfig,
        data: bytes,
        *,
        static: Keypair,
        roster: RosterLookup,
        ephemeral: Keypair,
        now_ms: int,
        static_dh: StaticDhCache | None = None,
        initial_state: InitialStateCache | None = None,
    ) -> tuple[SecureChannel, bytes]:
        self._check_config(config, newer=True)
        handshaker = EagerResponder.responder(
            config,
            static=static,
            roster=roster,
            replay_guard=self.replay_guard,
            ephemeral=ephemeral,
            now_ms=now_ms,
            static_dh=static_dh,
            initial_state=initial_state,
        )
        reply = handshaker.process_init(data, now_ms)
        channel = handshaker.build_channel()
        return channel, reply


class ClosedStillOpensManager(ChannelManager):
    """A close that does not retire: the channel is marked Closed but stays
    registered, and a message for it is still opened."""

    def close(self, channel_id: bytes) -> None:
        channel = self.get(channel_id)
        if channel is None:
            super().close(channel_id)
            return
        channel.close()

    def receive_message(self, message: TransportMessage) -> ReceivedMessage:
        channel = self.get(message.channel_id)
        if channel is not None and channel.state is ChannelState.Closed:
            channel._state = ChannelState.Active
            try:
                plaintext = channel.check_message(message)
                channel.accept_counter(message.counter)
            finally:
                channel._state = ChannelState.Closed
            return ReceivedMessage(channel, plaintext, False)
        return super().receive_message(message)


class RotatingOpensManager(ChannelManager):
    """A Rotating channel still opens messages of its (retired) epoch: only sealing
    was stopped on the epoch advance."""

    def receive_message(self, message: TransportMessage) -> ReceivedMessage:
        channel = self.get(message.channel_id)
        if (
            channel is not None
            and channel.state is ChannelState.Rotating
            and message.epoch == channel.epoch
        ):
            channel._state = ChannelState.Active
            try:
                plaintext = channel.check_message(message)
                channel.accept_counter(message.counter)
            finally:
                channel._state = ChannelState.Rotating
            return ReceivedMessage(channel, plaintext, False)
        return super().receive_message(message)


class RotatingSealsManager(ChannelManager):
    """A Rotating channel still seals: the epoch advance is noted but the sender keeps
    using the old keys until the rekey completes."""

    def seal(self, context_id: bytes, peer: bytes, plaintext: bytes) -> bytes:
        channel = self.find_by_context_peer(context_id, peer)
        if channel is not None and channel.state is ChannelState.Rotating:
            channel._state = ChannelState.Active
            try:
                return channel.seal(plaintext)
            finally:
                channel._state = ChannelState.Rotating
        return super().seal(context_id, peer, plaintext)


class PendingSurvivesAdvanceManager(ChannelManager):
    """An epoch advance keeps the handshakes pending under the old epoch."""

    def advance_epoch(
        self, epoch: int, context_id: bytes | None = None
    ) -> tuple[SecureChannel, ...]:
        pending = dict(self._pending)
        marked = super().advance_epoch(epoch, context_id)
        self._pending.update(pending)
        return marked


class AllContextsAdvanceManager(ChannelManager):
    """An epoch advance of one context moves every context: channels of contexts that
    did not rotate are marked Rotating too (DESIGN.md 1: epochs are per context)."""

    def advance_epoch(
        self, epoch: int, context_id: bytes | None = None
    ) -> tuple[SecureChannel, ...]:
        if context_id is not None and epoch > self.current_epoch:
            return super().advance_epoch(epoch, None)
        return super().advance_epoch(epoch, context_id)


class ReconfirmingManager(ChannelManager):
    """Every transport message an Active responder channel opens is reported as its
    key confirmation: ``ChannelEstablished`` is journaled again for each."""

    def receive_message(self, message: TransportMessage) -> ReceivedMessage:
        got = super().receive_message(message)
        if got.channel.is_initiator:
            return got
        return ReceivedMessage(got.channel, got.plaintext, True)


class FirstEpochReplayGuard(HandshakeReplayGuard):
    """Replayed first messages are refused in epoch 0 only: the check is skipped on
    every later epoch."""

    def check_replay(self, context_id: bytes, epoch: int, initiator: bytes, timestamp: int) -> None:
        if epoch == 0:
            super().check_replay(context_id, epoch, initiator, timestamp)

    def check_confirmable(
        self, context_id: bytes, epoch: int, initiator: bytes, timestamp: int
    ) -> None:
        if epoch == 0:
            super().check_confirmable(context_id, epoch, initiator, timestamp)


class NonStrictReplayGuard(HandshakeReplayGuard):
    """A first-message timestamp equal to the greatest confirmed one passes (``<`` for
    ``<=``): the confirmed message 1, replayed, is answered again."""

    def check_confirmable(
        self, context_id: bytes, epoch: int, initiator: bytes, timestamp: int
    ) -> None:
        seen = self.greatest(context_id, epoch, initiator)
        if seen is not None and timestamp < seen:
            raise ReplayedHandshake(f"timestamp {timestamp} below {seen}")


# -- descriptors --------------------------------------------------------------------


class InclusiveUntilService(RendezvousService):
    """A descriptor is chosen up to and including ``valid_until`` (``<=`` for ``<``)."""

    def get_cached_descriptor(
        self, context_id: ContextId, peer: AuthorityId, now_ms: int
    ) -> RendezvousDescriptor | None:
        found = super().get_cached_descriptor(context_id, peer, now_ms)
        if found is None and now_ms > 0 and self.membership(context_id) is not None:
            cache = self.descriptor_cache(context_id)
            ending = [
                d
                for d in cache.descriptors
                if d.authority_id == peer
                and d.valid_until == now_ms
                and (d.authority_id, d.nonce) not in cache.revoked
            ]
            return max(ending, key=lambda d: d.order_key, default=None)
        return found


class ExclusiveFromService(RendezvousService):
    """A descriptor is valid only strictly after ``valid_from`` (``<`` for ``<=``)."""

    def get_cached_descriptor(
        self, context_id: ContextId, peer: AuthorityId, now_ms: int
    ) -> RendezvousDescriptor | None:
        if self.membership(context_id) is None:
            return None
        cache = self.descriptor_cache(context_id)
        kept = tuple(d for d in cache.descriptors if d.valid_from < now_ms)
        return DescriptorCache(cache.context_id, kept, cache.revoked, cache.rejected).choose(
            peer, now_ms
        )


class LateRefreshService(RendezvousService):
    """``needs_refresh`` with ``now + window > valid_until``: the refresh comes one
    instant late (DESIGN.md 2 says ``>=``)."""

    def needs_refresh(self, context_id: ContextId, now_ms: int, refresh_window_ms: int) -> bool:
        own = self.get_cached_descriptor(context_id, self.authority_id, now_ms)
        if own is None:
            return True
        window = check_u64("window", refresh_window_ms)
        if self._own_descriptor_epoch(context_id, own) < self.current_epoch(context_id):
            return True
        return needs_refresh_at(own.valid_until, now_ms, window + 1) and (
            now_ms + window != own.valid_until
        )


class PublishClockRefreshService(RendezvousService):
    """``needs_refresh`` reads the clock of the own descriptor's publication
    (``valid_from``) instead of ``now``: a descriptor about to expire never needs
    refresh until it has expired."""

    def needs_refresh(self, context_id: ContextId, now_ms: int, refresh_window_ms: int) -> bool:
        own = self.get_cached_descriptor(context_id, self.authority_id, now_ms)
        if own is None:
            return True
        return super().needs_refresh(context_id, own.valid_from, refresh_window_ms)


class EagerRefreshService(RendezvousService):
    """``needs_refresh`` is always true: a new descriptor is published at every call,
    each charged and journaled, while the current one is still far from expiry."""

    def needs_refresh(self, context_id: ContextId, now_ms: int, refresh_window_ms: int) -> bool:
        return True


class AnyContextChoiceService(RendezvousService):
    """The peer's descriptor is chosen among those of every context it shares with us:
    a descriptor of context A is used for context B."""

    def get_cached_descriptor(
        self, context_id: ContextId, peer: AuthorityId, now_ms: int
    ) -> RendezvousDescriptor | None:
        if self.membership(context_id) is None:
            return None
        pooled = [d for c in self.journals for d in self.descriptor_cache(c).descriptors]
        revoked = frozenset(r for c in self.journals for r in self.descriptor_cache(c).revoked)
        return choose_any_context(pooled, context_id, peer, now_ms, revoked)


class AnyMemberRevocationService(RendezvousService):
    """A revocation signed by any roster member is honoured, not only the publisher's."""

    def descriptor_cache(self, context_id: ContextId) -> DescriptorCache:
        cache = super().descriptor_cache(context_id)
        membership = self.membership(context_id)
        assert membership is not None
        extra = set()
        for fact in self.journal(context_id).facts():
            if isinstance(fact, DescriptorRevoked):
                for _, entry in membership.roster.entries:
                    if verify_signature(
                        entry.ed25519_public, fact.signed_message(), fact.signature
                    ):
                        extra.add((fact.authority_id, fact.nonce))
        return DescriptorCache(
            cache.context_id, cache.descriptors, cache.revoked | extra, cache.rejected
        )


class HorizonBlindSyncService(RendezvousService):
    """The prune horizon is not consulted on sync or cache: a peer that has not pruned
    yet brings the pruned facts back."""

    def _below_horizon(self, fact: object) -> bool:
        del fact
        return False


class ClocklessMergeJournal(ContextJournal):
    """A merged entry does not move the Lamport clock: a fact appended after it may be
    stamped below the fact it causally follows (DESIGN.md 3: causal order)."""

    def _merge_checked(self, entry: JournalEntry) -> bool:
        clock = self._clock
        try:
            return super()._merge_checked(entry)
        finally:
            self._clock = clock


class ClocklessMergeService(RendezvousService):
    """The service over :class:`ClocklessMergeJournal`."""

    def __init__(self, authority_id: AuthorityId, config: RendezvousConfig) -> None:
        super().__init__(authority_id, config)
        self.journals = {c: ClocklessMergeJournal(c) for c in self.journals}


class PruneKeepsFactsService(RendezvousService):
    """Pruning moves the horizon but drops nothing: the dead facts stay in the replica
    (and in every answer to a digest)."""

    def prune_journal(self, context_id: ContextId, now_ms: int) -> int:
        self._horizons[context_id] = max(self.prune_horizon(context_id), now_ms)
        return 0


class _PassOnFilterService(RendezvousService):
    """Answers a digest as the reference does, then drops the entries
    :meth:`_passes_on` refuses: the shape of the sync probes that forget to pass
    facts on."""

    def _passes_on(self, entry: JournalEntry) -> bool:
        raise NotImplementedError

    def answer_sync(self, message: SealedSyncMessage) -> tuple[SealedSyncMessage, ...]:
        membership = self.membership(message.context_id)
        assert membership is not None
        out = []
        for answer in super().answer_sync(message):
            facts = open_sync_message(answer, membership)
            assert isinstance(facts, SyncFacts)
            kept = tuple(e for e in facts.entries if self._passes_on(e))
            out.append(self._seal_sync(attrs.evolve(facts, entries=kept), message.epoch))
        return tuple(out)


class _MergeFilterService(RendezvousService):
    """Merges synced facts as the reference does (entries checked first), keeping
    only those :meth:`_kept` returns: the shape of the sync probes that drop facts
    on arrival."""

    def _kept(
        self, facts: SyncFacts, journal: ContextJournal, membership: ContextMembership
    ) -> tuple[JournalEntry, ...]:
        raise NotImplementedError

    def apply_sync(self, message: SealedSyncMessage) -> int:
        membership = self.membership(message.context_id)
        assert membership is not None
        facts = open_sync_message(message, membership)
        if not isinstance(facts, SyncFacts):
            return super().apply_sync(message)
        journal = self.journal(facts.context_id)
        check_sync_entries(journal, facts.entries, membership)
        kept = self._kept(facts, journal, membership)
        return apply_sync_facts(
            journal, attrs.evolve(facts, entries=kept), membership.roster, self._below_horizon
        )


class OwnFactsOnlySyncService(_PassOnFilterService):
    """A digest is answered with the facts this member authored only: facts it learnt
    from others never travel on, so replicas converge only through each author."""

    def _passes_on(self, entry: JournalEntry) -> bool:
        return entry.origin == self.authority_id


class OwnRevocationsOnlySyncService(_PassOnFilterService):
    """A digest is answered with every descriptor but only the revocations this member
    wrote: a revocation it learnt from its publisher is not passed on, so a member
    that never syncs with the publisher keeps choosing the revoked descriptor."""

    def _passes_on(self, entry: JournalEntry) -> bool:
        return not isinstance(entry.fact, DescriptorRevoked) or entry.origin == self.authority_id


class OriginOnlyMergeService(RendezvousService):
    """A synced entry is taken only from the member it originated at: a message whose
    sender is not every entry's origin is refused whole, as if a relayed fact were
    forged (the author's signature on the fact is what proves it, not the sender)."""

    def apply_sync(self, message: SealedSyncMessage) -> int:
        membership = self.membership(message.context_id)
        assert membership is not None
        facts = open_sync_message(message, membership)
        if isinstance(facts, SyncFacts) and any(e.origin != facts.sender for e in facts.entries):
            raise UnattributableFact("an entry relayed by a member that is not its origin")
        return super().apply_sync(message)


class SenderSignedRevocationSyncService(_MergeFilterService):
    """A synced revocation is taken only when the member sending it signed it: a
    publisher's revocation relayed by another member is dropped (descriptors and
    other facts merge as usual)."""

    def _kept(
        self, facts: SyncFacts, journal: ContextJournal, membership: ContextMembership
    ) -> tuple[JournalEntry, ...]:
        return tuple(
            e
            for e in facts.entries
            if not isinstance(e.fact, DescriptorRevoked)
            or revocation_signer(e.fact, membership.roster) == facts.sender
        )


class NonceKeyedMergeService(_MergeFilterService):
    """Synced descriptor facts are deduplicated by (publisher, nonce), not by fact id:
    a revocation names the nonce of the descriptor it revokes, so once the
    descriptor is held its revocation is dropped as a second copy of it."""

    def _kept(
        self, facts: SyncFacts, journal: ContextJournal, membership: ContextMembership
    ) -> tuple[JournalEntry, ...]:
        def key(fact: object) -> tuple[AuthorityId, bytes] | None:
            if isinstance(fact, DescriptorRevoked):
                return (fact.authority_id, fact.nonce)
            if isinstance(fact, DescriptorFact):
                d = open_descriptor(fact.sealed, membership)
                return (d.authority_id, d.nonce)
            return None

        held = {key(e.fact) for e in journal.entries()} - {None}
        kept = []
        for e in facts.entries:
            k = key(e.fact)
            if k is None or k not in held:
                kept.append(e)
                held.add(k)
        return tuple(kept)


class SharedJournalAnswerService(RendezvousService):
    """A digest is answered from the facts of every context this member holds, not
    only the digest's: facts of context A are offered in a sync of context B."""

    def answer_sync(self, message: SealedSyncMessage) -> tuple[SealedSyncMessage, ...]:
        membership = self.membership(message.context_id)
        assert membership is not None
        answers = list(super().answer_sync(message))
        others = [
            e
            for c, journal in self.journals.items()
            if c != message.context_id
            for e in journal.entries()
        ]
        if others and answers:
            facts = open_sync_message(answers[0], membership)
            assert isinstance(facts, SyncFacts)
            mixed = attrs.evolve(facts, entries=(*facts.entries, *others))
            answers[0] = self._seal_sync(mixed, message.epoch)
        return tuple(answers)


class FrozenCacheService(RendezvousService):
    """The descriptor cache is computed once and kept: a second source of truth that
    the journal no longer moves (DESIGN.md 3 derives it from the journal)."""

    def descriptor_cache(self, context_id: ContextId) -> DescriptorCache:
        frozen: dict[ContextId, DescriptorCache] = self.__dict__.setdefault("_frozen", {})
        if context_id not in frozen:
            frozen[context_id] = super().descriptor_cache(context_id)
        return frozen[context_id]


# -- relay --------------------------------------------------------------------------


class CommitmentBlindService(RendezvousService):
    """The peer's descriptor is used whatever PSK it commits to: a peer of another
    epoch is sent a message 1 instead of "refresh" (DESIGN.md 1)."""

    def _peer_descriptor(
        self, context_id: ContextId, peer: AuthorityId, psk: bytes, now_ms: int, epoch: int
    ) -> RendezvousDescriptor | DenyReason:
        desc = self.get_cached_descriptor(context_id, peer, now_ms)
        return DenyReason.NoValidDescriptor if desc is None else desc


class ExpiredDescriptorService(RendezvousService):
    """When the peer has no valid descriptor, its newest expired one is used: a
    connection is attempted on stale hints (DESIGN.md 2: valid at ``now`` only)."""

    def _peer_descriptor(
        self, context_id: ContextId, peer: AuthorityId, psk: bytes, now_ms: int, epoch: int
    ) -> RendezvousDescriptor | DenyReason:
        found = super()._peer_descriptor(context_id, peer, psk, now_ms, epoch)
        if found is not DenyReason.NoValidDescriptor:
            return found
        cache = self.descriptor_cache(context_id)
        stale = [d for d in cache.descriptors if d.authority_id == peer]
        return max(stale, key=lambda d: d.order_key, default=DenyReason.NoValidDescriptor)


class RelayedUncheckedStaticKeyService(RendezvousService):
    """The responder's channel layer takes message 1's static key as the claimed
    member's (:class:`UncheckedStaticKeyManager`): checked on no path, so a relayed
    message 1 from an impostor is answered too."""

    def __init__(self, authority_id: AuthorityId, config: RendezvousConfig) -> None:
        super().__init__(authority_id, config)
        self.channel_endpoint.manager = UncheckedStaticKeyManager(authority_id.value, epoch=0)


class UncappedRelayService(RendezvousService):
    """The relay forwards without holding ``relay:forward`` for the context."""

    def prepare_relay_forward(
        self, snapshot: GuardSnapshot, envelope: RelayEnvelope, *, receipt: bytes | None = None
    ) -> GuardOutcome:
        caps = frozenset({*snapshot.capabilities, CAP_RELAY_FORWARD})
        return super().prepare_relay_forward(
            attrs.evolve(snapshot, capabilities=caps), envelope, receipt=receipt
        )


class RelayChargesSourceService(RendezvousService):
    """The relay charges a forward to the envelope's source instead of itself."""

    def prepare_relay_forward(
        self, snapshot: GuardSnapshot, envelope: RelayEnvelope, *, receipt: bytes | None = None
    ) -> GuardOutcome:
        outcome = super().prepare_relay_forward(snapshot, envelope, receipt=receipt)
        if not outcome.is_allowed():
            return outcome
        effects = [
            attrs.evolve(e, authority_id=envelope.src) if isinstance(e, ChargeFlowBudget) else e
            for e in outcome.effects
        ]
        return GuardOutcome.allow(effects)
