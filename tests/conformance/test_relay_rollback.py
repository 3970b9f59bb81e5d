"""The relay's acceptance of a sender's receipt rolls back with its forward.

``RelayForwardFails`` injects one fault in the relay world: the relay's own
receipt for the forward fails to be recorded, after its ``AcceptReceipt`` of the
sender's. The outcome rolls back whole (a stutter of RelayConformance.tla's
state), and the schedule ``rolled-back-forward`` judges what the relay then
does with an older receipt of the stream and with the same forward again.
"""

from __future__ import annotations

from typing import Any

import pytest
from aura_conformance.relay.backends import RelayBackend
from aura_conformance.relay.machine import RELAY_SCENARIOS, run_relay_scenarios
from aura_conformance.relay.world import RELAY, RELAY_VARIANTS, RelayVariant, RelayWorld
from aura_conformance.variants import _probe_variants_r4 as P


def _inits_at_relay(world: RelayWorld) -> list[Any]:
    return sorted(
        (k for k in world.msgs if k[0] == "Init" and k[2] == RELAY),
        key=lambda k: k[4],
    )


def test_a_failed_forward_undoes_the_relays_acceptance(undone: list[Any]) -> None:
    world = RelayWorld(RelayVariant())
    world.relay_request()
    [key] = _inits_at_relay(world)
    relay = world.nodes[RELAY]
    spent, verifier = world.relay_spent("c1"), relay.service.receipt_verifiers
    accepted = {c: list(v.accepted) for c, v in verifier.items()}

    said = world.relay_forward_fails(key)
    assert said.startswith("relay rolled back: IssuerFault"), said
    assert len(undone) == 1
    assert {c: list(v.accepted) for c, v in verifier.items()} == accepted
    assert world.relay_spent("c1") == spent
    assert not relay.outbox
    # Nothing of the failed forward is left: the same forward goes through.
    assert world.relay_forward(key).startswith(f"{RELAY} sent")


def _scenario(variant: RelayVariant, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setitem(RELAY_VARIANTS, "probe", variant)
    backend = RelayBackend("probe")
    try:
        [(_, failure)] = run_relay_scenarios(
            backend, {"rolled-back-forward": RELAY_SCENARIOS["rolled-back-forward"]}
        )
    finally:
        backend.close()
    return "" if failure is None else str(failure)


def test_the_reference_passes_the_rolled_back_forward_schedule(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert _scenario(RelayVariant(), monkeypatch) == ""


@pytest.mark.parametrize(
    ("service", "named"),
    [
        # The rollback forgets Ini's stream: Ini's receipt 1 is taken after its 2.
        (P.RestartingUndoService, "GCReceiptNoReplay"),
        # The rollback leaves receipt 3 the head: the forward asked again is refused.
        (P.HeadKeepingUndoService, "GCAtomicRollback"),
    ],
    ids=["restarting-undo-verifier", "head-keeping-undo"],
)
def test_the_schedule_names_a_relays_broken_rollback(
    service: Any, named: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    failure = _scenario(RelayVariant(peers=service, relay=service), monkeypatch)
    assert named in failure and "harness action: RelayForward)" in failure, failure[:1000]
