"""DescriptorValidity.tla conformance: publish, revoke, forge, sync and choose descriptors.

Rules are the spec's actions (``PreparePublishDescriptor``, ``RevokeDescriptor``,
``ForgeRevocation``, ``SyncJournal``, ``Tick``). Each step is validated against
``DVNext`` and the model's invariants, and after each step every member's
``get_cached_descriptor`` answer, for every context and peer, must equal the
spec's ``DVLookup`` on the projected state (``DVLookupTable`` of the wrapper
``tla/DVConformance.tla``): this is the check that catches a service that
ignores revocations or lets the last arrival win.

Two harness rules run many spec steps at once: ``SyncRound`` (a whole pull
through the real sync messages, a sequence of ``SyncJournal`` steps) must
bring ``dst`` every fact of ``src`` it lacks and has not pruned, or the run
fails naming ``DVSyncAvailable``; ``Converge`` (prune what has expired, then
rounds around the members, as ``DVFairSpec`` would) must leave equal replicas,
or it fails naming ``DVConverges``. These catch a sync that stops past a size,
one that refuses a member's forged revocation (the spec delivers it, signed by
a member, and only the lookup ignores it), and, with the world's third member,
one that passes on only the facts a member authored: a fact of a1 that a2
learnt must reach a3 through a2.

``RevokeAnother`` asks a publisher's service to revoke another member's
descriptor it holds: ``RevokeDescriptor`` is the publisher's own only, and the
spec's forger is a member outside the publishers, so the service must deny (a
stutter); a revocation written instead is no step and breaks
``DVRevokesOwnOnly``.

``LastMillisecond`` (a harness stutter) moves the world's clock to the last
millisecond of its unit, where it stays (``Tick`` then moves whole units):
every later step, lookup, refresh and prune is asked there, and must still
answer as the spec at that unit (``world``'s "Time"). There a refresh or a
prune one millisecond early differs from the reference, as it never does at a
unit's first millisecond. A publication the spec does not explain while
``DVNeedsRefresh`` is FALSE is named after it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aura_model.tla import ModelValue
from aura_model.tla import values as V
from hypothesis import strategies as st
from hypothesis.stateful import (
    initialize,
    precondition,
    rule,
)

from aura_conformance.descriptor_validity.backends import DescriptorBackend
from aura_conformance.descriptor_validity.checker import descriptor_validity_checker, load_dv_model
from aura_conformance.descriptor_validity.mapping import OUTSIDER, dv_record
from aura_conformance.descriptor_validity.world import CONTEXTS, MAX_TIME, MEMBERS, PUBLISHERS
from aura_conformance.harness.checker import SpecChecker
from aura_conformance.harness.driver import CountingMachine, run_directed, run_machine
from aura_conformance.harness.enabled import enabled
from aura_conformance.harness.errors import ConformanceFailure
from aura_conformance.harness.expect import expect_one
from aura_conformance.harness.result import ConformanceResult
from aura_conformance.harness.shortfalls import describe, explaining_value
from aura_conformance.harness.state import State, format_state_table

__all__ = [
    "DV_SCENARIOS",
    "DescriptorValidityMachine",
    "check_lagging_lookups",
    "check_lookups",
    "run_dv_conformance",
    "run_dv_scenarios",
]


# The publishers, in a fixed order (a rule draws one).
_PUBLISHERS = tuple(sorted(PUBLISHERS))
# Every (src, dst) of two members.
_PAIRS = [(s, d) for s in MEMBERS for d in MEMBERS if s != d]
# Pulls around the ring of members, 2n - 2 of them: after the first n - 1 the last
# member holds every fact, and the next n - 1 carry it to every other member.
_RING = [
    (MEMBERS[i % len(MEMBERS)], MEMBERS[(i + 1) % len(MEMBERS)])
    for i in range(2 * len(MEMBERS) - 2)
]


def _entry(lookups: Any, m: str, c: str, p: str) -> Any:
    return lookups.d[ModelValue(m)].d[ModelValue(c)].d[ModelValue(p)]


def _answers(got: Any, m: str, c: str, p: str) -> Callable[[Any], bool]:
    """Whether a lookup table's entry for ``(m, c, p)`` is ``got``."""
    return lambda lookups: bool(_entry(lookups, m, c, p) == got)


def check_lookups(
    checker: SpecChecker, backend: DescriptorBackend, state: State, rule: str
) -> None:
    """Raise ConformanceFailure unless every lookup equals ``DVLookup`` on ``state``;
    the failure names the known shortfall whose ``DVLookup`` is the backend's answer."""
    table = checker.model.evaluate("DVLookupTable", state)
    for (m, c, p), got in backend.lookups().items():
        want = _entry(table, m, c, p)
        if got != want:
            clause = describe(
                explaining_value(
                    "DescriptorValidity",
                    "DVLookupTable",
                    state,
                    _answers(got, m, c, p),
                    load_dv_model,
                ),
                "the answer",
            )
            clause += _choice_clause(checker, state, (m, c, p), got)
            raise ConformanceFailure(
                f"lookup: get_cached_descriptor of {m} for {p} in {c} is "
                f"{V.format_value(got)}, DVLookup is {V.format_value(want)}{clause} "
                f"(harness action: {rule})",
                kind="lookup",
                action=rule,
                table=format_state_table(state, state),
            )


def _order(d: Any) -> tuple[Any, Any]:
    # DVBetter(x, d) is exactly _order(x) > _order(d): (from, nonce), compared in order.
    return (d.d["from"], d.d["nonce"])


def _choice_clause(checker: SpecChecker, state: State, key: tuple[str, str, str], got: Any) -> str:
    """DVChoiceDeterministic with the backend's answer ``got`` in the place of
    ``DVLookup(m, c, p)`` (``key``): the clause naming it when a candidate beats the answer.
    The BUG models explain only the shortfalls the spec names (a tie broken by journal
    order is none of them), so the invariant is also judged on the answer itself."""
    candidates = _entry(checker.model.evaluate("DVCandidatesTable", state), *key)
    for d in got:
        better = [x for x in candidates if _order(x) > _order(d)]
        if better:
            return (
                f"; the answer violates DVChoiceDeterministic: "
                f"{V.format_value(max(better, key=_order))} is valid, not revoked and has a "
                "greater (valid_from, nonce) (DESIGN.md 2)"
            )
    return ""


def check_lagging_lookups(
    checker: SpecChecker, backend: DescriptorBackend, state: State, rule: str
) -> None:
    """Raise ConformanceFailure unless every lookup at one unit before ``now`` equals
    ``DVLookup`` on ``state`` with ``now`` one unit back: what a member whose clock
    lags one unit must answer (members have clocks of their own, so a descriptor
    whose window has not begun for it exists). The spec's one clock only moves
    forward, so this is the only way a lookup meets a ``valid_from`` after now. A
    backend with no such view (over stdio) is not judged on it."""
    lookups_at = getattr(backend, "lookups_at", None)
    now = state.get("now", 0)
    if not callable(lookups_at) or not isinstance(now, int) or now <= 0:
        return
    earlier = {**state, "now": now - 1}
    table = checker.model.evaluate("DVLookupTable", earlier)
    for (m, c, p), got in lookups_at(now - 1).items():
        want = _entry(table, m, c, p)
        if got != want:
            invalid = [d for d in got if not d.d["from"] <= now - 1 < d.d["until"]]
            broken = (
                f"; the answer violates DVChosenValid ({V.format_value(invalid[0])} is not "
                f"valid at {now - 1})"
                if invalid
                else ""
            )
            raise ConformanceFailure(
                f"lookup: get_cached_descriptor of {m} for {p} in {c} with its clock one unit "
                f"behind (at {now - 1}) is {V.format_value(got)}, DVLookup is "
                f"{V.format_value(want)} at that time{broken}: valid_from <= now < "
                "valid_until (DESIGN.md 2) "
                f"(harness action: {rule})",
                kind="lookup",
                action=rule,
                table=format_state_table(state, state),
            )


def check_clocks(backend: DescriptorBackend, state: State, rule: str) -> None:
    """Raise ConformanceFailure when a replica's Lamport clock is below a stamp it
    holds. DescriptorValidity.tla abstracts the clock away (a set of facts), so
    this is the world's own observation; a backend with no such view (over stdio)
    is not judged on it."""
    behind = getattr(backend, "clocks_behind", None)
    late = behind() if callable(behind) else []
    if late:
        raise ConformanceFailure(
            f"property: DVClockCoversStamps violated: {'; '.join(late)}; a merge must move "
            "the Lamport clock past every stamp it brings (DESIGN.md 3: causal order) "
            f"(harness action: {rule})",
            kind="property",
            action=rule,
            table=format_state_table(state, state),
        )


class DescriptorValidityMachine(CountingMachine):
    """Drives ``backend`` (a class attribute, see :func:`_make`)."""

    backend: DescriptorBackend
    checker: SpecChecker

    def __init__(self) -> None:
        super().__init__()
        self.state: State = {}
        # Whether the world's clock is at its unit's last millisecond (for good).
        self.late = False
        self.last_outcome = ""

    def _step(self, action: str, args: dict[str, Any]) -> None:
        reply = self.backend.request(action, args, 0)
        self.stats["steps"] += 1
        self.last_outcome = reply.outcome
        self.late = self.late or action == "LastMillisecond"
        try:
            self.checker.check_step(self.state, reply.state, action)
        except ConformanceFailure as exc:
            if action == "PreparePublishDescriptor":
                self._check_early_refresh(args, reply.state, reply.outcome, exc)
            raise
        if action == "PreparePublishDescriptor":
            self._check_refresh(args, reply.state, reply.outcome)
        check_lookups(self.checker, self.backend, reply.state, action)
        check_lagging_lookups(self.checker, self.backend, reply.state, action)
        check_clocks(self.backend, reply.state, action)
        self.state = reply.state

    def check_publish_past_the_end(self, a: str, c: str) -> None:
        """``a`` asked to publish in ``c`` where now + the validity passes u64 max: the
        build is an error (DESIGN.md 2), which DescriptorValidity.tla does not model
        (its publication would be enabled), so this is asked as a question of the world
        beside the spec's steps, like ``Lookups``: the publication must be refused and
        change nothing."""
        ask = getattr(self.backend, "publish_past_the_end", None)
        if not callable(ask):
            return
        outcome, changed = ask(a, c)
        if not changed and (outcome.startswith("Refused") or outcome == "NotNeeded"):
            return  # no descriptor built (DVNeedsRefresh is asked by AskRefresh)
        did = "added a fact to its journal" if changed else "was not refused"
        raise ConformanceFailure(
            f"check: DVBuildOverflow failed: {a} asked to publish in {c} at the end of "
            f"the u64 clock, where now + validity passes u64 max, answered {outcome} and "
            f"{did}: such a descriptor is an error, never a silently shortened one "
            "(DESIGN.md 2) (harness action: PreparePublishDescriptor)",
            kind="step",
            action="PreparePublishDescriptor",
            table="",
        )

    def _check_refresh(self, args: dict[str, Any], after: State, outcome: str) -> None:
        """A publisher asked to publish when DVNeedsRefresh holds publishes: the
        world asks exactly when needs_refresh is due, so a stutter is a refusal."""
        if self.checker.same_state(self.state, after) or not enabled(
            self.checker, self.state, "PreparePublishDescriptor", args
        ):
            return
        a, c = (V.format_value(args[k]) for k in ("a", "c"))
        raise ConformanceFailure(
            f"check: DVNeedsRefresh failed: DVNeedsRefresh({a}, {c}) holds (no own valid "
            "descriptor lasts past now + Window), so PreparePublishDescriptor"
            f"({a}, {c}) is enabled, and the backend published nothing ({outcome}); "
            "needs_refresh is now + window >= valid_until (DESIGN.md 2) "
            "(harness action: PreparePublishDescriptor)",
            kind="step",
            action="PreparePublishDescriptor",
            table=format_state_table(self.state, after),
        )

    def _check_early_refresh(
        self, args: dict[str, Any], after: State, outcome: str, step: ConformanceFailure
    ) -> None:
        """A publication the spec does not explain, of a new own descriptor of ``a`` in
        ``c`` while ``DVNeedsRefresh(a, c)`` is FALSE: needs_refresh said yes where the
        spec says no (a window one millisecond too wide, or no window at all)."""
        a, c = args["a"], args["c"]
        if step.kind != "step":
            return
        due = self.checker.model.evaluate("DVNeedsRefreshTable", self.state).d[a].d[c]
        held = self.state["journal"].d[a]
        gained = [
            f
            for f in after["journal"].d[a]
            if f not in held
            and f.d["kind"] == "Descriptor"
            and f.d["auth"] == a
            and f.d["ctx"] == c
        ]
        if due or not gained:
            return
        reason = str(step).split("\n", 1)[0].removeprefix("step: ")
        reason = reason.removesuffix(" (harness action: PreparePublishDescriptor)")
        a_, c_ = V.format_value(a), V.format_value(c)
        now = self.state["now"]
        when = f"the last millisecond of unit {now}" if self.late else f"the start of unit {now}"
        raise ConformanceFailure(
            f"check: DVNeedsRefresh failed: DVNeedsRefresh({a_}, {c_}) is FALSE (an own "
            f"valid descriptor lasts past now + Window), so PreparePublishDescriptor({a_}, "
            f"{c_}) is not enabled, and the backend published at {when} "
            f"{V.format_value(gained[0])} ({outcome}): {reason}; needs_refresh is "
            "now + window >= valid_until (DESIGN.md 2) "
            "(harness action: PreparePublishDescriptor)",
            kind="step",
            action="PreparePublishDescriptor",
            table=format_state_table(self.state, after),
        ) from step

    def _facts(self, m: str, pick: Callable[[Any], bool] = lambda f: True) -> list[Any]:
        return sorted(
            (f for f in self.state["journal"].d[ModelValue(m)] if pick(f)), key=V.sort_key
        )

    @initialize()
    def Reset(self) -> None:
        reply = self.backend.request("Reset", {}, 0)
        self.checker.check_init(reply.state)
        check_lookups(self.checker, self.backend, reply.state, "Reset")
        self.state = reply.state
        self.stats["examples"] += 1

    @rule(c=st.sampled_from(CONTEXTS), a=st.sampled_from(_PUBLISHERS))
    def PreparePublishDescriptor(self, c: str, a: str = "a1") -> None:
        """``a`` (a1 in the directed schedules) publishes in ``c`` if its service says so."""
        if self.state["nextNonce"].d[ModelValue(a)] <= 2:
            self._step("PreparePublishDescriptor", {"a": ModelValue(a), "c": ModelValue(c)})

    def _revocable(self, a: str, own: bool) -> list[Any]:
        """The valid descriptors ``a`` holds and has not revoked yet: its own, or
        (``own`` false) other members'."""
        now = self.state["now"]
        revoked = {
            (f.d["auth"], f.d["ctx"], f.d["nonce"])
            for f in self._facts(a, lambda f: bool(f.d["kind"] == "Revoked"))
            if f.d["by"] == ModelValue(a)
        }
        return self._facts(
            a,
            lambda f: bool(
                f.d["kind"] == "Descriptor"
                and (f.d["auth"] == ModelValue(a)) == own
                and f.d["from"] <= now < f.d["until"]
                and (f.d["auth"], f.d["ctx"], f.d["nonce"]) not in revoked
            ),
        )

    @rule(i=st.integers(0, 15), a=st.sampled_from(_PUBLISHERS))
    def RevokeDescriptor(self, i: int, a: str = "a1") -> None:
        """``a`` (a1 in the directed schedules) revokes one of its own valid descriptors."""
        own = self._revocable(a, own=True)
        if own:
            self._step("RevokeDescriptor", {"a": ModelValue(a), "d": own[i % len(own)]})

    def _others_revocable(self) -> list[tuple[str, Any]]:
        return [(a, d) for a in _PUBLISHERS for d in self._revocable(a, own=False)]

    def revoke_another(self, a: str, i: int) -> None:
        """Publisher ``a``'s service is asked to revoke the ``i``-th valid descriptor of
        another member it holds. ``RevokeDescriptor(a, d)`` is not enabled (only the
        publisher may revoke its own, DESIGN.md 2), and no forgery explains a publisher's
        revocation of another's (``ForgeRevocation`` is a non-publisher's write outside
        its service): the service must deny, a stutter. A revocation written instead
        breaks ``DVRevokesOwnOnly``."""
        others = self._revocable(a, own=False)
        if others:
            self._step("RevokeDescriptor", {"a": ModelValue(a), "d": others[i % len(others)]})

    @precondition(lambda self: bool(self._others_revocable()))
    @rule(i=st.integers(0, 15))
    def RevokeAnother(self, i: int) -> None:
        a, d = self._others_revocable()[i % len(self._others_revocable())]
        self._step("RevokeDescriptor", {"a": ModelValue(a), "d": d})

    def _forgeable(self) -> list[tuple[str, Any]]:
        """(member, descriptor of another member it holds): what it could forge. Only a
        member outside the publishers forges (ForgeRevocation): a publisher's revoke
        goes through its service, which must deny it (``revoke_another``)."""
        return [
            (b, f)
            for b in MEMBERS
            if b not in PUBLISHERS
            for f in self._facts(b, lambda f: bool(f.d["kind"] == "Descriptor"))
            if f.d["auth"] != ModelValue(b)
        ]

    # At most one forgery (as the spec), and only when a member holds a descriptor of
    # another: with three members, a rule that mostly finds nothing would rarely forge.
    @precondition(
        lambda self: (
            not any(_is_forged(f) for row in self.state["journal"].d.values() for f in row)
            and bool(self._forgeable())
        )
    )
    @rule(i=st.integers(0, 15))
    def ForgeRevocation(self, i: int) -> None:
        candidates = self._forgeable()
        b, d = candidates[i % len(candidates)]
        self._step("ForgeRevocation", {"b": ModelValue(b), "d": d})

    # A rule picks among the moves that change something (a pair of which one holds a
    # fact the other lacks, a member with facts the outsider lacks): with three
    # members most pairs have nothing to sync, and a run of no-ops reaches nothing.

    def _offers(self, src: str, dst: str) -> list[Any]:
        """The facts ``src`` holds and ``dst`` lacks."""
        have = self.state["journal"].d[ModelValue(dst)]
        return self._facts(src, lambda f: f not in have)

    def _deliveries(self) -> list[tuple[str, str, Any]]:
        return [(s, d, f) for s, d in _PAIRS for f in self._offers(s, d)]

    def sync_one(self, src: str, dst: str, i: int) -> None:
        """``src`` sends ``dst`` its ``i``-th fact that ``dst`` lacks, if any."""
        missing = self._offers(src, dst)
        if missing:
            f = missing[i % len(missing)]
            self._step("SyncJournal", {"src": ModelValue(src), "dst": ModelValue(dst), "f": f})

    @precondition(lambda self: bool(self._deliveries()))
    @rule(i=st.integers(0, 63))
    def SyncJournal(self, i: int) -> None:
        deliveries = self._deliveries()
        src, dst, f = deliveries[i % len(deliveries)]
        self._step("SyncJournal", {"src": ModelValue(src), "dst": ModelValue(dst), "f": f})

    # The hostile sync actions: the reference refuses each message (a stutter);
    # today's behaviour takes it and breaks the invariant named in the failure.

    def _told(self) -> list[str]:
        """The members holding a fact the outsider has not read."""
        return [m for m in MEMBERS if self._offers(m, OUTSIDER)]

    def outsider_digest(self, src: str) -> None:
        if self._offers(src, OUTSIDER):
            self._step("OutsiderDigest", {"src": ModelValue(src)})

    @precondition(lambda self: bool(self._told()))
    @rule(i=st.integers(0, len(MEMBERS) - 1))
    def OutsiderDigest(self, i: int) -> None:
        told = self._told()
        self.outsider_digest(told[i % len(told)])

    @rule(
        pair=st.sampled_from(_PAIRS),
        p=st.sampled_from(MEMBERS),
        c=st.sampled_from(CONTEXTS),
    )
    def InjectUnsignedFact(self, pair: tuple[str, str], p: str, c: str) -> None:
        snd, dst = pair
        f = dv_record(("Channel", p, c, 0, 0, 1, OUTSIDER))
        if f not in self.state["journal"].d[ModelValue(dst)]:
            self._step(
                "InjectUnsignedFact", {"snd": ModelValue(snd), "dst": ModelValue(dst), "f": f}
            )

    @rule(
        pair=st.sampled_from(_PAIRS),
        i=st.integers(0, 15),
    )
    def HugeStamp(self, pair: tuple[str, str], i: int) -> None:
        snd, dst = pair
        have = self._facts(snd)
        if have and not self.state["exhausted"].d[ModelValue(dst)]:
            f = have[i % len(have)]
            self._step("HugeStamp", {"snd": ModelValue(snd), "dst": ModelValue(dst), "f": f})

    # Pruning and whole sync rounds.

    def _below_horizon(self, f: Any, m: str) -> bool:
        return bool(
            f.d["kind"] == "Descriptor" and f.d["until"] <= self.state["horizon"].d[ModelValue(m)]
        )

    def _prunable(self, m: str) -> bool:
        now = self.state["now"]
        return any(f.d["kind"] == "Descriptor" and f.d["until"] <= now for f in self._facts(m))

    @precondition(lambda self: any(self._prunable(m) for m in MEMBERS))
    @rule(i=st.integers(0, len(MEMBERS) - 1))
    def DVPrune(self, i: int) -> None:
        prunable = [m for m in MEMBERS if self._prunable(m)]
        self._step("DVPrune", {"m": ModelValue(prunable[i % len(prunable)])})

    def _sync_round(self, src: str, dst: str, *, available: bool = True) -> None:
        """``dst`` pulls from ``src``; with ``available``, a pullable fact that did not
        arrive is a DVSyncAvailable failure."""
        have = self.state["journal"].d[ModelValue(dst)]
        pullable = self._facts(src, lambda f: f not in have and not self._below_horizon(f, dst))
        before = self.state
        args = {"src": ModelValue(src), "dst": ModelValue(dst)}
        reply = self.backend.request("SyncRound", args, 0)
        self.stats["steps"] += 1
        self.checker.check_step(before, reply.state, "SyncRound")
        check_lookups(self.checker, self.backend, reply.state, "SyncRound")
        check_lagging_lookups(self.checker, self.backend, reply.state, "SyncRound")
        check_clocks(self.backend, reply.state, "SyncRound")
        self.state = reply.state
        missed = [f for f in pullable if f not in reply.state["journal"].d[ModelValue(dst)]]
        if any(_is_forged(f) for f in pullable if f not in missed):
            self.stats["synced_forgery"] = self.stats.get("synced_forgery", 0) + 1
        if available and missed:
            raise ConformanceFailure(
                f"invariant: DVSyncAvailable violated: {dst} lacks "
                f"{', '.join(V.format_value(f) for f in missed)} that {src} holds, and its "
                f"sync round with {src} did not bring it ({reply.outcome}) "
                "(harness action: SyncRound)",
                kind="invariant",
                action="SyncRound",
                table=format_state_table(before, reply.state),
            )

    def sync_round(self, src: str, dst: str) -> None:
        """``dst`` pulls from ``src``: every pullable fact must arrive."""
        self._sync_round(src, dst)

    def _pulls(self) -> list[tuple[str, str]]:
        # A fact below dst's horizon counts: a round that offers it back must refuse it.
        return [(s, d) for s, d in _PAIRS if self._offers(s, d)]

    @precondition(lambda self: bool(self._pulls()))
    @rule(i=st.integers(0, len(_PAIRS) - 1))
    def SyncRound(self, i: int) -> None:
        pulls = self._pulls()
        self._sync_round(*pulls[i % len(pulls)])

    @rule()
    def Converge(self) -> None:
        """What DVFairSpec guarantees once nothing else happens: every member prunes
        what has expired, sync runs both ways until quiet, and the replicas agree.

        The rounds go around the ring of members (a2 pulls from a1, a3 from a2, a1
        from a3, ...) until every member has pulled from a member that holds every
        fact: the last of the first lap does, and one lap less one round spreads it.
        So a fact reaches most members through another one, which must pass it on."""
        for m in MEMBERS:
            if self._prunable(m):
                self._step("DVPrune", {"m": ModelValue(m)})
        for src, dst in _RING:
            self._sync_round(src, dst, available=False)
        journals = [self.state["journal"].d[ModelValue(m)] for m in MEMBERS]
        if any(j != journals[0] for j in journals):
            raise ConformanceFailure(
                "property: DVConverges violated: after pruning and sync rounds around the "
                "members the replicas differ: "
                f"{' vs '.join(V.format_value(j) for j in journals)} "
                "(harness action: Converge)",
                kind="property",
                action="Converge",
                table=format_state_table(self.state, self.state),
            )
        if any(_is_forged(f) for f in journals[0]):
            self.stats["converged_with_forgery"] = self.stats.get("converged_with_forgery", 0) + 1

    @precondition(lambda self: self.state["now"] < MAX_TIME)
    @rule()
    def Tick(self) -> None:
        self._step("Tick", {})

    def AskRefresh(self, a: str, c: str) -> None:
        """``a``'s ``needs_refresh`` in ``c`` now (a stutter) must be
        ``DVNeedsRefresh(a, c)``. A directed schedule's step only, not a rule: a rule
        more would change what every pinned seed draws."""
        before = self.state
        self._step("AskRefresh", {"a": ModelValue(a), "c": ModelValue(c)})
        due = self.checker.model.evaluate("DVNeedsRefreshTable", before).d[ModelValue(a)]
        want = bool(due.d[ModelValue(c)])
        got = self.last_outcome
        if got != ("Refresh" if want else "Fresh"):
            raise ConformanceFailure(
                f"check: DVNeedsRefresh failed: needs_refresh({a}, {c}) answered {got} at "
                f"unit {before['now']}, and DVNeedsRefresh({a}, {c}) is "
                f"{'TRUE' if want else 'FALSE'}; needs_refresh is now + window >= "
                "valid_until with the sum saturating at u64 max, never wrapping "
                "(DESIGN.md 2) (harness action: AskRefresh)",
                kind="step",
                action="AskRefresh",
                table=format_state_table(before, self.state),
            )

    @precondition(lambda self: not self.late)
    @rule()
    def LastMillisecond(self) -> None:
        """Time passes to the last millisecond of the unit, and the clock keeps that
        offset: a stutter of the spec, after which every instant is a unit's last."""
        self._step("LastMillisecond", {})


def _is_forged(f: Any) -> bool:
    return bool(f.d["kind"] == "Revoked" and f.d["by"] != f.d["auth"])


def _make(backend: DescriptorBackend) -> type[DescriptorValidityMachine]:
    return type(
        "DescriptorValidityConformance",
        (DescriptorValidityMachine,),
        {
            "backend": backend,
            "checker": descriptor_validity_checker(),
            "stats": {"examples": 0, "steps": 0},
        },
    )


def _publish_sync_revoke(m: DescriptorValidityMachine) -> None:
    m.PreparePublishDescriptor("c1")
    m.sync_one("a1", "a2", 0)
    m.RevokeDescriptor(0)
    m.sync_one("a1", "a2", 0)


def _revoke_then_sync_in_reverse(m: DescriptorValidityMachine) -> None:
    m.PreparePublishDescriptor("c1")
    m.RevokeDescriptor(0)
    # The revocation reaches a2 before the descriptor it revokes.
    m._step(
        "SyncJournal",
        {
            "src": ModelValue("a1"),
            "dst": ModelValue("a2"),
            "f": expect_one(
                m._facts("a1", lambda f: f.d["kind"] == "Revoked"),
                "a1's revocation",
                "SyncJournal",
                m.state,
            ),
        },
    )
    m.sync_one("a1", "a2", 0)


def _refresh_and_arrival_order(m: DescriptorValidityMachine) -> None:
    m.PreparePublishDescriptor("c2")
    m.Tick()
    m.PreparePublishDescriptor("c2")  # the refresh: nonce 2, [1, 3)
    newest = expect_one(
        m._facts("a1", lambda f: f.d["nonce"] == 2),
        "a1's refresh (nonce 2)",
        "SyncJournal",
        m.state,
    )
    m._step("SyncJournal", {"src": ModelValue("a1"), "dst": ModelValue("a2"), "f": newest})
    m.sync_one("a1", "a2", 0)  # the older one arrives last


def _forgery(m: DescriptorValidityMachine) -> None:
    """a3, who does not publish, holds a1's descriptor and forges its revocation."""
    m.PreparePublishDescriptor("c1")
    m.sync_one("a1", "a3", 0)
    m.ForgeRevocation(0)


def _forgery_then_sync_round(m: DescriptorValidityMachine) -> None:
    """a1 pulls from a3, whose answer carries a3's forged revocation of a1's
    descriptor: a member signed it, so it must arrive (and be ignored)."""
    _forgery(m)
    m.sync_round("a3", "a1")


def _forgery_then_converge(m: DescriptorValidityMachine) -> None:
    _forgery(m)
    m.Converge()


def _self_claimed_digest(m: DescriptorValidityMachine) -> None:
    m.PreparePublishDescriptor("c1")
    m.outsider_digest("a1")


def _unsigned_channel_fact(m: DescriptorValidityMachine) -> None:
    m.InjectUnsignedFact(("a1", "a2"), "a1", "c1")


def _huge_stamp(m: DescriptorValidityMachine) -> None:
    m.PreparePublishDescriptor("c1")
    m.HugeStamp(("a1", "a2"), 0)
    m.sync_one("a1", "a2", 0)


def _past_the_cap(m: DescriptorValidityMachine) -> None:
    """a2's replica of c1 grows to three facts (two descriptors, a revocation), one
    past the cap; then a1 revokes its second descriptor. Today's digest is refused
    past the cap: a2 never pulls again."""
    m.PreparePublishDescriptor("c1")
    m.Tick()
    m.PreparePublishDescriptor("c1")  # the refresh
    m.RevokeDescriptor(0)
    m.sync_round("a1", "a2")
    m.RevokeDescriptor(0)


def _sync_past_the_cap(m: DescriptorValidityMachine) -> None:
    _past_the_cap(m)
    m.sync_round("a1", "a2")


def _converge_past_the_cap(m: DescriptorValidityMachine) -> None:
    _past_the_cap(m)
    m.Converge()


def _prune_then_sync_back(m: DescriptorValidityMachine) -> None:
    """a1's descriptor expires; a1 prunes it; a2, who has not pruned, offers it back
    in a sync round and a1 refuses it; then both converge."""
    m.PreparePublishDescriptor("c1")
    m.sync_round("a1", "a2")
    m.Tick()
    m.Tick()
    m._step("DVPrune", {"m": ModelValue("a1")})
    m.sync_round("a2", "a1")
    m.Converge()


def _duplicate_delivery(m: DescriptorValidityMachine) -> None:
    """The same fact synced twice: the second merge changes nothing (a stutter)."""
    m.PreparePublishDescriptor("c1")
    fact = expect_one(m._facts("a1"), "a1's descriptor", "SyncJournal", m.state)
    for _ in range(2):
        m._step("SyncJournal", {"src": ModelValue("a1"), "dst": ModelValue("a2"), "f": fact})


def _relayed_through_a_member(m: DescriptorValidityMachine) -> None:
    """a1 publishes and revokes; a2 pulls both; a3 pulls from a2 alone: a2 must pass
    on facts another member authored and signed, or a3 lacks a fact a2 holds
    (DVSyncAvailable)."""
    m.PreparePublishDescriptor("c1")
    m.RevokeDescriptor(0)
    m.sync_round("a1", "a2")
    m.sync_round("a2", "a3")


def _republish_in_the_same_tick(m: DescriptorValidityMachine) -> None:
    """a1 publishes, revokes that descriptor and publishes again in the same time
    unit (needs_refresh holds: its own descriptor is revoked, DESIGN.md 2). a2
    receives both descriptors, in publication order, and not the revocation: two
    valid, non-revoked descriptors of one publisher with one valid_from, which only
    the nonce orders. The older one comes first in a2's journal (Lamport stamps
    follow publication) and the newer one arrives last, so an answer that differs
    here is a tie broken by something else than the nonce, not a last-arrived
    choice."""
    m.PreparePublishDescriptor("c1")
    m.RevokeDescriptor(0)
    m.PreparePublishDescriptor("c1")
    for nonce in (1, 2):
        d = expect_one(
            m._facts("a1", lambda f: f.d["kind"] == "Descriptor" and f.d["nonce"] == nonce),  # noqa: B023
            f"a1's descriptor of nonce {nonce}",
            "SyncJournal",
            m.state,
        )
        m._step("SyncJournal", {"src": ModelValue("a1"), "dst": ModelValue("a2"), "f": d})


def _tie_across_a_byte(m: DescriptorValidityMachine) -> None:
    """republish-same-tick with the world's nonces at 255 and 256: a2 holds two
    descriptors of a1 with one valid_from, and DVLookup takes the greater nonce (the
    second publication). Their bytes differ in the last two, where the bytes order
    as the spec's counter and a little-endian reading of them the other way; with
    the counter's small nonces only the last byte differs, where every reading
    agrees. A backend that cannot choose its nonces (over stdio) runs it with its
    own."""
    across = getattr(m.backend, "nonces_across_a_byte", None)
    if callable(across):
        across()
    _republish_in_the_same_tick(m)


def _revoke_the_newer_of_two(m: DescriptorValidityMachine) -> None:
    """a1 publishes in c1, a unit passes, a1 refreshes (nonce 2, [1, 3)) while the
    first (nonce 1, [0, 2)) is still valid, then revokes the refresh. DVLookup
    skips revoked descriptors before it chooses, so every member holding both
    answers the older one; a choice made first and revoked after answers none. The
    random runs seldom revoke exactly the newer of two live descriptors."""
    m.PreparePublishDescriptor("c1")
    m.Tick()
    m.PreparePublishDescriptor("c1")
    newer = expect_one(
        m._facts("a1", lambda f: f.d["kind"] == "Descriptor" and f.d["nonce"] == 2),
        "a1's refresh (nonce 2)",
        "RevokeDescriptor",
        m.state,
    )
    m._step("RevokeDescriptor", {"a": ModelValue("a1"), "d": newer})
    m.sync_round("a1", "a2")


def _later_publication_smaller_nonce(m: DescriptorValidityMachine) -> None:
    """a1's nonces descend (a random source may give that): it publishes in c1 at 0,
    a unit passes, and it refreshes at 1 with a smaller nonce. Both are valid at 1 and
    DVLookup takes the greater ``valid_from`` (the refresh) before it looks at nonces;
    a choice led by the nonce answers the first. No two publications share a time
    unit here, where the spec's counter nonces and these bytes would disagree. A
    backend that cannot choose its nonces (over stdio) runs it with its own."""
    descend = getattr(m.backend, "descending_nonces", None)
    if callable(descend):
        descend()
    m.PreparePublishDescriptor("c1")
    m.Tick()
    m.PreparePublishDescriptor("c1")
    m.sync_round("a1", "a2")


def _refresh_at_the_last_millisecond(m: DescriptorValidityMachine) -> None:
    """a1 publishes in c1 at 0 ms (valid on [0, 2000) ms: [0, 2) in spec units) and
    time passes to 999 ms, the last millisecond of unit 0: now + window is 1999, below
    valid_until, so no refresh is due (DVNeedsRefresh is FALSE at 0) and asking to
    publish is NotNeeded; a window counted one millisecond wider is due there. A unit
    later (1999 ms) the refresh is due: published at 1999 ms, [1, 3) in spec units, it
    is the only descriptor a2 may choose at 2999 ms, where a1 prunes the first."""
    m.PreparePublishDescriptor("c1")
    m.LastMillisecond()
    m.PreparePublishDescriptor("c1")
    m.Tick()
    m.PreparePublishDescriptor("c1")
    m.sync_round("a1", "a2")
    m.Tick()
    m._step("DVPrune", {"m": ModelValue("a1")})


def _prune_at_the_last_millisecond(m: DescriptorValidityMachine) -> None:
    """a1 publishes in c1 at 0 ms ([0, 2)), which a2 pulls, and in c2 at 1000 ms
    ([1, 3)). At 2999 ms, the last millisecond of unit 2, a1 prunes: the first expired
    at 2000 ms and goes, the second is valid until 3000 ms and stays (a prune one
    millisecond early drops it: no DVPrune explains that). a2 offers the pruned one
    back, and a1 refuses it; then the members converge."""
    m.PreparePublishDescriptor("c1")
    m.sync_round("a1", "a2")
    m.Tick()
    m.PreparePublishDescriptor("c2")
    m.Tick()
    m.LastMillisecond()
    m._step("DVPrune", {"m": ModelValue("a1")})
    m.sync_round("a2", "a1")
    m.Converge()


def _refresh_at_the_end_of_time(m: DescriptorValidityMachine) -> None:
    """The world's clock and the origin of spec time 2,500 ms before u64 max: a1
    publishes in c1 at unit 0 (valid until 500 ms before u64 max, [0, 2) in spec
    units), asks needs_refresh there (FALSE: 0 + 1 < 2), and at the last millisecond
    of unit 1, where now + window passes u64 max, asks again: DVNeedsRefresh holds
    (1 + 1 >= 2), as the saturating sum says; a wrapping sum is a small number and
    answers Fresh. a1 is then asked to publish: now + validity passes u64 max, so
    the build is an error (DESIGN.md 2) and the publication must be refused, not
    shortened to end at u64 max (the spec does not model the overflow: the machine
    asks it beside the spec's steps, ``check_publish_past_the_end``). A backend that
    cannot move its clock (over stdio) runs it from 0, without that last question."""
    end = getattr(m.backend, "start_near_the_end_of_time", None)
    if callable(end):
        end()
    m.PreparePublishDescriptor("c1")
    m.AskRefresh("a1", "c1")
    m.LastMillisecond()
    m.Tick()
    m.AskRefresh("a1", "c1")
    m.sync_round("a1", "a2")
    if callable(end):
        # A publication here: now + validity passes u64 max, so it must be refused.
        m.check_publish_past_the_end("a1", "c1")


def _revoke_another_members(m: DescriptorValidityMachine) -> None:
    """a1 publishes in c1 and a2, the other publisher (it holds rendezvous:publish),
    receives the descriptor; a2's service is then asked to revoke it. Only the
    publisher may revoke its own descriptor (DESIGN.md 2): the service denies and
    nothing changes. A revocation a2 signs of a1's descriptor is no step of the
    spec (a publisher forges nothing) and breaks DVRevokesOwnOnly; the receivers
    would ignore it, so no lookup shows it, only the revoking member's journal."""
    m.PreparePublishDescriptor("c1")
    m.sync_one("a1", "a2", 0)
    m.revoke_another("a2", 0)


def _pull_across_two_contexts(m: DescriptorValidityMachine) -> None:
    """a1 publishes in c1 and in c2, and a2 pulls a whole round from a1: each
    context's answer must carry that context's facts only, or a2 refuses it
    (ContextMismatch) and lacks what a1 holds (DVSyncAvailable)."""
    m.PreparePublishDescriptor("c1")
    m.PreparePublishDescriptor("c2")
    m.sync_round("a1", "a2")


def _concurrent_publications(m: DescriptorValidityMachine) -> None:
    """a1 and a2 each publish in c1, neither having seen the other's fact, so both
    entries carry the same Lamport stamp; a2 then pulls a whole round from a1. The
    set is deduplicated by content, whatever the stamps (DESIGN.md 3): a merge that
    reads a stamp at or below its own clock as "already seen" leaves a2 without
    a1's descriptor (DVSyncAvailable)."""
    m.PreparePublishDescriptor("c1")
    m.PreparePublishDescriptor("c1", "a2")
    m.sync_round("a1", "a2")


def _revoked_then_pruned_converges(m: DescriptorValidityMachine) -> None:
    """a1 publishes in c1 and revokes it; the descriptor expires and a1 prunes it,
    keeping the revocation (it does not say when its descriptor expires); then the
    members converge. The revocation must reach a2 and a3, who never held the
    descriptor: an answer that leaves out revocations of what the answerer no longer
    holds, or a merge that drops a revocation of a descriptor it does not hold, keeps
    the replicas apart (DVConverges)."""
    m.PreparePublishDescriptor("c1")
    m.RevokeDescriptor(0)
    m.Tick()
    m.Tick()
    m._step("DVPrune", {"m": ModelValue("a1")})
    m.Converge()


DV_SCENARIOS: dict[str, Callable[[DescriptorValidityMachine], None]] = {
    "publish-sync-revoke": _publish_sync_revoke,
    # Before the schedules that end in Converge: a sync that does not pass facts on
    # is named after the pull that missed them (DVSyncAvailable), not after the
    # replicas that then differ (DVConverges).
    "relayed-through-a-member": _relayed_through_a_member,
    "revocation-first": _revoke_then_sync_in_reverse,
    "refresh-arrival-order": _refresh_and_arrival_order,
    "republish-same-tick": _republish_in_the_same_tick,
    "tie-across-a-byte": _tie_across_a_byte,
    "revoke-the-newer": _revoke_the_newer_of_two,
    "descending-nonces": _later_publication_smaller_nonce,
    "forged-revocation": _forgery,
    "forged-revocation-sync-round": _forgery_then_sync_round,
    "forged-revocation-converges": _forgery_then_converge,
    "self-claimed-digest": _self_claimed_digest,
    "unsigned-channel-fact": _unsigned_channel_fact,
    "huge-stamp": _huge_stamp,
    "sync-past-cap": _sync_past_the_cap,
    "converge-past-cap": _converge_past_the_cap,
    "prune-then-sync-back": _prune_then_sync_back,
    "refresh-at-last-millisecond": _refresh_at_the_last_millisecond,
    "prune-at-last-millisecond": _prune_at_the_last_millisecond,
    "refresh-at-the-end-of-time": _refresh_at_the_end_of_time,
    "duplicate-delivery": _duplicate_delivery,
    "revoke-another-members": _revoke_another_members,
    # Last, so that they name only what the random runs used to find by chance: a
    # second publisher and RevokeAnother changed every seed's draws.
    "pull-across-two-contexts": _pull_across_two_contexts,
    "concurrent-publications": _concurrent_publications,
    "revoked-then-pruned-converges": _revoked_then_pruned_converges,
}


def run_dv_scenarios(backend: DescriptorBackend) -> list[tuple[str, ConformanceFailure | None]]:
    return run_directed(_make(backend), DV_SCENARIOS)


def run_dv_conformance(
    backend: DescriptorBackend,
    *,
    examples: int = 30,
    seed: int | None = 0,
    steps: int = 15,
    scenarios: bool = True,
    shrink: bool = False,
) -> ConformanceResult:
    """Directed scenarios, then random runs, against ``backend`` (with ``shrink``, a
    failing random run is shrunk first)."""
    return run_machine(
        lambda: _make(backend),
        backend.name,
        DV_SCENARIOS,
        examples=examples,
        seed=seed,
        steps=steps,
        directed=scenarios,
        shrink=shrink,
    )
