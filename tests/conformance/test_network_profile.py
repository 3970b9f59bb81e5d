"""The network profile: the relay path's state machine with every message on a loopback
socket (TCP direct, QUIC, the WebSocket relay), each step still validated against
Rendezvous.tla's relay path; a transport that fails is an error, never a verdict."""

from __future__ import annotations

import pytest
from aura_conformance import BackendError, ConformanceFailure
from aura_conformance.network import (
    TRANSPORTS,
    NetworkRelayBackend,
    TransportFault,
    run_network_conformance,
)
from aura_conformance.relay import (
    RELAY_SCENARIOS,
    RELAY_VARIANTS,
    RelayBackend,
    RelayPathMachine,
    run_relay_conformance,
    run_relay_scenarios,
)


def _handshake_then_relay_killed(m: RelayPathMachine) -> None:
    """Message 1 reaches the relay and Resp; the relay dies; Resp answers into the void."""
    m.RelayRequest()
    m.RelayForward(0)
    assert isinstance(m.backend, NetworkRelayBackend)
    world = m.backend.world
    world.kill("r1")
    # Only the hop to the dead relay waits out its safety net; every live step before
    # it had the default one, so a loaded machine cannot turn it into this fault.
    world.timeout_s = 1.0
    m.HandleHandshake(0)  # message 2 goes to the relay's socket


def test_every_relayed_message_crosses_a_socket_and_each_step_conforms() -> None:
    """The directed schedules over TCP; in a relayed handshake each of the six hops
    (to the relay and on from it, for messages 1, 2 and the confirmation) is a frame
    read off a socket by its hop."""
    backend = NetworkRelayBackend("ref", "TcpDirect")
    try:
        results = run_relay_scenarios(backend)
        assert [name for name, _ in results] == list(RELAY_SCENARIOS)
        assert all(found is None for _, found in results), results
        run_relay_scenarios(backend, {"relayed-handshake": RELAY_SCENARIOS["relayed-handshake"]})
        world = backend.world
        assert {k[0] for k in world.msgs} == {"Init", "Resp", "Confirm"}
        assert world.carrier.frames == len(world.msgs) == 6
    finally:
        backend.close()


@pytest.mark.slow
def test_the_reference_conforms_over_every_transport() -> None:
    """Directed schedules, then random runs (fixed seed), over TCP, QUIC and the relay."""
    results = run_network_conformance("ref", examples=4, seed=0, steps=15)
    assert [t for t, _ in results] == list(TRANSPORTS)
    for transport, result in results:
        assert result.conformant, (transport, result.failure)
        assert result.steps > 20, (transport, result)


_WRONG = [v for v in RELAY_VARIANTS if v != "ref"]
# Each wrong backend over TCP or the relay (QUIC worlds take longer to set up: below).
_FAST = [(variant, ("TcpDirect", "WebSocketRelay")[i % 2]) for i, variant in enumerate(_WRONG)]
# make test takes the first four (two per transport), make test-slow every one: the
# verdict is computed by the same harness in both, what varies is the carrier.
_IN_MAKE_TEST = _FAST[:4]


@pytest.mark.parametrize(
    ("variant", "transport"),
    [c if c in _IN_MAKE_TEST else pytest.param(*c, marks=pytest.mark.slow) for c in _FAST],
)
def test_a_wrong_backend_is_rejected_over_the_network_as_in_process(
    variant: str, transport: str
) -> None:
    """The verdict over sockets is the in-process one: the same first failing step,
    naming the same invariant."""
    _rejected_as_in_process(variant, transport)


@pytest.mark.slow
def test_every_wrong_backend_is_rejected_over_quic_as_in_process() -> None:
    for variant in _WRONG:
        _rejected_as_in_process(variant, "QuicDirect")


def _rejected_as_in_process(variant: str, transport: str) -> None:
    invariant = RELAY_VARIANTS[variant].breaks
    assert invariant is not None
    in_process = run_relay_conformance(RelayBackend(variant), examples=2, seed=0)
    backend = NetworkRelayBackend(variant, transport)
    try:
        networked = run_relay_conformance(backend, examples=2, seed=0)
    finally:
        backend.close()
    assert not networked.conformant
    first = networked.failure.splitlines()[0]
    assert invariant in first
    assert first == in_process.failure.splitlines()[0], (variant, transport)


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_a_relay_killed_mid_handshake_is_an_error_not_a_verdict(transport: str) -> None:
    """Resp's message 2 finds no relay: a TransportFault (a backend error) naming the
    hop, within its safety net; no conformance verdict. The next run starts a fresh
    world and conforms."""
    backend = NetworkRelayBackend("ref", transport)
    try:
        with pytest.raises(TransportFault, match="Resp from a2 to r1") as fault:
            run_relay_scenarios(backend, {"relay-killed": _handshake_then_relay_killed})
        assert isinstance(fault.value, BackendError)
        assert not isinstance(fault.value, ConformanceFailure)
        retry = run_relay_scenarios(
            backend, {"relayed-handshake": RELAY_SCENARIOS["relayed-handshake"]}
        )
        assert retry == [("relayed-handshake", None)]
    finally:
        backend.close()


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_a_short_hop_timeout_does_not_bound_the_set_up(transport: str) -> None:
    """``timeout_s`` bounds each message's crossing; starting and closing the
    listeners keep their own safety net (SETUP_S), so a short ``--timeout`` on a
    loaded machine cannot fail a run before its first message."""
    backend = NetworkRelayBackend("ref", transport, timeout_s=1e-6)
    try:
        assert backend.world.carrier.addrs
    finally:
        backend.close()
