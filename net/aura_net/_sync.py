"""Journal sync between two members over TCP: anti-entropy, request by request.

The dialing member drives every exchange (:func:`sync_with`): it pulls (sends
its digest pages, applies the answers, follows up until nothing is missing),
then pushes (answers the digest the listener sent back, until the listener's
follow-up is empty). Each request carries a request id; the listener
(:class:`SyncServer`) answers each request on its own, keeping no session
state, so a request sent twice is answered twice (merging is idempotent) and a
response of an older id is ignored. A request or response lost on the way is
sent again after ``rto_s``: the sync converges over a lossy, duplicating link.
Both loops are bounded: a pull or a push that is not over after
:data:`MAX_SYNC_ROUNDS` rounds (a member whose summaries never settle) ends
with :class:`SyncWithoutEnd` naming the partner, and a listener answers at
most ``2 * MAX_SYNC_ROUNDS`` requests per connection.

Only members take part: every request must hold sealed sync messages, and the
listener opens them (signed by a roster member, sealed under the context's sync
key) before it answers anything. A non-member's request, a malformed frame or
silence closes the connection without one byte of reply; the typed error is
kept in ``SyncServer.errors``. Sealed messages travel in the clear: a
passive observer sees the context id, the epoch, the sizes and the request
kinds, never a fact.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools

import attrs
from aura_rendezvous import AuraError, ContextId
from aura_rendezvous.journal import SealedSyncMessage

from aura_net._direct import Limits, split_addr
from aura_net._errors import (
    ConnectionLost,
    PeerTimeout,
    SafetyNetTimeout,
    SyncWithoutEnd,
    UnexpectedPeer,
    keep_error,
)
from aura_net._framing import FrameDecoder, encode_frame, read_frame
from aura_net._node import NetNode
from aura_net._sync_wire import SYNC_MAX_FRAME, SyncFrame, SyncKind

__all__ = ["MAX_SYNC_ROUNDS", "SyncReport", "SyncServer", "sync_limits", "sync_with"]

MAX_SYNC_ROUNDS = 64 + 16
"""Rounds a pull (or a push) may take: an honest one ends after at most 64
descents (one nibble of the 32-byte ids each) plus one round per answer budget
of entries (``MAX_ANSWER_ENTRIES``); 16 such rounds is far above any journal
here. A partner whose summaries never settle is cut off there."""


def sync_limits(frame_timeout_s: float = 5.0, connect_timeout_s: float = 5.0) -> Limits:
    """Connection limits for sync: frames up to :data:`SYNC_MAX_FRAME`."""
    return Limits(SYNC_MAX_FRAME, frame_timeout_s, connect_timeout_s)


@attrs.frozen
class SyncReport:
    """One sync: entries that changed our replica, sealed facts we pushed, requests
    sent, and how many of them were sent again after a loss."""

    pulled: int
    pushed: int
    requests: int
    retransmits: int


class SyncServer:
    """A member's sync listener on TCP; answers members' requests, one at a time per
    connection. ``served`` counts answered requests, ``applied`` the entries pushed
    to us that changed our replica, ``bytes_written`` every byte we sent."""

    def __init__(
        self,
        node: NetNode,
        limits: Limits | None = None,
        *,
        max_requests: int = 2 * MAX_SYNC_ROUNDS,
    ) -> None:
        self.node = node
        self.limits = limits or sync_limits()
        self.max_requests = max_requests
        self.errors: list[AuraError] = []
        self.served = 0
        self.applied = 0
        self.bytes_written = 0
        self._server: asyncio.Server | None = None
        # Open connections, each with the future its handler sets when it ends.
        self._open: dict[asyncio.StreamWriter, asyncio.Future[None]] = {}

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        """Listen (port 0: the OS picks); the ``host:port`` members dial."""
        self._server = await asyncio.start_server(self._handle, host, port)
        sock_host, sock_port = self._server.sockets[0].getsockname()[:2]
        return f"{sock_host}:{sock_port}"

    async def close(self) -> None:
        """Stop listening and end every open connection (its handler returns)."""
        if self._server is not None:
            self._server.close()
        ends = list(self._open.values())
        for writer in list(self._open):
            writer.close()
        if ends:
            await asyncio.wait(ends, timeout=self.limits.frame_timeout_s)
        if self._server is not None:
            await self._server.wait_closed()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        decoder = FrameDecoder(self.limits.max_frame)
        answered = 0
        self._open[writer] = asyncio.get_running_loop().create_future()
        try:
            while True:
                try:
                    data = await read_frame(reader, decoder, self.limits.frame_timeout_s)
                except ConnectionLost:
                    return  # closed between requests: the member is done
                if answered == self.max_requests:
                    raise SyncWithoutEnd(
                        f"more than {self.max_requests} requests on one connection"
                    )
                reply = encode_frame(self.answer(SyncFrame.decode(data)).encode(), SYNC_MAX_FRAME)
                answered += 1
                writer.write(reply)
                self.bytes_written += len(reply)
                await writer.drain()
                self.served += 1
        except (AuraError, OSError) as exc:
            keep_error(self.errors, exc if isinstance(exc, AuraError) else ConnectionLost(str(exc)))
        finally:
            writer.close()
            with contextlib.suppress(ConnectionError, OSError):
                await writer.wait_closed()
            self._open.pop(writer).set_result(None)

    def answer(self, frame: SyncFrame) -> SyncFrame:
        """The response to one request (sans-IO); raises the typed error of a request
        that is not a member's, before anything is revealed or merged."""
        if frame.kind is SyncKind.Response or not frame.messages:
            raise UnexpectedPeer("a sync request holds sealed messages")
        service = self.node.service
        first = frame.messages[0]
        context, epoch = first.context_id, first.epoch
        if frame.kind is SyncKind.Pull:
            answers = tuple(a for page in frame.messages for a in service.answer_sync(page))
            digest = service.sync_digest(context, epoch=epoch)
            return SyncFrame(SyncKind.Response, frame.request_id, answers, (digest,))
        # Each sealed message is opened and checked before it is merged: a
        # non-member's first one already fails, with nothing merged.
        self.applied += sum(service.apply_sync(m) for m in frame.messages)
        follow_up = service.sync_follow_up(context, frame.messages, epoch=epoch)
        return SyncFrame(SyncKind.Response, frame.request_id, (), follow_up)


class _Requester:
    """Requests over one connection, each sent again until its response arrives."""

    def __init__(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        limits: Limits,
        rto_s: float,
        attempts: int,
    ) -> None:
        self.reader, self.writer = reader, writer
        self.decoder = FrameDecoder(limits.max_frame)
        self.rto_s, self.attempts = rto_s, attempts
        self.next_id = 0
        self.sent = 0
        self.retransmits = 0

    async def request(self, kind: SyncKind, messages: tuple[SealedSyncMessage, ...]) -> SyncFrame:
        self.next_id += 1
        data = encode_frame(SyncFrame(kind, self.next_id, messages).encode(), SYNC_MAX_FRAME)
        self.sent += 1
        for attempt in range(self.attempts):
            if attempt:
                self.retransmits += 1
            self.writer.write(data)
            await self.writer.drain()
            try:
                return await self._response(self.next_id)
            except PeerTimeout:
                continue
        raise PeerTimeout(f"no response to sync request {self.next_id} in {self.attempts} tries")

    async def _response(self, request_id: int) -> SyncFrame:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.rto_s
        while True:
            frame = SyncFrame.decode(
                await read_frame(self.reader, self.decoder, deadline - loop.time())
            )
            if frame.kind is not SyncKind.Response:
                raise UnexpectedPeer("the sync listener sent a request")
            if frame.request_id == request_id:
                return frame
            # An answer to a request we sent twice: its data was taken already.


async def sync_with(
    node: NetNode,
    context_id: ContextId,
    addr: str,
    *,
    epoch: int | None = None,
    limits: Limits | None = None,
    rto_s: float = 0.5,
    attempts: int = 6,
    max_rounds: int = MAX_SYNC_ROUNDS,
) -> SyncReport:
    """Pull from and push to the member listening at ``addr``, until both replicas
    hold the same facts of ``context_id``; messages sealed under ``epoch`` (ours now
    by default). Raises the typed error of a listener that is not a member, and
    :class:`PeerTimeout` if a request goes unanswered ``attempts`` times, and
    :class:`SyncWithoutEnd` if the pull or the push is not over after
    ``max_rounds`` rounds."""
    limits = limits or sync_limits()
    service = node.service
    epoch = node.epoch(context_id) if epoch is None else epoch
    host, port = split_addr(addr)
    try:
        reader, writer = await asyncio.wait_for(
            asyncio.open_connection(host, port), limits.connect_timeout_s
        )
    except TimeoutError:
        raise SafetyNetTimeout(
            f"sync connect to {addr} took over {limits.connect_timeout_s} s"
        ) from None
    link = _Requester(reader, writer, limits, rto_s, attempts)
    try:
        pulled = pushed = 0
        pages: tuple[SealedSyncMessage, ...] = (service.sync_digest(context_id, epoch=epoch),)
        theirs: tuple[SealedSyncMessage, ...] | None = None
        for rounds in itertools.count():
            if not pages:
                break
            if rounds == max_rounds:
                raise SyncWithoutEnd(f"the member at {addr}: pull not over after {rounds} rounds")
            response = await link.request(SyncKind.Pull, pages)
            pulled += sum(service.apply_sync(a) for a in response.messages)
            if theirs is None:
                theirs = response.digests
            pages = service.sync_follow_up(context_id, response.messages, epoch=epoch)
        for rounds in itertools.count():
            if not theirs:
                break
            if rounds == max_rounds:
                raise SyncWithoutEnd(f"the member at {addr}: push not over after {rounds} rounds")
            facts = tuple(m for page in theirs for m in service.answer_sync(page))
            if not facts:
                break
            theirs = (await link.request(SyncKind.Push, facts)).digests
            pushed += len(facts)
        return SyncReport(pulled, pushed, link.sent, link.retransmits)
    finally:
        writer.close()
        with contextlib.suppress(ConnectionError, OSError):
            await writer.wait_closed()
