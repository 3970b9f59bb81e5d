"""The harness's side of a wire run: the network, the reference peer and the attacker.

:class:`WireRun` holds the backend under test (one member) and the reference
:class:`WireAuthority` of the other member. Every message either emits is
carried as bytes to the other; the attacker's messages are made here with the
reference's own handshake code and the run's keys (it knows what an attacker
of that kind would know: a retired PSK, a member's id with another static key,
any byte on the wire). Each check raises :class:`ConformanceFailure` naming the
property it holds the backend to:

- ``WireInterop``: the reference accepts what the backend sends, and the
  backend accepts what the reference sends;
- ``WireTraffic``: a channel carries real traffic both ways (the plaintext
  that comes out is the plaintext that went in);
- ``WireRejectsAttack``: a tampered, replayed, rewritten or impostor message
  changes nothing: no plaintext, no answer, the same epoch and channel, and
  genuine traffic still flows afterwards;
- ``WireNothingSentOnReject``: a rejected message makes the backend send nothing;
- ``WireReportedState``: what the backend says of itself (epoch, channel)
  matches what it was seen to do.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from typing import Any

from aura_rendezvous import AuraError, ChannelManager, RelayEnvelope
from aura_rendezvous.channels import (
    HandshakeConfig,
    Handshaker,
    HandshakeReplayGuard,
    MessageType,
    decode_handshake,
    encode_handshake,
)
from aura_rendezvous.core import U64_MAX, AuthorityId, derive_handshake_psk
from aura_rendezvous.noise import Keypair

from aura_conformance.guard_chain.effects import CHARGE, UNDO, judge_effects
from aura_conformance.harness.backend import Backend, Reply
from aura_conformance.harness.errors import ConformanceFailure
from aura_conformance.wire.abstract import ERShadow
from aura_conformance.wire.authority import TIMEOUT_MS, Delivery, WireAuthority
from aura_conformance.wire.budget import BudgetBook
from aura_conformance.wire.descriptors import (
    DESCRIPTOR_ACTIONS,
    REVOKE_ACTIONS,
    SYNC_ACTIONS,
    DescriptorDesk,
)
from aura_conformance.wire.guarded import RELAY_ACTIONS
from aura_conformance.wire.keyring import (
    BUDGET_LIMIT,
    CONNECT_COST,
    INI,
    RELAY_CONNECT_COST,
    RESP,
    Keyring,
)
from aura_conformance.wire.lookups import HeldFacts
from aura_conformance.wire.rendezvous import RVView

__all__ = ["ObservedPeer", "WireRun"]

_SHOWN_STEPS = 12
_LIVE = ("Establishing", "Active", "Rotating")
# The messages that open with an ephemeral key, after their 10-byte header.
_HANDSHAKE_TYPES = (MessageType.HandshakeInit, MessageType.HandshakeResponse)


class WireRun:
    """One run: ``Reset`` the backend as ``role``, then drive it message by message."""

    def __init__(self, backend: Backend, role: str, keyring: Keyring | None = None) -> None:
        self.backend = backend
        self.role = role
        self.keys = keyring or Keyring.default()
        other = RESP if role == INI else INI
        me, you = self.keys.members[other], self.keys.members[role]
        self.shadow = ERShadow(role)
        self.rendezvous = RVView(self.shadow)
        self.peer = ObservedPeer(
            WireAuthority(
                context_id=self.keys.context_id,
                root_secret=self.keys.root_secret,
                authority_id=me.authority_id,
                static=me.static,
                peer_id=you.authority_id,
                peer_static=you.static.public,
                manager=ChannelManager,
            ),
            other,
            self,
        )
        # The reference peer's descriptors: what it publishes, accepts and looks up.
        self.peer_desk = DescriptorDesk(
            context_id=self.keys.context_id,
            root_secret=self.keys.root_secret,
            authority_id=me.authority_id,
            signing_seed=me.signing_seed,
            static_public=me.static.public,
            peer_id=you.authority_id,
            peer_signing_public=you.signing_public,
            peer_static=you.static.public,
            relay=(
                self.keys.relay.authority_id,
                self.keys.relay.signing_public,
                self.keys.relay.static.public,
            ),
        )
        # What the backend spent of its flow budget, epoch by epoch (Connect, RelayConnect).
        self.budget = BudgetBook(BUDGET_LIMIT)
        # The reference relay and the peer's relayed path, made on first use, and the
        # backend's relay-only descriptors the harness gave the peer.
        self.relay_net: Any = None
        self.relayed_descriptors = 0
        # The descriptor facts the backend holds: what each Lookup is judged against.
        self.held = HeldFacts(self.peer.context)
        self.now = 0
        self.epoch = 0
        self.established = False
        # Closed since the last handshake: nothing may bring that channel back.
        self.closed = False
        self._ts = 0
        # How far the reference peer's clock runs ahead of the backend's: added to the
        # timestamps of its message 1 (the peer's own timers are relative, so only the
        # stamp shows it). A directed schedule sets it; inside the clock-skew bound the
        # backend must judge its deadlines by its own clock all the same.
        self.peer_ahead_ms = 0
        self._ephemerals = 0
        self._plaintexts = 0
        # Every message the network delivered to the backend, for replays, and
        # every one it sent, for reflections.
        self.to_backend: list[bytes] = []
        self.from_backend: list[bytes] = []
        # The ephemeral key of every handshake message the backend sent (WireFreshEphemeral).
        self.ephemerals: set[bytes] = set()
        self.log: list[str] = []
        self.steps = 0
        self.request("Reset", self.keys.reset_args(role))

    # ------------------------------------------------------------ plumbing

    def fail(self, kind: str, action: str, message: str) -> ConformanceFailure:
        table = "\n".join(self.log[-_SHOWN_STEPS:])
        return ConformanceFailure(
            f"{kind}: {self.backend.name} as {self.role}: {message}",
            kind=kind,
            action=action,
            table=f"last requests (backend as {self.role}):\n{table}",
        )

    def request(self, action: str, args: Mapping[str, Any]) -> Reply:
        # Whether PrepareEstablishChannel may send: judged after the reply, on what
        # held before it.
        may = self._may_connect(action)
        reply = self.backend.request(action, args, self.now)
        self.steps += 1
        shown = {
            k: (v[:24] + "..." if isinstance(v, str) and len(v) > 27 else v)
            for k, v in args.items()
        }
        st = reply.state
        self.log.append(
            f"  {action} {shown} -> {reply.outcome} epoch={st.get('epoch')} "
            f"channel={st.get('channel')} sent={len(st.get('sent', ()))} "
            f"received={len(st.get('received', ()))}"
        )
        epoch = st.get("epoch")
        if epoch != self.epoch:
            raise self.fail(
                "WireReportedState", action, f"reports epoch {epoch!r}, was told {self.epoch}"
            )
        if may is not None:
            # A connect is first a step of WireRendezvous.tla (its charge or deny
            # judged by the spec's guard), then the harness's own budget checks (the
            # effects' order, what the spec leaves out).
            if self.role == INI:
                self.rendezvous.connect(
                    "direct" if action == "Connect" else "relay",
                    may=may,
                    sent=bool(reply.state.get("sent")),
                    outcome=reply.outcome,
                    cost=CONNECT_COST if action == "Connect" else RELAY_CONNECT_COST,
                )
            self._validate(action, args, reply)
            self._judge_budget(action, reply, may)
            return reply
        if action == "DeliverRelayed" and self._relayed_init(args):
            # Answering a relayed message 1 is the responder's charged step: first a
            # step of WireRendezvous.tla (HandleHandshake on the relayed path, charged
            # what its effects say, else the cost), then the harness's budget book.
            if reply.state.get("sent"):
                self.rendezvous.charge_answer(self.epoch, _charged(reply, RELAY_CONNECT_COST))
            self._validate(action, args, reply)
            self._judge_budget(action, reply, True)
            return reply
        if action == "DeliverRelayed" and reply.effects is not None:
            why = judge_effects(reply.effects, what="DeliverRelayed", sends_allowed=True)
            if why is not None:
                raise self.fail("GuardChain", action, why)
        self._validate(action, args, reply)
        return reply

    def _may_connect(self, action: str) -> bool | None:
        """For ``Connect`` and ``RelayConnect``: whether the backend holds a descriptor
        of the peer it may connect on (for the relayed path: naming the relay and
        committing to this epoch's PSK, as the reference's guard asks)."""
        if action not in ("Connect", "RelayConnect"):
            return None
        best = self.held.best(self.peer.authority.id, self.now)
        if best is None or action == "Connect":
            return best is not None
        relays = {getattr(h, "relay_authority", None) for h in best.transport_hints}
        return AuthorityId(
            self.keys.relay.authority_id
        ) in relays and best.handshake_psk_commitment == self.peer_desk.membership.psk_commitment(
            self.epoch
        )

    def _relayed_init(self, args: Mapping[str, Any]) -> bool:
        """Whether ``DeliverRelayed`` carries a genuine message 1 of the peer, not one
        it answered before."""
        try:
            payload = RelayEnvelope.decode(bytes.fromhex(args["bytes"])).payload
        except (KeyError, TypeError, ValueError, AuraError):
            return False
        m = self.shadow.abstract.get(payload)
        # A replay of one it answered is an attack, not a request to pay for.
        answered = payload in self.shadow.answered_bytes.values()
        return m is not None and m[0] == "Init" and m[1] != self.role and not answered

    def _judge_budget(self, action: str, reply: Reply, may: bool) -> None:
        sent = bool(reply.state.get("sent"))
        cost = CONNECT_COST if action == "Connect" else RELAY_CONNECT_COST
        why = self.budget.judge(
            action,
            epoch=self.epoch,
            cost=cost,
            may=may,
            sent=sent,
            outcome=reply.outcome,
            effects=reply.effects,
            message="a message 1" if action != "DeliverRelayed" else "its message 2",
        )
        if why is not None:
            kind = "GuardChain" if "(GuardChain.tla)" in why else "Rendezvous"
            raise self.fail(kind, action, why)

    def _validate(self, action: str, args: Mapping[str, Any], reply: Reply) -> None:
        """Compose EpochRotation.tla's state with what the backend reports and judge the step."""
        # Descriptor and sync requests touch no channel: their own checks judge them
        # (every Lookup by DVBest over the facts held: wire/lookups.py).
        if action == "Reset" or action in (*DESCRIPTOR_ACTIONS, *SYNC_ACTIONS, *REVOKE_ACTIONS):
            return
        try:
            sent = [bytes.fromhex(m) for m in reply.state.get("sent", ())]
            received = [bytes.fromhex(p) for p in reply.state.get("received", ())]
            delivered = bytes.fromhex(args["bytes"]) if action == "Deliver" else None
            enveloped: list[bytes] | None = None
            raw: list[bytes] = []
            if action in RELAY_ACTIONS:
                # The spec's messages are the payloads, each sent to the relay; a
                # message sent on its own (not after an envelope, as its receipt is)
                # is sent straight to the peer.
                enveloped, raw = _routes(sent)
                sent = [*enveloped, *raw]
                if action == "DeliverRelayed":
                    delivered = RelayEnvelope.decode(bytes.fromhex(args["bytes"])).payload
                action = "Establish" if action == "RelayConnect" else "Deliver"
        except (TypeError, ValueError, AuraError):
            return  # not hex, no envelope: the byte checks name it
        word = str(reply.state.get("channel"))
        # Connect is Establish behind the descriptor guard: a deny sends nothing.
        if action == "Connect":
            action = "Establish"
        rule = self.shadow.observe(
            self.role, action, delivered, sent=sent, received=received, word=word
        )
        if enveloped is not None:
            self.rendezvous.route(enveloped, raw)
        self.rendezvous.observe(self.role, delivered, sent)
        who = f"{self.backend.name} as {self.role}"
        if rule is not None:
            self._judge(self.shadow.validate, rule, who)
        self._judge(self.rendezvous.validate, rule or action, who)
        if rule is None:
            return
        if delivered is not None:
            why = self.shadow.judged_refusal(self.role, delivered, received)
            if why is not None:
                raise self.fail("EpochRotation", action, why)

    def observed_peer(
        self,
        action: str,
        delivered: bytes | None,
        done: Delivery,
        word: str,
        *,
        relayed: bool = False,
    ) -> None:
        """The reference peer's request, composed and judged like the backend's
        (``relayed``: what it sent left in relay envelopes, ``done.sent`` their payloads)."""
        rule = self.shadow.observe(
            self.peer.side, action, delivered, sent=done.sent, received=done.received, word=word
        )
        if relayed:
            self.rendezvous.route(done.sent)
        who = f"the reference peer as {self.peer.side}"
        if rule is not None:
            self._judge(self.shadow.validate, rule, who)
        self._judge(self.rendezvous.validate, rule or action, who)

    def relay_junk(self, payload: bytes) -> None:
        """The attacker hands the relay an envelope whose payload is no protocol
        message: Rendezvous.tla's ``InjectJunk``."""
        self.rendezvous.inject_junk(payload)
        self._judge(self.rendezvous.validate, "InjectJunk", "the attacker")

    def relay_forwarded(self, payload: bytes) -> None:
        """The reference relay forwarded the message ``payload``: Rendezvous.tla's
        ``RelayForward``, judged (a second forward of one envelope is no step of it)."""
        if self.rendezvous.forward(payload, self.epoch):
            self._judge(self.rendezvous.validate, "RelayForward", "the reference relay")

    def _judge(self, validate: Callable[[str, str], None], rule: str, who: str) -> None:
        try:
            validate(rule, who)
        except ConformanceFailure as exc:
            table = "\n".join(self.log[-_SHOWN_STEPS:])
            raise ConformanceFailure(
                str(exc).removesuffix("\n" + exc.table),
                kind=exc.kind,
                action=exc.action,
                table=f"{exc.table}\nlast requests (backend as {self.role}):\n{table}",
            ) from None

    def _bytes(self, reply: Reply, key: str, action: str) -> list[bytes]:
        out = []
        for item in reply.state.get(key, ()):
            try:
                out.append(bytes.fromhex(item))
            except (TypeError, ValueError):
                raise self.fail(
                    "WireInterop", action, f"{key} holds {item!r:.40}, not hex"
                ) from None
        if key == "sent":
            self._fresh_ephemerals(out, action)
            self.from_backend.extend(out)
        return out

    def _fresh_ephemerals(self, sent: list[bytes], action: str) -> None:
        """Each message 1 and 2 the backend sends opens with a new ephemeral key (the
        32 bytes after the 10-byte header): Noise needs a fresh one per handshake. The
        same one twice makes two handshakes' message 1 payloads sealed under one key
        and nonce, and their transport keys depend on the other side's ephemeral alone."""
        for data in sent:
            if len(data) < 42 or data[0] != 1 or data[1] not in _HANDSHAKE_TYPES:
                continue
            ephemeral = data[10:42]
            if ephemeral in self.ephemerals:
                kind = MessageType(data[1]).name
                raise self.fail(
                    "WireFreshEphemeral",
                    action,
                    f"its {kind} reuses the ephemeral key {ephemeral.hex()[:16]}... of a "
                    "handshake message it sent before (Noise: a fresh ephemeral per "
                    "handshake)",
                )
            self.ephemerals.add(ephemeral)

    def deliver(self, data: bytes) -> tuple[Reply, list[bytes], list[bytes]]:
        """Carry ``data`` to the backend: its reply, what it sent, what it accepted."""
        self.to_backend.append(data)
        reply = self.request("Deliver", {"bytes": data.hex()})
        return (
            reply,
            self._bytes(reply, "sent", "Deliver"),
            self._bytes(reply, "received", "Deliver"),
        )

    def timestamp(self) -> int:
        self._ts += 1
        return self.now + self._ts

    def peer_timestamp(self) -> int:
        """A timestamp of the reference peer's clock (``peer_ahead_ms`` ahead)."""
        return self.timestamp() + self.peer_ahead_ms

    def plaintext(self) -> bytes:
        self._plaintexts += 1
        return f"wire traffic {self._plaintexts}".encode()

    def _one(self, sent: list[bytes], action: str, what: str) -> bytes:
        if len(sent) != 1:
            raise self.fail("WireInterop", action, f"sent {len(sent)} messages, expected {what}")
        return sent[0]

    def _from_peer(self, done: Delivery, what: str) -> bytes:
        if len(done.sent) != 1:
            raise self.fail(
                "WireInterop", "", f"the reference peer could not {what} ({done.outcome})"
            )
        return done.sent[0]

    def _peer_takes(self, data: bytes, wanted: str, what: str) -> Delivery:
        got = self.peer.deliver(data, self.now)
        if got.outcome != wanted:
            raise self.fail(
                "WireInterop",
                "Deliver",
                f"the reference peer refused the backend's {what}: {got.outcome} "
                f"({len(data)} bytes {data[:16].hex()}...)",
            )
        return got

    def _channel(self, reply: Reply, wanted: str, action: str, after: str) -> None:
        got = reply.state.get("channel")
        if got != wanted:
            raise self.fail(
                "WireReportedState", action, f"reports channel {got!r} {after}, expected {wanted}"
            )

    # ------------------------------------------------------------ genuine traffic

    def handshake(self, tamper: int | None = None, *, start: str = "Establish") -> None:
        """A complete genuine handshake; with ``tamper``, the backend's first incoming
        handshake message (as Resp, also the key confirmation) is first delivered with
        that byte flipped (it must be rejected and the genuine one must still work).
        As Ini the backend starts it
        with ``start``: ``Establish``, or ``Connect`` (behind the descriptor guard)."""
        if self.role == INI:
            reply = self.request(start, {"timestamp": self.timestamp()})
            self.complete_handshake(self._bytes(reply, "sent", start), start, tamper)
            return
        msg1 = self._from_peer(self.peer.establish(self.peer_timestamp(), self.now), "start")
        if tamper is not None:
            self.attack(flip(msg1, tamper), "message 1 with a byte flipped")
        reply, sent, _ = self.deliver(msg1)
        if not sent:
            raise self.fail(
                "WireInterop" if tamper is None else "WireRejectsAttack",
                "Deliver",
                ("" if tamper is None else "after a tampered copy, ")
                + f"the backend did not answer the genuine message 1 ({reply.outcome})",
            )
        msg2 = self._one(sent, "Deliver", "message 2")
        confirmation = self._from_peer(self._peer_takes(msg2, "Active", "message 2"), "confirm")
        if tamper is not None:
            # The confirmation too: one that does not decrypt must leave the backend's
            # channel Establishing, waiting for the genuine one.
            self.attack(flip(confirmation, tamper), "key confirmation with a byte flipped")
        reply, sent, received = self.deliver(confirmation)
        if sent or received:
            raise self.fail(
                "WireInterop",
                "Deliver",
                "the key confirmation made the backend send or receive",
            )
        self._channel(reply, "Active", "Deliver", "after the key confirmation")
        self.established = True
        self.closed = False
        self.probe()

    def complete_handshake(
        self, sent: list[bytes], start: str = "Establish", tamper: int | None = None
    ) -> None:
        """Backend as Ini, its message 1 ``sent`` by ``start``: the reference answers,
        the backend confirms, real traffic flows both ways."""
        msg1 = self._one(sent, start, "message 1")
        msg2 = self._from_peer(self._peer_takes(msg1, "Answered", "message 1"), "answer")
        if tamper is not None:
            self.attack(flip(msg2, tamper), "message 2 with a byte flipped")
        reply, sent, _ = self.deliver(msg2)
        if reply.outcome.startswith("Rejected") or not sent:
            raise self.fail(
                "WireInterop" if tamper is None else "WireRejectsAttack",
                "Deliver",
                ("" if tamper is None else "after a tampered copy, ")
                + f"the backend refused the genuine message 2 ({reply.outcome})",
            )
        confirmation = self._one(sent, "Deliver", "the key confirmation")
        self._channel(reply, "Active", "Deliver", "after message 2")
        self._peer_takes(confirmation, "Confirmed", "key confirmation")
        self.established = True
        self.closed = False
        self.probe()

    def probe(self) -> None:
        """Real traffic both ways on the channel the backend says is Active."""
        pt = self.plaintext()
        sealed = self._from_peer(self.peer.send(pt), "seal traffic")
        reply, sent, received = self.deliver(sealed)
        if received != [pt] or sent:
            raise self.fail(
                "WireTraffic",
                "Deliver",
                f"the reference sealed {pt!r}; the backend ({reply.outcome}) accepted "
                f"{[r[:40] for r in received]!r} and sent {len(sent)} messages",
            )
        pt = self.plaintext()
        reply = self.request("Send", {"plaintext": pt.hex()})
        data = self._one(self._bytes(reply, "sent", "Send"), "Send", f"the sealed {pt!r}")
        got = self._peer_takes(data, "Received", "transport message")
        if list(got.received) != [pt]:
            raise self.fail(
                "WireTraffic", "Send", f"sent {pt!r}; the reference opened {list(got.received)!r}"
            )

    def check_reported(self) -> None:
        """The channel the backend reports matches what the harness saw: Active exactly
        when a handshake completed in this epoch and nothing closed it since."""
        reply = self.request("Tick", {})
        if self._bytes(reply, "sent", "Tick"):
            raise self.fail("WireNothingSentOnReject", "Tick", "sent a message on a Tick")
        active = reply.state.get("channel") == "Active"
        if active and not self.established:
            raise self.fail(
                "WireReportedState",
                "Tick",
                "reports its channel Active, but no handshake of this epoch completed",
            )
        if self.established and not active:
            raise self.fail(
                "WireReportedState",
                "Tick",
                f"reports channel {reply.state.get('channel')!r} after a completed handshake",
            )
        if active:
            self.probe()

    def advance_epoch(self) -> None:
        self.epoch += 1
        self.peer.advance_epoch()
        reply = self.request("AdvanceEpoch", {})
        if reply.state.get("channel") == "Active":
            raise self.fail(
                "WireReportedState", "AdvanceEpoch", "a channel of the old epoch is still Active"
            )
        if self.closed and reply.state.get("channel") in _LIVE:
            raise self.fail(
                "WireReportedState",
                "AdvanceEpoch",
                f"the closed channel is live again: {reply.state.get('channel')}",
            )
        self.established = False

    def advance_while_establishing(self) -> None:
        """Backend as Resp: message 1 answered, the reference's key confirmation on its
        way, and the context advances on both sides. The backend's channel waiting for
        that confirmation is of the retired epoch: the advance leaves it Rotating (or
        gone), never Establishing (DESIGN.md 5: ``advance_epoch`` marks every older
        channel), and the confirmation, arriving after, changes nothing."""
        msg1 = self._from_peer(self.peer.establish(self.peer_timestamp(), self.now), "start")
        _, sent, _ = self.deliver(msg1)
        msg2 = self._one(sent, "Deliver", "message 2")
        confirmation = self._from_peer(self._peer_takes(msg2, "Active", "message 2"), "confirm")
        self.advance_epoch()
        reply = self.request("Tick", {})
        if reply.state.get("channel") == "Establishing":
            raise self.fail(
                "WireReportedState",
                "AdvanceEpoch",
                "the channel answering a message 1 of the retired epoch is still "
                "Establishing after the advance (DESIGN.md 5: every older channel Rotating)",
            )
        self.attack(confirmation, "a key confirmation of the retired epoch")

    def newer_epoch_init(self) -> None:
        """Backend as Resp: a message 1 of the next epoch, under that epoch's PSK and
        Ini's static key (Ini's clock a rotation ahead, or one who holds its keys). The
        backend refuses it and changes nothing, its channel included: an epoch named
        in a header is not adopted (DESIGN.md 1 and 5: a mismatch is refused; the
        context's epoch is its own)."""
        ahead = self.epoch + 1
        _, data = self._attacker_init(ahead, self.keys.members[INI].static, ahead)
        self.attack(data, f"a message 1 of epoch {ahead}, which it has not reached")

    def reordered_init(self) -> None:
        """Backend as Resp: the reference peer starts two handshakes, the second
        replacing the first, and the second's message 1 arrives first. The backend
        answers it; the first, older than the answered one still waiting for its
        confirmation, is then refused (a reorder is a replay: the greatest timestamp
        wins), and the second handshake completes."""
        older = self._from_peer(self.peer.establish(self.peer_timestamp(), self.now), "start")
        newer = self._from_peer(self.peer.establish(self.peer_timestamp(), self.now), "start")
        _, sent, _ = self.deliver(newer)
        msg2 = self._one(sent, "Deliver", "message 2")
        self.attack(older, "a message 1 older than the answered one awaiting confirmation")
        confirmation = self._from_peer(self._peer_takes(msg2, "Active", "message 2"), "confirm")
        reply, sent, received = self.deliver(confirmation)
        if sent or received:
            raise self.fail(
                "WireInterop", "Deliver", "the key confirmation made the backend send or receive"
            )
        self._channel(reply, "Active", "Deliver", "after the key confirmation")
        self.established = True
        self.closed = False
        self.probe()

    def unanswered_handshake(self) -> None:
        """Backend as Ini: its message 1 is never answered. The Tick past its handshake
        timeout ends the handshake: nothing is sent and no channel is left
        Establishing (DESIGN.md 5: a passed ``timeout_ms`` ends in ``Failed``;
        ``ERHandshakeTerminates``), whether or not a message 2 ever comes."""
        reply = self.request("Establish", {"timestamp": self.timestamp()})
        self._one(self._bytes(reply, "sent", "Establish"), "Establish", "message 1")
        self.established = False
        self.now += TIMEOUT_MS + 1
        reply = self.request("Tick", {})
        if self._bytes(reply, "sent", "Tick") or reply.state.get("channel") in (
            "Establishing",
            "Active",
        ):
            raise self.fail(
                "WireReportedState",
                "Tick",
                f"past the handshake deadline of an unanswered message 1: channel "
                f"{reply.state.get('channel')}, {len(reply.state.get('sent', ()))} message(s) "
                "sent (ERHandshakeTerminates)",
            )

    def untimed_late_response(self) -> None:
        """Backend as Ini: the reference's message 2 arrives at the handshake's deadline
        with no Tick before it (late_handshake Ticks first, as every attack does). Past
        its timeout a handshake ends ``Failed`` whoever notices first (DESIGN.md 5,
        ``ERHandshakeTerminates``): the message is refused, nothing is sent and no
        channel is Active; one judged by the timer alone completes the handshake."""
        start = self.now
        reply = self.request("Establish", {"timestamp": self.timestamp()})
        msg1 = self._one(self._bytes(reply, "sent", "Establish"), "Establish", "message 1")
        late = self._from_peer(self._peer_takes(msg1, "Answered", "message 1"), "answer")
        self.established = False
        self.now = start + TIMEOUT_MS
        reply, sent, received = self.deliver(late)
        if sent or received or reply.state.get("channel") == "Active":
            raise self.fail(
                "ERHandshakeTerminates",
                "Deliver",
                f"took a message 2 at its handshake's deadline ({self.now} ms, started at "
                f"{start} ms) with no Tick before it: {reply.outcome}, channel "
                f"{reply.state.get('channel')}, {len(sent)} message(s) sent",
            )

    def close(self) -> None:
        reply = self.request("Close", {})
        self.peer.close()
        if reply.state.get("channel") == "Active":
            raise self.fail("WireReportedState", "Close", "the closed channel is still Active")
        self.established = False
        self.closed = True
        self.send_without_channel()

    def send_without_channel(self) -> None:
        reply = self.request("Send", {"plaintext": self.plaintext().hex()})
        if self._bytes(reply, "sent", "Send"):
            raise self.fail(
                "WireNothingSentOnReject", "Send", "sent a message with no Active channel"
            )

    # ------------------------------------------------------------ the attacker

    def attack(self, data: bytes, what: str) -> None:
        """Deliver an attacker's message: the backend must change nothing and send nothing."""
        channel = self.request("Tick", {}).state.get("channel")
        reply, sent, received = self.deliver(data)
        answered = any(len(m) > 1 and m[1] == MessageType.HandshakeResponse for m in sent)
        if received or answered or reply.state.get("channel") != channel:
            raise self.fail(
                "WireRejectsAttack",
                "Deliver",
                f"accepted {what} ({reply.outcome}; channel {channel} -> "
                f"{reply.state.get('channel')}, {len(received)} plaintexts, "
                f"{'answered' if answered else 'no answer'})",
            )
        if sent:
            raise self.fail(
                "WireNothingSentOnReject",
                "Deliver",
                f"rejected {what} ({reply.outcome}) but sent {len(sent)} message(s)",
            )

    def _attacker_init(
        self, psk_epoch: int, static: Keypair, header_epoch: int, claimed: bytes | None = None
    ) -> tuple[Handshaker, bytes]:
        """A message 1 claiming the peer's id (or ``claimed``), under the PSK of
        ``psk_epoch`` and the static key ``static``, with ``header_epoch`` in header
        and prologue."""
        claimed = claimed or self.keys.members[INI].authority_id
        target = self.keys.members[RESP]
        cfg = HandshakeConfig(
            local=claimed,
            remote=target.authority_id,
            context_id=self.keys.context_id,
            psk=derive_handshake_psk(self.keys.root_secret, self.peer.context, psk_epoch),
            timeout_ms=TIMEOUT_MS,
            epoch=header_epoch,
        )
        self._ephemerals += 1
        seed = hashlib.sha256(b"wire attacker\x00" + self._ephemerals.to_bytes(8, "big"))
        attacker = Handshaker.initiator(
            cfg,
            static=static,
            remote_static=target.static.public,
            ephemeral=Keypair.from_private(seed.digest()),
            now_ms=self.now,
        )
        data = attacker.create_init_message(self.timestamp(), self.now)
        return attacker, data

    def impersonate(self) -> None:
        """A message 1 with the right PSK claiming Ini's id under another static key."""
        _, data = self._attacker_init(self.epoch, self.keys.impostor, self.epoch)
        self.attack(data, "a message 1 claiming Ini's id under another static key")

    def junk(self, kind: int) -> None:
        """Bytes that are no message of the protocol: empty, an unknown type byte, a
        message 1 cut short, a transport header with no body."""
        samples = (
            b"",
            bytes([1, 7]) + bytes(40),
            bytes([1, 1]) + bytes(12),
            bytes([1, 4]) + bytes(46),
        )
        data = samples[kind % len(samples)]
        self.attack(data, f"junk ({data[:2].hex()}..., {len(data)} bytes)")

    def outsider(self) -> None:
        """A message 1 from an authority in no roster, under its own static key (it
        even holds the epoch's PSK): Rendezvous.tla's InjectInit, which RVMembersOnly
        says opens nothing."""
        _, data = self._attacker_init(
            self.epoch, self.keys.impostor, self.epoch, claimed=self.keys.outsider_id
        )
        self.rendezvous.inject(data)
        self._judge(self.rendezvous.validate, "InjectInit", "the attacker")
        self.attack(data, "a message 1 from a non-member (RVMembersOnly)")

    def retired_epoch_init(self) -> None:
        """A genuine message 1 of the peer, made in this epoch and delivered as is
        after both advanced: its cleartext header and prologue name the retired
        epoch, which the backend must not answer under (RVNoStaleActive)."""
        old = self._from_peer(self.peer.establish(self.peer_timestamp(), self.now), "start")
        self.advance_epoch()
        self.attack(old, f"a genuine message 1 of the retired epoch {self.epoch - 1}")

    def retired_psk(self) -> None:
        """A message 1 of this epoch under the PSK of the epoch before, from one who holds
        Ini's static key. IKpsk2 mixes the PSK in at message 2, so the backend may
        answer; its answer must not authenticate under the retired PSK, and it must
        send nothing else."""
        attacker, data = self._attacker_init(
            self.epoch - 1, self.keys.members[INI].static, self.epoch
        )
        what = f"a message 1 of epoch {self.epoch} under the PSK of epoch {self.epoch - 1}"
        self.shadow.inject(data, self.epoch)
        reply, sent, received = self.deliver(data)
        if received:
            raise self.fail("WireRejectsAttack", "Deliver", f"accepted plaintext from {what}")
        for message in sent:
            if len(message) < 2 or message[1] != MessageType.HandshakeResponse:
                raise self.fail(
                    "WireNothingSentOnReject",
                    "Deliver",
                    f"answered {what} with a non-handshake message",
                )
            try:
                attacker.process_response(message, self.now)
            except AuraError:
                continue
            raise self.fail(
                "WireRejectsAttack",
                "Deliver",
                f"its answer to {what} authenticates under the retired PSK",
            )
        # An answered message 1 replaces the responder's handshake with the peer: a
        # new channel, not the closed one.
        self.established = self.established and reply.state.get("channel") == "Active"
        self.closed = self.closed and not sent

    def rewrite_epoch(self, data: bytes) -> None:
        """A genuine message 1 of an older epoch with its cleartext epoch rewritten."""
        wire = decode_handshake(data, MessageType.HandshakeInit)
        rewritten = encode_handshake(MessageType.HandshakeInit, self.epoch, wire.noise)
        self.attack(rewritten, f"a message 1 of epoch {wire.epoch} relabelled epoch {self.epoch}")

    def wrong_psk_response(self) -> None:
        """Backend as Ini: a message 2 answering its message 1 from one who holds Resp's
        static key but not this epoch's PSK (the retired one, or at epoch 0 the
        next). It must be rejected, and the pending handshake must survive it: the
        genuine message 2 still completes the handshake."""
        wrong = self.epoch - 1 if self.epoch > 0 else self.epoch + 1
        ini, resp = self.keys.members[INI], self.keys.members[RESP]
        reply = self.request("Establish", {"timestamp": self.timestamp()})
        msg1 = self._one(self._bytes(reply, "sent", "Establish"), "Establish", "message 1")
        cfg = HandshakeConfig(
            local=resp.authority_id,
            remote=ini.authority_id,
            context_id=self.keys.context_id,
            psk=derive_handshake_psk(self.keys.root_secret, self.peer.context, wrong),
            timeout_ms=TIMEOUT_MS,
            epoch=self.epoch,
        )
        forger = Handshaker.responder(
            cfg,
            static=resp.static,
            roster=lambda aid: ini.static.public if aid == ini.authority_id else None,
            replay_guard=HandshakeReplayGuard(),
            ephemeral=Keypair.from_private(hashlib.sha256(b"wire forger\x00" + msg1).digest()),
            now_ms=self.now,
        )
        try:
            forged = forger.process_init(msg1, self.now)
        except AuraError as exc:
            raise self.fail(
                "WireInterop",
                "Establish",
                "the backend's message 1 does not open with Resp's static key: "
                f"{type(exc).__name__}",
            ) from None
        self.established = False
        self.attack(forged, f"a message 2 under the PSK of epoch {wrong}")
        msg2 = self._from_peer(self._peer_takes(msg1, "Answered", "message 1"), "answer")
        reply, sent, _ = self.deliver(msg2)
        if reply.outcome.startswith("Rejected") or not sent:
            raise self.fail(
                "WireRejectsAttack",
                "Deliver",
                f"after a forged message 2, the genuine one was refused ({reply.outcome})",
            )
        confirmation = self._one(sent, "Deliver", "the key confirmation")
        self._peer_takes(confirmation, "Confirmed", "key confirmation")
        self.established = True
        self.closed = False
        self.probe()

    def far_future_init(self) -> None:
        """Backend as Resp: a genuine message 1 of the peer stamped 2^64 - 1 ms (its
        clock gone wrong), beyond the clock-skew bound (docs/channels.md, responder
        step 6): it is refused and nothing is sent. Answered and then key-confirmed,
        its timestamp would be the greatest of the epoch and refuse every later
        message 1 of the peer there (EpochRotation.tla's ERNoLockout)."""
        far = self._from_peer(self.peer.establish(U64_MAX, self.now), "start")
        self.attack(
            far,
            "a message 1 of the peer stamped 2^64 - 1 ms, beyond the clock-skew bound "
            "(once confirmed, it refuses every later message 1 of the peer in this "
            "epoch: ERNoLockout)",
        )

    def replayed_pending_init(self) -> None:
        """Backend as Resp: its answered message 1 replayed before the key confirmation.
        The replay is refused with no reply and the genuine confirmation still
        completes the handshake."""
        msg1 = self._from_peer(self.peer.establish(self.peer_timestamp(), self.now), "start")
        _, sent, _ = self.deliver(msg1)
        msg2 = self._one(sent, "Deliver", "message 2")
        self.established = False
        self.attack(msg1, "a replay of the message 1 it answered")
        confirmation = self._from_peer(self._peer_takes(msg2, "Active", "message 2"), "confirm")
        reply, _, _ = self.deliver(confirmation)
        self._channel(reply, "Active", "Deliver", "after the key confirmation")
        self.established = True
        self.closed = False
        self.probe()

    def late_handshake(self) -> None:
        """A handshake whose last message arrives after the backend's handshake timeout:
        message 2 (backend as Ini) or the key confirmation (as Resp). The Tick that
        passes the deadline sends nothing and leaves no Active channel; the late
        message must then change nothing. Run with no Active channel: a timed-out
        rekey leaves the channel it would have replaced as it was."""
        if self.role == INI:
            reply = self.request("Establish", {"timestamp": self.timestamp()})
            msg1 = self._one(self._bytes(reply, "sent", "Establish"), "Establish", "message 1")
            late = self._from_peer(self._peer_takes(msg1, "Answered", "message 1"), "answer")
            what = "a message 2 after the handshake timed out"
        else:
            msg1 = self._from_peer(self.peer.establish(self.peer_timestamp(), self.now), "start")
            _, sent, _ = self.deliver(msg1)
            msg2 = self._one(sent, "Deliver", "message 2")
            late = self._from_peer(self._peer_takes(msg2, "Active", "message 2"), "confirm")
            what = "a key confirmation after the handshake timed out"
        self.established = False
        self.now += TIMEOUT_MS + 1
        reply = self.request("Tick", {})
        if self._bytes(reply, "sent", "Tick") or reply.state.get("channel") == "Active":
            raise self.fail(
                "WireReportedState",
                "Tick",
                f"past the handshake deadline: channel {reply.state.get('channel')}, "
                f"{len(reply.state.get('sent', ()))} message(s) sent",
            )
        self.attack(late, what)

    def reorder(self) -> None:
        """Two transport messages of the reference, the newer delivered first: counters
        only grow (the transports under a channel are ordered), so the older one is
        then rejected."""
        older, newer = self.plaintext(), self.plaintext()
        first = self._from_peer(self.peer.send(older), "seal traffic")
        second = self._from_peer(self.peer.send(newer), "seal traffic")
        reply, _, received = self.deliver(second)
        if received != [newer]:
            raise self.fail(
                "WireTraffic",
                "Deliver",
                f"the reference sealed {newer!r}; the backend ({reply.outcome}) accepted "
                f"{[r[:40] for r in received]!r}",
            )
        self.attack(first, "an older transport message delivered after a newer one")

    def reflect(self, index: int) -> None:
        """A message the backend sent, delivered back to it (each direction has its own
        keys: its own message must not open)."""
        if not self.from_backend:
            return
        data = self.from_backend[index % len(self.from_backend)]
        self.attack(data, f"its own message reflected ({data[:2].hex()}..., {len(data)} bytes)")

    def replay(self, index: int) -> None:
        if not self.to_backend:
            return
        data = self.to_backend[index % len(self.to_backend)]
        self.attack(data, f"a replayed message ({data[:2].hex()}..., {len(data)} bytes)")

    def tamper_traffic(self, position: int) -> None:
        """A fresh transport message with one byte flipped, then the genuine one."""
        pt = self.plaintext()
        sealed = self._from_peer(self.peer.send(pt), "seal traffic")
        self.attack(flip(sealed, position), "a transport message with a byte flipped")
        reply, _, received = self.deliver(sealed)
        if received != [pt]:
            raise self.fail(
                "WireRejectsAttack",
                "Deliver",
                f"after a tampered copy, the genuine message was not accepted ({reply.outcome})",
            )


class ObservedPeer:
    """The reference peer, each of whose requests is also a step of the composed state."""

    def __init__(self, authority: WireAuthority, side: str, run: WireRun) -> None:
        self.authority = authority
        self.side = side
        self.run = run
        self.context = authority.context

    def _seen(self, action: str, done: Delivery, delivered: bytes | None = None) -> Delivery:
        self.run.observed_peer(action, delivered, done, self.authority.channel_state())
        return done

    def channel_state(self) -> str:
        return self.authority.channel_state()

    def establish(self, timestamp: int, now: int) -> Delivery:
        return self._seen("Establish", self.authority.establish(timestamp, now))

    def deliver(self, data: bytes, now: int) -> Delivery:
        return self._seen("Deliver", self.authority.deliver(data, now), data)

    def send(self, plaintext: bytes) -> Delivery:
        return self._seen("Send", self.authority.send(plaintext))

    def advance_epoch(self) -> Delivery:
        return self._seen("AdvanceEpoch", self.authority.advance_epoch())

    def close(self) -> Delivery:
        return self._seen("Close", self.authority.close())

    def tick(self, now: int) -> Delivery:
        return self._seen("Tick", self.authority.tick(now))


def _routes(items: list[bytes]) -> tuple[list[bytes], list[bytes]]:
    """The payloads of the relay envelopes among ``items``, and the items that are
    neither an envelope nor the receipt right after one (sent on their own)."""
    enveloped: list[bytes] = []
    raw: list[bytes] = []
    after_envelope = False
    for item in items:
        try:
            enveloped.append(RelayEnvelope.decode(item).payload)
            after_envelope = True
            continue
        except AuraError:
            pass
        if not after_envelope:
            raw.append(item)
        after_envelope = False
    return enveloped, raw


def _charged(reply: Reply, default: int) -> int:
    """What a request charged by its reported effects (less what it gave back), or
    ``default`` when the backend reports none."""
    if reply.effects is None:
        return default
    charged = sum(e.cost for e in reply.effects if e.kind == CHARGE)
    return charged - sum(e.cost for e in reply.effects if e.kind == UNDO)


def flip(data: bytes, position: int) -> bytes:
    """``data`` with the byte at ``position`` (modulo its length) flipped."""
    out = bytearray(data)
    out[position % len(out)] ^= 0x01
    return bytes(out)
