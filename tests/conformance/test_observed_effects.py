"""What the harness observes a backend do: effect order, impostors, rewritten headers."""

from __future__ import annotations

from aura_conformance import EPOCH_VARIANTS, EpochWorld
from aura_conformance.epoch_rotation.world import INI
from aura_conformance.guard_chain.effects import (
    APPEND,
    CHARGE,
    SEND,
    UNDO,
    Effect,
    judge_effects,
)
from aura_conformance.guard_chain.world import VARIANTS, GuardChainWorld
from aura_conformance.relay.world import RELAY_VARIANTS, RelayWorld
from aura_rendezvous import CONNECT_RELAY_COST, SendHandshake


def _kinds(effects: tuple[Effect, ...]) -> list[str]:
    return [e.describe() for e in effects]


def test_the_reference_charges_appends_then_sends_message_1() -> None:
    """A connect's effects, as the ports saw them: charge, append, then the real
    Noise message 1; a deny and a rolled-back outcome send nothing."""
    w = GuardChainWorld()
    assert w.prepare_operation("a1", "a2", 1) == "Allowed"
    assert w.take_effects() == ()  # preparing is pure
    assert w.execute_effects(False) == "Committed"
    effects = w.take_effects()
    assert _kinds(effects) == [f"{CHARGE}(1)", APPEND, f"{SEND}(SendHandshake)"]
    [sent] = w.outbox
    assert isinstance(sent, SendHandshake)
    assert len(sent.message) > 32 and sent.receipt  # real Noise bytes, paid for
    assert w.prepare_operation("a2", "a1", 1) == "Denied:MissingCapability"
    assert w.take_effects() == ()
    w.prepare_operation("a1", "a2", 1)
    assert w.execute_effects(True) == "RolledBack"
    assert _kinds(w.take_effects()) == [f"{CHARGE}(1)", f"{UNDO}(1)"]


def test_the_wrong_interpreters_show_in_the_effect_order() -> None:
    """The same connect through the broken backends: sent on a deny, sent first."""
    deny = GuardChainWorld(VARIANTS["effects-on-deny"])
    assert deny.prepare_operation("a2", "a1", 1) == "Denied:MissingCapability"
    assert _kinds(deny.take_effects()) == [f"{SEND}(SendHandshake)"]
    first = GuardChainWorld(VARIANTS["charge-after-send"])
    first.prepare_operation("a1", "a2", 1)
    first.execute_effects(False)
    assert _kinds(first.take_effects())[0] == f"{SEND}(SendHandshake)"


def test_judge_effects_names_each_rule() -> None:
    """Each rule of the judge fails on its own and passes the reference order."""
    charge, append, send = Effect(CHARGE, 2), Effect(APPEND), Effect(SEND, detail="X")
    ok = (charge, append, send)
    assert judge_effects(ok, what="op", sends_allowed=True, paid=2) is None
    denied = judge_effects((send,), what="op", sends_allowed=False)
    assert denied is not None and denied.startswith("GCNoEffectOnDeny")
    late = judge_effects((send, charge), what="op", sends_allowed=True)
    assert late is not None and late.startswith("GCChargeFirst")
    appended = judge_effects((append, charge), what="op", sends_allowed=True)
    assert appended is not None and appended.startswith("GCChargeFirst")
    # Sent before a charge that was then given back (a rollback): the first wrong
    # effect, in the order they ran, is the send before the charge.
    undone = Effect(UNDO, 2)
    rolled = judge_effects((send, charge, undone), what="op", sends_allowed=False)
    assert rolled is not None and rolled.startswith("GCChargeFirst")
    unpaid = judge_effects((Effect(CHARGE, 0), send), what="op", sends_allowed=True, paid=2)
    assert unpaid is not None and unpaid.startswith("GCAtomicRollback")


def test_the_relay_request_is_charged_before_it_is_sent() -> None:
    """Ini pays CONNECT_RELAY_COST, then message 1 leaves for the relay; the wrong
    backend sends it having paid nothing."""
    for variant, paid in (("ref", CONNECT_RELAY_COST), ("uncharged-relay-request", 0)):
        w = RelayWorld(RELAY_VARIANTS[variant])
        w.relay_request()
        assert _kinds(w.nodes[INI].effects.take()) == [
            f"{CHARGE}({paid})",
            f"{SEND}(SendRelayRequest)",
        ]


def test_the_reference_refuses_an_impostor_and_a_rewritten_epoch() -> None:
    """Real IKpsk2: a message 1 claiming Ini under another static key is
    StaticKeyMismatch; Ini's message 1 of epoch 0 with its clear epoch rewritten
    to 1 fails to authenticate (the prologue binds 0). The wrong backends answer."""
    ref = EpochWorld()
    assert ref.impersonate_init(0) == "Rejected:StaticKeyMismatch"
    assert ref.members_only_violations() == []
    wrong = EpochWorld(EPOCH_VARIANTS["unchecked-static-key"])
    assert wrong.impersonate_init(0) == "Answered"
    assert wrong.members_only_violations()
    for variant, outcome in (
        ("ref", "Rejected:HandshakeAuthError"),
        ("epoch-free-prologue", "Answered"),
    ):
        w = EpochWorld(EPOCH_VARIANTS[variant])
        w.prepare_establish_channel(0)
        w.advance_epoch("a2")
        [(key, sent)] = w.msgs.items()
        assert w.rewrite_epoch(key, sent[0], 0) == outcome
