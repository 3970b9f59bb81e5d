"""The relayed path and the flow budget as bytes: the reference relay between the members.

:class:`RelayNet` is the reference relay (a :class:`RendezvousService` holding
``relay:forward``, its own budget, receipts and forward memory) and the
reference peer's relayed side: the peer's service, whose channel endpoint shares
the peer's channel manager, so a handshake through the relay builds the channel
the direct traffic then runs on. The harness carries every envelope and receipt
as bytes: from the backend to the relay, from the relay to the peer, and back.

The relay sees the envelope's context, source and destination and the
protocol message's clear header, nothing else: the backend's static key and id
travel encrypted in message 1. Each check raises :class:`ConformanceFailure`:

- ``WireRelayed``: the reference relay accepts the backend's envelope (a protocol
  message between two members of the context, its receipt present, signed by
  the backend and the next of its chain to the relay), the message inside
  opens at the reference peer, and the backend takes what the relay forwards
  back to it;
- the budget of each ``Connect`` and ``RelayConnect`` is judged by
  :class:`~aura_conformance.wire.budget.BudgetBook` (``RVBudgetWithinLimit``,
  ``RVNoMessageOnDeny``, ``RVBudgetOK``; the charge before the send,
  ``GCChargeFirst``).
"""

from __future__ import annotations

import itertools

from aura_rendezvous import (
    CAP_RELAY_FORWARD,
    AuraError,
    AuthorityId,
    AuthorityKeys,
    ContextId,
    ContextMembership,
    EffectInterpreter,
    FlowBudgetStore,
    GuardOutcome,
    GuardSnapshot,
    ReceiptIssuer,
    RelayEnvelope,
    RendezvousConfig,
    RendezvousService,
    Roster,
    RosterEntry,
    SealedDescriptor,
    SendEffect,
    WebSocketRelay,
)
from aura_rendezvous.channels import ChannelEndpoint
from aura_rendezvous.descriptors import build_descriptor, seal_descriptor, sign_descriptor

from aura_conformance.wire.authority import TIMEOUT_MS, Delivery
from aura_conformance.wire.descriptors import VALIDITY_MS
from aura_conformance.wire.guarded import PEER_CAPS, RELAY_ACTIONS, wire_items
from aura_conformance.wire.keyring import (
    BUDGET_LIMIT,
    CONNECT_COST,
    INI,
    RELAY_BUDGET_LIMIT,
    RELAY_CONNECT_COST,
    RESP,
)
from aura_conformance.wire.peer import WireRun
from aura_conformance.wire.publish import held_offer, supports_connect, supports_descriptors

__all__ = [
    "CONNECTS_PER_EPOCH",
    "RelayNet",
    "connect",
    "exhaust_budget",
    "offer_direct_descriptor",
    "offer_relay_descriptor",
    "relay_attacks",
    "relayed_handshake",
    "relayed_handshake_resp",
    "relayed_replay",
    "supports_relay",
]

# The peer's own budget on the relayed path: never the limit a run is about.
_AMPLE = 1 << 40
# How many connects one epoch's budget pays for (the next is denied).
CONNECTS_PER_EPOCH = BUDGET_LIMIT // min(CONNECT_COST, RELAY_CONNECT_COST)


def supports_relay(run: WireRun) -> bool:
    """Whether the backend declared ``RelayConnect`` and ``DeliverRelayed`` (they need
    the descriptor requests: the relay is named by the peer's descriptor)."""
    declared = getattr(run.backend, "supported", None)
    return supports_descriptors(run) and (declared is None or set(RELAY_ACTIONS) <= set(declared))


class _Node:
    """One reference service with its budget, receipts and interpreter."""

    def __init__(
        self,
        service: RendezvousService,
        keys: AuthorityKeys,
        caps: frozenset[str],
        limit: int = _AMPLE,
    ):
        self.service = service
        self.caps = caps
        self.budget = FlowBudgetStore({}, default_limit=limit)
        self.outbox: list[SendEffect] = []
        self.interpreter = EffectInterpreter(
            service.authority_id,
            self.budget,
            service.journals,
            ReceiptIssuer(keys),
            self.outbox.append,
            channels=service.channel_endpoint,
            verifiers=service.receipt_verifiers,
            forwards=service.forwarded,
        )

    def snapshot(self, context: ContextId, epoch: int) -> GuardSnapshot:
        me = self.service.authority_id
        remaining = self.budget.remaining(context, me, epoch)
        return GuardSnapshot(me, context, remaining, self.caps, epoch)

    def run(self, outcome: GuardOutcome) -> list[SendEffect]:
        self.interpreter.execute(outcome)
        sent, self.outbox[:] = list(self.outbox), []
        return sent


class RelayNet:
    """The reference relay and the reference peer's relayed side of one run."""

    def __init__(self, run: WireRun) -> None:
        self.run = run
        keys = run.keys
        relay = keys.relay
        self.relay_id = AuthorityId(relay.authority_id)
        self.context = ContextId(keys.context_id)
        relay_keys = AuthorityKeys.from_seed(self.relay_id, relay.signing_seed)
        roster = Roster(
            {
                **{
                    AuthorityId(m.authority_id): RosterEntry(m.signing_public, m.static.public)
                    for m in keys.members.values()
                },
                self.relay_id: RosterEntry(relay.signing_public, relay.static.public),
            }
        )
        membership = ContextMembership(self.context, roster, keys.root_secret)
        nonces = itertools.count(1)
        service = RendezvousService(
            self.relay_id,
            RendezvousConfig(relay_keys, (membership,), lambda k: next(nonces).to_bytes(k, "big")),
        )
        # The relay's budget is the one WireRendezvous.tla judges its forwards by.
        self.relay = _Node(
            service, relay_keys, frozenset({CAP_RELAY_FORWARD}), limit=RELAY_BUDGET_LIMIT
        )
        # The peer's service (its descriptors' too) takes the peer's channel manager
        # and static key: a relayed handshake builds the channel of direct traffic.
        desk, peer = run.peer_desk, run.peer.authority
        endpoint = ChannelEndpoint(desk.id, peer.static.private, desk.service.config.nonce_source)
        endpoint.timeout_ms = TIMEOUT_MS
        endpoint.manager = peer.manager
        desk.service.channel_endpoint = endpoint
        self.peer = _Node(desk.service, desk.keys, PEER_CAPS)
        # The envelopes (with their receipts) of the backend's last relayed handshake:
        # message 1 (paid) and the key confirmation (not paid), which the attacker replays.
        self.last: list[tuple[RelayEnvelope, bytes]] = []
        # The last message 1 the relay forwarded to the backend, with the relay's receipt.
        self.delivered: tuple[RelayEnvelope, bytes] | None = None

    def forward(self, data: bytes, receipt: bytes) -> tuple[RelayEnvelope, bytes] | str:
        """The relay takes ``data`` (an encoded envelope) and the receipt that came with
        it: the envelope it forwards and the relay's receipt, or why it did not."""
        try:
            envelope = RelayEnvelope.decode(data)
            outcome = self.relay.service.prepare_relay_forward(
                self.relay.snapshot(self.context, self.run.epoch), envelope, receipt=receipt or None
            )
        except AuraError as exc:
            return f"Rejected:{type(exc).__name__} ({exc})"
        if not outcome.is_allowed():
            return f"Denied:{getattr(outcome.decision, 'reason', '?')}"
        sends = self.relay.run(outcome)
        if len(sends) != 1:
            return f"RolledBack ({len(sends)} sends)"
        forwarded = wire_items(sends)
        return RelayEnvelope.decode(forwarded[0]), (forwarded[1] if len(forwarded) > 1 else b"")

    def peer_takes(self, envelope: RelayEnvelope, receipt: bytes) -> tuple[str, list[bytes]]:
        """The reference peer handles an envelope the relay forwarded: its outcome and
        what it sent back through the relay (envelopes, each with its receipt)."""
        peer = self.run.peer.authority
        psk = self.run.peer_desk.membership.handshake_psk(peer.epoch)
        try:
            outcome = self.peer.service.prepare_handle_relayed(
                self.peer.snapshot(self.context, peer.epoch),
                self.relay_id,
                envelope,
                psk,
                now_ms=self.run.now,
                receipt=receipt or None,
            )
        except AuraError as exc:
            return f"Rejected:{type(exc).__name__}", []
        if not outcome.is_allowed():
            return f"Denied:{getattr(outcome.decision, 'reason', '?')}", []
        return "Taken", list(wire_items(self.peer.run(outcome)))


def _net(run: WireRun) -> RelayNet:
    if run.relay_net is None:
        run.relay_net = RelayNet(run)
    net: RelayNet = run.relay_net
    return net


def offer_relay_descriptor(run: WireRun) -> bytes:
    """The peer publishes a descriptor reachable only through the relay, committing to
    this epoch's PSK, and the backend is offered it (it is then its newest)."""
    desk = run.peer_desk
    hints = [WebSocketRelay(AuthorityId(run.keys.relay.authority_id))]
    data = desk.seal(desk.build(run.now, run.epoch, hints), run.epoch)
    desk.service.cache_descriptor(SealedDescriptor.decode(data))
    held_offer(run, data)
    return data


def _split(run: WireRun, items: list[bytes], action: str) -> list[tuple[RelayEnvelope, bytes]]:
    """``sent`` of a relayed request: envelopes, each followed by its receipt if paid."""
    out: list[tuple[RelayEnvelope, bytes]] = []
    for item in items:
        try:
            out.append((RelayEnvelope.decode(item), b""))
            continue
        except AuraError:
            pass
        if not out or out[-1][1]:
            raise run.fail(
                "WireRelayed",
                action,
                f"sent {item[:8].hex()}... ({len(item)} bytes): neither a relay envelope nor "
                "the receipt following one",
            )
        out[-1] = (out[-1][0], item)
    return out


def _relay_takes(
    run: WireRun, envelope: RelayEnvelope, receipt: bytes, action: str, what: str
) -> tuple[RelayEnvelope, bytes]:
    got = _net(run).forward(envelope.encode(), receipt)
    if isinstance(got, str):
        raise run.fail(
            "WireRelayed",
            action,
            f"the reference relay refused {what}: {got}"
            + ("" if receipt else " (it came with no receipt)"),
        )
    run.relay_forwarded(got[0].payload)
    return got


def _only_ciphertext(run: WireRun, envelope: RelayEnvelope, action: str) -> None:
    """What the relay can read of message 1 is routing: the backend's static key and
    the plaintext payload travel encrypted."""
    me = run.keys.members[INI]
    src, dst = envelope.src.value, envelope.dst.value
    if (src, dst) != (me.authority_id, run.peer.authority.id):
        raise run.fail(
            "WireRelayed", action, "its envelope is not from itself to the peer (src, dst)"
        )
    if envelope.context_id.value != run.keys.context_id:
        raise run.fail("WireRelayed", action, "its envelope names another context")
    if me.static.public in envelope.payload:
        raise run.fail(
            "WireRelayed", action, "its static key is readable by the relay in message 1"
        )


def relayed_handshake(run: WireRun) -> bool:
    """Backend as Ini, the peer reachable only through the relay: ``RelayConnect``
    must send its message 1 in an envelope with a signed receipt; the relay forwards
    it, the peer answers through the relay, the backend confirms through the relay,
    and the channel carries real traffic. False when the budget denied (judged)."""
    offer_relay_descriptor(run)
    reply = run.request("RelayConnect", {"timestamp": run.timestamp()})
    items = run._bytes(reply, "sent", "RelayConnect")
    if not items:
        return False
    sent = _split(run, items, "RelayConnect")
    if len(sent) != 1:
        raise run.fail("WireRelayed", "RelayConnect", f"sent {len(sent)} envelopes, expected one")
    envelope, receipt = sent[0]
    _only_ciphertext(run, envelope, "RelayConnect")
    net = _net(run)
    net.last = [(envelope, receipt)]
    forwarded, relay_receipt = _relay_takes(run, envelope, receipt, "RelayConnect", "message 1")
    outcome, answer = net.peer_takes(forwarded, relay_receipt)
    if answer:
        # The peer's relayed answer is charged (its own budget: the cost).
        run.rendezvous.charge_answer(run.peer.authority.epoch, RELAY_CONNECT_COST)
    run.observed_peer(
        "Deliver",
        forwarded.payload,
        Delivery("Answered" if answer else outcome, tuple(_payloads(answer))),
        run.peer.channel_state(),
        relayed=True,
    )
    if not answer:
        raise run.fail(
            "WireRelayed",
            "RelayConnect",
            f"the message 1 inside its envelope does not open at the reference peer ({outcome})",
        )
    [(message2, paid)] = _split(run, answer, "RelayConnect")
    back, back_receipt = _relay_takes(run, message2, paid, "RelayConnect", "the peer's message 2")
    run.established = False
    reply = run.request(
        "DeliverRelayed", {"bytes": back.encode().hex(), "receipt": back_receipt.hex()}
    )
    confirmation = _split(run, run._bytes(reply, "sent", "DeliverRelayed"), "DeliverRelayed")
    if len(confirmation) != 1:
        raise run.fail(
            "WireRelayed",
            "DeliverRelayed",
            f"took the relayed message 2 ({reply.outcome}) and sent {len(confirmation)} "
            "envelopes, expected its key confirmation through the relay",
        )
    run._channel(reply, "Active", "DeliverRelayed", "after the relayed message 2")
    envelope, receipt = confirmation[0]
    net.last.append((envelope, receipt))
    forwarded, relay_receipt = _relay_takes(
        run, envelope, receipt, "DeliverRelayed", "the key confirmation"
    )
    outcome, _ = net.peer_takes(forwarded, relay_receipt)
    run.observed_peer("Deliver", forwarded.payload, Delivery("Confirmed"), run.peer.channel_state())
    if run.peer.channel_state() != "Active":
        raise run.fail(
            "WireRelayed",
            "DeliverRelayed",
            f"the reference peer refused its relayed key confirmation ({outcome})",
        )
    run.established = True
    run.closed = False
    run.probe()
    return True


def relay_attacks(run: WireRun) -> None:
    """The relay's attacker, after a relayed handshake of the backend as Ini: its
    message 1 envelope (with its receipt) and its key confirmation's (which needs
    none) handed to the relay again, and an envelope in Ini's name for Resp whose
    payload is no protocol message (Rendezvous.tla's ``InjectJunk``). The reference
    relay must forward none: a forward is judged as ``RelayForward``, which has none
    of these steps (``RVRelayForwardsOnce``, ``RVRelayForwardsOnlyProtocol``)."""
    net = _net(run)
    if not net.last:
        return
    context = net.last[0][0].context_id
    members = run.keys.members
    junk = RelayEnvelope(
        context,
        AuthorityId(members[INI].authority_id),
        AuthorityId(members[RESP].authority_id),
        bytes([1, 7]) + bytes(40),
    )
    run.relay_junk(junk.payload)
    attempts = [("a replayed envelope", e, r) for e, r in net.last]
    attempts.append(("an envelope that is no protocol message", junk, b""))
    for what, envelope, paid in attempts:
        got = net.forward(envelope.encode(), paid)
        if isinstance(got, str):
            continue
        run.relay_forwarded(got[0].payload)
        raise run.fail("WireRelayed", "", f"the reference relay forwarded {what}")


def relayed_replay(run: WireRun) -> None:
    """Backend as Resp, after a relayed handshake: the message 1 the relay forwarded to
    it, delivered again with the relay's receipt (an attacker replaying it past the
    relay). It must change nothing and send nothing (``RVReplayRejected``; the relay's
    receipt is spent, ``GCReceiptNoReplay``)."""
    net = _net(run)
    if net.delivered is None:
        return
    envelope, receipt = net.delivered
    channel = run.request("Tick", {}).state.get("channel")
    reply = run.request(
        "DeliverRelayed", {"bytes": envelope.encode().hex(), "receipt": receipt.hex()}
    )
    sent = run._bytes(reply, "sent", "DeliverRelayed")
    received = reply.state.get("received", ())
    if sent or received or reply.state.get("channel") != channel:
        raise run.fail(
            "WireRejectsAttack",
            "DeliverRelayed",
            f"accepted a replay of the relayed message 1 it answered ({reply.outcome}; "
            f"channel {channel} -> {reply.state.get('channel')}, {len(sent)} sent, "
            f"{len(received)} plaintexts; RVReplayRejected)",
        )


def backend_relay_descriptor(run: WireRun) -> None:
    """The backend's descriptor whose only hint is the relay, as the backend would
    publish it (the harness holds its signing seed), in the reference peer's cache
    only: the peer's relayed connect chooses it (newest at ``now``, greatest nonce)."""
    desk, member = run.peer_desk, run.keys.members[run.role]
    keys = AuthorityKeys.from_seed(AuthorityId(member.authority_id), member.signing_seed)
    run.relayed_descriptors += 1
    descriptor = build_descriptor(
        keys.authority_id,
        desk.context,
        transport_hints=[WebSocketRelay(AuthorityId(run.keys.relay.authority_id))],
        handshake_psk_commitment=desk.membership.psk_commitment(run.epoch),
        now_ms=run.now,
        validity_ms=VALIDITY_MS,
        nonce=b"\xff" * 24 + run.relayed_descriptors.to_bytes(8, "big"),
    )
    sealed = seal_descriptor(sign_descriptor(descriptor, keys), desk.membership, run.epoch)
    desk.service.cache_descriptor(sealed)


def relayed_handshake_resp(run: WireRun) -> bool:
    """Backend as Resp: the reference peer connects through the relay; the backend
    takes the forwarded message 1 (``DeliverRelayed``) and must answer with its
    message 2 in an envelope and a signed receipt, which the relay forwards; the
    peer's key confirmation comes through the relay too, and the channel carries
    real traffic. False when the backend's budget denied the answer (judged)."""
    net = _net(run)
    backend_relay_descriptor(run)
    peer = run.peer.authority
    outcome = net.peer.service.prepare_relay_request(
        net.peer.snapshot(net.context, peer.epoch),
        net.context,
        AuthorityId(run.keys.members[run.role].authority_id),
        run.peer_desk.membership.handshake_psk(peer.epoch),
        now_ms=run.timestamp(),
    )
    started = list(wire_items(net.peer.run(outcome)))
    run.observed_peer(
        "Establish",
        None,
        Delivery("Started", tuple(_payloads(started))),
        run.peer.channel_state(),
        relayed=True,
    )
    if not started:
        raise run.fail("WireInterop", "", "the reference peer could not start a relayed handshake")
    [(message1, paid)] = _split(run, started, "DeliverRelayed")
    forwarded, relay_receipt = _relay_takes(run, message1, paid, "", "the peer's message 1")
    net.delivered = (forwarded, relay_receipt)
    run.established = False
    reply = run.request(
        "DeliverRelayed", {"bytes": forwarded.encode().hex(), "receipt": relay_receipt.hex()}
    )
    answer = _split(run, run._bytes(reply, "sent", "DeliverRelayed"), "DeliverRelayed")
    if not answer:
        return False
    if len(answer) != 1:
        raise run.fail(
            "WireRelayed", "DeliverRelayed", f"answered with {len(answer)} envelopes, not one"
        )
    envelope, receipt = answer[0]
    back, back_receipt = _relay_takes(run, envelope, receipt, "DeliverRelayed", "message 2")
    outcome_text, confirmation = net.peer_takes(back, back_receipt)
    run.observed_peer(
        "Deliver",
        back.payload,
        Delivery("Active" if confirmation else outcome_text, tuple(_payloads(confirmation))),
        run.peer.channel_state(),
        relayed=True,
    )
    if not confirmation:
        raise run.fail(
            "WireRelayed",
            "DeliverRelayed",
            f"the message 2 inside its envelope does not complete the reference peer's "
            f"handshake ({outcome_text})",
        )
    [(confirm, _)] = _split(run, confirmation, "DeliverRelayed")
    forwarded, relay_receipt = _relay_takes(run, confirm, b"", "", "the peer's key confirmation")
    reply = run.request(
        "DeliverRelayed", {"bytes": forwarded.encode().hex(), "receipt": relay_receipt.hex()}
    )
    if run._bytes(reply, "sent", "DeliverRelayed"):
        raise run.fail("WireInterop", "DeliverRelayed", "the relayed key confirmation made it send")
    run._channel(reply, "Active", "DeliverRelayed", "after the relayed key confirmation")
    run.established = True
    run.closed = False
    run.probe()
    return True


def _payloads(items: list[bytes]) -> list[bytes]:
    out = []
    for item in items:
        try:
            out.append(RelayEnvelope.decode(item).payload)
        except AuraError:
            continue
    return out


def connect(run: WireRun, *, relayed: bool) -> bool:
    """One connect, direct or relayed, completed as a handshake when it sends (its
    budget judged by the run); False when it was denied."""
    if relayed:
        return relayed_handshake(run)
    reply = run.request("Connect", {"timestamp": run.timestamp()})
    items = run._bytes(reply, "sent", "Connect")
    if not items:
        return False
    run.complete_handshake(items, "Connect")
    return True


def exhaust_budget(run: WireRun, *, relayed: bool) -> None:
    """Backend as Ini: connects (each completed, then closed) until the budget of this
    epoch is spent; the next is denied and sends nothing; after an epoch advance it
    connects again (every step judged by the run's budget book)."""
    if run.role != INI or not (supports_relay(run) if relayed else supports_connect(run)):
        return
    if not relayed:
        offer_direct_descriptor(run)
    for _ in range(CONNECTS_PER_EPOCH + 1):
        if not connect(run, relayed=relayed):
            break
        run.close()
    run.advance_epoch()
    if not relayed:
        offer_direct_descriptor(run)
    connect(run, relayed=relayed)


def offer_direct_descriptor(run: WireRun) -> None:
    """The peer publishes a descriptor (reachable directly) and the backend takes it."""
    data = run.peer_desk.publish(run.now, run.epoch).sent[0]
    held_offer(run, data)
