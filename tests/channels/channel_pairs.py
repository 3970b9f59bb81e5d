"""Two authorities, a roster and per-epoch PSKs, wired in memory for the bare
handshake and channel-manager tests.

The authorities and their static keys come from the one builder,
``tests/impl/world.py``; ids here are the raw bytes the channel layer takes.
"""

from __future__ import annotations

import hashlib
import itertools

import attrs
from aura_rendezvous import AuthorityId, ChannelManager, ContextId, HandshakeConfig, Handshaker
from aura_rendezvous.core import derive_handshake_psk
from aura_rendezvous.noise import Keypair

from ..impl import world

CTX_A = world.CTX.value
CTX_B = world.OTHER_CTX.value
ALICE = world.ALICE.value
BOB = world.BOB.value
CAROL = world.MALLORY.value  # not a member of any roster below
TIMEOUT_MS = 5_000


def keypair(tag: str) -> Keypair:
    return Keypair.from_private(hashlib.sha256(tag.encode()).digest())


def static_keypair(authority: bytes) -> Keypair:
    """The authority's Noise static key pair: its X25519 key from the builder."""
    return Keypair.from_private(world.authority_keys(AuthorityId(authority)).static_private)


STATIC = {a: static_keypair(a) for a in (ALICE, BOB, CAROL)}
ROSTER = {ALICE: STATIC[ALICE].public, BOB: STATIC[BOB].public}


ROOT_SECRET = world.ROOT


def psk(context_id: bytes, epoch: int, root: bytes = ROOT_SECRET) -> bytes:
    """The real secret PSK of (context, epoch) under ``root`` (DESIGN.md section 1)."""
    return derive_handshake_psk(root, ContextId(context_id), epoch)


_eph = itertools.count()


def ephemeral() -> Keypair:
    return keypair(f"ephemeral-{next(_eph)}")


def config(
    local: bytes,
    remote: bytes | None,
    context_id: bytes = CTX_A,
    epoch: int = 1,
    key: bytes | None = None,
) -> HandshakeConfig:
    return HandshakeConfig(
        local=local,
        remote=remote,
        context_id=context_id,
        psk=psk(context_id, epoch) if key is None else key,
        timeout_ms=TIMEOUT_MS,
        epoch=epoch,
    )


def initiator(cfg: HandshakeConfig, now_ms: int = 0, static: Keypair | None = None) -> Handshaker:
    assert cfg.remote is not None
    return Handshaker.initiator(
        cfg,
        static=STATIC[cfg.local] if static is None else static,
        remote_static=ROSTER[cfg.remote],
        ephemeral=ephemeral(),
        now_ms=now_ms,
    )


@attrs.define
class ManagerPair:
    """Alice's and Bob's channel managers, with helpers that run a whole handshake."""

    alice: ChannelManager
    bob: ChannelManager
    timestamp: int = 0

    @classmethod
    def new(cls, epoch: int = 1) -> ManagerPair:
        return cls(ChannelManager(ALICE, epoch), ChannelManager(BOB, epoch))

    def handshake(self, context_id: bytes = CTX_A, now_ms: int = 0) -> tuple[bytes, bytes]:
        """Alice initiates to Bob; return (message 1, message 2) after a full run."""
        self.timestamp += 1
        epoch = self.alice.current_epoch
        msg1 = self.alice.start_handshake(
            config(ALICE, BOB, context_id, epoch),
            static=STATIC[ALICE],
            remote_static=ROSTER[BOB],
            ephemeral=ephemeral(),
            timestamp=self.timestamp,
            now_ms=now_ms,
        )
        _, msg2 = self.bob.accept_handshake(
            config(BOB, None, context_id, self.bob.current_epoch),
            msg1,
            static=STATIC[BOB],
            roster=ROSTER.get,
            ephemeral=ephemeral(),
            now_ms=now_ms,
        )
        _, confirm = self.alice.finish_handshake(context_id, BOB, msg2, now_ms)
        received = self.bob.receive(confirm)
        assert received.confirmed
        return msg1, msg2
