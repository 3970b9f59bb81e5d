"""Journal sync over TCP between two members' services: convergence on a clean link,
on a link that loses and duplicates frames (faults injected at the socket), and a
non-member's connection refused without one byte of reply."""

from __future__ import annotations

import asyncio
import os

import pytest
from aura_net import (
    ConnectionLost,
    NetNode,
    PeerTimeout,
    SyncFrame,
    SyncKind,
    SyncServer,
    SyncWithoutEnd,
    sync_limits,
    sync_with,
)
from aura_rendezvous import ContextMembership, DecodeError, Roster, TcpDirect
from aura_rendezvous.journal import ROOT_RANGE, RangeDigest, SyncFacts, seal_sync_message

from ..impl.world import ALICE, BOB, CTX, KEYS, MALLORY, ROOT, make_service
from .fault_proxy import FaultProxy, Plan
from .net_world import SAFETY_S, net_node, run


def _facts(node: NetNode) -> set[object]:
    return set(node.service.journal(CTX).facts())


def _members() -> tuple[NetNode, NetNode]:
    alice, bob = net_node(ALICE), net_node(BOB)
    alice.publish(CTX, [TcpDirect("127.0.0.1:1")])
    bob.publish(CTX, [TcpDirect("127.0.0.1:2")])
    return alice, bob


def test_two_members_converge_over_tcp() -> None:
    async def scenario() -> None:
        alice, bob = _members()
        assert _facts(alice) != _facts(bob)  # the counterpart: nothing shared yet
        server = SyncServer(bob)
        addr = await server.start()
        report = await asyncio.wait_for(sync_with(alice, CTX, addr), SAFETY_S)
        await server.close()
        assert _facts(alice) == _facts(bob)
        assert alice.service.get_cached_descriptor(CTX, BOB, alice.now_ms()) is not None
        assert bob.service.get_cached_descriptor(CTX, ALICE, bob.now_ms()) is not None
        assert report.pulled >= 1 and report.pushed >= 1 and report.retransmits == 0
        assert server.applied >= 1 and not server.errors

    run(scenario())


@pytest.mark.parametrize(
    ("up", "down"),
    [
        (Plan(drop=frozenset({0})), Plan()),  # the first pull is lost
        (Plan(), Plan(drop=frozenset({0, 1}))),  # its answer lost, twice
        (Plan(duplicate=frozenset({0, 1})), Plan(duplicate=frozenset({0, 1}))),  # pull, push
        (Plan(drop=frozenset({1}), duplicate=frozenset({0})), Plan(drop=frozenset({2}))),
    ],
    ids=["request-lost", "response-lost-twice", "all-duplicated", "mixed"],
)
def test_sync_converges_over_a_link_that_loses_and_duplicates(up: Plan, down: Plan) -> None:
    """Every lost request or response is sent again; every duplicate is harmless.
    The verdict is the replicas' equality, whatever the timing (a slow answer only
    means one more retransmission: 50 tries keep a loaded machine from failing it)."""

    async def scenario() -> None:
        alice, bob = _members()
        server = SyncServer(bob)
        proxy = FaultProxy(await server.start(), up=up, down=down)
        addr = await proxy.start()
        syncing = sync_with(alice, CTX, addr, rto_s=0.2, attempts=50)
        report = await asyncio.wait_for(syncing, SAFETY_S)
        await proxy.close()
        await server.close()
        assert _facts(alice) == _facts(bob)
        # Every request the plan names went out (the client waits for each answer);
        # an answer to the last request may still be on its way when it is done.
        assert proxy.dropped["up"] == len(up.drop)
        assert proxy.duplicated["up"] == len(up.duplicate)
        assert report.retransmits >= sum(proxy.dropped.values())
        assert not server.errors

    run(scenario())


def test_a_link_that_loses_everything_is_a_typed_error() -> None:
    async def scenario() -> None:
        alice, bob = _members()
        server = SyncServer(bob)
        proxy = FaultProxy(await server.start(), up=Plan(drop=frozenset(range(100))))
        addr = await proxy.start()
        with pytest.raises(PeerTimeout, match="3 tries"):
            await asyncio.wait_for(sync_with(alice, CTX, addr, rto_s=0.05, attempts=3), SAFETY_S)
        await proxy.close()
        await server.close()
        assert server.served == 0

    run(scenario())


def _outsider(root: bytes) -> NetNode:
    """Mallory, who claims a place on the roster; ``root`` is her guess of the secret."""
    roster = Roster.of(KEYS[ALICE], KEYS[BOB], KEYS[MALLORY])
    service = make_service(MALLORY, [ContextMembership(CTX, roster, root)], nonce_source=os.urandom)
    service.advance_epoch(CTX, 1)
    return NetNode(service, capabilities=frozenset(), budget_limit=0)


@pytest.mark.parametrize(
    ("root", "error"),
    [(os.urandom(32), "DecryptFailed"), (ROOT, "NotAMember")],
    ids=["wrong-secret", "off-the-roster"],
)
def test_a_non_member_is_refused_without_one_byte(root: bytes, error: str) -> None:
    """Mallory's pull (sealed under a guessed secret, or under the real one but signed
    by a key off the member's roster) closes the connection: no reply at all, seen
    at the socket, and nothing merged."""

    async def scenario() -> None:
        alice, bob = _members()
        mallory = _outsider(root)
        before = _facts(bob)
        server = SyncServer(bob)
        addr = await server.start()
        host, port = addr.rsplit(":", 1)
        # At the socket: Mallory's pull goes out, the connection closes, nothing comes back.
        reader, writer = await asyncio.open_connection(host, int(port))
        pull = SyncFrame(SyncKind.Pull, 1, (mallory.service.sync_digest(CTX, epoch=1),))
        body = pull.encode()
        writer.write(len(body).to_bytes(4, "big") + body)
        await writer.drain()
        answer = await asyncio.wait_for(reader.read(), SAFETY_S)
        writer.close()
        assert answer == b""
        # Through the client: a typed error, not a hang.
        with pytest.raises(ConnectionLost):
            await asyncio.wait_for(sync_with(mallory, CTX, addr, rto_s=0.5), SAFETY_S)
        await server.close()
        assert server.bytes_written == 0 and server.served == 0
        assert [type(e).__name__ for e in server.errors] == [error, error]
        assert _facts(bob) == before
        # The counterpart: a member on the same listener is answered.
        alice_server = SyncServer(bob)
        report = await sync_with(alice, CTX, await alice_server.start())
        await alice_server.close()
        assert alice_server.bytes_written > 0 and report.pulled >= 1

    run(scenario())


def test_garbage_and_empty_requests_get_no_reply() -> None:
    async def scenario() -> None:
        _, bob = _members()
        server = SyncServer(bob, sync_limits(frame_timeout_s=0.5))
        host, port = (await server.start()).rsplit(":", 1)
        for payload in (b"\x01junk", SyncFrame(SyncKind.Pull, 1).encode()):
            reader, writer = await asyncio.open_connection(host, int(port))
            writer.write(len(payload).to_bytes(4, "big") + payload)
            await writer.drain()
            assert await asyncio.wait_for(reader.read(), SAFETY_S) == b""
            writer.close()
        await server.close()
        assert server.bytes_written == 0
        assert [type(e).__name__ for e in server.errors] == ["DecodeError", "UnexpectedPeer"]

    run(scenario())


def test_sync_frames_decode_strictly() -> None:
    alice = net_node(ALICE)
    page = alice.service.sync_digest(CTX, epoch=1)
    frame = SyncFrame(SyncKind.Response, 7, (page,), (page, page))
    data = frame.encode()
    assert SyncFrame.decode(data) == frame
    for bad in (data[:-1], data + b"\x00", b"\x09" + data[1:], data[:3]):
        with pytest.raises(DecodeError):
            SyncFrame.decode(bad)
    with pytest.raises(DecodeError, match="no digest list"):
        SyncFrame.decode(bytes([SyncKind.Pull]) + data[1:])


class _EndlessMember(SyncServer):
    """A member (its answers are sealed and signed) whose every answer summarises the
    whole id space with a fresh fingerprint: the summaries never settle."""

    def answer(self, frame: SyncFrame) -> SyncFrame:
        service = self.node.service
        membership = service.membership(CTX)
        assert membership is not None
        summary = RangeDigest(ROOT_RANGE, 1, os.urandom(16))
        facts = SyncFacts(CTX, self.node.id, (), (summary,))
        sealed = seal_sync_message(facts, service.config.keys, membership, 1)
        return SyncFrame(SyncKind.Response, frame.request_id, (sealed,), ())


def test_a_member_whose_summaries_never_settle_is_cut_off() -> None:
    """The pull ends after its round bound with a typed error naming the partner; the
    counterpart, an honest member, ends within the bound on its own."""

    async def scenario() -> None:
        alice, bob = _members()
        endless = _EndlessMember(bob)
        addr = await endless.start()
        with pytest.raises(SyncWithoutEnd, match=f"the member at {addr}: pull not over after 8"):
            await asyncio.wait_for(sync_with(alice, CTX, addr, max_rounds=8), SAFETY_S)
        await endless.close()
        assert endless.served == 8
        honest = SyncServer(bob)
        report = await sync_with(alice, CTX, await honest.start(), max_rounds=8)
        await honest.close()
        assert report.requests <= 8

    run(scenario())


def test_a_listener_answers_a_bounded_number_of_requests_per_connection() -> None:
    async def scenario() -> None:
        alice, bob = _members()
        server = SyncServer(bob, max_requests=3)
        host, port = (await server.start()).rsplit(":", 1)
        reader, writer = await asyncio.open_connection(host, int(port))
        pull = SyncFrame(SyncKind.Pull, 1, (alice.service.sync_digest(CTX, epoch=1),)).encode()
        for _ in range(5):
            writer.write(len(pull).to_bytes(4, "big") + pull)
        await writer.drain()
        answers = await asyncio.wait_for(reader.read(), SAFETY_S)
        writer.close()
        await server.close()
        assert server.served == 3 and len(answers) == server.bytes_written
        assert [type(e).__name__ for e in server.errors] == ["SyncWithoutEnd"]

    run(scenario())
