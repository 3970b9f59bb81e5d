"""Effect commands (seed 11): what an allowed outcome asks the interpreter to do.

Commands are data; the interpreter (``_interpreter``) runs them. Non-send
commands (charge, journal append, receipt, channel changes) come first and are
undoable; sends come last and are the commit point.

The channel changes (:data:`ChannelEffect`) carry a handshake step that the
service's ``prepare_*`` computed without changing anything; the interpreter
commits it through its channel port with the charge and the journal append,
or not at all. They follow the EpochRotation spec's actions:
``StartHandshake`` (PrepareEstablishChannel), ``AcceptHandshake``
(HandleHandshake), ``CompleteHandshake`` (ProcessResponse) and
``ConfirmChannel`` (KeyConfirm). A relay's forward records its envelope in
the relay's memory the same way (:class:`RecordForward`, ``RelayForward``).
"""

from __future__ import annotations

from typing import TypeGuard

import attrs

from aura_rendezvous.channels import Handshaker, SecureChannel
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
from aura_rendezvous.guard._receipt import Receipt
from aura_rendezvous.journal import RendezvousFact

__all__ = [
    "CHANNEL_EFFECTS",
    "SEND_EFFECTS",
    "AcceptHandshake",
    "AcceptReceipt",
    "ChannelEffect",
    "ChargeFlowBudget",
    "CompleteHandshake",
    "ConfirmChannel",
    "EffectCommand",
    "ForwardRelayEnvelope",
    "JournalAppend",
    "RecordForward",
    "RecordReceipt",
    "SendEffect",
    "SendHandshake",
    "SendHandshakeResponse",
    "SendRelayData",
    "SendRelayRequest",
    "SendRelayResponse",
    "StartHandshake",
    "is_channel_effect",
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
class StartHandshake:
    """Keep the initiator's new handshake pending with ``peer``: it wrote message 1,
    whose timestamp the endpoint's clock keeps (the next one is above it)."""

    context_id: ContextId = attrs.field(validator=is_context)
    peer: AuthorityId = attrs.field(validator=is_authority)
    epoch: int = attrs.field(validator=u64)
    timestamp: int = attrs.field(validator=u64)
    handshaker: Handshaker = attrs.field(eq=False, repr=False)


@attrs.frozen
class AcceptHandshake:
    """Register the responder's ``Establishing`` channel answering ``initiator``'s
    message 1 (it replaces that initiator's older responder channels)."""

    context_id: ContextId = attrs.field(validator=is_context)
    initiator: AuthorityId = attrs.field(validator=is_authority)
    epoch: int = attrs.field(validator=u64)
    channel: SecureChannel = attrs.field(eq=False, repr=False)


@attrs.frozen
class CompleteHandshake:
    """The initiator read message 2: the pending handshake with ``responder`` is
    done and its ``Active`` channel is registered."""

    context_id: ContextId = attrs.field(validator=is_context)
    responder: AuthorityId = attrs.field(validator=is_authority)
    epoch: int = attrs.field(validator=u64)
    handshaker: Handshaker = attrs.field(eq=False, repr=False)
    channel: SecureChannel = attrs.field(eq=False, repr=False)


@attrs.frozen
class ConfirmChannel:
    """The responder's key confirmation decrypted (message ``counter``): the
    channel becomes ``Active`` and message 1's timestamp enters the replay guard."""

    context_id: ContextId = attrs.field(validator=is_context)
    initiator: AuthorityId = attrs.field(validator=is_authority)
    epoch: int = attrs.field(validator=u64)
    channel: SecureChannel = attrs.field(eq=False, repr=False)
    counter: int = attrs.field(validator=u64)


@attrs.frozen
class AcceptReceipt:
    """Record a peer's receipt, verified by ``prepare_*``, as the last of its chain
    in the receiver's verifier: committed with the outcome it came with, or not."""

    context_id: ContextId = attrs.field(validator=is_context)
    receipt: Receipt
    epoch: int = attrs.field(validator=u64)


@attrs.frozen
class RecordForward:
    """The relay forwarded the envelope whose digest is ``digest`` in ``epoch``:
    recorded in its memory with the forward's charge, or not at all, so a replay
    of it is refused (``RVRelayForwardsOnce``) only once the forward committed."""

    context_id: ContextId = attrs.field(validator=is_context)
    epoch: int = attrs.field(validator=u64)
    digest: bytes = attrs.field(validator=attrs.validators.instance_of(bytes))


ChannelEffect = StartHandshake | AcceptHandshake | CompleteHandshake | ConfirmChannel
CHANNEL_EFFECTS = (StartHandshake, AcceptHandshake, CompleteHandshake, ConfirmChannel)


@attrs.frozen
class SendHandshake:
    """Send the (opaque) first handshake message to ``peer`` over ``transport``."""

    peer: AuthorityId = attrs.field(validator=is_authority)
    transport: TransportHint
    message: bytes
    # The encoded receipt that pays for this message (the interpreter attaches
    # the one its outcome issued to the addressee); empty for an unpaid message.
    receipt: bytes = attrs.field(default=b"", kw_only=True)


@attrs.frozen
class SendHandshakeResponse:
    peer: AuthorityId = attrs.field(validator=is_authority)
    message: bytes
    receipt: bytes = attrs.field(default=b"", kw_only=True)


@attrs.frozen
class SendRelayRequest:
    """``RelayRequest``: the initiator hands an envelope to its relay."""

    relay: AuthorityId = attrs.field(validator=is_authority)
    envelope: RelayEnvelope
    receipt: bytes = attrs.field(default=b"", kw_only=True)


@attrs.frozen
class ForwardRelayEnvelope:
    """``RelayForward`` / ``RelayComplete``: the relay passes an envelope on."""

    to: AuthorityId = attrs.field(validator=is_authority)
    envelope: RelayEnvelope
    receipt: bytes = attrs.field(default=b"", kw_only=True)


@attrs.frozen
class SendRelayResponse:
    """``RelayResponse``: the responder answers through the relay."""

    relay: AuthorityId = attrs.field(validator=is_authority)
    envelope: RelayEnvelope
    receipt: bytes = attrs.field(default=b"", kw_only=True)


@attrs.frozen
class SendRelayData:
    """The key confirmation or a transport message of a relayed channel, handed to
    its relay (which forwards it like any envelope): never sent directly."""

    relay: AuthorityId = attrs.field(validator=is_authority)
    envelope: RelayEnvelope
    receipt: bytes = attrs.field(default=b"", kw_only=True)


SendEffect = (
    SendHandshake
    | SendHandshakeResponse
    | SendRelayRequest
    | ForwardRelayEnvelope
    | SendRelayResponse
    | SendRelayData
)
SEND_EFFECTS = (
    SendHandshake,
    SendHandshakeResponse,
    SendRelayRequest,
    ForwardRelayEnvelope,
    SendRelayResponse,
    SendRelayData,
)
EffectCommand = (
    ChargeFlowBudget
    | JournalAppend
    | RecordReceipt
    | AcceptReceipt
    | RecordForward
    | ChannelEffect
    | SendEffect
)


def is_send(effect: EffectCommand) -> TypeGuard[SendEffect]:
    return isinstance(effect, SEND_EFFECTS)


def is_channel_effect(effect: EffectCommand) -> TypeGuard[ChannelEffect]:
    return isinstance(effect, CHANNEL_EFFECTS)
