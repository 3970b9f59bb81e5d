"""Effect commands (seed 11): what an allowed outcome asks the interpreter to do.

Commands are data; the interpreter (``_interpreter``) runs them. Non-send
commands (charge, journal append, receipt) come first and are undoable; sends
come last and are the commit point.
"""

from __future__ import annotations

from typing import TypeGuard

import attrs

from aura_rendezvous.core import (
    AuthorityId,
    ContextId,
    RelayEnvelope,
    is_authority,
    is_context,
    u32,
    u64,
)
from aura_rendezvous.descriptors import TransportHint
from aura_rendezvous.journal import RendezvousFact

__all__ = [
    "SEND_EFFECTS",
    "ChargeFlowBudget",
    "EffectCommand",
    "ForwardRelayEnvelope",
    "JournalAppend",
    "RecordReceipt",
    "SendEffect",
    "SendHandshake",
    "SendHandshakeResponse",
    "SendRelayRequest",
    "SendRelayResponse",
    "is_send",
]


@attrs.frozen
class ChargeFlowBudget:
    context_id: ContextId = attrs.field(validator=is_context)
    authority_id: AuthorityId = attrs.field(validator=is_authority)
    epoch: int = attrs.field(validator=u64)
    cost: int = attrs.field(validator=u32)


@attrs.frozen
class JournalAppend:
    context_id: ContextId = attrs.field(validator=is_context)
    fact: RendezvousFact


@attrs.frozen
class RecordReceipt:
    """Issue a signed, chained receipt for this operation's charge."""

    operation: str
    context_id: ContextId = attrs.field(validator=is_context)
    peer: AuthorityId = attrs.field(validator=is_authority)
    epoch: int = attrs.field(validator=u64)
    cost: int = attrs.field(validator=u32)


@attrs.frozen
class SendHandshake:
    """Send the (opaque) first handshake message to ``peer`` over ``transport``."""

    peer: AuthorityId = attrs.field(validator=is_authority)
    transport: TransportHint
    message: bytes


@attrs.frozen
class SendHandshakeResponse:
    peer: AuthorityId = attrs.field(validator=is_authority)
    message: bytes


@attrs.frozen
class SendRelayRequest:
    """``RelayRequest``: the initiator hands an envelope to its relay."""

    relay: AuthorityId = attrs.field(validator=is_authority)
    envelope: RelayEnvelope


@attrs.frozen
class ForwardRelayEnvelope:
    """``RelayForward`` / ``RelayComplete``: the relay passes an envelope on."""

    to: AuthorityId = attrs.field(validator=is_authority)
    envelope: RelayEnvelope


@attrs.frozen
class SendRelayResponse:
    """``RelayResponse``: the responder answers through the relay."""

    relay: AuthorityId = attrs.field(validator=is_authority)
    envelope: RelayEnvelope


SendEffect = (
    SendHandshake
    | SendHandshakeResponse
    | SendRelayRequest
    | ForwardRelayEnvelope
    | SendRelayResponse
)
SEND_EFFECTS = (
    SendHandshake,
    SendHandshakeResponse,
    SendRelayRequest,
    ForwardRelayEnvelope,
    SendRelayResponse,
)
EffectCommand = ChargeFlowBudget | JournalAppend | RecordReceipt | SendEffect


def is_send(effect: EffectCommand) -> TypeGuard[SendEffect]:
    return isinstance(effect, SEND_EFFECTS)
