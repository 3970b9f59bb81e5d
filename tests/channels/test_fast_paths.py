"""The channel layer's shortcuts answer exactly what the long way answers.

- The decoders' well-formed-header fast path only runs on ``bytes``; a
  ``bytearray`` with the same content takes the checked slow path. Both must
  give the same value or the same ``DecodeError`` (source, offset, message).
- The endpoint decodes a key confirmation once for ``pending_confirmation`` and
  ``confirm``; a different message object is decoded afresh.
- The endpoint's cached ``HandshakeConfig`` is per (context, peer, PSK, epoch,
  timeout): a change of any of them gives a new, validated config.

Each shortcut has its broken variant next to it, showing the check would fail.
"""

from __future__ import annotations

import hashlib
import struct

import pytest
from aura_rendezvous import AuthorityId, ContextId, DecodeError, LocalProtocolError, UnknownChannel
from aura_rendezvous.channels import (
    WIRE_VERSION,
    HandshakeWire,
    MessageType,
    TransportMessage,
    decode_handshake,
    message_type,
    roster_lookup,
)
from hypothesis import given, settings
from hypothesis import strategies as st

from ..impl.world import CTX
from .service_pairs import ALICE_ID, BOB_ID, ServicePair

# Mostly near-valid messages: a right or wrong version and type byte, then anything.
headers = st.tuples(st.sampled_from([WIRE_VERSION, 0, 2]), st.sampled_from([1, 2, 3, 4, 255])).map(
    bytes
)
messages = st.one_of(
    st.binary(max_size=120),
    st.builds(lambda h, rest: h + rest, headers, st.binary(max_size=140)),
)


def outcome(decode, data):
    try:
        return ("ok", decode(data))
    except DecodeError as exc:
        return ("error", exc.source, exc.offset, str(exc))


@settings(max_examples=400)
@given(data=messages, kind=st.sampled_from(list(MessageType)))
def test_fast_and_slow_paths_agree(data: bytes, kind: MessageType) -> None:
    slow = bytearray(data)
    assert outcome(TransportMessage.decode, data) == outcome(TransportMessage.decode, slow)
    assert outcome(lambda d: decode_handshake(d, kind), data) == outcome(
        lambda d: decode_handshake(d, kind), slow
    )
    assert outcome(message_type, data) == outcome(message_type, slow)


def test_fast_path_without_version_check_would_disagree() -> None:
    """Broken variant: a fast path that forgot the version byte accepts what the
    slow path rejects, and the agreement property above tells them apart."""

    def broken_decode(data: bytes) -> TransportMessage:
        if type(data) is bytes and len(data) >= 66:
            _, _, channel_id, epoch, counter = struct.unpack_from(">BB32sQQ", data)
            return TransportMessage(channel_id, epoch, counter, data[50:])
        return TransportMessage.decode(data)

    data = bytes([WIRE_VERSION + 1, MessageType.Transport]) + bytes(64)
    assert outcome(broken_decode, data)[0] == "ok"  # the violation
    assert outcome(broken_decode, bytearray(data))[0] == "error"
    assert outcome(TransportMessage.decode, data)[0] == "error"


def test_confirmation_is_decoded_once_and_other_bytes_afresh() -> None:
    pair = ServicePair.new()
    confirmation = pair.complete(pair.respond(pair.message1()))
    endpoint = pair.bob.endpoint
    channel = endpoint.pending_confirmation(CTX, ALICE_ID, confirmation)
    # Equal content in another bytes object: decoded again, same channel.
    copy = bytes(bytearray(confirmation))
    assert copy is not confirmation
    assert endpoint.pending_confirmation(CTX, ALICE_ID, copy) is channel
    # A confirmation naming another channel is not answered from the cache.
    other = TransportMessage.decode(confirmation)
    forged = TransportMessage(bytes(32), other.epoch, other.counter, other.ciphertext).encode()
    with pytest.raises(UnknownChannel):
        endpoint.pending_confirmation(CTX, ALICE_ID, forged)
    assert pair.confirm(confirmation).status.value == "Committed"
    assert channel.is_active()


def test_cached_decode_keyed_by_content_would_confuse_messages() -> None:
    """Broken variant: a cache answering any later message with the first decode
    (no identity check) names the first channel for a forged one."""
    pair = ServicePair.new()
    confirmation = pair.complete(pair.respond(pair.message1()))
    endpoint = pair.bob.endpoint
    endpoint.pending_confirmation(CTX, ALICE_ID, confirmation)
    assert endpoint._decoded is not None and endpoint._decoded[0] is confirmation
    other = TransportMessage.decode(confirmation)
    forged = TransportMessage(bytes(32), other.epoch, other.counter, other.ciphertext).encode()
    stale = endpoint._decoded[1]  # what an unkeyed cache would answer for `forged`
    assert stale.channel_id != TransportMessage.decode(forged).channel_id  # the violation


def test_config_cache_is_per_context_peer_psk_epoch_and_timeout() -> None:
    pair = ServicePair.new()
    endpoint = pair.alice.endpoint
    peer = AuthorityId(b"\x0b" * 32)
    psk = hashlib.sha256(b"psk").digest()
    first = endpoint._config(CTX, peer, psk, 1)
    assert endpoint._config(CTX, peer, psk, 1) is first
    other_ctx = ContextId(hashlib.sha256(b"other").digest())
    variants = [
        endpoint._config(other_ctx, peer, psk, 1),
        endpoint._config(CTX, None, psk, 1),
        endpoint._config(CTX, peer, bytes(32), 1),
        endpoint._config(CTX, peer, psk, 2),
    ]
    assert all(v != first for v in variants)
    endpoint.timeout_ms += 1
    assert endpoint._config(CTX, peer, psk, 1).timeout_ms == first.timeout_ms + 1
    # Bad values are still refused by the validators, cached or not.
    with pytest.raises(ValueError, match="psk must be 32 bytes"):
        endpoint._config(CTX, peer, b"short", 1)
    with pytest.raises(ValueError, match="psk must be 32 bytes"):
        endpoint._config(CTX, peer, bytearray(32), 1)  # type: ignore[arg-type]


def test_handshake_wire_fast_path_keeps_the_epoch() -> None:
    wire = HandshakeWire(MessageType.HandshakeInit, 2**64 - 1, bytes(96)).encode()
    assert decode_handshake(wire, MessageType.HandshakeInit).epoch == 2**64 - 1


@settings(max_examples=100)
@given(claimed=st.lists(st.binary(min_size=32, max_size=32), max_size=5))
def test_roster_lookup_memo_answers_like_the_roster(claimed: list[bytes]) -> None:
    """Members (asked twice, so the second answer is the memo's) get their roster
    key; anything else, including ids that are not bytes, gets what the roster says."""
    membership = ServicePair.new(publish=False).membership
    lookup = roster_lookup(membership)
    for raw in [ALICE_ID.value, *claimed, ALICE_ID.value, BOB_ID.value, *claimed]:
        entry = membership.roster.get(AuthorityId(raw))
        assert lookup(raw) == (None if entry is None else entry.x25519_public)
    # Not bytes: refused as the roster path always did, memo or not.
    with pytest.raises(LocalProtocolError, match="must be bytes"):
        lookup(bytearray(BOB_ID.value))  # type: ignore[arg-type]


def test_config_cache_drops_retired_epochs_psks() -> None:
    pair = ServicePair.new()
    endpoint = pair.alice.endpoint
    peer = AuthorityId(b"\x0b" * 32)
    old = endpoint._config(CTX, peer, pair.psk(1), 1)
    assert old in endpoint._configs.values()
    endpoint.sync_epoch(CTX, 2)
    assert old not in endpoint._configs.values()
