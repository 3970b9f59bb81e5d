"""The operations a vector exercises, implemented with the reference's own codecs.

Each operation takes a vector's ``input`` object and returns its ``output``
object (hex strings, numbers, names), or raises the reference's typed error.
The generator runs them to fill the expected outputs and errors; the checker
runs them again, on the reference or on any other :class:`ReferenceCodec`
subclass (the deliberately broken ones override one operation), and compares.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from aura_rendezvous import (
    CAP_RELAY_FORWARD,
    AuthorityId,
    AuthorityKeys,
    ContextId,
    ContextMembership,
    GuardSnapshot,
    Receipt,
    ReceiptIssuer,
    ReceiptVerifier,
    RelayEnvelope,
    RendezvousConfig,
    RendezvousDescriptor,
    RendezvousService,
    SealedDescriptor,
    SignedDescriptor,
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
    derive_channel_id,
    handshake_prologue,
    roster_lookup,
)
from aura_rendezvous.core import (
    derive_context_key,
    derive_descriptor_key,
    derive_handshake_psk,
    derive_sync_key,
    psk_commitment,
)
from aura_rendezvous.descriptors import (
    open_descriptor,
    seal_descriptor,
    sign_descriptor,
    verify_descriptor,
)
from aura_rendezvous.journal import (
    ContextJournal,
    IdRange,
    JournalEntry,
    SealedSyncMessage,
    SyncDigest,
    answer_digest,
    decode_fact,
    decode_sync_message,
    encode_fact,
    fact_id,
    make_digests,
    open_sync_message,
    seal_sync_message,
    verify_fact,
)
from aura_rendezvous.noise import Keypair

from aura_conformance.vectors._fields import (
    descriptor_fields,
    descriptor_from_fields,
    entry_fields,
    envelope_fields,
    envelope_from_fields,
    fact_fields,
    fact_from_fields,
    receipt_fields,
    receipt_from_fields,
    sync_fields,
    sync_from_fields,
    unhex,
)
from aura_conformance.vectors._keys import KeyRing

__all__ = ["OPERATIONS", "ReferenceCodec"]

Obj = dict[str, Any]

OPERATIONS = (
    "authority_keys",
    "context_keys",
    "handshake_prologue",
    "channel_id",
    "descriptor.encode",
    "descriptor.decode",
    "signed_descriptor.sign",
    "signed_descriptor.verify",
    "sealed_descriptor.seal",
    "sealed_descriptor.open",
    "fact.encode",
    "fact.decode",
    "fact.verify",
    "journal_entry.encode",
    "journal_entry.decode",
    "sync.encode",
    "sync.decode",
    "sync.digests",
    "sync.answer",
    "sealed_sync.seal",
    "sealed_sync.open",
    "receipt.encode",
    "receipt.decode",
    "receipt.issue",
    "receipt.verify",
    "handshake_payload.encode",
    "handshake_payload.decode",
    "handshake_wire.decode",
    "handshake.run",
    "handshake.read_init",
    "handshake.read_response",
    "transport.decode",
    "transport.seal",
    "transport.open",
    "relay_envelope.encode",
    "relay_envelope.decode",
    "relay_envelope.forward_check",
)
"""Every operation name a vector may carry (``docs/vectors.md`` describes each)."""

_TIMEOUT_MS = 10_000


def _hexes(values: Sequence[object]) -> list[bytes]:
    return [unhex(v) for v in values]


class ReferenceCodec:
    """The reference implementation behind every operation of :data:`OPERATIONS`."""

    name = "reference"

    def __init__(self, keys: KeyRing) -> None:
        self.keys = keys

    def run(self, operation: str, data: Obj) -> Obj:
        """The output of ``operation`` on ``data``, or the reference's typed error."""
        if operation not in OPERATIONS:
            raise KeyError(operation)
        method = getattr(self, operation.replace(".", "_"))
        result = method(data)
        assert isinstance(result, dict)
        return result

    # -- key schedule ---------------------------------------------------------------

    def authority_keys(self, d: Obj) -> Obj:
        keys = AuthorityKeys.from_seed(AuthorityId(unhex(d["authority_id"])), unhex(d["seed"]))
        return {
            "ed25519_public": keys.ed25519_public.hex(),
            "x25519_private": keys.static_private.hex(),
            "x25519_public": keys.x25519_public.hex(),
        }

    def context_keys(self, d: Obj) -> Obj:
        root, cid, epoch = unhex(d["root_secret"]), ContextId(unhex(d["context_id"])), d["epoch"]
        psk = derive_handshake_psk(root, cid, epoch)
        return {
            "context_key": derive_context_key(root, cid, epoch).hex(),
            "handshake_psk": psk.hex(),
            "psk_commitment": psk_commitment(psk).hex(),
            "descriptor_key": derive_descriptor_key(root, cid, epoch).hex(),
            "sync_key": derive_sync_key(root, cid, epoch).hex(),
        }

    def handshake_prologue(self, d: Obj) -> Obj:
        return {"prologue": handshake_prologue(unhex(d["context_id"]), d["epoch"]).hex()}

    def channel_id(self, d: Obj) -> Obj:
        cid = derive_channel_id(unhex(d["context_id"]), d["epoch"], unhex(d["handshake_hash"]))
        return {"channel_id": cid.hex()}

    # -- descriptors ----------------------------------------------------------------

    def descriptor_encode(self, d: Obj) -> Obj:
        return {"bytes": descriptor_from_fields(d["fields"]).encode().hex()}

    def descriptor_decode(self, d: Obj) -> Obj:
        return {"fields": descriptor_fields(RendezvousDescriptor.decode(unhex(d["bytes"])))}

    def signed_descriptor_sign(self, d: Obj) -> Obj:
        desc = RendezvousDescriptor.decode(unhex(d["descriptor"]))
        return {"bytes": sign_descriptor(desc, self.keys.keys(d["signer"])).encode().hex()}

    def signed_descriptor_verify(self, d: Obj) -> Obj:
        signed = SignedDescriptor.decode(unhex(d["bytes"]))
        desc = verify_descriptor(signed, self.keys.membership(d["context"]).roster)
        return {"descriptor": descriptor_fields(desc), "signature": signed.signature.hex()}

    def sealed_descriptor_seal(self, d: Obj) -> Obj:
        signed = SignedDescriptor.decode(unhex(d["signed"]))
        sealed = seal_descriptor(signed, self.keys.membership(d["context"]), d["epoch"])
        return {"bytes": sealed.encode().hex()}

    def sealed_descriptor_open(self, d: Obj) -> Obj:
        sealed = SealedDescriptor.decode(unhex(d["bytes"]))
        desc = open_descriptor(sealed, self.keys.membership(d["context"]))
        return {"epoch": sealed.epoch, "descriptor": descriptor_fields(desc)}

    # -- facts and journal entries ------------------------------------------------------

    def fact_encode(self, d: Obj) -> Obj:
        fact = fact_from_fields(d["fields"])
        return {"bytes": encode_fact(fact).hex(), "fact_id": fact_id(fact).hex()}

    def fact_decode(self, d: Obj) -> Obj:
        fact = decode_fact(unhex(d["bytes"]))
        return {"fields": fact_fields(fact), "fact_id": fact_id(fact).hex()}

    def fact_verify(self, d: Obj) -> Obj:
        verify_fact(decode_fact(unhex(d["bytes"])), self.keys.membership(d["context"]))
        return {"attributable": True}

    def journal_entry_encode(self, d: Obj) -> Obj:
        entry = JournalEntry(
            decode_fact(unhex(d["fact"])), d["lamport"], AuthorityId(unhex(d["origin"]))
        )
        return {
            "bytes": entry.encode().hex(),
            "fact_id": entry.fact_id.hex(),
            "entry_id": entry.entry_id.hex(),
        }

    def journal_entry_decode(self, d: Obj) -> Obj:
        return {"fields": entry_fields(JournalEntry.decode(unhex(d["bytes"])))}

    # -- sync ---------------------------------------------------------------------------

    def sync_encode(self, d: Obj) -> Obj:
        return {"bytes": sync_from_fields(d["fields"]).encode().hex()}

    def sync_decode(self, d: Obj) -> Obj:
        return {"fields": sync_fields(decode_sync_message(unhex(d["bytes"])))}

    def _journal(self, context: str, entries: Sequence[object]) -> ContextJournal:
        journal = ContextJournal(self.keys.cid(context))
        journal.merge_all([JournalEntry.decode(e) for e in _hexes(entries)])
        return journal

    def sync_digests(self, d: Obj) -> Obj:
        journal = self._journal(d["context"], d["entries"])
        ranges = [IdRange(r["depth"], unhex(r["prefix"])) for r in d["ranges"]]
        pages = make_digests(journal, self.keys.aid(d["sender"]), ranges)
        return {"pages": [p.encode().hex() for p in pages]}

    def sync_answer(self, d: Obj) -> Obj:
        journal = self._journal(d["context"], d["entries"])
        digest = decode_sync_message(unhex(d["digest"]))
        if not isinstance(digest, SyncDigest):
            raise TypeError("sync.answer needs a SyncDigest")
        roster = self.keys.membership(d["context"]).roster
        answers = answer_digest(journal, digest, self.keys.aid(d["responder"]), roster)
        return {"messages": [m.encode().hex() for m in answers]}

    def sealed_sync_seal(self, d: Obj) -> Obj:
        message = decode_sync_message(unhex(d["message"]))
        sealed = seal_sync_message(
            message, self.keys.keys(d["sender"]), self.keys.membership(d["context"]), d["epoch"]
        )
        return {"bytes": sealed.encode().hex()}

    def sealed_sync_open(self, d: Obj) -> Obj:
        sealed = SealedSyncMessage.decode(unhex(d["bytes"]))
        message = open_sync_message(sealed, self.keys.membership(d["context"]))
        return {"epoch": sealed.epoch, "message": message.encode().hex()}

    # -- receipts -----------------------------------------------------------------------

    def receipt_encode(self, d: Obj) -> Obj:
        receipt = receipt_from_fields(d["fields"])
        return {"bytes": receipt.encode().hex(), "hash": receipt.hash().hex()}

    def receipt_decode(self, d: Obj) -> Obj:
        return {"fields": receipt_fields(Receipt.decode(unhex(d["bytes"])))}

    def receipt_issue(self, d: Obj) -> Obj:
        issuer = ReceiptIssuer(self.keys.keys(d["issuer"]))
        out = []
        for r in d["receipts"]:
            receipt, _ = issuer.issue(
                r["operation"],
                self.keys.cid(r["context"]),
                self.keys.aid(r["dst"]),
                r["epoch"],
                r["cost"],
            )
            out.append(receipt.encode().hex())
        return {"receipts": out}

    def receipt_verify(self, d: Obj) -> Obj:
        membership = self.keys.membership(d["context"])
        verifier = ReceiptVerifier(
            membership.context_id, membership.roster, receiver=self.keys.aid(d["receiver"])
        )
        for raw in _hexes(d["receipts"]):
            verifier.accept(Receipt.decode(raw), d["current_epoch"])
        return {"accepted": len(verifier.accepted)}

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
        return {"messages": [channel.seal(p).hex() for p in _hexes(d["plaintexts"])]}

    def transport_open(self, d: Obj) -> Obj:
        """The receiver opens ``messages`` in order: on the responder the first is
        the key confirmation (``Establishing`` becomes ``Active``)."""
        channel = self._side(d, d["receiver"])
        plaintexts = [channel.open(m).hex() for m in _hexes(d["messages"])]
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
        service = RendezvousService(
            relay_keys.authority_id,
            RendezvousConfig(relay_keys, (membership,), _no_randomness),
        )
        snapshot = GuardSnapshot(
            relay_keys.authority_id, membership.context_id, 1_000, {CAP_RELAY_FORWARD}, d["epoch"]
        )
        outcome = service.prepare_relay_forward(snapshot, envelope)
        return {"allowed": outcome.decision.is_allowed()}


def _no_randomness(n: int) -> bytes:
    # A relay's forward check draws no nonce; a draw would make the vector random.
    raise AssertionError("the forward check drew randomness")
