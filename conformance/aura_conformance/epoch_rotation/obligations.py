"""What the epoch world obliges beyond a step ``ERNext`` explains.

The step validator accepts a stutter for any request. Three wrong backends
hide behind one, and the machine knows what it takes to see them:

- a Rotating channel that still seals sends a Data record already in the
  ``msgs`` set (the state does not change); the Send it reports is judged
  against ``SendData``'s guard in the state before (``ERSendEnabled``);
- a transport message accepted twice leaves ``received`` as it was (a set);
  the bytes of each delivery are known from the reported sends, so a second
  acceptance of the same bytes is seen (``TransportNoReplay``);
- a fresh transport message (sent after every one the receiver took under its
  record) delivered where ``ReceiveData`` is enabled must be taken: refused,
  or reported as another key confirmation, it is a stutter (``received`` and
  the journal are sets). So the step must gain ``received``'s element, and
  the application must get the message's plaintext, observed as the
  ``Deliver`` effect of the receiver: the payload the harness asked
  ``SendData`` to seal (a key confirmation carries none of the application's).
  No other delivery hands the application anything;
- a handshake that never times out is a stutter of every ``Tick`` (the spec
  has no clock; ``ERHandshakeTerminates`` is a liveness property under weak
  fairness); the machine's clock bounds it: past its start plus the world's
  handshake timeout, an Establishing channel must have left Establishing, and
  a message delivered then (before the timer fired) must not make it Active.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from aura_model.tla import ModelValue
from aura_model.tla import values as V

from aura_conformance.epoch_rotation.world import INI, RESP, TIMEOUT_MS
from aura_conformance.harness.backend import ReportedEffect
from aura_conformance.harness.checker import SpecChecker
from aura_conformance.harness.enabled import enabled
from aura_conformance.harness.errors import ConformanceFailure
from aura_conformance.harness.state import State, format_state_table

__all__ = ["EpochObligations"]

# A reply to ReceiveData whose outcome starts so is a refusal; any other accepted.
_REFUSED = ("Rejected", "Refused")
# Handshake steps the reference takes whenever the spec enables them, in time: the
# requests' spec action (a delivery to an Establishing responder is KeyConfirm),
# and the side whose handshake deadline bounds it.
_HANDSHAKE_STEPS = {"HandleHandshake": RESP, "ProcessResponse": INI, "ReceiveData": RESP}


def _peer(a: str) -> str:
    return RESP if a == INI else INI


_MV = {INI: ModelValue(INI), RESP: ModelValue(RESP)}
_PEER_MV = {INI: _MV[RESP], RESP: _MV[INI]}


def _chan(state: State, a: str) -> Any:
    return state["chan"].d[_MV[a]].d[_PEER_MV[a]].d


# Whether an action is enabled, by (the ids of a state's values, action, arguments):
# each entry keeps its state, so an id stays the value it was when asked.
EnabledMemo = dict[tuple[Any, ...], tuple[State, bool]]
_ENABLED_MEMO_LIMIT = 10_000


class EpochObligations:
    """One run's memory: when each Establishing channel started, the bytes sent
    under each record (and the payload each carries, where the harness chose it),
    the transport bytes accepted, and the latest send each record had accepted.

    ``memo`` keeps the spec's answers to whether an action was enabled, shared by
    the examples of a run (the projection hands in the same value objects for the
    same state, and the same refusals recur: most questions were asked before)."""

    def __init__(self, checker: SpecChecker, memo: EnabledMemo | None = None) -> None:
        self.checker = checker
        self.memo: EnabledMemo = {} if memo is None else memo
        self.started: dict[str, tuple[tuple[Any, Any], int]] = {}
        self.sent: dict[Any, list[bytes]] = {}
        self.payloads: dict[tuple[Any, bytes], bytes] = {}
        self.accepted: set[tuple[Any, bytes]] = set()
        self.latest: dict[Any, int] = {}

    def _enabled(self, state: State, action: str, args: Mapping[str, Any]) -> bool:
        """:func:`~aura_conformance.harness.enabled.enabled`, remembered in ``memo``."""
        key = (tuple([id(state[v]) for v in self.checker.variables]), action, *args.items())
        known = self.memo.get(key)
        if known is not None:
            return known[1]
        answer = enabled(self.checker, state, action, args)
        if len(self.memo) >= _ENABLED_MEMO_LIMIT:
            self.memo.clear()
        self.memo[key] = (state, answer)
        return answer

    def delivered(self, args: Mapping[str, Any]) -> bytes | None:
        """The bytes a delivery of ``(m, k)`` hands over: the ``k``-th sent under
        ``m`` (modulo their number), or None when no send of it was reported."""
        index = self._index(args)
        return None if index is None else self.sent[args.get("m")][index]

    def _index(self, args: Mapping[str, Any]) -> int | None:
        """Which of the sends under ``m`` a delivery of ``(m, k)`` hands over."""
        sent = self.sent.get(args.get("m"))
        k = args.get("k", 0)
        if not sent:
            return None
        return k % len(sent) if isinstance(k, int) else 0

    def judge(
        self,
        action: str,
        args: Mapping[str, Any],
        *,
        before: State,
        after: State,
        outcome: str,
        sends: Sequence[ReportedEffect] | None,
        now: int,
        bytes_trusted: bool = True,
        delivers: Sequence[ReportedEffect] | None = None,
    ) -> None:
        """Raise ConformanceFailure for a broken obligation of this step; then
        remember what later steps are judged by. Without ``bytes_trusted`` (a send
        of the run was not the message its record says) a transport replay and a
        delivery are not judged: the run fails on the reported bytes anyway.
        ``delivers`` are the step's ``Deliver`` effects (None: effects unreported)."""
        if action == "SendData" and sends:
            self._send_enabled(args, sends, before, after)
        if action == "ReceiveData":
            if bytes_trusted:
                fresh = self._fresh(args, outcome)
                self._no_transport_replay(args, outcome, before, after)
                if delivers is not None:
                    self._data_taken(args, outcome, (before, after), delivers, fresh=fresh)
        elif delivers:
            self._undue_delivery(action, delivers, before, after)
        if action in _HANDSHAKE_STEPS and outcome.startswith(_REFUSED):
            self._refused_while_enabled(action, args, outcome, (before, after), now)
        if action == "Tick":
            self._timed_out(before, after, now)
        else:
            self._completed_late(action, before, after, now)
        payload = args.get("payload") if action == "SendData" else None
        for e in sends or ():
            if e.message is not None and e.data:
                sent = self.sent.setdefault(e.message, [])
                # The initiator's first transport message is the key confirmation:
                # it carries nothing the harness asked for.
                confirmation = not sent and e.by == INI and e.message.d["type"] == "Data"
                if isinstance(payload, str) and not confirmation:
                    self.payloads[(e.message, e.data)] = payload.encode()
                sent.append(e.data)
        self._note_starts(after, now)

    def _send_enabled(
        self, args: Mapping[str, Any], sends: Sequence[ReportedEffect], before: State, after: State
    ) -> None:
        a = args.get("a")
        if self._enabled(before, "SendData", {"a": a}):
            return
        name = getattr(a, "name", str(a))
        st = _chan(before, name)["st"] if name in (INI, RESP) else "?"
        what = ", ".join(e.describe() for e in sends)
        raise ConformanceFailure(
            f"check: ERSendEnabled failed: {name} sent ({what}) on SendData while "
            f"SendData({name}, {_peer(name)}) is not enabled: its channel is {st}, not "
            "Active (a channel of a retired epoch sends nothing until rekeyed: a "
            "Rotating channel that seals is ERNoStaleActive's shortfall, "
            "BUG_LazyEpochAdvance) (harness action: SendData)",
            kind="step",
            action="SendData",
            table=format_state_table(before, after),
        )

    def _no_transport_replay(
        self, args: Mapping[str, Any], outcome: str, before: State, after: State
    ) -> None:
        data = self.delivered(args)
        if data is None or outcome.startswith(_REFUSED):
            return
        m = args.get("m")
        if (m, data) in self.accepted:
            raise ConformanceFailure(
                "check: TransportNoReplay failed: the transport message "
                f"{V.format_value(m)} (the same bytes) was accepted a second time "
                f"({outcome}); a replayed transport message must be rejected "
                "(ReplayedMessage: DESIGN.md 5, the receive window) "
                "(harness action: ReceiveData)",
                kind="step",
                action="ReceiveData",
                table=format_state_table(before, after),
            )
        self.accepted.add((m, data))

    def _fresh(self, args: Mapping[str, Any], outcome: str) -> bool:
        """Whether the delivery hands over a send made after every one its record
        had taken (a channel's counters only grow: an older one is rightly
        refused); then remember what it took."""
        index = self._index(args)
        if index is None:
            return False
        m = args.get("m")
        latest = self.latest.get(m, -1)
        if not outcome.startswith(_REFUSED):
            self.latest[m] = max(index, latest)
        return index > latest

    def _data_taken(
        self,
        args: Mapping[str, Any],
        outcome: str,
        step: tuple[State, State],
        delivers: Sequence[ReportedEffect],
        *,
        fresh: bool,
    ) -> None:
        before, after = step
        m = args.get("m")
        taken = not outcome.startswith(_REFUSED)
        if not fresh and (taken or not delivers):
            return  # an older send: the spec's own checks judge its acceptance
        fields = getattr(m, "d", {})
        b = fields.get("dst")
        if (
            not fresh
            or not isinstance(b, ModelValue)
            or not self._enabled(before, "ReceiveData", {"b": b, "m": m})
        ):
            if delivers:
                self._undue_delivery("ReceiveData", delivers, before, after)
            return
        name = b.name
        want = V.record(id=fields["id"], ep=fields["ep"], at=before["epoch"].d[b])
        data = self.delivered(args)
        expected = self.payloads.get((m, data)) if data is not None else None
        wrong = []
        if not taken:
            wrong.append(f"it was refused ({outcome})")
        elif want not in after["received"]:
            wrong.append(
                f"received did not gain {V.format_value(want)} ({outcome}: a stutter, as "
                "if it were another key confirmation)"
            )
        got = [e for e in delivers if e.by == name and e.message == m]
        if not got:
            wrong.append(f"the application of {name} got no payload")
        elif expected is not None and got[0].data != expected:
            wrong.append(
                f"the application of {name} got {got[0].data!r:.60}, not the payload "
                f"sent, {expected!r:.60}"
            )
        if len(got) != len(delivers):
            wrong.append("a payload was handed over for another message or member")
        if wrong:
            raise ConformanceFailure(
                f"check: ReceiveData failed: {name} was delivered the fresh transport "
                f"message {V.format_value(m)} on its Active channel of that id and "
                f"epoch, so ReceiveData({name}, m) must take it, but {'; '.join(wrong)} "
                "(data on a key-confirmed channel is data, not another confirmation: "
                "DESIGN.md 5) (harness action: ReceiveData)",
                kind="step",
                action="ReceiveData",
                table=format_state_table(before, after),
            )

    def _refused_while_enabled(
        self,
        action: str,
        args: Mapping[str, Any],
        outcome: str,
        step: tuple[State, State],
        now: int,
    ) -> None:
        """A handshake message the spec's action takes, refused: a stutter the
        validator accepts, yet an honest run that never completes. Only within the
        handshake's deadline (the spec has no clock: past it, a refusal is the
        timeout's) and for messages the parties sent (the attacker's are rules of
        their own)."""
        before, after = step
        m = args.get("m")
        spec_action = action
        if action == "ReceiveData":
            if _chan(before, RESP)["st"] != "Establishing" or self.delivered(args) is None:
                return  # a refused data message is _data_taken's
            spec_action = "KeyConfirm"
        side = _HANDSHAKE_STEPS[action]
        started = self.started.get(side)
        c = _chan(before, side)
        if action != "HandleHandshake" and (
            started is None or started[0] != (c["id"], c["ep"]) or now - started[1] >= TIMEOUT_MS
        ):
            return
        if not self._enabled(before, spec_action, {"m": m}):
            return
        raise ConformanceFailure(
            f"check: {spec_action} failed: the message {V.format_value(m)} was refused "
            f"({outcome}) while the spec's {spec_action}(m) takes it, within the handshake's "
            f"{TIMEOUT_MS} ms: an honest handshake that cannot complete (a refusal is a "
            f"stutter only where no step is enabled) (harness action: {action})",
            kind="step",
            action=action,
            table=format_state_table(before, after),
        )

    def _undue_delivery(
        self, action: str, delivers: Sequence[ReportedEffect], before: State, after: State
    ) -> None:
        what = ", ".join(f"{e.by}: {e.data!r:.40}" for e in delivers)
        raise ConformanceFailure(
            f"check: ReceiveData failed: the application got a payload ({what}) on "
            f"{action}, where the spec's ReceiveData takes no fresh message (only "
            "ReceiveData hands data over; a key confirmation, a refusal and every other "
            f"action hand nothing) (harness action: {action})",
            kind="step",
            action=action,
            table=format_state_table(before, after),
        )

    def _timed_out(self, before: State, after: State, now: int) -> None:
        late = []
        for a, (ident, start) in sorted(self.started.items()):
            c = _chan(after, a)
            if (
                now - start >= TIMEOUT_MS
                and c["st"] == "Establishing"
                and (c["id"], c["ep"]) == ident
            ):
                late.append(
                    f"{a}'s channel {ident[0]} (epoch {ident[1]}) is still Establishing at "
                    f"{now} ms, started at {start} ms"
                )
        if late:
            raise ConformanceFailure(
                "property: ERHandshakeTerminates violated (bounded by the handshake "
                f"timeout of {TIMEOUT_MS} ms): {'; '.join(late)}; past its timeout a "
                "handshake ends in Error (DESIGN.md 5) (harness action: Tick)",
                kind="property",
                action="Tick",
                table=format_state_table(before, after),
            )

    def _completed_late(self, action: str, before: State, after: State, now: int) -> None:
        """A handshake message that arrives once the deadline has passed, before the
        timer fired, must not complete it: the channel it would make Active has
        already failed (the step the spec explains is its KeyConfirm or
        ProcessResponse; the spec has no clock to say it came too late)."""
        late = []
        for a, (ident, start) in sorted(self.started.items()):
            c = _chan(after, a)
            if (
                now - start >= TIMEOUT_MS
                and c["st"] == "Active"
                and (c["id"], c["ep"]) == ident
                and _chan(before, a)["st"] == "Establishing"
            ):
                late.append(
                    f"{a}'s channel {ident[0]} (epoch {ident[1]}) became Active at {now} ms, "
                    f"started at {start} ms: its deadline ({start + TIMEOUT_MS} ms) had passed"
                )
        if late:
            raise ConformanceFailure(
                "property: ERHandshakeTerminates violated (bounded by the handshake "
                f"timeout of {TIMEOUT_MS} ms): {'; '.join(late)}; past its timeout a "
                "handshake ends in Error, never Active, whether or not the timer fired "
                f"first (DESIGN.md 5) (harness action: {action})",
                kind="property",
                action=action,
                table=format_state_table(before, after),
            )

    def _note_starts(self, after: State, now: int) -> None:
        for a in (INI, RESP):
            c = _chan(after, a)
            if c["st"] != "Establishing":
                self.started.pop(a, None)
                continue
            ident = (c["id"], c["ep"])
            if a not in self.started or self.started[a][0] != ident:
                self.started[a] = (ident, now)
