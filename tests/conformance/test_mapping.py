"""The abstraction function and the ITF crossing of projected states."""

from __future__ import annotations

import contextlib
import json

import pytest
from aura_conformance import (
    GUARD_CHAIN,
    GUARD_CHAIN_VARS,
    BackendProtocolError,
    GuardChainWorld,
    guard_chain_checker,
    project_guard_chain,
    state_from_itf,
    state_to_itf,
)
from aura_model.tla import ModelValue
from hypothesis import given, settings
from hypothesis import strategies as st


def test_fresh_world_projects_onto_the_spec_initial_state() -> None:
    """A new reference world is GCInit: the harness starts where the spec starts."""
    checker = guard_chain_checker()
    state = project_guard_chain(GuardChainWorld())
    assert [state] == [{v: s[v] for v in GUARD_CHAIN_VARS} for s in checker.validator.init_states()]
    checker.check_init(state)


def test_projection_follows_a_real_send_and_receive() -> None:
    """Receipts become spec records: real Ed25519 signer, chain link as the previous nonce."""
    w = GuardChainWorld()
    assert w.prepare_operation("a1", "a2", 1) == "Allowed"
    assert w.execute_effects(False) == "Committed"
    assert w.prepare_operation("a1", "a2", 1) == "Allowed"
    assert w.execute_effects(False) == "Committed"
    for r in w.wire:
        assert w.receive_receipt(r) == "Accepted"
    s = project_guard_chain(w)
    a1, a2 = ModelValue("a1"), ModelValue("a2")
    assert {(r.d["nonce"], r.d["prev"], r.d["signer"]) for r in s["wire"]} == {
        (1, 0, a1),
        (2, 1, a1),
    }
    assert s["spent"].d[a1].d[0] == 2 == s["committed"].d[a1].d[0]
    assert s["accepted"].d[a2].d[a1] == 2
    assert [e.d["nonce"] for e in s["rlog"].d[a2]] == [1, 2]
    assert s["nextNonce"].d[a1].d[a2] == 3  # per destination: a1's own stream is untouched
    assert s["nextNonce"].d[a1].d[a1] == 1
    assert s["issued"].d[a1].d[a2] == frozenset({1, 2})
    # Each connect started a real handshake with a2; chan matches the journal.
    assert s["chan"] == s["journal"] and len(s["chan"]) == 2


def test_forged_signature_projects_onto_the_forger() -> None:
    """A receipt re-signed under a2's key is signed by a2 in the spec's view."""
    w = GuardChainWorld()
    w.prepare_operation("a1", "a2", 1)
    w.execute_effects(False)
    w.forge_receipt(w.wire[0], "a2")
    signers = {(r.d["src"].name, r.d["signer"].name) for r in project_guard_chain(w)["wire"]}
    assert signers == {("a1", "a1"), ("a1", "a2")}


def test_itf_round_trip_of_a_projected_state() -> None:
    """state_to_itf then state_from_itf gives back the same checker values."""
    w = GuardChainWorld()
    w.prepare_operation("a1", "a2", 2)
    w.execute_effects(False)
    w.receive_receipt(w.wire[0])
    w.prepare_operation("a2", "a1", 1)
    state = project_guard_chain(w)
    text = json.dumps(state_to_itf(state))
    assert state_from_itf(json.loads(text), GUARD_CHAIN) == state


def test_state_with_missing_or_extra_variables_is_refused() -> None:
    """A backend state must name exactly the spec's variables."""
    good = state_to_itf(project_guard_chain(GuardChainWorld()))
    missing = dict(good)
    del missing["wire"]
    with pytest.raises(BackendProtocolError, match=r"missing \['wire'\]"):
        state_from_itf(missing, GUARD_CHAIN)
    with pytest.raises(BackendProtocolError, match="unknown"):
        state_from_itf({**good, "x": True}, GUARD_CHAIN)
    with pytest.raises(BackendProtocolError, match="plain JSON number"):
        state_from_itf({**good, "epoch": 0}, GUARD_CHAIN)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(
            st.sampled_from(["#bigint", "#set", "#map", "#tup", "tag", "value", "a"]),
            inner,
            max_size=3,
        )
    ),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.sampled_from(GUARD_CHAIN_VARS), json_values))
def test_fuzzed_states_raise_only_typed_errors(obj: dict[str, object]) -> None:
    """Untrusted state JSON either decodes or raises BackendProtocolError, nothing else."""
    with contextlib.suppress(BackendProtocolError):
        state_from_itf(obj, GUARD_CHAIN)
