"""EpochRotation.tla conformance: real IKpsk2 handshakes between two channel managers."""

from __future__ import annotations

import pytest
from aura_conformance import BackendError, ConformanceFailure
from aura_conformance.epoch_rotation import (
    EPOCH_DIVERGENCES,
    EPOCH_SCENARIOS,
    EpochBackend,
    EpochWorld,
    epoch_rotation_checker,
    project_epoch_rotation,
    run_epoch_conformance,
    run_epoch_scenarios,
)
from aura_rendezvous.core import RemoteProtocolError, UnsolicitedHandshake


def test_a_real_handshake_is_explained_action_by_action() -> None:
    """msg 1, msg 2, key confirmation: each step is the spec action of the same name."""
    checker = epoch_rotation_checker()
    w = EpochWorld()
    state = project_epoch_rotation(w)
    checker.check_init(state)
    seen = []

    def step(rule: str, outcome: str) -> None:
        nonlocal state
        after = project_epoch_rotation(w)
        seen.append((outcome, checker.check_step(state, after, rule).actions[0].split("(")[0]))
        state = after

    step("PrepareEstablishChannel", w.prepare_establish_channel(0))
    init = next(k for k in w.msgs if k[0] == "Init")
    step("HandleHandshake", w.handle_handshake(init, w.msgs[init][0], 0))
    resp = next(k for k in w.msgs if k[0] == "Resp")
    step("ProcessResponse", w.process_response(resp, w.msgs[resp][0], 0))
    step("SendData", w.send_data("a1"))
    data = next(k for k in w.msgs if k[0] == "Data")
    step("ReceiveData", w.receive_data(data, w.msgs[data][0]))
    step("HandleHandshake", w.handle_handshake(init, w.msgs[init][0], 0))
    assert seen == [
        ("Started", "PrepareEstablishChannel"),
        ("Answered", "HandleHandshake"),
        ("Active", "ProcessResponse"),
        ("Sent", "SendData"),
        ("Confirmed", "KeyConfirm"),
        ("Rejected:ReplayedHandshake", "stutter"),
    ]
    assert state["confirmed"] == frozenset({1})
    assert len(w.journal) == 1  # ChannelEstablished journaled only on key confirmation


def test_reference_passes_the_epoch_scenarios_and_random_runs() -> None:
    """Handshake, replayed msg 1, rotation to epoch 1 and timeouts all conform."""
    assert all(f is None for _, f in run_epoch_scenarios(EpochBackend())), "scenario failed"
    result = run_epoch_conformance(EpochBackend(), examples=30, seed=1)
    assert result.conformant, result.failure
    assert result.steps > 100


@pytest.mark.parametrize(
    ("variant", "action", "seed", "named"),
    [
        ("psk-from-public-ids", "PrepareEstablishChannel", 4, ""),
        # The guard is written at key confirmation: one that records nothing
        # shows there (KeyConfirm sets lastTs), and random runs, whose Handshake
        # rule reaches a key confirmation early, find it there too.
        ("no-handshake-replay-check", "ReceiveData", 4, "(harness action: ReceiveData)"),
    ],
)
def test_buggy_channel_backends_are_caught(
    variant: str, action: str, seed: int, named: str
) -> None:
    """A PSK derived from public ids and a responder that records no timestamps diverge at once."""
    results = dict(run_epoch_scenarios(EpochBackend(variant)))
    failure = results["handshake"]
    assert isinstance(failure, ConformanceFailure)
    assert failure.action == action
    random = run_epoch_conformance(EpochBackend(variant), examples=20, seed=seed, scenarios=False)
    assert not random.conformant
    assert named in (random.failure or "")


def test_psk_from_public_ids_is_projected_as_the_public_token() -> None:
    """The abstraction maps a PSK that is not the secret derivation to the spec's ERPublicPsk."""
    w = EpochWorld(EpochBackend("psk-from-public-ids").variant)
    w.prepare_establish_channel(0)
    chan = project_epoch_rotation(w)["chan"]
    assert {c.d["psk"] for row in chan.d.values() for c in row.d.values()} == {0}


def test_unknown_epoch_variant_and_message_are_typed_errors() -> None:
    """Bad requests to the epoch backend are BackendError."""
    with pytest.raises(BackendError, match="unknown variant"):
        EpochBackend("nope")
    backend = EpochBackend()
    backend.request("Reset", {}, 0)
    with pytest.raises(BackendError, match="not a message record"):
        backend.request("HandleHandshake", {"m": 3}, 0)


def test_late_key_confirmation_of_a_replaced_handshake() -> None:
    """Once a divergence (docs/conformance.md): the responder retires the older handshake
    when it answers a newer one, as HandleHandshake does, so the late confirmation of
    the older one is ignored; the pre-fix manager is caught at that ReceiveData."""
    results = dict(run_epoch_scenarios(EpochBackend(), EPOCH_SCENARIOS))
    assert results["late-confirmation"] is None
    assert EPOCH_DIVERGENCES == {}
    old = dict(run_epoch_scenarios(EpochBackend("keep-replaced-handshake")))
    failure = old["late-confirmation"]
    assert failure is not None
    assert failure.kind == "step" and failure.action == "ReceiveData"
    assert [n for n, f in old.items() if f is not None] == ["late-confirmation"]
    # No random-run assertion here: finding this needs a long specific program and,
    # under xdist, a seeded run found it in some sessions and not in others.


def test_no_real_rekey_is_caught_at_the_epoch_advance() -> None:
    """rotate-in-place (the seed's rotate): AdvanceEpoch leaves the channel Active under
    the new epoch with the old keys; no ERNext step explains it, and the state breaks
    ERRekeyIsNewHandshake."""
    results = dict(run_epoch_scenarios(EpochBackend("rotate-in-place")))
    failure = results["rotation"]
    assert failure is not None
    assert failure.kind == "step" and failure.action == "AdvanceEpoch"
    assert "ERRekeyIsNewHandshake" in str(failure)
    random = run_epoch_conformance(
        EpochBackend("rotate-in-place"), examples=100, seed=0, scenarios=False
    )
    assert not random.conformant


def test_channels_not_bound_to_their_context_are_caught() -> None:
    """peer-only-lookup: the first channel is found by a lookup in the second context,
    which breaks Rendezvous.tla's RVChannelContextBound."""
    results = dict(run_epoch_scenarios(EpochBackend("peer-only-lookup")))
    failure = results["handshake"]
    assert failure is not None
    assert failure.kind == "invariant" and failure.action == "HandleHandshake"
    assert "RVChannelContextBound" in str(failure)
    assert EpochWorld().context_binding_violations() == []
    random = run_epoch_conformance(
        EpochBackend("peer-only-lookup"), examples=20, seed=4, scenarios=False
    )
    assert not random.conformant and "RVChannelContextBound" in random.failure


@pytest.mark.parametrize(
    ("variant", "scenario", "action", "invariant"),
    [
        # Today's guard records the attacker's 2^64 - 1 at message 1.
        ("eager-replay-guard", "lockout", "InjectInit", "ERNoLockout"),
        # Today's guard keeps epoch 0's timestamp after the rotation.
        ("epoch-blind-replay-guard", "rotation", "AdvanceEpoch", "ERReplayGuardAuthenticated"),
        # Today's initiator dies of a tampered message 2.
        ("fragile-pending", "forged-response", "ForgeResponse", "ERForgeryNoEffect"),
    ],
)
def test_todays_replay_guard_and_pending_handshake_are_rejected(
    variant: str, scenario: str, action: str, invariant: str
) -> None:
    """Each variant keeps today's behaviour of one defect; the schedule that shows it
    fails at the attacker's (or the epoch's) step, naming the invariant it breaks,
    and the reference runs the same schedule through."""
    failure = dict(run_epoch_scenarios(EpochBackend(variant)))[scenario]
    assert isinstance(failure, ConformanceFailure)
    assert failure.kind == "step" and failure.action == action
    assert invariant in str(failure)
    assert dict(run_epoch_scenarios(EpochBackend()))[scenario] is None


@pytest.mark.parametrize(
    ("variant", "seed", "invariant"),
    [
        ("eager-replay-guard", 3, "ERReplayGuardAuthenticated"),
        # Seed 5 since the direct rule choice: the 20 runs of seeds 0 to 4 no longer name
        # ERForgeryNoEffect (seed 3 fails at an unexplained ProcessResponse first).
        ("fragile-pending", 5, "ERForgeryNoEffect"),
        ("epoch-blind-replay-guard", 0, "ERReplayGuardAuthenticated"),
    ],
)
def test_random_runs_find_the_attackers_effect(variant: str, seed: int, invariant: str) -> None:
    """Random runs find the eager guard (at the first message 1 it answers: since the
    Handshake rule runs whole handshakes, before the attacker's lockout, which the
    lockout schedule names), the killed handshake, and the epoch-blind guard (a
    confirmed handshake, then the responder's epoch advance)."""
    random = run_epoch_conformance(EpochBackend(variant), examples=20, seed=seed, scenarios=False)
    assert not random.conformant
    assert invariant in (random.failure or "")


def test_the_attackers_messages_change_nothing_in_the_reference() -> None:
    """A msg 1 of timestamp 2^64 - 1 under the retired PSK is refused (clock skew); one
    within the bound is answered but writes no guard; a msg 2 with a flipped byte
    leaves the pending handshake as it was, and the genuine one completes it."""
    w = EpochWorld()
    w.advance_epoch("a1")
    w.advance_epoch("a2")
    assert w.inject_init(True, 0) == "Rejected:HandshakeClockSkew"
    assert w.inject_init(False, 0) == "Answered"
    assert w.managers["a2"].replay_guard.greatest(w.context.value, 1, w.ids["a1"].value) is None
    w.check_timeouts(1_500)
    w.prepare_establish_channel(1_500)
    init = next(k for k in w.msgs if k[0] == "Init")
    assert w.handle_handshake(init, w.msgs[init][0], 1_500) == "Answered"
    pending = w.managers["a1"].pending(w.context.value, w.ids["a2"].value)
    assert pending is not None
    for position in (0, 40, -1):  # header, ephemeral, tag
        assert w.forge_response(position, 1_500).startswith("Rejected:")
        assert w.managers["a1"].pending(w.context.value, w.ids["a2"].value) is pending
    assert not w.ini_log
    resp = next(k for k in w.msgs if k[0] == "Resp" and k[4] == 1)
    assert w.process_response(resp, w.msgs[resp][0], 1_500) == "Active"
    assert w.ini_log == {resp}


def test_an_unsolicited_msg_2_is_a_remote_protocol_error() -> None:
    """The genuine message 2 delivered again once the handshake completed: the
    reference refuses it as peer input (a RemoteProtocolError subclass) and nothing
    changes; the kept pre-fix manager called it a LocalProtocolError."""
    outcomes = {}
    for variant in ("ref", "fragile-pending"):
        w = EpochWorld(EpochBackend(variant).variant)
        w.prepare_establish_channel(0)
        init = next(k for k in w.msgs if k[0] == "Init")
        w.handle_handshake(init, w.msgs[init][0], 0)
        resp = next(k for k in w.msgs if k[0] == "Resp")
        assert w.process_response(resp, w.msgs[resp][0], 0) == "Active"
        before = project_epoch_rotation(w)
        outcomes[variant] = w.process_response(resp, w.msgs[resp][0], 0)
        assert project_epoch_rotation(w) == before
    assert outcomes == {
        "ref": "Rejected:UnsolicitedHandshake",
        "fragile-pending": "Rejected:LocalProtocolError",
    }
    assert issubclass(UnsolicitedHandshake, RemoteProtocolError)


def test_scenario_names_are_stable() -> None:
    """The documented schedules exist."""
    assert set(EPOCH_SCENARIOS) == {
        "handshake",
        "replayed-init",
        "replayed-init-later-epoch",
        "rotation",
        "timeout",
        "late-confirmation",
        "lockout",
        "unproven-pending",
        "forged-response",
        "closed-channel-data",
        "replayed-after-timeout",
        "impersonated-init",
        "rewritten-epoch",
        "closed-then-rotated",
        "replayed-data",
        "retired-epoch-data",
        "rotating-sends-nothing",
        "stale-epoch-response",
        "timed-out-response",
        "forged-response-header",
        "data-both-ways",
        "foreign-psk-other-context",
        "other-context-advance",
        "replayed-confirmation",
        "timeout-at-deadline",
        "confirmation-past-deadline",
        "response-past-deadline",
        "other-context-replay",
        "data-after-a-gap",
        "crossing-data",
        "forged-data",
        "forged-response-then-timeout",
        "advance-while-establishing",
        "init-of-newer-epoch",
        "reordered-init",
        "pending-across-contexts",
        "rekeyed-then-closed",
        "overtaken-confirmation",
    }


def test_a_handshake_in_the_other_context_under_the_spec_contexts_psk_is_refused() -> None:
    """The attacker holding Ini's static key and the spec context's PSK runs a
    handshake with Resp in the other context: Resp answers (IKpsk2 mixes the PSK in at
    message 2), its answer does not authenticate under that PSK, and Resp is left with
    the unconfirmed answer only. A PSK memoised per roster and derived for the spec
    context first lets the attacker through, named after ERPskSecret there."""
    from aura_conformance.epoch_rotation.world import EPOCH_VARIANTS, EpochVariant
    from aura_conformance.variants._probe_variants_r5 import RosterKeyedPskMembership

    from .test_probe_variants_r5 import SpecFirstRosterKeyedPskMembership

    backend = EpochBackend("ref")
    backend.request("Reset", {}, 0)
    assert backend.request("ForeignPskOtherContextInit", {}, 0).outcome == (
        "Rejected:HandshakeAuthError"
    )
    table = backend.other_context()
    assert table is not None
    assert table["a2"][0] == "Establishing"
    schedule = {"foreign-psk-other-context": EPOCH_SCENARIOS["foreign-psk-other-context"]}
    assert run_epoch_scenarios(EpochBackend("ref"), schedule) == [
        ("foreign-psk-other-context", None)
    ]
    for name, membership in (
        ("roster-keyed-psk", RosterKeyedPskMembership),
        ("roster-keyed-psk-spec-first", SpecFirstRosterKeyedPskMembership),
    ):
        EPOCH_VARIANTS[name] = EpochVariant(name, "a test's probe", membership=membership)
        try:
            [(_, failure)] = run_epoch_scenarios(EpochBackend(name), schedule)
        finally:
            del EPOCH_VARIANTS[name]
        assert failure is not None
        assert "ERPskSecret (EpochRotation.tla, in the other context)" in str(failure)
