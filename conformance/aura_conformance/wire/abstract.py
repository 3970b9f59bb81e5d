"""EpochRotation.tla's state of a wire run, composed from both members and validated.

The backend reports its own epoch and the state of its channel with the peer;
the reference peer's are read off it; everything else EpochRotation.tla holds
(the messages on the wire, the responder's log of answered message 1s, the
key-confirmed handshakes, the data accepted, the replay guard) follows from
what the harness carried and what each side was seen to do with it. After
every request to either side the composed state must be a step of the spec
(one action, a stutter, or the two a message 2 triggers on the initiator:
``ProcessResponse`` then the key confirmation's ``SendData``) and satisfy
every invariant of ``tla/MC_WireEpochRotation.cfg`` (the spec's own correct
model with the run's bounds).

The spec keeps one slot per peer: the newest handshake or the channel it
built. A backend reports its newest *channel* (``docs/backend-protocol.md``),
so the slot's state is the harness's (from what was observed) unless the
report contradicts it, and then the report's: a backend saying Active when
no handshake of its epoch completed is judged by the spec as it stands.

Some moves of a wire run are outside the spec: a handshake started over a
live channel (the spec rekeys only a Rotating, closed or failed one), a
message 1 answered while the responder's channel is Active, and anything an
attacker's unknown bytes made a side do (the attack checks judge those).
The validation of a run ends at the first of them (``left`` says why);
``validated`` counts the steps judged before.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Any

import attrs
from aura_model.specs import module_path
from aura_model.tla import ModelValue, load_model
from aura_model.tla import values as V

from aura_conformance.harness.checker import SpecChecker
from aura_conformance.harness.errors import ConformanceFailure
from aura_conformance.harness.state import State, StateSchema
from aura_conformance.wire.keyring import INI, RESP

__all__ = [
    "WIRE_EPOCH_ROTATION",
    "WIRE_ER_CONFIG",
    "WIRE_ER_MAX_EPOCH",
    "WIRE_ER_MAX_HS",
    "ERShadow",
    "wire_epoch_checker",
]

WIRE_ER_CONFIG = Path(__file__).resolve().parent / "tla" / "MC_WireEpochRotation.cfg"
WIRE_ER_MAX_EPOCH = 3
WIRE_ER_MAX_HS = 48

# The spec's authorities (MC_WireEpochRotation.cfg: Ini = a1, Resp = a2).
_SPEC_NAME = {INI: "a1", RESP: "a2"}
# EpochRotation.tla's variables (epoch_rotation.mapping has the same schema; the
# epoch-rotation world uses this package's keys, so it is not imported here).
WIRE_EPOCH_ROTATION = StateSchema(
    (
        "epoch",
        "chan",
        "nextId",
        "lastTs",
        "msgs",
        "respLog",
        "confirmed",
        "established",
        "closed",
        "received",
        "iniLog",
        "mistyped",
    ),
    frozenset(_SPEC_NAME.values()),
)
_LIVE = ("Establishing", "Active")
# What a reported channel may say of a slot in each state without contradicting
# it: a handshake dropped on an epoch advance or one that timed out leaves no
# channel ("None") or the older one behind it.
_COMPATIBLE = {
    "None": {"None"},
    "Establishing": {"Establishing"},
    "Active": {"Active"},
    "Rotating": {"Rotating", "None"},
    "Closed": {"Closed", "None"},
    "Error": {"Error", "None", "Closed", "Rotating"},
}

# (type, src, dst, ep, id, psk), as in EpochRotation.tla's ERMsg.
Msg = tuple[str, str, str, int, int, int]


@cache
def wire_epoch_checker() -> SpecChecker:
    """EpochRotation.tla with the wire runs' bounds, loaded once."""
    model = load_model(module_path("EpochRotation"), WIRE_ER_CONFIG)
    return SpecChecker(
        model,
        WIRE_EPOCH_ROTATION,
        {
            "Deliver message 2": (frozenset({"ProcessResponse", "SendData"}), 2),
            "Tick": (frozenset({"HandshakeTimeout"}), 2),
        },
    )


def _psk(epoch: int) -> int:
    return epoch + 1


def _other(side: str) -> str:
    return RESP if side == INI else INI


@attrs.define
class Slot:
    """A member's newest handshake or the channel it built, as the spec sees it."""

    st: str = "None"
    ep: int = 0
    id: int = 0
    psk: int = 0


class ERShadow:
    """The spec's variables of one wire run, fed by every request to either side."""

    def __init__(self, backend_role: str, checker: SpecChecker | None = None) -> None:
        self.checker = checker or wire_epoch_checker()
        self.backend_role = backend_role
        self.epoch = {INI: 0, RESP: 0}
        self.slot = {INI: Slot(), RESP: Slot()}
        self.word = {INI: "None", RESP: "None"}
        self.next_id = 1
        self.last_ts = 0
        self.msgs: set[Msg] = set()
        self.resp_log: list[int] = []
        self.confirmed: set[int] = set()
        self.established: set[tuple[int, int]] = set()
        self.closed: dict[str, set[int]] = {INI: set(), RESP: set()}
        self.received: set[tuple[int, int, int]] = set()
        self.ini_log: set[Msg] = set()
        # The abstract message of every byte string a side sent, and the order it
        # was sealed in (transport messages: only the newest may be judged).
        self.abstract: dict[bytes, Msg] = {}
        self.order: dict[bytes, int] = {}
        self.newest_delivered = {INI: 0, RESP: 0}
        # Key confirmations carry no plaintext: accepting one shows as Active alone.
        self.confirmations: set[bytes] = set()
        self.deliveries: dict[bytes, int] = {}
        # The bytes of the message 1 first answered under each spec id.
        self.answered_bytes: dict[int, bytes] = {}
        self.left: str | None = None
        self.validated = 0
        self.state = self.project()
        self.checker.check_init(self.state)

    # ------------------------------------------------------------ the spec's state

    def project_chan(self, a: str, b: str) -> Any:
        """``chan[a][b]`` of the composed state."""
        return self._chan(a, b)

    def _chan(self, a: str, b: str) -> Any:
        if a == b:
            return V.record(st="None", ep=0, id=0, psk=0)
        s = self.slot[a]
        # A word no state has (e.g. "Pending") stays as said: ERTypeOK refuses it.
        st = s.st if self.word[a] in _COMPATIBLE[s.st] else self.word[a]
        return V.record(st=st, ep=s.ep, id=s.id, psk=s.psk)

    def project(self) -> State:
        mv = {a: ModelValue(n) for a, n in _SPEC_NAME.items()}
        auths = (INI, RESP)

        def msg(m: Msg) -> Any:
            t, src, dst, ep, n, psk = m
            return V.record(type=t, src=mv[src], dst=mv[dst], ep=ep, id=n, psk=psk)

        last = {(RESP, INI): self.last_ts}
        return {
            "epoch": V.fn({mv[a]: self.epoch[a] for a in auths}),
            "chan": V.fn({mv[a]: V.fn({mv[b]: self._chan(a, b) for b in auths}) for a in auths}),
            "nextId": self.next_id,
            "lastTs": V.fn(
                {mv[r]: V.fn({mv[i]: last.get((r, i), 0) for i in auths}) for r in auths}
            ),
            "msgs": frozenset(msg(m) for m in self.msgs),
            "respLog": V.seq(self.resp_log),
            "confirmed": frozenset(self.confirmed),
            "established": frozenset(
                V.record(ini=mv[INI], resp=mv[RESP], id=n, ep=e) for n, e in self.established
            ),
            "closed": V.fn({mv[a]: frozenset(self.closed[a]) for a in auths}),
            "received": frozenset(V.record(id=n, ep=e, at=t) for n, e, t in self.received),
            "iniLog": frozenset(msg(m) for m in self.ini_log),
            "mistyped": False,
        }

    # ------------------------------------------------------------ the spec's actions

    def _retire(self, a: str) -> None:
        s = self.slot[a]
        if s.st not in ("None", "Closed", "Error"):
            self.closed[a].add(s.id)

    def _register(self, data: bytes, m: Msg) -> None:
        self.msgs.add(m)
        self.abstract.setdefault(data, m)
        self.order.setdefault(data, len(self.order) + 1)

    def _data_of(self, a: str) -> Msg:
        s = self.slot[a]
        return ("Data", a, _other(a), s.ep, s.id, s.psk)

    def inject(self, data: bytes, epoch: int) -> None:
        """The attacker's message 1 of ``epoch`` under the retired PSK (``InjectInit``):
        the spec's ``ERAttackInit``, with a timestamp above every honest one."""
        self.abstract[data] = (
            "Init",
            INI,
            RESP,
            epoch,
            WIRE_ER_MAX_HS + 1 + epoch,
            _psk(epoch - 1),
        )

    def leave(self, why: str) -> None:
        if self.left is None:
            self.left = why

    def responder_may_answer(self) -> bool:
        """A new message 1 stays within the spec: the responder's channel is not Active."""
        return self.slot[RESP].st != "Active"

    def initiator_may_start(self) -> bool:
        return self.slot[INI].st not in _LIVE and self.next_id <= WIRE_ER_MAX_HS

    # ------------------------------------------------------------ observation

    def observe(
        self,
        side: str,
        action: str,
        delivered: bytes | None,
        *,
        sent: Sequence[bytes],
        received: Sequence[bytes],
        word: str,
    ) -> str | None:
        """Apply what ``side`` did in one request and return the rule to validate it
        under, or None when the run has left the spec (or already had)."""
        if self.left is not None:
            return None
        rule = action
        s = self.slot[side]
        if action == "Establish" and sent:
            if side != INI or not self.initiator_may_start():
                self.leave("a handshake started over a live channel")
                return None
            self._retire(INI)
            self.slot[INI] = Slot(
                "Establishing", self.epoch[INI], self.next_id, _psk(self.epoch[INI])
            )
            self._register(
                sent[0], ("Init", INI, RESP, self.epoch[INI], self.next_id, _psk(self.epoch[INI]))
            )
            self.next_id += 1
        elif action == "Deliver" and delivered is not None:
            judged = self._delivered(side, delivered, sent, received, word)
            if judged is None:
                return None
            rule = judged
        elif action == "Send" and sent:
            self._register(sent[0], self._data_of(side))
        elif action == "AdvanceEpoch":
            self.epoch[side] += 1
            if s.st in _LIVE:
                s.st = "Rotating"
            if side == RESP:
                self.last_ts = 0
        elif action == "Close" and s.st in ("Active", "Rotating"):
            s.st = "Closed"
            self.closed[side].add(s.id)
        elif action == "Close" and s.st == "Establishing" and word not in _LIVE:
            # Closing drops an unfinished handshake: it fails as a timed-out one does
            # (HandshakeTimeout), the spec having no close of an Establishing slot.
            s.st = "Error"
            self.closed[side].add(s.id)
        elif action == "Tick" and s.st == "Establishing" and word not in _LIVE:
            s.st = "Error"
            self.closed[side].add(s.id)
        self.word[side] = word
        return rule

    def _delivered(
        self, side: str, data: bytes, sent: Sequence[bytes], received: Sequence[bytes], word: str
    ) -> str | None:
        m = self.abstract.get(data)
        s = self.slot[side]
        self.deliveries[data] = self.deliveries.get(data, 0) + 1
        if m is None:
            if sent or received:
                self.leave("a side acted on bytes no honest member sent")
                return None
            return "Deliver"
        kind = m[0]
        if kind == "Init" and sent:
            if side != RESP or not self.responder_may_answer():
                self.leave("a message 1 answered over an Active channel")
                return None
            first = self.answered_bytes.setdefault(m[4], data)
            if first != data or (s.id > WIRE_ER_MAX_HS and s.st == "Establishing" and s.id != m[4]):
                # The spec's attacker has one message 1 an epoch, stamped above every
                # honest one (ERHugeTs); the run's are many, stamped in order, so a
                # newer one (the attacker's or an honest one) may replace it.
                self.leave("a message 1 answered over the attacker's")
                return None
            if s.id != m[4]:
                self._retire(RESP)
            # The epoch its prologue bound: the responder's own unless it trusted
            # the header of a message of another epoch (ERNoStaleActive).
            e = m[3]
            self.slot[RESP] = Slot("Establishing", e, m[4], _psk(e))
            self.resp_log.append(m[4])
            self._register(sent[0], ("Resp", RESP, INI, e, m[4], _psk(e)))
        elif kind == "Resp" and sent:
            self.ini_log.add(m)
            s.st = "Active"
            self._register(sent[0], self._data_of(side))
            self.confirmations.add(sent[0])
            return "Deliver message 2"
        elif kind == "Data":
            self.newest_delivered[side] = max(self.newest_delivered[side], self.order[data])
            if received:
                self.received.add((m[4], m[3], self.epoch[side]))
            elif side == RESP and s.st == "Establishing" and s.id == m[4] and word == "Active":
                s.st = "Active"
                self.confirmed.add(m[4])
                self.established.add((m[4], s.ep))
                self.last_ts = max(self.last_ts, m[4])
        return "Deliver"

    def judged_refusal(self, side: str, data: bytes, received: Sequence[bytes]) -> str | None:
        """Why refusing ``data`` contradicts the state reported: a transport message of
        the channel the composed state holds Active in the receiver's epoch, newer
        than any delivered before, enables ``ReceiveData`` and not ``RejectData``."""
        m = self.abstract.get(data)
        if self.left is not None or m is None or m[0] != "Data" or received:
            return None
        if data in self.confirmations or m[2] != side or self.deliveries[data] > 1:
            return None
        if self.order[data] < self.newest_delivered[side]:
            return None
        chan = self._chan(side, _other(side))
        if chan.d["st"] == "Active" and chan.d["id"] == m[4] and m[3] == self.epoch[side]:
            return (
                f"its channel (handshake {m[4]}, epoch {m[3]}) is Active in the composed "
                "state, so EpochRotation.tla's ReceiveData is enabled and RejectData is not "
                "(ERHolds), yet it refused the reference's newest transport message"
            )
        return None

    # ------------------------------------------------------------ validation

    def validate(self, rule: str, who: str) -> None:
        """Check the step to the state now composed; raise a ConformanceFailure named
        after EpochRotation.tla's verdict."""
        after = self.project()
        try:
            self.checker.check_step(self.state, after, rule)
        except ConformanceFailure as exc:
            message = str(exc).removesuffix("\n" + exc.table)
            raise ConformanceFailure(
                f"EpochRotation: {who}: {message}",
                kind=exc.kind,
                action=exc.action,
                table=exc.table,
            ) from None
        self.state = after
        self.validated += 1
