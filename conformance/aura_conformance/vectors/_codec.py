"""The operations a vector exercises, implemented with the reference's own codecs.

Each operation takes a vector's ``input`` object and returns its ``output``
object (hex strings, numbers, names), or raises the reference's typed error.
The generator runs them to fill the expected outputs and errors; the checker
runs them again, on the reference or on any other :class:`ReferenceCodec`
subclass (the deliberately broken ones override one operation), and compares.
"""

from __future__ import annotations

from collections.abc import Sequence

from aura_rendezvous import (
    AuthorityId,
    AuthorityKeys,
    ContextId,
    Receipt,
    ReceiptIssuer,
    ReceiptVerifier,
    RendezvousDescriptor,
    SealedDescriptor,
    SignedDescriptor,
)
from aura_rendezvous.channels import (
    derive_channel_id,
    handshake_prologue,
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
from aura_rendezvous.guard import NO_SUBJECT
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

from aura_conformance.vectors._channel_ops import ChannelOperations
from aura_conformance.vectors._fields import (
    Obj,
    descriptor_fields,
    descriptor_from_fields,
    entry_fields,
    fact_fields,
    fact_from_fields,
    receipt_fields,
    receipt_from_fields,
    sync_fields,
    sync_from_fields,
    unhex,
    unhexes,
)
from aura_conformance.vectors._keys import KeyRing

__all__ = ["OPERATIONS", "ReferenceCodec"]


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


class ReferenceCodec(ChannelOperations):
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
        journal.merge_all([JournalEntry.decode(e) for e in unhexes(entries)])
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
                subject=unhex(r.get("subject", NO_SUBJECT.hex())),
            )
            out.append(receipt.encode().hex())
        return {"receipts": out}

    def receipt_verify(self, d: Obj) -> Obj:
        membership = self.keys.membership(d["context"])
        verifier = ReceiptVerifier(
            membership.context_id, membership.roster, receiver=self.keys.aid(d["receiver"])
        )
        for raw in unhexes(d["receipts"]):
            verifier.accept(Receipt.decode(raw), d["current_epoch"])
        return {"accepted": len(verifier.accepted)}
