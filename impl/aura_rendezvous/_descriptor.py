"""Transport hints, rendezvous descriptors and the pure rules on them (DESIGN.md 2).

The pure functions :func:`is_valid_at`, :func:`window_contains`,
:func:`needs_refresh_at`, :func:`build_window` and :func:`choose_descriptor`
are the ones the Z3 models prove properties of; they are kept small and free of
any state so the proof and the code talk about the same thing.

A descriptor travels only signed and then sealed: Ed25519 by its publisher
over a labelled canonical encoding, then ChaCha20-Poly1305 under the
context-derived descriptor key with associated data (context id, authority id,
epoch). The AEAD nonce is derived from the signed plaintext (SIV-style): the
same descriptor always seals to the same bytes, which makes journal facts
content-addressed, and two different plaintexts get different nonces, so the
core needs no randomness to seal.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from collections.abc import Set as AbstractSet

import attrs
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305

from aura_rendezvous._encoding import Reader, Tag, Writer
from aura_rendezvous._errors import DecodeError, LocalProtocolError, RemoteProtocolError
from aura_rendezvous._ids import (
    U64_MAX,
    AuthorityId,
    ContextId,
    ValueRangeError,
    check_u64,
    epoch_bytes,
    is_authority,
    is_context,
)
from aura_rendezvous._keys import AuthorityKeys, ContextMembership, Roster, verify_signature

__all__ = [
    "LABEL_DESCRIPTOR_SEAL_NONCE",
    "LABEL_DESCRIPTOR_SIGNATURE",
    "MAX_ADDR_LEN",
    "MAX_DESCRIPTOR_LEN",
    "MAX_HINTS",
    "MAX_SEALED_LEN",
    "BadSignature",
    "ContextMismatchError",
    "DecryptFailed",
    "InvalidDescriptor",
    "QuicDirect",
    "QuicReflexive",
    "RendezvousDescriptor",
    "SealedDescriptor",
    "SignedDescriptor",
    "TcpDirect",
    "TransportHint",
    "WebSocketRelay",
    "build_descriptor",
    "build_window",
    "choose_descriptor",
    "decode_hint",
    "is_valid_at",
    "needs_refresh_at",
    "open_descriptor",
    "seal_descriptor",
    "sign_descriptor",
    "verify_descriptor",
    "window_contains",
]

LABEL_DESCRIPTOR_SIGNATURE = b"aura/rendezvous/v1/descriptor-signature"
LABEL_DESCRIPTOR_SEAL_NONCE = b"aura/rendezvous/v1/descriptor-seal-nonce"
MAX_ADDR_LEN = 255
MAX_HINTS = 16
MAX_DESCRIPTOR_LEN = 2 + 32 + 32 + 4 + MAX_HINTS * (1 + 2 * (4 + MAX_ADDR_LEN)) + 32 + 8 + 8 + 32
MAX_SEALED_LEN = 2 + 32 + 32 + 8 + 4 + (2 + 4 + MAX_DESCRIPTOR_LEN + 64) + 16


class InvalidDescriptor(LocalProtocolError, ValueError):
    """A descriptor would break an invariant (empty window, too many hints...)."""


class BadSignature(RemoteProtocolError):
    """A signature does not verify under the roster key of its claimed signer."""

    reason = "BadSignature"


class DecryptFailed(RemoteProtocolError):
    """AEAD decryption failed: wrong key (non-member, other epoch) or tampered bytes."""

    reason = "DecryptFailed"


class ContextMismatchError(RemoteProtocolError):
    """A value of one context was offered to another (DESIGN.md 2: never crosses)."""

    reason = "ContextMismatch"


# -- transport hints ----------------------------------------------------------


def _addr(inst: object, attribute: attrs.Attribute[str], value: str) -> None:
    if not isinstance(value, str):
        raise InvalidDescriptor(f"{attribute.name} must be str")
    if not value or len(value.encode("utf-8")) > MAX_ADDR_LEN:
        raise InvalidDescriptor(f"{attribute.name} must be 1..{MAX_ADDR_LEN} UTF-8 bytes")


@attrs.frozen
class QuicDirect:
    """Direct QUIC to ``addr`` (``host:port``)."""

    addr: str = attrs.field(validator=_addr)
    kind = 1
    is_direct = True


@attrs.frozen
class QuicReflexive:
    """QUIC to the STUN-discovered reflexive ``addr``."""

    addr: str = attrs.field(validator=_addr)
    stun_server: str = attrs.field(validator=_addr)
    kind = 2
    is_direct = True


@attrs.frozen
class WebSocketRelay:
    """WebSocket relay through ``relay_authority`` (reveals only the relay)."""

    relay_authority: AuthorityId = attrs.field(validator=is_authority)
    kind = 3
    is_direct = False


@attrs.frozen
class TcpDirect:
    """Direct TCP to ``addr``."""

    addr: str = attrs.field(validator=_addr)
    kind = 4
    is_direct = True


TransportHint = QuicDirect | QuicReflexive | WebSocketRelay | TcpDirect
_HINT_TYPES = (QuicDirect, QuicReflexive, WebSocketRelay, TcpDirect)


def _write_hint(w: Writer, hint: TransportHint) -> None:
    w.u8(hint.kind)
    if isinstance(hint, QuicReflexive):
        w.text(hint.addr, MAX_ADDR_LEN).text(hint.stun_server, MAX_ADDR_LEN)
    elif isinstance(hint, WebSocketRelay):
        w.authority(hint.relay_authority)
    else:
        w.text(hint.addr, MAX_ADDR_LEN)


def decode_hint(r: Reader) -> TransportHint:
    """Read one hint from ``r`` (used by the descriptor decoder)."""
    kind = r.u8()
    if kind == QuicDirect.kind:
        return QuicDirect(r.text(MAX_ADDR_LEN))
    if kind == QuicReflexive.kind:
        return QuicReflexive(r.text(MAX_ADDR_LEN), r.text(MAX_ADDR_LEN))
    if kind == WebSocketRelay.kind:
        return WebSocketRelay(r.authority())
    if kind == TcpDirect.kind:
        return TcpDirect(r.text(MAX_ADDR_LEN))
    raise r.fail(f"unknown transport hint kind {kind}")


# -- pure rules ---------------------------------------------------------------


def window_contains(valid_from: int, valid_until: int, now: int) -> bool:
    """DESIGN.md 2: the half-open window ``valid_from <= now < valid_until``."""
    return valid_from <= now < valid_until


def needs_refresh_at(valid_until: int, now: int, window: int) -> bool:
    """DESIGN.md 2: ``now + window >= valid_until``, the sum saturating at u64 max."""
    return min(now + window, U64_MAX) >= valid_until


def build_window(now: int, validity_ms: int) -> tuple[int, int]:
    """``(now, now + validity_ms)``; an empty window or a u64 overflow is an error."""
    check_u64("now_ms", now)
    check_u64("validity_ms", validity_ms)
    if validity_ms == 0:
        raise InvalidDescriptor("validity_ms must be positive (valid_until > valid_from)")
    if now + validity_ms > U64_MAX:
        raise ValueRangeError(f"now_ms + validity_ms = {now + validity_ms} overflows u64")
    return now, now + validity_ms


# -- the descriptor -----------------------------------------------------------


def _hints(value: Iterable[TransportHint]) -> tuple[TransportHint, ...]:
    return tuple(value)


def _check_hints(
    inst: object, attribute: attrs.Attribute[tuple[TransportHint, ...]], value: tuple[object, ...]
) -> None:
    if len(value) > MAX_HINTS:
        raise InvalidDescriptor(f"at most {MAX_HINTS} transport hints, got {len(value)}")
    for hint in value:
        if not isinstance(hint, _HINT_TYPES):
            raise InvalidDescriptor(f"not a transport hint: {type(hint).__name__}")


def _b32(inst: object, attribute: attrs.Attribute[bytes], value: bytes) -> None:
    if not isinstance(value, bytes) or len(value) != 32:
        raise InvalidDescriptor(f"{attribute.name} must be 32 bytes")


def _u64(inst: object, attribute: attrs.Attribute[int], value: int) -> None:
    check_u64(attribute.name, value)


@attrs.frozen
class RendezvousDescriptor:
    """A publisher's transport endpoints for one context, valid in ``[valid_from, valid_until)``.

    The constructor refuses an empty window; :func:`build_descriptor` builds one
    from ``now`` and a validity with overflow checks.
    """

    authority_id: AuthorityId = attrs.field(validator=is_authority)
    context_id: ContextId = attrs.field(validator=is_context)
    transport_hints: tuple[TransportHint, ...] = attrs.field(
        converter=_hints, validator=_check_hints
    )
    handshake_psk_commitment: bytes = attrs.field(validator=_b32)
    valid_from: int = attrs.field(validator=_u64)
    valid_until: int = attrs.field(validator=_u64)
    nonce: bytes = attrs.field(validator=_b32)

    def __attrs_post_init__(self) -> None:
        if self.valid_until <= self.valid_from:
            raise InvalidDescriptor(
                f"valid_until ({self.valid_until}) must exceed valid_from ({self.valid_from})"
            )

    @property
    def order_key(self) -> tuple[int, bytes]:
        """The choice order of DESIGN.md 2: ``(valid_from, nonce)``."""
        return (self.valid_from, self.nonce)

    def has_direct_transport(self) -> bool:
        return any(h.is_direct for h in self.transport_hints)

    def encode(self) -> bytes:
        w = Writer(Tag.DESCRIPTOR).authority(self.authority_id).context(self.context_id)
        w.u32(len(self.transport_hints))
        for hint in self.transport_hints:
            _write_hint(w, hint)
        w.fixed(self.handshake_psk_commitment, 32).u64(self.valid_from).u64(self.valid_until)
        return w.fixed(self.nonce, 32).getvalue()

    @classmethod
    def decode(cls, data: bytes) -> RendezvousDescriptor:
        """Strictly decode; any malformation is a :class:`DecodeError`."""
        r = Reader("RendezvousDescriptor", data, Tag.DESCRIPTOR, MAX_DESCRIPTOR_LEN)
        try:
            authority, context = r.authority(), r.context()
            hints = [decode_hint(r) for _ in range(r.count(MAX_HINTS))]
            desc = cls(authority, context, hints, r.fixed(32), r.u64(), r.u64(), r.fixed(32))
        except DecodeError:
            raise
        except LocalProtocolError as exc:
            raise r.fail(str(exc)) from None
        r.finish()
        return desc


def is_valid_at(descriptor: RendezvousDescriptor, now: int) -> bool:
    """The descriptor is valid at ``now`` (half-open window, ``valid_until`` exclusive)."""
    return window_contains(descriptor.valid_from, descriptor.valid_until, now)


def build_descriptor(
    authority_id: AuthorityId,
    context_id: ContextId,
    *,
    transport_hints: Sequence[TransportHint],
    handshake_psk_commitment: bytes,
    now_ms: int,
    validity_ms: int,
    nonce: bytes,
) -> RendezvousDescriptor:
    """A descriptor valid in ``[now_ms, now_ms + validity_ms)``; overflow is an error."""
    valid_from, valid_until = build_window(now_ms, validity_ms)
    return RendezvousDescriptor(
        authority_id,
        context_id,
        tuple(transport_hints),
        handshake_psk_commitment,
        valid_from,
        valid_until,
        nonce,
    )


def choose_descriptor(
    candidates: Iterable[RendezvousDescriptor],
    context_id: ContextId,
    authority_id: AuthorityId,
    now: int,
    revoked: AbstractSet[tuple[AuthorityId, bytes]] = frozenset(),
) -> RendezvousDescriptor | None:
    """DESIGN.md 2: of ``authority_id``'s descriptors *of ``context_id``*, the valid,
    non-revoked one with the greatest ``(valid_from, nonce)``; ``None`` if none.

    The result does not depend on the order of ``candidates`` (never "last arrived").
    """
    best: RendezvousDescriptor | None = None
    for d in candidates:
        if d.context_id != context_id or d.authority_id != authority_id:
            continue
        if not is_valid_at(d, now) or (d.authority_id, d.nonce) in revoked:
            continue
        if best is None or d.order_key > best.order_key:
            best = d
        elif d.order_key == best.order_key and d != best and d.encode() > best.encode():
            # Equal (valid_from, nonce) only arises from a forged or buggy publisher;
            # the encoding breaks the tie so the choice stays order-independent.
            best = d
    return best


# -- signing ------------------------------------------------------------------


@attrs.frozen
class SignedDescriptor:
    """A descriptor with its publisher's Ed25519 signature."""

    descriptor: RendezvousDescriptor
    signature: bytes

    def encode(self) -> bytes:
        return (
            Writer(Tag.SIGNED_DESCRIPTOR)
            .var(self.descriptor.encode(), MAX_DESCRIPTOR_LEN)
            .fixed(self.signature, 64)
            .getvalue()
        )

    @classmethod
    def decode(cls, data: bytes) -> SignedDescriptor:
        r = Reader("SignedDescriptor", data, Tag.SIGNED_DESCRIPTOR, MAX_SEALED_LEN)
        inner = r.var(MAX_DESCRIPTOR_LEN)
        signature = r.fixed(64)
        r.finish()
        return cls(RendezvousDescriptor.decode(inner), signature)


def _signed_message(descriptor: RendezvousDescriptor) -> bytes:
    return LABEL_DESCRIPTOR_SIGNATURE + descriptor.encode()


def sign_descriptor(descriptor: RendezvousDescriptor, keys: AuthorityKeys) -> SignedDescriptor:
    """Sign as the publisher; signing someone else's descriptor is a misuse."""
    if keys.authority_id != descriptor.authority_id:
        raise LocalProtocolError("only the publisher signs its descriptor")
    return SignedDescriptor(descriptor, keys.sign(_signed_message(descriptor)))


def verify_descriptor(signed: SignedDescriptor, roster: Roster) -> RendezvousDescriptor:
    """The descriptor if its publisher is a member and the signature verifies under its
    roster key; else :class:`~aura_rendezvous.NotAMember` or :class:`BadSignature`."""
    entry = roster.entry(signed.descriptor.authority_id)
    if not verify_signature(
        entry.ed25519_public, _signed_message(signed.descriptor), signed.signature
    ):
        raise BadSignature(f"descriptor of {signed.descriptor.authority_id} is not signed by it")
    return signed.descriptor


# -- sealing ------------------------------------------------------------------


@attrs.frozen
class SealedDescriptor:
    """What the journal holds: the signed descriptor encrypted under the context key.

    Only ``context_id``, ``authority_id``, ``epoch`` and the size are visible.
    """

    context_id: ContextId = attrs.field(validator=is_context)
    authority_id: AuthorityId = attrs.field(validator=is_authority)
    epoch: int = attrs.field(validator=_u64)
    ciphertext: bytes

    def associated_data(self) -> bytes:
        return self.context_id.value + self.authority_id.value + epoch_bytes(self.epoch)

    def encode(self) -> bytes:
        return (
            Writer(Tag.SEALED_DESCRIPTOR)
            .context(self.context_id)
            .authority(self.authority_id)
            .u64(self.epoch)
            .var(self.ciphertext, MAX_SEALED_LEN)
            .getvalue()
        )

    @classmethod
    def decode(cls, data: bytes) -> SealedDescriptor:
        r = Reader("SealedDescriptor", data, Tag.SEALED_DESCRIPTOR, MAX_SEALED_LEN)
        context, authority, epoch = r.context(), r.authority(), r.u64()
        ciphertext = r.var(MAX_SEALED_LEN)
        if len(ciphertext) < 12 + 16:
            raise r.fail("ciphertext shorter than nonce and tag")
        r.finish()
        return cls(context, authority, epoch, ciphertext)


def seal_descriptor(
    signed: SignedDescriptor, membership: ContextMembership, epoch: int
) -> SealedDescriptor:
    """Encrypt for the members of the descriptor's context (AD binds context, author, epoch)."""
    desc = signed.descriptor
    if desc.context_id != membership.context_id:
        raise LocalProtocolError("descriptor sealed under another context's key")
    plaintext = signed.encode()
    nonce = hashlib.blake2s(
        LABEL_DESCRIPTOR_SEAL_NONCE + plaintext, key=membership.descriptor_key(epoch)
    ).digest()[:12]
    sealed = SealedDescriptor(desc.context_id, desc.authority_id, epoch, b"")
    body = ChaCha20Poly1305(membership.descriptor_key(epoch)).encrypt(
        nonce, plaintext, sealed.associated_data()
    )
    return attrs.evolve(sealed, ciphertext=nonce + body)


def open_descriptor(
    sealed: SealedDescriptor, membership: ContextMembership
) -> RendezvousDescriptor:
    """Decrypt and verify a sealed descriptor as a member of ``membership``'s context.

    Raises :class:`ContextMismatchError` for another context's descriptor,
    :class:`DecryptFailed` for a wrong key or tampering, :class:`DecodeError` for
    a malformed plaintext, :class:`BadSignature` / ``NotAMember`` for a bad signer,
    and :class:`ContextMismatchError` if the inner descriptor names another
    context or author than its envelope.
    """
    if sealed.context_id != membership.context_id:
        raise ContextMismatchError(f"descriptor of {sealed.context_id} offered to another context")
    nonce, body = sealed.ciphertext[:12], sealed.ciphertext[12:]
    try:
        plaintext = ChaCha20Poly1305(membership.descriptor_key(sealed.epoch)).decrypt(
            nonce, body, sealed.associated_data()
        )
    except (InvalidTag, ValueError):
        raise DecryptFailed("descriptor does not decrypt under this context's key") from None
    signed = SignedDescriptor.decode(plaintext)
    desc = signed.descriptor
    if desc.context_id != sealed.context_id or desc.authority_id != sealed.authority_id:
        raise ContextMismatchError("sealed envelope and descriptor disagree on context or author")
    return verify_descriptor(signed, membership.roster)
