"""Stateful property test through two services: under any interleaving of handshake
steps, replays, bit flips and clock advances, ChannelEstablished is journaled exactly
for the channels whose key confirmation Bob accepted, and rejections send nothing."""

from __future__ import annotations

from aura_rendezvous import (
    AuraError,
    ExecutionStatus,
    HandshakeTimeout,
    LocalProtocolError,
    SendHandshake,
    SendHandshakeResponse,
)
from aura_rendezvous.channels import DEFAULT_HANDSHAKE_TIMEOUT_MS
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from ..impl.world import CTX
from .service_pairs import ALICE_ID, BOB_ID, ServicePair


class ServiceMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.pair = ServicePair.new()
        self.now = 0
        self.to_bob: list[bytes] = []  # every message 1 and confirmation ever sent to Bob
        self.to_alice: list[bytes] = []  # every message 2 ever sent to Alice
        self.confirmed: set[bytes] = set()  # channel ids Bob accepted a confirmation for
        self.alice_ids: set[bytes] = set()

    def _deliver(self, receiver: str, message: bytes) -> None:
        party = self.pair.bob if receiver == "bob" else self.pair.alice
        peer = ALICE_ID if receiver == "bob" else BOB_ID
        before = len(party.outbox)
        try:
            outcome = party.service.prepare_handle_handshake(
                party.snapshot(epoch=1), CTX, peer, message, self.pair.psk(1), now_ms=self.now
            )
        except (AuraError, HandshakeTimeout) as exc:
            assert not isinstance(exc, LocalProtocolError) or "pending" in str(exc)
            assert len(party.outbox) == before  # a rejection sends nothing
            return
        result = party.run(outcome)
        for sent in party.take_sent():
            assert isinstance(sent, SendHandshakeResponse)
            (self.to_alice if receiver == "bob" else self.to_bob).append(sent.message)
        if receiver == "bob" and result.status is ExecutionStatus.Committed and not result.sent:
            for fact in self.pair.bob.established():
                self.confirmed.add(fact.channel_id)
        if receiver == "alice":
            for channel in party.endpoint.manager.channels():
                self.alice_ids.add(channel.channel_id)

    @rule()
    def InitiatorStart(self) -> None:
        outcome = self.pair.alice.service.prepare_establish_channel(
            self.pair.alice.snapshot(epoch=1), CTX, BOB_ID, self.pair.psk(1), now_ms=self.now
        )
        self.pair.alice.run(outcome)
        for sent in self.pair.alice.take_sent():
            assert isinstance(sent, SendHandshake)
            self.to_bob.append(sent.message)

    @rule()
    def ChannelEstablish(self) -> None:
        """The honest run: start, then each message delivered at once, in order."""
        self.InitiatorStart()
        self._deliver("bob", self.to_bob[-1])
        if self.to_alice:
            self._deliver("alice", self.to_alice[-1])
        self._deliver("bob", self.to_bob[-1])

    @precondition(lambda self: bool(self.to_bob))
    @rule(index=st.integers(min_value=0), flip=st.none() | st.integers(min_value=0))
    def DeliverToBob(self, index: int, flip: int | None) -> None:
        message = bytearray(self.to_bob[index % len(self.to_bob)])
        if flip is not None:
            message[flip % len(message)] ^= 0x10
        self._deliver("bob", bytes(message))

    @precondition(lambda self: bool(self.to_alice))
    @rule(index=st.integers(min_value=0), flip=st.none() | st.integers(min_value=0))
    def DeliverToAlice(self, index: int, flip: int | None) -> None:
        message = bytearray(self.to_alice[index % len(self.to_alice)])
        if flip is not None:
            message[flip % len(message)] ^= 0x10
        self._deliver("alice", bytes(message))

    @rule(step=st.sampled_from([1, DEFAULT_HANDSHAKE_TIMEOUT_MS // 2]))
    def Tick(self, step: int) -> None:
        self.now += step
        for party in (self.pair.alice, self.pair.bob):
            party.endpoint.manager.check_timeouts(self.now)

    @invariant()
    def FactsExactlyForConfirmedChannels(self) -> None:
        facts = self.pair.bob.established()
        ids = [f.channel_id for f in facts]
        assert len(ids) == len(set(ids))  # one fact per channel
        assert set(ids) == self.confirmed
        assert set(ids) <= self.alice_ids  # only channels Alice completed
        assert self.pair.alice.established() == []  # the initiator journals nothing

    @invariant()
    def ActiveResponderChannelsHaveFacts(self) -> None:
        ids = {f.channel_id for f in self.pair.bob.established()}
        for channel in self.pair.bob.endpoint.manager.channels():
            if channel.is_active():
                assert channel.channel_id in ids
            assert channel.context_id == CTX.value


ServiceMachine.TestCase.settings = settings(max_examples=20, stateful_step_count=15, deadline=None)
TestServiceMachine = ServiceMachine.TestCase
