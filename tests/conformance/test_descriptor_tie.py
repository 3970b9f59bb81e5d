"""Two live descriptors of one publisher with one valid_from: the spec reaches them,
and the descriptor harness asks the nonce tie-break of DVChoiceDeterministic.

DESIGN.md 2 chooses the greatest ``(valid_from, nonce)``. A publisher that revokes
its descriptor needs a refresh at once and may publish again in the same time
unit; a member holding both descriptors and not (yet) the revocation then has two
candidates that only the nonce orders. ``DVNoSharedValidFrom`` (in the harness's
wrapper ``DVConformance.tla``) says that never happens, and the spec breaks it.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from aura_conformance.descriptor_validity import DescriptorBackend
from aura_conformance.descriptor_validity.checker import descriptor_validity_checker
from aura_conformance.descriptor_validity.machine import DV_SCENARIOS, _make
from aura_conformance.harness.driver import run_directed
from aura_conformance.harness.errors import ConformanceFailure
from aura_model.runners import detect_tlc, run_tool
from aura_model.spec_check import Expectation, ModelCase, Outcome, check_case, parse_expectation
from aura_model.specs import module_path

TLA = (
    Path(__file__).resolve().parents[2]
    / "conformance"
    / "aura_conformance"
    / "descriptor_validity"
    / "tla"
)
TIE_CFG = TLA / "MC_DVConformance_tie.cfg"
# Publish, revoke, publish again, and a2 pulls both descriptors: five steps.
TIE_TRACE = 6


def _case(folder: Path) -> ModelCase:
    """The witness model, its module beside the spec it EXTENDS (copies: TLC reads
    the folder of the resolved module)."""
    for source in (module_path("DescriptorValidity"), TLA / "DVConformance.tla", TIE_CFG):
        shutil.copy(source, folder / source.name)
    text = TIE_CFG.read_text(encoding="utf-8")
    return ModelCase(
        folder / TIE_CFG.name,
        folder / "DVConformance.tla",
        parse_expectation(text, str(TIE_CFG)),
    )


def test_the_spec_reaches_two_candidates_of_one_valid_from(tmp_path: Path) -> None:
    """The embedded checker finds the tie at the shortest depth, on the constants
    TLC checks the spec with."""
    case = _case(tmp_path)
    assert case.expect == Expectation("invariant", "DVNoSharedValidFrom")
    outcome = check_case(case)
    assert outcome.outcome is Outcome.MET, outcome.line()
    assert outcome.embedded.trace_length == TIE_TRACE, outcome.line()
    actions = [action for action, _ in outcome.embedded.trace[1:]]
    assert actions.count("PreparePublishDescriptor") == 2
    assert "RevokeDescriptor" in actions
    assert "Tick" not in actions


def test_tlc_agrees_on_the_tie(tmp_path: Path) -> None:
    """TLC reports the same violation with a trace of the same length."""
    tool = detect_tlc()
    if not tool.available:
        pytest.fail(f"TLC is needed here and was not found: {tool.reason}", pytrace=False)
    case = _case(tmp_path)
    tlc = run_tool("tlc", case.spec, case.cfg, tool=tool)
    outcome = check_case(case, tlc)
    assert outcome.outcome is Outcome.MET, outcome.line()
    assert outcome.tlc is not None
    assert outcome.tlc.trace_length == TIE_TRACE


def test_the_schedule_asks_the_tie_break_and_the_reference_passes() -> None:
    """``republish-same-tick`` on the reference leaves a2 with two candidates of one
    valid_from (the witness broken on the harness's own state), and every lookup
    agrees with DVLookup on the way."""
    backend = DescriptorBackend("ref")
    try:
        machine = _make(backend)()
        machine.Reset()
        DV_SCENARIOS["republish-same-tick"](machine)
        model = descriptor_validity_checker().model
        assert model.evaluate("DVNoSharedValidFrom", machine.state) is False
    finally:
        backend.close()


def _republish_same_tick(variant: str) -> ConformanceFailure | None:
    schedule = {"republish-same-tick": DV_SCENARIOS["republish-same-tick"]}
    return run_directed(_make(DescriptorBackend(variant)), schedule)[0][1]


def test_a_tie_broken_by_journal_order_is_named_after_the_invariant() -> None:
    """The choice by valid_from alone, a tie going to the first in journal order,
    answers a2 with the revoked descriptor's older twin: the lookup check names
    DVChoiceDeterministic, judged on the answer (no BUG model answers so). A
    last-arrived choice answers right on this schedule (the newer one arrives last),
    so the schedule judges the tie-break alone."""
    failure = _republish_same_tick("tie-by-journal-order")
    assert isinstance(failure, ConformanceFailure)
    assert failure.kind == "lookup"
    assert "the answer violates DVChoiceDeterministic" in str(failure)
    assert "known shortfall" not in str(failure)
    assert _republish_same_tick("last-arrived") is None


def test_the_byte_boundary_tie_is_between_nonces_255_and_256() -> None:
    """``tie-across-a-byte`` is republish-same-tick with the world's counter at 255:
    a2's two candidates carry the nonces 255 and 256, which differ in their last two
    bytes (where a little-endian reading orders them the other way), and the
    reference answers the second, as DVLookup does."""
    backend = DescriptorBackend("ref")
    try:
        machine = _make(backend)()
        machine.Reset()
        DV_SCENARIOS["tie-across-a-byte"](machine)
        world = backend.world
        nonces = sorted(int.from_bytes(n, "big") for n in world.ranks)
        assert nonces == [255, 256]
        assert (
            descriptor_validity_checker().model.evaluate("DVNoSharedValidFrom", machine.state)
            is False
        )
        chosen = world.lookup("a2", "c1", "a1")
        assert chosen is not None and chosen[5] == 2
    finally:
        backend.close()


def test_a_tie_read_little_endian_is_missed_by_small_nonces_and_caught_across_a_byte() -> None:
    """The little-endian tie-break answers right where the counter's nonces differ in
    their last byte only (republish-same-tick) and is named after DVLookup where they
    straddle a byte (tie-across-a-byte)."""
    from aura_conformance.descriptor_validity.world import DV_VARIANTS, DVVariant
    from aura_conformance.variants._probe_variants_r5 import LittleEndianNonceTieService

    name = "little-endian-nonce-tie"
    DV_VARIANTS[name] = DVVariant(name, "a test's probe", service=LittleEndianNonceTieService)
    try:
        assert _republish_same_tick(name) is None
        schedule = {"tie-across-a-byte": DV_SCENARIOS["tie-across-a-byte"]}
        failure = run_directed(_make(DescriptorBackend(name)), schedule)[0][1]
        assert isinstance(failure, ConformanceFailure)
        assert failure.kind == "lookup"
        assert "DVLookup" in str(failure)
        assert "the answer violates DVChoiceDeterministic" in str(failure)
    finally:
        del DV_VARIANTS[name]
