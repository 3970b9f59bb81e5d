"""The network profile's epoch machine: EpochRotation.tla's direct handshakes with
every delivery (message 1, message 2, the key confirmation, data, replays and the
attacker's messages) crossing a loopback socket, TCP direct or QUIC, each step
still validated against the spec; a transport that fails is an error, never a verdict."""

from __future__ import annotations

import pytest
from aura_conformance import BackendError, ConformanceFailure
from aura_conformance.epoch_rotation import (
    EPOCH_SCENARIOS,
    EPOCH_VARIANTS,
    EpochBackend,
    EpochRotationMachine,
    run_epoch_conformance,
    run_epoch_scenarios,
)
from aura_conformance.epoch_rotation.world import INI, RESP
from aura_conformance.network import (
    EPOCH_TRANSPORTS,
    NetworkEpochBackend,
    TransportFault,
    run_network_epoch_conformance,
)
from aura_verify import main


def test_every_delivery_crosses_a_socket_and_each_step_conforms() -> None:
    """The directed schedules over TCP; in one handshake each of the three deliveries
    is a frame its receiver's listener read off a socket, and a replayed data
    message crosses again."""
    backend = NetworkEpochBackend("ref", "TcpDirect")
    try:
        results = run_epoch_scenarios(backend)
        assert [name for name, _ in results] == list(EPOCH_SCENARIOS)
        assert all(found is None for _, found in results), results
        run_epoch_scenarios(backend, {"handshake": EPOCH_SCENARIOS["handshake"]})
        assert backend.world.carrier.frames == 3
        assert backend.world.confirmed == {1}
        run_epoch_scenarios(backend, {"replayed-data": EPOCH_SCENARIOS["replayed-data"]})
        assert backend.world.carrier.frames == 5  # the handshake, then the data twice
    finally:
        backend.close()


def test_a_rotation_and_rekey_conform_over_quic() -> None:
    """Handshake, epoch advance on both sides, a fresh handshake under the new PSK and
    data both ways, each message on a QUIC stream."""
    backend = NetworkEpochBackend("ref", "QuicDirect")
    try:
        results = run_epoch_scenarios(backend, {"rotation": EPOCH_SCENARIOS["rotation"]})
        assert results == [("rotation", None)]
        world = backend.world
        assert world.established == {(INI, RESP, 1, 0), (INI, RESP, 2, 1)}
        assert world.carrier.frames == 7
    finally:
        backend.close()


@pytest.mark.slow
def test_the_reference_conforms_over_every_direct_transport() -> None:
    """Directed schedules, then random runs (fixed seed), over TCP and QUIC."""
    results = run_network_epoch_conformance("ref", examples=5, seed=0, steps=20)
    assert [t for t, _ in results] == list(EPOCH_TRANSPORTS)
    for transport, result in results:
        assert result.conformant, (transport, result.failure)
        assert result.steps > 50, (transport, result)


_WRONG = [v for v in EPOCH_VARIANTS if v != "ref"]
# One per kind of shortfall: no real rekey, no explicit epoch change, no static-key
# check (judged by Rendezvous.tla), a prologue that does not bind the epoch.
_REPRESENTATIVE = [
    "rotate-in-place",
    "lazy-epoch-advance",
    "unchecked-static-key",
    "epoch-free-prologue",
]


@pytest.mark.parametrize("variant", _REPRESENTATIVE)
def test_a_wrong_backend_is_rejected_over_tcp_as_in_process(variant: str) -> None:
    _rejected_as_in_process(variant, "TcpDirect")


@pytest.mark.slow
@pytest.mark.parametrize("transport", EPOCH_TRANSPORTS)
def test_every_wrong_backend_is_rejected_over_the_network_as_in_process(
    transport: str,
) -> None:
    for variant in _WRONG:
        _rejected_as_in_process(variant, transport)


def _rejected_as_in_process(variant: str, transport: str) -> None:
    """The verdict over sockets is the in-process one: the same first failing step."""
    in_process = run_epoch_conformance(EpochBackend(variant), examples=2, seed=0)
    assert not in_process.conformant
    backend = NetworkEpochBackend(variant, transport)
    try:
        networked = run_epoch_conformance(backend, examples=2, seed=0)
    finally:
        backend.close()
    assert not networked.conformant
    assert networked.failure.splitlines()[0] == in_process.failure.splitlines()[0], (
        variant,
        transport,
    )


def _responder_dies_mid_handshake(m: EpochRotationMachine) -> None:
    m.PrepareEstablishChannel()
    assert isinstance(m.backend, NetworkEpochBackend)
    world = m.backend.world
    world.loop.run(world.carrier.kill(RESP), 30.0, "stopping Resp")
    # Only the hop to the dead responder waits out its safety net (see the relay's
    # twin in test_network_profile.py).
    world.timeout_s = 1.0
    m.deliver("HandleHandshake", "Init", lambda r: True)


@pytest.mark.parametrize("transport", EPOCH_TRANSPORTS)
def test_a_responder_gone_mid_handshake_is_an_error_not_a_verdict(transport: str) -> None:
    """Message 1 finds nobody listening: a TransportFault naming the hop, no verdict;
    the next run starts a fresh world and conforms."""
    backend = NetworkEpochBackend("ref", transport)
    try:
        with pytest.raises(TransportFault, match="Init from a1 to a2") as fault:
            run_epoch_scenarios(backend, {"responder-gone": _responder_dies_mid_handshake})
        assert isinstance(fault.value, BackendError)
        assert not isinstance(fault.value, ConformanceFailure)
        retry = run_epoch_scenarios(backend, {"handshake": EPOCH_SCENARIOS["handshake"]})
        assert retry == [("handshake", None)]
    finally:
        backend.close()


def test_unknown_names_are_refused() -> None:
    with pytest.raises(BackendError, match="unknown transport 'WebSocketRelay'"):
        NetworkEpochBackend("ref", "WebSocketRelay")
    with pytest.raises(BackendError, match="unknown variant"):
        NetworkEpochBackend("no-such-backend", "TcpDirect")


@pytest.mark.slow
def test_the_cli_runs_the_epoch_spec_over_both_direct_transports(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """``conform --profile network --spec epoch``: one verdict per transport, exit 0."""
    argv = ["conform", "--profile", "network", "--spec", "epoch", "--examples", "1"]
    assert main(argv) == 0
    out = capsys.readouterr().out
    for transport in EPOCH_TRANSPORTS:
        assert f"epoch:ref over {transport}: conformant" in out


def test_the_cli_names_the_invariant_a_wrong_epoch_backend_breaks(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Exit 1 naming the invariant for a wrong backend, on each transport; exit 2 for
    a backend of another spec."""
    argv = ["conform", "--profile", "network", "--spec", "epoch", "--examples", "1"]
    assert main([*argv, "--backend", "rotate-in-place"]) == 1
    out = capsys.readouterr().out
    for transport in EPOCH_TRANSPORTS:
        assert f"epoch:rotate-in-place over {transport}: NOT conformant" in out
    assert "ERRekeyIsNewHandshake" in out
    assert main([*argv, "--backend", "first-relay-only"]) == 2
    assert "--backend is one of ref" in capsys.readouterr().err


def test_the_frames_are_sealed_and_an_unsealed_one_is_refused() -> None:
    """Every delivery is sealed under the context, as on aura_net's direct path: a
    frame the sender's link does not seal is refused by the hop's listener
    (UnreadableFrame, a transport fault), and no id ever crossed in clear."""
    backend = NetworkEpochBackend("ref", "TcpDirect")
    try:
        run_epoch_scenarios(backend, {"handshake": EPOCH_SCENARIOS["handshake"]})
        world = backend.world
        assert world.carrier.frames == 3
        link = world.carrier.links[(INI, RESP)]
        assert link.seal is not None
        link.seal = None  # the broken counterpart: this link now sends in clear
        world.send_data(INI)
        record = next(k for k in world.msgs if k[0] == "Data" and len(world.msgs[k]) == 2)
        with pytest.raises(TransportFault, match="UnreadableFrame"):
            world.receive_data(record, world.msgs[record][-1])
    finally:
        backend.close()
