"""The wire state machine: directed scenarios first, then random runs (Hypothesis).

Each run resets the backend as ``Ini`` or ``Resp`` and drives a :class:`WireRun`:
genuine handshakes and traffic both ways with the reference peer, epoch
advances, closes, and the attacker's moves. Every check is in
:mod:`aura_conformance.wire.peer`; this module picks the schedules.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import attrs
from hypothesis import strategies as st
from hypothesis.stateful import initialize, precondition, rule

from aura_conformance.harness.backend import Backend
from aura_conformance.harness.driver import CountingMachine, run_directed, run_machine
from aura_conformance.harness.result import ConformanceResult
from aura_conformance.wire.keyring import INI, RESP, ROLES
from aura_conformance.wire.peer import WireRun
from aura_conformance.wire.publish import (
    descriptor_attack,
    exchange_descriptors,
    expire,
    supports_connect,
    supports_descriptors,
)
from aura_conformance.wire.relayed import (
    CONNECTS_PER_EPOCH,
    connect,
    exhaust_budget,
    relay_attacks,
    relayed_handshake,
    relayed_handshake_resp,
    relayed_replay,
    supports_relay,
)
from aura_conformance.wire.sync import (
    backend_revokes,
    non_member_digest,
    peer_revokes,
    supports_revoke,
    supports_sync,
    sync_both_ways,
)

if TYPE_CHECKING:
    from aura_conformance.wire.coverage import WireCoverage

__all__ = ["WIRE_SCENARIOS", "WireMachine", "run_wire_conformance", "wire_machine"]

_MAX_EPOCH = 3
# The reference peer's clock ahead of the backend's in the peer-clock-ahead schedule:
# half MAX_HANDSHAKE_CLOCK_SKEW_MS (120 s), so its message 1 is taken, and far past
# the handshake timeout (1 s).
PEER_AHEAD_MS = 60_000
_DESCRIPTOR_STEPS = ("exchange", "expire", "revoke")
_OPENING_ATTACKS = {INI: ("impersonation", "expired"), RESP: ("cross-context", "tampered")}


class WireMachine(CountingMachine):
    """Rules over one :class:`WireRun`; ``backend`` is set on a subclass per run."""

    backend: Backend
    run: WireRun
    # Counts every request and attacker move of every run when set (wire/coverage.py).
    coverage: WireCoverage | None = None

    @initialize(role=st.sampled_from(ROLES))
    def Reset(self, role: str = INI) -> None:
        self.stats["examples"] += 1
        self.run = _new_run(self, role)
        # Every run opens with a descriptor exchange and two forged descriptors, chosen
        # by the role, not drawn: the channel rules' draws stay what they would be
        # without them.
        if supports_descriptors(self.run):
            exchange_descriptors(self.run)
            for kind in _OPENING_ATTACKS[role]:
                descriptor_attack(self.run, kind, 70)
        if supports_sync(self.run):
            non_member_digest(self.run)

    def _counted(self) -> None:
        self.stats["steps"] += 1

    @rule(tamper=st.none() | st.integers(0, 200))
    def Handshake(self, tamper: int | None) -> None:
        self._counted()
        self.run.handshake(tamper)

    @precondition(lambda self: self.run.established)
    @rule()
    def Traffic(self) -> None:
        self._counted()
        self.run.probe()

    @rule()
    def ReportedState(self) -> None:
        self._counted()
        self.run.check_reported()

    @precondition(lambda self: self.run.epoch < _MAX_EPOCH)
    @rule()
    def AdvanceEpoch(self) -> None:
        self._counted()
        self.run.advance_epoch()

    @rule()
    def Close(self) -> None:
        self._counted()
        self.run.close()

    @precondition(lambda self: not self.run.established)
    @rule()
    def SendWithoutChannel(self) -> None:
        self._counted()
        self.run.send_without_channel()

    @rule(dt=st.integers(1, 500))
    def Tick(self, dt: int) -> None:
        self._counted()
        self.run.now += dt
        self.run.peer.tick(self.run.now)
        self.run.check_reported()

    @precondition(lambda self: self.run.established)
    @rule(position=st.integers(0, 200))
    def TamperTraffic(self, position: int) -> None:
        self._counted()
        self.run.tamper_traffic(position)

    @precondition(lambda self: not self.run.established)
    @rule()
    def LateHandshake(self) -> None:
        self._counted()
        self.run.late_handshake()

    @precondition(lambda self: self.run.established)
    @rule()
    def Reorder(self) -> None:
        self._counted()
        self.run.reorder()

    @rule(index=st.integers(0, 50))
    def Reflect(self, index: int) -> None:
        self._counted()
        self.run.reflect(index)

    @rule(index=st.integers(0, 50))
    def Replay(self, index: int) -> None:
        self._counted()
        self.run.replay(index)

    @precondition(lambda self: self.run.role == RESP)
    @rule()
    def Impersonate(self) -> None:
        self._counted()
        self.run.impersonate()

    @precondition(lambda self: self.run.role == INI)
    @rule()
    def WrongPskResponse(self) -> None:
        self._counted()
        self.run.wrong_psk_response()

    @precondition(lambda self: self.run.role == RESP)
    @rule()
    def ReplayedPendingInit(self) -> None:
        self._counted()
        self.run.replayed_pending_init()

    @rule(kind=st.integers(0, 3))
    def Junk(self, kind: int) -> None:
        self._counted()
        self.run.junk(kind)

    @precondition(lambda self: self.run.role == RESP)
    @rule()
    def Outsider(self) -> None:
        self._counted()
        self.run.outsider()

    @precondition(
        lambda self: (
            self.run.role == RESP and not self.run.established and self.run.epoch < _MAX_EPOCH
        )
    )
    @rule()
    def RetiredEpochInit(self) -> None:
        self._counted()
        self.run.retired_epoch_init()

    @precondition(lambda self: self.run.role == RESP and self.run.epoch > 0)
    @rule()
    def RetiredPsk(self) -> None:
        self._counted()
        self.run.retired_psk()

    @precondition(lambda self: supports_descriptors(self.run))
    @rule(kind=st.sampled_from(_DESCRIPTOR_STEPS))
    def Descriptors(self, kind: str) -> None:
        """Descriptors in time: republish both ways, let the peer's expire, or have Resp
        (Rendezvous.tla's publisher) revoke one, the revocation carried by sync (one
        rule, so the channel rules keep their share)."""
        self._counted()
        if kind == "exchange":
            exchange_descriptors(self.run)
        elif kind == "expire":
            expire(self.run)
        elif self.run.role == RESP and supports_revoke(self.run):
            backend_revokes(self.run)
        elif supports_sync(self.run):
            peer_revokes(self.run)

    @precondition(lambda self: self.run.role == INI and supports_connect(self.run))
    @rule(relayed=st.booleans(), times=st.integers(1, CONNECTS_PER_EPOCH + 1))
    def GuardedConnect(self, relayed: bool, times: int) -> None:
        """``Connect``, or ``RelayConnect`` through the reference relay, ``times`` in a
        row (each handshake completed, then closed): the budget of each judged, so a
        run may spend this epoch's and be denied."""
        self._counted()
        for i in range(times):
            if i:
                self.run.close()
            if not connect(self.run, relayed=relayed and supports_relay(self.run)):
                break


# ---------------------------------------------------------------- directed scenarios


def _new_run(m: WireMachine, role: str) -> WireRun:
    run = WireRun(m.backend, role) if m.coverage is None else m.coverage.run(m.backend, role)
    # A directed scenario's steps are the requests of the runs it made.
    m.__dict__.setdefault("runs", []).append(run)
    return run


def _as(m: WireMachine, role: str) -> WireRun:
    m.run = _new_run(m, role)
    return m.run


def _ini_handshake(m: WireMachine) -> None:
    _as(m, INI).handshake()


def _resp_handshake(m: WireMachine) -> None:
    _as(m, RESP).handshake()


def _impostor(m: WireMachine) -> None:
    run = _as(m, RESP)
    run.impersonate()
    # Replayed, the impostor's message is refused as it was the first time.
    run.replay(0)
    run.handshake()
    run.impersonate()
    run.probe()


def _rewritten_epoch(m: WireMachine) -> None:
    run = _as(m, RESP)
    old = run.peer.establish(run.timestamp(), run.now).sent[0]
    run.peer.advance_epoch()
    run.epoch += 1
    run.request("AdvanceEpoch", {})
    run.rewrite_epoch(old)
    run.handshake()


def _junk(role: str) -> Callable[[WireMachine], None]:
    def scenario(m: WireMachine) -> None:
        run = _as(m, role)
        for kind in range(4):
            run.junk(kind)
        run.replay(1)
        run.handshake()
        for kind in range(4):
            run.junk(kind)
        run.probe()

    return scenario


def _non_member(m: WireMachine) -> None:
    run = _as(m, RESP)
    run.outsider()
    run.replay(0)
    run.handshake()
    run.outsider()
    run.probe()


def _retired_epoch_init(m: WireMachine) -> None:
    run = _as(m, RESP)
    run.retired_epoch_init()
    run.handshake()


def _retired_psk(m: WireMachine) -> None:
    run = _as(m, RESP)
    run.handshake()
    run.advance_epoch()
    run.retired_psk()
    run.handshake()
    run.retired_psk()
    run.check_reported()
    run.handshake()


def _tampered_handshake(role: str) -> Callable[[WireMachine], None]:
    def scenario(m: WireMachine) -> None:
        run = _as(m, role)
        # The header's type byte, the ephemeral key, the tag at the end.
        for position in (1, 12, -1):
            run.handshake(tamper=position)

    return scenario


def _tampered_traffic(role: str) -> Callable[[WireMachine], None]:
    def scenario(m: WireMachine) -> None:
        run = _as(m, role)
        run.handshake()
        # Channel id, epoch, counter, ciphertext, tag.
        for position in (5, 38, 45, 52, -1):
            run.tamper_traffic(position)
        run.probe()

    return scenario


def _replays(role: str) -> Callable[[WireMachine], None]:
    def scenario(m: WireMachine) -> None:
        run = _as(m, role)
        run.handshake()
        for index in range(len(run.to_backend)):
            run.replay(index)
        run.probe()

    return scenario


def _reordered(m: WireMachine) -> None:
    run = _as(m, RESP)
    run.handshake()
    run.reorder()
    run.reorder()
    run.probe()


def _reflections(role: str) -> Callable[[WireMachine], None]:
    def scenario(m: WireMachine) -> None:
        run = _as(m, role)
        run.handshake()
        for index in range(len(run.from_backend)):
            run.reflect(index)
        run.probe()

    return scenario


def _rotation(role: str) -> Callable[[WireMachine], None]:
    def scenario(m: WireMachine) -> None:
        run = _as(m, role)
        run.handshake()
        stale = run.peer.send(run.plaintext()).sent[0]
        run.advance_epoch()
        run.check_reported()
        run.attack(stale, "a transport message of the retired epoch")
        # That message replayed; its own last transport message and its first
        # handshake message, both of the retired epoch, reflected.
        run.replay(-1)
        run.reflect(-1)
        run.reflect(0)
        run.handshake()
        run.check_reported()

    return scenario


def _wrong_psk_response(m: WireMachine) -> None:
    run = _as(m, INI)
    run.wrong_psk_response()
    run.advance_epoch()
    run.wrong_psk_response()


def _replayed_pending_init(m: WireMachine) -> None:
    run = _as(m, RESP)
    run.replayed_pending_init()
    run.replayed_pending_init()


def _far_future_init(m: WireMachine) -> None:
    run = _as(m, RESP)
    run.far_future_init()
    run.handshake()


def _late(role: str) -> Callable[[WireMachine], None]:
    def scenario(m: WireMachine) -> None:
        run = _as(m, role)
        run.late_handshake()
        run.handshake()
        run.advance_epoch()
        run.late_handshake()
        run.check_reported()
        run.handshake()

    return scenario


def _peer_clock_ahead(m: WireMachine) -> None:
    """Backend as Resp, the reference peer's clock a minute ahead of the backend's
    (half the clock-skew bound, so its message 1 is taken): the key confirmation
    deadline is the backend's own clock at its answer plus the timeout, so the Tick
    past the timeout leaves no channel and the late confirmation is refused. A
    deadline counted from message 1's timestamp would wait a minute longer. Then a
    timely handshake with the same clock completes."""
    run = _as(m, RESP)
    run.peer_ahead_ms = PEER_AHEAD_MS
    run.late_handshake()
    run.handshake()


def _closed(role: str) -> Callable[[WireMachine], None]:
    def scenario(m: WireMachine) -> None:
        run = _as(m, role)
        run.send_without_channel()
        run.handshake()
        run.close()
        # The closed channel's messages again, message 1 included: a close ends the
        # channel, not what the replay guard knows of its handshake.
        for index in range(len(run.to_backend)):
            run.replay(index)
        run.check_reported()
        run.advance_epoch()
        run.check_reported()
        run.handshake()

    return scenario


def _descriptors(role: str) -> Callable[[WireMachine], None]:
    def scenario(m: WireMachine) -> None:
        run = _as(m, role)
        if not supports_descriptors(run):
            return
        exchange_descriptors(run)
        run.handshake()
        run.advance_epoch()
        exchange_descriptors(run)
        if role == INI and supports_connect(run):
            # A connect over the channel the advance left Rotating.
            run.handshake(start="Connect")

    return scenario


def _descriptor_attacks(m: WireMachine) -> None:
    run = _as(m, RESP)
    if not supports_descriptors(run):
        return
    exchange_descriptors(run)
    # The header (context, author, epoch), the ciphertext and the tag.
    for position in (5, 40, 70, 120, -1):
        descriptor_attack(run, "tampered", position)
    for kind in ("impersonation", "cross-context", "expired", "not-yet-valid"):
        descriptor_attack(run, kind)
    exchange_descriptors(run)


def _sync(role: str) -> Callable[[WireMachine], None]:
    def scenario(m: WireMachine) -> None:
        run = _as(m, role)
        if not supports_sync(run):
            return
        non_member_digest(run)
        sync_both_ways(run)
        run.handshake()
        run.advance_epoch()
        sync_both_ways(run)
        non_member_digest(run)

    return scenario


def _expiry(role: str) -> Callable[[WireMachine], None]:
    def scenario(m: WireMachine) -> None:
        run = _as(m, role)
        if not supports_descriptors(run):
            return
        exchange_descriptors(run)
        run.handshake()
        # The peer's descriptor expires (at its valid_until exactly: Connect is
        # denied), then the backend's own; republished, both are chosen again and
        # Connect opens a channel.
        expire(run)
        expire(run)
        exchange_descriptors(run)
        run.handshake(start="Connect" if supports_connect(run) else "Establish")

    return scenario


def _revocation(role: str) -> Callable[[WireMachine], None]:
    def scenario(m: WireMachine) -> None:
        run = _as(m, role)
        if not (supports_descriptors(run) and supports_sync(run)):
            return
        exchange_descriptors(run)
        peer_revokes(run)
        run.advance_epoch()
        peer_revokes(run)
        if supports_revoke(run):
            backend_revokes(run)
        exchange_descriptors(run)

    return scenario


def _budget(relayed: bool) -> Callable[[WireMachine], None]:
    def scenario(m: WireMachine) -> None:
        exhaust_budget(_as(m, INI), relayed=relayed)

    return scenario


def _relayed(m: WireMachine) -> None:
    run = _as(m, INI)
    if not supports_relay(run):
        return
    relayed_handshake(run)
    # The relay's attacker: a replayed envelope, a junk one.
    relay_attacks(run)
    # Its own relay envelope delivered back as a direct message.
    run.reflect(0)
    run.advance_epoch()
    relayed_handshake(run)
    run.check_reported()


def _relayed_resp(m: WireMachine) -> None:
    """The backend as Resp through the relay, until its budget denies an answer (no
    byte), then again after an epoch advance."""
    run = _as(m, RESP)
    if not supports_relay(run):
        return
    for i in range(CONNECTS_PER_EPOCH + 1):
        if not relayed_handshake_resp(run):
            break
        if i == 0:
            # Past the relay, the forwarded message 1 again with the relay's receipt.
            relayed_replay(run)
        run.close()
    run.advance_epoch()
    relayed_handshake_resp(run)
    run.check_reported()


def _advance_while_establishing(m: WireMachine) -> None:
    run = _as(m, RESP)
    run.advance_while_establishing()
    run.handshake()


def _newer_epoch_init(m: WireMachine) -> None:
    run = _as(m, RESP)
    run.handshake()
    run.newer_epoch_init()
    run.check_reported()


def _reordered_init(m: WireMachine) -> None:
    _as(m, RESP).reordered_init()


def _unanswered_init(m: WireMachine) -> None:
    run = _as(m, INI)
    run.unanswered_handshake()
    run.handshake()


def _untimed_late_response(m: WireMachine) -> None:
    run = _as(m, INI)
    run.untimed_late_response()
    run.handshake()


WIRE_SCENARIOS: dict[str, Callable[[WireMachine], None]] = {
    "ini-handshake-and-traffic": _ini_handshake,
    "resp-handshake-and-traffic": _resp_handshake,
    # Early, and once: cheap, and the stage stops each wrong backend at its first
    # failing scenario.
    "descriptor-expiry": _expiry(INI),
    # The guard chain's cheap scenarios early too: a wrong backend of the budget or
    # the relayed path is stopped here, not after every channel scenario.
    "budget-exhaustion": _budget(relayed=False),
    "relayed-handshake": _relayed,
    "non-member-message-1": _non_member,
    "impostor-message-1": _impostor,
    "rewritten-epoch-header": _rewritten_epoch,
    "retired-epoch-message-1": _retired_epoch_init,
    "retired-psk-message-1": _retired_psk,
    "tampered-message-1": _tampered_handshake(RESP),
    "tampered-message-2": _tampered_handshake(INI),
    "tampered-traffic-ini": _tampered_traffic(INI),
    "tampered-traffic-resp": _tampered_traffic(RESP),
    "replays-ini": _replays(INI),
    "replays-resp": _replays(RESP),
    "reordered-traffic": _reordered,
    "reflections-ini": _reflections(INI),
    "reflections-resp": _reflections(RESP),
    "rotation-ini": _rotation(INI),
    "rotation-resp": _rotation(RESP),
    "wrong-psk-message-2": _wrong_psk_response,
    "replayed-pending-message-1": _replayed_pending_init,
    "far-future-message-1": _far_future_init,
    "late-message-2": _late(INI),
    # Before late-confirmation: a deadline counted from the peer's clock is named by the
    # schedule that sets that clock ahead, not by the few ms its stamps run ahead there.
    "peer-clock-ahead": _peer_clock_ahead,
    "late-confirmation": _late(RESP),
    "closed-ini": _closed(INI),
    "closed-resp": _closed(RESP),
    "junk-ini": _junk(INI),
    "junk-resp": _junk(RESP),
    "descriptors-ini": _descriptors(INI),
    "descriptors-resp": _descriptors(RESP),
    "descriptor-attacks": _descriptor_attacks,
    # Once, after the descriptor attacks (a desk that misses synced facts is named
    # by them first): a desk's choice does not depend on the role.
    "descriptor-revocation": _revocation(RESP),
    "sync-ini": _sync(INI),
    "sync-resp": _sync(RESP),
    # Last: the rest of the guard chain (the relayed budget, the backend as Resp).
    "budget-exhaustion-relayed": _budget(relayed=True),
    "relayed-handshake-resp": _relayed_resp,
    # Appended, so no earlier verdict moves: an advance while a confirmation is awaited.
    "advance-while-establishing": _advance_while_establishing,
    # A message 1 of an epoch the backend has not reached.
    "init-of-newer-epoch": _newer_epoch_init,
    # An older message 1 after a newer one was answered.
    "reordered-message-1": _reordered_init,
    # A message 1 never answered, past its timeout.
    "unanswered-message-1": _unanswered_init,
    # A message 2 at its handshake's deadline, no Tick before it.
    "message-2-at-deadline": _untimed_late_response,
}


def wire_machine(backend: Backend, coverage: WireCoverage | None = None) -> type[WireMachine]:
    """A machine class bound to ``backend``, with its own run and step counts (and
    ``coverage`` counting its runs' requests, when given)."""
    stats = {"examples": 0, "steps": 0}
    return type(
        "WireMachine",
        (WireMachine,),
        {"backend": backend, "stats": stats, "coverage": coverage},
    )


def _keeping(
    scenario: Callable[[WireMachine], None], made: list[WireMachine]
) -> Callable[[WireMachine], None]:
    """``scenario``, keeping the machine it ran on in ``made`` (to count its requests)."""

    def counted(m: WireMachine) -> None:
        made.append(m)
        scenario(m)

    return counted


def run_wire_conformance(
    backend: Backend,
    *,
    examples: int = 30,
    seed: int | None = 0,
    steps: int = 20,
    scenarios: bool = True,
    coverage: WireCoverage | None = None,
) -> ConformanceResult:
    """Directed scenarios, then random runs, of ``backend`` against the reference peer
    (each request and attacker move counted in ``coverage``, when given). A scenario
    counts as a run, its requests to the backend as its steps, whether it passed or
    failed."""
    ran = requests = 0
    if scenarios:
        machine = wire_machine(backend, coverage)
        made: list[WireMachine] = []
        for name, scenario in WIRE_SCENARIOS.items():
            made.clear()
            [(_, failure)] = run_directed(machine, {name: _keeping(scenario, made)})
            ran += 1
            requests += sum(r.steps for m in made for r in m.__dict__.get("runs", ()))
            if failure is not None:
                return ConformanceResult(
                    backend.name, False, ran, requests, f"scenario {name}: {failure}"
                )
    result = run_machine(
        lambda: wire_machine(backend, coverage),
        backend.name,
        WIRE_SCENARIOS,
        examples=examples,
        seed=seed,
        steps=steps,
        directed=False,
    )
    return attrs.evolve(result, examples=result.examples + ran, steps=result.steps + requests)
