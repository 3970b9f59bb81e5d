"""Ids are exactly 32 bytes; u64/u32 checks reject out-of-range values."""

from __future__ import annotations

import pytest
from aura_rendezvous import AuthorityId, ContextId, LocalProtocolError, ValueRangeError
from aura_rendezvous.core import U32_MAX, U64_MAX, check_u32, check_u64, epoch_bytes, next_epoch
from hypothesis import given
from hypothesis import strategies as st


@pytest.mark.parametrize("n", [0, 1, 31, 33, 64])
def test_ids_reject_wrong_length(n: int) -> None:
    """An id of any length but 32 is a typed error, for both id kinds."""
    with pytest.raises(LocalProtocolError, match="32 bytes"):
        AuthorityId(b"\x00" * n)
    with pytest.raises(LocalProtocolError, match="32 bytes"):
        ContextId(b"\x00" * n)


def test_ids_reject_non_bytes() -> None:
    """A str is not an id, even of the right length."""
    with pytest.raises(LocalProtocolError, match="bytes"):
        AuthorityId("a" * 32)  # type: ignore[arg-type]


@given(st.binary(min_size=32, max_size=32), st.binary(min_size=32, max_size=32))
def test_ids_order_is_byte_order(a: bytes, b: bytes) -> None:
    """Ids sort as their bytes do (the deterministic tie-break of choices)."""
    assert (AuthorityId(a) < AuthorityId(b)) == (a < b)
    assert AuthorityId(a) != ContextId(a)


@pytest.mark.parametrize(
    ("value", "ok"), [(0, True), (U64_MAX, True), (-1, False), (U64_MAX + 1, False)]
)
def test_check_u64_edges(value: int, ok: bool) -> None:
    """u64 accepts exactly [0, 2**64)."""
    if ok:
        assert check_u64("x", value) == value
    else:
        with pytest.raises(ValueRangeError, match="x="):
            check_u64("x", value)


@pytest.mark.parametrize(
    ("value", "ok"), [(0, True), (U32_MAX, True), (-1, False), (U32_MAX + 1, False)]
)
def test_check_u32_edges(value: int, ok: bool) -> None:
    """u32 accepts exactly [0, 2**32)."""
    if ok:
        assert check_u32("c", value) == value
    else:
        with pytest.raises(ValueRangeError):
            check_u32("c", value)


def test_bool_is_not_a_number() -> None:
    """``True`` is an int in Python, but never a valid u64 here."""
    with pytest.raises(ValueRangeError):
        check_u64("x", True)


def test_epoch_bytes_and_successor() -> None:
    """Epochs encode big-endian in 8 bytes; the last one has no successor."""
    assert epoch_bytes(1) == b"\x00" * 7 + b"\x01"
    assert next_epoch(41) == 42
    with pytest.raises(ValueRangeError):
        next_epoch(U64_MAX)


def test_values_refuse_raw_bytes_for_ids() -> None:
    """Passing raw bytes where an id belongs is a typed error naming the field."""
    from aura_rendezvous import ChannelEstablished, GuardSnapshot, RelayEnvelope

    raw = b"a" * 32
    ctx = ContextId(b"c" * 32)
    who = AuthorityId(raw)
    with pytest.raises(LocalProtocolError, match=r"ChannelEstablished\.context_id"):
        ChannelEstablished(raw, who, who, raw, 1)  # type: ignore[arg-type]
    with pytest.raises(LocalProtocolError, match=r"RelayEnvelope\.dst"):
        RelayEnvelope(ctx, who, raw, b"")  # type: ignore[arg-type]
    with pytest.raises(LocalProtocolError, match=r"GuardSnapshot\.authority_id"):
        GuardSnapshot(raw, ctx, 1, set(), 1)  # type: ignore[arg-type]
