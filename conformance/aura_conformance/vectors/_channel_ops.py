"""The operations of the channel layer (handshakes, transport, relay envelopes), on
the reference's own codecs; :class:`ReferenceCodec` inherits them."""

from __future__ import annotations

from aura_rendezvous import (
    CAP_RELAY_FORWARD,
    ContextMembership,
    GuardSnapshot,
    RelayEnvelope,
    RendezvousConfig,
    RendezvousService,
)
from aura_rendezvous.channels import (
    HandshakeConfig,
    HandshakeInitPayload,
    Handshaker,
    HandshakeReplayGuard,
    MessageType,
    SecureChannel,
    TransportMessage,
    decode_handshake,
    handshake_prologue,
    roster_lookup,
)
from aura_rendezvous.noise import Keypair

from aura_conformance.vectors._fields import (
    Obj,
    envelope_fields,
    envelope_from_fields,
    unhex,
    unhexes,
)
from aura_conformance.vectors._keys import KeyRing

__all__ = ["ChannelOperations"]

_TIMEOUT_MS = 10_000


class ChannelOperations:
    """``handshake_*``, ``transport.*`` and ``relay_envelope.*`` (see :data:`OPERATIONS`)."""

    keys: KeyRing
    # The service a relay runs for ``relay_envelope.forward_check`` (a broken codec
    # swaps in one with a check missing).
    relay_service: type[RendezvousService] = RendezvousService

    # -- handshakes ---------------------------------------------------------------------

    def handshake_payload_encode(self, d: Obj) -> Obj:
        payload = HandshakeInitPayload(unhex(d["initiator"]), d["timestamp"])
        return {"bytes": payload.encode().hex()}

    def handshake_payload_decode(self, d: Obj) -> Obj:
        payload = HandshakeInitPayload.decode(unhex(d["bytes"]))
        return {"initiator": payload.initiator.hex(), "timestamp": payload.timestamp}

    def handshake_wire_decode(self, d: Obj) -> Obj:
        wire = decode_handshake(unhex(d["bytes"]), MessageType[d["kind"]])
        return {"epoch": wire.epoch, "noise": wire.noise.hex()}

    def _config(self, d: Obj, local: str, remote: str | None) -> HandshakeConfig:
        membership = self.keys.membership(d["context"])
        psk_epoch: int = d["psk_epoch"] if "psk_epoch" in d else d["epoch"]
        return HandshakeConfig(
            local=self.keys.aid(local).value,
            remote=None if remote is None else self.keys.aid(remote).value,
            context_id=membership.context_id.value,
            psk=membership.handshake_psk(psk_epoch),
            timeout_ms=_TIMEOUT_MS,
            epoch=d["epoch"],
        )

    def _initiator(self, d: Obj) -> tuple[Handshaker, bytes]:
        """The initiator of ``d`` and its message 1 (deterministic: fixed ephemeral)."""
        static_of: str = d["initiator_static"] if "initiator_static" in d else d["initiator"]
        hs = Handshaker.initiator(
            self._config(d, d["initiator"], d["responder"]),
            static=Keypair.from_private(self.keys.keys(static_of).static_private),
            remote_static=self.keys.keys(d["responder"]).x25519_public,
            ephemeral=Keypair.from_private(unhex(d["initiator_ephemeral"])),
            now_ms=d["now_ms"],
        )
        return hs, hs.create_init_message(d["timestamp"], d["now_ms"])

    def first_message(self, d: Obj) -> bytes:
        """The initiator's message 1 for the inputs of ``d`` (what a generator feeds a
        responder; no responder is involved)."""
        return self._initiator(d)[1]

    def _responder(self, d: Obj) -> Handshaker:
        guard = HandshakeReplayGuard()
        membership = self.keys.membership(d["context"])
        for confirmed in d.get("confirmed", ()):
            guard.record(
                membership.context_id.value,
                d["epoch"],
                self.keys.aid(confirmed["initiator"]).value,
                confirmed["timestamp"],
            )
        return Handshaker.responder(
            self._config(d, d["responder"], None),
            static=Keypair.from_private(self.keys.keys(d["responder"]).static_private),
            roster=roster_lookup(membership),
            replay_guard=guard,
            ephemeral=Keypair.from_private(unhex(d["responder_ephemeral"])),
            now_ms=d["now_ms"],
        )

    def _channels(self, d: Obj) -> tuple[SecureChannel, SecureChannel, bytes, bytes]:
        initiator, message1 = self._initiator(d)
        responder = self._responder(d)
        message2 = responder.process_init(message1, d["now_ms"])
        initiator.process_response(message2, d["now_ms"])
        return initiator.build_channel(), responder.build_channel(), message1, message2

    def handshake_run(self, d: Obj) -> Obj:
        init_channel, resp_channel, message1, message2 = self._channels(d)
        assert init_channel.handshake_hash == resp_channel.handshake_hash
        membership = self.keys.membership(d["context"])
        return {
            "prologue": handshake_prologue(membership.context_id.value, d["epoch"]).hex(),
            "psk": membership.handshake_psk(d["epoch"]).hex(),
            "message1": message1.hex(),
            "message2": message2.hex(),
            "handshake_hash": init_channel.handshake_hash.hex(),
            "channel_id": init_channel.channel_id.hex(),
            "initiator_state": init_channel.state.value,
            "responder_state": resp_channel.state.value,
        }

    def handshake_read_init(self, d: Obj) -> Obj:
        responder = self._responder(d)
        message2 = responder.process_init(unhex(d["message1"]), d["now_ms"])
        channel = responder.build_channel()
        assert responder.peer is not None and channel.init_timestamp is not None
        return {
            "initiator": responder.peer.hex(),
            "timestamp": channel.init_timestamp,
            "message2": message2.hex(),
            "responder_state": channel.state.value,
        }

    def handshake_read_response(self, d: Obj) -> Obj:
        initiator, _ = self._initiator(d)
        initiator.process_response(unhex(d["message2"]), d["now_ms"])
        channel = initiator.build_channel()
        return {
            "handshake_hash": channel.handshake_hash.hex(),
            "channel_id": channel.channel_id.hex(),
            "initiator_state": channel.state.value,
        }

    # -- transport ----------------------------------------------------------------------

    def transport_decode(self, d: Obj) -> Obj:
        m = TransportMessage.decode(unhex(d["bytes"]))
        return {
            "channel_id": m.channel_id.hex(),
            "epoch": m.epoch,
            "counter": m.counter,
            "ciphertext": m.ciphertext.hex(),
        }

    def _side(self, d: Obj, role: str) -> SecureChannel:
        """``role``'s channel just after the handshake of ``d`` (the responder's
        is ``Establishing``, the initiator's ``Active``)."""
        init_channel, resp_channel, _, _ = self._channels(d["handshake"])
        if role == "responder":
            return resp_channel
        if role != "initiator":
            raise ValueError(f"unknown role {role!r}")
        return init_channel

    def transport_seal(self, d: Obj) -> Obj:
        """The initiator's first message is the key confirmation; the responder
        seals only after opening an empty confirmation from the initiator."""
        init_channel, resp_channel, _, _ = self._channels(d["handshake"])
        channel = init_channel
        if d["sender"] == "responder":
            resp_channel.open(init_channel.seal(b""))
            channel = resp_channel
        elif d["sender"] != "initiator":
            raise ValueError(f"unknown role {d['sender']!r}")
        return {"messages": [channel.seal(p).hex() for p in unhexes(d["plaintexts"])]}

    def transport_open(self, d: Obj) -> Obj:
        """The receiver opens ``messages`` in order: on the responder the first is
        the key confirmation (``Establishing`` becomes ``Active``)."""
        channel = self._side(d, d["receiver"])
        plaintexts = [channel.open(m).hex() for m in unhexes(d["messages"])]
        return {"plaintexts": plaintexts, "state": channel.state.value}

    # -- relay --------------------------------------------------------------------------

    def relay_envelope_encode(self, d: Obj) -> Obj:
        return {"bytes": envelope_from_fields(d["fields"]).encode().hex()}

    def relay_envelope_decode(self, d: Obj) -> Obj:
        return {"fields": envelope_fields(RelayEnvelope.decode(unhex(d["bytes"])))}

    def relay_envelope_forward_check(self, d: Obj) -> Obj:
        envelope = RelayEnvelope.decode(unhex(d["bytes"]))
        relay_keys = self.keys.keys(d["relay"])
        membership: ContextMembership = self.keys.membership(d["context"])
        service = self.relay_service(
            relay_keys.authority_id,
            RendezvousConfig(relay_keys, (membership,), _no_randomness),
        )
        snapshot = GuardSnapshot(
            relay_keys.authority_id, membership.context_id, 1_000, {CAP_RELAY_FORWARD}, d["epoch"]
        )
        receipt = unhex(d["receipt"]) if "receipt" in d else None
        outcome = service.prepare_relay_forward(snapshot, envelope, receipt=receipt)
        return {"allowed": outcome.decision.is_allowed()}


def _no_randomness(n: int) -> bytes:
    # A relay's forward check draws no nonce; a draw would make the vector random.
    raise AssertionError("the forward check drew randomness")
