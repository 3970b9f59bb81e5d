"""A receiver's acceptance of a receipt rolls back with its outcome (guard world).

The world's receiver takes a receipt through its interpreter (a zero charge,
``AcceptReceipt``, its journal fact); ``ReceiveReceiptFails`` makes the append
fail, so the acceptance is undone with the rest, and the step is a stutter of
GuardChain.tla's state.
"""

from __future__ import annotations

from typing import Any

import pytest
from aura_conformance.guard_chain.machine import SCENARIOS
from aura_conformance.guard_chain.world import GuardChainWorld, Variant
from aura_conformance.variants import _probe_variants_r4 as P

from .probe_runs import guard_schedule_failure


def _two_receipts(world: GuardChainWorld) -> list[Any]:
    for _ in range(2):
        assert world.prepare_operation("a1", "a2", 1) == "Allowed"
        assert world.execute_effects(False) == "Committed"
    return sorted(world.wire, key=lambda r: r.nonce)


def test_a_failed_receive_undoes_the_acceptance(undone: list[Any]) -> None:
    world = GuardChainWorld()
    r1, r2 = _two_receipts(world)
    assert world.receive_receipt(r1) == "Accepted"
    journal_before = world.journal.ids()

    assert world.receive_receipt(r2, fail_append=True) == "RolledBack"
    assert len(undone) == 1
    assert world.verifiers["a2"].accepted == [r1]
    assert world.rlog["a2"] == [(r1, 0)]
    assert world.journal.ids() == journal_before
    # The head is receipt 1 again: 1 is a replay, 2 the next.
    assert world.receive_receipt(r1) == "Rejected:ReceiptReplayed"
    assert world.receive_receipt(r2) == "Accepted"
    assert world.rlog["a2"] == [(r1, 0), (r2, 0)]


def test_a_refused_receipt_is_refused_before_the_failing_append() -> None:
    world = GuardChainWorld()
    r1, _ = _two_receipts(world)
    assert world.receive_receipt(r1) == "Accepted"
    assert world.receive_receipt(r1, fail_append=True) == "Rejected:ReceiptReplayed"
    assert world.rlog["a2"] == [(r1, 0)]


def _scenario(variant: Variant) -> str:
    return guard_schedule_failure(variant, "rolled-back-receive")


def test_the_reference_passes_the_rolled_back_receive_schedule() -> None:
    assert "rolled-back-receive" in SCENARIOS
    assert _scenario(Variant("ref", "the reference")) == ""


@pytest.mark.parametrize(
    ("variant", "named", "at"),
    [
        # The rollback forgets a1's stream: receipt 1 is accepted again.
        (
            Variant("restarting-undo-verifier", "probe", verifier=P.RestartingUndoVerifier),
            "GCReceiptNoReplay",
            "harness action: ReceiveReceipt)",
        ),
        # The rollback leaves receipt 2 accepted: the failed step is no stutter.
        (
            Variant("kept-acceptance", "probe", interpreter=P.KeptAcceptanceInterpreter),
            "GCAtomicRollback",
            "harness action: ReceiveReceiptFails)",
        ),
    ],
    ids=lambda v: getattr(v, "name", ""),
)
def test_the_schedule_names_a_receivers_broken_rollback(
    variant: Variant, named: str, at: str
) -> None:
    failure = _scenario(variant)
    assert named in failure and at in failure, failure[:1000]
