"""Every Lookup judged by DVBest over the facts the backend holds: time and revocation.

The harness knows the backend's replica (what it published, what it was
offered, what a complete pull brought), so each lookup must answer
DescriptorValidity.tla's DVBest: valid now on ``[valid_from, valid_until)``,
not revoked, greatest ``(valid_from, nonce)``. Time passes to a descriptor's
``valid_until`` exactly, and a revocation the peer signs travels by sync; a
wrong desk is caught naming the invariant it breaks.
"""

from __future__ import annotations

import sys

import pytest
from aura_conformance.harness.errors import ConformanceFailure
from aura_conformance.harness.stdio import StdioBackend
from aura_conformance.wire import ACTIONS, WIRE, WIRE_MODULE, WireBackend
from aura_conformance.wire.keyring import INI, RESP
from aura_conformance.wire.lookups import HeldFacts
from aura_conformance.wire.peer import WireRun
from aura_conformance.wire.publish import (
    connect_without_descriptor,
    exchange_descriptors,
    expire,
    lookup,
)
from aura_conformance.wire.sync import backend_pull, backend_revokes, peer_revokes
from aura_rendezvous.descriptors import RendezvousDescriptor

SERVE = [sys.executable, "-m", "aura_conformance.wire.serve"]


def _descriptor(run: WireRun, *, now: int) -> RendezvousDescriptor:
    return run.peer_desk.build(now, run.epoch)


@pytest.mark.parametrize("role", [INI, RESP])
def test_at_valid_until_no_descriptor_is_chosen_until_one_is_republished(role: str) -> None:
    run = WireRun(WireBackend(), role)
    exchange_descriptors(run)
    peer = run.peer.authority.id
    valid_until = RendezvousDescriptor.decode(lookup(run, peer) or b"").valid_until
    expire(run)
    assert run.now == valid_until
    assert lookup(run, peer) is None
    exchange_descriptors(run)
    assert lookup(run, peer) is not None


def test_a_lookup_that_keeps_an_expired_descriptor_is_caught() -> None:
    run = WireRun(WireBackend("expiry-judged-on-arrival"), INI)
    exchange_descriptors(run)
    with pytest.raises(ConformanceFailure, match=r"outside its half-open window \(DVChosenValid\)"):
        expire(run)


def test_connect_is_denied_without_a_valid_descriptor_and_opens_a_channel_with_one() -> None:
    run = WireRun(WireBackend(), INI)
    connect_without_descriptor(run)  # nothing offered yet: a deny, nothing sent
    exchange_descriptors(run)
    run.handshake(start="Connect")
    expire(run)  # denied again at the descriptor's valid_until
    assert run.request("Connect", {"timestamp": run.timestamp()}).state["sent"] == ()


def test_a_connect_on_an_expired_descriptor_is_caught() -> None:
    run = WireRun(WireBackend("ungated-connect"), INI)
    exchange_descriptors(run)
    # Judged as a step of WireRendezvous.tla: a message 1 with no descriptor held.
    with pytest.raises(
        ConformanceFailure,
        match=r"violates RVConnectWithValidDescriptor.*may use on the direct path: none",
    ):
        expire(run)


@pytest.mark.parametrize("role", [INI, RESP])
def test_after_the_peer_revokes_its_newest_the_older_is_chosen(role: str) -> None:
    run = WireRun(WireBackend(), role)
    exchange_descriptors(run)
    peer = run.peer.authority.id
    peer_revokes(run)
    chosen = RendezvousDescriptor.decode(lookup(run, peer) or b"")
    # The reference, holding its own revocation, chooses the same one.
    assert run.peer_desk.lookup(peer, run.now).received == (chosen.encode(),)
    assert (peer, chosen.nonce) not in run.held.revoked
    assert len(run.held.revoked) == 1


def test_a_lookup_that_ignores_a_synced_revocation_is_caught() -> None:
    run = WireRun(WireBackend("revocation-blind-lookup"), RESP)
    exchange_descriptors(run)  # no revocation yet: its choice is right
    with pytest.raises(ConformanceFailure, match=r"its publisher revoked.*DVRevokedNeverChosen"):
        peer_revokes(run)


@pytest.mark.parametrize("role", [INI, RESP])
def test_the_backends_own_revocation_reaches_the_reference_by_sync(role: str) -> None:
    run = WireRun(WireBackend(), role)
    mine = run.peer.authority.peer_id
    backend_revokes(run)
    [(_, revoked)] = run.held.revoked
    chosen = RendezvousDescriptor.decode(lookup(run, mine) or b"")
    assert chosen.nonce != revoked
    assert run.peer_desk.lookup(mine, run.now).received == (chosen.encode(),)
    cache = run.peer_desk.service.descriptor_cache(run.peer_desk.context)
    assert {(a.value, n) for a, n in cache.revoked} == {(mine, revoked)}


def test_a_revocation_kept_out_of_the_journal_is_caught() -> None:
    run = WireRun(WireBackend("revocation-kept-local"), RESP)
    with pytest.raises(
        ConformanceFailure, match=r"WireSync: .*still chooses.*DVRevokedNeverChosen"
    ):
        backend_revokes(run)


def test_revoking_a_nonce_it_never_published_is_denied() -> None:
    run = WireRun(WireBackend(), RESP)
    exchange_descriptors(run)
    mine = run.peer.authority.peer_id
    before = lookup(run, mine)
    reply = run.request("Revoke", {"nonce": (b"\xee" * 32).hex()})
    assert reply.outcome == "Denied:NotOwnDescriptor"
    assert lookup(run, mine) == before


def test_a_revocation_reaches_the_backend_only_by_sync() -> None:
    """Before the pull the backend holds neither the newer descriptor nor its
    revocation; after it, the revocation is held and judged."""
    run = WireRun(WireBackend(), INI)
    desk = run.peer_desk
    peer = run.peer.authority.id
    desk.publish(run.now, run.epoch)
    assert lookup(run, peer) is None  # published, not carried
    backend_pull(run)
    assert lookup(run, peer) is not None


def test_the_judge_names_each_wrong_answer() -> None:
    run = WireRun(WireBackend(), INI)
    held = HeldFacts(run.peer.context)
    older, newer = _descriptor(run, now=0), _descriptor(run, now=5)
    peer = older.authority_id.value
    held.add(older)
    held.add(newer)
    assert held.judge(peer, newer.encode(), 10) is None
    assert "DVChoiceDeterministic" in (held.judge(peer, older.encode(), 10) or "")
    assert "DVOnlyPublisherRevokes" in (held.judge(peer, None, 10) or "")
    assert "DVChosenValid" in (held.judge(peer, newer.encode(), newer.valid_until) or "")
    assert "DVChosenValid" in (held.judge(peer, newer.encode(), 4) or "")
    unknown = _descriptor(run, now=7)
    assert "DVFactsAttributable" in (held.judge(peer, unknown.encode(), 10) or "")
    held.revoked.add((peer, newer.nonce))
    assert "DVRevokedNeverChosen" in (held.judge(peer, newer.encode(), 10) or "")
    assert held.judge(peer, older.encode(), 10) is None
    assert held.judge(peer, None, older.valid_until) is None


def test_time_and_revocation_cross_the_pipe_of_the_reference_program() -> None:
    backend = StdioBackend(SERVE, schema=WIRE, spec=WIRE_MODULE, actions=ACTIONS, timeout=30)
    try:
        run = WireRun(backend, RESP)
        exchange_descriptors(run)
        peer_revokes(run)
        backend_revokes(run)
        expire(run)
        expire(run)
    finally:
        backend.close()
