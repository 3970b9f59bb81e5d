"""Journal sync as bytes: sealed digest pages and answers carried by the harness.

Lost, repeated and reordered answers still end in both sides choosing the same
descriptors (real sealed sync messages, real signatures); a non-member's digest
gets no answer, and the wrong desk that answers it is caught naming
DVOnlyMembersKnow.
"""

from __future__ import annotations

import sys

import pytest
from aura_conformance.harness.errors import ConformanceFailure
from aura_conformance.harness.stdio import StdioBackend
from aura_conformance.wire import ACTIONS, WIRE, WIRE_MODULE, WireBackend
from aura_conformance.wire.keyring import INI, RESP
from aura_conformance.wire.peer import WireRun
from aura_conformance.wire.publish import lookup
from aura_conformance.wire.sync import non_member_digest, sync_both_ways

SERVE = [sys.executable, "-m", "aura_conformance.wire.serve"]


@pytest.mark.parametrize("role", [INI, RESP])
def test_after_pulls_both_ways_each_side_chooses_what_the_other_published(role: str) -> None:
    run = WireRun(WireBackend(), role)
    peer = run.peer.authority.id
    assert lookup(run, peer) is None  # nothing offered: only sync can bring it
    sync_both_ways(run)
    assert lookup(run, peer) == run.peer_desk.lookup(peer, run.now).received[0]
    run.handshake()
    run.advance_epoch()
    sync_both_ways(run)


def test_a_lost_pull_alone_leaves_the_sides_apart() -> None:
    """The check can fail: with only the pull that loses every answer, the backend's
    lookup of the peer stays empty while the reference holds a descriptor."""
    run = WireRun(WireBackend(), RESP)
    run.peer_desk.publish(run.now, run.epoch)
    pages = [bytes.fromhex(m) for m in run.request("SyncStart", {}).state["sent"]]
    for page in pages:
        assert run.peer_desk.sync(page).outcome == "Answered"
    assert run.request("SyncFollowUp", {}).outcome == "Done"
    peer = run.peer.authority.id
    assert lookup(run, peer) is None
    assert run.peer_desk.lookup(peer, run.now).received


def test_a_member_that_answers_a_non_member_is_caught() -> None:
    non_member_digest(WireRun(WireBackend(), INI))
    run = WireRun(WireBackend("answers-non-member"), INI)
    with pytest.raises(ConformanceFailure, match=r"non-member's digest.*DVOnlyMembersKnow"):
        non_member_digest(run)


def test_sync_crosses_the_pipe_of_the_reference_program() -> None:
    backend = StdioBackend(SERVE, schema=WIRE, spec=WIRE_MODULE, actions=ACTIONS, timeout=30)
    try:
        run = WireRun(backend, RESP)
        non_member_digest(run)
        sync_both_ways(run)
    finally:
        backend.close()
