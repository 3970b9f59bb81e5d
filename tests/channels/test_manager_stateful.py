"""Stateful property test: ChannelManager invariants hold under any sequence of handshakes,
epoch advances, sends, receives (including replays) and closes, in two contexts."""

from __future__ import annotations

import pytest
from aura_rendezvous import (
    ChannelClosedError,
    ChannelState,
    ReplayedMessage,
    RetiredEpoch,
    UnknownChannel,
)
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from .channel_pairs import ALICE, BOB, CTX_A, CTX_B, ManagerPair

CONTEXTS = st.sampled_from([CTX_A, CTX_B])


class ManagerMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.pair = ManagerPair.new(epoch=1)
        self.seen: list[tuple[bytes, int, bytes]] = []  # (context, epoch, wire) delivered
        self.ever: list[object] = []

    @rule(context=CONTEXTS)
    def ChannelEstablish(self, context: bytes) -> None:
        self.pair.handshake(context)
        self.ever.extend(self.pair.alice.channels())

    @rule()
    def AdvanceEpoch(self) -> None:
        epoch = self.pair.alice.current_epoch + 1
        self.pair.alice.advance_epoch(epoch)
        self.pair.bob.advance_epoch(epoch)

    @rule(context=CONTEXTS, payload=st.binary(max_size=8))
    def Send(self, context: bytes, payload: bytes) -> None:
        channel = self.pair.alice.find_by_context_peer(context, BOB)
        if channel is None or not channel.is_active():
            with pytest.raises(ChannelClosedError):
                self.pair.alice.seal(context, BOB, payload)
            return
        wire = self.pair.alice.seal(context, BOB, payload)
        got = self.pair.bob.receive(wire)
        assert got.plaintext == payload
        assert got.channel.context_id == context
        self.seen.append((context, self.pair.bob.current_epoch, wire))

    @precondition(lambda self: bool(self.seen))
    @rule(index=st.integers(min_value=0))
    def Replay(self, index: int) -> None:
        _, epoch, wire = self.seen[index % len(self.seen)]
        if epoch < self.pair.bob.current_epoch:
            with pytest.raises(RetiredEpoch):
                self.pair.bob.receive(wire)
        else:
            # Same epoch: a replay on the live channel, or a superseded (dropped) one.
            with pytest.raises((ReplayedMessage, UnknownChannel)):
                self.pair.bob.receive(wire)

    @rule(context=CONTEXTS)
    def Close(self, context: bytes) -> None:
        channel = self.pair.alice.find_by_context_peer(context, BOB)
        if channel is not None:
            self.pair.alice.close(channel.channel_id)

    @invariant()
    def LookupStaysInContext(self) -> None:
        for context in (CTX_A, CTX_B):
            for manager, peer in ((self.pair.alice, BOB), (self.pair.bob, ALICE)):
                found = manager.find_by_context_peer(context, peer)
                assert found is None or found.context_id == context

    @invariant()
    def ActiveOnlyAtCurrentEpoch(self) -> None:
        for manager in (self.pair.alice, self.pair.bob):
            for channel in manager.channels():
                if channel.is_active():
                    assert channel.epoch == manager.current_epoch
                if channel.epoch < manager.current_epoch:
                    assert channel.state is ChannelState.Rotating

    @invariant()
    def AtMostOneActivePerPair(self) -> None:
        for manager in (self.pair.alice, self.pair.bob):
            keys = [(c.context_id, c.remote) for c in manager.channels() if c.is_active()]
            assert len(keys) == len(set(keys))

    @invariant()
    def TerminalNeverRevived(self) -> None:
        for channel in self.ever:
            state = channel.state  # type: ignore[attr-defined]
            if channel not in self.pair.alice.channels():
                assert state in (ChannelState.Closed, ChannelState.Error)


ManagerMachine.TestCase.settings = settings(max_examples=25, stateful_step_count=20, deadline=None)
TestManagerMachine = ManagerMachine.TestCase
