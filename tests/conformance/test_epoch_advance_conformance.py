"""The explicit epoch change through the service, against EpochRotation.tla and
Rendezvous.tla: today's lazy advance and epoch-blind refresh are rejected, each
failure naming the invariant it breaks; the reference passes."""

from __future__ import annotations

from aura_conformance.epoch_rotation import (
    EpochBackend,
    EpochWorld,
    run_epoch_conformance,
    run_epoch_scenarios,
)
from aura_conformance.epoch_rotation.world import EPOCH_VARIANTS, INI, REFRESH_WINDOW_MS
from aura_conformance.harness.errors import ConformanceFailure
from aura_rendezvous import ChannelState


def _handshake_then_advance(world: EpochWorld) -> None:
    world.prepare_establish_channel(0)
    ((key, (init,)),) = world.msgs.items()
    world.handle_handshake(key, init, 0)
    resp_key, (resp,) = next((k, v) for k, v in world.msgs.items() if k[0] == "Resp")
    world.process_response(resp_key, resp, 0)
    world.advance_epoch(INI)


def test_reference_advance_rotates_at_once_and_flags_the_descriptor() -> None:
    """Through RendezvousService.advance_epoch: the Active channel is Rotating,
    sealing is refused, and needs_refresh holds for the epoch-0 descriptor."""
    world = EpochWorld()
    _handshake_then_advance(world)
    channel = world.slots[INI].channel  # type: ignore[union-attr]
    assert channel is not None and channel.state is ChannelState.Rotating
    assert world.send_data(INI) == "Refused:ChannelClosedError"
    assert world.services[INI].needs_refresh(world.context, 0, REFRESH_WINDOW_MS)
    assert world.refresh_violations() == []
    results = dict(run_epoch_scenarios(EpochBackend()))
    assert all(f is None for f in results.values()), results


def test_lazy_epoch_advance_is_rejected_naming_er_no_stale_active() -> None:
    """lazy-epoch-advance: the old channel stays Active (and seals) after the
    advance; no ERNext step explains it and the state breaks ERNoStaleActive."""
    world = EpochWorld(EPOCH_VARIANTS["lazy-epoch-advance"])
    _handshake_then_advance(world)
    assert world.send_data(INI) == "Sent"  # today's behaviour: the old channel seals
    failure = dict(run_epoch_scenarios(EpochBackend("lazy-epoch-advance")))["rotation"]
    assert isinstance(failure, ConformanceFailure)
    assert failure.kind == "step" and failure.action == "AdvanceEpoch"
    assert "ERNoStaleActive" in str(failure)
    random = run_epoch_conformance(
        EpochBackend("lazy-epoch-advance"), examples=20, seed=3, scenarios=False
    )
    assert not random.conformant and "ERNoStaleActive" in random.failure


def test_epoch_blind_refresh_is_rejected_naming_rv_refresh_after_rotation() -> None:
    """refresh-ignores-epoch: after the advance needs_refresh is still False for the
    epoch-0 descriptor, which Rendezvous.tla's RVRefreshAfterRotation forbids."""
    failure = dict(run_epoch_scenarios(EpochBackend("refresh-ignores-epoch")))["rotation"]
    assert isinstance(failure, ConformanceFailure)
    assert failure.kind == "invariant" and failure.action == "AdvanceEpoch"
    assert "RVRefreshAfterRotation" in str(failure)
    random = run_epoch_conformance(
        EpochBackend("refresh-ignores-epoch"), examples=20, seed=4, scenarios=False
    )
    assert not random.conformant and "RVRefreshAfterRotation" in random.failure


def test_a_closed_channel_judged_by_epoch_is_rejected_naming_er_reject_typed() -> None:
    """epoch-judged-unknown-channel: in epoch 1 (the context advanced on its own) Ini's
    data for the channel Resp closed is reported WrongEpoch, judged against the
    manager-wide epoch 0: mistyped becomes TRUE, which no ERNext step explains and
    ERRejectTyped forbids; the reference says UnknownChannel on the same schedule."""
    assert dict(run_epoch_scenarios(EpochBackend()))["closed-channel-data"] is None
    results = dict(run_epoch_scenarios(EpochBackend("epoch-judged-unknown-channel")))
    failure = results["closed-channel-data"]
    assert isinstance(failure, ConformanceFailure)
    assert failure.kind == "step" and failure.action == "ReceiveData"
    assert "ERRejectTyped" in str(failure)
    assert [name for name, f in results.items() if f is not None] == ["closed-channel-data"]
