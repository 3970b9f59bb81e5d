"""Coverage of the wire mode: each request, each attacker move, each channel transition.

The actions are the requests of the ``Wire`` stdio spec as the backend is sent
them (``Establish``, ``Deliver``, ``Connect``, ...), and the attacker's moves as
actions of their own (``Attack:Tamper``, ``Attack:Replay``, ...) whose outcome is
the backend's reply to the attacker's message. A request's outcomes are its
reply's outcome (``TimedOut:2`` counts as ``TimedOut``, ``Applied:3`` as
``Applied``) and, when the channel the backend reports changed, the transition
(``channel:Establishing->Active``).

Every request of a run goes through :meth:`WireRun.request`, so a
:class:`CountedRun` (the run a machine makes when it is given a
:class:`WireCoverage`) counts the directed scenarios and the random runs alike,
over stdio or in process. A move is one of :class:`WireRun`'s attacker methods;
its message is the one :meth:`WireRun.attack` delivers (or, for
``retired_psk``, which may be answered, the first it delivers).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from aura_rendezvous import core as E

from aura_conformance.harness.backend import Backend, Reply
from aura_conformance.harness.coverage import Coverage, CoverageReport, CoverageSpace
from aura_conformance.harness.errors import ConformanceFailure
from aura_conformance.harness.state import StateSchema
from aura_conformance.wire.keyring import Keyring
from aura_conformance.wire.peer import WireRun

__all__ = ["WIRE_SPACE", "CountedRun", "WireCoverage"]


def _names(*errors: type[Exception], prefix: str = "Rejected") -> list[str]:
    return [f"{prefix}:{e.__name__}" for e in errors]


def _channel(*pairs: tuple[str, str]) -> list[str]:
    return [f"channel:{a}->{b}" for a, b in pairs]


# The channel words a backend reports (docs/backend-protocol.md, "The Wire spec").
# A closed channel is removed: the reference reports None after Close, never Closed.
_NONE, _EST, _ACT, _ROT = "None", "Establishing", "Active", "Rotating"

# A handshake message's cleartext header is its version, type and epoch; the
# claimed id and everything after are inside the Noise payload. A flipped byte
# is refused by the first check it reaches: the decoder (version, type), the
# epoch, the channel a transport names, the AEAD. Never NonMember (the id is
# only read once the AEAD opened) and never UnsolicitedHandshake (a message 2
# is matched to the pending handshake by context and peer, not by its bytes).
_TAMPER_REFUSALS = _names(
    E.DecodeError,
    E.HandshakeAuthError,
    E.WrongEpoch,
    E.TransportAuthError,
    E.UnknownChannel,
    # A flipped counter byte that lands below the window.
    E.ReplayedMessage,
)

_TABLE: dict[str, list[str]] = {
    # The backend's own requests. A start is never refused here: the harness only
    # starts with its keys in place (a refused start is a misconfiguration). A
    # start while Active is a rekey: the channel stays Active until it completes.
    "Establish": ["Started", *_channel((_NONE, _EST), (_ROT, _EST))],
    "Connect": [
        "Started",
        "Denied:NoValidDescriptor",
        "Denied:InsufficientBudget",
        *_channel((_NONE, _EST), (_ROT, _EST)),
    ],
    "RelayConnect": [
        "Started",
        "Denied:InsufficientBudget",
        *_channel((_NONE, _EST), (_ROT, _EST)),
    ],
    "Deliver": [
        "Answered",
        "Active",
        "Confirmed",
        "Received",
        *_names(
            E.DecodeError,
            E.HandshakeAuthError,
            E.HandshakeClockSkew,
            # A message 2 at its handshake's deadline before the Tick (untimed_late_response).
            E.HandshakeTimeout,
            E.NonMember,
            E.ReplayedHandshake,
            E.ReplayedMessage,
            E.RetiredEpoch,
            E.StaticKeyMismatch,
            E.TransportAuthError,
            E.UnknownChannel,
            E.UnsolicitedHandshake,
            E.WrongEpoch,
        ),
        # A message 1 answered (over no channel, or replacing the Active or Rotating
        # one), a handshake finished. A handshake pending over a Rotating channel is
        # reported Establishing, so Rotating never turns Active in one request.
        *_channel((_NONE, _EST), (_ACT, _EST), (_ROT, _EST), (_EST, _ACT)),
    ],
    # A relayed message 1 answered (Relayed), a relayed confirmation taken (Taken),
    # the forwarded message 1 replayed with the relay's spent receipt.
    "DeliverRelayed": [
        "Relayed",
        "Taken",
        "Denied:InsufficientBudget",
        *_names(E.ReceiptReplayed),
        *_channel((_NONE, _EST), (_EST, _ACT)),
    ],
    "Send": ["Sent", *_names(E.ChannelClosedError, prefix="Refused")],
    # An advance keeps a pending handshake (it times out later): never Establishing
    # -> None here.
    "AdvanceEpoch": ["Advanced", *_channel((_ACT, _ROT), (_EST, _ROT))],
    "Close": [
        "Closed",
        "Refused:NoChannel",
        *_channel((_ACT, _NONE), (_EST, _NONE), (_ROT, _NONE)),
    ],
    # A timed-out handshake: over nothing, or over a Rotating channel.
    "Tick": ["Ticked", "TimedOut", *_channel((_EST, _NONE), (_EST, _ROT))],
    "Publish": ["Published"],
    "Offer": ["Cached", *_names(E.BadSignature, E.ContextMismatchError, E.DecryptFailed)],
    "Lookup": ["Found", "NotFound"],
    # The harness's journals are small: one round carries them, so a follow-up
    # finds nothing more (never Digest).
    "SyncStart": ["Digest"],
    "Sync": ["Answered", "Applied", *_names(E.NotAMember)],
    "SyncFollowUp": ["Done"],
    # Only the backend's own descriptors are revoked: never Denied:NotOwnDescriptor.
    "Revoke": ["Revoked"],
    # The attacker's moves: the backend's reply to the attacker's message.
    "Attack:Tamper": _TAMPER_REFUSALS,
    # Any message delivered before: refused as a replay, as no longer expected, or
    # (an attacker's message replayed) as it was the first time: a message 1 the
    # attacker tampered with, or sent under a rewritten epoch or a wrong PSK, fails
    # its authentication again.
    "Attack:Replay": _names(
        E.HandshakeAuthError,
        E.ReplayedHandshake,
        E.ReplayedMessage,
        E.UnsolicitedHandshake,
        E.UnknownChannel,
        E.DecodeError,
        E.NonMember,
        E.StaticKeyMismatch,
        E.WrongEpoch,
        E.RetiredEpoch,
    ),
    # Its own message: a message 1 or 2 does not authenticate in the other role (or
    # names an epoch since left), a transport message fails the other direction's
    # key, or the counter it carries is already behind the window, or its epoch is
    # retired; a relay envelope it sent is no message of the direct path.
    "Attack:Reflect": _names(
        E.HandshakeAuthError,
        E.UnsolicitedHandshake,
        E.TransportAuthError,
        E.UnknownChannel,
        E.ReplayedMessage,
        E.RetiredEpoch,
        E.WrongEpoch,
        E.DecodeError,
    ),
    "Attack:Reorder": _names(E.ReplayedMessage),
    "Attack:Impostor": _names(E.StaticKeyMismatch),
    "Attack:NonMember": _names(E.NonMember),
    # A genuine message 1, or a transport message, of the epoch before.
    "Attack:RetiredEpoch": _names(E.WrongEpoch, E.RetiredEpoch),
    # IKpsk2 mixes the PSK in at message 2: the responder may answer (its answer
    # does not authenticate under the retired PSK; peer.py checks that).
    "Attack:RetiredPsk": ["Answered"],
    "Attack:RewrittenEpoch": _names(E.HandshakeAuthError),
    "Attack:WrongPsk": _names(E.HandshakeAuthError),
    "Attack:ReplayedPending": _names(E.ReplayedHandshake),
    # A genuine message 1 stamped beyond the clock-skew bound.
    "Attack:FarFuture": _names(E.HandshakeClockSkew),
    "Attack:Late": _names(E.UnsolicitedHandshake, E.UnknownChannel),
    # A message 1 of an epoch the backend has not reached (its header's epoch is not
    # adopted), and one older than the answered message 1 awaiting confirmation.
    "Attack:NewerEpoch": _names(E.WrongEpoch),
    "Attack:ReorderedInit": _names(E.ReplayedHandshake),
    "Attack:Junk": _names(E.DecodeError),
}

WIRE_SPACE = CoverageSpace(
    "wire",
    tuple(_TABLE),
    frozenset((a, o) for a, outcomes in _TABLE.items() for o in outcomes),
)

# WireRun's attacker methods -> the move they make.
_MOVES = {
    "impersonate": "Impostor",
    "junk": "Junk",
    "outsider": "NonMember",
    "retired_epoch_init": "RetiredEpoch",
    "retired_psk": "RetiredPsk",
    "rewrite_epoch": "RewrittenEpoch",
    "wrong_psk_response": "WrongPsk",
    "replayed_pending_init": "ReplayedPending",
    "far_future_init": "FarFuture",
    "late_handshake": "Late",
    "reorder": "Reorder",
    "reflect": "Reflect",
    "replay": "Replay",
    "tamper_traffic": "Tamper",
    "newer_epoch_init": "NewerEpoch",
    "reordered_init": "ReorderedInit",
}
# An attack outside any move: the rotation scenarios deliver a transport message
# of the retired epoch through ``attack`` itself.
_BARE_MOVE = "RetiredEpoch"


class WireCoverage:
    """The counts of every run made through :meth:`run`."""

    def __init__(self) -> None:
        self.coverage = Coverage(WIRE_SPACE)

    def run(self, backend: Backend, role: str, keyring: Keyring | None = None) -> WireRun:
        return CountedRun(backend, role, self, keyring)

    def count(self, action: str, reply: Reply, before: str | None, move: str | None) -> None:
        self.coverage.count(action, reply.outcome)
        after = reply.state.get("channel")
        if action != "Reset" and before is not None and after != before:
            self.coverage.pairs[(action, f"channel:{before}->{after}")] += 1
        if move is not None:
            self.coverage.count(f"Attack:{move}", reply.outcome)

    def report(self) -> CoverageReport:
        return self.coverage.report()


class _Seen:
    """The backend under test, its last reply kept: the request a check fails on is
    counted too (a wrong backend's foreign outcome shows as undeclared)."""

    def __init__(self, backend: Backend) -> None:
        self.inner = backend
        self.name = backend.name
        self.schema: StateSchema = backend.schema
        self.last: Reply | None = None

    def request(self, action: str, args: Mapping[str, Any], now: int) -> Reply:
        self.last = None
        self.last = self.inner.request(action, args, now)
        return self.last

    def close(self) -> None:
        self.inner.close()

    def __getattr__(self, name: str) -> Any:
        # What the run reads of a backend besides the protocol (``supported``).
        return getattr(self.inner, name)


class CountedRun(WireRun):
    """A :class:`WireRun` whose requests and attacker moves are counted."""

    def __init__(
        self, backend: Backend, role: str, counts: WireCoverage, keyring: Keyring | None = None
    ) -> None:
        # Set before WireRun's own Reset request.
        self._counts = counts
        self._move: str | None = None
        self._armed = False
        self._last_channel: str | None = None
        self._seen = _Seen(backend)
        super().__init__(self._seen, role, keyring)

    def request(self, action: str, args: Mapping[str, Any]) -> Reply:
        move = None
        if self._armed and action == "Deliver":
            move, self._armed = self._move or _BARE_MOVE, False
        try:
            reply = super().request(action, args)
        except ConformanceFailure:
            if self._seen.last is not None:
                self._counts.count(action, self._seen.last, self._last_channel, move)
            raise
        self._counts.count(action, reply, self._last_channel, move)
        self._last_channel = str(reply.state.get("channel"))
        return reply

    @contextmanager
    def _moving(self, move: str | None, *, armed: bool = False) -> Iterator[None]:
        outer, self._move = self._move, move or self._move
        self._armed = self._armed or armed
        try:
            yield
        finally:
            self._move = outer

    def attack(self, data: bytes, what: str) -> None:
        self._armed = True
        super().attack(data, what)

    def handshake(self, tamper: int | None = None, *, start: str = "Establish") -> None:
        with self._moving("Tamper" if tamper is not None else None):
            super().handshake(tamper, start=start)

    def impersonate(self) -> None:
        with self._moving(_MOVES["impersonate"]):
            super().impersonate()

    def junk(self, kind: int) -> None:
        with self._moving(_MOVES["junk"]):
            super().junk(kind)

    def outsider(self) -> None:
        with self._moving(_MOVES["outsider"]):
            super().outsider()

    def retired_epoch_init(self) -> None:
        with self._moving(_MOVES["retired_epoch_init"]):
            super().retired_epoch_init()

    def retired_psk(self) -> None:
        with self._moving(_MOVES["retired_psk"], armed=True):
            super().retired_psk()

    def rewrite_epoch(self, data: bytes) -> None:
        with self._moving(_MOVES["rewrite_epoch"]):
            super().rewrite_epoch(data)

    def wrong_psk_response(self) -> None:
        with self._moving(_MOVES["wrong_psk_response"]):
            super().wrong_psk_response()

    def replayed_pending_init(self) -> None:
        with self._moving(_MOVES["replayed_pending_init"]):
            super().replayed_pending_init()

    def far_future_init(self) -> None:
        with self._moving(_MOVES["far_future_init"]):
            super().far_future_init()

    def late_handshake(self) -> None:
        with self._moving(_MOVES["late_handshake"]):
            super().late_handshake()

    def reorder(self) -> None:
        with self._moving(_MOVES["reorder"]):
            super().reorder()

    def reflect(self, index: int) -> None:
        with self._moving(_MOVES["reflect"]):
            super().reflect(index)

    def replay(self, index: int) -> None:
        with self._moving(_MOVES["replay"]):
            super().replay(index)

    def tamper_traffic(self, position: int) -> None:
        with self._moving(_MOVES["tamper_traffic"]):
            super().tamper_traffic(position)

    def newer_epoch_init(self) -> None:
        with self._moving(_MOVES["newer_epoch_init"]):
            super().newer_epoch_init()

    def reordered_init(self) -> None:
        with self._moving(_MOVES["reordered_init"]):
            super().reordered_init()
