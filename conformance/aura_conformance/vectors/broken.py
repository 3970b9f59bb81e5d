"""Deliberately broken codecs: each is the reference with one check or one
derivation wrong, modelled on the shortfalls DESIGN.md names. The vectors must
catch every one (``tests/vectors``); ``expected`` names vectors that do."""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Callable
from typing import Any

import attrs
from aura_rendezvous import (
    DecodeError,
    Receipt,
    ReceiptChainBroken,
    ReceiptVerifier,
    RelayEnvelope,
    RendezvousDescriptor,
    RendezvousService,
    Roster,
    SignedDescriptor,
)
from aura_rendezvous.channels import Handshaker, roster_lookup
from aura_rendezvous.journal import (
    ChannelEstablished,
    SyncDigest,
    answer_digest,
    decode_fact,
    decode_sync_message,
)
from aura_rendezvous.noise import PRODUCTION_PROTOCOL, HandshakeState, Keypair

from aura_conformance.vectors._codec import ReferenceCodec
from aura_conformance.vectors._fields import Obj, descriptor_fields, unhex
from aura_conformance.vectors._keys import KeyRing

__all__ = ["BROKEN_CODECS", "BrokenCodec"]


class PublicIdPsk(ReferenceCodec):
    """The PSK hashed from the public context id and epoch, not the root secret."""

    name = "public-id-psk"

    def context_keys(self, d: Obj) -> Obj:
        out = super().context_keys(d)
        psk = hashlib.blake2s(unhex(d["context_id"]) + d["epoch"].to_bytes(8, "big")).digest()
        return {**out, "handshake_psk": psk.hex()}


class IgnoresTrailingBytes(ReferenceCodec):
    """Decodes a descriptor from the longest prefix that parses (no trailing-bytes check)."""

    name = "ignores-trailing-bytes"

    def descriptor_decode(self, d: Obj) -> Obj:
        data = unhex(d["bytes"])
        for end in range(len(data), 0, -1):
            try:
                return {"fields": descriptor_fields(RendezvousDescriptor.decode(data[:end]))}
            except DecodeError:
                continue
        return super().descriptor_decode(d)


class UncheckedDescriptorSignature(ReferenceCodec):
    """Checks that the publisher is a member, never its signature."""

    name = "unchecked-descriptor-signature"

    def signed_descriptor_verify(self, d: Obj) -> Obj:
        signed = SignedDescriptor.decode(unhex(d["bytes"]))
        self.keys.membership(d["context"]).roster.entry(signed.descriptor.authority_id)
        return {
            "descriptor": descriptor_fields(signed.descriptor),
            "signature": signed.signature.hex(),
        }


class UnsignedChannelFacts(ReferenceCodec):
    """Takes a ChannelEstablished from a peer without checking who signed it."""

    name = "unsigned-channel-facts"

    def fact_verify(self, d: Obj) -> Obj:
        fact = decode_fact(unhex(d["bytes"]))
        if isinstance(fact, ChannelEstablished):
            return {"attributable": True}
        return super().fact_verify(d)


class EntryIdWithoutStamp(ReferenceCodec):
    """Names a journal entry by its fact alone, so two stamps of one fact never sync."""

    name = "entry-id-without-stamp"

    def journal_entry_encode(self, d: Obj) -> Obj:
        out = super().journal_entry_encode(d)
        return {**out, "entry_id": out["fact_id"]}


class SyncAnswersAnyone(ReferenceCodec):
    """Answers a sync digest without checking that its sender is a member."""

    name = "sync-answers-anyone"

    def sync_answer(self, d: Obj) -> Obj:
        journal = self._journal(d["context"], d["entries"])
        digest = decode_sync_message(unhex(d["digest"]))
        assert isinstance(digest, SyncDigest)
        everyone = Roster.of(*self.keys.authorities.values())
        answers = answer_digest(journal, digest, self.keys.aid(d["responder"]), everyone)
        return {"messages": [m.encode().hex() for m in answers]}


class _LinkBlindVerifier(ReceiptVerifier):
    def check(self, receipt: Receipt, current_epoch: int) -> None:
        with contextlib.suppress(ReceiptChainBroken):
            super().check(receipt, current_epoch)


class UncheckedReceiptChain(ReferenceCodec):
    """Checks signer, epoch and nonce of a receipt but not its link to the previous one."""

    name = "unchecked-receipt-chain"

    def receipt_verify(self, d: Obj) -> Obj:
        membership = self.keys.membership(d["context"])
        verifier = _LinkBlindVerifier(
            membership.context_id, membership.roster, receiver=self.keys.aid(d["receiver"])
        )
        for raw in d["receipts"]:
            verifier.accept(Receipt.decode(unhex(raw)), d["current_epoch"])
        return {"accepted": len(verifier.accepted)}


class UncheckedInitiatorStatic(ReferenceCodec):
    """The responder checks that the claimed initiator is a member, not that the Noise
    static key it proved is that member's roster key."""

    name = "unchecked-initiator-static"

    def _responder(self, d: Obj) -> Handshaker:
        honest = super()._responder(d)
        noise = honest._noise
        members = roster_lookup(self.keys.membership(d["context"]))

        def lookup(claimed: bytes) -> bytes | None:
            return noise.remote_static if members(claimed) is not None else None

        honest._roster = lookup
        return honest


class EpochNotInPrologue(ReferenceCodec):
    """Binds only the context into the Noise prologue, not the epoch."""

    name = "epoch-not-in-prologue"

    def _noise(self, d: Obj, *, initiator: bool) -> HandshakeState:
        membership = self.keys.membership(d["context"])
        prologue = b"aura/rendezvous/v1/noise-prologue" + membership.context_id.value
        psk_epoch: int = d["psk_epoch"] if "psk_epoch" in d else d["epoch"]
        psk = membership.handshake_psk(psk_epoch)
        if initiator:
            static_of: str = d["initiator_static"] if "initiator_static" in d else d["initiator"]
            return HandshakeState.initiator(
                PRODUCTION_PROTOCOL,
                prologue=prologue,
                s=Keypair.from_private(self.keys.keys(static_of).static_private),
                rs=self.keys.keys(d["responder"]).x25519_public,
                psks=[psk],
                e=Keypair.from_private(unhex(d["initiator_ephemeral"])),
            )
        return HandshakeState.responder(
            PRODUCTION_PROTOCOL,
            prologue=prologue,
            s=Keypair.from_private(self.keys.keys(d["responder"]).static_private),
            psks=[psk],
            e=Keypair.from_private(unhex(d["responder_ephemeral"])),
        )

    def _initiator(self, d: Obj) -> tuple[Handshaker, bytes]:
        hs = Handshaker(
            self._config(d, d["initiator"], d["responder"]),
            self._noise(d, initiator=True),
            is_initiator=True,
            now_ms=d["now_ms"],
        )
        return hs, hs.create_init_message(d["timestamp"], d["now_ms"])

    def _responder(self, d: Obj) -> Handshaker:
        honest = super()._responder(d)
        honest._noise = self._noise(d, initiator=False)
        return honest


class NoTransportReplayGuard(ReferenceCodec):
    """Opens every transport message as if it were the first: no counter memory."""

    name = "no-transport-replay-guard"

    def transport_open(self, d: Obj) -> Obj:
        plaintexts, state = [], ""
        for message in d["messages"]:
            channel = self._side(d, d["receiver"])
            plaintexts.append(channel.open(unhex(message)).hex())
            state = channel.state.value
        return {"plaintexts": plaintexts, "state": state}


class RelayForwardsAnything(ReferenceCodec):
    """A relay that forwards any envelope that decodes, whatever it carries."""

    name = "relay-forwards-anything"

    def relay_envelope_forward_check(self, d: Obj) -> Obj:
        RelayEnvelope.decode(unhex(d["bytes"]))
        return {"allowed": True}


class _SubjectBlindRelay(RendezvousService):
    def _accept_receipt(self, *args: Any, **kwargs: Any) -> Any:
        kwargs.pop("subject", None)
        return super()._accept_receipt(*args, **kwargs)


class RelayIgnoresReceiptSubject(ReferenceCodec):
    """A relay that checks who signed a receipt, not which envelope it pays for."""

    name = "relay-ignores-receipt-subject"
    relay_service = _SubjectBlindRelay


class _EpochBlindRelay(RendezvousService):
    def _check_forward_epoch(self, *args: Any) -> None:
        del args


class RelayIgnoresEnvelopeEpoch(ReferenceCodec):
    """A relay that forwards a message of any epoch (its memory of what it forwarded
    being per epoch, a replay after the epoch moved is forwarded again)."""

    name = "relay-ignores-envelope-epoch"
    relay_service = _EpochBlindRelay


@attrs.frozen
class BrokenCodec:
    """A broken codec, the family it breaks, vectors that must catch it, and the
    other families whose vectors it fails (those built on the broken part)."""

    factory: Callable[[KeyRing], ReferenceCodec]
    family: str
    expected: tuple[str, ...]
    also: tuple[str, ...] = ()


BROKEN_CODECS: dict[str, BrokenCodec] = {
    c.factory.name: c  # type: ignore[attr-defined]
    for c in (
        BrokenCodec(PublicIdPsk, "key_schedule", ("key_schedule/context/ctx_a/epoch-1",)),
        BrokenCodec(IgnoresTrailingBytes, "descriptor", ("descriptor/trailing-byte",)),
        BrokenCodec(
            UncheckedDescriptorSignature,
            "descriptor",
            ("descriptor/signed/flipped-signature", "descriptor/signed/signed-by-other-member"),
        ),
        BrokenCodec(UnsignedChannelFacts, "fact", ("fact/channel-unsigned/verify",)),
        BrokenCodec(EntryIdWithoutStamp, "journal_entry", ("journal_entry/max-lamport/encode",)),
        BrokenCodec(SyncAnswersAnyone, "sync", ("sync/answer/non-member",)),
        BrokenCodec(UncheckedReceiptChain, "receipt", ("receipt/verify/broken-chain",)),
        BrokenCodec(
            UncheckedInitiatorStatic,
            "handshake",
            ("handshake/read-init/impersonation", "handshake/read-init/member-claims-other-member"),
        ),
        BrokenCodec(
            EpochNotInPrologue,
            "handshake",
            ("handshake/run/ctx_a-epoch-1",),
            also=("transport", "relay_envelope"),
        ),
        BrokenCodec(
            NoTransportReplayGuard,
            "transport",
            ("transport/open/replayed", "transport/open/reordered"),
        ),
        BrokenCodec(RelayForwardsAnything, "relay_envelope", ("relay_envelope/forward/to-self",)),
        BrokenCodec(
            RelayIgnoresReceiptSubject,
            "relay_envelope",
            ("relay_envelope/forward/receipt-of-another-envelope",),
        ),
        BrokenCodec(
            RelayIgnoresEnvelopeEpoch, "relay_envelope", ("relay_envelope/forward/other-epoch",)
        ),
    )
}
