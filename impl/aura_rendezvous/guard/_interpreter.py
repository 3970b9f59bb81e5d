"""The effect interpreter: atomic up to the send (DESIGN.md 4).

Phase one runs the undoable effects in order (the charge first, then journal
appends, receipts, channel changes and a relay's forward records) and keeps an
undo log. If any of them fails, the log is unwound in reverse, so the budget,
the journal, the receipt chain, the channel state (channels, pending
handshakes, the replay guard) and the relay's memory are as before, and nothing
is sent. Channel changes go through the injected channel port (the service's
``ChannelEndpoint``), forward records through the forward port (the service's
``ForwardedEnvelopes``). Phase two hands the sends to the outbox; a send that
fails is reported back in the result (like h11's ``send_failed``), not retried
and not rolled back: the bytes may have left.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from typing import Protocol, cast

import attrs

from aura_rendezvous.channels import ChannelToken, Handshaker, SecureChannel
from aura_rendezvous.core import (
    AuraError,
    AuthorityId,
    ContextId,
    ForwardToken,
    LocalProtocolError,
    SendFailed,
)
from aura_rendezvous.guard._budget import ChargeToken, FlowBudgetStore
from aura_rendezvous.guard._effects import (
    AcceptHandshake,
    AcceptReceipt,
    ChargeFlowBudget,
    CompleteHandshake,
    ConfirmChannel,
    EffectCommand,
    JournalAppend,
    RecordForward,
    RecordReceipt,
    SendEffect,
    StartHandshake,
    is_send,
)
from aura_rendezvous.guard._guard import GuardOutcome
from aura_rendezvous.guard._receipt import Receipt
from aura_rendezvous.guard._receipt_chain import (
    ReceiptAcceptToken,
    ReceiptIssuer,
    ReceiptToken,
    ReceiptVerifier,
    attach_receipts,
    receipt_subjects,
)
from aura_rendezvous.journal import AppendToken, ContextJournal

__all__ = [
    "ChannelPort",
    "EffectInterpreter",
    "ExecutionResult",
    "ExecutionStatus",
    "ForwardPort",
    "check_effect_order",
]


class ExecutionStatus(enum.Enum):
    Denied = "Denied"
    Committed = "Committed"
    RolledBack = "RolledBack"


@attrs.frozen
class ExecutionResult:
    status: ExecutionStatus
    sent: tuple[SendEffect, ...] = ()
    failed_sends: tuple[tuple[SendEffect, str], ...] = ()
    receipts: tuple[Receipt, ...] = ()
    error: str | None = None


def check_effect_order(effects: tuple[EffectCommand, ...]) -> None:
    """Charge first, sends last; anything else is a misuse, refused before running."""
    _split_effects(effects)


def _split_effects(
    effects: tuple[EffectCommand, ...],
) -> tuple[tuple[EffectCommand, ...], tuple[SendEffect, ...]]:
    # One pass both checks the order and splits local effects from sends, so the
    # interpreter does not classify every effect three times.
    if not effects or not isinstance(effects[0], ChargeFlowBudget):
        raise LocalProtocolError("effects must start with ChargeFlowBudget")
    first_send = len(effects)
    for index, effect in enumerate(effects):
        if is_send(effect):
            if first_send == len(effects):
                first_send = index
        elif first_send != len(effects):
            raise LocalProtocolError(f"{type(effect).__name__} after a send")
    sends = cast(tuple[SendEffect, ...], effects[first_send:])
    return effects[:first_send], sends


class ChannelPort(Protocol):
    """Where channel changes are committed (``channels.ChannelEndpoint``).

    Each ``commit_*`` applies a prepared step, advancing the context to
    ``epoch`` first, and returns a token; ``undo`` puts the state back.
    A commit that cannot apply raises an ``AuraError`` and changes nothing.
    """

    def commit_start(
        self, context_id: ContextId, epoch: int, handshaker: Handshaker, timestamp: int
    ) -> ChannelToken: ...

    def commit_accept(
        self, context_id: ContextId, epoch: int, channel: SecureChannel
    ) -> ChannelToken: ...

    def commit_finish(
        self, context_id: ContextId, epoch: int, pending: Handshaker, channel: SecureChannel
    ) -> ChannelToken: ...

    def commit_confirm(
        self, context_id: ContextId, epoch: int, channel: SecureChannel, counter: int
    ) -> ChannelToken: ...

    def undo(self, token: ChannelToken) -> None: ...


class ForwardPort(Protocol):
    """Where a relay's forwards are recorded (``core.ForwardedEnvelopes``).

    ``record`` raises an ``AuraError`` (the digest is already held) and changes
    nothing, or returns a token that ``undo`` reverts.
    """

    def record(self, context_id: ContextId, epoch: int, digest: bytes) -> ForwardToken: ...

    def undo(self, token: ForwardToken) -> None: ...


Undo = ChargeToken | AppendToken | ReceiptToken | ReceiptAcceptToken | ChannelToken | ForwardToken


class EffectInterpreter:
    """Runs outcomes of one authority against injected ports.

    ``channels`` is the port channel changes are committed through; without
    one, an outcome carrying a channel change is rolled back. ``verifiers``
    (per context) record the peers' receipts an outcome accepts. ``forwards``
    is the relay memory a forward is recorded in; without it, an outcome
    carrying a :class:`RecordForward` is rolled back.
    """

    def __init__(
        self,
        authority_id: AuthorityId,
        budget: FlowBudgetStore,
        journals: Mapping[ContextId, ContextJournal],
        receipts: ReceiptIssuer,
        outbox: Callable[[SendEffect], None],
        *,
        channels: ChannelPort | None = None,
        verifiers: Mapping[ContextId, ReceiptVerifier] | None = None,
        forwards: ForwardPort | None = None,
    ) -> None:
        self.authority_id = authority_id
        self.budget = budget
        self.journals = journals
        self.receipts = receipts
        self.outbox = outbox
        self.channels = channels
        self.verifiers = verifiers or {}
        self.forwards = forwards
        # The subject of each addressee's receipt in the outcome being run.
        self._subjects: Mapping[AuthorityId, bytes] = {}

    def _forwards(self) -> ForwardPort:
        if self.forwards is None:
            raise LocalProtocolError("a forward record needs the interpreter's forward port")
        return self.forwards

    def _verifier(self, context_id: ContextId) -> ReceiptVerifier:
        verifier = self.verifiers.get(context_id)
        if verifier is None:
            raise LocalProtocolError(f"no receipt verifier for {context_id}")
        return verifier

    def _channels(self) -> ChannelPort:
        if self.channels is None:
            raise LocalProtocolError("a channel change needs the interpreter's channel port")
        return self.channels

    def _journal(self, context_id: ContextId) -> ContextJournal:
        journal = self.journals.get(context_id)
        if journal is None:
            raise LocalProtocolError(f"no journal for {context_id}")
        return journal

    def _do(self, effect: EffectCommand, undo: list[Undo], receipts: list[Receipt]) -> None:
        if isinstance(effect, ChargeFlowBudget):
            undo.append(
                self.budget.charge(
                    effect.context_id, effect.authority_id, effect.epoch, effect.cost
                )
            )
        elif isinstance(effect, JournalAppend):
            undo.append(self._journal(effect.context_id).append(effect.fact, self.authority_id))
        elif isinstance(effect, RecordReceipt):
            subject = self._subjects.get(effect.peer)
            if subject is None:
                # Pays for no message: the issuer's default subject (an issuer
                # written before receipts had one keeps working here).
                receipt, token = self.receipts.issue(
                    effect.operation, effect.context_id, effect.peer, effect.epoch, effect.cost
                )
            else:
                receipt, token = self.receipts.issue(
                    effect.operation,
                    effect.context_id,
                    effect.peer,
                    effect.epoch,
                    effect.cost,
                    subject=subject,
                )
            undo.append(token)
            receipts.append(receipt)
        elif isinstance(effect, AcceptReceipt):
            verifier = self._verifier(effect.context_id)
            undo.append(verifier.accept(effect.receipt, effect.epoch))
        elif isinstance(effect, RecordForward):
            undo.append(self._forwards().record(effect.context_id, effect.epoch, effect.digest))
        elif isinstance(effect, StartHandshake):
            undo.append(
                self._channels().commit_start(
                    effect.context_id, effect.epoch, effect.handshaker, effect.timestamp
                )
            )
        elif isinstance(effect, AcceptHandshake):
            undo.append(
                self._channels().commit_accept(effect.context_id, effect.epoch, effect.channel)
            )
        elif isinstance(effect, CompleteHandshake):
            undo.append(
                self._channels().commit_finish(
                    effect.context_id, effect.epoch, effect.handshaker, effect.channel
                )
            )
        elif isinstance(effect, ConfirmChannel):
            undo.append(
                self._channels().commit_confirm(
                    effect.context_id, effect.epoch, effect.channel, effect.counter
                )
            )
        else:  # pragma: no cover - check_effect_order put every send in phase two
            raise AssertionError(effect)

    def _undo(self, token: Undo) -> None:
        if isinstance(token, ChargeToken):
            self.budget.undo(token)
        elif isinstance(token, AppendToken):
            self._journal(token.context_id).undo(token)
        elif isinstance(token, ChannelToken):
            self._channels().undo(token)
        elif isinstance(token, ReceiptAcceptToken):
            self._verifier(token.context_id).undo(token)
        elif isinstance(token, ForwardToken):
            self._forwards().undo(token)
        else:
            self.receipts.undo(token)

    def _rollback(self, undo: list[Undo]) -> None:
        for token in reversed(undo):
            self._undo(token)

    def execute(self, outcome: GuardOutcome) -> ExecutionResult:
        """Run ``outcome``: nothing for a deny, all-or-nothing up to the sends otherwise."""
        if not outcome.is_allowed():
            return ExecutionResult(ExecutionStatus.Denied)
        local, sends = _split_effects(outcome.effects)
        undo: list[Undo] = []
        receipts: list[Receipt] = []
        # A receipt is signed over the message it pays for: the send to its
        # addressee, to which attach_receipts attaches it below. Kept on the
        # interpreter for _do, whose signature subclasses override.
        self._subjects = receipt_subjects(sends)
        try:
            for effect in local:
                self._do(effect, undo, receipts)
        except AuraError as exc:
            self._rollback(undo)
            return ExecutionResult(ExecutionStatus.RolledBack, error=f"{type(exc).__name__}: {exc}")
        except BaseException:
            # A port bug is not ours to type, but it must not leave a half-run outcome.
            self._rollback(undo)
            raise
        sent: list[SendEffect] = []
        failed: list[tuple[SendEffect, str]] = []
        for send in attach_receipts(sends, receipts):
            try:
                self.outbox(send)
            except SendFailed as exc:
                failed.append((send, str(exc)))
            else:
                sent.append(send)
        return ExecutionResult(
            ExecutionStatus.Committed, tuple(sent), tuple(failed), tuple(receipts)
        )
