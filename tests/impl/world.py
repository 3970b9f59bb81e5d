"""A small in-memory world of members, contexts and services for the core's tests."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence

from aura_rendezvous import (
    CAP_RELAY_FORWARD,
    CAP_RENDEZVOUS_CONNECT,
    CAP_RENDEZVOUS_PUBLISH,
    CAP_RENDEZVOUS_RELAY,
    AuthorityId,
    AuthorityKeys,
    ContextId,
    ContextMembership,
    EffectInterpreter,
    FlowBudgetStore,
    GuardSnapshot,
    ReceiptIssuer,
    RendezvousConfig,
    RendezvousService,
    Roster,
    SendEffect,
    TransportHint,
)

ALICE = AuthorityId(b"A" * 32)
BOB = AuthorityId(b"B" * 32)
RELAY = AuthorityId(b"R" * 32)
MALLORY = AuthorityId(b"M" * 32)  # never on any roster
CTX = ContextId(b"X" * 32)
OTHER_CTX = ContextId(b"Y" * 32)
ROOT = b"root-secret-of-context-X-32bytes"
OTHER_ROOT = b"root-secret-of-context-Y-32bytes"
ALL_CAPS = frozenset(
    {CAP_RENDEZVOUS_PUBLISH, CAP_RENDEZVOUS_CONNECT, CAP_RENDEZVOUS_RELAY, CAP_RELAY_FORWARD}
)

KEYS = {a: AuthorityKeys.from_seed(a, b"seed:" + a.value) for a in (ALICE, BOB, RELAY, MALLORY)}
MEMBERSHIP = ContextMembership(CTX, Roster.of(KEYS[ALICE], KEYS[BOB], KEYS[RELAY]), ROOT)
OTHER_MEMBERSHIP = ContextMembership(OTHER_CTX, Roster.of(KEYS[ALICE], KEYS[BOB]), OTHER_ROOT)


def counter_nonces(start: int = 1) -> Callable[[int], bytes]:
    """Injected randomness: a counter, so every run is reproducible."""
    counter = itertools.count(start)
    return lambda n: next(counter).to_bytes(n, "big")


def make_service(
    authority: AuthorityId,
    memberships: Sequence[ContextMembership] = (MEMBERSHIP,),
    cls: type[RendezvousService] = RendezvousService,
    validity_ms: int = 10_000,
    nonce_start: int = 1,
) -> RendezvousService:
    config = RendezvousConfig(
        KEYS[authority],
        memberships,
        counter_nonces(nonce_start),
        descriptor_validity_ms=validity_ms,
        refresh_window_ms=1_000,
    )
    return cls.new(authority, config)


def snapshot(
    authority: AuthorityId,
    context: ContextId = CTX,
    *,
    budget: int = 100,
    caps: frozenset[str] = ALL_CAPS,
    epoch: int = 1,
) -> GuardSnapshot:
    return GuardSnapshot(authority, context, budget, caps, epoch)


class Node:
    """A service with its interpreter, budget store and outbox."""

    def __init__(
        self,
        authority: AuthorityId,
        memberships: Sequence[ContextMembership] = (MEMBERSHIP,),
        *,
        limit: int = 100,
        service_cls: type[RendezvousService] = RendezvousService,
        interpreter_cls: type[EffectInterpreter] = EffectInterpreter,
        nonce_start: int = 1,
        validity_ms: int = 10_000,
    ) -> None:
        self.authority = authority
        self.service = make_service(
            authority, memberships, service_cls, validity_ms=validity_ms, nonce_start=nonce_start
        )
        self.budget = FlowBudgetStore({}, default_limit=limit)
        self.issuer = ReceiptIssuer(KEYS[authority])
        self.outbox: list[SendEffect] = []
        self.interpreter = interpreter_cls(
            authority, self.budget, self.service.journals, self.issuer, self.outbox.append
        )

    def snapshot(self, context: ContextId = CTX, *, epoch: int = 1, **kw: object) -> GuardSnapshot:
        remaining = self.budget.remaining(context, self.authority, epoch)
        return snapshot(self.authority, context, budget=remaining, epoch=epoch, **kw)  # type: ignore[arg-type]

    def publish(
        self,
        hints: Sequence[TransportHint],
        now_ms: int,
        *,
        context: ContextId = CTX,
        epoch: int = 1,
    ) -> None:
        outcome = self.service.prepare_publish_descriptor(
            self.snapshot(context, epoch=epoch), context, hints, now_ms
        )
        assert outcome.is_allowed(), outcome
        result = self.interpreter.execute(outcome)
        assert result.status.value == "Committed", result


def sync_pair(a: RendezvousService, b: RendezvousService, context: ContextId = CTX) -> None:
    """One anti-entropy round each way, reliable."""
    for msg in a.answer_sync(b.sync_digest(context)):
        b.apply_sync(msg)
    for msg in b.answer_sync(a.sync_digest(context)):
        a.apply_sync(msg)
