"""Two ``RendezvousService`` nodes paired in memory for the channel tests.

The authorities, their keys and each node (service, interpreter, budget,
receipts, outbox) come from the one builder, ``tests/impl/world.py``; this
module only fixes the pair's context and runs the handshake steps.
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Callable

import attrs
from aura_rendezvous import (
    CAP_RENDEZVOUS_CONNECT,
    CAP_RENDEZVOUS_PUBLISH,
    CONNECT_DIRECT_COST,
    AuthorityId,
    ContextMembership,
    DescriptorFact,
    ExecutionResult,
    ExecutionStatus,
    QuicDirect,
    Roster,
    SendEffect,
    SendHandshake,
    SendHandshakeResponse,
)

from ..impl.world import ALICE, BOB, CTX, ROOT, Node, authority_keys

ALICE_ID = ALICE
BOB_ID = BOB
CAPS = frozenset({CAP_RENDEZVOUS_PUBLISH, CAP_RENDEZVOUS_CONNECT})
BUDGET = 1_000


def counter_source(tag: bytes) -> Callable[[int], bytes]:
    """Injected deterministic randomness: distinct 32-byte blocks per call."""
    counter = itertools.count()

    def source(n: int) -> bytes:
        out = b""
        while len(out) < n:
            out += hashlib.sha256(tag + next(counter).to_bytes(8, "big")).digest()
        return out[:n]

    return source


def make_party(authority: AuthorityId, membership: ContextMembership) -> Node:
    """A node of the pair: the service defaults of the seed, a large budget."""
    return Node(
        authority,
        [membership],
        limit=BUDGET,
        nonce_source=counter_source(authority.value),
        validity_ms=3_600_000,
        refresh_window_ms=300_000,
        capabilities=CAPS,
    )


def only_message(sent: list[SendEffect]) -> bytes:
    assert len(sent) == 1, sent
    effect = sent[0]
    assert isinstance(effect, SendHandshake | SendHandshakeResponse)
    return effect.message


@attrs.define
class ServicePair:
    alice: Node
    bob: Node
    membership: ContextMembership

    @classmethod
    def new(cls, epoch: int = 1, publish: bool = True) -> ServicePair:
        roster = Roster.of(authority_keys(ALICE_ID), authority_keys(BOB_ID))
        membership = ContextMembership(CTX, roster, ROOT)
        pair = cls(make_party(ALICE_ID, membership), make_party(BOB_ID, membership), membership)
        if publish:
            pair.publish(epoch)
        return pair

    def psk(self, epoch: int) -> bytes:
        return self.membership.handshake_psk(epoch)

    def pay(self, message: bytes, epoch: int = 1) -> bytes:
        """Alice's next receipt to Bob, as if ``message`` (built outside her service)
        had been her paid message 1; ``receipt_of(message)`` returns it from now on."""
        receipt, _ = self.alice.issuer.issue(
            "connect_direct", CTX, BOB_ID, epoch, CONNECT_DIRECT_COST
        )
        self.alice.sent_receipts[message] = receipt.encode()
        return message

    def receipt_of(self, message: bytes) -> bytes | None:
        """The receipt that travelled with ``message`` (``None`` for bytes neither sent)."""
        return self.alice.sent_receipts.get(message) or self.bob.sent_receipts.get(message)

    def publish(self, epoch: int, now_ms: int = 0) -> None:
        """Both publish a descriptor; sync copies each to the other's journal."""
        for me, other in ((self.alice, self.bob), (self.bob, self.alice)):
            outcome = me.service.prepare_publish_descriptor(
                me.snapshot(epoch=epoch), CTX, [QuicDirect("127.0.0.1:4433")], now_ms
            )
            assert me.run(outcome).status is ExecutionStatus.Committed
            for fact in me.facts():
                if isinstance(fact, DescriptorFact):
                    other.service.cache_descriptor(fact.sealed)

    def message1(self, epoch: int = 1, now_ms: int = 0) -> bytes:
        outcome = self.alice.service.prepare_establish_channel(
            self.alice.snapshot(epoch=epoch), CTX, BOB_ID, self.psk(epoch), now_ms=now_ms
        )
        assert outcome.is_allowed(), outcome
        assert self.alice.run(outcome).status is ExecutionStatus.Committed
        return only_message(self.alice.take_sent())

    def respond(self, msg1: bytes, epoch: int = 1, now_ms: int = 0) -> bytes:
        outcome = self.bob.service.prepare_handle_handshake(
            self.bob.snapshot(epoch=epoch),
            CTX,
            ALICE_ID,
            msg1,
            self.psk(epoch),
            now_ms=now_ms,
            receipt=self.receipt_of(msg1),
        )
        assert outcome.is_allowed(), outcome
        assert self.bob.run(outcome).status is ExecutionStatus.Committed
        return only_message(self.bob.take_sent())

    def complete(self, msg2: bytes, epoch: int = 1, now_ms: int = 0) -> bytes:
        outcome = self.alice.service.prepare_handle_handshake(
            self.alice.snapshot(epoch=epoch),
            CTX,
            BOB_ID,
            msg2,
            self.psk(epoch),
            now_ms=now_ms,
            receipt=self.receipt_of(msg2),
        )
        assert outcome.is_allowed(), outcome
        assert self.alice.run(outcome).status is ExecutionStatus.Committed
        return only_message(self.alice.take_sent())

    def confirm(self, confirmation: bytes, epoch: int = 1, now_ms: int = 0) -> ExecutionResult:
        outcome = self.bob.service.prepare_handle_handshake(
            self.bob.snapshot(epoch=epoch),
            CTX,
            ALICE_ID,
            confirmation,
            self.psk(epoch),
            now_ms=now_ms,
        )
        return self.bob.run(outcome)

    def establish(self, epoch: int = 1, now_ms: int = 0) -> None:
        """The whole flow: message 1, message 2, confirmation, ChannelEstablished."""
        msg2 = self.respond(self.message1(epoch, now_ms), epoch, now_ms)
        result = self.confirm(self.complete(msg2, epoch, now_ms), epoch, now_ms)
        assert result.status is ExecutionStatus.Committed
