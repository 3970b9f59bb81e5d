"""Today's guard-chain shortfalls, kept as named wrong backends.

- :class:`ChainPerSourceIssuer`: the receipt issuer as it was, numbering and
  chaining an authority's receipts per ``(context, epoch)`` across all
  destinations, so a peer's receipt links to one sent elsewhere (a publish
  receipt to oneself, a connect to another peer) and the peer's verifier
  refuses it with ``ReceiptChainBroken`` (GuardChain ``GCReceiptVerifiable``).
- :class:`EagerChannelService`: ``prepare_establish_channel`` as it was,
  starting the handshake (and advancing the handshake clock) while the outcome
  is being prepared, before anything is charged, so a denied or rolled-back
  outcome keeps it (GuardChain ``GCChannelStateAtomic``).
- :class:`StrictChainVerifier`: the receipt verifier as it was, requiring every
  receipt to link to the last accepted one, so after one lost message (and its
  receipt) every later receipt of the pair is ``ReceiptChainBroken`` until the
  epoch ends (GuardChain ``GCReceiptResumesAfterLoss``).
- :class:`SendingOnDenyGuards`: the guards deny, yet the operation's packet is
  built and handed to the transport all the same (GuardChain
  ``BUG_EffectsOnDeny``, ``GCNoEffectOnDeny``: a deny sends nothing).
- :class:`SendFirstInterpreter`: the interpreter hands the sends to the outbox
  before it charges and appends, so a packet leaves unpaid and stays sent when
  the append then fails (``GCChargeFirst``: the charge comes first, the send
  last).
"""

from __future__ import annotations

from collections.abc import Callable

from aura_rendezvous.channels import ChannelEndpoint
from aura_rendezvous.core import (
    AuthorityId,
    ContextId,
    ContextMembership,
    ReceiptChainBroken,
)
from aura_rendezvous.guard import (
    GENESIS_HASH,
    ChargeFlowBudget,
    EffectCommand,
    EffectInterpreter,
    ExecutionResult,
    GuardOutcome,
    GuardSnapshot,
    Receipt,
    ReceiptIssuer,
    ReceiptVerifier,
    SendEffect,
    evaluate_guards,
    is_send,
)

__all__ = [
    "ChainPerSourceIssuer",
    "EagerChannelService",
    "SendFirstInterpreter",
    "SendingOnDenyGuards",
    "StrictChainVerifier",
    "endpoint_clock",
]


# The one addressee ChainPerSourceIssuer keys every stream under (no member's id).
_EVERY_DESTINATION = AuthorityId(bytes(32))


class ChainPerSourceIssuer(ReceiptIssuer):
    """The reference issuer with one stream per ``(context, epoch)``: every
    destination shares it, as if all receipts went to one addressee."""

    def _stream_key(
        self, context_id: ContextId, epoch: int, dst: AuthorityId
    ) -> tuple[ContextId, int, AuthorityId]:
        return (context_id, epoch, _EVERY_DESTINATION)


class EagerChannelService:
    """Starts the handshake inside ``prepare``: no channel effect, the change is done."""

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
        endpoint.start(membership, epoch, peer, psk, now_ms)
        return [], endpoint_clock(endpoint)


def endpoint_clock(endpoint: ChannelEndpoint) -> int:
    """The timestamp of the endpoint's last started handshake (its handshake clock)."""
    return endpoint._last_timestamp  # the clock has no public reader


class StrictChainVerifier(ReceiptVerifier):
    """Every receipt must link to the last accepted one of its stream, even after a
    nonce gap: a lost receipt is never accepted, so the sender's next ones never link."""

    def check(self, receipt: Receipt, current_epoch: int) -> None:
        super().check(receipt, current_epoch)
        previous = self._last.get((receipt.src, receipt.epoch))
        expected = previous[1] if previous is not None else GENESIS_HASH
        if receipt.prev_hash != expected:
            raise ReceiptChainBroken("receipt does not link to the last accepted one")


class SendingOnDenyGuards:
    """``evaluate_guards`` whose deny still runs the coupling step and sends the
    packets the operation would have sent: the deny is returned, the bytes left."""

    def __init__(self, send: Callable[[SendEffect], None]) -> None:
        self._send = send

    def evaluate(
        self,
        snapshot: GuardSnapshot,
        capability: str,
        cost: int,
        couple: Callable[[ChargeFlowBudget], GuardOutcome],
    ) -> GuardOutcome:
        outcome = evaluate_guards(snapshot, capability, cost, couple)
        if not outcome.is_allowed():
            charge = ChargeFlowBudget(
                snapshot.context_id, snapshot.authority_id, snapshot.epoch, cost
            )
            for effect in couple(charge).effects:
                if is_send(effect):
                    self._send(effect)
        return outcome


class SendFirstInterpreter(EffectInterpreter):
    """Sends first, then runs the charge, appends and channel changes: the packet
    is out before anything is paid, and stays out when the rest rolls back."""

    def execute(self, outcome: GuardOutcome) -> ExecutionResult:
        if not outcome.is_allowed():
            return super().execute(outcome)
        sends = tuple(e for e in outcome.effects if is_send(e))
        for send in sends:
            self.outbox(send)
        result = super().execute(GuardOutcome.allow([e for e in outcome.effects if not is_send(e)]))
        return ExecutionResult(
            result.status, sends, result.failed_sends, result.receipts, result.error
        )
