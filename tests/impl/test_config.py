"""``RendezvousConfig`` checks every field on construction, with typed errors naming it."""

from __future__ import annotations

import os

import pytest
from aura_rendezvous import LocalProtocolError, RendezvousConfig, RendezvousService, ValueRangeError
from aura_rendezvous.core import U64_MAX
from hypothesis import given
from hypothesis import strategies as st

from .world import ALICE, KEYS, MEMBERSHIP


def config(**overrides: object) -> RendezvousConfig:
    fields: dict[str, object] = {
        "keys": KEYS[ALICE],
        "memberships": [MEMBERSHIP],
        "nonce_source": os.urandom,
    }
    fields.update(overrides)
    return RendezvousConfig(**fields)  # type: ignore[arg-type]


def test_defaults_and_bounds_are_accepted() -> None:
    assert config().descriptor_validity_ms == 3_600_000
    assert config().refresh_window_ms == 300_000
    edge = config(descriptor_validity_ms=U64_MAX, refresh_window_ms=U64_MAX)
    assert (edge.descriptor_validity_ms, edge.refresh_window_ms) == (U64_MAX, U64_MAX)
    assert config(descriptor_validity_ms=1, refresh_window_ms=0).refresh_window_ms == 0
    RendezvousService.new(ALICE, config(descriptor_validity_ms=1))


@pytest.mark.parametrize("field", ["descriptor_validity_ms", "refresh_window_ms"])
@pytest.mark.parametrize("value", [-1, U64_MAX + 1, 2**70])
def test_durations_outside_u64_are_refused(field: str, value: int) -> None:
    with pytest.raises(ValueRangeError, match=f"RendezvousConfig.{field}"):
        config(**{field: value})


@pytest.mark.parametrize("field", ["descriptor_validity_ms", "refresh_window_ms"])
@pytest.mark.parametrize("value", [1.5, "10", None, True])
def test_durations_must_be_ints(field: str, value: object) -> None:
    with pytest.raises(ValueRangeError, match=f"RendezvousConfig.{field}"):
        config(**{field: value})


def test_zero_validity_is_refused_at_construction() -> None:
    # Before the check, a zero validity was accepted and every publication failed later.
    with pytest.raises(ValueRangeError, match="descriptor_validity_ms must be positive"):
        config(descriptor_validity_ms=0)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("keys", b"not keys"),
        ("memberships", None),
        ("memberships", [b"not a membership"]),
        ("nonce_source", b"\x00" * 32),
    ],
)
def test_wrong_types_are_typed_errors(field: str, value: object) -> None:
    with pytest.raises(LocalProtocolError, match=f"RendezvousConfig.{field}"):
        config(**{field: value})


@given(
    validity=st.integers(min_value=-(2**66), max_value=2**66),
    window=st.integers(min_value=-(2**66), max_value=2**66),
)
def test_any_integers_give_a_config_or_a_range_error(validity: int, window: int) -> None:
    valid = 0 < validity <= U64_MAX and 0 <= window <= U64_MAX
    try:
        built = config(descriptor_validity_ms=validity, refresh_window_ms=window)
    except ValueRangeError:
        assert not valid
    else:
        assert valid
        assert (built.descriptor_validity_ms, built.refresh_window_ms) == (validity, window)
