"""Wire backends in process: one authority, the harness's requests, byte-carrying replies.

The stdio spec is ``Wire`` (``docs/backend-protocol.md``, "The Wire spec"). A
backend plays one member of the context, ``Ini`` or ``Resp`` as ``Reset``
says, and its replies carry the bytes it sent and the plaintext it accepted for
that request, hex-encoded; ``epoch`` and ``channel`` are what it says of itself.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Protocol

import attrs
from aura_rendezvous import ChannelManager
from aura_rendezvous.channels import HandshakeReplayGuard
from aura_rendezvous.core import AuthorityId
from aura_rendezvous.noise import PRODUCTION_PROTOCOL, InitialStateCache, Keypair, NoiseProtocol

from aura_conformance.harness.backend import Reply
from aura_conformance.harness.errors import BackendError
from aura_conformance.harness.state import State, StateSchema
from aura_conformance.variants import (
    EpochFreePrologue,
    ForgetfulReplayGuard,
    FragilePendingManager,
    ReviveOnRotateManager,
    UncheckedStaticKeyManager,
)
from aura_conformance.wire.authority import Delivery, WireAuthority
from aura_conformance.wire.descriptors import (
    CONNECT_ACTIONS,
    DESCRIPTOR_ACTIONS,
    REVOKE_ACTIONS,
    SYNC_ACTIONS,
    DescriptorDesk,
)
from aura_conformance.wire.fakes import (
    AnyContextDesk,
    ArrivalExpiryDesk,
    DeafActiveAuthority,
    DirectConfirmationPorts,
    EarlyActiveAuthority,
    EpochBlindBudgetPorts,
    EpochHeaderAuthority,
    ExpiryBlindDesk,
    FixedPayloadAuthority,
    NoBudgetCheckPorts,
    NoCryptoAuthority,
    NonMemberAnsweringDesk,
    NoTimeoutAuthority,
    OpenRosterAuthority,
    ReceiptlessRelayPorts,
    ReflectingAuthority,
    ReplayWindowAuthority,
    RevocationBlindDesk,
    RevocationKeptLocalDesk,
    SendBeforeChargePorts,
    SendsOnRejectAuthority,
    StaleActiveAuthority,
    UnchargedRelayedAnswerPorts,
    UnsignedPublishDesk,
    UnsignedReceiptPorts,
    UnverifiedSignatureDesk,
)
from aura_conformance.wire.guarded import RELAY_ACTIONS, GuardPorts
from aura_conformance.wire.keyring import ROLES

__all__ = [
    "ACTIONS",
    "WIRE",
    "WIRE_MODULE",
    "WIRE_VARIANTS",
    "Authority",
    "WireBackend",
    "WireVariant",
    "hex_arg",
]

WIRE_MODULE = "Wire"
WIRE = StateSchema(("epoch", "channel", "sent", "received"), frozenset())
ACTIONS = (
    "Reset",
    "Establish",
    "Deliver",
    "Send",
    "AdvanceEpoch",
    "Close",
    "Tick",
    *DESCRIPTOR_ACTIONS,
    *SYNC_ACTIONS,
    *CONNECT_ACTIONS,
    *REVOKE_ACTIONS,
    *RELAY_ACTIONS,
)

_NOISE = NoiseProtocol.parse(PRODUCTION_PROTOCOL)


class Authority(Protocol):
    """What a wire backend drives: the reference's :class:`WireAuthority` or a fake."""

    def channel_state(self) -> str: ...
    def establish(self, timestamp: int, now: int) -> Delivery: ...
    def deliver(self, data: bytes, now: int) -> Delivery: ...
    def send(self, plaintext: bytes) -> Delivery: ...
    def advance_epoch(self) -> Delivery: ...
    def close(self) -> Delivery: ...
    def tick(self, now: int) -> Delivery: ...


@attrs.frozen
class WireVariant:
    name: str
    description: str
    authority: Callable[..., Authority] = WireAuthority
    manager: type[ChannelManager] = ChannelManager
    prologue: type[InitialStateCache] | None = None
    replay_guard: type[HandshakeReplayGuard] | None = None
    desk: Callable[..., DescriptorDesk] = DescriptorDesk
    # Connect starts a handshake only when the lookup of the peer finds a descriptor.
    gated: bool = True
    # Its flow budget, receipts and relayed path.
    ports: Callable[..., GuardPorts] = GuardPorts


WIRE_VARIANTS: dict[str, WireVariant] = {
    v.name: v
    for v in (
        WireVariant("ref", "the reference implementation"),
        WireVariant(
            "no-crypto",
            "correct framing and plausible states, no cryptography (NoCryptoAuthority)",
            authority=NoCryptoAuthority,
        ),
        WireVariant(
            "unchecked-static-key",
            "message 1's static key is not compared with the claimed member's "
            "(UncheckedStaticKeyManager)",
            manager=UncheckedStaticKeyManager,
        ),
        WireVariant(
            "epoch-free-prologue",
            "the handshake prologue leaves the epoch out (EpochFreePrologue)",
            prologue=EpochFreePrologue,
        ),
        WireVariant(
            "sends-on-reject",
            "a rejected message is answered with an error notice (SendsOnRejectAuthority)",
            authority=SendsOnRejectAuthority,
        ),
        WireVariant(
            "revive-on-rotate",
            "an epoch advance marks a closed channel Rotating again (ReviveOnRotateManager)",
            manager=ReviveOnRotateManager,
        ),
        WireVariant(
            "fragile-pending",
            "a message 2 that does not authenticate deletes the pending handshake "
            "(FragilePendingManager)",
            manager=FragilePendingManager,
        ),
        WireVariant(
            "no-handshake-replay-check",
            "replayed message 1s answered (ForgetfulReplayGuard)",
            replay_guard=ForgetfulReplayGuard,
        ),
        WireVariant(
            "no-handshake-timeout",
            "a Tick never times a handshake out (NoTimeoutAuthority)",
            authority=NoTimeoutAuthority,
        ),
        WireVariant(
            "reflection-opens",
            "its own transport message, reflected back, opens (ReflectingAuthority)",
            authority=ReflectingAuthority,
        ),
        WireVariant(
            "replay-window",
            "an older transport message never accepted still opens (ReplayWindowAuthority)",
            authority=ReplayWindowAuthority,
        ),
        WireVariant(
            "stale-active",
            "a Rotating channel is reported Active (StaleActiveAuthority)",
            authority=StaleActiveAuthority,
        ),
        WireVariant(
            "active-before-confirm",
            "an answered handshake is reported Active before its key confirmation "
            "(EarlyActiveAuthority)",
            authority=EarlyActiveAuthority,
        ),
        WireVariant(
            "deaf-active",
            "after its first plaintext it opens nothing, its channel still reported Active "
            "(DeafActiveAuthority)",
            authority=DeafActiveAuthority,
        ),
        WireVariant(
            "epoch-header-trusted",
            "a message 1 is judged under the epoch its cleartext header claims "
            "(EpochHeaderAuthority)",
            authority=EpochHeaderAuthority,
        ),
        WireVariant(
            "open-roster",
            "any claimed id is a member, its static key unchecked (OpenRosterAuthority)",
            authority=OpenRosterAuthority,
        ),
        WireVariant(
            "fixed-payload",
            "every send seals the first send's plaintext (FixedPayloadAuthority)",
            authority=FixedPayloadAuthority,
        ),
        WireVariant(
            "unverified-descriptor-signature",
            "a sealed descriptor is accepted without checking its publisher's signature "
            "(UnverifiedSignatureDesk)",
            desk=UnverifiedSignatureDesk,
        ),
        WireVariant(
            "any-context-descriptor",
            "a descriptor naming another context inside this context's envelope is "
            "accepted and handed out (AnyContextDesk)",
            desk=AnyContextDesk,
        ),
        WireVariant(
            "expiry-blind-lookup",
            "a lookup chooses the newest descriptor, expired or not (ExpiryBlindDesk)",
            desk=ExpiryBlindDesk,
        ),
        WireVariant(
            "unsigned-descriptor",
            "publishes its descriptor with an all-zero signature (UnsignedPublishDesk)",
            desk=UnsignedPublishDesk,
        ),
        WireVariant(
            "expiry-judged-on-arrival",
            "a descriptor's validity is judged when first seen, never again: it is still "
            "handed out after it expired (ArrivalExpiryDesk)",
            desk=ArrivalExpiryDesk,
        ),
        WireVariant(
            "revocation-blind-lookup",
            "a revocation taken by sync is ignored when choosing (RevocationBlindDesk)",
            desk=RevocationBlindDesk,
        ),
        WireVariant(
            "revocation-kept-local",
            "a Revoke hides the descriptor from its own lookups only: no revocation fact "
            "enters its journal, so sync never carries it (RevocationKeptLocalDesk)",
            desk=RevocationKeptLocalDesk,
        ),
        WireVariant(
            "ungated-connect",
            "Connect starts a handshake whatever its lookup of the peer answers: on an "
            "expired descriptor too",
            gated=False,
        ),
        WireVariant(
            "answers-non-member",
            "a digest page from an authority off the roster is answered (NonMemberAnsweringDesk)",
            desk=NonMemberAnsweringDesk,
        ),
        WireVariant(
            "no-budget-check",
            "a connect is charged but never denied for budget (NoBudgetCheckPorts)",
            ports=NoBudgetCheckPorts,
        ),
        WireVariant(
            "budget-kept-across-epochs",
            "what it spent is kept across epochs: a new epoch does not start at 0 "
            "(EpochBlindBudgetPorts)",
            ports=EpochBlindBudgetPorts,
        ),
        WireVariant(
            "relay-envelope-without-receipt",
            "its relay envelopes go out without the receipts that pay for them "
            "(ReceiptlessRelayPorts)",
            ports=ReceiptlessRelayPorts,
        ),
        WireVariant(
            "unsigned-relay-receipt",
            "its relay envelopes carry receipts with an all-zero signature (UnsignedReceiptPorts)",
            ports=UnsignedReceiptPorts,
        ),
        WireVariant(
            "relayed-send-before-charge",
            "a relayed message goes out as soon as it is prepared, the charge after it "
            "(SendBeforeChargePorts)",
            ports=SendBeforeChargePorts,
        ),
        WireVariant(
            "direct-relayed-confirmation",
            "the key confirmation of a relayed handshake it started goes straight to the "
            "peer, out of its envelope (DirectConfirmationPorts)",
            ports=DirectConfirmationPorts,
        ),
        WireVariant(
            "uncharged-relayed-answer",
            "its answer to a relayed message 1 is not charged: the charge is given back "
            "(UnchargedRelayedAnswerPorts)",
            ports=UnchargedRelayedAnswerPorts,
        ),
    )
}


def hex_arg(args: Mapping[str, Any], key: str) -> bytes:
    """``args[key]`` as bytes; a typed :class:`BackendError` when it is not hex."""
    value = args.get(key)
    try:
        if not isinstance(value, str):
            raise ValueError("not a string")
        return bytes.fromhex(value)
    except ValueError as exc:
        raise BackendError(f"argument {key!r} must be a hex string: {exc}") from None


def _int_arg(args: Mapping[str, Any], key: str) -> int:
    value = args.get(key)
    if isinstance(value, bool) or not isinstance(value, int):
        raise BackendError(f"argument {key!r} must be an integer")
    return value


class WireBackend:
    """The reference authority (or a wrong one), in process. It reports the effects of
    each request (the charges and sends of its guarded ones, in order)."""

    schema = WIRE
    reports_effects = True

    def __init__(self, variant: str = "ref") -> None:
        if variant not in WIRE_VARIANTS:
            raise BackendError(
                f"unknown wire backend {variant!r}; known: {', '.join(WIRE_VARIANTS)}"
            )
        self.variant = WIRE_VARIANTS[variant]
        self.name = f"wire:{variant}"
        self.authority: Authority | None = None
        self.desk: DescriptorDesk | None = None
        self.ports: GuardPorts | None = None
        self.relay: bytes | None = None

    def _relay(self, args: Mapping[str, Any]) -> tuple[bytes, bytes, bytes] | None:
        if "relay" not in args:
            return None
        return (
            hex_arg(args, "relay"),
            hex_arg(args, "relay_signing_public"),
            hex_arg(args, "relay_static"),
        )

    def _ports(
        self, args: Mapping[str, Any], authority: Authority, desk: DescriptorDesk
    ) -> GuardPorts:
        return self.variant.ports(
            desk,
            static=Keypair.from_private(hex_arg(args, "static_private")),
            manager=getattr(authority, "manager", None),
            limit=_int_arg(args, "budget_limit"),
            connect_cost=_int_arg(args, "connect_cost"),
            relay_connect_cost=_int_arg(args, "relay_connect_cost"),
        )

    def _desk(self, args: Mapping[str, Any]) -> DescriptorDesk:
        return self.variant.desk(
            context_id=hex_arg(args, "context"),
            root_secret=hex_arg(args, "root_secret"),
            authority_id=hex_arg(args, "self"),
            signing_seed=hex_arg(args, "signing_seed"),
            static_public=Keypair.from_private(hex_arg(args, "static_private")).public,
            peer_id=hex_arg(args, "peer"),
            peer_signing_public=hex_arg(args, "peer_signing_public"),
            peer_static=hex_arg(args, "peer_static"),
            relay=self._relay(args),
        )

    def _reset(self, args: Mapping[str, Any]) -> Authority:
        if args.get("role") not in ROLES:
            raise BackendError(f"Reset needs role in {ROLES}")
        v = self.variant
        keys: dict[str, Any] = {
            "context_id": hex_arg(args, "context"),
            "root_secret": hex_arg(args, "root_secret"),
            "authority_id": hex_arg(args, "self"),
            "static": Keypair.from_private(hex_arg(args, "static_private")),
            "peer_id": hex_arg(args, "peer"),
            "peer_static": hex_arg(args, "peer_static"),
        }
        if isinstance(v.authority, type) and issubclass(v.authority, WireAuthority):
            keys["manager"] = v.manager
            keys["initial_state"] = None if v.prologue is None else v.prologue(_NOISE)
            keys["replay_guard"] = v.replay_guard
        return v.authority(**keys)

    def request(self, action: str, args: Mapping[str, Any], now: int) -> Reply:
        if action == "Reset":
            self.authority = self._reset(args)
            self.desk = self._desk(args)
            self.ports = self._ports(args, self.authority, self.desk)
            relay = self._relay(args)
            self.relay = None if relay is None else relay[0]
            return self._reply(Delivery("Reset"))
        a = self.authority
        if a is None:
            raise BackendError(f"{action} before Reset")
        if action == "Establish":
            done = a.establish(_int_arg(args, "timestamp"), now)
        elif action == "Connect":
            done = self._connect(a, _int_arg(args, "timestamp"), now)
        elif action == "Deliver":
            done = a.deliver(hex_arg(args, "bytes"), now)
        elif action == "Send":
            done = a.send(hex_arg(args, "plaintext"))
        elif action == "AdvanceEpoch":
            done = a.advance_epoch()
        elif action == "Close":
            done = a.close()
        elif action == "Tick":
            done = a.tick(now)
        elif action in DESCRIPTOR_ACTIONS or action in SYNC_ACTIONS or action == "Revoke":
            done = self._descriptors(action, args, now)
        elif action in RELAY_ACTIONS:
            done = self._relayed(a, action, args, now)
        else:
            raise BackendError(f"unknown action {action!r}")
        return self._reply(done)

    def _connect(self, a: Authority, timestamp: int, now: int) -> Delivery:
        """PrepareEstablishChannel's guard: a handshake only on a descriptor of the peer
        its lookup chooses now; otherwise a local deny, nothing sent."""
        desk, ports = self.desk, self.ports
        assert desk is not None and ports is not None
        if self.variant.gated and desk.lookup(desk.peer.value, now).outcome != "Found":
            return Delivery("Denied:NoValidDescriptor")
        return ports.connect(getattr(a, "epoch", 0), lambda: a.establish(timestamp, now))

    def _relayed(self, a: Authority, action: str, args: Mapping[str, Any], now: int) -> Delivery:
        ports = self.ports
        assert ports is not None
        epoch = getattr(a, "epoch", 0)
        if action == "RelayConnect":
            return ports.relay_connect(epoch, _int_arg(args, "timestamp"))
        if self.relay is None:
            raise BackendError("DeliverRelayed needs the relay named in Reset")
        receipt = hex_arg(args, "receipt") if "receipt" in args else b""
        return ports.deliver_relayed(
            AuthorityId(self.relay), hex_arg(args, "bytes"), receipt, epoch, now
        )

    def _descriptors(self, action: str, args: Mapping[str, Any], now: int) -> Delivery:
        desk = self.desk
        assert desk is not None
        epoch = getattr(self.authority, "epoch", 0)
        if action == "Publish":
            return desk.publish(now, epoch)
        if action == "SyncStart":
            return desk.sync_start(epoch)
        if action == "Sync":
            return desk.sync(hex_arg(args, "bytes"))
        if action == "SyncFollowUp":
            return desk.sync_follow_up(epoch)
        if action == "Offer":
            return desk.offer(hex_arg(args, "bytes"), now)
        if action == "Revoke":
            return desk.revoke_own(hex_arg(args, "nonce"))
        return desk.lookup(hex_arg(args, "peer"), now)

    def _reply(self, done: Delivery) -> Reply:
        a = self.authority
        assert a is not None
        state: State = {
            "epoch": getattr(a, "epoch", 0),
            "channel": a.channel_state(),
            "sent": tuple(m.hex() for m in done.sent),
            "received": tuple(p.hex() for p in done.received),
        }
        effects = () if self.ports is None else self.ports.take()
        return Reply(state, done.outcome, effects)

    def close(self) -> None:
        return None
