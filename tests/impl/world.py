"""The one builder of authorities for the tests: members, contexts, keys and nodes.

Every test that needs an authority gets it here: the core's tests through
:class:`Node`, the channel tests' service pairs (``tests/channels/service_pairs.py``)
through the same :class:`Node`, and the bare handshake pairs
(``tests/channels/channel_pairs.py``) through :func:`authority_keys`. A node is
one authority's service with its interpreter, budget store, receipt issuer and
outbox, wired in memory: a send lands in the outbox, so a test observes exactly
what would have gone on the wire.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Callable, Sequence

from aura_rendezvous import (
    CAP_RELAY_FORWARD,
    CAP_RENDEZVOUS_CONNECT,
    CAP_RENDEZVOUS_PUBLISH,
    CAP_RENDEZVOUS_RELAY,
    AuthorityId,
    AuthorityKeys,
    ChannelEstablished,
    ContextId,
    ContextMembership,
    EffectInterpreter,
    ExecutionResult,
    FlowBudgetStore,
    GuardOutcome,
    GuardSnapshot,
    ReceiptIssuer,
    RendezvousConfig,
    RendezvousFact,
    RendezvousService,
    Roster,
    SendEffect,
    TransportHint,
)
from aura_rendezvous.channels import ChannelEndpoint
from aura_rendezvous.core import MAX_FORWARDED_PER_EPOCH
from aura_rendezvous.journal import SealedSyncMessage

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


@functools.cache
def authority_keys(authority: AuthorityId) -> AuthorityKeys:
    """The authority's keys, derived from its id: the same authority, the same keys."""
    return AuthorityKeys.from_seed(authority, b"seed:" + authority.value)


KEYS = {a: authority_keys(a) for a in (ALICE, BOB, RELAY, MALLORY)}
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
    *,
    nonce_source: Callable[[int], bytes] | None = None,
    refresh_window_ms: int = 1_000,
    forward_capacity: int = MAX_FORWARDED_PER_EPOCH,
) -> RendezvousService:
    config = RendezvousConfig(
        authority_keys(authority),
        memberships,
        counter_nonces(nonce_start) if nonce_source is None else nonce_source,
        descriptor_validity_ms=validity_ms,
        refresh_window_ms=refresh_window_ms,
        relay_forward_capacity=forward_capacity,
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
    """A service with its interpreter, budget store, receipt issuer and outbox.

    ``context`` (the first membership's) is the default of :meth:`snapshot` and
    :meth:`facts`; ``capabilities`` are what its snapshots hold.
    """

    def __init__(
        self,
        authority: AuthorityId,
        memberships: Sequence[ContextMembership] = (MEMBERSHIP,),
        *,
        limit: int = 100,
        service_cls: type[RendezvousService] = RendezvousService,
        interpreter_cls: type[EffectInterpreter] = EffectInterpreter,
        nonce_start: int = 1,
        nonce_source: Callable[[int], bytes] | None = None,
        validity_ms: int = 10_000,
        refresh_window_ms: int = 1_000,
        capabilities: frozenset[str] = ALL_CAPS,
        forward_capacity: int = MAX_FORWARDED_PER_EPOCH,
    ) -> None:
        self.authority = authority
        self.context = memberships[0].context_id
        self.capabilities = capabilities
        self.service = make_service(
            authority,
            memberships,
            service_cls,
            validity_ms=validity_ms,
            nonce_start=nonce_start,
            nonce_source=nonce_source,
            refresh_window_ms=refresh_window_ms,
            forward_capacity=forward_capacity,
        )
        self.budget = FlowBudgetStore({}, default_limit=limit)
        self.issuer = ReceiptIssuer(authority_keys(authority))
        self.outbox: list[SendEffect] = []
        # The receipt that travelled with each message sent (message bytes -> receipt),
        # so a test hands the receiver what the transport would have carried.
        self.sent_receipts: dict[bytes, bytes] = {}
        self.interpreter = interpreter_cls(
            authority,
            self.budget,
            self.service.journals,
            self.issuer,
            self._send,
            channels=self.service.channel_endpoint,
            verifiers=self.service.receipt_verifiers,
            forwards=self.service.forwarded,
        )

    def _send(self, effect: SendEffect) -> None:
        self.outbox.append(effect)
        message = getattr(effect, "message", None)
        envelope = getattr(effect, "envelope", None)
        payload = message if message is not None else getattr(envelope, "payload", None)
        if isinstance(payload, bytes) and effect.receipt:
            self.sent_receipts[payload] = effect.receipt

    @property
    def id(self) -> AuthorityId:
        return self.authority

    @property
    def endpoint(self) -> ChannelEndpoint:
        return self.service.channel_endpoint

    def snapshot(
        self, context: ContextId | None = None, *, epoch: int = 1, **kw: object
    ) -> GuardSnapshot:
        """The node's own view at ``epoch``: its remaining budget and capabilities."""
        context = self.context if context is None else context
        remaining = self.budget.remaining(context, self.authority, epoch)
        kw.setdefault("caps", self.capabilities)
        return snapshot(self.authority, context, budget=remaining, epoch=epoch, **kw)  # type: ignore[arg-type]

    def run(self, outcome: GuardOutcome) -> ExecutionResult:
        return self.interpreter.execute(outcome)

    def publish(
        self,
        hints: Sequence[TransportHint],
        now_ms: int,
        *,
        context: ContextId | None = None,
        epoch: int = 1,
    ) -> None:
        context = self.context if context is None else context
        outcome = self.service.prepare_publish_descriptor(
            self.snapshot(context, epoch=epoch), context, hints, now_ms
        )
        assert outcome.is_allowed(), outcome
        result = self.interpreter.execute(outcome)
        assert result.status.value == "Committed", result

    def facts(self, context: ContextId | None = None) -> list[RendezvousFact]:
        return list(self.service.journal(self.context if context is None else context).facts())

    def established(self) -> list[ChannelEstablished]:
        return [f for f in self.facts() if isinstance(f, ChannelEstablished)]

    def take_sent(self) -> list[SendEffect]:
        """The sends since the last call (the outbox is emptied)."""
        sent, self.outbox[:] = list(self.outbox), []
        return sent


def sync_pair(
    a: RendezvousService, b: RendezvousService, context: ContextId = CTX, *, epoch: int = 0
) -> None:
    """One complete anti-entropy pull each way (every round of it), reliable, with
    every message sealed under ``epoch``'s sync key."""
    for puller, answerer in ((b, a), (a, b)):
        pages: tuple[SealedSyncMessage, ...] = (puller.sync_digest(context, epoch=epoch),)
        while pages:
            answers = [msg for page in pages for msg in answerer.answer_sync(page)]
            for msg in answers:
                puller.apply_sync(msg)
            pages = puller.sync_follow_up(context, answers, epoch=epoch)
