"""The coverage space of each spec harness: its actions and the outcomes they can have.

Each space lists the ``(action, outcome)`` pairs a correct backend can reply
with in that harness's world. Where the code has an enumeration the pairs come
from it (deny reasons, execution statuses, the error classes of receipts,
handshakes and channels), narrowed to what the world can reach; each
exclusion says why. A reply outside the space is reported as undeclared, so
a space that drifts from the code shows in the coverage report.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from aura_model.tla import values as V
from aura_rendezvous import core as E
from aura_rendezvous.guard import DenyReason, ExecutionStatus

from aura_conformance.harness.coverage import CoverageSpace, Situate, outcome_classes
from aura_conformance.harness.state import State

__all__ = ["DESCRIPTOR_SPACE", "EPOCH_SPACE", "GUARD_SPACE", "RELAY_SPACE"]


def _space(
    spec: str, table: dict[str, list[str]], *, situate: Situate | None = None
) -> CoverageSpace:
    pairs = frozenset((a, o) for a, outcomes in table.items() for o in outcomes)
    return CoverageSpace(spec, tuple(table), pairs, situate=situate)


def _rejected(*errors: type[Exception], prefix: str = "Rejected") -> list[str]:
    return [f"{prefix}:{e.__name__}" for e in errors]


# GuardChain.tla. A connect's guards deny for a missing capability or an empty
# budget; the other DenyReasons come from descriptor and transport checks the
# spec does not model. Only an Allowed outcome reaches the interpreter, so it
# never reports Denied. Receipts travel to their own receiver with no paid
# message around them: ReceiptWrongDestination and MissingReceipt cannot arise,
# and ReceiptWrongContext only where the attacker hands over a receipt of the
# members' other context (OtherContextReceipt).
_GUARD_DENIALS = (DenyReason.MissingCapability, DenyReason.InsufficientBudget)
# Where a delivered receipt falls in its receiver's window: at or below the last
# nonce accepted from its source (a replay), just above it, or past a gap (the
# receipts between were lost or are still on the wire).
_WINDOW = ("window:replayed", "window:next", "window:gap")


def _guard_window(action: str, args: Mapping[str, Any], before: State) -> tuple[str, ...]:
    r = args.get("r")
    if action != "ReceiveReceipt" or not isinstance(r, V.Fn):
        return ()
    try:
        last = before["accepted"].d[r.d["dst"]].d[r.d["src"]]
        nonce = r.d["nonce"]
    except (KeyError, AttributeError, TypeError):
        return ()  # a backend whose state does not have the spec's shape
    if not isinstance(nonce, int) or not isinstance(last, int):
        return ()
    return (_WINDOW[0] if nonce <= last else _WINDOW[1] if nonce == last + 1 else _WINDOW[2],)


GUARD_SPACE = _space(
    "guard",
    {
        "PrepareOperation": ["Allowed", *(f"Denied:{r.value}" for r in _GUARD_DENIALS)],
        "ExecuteEffects": [s.value for s in ExecutionStatus if s is not ExecutionStatus.Denied],
        "AdvanceEpoch": ["Advanced"],
        "ReceiveReceipt": [
            "Accepted",
            *_rejected(
                E.ReceiptWrongSigner, E.ReceiptWrongEpoch, E.ReceiptReplayed, E.ReceiptChainBroken
            ),
            *_WINDOW,
        ],
        # The receiver's outcome fails at its append: rolled back, or refused first.
        # Directed schedules only: the next receipt of a stream (rolled back) and an
        # equivocated one (its link refused).
        "ReceiveReceiptFails": [ExecutionStatus.RolledBack.value, *_rejected(E.ReceiptChainBroken)],
        # A receipt of the other context the members share, handed to its receiver
        # as one of this context: refused for its context. Directed schedule only.
        "OtherContextReceipt": _rejected(E.ReceiptWrongContext),
        "ForgeReceipt": ["Forged"],
        "EquivocateReceipt": ["Equivocated"],
        "RelinkFirstReceipt": ["Relinked"],
        "SignFutureReceipt": ["Signed"],
        "Tick": ["Ticked"],
    },
    situate=_guard_window,
)

# EpochRotation.tla over real handshakes. Only messages a party sent are
# delivered (the attacker's own are InjectInit, ForgeResponse and ForgeData), so
# decoding fails only on a forged msg 2, and TransportAuthError only on ForgeData's
# tampered transport message. HandshakeTimeout: a msg 2 or key confirmation
# handled past its deadline, before the timer fired.
EPOCH_SPACE = _space(
    "epoch",
    {
        "PrepareEstablishChannel": ["Started"],
        "HandleHandshake": [
            "Answered",
            *_rejected(E.ReplayedHandshake, E.WrongEpoch),
        ],
        "ProcessResponse": [
            "Active",
            *_rejected(
                E.HandshakeAuthError, E.HandshakeTimeout, E.UnsolicitedHandshake, E.WrongEpoch
            ),
        ],
        "SendData": [
            "Sent",
            "Refused:NoChannel",
            *_rejected(E.ChannelClosedError, prefix="Refused"),
        ],
        "ReceiveData": [
            "Confirmed",
            "Received",
            *_rejected(E.HandshakeTimeout, E.UnknownChannel, E.ReplayedMessage, E.RetiredEpoch),
        ],
        "AdvanceEpoch": ["Advanced"],
        "CloseChannel": ["Closed", "Refused:NoChannel"],
        "InjectInit": [
            "Answered",
            *_rejected(E.HandshakeClockSkew, E.ReplayedHandshake),
        ],
        "ForgeResponse": [
            *_rejected(E.DecodeError, E.HandshakeAuthError, E.WrongEpoch),
        ],
        # A member's id with another member's static key; a msg 1 whose cleartext
        # epoch was rewritten (the prologue binds it, so the AEAD fails).
        "ImpersonateInit": _rejected(E.StaticKeyMismatch),
        "RewriteEpoch": _rejected(E.HandshakeAuthError),
        "Tick": ["Ticked", "TimedOut"],
        # Outside the spec's context: a channel in the world's other one.
        "OtherContextHandshake": ["Established"],
        # Its confirmed message 1 replayed: that context's replay guard keeps it.
        "ReplayOtherContextInit": _rejected(E.ReplayedHandshake),
        # Under the spec context's PSK: Resp's answer does not authenticate.
        "ForeignPskOtherContextInit": _rejected(E.HandshakeAuthError),
        # A transport message of Ini's with one byte flipped: it does not decrypt.
        "ForgeData": _rejected(E.TransportAuthError),
    },
)


def _dv_classes(action: str, outcome: str) -> tuple[str, ...]:
    # A publish the journal refused reports "<status>:<error text>"; the status is the outcome.
    if action == "PreparePublishDescriptor" and ":" in outcome:
        return (outcome.split(":", 1)[0],)
    return outcome_classes(action, outcome)


# DescriptorValidity.tla. The harness's hostile messages are refused by the check
# that names the spec's rule (a fact's author, the clock bound) or fail to open.
DESCRIPTOR_SPACE = CoverageSpace(
    "descriptor",
    (
        "PreparePublishDescriptor",
        "RevokeDescriptor",
        "ForgeRevocation",
        "SyncJournal",
        "SyncRound",
        "OutsiderDigest",
        "InjectUnsignedFact",
        "HugeStamp",
        "DVPrune",
        "Tick",
        "LastMillisecond",
        "AskRefresh",
    ),
    frozenset(
        [
            ("PreparePublishDescriptor", "Published"),
            ("PreparePublishDescriptor", "NotNeeded"),
            ("RevokeDescriptor", ExecutionStatus.Committed.value),
            # A publisher asked to revoke another member's descriptor (RevokeAnother,
            # revoke-another-members): only the publisher may revoke its own.
            ("RevokeDescriptor", f"Denied:{DenyReason.NotOwnDescriptor.value}"),
            ("ForgeRevocation", "Forged"),
            ("SyncJournal", "Merged"),
            ("SyncJournal", "Duplicate"),
            ("SyncRound", "Synced"),
            ("OutsiderDigest", f"Refused:{E.DecryptFailed.__name__}"),
            ("InjectUnsignedFact", "Refused:DVFactsAttributable"),
            ("HugeStamp", "Refused:DVClockBounded"),
            ("DVPrune", "Pruned"),
            # The machine stops ticking at the model's last instant: never AtMaxTime.
            ("Tick", "Ticked"),
            # A stutter of the spec: the clock moves within its unit.
            ("LastMillisecond", "AtLastMillisecond"),
            # A question (a stutter): needs_refresh's answer, judged by DVNeedsRefresh.
            ("AskRefresh", "Refresh"),
            ("AskRefresh", "Fresh"),
        ]
    ),
    _dv_classes,
)

_SENT = re.compile(r"^\w+ sent \[\('(\w+)'")
_REFUSED = re.compile(r"^(?:relay refused|\w+ rejected): (\w+)")


def _relay_classes(action: str, outcome: str) -> tuple[str, ...]:
    """The relay world's replies name the sends (``a1 sent [('Init', ...)]``) or the
    refusal (``relay refused: ReplayedEnvelope (...)``); the outcome is their kind."""
    if m := _SENT.match(outcome):
        return (f"Sent:{m.group(1)}",)
    if m := _REFUSED.match(outcome):
        kind = "Refused" if outcome.startswith("relay") else "Rejected"
        return (f"{kind}:{m.group(1)}",)
    if ": nothing sent" in outcome:
        return ("NothingSent",)
    if outcome.startswith("junk handed"):
        return ("Injected",)
    # The clock, epochs, descriptors and the impostor: the outcome's first word.
    if m := _RELAY_WORD.match(outcome):
        return (_RELAY_WORDS[m.group(1)],)
    return (outcome,)


_RELAY_WORD = re.compile(
    r"^(published|not published|not needed|advanced|ticked|impostor|attacker|relay rolled back"
    r"|revoked|synced|stale|lost)\b"
)
_RELAY_WORDS = {
    "relay rolled back": "RolledBack",
    "published": "Published",
    "not published": "AtMaxDesc",
    "not needed": "NotNeeded",
    "advanced": "Advanced",
    "ticked": "Ticked",
    "impostor": "Injected",
    "attacker": "Injected",
    "revoked": "Revoked",
    "synced": "Synced",
    "stale": "NothingNew",
    "lost": "Lost",
}


# The relay path of Rendezvous.tla: a relayed IKpsk2 handshake, the relay's
# refusals (junk, a replayed envelope, one of a past epoch, an envelope whose
# receipt it has seen), the receivers' (a replayed receipt, a response to a
# handshake already finished). The key confirmation is journalled and answered
# by nothing.
RELAY_SPACE = CoverageSpace(
    "relay",
    (
        "RelayRequest",
        "RelayForward",
        "HandleHandshake",
        "ProcessResponse",
        "KeyConfirm",
        "InjectJunk",
        "ReplayEnvelope",
        "ImpersonateInit",
        "PublishDescriptor",
        "AdvanceEpoch",
        "Tick",
        "MisaddressInit",
        "ReuseReceipt",
        "StripReceipt",
        "MisdirectReceipt",
        "ForeignReceipt",
        "RelayForwardFails",
        "RevokeDescriptor",
        "SyncJournal",
        "PrepareEstablishChannel",
        "InjectInit",
    ),
    frozenset(
        [
            # Rendezvous.tla composed with the relay path: Resp revokes a valid
            # descriptor of its own; a sync delivery brings Ini something, nothing
            # (an answer repeated or late), or no answer arrives (lost, or late); a
            # direct connect sends or is denied (no descriptor it
            # may use); eve's message 1 is denied (NotAMember), sending nothing.
            ("RevokeDescriptor", "Revoked"),
            ("SyncJournal", "Synced"),
            ("SyncJournal", "NothingNew"),
            ("SyncJournal", "Lost"),
            ("PrepareEstablishChannel", "Sent:Init"),
            ("PrepareEstablishChannel", "NothingSent"),
            ("InjectInit", "Injected"),
            ("HandleHandshake", "NothingSent"),
            # The direct path's handshake, whose messages the channel layer judges
            # with no relay in front: a message 1 of a past epoch (WrongEpoch) or
            # one Resp answered already (ReplayedHandshake); a response of a past
            # epoch (its receipt first) or to a handshake Ini no longer holds; a key
            # confirmation delivered again.
            ("HandleHandshake", f"Rejected:{E.WrongEpoch.__name__}"),
            ("HandleHandshake", f"Rejected:{E.ReplayedHandshake.__name__}"),
            ("ProcessResponse", f"Rejected:{E.ReceiptWrongEpoch.__name__}"),
            ("ProcessResponse", f"Rejected:{E.UnsolicitedHandshake.__name__}"),
            ("KeyConfirm", f"Rejected:{E.ReplayedMessage.__name__}"),
            # The receipt attacks: each refused by its receiver.
            ("MisaddressInit", "Injected"),
            ("ReuseReceipt", "Injected"),
            ("RelayForward", f"Refused:{E.ReceiptWrongSubject.__name__}"),
            ("StripReceipt", f"Refused:{E.MissingReceipt.__name__}"),
            ("MisdirectReceipt", f"Rejected:{E.ReceiptWrongDestination.__name__}"),
            ("ForeignReceipt", f"Rejected:{E.ReceiptWrongSigner.__name__}"),
            # A connect without a descriptor Ini may use (expired, of a past epoch)
            # is denied; so is a forward in c2, where the relay has no relay:forward.
            ("RelayRequest", "NothingSent"),
            ("RelayForward", "NothingSent"),
            ("HandleHandshake", f"Rejected:{E.StaticKeyMismatch.__name__}"),
            ("ImpersonateInit", "Injected"),
            # An envelope of the context's past epoch, at the relay or replayed to it.
            ("RelayForward", f"Refused:{E.StaleEnvelope.__name__}"),
            ("ReplayEnvelope", f"Refused:{E.StaleEnvelope.__name__}"),
            ("PublishDescriptor", "Published"),
            ("PublishDescriptor", "NotNeeded"),
            ("AdvanceEpoch", "Advanced"),
            ("Tick", "Ticked"),
            ("RelayRequest", "Sent:Init"),
            ("RelayForward", "Sent:Init"),
            ("RelayForward", "Sent:Resp"),
            ("RelayForward", "Sent:Confirm"),
            ("RelayForward", f"Refused:{E.MalformedEnvelope.__name__}"),
            ("RelayForward", f"Refused:{E.ReceiptReplayed.__name__}"),
            ("HandleHandshake", "Sent:Resp"),
            ("HandleHandshake", f"Rejected:{E.ReceiptReplayed.__name__}"),
            # The impostor's message 1 of c1's past epoch delivered after the change:
            # its receipt, of the past epoch, is refused first.
            ("HandleHandshake", f"Rejected:{E.ReceiptWrongEpoch.__name__}"),
            ("ProcessResponse", "Sent:Confirm"),
            ("ProcessResponse", f"Rejected:{E.HandshakeAuthError.__name__}"),
            ("ProcessResponse", f"Rejected:{E.ReceiptReplayed.__name__}"),
            ("KeyConfirm", "NothingSent"),
            ("KeyConfirm", f"Rejected:{E.ReceiptReplayed.__name__}"),
            ("InjectJunk", "Injected"),
            ("ReplayEnvelope", f"Refused:{E.ReplayedEnvelope.__name__}"),
            # A forward failing at the relay's own receipt: rolled back, or refused
            # (junk, a receipt below the last, a past epoch) or denied (c2) first.
            ("RelayForwardFails", ExecutionStatus.RolledBack.value),
            ("RelayForwardFails", "NothingSent"),
            ("RelayForwardFails", f"Refused:{E.MalformedEnvelope.__name__}"),
            ("RelayForwardFails", f"Refused:{E.ReceiptReplayed.__name__}"),
            ("RelayForwardFails", f"Refused:{E.StaleEnvelope.__name__}"),
        ]
    ),
    _relay_classes,
)
