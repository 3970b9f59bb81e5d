"""A receipt of another context, handed to its receiver as one of this context (guard world).

The guard world's members share a second context outside GuardChain.tla's one.
``OtherContextReceipt(r)`` has ``r``'s source pay its receiver there and hands
the receiver that receipt with a message of the spec's context: its verifier
of this context must refuse it (``ReceiptWrongContext``), a stutter. The
other-context-receipt schedule then delivers this context's genuine receipt 1,
which must still be accepted (``GCReceiptResumesAfterLoss``).
"""

from __future__ import annotations

from typing import Any

import pytest
from aura_conformance.guard_chain.backends import ACTION_TABLE
from aura_conformance.guard_chain.machine import SCENARIOS, make_machine
from aura_conformance.guard_chain.mapping import GUARD_CHAIN, project_guard_chain
from aura_conformance.guard_chain.world import GuardChainWorld, Variant
from aura_conformance.harness.backend import WorldBackend
from aura_conformance.harness.errors import ConformanceFailure
from aura_conformance.variants import _probe_variants_r5 as P
from aura_rendezvous import Receipt
from aura_rendezvous.guard import NO_SUBJECT

from .probe_runs import guard_schedule_failure

_BLIND = Variant("context-blind-receipt", "probe", verifier=P.ContextBlindReceiptVerifier)


def _sent(world: GuardChainWorld) -> Receipt:
    assert world.prepare_operation("a1", "a2", 1) == "Allowed"
    assert world.execute_effects(False) == "Committed"
    (r1,) = world.wire
    return r1


def test_the_reference_refuses_the_other_contexts_receipt_and_changes_nothing_here() -> None:
    world = GuardChainWorld()
    r1 = _sent(world)
    world.take_effects()
    before = project_guard_chain(world)

    assert world.other_context_receipt(r1) == "Rejected:ReceiptWrongContext"
    # It was paid for, there: a1's charge and receipt of the other context, signed over
    # a real message 1 of that context.
    (paid,) = [r for r in world.issuers["a1"].issued if r.context_id == world.other]
    assert (paid.src, paid.dst, paid.nonce, paid.prev_hash) == (r1.src, r1.dst, 1, r1.prev_hash)
    assert paid.subject != NO_SUBJECT
    assert world.budget.spent(world.other, world.ids["a1"], 0) == 1
    # Nothing of this context moved, and the other context's payment left no effect
    # the step is judged on (only the receiver's refused outcome).
    assert project_guard_chain(world) == before
    assert world.verifiers["a2"].accepted == []
    assert world.receive_receipt(r1) == "Accepted"


def test_a_context_blind_verifier_takes_it_as_this_chains_first_receipt() -> None:
    world = GuardChainWorld(_BLIND)
    r1 = _sent(world)
    assert world.other_context_receipt(r1) == "Accepted"
    # This context's log shows none of it; the chain's head moved all the same.
    assert world.rlog["a2"] == []
    assert [r.context_id for r in world.verifiers["a2"].accepted] == [world.other]
    assert world.receive_receipt(r1) == "Rejected:ReceiptReplayed"


def _scenario(variant: Variant) -> str:
    return guard_schedule_failure(variant, "other-context-receipt")


def test_the_reference_passes_the_other_context_receipt_schedule() -> None:
    assert "other-context-receipt" in SCENARIOS
    assert _scenario(Variant("ref", "the reference")) == ""


def test_the_schedule_names_the_refused_genuine_receipt() -> None:
    failure = _scenario(_BLIND)
    assert "GCReceiptResumesAfterLoss" in failure, failure[:1000]
    assert "harness action: ReceiveReceipt)" in failure


class _WholeLogWorld(GuardChainWorld):
    """Reports every receipt its verifiers accepted in ``rlog``, whatever its context,
    as a backend may."""

    @property
    def rlog(self) -> dict[str, list[tuple[Receipt, int]]]:
        return {
            name: list(zip(self.verifiers[name].accepted, self._accepted_at[name], strict=True))
            for name in self.names.values()
        }


def test_a_backend_showing_the_other_contexts_receipt_fails_at_the_move() -> None:
    # Shown in this context's log, a1's receipt 1 of the other context reads as this
    # context's receipt 1 accepted: ReceiveReceipt(r) would explain it, so only the
    # move's own check (a stutter) catches it.
    backend: WorldBackend[Any] = WorldBackend(
        "whole-log",
        GUARD_CHAIN,
        new_world=lambda: _WholeLogWorld(_BLIND),
        project=project_guard_chain,
        actions=ACTION_TABLE,
        refusals=(ValueError,),
    )
    m = make_machine(backend)()
    m.Reset()
    try:
        with pytest.raises(ConformanceFailure) as info:
            SCENARIOS["other-context-receipt"](m)
    finally:
        backend.close()
    message = str(info.value)
    assert "no action of GuardChain.tla takes a receipt of another context" in message
    assert "rlog" in message and "harness action: OtherContextReceipt" in message
