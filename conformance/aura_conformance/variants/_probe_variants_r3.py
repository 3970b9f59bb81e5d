"""The red team's third round of wrong backends, written from DESIGN.md's rules alone.

Each keeps one plausible implementation mistake (a comparison on the wrong
side, state keyed by the wrong tuple, a check on the wrong field or only on
one path, a cache invalidated on one path only, a constant from the wrong
table) as a real implementation could make it. The tests run each through the
default profile and record whether it is rejected and under which invariant
(tests/conformance/test_probe_variants_r3.py); nothing in the reference
implementation uses them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

import attrs
from aura_rendezvous import (
    AuthorityId,
    ChannelManager,
    ChargeFlowBudget,
    ContextId,
    DenyReason,
    DescriptorRevoked,
    GuardOutcome,
    GuardSnapshot,
    Receipt,
    RecordReceipt,
    RelayEnvelope,
    RendezvousConfig,
    RendezvousDescriptor,
    RendezvousService,
)
from aura_rendezvous.channels import (
    HandshakeReplayGuard,
    MessageType,
    SecureChannel,
    TransportMessage,
    message_type,
)
from aura_rendezvous.core import (
    ContextMembership,
    NotAMember,
    ReceiptChainBroken,
    ReceiptReplayed,
    ReceiptWrongContext,
    ReceiptWrongEpoch,
    ReceiptWrongSigner,
    check_u32,
    verify_signature,
)
from aura_rendezvous.descriptors import choose_descriptor, needs_refresh_at, open_descriptor
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
)
from aura_rendezvous.noise import InitialStateCache

from aura_conformance.variants._probe_variants import _MergeFilterService

__all__ = [
    "AnyContextRefreshService",
    "AnyRosterSignerVerifier",
    "BodyHashIssuer",
    "BodyHashVerifier",
    "ContextBlindReplayGuard",
    "ContextFreePrologue",
    "CostUnsignedIssuer",
    "CostUnsignedVerifier",
    "DeadlineBlindConfirmManager",
    "DstBlindReceiptsService",
    "FirstEpochPskMembership",
    "ForgetOnConfirmReplayGuard",
    "FromUncheckedService",
    "GraceEpochVerifier",
    "LateDeadlineManager",
    "LinkTrustingVerifier",
    "LiveOnlyAnswerService",
    "LocalOnlyCacheService",
    "NonMemberForwardingRelay",
    "NonceOnlyRevocationService",
    "PruneByValidFromService",
    "RevokedOwnFreshService",
    "SeedCostRelayService",
    "SenderBlindReceiptService",
    "SourceBlindVerifier",
    "StuckCounterManager",
    "SubjectBlindRelayService",
    "TieByJournalOrderService",
    "UnknownRevocationDroppedService",
    "UnpaidResponseRelayService",
    "UnrecordedConfirmManager",
    "VersionMemoChoiceService",
    "remaining_only_guards",
]


# -- guard chain: receipts ------------------------------------------------------------


class _HookVerifier(ReceiptVerifier):
    """The reference's receipt checks (DESIGN.md 4) with three places a variant gets
    wrong: whose key a signature is checked against, when it is checked at all, and
    the key a chain is kept under."""

    def _signed(self, receipt: Receipt, public: bytes) -> bool:
        return verify_signature(public, receipt.signed_message(), receipt.signature)

    def _signature_checked(self, last_nonce: int | None, nonce: int) -> bool:
        del last_nonce, nonce
        return True

    def _stream(self, receipt: Receipt) -> Any:
        return (receipt.src, receipt.epoch)

    def check(self, receipt: Receipt, current_epoch: int) -> None:
        if receipt.context_id != self.context_id:
            raise ReceiptWrongContext("receipt of another context")
        try:
            entry = self.roster.entry(receipt.src)
        except NotAMember:
            raise ReceiptWrongSigner(f"{receipt.src} is not on the roster") from None
        previous = self._last.get(self._stream(receipt))
        last_nonce = previous[0] if previous is not None else None
        if self._signature_checked(last_nonce, receipt.nonce) and not self._signed(
            receipt, entry.ed25519_public
        ):
            raise ReceiptWrongSigner(f"receipt is not signed by {receipt.src}")
        if receipt.epoch != current_epoch:
            raise ReceiptWrongEpoch(f"receipt of epoch {receipt.epoch}, now {current_epoch}")
        if last_nonce is not None and receipt.nonce <= last_nonce:
            raise ReceiptReplayed(f"nonce {receipt.nonce} not above {last_nonce}")
        expected = previous[1] if previous is not None else GENESIS_HASH
        follows = receipt.nonce == (0 if last_nonce is None else last_nonce) + 1
        if follows and receipt.prev_hash != expected:
            raise ReceiptChainBroken("receipt does not link to the last accepted one")

    def accept(self, receipt: Receipt, current_epoch: int) -> ReceiptAcceptToken:
        self.check(receipt, current_epoch)
        key = self._stream(receipt)
        token = ReceiptAcceptToken(self.context_id, key, self._last.get(key))
        self._last[key] = (receipt.nonce, receipt.hash())
        self.accepted.append(receipt)
        return token


class AnyRosterSignerVerifier(_HookVerifier):
    """A receipt's signature is accepted if any roster key verifies it: the check is
    "signed by a member", not "signed by ``src``" (the key looked up by the wrong field)."""

    def _signed(self, receipt: Receipt, public: bytes) -> bool:
        message = receipt.signed_message()
        return any(
            verify_signature(self.roster.entry(a).ed25519_public, message, receipt.signature)
            for a in self.roster
        )


class LinkTrustingVerifier(_HookVerifier):
    """The signature is checked only where no link is checked (the first receipt of a
    stream, or after a gap): a receipt that links to the last accepted one is taken
    as authenticated by its hash chain, which anyone who saw the last one can copy."""

    def _signature_checked(self, last_nonce: int | None, nonce: int) -> bool:
        return last_nonce is None or nonce != last_nonce + 1


class SourceBlindVerifier(_HookVerifier):
    """Receipt chains are kept per epoch only, not per ``(src, epoch)``: every
    source's receipts share one nonce sequence at the receiver (a per-wrong-key
    replay memory), so a second source's nonce 1 is refused as a replay."""

    def _stream(self, receipt: Receipt) -> Any:
        return receipt.epoch


class GraceEpochVerifier(_HookVerifier):
    """A receipt of the epoch just retired is still accepted (a "grace period" for the
    messages in flight at a rotation): the epoch check is ``current - 1 <= epoch <=
    current`` instead of ``epoch == current``."""

    def check(self, receipt: Receipt, current_epoch: int) -> None:
        grace = receipt.epoch == current_epoch - 1
        super().check(receipt, receipt.epoch if grace else current_epoch)


def _body_hash(receipt: Receipt) -> bytes:
    return hashlib.blake2s(b"aura-probe/body-hash" + receipt.body(), digest_size=32).digest()


class BodyHashIssuer(ReceiptIssuer):
    """Links each receipt to the hash of the previous one's body, the signature left
    out (the chain hash over the wrong bytes): two receipts that differ only in their
    signature hash alike."""

    def issue(
        self,
        operation: str,
        context_id: ContextId,
        dst: AuthorityId,
        epoch: int,
        cost: int,
        **kw: Any,
    ) -> tuple[Receipt, ReceiptToken]:
        receipt, token = super().issue(operation, context_id, dst, epoch, cost, **kw)
        self._last[token.key] = (receipt.nonce, _body_hash(receipt))
        return receipt, token


class BodyHashVerifier(_HookVerifier):
    """The receiving side of :class:`BodyHashIssuer`: the last accepted receipt is kept
    by its body hash."""

    def accept(self, receipt: Receipt, current_epoch: int) -> ReceiptAcceptToken:
        token = super().accept(receipt, current_epoch)
        self._last[token.key] = (receipt.nonce, _body_hash(receipt))
        return token


def _unsigned_cost(receipt: Receipt) -> bytes:
    return attrs.evolve(receipt, cost=0).signed_message()


class CostUnsignedIssuer(ReceiptIssuer):
    """Signs each receipt over its body with the cost left out (zero): the cost a
    receiver reads is not covered by the signature."""

    def issue(
        self,
        operation: str,
        context_id: ContextId,
        dst: AuthorityId,
        epoch: int,
        cost: int,
        **kw: Any,
    ) -> tuple[Receipt, ReceiptToken]:
        receipt, token = super().issue(operation, context_id, dst, epoch, 0, **kw)
        receipt = attrs.evolve(receipt, cost=check_u32("cost", cost))
        self.issued[-1] = receipt
        self._last[token.key] = (receipt.nonce, receipt.hash())
        return receipt, token


class CostUnsignedVerifier(_HookVerifier):
    """The receiving side of :class:`CostUnsignedIssuer`: checks the signature over
    the body without the cost."""

    def _signed(self, receipt: Receipt, public: bytes) -> bool:
        return verify_signature(public, _unsigned_cost(receipt), receipt.signature)


# -- guard chain: budgets -------------------------------------------------------------

GuardEvaluator = Callable[..., GuardOutcome]


def remaining_only_guards(send: object) -> GuardEvaluator:
    """The budget guard asks whether any budget is left (``remaining > 0``), not
    whether the cost fits (``spent + c <= limit``): the charge itself then fails at
    execution and the outcome rolls back instead of being denied."""
    del send

    def evaluate(
        snapshot: GuardSnapshot,
        capability: str,
        cost: int,
        couple: Callable[[ChargeFlowBudget], GuardOutcome],
    ) -> GuardOutcome:
        if capability not in snapshot.capabilities:
            return GuardOutcome.deny(DenyReason.MissingCapability)
        if snapshot.flow_budget_remaining <= 0:
            return GuardOutcome.deny(DenyReason.InsufficientBudget)
        charge = ChargeFlowBudget(snapshot.context_id, snapshot.authority_id, snapshot.epoch, cost)
        return couple(charge)

    return evaluate


# -- channels and epochs --------------------------------------------------------------


class LateDeadlineManager(ChannelManager):
    """A handshake or key confirmation fails only once ``now > deadline``: one
    reached exactly is still live (DESIGN.md 5: a passed ``timeout_ms`` is
    ``Failed``; the reference's deadline is the first instant it has passed)."""

    def check_timeouts(self, now_ms: int) -> tuple[Any, ...]:
        return super().check_timeouts(max(now_ms - 1, 0))

    def prepare_confirm(
        self, channel: SecureChannel, message: TransportMessage, now_ms: int
    ) -> bytes:
        return super().prepare_confirm(channel, message, max(now_ms - 1, 0))


class DeadlineBlindConfirmManager(ChannelManager):
    """A key confirmation is taken whenever it arrives while the channel is still
    Establishing: its deadline is left to the timer alone, so one that arrives after
    the deadline but before the timer fired makes the channel Active."""

    def prepare_confirm(
        self, channel: SecureChannel, message: TransportMessage, now_ms: int
    ) -> bytes:
        del now_ms
        return super().prepare_confirm(channel, message, 0)


class UnrecordedConfirmManager(ChannelManager):
    """The key confirmation is taken as a handshake message, outside the data stream:
    its counter is not recorded as received, so the same confirmation delivered again
    to the now Active channel opens as data (the confirmation accepted twice)."""

    def commit_confirm(self, channel: SecureChannel, counter: int) -> None:
        super().commit_confirm(channel, counter)
        channel._highest_recv = None


class ContextBlindReplayGuard(HandshakeReplayGuard):
    """First-message timestamps are kept per ``(epoch, initiator)``: the context is
    left out of the key, so a handshake confirmed in one context raises the bar in
    every other (the greatest timestamp kept under the wrong key)."""

    _CTX = b"\x00" * 32

    def greatest(self, context_id: bytes, epoch: int, initiator: bytes) -> int | None:
        return super().greatest(self._CTX, epoch, initiator)

    def check_replay(self, context_id: bytes, epoch: int, initiator: bytes, timestamp: int) -> None:
        super().check_replay(self._CTX, epoch, initiator, timestamp)

    def check_confirmable(
        self, context_id: bytes, epoch: int, initiator: bytes, timestamp: int
    ) -> None:
        super().check_confirmable(self._CTX, epoch, initiator, timestamp)

    def note_answered(
        self, context_id: bytes, epoch: int, initiator: bytes, timestamp: int
    ) -> None:
        super().note_answered(self._CTX, epoch, initiator, timestamp)

    def record(self, context_id: bytes, epoch: int, initiator: bytes, timestamp: int) -> None:
        super().record(self._CTX, epoch, initiator, timestamp)

    def forget_retired(self, epoch_of: Callable[[bytes], int]) -> None:
        # Its one key names no context: nothing of it is ever known to be retired.
        del epoch_of


class ForgetOnConfirmReplayGuard(HandshakeReplayGuard):
    """A key confirmation takes the handshake's timestamp off the answered list (it
    is no longer pending) without moving the greatest confirmed one: the replay
    memory is kept too short, so the confirmed message 1 can be answered again."""

    def record(self, context_id: bytes, epoch: int, initiator: bytes, timestamp: int) -> None:
        self.check_confirmable(context_id, epoch, initiator, timestamp)
        answered = self._answered.get((context_id, epoch, initiator))
        if answered is not None:
            answered.discard(timestamp)


@attrs.frozen
class FirstEpochPskMembership(ContextMembership):
    """The handshake PSK is derived once per context and kept: after an epoch advance
    the handshake still runs under the first epoch's PSK (a cache keyed by the
    context only)."""

    def handshake_psk(self, epoch: int) -> bytes:
        del epoch
        return super().handshake_psk(0)


_PROLOGUE_CONTEXT_LEN = 32
_PROLOGUE_EPOCH_LEN = 8


class ContextFreePrologue(InitialStateCache):
    """The handshake state after a prologue of the label and epoch only: the context
    id is left out, so nothing but the PSK ties message 1 to its context (and IKpsk2
    mixes the PSK in only at the end of message 2)."""

    def get(self, key: tuple[bytes, ...]) -> tuple[bytes, bytes] | None:
        prologue, *pre = key
        hashing = self.protocol.hash
        name = self.protocol.name.encode("ascii")
        h = (
            name.ljust(hashing.hashlen, b"\x00")
            if len(name) <= hashing.hashlen
            else hashing.hash(name)
        )
        ck = h
        cut = _PROLOGUE_CONTEXT_LEN + _PROLOGUE_EPOCH_LEN
        for data in (prologue[:-cut] + prologue[-_PROLOGUE_EPOCH_LEN:], *pre):
            h = hashing.hash(h, data)
        return ck, h

    def put(self, key: tuple[bytes, ...], ck: bytes, h: bytes) -> None:
        del key, ck, h  # nothing kept: get derives the state each time


class StuckCounterManager(ChannelManager):
    """Sealing does not move the send counter: every transport message of a channel
    is sealed under the same nonce (the counter advanced on a path that is skipped)."""

    def seal(self, context_id: bytes, peer: bytes, plaintext: bytes) -> bytes:
        data = super().seal(context_id, peer, plaintext)
        channel = self.find_by_context_peer(context_id, peer)
        if channel is not None:
            channel._next_send -= 1
        return data


# -- descriptors ----------------------------------------------------------------------


class RevokedOwnFreshService(RendezvousService):
    """``needs_refresh`` looks at the own newest valid descriptor without asking the
    revocations: after revoking its descriptor a publisher believes it still has one
    and does not publish a successor."""

    def needs_refresh(self, context_id: ContextId, now_ms: int, refresh_window_ms: int) -> bool:
        cache = self.descriptor_cache(context_id)
        own = choose_descriptor(cache.descriptors, context_id, self.authority_id, now_ms)
        if own is None:
            return True
        if self._own_descriptor_epoch(context_id, own) < self.current_epoch(context_id):
            return True
        return needs_refresh_at(own.valid_until, now_ms, refresh_window_ms)


class LocalOnlyCacheService(RendezvousService):
    """The descriptor cache is invalidated by the member's own writes (publish,
    revoke) only: a sync merge leaves the cache as it was, so a synced descriptor or
    revocation is not seen until the next local write."""

    def apply_sync(self, message: SealedSyncMessage) -> int:
        before = self._caches.get(message.context_id)
        changed = super().apply_sync(message)
        if before is not None:
            self._caches[message.context_id] = (self.journal(message.context_id).version, before[1])
        return changed


class NonceOnlyRevocationService(RendezvousService):
    """The revoked set is matched on the nonce alone: a revocation signed by member B
    naming B and a nonce of A's descriptor hides A's descriptor (the check of
    "only the publisher revokes" made, but on the wrong field)."""

    def descriptor_cache(self, context_id: ContextId) -> DescriptorCache:
        cache = super().descriptor_cache(context_id)
        nonces = {n for _, n in cache.revoked}
        widened = cache.revoked | {
            (d.authority_id, d.nonce) for d in cache.descriptors if d.nonce in nonces
        }
        return attrs.evolve(cache, revoked=frozenset(widened))


@attrs.frozen
class _FirstOfTieCache(DescriptorCache):
    """Chooses the greatest ``valid_from``; of equals, the first in journal order."""

    def choose(self, authority: AuthorityId, now_ms: int) -> RendezvousDescriptor | None:
        best: RendezvousDescriptor | None = None
        for d in self.descriptors:
            one = choose_descriptor((d,), self.context_id, authority, now_ms, self.revoked)
            if one is not None and (best is None or d.valid_from > best.valid_from):
                best = d
        return best


class TieByJournalOrderService(RendezvousService):
    """The choice orders by ``valid_from`` only; a tie goes to the descriptor met first
    in the journal, not to the greatest nonce (DESIGN.md 2: ``(valid_from, nonce)``)."""

    def descriptor_cache(self, context_id: ContextId) -> DescriptorCache:
        cache = super().descriptor_cache(context_id)
        return _FirstOfTieCache(cache.context_id, cache.descriptors, cache.revoked, cache.rejected)


class VersionMemoChoiceService(RendezvousService):
    """The chosen descriptor is memoised per ``(context, peer, journal version)``: the
    clock is not part of the key, so a descriptor chosen before it expired is handed
    out after (the memo kept too long)."""

    def __init__(self, authority_id: AuthorityId, config: RendezvousConfig) -> None:
        super().__init__(authority_id, config)
        self._memo: dict[tuple[ContextId, AuthorityId, int], RendezvousDescriptor | None] = {}

    def get_cached_descriptor(
        self, context_id: ContextId, peer: AuthorityId, now_ms: int
    ) -> RendezvousDescriptor | None:
        if context_id not in self.journals:
            return None
        key = (context_id, peer, self.journal(context_id).version)
        if key not in self._memo:
            self._memo[key] = super().get_cached_descriptor(context_id, peer, now_ms)
        return self._memo[key]


class UnknownRevocationDroppedService(_MergeFilterService):
    """A synced revocation of a descriptor the replica does not hold (yet) is dropped
    as revoking nothing: a revocation that arrives before its descriptor is lost."""

    def _kept(
        self, facts: SyncFacts, journal: ContextJournal, membership: ContextMembership
    ) -> tuple[JournalEntry, ...]:
        held = set()
        for e in (*journal.entries(), *facts.entries):
            if isinstance(e.fact, DescriptorFact):
                d = open_descriptor(e.fact.sealed, membership)
                held.add((d.authority_id, d.nonce))
        return tuple(
            e
            for e in facts.entries
            if not isinstance(e.fact, DescriptorRevoked)
            or (e.fact.authority_id, e.fact.nonce) in held
        )


class AnyContextRefreshService(RendezvousService):
    """``needs_refresh`` looks for the own newest valid descriptor in every context
    the member holds: one published in context A makes context B look fresh (the own
    descriptor looked up by authority only)."""

    def needs_refresh(self, context_id: ContextId, now_ms: int, refresh_window_ms: int) -> bool:
        return all(
            super(AnyContextRefreshService, self).needs_refresh(c, now_ms, refresh_window_ms)
            for c in self.journals
        )


class PruneByValidFromService(RendezvousService):
    """Pruning compares the horizon with a descriptor's ``valid_from`` instead of its
    ``valid_until``: a descriptor that is still valid is dropped as dead."""

    def prune_journal(self, context_id: ContextId, now_ms: int) -> int:
        membership = self._require_membership(context_id)
        horizon = max(self._horizons.get(context_id, 0), now_ms)
        self._horizons[context_id] = horizon
        journal = self.journal(context_id)
        dead = frozenset(
            e.fact_id
            for e in journal.entries()
            if isinstance(e.fact, DescriptorFact)
            and open_descriptor(e.fact.sealed, membership).valid_from < horizon
        )
        return journal.discard(dead)


@attrs.frozen
class _UntilOnlyCache(DescriptorCache):
    """Chooses as the reference does, with validity read as ``now < valid_until``."""

    def choose(self, authority: AuthorityId, now_ms: int) -> RendezvousDescriptor | None:
        live = [d for d in self.descriptors if now_ms < d.valid_until]
        started = [attrs.evolve(d, valid_from=min(d.valid_from, now_ms)) for d in live]
        best = choose_descriptor(started, self.context_id, authority, now_ms, self.revoked)
        return None if best is None else next(d for d in live if d.nonce == best.nonce)


class FromUncheckedService(RendezvousService):
    """Validity checks ``now < valid_until`` only: a descriptor whose window has not
    begun yet (a publisher clock ahead of ours) is chosen (DESIGN.md 2: half-open
    ``valid_from <= now < valid_until``)."""

    def descriptor_cache(self, context_id: ContextId) -> DescriptorCache:
        cache = super().descriptor_cache(context_id)
        return _UntilOnlyCache(cache.context_id, cache.descriptors, cache.revoked, cache.rejected)


class LiveOnlyAnswerService(RendezvousService):
    """A digest is answered without the revocations of descriptors this member no
    longer holds (pruned: an "optimisation", what expired needs no revocation), though
    the puller, which has not pruned, may still hold the descriptor they revoke."""

    def answer_sync(self, message: SealedSyncMessage) -> tuple[SealedSyncMessage, ...]:
        from aura_rendezvous.journal import open_sync_message

        membership = self.membership(message.context_id)
        assert membership is not None
        cache = self.descriptor_cache(message.context_id)
        live = {(d.authority_id, d.nonce) for d in cache.descriptors}
        out = []
        for answer in super().answer_sync(message):
            facts = open_sync_message(answer, membership)
            assert isinstance(facts, SyncFacts)
            kept = tuple(
                e
                for e in facts.entries
                if not isinstance(e.fact, DescriptorRevoked)
                or (e.fact.authority_id, e.fact.nonce) in live
            )
            out.append(self._seal_sync(attrs.evolve(facts, entries=kept), message.epoch))
        return tuple(out)


# -- relay ----------------------------------------------------------------------------


class _ReceiptRuleService(RendezvousService):
    """The reference service's acceptance of a sender's receipt (DESIGN.md 4) with the
    one place a relay probe gets it wrong: which sender and which paid message the
    receipt is checked against, or whether it is checked at all."""

    def _checked_as(
        self, sender: AuthorityId, receipt: bytes | None, subject: bytes | None
    ) -> tuple[AuthorityId, bytes | None] | None:
        """(sender, subject) to check ``receipt`` with; None: taken unchecked, nothing
        recorded."""
        del receipt
        return sender, subject

    def _accept_receipt(
        self,
        snapshot: GuardSnapshot,
        context_id: ContextId,
        sender: AuthorityId,
        receipt: bytes | None,
        *,
        required: bool = False,
        subject: bytes | None = None,
    ) -> list[Any]:
        rule = self._checked_as(sender, receipt, subject)
        if rule is None:
            return []
        sender, subject = rule
        return super()._accept_receipt(
            snapshot, context_id, sender, receipt, required=required, subject=subject
        )


class SubjectBlindRelayService(_ReceiptRuleService):
    """The relay checks the sender's receipt (signer, epoch, nonce, chain) but not its
    subject: a genuine receipt pays for any envelope it comes with."""

    def _checked_as(
        self, sender: AuthorityId, receipt: bytes | None, subject: bytes | None
    ) -> tuple[AuthorityId, bytes | None]:
        return sender, None


class SenderBlindReceiptService(_ReceiptRuleService):
    """A receipt is checked against its own ``src`` field, not against the authority
    the message came from: any member's genuine receipt pays for anyone's message."""

    def _checked_as(
        self, sender: AuthorityId, receipt: bytes | None, subject: bytes | None
    ) -> tuple[AuthorityId, bytes | None]:
        return (Receipt.decode(receipt).src if receipt else sender), subject


class DstBlindReceiptsService(RendezvousService):
    """The service's receipt verifiers do not know whose receipts they hold: a receipt
    addressed to another authority is checked and recorded as one paid to us."""

    def __init__(self, authority_id: AuthorityId, config: RendezvousConfig) -> None:
        super().__init__(authority_id, config)
        self.receipt_verifiers = {
            c: ReceiptVerifier(c, m.roster) for c, m in self._memberships.items()
        }


_SEED_CONNECT_RELAY_COST = 3
"""The seed's constant, which the choreography's ``RelayRequest`` annotation (2) and
DESIGN.md 4's chosen rule overrule."""


def _recosted(outcome: GuardOutcome, cost: int) -> GuardOutcome:
    if not outcome.is_allowed():
        return outcome
    effects = [
        attrs.evolve(e, cost=cost) if isinstance(e, (ChargeFlowBudget, RecordReceipt)) else e
        for e in outcome.effects
    ]
    return GuardOutcome.allow(effects)


class SeedCostRelayService(RendezvousService):
    """A relayed connect is charged the seed's ``CONNECT_RELAY_COST = 3`` (cost from
    the wrong table), on the request and on the response."""

    def prepare_relay_request(self, *args: Any, **kw: Any) -> GuardOutcome:
        return _recosted(super().prepare_relay_request(*args, **kw), _SEED_CONNECT_RELAY_COST)

    def prepare_relay_response(self, *args: Any, **kw: Any) -> GuardOutcome:
        return _recosted(super().prepare_relay_response(*args, **kw), _SEED_CONNECT_RELAY_COST)


class UnpaidResponseRelayService(_ReceiptRuleService):
    """The relay asks a receipt of message 1 only: a message 2 is forwarded whatever
    receipt comes with it, none recorded (the responder's payment is never checked)."""

    # True while a message 2 is being forwarded: the receipt rule is not told the
    # envelope's kind, which the reference's forward reads.
    _forwarding_response = False

    def prepare_relay_forward(
        self, snapshot: GuardSnapshot, envelope: RelayEnvelope, *, receipt: bytes | None = None
    ) -> GuardOutcome:
        self._forwarding_response = message_type(envelope.payload) is MessageType.HandshakeResponse
        try:
            return super().prepare_relay_forward(snapshot, envelope, receipt=receipt)
        finally:
            self._forwarding_response = False

    def _checked_as(
        self, sender: AuthorityId, receipt: bytes | None, subject: bytes | None
    ) -> tuple[AuthorityId, bytes | None] | None:
        return None if self._forwarding_response else (sender, subject)


class _SourceOnlyCoupling:
    """The coupling step with the roster asked about the first party only."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner

    def check(self, snapshot: GuardSnapshot, context_id: ContextId, *peers: AuthorityId) -> Any:
        return self._inner.check(snapshot, context_id, *peers[:1])

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


class NonMemberForwardingRelay(RendezvousService):
    """The relay checks that an envelope's source is on the roster, not its
    destination: it forwards to anyone (DESIGN.md 1: nothing of a context reaches
    a non-member)."""

    def __init__(self, authority_id: AuthorityId, config: RendezvousConfig) -> None:
        super().__init__(authority_id, config)
        self._coupling = _SourceOnlyCoupling(self._coupling)  # type: ignore[assignment]
