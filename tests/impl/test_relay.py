"""The relay envelope: canonical encoding, strict decoder."""

from __future__ import annotations

import contextlib

import pytest
from aura_rendezvous import DecodeError, LocalProtocolError, RelayEnvelope
from aura_rendezvous.core import MAX_RELAY_PAYLOAD
from hypothesis import given, settings
from hypothesis import strategies as st

from .strategies import authority_ids, context_ids


@settings(max_examples=60)
@given(context_ids, authority_ids, authority_ids, st.binary(max_size=200))
def test_roundtrip(ctx: object, src: object, dst: object, payload: bytes) -> None:
    """Envelopes decode back to themselves."""
    env = RelayEnvelope(ctx, src, dst, payload)  # type: ignore[arg-type]
    assert RelayEnvelope.decode(env.encode()) == env


@settings(max_examples=200)
@given(st.binary(max_size=200))
def test_decoder_fuzz(data: bytes) -> None:
    """Arbitrary bytes: an envelope or a DecodeError."""
    with contextlib.suppress(DecodeError):
        RelayEnvelope.decode(data)


def test_oversized_payload() -> None:
    """A payload above the Noise maximum can neither be built nor decoded."""
    from .world import ALICE, BOB, CTX

    with pytest.raises(LocalProtocolError):
        RelayEnvelope(CTX, ALICE, BOB, b"x" * (MAX_RELAY_PAYLOAD + 1))
    raw = RelayEnvelope(CTX, ALICE, BOB, b"").encode()
    forged = raw[:-4] + (MAX_RELAY_PAYLOAD + 1).to_bytes(4, "big") + b"x" * (MAX_RELAY_PAYLOAD + 1)
    with pytest.raises(DecodeError):
        RelayEnvelope.decode(forged)
