"""Authority keys, context rosters and the key schedule (DESIGN.md 1).

Every secret of a context comes from its root secret, which only roster
members hold; nothing here accepts public ids alone as key material (the
known shortfall of the public code base is "secret material derived from
public ids"). Each derivation has its own versioned label, so no two uses of
one secret can collide (domain separation).
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Iterator, Mapping

import attrs
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import x25519
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

# Ed25519 through libsodium (PyNaCl, PyCA's binding) rather than cryptography's
# OpenSSL: RFC 8032 signatures are deterministic, so both give the same bytes
# (tests/impl/test_keys.py checks it), but here libsodium signs ~1.7x and
# verifies ~1.9x faster, and two signatures sit on every handshake's path
# (bench/bench_handshake.py).
from nacl.bindings import crypto_sign, crypto_sign_open, crypto_sign_seed_keypair
from nacl.exceptions import CryptoError

from aura_rendezvous.core._errors import LocalProtocolError, NotAMember
from aura_rendezvous.core._ids import AuthorityId, ContextId, epoch_bytes
from aura_rendezvous.core._validators import fixed_bytes

__all__ = [
    "LABEL_AUTHORITY_ED25519",
    "LABEL_AUTHORITY_X25519",
    "LABEL_CONTEXT_KEY",
    "LABEL_DESCRIPTOR_KEY",
    "LABEL_PSK",
    "LABEL_PSK_COMMITMENT",
    "LABEL_SYNC_KEY",
    "MIN_SECRET_LEN",
    "AuthorityKeys",
    "ContextMembership",
    "Roster",
    "RosterEntry",
    "derive_context_key",
    "derive_descriptor_key",
    "derive_handshake_psk",
    "derive_sync_key",
    "psk_commitment",
    "verify_signature",
]

LABEL_AUTHORITY_ED25519 = b"aura/rendezvous/v1/authority/ed25519"
LABEL_AUTHORITY_X25519 = b"aura/rendezvous/v1/authority/x25519"
LABEL_CONTEXT_KEY = b"aura/rendezvous/v1/context-key"
LABEL_PSK = b"aura/rendezvous/v1/psk"
LABEL_PSK_COMMITMENT = b"aura/rendezvous/v1/psk-commitment"
LABEL_DESCRIPTOR_KEY = b"aura/rendezvous/v1/descriptor-key"
LABEL_SYNC_KEY = b"aura/rendezvous/v1/sync-key"

MIN_SECRET_LEN = 32
"""Seeds and root secrets shorter than this are refused (no weak key material)."""


def _secret(name: str, value: bytes) -> bytes:
    if not isinstance(value, bytes):
        raise LocalProtocolError(f"{name} must be bytes, got {type(value).__name__}")
    if len(value) < MIN_SECRET_LEN:
        raise LocalProtocolError(f"{name} must be at least {MIN_SECRET_LEN} bytes")
    return value


def _hkdf(ikm: bytes, label: bytes, info: bytes, length: int = 32) -> bytes:
    # The label goes first in info and is length-prefixed, so (label, info) pairs
    # can never be re-split into another pair.
    full_info = len(label).to_bytes(2, "big") + label + info
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=None, info=full_info).derive(ikm)


def derive_context_key(root_secret: bytes, context_id: ContextId, epoch: int) -> bytes:
    """HKDF-SHA256(root secret; info = label, context id, epoch BE8): the epoch's context key."""
    return _hkdf(
        _secret("root_secret", root_secret),
        LABEL_CONTEXT_KEY,
        context_id.value + epoch_bytes(epoch),
    )


def derive_handshake_psk(root_secret: bytes, context_id: ContextId, epoch: int) -> bytes:
    """The Noise PSK of ``(context, epoch)``: HKDF from that epoch's context key, own label."""
    if type(root_secret) is bytes and type(context_id) is ContextId and type(epoch) is int:
        return _cached_handshake_psk(root_secret, context_id, epoch)
    return _derive_handshake_psk(root_secret, context_id, epoch)


def _derive_handshake_psk(root_secret: bytes, context_id: ContextId, epoch: int) -> bytes:
    key = derive_context_key(root_secret, context_id, epoch)
    return _hkdf(key, LABEL_PSK, context_id.value + epoch_bytes(epoch))


# The PSK is a pure function of its three inputs, the root secret among them (a
# cached PSK is only ever served for the very secret it was derived from), and
# it is asked for on every handshake and every refresh check: four HKDFs each
# time without the cache. Exact types only (True == 1 would share an entry with
# epoch 1, and a bytearray secret is no key); anything else is derived afresh,
# and its validation raises as before. Bounded: a service sees a few epochs.
_cached_handshake_psk = functools.lru_cache(maxsize=256)(_derive_handshake_psk)


def derive_descriptor_key(root_secret: bytes, context_id: ContextId, epoch: int) -> bytes:
    """The AEAD key for descriptors of ``(context, epoch)``: HKDF from the context key."""
    key = derive_context_key(root_secret, context_id, epoch)
    return _hkdf(key, LABEL_DESCRIPTOR_KEY, context_id.value + epoch_bytes(epoch))


def derive_sync_key(root_secret: bytes, context_id: ContextId, epoch: int) -> bytes:
    """The AEAD key of sync messages of ``(context, epoch)``: HKDF from the context key."""
    key = derive_context_key(root_secret, context_id, epoch)
    return _hkdf(key, LABEL_SYNC_KEY, context_id.value + epoch_bytes(epoch))


def psk_commitment(psk: bytes) -> bytes:
    """Keyed BLAKE2s of the PSK under its own label: public, reveals nothing of the PSK."""
    if not isinstance(psk, bytes) or len(psk) != 32:
        raise LocalProtocolError("psk must be 32 bytes")
    return hashlib.blake2s(LABEL_PSK_COMMITMENT, key=psk, digest_size=32).digest()


def verify_signature(public_key: bytes, message: bytes, signature: bytes) -> bool:
    """True iff ``signature`` is a valid Ed25519 signature of ``message`` under ``public_key``.

    Malformed keys or signatures are simply invalid (the caller turns that into
    its own typed rejection); no ``cryptography`` exception leaks.
    """
    if len(public_key) != 32 or len(signature) != 64:
        return False
    try:
        crypto_sign_open(signature + message, public_key)
    except (CryptoError, ValueError):
        return False
    return True


@attrs.frozen
class AuthorityKeys:
    """An authority's Ed25519 signing key and X25519 static key.

    Built with :meth:`from_seed` from injected seed bytes (the core reads no
    randomness). ``repr`` never shows private material.
    """

    authority_id: AuthorityId
    signing_key: bytes = attrs.field(repr=False, eq=False)
    """libsodium's 64-byte Ed25519 secret key (RFC 8032 seed, then public key)."""
    static_private: bytes = attrs.field(repr=False)
    ed25519_public: bytes
    x25519_public: bytes

    @classmethod
    def from_seed(cls, authority_id: AuthorityId, seed: bytes) -> AuthorityKeys:
        """Derive both key pairs from ``seed`` (>= 32 secret bytes) under distinct labels."""
        _secret("seed", seed)
        ed_raw = _hkdf(seed, LABEL_AUTHORITY_ED25519, authority_id.value)
        x_raw = _hkdf(seed, LABEL_AUTHORITY_X25519, authority_id.value)
        ed_public, signing = crypto_sign_seed_keypair(ed_raw)
        static = x25519.X25519PrivateKey.from_private_bytes(x_raw)
        raw = serialization.Encoding.Raw
        fmt = serialization.PublicFormat.Raw
        return cls(
            authority_id=authority_id,
            signing_key=signing,
            static_private=x_raw,
            ed25519_public=ed_public,
            x25519_public=static.public_key().public_bytes(raw, fmt),
        )

    def sign(self, message: bytes) -> bytes:
        """Ed25519 signature of ``message`` (deterministic)."""
        return crypto_sign(message, self.signing_key)[:64]

    def roster_entry(self) -> RosterEntry:
        return RosterEntry(self.ed25519_public, self.x25519_public)


@attrs.frozen
class RosterEntry:
    """The public keys of one member: Ed25519 (signatures) and X25519 (Noise static)."""

    ed25519_public: bytes = attrs.field(validator=fixed_bytes(32))
    x25519_public: bytes = attrs.field(validator=fixed_bytes(32))


def _freeze_members(
    value: Mapping[AuthorityId, RosterEntry],
) -> tuple[tuple[AuthorityId, RosterEntry], ...]:
    return tuple(sorted(dict(value).items()))


@attrs.frozen
class Roster:
    """``{AuthorityId -> RosterEntry}`` of one context, stored sorted (hashable, deterministic)."""

    entries: tuple[tuple[AuthorityId, RosterEntry], ...] = attrs.field(converter=_freeze_members)
    # Membership is asked several times per handshake; a dict view of the
    # (immutable) entries answers in one lookup instead of a scan.
    _index: dict[AuthorityId, RosterEntry] = attrs.field(
        init=False, repr=False, eq=False, hash=False
    )

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "_index", dict(self.entries))

    @classmethod
    def of(cls, *keys: AuthorityKeys) -> Roster:
        return cls({k.authority_id: k.roster_entry() for k in keys})

    def __contains__(self, authority: object) -> bool:
        return isinstance(authority, AuthorityId) and authority in self._index

    def __iter__(self) -> Iterator[AuthorityId]:
        return (a for a, _ in self.entries)

    def __len__(self) -> int:
        return len(self.entries)

    def get(self, authority: AuthorityId) -> RosterEntry | None:
        if not isinstance(authority, AuthorityId):
            return None
        return self._index.get(authority)

    def entry(self, authority: AuthorityId) -> RosterEntry:
        """The member's keys, or :class:`NotAMember`."""
        found = self.get(authority)
        if found is None:
            raise NotAMember(f"{authority} is not on the roster")
        return found


@attrs.frozen
class ContextMembership:
    """What a member knows of a context: its id, roster and root secret."""

    context_id: ContextId
    roster: Roster
    root_secret: bytes = attrs.field(repr=False)

    def __attrs_post_init__(self) -> None:
        _secret("root_secret", self.root_secret)

    def context_key(self, epoch: int) -> bytes:
        return derive_context_key(self.root_secret, self.context_id, epoch)

    def handshake_psk(self, epoch: int) -> bytes:
        return derive_handshake_psk(self.root_secret, self.context_id, epoch)

    def descriptor_key(self, epoch: int) -> bytes:
        return derive_descriptor_key(self.root_secret, self.context_id, epoch)

    def psk_commitment(self, epoch: int) -> bytes:
        return psk_commitment(self.handshake_psk(epoch))

    def sync_key(self, epoch: int) -> bytes:
        return derive_sync_key(self.root_secret, self.context_id, epoch)
