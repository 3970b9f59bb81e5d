"""Relay-path conformance: relayed IKpsk2 handshakes of three real services, each step
explained by the relay path of Rendezvous.tla, and the relay's old shortfalls rejected."""

from __future__ import annotations

import pytest
from aura_conformance import BackendError
from aura_conformance.relay import (
    RELAY_SCENARIOS,
    RELAY_VARIANTS,
    RelayBackend,
    RelayWorld,
    project_relay,
    relay_checker,
    run_relay_conformance,
    run_relay_scenarios,
)


def test_a_relayed_handshake_is_explained_action_by_action() -> None:
    """Message 1, its forward, message 2, its forward, the confirmation, its forward, the
    confirmation's arrival: each step is the spec action of the same name (the arrival,
    which sends nothing, a stutter); junk at the relay is refused, a stutter too."""
    checker = relay_checker()
    w = RelayWorld(RELAY_VARIANTS["ref"])
    state = project_relay(w)
    checker.check_init(state)
    seen: list[str] = []

    def step(rule: str, outcome: str) -> None:
        nonlocal state
        after = project_relay(w)
        seen.append(checker.check_step(state, after, rule).actions[0].split("(")[0])
        state = after

    def newest(kind: str, hop: str) -> tuple[str, str, str, str, int]:
        return next(k for k in reversed(list(w.msgs)) if k[0] == kind and k[2] == hop)

    step("RelayRequest", w.relay_request())
    step("RelayForward", w.relay_forward(newest("Init", "r1")))
    step("HandleHandshake", w.deliver(newest("Init", "a2")))
    step("RelayForward", w.relay_forward(newest("Resp", "r1")))
    step("ProcessResponse", w.deliver(newest("Resp", "a1")))
    step("RelayForward", w.relay_forward(newest("Confirm", "r1")))
    step("KeyConfirm", w.deliver(newest("Confirm", "a2")))
    step("InjectJunk", w.inject_junk())
    outcome = w.relay_forward(newest("Junk", "r1"))
    step("RelayForward", outcome)
    assert seen == [
        "RelayRequest",
        "RelayForward",
        "HandleHandshake",
        "RelayForward",
        "ProcessResponse",
        "RelayForward",
        "stutter",
        "InjectJunk",
        "stutter",
    ]
    assert outcome == "relay refused: MalformedEnvelope (Malformed)"
    assert w.relay_spent() == 3  # three forwards, nothing for the junk
    assert {k[0] for k in w.msgs} == {"Init", "Resp", "Confirm", "Junk"}


def test_reference_passes_the_relay_scenarios_and_random_runs() -> None:
    """Relayed handshakes (one, two, with junk at the relay) and random runs conform."""
    results = run_relay_scenarios(RelayBackend())
    assert [name for name, _ in results] == list(RELAY_SCENARIOS)
    assert all(f is None for _, f in results), results
    result = run_relay_conformance(RelayBackend(), examples=20, seed=1)
    assert result.conformant, result.failure
    assert result.steps > 50


@pytest.mark.parametrize("variant", [v for v in RELAY_VARIANTS if v != "ref"])
def test_old_relay_behaviour_is_rejected_naming_the_invariant(variant: str) -> None:
    """The relay that charged for and forwarded junk (RVRelayForwardsOnlyProtocol), the
    initiator that sent a relayed handshake's key confirmation directly
    (RVRelayedEndToEnd), the initiator that tried only the first relay hint
    (RVRelayFallback) and the relay that forwarded, and paid for, a replayed envelope
    again (RVRelayForwardsOnce) are each rejected, and the failure names the invariant."""
    breaks = RELAY_VARIANTS[variant].breaks
    assert breaks is not None
    failures = [f for _, f in run_relay_scenarios(RelayBackend(variant)) if f is not None]
    assert failures, f"{variant} passed every scenario"
    assert all(breaks in str(f) for f in failures), failures[0]
    result = run_relay_conformance(RelayBackend(variant), examples=5, seed=1)
    assert not result.conformant and breaks in result.failure


def test_the_invariants_judge_forwarded_junk_and_direct_confirmations() -> None:
    """Rendezvous.tla's invariants, evaluated on projected states: a junk envelope the
    relay delivered breaks RVRelayForwardsOnlyProtocol, a confirmation of a relayed
    handshake that reached Resp without the relay breaks RVRelayedEndToEnd."""
    from aura_conformance.relay import message_record

    checker = relay_checker()
    state = project_relay(RelayWorld(RELAY_VARIANTS["ref"]))
    junk = ("Junk", "a1", "r1", "a2", 0)
    delivered = ("Junk", "a1", "a2", "a2", 0)
    forwarded = {**state, "net": frozenset({message_record(junk), message_record(delivered)})}
    assert checker.violated(forwarded) == ["RVRelayForwardsOnlyProtocol"]
    direct = {**state, "net": frozenset({message_record(("Confirm", "a1", "a2", "a2", 1))})}
    assert checker.violated(direct) == ["RVRelayedEndToEnd"]
    assert checker.violated(state) == []


def test_the_invariants_judge_a_skipped_relay_and_a_second_charge() -> None:
    """A connect that spent its handshake id without reaching a usable relay breaks
    RVRelayFallback; a relay that spent twice for one delivered envelope breaks
    RVRelayForwardsOnce; one charge per delivered envelope does not."""
    from aura_conformance.relay import message_record
    from aura_model.tla import ModelValue
    from aura_model.tla import values as V

    checker = relay_checker()
    state = project_relay(RelayWorld(RELAY_VARIANTS["ref"]))
    assert checker.violated({**state, "nextId": 2}) == ["RVRelayFallback"]
    at_relay = message_record(("Confirm", "a1", "r1", "a2", 1))
    delivered = message_record(("Confirm", "a1", "a2", "a2", 1))
    sent = message_record(("Init", "a1", "r1", "a2", 1))
    net = frozenset({sent, at_relay, delivered})
    once = {**state, "net": net, "nextId": 2, "spent": V.fn({ModelValue("c1"): 1})}
    assert checker.violated(once) == []
    twice = {**once, "spent": V.fn({ModelValue("c1"): 2})}
    assert checker.violated(twice) == ["RVRelayForwardsOnce"]


def test_the_relay_sub_spec_passes_sany_tlc_and_the_embedded_checker() -> None:
    """The spec-check stage's run on RelayConformance.tla's models: the ok model passes
    and the first-relay-only model violates RVRelayFallback, TLC and the embedded
    checker agreeing (SKIPPED, never a pass, without TLC)."""
    from aura_conformance.relay import check_relay_spec
    from aura_model.stages import Status

    lines: list[str] = []
    report = check_relay_spec(lines.append)
    if report.skipped:
        pytest.skip(report.skipped)
    assert report.status() is Status.PASS, report.detail()
    met = {o.case.cfg.name: o for o in report.models}
    assert set(met) == {"MC_RelayConformance.cfg", "MC_RelayConformance_bad_RVRelayFallback.cfg"}
    bad = met["MC_RelayConformance_bad_RVRelayFallback.cfg"]
    assert bad.tlc is not None and bad.tlc.violated == "RVRelayFallback"
    assert bad.embedded.violated == "RVRelayFallback"


def test_unknown_variant_is_refused() -> None:
    with pytest.raises(BackendError):
        RelayBackend("no-such-variant")
