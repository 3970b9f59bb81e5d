"""The error family of ``aura_rendezvous``: every error class of the package, in one place.

One base error per package. ``LocalProtocolError`` means our caller misused the
API; ``RemoteProtocolError`` subclasses mean a peer sent something we reject, and
carry a class-level ``reason`` equal to the spec's denial name, so a test or a
conformance check matches on the reason without parsing messages.
``DecodeError`` is raised by strict decoders of untrusted bytes and says where
the input came from. Exceptions from ``cryptography`` are re-typed at the edge
into one of these.

The sections follow the layers that raise them (core values, descriptors,
guard chain, receipts, channels, Noise, choreography); a layer imports its
errors from here, so the whole hierarchy reads top to bottom in this module.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Generic, TypeVar

__all__ = [
    "AuraError",
    "BadSignature",
    "ChannelClosedError",
    "ChoreographyViolation",
    "ContextMismatchError",
    "CostAnnotationMismatch",
    "DecodeError",
    "DecryptFailed",
    "HandshakeAuthError",
    "HandshakeClockSkew",
    "HandshakeTimeout",
    "IllegalTransition",
    "InsufficientBudgetError",
    "InvalidDescriptor",
    "LamportStampOutOfBounds",
    "LocalProtocolError",
    "MalformedEnvelope",
    "MissingReceipt",
    "NoiseConfigError",
    "NoiseDecryptError",
    "NoiseError",
    "NoiseMalformedError",
    "NoiseNonceExhaustedError",
    "NoiseStateError",
    "NonMember",
    "NotAMember",
    "ReceiptChainBroken",
    "ReceiptError",
    "ReceiptReplayed",
    "ReceiptWrongContext",
    "ReceiptWrongDestination",
    "ReceiptWrongEpoch",
    "ReceiptWrongSigner",
    "ReceiptWrongSubject",
    "RemoteProtocolError",
    "ReplayedEnvelope",
    "ReplayedHandshake",
    "ReplayedMessage",
    "RetiredEpoch",
    "SendFailed",
    "StaleEnvelope",
    "StaticKeyMismatch",
    "TransportAuthError",
    "UnattributableFact",
    "UnknownChannel",
    "UnsolicitedHandshake",
    "ValueRangeError",
    "WrongEpoch",
]


# -- the three roots ----------------------------------------------------------


class AuraError(Exception):
    """Base of every error raised by ``aura_rendezvous``."""


class LocalProtocolError(AuraError):
    """Our caller misused the API (bad argument, illegal state transition)."""


class RemoteProtocolError(AuraError):
    """A peer's input was rejected. ``reason`` is the spec's name for the rejection."""

    reason: str = "RemoteProtocolError"


class DecodeError(RemoteProtocolError, ValueError):
    """Malformed, truncated, oversized or wrongly-versioned bytes.

    ``source`` names what was being decoded (e.g. ``"RendezvousDescriptor"``) and
    ``offset`` the byte position where decoding stopped, when known.
    """

    reason = "Malformed"

    def __init__(self, source: str, message: str, offset: int | None = None) -> None:
        where = f" at byte {offset}" if offset is not None else ""
        super().__init__(f"{source}: {message}{where}")
        self.source = source
        self.offset = offset


# -- core values (ids, integer ranges, rosters) ---------------------------------


class ValueRangeError(LocalProtocolError, ValueError):
    """A number is outside its u32/u64 range, or an addition would overflow."""


class NotAMember(RemoteProtocolError):
    """The authority is not on the context's roster."""

    reason = "NotAMember"


class MalformedEnvelope(RemoteProtocolError):
    """A relay envelope that is no protocol message between two members: refused
    before the relay pays to forward it."""

    reason = "Malformed"


class ReplayedEnvelope(RemoteProtocolError):
    """A relay envelope the relay already forwarded in this context and epoch:
    refused before it pays to forward it again."""

    reason = "Replayed"


class StaleEnvelope(RemoteProtocolError):
    """A relay envelope whose protocol message (its clear header) is of another
    epoch than the relay's current one for the context: refused before the relay
    pays, so that its memory of what it forwarded, kept per epoch, covers every
    envelope it will ever forward (``RVRelayForwardsOnce``)."""

    reason = "EpochMismatch"


# -- descriptors ----------------------------------------------------------------


class InvalidDescriptor(LocalProtocolError, ValueError):
    """A descriptor would break an invariant (empty window, too many hints...)."""


class BadSignature(RemoteProtocolError):
    """A signature does not verify under the roster key of its claimed signer."""

    reason = "BadSignature"


class DecryptFailed(RemoteProtocolError):
    """AEAD decryption failed: wrong key (non-member, other epoch) or tampered bytes."""

    reason = "DecryptFailed"


class ContextMismatchError(RemoteProtocolError):
    """A value of one context was offered to another (DESIGN.md 2: never crosses)."""

    reason = "ContextMismatch"


# -- journal sync (reasons are the DescriptorValidity spec's invariant names) ------


class UnattributableFact(RemoteProtocolError):
    """A synced fact carries no valid signature of a member (forged or unsigned)."""

    reason = "DVFactsAttributable"


class LamportStampOutOfBounds(RemoteProtocolError):
    """A synced entry's Lamport stamp runs further ahead of the receiver's clock than allowed."""

    reason = "DVClockBounded"


# -- guard chain and effect interpreter -------------------------------------------


class InsufficientBudgetError(AuraError):
    """The charge does not fit the budget (raised by the store, not a guard deny)."""

    reason = "InsufficientBudget"


class SendFailed(AuraError):
    """Raised by an outbox when bytes could not be handed to the transport."""


# -- receipts (reasons are the GuardChain spec's invariant names) -----------------


class ReceiptError(RemoteProtocolError):
    """A receipt was rejected."""


class ReceiptWrongSigner(ReceiptError):
    reason = "GCReceiptSigner"


class ReceiptWrongEpoch(ReceiptError):
    reason = "GCReceiptEpoch"


class ReceiptReplayed(ReceiptError):
    """Replayed or reordered: the nonce is not above the last accepted one."""

    reason = "GCReceiptNoReplay"


class ReceiptChainBroken(ReceiptError):
    reason = "GCReceiptChain"


class ReceiptWrongContext(ReceiptError):
    reason = "ContextMismatch"


class ReceiptWrongDestination(ReceiptError):
    """Addressed to another authority: its chain link names receipts we never get."""

    reason = "GCReceiptVerifiable"


class ReceiptWrongSubject(ReceiptError):
    """Signed for another message than the one it came with (a receipt taken off
    the wire and attached to another envelope)."""

    reason = "GCReceiptVerifiable"


class MissingReceipt(ReceiptError):
    """A paid message arrived without the receipt that pays for it: nothing to verify."""

    reason = "GCReceiptVerifiable"


# -- handshakes and secure channels ------------------------------------------------


class IllegalTransition(LocalProtocolError):
    """A state machine got an input its transition table has no entry for."""

    def __init__(self, machine: str, state: str, event: str) -> None:
        super().__init__(f"{machine}: no transition from {state} on {event}")
        self.machine = machine
        self.state = state
        self.event = event


class ChannelClosedError(LocalProtocolError):
    """Our caller tried to use a channel whose state forbids it (not Active)."""


class HandshakeAuthError(RemoteProtocolError):
    """A handshake message did not decrypt: tampered, wrong PSK, other context or epoch."""

    reason = "HandshakeDecryptFailed"


class WrongEpoch(RemoteProtocolError):
    """A handshake message names an epoch other than the responder's current one."""

    reason = "EpochMismatch"


class NonMember(NotAMember):
    """The claimed initiator of a handshake is not in the context's roster."""


class StaticKeyMismatch(RemoteProtocolError):
    """The initiator's Noise static key is not the roster key of the authority it claims."""

    reason = "StaticKeyMismatch"


class ReplayedHandshake(RemoteProtocolError):
    """A first handshake message whose timestamp is not above the greatest seen."""

    reason = "HandshakeReplay"


class HandshakeClockSkew(RemoteProtocolError):
    """A first message's timestamp is further ahead of our clock than the bound allows."""

    reason = "HandshakeClockSkew"


class UnsolicitedHandshake(RemoteProtocolError):
    """A handshake response for which no handshake of ours is pending (replayed or unasked)."""

    reason = "UnsolicitedHandshake"


class HandshakeTimeout(RemoteProtocolError):
    """The handshake did not complete before ``timeout_ms``."""

    reason = "HandshakeTimeout"


class ReplayedMessage(RemoteProtocolError):
    """A transport message whose counter is not above the greatest accepted."""

    reason = "TransportReplay"


class RetiredEpoch(RemoteProtocolError):
    """A transport message sealed under an epoch that has been retired."""

    reason = "RetiredEpoch"


class TransportAuthError(RemoteProtocolError):
    """A transport message did not decrypt under the channel's keys."""

    reason = "TransportDecryptFailed"


class UnknownChannel(RemoteProtocolError):
    """A transport message names a channel id that is not registered."""

    reason = "UnknownChannel"


# -- the Noise layer -----------------------------------------------------------------
# Everything ``aura_rendezvous.noise`` raises is a ``NoiseError``. Local misuse
# (illegal call for the current state, bad arguments, nonce exhaustion, an
# oversized message to write) is also a ``LocalProtocolError``; peer bytes that
# fail authentication or do not parse are ``RemoteProtocolError`` subclasses.


class NoiseError(AuraError):
    """Base of every error raised by ``aura_rendezvous.noise``."""


class NoiseStateError(NoiseError, LocalProtocolError):
    """A call that is illegal in the current state (including any call after ``Failed``)."""


class NoiseNonceExhaustedError(NoiseStateError):
    """The nonce reached 2^64-1, which Noise reserves for rekey: the key must be replaced."""


class NoiseConfigError(NoiseError, LocalProtocolError, ValueError):
    """A bad argument: unknown protocol name, wrong key or PSK length, missing key."""


class NoiseDecryptError(NoiseError, RemoteProtocolError):
    """An AEAD tag did not verify: wrong key, wrong PSK, wrong prologue, or tampering."""

    reason = "DecryptFailed"


class NoiseMalformedError(NoiseError, DecodeError):
    """A received Noise message has the wrong length or carries an unusable public key."""


# -- choreographies ------------------------------------------------------------------


class ChoreographyViolation(RemoteProtocolError):
    """A message out of the choreography's order, or sent/received by the wrong role."""

    reason = "ChoreographyViolation"

    def __init__(self, kind: str, detail: str) -> None:
        super().__init__(f"{kind}: {detail}")
        # kind: OutOfOrder, WrongSender, WrongPeer, WrongDirection, WrongAnnotation,
        # UnknownMessage, AfterEnd, AfterViolation.
        self.kind = kind


_Mismatch = TypeVar("_Mismatch")


class CostAnnotationMismatch(LocalProtocolError, Generic[_Mismatch]):
    """The cost constants disagree with the choreography annotations.

    Generic in the mismatch record (``choreography.CostMismatch``), which lives
    with the check above this module; each record's ``str`` is one disagreement.
    """

    def __init__(self, mismatches: Sequence[_Mismatch]) -> None:
        super().__init__("; ".join(str(m) for m in mismatches))
        self.mismatches = tuple(mismatches)
