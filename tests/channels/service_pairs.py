"""Two ``RendezvousService``s paired in memory: real keys, journals, budgets, receipts,
effect interpreters and outboxes. Sends land in each party's outbox, so a test
observes exactly what would have gone on the wire."""

from __future__ import annotations

import hashlib
import itertools

import attrs
from aura_rendezvous import (
    CAP_RENDEZVOUS_CONNECT,
    CAP_RENDEZVOUS_PUBLISH,
    AuthorityId,
    AuthorityKeys,
    ChannelEstablished,
    ContextId,
    ContextMembership,
    DescriptorFact,
    EffectInterpreter,
    ExecutionResult,
    ExecutionStatus,
    FlowBudgetStore,
    GuardOutcome,
    GuardSnapshot,
    QuicDirect,
    ReceiptIssuer,
    RendezvousConfig,
    RendezvousService,
    Roster,
    SendEffect,
    SendHandshake,
    SendHandshakeResponse,
)
from aura_rendezvous.channels import ChannelEndpoint

CTX = ContextId(hashlib.sha256(b"service-pair context").digest())
ROOT = hashlib.sha256(b"service-pair root secret").digest()
ALICE_ID = AuthorityId(b"\x0a" * 32)
BOB_ID = AuthorityId(b"\x0b" * 32)
CAPS = frozenset({CAP_RENDEZVOUS_PUBLISH, CAP_RENDEZVOUS_CONNECT})
BUDGET = 1_000


def counter_source(tag: bytes):  # type: ignore[no-untyped-def]
    """Injected deterministic randomness: distinct 32-byte blocks per call."""
    counter = itertools.count()

    def source(n: int) -> bytes:
        out = b""
        while len(out) < n:
            out += hashlib.sha256(tag + next(counter).to_bytes(8, "big")).digest()
        return out[:n]

    return source


def keys_of(authority: AuthorityId) -> AuthorityKeys:
    return AuthorityKeys.from_seed(authority, hashlib.sha256(b"seed" + authority.value).digest())


@attrs.define
class Party:
    service: RendezvousService
    interpreter: EffectInterpreter
    budget: FlowBudgetStore
    outbox: list[SendEffect]
    capabilities: frozenset[str] = CAPS

    @property
    def id(self) -> AuthorityId:
        return self.service.authority_id

    @property
    def endpoint(self) -> ChannelEndpoint:
        return self.service.channel_endpoint

    def snapshot(self, epoch: int, context_id: ContextId = CTX) -> GuardSnapshot:
        return GuardSnapshot(
            self.id,
            context_id,
            self.budget.remaining(context_id, self.id, epoch),
            self.capabilities,
            epoch,
        )

    def run(self, outcome: GuardOutcome) -> ExecutionResult:
        return self.interpreter.execute(outcome)

    def facts(self) -> list[object]:
        return list(self.service.journal(CTX).facts())

    def established(self) -> list[ChannelEstablished]:
        return [f for f in self.facts() if isinstance(f, ChannelEstablished)]

    def take_sent(self) -> list[SendEffect]:
        sent, self.outbox[:] = list(self.outbox), []
        return sent


def make_party(authority: AuthorityId, membership: ContextMembership) -> Party:
    keys = keys_of(authority)
    service = RendezvousService.new(
        authority, RendezvousConfig(keys, [membership], counter_source(authority.value))
    )
    budget = FlowBudgetStore({}, default_limit=BUDGET)
    outbox: list[SendEffect] = []
    interpreter = EffectInterpreter(
        authority, budget, service.journals, ReceiptIssuer(keys), outbox.append
    )
    return Party(service, interpreter, budget, outbox)


def only_message(sent: list[SendEffect]) -> bytes:
    assert len(sent) == 1, sent
    effect = sent[0]
    assert isinstance(effect, SendHandshake | SendHandshakeResponse)
    return effect.message


@attrs.define
class ServicePair:
    alice: Party
    bob: Party
    membership: ContextMembership

    @classmethod
    def new(cls, epoch: int = 1, publish: bool = True) -> ServicePair:
        roster = Roster.of(keys_of(ALICE_ID), keys_of(BOB_ID))
        membership = ContextMembership(CTX, roster, ROOT)
        pair = cls(make_party(ALICE_ID, membership), make_party(BOB_ID, membership), membership)
        if publish:
            pair.publish(epoch)
        return pair

    def psk(self, epoch: int) -> bytes:
        return self.membership.handshake_psk(epoch)

    def publish(self, epoch: int, now_ms: int = 0) -> None:
        """Both publish a descriptor; sync copies each to the other's journal."""
        for me, other in ((self.alice, self.bob), (self.bob, self.alice)):
            outcome = me.service.prepare_publish_descriptor(
                me.snapshot(epoch), CTX, [QuicDirect("127.0.0.1:4433")], now_ms
            )
            assert me.run(outcome).status is ExecutionStatus.Committed
            for fact in me.facts():
                if isinstance(fact, DescriptorFact):
                    other.service.cache_descriptor(fact.sealed)

    def message1(self, epoch: int = 1, now_ms: int = 0) -> bytes:
        outcome = self.alice.service.prepare_establish_channel(
            self.alice.snapshot(epoch), CTX, BOB_ID, self.psk(epoch), now_ms=now_ms
        )
        assert outcome.is_allowed(), outcome
        assert self.alice.run(outcome).status is ExecutionStatus.Committed
        return only_message(self.alice.take_sent())

    def respond(self, msg1: bytes, epoch: int = 1, now_ms: int = 0) -> bytes:
        outcome = self.bob.service.prepare_handle_handshake(
            self.bob.snapshot(epoch), CTX, ALICE_ID, msg1, self.psk(epoch), now_ms=now_ms
        )
        assert outcome.is_allowed(), outcome
        assert self.bob.run(outcome).status is ExecutionStatus.Committed
        return only_message(self.bob.take_sent())

    def complete(self, msg2: bytes, epoch: int = 1, now_ms: int = 0) -> bytes:
        outcome = self.alice.service.prepare_handle_handshake(
            self.alice.snapshot(epoch), CTX, BOB_ID, msg2, self.psk(epoch), now_ms=now_ms
        )
        assert outcome.is_allowed(), outcome
        assert self.alice.run(outcome).status is ExecutionStatus.Committed
        return only_message(self.alice.take_sent())

    def confirm(self, confirmation: bytes, epoch: int = 1, now_ms: int = 0) -> ExecutionResult:
        outcome = self.bob.service.prepare_handle_handshake(
            self.bob.snapshot(epoch), CTX, ALICE_ID, confirmation, self.psk(epoch), now_ms=now_ms
        )
        return self.bob.run(outcome)

    def establish(self, epoch: int = 1, now_ms: int = 0) -> None:
        """The whole flow: message 1, message 2, confirmation, ChannelEstablished."""
        msg2 = self.respond(self.message1(epoch, now_ms), epoch, now_ms)
        result = self.confirm(self.complete(msg2, epoch, now_ms), epoch, now_ms)
        assert result.status is ExecutionStatus.Committed
