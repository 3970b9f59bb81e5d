"""The guard-chain world: the reference implementation's parts wired as GuardChain.tla sees them.

One relational context with a three-member roster, two of them capability
holders (so receipts of two sources reach one receiver). Each member has its own
:class:`EffectInterpreter`, :class:`ReceiptIssuer` (its receipt chains, one per
destination), :class:`ReceiptVerifier` and :class:`ChannelEndpoint` (its
channels, pending handshakes and handshake clock); the flow budget store and the
context journal are shared, as the spec has one ``spent`` and one ``journal``.
An operation to a peer starts a real Noise handshake with it; one to oneself
(a publish) touches no channel. Nothing here is a stand-in: guards, budgets,
journal, receipts, Ed25519 signatures and handshakes are the real ones. The
only addition is fault injection on the journal port (:class:`FaultyJournal`),
which lets a rule make an append fail the way a full disk or a lost replica
would, so that the interpreter's rollback is exercised. An outcome records its
receipt before its journal append (as ``connect_direct`` records it before its
channel commit), so a failed append also rolls the issuer's chain back.

A receiver takes a receipt as the service takes a paid message's: through an
outcome of its own interpreter, a zero charge (the message was paid by its
sender), ``AcceptReceipt`` and the receiver's journal fact of the message
(as a key confirmation journals its channel), committed together or not at
all. So a failed append rolls the acceptance back too, and the receiver's
verifier must come back to the head it had. What a receiver accepted (the
spec's ``rlog``) is read from its verifier's own record of accepted receipts.

The members share a second context (``other``), outside GuardChain.tla's one
context: its own budget, journal and receipt streams, which no projection reads.
It is where the attacker finds a receipt to misdirect: ``other_context_receipt``
has a member pay for a message to a peer there and hands that receipt to the
peer as one of the spec's context, whose verifier must refuse it (a receipt names
its context, DESIGN.md 4).

A buggy backend is this world with one part swapped for a variant of
:mod:`aura_conformance.variants` (see :data:`VARIANTS`).
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import struct
from collections.abc import Callable
from typing import Any

import attrs
from aura_rendezvous import (
    CAP_RENDEZVOUS_CONNECT,
    AuraError,
    AuthorityId,
    AuthorityKeys,
    ChannelEstablished,
    ChargeFlowBudget,
    ContextId,
    ContextJournal,
    ContextMembership,
    EffectInterpreter,
    ExecutionStatus,
    GuardOutcome,
    GuardSnapshot,
    JournalAppend,
    QuicDirect,
    Receipt,
    ReceiptIssuer,
    ReceiptVerifier,
    RecordReceipt,
    RendezvousFact,
    Roster,
    SendEffect,
    SendHandshake,
    evaluate_guards,
)
from aura_rendezvous.channels import ChannelEndpoint
from aura_rendezvous.core import verify_signature
from aura_rendezvous.guard import (
    GENESIS_HASH,
    AcceptReceipt,
    EffectCommand,
    StartHandshake,
)
from aura_rendezvous.journal import AppendToken

from aura_conformance.guard_chain.effects import APPEND, SEND, Effect, EffectLog, ObservedBudget
from aura_conformance.variants import (
    ChainPerSourceIssuer,
    ChargeAfterAppendInterpreter,
    DoubleChargeInterpreter,
    EagerChannelService,
    EpochBlindBudgetInterpreter,
    EpochBlindChainVerifier,
    FirstLinkUncheckedVerifier,
    FutureEpochVerifier,
    NonStrictNonceVerifier,
    NoRollbackInterpreter,
    SendFirstInterpreter,
    SendingOnDenyGuards,
    SkippingReceiptVerifier,
    StrictChainVerifier,
    UndoLessIssuer,
    budget_first_guards,
    endpoint_clock,
    off_by_one_guards,
    wrong_payer_guards,
)

__all__ = [
    "AUTHS",
    "COSTS",
    "HOLDERS",
    "LIMIT",
    "MAX_EPOCH",
    "VARIANTS",
    "ChannelService",
    "FaultyJournal",
    "GuardChainWorld",
    "GuardedChannelService",
    "JournalFault",
    "Operation",
    "Variant",
    "decode_operation_fact",
]

# The constants of guard_chain/tla/GuardChainConformance.cfg (spec/GuardChain/
# MC_GuardChain.cfg's but for the roster); the world is built to match them. Three
# members, two of them holding the capability, so a receiver gets receipts of two
# sources whose chains interleave. a2 holds nothing: its requests are denied.
AUTHS = ("a1", "a2", "a3")
HOLDERS = frozenset({"a1", "a3"})
# Three: a source can pay one receiver three receipts in an epoch, so after a lost
# receipt 1 and a resynchronising receipt 2 there is a receipt 3 whose link shows
# which head the receiver moved to (GCReceiptResumesAfterLoss).
LIMIT = 3
# 4 is above LIMIT: a request that fails both guards (a2's), whose deny reason
# shows their order.
COSTS = (1, 2, 4)
MAX_EPOCH = 1

_OPERATION = "connect"
# Where an operation's message 1 is sent (the harness observes it, never dials it).
_TRANSPORT = QuicDirect("127.0.0.1:4433")
# Journal facts of an operation are ChannelEstablished facts whose channel id
# carries (epoch, nonce, cost) behind a label: the abstraction function needs
# them back, and the spec's facts are exactly these fields.
_FACT_LABEL = b"aura-op1"
# A receiver's fact of a paid message it took: no operation (the spec's journal
# holds the operations only), one per receipt.
_RECEIVED_LABEL = b"aura-rx1"


def _id(name: str) -> bytes:
    return hashlib.sha256(b"aura-conformance/v1/id\x00" + name.encode()).digest()


def operation_fact(
    context: ContextId, src: AuthorityId, dst: AuthorityId, *, epoch: int, nonce: int, cost: int
) -> ChannelEstablished:
    body = _FACT_LABEL + struct.pack(">QQI", epoch, nonce, cost)
    return ChannelEstablished(context, src, dst, body.ljust(32, b"\x00")[:32], epoch)


def decode_operation_fact(
    fact: RendezvousFact,
) -> tuple[AuthorityId, AuthorityId, int, int, int] | None:
    """``(src, dst, epoch, nonce, cost)`` of an operation fact; None for any other fact."""
    if not isinstance(fact, ChannelEstablished):
        return None
    cid = fact.channel_id
    if not cid.startswith(_FACT_LABEL):
        return None
    epoch, nonce, cost = struct.unpack(">QQI", cid[len(_FACT_LABEL) : len(_FACT_LABEL) + 20])
    return fact.initiator, fact.responder, epoch, nonce, cost


def received_fact(context: ContextId, receipt: Receipt) -> ChannelEstablished:
    """The receiver's journal fact of the message ``receipt`` paid for."""
    body = _RECEIVED_LABEL + receipt.hash()[: 32 - len(_RECEIVED_LABEL)]
    return ChannelEstablished(context, receipt.src, receipt.dst, body, receipt.epoch)


class JournalFault(AuraError):
    """The injected failure of a journal append."""


class FaultyJournal(ContextJournal):
    """The real journal with one injectable fault: the next append fails.

    With a ``log``, each append that succeeds is logged as it runs.
    """

    def __init__(self, context_id: ContextId, log: EffectLog | None = None) -> None:
        super().__init__(context_id)
        self.fail_next = False
        self._log = log

    def append(self, fact: RendezvousFact, origin: AuthorityId) -> AppendToken:
        if self.fail_next:
            self.fail_next = False
            raise JournalFault("injected journal append failure")
        token = super().append(fact, origin)
        if self._log is not None:
            self._log.add(Effect(APPEND))
        return token


@attrs.frozen
class Operation:
    """The outcome in flight between PrepareOperation and ExecuteEffects."""

    src: str
    dst: str
    cost: int
    epoch: int
    outcome: GuardOutcome


InterpreterFactory = Callable[..., EffectInterpreter]
# evaluate_guards' signature: (snapshot, capability, cost, couple) -> outcome.
GuardEvaluator = Callable[[GuardSnapshot, str, int, Callable[..., GuardOutcome]], GuardOutcome]
# The guard evaluator of a world, given the world's outbox (a broken one may use it).
GuardsFactory = Callable[[Callable[[SendEffect], None]], GuardEvaluator]
VerifierFactory = Callable[[ContextId, Roster], ReceiptVerifier]
IssuerFactory = Callable[[AuthorityKeys], ReceiptIssuer]


class GuardedChannelService:
    """The reference: prepare the handshake (pure) and hand its start to the
    interpreter as a ``StartHandshake`` effect, committed with the outcome, and
    its message 1 as the ``SendHandshake`` that goes out last."""

    def prepare(
        self,
        endpoint: ChannelEndpoint,
        membership: ContextMembership,
        epoch: int,
        peer: AuthorityId,
        *,
        psk: bytes,
        now_ms: int,
    ) -> tuple[list[EffectCommand], int]:
        start = endpoint.prepare_start(membership, epoch, peer, psk, now_ms)
        effect = StartHandshake(
            membership.context_id, peer, epoch, start.timestamp, start.handshaker
        )
        return [effect, SendHandshake(peer, _TRANSPORT, start.message)], start.timestamp


ChannelService = GuardedChannelService | EagerChannelService


@attrs.frozen
class Variant:
    """Which parts of the world are swapped for broken ones."""

    name: str
    description: str
    interpreter: InterpreterFactory = EffectInterpreter
    verifier: VerifierFactory = ReceiptVerifier
    issuer: IssuerFactory = ReceiptIssuer
    channels: ChannelService = attrs.field(factory=GuardedChannelService)
    guards: GuardsFactory = lambda _send: evaluate_guards


def _skipping(*checks: str) -> VerifierFactory:
    def make(context: ContextId, roster: Roster) -> ReceiptVerifier:
        return SkippingReceiptVerifier(context, roster, skip=frozenset(checks))

    return make


def _sending_on_deny(send: Callable[[SendEffect], None]) -> GuardEvaluator:
    return SendingOnDenyGuards(send).evaluate


# The shortfalls of DESIGN.md's preamble that live in the guard chain's world.
VARIANTS: dict[str, Variant] = {
    v.name: v
    for v in (
        Variant("ref", "the reference implementation"),
        Variant(
            "double-charge",
            "budgets charged twice (DoubleChargeInterpreter)",
            interpreter=DoubleChargeInterpreter,
        ),
        Variant(
            "no-rollback",
            "a failed append keeps the charge (NoRollbackInterpreter)",
            interpreter=NoRollbackInterpreter,
        ),
        Variant(
            "no-replay-check",
            "no replay protection: receipt nonces and chain unchecked",
            verifier=_skipping("replay", "chain"),
        ),
        Variant(
            "no-chain-check",
            "receipt links unchecked: a member's re-issued receipt is spliced on",
            verifier=_skipping("chain"),
        ),
        Variant(
            "no-signature-check",
            "receipt signer not checked against the roster",
            verifier=_skipping("signature"),
        ),
        Variant(
            "no-epoch-check",
            "receipts of a retired epoch accepted",
            verifier=_skipping("epoch"),
        ),
        Variant(
            "chain-per-source",
            "one receipt chain per source across destinations (ChainPerSourceIssuer)",
            issuer=ChainPerSourceIssuer,
        ),
        Variant(
            "strict-chain",
            "every receipt links to the last accepted, even after a lost one (StrictChainVerifier)",
            verifier=StrictChainVerifier,
        ),
        Variant(
            "effects-on-deny",
            "a denied operation still sends its packet (SendingOnDenyGuards)",
            guards=_sending_on_deny,
        ),
        Variant(
            "charge-after-send",
            "the packet leaves before the charge (SendFirstInterpreter)",
            interpreter=SendFirstInterpreter,
        ),
        Variant(
            "charge-after-append",
            "the journal is appended before the charge (ChargeAfterAppendInterpreter)",
            interpreter=ChargeAfterAppendInterpreter,
        ),
        Variant(
            "eager-channel-state",
            "the handshake starts while preparing, before the charge (EagerChannelService)",
            channels=EagerChannelService(),
        ),
        Variant(
            "non-strict-receipt-nonce",
            "a receipt nonce equal to the last accepted passes (NonStrictNonceVerifier)",
            verifier=NonStrictNonceVerifier,
        ),
        Variant(
            "epoch-blind-chain",
            "receipt chains keyed by source only, not by epoch (EpochBlindChainVerifier)",
            verifier=EpochBlindChainVerifier,
        ),
        Variant(
            "budget-off-by-one",
            "the budget guard denies spent + c == limit (off_by_one_guards)",
            guards=off_by_one_guards,
        ),
        Variant(
            "epoch-blind-budget",
            "budgets charged on epoch 0 whatever the epoch (EpochBlindBudgetInterpreter)",
            interpreter=EpochBlindBudgetInterpreter,
        ),
        Variant(
            "wrong-payer",
            "an operation charged to its destination's budget (wrong_payer_guards)",
            guards=wrong_payer_guards,
        ),
        Variant(
            "first-link-unchecked",
            "a first receipt's link to the genesis unchecked (FirstLinkUncheckedVerifier)",
            verifier=FirstLinkUncheckedVerifier,
        ),
        Variant(
            "budget-first",
            "the budget guard before the capability guard (budget_first_guards)",
            guards=budget_first_guards,
        ),
        Variant(
            "undo-less-issuer",
            "a rolled-back outcome's receipt stays issued (UndoLessIssuer)",
            issuer=UndoLessIssuer,
        ),
        Variant(
            "future-epoch-receipt",
            "a receipt of an epoch not reached yet accepted (FutureEpochVerifier)",
            verifier=FutureEpochVerifier,
        ),
    )
}


def _psk(epoch: int, context: bytes = b"") -> bytes:
    # The spec's context keeps the PSK it always had; the other context's differs.
    label = b"aura-conformance/v1/psk\x00" + context
    return hashlib.sha256(label + epoch.to_bytes(8, "big")).digest()


def _counter() -> Callable[[int], bytes]:
    counter = itertools.count(1)
    return lambda n: next(counter).to_bytes(n, "big")


@attrs.frozen
class _SharedKeys:
    """The ids, keys, roster and memberships of every world: pure functions of the
    names (frozen values), so derived once per process rather than at every Reset
    (Ed25519 and X25519 key derivation, three authorities)."""

    context: ContextId
    ids: tuple[tuple[str, AuthorityId], ...]
    keys: tuple[tuple[str, AuthorityKeys], ...]
    roster: Roster
    membership: ContextMembership
    other: ContextId
    other_membership: ContextMembership


@functools.cache
def _shared_keys() -> _SharedKeys:
    context = ContextId(_id("context"))
    ids = {name: AuthorityId(_id(name)) for name in AUTHS}
    keys = {
        name: AuthorityKeys.from_seed(ids[name], hashlib.sha256(name.encode()).digest())
        for name in AUTHS
    }
    roster = Roster.of(*keys.values())
    other = ContextId(_id("other-context"))
    return _SharedKeys(
        context,
        tuple(ids.items()),
        tuple(keys.items()),
        roster,
        ContextMembership(context, roster, _id("root")),
        other,
        ContextMembership(other, roster, _id("other-root")),
    )


class GuardChainWorld:
    """The implementation under test for GuardChain.tla (see the module docstring)."""

    def __init__(self, variant: Variant | None = None) -> None:
        self.variant = variant or VARIANTS["ref"]
        shared = _shared_keys()
        self.context = shared.context
        self.ids = dict(shared.ids)
        self.names = {aid: name for name, aid in self.ids.items()}
        self.keys = dict(shared.keys)
        self.roster = shared.roster
        self._signers: dict[tuple[bytes, bytes], str | None] = {}
        self.membership = shared.membership
        # The second context the members share (same roster): its budget lives in
        # the same store under its own key, its journal is its own and unlogged.
        self.other = shared.other
        self.other_membership = shared.other_membership
        self.other_journal = FaultyJournal(self.other)
        # Every port the interpreters act through logs what it does, in order.
        self.effects = EffectLog()
        self.budget = ObservedBudget(self.effects, default_limit=LIMIT)
        self.journal = FaultyJournal(self.context, self.effects)
        self.issuers = {name: self.variant.issuer(self.keys[name]) for name in AUTHS}
        self.endpoints = {
            name: ChannelEndpoint(self.ids[name], self.keys[name].static_private, _counter())
            for name in AUTHS
        }
        # The spec's record of the operation each handshake was started for, by
        # the handshake's timestamp (the endpoint's clock counts committed starts).
        self.starts: dict[str, dict[int, Any]] = {name: {} for name in AUTHS}
        self.outbox: list[SendEffect] = []
        self.verifiers = {name: self.variant.verifier(self.context, self.roster) for name in AUTHS}
        self.interpreters = {
            name: self.variant.interpreter(
                self.ids[name],
                self.budget,
                {self.context: self.journal, self.other: self.other_journal},
                self.issuers[name],
                self._send,
                channels=self.endpoints[name],
                verifiers={self.context: self.verifiers[name]},
            )
            for name in AUTHS
        }
        self.capabilities = {
            name: frozenset({CAP_RENDEZVOUS_CONNECT}) if name in HOLDERS else frozenset()
            for name in AUTHS
        }
        self.epoch = 0
        self.pending: Operation | None = None
        # The network: every receipt put on it, genuine or forged, in order.
        self.wire: list[Receipt] = []
        # Per receiver: the epoch each entry of its verifier's accepted list was
        # accepted in (the verifier keeps receipts, the world keeps the clock).
        self._accepted_at: dict[str, list[int]] = {name: [] for name in AUTHS}
        self.denials: set[str] = set()
        self.guards = self.variant.guards(self._send)

    # ------------------------------------------------------------------ helpers

    def _send(self, effect: SendEffect) -> None:
        self.outbox.append(effect)
        self.effects.add(Effect(SEND, detail=type(effect).__name__))

    @property
    def rlog(self) -> dict[str, list[tuple[Receipt, int]]]:
        """Per receiver: each receipt of the spec's context its verifier holds as
        accepted, in order, with the epoch it was accepted in. A receipt of the
        other context belongs to that context's log, not this one's: what taking
        it here did to the chain shows on the next receipt of this context."""
        return {
            name: [
                (r, at)
                for r, at in zip(
                    self.verifiers[name].accepted, self._accepted_at[name], strict=True
                )
                if r.context_id == self.context
            ]
            for name in AUTHS
        }

    def _note_accepted(self, name: str) -> None:
        """Date the entries ``name``'s verifier added to its accepted list (and drop
        the dates of those it took back)."""
        held, at = len(self.verifiers[name].accepted), self._accepted_at[name]
        del at[held:]
        at.extend([self.epoch] * (held - len(at)))

    def take_effects(self) -> tuple[Effect, ...]:
        """The charges, appends and sends made since the last call, in order."""
        return self.effects.take()

    def issued(self, name: str, dst: str) -> list[int]:
        """The nonces of ``name``'s receipts to ``dst`` in the current epoch."""
        did = self.ids[dst]
        return [
            r.nonce
            for r in self.issuers[name].issued
            if r.epoch == self.epoch and r.dst == did and r.context_id == self.context
        ]

    def next_nonce(self, name: str, dst: str) -> int:
        return max(self.issued(name, dst), default=0) + 1

    def handshakes_started(self, name: str) -> list[Any]:
        """The operations whose handshake ``name``'s endpoint has started (committed)."""
        clock = endpoint_clock(self.endpoints[name])
        return [op for t, op in self.starts[name].items() if t <= clock]

    def signer_of(self, receipt: Receipt) -> str | None:
        """The roster member whose Ed25519 key verifies ``receipt``'s signature."""
        # Every projection asks for every receipt on the wire; the roster is the
        # world's for its lifetime, so each signature is verified once.
        message = receipt.signed_message()
        key = (message, receipt.signature)
        if key in self._signers:
            return self._signers[key]
        signer = None
        for name in AUTHS:
            entry = self.roster.entry(self.ids[name])
            if verify_signature(entry.ed25519_public, message, receipt.signature):
                signer = name
                break
        self._signers[key] = signer
        return signer

    def prev_nonce(self, receipt: Receipt) -> int:
        """The nonce of the receipt ``receipt`` links to (0 for the chain's start)."""
        if receipt.prev_hash == GENESIS_HASH:
            return 0
        for r in self.issuers[self.names[receipt.src]].issued:
            if r.hash() == receipt.prev_hash:
                return r.nonce
        return -1

    # ------------------------------------------------------------------ actions

    def prepare_operation(self, src: str, dst: str, cost: int) -> str:
        """Evaluate the guards for ``src`` sending an operation of ``cost`` to ``dst``."""
        if self.pending is not None:
            raise ValueError("an outcome is already in flight")
        sid, did = self.ids[src], self.ids[dst]
        snapshot = GuardSnapshot(
            sid,
            self.context,
            self.budget.remaining(self.context, sid, self.epoch),
            self.capabilities[src],
            self.epoch,
        )
        nonce = self.next_nonce(src, dst)
        fact = operation_fact(self.context, sid, did, epoch=self.epoch, nonce=nonce, cost=cost)

        def couple(charge: object) -> GuardOutcome:
            channel: list[EffectCommand] = []
            if dst != src:
                channel, timestamp = self.variant.channels.prepare(
                    self.endpoints[src],
                    self.membership,
                    self.epoch,
                    did,
                    psk=_psk(self.epoch),
                    now_ms=0,
                )
                self.starts[src][timestamp] = (dst, self.epoch, nonce, cost)
            return GuardOutcome.allow(
                [
                    charge,  # type: ignore[list-item]
                    # The receipt before the append: an append that fails
                    # undoes the receipt too (the issuer's rollback is judged).
                    RecordReceipt(_OPERATION, self.context, did, self.epoch, cost),
                    JournalAppend(self.context, fact),
                    *channel,
                ]
            )

        outcome = self.guards(snapshot, CAP_RENDEZVOUS_CONNECT, cost, couple)
        if not outcome.is_allowed():
            reason = outcome.decision.reason.value  # type: ignore[union-attr]
            self.denials.add(reason)
            return f"Denied:{reason}"
        self.pending = Operation(src, dst, cost, self.epoch, outcome)
        return "Allowed"

    def execute_effects(self, fail_append: bool) -> str:
        if self.pending is None:
            raise ValueError("no outcome in flight")
        op, self.pending = self.pending, None
        self.journal.fail_next = fail_append
        try:
            result = self.interpreters[op.src].execute(op.outcome)
        except AuraError as exc:
            # A broken interpreter may raise half way; the projection shows what it left.
            return f"Error:{type(exc).__name__}"
        finally:
            self.journal.fail_next = False
        if result.status is ExecutionStatus.Committed:
            self.wire.extend(result.receipts)
        return result.status.value

    def advance_epoch(self) -> str:
        if self.pending is not None:
            raise ValueError("an outcome is in flight")
        if self.epoch >= MAX_EPOCH:
            raise ValueError("the last epoch of the model")
        self.epoch += 1
        return "Advanced"

    def receive_receipt(self, receipt: Receipt, *, fail_append: bool = False) -> str:
        """``receipt``'s receiver takes it: its outcome charges nothing (the sender
        paid), accepts the receipt and journals the message; with ``fail_append`` the
        append fails and the whole outcome, the acceptance included, rolls back.

        The verifier's ``accept`` checks the receipt as it records it, so a receipt it
        refuses rolls the outcome back before the append (``Rejected:<error>``)."""
        dst = self.names[receipt.dst]
        outcome = GuardOutcome.allow(
            [
                ChargeFlowBudget(self.context, receipt.dst, self.epoch, 0),
                AcceptReceipt(self.context, receipt, self.epoch),
                JournalAppend(self.context, received_fact(self.context, receipt)),
            ]
        )
        self.journal.fail_next = fail_append
        try:
            result = self.interpreters[dst].execute(outcome)
        except AuraError as exc:
            return f"Error:{type(exc).__name__}"
        finally:
            self.journal.fail_next = False
            self._note_accepted(dst)
        if result.status is ExecutionStatus.Committed:
            return "Accepted"
        error = (result.error or "").partition(":")[0]
        if error and error != JournalFault.__name__:
            return f"Rejected:{error}"
        return str(result.status.value)

    def other_context_receipt(self, receipt: Receipt) -> str:
        """``receipt``'s source pays, in the other context it shares with the
        receiver, for a message to it of ``receipt``'s cost (a committed outcome of
        its interpreter there: charge, receipt, journal, message 1); the attacker
        hands the receiver that message's receipt with a message of this context
        (on the direct path the receipt travels beside its Noise message, and the
        receiver compares no subject: the message authenticates itself). The
        receiver's outcome takes it as ``receive_receipt`` takes any: its verifier
        of this context must refuse it (``ReceiptWrongContext``).

        The payment's charge, append and send are the other context's, not this
        one's: they are taken off the effect log before the receive runs."""
        src, dst = self.names[receipt.src], self.names[receipt.dst]
        paid = self._pay_in_other_context(src, dst, receipt.cost)
        self.effects.take()
        if isinstance(paid, str):
            return paid
        return self.receive_receipt(paid)

    def _pay_in_other_context(self, src: str, dst: str, cost: int) -> Receipt | str:
        """``src``'s committed operation to ``dst`` in the other context: its receipt,
        or the status of an outcome that did not commit."""
        sid, did = self.ids[src], self.ids[dst]
        nonce = 1 + sum(
            1
            for r in self.issuers[src].issued
            if r.context_id == self.other and r.epoch == self.epoch and r.dst == did
        )
        fact = operation_fact(self.other, sid, did, epoch=self.epoch, nonce=nonce, cost=cost)
        channel: list[EffectCommand] = []
        if dst != src:
            channel, timestamp = GuardedChannelService().prepare(
                self.endpoints[src],
                self.other_membership,
                self.epoch,
                did,
                psk=_psk(self.epoch, self.other.value),
                now_ms=0,
            )
            # The endpoint's clock is shared by its contexts: once this start
            # commits, its timestamp is no operation of the spec's context (a
            # rolled-back one prepared with it must not count as started).
            self.starts[src].pop(timestamp, None)
        outcome = GuardOutcome.allow(
            [
                ChargeFlowBudget(self.other, sid, self.epoch, cost),
                RecordReceipt(_OPERATION, self.other, did, self.epoch, cost),
                JournalAppend(self.other, fact),
                *channel,
            ]
        )
        try:
            result = self.interpreters[src].execute(outcome)
        except AuraError as exc:
            return f"Error:{type(exc).__name__}"
        ours = [r for r in result.receipts if r.context_id == self.other and r.dst == did]
        if result.status is not ExecutionStatus.Committed or not ours:
            return f"Unpaid:{result.status.value}"
        return ours[0]

    def forge_receipt(self, receipt: Receipt, signer: str) -> str:
        forged = attrs.evolve(receipt, signature=self.keys[signer].sign(receipt.signed_message()))
        self.wire.append(forged)
        return "Forged"

    def equivocate_receipt(self, receipt: Receipt) -> str:
        """``receipt``'s own signer issues it again as the start of a chain (the
        genesis link): a member's key signs what it likes."""
        again = attrs.evolve(receipt, prev_hash=GENESIS_HASH)
        signer = self.names[receipt.src]
        again = attrs.evolve(again, signature=self.keys[signer].sign(again.signed_message()))
        self.wire.append(again)
        return "Equivocated"

    def sign_future_receipt(self, receipt: Receipt) -> str:
        """``receipt`` (the first of its chain) signed again by its own signer, a
        member whose clock is already in the next epoch, dated that epoch."""
        ahead = attrs.evolve(receipt, epoch=self.epoch + 1)
        signer = self.names[receipt.src]
        ahead = attrs.evolve(ahead, signature=self.keys[signer].sign(ahead.signed_message()))
        self.wire.append(ahead)
        return "Signed"

    def relink_first_receipt(self, receipt: Receipt) -> str:
        """``receipt`` (the first of its chain) issued again by its own signer,
        linked to ``receipt`` itself, as if a receipt had come before it."""
        again = attrs.evolve(receipt, prev_hash=receipt.hash())
        signer = self.names[receipt.src]
        again = attrs.evolve(again, signature=self.keys[signer].sign(again.signed_message()))
        self.wire.append(again)
        return "Relinked"
