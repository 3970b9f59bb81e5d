"""Descriptors as bytes on the wire: publish, accept, look up; forgeries change nothing.

The backend's sealed descriptor is opened by the reference peer (real
ChaCha20-Poly1305, real Ed25519), and the reference's by the backend; each
attacker's sealed descriptor leaves every lookup as it was, and each wrong
desk is caught naming the DescriptorValidity.tla invariant it breaks.
"""

from __future__ import annotations

import sys

import pytest
from aura_conformance.harness.errors import ConformanceFailure
from aura_conformance.harness.stdio import StdioBackend
from aura_conformance.wire import ACTIONS, WIRE, WIRE_MODULE, WireBackend
from aura_conformance.wire.keyring import INI, RESP
from aura_conformance.wire.peer import WireRun
from aura_conformance.wire.publish import (
    DESCRIPTOR_ATTACKS,
    descriptor_attack,
    exchange_descriptors,
    lookup,
)
from aura_rendezvous.descriptors import RendezvousDescriptor

SERVE = [sys.executable, "-m", "aura_conformance.wire.serve"]


@pytest.mark.parametrize("role", [INI, RESP])
def test_each_side_looks_up_what_the_other_published(role: str) -> None:
    run = WireRun(WireBackend(), role)
    exchange_descriptors(run)
    mine, peer = run.peer.authority.peer_id, run.peer.authority.id
    theirs = lookup(run, peer)
    assert theirs is not None
    assert RendezvousDescriptor.decode(theirs).authority_id.value == peer
    seen = run.peer_desk.lookup(mine, run.now).received
    assert seen == (lookup(run, mine),)


@pytest.mark.parametrize("kind", sorted(DESCRIPTOR_ATTACKS))
def test_every_forged_descriptor_leaves_the_lookups_as_they_were(kind: str) -> None:
    run = WireRun(WireBackend(), RESP)
    exchange_descriptors(run)
    descriptor_attack(run, kind, 9)
    exchange_descriptors(run)


def test_an_accepted_forgery_is_reported_naming_the_invariant() -> None:
    run = WireRun(WireBackend("unverified-descriptor-signature"), RESP)
    exchange_descriptors(run)
    with pytest.raises(ConformanceFailure, match=r"lookup of itself changed \(DVFactsAttributable"):
        descriptor_attack(run, "impersonation")


def test_descriptors_cross_the_pipe_of_the_reference_program() -> None:
    backend = StdioBackend(SERVE, schema=WIRE, spec=WIRE_MODULE, actions=ACTIONS, timeout=30)
    try:
        run = WireRun(backend, INI)
        exchange_descriptors(run)
        for kind in sorted(DESCRIPTOR_ATTACKS):
            descriptor_attack(run, kind, 70)
    finally:
        backend.close()


def test_a_program_publishing_unsigned_bytes_is_refused_by_the_reference() -> None:
    backend = StdioBackend(
        [*SERVE, "--variant", "unsigned-descriptor"],
        schema=WIRE,
        spec=WIRE_MODULE,
        actions=ACTIONS,
        timeout=30,
    )
    try:
        run = WireRun(backend, RESP)
        with pytest.raises(ConformanceFailure, match="Rejected:BadSignature"):
            exchange_descriptors(run)
    finally:
        backend.close()
