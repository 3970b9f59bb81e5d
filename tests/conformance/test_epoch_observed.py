"""What the epoch harness observes beyond EpochRotation.tla's state.

``received`` is a set and so is the journal, so a responder that takes data on a
key-confirmed channel for another key confirmation only stutters: the harness
judges the application's data instead (``Deliver`` effects, ``ReceiveData``).
EpochRotation.tla has one context, so an epoch advance that moves every
context changes nothing its state shows: the world's other context holds a
channel (``OtherContextHandshake``) that every step must leave as it was
(``OtherContext``, ``RVChannelContextBound``).
"""

from __future__ import annotations

import sys
from typing import Any

import pytest
from aura_conformance.epoch_rotation import (
    EPOCH_SCENARIOS,
    EpochBackend,
    EpochWorld,
    project_epoch_rotation,
    run_epoch_conformance,
    run_epoch_scenarios,
)
from aura_conformance.epoch_rotation.world import DELIVER, EPOCH_VARIANTS, INI, RESP, EpochVariant
from aura_conformance.protocol_specs import open_stdio
from aura_rendezvous import ChannelManager, SecureChannel
from aura_rendezvous.channels import HandshakeReplayGuard, ReceivedMessage
from aura_rendezvous.channels._transport_message import TransportMessage
from aura_rendezvous.core import ReplayedHandshake, UnsolicitedHandshake

from .epoch_steps import handshake_to_confirmation

OBSERVED = {n: EPOCH_SCENARIOS[n] for n in ("data-both-ways", "other-context-advance")}


def test_the_application_gets_data_and_nothing_of_a_key_confirmation() -> None:
    w = EpochWorld()
    data = handshake_to_confirmation(w)
    w.take_effects()
    assert w.receive_data(data, w.msgs[data][0]) == "Confirmed"
    assert [e for e in w.take_effects() if e.kind == DELIVER] == []
    assert w.send_data(INI, b"hello") == "Sent"
    w.take_effects()
    assert w.receive_data(data, w.msgs[data][1]) == "Received"
    [delivered] = w.take_effects()
    assert (delivered.kind, delivered.by, delivered.message, delivered.data) == (
        DELIVER,
        RESP,
        data,
        b"hello",
    )


def test_the_other_context_holds_a_channel_the_spec_context_leaves_alone() -> None:
    w = EpochWorld()
    before = project_epoch_rotation(w)
    assert w.other_context_channels() == {INI: ("None", 0, False), RESP: ("None", 0, False)}
    assert w.other_context_handshake(0) == "Established"
    assert project_epoch_rotation(w) == before  # a stutter of EpochRotation.tla
    live = {INI: ("Active", 0, True), RESP: ("Active", 0, True)}
    assert w.other_context_channels() == live
    handshake_to_confirmation(w)
    w.advance_epoch(INI)
    w.advance_epoch(RESP)
    assert w.other_context_channels() == live
    assert w.channel_lookups()[(INI, "other")] == "other"


def test_the_reference_passes_the_observed_scenarios() -> None:
    results = dict(run_epoch_scenarios(EpochBackend(), OBSERVED))
    assert results == {"data-both-ways": None, "other-context-advance": None}


def test_data_taken_for_a_key_confirmation_is_rejected_naming_receive_data() -> None:
    failure = dict(run_epoch_scenarios(EpochBackend("reconfirming"), OBSERVED))["data-both-ways"]
    assert failure is not None and failure.action == "ReceiveData"
    assert "check: ReceiveData failed" in str(failure)
    assert "the application of a2 got no payload" in str(failure)


def test_an_advance_that_moves_every_context_is_rejected_naming_the_context_binding() -> None:
    results = dict(run_epoch_scenarios(EpochBackend("all-contexts-advance"), OBSERVED))
    failure = results["other-context-advance"]
    assert failure is not None and failure.action == "AdvanceEpoch"
    assert "RVChannelContextBound" in str(failure)
    assert "is Rotating at epoch 0, was Active at epoch 0" in str(failure)


@pytest.mark.parametrize(
    ("variant", "named"),
    [("reconfirming", "ReceiveData"), ("all-contexts-advance", "RVChannelContextBound")],
)
def test_random_runs_reach_both(variant: str, named: str) -> None:
    """The Handshake and OtherContextHandshake rules reach both without a schedule."""
    result = run_epoch_conformance(EpochBackend(variant), examples=20, seed=0, scenarios=False)
    assert not result.conformant
    assert named in result.failure


class _ScrambledManager(ChannelManager):
    """Opens transport messages, then hands over another plaintext."""

    def receive_message(self, message: TransportMessage) -> ReceivedMessage:
        got = super().receive_message(message)
        return ReceivedMessage(got.channel, got.plaintext[::-1] + b"!", got.confirmed)


def test_a_payload_other_than_the_one_sent_is_rejected(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(
        EPOCH_VARIANTS, "scrambled", EpochVariant("scrambled", "test", manager=_ScrambledManager)
    )
    failure = dict(run_epoch_scenarios(EpochBackend("scrambled"), OBSERVED))["data-both-ways"]
    assert failure is not None and "not the payload sent" in str(failure)


def test_the_observations_cross_stdio() -> None:
    """The Deliver effects and the OtherContext query over the protocol: the
    reference passes, the advance of every context is rejected the same way."""
    program = [sys.executable, "-m", "aura_conformance.examples.guard_backend", "--spec", "epoch"]
    for variant, named in (("ref", None), ("all-contexts-advance", "RVChannelContextBound")):
        backend: Any = open_stdio("epoch", [*program, "--variant", variant], timeout=30.0)
        try:
            results = dict(run_epoch_scenarios(backend, OBSERVED))
        finally:
            backend.close()
        assert backend.skipped == {}
        failure = results["other-context-advance"]
        assert (failure is None) if named is None else (named in str(failure))
        assert results["data-both-ways"] is None


class _LaterEpochsRefusedGuard(HandshakeReplayGuard):
    """Refuses every message 1 after epoch 0: a stutter each time."""

    def check_replay(self, context_id: bytes, epoch: int, initiator: bytes, timestamp: int) -> None:
        if epoch > 0:
            raise ReplayedHandshake("refused")
        super().check_replay(context_id, epoch, initiator, timestamp)


class _LaterEpochsUnfinishedManager(ChannelManager):
    """Ini drops every message 2 after epoch 0."""

    def finish_handshake(
        self, context_id: bytes, peer: bytes, data: bytes, now_ms: int
    ) -> tuple[SecureChannel, bytes]:
        if self.epoch_of(context_id) > 0:
            raise UnsolicitedHandshake("dropped")
        return super().finish_handshake(context_id, peer, data, now_ms)


class _UnconfirmedManager(ChannelManager):
    """Resp refuses every key confirmation (as if it came too late)."""

    def receive_message(self, message: TransportMessage) -> ReceivedMessage:
        channel = self.get(message.channel_id)
        if channel is not None and not channel.is_initiator and not channel.is_active():
            raise ReplayedHandshake("refused")
        return super().receive_message(message)


@pytest.mark.parametrize(
    ("parts", "named"),
    [
        ({"replay_guard": _LaterEpochsRefusedGuard}, "check: HandleHandshake failed"),
        ({"manager": _LaterEpochsUnfinishedManager}, "check: ProcessResponse failed"),
        ({"manager": _UnconfirmedManager}, "check: KeyConfirm failed"),
    ],
)
def test_a_handshake_step_refused_while_the_spec_takes_it_is_rejected(
    parts: dict[str, Any], named: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A refusal is a stutter the validator accepts; where the spec enables the
    step and the handshake is within its deadline, the reference takes it."""
    monkeypatch.setitem(EPOCH_VARIANTS, "strict", EpochVariant("strict", "test", **parts))
    results = run_epoch_scenarios(EpochBackend("strict"))
    failures = [str(f) for _, f in results if f is not None]
    assert failures and named in failures[0], failures[:1]
