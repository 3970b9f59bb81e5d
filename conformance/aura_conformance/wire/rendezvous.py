"""Rendezvous.tla's direct channel path of a wire run: ``tla/WireRendezvous.tla``.

The composed EpochRotation.tla state (:class:`~aura_conformance.wire.abstract.ERShadow`)
is also read as the records of Rendezvous.tla (its ``net``, ``hsLog``,
``confirmed``, the responder's ChannelEstablished facts) and judged by
``WireRendezvous.tla``, whose invariants are Rendezvous.tla's own by INSTANCE:
``RVReplayRejected``, ``RVEstablishedAfterConfirm``, ``RVNoStaleActive``,
``RVMembersOnly``, ``RVChannelContextBound``, ``RVBudgetWithinLimit``,
``RVConnectWithValidDescriptor``. A ``Connect`` or ``RelayConnect`` of the backend
as Ini is the module's guarded ``Connect(path, held)`` or ``DenyConnect(path, held)``:
``spent`` is what the harness saw the backend send (each message 1 charged
ConnectCost in Ini's epoch), ``held`` (the step's argument) whether it held a
descriptor of the peer it may use on that path (the descriptor requests' own
checks judge which), ``denied`` whether it was denied for budget in its epoch.
The relayed path is Rendezvous.tla's too: a message the harness saw leave in a
relay envelope is a record sent to the relay (``dst`` the relay, ``to`` the
peer, ``path`` relay: every message of a handshake whose message 1 went that
way), each forward by the reference relay is ``RelayForward`` (the copy for the
peer, ``ForwardCost`` charged to the relay in its epoch), and the responder's
relayed answer is charged (what its reported effects charged, else the cost);
``rlog`` and ``sent`` follow in the module, so ``RVRelayForwardsOnce``,
``RVRelayedEndToEnd``, ``RVRelayAuthorized`` and ``RVRelayForwardsOnlyProtocol``
are checked on every state. Its attacker is Rendezvous.tla's:
the Outsider's message 1 (``InjectInit``), the junk envelope at the relay
(``InjectJunk``); EpochRotation.tla's retired-PSK
message 1 has no record there, so a run in which one is answered stops being
judged by this module (it still is by EpochRotation.tla).
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any

from aura_model.spec_check import SpecCheckReport, run_spec_check
from aura_model.specs import module_path
from aura_model.tla import ModelValue, load_model
from aura_model.tla import values as V
from aura_rendezvous.channels import MessageType

from aura_conformance.harness.checker import SpecChecker
from aura_conformance.harness.errors import ConformanceFailure
from aura_conformance.harness.state import State, StateSchema
from aura_conformance.wire.abstract import WIRE_ER_MAX_EPOCH, WIRE_ER_MAX_HS, ERShadow, Msg
from aura_conformance.wire.keyring import BUDGET_LIMIT, INI, RELAY_CONNECT_COST, RESP

__all__ = [
    "WIRE_RENDEZVOUS",
    "WIRE_RV_CONFIG",
    "RVView",
    "check_wire_rendezvous_spec",
    "wire_rendezvous_checker",
]

_TLA = Path(__file__).resolve().parent / "tla"
WIRE_RV_CONFIG = _TLA / "WireRendezvous_runs.cfg"
_NAMES = {INI: "a1", RESP: "a2"}
_OUTSIDER, _CTX, _RELAY = "eve", "c1", "r1"
# Rendezvous.tla's CompleteCost: the responder's relayed answer (CONNECT_RELAY_COST).
COMPLETE_COST = RELAY_CONNECT_COST
WIRE_RENDEZVOUS = StateSchema(
    (
        "epoch",
        "chan",
        "nextId",
        "lastTs",
        "net",
        "hsLog",
        "confirmed",
        "established",
        "closed",
        "spent",
        "denied",
    ),
    frozenset({*_NAMES.values(), _OUTSIDER, _CTX, _RELAY}),
)


@contextmanager
def _folder(*, link: bool) -> Iterator[Path]:
    """The wrapper, the modules it instantiates and its models side by side (SANY and
    TLC resolve ``INSTANCE`` next to the root module's real path: copies for them,
    links for the embedded checker)."""
    with tempfile.TemporaryDirectory(prefix="aura-wire-spec-") as name:
        folder = Path(name)
        sources = [module_path("Rendezvous"), module_path("DescriptorValidity")]
        sources += [_TLA / "WireRendezvous.tla", *sorted(_TLA.glob("MC_WireRendezvous*.cfg"))]
        for path in sources:
            if link:
                (folder / path.name).symlink_to(path)
            else:
                shutil.copyfile(path, folder / path.name)
        yield folder


def check_wire_rendezvous_spec(emit: Callable[[str], None] = print) -> SpecCheckReport:
    """SANY, TLC and the embedded checker on the wrapper's models, each as its
    ``expect`` line says."""
    with _folder(link=False) as folder:
        return run_spec_check(folder, emit)


@cache
def wire_rendezvous_checker() -> SpecChecker:
    """``WireRendezvous.tla`` with the wire runs' bounds, loaded once."""
    with _folder(link=True) as folder:
        model = load_model(folder / "WireRendezvous.tla", WIRE_RV_CONFIG)
    return SpecChecker(model, WIRE_RENDEZVOUS, {"Tick": (frozenset({"HandshakeTimeout"}), 2)})


class RVView:
    """The wrapper's variables of one run, read off its composed EpochRotation state."""

    def __init__(self, shadow: ERShadow, checker: SpecChecker | None = None) -> None:
        self.shadow = shadow
        self.checker = checker or wire_rendezvous_checker()
        # The Outsider's message 1: its bytes, its record's epoch, whether answered.
        self.outsider: dict[bytes, int] = {}
        self.outsider_epoch: int | None = None
        self.outsider_answered = False
        self.left: str | None = None
        self.validated = 0
        # Ini's guard: what it spent per epoch, the epoch of its last deny for
        # budget, the message 1s it sent with no descriptor it may use.
        self.spent: dict[int, int] = {}
        self.denied_epoch: int | None = None
        self.undescribed: set[int] = set()
        # The relayed path: how each message first left (in a relay envelope, or
        # not), how often the relay forwarded it, what the relay and the responder's
        # relayed answers spent per epoch, and the attacker's junk envelope.
        self.via: dict[Msg, str] = {}
        self.forwards: dict[Msg, int] = {}
        self.relay_spent: dict[int, int] = {}
        self.resp_spent: dict[int, int] = {}
        self.junk: bytes | None = None
        self.junk_forwards = 0
        # The connect step to judge next: its arguments, the guard as the harness read it.
        self._args: dict[str, Any] | None = None
        self._rule = ""
        self._note = ""
        self.state = self.project()
        self.checker.check_init(self.state)

    def inject(self, data: bytes) -> None:
        """The Outsider's message 1 is on the wire (Rendezvous.tla's ``InjectInit``)."""
        if self.outsider_epoch is None:
            self.outsider_epoch = self.shadow.epoch[RESP]
        self.outsider[data] = self.outsider_epoch

    def connect(self, path: str, *, may: bool, sent: bool, outcome: str, cost: int) -> None:
        """The backend as Ini was asked to connect on ``path`` (``"direct"`` or
        ``"relay"``), holding a descriptor it may use there iff ``may``: its charge
        or deny, judged with the step validated next (``Connect(path, held)`` or
        ``DenyConnect(path, held)`` with ``held`` = ``may``)."""
        epoch = self.shadow.epoch[INI]
        spent = self.spent.get(epoch, 0)
        room = spent + cost <= BUDGET_LIMIT
        self._args = {"path": path, "held": may}
        self._rule = "Connect" if path == "direct" else "RelayConnect"
        self._note = (
            f"; the guard it had: a descriptor of the peer it may use on the {path} path: "
            f"{'yes' if may else 'none (RVConnectWithValidDescriptor)'}; in epoch {epoch} it "
            f"had spent {spent} of Limit {BUDGET_LIMIT}, so a charge of {cost} "
            f"{'fits' if room else 'does not fit'} (RVBudgetOK; AdvanceEpoch restarts it at 0)"
        )
        if sent and outcome.startswith("Denied"):
            self._note += f"; it was denied ({outcome}) yet sent a message 1 (RVNoMessageOnDeny)"
        if sent:
            self.spent[epoch] = spent + cost
            if not may:
                self.undescribed.add(self.shadow.next_id)
        elif may:
            self.denied_epoch = epoch

    def route(self, enveloped: Sequence[bytes], raw: Sequence[bytes] = ()) -> None:
        """How the messages a side just sent left: ``enveloped`` (payloads) through the
        relay, ``raw`` on their own (a message of a relayed handshake sent so breaks
        RVRelayedEndToEnd). The first way a message left is its way."""
        for data, way in [*((d, "relay") for d in enveloped), *((d, "direct") for d in raw)]:
            m = self.shadow.abstract.get(data)
            if m is None or self.via.setdefault(m, way) != "direct":
                continue
            if any(k[0] == "Init" and k[4] == m[4] and w == "relay" for k, w in self.via.items()):
                self._note += (
                    f"; its {'key confirmation' if m[0] == 'Data' else m[0]} of a relayed "
                    "handshake left on its own, straight to the peer, not in a relay "
                    "envelope (RVRelayedEndToEnd)"
                )

    def forward(self, payload: bytes, epoch: int) -> bool:
        """The reference relay forwarded the message ``payload`` in ``epoch``
        (``RelayForward``: charged ForwardCost); False if it is no message of the spec."""
        if payload == self.junk:
            self.junk_forwards += 1
            self.relay_spent[epoch] = self.relay_spent.get(epoch, 0) + 1
            return True
        m = self.shadow.abstract.get(payload)
        if m is None:
            return False
        self.via.setdefault(m, "relay")
        self.forwards[m] = self.forwards.get(m, 0) + 1
        self.relay_spent[epoch] = self.relay_spent.get(epoch, 0) + 1
        return True

    def charge_answer(self, epoch: int, cost: int) -> None:
        """The responder answered a relayed message 1, charged ``cost`` in ``epoch``."""
        self.resp_spent[epoch] = self.resp_spent.get(epoch, 0) + cost
        if cost != COMPLETE_COST:
            self._note += (
                f"; its relayed message 2 was charged {cost}, not CompleteCost "
                f"{COMPLETE_COST} (HandleHandshake on the relayed path; a responder that "
                "does not pay for its answers outruns RVBudgetWithinLimit)"
            )

    def inject_junk(self, payload: bytes) -> None:
        """The attacker hands the relay an envelope whose ``payload`` is no protocol
        message (``InjectJunk``, once: a later one is the same record)."""
        if self.junk is None:
            self.junk = payload

    def observe(self, side: str, delivered: bytes | None, sent: Sequence[bytes]) -> None:
        """A non-member's message 1 answered with a message 2: the spec's
        chan[Resp][Outsider] opens."""
        answered = any(len(m) > 1 and m[1] == MessageType.HandshakeResponse for m in sent)
        if delivered in self.outsider and answered and side == RESP:
            self.outsider_answered = True

    def project(self) -> State:
        sh = self.shadow
        mv = {a: ModelValue(n) for a, n in _NAMES.items()}
        eve, ctx = ModelValue(_OUTSIDER), ModelValue(_CTX)
        none = V.record(st="None", ep=0, id=0)

        def chan(a: str, p: str) -> Any:
            if p == _OUTSIDER:
                if a == RESP and self.outsider_answered:
                    return V.record(st="Establishing", ep=self.outsider_epoch or 0, id=1)
                return none
            if p == a:
                return none
            d = sh.project_chan(a, p).d
            return V.record(st=d["st"], ep=d["ep"], id=d["id"])

        relay = ModelValue(_RELAY)

        def record(
            kind: str, src: Any, to: Any, ep: int, n: int, *, dok: bool = True, path: str = "direct"
        ) -> Any:
            dst = relay if path == "relay" else to
            return V.record(
                type=kind, ctx=ctx, src=src, dst=dst, to=to, path=path, ep=ep, id=n, dok=dok
            )

        # A handshake is relayed when its message 1 left through the relay.
        relayed = {m[4] for m, way in self.via.items() if m[0] == "Init" and way == "relay"}

        def put(m: Msg, kind: str, *, dok: bool = True) -> None:
            _, src, dst, ep, n, _ = m
            if n not in relayed:
                net.add(record(kind, mv[src], mv[dst], ep, n, dok=dok))
                return
            sent = record(kind, mv[src], mv[dst], ep, n, dok=dok, path="relay")
            if self.via.get(m, "relay") == "relay":
                net.add(sent)
            if self.via.get(m) == "direct" or self.forwards.get(m):
                net.add(V.record(**{**sent.d, "dst": mv[dst]}))

        net = set()
        answered_ep: dict[int, int] = {}
        for m in sh.msgs:
            t, src, _, ep, n, _ = m
            if t == "Init":
                put(m, "Init", dok=n not in self.undescribed)
            elif t == "Resp":
                put(m, "Resp")
                answered_ep[n] = ep
            elif src == INI:
                put(m, "Confirm")
        if self.outsider_epoch is not None:
            net.add(record("Init", eve, mv[RESP], self.outsider_epoch, 1))
        if self.junk is not None:
            junk = V.record(
                type="Junk",
                ctx=ctx,
                src=mv[INI],
                dst=relay,
                to=mv[RESP],
                path="relay",
                ep=0,
                id=0,
                dok=True,
            )
            net.add(junk)
            if self.junk_forwards:
                net.add(V.record(**{**junk.d, "dst": mv[RESP]}))
        senders = (INI, RESP, _OUTSIDER)
        epochs = range(WIRE_ER_MAX_EPOCH + 1)
        key = {INI: mv[INI], RESP: mv[RESP], _OUTSIDER: eve}
        return {
            "epoch": V.fn({mv[a]: sh.epoch[a] for a in (INI, RESP)}),
            "chan": V.fn({mv[a]: V.fn({key[p]: chan(a, p) for p in senders}) for a in (INI, RESP)}),
            "nextId": sh.next_id,
            "lastTs": V.fn({key[i]: (sh.last_ts if i == INI else 0) for i in senders}),
            "net": frozenset(net),
            "hsLog": V.seq(
                [
                    V.record(resp=mv[RESP], ini=mv[INI], ts=n, ctx=ctx, ep=answered_ep.get(n, 0))
                    for n in sh.resp_log
                ]
            ),
            "confirmed": frozenset(sh.confirmed),
            "established": frozenset(V.record(id=n, ep=e) for n, e in sh.established),
            "closed": V.fn({mv[a]: frozenset(sh.closed[a]) for a in (INI, RESP)}),
            # Rendezvous.tla's spent[C]: Ini's connects, Resp's relayed answers, the
            # relay's forwards.
            "spent": V.fn(
                {
                    mv[INI]: V.fn({e: self.spent.get(e, 0) for e in epochs}),
                    mv[RESP]: V.fn({e: self.resp_spent.get(e, 0) for e in epochs}),
                    relay: V.fn({e: self.relay_spent.get(e, 0) for e in epochs}),
                }
            ),
            "denied": self.denied_epoch == sh.epoch[INI],
        }

    def outside(self) -> str | None:
        """Why the composed state has left what this module models, if it has."""
        sh = self.shadow
        if sh.left is not None and not self.outsider_answered:
            return sh.left
        if any(s.id > WIRE_ER_MAX_HS for s in sh.slot.values()):
            return "EpochRotation.tla's retired-PSK message 1 was answered"
        return None

    def validate(self, rule: str, who: str) -> None:
        """Judge the step to the state now read off the composed one."""
        if self.left is not None:
            return
        why = self.outside()
        if why is not None:
            self.left = why
            return
        after = self.project()
        note, self._note = self._note, ""
        args, self._args = self._args, None
        if args is not None:
            rule = self._rule
        try:
            self.checker.check_step(self.state, after, rule, args)
        except ConformanceFailure as exc:
            message = str(exc).removesuffix("\n" + exc.table)
            raise ConformanceFailure(
                f"Rendezvous: {who}: {message}{note}",
                kind=exc.kind,
                action=exc.action,
                table=exc.table,
            ) from None
        self.state = after
        self.validated += 1
        if self.outsider_answered:
            self.left = "a non-member's message 1 was answered"
