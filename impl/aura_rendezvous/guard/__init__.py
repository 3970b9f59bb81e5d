"""The guard chain (seed 8 and 11, DESIGN.md 4): capabilities, flow budgets,
effect commands, receipts and the effect interpreter that runs an outcome
atomically up to its sends.

Imports ``aura_rendezvous.core``, ``.descriptors`` and ``.journal``.
"""

from aura_rendezvous.guard._budget import BudgetKey, ChargeToken, FlowBudgetStore, budget_allows
from aura_rendezvous.guard._effects import (
    SEND_EFFECTS,
    ChargeFlowBudget,
    EffectCommand,
    ForwardRelayEnvelope,
    JournalAppend,
    RecordReceipt,
    SendEffect,
    SendHandshake,
    SendHandshakeResponse,
    SendRelayRequest,
    SendRelayResponse,
    is_send,
)
from aura_rendezvous.guard._guard import (
    CAP_RELAY_FORWARD,
    CAP_RENDEZVOUS_CONNECT,
    CAP_RENDEZVOUS_PUBLISH,
    CAP_RENDEZVOUS_RELAY,
    Allowed,
    Denied,
    DenyReason,
    GuardDecision,
    GuardOutcome,
    GuardSnapshot,
    evaluate_guards,
)
from aura_rendezvous.guard._interpreter import (
    EffectInterpreter,
    ExecutionResult,
    ExecutionStatus,
    check_effect_order,
)
from aura_rendezvous.guard._receipt import (
    LABEL_RECEIPT_HASH,
    LABEL_RECEIPT_SIGNATURE,
    MAX_OPERATION_LEN,
    MAX_RECEIPT_LEN,
    Receipt,
)
from aura_rendezvous.guard._receipt_chain import (
    GENESIS_HASH,
    ReceiptIssuer,
    ReceiptToken,
    ReceiptVerifier,
    nonce_accepts,
)

__all__ = [
    "CAP_RELAY_FORWARD",
    "CAP_RENDEZVOUS_CONNECT",
    "CAP_RENDEZVOUS_PUBLISH",
    "CAP_RENDEZVOUS_RELAY",
    "GENESIS_HASH",
    "LABEL_RECEIPT_HASH",
    "LABEL_RECEIPT_SIGNATURE",
    "MAX_OPERATION_LEN",
    "MAX_RECEIPT_LEN",
    "SEND_EFFECTS",
    "Allowed",
    "BudgetKey",
    "ChargeFlowBudget",
    "ChargeToken",
    "Denied",
    "DenyReason",
    "EffectCommand",
    "EffectInterpreter",
    "ExecutionResult",
    "ExecutionStatus",
    "FlowBudgetStore",
    "ForwardRelayEnvelope",
    "GuardDecision",
    "GuardOutcome",
    "GuardSnapshot",
    "JournalAppend",
    "Receipt",
    "ReceiptIssuer",
    "ReceiptToken",
    "ReceiptVerifier",
    "RecordReceipt",
    "SendEffect",
    "SendHandshake",
    "SendHandshakeResponse",
    "SendRelayRequest",
    "SendRelayResponse",
    "budget_allows",
    "check_effect_order",
    "evaluate_guards",
    "is_send",
    "nonce_accepts",
]
