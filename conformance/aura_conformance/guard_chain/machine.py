"""The Hypothesis state machine: rules named after GuardChain.tla's actions.

Each rule sends one request to the backend, projects nothing itself (the
backend replies with the projected state) and asks :class:`SpecChecker` whether
the step is a ``GCNext`` step and which action explains it; every state is
also checked against the model's invariants. Arguments come from the spec's
view of the state (a receipt to deliver is an element of ``wire``), so the same
machine drives any backend. ``now`` is machine state, advanced by ``Tick``.

A backend is also judged by what it does: the charges, journal appends and
sends of every step (an in-process world's ports log them, a stdio backend
reports them with its reply) are held to the spec's order
(:func:`~aura_conformance.guard_chain.effects.judge_effects`): nothing leaves
on a deny or a rollback, and nothing runs before the charge.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from pathlib import Path
from typing import Any

import attrs
from aura_model.tla import ModelValue
from aura_model.tla import values as V
from hypothesis import strategies as st
from hypothesis.stateful import (
    initialize,
    invariant,
    precondition,
    rule,
)

from aura_conformance.guard_chain.checker import guard_chain_checker
from aura_conformance.guard_chain.effects import judge_effects
from aura_conformance.guard_chain.world import AUTHS, COSTS, LIMIT, MAX_EPOCH
from aura_conformance.harness.backend import Backend, Reply, note_unjudged
from aura_conformance.harness.checker import SpecChecker
from aura_conformance.harness.driver import CountingMachine, run_supported
from aura_conformance.harness.enabled import enabled
from aura_conformance.harness.errors import ActionUnsupported, ConformanceFailure
from aura_conformance.harness.expect import expect_one
from aura_conformance.harness.named import named_after_shortfall
from aura_conformance.harness.result import ConformanceResult
from aura_conformance.harness.state import State, format_state_table
from aura_conformance.harness.trace import Recorder

__all__ = [
    "SCENARIOS",
    "GuardChainMachine",
    "ScenarioResult",
    "make_machine",
    "run_conformance",
    "run_scenarios",
]

# d = a is an operation without a peer (a publish): its receipt is a's own.
# The pairs random requests draw: a publish (a1's), each holder to the member
# holding nothing (a2, where the two sources' receipts interleave) and a request
# of a2's (denied, whatever its peer). The other five are these with members
# renamed, as the spec sees them: a request's peer matters only as the receiver
# of its stream (whether it holds the capability or not), and a3's publish is
# a1's. Drawing all nine would spread the requests over more streams, and a lost
# receipt (or a chain met again after an epoch advance) needs two of one stream.
_RANDOM_PAIRS = [("a1", "a1"), ("a1", "a2"), ("a3", "a2"), ("a2", "a1")]
_WITHIN_LIMIT = tuple(c for c in COSTS if c <= LIMIT)
# GuardChain.tla's GCReasons: the deny reasons the spec tells apart.
_REASONS = frozenset({"MissingCapability", "InsufficientBudget"})


class GuardChainMachine(CountingMachine):
    """Drives ``backend`` (a class attribute set by :func:`make_machine`)."""

    backend: Backend
    checker: SpecChecker
    record_dir: Path | None = None
    recorders: list[Recorder]

    def __init__(self) -> None:
        super().__init__()
        self.now = 0
        self.state: State = {}
        self.recorder = Recorder(self.checker.variables, self.backend.name)
        type(self).recorders.append(self.recorder)

    # ------------------------------------------------------------ plumbing

    def _judge(self, action: str, args: dict[str, Any], reply: Reply) -> None:
        effects = reply.effects
        if effects is None:
            note_unjudged(self.backend, "GCNoEffectOnDeny and GCChargeFirst")
            return
        outcome = reply.outcome
        # Only a committed outcome may send; a prepare never does (sends are the
        # interpreter's last effect).
        what = f"{action}({', '.join(f'{k}={V.format_value(v)}' for k, v in args.items())})"
        if outcome.startswith("Denied"):
            what += f" [{outcome}]"
        violation = judge_effects(
            effects, what=what, sends_allowed=action == "ExecuteEffects" and outcome == "Committed"
        )
        if violation is not None:
            raise ConformanceFailure(
                f"invariant: {violation} (harness action: {action})",
                kind="invariant",
                action=action,
                table="  observed effects | " + ", ".join(e.describe() for e in effects),
            )

    def _step(self, action: str, args: dict[str, Any]) -> None:
        reply = self.backend.request(action, args, self.now)
        self.stats["steps"] += 1
        self._judge(action, args, reply)
        if action == "PrepareOperation":
            try:
                self._check_deny_reason(args, reply)
            except ConformanceFailure:
                # Named already: no known shortfall need explain it.
                self._record_unexplained(action, args, reply)
                raise
        try:
            if action == "PrepareOperation":
                self._check_allowed(args, reply)
            elif action == "ReceiveReceiptFails":
                self._check_rolled_back(args, reply)
            elif action == "OtherContextReceipt":
                self._check_refused_other_context(args, reply)
            # Every request's arguments are named as GCNext's parameters (a, d, c;
            # r; s): the step is explained only by the action it asked for.
            report = self.checker.check_step(self.state, reply.state, action, args)
        except ConformanceFailure as exc:
            self._record_unexplained(action, args, reply)
            raise named_after_shortfall("GuardChain", exc, self.state, reply.state) from None
        self._record(action, args, reply, report.actions)
        self.state = reply.state

    def _record(
        self, action: str, args: dict[str, Any], reply: Reply, explained_by: tuple[str, ...]
    ) -> None:
        self.recorder.add(
            reply.state,
            action,
            args=args,
            now=self.now,
            outcome=reply.outcome,
            explained_by=explained_by,
        )

    def _record_unexplained(self, action: str, args: dict[str, Any], reply: Reply) -> None:
        self._record(action, args, reply, ("UNEXPLAINED",))

    def _check_allowed(self, args: dict[str, Any], reply: Reply) -> None:
        """The guards are a function of the state: where PrepareOperation(a, d, c)
        is enabled (GCCapOK and GCBudgetOK hold), a deny is wrong, stutter or not."""
        if reply.state.get("phase") == "Allowed" or not enabled(
            self.checker, self.state, "PrepareOperation", args
        ):
            return
        a, d, c = (V.format_value(args[k]) for k in ("a", "d", "c"))
        raise ConformanceFailure(
            f"step: no deny explains the step: PrepareOperation({a}, {d}, {c}) is enabled "
            f"(GCCapOK({a}) and GCBudgetOK({a}, {c}) hold: spent + cost <= Limit), and the "
            f"backend did not allow it ({reply.outcome}) (harness action: PrepareOperation)",
            kind="step",
            action="PrepareOperation",
            table=format_state_table(self.state, reply.state),
        )

    def _check_rolled_back(self, args: dict[str, Any], reply: Reply) -> None:
        """A receive whose outcome failed (its journal append) is rolled back whole:
        GuardChain.tla has no step for it, so it is a stutter, and a receiver that
        kept anything of it (the receipt among its accepted, the head of its chain)
        keeps an effect of a failed outcome, which GCAtomicRollback forbids."""
        changed = self.checker.same_state(self.state, reply.state)
        if not changed:
            return
        raise ConformanceFailure(
            "invariant: GCAtomicRollback (GuardChain.tla) violated: the receiver's outcome "
            f"taking {V.format_value(args['r'])} failed at its journal append "
            f"({reply.outcome}), and the rollback left {', '.join(changed)} changed: "
            "a failed outcome leaves nothing (harness action: ReceiveReceiptFails)",
            kind="invariant",
            action="ReceiveReceiptFails",
            table=format_state_table(self.state, reply.state),
        )

    def _check_refused_other_context(self, args: dict[str, Any], reply: Reply) -> None:
        """A receipt of another context, handed to its receiver as one of this
        context, is refused: GuardChain.tla's receipts are the one context's (its
        ReceiveReceipt takes a receipt of the context's own wire), so the step is a
        stutter, and a receiver whose state of this context changed took it (a
        receipt names its context, DESIGN.md 4). A backend that takes it and shows
        nothing here is judged on the context's next receipt: its chain moved."""
        changed = self.checker.same_state(self.state, reply.state)
        if not changed:
            return
        raise ConformanceFailure(
            "step: no action of GuardChain.tla takes a receipt of another context: "
            f"{V.format_value(args['r'])}'s source paid its receiver in the other context "
            f"they share, that receipt was handed over as one of this context "
            f"({reply.outcome}), and {', '.join(changed)} changed: a receipt names its "
            "context (harness action: OtherContextReceipt)",
            kind="step",
            action="OtherContextReceipt",
            table=format_state_table(self.state, reply.state),
        )

    def _check_deny_reason(self, args: dict[str, Any], reply: Reply) -> None:
        """A deny names the first guard that fails, capability first: where the spec's
        DenyOperation(a, d, c) adds a reason the backend's deny did not name, the deny
        is wrong (a request failing both guards is denied for its capability)."""
        kind, _, reason = reply.outcome.partition(":")
        if kind != "Denied" or reason not in _REASONS:
            return
        before = self.state.get("denials", frozenset())
        spec = set()
        for _, succ in self.checker.validator.successors(
            self.state, only=frozenset({"DenyOperation"}), where=args
        ):
            spec.update(set(succ["denials"]) - set(before))
        if not spec or reason in spec:
            return
        a, d, c = (V.format_value(args[k]) for k in ("a", "d", "c"))
        expected = ", ".join(sorted(spec))
        raise ConformanceFailure(
            f"step: no deny explains the step: DenyOperation({a}, {d}, {c}) denies for "
            f"{expected} (the capability guard first, then the budget), and the backend "
            f"denied for {reason} (harness action: PrepareOperation)",
            kind="step",
            action="PrepareOperation",
            table=format_state_table(self.state, reply.state),
        )

    def _receive(self, r: Any) -> None:
        """ReceiveReceipt(r); a refusal is a stutter, unless the spec says r must be
        accepted (GCReceiptResumesAfterLoss: a genuine receipt above the last
        accepted one, its predecessors lost or not yet delivered)."""
        before = self.state
        self._step("ReceiveReceipt", {"r": r})
        if self.state.get("rlog") == before.get("rlog") and _resumes(before, r):
            raise ConformanceFailure(
                "step: no refusal of a receipt above the last accepted explains the step;"
                " the refusal violates GCReceiptResumesAfterLoss (harness action: ReceiveReceipt)",
                kind="step",
                action="ReceiveReceipt",
                table=f"  variable | before\n  accepted | {before['accepted']}\n  r        | {r}",
            )

    def _wire(self) -> list[Any]:
        return sorted(self.state["wire"], key=V.sort_key)

    def _idle(self) -> bool:
        return bool(self.state.get("phase") == "Idle")

    # ------------------------------------------------------------ rules

    @initialize()
    def Reset(self) -> None:
        reply = self.backend.request("Reset", {}, self.now)
        self.recorder.add(
            reply.state,
            "Reset",
            args={},
            now=self.now,
            outcome=reply.outcome,
            explained_by=("Init",),
        )
        self.checker.check_init(reply.state)
        self.state = reply.state
        self.stats["examples"] += 1

    # Random requests cost what a budget can cover: a cost above Limit is always
    # denied, and drawing it would spend a third of the requests on denies (its
    # deny reason is the "over-limit" schedule's).
    @precondition(lambda self: self._idle())
    @rule(pair=st.sampled_from(_RANDOM_PAIRS), c=st.sampled_from(_WITHIN_LIMIT))
    def PrepareOperation(self, pair: tuple[str, str], c: int) -> None:
        a, d = pair
        self._step("PrepareOperation", {"a": ModelValue(a), "d": ModelValue(d), "c": c})

    @precondition(lambda self: self.state.get("phase") == "Allowed")
    @rule(fail_append=st.booleans())
    def ExecuteEffects(self, fail_append: bool) -> None:
        if self.state.get("phase") != "Allowed":  # a schedule's call, after a deny
            expect_one((), "an outcome in flight (phase Allowed)", "ExecuteEffects", self.state)
        self._step("ExecuteEffects", {"fail_append": fail_append})

    @precondition(lambda self: self._idle() and self.state["epoch"] < MAX_EPOCH)
    @rule()
    def AdvanceEpoch(self) -> None:
        self._step("AdvanceEpoch", {})

    # The receipt is drawn from the wire as it is (an index into it would favour
    # the first receipt, which Hypothesis's small integers pick most often).
    @precondition(lambda self: bool(self.state.get("wire")))
    @rule(data=st.data())
    def ReceiveReceipt(self, data: st.DataObject) -> None:
        self._receive(data.draw(st.sampled_from(self._wire()), label="r"))

    def ReceiveReceiptFails(self, r: Any) -> None:
        """A directed schedule's move, not a rule (as RelinkFirstReceipt): drawn in
        random runs it would redraw every run of the fixed seeds, and seed 12's random
        runs alone then no longer find strict-chain and epoch-blind-chain (nor did
        any of the forty others tried find both); the rolled-back-receive schedule makes it
        where it matters (after an acceptance, with an older receipt to replay)."""
        self._step("ReceiveReceiptFails", {"r": r})

    def OtherContextReceipt(self, r: Any) -> None:
        """A directed schedule's move, not a rule (as ReceiveReceiptFails): the
        attacker's receipt of the other context, handed to ``r.dst`` in place of a
        receipt of this one (``r`` names the source, receiver and cost)."""
        self._step("OtherContextReceipt", {"r": r})

    def receive_fails(self, pick: Callable[[Any], bool]) -> None:
        """ReceiveReceiptFails of the first receipt on the wire that ``pick`` selects."""
        r = expect_one(
            (r for r in self._wire() if pick(r)), "a receipt", "ReceiveReceiptFails", self.state
        )
        self.ReceiveReceiptFails(r)

    def deliver(self, pick: Callable[[Any], bool]) -> None:
        """ReceiveReceipt of the first receipt on the wire that ``pick`` selects."""
        r = expect_one(
            (r for r in self._wire() if pick(r)), "a receipt", "ReceiveReceipt", self.state
        )
        self._receive(r)

    def _untampered(self) -> bool:
        """The spec's GCUntampered: the attacker has made no move yet."""
        wire = self.state.get("wire") or ()
        epoch = self.state.get("epoch", 0)
        return bool(wire) and all(
            r.d["signer"] == r.d["src"]
            and r.d["prev"] == r.d["nonce"] - 1
            and r.d["epoch"] <= epoch
            for r in wire
        )

    @precondition(lambda self: self._untampered())
    @rule(data=st.data())
    def ForgeReceipt(self, data: st.DataObject) -> None:
        self.forge(data.draw(st.sampled_from(self._wire()), label="r"))

    def forge(self, r: Any) -> None:
        """ForgeReceipt of ``r`` under the other member's key."""
        s = next(ModelValue(a) for a in AUTHS if ModelValue(a) != r.d["src"])
        self._step("ForgeReceipt", {"r": r, "s": s})

    @precondition(lambda self: self._untampered() and any(self._equivocable()))
    @rule(data=st.data())
    def EquivocateReceipt(self, data: st.DataObject) -> None:
        r = data.draw(st.sampled_from(self._equivocable()), label="r")
        self._step("EquivocateReceipt", {"r": r})

    def RelinkFirstReceipt(self, r: Any) -> None:
        """A directed schedule's move, not a rule: drawn in random runs it would
        redraw every run of the fixed seeds (and cost them bugs they find now), for a
        move the "relinked-first" schedule makes where it matters (after a first send)."""
        self._step("RelinkFirstReceipt", {"r": r})

    def SignFutureReceipt(self, r: Any) -> None:
        """A directed schedule's move, not a rule (as RelinkFirstReceipt): enabled
        only at the last epoch, it would rarely fire in random runs, and drawing it
        would change every run of the fixed seeds."""
        self._step("SignFutureReceipt", {"r": r})

    def _signable_ahead(self) -> list[Any]:
        """The receipts SignFutureReceipt may sign again for the next epoch: at
        the last epoch, the first of a stream to a peer, the wire untampered."""
        epoch = self.state["epoch"]
        if epoch != MAX_EPOCH or not self._untampered():
            return []
        return [
            r
            for r in self._wire()
            if r.d["epoch"] == epoch and r.d["nonce"] == 1 and r.d["src"] != r.d["dst"]
        ]

    def _relinkable(self) -> list[Any]:
        """The receipts RelinkFirstReceipt may re-issue: the first of a stream to a
        peer in epoch 0, its receiver having accepted nothing of it, nothing sent
        after it."""
        epoch, accepted, next_nonce = (self.state[k] for k in ("epoch", "accepted", "nextNonce"))
        return [
            r
            for r in self._wire()
            if epoch == 0
            and r.d["epoch"] == epoch
            and r.d["src"] != r.d["dst"]
            and r.d["prev"] == 0
            and accepted.d[r.d["dst"]].d[r.d["src"]] == 0
            and next_nonce.d[r.d["src"]].d[r.d["dst"]] == 2
        ]

    def _equivocable(self) -> list[Any]:
        """The receipts EquivocateReceipt may re-issue: of the epoch, linked to one."""
        return [r for r in self._wire() if r.d["epoch"] == self.state["epoch"] and r.d["prev"] != 0]

    @rule(dt=st.integers(1, 1000))
    def Tick(self, dt: int) -> None:
        self.now += dt
        self._step("Tick", {"dt": dt})

    @invariant()
    def projected_state_present(self) -> None:
        # Invariants of the spec are checked on each step; this guards the plumbing.
        assert self.state, "no state: Reset did not run"

    def teardown(self) -> None:
        if self.record_dir is not None and self.recorder.states:
            n = next(type(self)._counter)
            self.recorder.write(self.record_dir / f"run-{n:04d}.itf.json")

    _counter: itertools.count[int]


def make_machine(
    backend: Backend, checker: SpecChecker | None = None, record_dir: Path | None = None
) -> type[GuardChainMachine]:
    """A machine class bound to ``backend`` (shared by all examples, reset each time)."""
    return type(
        "GuardChainConformance",
        (GuardChainMachine,),
        {
            "backend": backend,
            "checker": checker or guard_chain_checker(),
            "record_dir": record_dir,
            "stats": {"examples": 0, "steps": 0},
            "recorders": [],
            "_counter": itertools.count(),
        },
    )


def _resumes(state: State, r: Any) -> bool:
    """The premise of GCReceiptResumesAfterLoss: ``r`` is genuine, of the epoch, linked
    to its predecessor and above the last receipt its receiver accepted from ``r.src``."""
    d = r.d
    last = state["accepted"].d[d["dst"]].d[d["src"]]
    return bool(
        d["signer"] == d["src"]
        and d["epoch"] == state["epoch"]
        and d["prev"] == d["nonce"] - 1
        and d["nonce"] > last
    )


def _forged(r: Any) -> bool:
    return bool(r.d["signer"] != r.d["src"])


def _genuine(r: Any) -> bool:
    return not _forged(r)


def _send(m: GuardChainMachine, cost: int = 1, *, fail: bool = False) -> None:
    m.PrepareOperation(("a1", "a2"), cost)
    m.ExecuteEffects(fail)


def _send_from(m: GuardChainMachine, src: str, dst: str = "a2") -> None:
    m.PrepareOperation((src, dst), 1)
    m.ExecuteEffects(False)


def _from(src: str, nonce: int) -> Callable[[Any], bool]:
    return lambda r: _genuine(r) and r.d["src"] == ModelValue(src) and r.d["nonce"] == nonce


def _two_sources(m: GuardChainMachine) -> None:
    # Two holders send to one receiver and their receipts interleave there: each
    # source's chain is its own (per (src, epoch)), so a3's first receipt is no
    # replay of a1's, and a1's second still links to a1's first.
    _send_from(m, "a1")
    _send_from(m, "a3")
    _send_from(m, "a1")
    m.deliver(_from("a1", 1))
    m.deliver(_from("a3", 1))
    m.deliver(_from("a1", 2))


def _send_receive(m: GuardChainMachine) -> None:
    _send(m)
    m.deliver(_genuine)
    _send(m)
    m.deliver(lambda r: _genuine(r) and r.d["nonce"] == 2)


def _publish_then_connect(m: GuardChainMachine) -> None:
    m.PrepareOperation(("a1", "a1"), 1)  # a publish: a receipt to a1 itself
    m.ExecuteEffects(False)
    _send(m)
    m.deliver(lambda r: _genuine(r) and r.d["dst"] == ModelValue("a2"))


def _deny(m: GuardChainMachine) -> None:
    m.PrepareOperation(("a2", "a1"), 1)  # a2 lacks the capability
    _send(m, 2)
    _send(m)  # spent reaches Limit exactly: allowed (spent + c <= Limit)
    m.PrepareOperation(("a1", "a2"), 1)  # the budget is spent


def _rollback(m: GuardChainMachine) -> None:
    _send(m, fail=True)
    _send(m, 2)


def _replay(m: GuardChainMachine) -> None:
    _send(m)
    m.deliver(_genuine)
    m.deliver(_genuine)


def _rolled_back_receive(m: GuardChainMachine) -> None:
    # a2 takes a1's receipt 1; its outcome taking receipt 2 fails at the append and
    # rolls back, the acceptance with it (a stutter: GCAtomicRollback). Receipt 1
    # again is then a replay, refused (GCReceiptNoReplay: the head is receipt 1
    # again, not forgotten), and receipt 2 is still the next one, accepted.
    _send(m)
    _send(m)
    m.deliver(_from("a1", 1))
    m.receive_fails(_from("a1", 2))
    m.deliver(_from("a1", 1))
    m.deliver(_from("a1", 2))


def _other_context_receipt(m: GuardChainMachine) -> None:
    # a1 pays a2 for a message here (receipt 1 of a1's stream to a2), and for one
    # in the other context they share (receipt 1 of that context's stream). The
    # attacker hands a2 the other context's receipt with a message of this one (on
    # the direct path a receipt travels beside its message and no subject is
    # compared): refused for its context, a stutter. This context's receipt 1 is
    # then still the next of a1's chain here and must be accepted
    # (GCReceiptResumesAfterLoss); a verifier blind to the context took the other
    # receipt as this chain's receipt 1 (context-blind-receipt) and refuses it.
    _send(m)
    m.OtherContextReceipt(
        expect_one(
            (r for r in m._wire() if _from("a1", 1)(r)),
            "a receipt of a1",
            "OtherContextReceipt",
            m.state,
        )
    )
    m.deliver(_from("a1", 1))


def _forgery(m: GuardChainMachine) -> None:
    _send(m)
    m.forge(expect_one(m._wire(), "a receipt on the wire", "ForgeReceipt", m.state))
    m.deliver(_forged)


def _forged_link(m: GuardChainMachine) -> None:
    # A forgery that links to the receipt its receiver accepted last: the chain
    # hash is copied from the genuine receipt, only the signature is wrong, so a
    # verifier that trusts a good link instead of the signature takes it.
    _send(m)
    _send(m)
    m.deliver(lambda r: _genuine(r) and r.d["nonce"] == 1)
    m.forge(
        expect_one(
            (r for r in m._wire() if r.d["nonce"] == 2),
            "a second receipt on the wire",
            "ForgeReceipt",
            m.state,
        )
    )
    m.deliver(lambda r: _forged(r) and r.d["nonce"] == 2)


def _retired_epoch(m: GuardChainMachine) -> None:
    _send(m)
    m.AdvanceEpoch()
    m.deliver(_genuine)


def _lost_receipt(m: GuardChainMachine) -> None:
    _send(m)  # lost: its receipt is never delivered
    _send(m)
    m.deliver(lambda r: _genuine(r) and r.d["nonce"] == 2)


def _equivocation(m: GuardChainMachine) -> None:
    _send(m)
    _send(m)
    # Receipt 2, linked to nothing.
    r = expect_one(m._equivocable(), "a receipt linked to another", "EquivocateReceipt", m.state)
    m._step("EquivocateReceipt", {"r": r})
    m.deliver(lambda r: _genuine(r) and r.d["nonce"] == 1)
    # Refused whether or not its outcome would then fail (the check comes first).
    m.receive_fails(lambda r: r.d["nonce"] == 2 and r.d["prev"] == 0)
    m.deliver(lambda r: r.d["nonce"] == 2 and r.d["prev"] == 0)


def _relinked_first(m: GuardChainMachine) -> None:
    # The first receipt of a stream, re-issued by its signer linked to a receipt:
    # a receipt 1 must link to the genesis, whatever was accepted before.
    _send(m)
    m.RelinkFirstReceipt(
        expect_one(m._relinkable(), "a first receipt", "RelinkFirstReceipt", m.state)
    )
    m.deliver(lambda r: r.d["nonce"] == 1 and r.d["prev"] == 1)


def _over_limit(m: GuardChainMachine) -> None:
    # A cost above the whole budget: a2 fails both guards (denied for its
    # capability, the first guard), a1 only the budget.
    m.PrepareOperation(("a2", "a1"), max(COSTS))
    m.PrepareOperation(("a1", "a2"), max(COSTS))


def _epoch_budget(m: GuardChainMachine) -> None:
    _send(m, 2)
    m.AdvanceEpoch()
    _send(m, 2)
    m.Tick(5)


def _receipt_after_advance(m: GuardChainMachine) -> None:
    # A receipt of epoch 0 accepted, then the first of epoch 1 from the same
    # source: its chain starts again (per source and epoch), not after epoch 0's.
    _send(m)
    m.deliver(_genuine)
    m.AdvanceEpoch()
    _send(m)
    m.deliver(lambda r: _genuine(r) and r.d["epoch"] == 1)


def _future_epoch(m: GuardChainMachine) -> None:
    # At the last epoch, a member whose clock is already in the next one signs its
    # first receipt to a2 for that epoch: a2 has not reached it and must refuse it.
    while m.state["epoch"] < MAX_EPOCH:
        m.AdvanceEpoch()
    _send(m)
    m.SignFutureReceipt(
        expect_one(m._signable_ahead(), "a first receipt", "SignFutureReceipt", m.state)
    )
    m.deliver(lambda r: r.d["epoch"] > m.state["epoch"])
    m.deliver(lambda r: _genuine(r) and r.d["epoch"] == m.state["epoch"])


def _other_context_then_send(m: GuardChainMachine) -> None:
    # other-context-receipt, then a1's next operation here and its delivery: a1's
    # payment in the other context moved nothing of this context's stream, so the
    # next receipt here is receipt 2, linked to receipt 1 (an issuer numbering its
    # streams across contexts gives it the nonce after the other context's receipt).
    _other_context_receipt(m)
    _send(m)
    m.deliver(_from("a1", 2))


def _forged_after_gap(m: GuardChainMachine) -> None:
    # Receipt 1 lost, receipt 2 forged under the other member's key and delivered
    # first: numbered past the head, it would resynchronise the stream, and a
    # resynchronisation is no reason to skip the signature (GCReceiptVerifiable).
    _send(m)
    _send(m)
    m.forge(
        expect_one(
            (r for r in m._wire() if _from("a1", 2)(r)),
            "a second receipt on the wire",
            "ForgeReceipt",
            m.state,
        )
    )
    m.deliver(lambda r: _forged(r) and r.d["nonce"] == 2)


def _older_after_resync(m: GuardChainMachine) -> None:
    # lost-receipt, then the lost receipt 1 arrives after all: it is older than the
    # head (receipt 2, taken as a resynchronisation) and must be refused, though it
    # is not the head's nonce itself (GCReceiptNoReplay: replayed or reordered).
    _lost_receipt(m)
    m.deliver(_from("a1", 1))


def _resync_then_next(m: GuardChainMachine) -> None:
    # lost-receipt, then receipt 3: it links to receipt 2, the head the
    # resynchronisation moved to, and must be taken (GCReceiptResumesAfterLoss); a
    # receiver whose head stayed behind the gap refuses it as a broken chain.
    _lost_receipt(m)
    _send(m)
    m.deliver(_from("a1", 3))


# Directed schedules, run before the random exploration: each reaches one of the
# shortfalls in a handful of steps, so detection does not hang on luck.
SCENARIOS: dict[str, Callable[[GuardChainMachine], None]] = {
    "send-receive": _send_receive,
    "publish-then-connect": _publish_then_connect,
    "deny": _deny,
    "rollback": _rollback,
    "replay": _replay,
    "forgery": _forgery,
    "forged-link": _forged_link,
    "retired-epoch": _retired_epoch,
    "epoch-budget": _epoch_budget,
    "lost-receipt": _lost_receipt,
    "equivocation": _equivocation,
    "receipt-after-advance": _receipt_after_advance,
    "relinked-first": _relinked_first,
    "over-limit": _over_limit,
    "future-epoch": _future_epoch,
    "two-sources": _two_sources,
    "rolled-back-receive": _rolled_back_receive,
    "other-context-receipt": _other_context_receipt,
    # Last, so no earlier schedule's verdict moves: a stream after the other context paid.
    "other-context-then-send": _other_context_then_send,
    # A forgery numbered past the head, and a receipt older than it arriving late.
    "forged-after-gap": _forged_after_gap,
    "older-after-resync": _older_after_resync,
    "resync-then-next": _resync_then_next,
}


@attrs.frozen
class ScenarioResult:
    name: str
    failure: ConformanceFailure | None
    recorder: Recorder = attrs.field(eq=False)
    steps: int


def run_scenarios(
    backend: Backend, checker: SpecChecker | None = None, record_dir: Path | None = None
) -> list[ScenarioResult]:
    """Run every directed schedule once, each from Reset."""
    machine = make_machine(backend, checker)
    out: list[ScenarioResult] = []
    for name, scenario in SCENARIOS.items():
        m = machine()
        failure: ConformanceFailure | None = None
        try:
            m.Reset()
            scenario(m)
        except ConformanceFailure as exc:
            failure = exc
        except ActionUnsupported:
            # The backend keeps the skip to report; the schedule proves nothing.
            pass
        finally:
            m.teardown()
        if record_dir is not None:
            m.recorder.write(record_dir / f"scenario-{name}.itf.json")
        out.append(ScenarioResult(name, failure, m.recorder, len(m.recorder.states) - 1))
    return out


def run_conformance(
    backend: Backend,
    *,
    examples: int = 50,
    seed: int | None = 0,
    steps: int = 25,
    record_dir: Path | None = None,
    shrink: bool = True,
    scenarios: bool = True,
) -> ConformanceResult:
    """Run the machine against ``backend``; a conformance failure is a result, not a raise.

    Backend errors (a crash, a timeout, a malformed reply) are raised as
    :class:`BackendError`: a backend that cannot be driven is not judged.
    """
    directed = run_scenarios(backend, record_dir=record_dir) if scenarios else []
    for sc in directed:
        if sc.failure is not None:
            written = sc.recorder.write(record_dir / "failing.itf.json") if record_dir else None
            return ConformanceResult(
                backend.name,
                False,
                len(directed),
                sum(d.steps for d in directed),
                f"scenario {sc.name}: {sc.failure}",
                written,
            )
    machine = make_machine(backend, record_dir=record_dir)
    failure = run_supported(machine, examples=examples, steps=steps, seed=seed, shrink=shrink)
    failing: Path | None = None
    if failure:
        last = machine.recorders[-1] if machine.recorders else None
        if record_dir is not None and last is not None:
            failing = last.write(record_dir / "failing.itf.json")
    return ConformanceResult(
        backend.name,
        not failure,
        machine.stats["examples"] + len(directed),
        machine.stats["steps"] + sum(d.steps for d in directed),
        failure,
        failing,
    )
