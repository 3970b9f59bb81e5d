"""Relay-path conformance: real relayed IKpsk2 handshakes through a real relay.

The rules are RelayConformance.tla's actions. After each rule the world is
projected (:func:`project_relay`) and the step validated against the relay
path of Rendezvous.tla; its invariants (``RVRelayForwardsOnlyProtocol``,
``RVRelayedEndToEnd``) are checked on every state.

The relay forwards an envelope once (the spec's ``RelayForward`` is enabled
once per envelope): the attacker's ``ReplayEnvelope`` hands it one it already
forwarded, which it must refuse before paying again (``RVRelayForwardsOnce``),
in the same epoch or after the context's epoch moved.

Each service is also judged by what its ports did: the charges and sends of
every step, in order, must put the charge first (``GCChargeFirst``), and
``RelayRequest`` must have charged Ini ``CONNECT_RELAY_COST`` before its
message 1 left, Resp's relayed response the same and the relay's forward
``RELAY_FORWARD_COST``, neither less nor more (``GCAtomicRollback``: what was
sent is what was paid).

The relay's forward may fail after it accepted the sender's receipt
(``RelayForwardFails``: its own receipt is not recorded): the outcome rolls back
whole, which no action of the spec does, so the step must be a stutter that
sends nothing, and the same forward asked again at once must go through, as
nothing of the failed one is left to refuse it (``GCAtomicRollback``).

The rest of Rendezvous.tla composes with the relay path here: Resp revokes its
descriptor (``RevokeDescriptor``), sync carries Resp's facts to Ini
(``SyncJournal``: a pull puts Resp's sealed answers on a sync wire the harness
carries, and any answer on it is delivered, a late, repeated or never
delivered one included; a delivery is a path of the spec's one-fact steps),
Ini connects directly (``PrepareEstablishChannel``, the spec's "direct" path,
whose handshake then runs through ``HandleHandshake``, ``ProcessResponse`` and
``KeyConfirm`` as the relayed one does) and ``eve``, on no roster, sends Resp a
message 1 of its own (``InjectInit``), which Resp must not answer
(``RVMembersOnly``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from aura_model.tla import ModelValue
from aura_model.tla import values as V
from aura_rendezvous import CONNECT_DIRECT_COST, CONNECT_RELAY_COST, RELAY_FORWARD_COST
from hypothesis import strategies as st
from hypothesis.stateful import initialize, precondition, rule

from aura_conformance.guard_chain.effects import SEND, judge_effects
from aura_conformance.harness.backend import Reply, ReportedEffect, note_unjudged
from aura_conformance.harness.checker import SpecChecker
from aura_conformance.harness.deferred import Deferred
from aura_conformance.harness.driver import CountingMachine, run_directed, run_machine
from aura_conformance.harness.errors import ConformanceFailure
from aura_conformance.harness.expect import expect_nth
from aura_conformance.harness.result import ConformanceResult
from aura_conformance.harness.state import State, format_state_table
from aura_conformance.relay.backends import RelayBackend
from aura_conformance.relay.checker import relay_checker
from aura_conformance.relay.world import (
    CONTEXTS,
    CTX,
    CTX2,
    INI,
    MAX_DESC,
    MAX_EPOCH,
    MAX_HS,
    MAX_TIME,
    OUTSIDER,
    RELAY,
    RELAY_EPOCH,
    RESP,
    relay_ids,
    relay_keyring,
)
from aura_conformance.sent_messages import check_envelope

__all__ = [
    "RELAY_SCENARIOS",
    "RelayPathMachine",
    "run_relay_conformance",
    "run_relay_scenarios",
]

_RELAY = ModelValue(RELAY)
_OUTSIDER = ModelValue(OUTSIDER)

# The cost each paid step of a node charges before its send, exactly (GCAtomicRollback):
# Ini's message 1, Resp's message 2 (both CONNECT_RELAY_COST) and the relay's forward.
# The harness's receipt attacks, by action: the invariant a receiver that sends
# anything after it breaks, and why.
_REFUSED = {
    "StripReceipt": (
        "GCReceiptVerifiable",
        "the relay forwarded a message 2 handed to it without its receipt: it accepted"
        " no receipt for a paid hop (MissingReceipt)",
    ),
    "MisdirectReceipt": (
        "GCReceiptVerifiable",
        f"{RESP} answered a message 1 the relay delivered with a receipt it addressed to"
        f" {INI}, not to {RESP}: it accepted a receipt of another authority's stream",
    ),
    "ForeignReceipt": (
        "GCReceiptSigner",
        f"{RESP} answered a message 1 the relay delivered with a receipt {INI} signed:"
        " it accepted a receipt whose signer is not the authority the message came from",
    ),
}
_REUSED = (
    "RVRelayAuthorized",
    f"the relay forwarded the attacker's message 1 paid for by the receipt of {INI}'s own"
    " message 1: a receipt pays for the envelope it names, no other (ReceiptWrongSubject)",
)


def _attackers_init(state: State) -> Any:
    """The attacker's message 1 claiming Ini at the relay (handshake id 0), if any."""
    return next(
        (
            m
            for m in state["net"]
            if m.d["type"] == "Init"
            and m.d["id"] == 0
            and m.d["dst"] == _RELAY
            and m.d["to"] != _OUTSIDER
        ),
        None,
    )


_COSTS = {
    ("RelayRequest", INI): CONNECT_RELAY_COST,
    ("PrepareEstablishChannel", INI): CONNECT_DIRECT_COST,
    ("HandleHandshake", RESP): CONNECT_RELAY_COST,
    ("RelayForward", RELAY): RELAY_FORWARD_COST,
    ("ReplayEnvelope", RELAY): RELAY_FORWARD_COST,
}


class RelayPathMachine(CountingMachine):
    """Drives ``backend`` (a class attribute, see :func:`_make`).

    ``deferred`` (shared by a whole run) keeps the first send whose bytes are not
    the envelope its record says; it fails the run only if nothing the spec
    names did (as in :class:`~aura_conformance.epoch_rotation.machine.EpochRotationMachine`).
    """

    backend: RelayBackend
    checker: SpecChecker
    deferred: Deferred

    def __init__(self) -> None:
        super().__init__()
        self.state: State = {}
        self.keys = {c: relay_keyring(c) for c in CONTEXTS}
        self.ids = relay_ids()
        # The attacker's message 1 paid for by a receipt of another envelope, if any.
        self.reused: Any = None

    def _step(
        self,
        action: str,
        args: dict[str, Any],
        *,
        refuse: tuple[str, str] | None = None,
        forward: tuple[str, str] | None = None,
    ) -> Reply:
        """One request, judged; ``refuse`` (invariant, why): the relay must not
        forward ``args["m"]`` here; ``forward``: it must."""
        reply = self.backend.request(action, args, 0)
        if action == "HandleHandshake":
            self._members_only(args["m"], reply)
        if action == "RelayForwardFails":
            self._rolled_back(args["m"], reply)
        if refuse is not None and self._forwarded_now(args["m"], reply):
            self._fail(action, *refuse, reply)
        if forward is not None and not self._forwarded_now(args["m"], reply):
            self._fail(action, *forward, reply)
        if action in _REFUSED:
            self._refused(action, *_REFUSED[action], reply)
        elif action == "RelayForward" and args["m"] == self.reused:
            self._refused(action, *_REUSED, reply)
        elif action == "ReuseReceipt":
            self.reused = _attackers_init(reply.state)
        self.stats["steps"] += 1
        self._judge(action, reply)
        self.checker.check_step(self.state, reply.state, action)
        if reply.effects is not None:
            self._check_bytes(action, reply.effects, self.state, reply.state)
        self.state = reply.state
        return reply

    def _forwarded_now(self, m: Any, reply: Reply) -> bool:
        """Whether the step put ``m``'s forwarded copy (at its final destination) on
        the wire."""
        copy = V.record(**{**m.d, "dst": m.d["to"]})
        return copy in reply.state["net"] and copy not in self.state["net"]

    def _fail(self, action: str, invariant: str, why: str, reply: Reply) -> None:
        raise ConformanceFailure(
            f"invariant: {invariant} violated: {why} ({reply.outcome}) (harness action: {action})",
            kind="invariant",
            action=action,
            table=format_state_table(self.state, reply.state),
        )

    def _rolled_back(self, m: Any, reply: Reply) -> None:
        """``RelayForwardFails``: whatever the relay did (rolled back, refused, denied),
        the spec sees nothing: a rolled-back outcome leaves no charge, no forward
        record and no envelope (what it sent is judged with the effects)."""
        changed = self.checker.same_state(self.state, reply.state)
        if changed:
            self._fail(
                "RelayForwardFails",
                "GCAtomicRollback",
                f"the relay's forward of {V.format_value(m)} failed at its own receipt,"
                f" and the rollback left {', '.join(changed)} changed",
                reply,
            )

    def forward_fails(self, m: Any) -> bool:
        """``RelayForwardFails`` of ``m``; whether its outcome got as far as the failure
        and rolled back (the relay had accepted ``m``'s receipt, if it carries one)."""
        reply = self._step("RelayForwardFails", {"m": m})
        return reply.outcome.startswith("relay rolled back")

    def forward_again(self, m: Any) -> None:
        """``RelayForward`` of ``m`` right after its forward rolled back: the relay is
        as it was before that attempt, which got past every check, so it forwards."""
        self._step(
            "RelayForward",
            {"m": m},
            forward=(
                "GCAtomicRollback",
                f"the relay refused {V.format_value(m)} asked again right after its forward"
                " rolled back, which had passed every check: the rolled-back outcome left"
                " something behind (its acceptance of the sender's receipt)",
            ),
        )

    def _judge(self, action: str, reply: Reply) -> None:
        if reply.effects is None:
            note_unjudged(
                self.backend, "GCChargeFirst, GCAtomicRollback and the bytes of its envelopes"
            )
            return
        # A step that put nothing on the spec's network (a deny) must have cost nothing.
        stutter = not set(reply.state["net"]) - set(self.state["net"])
        by_node: dict[str, list[ReportedEffect]] = {}
        for effect in reply.effects:
            by_node.setdefault(effect.by, []).append(effect)
        for name, effects in by_node.items():
            self._sent_once(action, name, effects)
            paid = _COSTS.get((action, name))
            violation = judge_effects(
                effects,
                what=f"{name or 'a node'}'s {action}",
                sends_allowed=action != "RelayForwardFails",
                paid=paid,
                stutter=stutter,
            )
            if violation is not None:
                raise ConformanceFailure(
                    f"invariant: {violation} (harness action: {action})",
                    kind="invariant",
                    action=action,
                    table="  observed effects | " + ", ".join(e.describe() for e in effects),
                )

    @staticmethod
    def _sent_once(action: str, name: str, effects: list[ReportedEffect]) -> None:
        """One step of a node sends each envelope once. ``net`` is a set, so the spec
        cannot see a second copy; the reported sends can: a relay that hands the same
        envelope on twice forwards it twice for one charge (``RVRelayForwardsOnce``),
        and a member that sends its paid message twice sends what it paid once for
        (``GCAtomicRollback``: what was sent is what was paid)."""
        sent = [e.message for e in effects if e.kind == SEND and e.message is not None]
        twice = [m for i, m in enumerate(sent) if m in sent[:i]]
        if not twice:
            return
        invariant = "RVRelayForwardsOnce" if name == RELAY else "GCAtomicRollback"
        raise ConformanceFailure(
            f"invariant: {invariant} violated: {name or 'a node'}'s {action} sent"
            f" {V.format_value(twice[0])} {sent.count(twice[0])} times in one step; each"
            f" envelope goes out once (harness action: {action})",
            kind="invariant",
            action=action,
            table="  observed effects | " + ", ".join(e.describe() for e in effects),
        )

    def _members_only(self, m: Any, reply: Reply) -> None:
        """Rendezvous.tla's ``RVMembersOnly`` on what Resp did with the impostor's
        message 1 (handshake id 0) or ``eve``'s own: it answers nothing. Judged before
        the step, by the sends a backend reports (the state's answer is judged by the
        spec)."""
        outsider = m.d["src"] == _OUTSIDER
        if (m.d["id"] != 0 and not outsider) or reply.effects is None:
            return
        if any(e.kind == SEND for e in reply.effects):
            what = (
                f"the message 1 of {OUTSIDER}, on no roster, sent straight to it"
                if outsider
                else f"a message 1 claiming {INI} under a static key that is not {INI}'s"
                " roster key, forwarded by the relay"
            )
            raise ConformanceFailure(
                f"invariant: RVMembersOnly violated: Resp answered {what}"
                " (harness action: HandleHandshake)",
                kind="invariant",
                action="HandleHandshake",
                table="  observed effects | " + ", ".join(e.describe() for e in reply.effects),
            )

    def _refused(self, action: str, invariant: str, why: str, reply: Reply) -> None:
        """``invariant`` on a step the harness made unpayable (its receipt taken away
        or swapped for one its receiver must refuse): the receiver must send nothing.
        Receipts are no part of RelayConformance.tla's records, so this is judged on
        the sends a backend reports, before the step (the spec sees a stutter, or the
        step it would be with the genuine receipt)."""
        if reply.effects is None or not any(e.kind == SEND for e in reply.effects):
            return
        raise ConformanceFailure(
            f"invariant: {invariant} violated: {why} (harness action: {action})",
            kind="invariant",
            action=action,
            table="  observed effects | " + ", ".join(e.describe() for e in reply.effects),
        )

    def _check_bytes(
        self, action: str, effects: tuple[ReportedEffect, ...], before: State, after: State
    ) -> None:
        """Each send is an envelope the state adds to ``net``, with bytes that are that
        envelope (:func:`~aura_conformance.sent_messages.check_envelope`)."""
        wrong = []
        sends = [e for e in effects if e.kind == SEND]
        for e in sends:
            m = e.message
            d = getattr(m, "d", None)
            if not isinstance(d, dict) or m not in after["net"]:
                wrong.append(f"a send by {e.by or '?'} names no envelope of the new net: {m}")
                continue
            # A member sends its own envelopes; the relay forwards them to their end.
            src, hop, to = (getattr(d[k], "name", None) for k in ("src", "dst", "to"))
            if not (e.by == src or (e.by == RELAY and hop == to)):
                wrong.append(f"{V.format_value(m)} was sent by {e.by or 'nobody'}")
            keys = self.keys.get(getattr(d["ctx"], "name", ""))
            if keys is None:
                wrong.append(f"{V.format_value(m)} names no context of the world")
                continue
            if d["type"] == "Init" and (d["id"] == 0 or d["src"] == _OUTSIDER):
                # The impostor's or eve's message 1, forwarded as the attacker made it.
                continue
            why = check_envelope(
                e.data,
                context=keys.context_id,
                src=self.ids.get(getattr(d["src"], "name", ""), b""),
                to=self.ids.get(getattr(d["to"], "name", ""), b""),
                kind=d["type"],
                keys=keys,
                epoch=RELAY_EPOCH + d["ep"],
            )
            if why is not None:
                wrong.append(f"{V.format_value(m)}: {why}")
        # The attacker's junk and message 1s are the harness's, not a member's sends.
        if action not in (
            "InjectJunk",
            "ImpersonateInit",
            "MisaddressInit",
            "ReuseReceipt",
            "InjectInit",
        ):
            sent = [e.message for e in sends]
            added = set(after["net"]) - set(before["net"])
            wrong += [
                f"{V.format_value(m)} is in net, but no send of it was reported"
                for m in sorted(added, key=V.sort_key)
                if m not in sent
            ]
        if wrong:
            self.deferred.add(
                "invariant: WireReportedState violated: the envelopes sent are not the "
                f"records the state reports: {'; '.join(wrong)} (harness action: {action})",
                action=action,
            )

    def _epoch(self, c: str) -> int:
        return int(self.state["epoch"].d[ModelValue(c)])

    def _impostor_sent(self) -> bool:
        return bool(self._net(lambda d: d["type"] == "Init" and d["id"] == 0))

    def _net(self, pick: Callable[[Any], bool]) -> list[Any]:
        return sorted((m for m in self.state["net"] if pick(m.d)), key=V.sort_key)

    def at_relay(self) -> list[Any]:
        """Envelopes the relay holds and has not forwarded yet."""
        net = self.state["net"]

        def waiting(d: Any) -> bool:
            return d["dst"] == _RELAY and V.record(**{**d, "dst": d["to"]}) not in net

        return self._net(waiting)

    def forwarded(self) -> list[Any]:
        """Envelopes the relay already forwarded (their copy at the relay)."""
        net = self.state["net"]

        def done(d: Any) -> bool:
            return d["dst"] == _RELAY and V.record(**{**d, "dst": d["to"]}) in net

        return self._net(done)

    def arrived(self, kind: str) -> list[Any]:
        """Envelopes of ``kind`` at their final destination (a member: one a relay
        forwarded to ``eve`` has no service to handle it)."""
        return self._net(
            lambda d: d["type"] == kind and d["dst"] == d["to"] and d["to"] != _OUTSIDER
        )

    @initialize()
    def Reset(self) -> None:
        self.deferred.reset()
        self.reused = None
        reply = self.backend.request("Reset", {}, 0)
        self.checker.check_init(reply.state)
        self.state = reply.state
        self.stats["examples"] += 1

    @precondition(lambda self: self.state["nextId"] <= MAX_HS)
    @rule(c=st.sampled_from(CONTEXTS))
    def RelayRequest(self, c: str = CTX) -> None:
        self._step("RelayRequest", {"c": ModelValue(c)})

    @precondition(lambda self: bool(self.at_relay()))
    @rule(i=st.integers(0, 7))
    def RelayForward(self, i: int) -> None:
        m = expect_nth(self.at_relay(), i, "an envelope at the relay", "RelayForward", self.state)
        self._step("RelayForward", {"m": m})

    @precondition(lambda self: bool(self.at_relay()))
    @rule(i=st.integers(0, 7))
    def RelayForwardFails(self, i: int) -> None:
        m = expect_nth(
            self.at_relay(), i, "an envelope at the relay", "RelayForwardFails", self.state
        )
        if self.forward_fails(m):
            self.forward_again(m)

    @precondition(lambda self: bool(self.arrived("Init")))
    @rule(i=st.integers(0, 7))
    def HandleHandshake(self, i: int) -> None:
        m = expect_nth(
            self.arrived("Init"), i, "a Init envelope delivered", "HandleHandshake", self.state
        )
        self._step("HandleHandshake", {"m": m})

    @precondition(lambda self: bool(self.arrived("Resp")))
    @rule(i=st.integers(0, 7))
    def ProcessResponse(self, i: int) -> None:
        m = expect_nth(
            self.arrived("Resp"), i, "a Resp envelope delivered", "ProcessResponse", self.state
        )
        self._step("ProcessResponse", {"m": m})

    @precondition(lambda self: bool(self.arrived("Confirm")))
    @rule(i=st.integers(0, 7))
    def KeyConfirm(self, i: int) -> None:
        m = expect_nth(
            self.arrived("Confirm"), i, "a Confirm envelope delivered", "KeyConfirm", self.state
        )
        self._step("KeyConfirm", {"m": m})

    # Junk first (as Rendezvous.tla's InjectJunk): nothing but RelayForward reads it.
    @precondition(lambda self: not self.state["net"])
    @rule()
    def InjectJunk(self) -> None:
        self._step("InjectJunk", {"c": ModelValue(CTX)})

    @precondition(lambda self: not self._impostor_sent())
    @rule()
    def ImpersonateInit(self) -> None:
        self._step("ImpersonateInit", {"c": ModelValue(CTX)})

    @precondition(lambda self: self.state["now"] < MAX_TIME)
    @rule()
    def Tick(self) -> None:
        self._step("Tick", {})

    def publishable(self) -> list[str]:
        """Contexts where Resp may publish again (below the model's MaxDesc)."""
        desc = self.state["desc"].d
        return [c for c in CONTEXTS if len(desc[ModelValue(c)]) < MAX_DESC]

    def advanceable(self) -> list[str]:
        """Contexts whose epoch may change: below MaxEpoch, envelopes on the wire or not."""
        return [c for c in CONTEXTS if self._epoch(c) < MAX_EPOCH]

    @precondition(lambda self: bool(self.publishable()))
    @rule(i=st.integers(0, 7))
    def PublishDescriptor(self, i: int) -> None:
        c = self.publishable()[i % len(self.publishable())]
        self._step("PublishDescriptor", {"c": ModelValue(c)})

    @precondition(lambda self: bool(self.advanceable()))
    @rule(i=st.integers(0, 7))
    def AdvanceEpoch(self, i: int) -> None:
        c = self.advanceable()[i % len(self.advanceable())]
        self._step("AdvanceEpoch", {"c": ModelValue(c)})

    @precondition(lambda self: bool(self.forwarded()))
    @rule(i=st.integers(0, 7))
    def ReplayEnvelope(self, i: int) -> None:
        m = expect_nth(self.forwarded(), i, "an envelope forwarded", "ReplayEnvelope", self.state)
        self._step("ReplayEnvelope", {"m": m})

    def revocable(self) -> list[tuple[str, int]]:
        """(context, descriptor number) of Resp's descriptors it may revoke: valid now
        and not revoked in its own journal (RelayConformance.tla's ``Revocable``)."""
        now, out = self.state["now"], []
        for c in CONTEXTS:
            facts = [f.d for f in self.state["desc"].d[ModelValue(c)]]
            revoked = {f["nonce"] for f in facts if f["kind"] == "Revoked"}
            out += [
                (c, f["nonce"])
                for f in facts
                if f["kind"] == "Descriptor"
                and f["from"] <= now < f["until"]
                and f["nonce"] not in revoked
            ]
        return sorted(out)

    @precondition(lambda self: bool(self.revocable()))
    @rule(i=st.integers(0, 7))
    def RevokeDescriptor(self, i: int) -> None:
        c, n = self.revocable()[i % len(self.revocable())]
        self._step("RevokeDescriptor", {"c": ModelValue(c), "n": n})

    def sync(self, c: str = CTX, *, pull: bool = True, i: int = -1) -> None:
        """``SyncJournal`` in ``c``: with ``pull``, Ini pulls first (Resp's answers go on
        the sync wire); then the wire's ``i``-th answer (counted from the end when
        negative) reaches Ini."""
        self._step("SyncJournal", {"c": ModelValue(c), "pull": pull, "i": i})

    # i: the newest answer, an older one (late or again), or none (lost).
    @rule(c=st.sampled_from(CONTEXTS), pull=st.booleans(), i=st.integers(-2, 1))
    def SyncJournal(self, c: str, pull: bool, i: int) -> None:
        self.sync(c, pull=pull, i=i)

    @precondition(lambda self: self.state["nextId"] <= MAX_HS)
    @rule(c=st.sampled_from(CONTEXTS))
    def PrepareEstablishChannel(self, c: str = CTX) -> None:
        self._step("PrepareEstablishChannel", {"c": ModelValue(c)})

    def _outsider_sent(self) -> bool:
        return bool(self._net(lambda d: d["src"] == _OUTSIDER))

    @precondition(lambda self: not self._outsider_sent())
    @rule(c=st.sampled_from(CONTEXTS))
    def InjectInit(self, c: str = CTX) -> None:
        self._step("InjectInit", {"c": ModelValue(c)})


def _make(backend: RelayBackend, deferred: Deferred | None = None) -> type[RelayPathMachine]:
    return type(
        "RelayPathConformance",
        (RelayPathMachine,),
        {
            "backend": backend,
            "checker": relay_checker(),
            "stats": {"examples": 0, "steps": 0},
            "deferred": Deferred() if deferred is None else deferred,
        },
    )


def _forward_all(m: RelayPathMachine) -> None:
    """The relay's turn: each envelope it holds, once (it may refuse some)."""
    for envelope in m.at_relay():
        m._step("RelayForward", {"m": envelope})


def _handshake(m: RelayPathMachine) -> None:
    m.RelayRequest()
    _forward_all(m)
    m.HandleHandshake(-1)
    _forward_all(m)
    m.ProcessResponse(-1)
    _forward_all(m)
    m.KeyConfirm(-1)


def _junk(m: RelayPathMachine) -> None:
    m.InjectJunk()
    _forward_all(m)
    _handshake(m)


def _two_handshakes(m: RelayPathMachine) -> None:
    _handshake(m)
    _handshake(m)


def _replayed(m: RelayPathMachine) -> None:
    """A handshake, then each envelope the relay forwarded handed to it again."""
    _handshake(m)
    for envelope in m.forwarded():
        m._step("ReplayEnvelope", {"m": envelope})


def _replayed_after_the_epoch_moved(m: RelayPathMachine) -> None:
    """A handshake, c1's next epoch, then each envelope the relay forwarded handed to
    it again: its budget has restarted, its memory of the past epoch is gone, and it
    must still not forward, nor pay for, any of them (``RVRelayForwardsOnce``)."""
    _handshake(m)
    m._step("AdvanceEpoch", {"c": ModelValue(CTX)})
    for envelope in m.forwarded():
        m._step("ReplayEnvelope", {"m": envelope})


def _replayed_after_the_other_context_moved(m: RelayPathMachine) -> None:
    """A handshake in c1, then c2's next epoch (c1's stays), then each envelope the
    relay forwarded in c1 handed to it again: the forward memory of c1's live epoch
    outlives another context's rotation, so it forwards, and pays for, none of them
    (``RVRelayForwardsOnce``: the memory is per context and epoch)."""
    _handshake(m)
    m._step("AdvanceEpoch", {"c": ModelValue(CTX2)})
    for envelope in m.forwarded():
        m._step("ReplayEnvelope", {"m": envelope})


def _redelivered(m: RelayPathMachine) -> None:
    """A handshake, then its response and its key confirmation delivered again:
    each receiver refuses the receipt it has already accepted."""
    _handshake(m)
    m.ProcessResponse(0)
    m.KeyConfirm(0)


def _reordered_at_the_relay(m: RelayPathMachine) -> None:
    """Two requests; the relay is handed the second first, then the first, whose
    receipt is now below the last it accepted."""
    m.RelayRequest()
    m.RelayRequest()
    waiting = m.at_relay()
    if len(waiting) < 2:
        expect_nth([], 0, "two envelopes at the relay", "RelayForward", m.state)
    first, last = waiting[0], waiting[-1]
    m._step("RelayForward", {"m": last})
    m._step("RelayForward", {"m": first})


def _expired_descriptor(m: RelayPathMachine) -> None:
    """The clock passes the validity of Resp's only descriptor: Ini must not connect
    on it (``RVConnectWithValidDescriptor``); once Resp has refreshed and sync has
    brought the new one, it does."""
    for _ in range(MAX_TIME):
        m.Tick()
    m.RelayRequest(CTX)
    m._step("PublishDescriptor", {"c": ModelValue(CTX)})
    m.sync()
    _handshake(m)


def _past_epoch_descriptor(m: RelayPathMachine) -> None:
    """c1 moves to its next epoch: Resp's descriptor, still valid, commits to the PSK
    of the past one, so Ini must refresh, not send (``RVConnectWithValidDescriptor``);
    once Resp has published for the new epoch and sync has brought it, a handshake
    completes."""
    m._step("AdvanceEpoch", {"c": ModelValue(CTX)})
    m.RelayRequest(CTX)
    m._step("PublishDescriptor", {"c": ModelValue(CTX)})
    m.sync()
    _handshake(m)


def _impostor_through_the_relay(m: RelayPathMachine) -> None:
    """Ini's message 1 waits at the relay; the attacker hands the relay a message 1
    claiming Ini's id under another static key, paid with a receipt of Ini's key. The
    relay cannot tell and forwards it; Resp must refuse it (``RVMembersOnly``)."""
    m.RelayRequest(CTX)
    m.ImpersonateInit()
    for envelope in [e for e in m.at_relay() if e.d["id"] == 0]:
        m._step("RelayForward", {"m": envelope})
    for envelope in [e for e in m.arrived("Init") if e.d["id"] == 0]:
        m._step("HandleHandshake", {"m": envelope})
    _forward_all(m)


def _misaddressed_to_a_non_member(m: RelayPathMachine) -> None:
    """The attacker hands the relay a paid message 1 of Ini's addressed to ``eve``, no
    member: the relay must drop it (``RVMembersOnly``); a handshake follows."""
    m._step("MisaddressInit", {"c": ModelValue(CTX)})
    _forward_all(m)
    _handshake(m)


def _substituted_receipts(m: RelayPathMachine) -> None:
    """A handshake whose envelopes are first handed on with a receipt their receiver
    must refuse: Ini's message 1 at Resp with a receipt the relay addressed to Ini,
    then with one Ini signed to Resp (``GCReceiptVerifiable``, ``GCReceiptSigner``);
    Resp's message 2 at the relay without its receipt. Each is refused, the
    genuine one then taken."""
    m.RelayRequest()
    _forward_all(m)
    for envelope in [e for e in m.arrived("Init") if e.d["id"] != 0]:
        m._step("MisdirectReceipt", {"m": envelope})
        m._step("ForeignReceipt", {"m": envelope})
    m.HandleHandshake(-1)
    for envelope in [e for e in m.at_relay() if e.d["type"] == "Resp"]:
        m._step("StripReceipt", {"m": envelope})
    _forward_all(m)
    m.ProcessResponse(-1)
    _forward_all(m)
    m.KeyConfirm(-1)


def _reused_receipt(m: RelayPathMachine) -> None:
    """Ini's message 1 waits at the relay; the attacker attaches its receipt, taken off
    the wire, to a message 1 of its own claiming Ini. The relay must refuse it
    (``ReceiptWrongSubject``), then forward Ini's own."""
    m.RelayRequest(CTX)
    m._step("ReuseReceipt", {"c": ModelValue(CTX)})
    for envelope in [e for e in m.at_relay() if e.d["id"] == 0]:
        m._step("RelayForward", {"m": envelope})
    _forward_all(m)
    m.HandleHandshake(-1)


def _rolled_back_forward(m: RelayPathMachine) -> None:
    """Ini's two message 1s wait at the relay; it forwards the second first (taking
    Ini's receipt 2, past the lost 1). The attacker's message 1 claiming Ini comes with
    Ini's receipt 3; the relay's forward of it fails after accepting that receipt and
    rolls back, so Ini's stream is at receipt 2 again: the first message 1, receipt 1,
    is a replay the relay must refuse (``GCReceiptNoReplay``), and the attacker's, asked
    again, must go through (``GCAtomicRollback``: the failed forward left nothing)."""
    m.RelayRequest()
    m.RelayRequest()
    waiting = [e for e in m.at_relay() if e.d["type"] == "Init"]
    if len(waiting) < 2:
        expect_nth([], 0, "two message 1s at the relay", "RelayForward", m.state)
    first, second = waiting[0], waiting[-1]
    m._step("RelayForward", {"m": second})
    m.ImpersonateInit()
    attackers = _attackers_init(m.state)
    if attackers is None:
        expect_nth([], 0, "the attacker's message 1 at the relay", "RelayForward", m.state)
    if not m.forward_fails(attackers):
        expect_nth([], 0, "a forward that rolls back", "RelayForwardFails", m.state)
    m._step(
        "RelayForward",
        {"m": first},
        refuse=(
            "GCReceiptNoReplay",
            f"the relay forwarded {V.format_value(first)}, paid by {INI}'s receipt 1, after it"
            f" had accepted {INI}'s receipt 2 (its receipt 3 was taken back with a failed"
            " forward): a receipt below the last accepted of its stream, accepted out of order",
        ),
    )
    m.forward_again(attackers)


def _failing_forward_of_a_replayed_receipt(m: RelayPathMachine) -> None:
    """Two requests; the relay forwards the second, then its forward of the first is
    to fail at its own receipt: it refuses the first before (``ReceiptReplayed``, a
    receipt below the last it accepted), so nothing is left to roll back."""
    m.RelayRequest()
    m.RelayRequest()
    waiting = m.at_relay()
    if len(waiting) < 2:
        expect_nth([], 0, "two envelopes at the relay", "RelayForwardFails", m.state)
    m._step("RelayForward", {"m": waiting[-1]})
    if m.forward_fails(waiting[0]):
        m.forward_again(waiting[0])


def _superseded_handshake(m: RelayPathMachine) -> None:
    """Ini connects twice before Resp answers; Resp answers both. Ini holds only its
    second handshake, so the answer to the first must fail to authenticate
    (``HandshakeAuthError``: nothing sent) and the answer to the second completes."""
    m.RelayRequest()
    m.RelayRequest()
    _forward_all(m)
    m.HandleHandshake(0)
    m.HandleHandshake(1)
    _forward_all(m)
    m.ProcessResponse(0)
    m.ProcessResponse(1)
    _forward_all(m)
    m.KeyConfirm(-1)


def _outside_the_relay_context(m: RelayPathMachine) -> None:
    """Ini connects in c2 through r1, a member there without ``relay:forward``: the
    relay must drop the envelope (``RVRelayAuthorized``)."""
    m.RelayRequest(CTX2)
    _forward_all(m)


def _direct_handshake(m: RelayPathMachine, c: str = CTX) -> None:
    """Ini's direct connect, then each step of its handshake (its own envelopes)."""
    m.PrepareEstablishChannel(c)
    hs = m.state["nextId"] - 1
    for action, kind in (
        ("HandleHandshake", "Init"),
        ("ProcessResponse", "Resp"),
        ("KeyConfirm", "Confirm"),
    ):
        mine = [e for e in m.arrived(kind) if e.d["id"] == hs and e.d["path"] == "direct"]
        mine = [e for e in mine if e.d["src"] != _OUTSIDER]
        m._step(action, {"m": expect_nth(mine, 0, f"{kind} of handshake {hs}", action, m.state)})


def _converged(m: RelayPathMachine, c: str = CTX) -> None:
    """Ini's replica holds every descriptor and revocation of Resp's (the sync wire
    has delivered Resp's latest answer): DescriptorValidity's ``DVConverges``, at
    the end of a schedule whose every answer was finally delivered."""
    held, desc = (m.state[v].d[ModelValue(c)] for v in ("held", "desc"))
    if held != desc:
        raise ConformanceFailure(
            f"invariant: DVConverges violated: after the sync wire delivered {RESP}'s"
            f" latest answer, {INI}'s replica of {c} lacks"
            f" {', '.join(V.format_value(f) for f in sorted(desc - held, key=V.sort_key))}"
            " (harness action: SyncJournal)",
            kind="invariant",
            action="SyncJournal",
            table=format_state_table(m.state, m.state),
        )


def _revoked_descriptor(m: RelayPathMachine) -> None:
    """Resp revokes its only descriptor and sync brings the revocation: Ini must deny
    a connect, direct or relayed (``NoValidDescriptor``: ``RVConnectWithValidDescriptor``
    would catch one that went out); Resp, with no valid descriptor of its own, needs
    a refresh, and once sync has brought the new one a direct handshake completes."""
    m._step("RevokeDescriptor", {"c": ModelValue(CTX), "n": 1})
    m.sync()
    m.PrepareEstablishChannel(CTX)
    m.RelayRequest(CTX)
    m._step("PublishDescriptor", {"c": ModelValue(CTX)})
    m.sync()
    _converged(m)
    _direct_handshake(m)


def _lossy_sync(m: RelayPathMachine) -> None:
    """The sync wire loses, repeats and reorders Resp's answers: the revocation's
    answer is held back (Ini still connects on the revoked descriptor, as far as it
    knows a valid one), a newer answer comes first, then the late one, then the newer
    one again; the replicas converge, and a direct handshake on the new descriptor
    completes."""
    m._step("RevokeDescriptor", {"c": ModelValue(CTX), "n": 1})
    m.sync(i=5)  # the revocation's answer 0 goes on the wire and does not arrive
    m.PrepareEstablishChannel(CTX)  # on the descriptor Ini holds, unaware
    m._step("PublishDescriptor", {"c": ModelValue(CTX)})
    m.sync()  # answer 1: the new descriptor and the revocation, first
    m.sync(pull=False, i=0)  # the late answer 0: nothing new
    m.sync(pull=False, i=1)  # answer 1 again
    _converged(m)
    _direct_handshake(m)


def _direct_after_sync(m: RelayPathMachine) -> None:
    """Resp's only descriptor expires and Resp publishes another: until sync brings it,
    Ini's direct connect is denied (``NoValidDescriptor``); after, a direct
    handshake completes, and so does a relayed one on the same descriptor."""
    for _ in range(MAX_TIME):
        m.Tick()
    m._step("PublishDescriptor", {"c": ModelValue(CTX)})
    m.PrepareEstablishChannel(CTX)
    m.sync()
    _direct_handshake(m)
    _handshake(m)


def _outsider_init(m: RelayPathMachine) -> None:
    """``eve``, on no roster, sends Resp a message 1 of its own, straight: Resp must
    answer nothing (``RVMembersOnly``); Ini's direct handshake then completes."""
    m.InjectInit(CTX)
    m.HandleHandshake(-1)
    _direct_handshake(m)


RELAY_SCENARIOS: dict[str, Callable[[RelayPathMachine], None]] = {
    "relayed-handshake": _handshake,
    "junk-at-the-relay": _junk,
    "two-handshakes": _two_handshakes,
    "replayed-envelopes": _replayed,
    "replayed-after-the-epoch-moved": _replayed_after_the_epoch_moved,
    "replayed-after-the-other-context-moved": _replayed_after_the_other_context_moved,
    "redelivered-confirmation": _redelivered,
    "reordered-at-the-relay": _reordered_at_the_relay,
    "expired-descriptor": _expired_descriptor,
    "past-epoch-descriptor": _past_epoch_descriptor,
    "impostor-through-the-relay": _impostor_through_the_relay,
    "outside-the-relay-context": _outside_the_relay_context,
    "misaddressed-to-a-non-member": _misaddressed_to_a_non_member,
    "substituted-receipts": _substituted_receipts,
    "reused-receipt": _reused_receipt,
    "rolled-back-forward": _rolled_back_forward,
    "superseded-handshake": _superseded_handshake,
    "failing-forward-of-a-replayed-receipt": _failing_forward_of_a_replayed_receipt,
    "revoked-descriptor": _revoked_descriptor,
    "lossy-sync": _lossy_sync,
    "direct-after-sync": _direct_after_sync,
    "outsider-init": _outsider_init,
}


def run_relay_scenarios(
    backend: RelayBackend,
    scenarios: Mapping[str, Callable[[RelayPathMachine], None]] = RELAY_SCENARIOS,
) -> list[tuple[str, ConformanceFailure | None]]:
    """Run every directed schedule once, each from Reset (a schedule whose sends
    were not the envelopes its records say fails with that, when nothing else did)."""
    out = []
    for name, scenario in scenarios.items():
        deferred = Deferred((name,))
        [(_, found)] = run_directed(_make(backend, deferred), {name: scenario})
        out.append((name, found or deferred.first))
    return out


def run_relay_conformance(
    backend: RelayBackend,
    *,
    examples: int = 20,
    seed: int | None = 0,
    steps: int = 15,
    scenarios: bool = True,
    shrink: bool = False,
) -> ConformanceResult:
    """Directed scenarios, then random runs, against ``backend`` (with ``shrink``, a
    failing random run is shrunk first)."""
    deferred = Deferred(tuple(RELAY_SCENARIOS) if scenarios else ())
    result = run_machine(
        lambda: _make(backend, deferred),
        backend.name,
        RELAY_SCENARIOS,
        examples=examples,
        seed=seed,
        steps=steps,
        directed=scenarios,
        shrink=shrink,
    )
    return deferred.verdict(result)
